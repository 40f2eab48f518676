/*
 * test_tls.c - unit tests of the HTTPS server's pair (tls.c) and of the
 * configuration's network and mqtt_api sections and secrets (config.c,
 * recipients.c): the self-signed pair is made once, kept, and remade when
 * the stored one is broken; the sections parse, reject bad values naming
 * the field and round-trip; passwords never appear in the API's document,
 * a document without them keeps the stored ones, and "" clears them.
 *
 * Every test works in its own scratch directory (test_io_util.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "../test_io_util.h"
#include "daemon.h"

static const char *const good_rules =
    "\"rules\": {\"lines\": [{\"id\": 1, \"points\": [[0.5, 0.05], [0.5, 0.95]]}]}";

static char *read_text(const char *dir, const char *name)
{
	char path[1024];
	char *text = NULL;
	size_t len;
	ff_error err;
	assert_true(fd_path_join(path, sizeof path, dir, name));
	assert_int_equal(fd_read_file(path, &text, &len, &err), FF_OK);
	return text;
}

static void test_server_pair(void **state)
{
	const char *dir = *state;
	ff_error err = {0};
	char *cert = NULL, *key = NULL, *cert2 = NULL, *key2 = NULL;
	assert_int_equal(fd_tls_init(dir, &err), FF_OK);
	assert_int_equal(fd_tls_server_pair("Door 3", "10.1.2.3", &cert, &key, &err), FF_OK);
	assert_non_null(strstr(cert, "-----BEGIN CERTIFICATE-----"));
	assert_non_null(strstr(key, "PRIVATE KEY-----"));

	struct stat sb;
	char path[1024];
	assert_true(fd_path_join(path, sizeof path, dir, "certs/server-key.pem"));
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	/* Kept: the same pair on the next start. */
	assert_int_equal(fd_tls_server_pair("Door 3", "10.1.2.3", &cert2, &key2, &err), FF_OK);
	assert_string_equal(cert, cert2);
	assert_string_equal(key, key2);
	free(cert2);
	free(key2);

	/* A key of another pair (a crash between the two writes): a new pair
	 * whose halves match again. */
	char *other_cert = NULL, *other_key = NULL;
	assert_int_equal(tio_write_text(dir, "certs/server-key.pem", "garbage"), 0);
	assert_int_equal(fd_tls_server_pair("Door 3", "10.1.2.3", &other_cert, &other_key, &err),
			 FF_OK);
	assert_string_not_equal(other_cert, cert);
	char *stored = read_text(dir, "certs/server-key.pem");
	assert_string_equal(stored, other_key);
	free(stored);
	assert_int_equal(tio_write_text(dir, "certs/server-key.pem", key), 0);
	assert_int_equal(fd_tls_server_pair("Door 3", "10.1.2.3", &cert2, &key2, &err), FF_OK);
	assert_string_not_equal(cert2, other_cert);
	assert_string_not_equal(cert2, cert);
	free(cert2);
	free(key2);
	free(other_cert);
	free(other_key);
	free(cert);
	free(key);
}

