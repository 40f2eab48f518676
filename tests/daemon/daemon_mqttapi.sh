#!/usr/bin/env bash
# daemon_mqttapi.sh FOOTFALLD - the MQTT downlink API against a real
# mosquitto that wants a password: the API is configured through PUT
# /api/v1/config, then every command makes a round trip with mosquitto_pub
# and mosquitto_sub: get_device_info, get_counts, get_config, set_config
# (a good document is committed; a bad one is refused with a message naming
# the field and the old configuration stays), reset_counts (counts start
# again from zero), and bad JSON, an unknown command or a missing id get an
# error reply while the daemon keeps answering. The status endpoint counts
# the commands.
set -u
BIN=$1
TMP=$(mktemp -d /tmp/fd_mqttapi_XXXXXX)
. "$(dirname "$0")/daemon_lib.sh"

MQ_PORT=$(free_port)
mosquitto_passwd -b -c "$TMP/passwd" device Api-pass1 2>/dev/null
mosquitto_passwd -b "$TMP/passwd" tester test 2>/dev/null
start_broker "allow_anonymous false
password_file $TMP/passwd
listener $MQ_PORT 127.0.0.1"
: >"$TMP/replies"
mosquitto_sub -h 127.0.0.1 -p "$MQ_PORT" -u tester -P test -q 1 -t ff/api/reply >"$TMP/replies" &
SUBPID=$!

"$BIN" --data-dir "$TMP/data" --listen 127.0.0.1:0 --log-level debug >"$TMP/out" 2>>"$TMP/log" &
PID=$!
until_true 10 grep -q 'listening on' "$TMP/out" || die "daemon did not start"
URL=$(grep -o 'http://127.0.0.1:[0-9]*/' "$TMP/out")

activate
login

# ---- Configuration of the API ----------------------------------------------------
req GET /api/v1/mqtt-api/status "${AUTH[@]}" >/dev/null
jq -e '.enabled == false and .connected == false and .commands == 0' "$TMP/body" >/dev/null ||
	fail "status before configuration: $(cat "$TMP/body")"
req GET /api/v1/config "${AUTH[@]}" >"$TMP/config.json"
api() { # api JQ-ASSIGNMENTS: PUTs the configuration with mqtt_api changed
	jq ".mqtt_api |= ($1)" "$TMP/config.json" >"$TMP/put.json"
	req PUT /api/v1/config "${AUTH[@]}" --data-binary @"$TMP/put.json" >/dev/null
}
api '.enabled = true'
expect_code 400 "enabled without a host"
grep -q 'mqtt_api.host' "$TMP/body" || fail "no host: message does not name mqtt_api.host: $(cat "$TMP/body")"
api '.enabled = true | .host = "127.0.0.1" | .request_topic = "t" | .reply_topic = "t"'
expect_code 400 "same request and reply topic"
grep -q 'mqtt_api.reply_topic' "$TMP/body" || fail "same topics: message does not name mqtt_api.reply_topic"
api '.qos = 3'
expect_code 400 "qos 3"
grep -q 'mqtt_api.qos' "$TMP/body" || fail "qos 3: message does not name mqtt_api.qos"

API="{enabled: true, host: \"127.0.0.1\", port: $MQ_PORT, client_id: \"footfalld-api-test\",
	username: \"device\", password: \"Api-pass1\", request_topic: \"ff/api/request\",
	reply_topic: \"ff/api/reply\", qos: 1}"
api ". + $API"
expect_code 200 "configure the MQTT API"
jq -e '.mqtt_api.password_set and (.mqtt_api | has("password") | not)' "$TMP/body" >/dev/null ||
	fail "mqtt_api in the reply: $(jq -c .mqtt_api "$TMP/body")"
[ "$(jq -r .mqtt_api.password "$TMP/data/config.json")" = Api-pass1 ] || fail "mqtt_api password not stored"
connected() { req GET /api/v1/mqtt-api/status "${AUTH[@]}" | jq -e .connected >/dev/null; }
until_true 10 connected || fail "MQTT API not connected: $(cat "$TMP/body")"

# ---- Round trips ------------------------------------------------------------------
# call ID PAYLOAD: publishes a request and waits for the reply with that id
# (in $TMP/reply).
call() {
	local id=$1
	mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" -u tester -P test -q 1 -t ff/api/request -m "$2"
	got() { jq -c --argjson id "$id" 'select(.id == $id)' "$TMP/replies" 2>/dev/null | grep -q .; }
	until_true 10 got || { fail "no reply to request $id: $2"; echo '{}' >"$TMP/reply"; return; }
	jq -c --argjson id "$id" 'select(.id == $id)' "$TMP/replies" | tail -1 >"$TMP/reply"
}
check() { # check WHAT JQ: the reply must satisfy JQ
	jq -e "$2" "$TMP/reply" >/dev/null || fail "$1: $(head -c 600 "$TMP/reply")"
}

call '"dev"' '{"id": "dev", "command": "get_device_info"}'
check get_device_info '.status == "ok" and .command == "get_device_info" and
	.result.device_name == "People Counter" and .result.running_time >= 0'

