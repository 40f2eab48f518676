/*
 * test_daemon_unit.c - unit tests of footfalld's parts that need no running
 * daemon: configuration validation and storage, the password policy and
 * the user file, the SQLite history (roll-over, report buckets, CSV), the
 * cumulative counts, ISO times, and the route table against the OpenAPI
 * document that is served.
 *
 * Every test works in its own temporary directory, removed afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "daemon.h"
#include "store_test_util.h"
#include "test_io_util.h"

static const char *const good_rules =
    "\"rules\": {\"lines\": [{\"id\": 1, \"points\": [[0.5, 0.05], [0.5, 0.95]]}],"
    " \"regions\": [{\"id\": 7, \"points\": [[0.1, 0.1], [0.4, 0.1], [0.4, 0.5]]}]}";

static void path_in(void **state, const char *name, char *buf, size_t cap)
{
	assert_true(fd_path_join(buf, cap, *state, name));
}

/* ---- Configuration ------------------------------------------------------- */

/* Serialised, parsed and serialised again, a configuration is unchanged. */
static void assert_round_trip(const fd_config *c)
{
	char *text = NULL, *again = NULL;
	fd_config c2;
	ff_error err = {0};
	assert_int_equal(fd_config_to_json(c, &text, &err), FF_OK);
	assert_int_equal(fd_config_parse(text, strlen(text), &c2, &err), FF_OK);
	assert_int_equal(fd_config_to_json(&c2, &again, &err), FF_OK);
	assert_string_equal(text, again);
	free(text);
	free(again);
}

static void test_config_round_trip(void **state)
{
	(void)state;
	char doc[1024];
	snprintf(doc, sizeof doc,
		 "{\"device\": {\"device_name\": \"Door 3\", \"cus_site_id\": \"S1\"},"
		 " \"time\": {\"time_zone\": \"-05:30\", \"dst\": {\"enabled\": true,"
		 " \"start\": \"03-10T02:00\", \"end\": \"11-03T02:00\", \"bias_min\": 30}},"
		 " \"privacy\": {\"preview\": \"none\", \"image_type\": \"monochrome\","
		 " \"resolution\": \"high\"},"
		 " \"reset_schedule\": {\"enabled\": true, \"time\": \"23:45\"}, %s}",
		 good_rules);
	fd_config c;
	ff_error err = {0};
	assert_int_equal(fd_config_parse(doc, strlen(doc), &c, &err), FF_OK);
	assert_string_equal(c.device_name, "Door 3");
	assert_string_equal(c.cus_site_id, "S1");
	assert_int_equal(c.utc_offset_min, -330);
	assert_true(c.dst.enabled);
	assert_int_equal(c.dst.end_month, 11);
	assert_int_equal(c.dst.bias_min, 30);
	assert_int_equal(c.preview, FD_PREVIEW_NONE);
	assert_false(c.pseudo_color);
	assert_true(c.high_resolution);
	assert_true(c.reset_daily);
	assert_int_equal(c.reset_minute, 23 * 60 + 45);
	assert_int_equal(c.rules.nlines, 1);
	assert_int_equal(c.rules.regions[0].id, 7);

	assert_round_trip(&c);
}

static void expect_rejected(const char *doc, const char *field)
{
	fd_config c;
	memset(&c, 0x5a, sizeof c);
	ff_error err = {0};
	ff_status st = fd_config_parse(doc, strlen(doc), &c, &err);
	if (st == FF_OK || !strstr(err.msg, field))
		fail_msg("'%s': status %d, message '%s', expected one naming '%s'", doc, st,
			 err.msg, field);
	/* Nothing written on failure. */
	unsigned char *p = (unsigned char *)&c;
	for (size_t i = 0; i < sizeof c; i++)
		assert_int_equal(p[i], 0x5a);
}

