#!/usr/bin/env bash
# daemon_tls.sh FOOTFALLD - HTTPS and MQTT over TLS with real parts: a CA,
# server and client certificates made here with certtool, curl, and a real
# mosquitto with a TLS listener that wants a client certificate and a
# password. Checks the self-signed certificate of the first start (made
# once, kept over a restart, key 0600), certificate uploads (a good pair is
# served after a restart; garbage, an expired certificate and a key of
# another certificate are refused with a message naming the problem and
# change nothing), an MQTT recipient and the MQTT API over TLS that only
# work with their uploaded CA, client certificate and password, and that
# passwords never leave the device while GET -> PUT round trips keep them.
set -u
BIN=$1
TMP=$(mktemp -d /tmp/fd_tls_XXXXXX)
. "$(dirname "$0")/daemon_lib.sh"

# ---- Certificates made with certtool -------------------------------------------
C=$TMP/pki
mkdir -p "$C"
cert() { # cert NAME TEMPLATE-LINES [SIGNER]: NAME.key, NAME.pem
	local name=$1 tmpl=$2 signer=${3:-}
	certtool --generate-privkey --key-type ecdsa --outfile "$C/$name.key" 2>/dev/null
	printf '%b\n' "$tmpl" >"$C/$name.tmpl"
	if [ -z "$signer" ]; then
		certtool --generate-self-signed --load-privkey "$C/$name.key" --template "$C/$name.tmpl" \
			--outfile "$C/$name.pem" 2>/dev/null
	else
		certtool --generate-certificate --load-privkey "$C/$name.key" --template "$C/$name.tmpl" \
			--load-ca-certificate "$C/$signer.pem" --load-ca-privkey "$C/$signer.key" \
			--outfile "$C/$name.pem" 2>/dev/null
	fi
	[ -s "$C/$name.pem" ] || die "certtool could not make $name"
}
cert ca 'cn = "Footfall Test CA"\nca\ncert_signing_key\nexpiration_days = 30'
cert broker 'cn = "127.0.0.1"\nip_address = "127.0.0.1"\ntls_www_server\nexpiration_days = 30' ca
cert client 'cn = "footfall-device"\ntls_www_client\nexpiration_days = 30' ca
cert web 'cn = "door3.example"\ndns_name = "door3.example"\nip_address = "127.0.0.1"\ntls_www_server\nexpiration_days = 30' ca
cert old 'cn = "old"\nactivation_date = "2000-01-01 00:00:00 UTC"\nexpiration_date = "2001-01-01 00:00:00 UTC"\ntls_www_server'

# ---- Broker: plain listener for the test's subscriber, TLS one for the device ---
MQ_PORT=$(free_port)
MQ_TLS=$(free_port)
mosquitto_passwd -b -c "$TMP/passwd" device S3cret-pw 2>/dev/null
mosquitto_passwd -b "$TMP/passwd" watcher watch 2>/dev/null
start_broker "per_listener_settings false
allow_anonymous false
password_file $TMP/passwd
listener $MQ_PORT 127.0.0.1
listener $MQ_TLS 127.0.0.1
cafile $C/ca.pem
certfile $C/broker.pem
keyfile $C/broker.key
require_certificate true"
: >"$TMP/mqtt.txt"
mosquitto_sub -h 127.0.0.1 -p "$MQ_PORT" -u watcher -P watch -t ff/tls/counts >"$TMP/mqtt.txt" &
SUBPID=$!

# ---- Daemon over HTTP and HTTPS --------------------------------------------------
start_daemon() {
	: >"$TMP/out"
	"$BIN" --data-dir "$TMP/data" --listen 127.0.0.1:0 --listen-https 127.0.0.1:0 \
		--log-level debug >"$TMP/out" 2>>"$TMP/log" &
	PID=$!
	until_true 10 grep -q 'listening on' "$TMP/out" || die "daemon did not start"
	URL=$(grep -o 'https://127.0.0.1:[0-9]*/' "$TMP/out")
	[ -n "$URL" ] || die "no HTTPS listener announced: $(cat "$TMP/out")"
}


