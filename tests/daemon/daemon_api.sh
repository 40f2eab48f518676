#!/usr/bin/env bash
# daemon_api.sh FOOTFALLD - starts the real daemon on a fresh data directory
# and a free loopback port and walks the API with curl: activation, login,
# cookies and lockout, configuration round trip and rejection, roles on every
# route of the OpenAPI document, live counts from the simulated scene,
# reports and CSV, reset, clean shutdown, and counts surviving a restart and
# a kill -9.
set -u
BIN=$1
TMP=$(mktemp -d /tmp/fd_api_XXXXXX)
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

json() { jq -r "$1" "$TMP/body"; }

total_counts() { json '[.line_total_data[] | .in_counted + .out_counted] | add'; }

# restart_and_compare WHAT: starts the daemon again, logs in and checks that
# the cumulative counts are at least $before.
restart_and_compare() {
	daemon_start
	req POST /api/v1/session -d '{"username":"admin","password":"Secret123"}' >/dev/null
	expect_code 200 "login after $1"
	AUTH=(-H "Authorization: Bearer $(json .token)")
	req GET /api/v1/counts "${AUTH[@]}" >/dev/null
	local after
	after=$(total_counts)
	[ "$after" -ge "$before" ] || fail "counts fell from $before to $after over $1"
}

daemon_start
grep -q "listening on http://127.0.0.1:" "$TMP/out" || fail "no start-up line on stdout"

# --- Activation ----------------------------------------------------------------
req GET /api/v1/status >/dev/null
expect_code 200 status
[ "$(json .activated)" = false ] || fail "fresh device claims to be activated"
req GET /api/v1/counts >/dev/null
expect_code 401 "anonymous counts"
QS='[{"question":"q1","answer":"a1"},{"question":"q2","answer":"a2"},{"question":"q3","answer":"a3"}]'
req POST /api/v1/activate -d "{\"password\":\"password\",\"security_questions\":$QS}" >/dev/null
expect_code 400 "weak password"
json .error | grep -q password || fail "weak password message does not name the password"
req POST /api/v1/activate -d "{\"password\":\"Secret123\",\"security_questions\":$QS}" >/dev/null
expect_code 200 activation
req POST /api/v1/activate -d "{\"password\":\"Secret456\",\"security_questions\":$QS}" >/dev/null
expect_code 409 "second activation"
req GET /api/v1/status >/dev/null
[ "$(json .activated)" = true ] || fail "not activated after activation"

# --- Sessions --------------------------------------------------------------------
req POST /api/v1/session -d '{"username":"admin","password":"Secret124"}' >/dev/null
expect_code 401 "wrong password"
req POST /api/v1/session -d '{"username":"admin","password":"Secret123"}' -D "$TMP/headers" \
	>/dev/null
expect_code 200 login
ADMIN=$(json .token)
grep -i '^Set-Cookie: ff_session=' "$TMP/headers" | grep -q 'HttpOnly' ||
	fail "session cookie is not HttpOnly"
grep -i '^Set-Cookie: ff_session=' "$TMP/headers" | grep -q 'SameSite=Strict' ||
	fail "session cookie is not SameSite=Strict"
req GET /api/v1/session -b "ff_session=$ADMIN" >/dev/null
expect_code 200 "cookie authentication"
[ "$(json .role)" = admin ] || fail "cookie session is not the admin"
AUTH=(-H "Authorization: Bearer $ADMIN")

# --- Configuration -------------------------------------------------------------------
req GET /api/v1/config "${AUTH[@]}" >"$TMP/config.json"
expect_code 200 "config get"
jq -e '.rules.lines | length == 1' "$TMP/config.json" >/dev/null ||
	fail "factory configuration lacks the scene's line"
jq '.rules.lines[0].points = [[0,0],[0.2,0.2],[0.4,0.4],[0.6,0.6],[0.8,0.8],[1,1]]' \
	"$TMP/config.json" >"$TMP/bad.json"
req PUT /api/v1/config "${AUTH[@]}" --data-binary @"$TMP/bad.json" >/dev/null
expect_code 400 "config with 6 points"
json .error | grep -q 'rules.lines\[0\].points' || fail "message does not name the field"
jq '.device.device_name = "Door 3" | .privacy.preview = "cinema"' "$TMP/config.json" \
	>"$TMP/bad2.json"
req PUT /api/v1/config "${AUTH[@]}" --data-binary @"$TMP/bad2.json" >/dev/null
expect_code 400 "config with a bad privacy mode"
json .error | grep -q 'privacy.preview' || fail "message does not name privacy.preview"
req PUT /api/v1/config "${AUTH[@]}" --data-binary '{"rules": ' >/dev/null
expect_code 400 "malformed config"
req GET /api/v1/config "${AUTH[@]}" >"$TMP/after.json"
cmp -s "$TMP/config.json" "$TMP/after.json" || fail "a rejected document changed the config"
jq '.device.device_name = "Door 3" | .device.cus_site_id = "site-9"' "$TMP/config.json" \
	>"$TMP/good.json"
req PUT /api/v1/config "${AUTH[@]}" --data-binary @"$TMP/good.json" >/dev/null
expect_code 200 "config put"
req GET /api/v1/config "${AUTH[@]}" >/dev/null
[ "$(json .device.device_name)" = "Door 3" ] || fail "device name not stored"
jq -e '.device.cus_site_id == "site-9"' "$TMP/data/config.json" >/dev/null ||
	fail "config.json on disk does not hold the change"