static void test_config_rejects(void **state)
{
	(void)state;
	char doc[1024];
	const struct {
		const char *part, *field;
	} cases[] = {
	    {"\"colour\": 1", "colour: unknown key"},
	    {"\"device\": {\"name\": \"x\"}", "device.name: unknown key"},
	    {"\"device\": {\"device_name\": 5}", "device.device_name"},
	    {"\"device\": {\"device_name\": \"0123456789012345678901234567890123456789"
	     "012345678901234567890123456789\"}",
	     "device.device_name"},
	    {"\"device\": []", "device: expected an object"},
	    {"\"time\": {\"time_zone\": \"+25:00\"}", "time.time_zone"},
	    {"\"time\": {\"dst\": {\"start\": \"13-01T00:00\"}}", "time.dst.start"},
	    {"\"time\": {\"time_zone\": \"+05:07\"}", "quarter hours from UTC"},
	    {"\"time\": {\"dst\": {\"bias_min\": 500}}", "time.dst.bias_min"},
	    {"\"time\": {\"dst\": {\"bias_min\": 40}}", "time.dst.bias_min: expected 0 to 120"},
	    {"\"time\": {\"dst\": {\"enabled\": \"yes\"}}", "time.dst.enabled"},
	    {"\"privacy\": {\"preview\": \"movie\"}", "privacy.preview"},
	    {"\"reset_schedule\": {\"time\": \"24:00\"}", "reset_schedule.time"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(doc, sizeof doc, "{%s, %s}", cases[i].part, good_rules);
		expect_rejected(doc, cases[i].field);
	}
	expect_rejected("{\"device\": {}}", "rules: missing");
	expect_rejected("{\"rules\": 3}", "rules: expected an object");
	expect_rejected("{\"rules\": {\"lines\": [{\"points\": [[0,0],[1,1],[0,1],[1,0],[0.5,0.5],"
			"[0.2,0.2]]}]}}",
			"rules.lines[0].points");
	expect_rejected("{\"rules\": {\"tracking_mode\": \"hands\"}}", "rules.tracking_mode");
	expect_rejected("{\"rules\": {}", "line 1");
	expect_rejected("[1, 2]", "config: expected an object");
}

static void test_config_recipients(void **state)
{
	(void)state;
	char doc[2048];
	snprintf(doc, sizeof doc,
		 "{\"recipients\": [{\"type\": \"mqtt\", \"host\": \"broker\", \"port\": 8883,"
		 " \"client_id\": \"c1\", \"username\": \"u\", \"password\": \"p\","
		 " \"topic\": \"ff/counts\", \"qos\": 2, \"tls\": true,"
		 " \"periodic_reports\": true, \"periodic_scheme\": \"from_now_on\","
		 " \"period_min\": 15, \"retransmission\": false,"
		 " \"content\": {\"device_sn\": false, \"dwell_time_data\": false}},"
		 " {\"id\": 1, \"url\": \"https://example.com/in\", \"trigger_reports\": false}],"
		 " %s}",
		 good_rules);
	fd_config c;
	ff_error err = {0};
	assert_int_equal(fd_config_parse(doc, strlen(doc), &c, &err), FF_OK);
	assert_int_equal(c.nrecipients, 2);
	const fd_recipient *m = &c.recipients[0], *h = &c.recipients[1];
	/* The recipient without an id takes the smallest free one. */
	assert_int_equal(h->id, 1);
	assert_int_equal(m->id, 2);
	assert_int_equal(m->proto, FD_PROTO_MQTT);
	assert_string_equal(m->host, "broker");
	assert_int_equal(m->port, 8883);
	assert_int_equal(m->qos, 2);
	assert_true(m->tls);
	assert_true(m->trigger_reports);
	assert_true(m->periodic_reports);
	assert_int_equal(m->scheme, FD_SCHEME_FROM_NOW_ON);
	assert_int_equal(m->period_min, 15);
	assert_false(m->retransmission);
	assert_false(m->content.device_sn);
	assert_false(m->content.dwell_time_data);
	assert_true(m->content.device_name);
	assert_int_equal(h->proto, FD_PROTO_HTTP);
	assert_false(h->trigger_reports);
	assert_true(h->retransmission);

	assert_round_trip(&c);

	const struct {
		const char *part, *field;
	} cases[] = {
	    {"\"recipients\": {}", "recipients: expected an array"},
	    {"\"recipients\": [1]", "recipients[0]: expected an object"},
	    {"\"recipients\": [{}]", "recipients[0].url"},
	    {"\"recipients\": [{\"url\": \"ftp://x\"}]", "recipients[0].url"},
	    {"\"recipients\": [{\"url\": \"http://x\", \"colour\": 1}]",
	     "recipients[0].colour: unknown key"},
	    {"\"recipients\": [{\"url\": \"http://x\"}, {\"type\": \"mqtt\","
	     " \"topic\": \"t\"}]",
	     "recipients[1].host"},
	    {"\"recipients\": [{\"type\": \"mqtt\", \"host\": \"h\", \"topic\": \"a/#\"}]",
	     "recipients[0].topic"},
	    {"\"recipients\": [{\"type\": \"mqtt\", \"host\": \"h\", \"topic\": \"t\","
	     " \"qos\": 3}]",
	     "recipients[0].qos"},
	    {"\"recipients\": [{\"type\": \"coap\"}]", "recipients[0].type"},
	    {"\"recipients\": [{\"url\": \"http://x\", \"port\": 0}]", "recipients[0].port"},
	    {"\"recipients\": [{\"url\": \"http://x\", \"period_min\": 0}]",
	     "recipients[0].period_min"},
	    {"\"recipients\": [{\"url\": \"http://x\", \"periodic_scheme\": \"daily\"}]",
	     "recipients[0].periodic_scheme"},
	    {"\"recipients\": [{\"url\": \"http://x\", \"content\": {\"colour\": true}}]",
	     "recipients[0].content.colour: unknown key"},
	    {"\"recipients\": [{\"url\": \"http://x\", \"content\": {\"names\": 1}}]",
	     "recipients[0].content.names"},
	    {"\"recipients\": [{\"url\": \"http://x\", \"id\": 9}]", "recipients[0].id"},
	    {"\"recipients\": [{\"url\": \"http://x\", \"id\": 2},"
	     " {\"url\": \"http://y\", \"id\": 2}]",
	     "recipients[1].id: 2 is used twice"},
	    {"\"recipients\": [{\"url\": \"http://a\"}, {\"url\": \"http://a\"},"
	     " {\"url\": \"http://a\"}, {\"url\": \"http://a\"}, {\"url\": \"http://a\"},"
	     " {\"url\": \"http://a\"}, {\"url\": \"http://a\"}, {\"url\": \"http://a\"},"
	     " {\"url\": \"http://a\"}]",
	     "recipients: at most 8"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(doc, sizeof doc, "{%s, %s}", cases[i].part, good_rules);
		expect_rejected(doc, cases[i].field);
	}
}

/* Periods are differences of the cumulative counts, unless a reset came
 * in between. */
static void test_counts_from_cumulative(void **state)
{
	(void)state;
	ff_rules rules;
	ff_rules_default(&rules);
	rules.nlines = 1;
	rules.lines[0].id = 4;
	fd_cumulative prev, cum;
	memset(&prev, 0, sizeof prev);
	prev.since = 100;
	prev.nlines = 1;
	prev.line_id[0] = rules.lines[0].id;
	prev.line[0].in = 3;
	prev.line[0].out = 1;
	cum = prev;
	cum.line[0].in = 10;
	cum.line[0].out = 4;
	ff_counts c;
	fd_counts_from_cumulative(&rules, &cum, &prev, NULL, &c);
	assert_int_equal(c.line_total[0].in, 10);
	assert_int_equal(c.line_period[0].in, 7);
	assert_int_equal(c.line_period[0].out, 3);
	cum.since = 200;
	fd_counts_from_cumulative(&rules, &cum, &prev, NULL, &c);
	assert_int_equal(c.line_period[0].in, 10);
	fd_counts_from_cumulative(&rules, &cum, NULL, NULL, &c);
	assert_int_equal(c.line_period[0].out, 4);
}

static void test_periodic_schedule(void **state)
{
	(void)state;
	fd_config cfg;
	fd_config_default(&cfg, NULL);
	cfg.utc_offset_min = 330; /* a half-hour zone: the dot is local */
	fd_recipient r;
	fd_recipient_default(&r);
	r.period_min = 60;
	double midnight = 1767225600; /* 2026-01-01T00:00Z */
	double now = midnight + 10 * 60;
	/* 00:10Z is 05:40 local: the next local full hour is 06:00, 00:30Z. */
	assert_true(fd_push_next_period(&cfg, &r, now, now) == midnight + 30 * 60);
	r.scheme = FD_SCHEME_FROM_NOW_ON;
	assert_true(fd_push_next_period(&cfg, &r, now, now) == now + 3600);
	assert_true(fd_push_next_period(&cfg, &r, now, now + 3600) == now + 7200);
	r.period_min = 15;
	r.scheme = FD_SCHEME_ON_THE_DOT;
	cfg.utc_offset_min = 0;
	assert_true(fd_push_next_period(&cfg, &r, now, now) == midnight + 15 * 60);
}

static void test_config_save_load(void **state)
{
	char path[512];
	path_in(state, "config.json", path, sizeof path);
	fd_config c, back;
	ff_error err = {0};
	assert_int_equal(fd_config_load(path, &back, &err), FF_ERR_END);
	ff_rules rules;
	ff_rules_default(&rules);
	fd_config_default(&c, &rules);
	snprintf(c.cus_device_id, sizeof c.cus_device_id, "dev-42");
	c.utc_offset_min = 480;
	assert_int_equal(fd_config_save(path, &c, &err), FF_OK);
	assert_int_equal(fd_config_load(path, &back, &err), FF_OK);
	assert_string_equal(back.cus_device_id, "dev-42");
	assert_int_equal(back.utc_offset_min, 480);
	char tmp[520];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	assert_int_not_equal(access(tmp, F_OK), 0);

	/* A corrupt file is an error naming it, not a fresh device. */
	assert_int_equal(fd_write_atomic(path, "{\"rules\": ", 10, &err), FF_OK);
	assert_int_equal(fd_config_load(path, &back, &err), FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "config.json"));

	/* Writing into a missing directory fails and leaves nothing behind. */
	assert_int_equal(fd_write_atomic("/nonexistent-dir/x.json", "{}", 2, &err), FF_ERR_IO);
	assert_non_null(strstr(err.msg, "/nonexistent-dir/x.json.tmp"));
}

static void test_config_dst(void **state)
{
	(void)state;
	fd_config c;
	fd_config_default(&c, NULL);
	c.utc_offset_min = 60;
	ff_time_info ti;
	double summer = 1719835200.0; /* 2024-07-01T12:00Z */
	double winter = 1704110400.0; /* 2024-01-01T12:00Z */
	fd_config_time_info(&c, summer, &ti);
	assert_int_equal(ti.utc_offset_min, 60);
	assert_false(ti.dst_status);
	c.dst.enabled = true;
	fd_config_time_info(&c, summer, &ti);
	assert_int_equal(ti.utc_offset_min, 120);
	assert_true(ti.dst_status);
	assert_true(ti.enable_dst);
	assert_string_equal(ti.time_zone, "UTC+01:00");
	fd_config_time_info(&c, winter, &ti);
	assert_int_equal(ti.utc_offset_min, 60);
	assert_false(ti.dst_status);
	/* Southern hemisphere: summer spans the new year. */
	c.dst.start_month = 10;
	c.dst.end_month = 4;
	fd_config_time_info(&c, winter, &ti);
	assert_true(ti.dst_status);
	fd_config_time_info(&c, summer, &ti);
	assert_false(ti.dst_status);
}

/* ---- Users --------------------------------------------------------------- */

static void test_password_policy(void **state)
{
	(void)state;
	const char *good[] = {"abcdefg1", "ABCDEFGH!", "Secret123", "a1a1a1a1a1a1a1a1", "!!!!!!!a"};
	const char *bad[] = {
	    "abc1",	 "abcdefgh", "12345678", "ABCDEFGHIJ", "Abcdefg12345678901",
	    "abcd efg1", "abcdéfg1", ""};
	ff_error err = {0};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (fd_password_policy(good[i], &err))
			fail_msg("'%s' refused: %s", good[i], err.msg);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(fd_password_policy(bad[i], &err), FF_ERR_INVALID);
		assert_non_null(strstr(err.msg, "password"));
	}
}

