#!/usr/bin/env bash
# daemon_backlog.sh FOOTFALLD MQTT_SUB - large queues and a dead recipient.
# Three recipients: a mosquitto broker (QoS 1), a keep-alive HTTP receiver
# and an HTTP server that accepts connections and never answers. Each gets
# N reports in its queue (written into the database while the daemon is
# stopped, numbered 0..N-1), with the broker down when the daemon starts.
# Checks that
#   - the HTTP receiver gets all N in order, exactly once, within BOUND s
#     (12: a slow machine passes, the old single push thread took 23 s),
#     while the dead recipient hangs: a sender stuck in a 5 s timeout must
#     not hold up the others;
#   - once the broker is back, all N arrive over MQTT the same way;
#   - the dead recipient keeps its whole queue and shows its failure;
#   - a recipient without retransmission that refuses connections loses
#     one report per attempt (3 reports, 3 failures);
#   - the daemon stops at once although a send is hanging;
#   - a kill -9 in the middle of a drain of M more reports loses none:
#     after the restart every report arrives, with no gaps (a resend starts
#     again from the oldest unconfirmed report).
set -u
BIN=$1
SUB=$2
N=${FD_BACKLOG_N:-2000}
M=${FD_BACKLOG_M:-20000}
BOUND=${FD_BACKLOG_BOUND:-12}
TMP=$(mktemp -d /tmp/fd_backlog_XXXXXX)
. "$(dirname "$0")/daemon_lib.sh"
HANG=
trap 'kill -KILL $HANG 2>/dev/null; wait $HANG 2>/dev/null; cleanup' EXIT

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
has_lines() { [ "$(lines "$1")" -ge "$2" ]; }
wait_lines() { # wait_lines FILE COUNT SECONDS: polls every 20 ms
	local end
	end=$(awk -v t="$(now)" -v s="$3" 'BEGIN { printf "%.2f", t + s }')
	until has_lines "$1" "$2"; do
		awk -v t="$(now)" -v e="$end" 'BEGIN { exit !(t < e) }' || return 1
		sleep 0.02
	done
}
within() { awk -v t="$1" -v b="$2" 'BEGIN { exit !(t <= b) }'; }

# ---- The receivers ---------------------------------------------------------------
cat >"$TMP/hang.py" <<'EOF'
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(64)
with open(sys.argv[1], "w") as f:
    f.write(str(s.getsockname()[1]))
held = []
while True:
    held.append(s.accept()[0])  # never read, never answered
EOF
start_receiver "$TMP/http.txt"
python3 "$TMP/hang.py" "$TMP/hang.port" &
HANG=$!
until_true 10 test -s "$TMP/hang.port" || die "hanging server did not start"

# The subscriber's persistent session lives in the broker's persistence
# file, so what is published while it reconnects waits for it, unlimited.
MQ_PORT=$(free_port)
BROKER_CONF="listener $MQ_PORT 127.0.0.1
allow_anonymous true
persistence true
persistence_location $TMP/
max_queued_messages 0"
start_broker "$BROKER_CONF"
"$SUB" "$MQ_PORT" ff/backlog "$TMP/mqtt.txt" &
SUBPID=$!
until_true 10 grep -q 'fd-push-test-sub' "$TMP/broker.log" || die "subscriber did not connect"
sleep 0.5
stop_broker

# ---- The daemon and its recipients -------------------------------------------------
start_daemon() { daemon_start sim --log-level debug; }
stop_daemon() { # stop_daemon SIGNAL: after TERM the exit status must be 0
	kill "-$1" "$PID"
	wait "$PID" 2>/dev/null
	local rc=$?
	PID=
	[ "$1" != TERM ] || [ $rc -eq 0 ] || fail "daemon exit status $rc after SIGTERM"
}
start_daemon
activate
login
add() { # add JSON-FIELDS: adds a recipient without reports of its own
	req POST /api/v1/recipients "${AUTH[@]}" -d "{$1, \"trigger_reports\": false,
		\"periodic_reports\": false}" >/dev/null
	expect_code 201 "add recipient $1"
}
add "\"type\": \"mqtt\", \"host\": \"127.0.0.1\", \"port\": $MQ_PORT,
	\"client_id\": \"footfalld-backlog\", \"topic\": \"ff/backlog\", \"qos\": 1"
add "\"url\": \"http://127.0.0.1:$(cat "$TMP/http.port")/r\""
add "\"url\": \"http://127.0.0.1:$(cat "$TMP/hang.port")/r\""
add "\"url\": \"http://127.0.0.1:$(free_port)/r\", \"retransmission\": false"
stop_daemon TERM

# queue RECIPIENT FROM COUNT: reports numbered FROM.. at the queue's end.
queue() {
	python3 - "$TMP/data/footfall.db" "$@" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rec, first, n = (int(a) for a in sys.argv[2:5])
db.executemany("INSERT INTO push_queue (recipient, body) VALUES (?, ?)",
               ((rec, '{"n":%d,"padding":"%s"}' % (i, "x" * 400))
                for i in range(first, first + n)))
db.commit()
EOF
}
for r in 1 2 3; do queue "$r" 0 "$N"; done
queue 4 0 3