trust() { # trust PEM: what curl verifies HTTPS with
	CACERT=$1
	CURL_ARGS=(--cacert "$1")
}
trust "$TMP/data/certs/server-cert.pem"
expect_error() { # expect_error WHAT TEXT: a 400 whose message has TEXT
	expect_code 400 "$1"
	jq -e --arg t "$2" '.error | contains($t)' "$TMP/body" >/dev/null ||
		fail "$1: message does not say '$2': $(cat "$TMP/body")"
}
mode_of() { stat -c %a "$1"; }

start_daemon
[ -s "$CACERT" ] || die "no self-signed certificate in data/certs"
[ "$(mode_of "$TMP/data/certs/server-key.pem")" = 600 ] ||
	fail "server key mode $(mode_of "$TMP/data/certs/server-key.pem"), expected 600"
[ "$(mode_of "$TMP/data/certs")" = 700 ] || fail "certs directory mode $(mode_of "$TMP/data/certs")"
req GET /api/v1/status >/dev/null
expect_code 200 "HTTPS status verified against the self-signed certificate"
curl -s -o /dev/null "${URL}api/v1/status" && fail "HTTPS: curl trusted the self-signed certificate without --cacert"
activate
login
req GET /api/v1/certificate >/dev/null
expect_code 401 "certificate without a session"
req GET /api/v1/certificate "${AUTH[@]}" >/dev/null
expect_code 200 "GET certificate"
jq -e '.self_signed and .subject == "CN=People Counter" and .restart_required == false
	and (.subject_alt_names | index("IP:127.0.0.1")) and (.not_after[0:4] | tonumber) >= 2035
	and (.fingerprint_sha256 | length) == 95' "$TMP/body" >/dev/null ||
	fail "self-signed certificate: $(cat "$TMP/body")"