total() { jq '[.result.line_total_data[] | .in_counted + .out_counted] | add // 0' "$TMP/reply"; }
SEQ=0
counted() {
	SEQ=$((SEQ + 1))
	call "\"c$SEQ\"" "{\"id\": \"c$SEQ\", \"command\": \"get_counts\"}"
	[ "$(total)" -ge 2 ]
}
until_true 30 counted || fail "get_counts: no crossings counted: $(head -c 400 "$TMP/reply")"
check get_counts '.status == "ok" and (.result.line_total_data | length) >= 1 and
	(.result.device_info.device_name == "People Counter")'
BEFORE=$(total)

call 7 '{"id": 7, "command": "reset_counts"}'
check reset_counts '.status == "ok" and .result.reset and .id == 7'
call '"c2"' '{"id": "c2", "command": "get_counts"}'
AFTER=$(total)
[ "$AFTER" -lt "$BEFORE" ] && [ "$AFTER" -le 1 ] ||
	fail "reset_counts: $BEFORE counted before, $AFTER after"
req GET /api/v1/counts "${AUTH[@]}" >/dev/null
[ "$(jq '[.line_total_data[] | .in_counted + .out_counted] | add // 0' "$TMP/body")" -lt "$BEFORE" ] ||
	fail "reset_counts: GET /api/v1/counts still has the old counts"

call '"g"' '{"id": "g", "command": "get_config"}'
check get_config '.status == "ok" and .result.mqtt_api.enabled and .result.mqtt_api.password_set
	and (.result.mqtt_api | has("password") | not) and (.result.rules | type) == "object"'
jq -c .result "$TMP/reply" >"$TMP/doc.json"

# set_config: a bad document changes nothing.
cp "$TMP/data/config.json" "$TMP/config.before"
BAD=$(jq -c '.device.device_name = "Door 9" | .rules.lines[0].points = [[0,0]]' "$TMP/doc.json")
call '"bad"' "{\"id\": \"bad\", \"command\": \"set_config\", \"config\": $BAD}"
check "set_config with a bad document" '.status == "error" and (.error | test("rules.lines\\[0\\].points"))
	and (has("result") | not)'
BAD=$(jq -c '.privacy.preview = "movie"' "$TMP/doc.json")
call '"bad2"' "{\"id\": \"bad2\", \"command\": \"set_config\", \"config\": $BAD}"
check "set_config with a bad choice" '.status == "error" and (.error | contains("privacy.preview"))'
call '"bad3"' '{"id": "bad3", "command": "set_config"}'
check "set_config without config" '.status == "error" and (.error | contains("config"))'
cmp -s "$TMP/data/config.json" "$TMP/config.before" || fail "a refused set_config changed the configuration file"
req GET /api/v1/config "${AUTH[@]}" | jq -e '.device.device_name == "People Counter"' >/dev/null ||
	fail "a refused set_config changed the configuration"

# set_config: the document read with get_config, one name changed; the API's
# password (not in the document) is kept.
GOOD=$(jq -c '.device.device_name = "Door 9"' "$TMP/doc.json")
call '"good"' "{\"id\": \"good\", \"command\": \"set_config\", \"config\": $GOOD}"
check "set_config" '.status == "ok" and .result.device.device_name == "Door 9"'
req GET /api/v1/config "${AUTH[@]}" | jq -e '.device.device_name == "Door 9"' >/dev/null ||
	fail "set_config not visible over HTTP: $(cat "$TMP/body")"
[ "$(jq -r .mqtt_api.password "$TMP/data/config.json")" = Api-pass1 ] || fail "set_config lost the API password"

# Errors: never a crash, always an answer.
call null 'this is not JSON'
check "bad JSON" '.status == "error" and .id == null and (.error | contains("not JSON"))'
call '"u"' '{"id": "u", "command": "format_disk"}'
check "unknown command" '.status == "error" and .command == "format_disk" and (.error | contains("format_disk"))'
call '"k"' '{"id": "k", "command": "get_counts", "colour": 1}'
check "unknown key" '.status == "error" and (.error | contains("colour"))'
call '"n"' '{"id": "n", "command": 5}'
check "command not a string" '.status == "error" and (.error | contains("command"))'
# A reply on the request topic is not a command (no loop).
mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" -u tester -P test -q 1 -t ff/api/request \
	-m '{"id": "echo", "command": "get_counts", "status": "ok"}'
call '"alive"' '{"id": "alive", "command": "get_device_info"}'
check "still answering" '.status == "ok" and .result.device_name == "Door 9"'
jq -e 'select(.id == "echo")' "$TMP/replies" >/dev/null 2>&1 && fail "a reply was taken for a command"

req GET /api/v1/mqtt-api/status "${AUTH[@]}" >/dev/null
jq -e '.connected and .commands >= 13 and .failed >= 7 and .last_error == ""' "$TMP/body" >/dev/null ||
	fail "status after the commands: $(cat "$TMP/body")"

# Disabling disconnects; the document as read keeps the password.
req GET /api/v1/config "${AUTH[@]}" >"$TMP/config.json"
api '.enabled = false'
expect_code 200 "disable the MQTT API"
disconnected() { req GET /api/v1/mqtt-api/status "${AUTH[@]}" | jq -e '.connected == false' >/dev/null; }
until_true 10 disconnected || fail "disabled MQTT API still connected"
[ "$(jq -r .mqtt_api.password "$TMP/data/config.json")" = Api-pass1 ] || fail "disabling lost the API password"

daemon_stop

finish
