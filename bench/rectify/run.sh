#!/bin/sh
# Builds and runs rectify_bench against a build directory's libraries.
#   bench/rectify/run.sh [BUILD_DIR] [bench arguments...]
# Run from the repository root; BUILD_DIR defaults to build.
set -e
build=${1:-build}
[ $# -gt 0 ] && shift
cmake --build "$build" --target footfall_stereo footfall_io footfall_core -j2 >/dev/null
cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -Iinclude bench/rectify/rectify_bench.c \
	"$build/libfootfall_stereo.a" "$build/libfootfall_io.a" "$build/libfootfall_core.a" \
	$(pkg-config --libs jansson libpng libavformat libavcodec libswscale libavutil) -lm \
	-o "$build/rectify_bench"
exec "$build/rectify_bench" "$@"