static const char *const questions[3] = {"Lucky number?", "Favourite sport?", "First pet?"};
static const char *const answers[3] = {"7", "Curling", "Rex"};

static void test_users(void **state)
{
	char path[512], token[FD_TOKEN_LEN + 1], name[FD_USERNAME_MAX + 1];
	path_in(state, "users.json", path, sizeof path);
	fd_users *u = NULL;
	ff_error err = {0};
	int retry = 0;
	assert_int_equal(fd_users_open(path, &u, &err), FF_OK);
	assert_false(fd_users_activated(u));
	assert_int_equal(fd_users_login(u, "admin", "Secret123", token, &retry), FD_LOGIN_BAD);
	assert_int_equal(fd_users_activate(u, "weak", questions, answers, &err), FF_ERR_INVALID);
	const char *no_answer[3] = {"7", "", "Rex"};
	assert_int_equal(fd_users_activate(u, "Secret123", questions, no_answer, &err),
			 FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "security_questions[1].answer"));
	assert_false(fd_users_activated(u));
	assert_int_equal(fd_users_activate(u, "Secret123", questions, answers, &err), FF_OK);
	assert_true(fd_users_activated(u));
	assert_int_equal(fd_users_activate(u, "Other1234", questions, answers, &err), FF_ERR_STATE);

	assert_int_equal(fd_users_login(u, "admin", "Secret124", token, &retry), FD_LOGIN_BAD);
	assert_int_equal(fd_users_login(u, "admin", "Secret123", token, &retry), FD_LOGIN_OK);
	assert_int_equal(strlen(token), FD_TOKEN_LEN);
	assert_int_equal(fd_users_session(u, token, name), FD_ROLE_ADMIN);
	assert_string_equal(name, "admin");
	char forged[FD_TOKEN_LEN + 1];
	memcpy(forged, token, sizeof forged);
	forged[0] = forged[0] == 'a' ? 'b' : 'a';
	assert_int_equal(fd_users_session(u, forged, NULL), FD_ROLE_NONE);
	assert_int_equal(fd_users_session(u, "short", NULL), FD_ROLE_NONE);

	/* Viewers. */
	assert_int_equal(fd_users_add(u, "bad name", "Viewer123", &err), FF_ERR_INVALID);
	assert_int_equal(fd_users_add(u, "eve", "viewer", &err), FF_ERR_INVALID);
	assert_int_equal(fd_users_add(u, "eve", "Viewer123", &err), FF_OK);
	assert_int_equal(fd_users_add(u, "eve", "Viewer123", &err), FF_ERR_STATE);
	char vtoken[FD_TOKEN_LEN + 1];
	assert_int_equal(fd_users_login(u, "eve", "Viewer123", vtoken, &retry), FD_LOGIN_OK);
	assert_int_equal(fd_users_session(u, vtoken, NULL), FD_ROLE_VIEWER);
	assert_int_equal(fd_users_delete(u, "admin", &err), FF_ERR_INVALID);
	assert_int_equal(fd_users_delete(u, "nobody", &err), FF_ERR_END);

	/* Lockout: after five failures even the right password is refused. */
	for (int i = 0; i < FD_LOCKOUT_FAILURES; i++)
		assert_int_equal(fd_users_login(u, "eve", "wrong-pass1", vtoken, &retry),
				 FD_LOGIN_BAD);
	assert_int_equal(fd_users_login(u, "eve", "Viewer123", vtoken, &retry), FD_LOGIN_LOCKED);
	assert_true(retry > 0 && retry <= FD_LOCKOUT_SECONDS + 1);
	/* The admin is not affected by a viewer's lockout. */
	assert_int_equal(fd_users_login(u, "admin", "Secret123", token, &retry), FD_LOGIN_OK);
	fd_users_logout(u, token);
	assert_int_equal(fd_users_session(u, token, NULL), FD_ROLE_NONE);
	fd_users_close(u);

	/* Everything but sessions and lockouts survives a restart. */
	u = NULL;
	assert_int_equal(fd_users_open(path, &u, &err), FF_OK);
	assert_true(fd_users_activated(u));
	assert_int_equal(fd_users_login(u, "eve", "Viewer123", vtoken, &retry), FD_LOGIN_OK);
	char *list = NULL;
	assert_int_equal(fd_users_list_json(u, &list, &err), FF_OK);
	assert_string_equal(list, "{\"users\": [{\"username\": \"admin\", \"role\": \"admin\"}, "
				  "{\"username\": \"eve\", \"role\": \"viewer\"}]}");
	free(list);
	assert_int_equal(fd_users_delete(u, "eve", &err), FF_OK);
	assert_int_equal(fd_users_session(u, vtoken, NULL), FD_ROLE_NONE);

	/* Forgot password: answers are compared trimmed and case-blind. */
	const char *wrong[3] = {"7", "curling", "Fido"};
	const char *right[3] = {" 7 ", "CURLING", "rex"};
	assert_int_equal(fd_users_recover(u, wrong, "NewPass99", &retry, &err), FD_LOGIN_BAD);
	assert_int_equal(fd_users_recover(u, right, "NewPass99", &retry, &err), FD_LOGIN_OK);
	assert_int_equal(fd_users_login(u, "admin", "Secret123", token, &retry), FD_LOGIN_BAD);
	assert_int_equal(fd_users_login(u, "admin", "NewPass99", token, &retry), FD_LOGIN_OK);
	fd_users_close(u);

	/* A corrupt user file is refused, not taken for a fresh device. */
	assert_int_equal(fd_write_atomic(path, "{\"users\": []}", 13, &err), FF_OK);
	assert_int_not_equal(fd_users_open(path, &u, &err), FF_OK);
	assert_non_null(strstr(err.msg, "users.json"));
}

