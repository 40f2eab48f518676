#!/usr/bin/env bash
# daemon_periodic.sh FOOTFALLD MQTT_SUB - periodic reports (guide 5.3.2)
# at real recipients: a 1-minute period "on the dot" to a mosquitto broker
# and "from now on" to an HTTP receiver, both started here, with the real
# daemon on the simulated scene. On the dot, reports close on whole minutes
# of the device clock, one period apart, and arrive within seconds of the
# minute; from now on, the first closes a period after the recipient was
# saved. Each is the guide's periodic report (section 7.1). About two
# minutes, most of it waiting for the clock.
set -u
BIN=$1
SUB=$2
TMP=$(mktemp -d /tmp/fd_periodic_XXXXXX)
# shellcheck source=daemon_lib.sh
. "$(dirname "$0")/daemon_lib.sh"

MQ_PORT=$(free_port)
start_broker "listener $MQ_PORT 127.0.0.1
allow_anonymous true"
start_receiver "$TMP/http.txt"
: >"$TMP/mqtt.txt"
"$SUB" "$MQ_PORT" ff/periodic "$TMP/mqtt.txt" &
SUBPID=$!
daemon_start
activate
login

periodic="\"trigger_reports\": false, \"periodic_reports\": true, \"period_min\": 1"
req POST /api/v1/recipients "${AUTH[@]}" -d "{\"type\": \"mqtt\", \"host\": \"127.0.0.1\",
	\"port\": $MQ_PORT, \"topic\": \"ff/periodic\", \"qos\": 1,
	\"periodic_scheme\": \"on_the_dot\", $periodic}" >/dev/null
expect_code 201 "add the MQTT recipient"
SAVED=$(date +%s)
req POST /api/v1/recipients "${AUTH[@]}" -d "{\"url\": \"http://127.0.0.1:$HTTP_PORT/p\",
	\"periodic_scheme\": \"from_now_on\", $periodic}" >/dev/null
expect_code 201 "add the HTTP recipient"

# arrival times: the clock when each line appeared (polled every 0.2 s)
: >"$TMP/mqtt.arrivals"
for _ in $(seq 750); do
	n=$(wc -l <"$TMP/mqtt.txt")
	while [ "$(wc -l <"$TMP/mqtt.arrivals")" -lt "$n" ]; do date +%s >>"$TMP/mqtt.arrivals"; done
	[ "$n" -ge 2 ] && [ "$(wc -l <"$TMP/http.txt")" -ge 1 ] && break
	sleep 0.2
done
[ "$(wc -l <"$TMP/mqtt.txt")" -ge 2 ] || die "fewer than 2 periodic MQTT reports in 150 s"
[ "$(wc -l <"$TMP/http.txt")" -ge 1 ] || die "no periodic HTTP report in 150 s"

end_of() { date -d "$(sed -n "${2}p" "$1" | jq -r .time_info.end_time)" +%s; }
for i in 1 2; do
	line=$(sed -n "${i}p" "$TMP/mqtt.txt")
	jq -e '.line_periodic_data | length > 0' <<<"$line" >/dev/null ||
		fail "MQTT report $i is not a periodic report: $line"
	end=$(end_of "$TMP/mqtt.txt" "$i")
	[ $((end % 60)) -eq 0 ] || fail "MQTT report $i ends at $end, not on a whole minute"
	lag=$(($(sed -n "${i}p" "$TMP/mqtt.arrivals") - end))
	[ "$lag" -ge 0 ] && [ "$lag" -le 10 ] || fail "MQTT report $i arrived $lag s after its end"
done
[ $(($(end_of "$TMP/mqtt.txt" 2) - $(end_of "$TMP/mqtt.txt" 1))) -eq 60 ] ||
	fail "on-the-dot reports are not one period apart"
gap=$(($(end_of "$TMP/http.txt" 1) - SAVED))
[ "$gap" -ge 58 ] && [ "$gap" -le 62 ] ||
	fail "the first from-now-on report ends $gap s after the recipient was saved, not 60"
jq -e '.line_periodic_data and .time_info.start_time' "$TMP/http.txt" >/dev/null ||
	fail "the HTTP report is not a periodic report"

daemon_stop
finish
