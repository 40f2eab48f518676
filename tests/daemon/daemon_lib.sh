# daemon_lib.sh - helpers of the daemon's shell tests, sourced after the
# test has set TMP (its scratch directory). On exit the processes in PID
# (the daemon), BROKER, SUBPID and RECV are killed and TMP is removed. req goes
# to $URL with the extra curl arguments of CURL_ARGS (e.g. --cacert).
FAILS=0
CURL_ARGS=()
PID= BROKER= SUBPID= RECV=

cleanup() {
	for p in $PID $BROKER $SUBPID $RECV; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	FAILS=$((FAILS + 1))
}

die() {
	fail "$*"
	echo "--- daemon log" >&2
	tail -20 "$TMP/log" >&2
	exit 1
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

until_true() { # until_true SECONDS COMMAND...: polls COMMAND every 0.2 s
	local n=$(($1 * 5))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

port_open() { (: >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

req() { # req METHOD PATH [curl args...]: prints the body, sets CODE
	local method=$1 path=$2
	shift 2
	CODE=$(curl -s "${CURL_ARGS[@]}" -o "$TMP/body" -w '%{http_code}' -X "$method" "$@" "${URL}${path#/}")
	cat "$TMP/body"
}

expect_code() { [ "$CODE" = "$1" ] || fail "$2: HTTP $CODE, expected $1 ($(cat "$TMP/body"))"; }

activate() {
	req POST /api/v1/activate -d '{"password": "Secret123", "security_questions": [
		{"question": "q1", "answer": "a1"}, {"question": "q2", "answer": "a2"},
		{"question": "q3", "answer": "a3"}]}' >/dev/null
	expect_code 200 activate
}

login() { # sets TOKEN and AUTH
	TOKEN=$(req POST /api/v1/session -d '{"username":"admin","password":"Secret123"}' | jq -r .token)
	AUTH=(-H "Authorization: Bearer $TOKEN")
}

# start_broker CONFIG-LINES: mosquitto on $MQ_PORT (which CONFIG-LINES must
# open) as this user; BROKER is its pid.
start_broker() {
	printf 'user %s\n%s\n' "$(id -un)" "$1" >"$TMP/mosquitto.conf"
	mosquitto -c "$TMP/mosquitto.conf" >>"$TMP/broker.log" 2>&1 &
	BROKER=$!
	until_true 10 port_open "$MQ_PORT" || die "mosquitto did not start: $(cat "$TMP/broker.log")"
}

# daemon_start [SOURCE [OPTIONS...]]: $BIN on $TMP/data and a free
# loopback port, its output in $TMP/out and $TMP/log; URL is where it
# answers.
daemon_start() {
	: >"$TMP/out"
	"$BIN" --data-dir "$TMP/data" --listen 127.0.0.1:0 --source "${1:-sim}" "${@:2}" \
		>"$TMP/out" 2>>"$TMP/log" &
	PID=$!
	for _ in $(seq 100); do
		URL=$(grep -o 'http://127.0.0.1:[0-9]*/' "$TMP/out" 2>/dev/null)
		[ -n "$URL" ] && return 0
		sleep 0.1
	done
	die "daemon did not start"
}

# daemon_stop: SIGTERM, and exit status 0 within 5 s.
daemon_stop() {
	kill -TERM "$PID"
	for _ in $(seq 50); do
		kill -0 "$PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$PID" 2>/dev/null; then
		fail "daemon did not stop on SIGTERM"
		kill -KILL "$PID"
	fi
	wait "$PID"
	local rc=$?
	[ $rc -eq 0 ] || fail "exit status $rc after SIGTERM"
	PID=
}

stop_broker() {
	kill -TERM "$BROKER"
	wait "$BROKER" 2>/dev/null
	BROKER=
}

# start_receiver FILE: the HTTP receiver (http_recv.py) appending every
# POST body to FILE; RECV is its pid, HTTP_PORT its port.
start_receiver() {
	: >"$1"
	rm -f "$TMP/http.port"
	python3 "$(dirname "${BASH_SOURCE[0]}")/http_recv.py" "$1" "$TMP/http.port" &
	RECV=$!
	until_true 10 test -s "$TMP/http.port" || die "HTTP receiver did not start"
	HTTP_PORT=$(cat "$TMP/http.port")
}

finish() { # the verdict, as the exit status
	if [ "$FAILS" -ne 0 ]; then
		echo "--- daemon log" >&2
		tail -30 "$TMP/log" >&2
		echo "$FAILS failure(s)" >&2
		exit 1
	fi
	echo "$(basename "$0" .sh): all passed"
}