/* ---- Store --------------------------------------------------------------- */

static void test_store_roll_over(void **state)
{
	char db[512];
	path_in(state, "h.db", db, sizeof db);
	fd_store *s = NULL;
	ff_error err = {0};
	assert_int_equal(fd_store_open(db, 100, &s, &err), FF_OK);
	double t0 = 1704067200.0; /* 2024-01-01T00:00Z */
	assert_int_equal(fd_store_begin(s, &err), FF_OK);
	for (int i = 0; i < 250; i++) {
		assert_int_equal(fd_store_add_dwell(s, 3, t0 + i * 3600.0, t0 + i * 3600.0 + 10,
						    10000 + i, i % 2, i, &err),
				 FF_OK);
		assert_int_equal(fd_store_trim(s, &err), FF_OK);
		assert_true(fd_store_records(s) <= 100);
	}
	assert_int_equal(fd_store_commit(s, &err), FF_OK);
	assert_int_equal(fd_store_records(s), 100);
	fd_store_close(s);

	/* The newest 100 remain: hours 150..249. */
	fd_report_query q = {FD_KIND_DWELL, FD_UNIT_HOUR, t0, t0 + 1000 * 3600.0, 0, 0, false};
	json_t *doc = report_json(db, &q);
	json_t *series = json_object_get(doc, "series");
	assert_int_equal(json_array_size(series), 100);
	assert_string_equal(json_string_value(json_object_get(json_array_get(series, 0), "time")),
			    "2024-01-07T06:00:00+00:00");
	assert_int_equal(
	    json_integer_value(json_object_get(json_array_get(series, 99), "max_dwell_time")),
	    10249);
	json_decref(doc);

	/* Reopening counts what is there; a rolled-back batch leaves no trace. */
	assert_int_equal(fd_store_open(db, 100, &s, &err), FF_OK);
	assert_int_equal(fd_store_records(s), 100);
	assert_int_equal(fd_store_begin(s, &err), FF_OK);
	assert_int_equal(fd_store_add_dwell(s, 3, t0, t0 + 1, 1000, false, 1, &err), FF_OK);
	assert_int_equal(fd_store_records(s), 101);
	fd_store_rollback(s);
	assert_int_equal(fd_store_records(s), 100);
	fd_store_close(s);
	assert_int_equal(fd_store_open("/nonexistent-dir/x.db", 100, &s, &err), FF_ERR_IO);
}