# --- Users and roles ---------------------------------------------------------------
req POST /api/v1/users "${AUTH[@]}" -d '{"username":"eve","password":"short"}' >/dev/null
expect_code 400 "viewer with a weak password"
req POST /api/v1/users "${AUTH[@]}" -d '{"username":"eve","password":"Viewer123"}' >/dev/null
expect_code 201 "add viewer"
req POST /api/v1/session -d '{"username":"eve","password":"Viewer123"}' >/dev/null
VIEWER=$(json .token)
req GET /api/v1/counts -H "Authorization: Bearer $VIEWER" >/dev/null
expect_code 200 "viewer counts"
req GET /api/v1/config -H "Authorization: Bearer $VIEWER" >/dev/null
expect_code 403 "viewer config"

# Every route of the OpenAPI document: 401 without a session, 403 for a viewer
# on admin routes; and no route outside the document.
req GET /api/v1/openapi.json >"$TMP/openapi.json"
expect_code 200 openapi
jq -e '.openapi | startswith("3.")' "$TMP/openapi.json" >/dev/null || fail "not OpenAPI 3"
jq -r '.paths | to_entries[] | .key as $p | .value | to_entries[] |
	"\(.key | ascii_upcase) \($p) \(.value["x-role"])"' "$TMP/openapi.json" >"$TMP/routes"
[ "$(wc -l <"$TMP/routes")" -ge 15 ] || fail "too few routes documented"
while read -r method path role; do
	p=${path//\{username\}/nobody}
	if [ "$role" != anyone ]; then
		req "$method" "$p" -d '{}' >/dev/null
		expect_code 401 "anonymous $method $path"
		req "$method" "$p" -d '{}' -H "Authorization: Bearer 0000$ADMIN" >/dev/null
		expect_code 401 "forged token $method $path"
	fi
	if [ "$role" = admin ]; then
		req "$method" "$p" -d '{}' -H "Authorization: Bearer $VIEWER" >/dev/null
		expect_code 403 "viewer $method $path"
	fi
done <"$TMP/routes"
req GET /api/v1/nothing-here "${AUTH[@]}" >/dev/null
expect_code 404 "unknown route"
req PATCH /api/v1/config "${AUTH[@]}" >/dev/null
expect_code 405 "wrong method"

# Lockout: five wrong passwords, then even the right one gets 429.
for _ in 1 2 3 4 5; do
	req POST /api/v1/session -d '{"username":"eve","password":"Wrong1234"}' >/dev/null
	expect_code 401 "wrong viewer password"
done
req POST /api/v1/session -d '{"username":"eve","password":"Viewer123"}' -D "$TMP/headers" \
	>/dev/null
expect_code 429 "login while locked out"
grep -qi '^Retry-After: [0-9]' "$TMP/headers" || fail "no Retry-After while locked out"

# --- Live counts from the simulated scene --------------------------------------------
total=0
for _ in $(seq 60); do
	req GET /api/v1/counts "${AUTH[@]}" >/dev/null
	total=$(total_counts)
	[ "$total" -gt 0 ] && break
	sleep 0.5
done
[ "$total" -gt 0 ] || fail "no crossings counted from the simulated scene in 30 s"
json '.device_info.device_name' | grep -q 'Door 3' || fail "counts do not carry the device name"
json '.time_info.start_time' | grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' ||
	fail "counts lack time_info.start_time"
jq -e '.line_total_data[0] | has("capacity_counted") and has("line_uuid")' "$TMP/body" \
	>/dev/null || fail "line_total_data lacks the guide's fields"

req GET /api/v1/live -H "Authorization: Bearer $VIEWER" >/dev/null
expect_code 200 "live state"
[ "$(json .frames)" -gt 10 ] || fail "the pipeline has not processed frames"
[ "$(json .source)" = sim ] || fail "the default source is not the simulated scene"

req GET /metrics -H "Authorization: Bearer $VIEWER" >/dev/null
expect_code 200 metrics
grep -Eq '^footfall_frames_total [1-9][0-9]*$' "$TMP/body" || fail "metrics lack frames"
grep -q '^footfall_line_in_total{line="1"} ' "$TMP/body" || fail "metrics lack line totals"

# Reports: the crossings are in the history (written within about a second).
sleep 1.5
req GET "/api/v1/reports?event=line&unit=hour" "${AUTH[@]}" >/dev/null
expect_code 200 "line report"
stored=$(json '[.series[] | .in + .out] | add // 0')
[ "$stored" -ge "$total" ] || fail "report holds $stored crossings, counts said $total"
req GET "/api/v1/reports?event=line&unit=day&line=1&format=csv" "${AUTH[@]}" >/dev/null
expect_code 200 "CSV report"
head -1 "$TMP/body" | grep -q '^time,in,out,children_in,children_out' || fail "CSV header"
[ "$(wc -l <"$TMP/body")" -ge 2 ] || fail "CSV has no rows"
req GET "/api/v1/reports?event=people&unit=hour" "${AUTH[@]}" >/dev/null
expect_code 400 "bad event"
req GET "/api/v1/reports?event=line&from=yesterday" "${AUTH[@]}" >/dev/null
expect_code 400 "bad from"
json .error | grep -q '^from' || fail "bad from: message does not name it"

# --- Counts survive a restart ---------------------------------------------------------
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
before=$(total_counts)
daemon_stop
grep -q 'stopped' "$TMP/log" || fail "no shutdown message in the log"
restart_and_compare "a restart"
req GET /api/v1/config "${AUTH[@]}" >/dev/null
[ "$(json .device.device_name)" = "Door 3" ] || fail "configuration lost over a restart"

# kill -9: what the storage thread committed (within a second) survives.
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
before=$(total_counts)
sleep 1.5
kill -KILL "$PID"
wait "$PID" 2>/dev/null
restart_and_compare "kill -9"

req POST /api/v1/counts/reset "${AUTH[@]}" >/dev/null
expect_code 200 reset
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
[ "$(total_counts)" -le 1 ] ||
	fail "counts not cleared by reset"
daemon_stop

finish
