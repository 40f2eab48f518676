#!/bin/sh
# run.sh BUILD_DIR [bench.py options] - the stereo benchmark in one command.
#
# Builds the matcher library in BUILD_DIR (a configured CMake build of the
# project), links bench/stereo/sgm_bench.c against it, then runs bench.py:
# our matcher and OpenCV's StereoSGBM (Debian's python3-opencv, one thread)
# on every Middlebury scene and a synthetic 640x400 pair, in the same run.
# The Middlebury data is taken from $FF_SHARED_DIR/data/middlebury (default:
# ../shared next to the repository).
set -eu
build=${1:?usage: bench/stereo/run.sh BUILD_DIR [bench.py options]}
shift
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
shared=${FF_SHARED_DIR:-$root/../shared}

cmake --build "$build" --target footfall_stereo footfall_core -j2 >/dev/null
cc -std=c11 -O2 -Wall -Wextra -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I"$root/include" \
	"$here/sgm_bench.c" "$build/libfootfall_stereo.a" "$build/libfootfall_core.a" \
	$(pkg-config --libs libpng) -lm -lpthread -o "$build/sgm_bench"
exec /usr/bin/python3 "$here/bench.py" --bench "$build/sgm_bench" \
	--data "$shared/data/middlebury" "$@"