static void test_store_reports(void **state)
{
	char db[512];
	path_in(state, "r.db", db, sizeof db);
	fd_store *s = NULL;
	ff_error err = {0};
	assert_int_equal(fd_store_open(db, FD_MAX_RECORDS, &s, &err), FF_OK);
	int64_t m0 = 1719792000; /* 2024-07-01T00:00Z */
	ff_line_counts in = {1, 0, 0, 0}, out_child = {0, 1, 0, 1};
	assert_int_equal(fd_store_begin(s, &err), FF_OK);
	/* Line 1: 3 in during minute 0, 1 child out at 01:30; line 2: 1 in on
	 * 2024-07-02 at 23:10. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(fd_store_add_line(s, m0, 1, &in, &err), FF_OK);
	assert_int_equal(fd_store_add_line(s, m0 + 90 * 60, 1, &out_child, &err), FF_OK);
	assert_int_equal(fd_store_add_line(s, m0 + 86400 + 23 * 3600 + 600, 2, &in, &err), FF_OK);
	assert_int_equal(fd_store_add_region(s, m0, 5, 2, 0, 3, 1, &err), FF_OK);
	assert_int_equal(fd_store_add_region(s, m0 + 60, 5, 4, 1, 4, 1, &err), FF_OK);
	assert_int_equal(fd_store_commit(s, &err), FF_OK);
	/* Updates in place: 3 records, not 5. */
	assert_int_equal(fd_store_records(s), 5);
	fd_store_close(s);

	fd_report_query q = {FD_KIND_LINE, FD_UNIT_HOUR, (double)m0, m0 + 3 * 86400.0, 1, 0, false};
	json_t *doc = report_json(db, &q);
	json_t *series = json_object_get(doc, "series");
	assert_int_equal(json_array_size(series), 2);
	json_t *h0 = json_array_get(series, 0), *h1 = json_array_get(series, 1);
	assert_string_equal(json_string_value(json_object_get(h0, "time")),
			    "2024-07-01T00:00:00+00:00");
	assert_int_equal(json_integer_value(json_object_get(h0, "in")), 3);
	assert_int_equal(json_integer_value(json_object_get(h1, "out")), 1);
	assert_int_equal(json_integer_value(json_object_get(h1, "children_out")), 1);
	assert_int_equal(json_integer_value(json_object_get(doc, "line")), 1);
	json_decref(doc);

	/* All lines by day at UTC+02:00: line 2's crossing at 23:10Z on the
	 * 2nd is 01:10 on the 3rd locally. */
	q.id = 0;
	q.unit = FD_UNIT_DAY;
	q.offset_min = 120;
	doc = report_json(db, &q);
	series = json_object_get(doc, "series");
	assert_int_equal(json_array_size(series), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(series, 1), "time")),
			    "2024-07-03T00:00:00+02:00");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(series, 0), "in")), 3);
	json_decref(doc);

	/* The range is half-open and filters: nothing before m0. */
	q.to = (double)m0;
	q.from = m0 - 86400.0;
	doc = report_json(db, &q);
	assert_int_equal(json_array_size(json_object_get(doc, "series")), 0);
	json_decref(doc);

	/* Regions by month. */
	fd_report_query r = {FD_KIND_REGION, FD_UNIT_MONTH, (double)m0, m0 + 86400.0, 5, 0, false};
	doc = report_json(db, &r);
	json_t *row = json_array_get(json_object_get(doc, "series"), 0);
	assert_string_equal(json_string_value(json_object_get(row, "time")),
			    "2024-07-01T00:00:00+00:00");
	assert_int_equal(json_integer_value(json_object_get(row, "samples")), 2);
	assert_true(json_real_value(json_object_get(row, "avg_total")) == 3.0);
	assert_int_equal(json_integer_value(json_object_get(row, "max_total")), 4);
	json_decref(doc);

	/* CSV. */
	q = (fd_report_query){FD_KIND_LINE, FD_UNIT_DAY, (double)m0, m0 + 3 * 86400.0, 0, 0, true};
	char *csv = NULL;
	size_t len = 0;
	assert_int_equal(fd_store_report(db, &q, &csv, &len, &err), FF_OK);
	assert_string_equal(csv, "time,in,out,children_in,children_out,male_in,male_out,"
				 "female_in,female_out\r\n"
				 "2024-07-01T00:00:00+00:00,3,1,0,1,0,0,0,0\r\n"
				 "2024-07-02T00:00:00+00:00,1,0,0,0,0,0,0,0\r\n");
	assert_int_equal(len, strlen(csv));
	free(csv);
	assert_int_equal(fd_store_report("/nonexistent-dir/x.db", &q, &csv, &len, &err), FF_ERR_IO);
}

