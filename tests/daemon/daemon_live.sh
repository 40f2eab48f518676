#!/usr/bin/env bash
# daemon_live.sh FOOTFALLD FOOTFALL - the live view of the real daemon on a
# fresh data directory and a free loopback port: the Server-Sent Events
# (counts and tracks, their shape, tracks on the simulated scene, two
# clients at once beside a slow one), MJPEG and snapshot pictures (valid
# JPEGs, sizes of low and high resolution, grey or colour, a static still,
# preview none refused and ending a running stream), roles, shutdown with
# open streams, and the stereo source counting a small simulated stereo
# recording; bad stereo specs stop the daemon with a message. It also
# prints the daemon's memory and CPU use while one MJPEG and one SSE client
# watch.
set -u
BIN=$1
CLI=$2
TMP=$(mktemp -d /tmp/fd_live_XXXXXX)
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

# stream PATH SECONDS FILE [curl args...]: what a client receives in SECONDS.
stream() {
	local path=$1 secs=$2 file=$3
	shift 3
	curl -s -N --max-time "$secs" -D "$file.headers" -o "$file" "$@" "${URL}${path#/}"
}

# jpegs FILE: "FRAMES WIDTH HEIGHT COMPONENTS DISTINCT" of the JPEGs in an
# MJPEG stream or a single JPEG; every JPEG must start with SOI, end with
# EOI and match its part's Content-Length.
jpegs() {
	python3 - "$1" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
if data[:2] == b"\xff\xd8":
    images = [data]
else:
    images = []
    for m in re.finditer(rb"--ffframe\r\nContent-Type: image/jpeg\r\nContent-Length: (\d+)\r\n\r\n", data):
        n = int(m.group(1))
        img = data[m.end():m.end() + n]
        if len(img) == n:  # the last part may be cut off by the client
            if data[m.end() + n:m.end() + n + 2] != b"\r\n":
                sys.exit("part without CRLF after its Content-Length")
            images.append(img)
size = None
for img in images:
    if img[:2] != b"\xff\xd8" or img[-2:] != b"\xff\xd9":
        sys.exit("JPEG without SOI/EOI markers")
    i = 2
    while i + 4 <= len(img):
        marker, seglen = img[i + 1], int.from_bytes(img[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            s = (int.from_bytes(img[i + 7:i + 9], "big"), int.from_bytes(img[i + 5:i + 7], "big"), img[i + 9])
            if size and s != size:
                sys.exit("JPEG size changed within the stream")
            size = s
            break
        i += 2 + seglen
if not images or not size:
    sys.exit("no JPEG")
print(len(images), *size, len(set(images)))
EOF
}

daemon_start
activate
login
req POST /api/v1/users "${AUTH[@]}" -d '{"username":"watcher","password":"Watch1234"}' >/dev/null
expect_code 201 "add viewer"
VIEW=(-H "Authorization: Bearer $(req POST /api/v1/session \
	-d '{"username":"watcher","password":"Watch1234"}' | jq -r .token)")

# --- Roles ---------------------------------------------------------------------
for path in /api/v1/live/events /api/v1/live/video /api/v1/live/snapshot; do
	req GET $path --max-time 2 >/dev/null
	expect_code 401 "anonymous $path"
done
req GET /api/v1/live/snapshot "${VIEW[@]}" >/dev/null
expect_code 200 "viewer snapshot"

# --- Server-Sent Events ------------------------------------------------------------
# Two event clients at once, and a video client that reads at 2 kB/s: the
# slow one must not hold up the others.
stream /api/v1/live/video 3 "$TMP/slow" --limit-rate 2k "${VIEW[@]}" &
SLOW=$!
stream /api/v1/live/events 3 "$TMP/sse2" "${VIEW[@]}" &
SSE2=$!
stream /api/v1/live/events 3 "$TMP/sse" "${VIEW[@]}"
wait $SLOW $SSE2
[ "$(grep -c '^event: counts' "$TMP/sse2")" -ge 2 ] || fail "a second event client got no counts"
grep -qi '^content-type: text/event-stream' "$TMP/sse.headers" || fail "SSE content type"
[ "$(head -c 1 "$TMP/sse")" = ":" ] || fail "the event stream does not open with a comment"
# data lines of one event kind, one JSON document a line
events() { awk -v k="$1" '/^event: /{e=$2} /^data: /{if (e==k) print substr($0, 7)}' "$TMP/sse"; }
events counts >"$TMP/counts.jsonl"
events tracks >"$TMP/tracks.jsonl"
NC=$(wc -l <"$TMP/counts.jsonl")
NT=$(wc -l <"$TMP/tracks.jsonl")
[ "$NC" -ge 2 ] && [ "$NC" -le 5 ] || fail "$NC counts events in 3 s, expected about one a second"
[ "$NT" -ge 10 ] && [ "$NT" -le 32 ] || fail "$NT tracks events in 3 s, expected up to 10 a second"
req GET /api/v1/counts "${VIEW[@]}" >/dev/null
[ "$(head -n 1 "$TMP/counts.jsonl" | jq -c 'paths | map(tostring) | join(".")' | sort -u)" = \
	"$(jq -c 'paths | map(tostring) | join(".")' "$TMP/body" | sort -u)" ] ||
	fail "counts event is not the document of GET /api/v1/counts"
jq -e -s 'all(.[]; (.t | type == "number") and (.tracks | type == "array") and
	all(.tracks[]; (.id | type == "number") and .x >= 0 and .x <= 1 and .y >= 0 and
	.y <= 1 and (.height_m | type == "number") and (.child | type == "boolean") and
	(.trail | length <= 20) and all(.trail[]; length == 2 and .[0] >= 0 and .[0] <= 1)))' \
	"$TMP/tracks.jsonl" >/dev/null || fail "tracks events do not have the documented shape"
jq -e -s '[.[].t] | . == sort' "$TMP/tracks.jsonl" >/dev/null || fail "tracks times go back"
# People walk through the simulated doorway all the time.
jq -e -s 'any(.[]; .tracks | length > 0 and all(.[]; .height_m > 1))' "$TMP/tracks.jsonl" \
	>/dev/null || fail "no tracks (with a person's height) on the simulated scene"
jq -e -s 'any(.[].tracks[]; .trail | length >= 5)' "$TMP/tracks.jsonl" >/dev/null ||
	fail "no track has a trail"

# --- Pictures ----------------------------------------------------------------------
config() { # config JQ-FILTER: changes the privacy settings
	req GET /api/v1/config "${AUTH[@]}" >/dev/null
	jq "$1" "$TMP/body" >"$TMP/config.json"
	req PUT /api/v1/config "${AUTH[@]}" --data-binary @"$TMP/config.json" >/dev/null
	expect_code 200 "config $1"
}
config '.privacy = {"preview": "video", "image_type": "pseudo_color", "resolution": "low"}'
stream /api/v1/live/video 3 "$TMP/video" "${VIEW[@]}"
grep -qi '^content-type: multipart/x-mixed-replace; *boundary=ffframe' "$TMP/video.headers" ||
	fail "MJPEG content type"
read -r N LW LH LC LD <<<"$(jpegs "$TMP/video")" || fail "MJPEG stream: bad JPEGs"
[ "${N:-0}" -ge 10 ] || fail "${N:-0} MJPEG frames in 3 s, expected 5-10 a second"
[ "${LC:-0}" = 3 ] || fail "pseudo colour JPEG has ${LC:-?} components"
[ "${LD:-0}" -ge 5 ] || fail "live video frames do not change (${LD:-0} distinct)"
req GET /api/v1/live/snapshot "${VIEW[@]}" -D "$TMP/snap.headers" >/dev/null
expect_code 200 snapshot
grep -qi '^content-type: image/jpeg' "$TMP/snap.headers" || fail "snapshot content type"
config '.privacy = {"preview": "video", "image_type": "monochrome", "resolution": "high"}'
req GET /api/v1/live/snapshot "${VIEW[@]}" >/dev/null
read -r _ HW HH HC _ <<<"$(jpegs "$TMP/body")" || fail "snapshot: bad JPEG"
[ "${HC:-0}" = 1 ] || fail "monochrome JPEG has ${HC:-?} components"
[ "${HW:-0}" -gt 0 ] && [ "$((HW / 4))" = "${LW:-0}" ] && [ "$((HH / 4))" = "${LH:-0}" ] ||
	fail "high resolution ${HW:-?}x${HH:-?} is not four times low ${LW:-?}x${LH:-?}"

config '.privacy.preview = "static"'
req GET /api/v1/live/snapshot "${VIEW[@]}" >/dev/null
cp "$TMP/body" "$TMP/still1.jpg"
stream /api/v1/live/video 2.5 "$TMP/static" "${VIEW[@]}"
read -r N _ _ _ D <<<"$(jpegs "$TMP/static")" || fail "static MJPEG: bad JPEGs"
[ "${N:-0}" -ge 2 ] && [ "${D:-0}" = 1 ] || fail "static preview: $N frames, $D distinct"
req GET /api/v1/live/snapshot "${VIEW[@]}" >/dev/null
cmp -s "$TMP/body" "$TMP/still1.jpg" || fail "the static still changed"

# An open video stream ends when the preview is switched off.
stream /api/v1/live/video 8 "$TMP/cut" "${VIEW[@]}" &
CURL=$!
sleep 1
config '.privacy.preview = "none"'
for _ in $(seq 30); do
	kill -0 $CURL 2>/dev/null || break
	sleep 0.1
done
kill -0 $CURL 2>/dev/null && fail "video stream still open after preview none"
wait $CURL 2>/dev/null
for path in /api/v1/live/video /api/v1/live/snapshot; do
	req GET $path "${VIEW[@]}" --max-time 2 >/dev/null
	expect_code 403 "$path with preview none"
	jq -r .error "$TMP/body" | grep -q 'privacy.preview' || fail "403 does not name privacy.preview"
done

# --- Resources: one MJPEG and one SSE client on the simulated scene -----------------
config '.privacy = {"preview": "video", "image_type": "pseudo_color", "resolution": "high"}'
stream /api/v1/live/video 7 "$TMP/m1" "${VIEW[@]}" &
C1=$!
stream /api/v1/live/events 7 "$TMP/m2" "${VIEW[@]}" &
C2=$!
sleep 1
ticks() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
T0=$(ticks)
sleep 5
T1=$(ticks)
CPU=$(((T1 - T0) * 100 / $(getconf CLK_TCK) / 5))
RSS=$(awk '/^VmRSS/ {print $2}' "/proc/$PID/status")
echo "MEASURE: daemon with one MJPEG (pseudo colour, high) and one SSE client: RSS ${RSS} kB, CPU ${CPU}%"
# Streams still open at shutdown must not keep the daemon from stopping.
daemon_stop
wait $C1 $C2 2>/dev/null

# --- Stereo source -------------------------------------------------------------------
for spec in "stereo:" "stereo:onlyone" "stereo:a,b,c,d" "stereo:$TMP/nowhere,$TMP/calib.yml" \
	"stereo:$TMP,$TMP/x.mp4,$TMP/calib.yml"; do
	"$BIN" --data-dir "$TMP/bad" --listen 127.0.0.1:0 --source "$spec" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc -ne 0 ] || fail "--source '$spec' was accepted"
	grep -q 'source' "$TMP/err" || fail "--source '$spec': no message ($(cat "$TMP/err"))"
