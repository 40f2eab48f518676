#!/usr/bin/env bash
# daemon_maint.sh FOOTFALLD - system maintenance (guide 5.6.5) on the real
# daemon with a fresh data directory and a free loopback port: configuration
# export and import (round trip, a bad document refused with nothing lost),
# a reset schedule switched on after its time not clearing the day's counts,
# restart (same process id and port, counts kept), basic recovery (users and
# network kept, rules and counts back to factory) and factory reset (refused
# with a wrong password; with the right one the device comes back not
# activated, with nothing left of the old data directory).
set -u
BIN=$1
TMP=$(mktemp -d /tmp/fd_maint_XXXXXX)
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

# wait_listening N: waits until the daemon announced itself N times (a
# restart announces again on the same stdout) and sets URL.
wait_listening() {
	for _ in $(seq 100); do
		if [ "$(grep -c 'listening on' "$TMP/out")" -ge "$1" ]; then
			URL=$(grep -o 'http://127.0.0.1:[0-9]*/' "$TMP/out" | tail -1)
			return 0
		fi
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	die "daemon did not come up (announcement $1)"
}

json() { jq -r "$1" "$TMP/body"; }

login_as() { # login_as PASSWORD: sets AUTH for the admin
	req POST /api/v1/session -d "{\"username\":\"admin\",\"password\":\"$1\"}" >/dev/null
	expect_code 200 "admin login"
	AUTH=(-H "Authorization: Bearer $(json .token)")
}

total_counts() {
	req GET /api/v1/counts "${AUTH[@]}" >/dev/null
	json '[.line_total_data[] | .in_counted + .out_counted] | add'
}

: >"$TMP/out"
start() {
	"$BIN" --data-dir "$TMP/data" --listen "127.0.0.1:$1" >>"$TMP/out" 2>>"$TMP/log" &
	PID=$!
	wait_listening $(($(grep -c 'listening on' "$TMP/out") + 1))
}
start 0
url_port() {
	local p=${URL##*:}
	echo "${p%/}"
}
PORT=$(url_port)

activate
# Counts last reset two hours ago, so that a schedule for an hour ago would
# be due if switching it on counted.
kill -TERM "$PID"
wait "$PID"
python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE meta SET value = value - 7200 WHERE key IN (?, ?)",
           ("cumulative_since", "schedule_set"))
db.commit()' "$TMP/data/footfall.db" || fail "cannot age the counts"
start "$PORT"
login_as Secret123
req POST /api/v1/users "${AUTH[@]}" -d '{"username":"eve","password":"Viewer123"}' >/dev/null
expect_code 201 "add viewer"

# --- Export and import -----------------------------------------------------------
curl -s -D "$TMP/headers" -o "$TMP/export.json" "${AUTH[@]}" "${URL}api/v1/config/export"
grep -qi '^Content-Disposition: attachment; filename=' "$TMP/headers" ||
	fail "export is not an attachment"
req GET /api/v1/config "${AUTH[@]}" >"$TMP/config.json"
cmp -s "$TMP/export.json" "$TMP/config.json" || fail "export differs from GET /api/v1/config"

# A schedule for an hour ago: switched on now, it must not clear today's
# counts (only from its next occurrence on).
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
START=$(json .time_info.start_time)
AGO=$(date -u -d '-1 hour' +%H:%M)
jq --arg t "$AGO" '.device.device_name = "Hall 2" | .reset_schedule = {"enabled": true,
	"time": $t} | .rules.lines += [{"id": 2, "name": "Side", "points": [[0.1, 0.2], [0.3, 0.4]]}]' \
	"$TMP/export.json" >"$TMP/import.json"
req POST /api/v1/config/import "${AUTH[@]}" --data-binary @"$TMP/import.json" >/dev/null
expect_code 200 "import"
curl -s -o "$TMP/export2.json" "${AUTH[@]}" "${URL}api/v1/config/export"
jq -e '.device.device_name == "Hall 2" and (.rules.lines | length) == 2 and
	.reset_schedule.enabled' "$TMP/export2.json" >/dev/null || fail "import not applied"
req POST /api/v1/config/import "${AUTH[@]}" --data-binary @"$TMP/export2.json" >/dev/null
expect_code 200 "re-import of an export"
curl -s -o "$TMP/export3.json" "${AUTH[@]}" "${URL}api/v1/config/export"
cmp -s "$TMP/export2.json" "$TMP/export3.json" || fail "export -> import -> export changed"
sleep 1.5 # the storage thread looks at the schedule every second
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
[ "$(json .time_info.start_time)" = "$START" ] ||
	fail "switching the schedule on reset the counts (last reset $START)"

jq '.time.time_zone = "+25:00" | .device.device_name = "Broken"' "$TMP/export2.json" \
	>"$TMP/bad.json"