# check FILE COUNT [dups]: the reports are 0..COUNT-1 in order, exactly
# once, or (dups) with no gaps and nothing lost, resends allowed.
check() {
	python3 - "$@" <<'EOF'
import json, sys
ns = [json.loads(l)["n"] for l in open(sys.argv[1])]
count = int(sys.argv[2])
if len(sys.argv) < 4:
    if ns != list(range(count)):
        bad = next((i for i, (a, b) in enumerate(zip(ns, range(count))) if a != b), len(ns))
        sys.exit("%d reports, expected %d; first difference at %d: %s" %
                 (len(ns), count, bad, ns[max(0, bad - 2):bad + 3]))
    sys.exit(0)
top = -1
for i, n in enumerate(ns):
    if n > top + 1:
        sys.exit("gap at line %d: %d after at most %d" % (i, n, top))
    top = max(top, n)
if set(ns) != set(range(count)):
    sys.exit("missing: %d reports" % (count - len(set(ns))))
print("%d reports, %d resent after the kill -9" % (len(ns), len(ns) - count))
EOF
}

# ---- Broker down, a dead recipient: HTTP drains anyway ---------------------------------
T0=$(now)
start_daemon
login
wait_lines "$TMP/http.txt" "$N" 60 || fail "HTTP: $(lines "$TMP/http.txt") of $N reports"
T_HTTP=$(secs "$T0" "$(now)")
within "$T_HTTP" "$BOUND" || fail "HTTP: $N reports took $T_HTTP s, more than $BOUND s"
sleep 0.3
MSG=$(check "$TMP/http.txt" "$N") || fail "HTTP: $MSG"
broker_failed() {
	req GET /api/v1/recipients/1 "${AUTH[@]}" |
		jq -e ".status.failures > 0 and .status.connected == false and .status.queued == $N" >/dev/null
}
until_true 10 broker_failed || fail "broker down: status $(cat "$TMP/body")"

# Without retransmission each attempt drops the report it failed on.
dropped_each() {
	req GET /api/v1/recipients/4 "${AUTH[@]}" | jq -e '.status.queued == 0 and .status.failures == 3' >/dev/null
}
until_true 10 dropped_each || fail "no retransmission: status $(jq -c .status "$TMP/body")"

# ---- Broker back: MQTT drains while the dead recipient still hangs -----------------------
# An edit that changes nothing ends the broker recipient's backoff, so
# the time runs from its first attempt.
start_broker "$BROKER_CONF"
req GET /api/v1/recipients/1 "${AUTH[@]}" >"$TMP/put.json"
T1=$(now)
req PUT /api/v1/recipients/1 "${AUTH[@]}" --data-binary @"$TMP/put.json" >/dev/null
expect_code 200 "edit of the broker recipient"
wait_lines "$TMP/mqtt.txt" "$N" 60 || fail "MQTT: $(lines "$TMP/mqtt.txt") of $N reports"
T_MQTT=$(secs "$T1" "$(now)")
sleep 0.3
MSG=$(check "$TMP/mqtt.txt" "$N") || fail "MQTT: $MSG"
within "$T_MQTT" "$BOUND" ||
	fail "MQTT: $N reports took $T_MQTT s, more than $BOUND s"
echo "$N reports: HTTP (keep-alive) in $T_HTTP s from the daemon's start, MQTT QoS 1 in $T_MQTT s from the broker's return"

drained() {
	req GET "/api/v1/recipients/$1" "${AUTH[@]}" | jq -e '.status.queued == 0 and .status.connected' >/dev/null
}
for r in 1 2; do
	until_true 5 drained "$r" || fail "recipient $r: queue not emptied: $(cat "$TMP/body")"
done
dead_failed() { # its first send times out after 5 s
	req GET /api/v1/recipients/3 "${AUTH[@]}" | jq -e ".status.queued == $N and .status.failures > 0
		and (.status.last_error | test(\"[Tt]imeout|timed out\"))" >/dev/null
}
until_true 10 dead_failed || fail "dead recipient: status $(jq -c .status "$TMP/body")"

# A send that hangs does not hold up the shutdown.
T2=$(now)
stop_daemon TERM
T_STOP=$(secs "$T2" "$(now)")
awk -v t="$T_STOP" 'BEGIN { exit !(t < 3) }' || fail "stopping took $T_STOP s with a send hanging"

# ---- kill -9 in the middle of a drain ---------------------------------------------------
queue 1 "$N" "$M"
start_daemon
until_true 30 has_lines "$TMP/mqtt.txt" $((N + M / 5)) || fail "kill -9: the drain did not start"
stop_daemon KILL
KILLED_AT=$(lines "$TMP/mqtt.txt")
start_daemon
login
until_true 60 drained 1 || fail "after kill -9: queue not emptied: $(cat "$TMP/body")"
sleep 0.5
MSG=$(check "$TMP/mqtt.txt" $((N + M)) dups) || fail "after kill -9: $MSG"
echo "kill -9 after $((KILLED_AT - N)) of $M: $MSG"
stop_daemon TERM
finish