FP=$(jq -r .fingerprint_sha256 "$TMP/body")
HTTPS_PORT=${URL##*:}
HTTPS_PORT=${HTTPS_PORT%/}
req GET /api/v1/network/status "${AUTH[@]}" >/dev/null
jq -e --argjson p "$HTTPS_PORT" '.https and .https_port == $p and .http_port > 0
	and .restart_required == false' "$TMP/body" >/dev/null || fail "network status: $(cat "$TMP/body")"
cp "$CACERT" "$TMP/first.pem"
trust "$TMP/first.pem"

# The same certificate after a restart.
daemon_stop
start_daemon
login
SERVER_CERT=$TMP/data/certs/server-cert.pem
cmp -s "$SERVER_CERT" "$TMP/first.pem" || fail "restart: the self-signed certificate changed"
req GET /api/v1/certificate "${AUTH[@]}" >/dev/null
[ "$(jq -r .fingerprint_sha256 "$TMP/body")" = "$FP" ] || fail "restart: another fingerprint"

# ---- Uploads: refused ones change nothing ------------------------------------------
upload() { # upload CERT-FILE KEY-FILE
	jq -n --rawfile c "$1" --rawfile k "$2" '{certificate: $c, private_key: $k}' >"$TMP/up.json"
	req PUT /api/v1/certificate "${AUTH[@]}" --data-binary @"$TMP/up.json" >/dev/null
}
echo "not a certificate" >"$TMP/garbage.pem"
upload "$TMP/garbage.pem" "$C/web.key"
expect_error "garbage certificate" "certificate: not a PEM X.509 certificate"
upload "$C/web.pem" "$TMP/garbage.pem"
expect_error "garbage key" "private_key: not an unencrypted PEM private key"
upload "$C/web.pem" "$C/client.key"
expect_error "key of another certificate" "private_key: does not match the certificate"
upload "$C/old.pem" "$C/old.key"
expect_error "expired certificate" "certificate: expired on 2001-01-01"
req PUT /api/v1/certificate "${AUTH[@]}" -d '{"certificate": "x"}' >/dev/null
expect_error "no key" "private_key"
cmp -s "$SERVER_CERT" "$TMP/first.pem" || fail "a refused upload changed the certificate"

upload "$C/web.pem" "$C/web.key"
expect_code 200 "upload of a good pair"
jq -e '.restart_required and (.self_signed | not) and .subject == "CN=door3.example"
	and .issuer == "CN=Footfall Test CA"' "$TMP/body" >/dev/null ||
	fail "uploaded certificate: $(cat "$TMP/body")"
[ "$(mode_of "$TMP/data/certs/server-key.pem")" = 600 ] || fail "uploaded key is not 0600"
req GET /api/v1/network/status "${AUTH[@]}" >/dev/null
jq -e '.restart_required and .certificate_changed' "$TMP/body" >/dev/null ||
	fail "network status after an upload: $(cat "$TMP/body")"
# Still the old one until the restart.
trust "$TMP/first.pem"
req GET /api/v1/status >/dev/null
expect_code 200 "old certificate served until the restart"
daemon_stop
start_daemon
trust "$C/ca.pem"
login
[ "$TOKEN" != null ] && [ -n "$TOKEN" ] ||
	fail "login over HTTPS with the uploaded certificate, verified against the test CA"
req GET /api/v1/certificate "${AUTH[@]}" >/dev/null
jq -e '.restart_required == false and .subject == "CN=door3.example"' "$TMP/body" >/dev/null ||
	fail "after the restart: $(cat "$TMP/body")"
CODE=$(curl -s --cacert "$TMP/first.pem" -o /dev/null -w '%{http_code}' "${URL}api/v1/status")
[ "$CODE" = 000 ] || fail "the old self-signed certificate is still served"

req POST /api/v1/certificate/regenerate "${AUTH[@]}" >/dev/null
expect_code 200 "regenerate"
jq -e '.self_signed and .restart_required and .subject == "CN=People Counter"' "$TMP/body" >/dev/null ||
	fail "regenerated certificate: $(cat "$TMP/body")"
cmp -s "$SERVER_CERT" "$TMP/first.pem" && fail "regenerate: the same certificate again"

# ---- MQTT recipient over TLS with a client certificate and a password --------------
req POST /api/v1/recipients "${AUTH[@]}" -d "{\"name\": \"tls\", \"type\": \"mqtt\",
	\"host\": \"127.0.0.1\", \"port\": $MQ_TLS, \"client_id\": \"footfalld-tls-test\",
	\"username\": \"device\", \"password\": \"S3cret-pw\", \"tls\": true,
	\"topic\": \"ff/tls/counts\", \"qos\": 1}" >/dev/null
expect_code 201 "add MQTT TLS recipient"
RID=$(jq .id "$TMP/body")
jq -e 'has("password") | not' "$TMP/body" >/dev/null || fail "POST recipient: password in the reply"
jq -e '.password_set' "$TMP/body" >/dev/null || fail "POST recipient: password_set is not true"
# Only the system's CAs: the broker's certificate is not trusted.
req POST "/api/v1/recipients/$RID/test" "${AUTH[@]}" >/dev/null
expect_code 502 "TLS recipient without its CA"
jq -e '.error | contains("certificate verify failed")' "$TMP/body" >/dev/null ||
	fail "a broker certificate that does not verify is not named as the reason: $(cat "$TMP/body")"

certs() { # certs JQ-EXPRESSION: PUTs the recipient's certificates
	jq -n --rawfile ca "$C/ca.pem" --rawfile crt "$C/client.pem" --rawfile key "$C/client.key" \
		--rawfile web "$C/web.pem" --rawfile old "$C/old.pem" --rawfile wkey "$C/web.key" "$1" \
		>"$TMP/certs.json"
	req PUT "/api/v1/recipients/$RID/certificates" "${AUTH[@]}" --data-binary @"$TMP/certs.json" >/dev/null
}
certs '{ca: "junk"}'
expect_error "CA garbage" "ca: not a PEM X.509 certificate"
certs '{ca: $old}'
expect_error "expired CA" "ca: expired"
certs '{ca: $ca, certificate: $crt}'
expect_error "certificate without key" "give both or neither"
certs '{ca: $ca, certificate: $crt, private_key: $wkey}'
expect_error "client key of another certificate" "private_key: does not match"
certs '{colour: 1}'
expect_error "unknown key" "colour: unknown key"
ls "$TMP/data/certs" | grep -q "recipient-$RID" && fail "refused uploads left files behind"
req PUT /api/v1/recipients/7/certificates "${AUTH[@]}" -d '{}' >/dev/null
expect_code 404 "certificates of a recipient that does not exist"

certs '{ca: $ca, certificate: $crt, private_key: $key}'
expect_code 200 "upload CA, client certificate and key"
jq -e '.ca.subject == "CN=Footfall Test CA" and .certificate.subject == "CN=footfall-device"
	and .private_key == true' "$TMP/body" >/dev/null || fail "uploaded client files: $(cat "$TMP/body")"
[ "$(mode_of "$TMP/data/certs/recipient-$RID-key.pem")" = 600 ] || fail "client key is not 0600"
req GET "/api/v1/recipients/$RID/certificates" "${AUTH[@]}" >/dev/null
jq -e '.ca.self_signed and .private_key' "$TMP/body" >/dev/null || fail "GET client files: $(cat "$TMP/body")"

req POST "/api/v1/recipients/$RID/test" "${AUTH[@]}" >/dev/null
expect_code 200 "TLS recipient with its CA, client certificate and password"
arrived() { grep -q '"line_trigger_data"' "$TMP/mqtt.txt"; }
until_true 40 arrived || fail "no report over MQTT/TLS with the uploaded certificates: $(req GET "/api/v1/recipients/$RID" "${AUTH[@]}")"
jq -e '.line_trigger_data[0].line == 1' <(grep '"line_trigger_data"' "$TMP/mqtt.txt" | head -1) >/dev/null ||
	fail "MQTT/TLS report not in the guide's form"
# The test message above may be what arrived while the sender still waits
# out a failure from before the upload: its own connection comes next.
connected() { req GET "/api/v1/recipients/$RID" "${AUTH[@]}" | jq -e '.status.connected and .status.delivered > 0' >/dev/null; }
until_true 20 connected || fail "TLS recipient not connected: $(cat "$TMP/body")"

# ---- Secrets: never shown, kept by GET -> PUT round trips ---------------------------
stored_password() { jq -r ".recipients[] | select(.id == $RID) | .password" "$TMP/data/config.json"; }
req GET /api/v1/config "${AUTH[@]}" >"$TMP/config.json"
grep -q 'S3cret-pw' "$TMP/config.json" && fail "GET config shows the password"
jq -e '[.. | objects | has("password")] | any | not' "$TMP/config.json" >/dev/null ||
	fail "GET config has a password key"
jq -e '.mqtt_api.password_set == false and .network.https_port == 8443' "$TMP/config.json" >/dev/null ||
	fail "GET config: network or mqtt_api sections: $(jq -c '{network, mqtt_api}' "$TMP/config.json")"
req PUT /api/v1/config "${AUTH[@]}" --data-binary @"$TMP/config.json" >/dev/null
expect_code 200 "PUT config as read"
req GET /api/v1/network/status "${AUTH[@]}" | jq -e '.network_changed' >/dev/null &&
	fail "an unchanged network section asks for a restart: $(cat "$TMP/body")"
grep -q 'S3cret-pw' "$TMP/body" && fail "PUT config reply shows the password"
[ "$(stored_password)" = S3cret-pw ] || fail "GET -> PUT config lost the password: '$(stored_password)'"
[ "$(mode_of "$TMP/data/config.json")" = 600 ] || fail "config.json holds passwords but is not 0600"
req GET "/api/v1/recipients/$RID" "${AUTH[@]}" | jq '.qos = 2' >"$TMP/rec.json"
grep -q 'S3cret-pw' "$TMP/rec.json" && fail "GET recipient shows the password"
req PUT "/api/v1/recipients/$RID" "${AUTH[@]}" --data-binary @"$TMP/rec.json" >/dev/null
expect_code 200 "PUT recipient as read"
jq -e '.password_set and .qos == 2' "$TMP/body" >/dev/null || fail "PUT recipient: $(cat "$TMP/body")"
[ "$(stored_password)" = S3cret-pw ] || fail "GET -> PUT recipient lost the password"
# The broker still lets it in with the kept password.
req POST "/api/v1/recipients/$RID/test" "${AUTH[@]}" >/dev/null
expect_code 200 "TLS recipient after the round trip (password kept)"

# A wrong password is refused by the broker; "" clears the stored one.
jq '.password = "wrong"' "$TMP/rec.json" >"$TMP/rec2.json"
req PUT "/api/v1/recipients/$RID" "${AUTH[@]}" --data-binary @"$TMP/rec2.json" >/dev/null
req POST "/api/v1/recipients/$RID/test" "${AUTH[@]}" >/dev/null
expect_code 502 "TLS recipient with a wrong password"
jq -e '.error | contains("not authorised")' "$TMP/body" >/dev/null ||
	fail "the broker's refusal is not named as the reason: $(cat "$TMP/body")"
jq '.network.https_port = 9443' "$TMP/config.json" >"$TMP/net.json"
req PUT /api/v1/config "${AUTH[@]}" --data-binary @"$TMP/net.json" >/dev/null
expect_code 200 "change the HTTPS port"
req GET /api/v1/network/status "${AUTH[@]}" | jq -e '.restart_required and .network_changed' >/dev/null ||
	fail "a new HTTPS port does not ask for a restart: $(cat "$TMP/body")"
jq '.password = ""' "$TMP/rec.json" >"$TMP/rec3.json"
req PUT "/api/v1/recipients/$RID" "${AUTH[@]}" --data-binary @"$TMP/rec3.json" >/dev/null
jq -e '.password_set == false' "$TMP/body" >/dev/null || fail "password \"\" did not clear it: $(cat "$TMP/body")"

# Deleting the recipient deletes its files.
req DELETE "/api/v1/recipients/$RID" "${AUTH[@]}" >/dev/null
expect_code 200 "delete TLS recipient"
gone() { ! ls "$TMP/data/certs" | grep -q "recipient-$RID"; }
until_true 10 gone || fail "deleted recipient's TLS files remain: $(ls "$TMP/data/certs")"

# ---- The MQTT API over TLS with its own uploaded files -----------------------------
req GET /api/v1/config "${AUTH[@]}" | jq --argjson p "$MQ_TLS" '.mqtt_api = {enabled: true,
	host: "127.0.0.1", port: $p, username: "device", password: "S3cret-pw", tls: true,
	request_topic: "ff/tls/api/req", reply_topic: "ff/tls/api/rep"}' >"$TMP/api.json"