done
# One adult crossing the line, trimmed to the seconds around the crossing
# so that the loop is short.
"$CLI" simulate --scene single --stereo -o "$TMP/st" >/dev/null || fail "footfall simulate --stereo"
awk '/^#/ || ($1 >= 9 && $1 < 17)' "$TMP/st/frames.txt" >"$TMP/st/frames.new"
mv "$TMP/st/frames.new" "$TMP/st/frames.txt"
rm -rf "$TMP/data"
daemon_start "stereo:$TMP/st/left,$TMP/st/right,$TMP/st/calib.yml"
activate
login
IN=0
for _ in $(seq 120); do
	req GET /api/v1/counts "${AUTH[@]}" >/dev/null
	IN=$(jq '[.line_total_data[].in_counted] | add // 0' "$TMP/body")
	[ "$IN" -ge 1 ] && break
	sleep 0.5
done
[ "$IN" -ge 1 ] || fail "the stereo source counted nobody in 60 s"
req GET /api/v1/live "${AUTH[@]}" >/dev/null
jq -e '.source | startswith("stereo:")' "$TMP/body" >/dev/null || fail "source is not stereo"
req GET /api/v1/live/snapshot "${AUTH[@]}" >/dev/null
expect_code 200 "snapshot of the stereo source"
daemon_stop

finish
