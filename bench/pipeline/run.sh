#!/bin/sh
# run.sh BUILD_DIR [SECONDS [CRF]] - the end-to-end stereo benchmark in one command.
#
# Builds the libraries and the clip writer (tests/test_stereo_pipeline_video)
# in BUILD_DIR (a configured CMake build of the project), writes a 1280x800
# H.264 stereo clip of a simulated scene with its calibration, rules and
# truth to BUILD_DIR/pipeline_clip-CRF (once; SECONDS long, default 20;
# x264 CRF default 18, visually lossless; 23 is x264's default), links
# bench/pipeline/pipeline_bench.c and runs it pinned to one core:
# decode -> rectify + downscale to 640x400 -> SGM (64 disparities) ->
# engine -> counts.
set -eu
build=${1:?usage: bench/pipeline/run.sh BUILD_DIR [SECONDS [CRF]]}
seconds=${2:-20}
crf=${3:-18}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
clip="$build/pipeline_clip-$crf"

cmake --build "$build" --target footfall_stereo footfall_sim footfall_io footfall_core \
	test_stereo_pipeline_video -j2 >/dev/null
if [ ! -f "$clip/truth.json" ]; then
	echo "writing a ${seconds} s 1280x800 H.264 stereo clip to $clip" >&2
	"$build/tests/test_stereo_pipeline_video" --clip "$clip" "$seconds" "$crf"
fi
cc -std=c11 -O2 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root/include" \
	"$here/pipeline_bench.c" "$build/libfootfall_stereo.a" "$build/libfootfall_sim.a" \
	"$build/libfootfall_io.a" "$build/libfootfall_core.a" \
	$(pkg-config --cflags --libs jansson libpng libavformat libavcodec libswscale libavutil) \
	-lm -lpthread -o "$build/pipeline_bench"
exec taskset -c 0 "$build/pipeline_bench" "$clip/calib.yml" "$clip/left.mp4" "$clip/right.mp4" \
	"$clip/rules.json" "$clip/truth.json" 2 64
