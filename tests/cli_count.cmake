# cli_count.cmake - tests of `footfall count` (spec section 4) that run the
# real program: usage errors exit 2, bad input exits 1 with a message naming
# the file or field, and a small ray-cast walk (test_io_count_scene) gives the
# expected report and trigger events.
#
# CTest's PASS_REGULAR_EXPRESSION ignores the exit status, so each test runs
# this same file in script mode (cmake -P) as a checker: it runs the command
# given in FF_CMD ('|'-separated) and checks the exit status (FF_RC), stdout
# (FF_OUT), stderr (FF_ERR) and optionally a file's content (FF_FILE,
# FF_FILE_RE) against regular expressions.

if(CMAKE_SCRIPT_MODE_FILE)
  string(REPLACE "|" ";" cmd "${FF_CMD}")
  if(FF_FILE)
    file(REMOVE "${FF_FILE}")
  endif()
  execute_process(COMMAND ${cmd} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(report "command: ${cmd}\nexit status: ${rc}\nstdout:\n${out}\nstderr:\n${err}")
  if(NOT rc STREQUAL FF_RC)
    message(FATAL_ERROR "expected exit status ${FF_RC}\n${report}")
  endif()
  if(NOT FF_OUT STREQUAL "" AND NOT out MATCHES "${FF_OUT}")
    message(FATAL_ERROR "stdout does not match '${FF_OUT}'\n${report}")
  endif()
  if(NOT FF_ERR STREQUAL "" AND NOT err MATCHES "${FF_ERR}")
    message(FATAL_ERROR "stderr does not match '${FF_ERR}'\n${report}")
  endif()
  if(FF_FILE)
    file(READ "${FF_FILE}" content)
    if(NOT content MATCHES "${FF_FILE_RE}")
      message(FATAL_ERROR "${FF_FILE} does not match '${FF_FILE_RE}':\n${content}\n${report}")
    endif()
  endif()
else()
  set(FF_COUNT_DIR ${CMAKE_CURRENT_BINARY_DIR}/cli_count)
  file(MAKE_DIRECTORY ${FF_COUNT_DIR})
  # A vertical line in the middle drawn top to bottom (right-to-left walkers
  # count "in") and a region over the left third.
  file(WRITE ${FF_COUNT_DIR}/rules.json [=[
{
  "rules": {
    "installation_height_m": 3.0,
    "lines": [{"id": 1, "name": "Door", "points": [[0.5, 0.02], [0.5, 0.98]]}],
    "regions": [{"id": 3, "name": "Shelf", "points": [[0.05, 0.1], [0.45, 0.1], [0.45, 0.9], [0.05, 0.9]],
                 "pass_by_filter_s": 1, "min_dwell_s": 1}]
  }
}
]=])
  file(WRITE ${FF_COUNT_DIR}/bad_syntax.json "{\"rules\": {\n  \"lines\": [,]}}\n")
  set(line "{\"points\": [[0, 0], [1, 1]]}")
  file(WRITE ${FF_COUNT_DIR}/five_lines.json
    "{\"lines\": [${line}, ${line}, ${line}, ${line}, ${line}]}\n")

  add_test(NAME cli_count_scene COMMAND test_io_count_scene ${FF_COUNT_DIR}/rec)
  add_test(NAME cli_count_scene_corrupt
    COMMAND test_io_count_scene ${FF_COUNT_DIR}/rec_corrupt corrupt)
  set_tests_properties(cli_count_scene cli_count_scene_corrupt PROPERTIES
    FIXTURES_SETUP ff_count_recording)

  # ff_count_check(NAME STATUS STDOUT_RE STDERR_RE [FILE FILE_RE] -- ARGS...)
  function(ff_count_check name status out_re err_re)
    cmake_parse_arguments(PARSE_ARGV 4 opt "" "FILE;FILE_RE" "ARGS")
    set(cmd "$<TARGET_FILE:footfall_cli>" count ${opt_ARGS})
    string(REPLACE ";" "|" cmd "${cmd}")
    add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} "-DFF_CMD=${cmd}" "-DFF_RC=${status}"
      "-DFF_OUT=${out_re}" "-DFF_ERR=${err_re}" "-DFF_FILE=${opt_FILE}"
      "-DFF_FILE_RE=${opt_FILE_RE}" -P ${CMAKE_CURRENT_FUNCTION_LIST_FILE})
    set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ff_count_recording TIMEOUT 120)
  endfunction()

  set(rec ${FF_COUNT_DIR}/rec)
  set(rules ${FF_COUNT_DIR}/rules.json)

  ff_count_check(cli_count_help 0 "usage: footfall count --recording DIR --config FILE" ""
    ARGS --help)
  ff_count_check(cli_count_no_args 2 "" "--recording is required.*usage:")
  ff_count_check(cli_count_no_config 2 "" "--config is required" ARGS --recording ${rec})
  ff_count_check(cli_count_unknown_option 2 "" "unknown option '--frobnicate'"
    ARGS --recording ${rec} --config ${rules} --frobnicate)
  ff_count_check(cli_count_missing_value 2 "" "--config needs a value"
    ARGS --recording ${rec} --config)
  ff_count_check(cli_count_bad_timezone 2 "" "--timezone: timezone '8' *: expected"
    ARGS --recording ${rec} --config ${rules} --timezone 8)
  ff_count_check(cli_count_missing_recording 1 "" "/nonexistent/rec/camera.json: No such file"
    ARGS --recording /nonexistent/rec --config ${rules})
  ff_count_check(cli_count_missing_config 1 "" "/nonexistent/rules.json: No such file"
    ARGS --recording ${rec} --config /nonexistent/rules.json)
  ff_count_check(cli_count_bad_json 1 "" "bad_syntax.json: line 2, column"
    ARGS --recording ${rec} --config ${FF_COUNT_DIR}/bad_syntax.json)
  ff_count_check(cli_count_too_many_lines 1 ""
    "five_lines.json: rules.lines: 5 lines, at most 4 allowed"
    ARGS --recording ${rec} --config ${FF_COUNT_DIR}/five_lines.json)
  ff_count_check(cli_count_bad_events_path 1 "" "/nonexistent/dir/events.jsonl: No such file"
    ARGS --recording ${rec} --config ${rules} --events /nonexistent/dir/events.jsonl)
  ff_count_check(cli_count_corrupt_frame 1 "" "000045.png: corrupt or truncated PNG"
    ARGS --recording ${FF_COUNT_DIR}/rec_corrupt --config ${rules})

  # The walk: one "in" on the door, a stay in the shelf region closed at the
  # end of the recording; times in the requested offset.
  ff_count_check(cli_count_walk 0
    "\"in_counted\": 1,.*\"out_counted\": 0.*\"max_dwell_time\": [1-9][0-9][0-9][0-9],.*\"region\": 3,.*\"end_time\": \"2024-05-30T20:20:04\\+08:00\",.*\"start_time\": \"2024-05-30T20:20:00\\+08:00\""
    ""
    FILE ${FF_COUNT_DIR}/walk.jsonl
    FILE_RE "^{\"device_info\":{.*\"line_trigger_data\":\\[{\"children_in\":0,\"children_out\":0,\"female_in\":0,\"female_out\":0,\"in\":1,\"line\":1,\"line_name\":\"Door\",.*\"time\":\"2024-05-30T20:20:0[0-9]\\+08:00\".*\"region_count_data\":\\[{\"current_children\":0,\"current_female\":0,\"current_male\":0,\"current_total\":1,\"region\":3,.*\"dwell_time_data\":\\[{\"children\":false,\"duration\":[1-9][0-9][0-9][0-9],"
    ARGS --recording ${rec} --config ${rules} --events ${FF_COUNT_DIR}/walk.jsonl
    --timezone +08:00)
endif()