static void test_sections(void **state)
{
	(void)state;
	char doc[2048];
	snprintf(
	    doc, sizeof doc,
	    "{\"network\": {\"http_port\": 80, \"https_enabled\": true, \"https_port\": 443},"
	    " \"mqtt_api\": {\"enabled\": true, \"host\": \"broker\", \"port\": 8883,"
	    " \"client_id\": \"dev1\", \"username\": \"u\", \"password\": \"p\", \"tls\": true,"
	    " \"request_topic\": \"dev1/req/#\", \"reply_topic\": \"dev1/rep\", \"qos\": 2},"
	    " %s}",
	    good_rules);
	fd_config *c = malloc(sizeof *c), *c2 = malloc(sizeof *c2);
	assert_non_null(c);
	assert_non_null(c2);
	ff_error err = {0};
	assert_int_equal(fd_config_parse(doc, strlen(doc), c, &err), FF_OK);
	assert_int_equal(c->network.http_port, 80);
	assert_true(c->network.https_enabled);
	assert_int_equal(c->network.https_port, 443);
	assert_true(c->mqtt_api.enabled && c->mqtt_api.tls);
	assert_string_equal(c->mqtt_api.host, "broker");
	assert_int_equal(c->mqtt_api.port, 8883);
	assert_int_equal(c->mqtt_api.qos, 2);
	assert_string_equal(c->mqtt_api.password, "p");
	assert_false(c->mqtt_api.password_keep);

	/* Defaults of a document without the sections. */
	snprintf(doc, sizeof doc, "{%s}", good_rules);
	assert_int_equal(fd_config_parse(doc, strlen(doc), c2, &err), FF_OK);
	assert_int_equal(c2->network.http_port, 8080);
	assert_false(c2->network.https_enabled);
	assert_int_equal(c2->network.https_port, 8443);
	assert_false(c2->mqtt_api.enabled);
	assert_string_equal(c2->mqtt_api.request_topic, "footfall/api/request");
	assert_string_equal(c2->mqtt_api.reply_topic, "footfall/api/reply");

	const struct {
		const char *part, *want;
	} bad[] = {
	    {"\"network\": {\"http_port\": 0}", "network.http_port"},
	    {"\"network\": {\"https_port\": 70000}", "network.https_port"},
	    {"\"network\": {\"https_enabled\": 1}", "network.https_enabled"},
	    {"\"network\": {\"https_enabled\": true, \"https_port\": 8080}",
	     "network.https_port: 8080 is the HTTP port"},
	    {"\"network\": {\"ftp_port\": 21}", "network.ftp_port: unknown key"},
	    {"\"mqtt_api\": {\"enabled\": true}", "mqtt_api.host: required"},
	    {"\"mqtt_api\": {\"qos\": 3}", "mqtt_api.qos"},
	    {"\"mqtt_api\": {\"reply_topic\": \"a/+\"}", "mqtt_api.reply_topic"},
	    {"\"mqtt_api\": {\"request_topic\": \"\"}", "mqtt_api.request_topic"},
	    {"\"mqtt_api\": {\"request_topic\": \"x\", \"reply_topic\": \"x\"}",
	     "mqtt_api.reply_topic: must differ"},
	    {"\"mqtt_api\": {\"password\": 5}", "mqtt_api.password"},
	    {"\"mqtt_api\": []", "mqtt_api: expected an object"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(doc, sizeof doc, "{%s, %s}", bad[i].part, good_rules);
		ff_status st = fd_config_parse(doc, strlen(doc), c2, &err);
		if (st == FF_OK || !strstr(err.msg, bad[i].want))
			fail_msg("'%s': status %d, message '%s', expected one naming '%s'",
				 bad[i].part, st, err.msg, bad[i].want);
	}
	free(c);
	free(c2);
}

/* The document a client reads has no password; sending it back keeps the
 * stored ones, "" clears one, and the file keeps them. */
static void test_secrets(void **state)
{
	const char *dir = *state;
	char doc[2048];
	snprintf(doc, sizeof doc,
		 "{\"recipients\": [{\"type\": \"mqtt\", \"host\": \"h\", \"topic\": \"t\","
		 " \"username\": \"u\", \"password\": \"rec-secret\"},"
		 " {\"url\": \"http://x/\", \"username\": \"w\", \"password\": \"web-secret\"},"
		 " {\"url\": \"http://y/\"}],"
		 " \"mqtt_api\": {\"password\": \"api-secret\"}, %s}",
		 good_rules);
	fd_config *stored = malloc(sizeof *stored), *back = malloc(sizeof *back);
	assert_non_null(stored);
	assert_non_null(back);
	ff_error err = {0};
	assert_int_equal(fd_config_parse(doc, strlen(doc), stored, &err), FF_OK);

	char *shown = NULL;
	assert_int_equal(fd_config_to_json(stored, &shown, &err), FF_OK);
	assert_null(strstr(shown, "secret"));
	assert_null(strstr(shown, "\"password\""));
	assert_non_null(strstr(shown, "\"password_set\": true"));

	/* What was shown, sent back: every password kept. */
	assert_int_equal(fd_config_parse(shown, strlen(shown), back, &err), FF_OK);
	fd_config_keep_secrets(back, stored);
	assert_string_equal(back->recipients[0].password, "rec-secret");
	assert_string_equal(back->recipients[1].password, "web-secret");
	assert_string_equal(back->recipients[2].password, "");
	assert_string_equal(back->mqtt_api.password, "api-secret");
	assert_false(back->recipients[0].password_keep || back->mqtt_api.password_keep);
	free(shown);

	/* The file holds them (and only the file). */
	char path[1024];
	assert_true(fd_path_join(path, sizeof path, dir, "config.json"));
	assert_int_equal(fd_config_save(path, back, &err), FF_OK);
	char *file = read_text(dir, "config.json");
	assert_non_null(strstr(file, "rec-secret"));
	assert_non_null(strstr(file, "api-secret"));
	free(file);
	assert_int_equal(fd_config_load(path, back, &err), FF_OK);
	assert_string_equal(back->recipients[1].password, "web-secret");

	/* "" clears; a recipient the old configuration lacks keeps nothing. */
	json_t *j = NULL;
	assert_int_equal(fd_config_to_json(stored, &shown, &err), FF_OK);
	j = json_loads(shown, 0, NULL);
	free(shown);
	assert_non_null(j);
	json_object_set_new(json_array_get(json_object_get(j, "recipients"), 0), "password",
			    json_string(""));
	json_object_set_new(json_array_get(json_object_get(j, "recipients"), 1), "id",
			    json_integer(5));
	char *text = json_dumps(j, 0);
	json_decref(j);
	assert_int_equal(fd_config_parse(text, strlen(text), back, &err), FF_OK);
	free(text);
	fd_config_keep_secrets(back, stored);
	assert_string_equal(back->recipients[0].password, "");
	assert_string_equal(back->recipients[1].password, "");
	assert_string_equal(back->mqtt_api.password, "api-secret");
	free(stored);
	free(back);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_server_pair, tio_setup_dir, tio_teardown_dir),
	    cmocka_unit_test(test_sections),
	    cmocka_unit_test_setup_teardown(test_secrets, tio_setup_dir, tio_teardown_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
