#!/usr/bin/env bash
# dev.sh - set up, build, run and test Footfall on a Debian 12 machine.
#
#   ./dev.sh run     install packages, build, count the demo scene once, then
#                    start the device daemon footfalld on the simulated scene
#                    (data in ./data, http://127.0.0.1:8080; Ctrl-C stops it)
#   ./dev.sh test    install packages, build, run every test (unit, CLI,
#                    accuracy suite, sanitizer build, short fuzzing)
#   ./dev.sh bench   install packages (with the OpenCV peer), build, run the
#                    benchmarks quoted in docs/benchmarks.md
#   ./dev.sh build   install packages and build only
#
# Packages come from Debian (apt-get) only; nothing else is downloaded.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

PACKAGES=(build-essential cmake pkg-config clang libclang-rt-14-dev
	libcmocka-dev libjansson-dev libpng-dev
	libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
	libmicrohttpd-dev libsqlite3-dev libsodium-dev curl jq
	libcurl4-openssl-dev libmosquitto-dev mosquitto python3
	libturbojpeg0-dev libgnutls28-dev gnutls-bin mosquitto-clients chromium fonts-wqy-microhei)
BENCH_PACKAGES=(python3-opencv python3-numpy wrk)

install_packages() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=()
	[ "$(id -u)" -ne 0 ] && sudo=(sudo)
	echo "dev.sh: installing ${missing[*]}" >&2
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The web GUI's npm packages (uPlot, and playwright-core for the browser
# tests) from the npm registry, pinned by web/package-lock.json; the build
# copies what the pages need into the daemon, so nothing comes from a CDN.
install_web() {
	if ! command -v npm >/dev/null; then install_packages nodejs npm; fi
	if [ -f web/package-lock.json ]; then
		npm ci --prefix web --no-audit --no-fund --loglevel=error >/dev/null
	fi
}

jobs() { nproc 2>/dev/null || echo 2; }

build() { # build DIR [cmake options...]
	local dir=$1
	shift
	cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
	cmake --build "$dir" -j "$(jobs)"
}

case "${1:-}" in
run)
	install_packages "${PACKAGES[@]}"
	install_web
	build build
	./build/footfall demo
	mkdir -p "${FF_DATA_DIR:-data}"
	exec ./build/footfalld --data-dir "${FF_DATA_DIR:-data}" --listen "${FF_LISTEN:-127.0.0.1:8080}"
	;;
build)
	install_packages "${PACKAGES[@]}"
	install_web
	build build
	;;
test)
	install_packages "${PACKAGES[@]}"
	install_web
	build build
	ctest --test-dir build --output-on-failure -j "$(jobs)"
	# Memory and undefined-behaviour errors: every test but the long
	# accuracy suite, which the sanitizer build runs on a few scenes.
	build build-asan -DFF_SANITIZE=ON
	ASAN_OPTIONS=detect_leaks=1 ctest --test-dir build-asan --output-on-failure -j "$(jobs)" -LE accuracy
	./build-asan/footfall eval --suite --scenes single,pairs_3m,regions_dwell >/dev/null
	scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
	;;
bench)
	install_packages "${PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
	install_web
	build build
	./build/footfall bench
	bench/stereo/run.sh build
	bench/pipeline/run.sh build
	bench/daemon/run.sh build
	;;
*)
	sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
	exit 2
	;;
esac