static void test_cumulative(void **state)
{
	char db[512];
	path_in(state, "c.db", db, sizeof db);
	fd_store *s = NULL;
	ff_error err = {0};
	fd_cumulative c, back;
	memset(&c, 0, sizeof c);
	assert_int_equal(fd_store_open(db, 100, &s, &err), FF_OK);
	assert_int_equal(fd_store_load_cumulative(s, &back, &err), FF_ERR_END);
	c.since = 1719792000.5;
	c.nlines = 2;
	c.line_id[0] = 4;
	c.line_id[1] = 9;
	c.line[1] = (ff_line_counts){5, 6, 1, 2};
	c.nregions = 1;
	c.region_id[0] = 3;
	c.dwell[0] = (ff_dwell_stats){2, 30000, 20000, 1, 10000, 10000};
	assert_int_equal(fd_store_save_cumulative(s, &c, &err), FF_OK);
	fd_store_close(s);
	assert_int_equal(fd_store_open(db, 100, &s, &err), FF_OK);
	assert_int_equal(fd_store_load_cumulative(s, &back, &err), FF_OK);
	fd_store_close(s);
	assert_memory_equal(&c, &back, sizeof c);

	/* New rules: line 9 moves to the front and keeps its counts, line 4
	 * is gone, line 1 is new, region 3 keeps its dwell figures. */
	ff_rules rules;
	ff_rules_default(&rules);
	rules.nlines = 2;
	rules.lines[0].id = 9;
	rules.lines[1].id = 1;
	rules.nregions = 1;
	rules.regions[0].id = 3;
	fd_cumulative_remap(&back, &rules);
	assert_int_equal(back.nlines, 2);
	assert_int_equal(back.line[0].in, 5);
	assert_int_equal(back.line[0].children_out, 2);
	assert_int_equal(back.line[1].in, 0);
	assert_int_equal(back.line_id[1], 1);
	assert_int_equal(back.dwell[0].max_ms, 20000);
	assert_true(back.since == c.since);
}