req PUT /api/v1/config "${AUTH[@]}" --data-binary @"$TMP/api.json" >/dev/null
expect_code 200 "MQTT API over TLS"
api_failing() { req GET /api/v1/mqtt-api/status "${AUTH[@]}" | jq -e '.last_error != ""' >/dev/null; }
until_true 10 api_failing || fail "MQTT API without its CA: no error: $(cat "$TMP/body")"
jq -n --rawfile ca "$C/ca.pem" --rawfile crt "$C/client.pem" --rawfile key "$C/client.key" \
	'{ca: $ca, certificate: $crt, private_key: $key}' >"$TMP/certs.json"
req PUT /api/v1/mqtt-api/certificates "${AUTH[@]}" --data-binary @"$TMP/certs.json" >/dev/null
expect_code 200 "MQTT API certificates"
jq -e '.ca.subject == "CN=Footfall Test CA" and .private_key' "$TMP/body" >/dev/null ||
	fail "MQTT API certificates: $(cat "$TMP/body")"
api_up() { req GET /api/v1/mqtt-api/status "${AUTH[@]}" | jq -e '.connected' >/dev/null; }
until_true 40 api_up || fail "MQTT API over TLS not connected: $(cat "$TMP/body")"
mosquitto_sub -h 127.0.0.1 -p "$MQ_PORT" -u watcher -P watch -t ff/tls/api/rep -C 1 -W 10 >"$TMP/api.reply" &
SUB2=$!
sleep 0.5
mosquitto_pub -h 127.0.0.1 -p "$MQ_PORT" -u watcher -P watch -t ff/tls/api/req -m '{"id": 1, "command": "get_device_info"}'
wait "$SUB2"
jq -e '.id == 1 and .status == "ok"' "$TMP/api.reply" >/dev/null ||
	fail "MQTT API over TLS: no reply: $(cat "$TMP/api.reply")"

daemon_stop
finish