req POST /api/v1/config/import "${AUTH[@]}" --data-binary @"$TMP/bad.json" >/dev/null
expect_code 400 "import of a bad time zone"
json .error | grep -q 'time.time_zone' || fail "import error does not name time.time_zone"
req POST /api/v1/config/import "${AUTH[@]}" --data-binary '{"rules": {}, "gadget": 1}' >/dev/null
expect_code 400 "import of an unknown section"
json .error | grep -q 'gadget' || fail "import error does not name the unknown key"
req POST /api/v1/config/import "${AUTH[@]}" --data-binary '{"rules": ' >/dev/null
expect_code 400 "import of malformed JSON"
curl -s -o "$TMP/export4.json" "${AUTH[@]}" "${URL}api/v1/config/export"
cmp -s "$TMP/export2.json" "$TMP/export4.json" || fail "a refused import changed the config"

# --- Restart ------------------------------------------------------------------------
before=0
for _ in $(seq 100); do
	before=$(total_counts)
	[ "$before" -gt 2 ] && break
	sleep 0.2
done
[ "$before" -gt 2 ] || fail "no counts from the simulated scene ($before)"
START=$(json .time_info.start_time)
req POST /api/v1/maintenance/restart "${AUTH[@]}" >/dev/null
expect_code 200 restart
[ "$(json .restarting)" = true ] || fail "restart reply: $(cat "$TMP/body")"
wait_listening 3
kill -0 "$PID" 2>/dev/null || fail "the daemon exited instead of restarting"
[ "$(url_port)" = "$PORT" ] || fail "restarted on $(url_port), was $PORT"
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
expect_code 401 "a session of before the restart"
login_as Secret123
after=$(total_counts)
[ "$after" -ge "$before" ] || fail "counts fell from $before to $after over the restart"
[ "$(json .time_info.start_time)" = "$START" ] || fail "the restart reset the counts"
jq -e '.device.device_name == "Hall 2"' "$TMP/data/config.json" >/dev/null ||
	fail "configuration lost over the restart"

# --- Basic recovery --------------------------------------------------------------------
req GET /api/v1/config "${AUTH[@]}" >/dev/null
NETWORK=$(jq -c .network "$TMP/body")
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
START=$(json .time_info.start_time)
sleep 1
req POST /api/v1/maintenance/recovery "${AUTH[@]}" >/dev/null
expect_code 200 recovery
req GET /api/v1/config "${AUTH[@]}" >/dev/null
expect_code 200 "the admin session survives recovery"
[ "$(json '.rules.lines | length')" = 1 ] || fail "recovery kept the imported rules"
[ "$(json .device.device_name)" != "Hall 2" ] || fail "recovery kept the device name"
[ "$(json .reset_schedule.enabled)" = false ] || fail "recovery kept the reset schedule"
[ "$(jq -c .network "$TMP/body")" = "$NETWORK" ] || fail "recovery changed the network section"
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
[ "$(json .time_info.start_time)" \> "$START" ] ||
	fail "cumulative counts not restarted by recovery ($START)"
login_as Secret123
req POST /api/v1/session -d '{"username":"eve","password":"Viewer123"}' >/dev/null
expect_code 200 "viewer login after recovery"

# --- Factory reset ---------------------------------------------------------------------
touch "$TMP/data/extra-file"
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
START=$(json .time_info.start_time)
sleep 1.1 # report times have whole seconds: the new device's must be later
req POST /api/v1/maintenance/factory-reset "${AUTH[@]}" -d '{"password":"Wrong1234"}' >/dev/null
expect_code 403 "factory reset with a wrong password"
req POST /api/v1/maintenance/factory-reset "${AUTH[@]}" -d '{}' >/dev/null
expect_code 400 "factory reset without a password"
req GET /api/v1/status >/dev/null
[ "$(json .activated)" = true ] || fail "a refused factory reset deactivated the device"
[ -f "$TMP/data/extra-file" ] || fail "a refused factory reset removed files"
login_as Secret123
req POST /api/v1/maintenance/factory-reset "${AUTH[@]}" -d '{"password":"Secret123"}' >/dev/null
expect_code 200 "factory reset"
wait_listening 4
[ "$(url_port)" = "$PORT" ] || fail "came back from factory reset on $(url_port), was $PORT"
req GET /api/v1/status >/dev/null
[ "$(json .activated)" = false ] || fail "still activated after a factory reset"
req POST /api/v1/session -d '{"username":"admin","password":"Secret123"}' >/dev/null
expect_code 401 "the old admin password after a factory reset"
[ -e "$TMP/data/extra-file" ] && fail "factory reset left files in the data directory"
[ -e "$TMP/data/users.json" ] && fail "factory reset left the user file"
jq -e '.device.device_name != "Hall 2"' "$TMP/data/config.json" >/dev/null ||
	fail "factory reset left the configuration"
activate
login_as Secret123
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
[ "$(json .time_info.start_time)" \> "$START" ] || fail "counts survived the factory reset"

daemon_stop
finish