/* ---- Live pipeline ------------------------------------------------------- */

/* Waits until the pipeline has processed at least `frames` frames (10 s at
 * most); returns its statistics. */
static fd_live_stats wait_frames(fd_live *l, uint64_t frames)
{
	fd_live_stats s;
	for (int i = 0; i < 1000; i++) {
		fd_live_stats_get(l, &s);
		if (s.frames >= frames)
			break;
		usleep(10000);
	}
	return s;
}

static void test_live_recording_loops(void **state)
{
	char dir[512], src[600];
	path_in(state, "rec", dir, sizeof dir);
	ff_camera cam = {64, 40, 25.0, 25.0, 31.5, 19.5, 1000};
	uint16_t depth[64 * 40];
	for (size_t i = 0; i < sizeof depth / sizeof depth[0]; i++)
		depth[i] = 3000;
	ff_recording_writer *w = NULL;
	ff_error err = {0};
	assert_int_equal(ff_recording_create(dir, &cam, &w, &err), FF_OK);
	/* Five frames at 50 fps: a second of replay loops it many times. */
	for (int i = 0; i < 5; i++)
		assert_int_equal(ff_recording_append(w, depth, 100.0 + i * 0.02, &err), FF_OK);
	assert_int_equal(ff_recording_writer_close(w, &err), FF_OK);
	snprintf(src, sizeof src, "recording:%s", dir);

	fd_live *l = NULL;
	ff_rules rules;
	assert_int_equal(fd_live_create(src, 16, &l, &err), FF_OK);
	fd_live_suggested_rules(l, &rules);
	assert_int_equal(rules.nlines, 0);
	assert_int_equal(fd_live_start(l, &rules, &err), FF_OK);
	fd_live_stats s = wait_frames(l, 12);
	assert_true(s.frames >= 12);
	assert_int_equal(s.source_errors, 0);
	assert_true(s.fps > 10 && s.fps < 200);
	fd_live_stop(l);
	fd_live_destroy(l);
}

static void test_live_sources(void **state)
{
	(void)state;
	fd_live *l = NULL;
	ff_error err = {0};
	assert_int_equal(fd_live_create("camera", 16, &l, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "camera"));
	assert_int_not_equal(fd_live_create("recording:/nonexistent-rec", 16, &l, &err), FF_OK);
	assert_non_null(strstr(err.msg, "/nonexistent-rec"));

	/* The simulated scene comes with its own line and region and runs at
	 * its frame rate. */
	ff_rules rules;
	assert_int_equal(fd_live_create("sim", 16, &l, &err), FF_OK);
	fd_live_suggested_rules(l, &rules);
	assert_true(rules.nlines >= 1);
	assert_int_equal(fd_live_start(l, &rules, &err), FF_OK);
	fd_live_stats s = wait_frames(l, 5);
	assert_true(s.frames >= 5);
	assert_int_equal(s.nregions, rules.nregions);
	/* Popping with nothing queued returns after the timeout. */
	fd_queued_event ev[4];
	fd_live_wake(l);
	assert_true(fd_live_pop_events(l, ev, 4, 0.01) <= 4);
	fd_live_destroy(l);
}

