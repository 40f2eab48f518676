#!/bin/sh
# fuzz.sh - builds every libFuzzer target (fuzz/fuzz_*.c) with clang in
# build-fuzz and runs each for SECONDS (default 20) on a small seed corpus.
#
# usage: scripts/fuzz.sh [SECONDS]
#
# Seeds come from fuzz/corpus/TARGET/ when that directory exists; the
# recording fuzzer also gets a 16-bit PNG generated here (binary seeds are
# not kept in git). The working corpus and any crash reproducers stay in
# build-fuzz/corpus/TARGET and build-fuzz/artifacts. Exits non-zero if any
# target crashes, leaks, times out or fails to build.
set -eu

secs=${1:-20}
case $secs in
'' | *[!0-9]*) echo "usage: $0 [SECONDS]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-fuzz

targets=$(cd "$root/fuzz" && ls fuzz_*.c | sed 's/\.c$//')
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz/fuzz_*.c targets" >&2; exit 1; }

cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DFF_FUZZ=ON -DFF_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# shellcheck disable=SC2086 # one argument per target
cmake --build "$build" -j2 --target $targets

mkdir -p "$build/artifacts"
png_seed() {
	# '2' selects the PNG decoder of fuzz_recording; then a 16x16 16-bit
	# greyscale PNG of a gradient with one zero pixel.
	python3 - "$1" <<'PY'
import struct, sys, zlib
w = h = 16
rows = b"".join(b"\0" + b"".join(struct.pack(">H", 0 if (x, y) == (3, 3) else 1000 + 37 * x + 301 * y)
                                 for x in range(w)) for y in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 0, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(b"2" + png)
PY
}

failed=
for t in $targets; do
	corpus=$build/corpus/$t
	mkdir -p "$corpus"
	if [ -d "$root/fuzz/corpus/$t" ]; then
		cp "$root/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
	fi
	if [ "$t" = fuzz_recording ]; then
		png_seed "$corpus/seed_png16"
	fi
	echo "== $t: ${secs}s"
	if ! "$build/fuzz/$t" -max_total_time="$secs" -timeout=10 -max_len=65536 \
		-print_final_stats=1 -artifact_prefix="$build/artifacts/$t-" "$corpus" \
		>"$build/artifacts/$t.log" 2>&1; then
		echo "$t FAILED; log: $build/artifacts/$t.log" >&2
		tail -n 40 "$build/artifacts/$t.log" >&2
		failed="$failed $t"
	else
		grep -E '^stat::(number_of_executed_units|new_units_added)' \
			"$build/artifacts/$t.log" || true
	fi
done

if [ -n "$failed" ]; then
	echo "fuzz.sh: failures in:$failed" >&2
	exit 1
fi
echo "fuzz.sh: all targets ran ${secs}s without failures"
