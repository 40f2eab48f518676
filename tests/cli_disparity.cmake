# cli_disparity.cmake - tests of `footfall disparity` (spec section 6) that run
# the real program on a Middlebury pair and on bad input.
#
# Included from tests/CMakeLists.txt it registers the tests; each test runs
# this same file in script mode (cmake -P) to check one run: the command
# (DISP_ARGS, '|'-separated, after the program DISP_BIN) must exit with
# DISP_RC and, if given, print DISP_ERR (a regular expression) on stderr;
# DISP_PFM names an output that must be a W x H little-endian PFM.

if(CMAKE_SCRIPT_MODE_FILE)
  cmake_policy(VERSION 3.20)
  string(REPLACE "|" ";" args "${DISP_ARGS}")
  if(DISP_PFM)
    file(REMOVE "${DISP_PFM}")
  endif()
  execute_process(COMMAND "${DISP_BIN}" ${args} RESULT_VARIABLE rc ERROR_VARIABLE err
    OUTPUT_VARIABLE out)
  set(what "footfall ${args}\nexit status ${rc}\nstderr: ${err}")
  if(NOT rc STREQUAL DISP_RC)
    message(FATAL_ERROR "expected exit status ${DISP_RC}: ${what}")
  endif()
  if(DISP_ERR AND NOT err MATCHES "${DISP_ERR}")
    message(FATAL_ERROR "stderr should match '${DISP_ERR}': ${what}")
  endif()
  if(DISP_PFM)
    file(READ "${DISP_PFM}" head LIMIT 20)
    if(NOT head MATCHES "^Pf\n${DISP_W} ${DISP_H}\n-1.0\n")
      message(FATAL_ERROR "${DISP_PFM}: unexpected header '${head}'")
    endif()
    file(SIZE "${DISP_PFM}" size)
    string(LENGTH "Pf\n${DISP_W} ${DISP_H}\n-1.0\n" hlen)
    math(EXPR want "${hlen} + 4 * ${DISP_W} * ${DISP_H}")
    if(NOT size EQUAL want)
      message(FATAL_ERROR "${DISP_PFM}: ${size} bytes, expected ${want}")
    endif()
    # Mostly valid: the first row written (the image's bottom row) must
    # hold finite values, not only inf (0x7f800000 little-endian).
    file(READ "${DISP_PFM}" tail OFFSET ${hlen} LIMIT 1800 HEX)
    string(REGEX REPLACE "0000807f" "" finite "${tail}")
    string(LENGTH "${finite}" nfinite)
    if(nfinite LESS 1000)
      message(FATAL_ERROR "${DISP_PFM}: its first row is almost all inf")
    endif()
  endif()
else()
  set(disp_dir ${CMAKE_CURRENT_BINARY_DIR}/cli_disparity)
  file(MAKE_DIRECTORY ${disp_dir})
  set(mb ${FF_SHARED_DIR}/data/middlebury)
  set(disp_run ${CMAKE_COMMAND} -DDISP_BIN=$<TARGET_FILE:footfall_cli>)

  function(ff_disparity_test name rc err)
    list(JOIN ARGN "|" joined)
    add_test(NAME ${name} COMMAND ${disp_run} -DDISP_RC=${rc} "-DDISP_ERR=${err}"
      "-DDISP_ARGS=disparity|${joined}" ${FF_DISP_EXTRA} -P ${CMAKE_CURRENT_FUNCTION_LIST_FILE})
    set_tests_properties(${name} PROPERTIES TIMEOUT 120)
  endfunction()

  set(FF_DISP_EXTRA -DDISP_PFM=${disp_dir}/teddy.pfm -DDISP_W=450 -DDISP_H=375)
  ff_disparity_test(cli_disparity_teddy 0 ""
    ${mb}/teddy/left.png ${mb}/teddy/right.png --max-disparity 64 -o ${disp_dir}/teddy.pfm)
  set(FF_DISP_EXTRA -DDISP_PFM=${disp_dir}/tsukuba.pfm -DDISP_W=384 -DDISP_H=288)
  ff_disparity_test(cli_disparity_tsukuba_scalar_threads 0 ""
    ${mb}/tsukuba/left.png ${mb}/tsukuba/right.png --max-disparity 16 --threads 2
    --simd scalar -o ${disp_dir}/tsukuba.pfm)
  set(FF_DISP_EXTRA "")
  ff_disparity_test(cli_disparity_sizes 1 "is 450x375 but .* is 384x288"
    ${mb}/teddy/left.png ${mb}/tsukuba/right.png --max-disparity 64 -o ${disp_dir}/x.pfm)
  ff_disparity_test(cli_disparity_missing 1 "no_such.png: cannot open"
    ${mb}/teddy/left.png ${disp_dir}/no_such.png --max-disparity 64 -o ${disp_dir}/x.pfm)
  ff_disparity_test(cli_disparity_not_png 1 "scene.json: not a PNG"
    ${mb}/teddy/left.png ${mb}/teddy/scene.json --max-disparity 64 -o ${disp_dir}/x.pfm)
  ff_disparity_test(cli_disparity_n_multiple 2 "not a multiple of 16"
    ${mb}/teddy/left.png ${mb}/teddy/right.png --max-disparity 60 -o ${disp_dir}/x.pfm)
  ff_disparity_test(cli_disparity_n_range 2 "--max-disparity needs a whole number"
    ${mb}/teddy/left.png ${mb}/teddy/right.png --max-disparity 512 -o ${disp_dir}/x.pfm)
  ff_disparity_test(cli_disparity_no_n 2 "needs --max-disparity"
    ${mb}/teddy/left.png ${mb}/teddy/right.png -o ${disp_dir}/x.pfm)
  ff_disparity_test(cli_disparity_no_output 2 "needs -o"
    ${mb}/teddy/left.png ${mb}/teddy/right.png --max-disparity 64)
  ff_disparity_test(cli_disparity_bad_simd 2 "--simd needs"
    ${mb}/teddy/left.png ${mb}/teddy/right.png --max-disparity 64 --simd mmx -o x.pfm)
  ff_disparity_test(cli_disparity_unwritable 1 "cannot create"
    ${mb}/tsukuba/left.png ${mb}/tsukuba/right.png --max-disparity 16
    -o ${disp_dir}/no/such/dir/x.pfm)
endif()