/* ---- Time ---------------------------------------------------------------- */

static void test_iso_parse(void **state)
{
	(void)state;
	double t;
	ff_error err = {0};
	assert_int_equal(fd_iso_parse("2024-01-01T00:00:00Z", 0, &t, &err), FF_OK);
	assert_true(t == 1704067200.0);
	assert_int_equal(fd_iso_parse("2024-01-01T08:00:00+08:00", 0, &t, &err), FF_OK);
	assert_true(t == 1704067200.0);
	assert_int_equal(fd_iso_parse("2023-12-31T19:00-05:00", 0, &t, &err), FF_OK);
	assert_true(t == 1704067200.0);
	assert_int_equal(fd_iso_parse("2024-01-01T01:00:00.250", 60, &t, &err), FF_OK);
	assert_true(t == 1704067200.0);
	const char *bad[] = {"2024-01-01",	   "2024-13-01T00:00", "2024-01-01T24:00",
			     "2024-01-01T00:00+8", "yesterday",	       "2024-01-01T00:00:00Zjunk"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(fd_iso_parse(bad[i], 0, &t, &err), FF_ERR_INVALID);
		assert_non_null(strstr(err.msg, bad[i]));
	}
}

/* ---- OpenAPI ------------------------------------------------------------- */

static void test_openapi_matches_routes(void **state)
{
	(void)state;
	json_error_t jerr;
	json_t *doc = json_load_file(FD_OPENAPI_PATH, 0, &jerr);
	if (!doc)
		fail_msg("%s:%d: %s", FD_OPENAPI_PATH, jerr.line, jerr.text);
	/* The embedded copy is the file. */
	json_t *served = json_loadb(fd_openapi_json, fd_openapi_json_len, 0, NULL);
	assert_true(json_equal(doc, served));
	json_decref(served);
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.0.3");

	static const char *const roles[] = {"anyone", "viewer", "admin"};
	json_t *paths = json_object_get(doc, "paths");
	size_t routes = 0;
	for (const fd_route_info *r; (r = fd_http_route(routes)) != NULL; routes++) {
		char method[8];
		size_t i = 0;
		for (; r->method[i] && i < sizeof method - 1; i++)
			method[i] = (char)(r->method[i] - 'A' + 'a');
		method[i] = '\0';
		json_t *op = json_object_get(json_object_get(paths, r->path), method);
		if (!op)
			fail_msg("%s %s is served but not in openapi.json", r->method, r->path);
		const char *role = json_string_value(json_object_get(op, "x-role"));
		if (!role || strcmp(role, roles[r->role]))
			fail_msg("%s %s: x-role %s, served for %s", r->method, r->path,
				 role ? role : "(none)", roles[r->role]);
		/* Public routes say so; the others document 401, and admin
		 * routes 403 (viewer routes only for reasons of their own,
		 * such as privacy settings). */
		json_t *sec = json_object_get(op, "security");
		json_t *resp = json_object_get(op, "responses");
		assert_true((r->role == FD_ROLE_NONE) == (sec && json_array_size(sec) == 0));
		assert_true(r->role == FD_ROLE_NONE || json_object_get(resp, "401"));
		assert_true(r->role != FD_ROLE_ADMIN || json_object_get(resp, "403"));
		assert_true(r->role != FD_ROLE_NONE || !json_object_get(resp, "403"));
	}
	size_t documented = 0;
	const char *path;
	json_t *item;
	json_object_foreach(paths, path, item)
	{
		documented += json_object_size(item);
	}
	assert_int_equal(documented, routes);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_config_round_trip),
	    cmocka_unit_test(test_config_rejects),
	    cmocka_unit_test(test_config_recipients),
	    cmocka_unit_test(test_counts_from_cumulative),
	    cmocka_unit_test(test_periodic_schedule),
	    cmocka_unit_test_setup_teardown(test_config_save_load, tio_setup_dir, tio_teardown_dir),
	    cmocka_unit_test(test_config_dst),
	    cmocka_unit_test(test_password_policy),
	    cmocka_unit_test_setup_teardown(test_users, tio_setup_dir, tio_teardown_dir),
	    cmocka_unit_test_setup_teardown(test_store_roll_over, tio_setup_dir, tio_teardown_dir),
	    cmocka_unit_test_setup_teardown(test_store_reports, tio_setup_dir, tio_teardown_dir),
	    cmocka_unit_test_setup_teardown(test_cumulative, tio_setup_dir, tio_teardown_dir),
	    cmocka_unit_test_setup_teardown(test_live_recording_loops, tio_setup_dir,
					    tio_teardown_dir),
	    cmocka_unit_test(test_live_sources),
	    cmocka_unit_test(test_iso_parse),
	    cmocka_unit_test(test_openapi_matches_routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
