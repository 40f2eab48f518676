#!/usr/bin/env bash
# run.sh BUILD_DIR - the device daemon's benchmark (issue 4's targets) in one
# command, on loopback with a temporary data directory:
#
#   1. GET /api/v1/counts requests/s with wrk (2 threads, 32 connections,
#      10 s), and footfalld's resident memory with the simulated source
#      (VmRSS after the run; VmHWM, the peak, includes the argon2id hashes of
#      activation and login, 7 MiB each while they run);
#   2. a database of 1,000,000 history records (two lines, a region sample
#      per minute, dwell records: 198 days) written as an older footfalld
#      left it, without the report summary, and 50,000 reports waiting in
#      the queue of an MQTT recipient (QoS 1); footfalld is started on it
#      with a local mosquitto: start-up time (the summary is built then) and
#      the time from the end of start-up until the queue is empty;
#   3. report queries over the whole database through the API (median of 5
#      with curl, HTTP included, while the daemon runs the simulated scene),
#      JSON and CSV, and once more at +05:45, which the quarter-hour
#      summary serves; then every report with fd_report_bench, in process
#      (the query and its text alone), at +00:00, +05:45 and +00:07 (an
#      offset the device refuses, so the records path: what every query
#      cost before the summary).
#
# Needs wrk, mosquitto, curl, jq and python3 (for the sqlite3 module).
set -euo pipefail
build=${1:?usage: bench/daemon/run.sh BUILD_DIR}
cmake --build "$build" --target footfalld fd_report_bench -j2 >/dev/null
BIN=$build/footfalld
REPORT_BENCH=$build/src/daemon/fd_report_bench
TMP=$(mktemp -d /tmp/fd_bench_XXXXXX)
PID=
BROKER=
cleanup() {
	[ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	[ -n "$BROKER" ] && kill -TERM "$BROKER" 2>/dev/null && wait "$BROKER" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
URL=http://127.0.0.1:$PORT/

since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }'; }

start() {
	: >"$TMP/out"
	T0=$(date +%s.%N)
	"$BIN" --data-dir "$TMP/data" --listen "127.0.0.1:$PORT" >"$TMP/out" 2>>"$TMP/log" &
	PID=$!
	until grep -q 'listening on' "$TMP/out"; do
		kill -0 "$PID" || { cat "$TMP/log" >&2; exit 1; }
		sleep 0.05
	done
	STARTUP=$(since "$T0")
	T1=$(date +%s.%N)
}

stop() {
	kill -TERM "$PID"
	wait "$PID"
	PID=
}

login() {
	TOKEN=$(curl -sf -X POST "${URL}api/v1/session" \
		-d '{"username":"admin","password":"Bench1234"}' | jq -r .token)
	AUTH=(-H "Authorization: Bearer $TOKEN")
}

rss() { awk -v k="$1:" '$1 == k { printf "%.1f MB", $2 / 1024 }' "/proc/$PID/status"; }

# --- 1. Counts under load, memory ------------------------------------------------
start
QS='[{"question":"q1","answer":"a1"},{"question":"q2","answer":"a2"},{"question":"q3","answer":"a3"}]'
curl -sf -X POST "${URL}api/v1/activate" \
	-d "{\"password\":\"Bench1234\",\"security_questions\":$QS}" >/dev/null
login
sleep 5
echo "footfalld, simulated source: VmRSS $(rss VmRSS) after 5 s"
RPS=$(wrk -t2 -c32 -d10s -H "Authorization: Bearer $TOKEN" "${URL}api/v1/counts" |
	awk '/Requests\/sec/ { print $2 }')
echo "GET /api/v1/counts: $RPS requests/s (wrk -t2 -c32 -d10s, target >= 10000)"
echo "footfalld, simulated source: VmRSS $(rss VmRSS), VmHWM $(rss VmHWM) after wrk (target <= 48 MB)"

MQ_PORT=$(free_port)
curl -sf -X POST "${URL}api/v1/recipients" "${AUTH[@]}" -d "{\"name\": \"broker\",
	\"type\": \"mqtt\", \"host\": \"127.0.0.1\", \"port\": $MQ_PORT,
	\"client_id\": \"footfalld-bench\", \"topic\": \"bench/counts\", \"qos\": 1,
	\"trigger_reports\": false, \"periodic_reports\": false}" >/dev/null
stop

# --- 2. A full database and a backlog ---------------------------------------------
python3 - "$TMP/data/footfall.db" <<'EOF'
import random, sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("DELETE FROM records")
db.execute("DROP TABLE IF EXISTS summary")
db.execute("PRAGMA user_version = 0")
random.seed(4)
now = int(time.time()) // 60 * 60
minutes = 1_000_000 * 2 // 7  # 3.5 records a minute
t0 = now - minutes * 60
def rows():
    for m in range(minutes):
        t = t0 + m * 60
        for line in (1, 2):
            yield (0, line, t, random.randint(0, 5), random.randint(0, 5),
                   random.randint(0, 1), random.randint(0, 1))
        occ = random.randint(0, 8)
        yield (1, 1, t, occ, random.randint(0, 2), occ + random.randint(0, 3), 2)
        if m % 2 == 0:
            ms = random.randint(1000, 600000)
            yield (2, 1, t + 30, ms, random.randint(0, 1), t + 30 - ms // 1000, m)
db.executemany("INSERT INTO records(kind, obj, t, a, b, c, d) VALUES (?, ?, ?, ?, ?, ?, ?)",
               rows())
body = '{"device_info":{"device_name":"People Counter"},"line_trigger_data":[{"line":1,' \
       '"in":1,"out":0}],"time_info":{"time_zone":"UTC+00:00"},"padding":"' + "x" * 400 + '"}'
db.executemany("INSERT INTO push_queue(recipient, body) VALUES (1, ?)",
               ((body,) for _ in range(50000)))
db.commit()
print("database: %d records from %s, %d queued reports" % (
    db.execute("SELECT count(*) FROM records").fetchone()[0],
    time.strftime("%Y-%m-%d", time.gmtime(t0)),
    db.execute("SELECT count(*) FROM push_queue").fetchone()[0]))
EOF
FROM=$(python3 -c "import time; print(time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() - 290000 * 60)))")

cat >"$TMP/mosquitto.conf" <<EOF
listener $MQ_PORT 127.0.0.1
allow_anonymous true
EOF
mosquitto -c "$TMP/mosquitto.conf" >>"$TMP/broker.log" 2>&1 &
BROKER=$!
sleep 0.5
start
echo "start-up on 1,000,000 records without a summary (built now): $STARTUP s"
login
while :; do
	Q=$(curl -sf "${AUTH[@]}" "${URL}api/v1/recipients/1" | jq .status.queued)
	[ "$Q" = 0 ] && break
	sleep 0.1
done
echo "50,000 queued reports delivered to mosquitto (QoS 1): $(since "$T1") s after start-up (target <= 10 s)"

# --- 3. Reports over the whole database ----------------------------------------------
median() { # median CURL-ARGS...: median time_total of 5 runs, in ms
	for _ in 1 2 3 4 5; do
		curl -sf -o "$TMP/report" -w '%{time_total}\n' "${AUTH[@]}" "$@"
	done | sort -n | sed -n 3p | awk '{ printf "%.1f", $1 * 1000 }'
}
report() { # report LABEL QUERY
	local ms
	ms=$(median "${URL}api/v1/reports?$2&from=$FROM")
	echo "report $1: $ms ms, $(wc -c <"$TMP/report") bytes"
}
report "line, hour, all lines (JSON)" "event=line&unit=hour"
report "line, day, line 1 (JSON)" "event=line&unit=day&line=1"
report "region, hour (JSON)" "event=region&unit=hour"
report "dwell, month (JSON)" "event=dwell&unit=month"
report "line, hour, all lines (CSV)" "event=line&unit=hour&format=csv"
report "region, hour (CSV)" "event=region&unit=hour&format=csv"
echo "(targets: report <= 50 ms, CSV <= 3000 ms)"
curl -sf "${AUTH[@]}" "${URL}api/v1/config" | jq '.time.time_zone = "+05:45"' >"$TMP/tz.json"
curl -sf -X PUT "${AUTH[@]}" "${URL}api/v1/config" --data-binary @"$TMP/tz.json" >/dev/null
report "line, hour, all lines at +05:45 (JSON, quarter hours)" "event=line&unit=hour"
report "line, hour, all lines at +05:45 (CSV, quarter hours)" "event=line&unit=hour&format=csv"
echo "footfalld after the reports: VmRSS $(rss VmRSS), VmHWM $(rss VmHWM)"
stop
T_FROM=$(date -d "$FROM" +%s)
T_TO=$(date +%s)
for off in 0 345 7; do
	echo "fd_report_bench, whole database, median of 7:"
	"$REPORT_BENCH" "$TMP/data/footfall.db" "$T_FROM" "$T_TO" "$off"
done
