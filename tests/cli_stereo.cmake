# cli_stereo.cmake - `footfall count` on stereo recordings (--left, --right,
# --calib): a simulated textured stereo recording of the catalogue scene
# 'single' (written by `footfall simulate --stereo`) counts to its truth
# (one "in" on line 1, no "out"; see its truth.json), a short video pair
# counts without error, and every bad input of a stereo recording exits 1
# with a message naming the file: streams of different sizes, frames of
# another size than the calibration, a file that is no video, a stream that
# ends early, a calibration that does not rectify. Usage errors exit 2.
#
# The checks run cli_count.cmake in script mode (its documented checker:
# FF_CMD, FF_RC, FF_OUT, FF_ERR, FF_FILE, FF_FILE_RE).

set(FF_STEREO_DIR ${CMAKE_CURRENT_BINARY_DIR}/cli_stereo)
file(MAKE_DIRECTORY ${FF_STEREO_DIR})
set(single ${FF_STEREO_DIR}/single)
set(v ${FF_STEREO_DIR}/video)

add_test(NAME cli_stereo_simulate
  COMMAND $<TARGET_FILE:footfall_cli> simulate --scene single --stereo -o ${single})
add_test(NAME cli_stereo_videos COMMAND test_stereo_pipeline_video ${v})
set_tests_properties(cli_stereo_simulate cli_stereo_videos PROPERTIES
  FIXTURES_SETUP ff_stereo_recording TIMEOUT 120)

# Right camera on the left of the left one (T.x > 0): no side-by-side
# rectification.
file(WRITE ${FF_STEREO_DIR}/swapped.yml [=[
%YAML:1.0
---
image_width: 640
image_height: 400
M1: !!opencv-matrix
   rows: 3
   cols: 3
   dt: d
   data: [ 254.5, 0., 319.5, 0., 254.5, 199.5, 0., 0., 1. ]
D1: [ 0., 0., 0., 0., 0. ]
M2: !!opencv-matrix
   rows: 3
   cols: 3
   dt: d
   data: [ 254.5, 0., 319.5, 0., 254.5, 199.5, 0., 0., 1. ]
D2: [ 0., 0., 0., 0., 0. ]
R: [ 1., 0., 0., 0., 1., 0., 0., 0., 1. ]
T: [ 0.07, 0., 0. ]
]=])

# ff_stereo_check(NAME STATUS STDOUT_RE STDERR_RE [FILE FILE_RE] ARGS ...)
function(ff_stereo_check name status out_re err_re)
  cmake_parse_arguments(PARSE_ARGV 4 opt "" "FILE;FILE_RE" "ARGS")
  set(cmd "$<TARGET_FILE:footfall_cli>" count ${opt_ARGS})
  string(REPLACE ";" "|" cmd "${cmd}")
  add_test(NAME ${name} COMMAND ${CMAKE_COMMAND} "-DFF_CMD=${cmd}" "-DFF_RC=${status}"
    "-DFF_OUT=${out_re}" "-DFF_ERR=${err_re}" "-DFF_FILE=${opt_FILE}"
    "-DFF_FILE_RE=${opt_FILE_RE}" -P ${CMAKE_CURRENT_LIST_DIR}/cli_count.cmake)
  set_tests_properties(${name} PROPERTIES FIXTURES_REQUIRED ff_stereo_recording TIMEOUT 120)
endfunction()

set(rules ${single}/rules.json)

# The truth of 'single': line 1, in 1, out 0, one crossing event "in" at
# 13.7 s (report times drop the fraction; the engine may report it a frame
# or a few later).
ff_stereo_check(cli_stereo_count_single 0
  "\"line_total_data\"[^}]*\"in_counted\": 1,[^}]*\"out_counted\": 0\n"
  "" FILE ${FF_STEREO_DIR}/single_events.jsonl
  FILE_RE "^{[^\n]*\"line_trigger_data\":\\[{[^\n]*\"in\":1,[^\n]*\"out\":0}\\][^\n]*\"time\":\"2024-01-01T00:00:1[34]\\+00:00\"[^\n]*}\n$"
  ARGS --left ${single} --calib ${single}/calib.yml --config ${rules}
  --events ${FF_STEREO_DIR}/single_events.jsonl)
ff_stereo_check(cli_stereo_count_video 0 "\"in_counted\": 0," ""
  ARGS --left ${v}/left.mp4 --right ${v}/right.mp4 --calib ${v}/calib.yml --config ${rules}
  --timezone +08:00)

ff_stereo_check(cli_stereo_help 0 "--left L \\[--right R\\] --calib FILE" "" ARGS --help)
ff_stereo_check(cli_stereo_no_calib 2 "" "--calib is required with --left"
  ARGS --left ${v}/left.mp4 --right ${v}/right.mp4 --config ${rules})
ff_stereo_check(cli_stereo_no_left 2 "" "--left is required"
  ARGS --right ${v}/right.mp4 --calib ${v}/calib.yml --config ${rules})
ff_stereo_check(cli_stereo_with_recording 2 "" "--recording cannot be combined"
  ARGS --recording ${single} --left ${v}/left.mp4 --calib ${v}/calib.yml --config ${rules})
ff_stereo_check(cli_stereo_bad_downscale 2 "" "--downscale must be 1, 2, 3 or 4"
  ARGS --left ${single} --calib ${single}/calib.yml --config ${rules} --downscale 7)

ff_stereo_check(cli_stereo_stream_sizes 1 "" "right_small.mp4"
  ARGS --left ${v}/left.mp4 --right ${v}/right_small.mp4 --calib ${v}/calib.yml
  --config ${rules})
ff_stereo_check(cli_stereo_calib_size 1 "" "640x400.*1280x800|1280x800.*640x400"
  ARGS --left ${v}/left.mp4 --right ${v}/right.mp4
  --calib ${PROJECT_SOURCE_DIR}/tests/data/calib/opencv_stereo.yml --config ${rules})
ff_stereo_check(cli_stereo_not_video 1 "" "garbage.mp4"
  ARGS --left ${v}/garbage.mp4 --right ${v}/right.mp4 --calib ${v}/calib.yml --config ${rules})
ff_stereo_check(cli_stereo_missing_video 1 "" "missing.mp4"
  ARGS --left ${v}/left.mp4 --right ${v}/missing.mp4 --calib ${v}/calib.yml --config ${rules})
ff_stereo_check(cli_stereo_ends_early 1 "" "right_short.mp4"
  ARGS --left ${v}/left.mp4 --right ${v}/right_short.mp4 --calib ${v}/calib.yml
  --config ${rules})
ff_stereo_check(cli_stereo_not_rectifiable 1 "" "swapped.yml"
  ARGS --left ${v}/left.mp4 --right ${v}/right.mp4 --calib ${FF_STEREO_DIR}/swapped.yml
  --config ${rules})
ff_stereo_check(cli_stereo_missing_calib 1 "" "nothere.yml"
  ARGS --left ${v}/left.mp4 --right ${v}/right.mp4 --calib ${FF_STEREO_DIR}/nothere.yml
  --config ${rules})
