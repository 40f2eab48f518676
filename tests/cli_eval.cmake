# Accuracy of the counting engine on the simulator's scene catalogue, rendered
# in memory (no files). The product target is 0.998 for both count accuracy
# and event F1 (issue 2); the engine does not reach it yet (0.990 / 0.994 on
# 2026-11-23; see docs/benchmarks.md), so this test guards
# against regressions below the level reached, and is raised as the engine
# improves.
add_test(NAME eval_suite_accuracy
  COMMAND $<TARGET_FILE:footfall_cli> eval --suite --min-accuracy 0.994 --min-f1 0.995)
set_tests_properties(eval_suite_accuracy PROPERTIES LABELS accuracy TIMEOUT 900)

# The simulate -> disk -> eval round trip on one small scene: the files
# written by `simulate` must be readable by `eval` (recording, rules, truth).
add_test(NAME eval_disk_roundtrip
  COMMAND ${CMAKE_COMMAND} -E env bash -c
    "d=$(mktemp -d) && trap 'rm -rf $d' EXIT && \
     $<TARGET_FILE:footfall_cli> simulate --scene single -o $d/single && \
     $<TARGET_FILE:footfall_cli> eval $d/single --json | grep -q '\"truth_events\": 1'")
set_tests_properties(eval_disk_roundtrip PROPERTIES TIMEOUT 120)

add_test(NAME simulate_bad_scene COMMAND $<TARGET_FILE:footfall_cli> simulate --scene nope -o x)
set_tests_properties(simulate_bad_scene PROPERTIES WILL_FAIL TRUE)

# Scoring must notice wrong counts: a truth file that claims fifty more
# passages each way makes the accuracy fall below the threshold (exit 1).
add_test(NAME eval_detects_wrong_truth
  COMMAND ${CMAKE_COMMAND} -E env bash -c
    "d=$(mktemp -d) && trap 'rm -rf $d' EXIT && \
     $<TARGET_FILE:footfall_cli> simulate --scene single -o $d/s && \
     sed -i -E 's/\"(in|out)\": ([0-9]+),/\"\\1\": 5\\2,/' $d/s/truth.json && \
     $<TARGET_FILE:footfall_cli> eval $d/s --min-accuracy 0.5")
set_tests_properties(eval_detects_wrong_truth PROPERTIES WILL_FAIL TRUE TIMEOUT 120)

# The whole stereo path on textured renderings of a few scenes: calibration
# file, rectification, matching, depth, engine. These scenes are counted
# without a mistake through the depth path, and must stay so through stereo.
add_test(NAME eval_stereo_accuracy
  COMMAND $<TARGET_FILE:footfall_cli> eval --suite --stereo --scenes single,pairs_3m,children_mix,tilt_auto
          --min-accuracy 0.998 --min-f1 0.998)
set_tests_properties(eval_stereo_accuracy PROPERTIES LABELS accuracy TIMEOUT 600)

# The same through two real cameras' raw images (lens distortion, a small
# rotation between them): the calibration file must undo all of it.
add_test(NAME eval_stereo_raw_accuracy
  COMMAND $<TARGET_FILE:footfall_cli> eval --suite --stereo=raw --scenes single,pairs_3m,children_mix
          --min-accuracy 0.998 --min-f1 0.998)
set_tests_properties(eval_stereo_raw_accuracy PROPERTIES LABELS accuracy TIMEOUT 600)
