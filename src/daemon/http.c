/*
 * http.c - the HTTP API (spec section 7) on libmicrohttpd.
 *
 * One route table drives everything: dispatch, the role each route needs,
 * and the unit test that compares the served routes with the OpenAPI file,
 * so the documentation cannot drift from what is served. A request goes
 *   match path (404) -> match method (405) -> authenticate (401/403) ->
 *   handler,
 * and bodies are collected first (at most FD_BODY_MAX bytes, else 413).
 *
 * Authentication is the session cookie `ff_session` or `Authorization:
 * Bearer TOKEN`. The cookie is HttpOnly and SameSite=Strict, so the web
 * pages can use it while other sites cannot make a browser send it (the
 * CSRF defence); scripts use the bearer token.
 *
 * Handlers run on libmicrohttpd's small thread pool and only ever take
 * short locks (configuration, counts snapshot, sessions); history queries
 * open their own read-only SQLite connection, so neither the pipeline nor
 * the storage thread ever waits for a client.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "daemon.h"
#include "floor_detect.h"
#include "http_internal.h"
#include "liveview.h"
#include "maint.h"
#include "tls.h"
#include "webui.h"

typedef struct route {
	fd_route_info info;
	fd_handler fn;
} route;

struct fd_http {
	struct MHD_Daemon *mhd;
	int port;
};

/* ---- Replies -------------------------------------------------------------- */

/* Sends body (taken over: freed by libmicrohttpd) with the usual headers;
 * cookie, when given, becomes a Set-Cookie header. */
enum MHD_Result fd_reply_full(fd_req *r, unsigned status, const char *type, char *body, size_t len,
			      const char *cookie, int retry_after)
{
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	if (cookie)
		MHD_add_response_header(resp, "Set-Cookie", cookie);
	if (retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof ra, "%d", retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	enum MHD_Result ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result fd_reply_text(fd_req *r, unsigned status, const char *type, char *body, size_t len)
{
	return fd_reply_full(r, status, type, body, len, NULL, 0);
}

/* Sends a JSON document (owned text) or a 500 when it is NULL. */
enum MHD_Result fd_reply_json(fd_req *r, unsigned status, char *text)
{
	if (!text) {
		static const char oom[] = "{\"error\":\"out of memory\"}";
		char *copy = strdup(oom);
		return copy ? fd_reply_text(r, 500, "application/json", copy, strlen(copy))
			    : MHD_NO;
	}
	return fd_reply_text(r, status, "application/json", text, strlen(text));
}

enum MHD_Result fd_reply_obj(fd_req *r, unsigned status, json_t *obj)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	json_decref(obj);
	return fd_reply_json(r, status, text);
}

enum MHD_Result fd_reply_error(fd_req *r, unsigned status, const char *fmt, ...)
{
	char msg[FF_ERROR_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (status >= 500)
		fd_log(FD_LOG_ERROR, "http: %s", msg);
	return fd_reply_obj(r, status, json_pack("{s:s}", "error", msg));
}

unsigned fd_http_status_of(ff_status st)
{
	switch (st) {
	case FF_OK:
		return 200;
	case FF_ERR_INVALID:
	case FF_ERR_FORMAT:
	case FF_ERR_LIMIT:
		return 400;
	case FF_ERR_END:
		return 404;
	case FF_ERR_STATE:
		return 409;
	default:
		return 500;
	}
}

/* Parses the request body as a JSON object; on failure replies 400 and
 * returns NULL with *sent set. */
json_t *fd_body_object(fd_req *r, enum MHD_Result *sent)
{
	json_error_t e;
	json_t *v = r->body ? json_loadb(r->body, r->len, 0, &e) : NULL;
	if (!v || !json_is_object(v)) {
		*sent = v ? fd_reply_error(r, 400, "body: expected a JSON object")
			  : fd_reply_error(r, 400, "body: %s",
					   r->body ? e.text : "a JSON object is required");
		json_decref(v);
		return NULL;
	}
	return v;
}

const char *fd_str_field(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* ---- Status, activation, sessions ---------------------------------------- */

void fd_current_config(fd_daemon *d, fd_config *out)
{
	pthread_mutex_lock(&d->config_lock);
	*out = d->config;
	pthread_mutex_unlock(&d->config_lock);
}

static enum MHD_Result h_status(fd_req *r)
{
	fd_config cfg;
	fd_current_config(r->d, &cfg);
	double now = fd_now();
	ff_time_info ti;
	fd_config_time_info(&cfg, now, &ti);
	char when[FF_TIME_STR_MAX] = "";
	ff_time_format(now, ti.utc_offset_min, when, sizeof when, NULL);
	return fd_reply_obj(
	    r, 200,
	    json_pack("{s:b,s:s,s:s,s:s,s:b,s:I}", "activated", fd_users_activated(r->d->users),
		      "version", FF_VERSION, "time", when, "time_zone", ti.time_zone, "dst_status",
		      ti.dst_status, "running_time", (json_int_t)(now - r->d->started)));
}

static enum MHD_Result h_activate(fd_req *r)
{
	enum MHD_Result sent = MHD_NO;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	const char *pw, *q[FD_QUESTIONS], *a[FD_QUESTIONS];
	ff_error err = {0};
	ff_status st = fd_parse_password_questions(b, &pw, q, a, &err);
	if (!st)
		st = fd_users_activate(r->d->users, pw, q, a, &err);
	json_decref(b);
	if (st)
		return fd_reply_error(r, fd_http_status_of(st), "%s", err.msg);
	fd_log(FD_LOG_INFO, "device activated");
	return fd_reply_obj(r, 200, json_pack("{s:b}", "activated", 1));
}

static enum MHD_Result h_login(fd_req *r)
{
	enum MHD_Result sent = MHD_NO;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	const char *user = fd_str_field(b, "username"), *pw = fd_str_field(b, "password");
	char token[FD_TOKEN_LEN + 1], name[FD_USERNAME_MAX + 1] = "";
	int retry = 0;
	fd_login res =
	    user && pw ? fd_users_login(r->d->users, user, pw, token, &retry) : FD_LOGIN_BAD;
	if (user)
		snprintf(name, sizeof name, "%s", user);
	json_decref(b);
	if (res == FD_LOGIN_LOCKED) {
		fd_log(FD_LOG_WARN, "login of '%s' refused: locked out", name);
		char *text = strdup("{\"error\":\"too many failed logins, try again later\"}");
		return text ? fd_reply_full(r, 429, "application/json", text, strlen(text), NULL,
					    retry)
			    : MHD_NO;
	}
	if (res != FD_LOGIN_OK) {
		fd_log(FD_LOG_WARN, "login of '%s' failed", name);
		return fd_reply_error(r, 401, "wrong username or password");
	}
	char cookie[FD_TOKEN_LEN + 96];
	snprintf(cookie, sizeof cookie, COOKIE_NAME "=%s; Path=/; HttpOnly; SameSite=Strict",
		 token);
	fd_role role = fd_users_session(r->d->users, token, NULL);
	json_t *o = json_pack("{s:s,s:s,s:s}", "token", token, "username", name, "role",
			      role == FD_ROLE_ADMIN ? "admin" : "viewer");
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (!text)
		return fd_reply_json(r, 500, NULL);
	return fd_reply_full(r, 200, "application/json", text, strlen(text), cookie, 0);
}

static enum MHD_Result h_whoami(fd_req *r)
{
	return fd_reply_obj(r, 200,
			    json_pack("{s:s,s:s}", "username", r->username, "role",
				      r->role == FD_ROLE_ADMIN ? "admin" : "viewer"));
}

static enum MHD_Result h_logout(fd_req *r)
{
	fd_users_logout(r->d->users, r->token);
	char *text = strdup("{}");
	if (!text)
		return MHD_NO;
	return fd_reply_full(r, 200, "application/json", text, 2,
			     COOKIE_NAME "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0", 0);
}

/* ---- Users ---------------------------------------------------------------- */

static enum MHD_Result h_users(fd_req *r)
{
	char *text = NULL;
	fd_users_list_json(r->d->users, &text, NULL);
	return fd_reply_json(r, 200, text);
}

static enum MHD_Result h_users_add(fd_req *r)
{
	enum MHD_Result sent = MHD_NO;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	const char *user = fd_str_field(b, "username"), *pw = fd_str_field(b, "password");
	ff_error err = {0};
	ff_status st = !user ? ff_error_set(&err, FF_ERR_INVALID, "username: required")
		       : !pw ? ff_error_set(&err, FF_ERR_INVALID, "password: required")
			     : fd_users_add(r->d->users, user, pw, &err);
	json_t *o = st ? NULL : json_pack("{s:s,s:s}", "username", user, "role", "viewer");
	json_decref(b);
	if (st)
		return fd_reply_error(r, st == FF_ERR_LIMIT ? 409 : fd_http_status_of(st), "%s",
				      err.msg);
	return fd_reply_obj(r, 201, o);
}

static enum MHD_Result h_users_delete(fd_req *r)
{
	ff_error err = {0};
	ff_status st = fd_users_delete(r->d->users, r->param, &err);
	if (st)
		return fd_reply_error(r, fd_http_status_of(st), "%s", err.msg);
	return fd_reply_obj(r, 200, json_pack("{s:s}", "deleted", r->param));
}

static enum MHD_Result h_users_password(fd_req *r)
{
	enum MHD_Result sent = MHD_NO;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	const char *pw = fd_str_field(b, "password");
	ff_error err = {0};
	ff_status st = pw ? fd_users_set_password(r->d->users, r->param, pw, &err)
			  : ff_error_set(&err, FF_ERR_INVALID, "password: required");
	json_decref(b);
	if (st)
		return fd_reply_error(r, fd_http_status_of(st), "%s", err.msg);
	return fd_reply_obj(r, 200, json_pack("{s:s}", "username", r->param));
}

static enum MHD_Result h_questions(fd_req *r)
{
	char *text = NULL;
	fd_users_questions_json(r->d->users, &text, NULL);
	return fd_reply_json(r, 200, text);
}

static enum MHD_Result h_recover(fd_req *r)
{
	enum MHD_Result sent = MHD_NO;
	json_t *b = fd_body_object(r, &sent);
	if (!b)
		return sent;
	const char *pw = fd_str_field(b, "password");
	json_t *ans = json_object_get(b, "answers");
	const char *a[FD_QUESTIONS] = {NULL, NULL, NULL};
	for (int i = 0; i < FD_QUESTIONS; i++)
		a[i] = json_string_value(json_array_get(ans, (size_t)i));
	ff_error err = {0};
	int retry = 0;
	enum MHD_Result ret;
	if (!pw || fd_password_policy(pw, &err)) {
		ret = fd_reply_error(r, 400, "%s", pw ? err.msg : "password: required");
	} else {
		fd_login res = fd_users_recover(r->d->users, a, pw, &retry, &err);
		if (res == FD_LOGIN_OK)
			ret = fd_reply_obj(r, 200, json_pack("{s:b}", "recovered", 1));
		else if (res == FD_LOGIN_LOCKED)
			ret = fd_reply_error(r, 429, "too many failed attempts, try again later");
		else
			ret =
			    fd_reply_error(r, err.code == FF_ERR_STATE ? 409 : 401, "%s", err.msg);
	}
	json_decref(b);
	return ret;
}

/* ---- Configuration -------------------------------------------------------- */

enum MHD_Result fd_reply_config(fd_req *r, char **text)
{
	fd_config cfg;
	fd_current_config(r->d, &cfg);
	ff_error err = {0};
	*text = NULL;
	if (fd_config_to_json(&cfg, text, &err))
		return fd_reply_error(r, 500, "%s", err.msg);
	return MHD_YES;
}

static enum MHD_Result h_config_get(fd_req *r)
{
	char *text;
	enum MHD_Result sent = fd_reply_config(r, &text);
	return text ? fd_reply_json(r, 200, text) : sent;
}

/* Saves cfg and hands it to every part. The caller holds config_lock, so
 * that concurrent edits cannot interleave file and memory: the file always
 * holds what memory holds. */
ff_status fd_commit_config(fd_daemon *d, const char *by, const fd_config *cfg, ff_error *err)
{
	/* Passwords the document left out stay as they are. */
	fd_config merged = *cfg;
	fd_config_keep_secrets(&merged, &d->config);
	cfg = &merged;
	ff_status st = fd_config_save(d->config_path, cfg, err);
	if (st)
		return st;
	d->config = *cfg;
	fd_live_set_rules(d->live, &cfg->rules);
	fd_recorder_set_config(d->recorder, cfg);
	if (d->push)
		fd_push_set_config(d->push, cfg);
	fd_log(FD_LOG_INFO, "configuration changed by %s", by);
	return FF_OK;
}

static enum MHD_Result h_config_put(fd_req *r)
{
	fd_config cfg;
	ff_error err = {0};
	ff_status st = r->body ? fd_config_parse(r->body, r->len, &cfg, &err)
			       : ff_error_set(&err, FF_ERR_INVALID, "body: required");
	if (st)
		return fd_reply_error(r, fd_http_status_of(st), "%s", err.msg);
	pthread_mutex_lock(&r->d->config_lock);
	st = fd_commit_config(r->d, r->username, &cfg, &err);
	pthread_mutex_unlock(&r->d->config_lock);
	if (st)
		return fd_reply_error(r, 500, "%s", err.msg);
	return h_config_get(r);
}

/* ---- Push recipients ------------------------------------------------------ */

static json_t *recipient_json(fd_daemon *d, const fd_recipient *rec)
{
	json_t *o = fd_recipient_to_json(rec);
	fd_push_status ps;
	memset(&ps, 0, sizeof ps);
	if (d->push)
		fd_push_status_get(d->push, rec->id, &ps);
	json_t *status =
	    json_pack("{s:b,s:I,s:I,s:I,s:s}", "connected", ps.connected, "queued",
		      (json_int_t)ps.queued, "delivered", (json_int_t)ps.delivered, "failures",
		      (json_int_t)ps.failures, "last_error", ps.last_error);
	if (o && status)
		json_object_set(o, "status", status);
	json_decref(status);
	return o;
}

/* Index of recipient {id} in cfg, -1 when there is none. */
static int recipient_index(fd_req *r, const fd_config *cfg)
{
	char *end;
	long id = strtol(r->param, &end, 10);
	for (int i = 0; !*end && i < cfg->nrecipients; i++)
		if (cfg->recipients[i].id == id)
			return i;
	return -1;
}

static enum MHD_Result h_recipients(fd_req *r)
{
	fd_config cfg;
	fd_current_config(r->d, &cfg);
	json_t *a = json_array();
	for (int i = 0; a && i < cfg.nrecipients; i++)
		json_array_append_new(a, recipient_json(r->d, &cfg.recipients[i]));
	return fd_reply_obj(r, 200, a);
}

/* Recipient {id} of the current configuration; false when there is none. */
static bool find_recipient(fd_req *r, fd_recipient *out)
{
	fd_config cfg;
	fd_current_config(r->d, &cfg);
	int i = recipient_index(r, &cfg);
	if (i >= 0)
		*out = cfg.recipients[i];
	return i >= 0;
}

static enum MHD_Result h_recipient_get(fd_req *r)
{
	fd_recipient rec;
	if (!find_recipient(r, &rec))
		return fd_reply_error(r, 404, "recipient %s: no such recipient", r->param);
	return fd_reply_obj(r, 200, recipient_json(r->d, &rec));
}

/* Adds (index -1) or replaces recipient {id} and stores the configuration;
 * the reply is the recipient as stored. */
static enum MHD_Result store_recipient(fd_req *r, bool add)
{
	enum MHD_Result sent;
	json_t *body = fd_body_object(r, &sent);
	if (!body)
		return sent;
	fd_recipient rec;
	ff_error err = {0};
	ff_status st = fd_recipient_parse(body, "recipient", &rec, &err);
	json_decref(body);
	if (st)
		return fd_reply_error(r, fd_http_status_of(st), "%s", err.msg);
	fd_daemon *d = r->d;
	pthread_mutex_lock(&d->config_lock);
	fd_config cfg = d->config;
	int i = add ? cfg.nrecipients : recipient_index(r, &cfg);
	unsigned status = 200;
	if (i < 0) {
		status = 404;
		ff_error_set(&err, FF_ERR_END, "recipient %s: no such recipient", r->param);
	} else if (i == FD_MAX_RECIPIENTS) {
		status = 409;
		ff_error_set(&err, FF_ERR_LIMIT, "recipients: at most %d", FD_MAX_RECIPIENTS);
	} else {
		rec.id = add ? 0 : cfg.recipients[i].id;
		for (int id = 1; !rec.id; id++) {
			int k = 0;
			while (k < cfg.nrecipients && cfg.recipients[k].id != id)
				k++;
			if (k == cfg.nrecipients)
				rec.id = id;
		}
		cfg.recipients[i] = rec;
		cfg.nrecipients += add;
		if (fd_commit_config(r->d, r->username, &cfg, &err))
			status = 500;
	}
	pthread_mutex_unlock(&d->config_lock);
	if (status != 200)
		return fd_reply_error(r, status, "%s", err.msg);
	return fd_reply_obj(r, add ? 201 : 200, recipient_json(d, &rec));
}

static enum MHD_Result h_recipients_add(fd_req *r)
{
	return store_recipient(r, true);
}

static enum MHD_Result h_recipient_put(fd_req *r)
{
	return store_recipient(r, false);
}

static enum MHD_Result h_recipient_delete(fd_req *r)
{
	fd_daemon *d = r->d;
	ff_error err = {0};
	pthread_mutex_lock(&d->config_lock);
	fd_config cfg = d->config;
	int i = recipient_index(r, &cfg);
	unsigned status = 200;
	if (i < 0) {
		status = 404;
		ff_error_set(&err, FF_ERR_END, "recipient %s: no such recipient", r->param);
	} else {
		memmove(&cfg.recipients[i], &cfg.recipients[i + 1],
			sizeof cfg.recipients[0] * (size_t)(cfg.nrecipients - i - 1));
		cfg.nrecipients--;
		if (fd_commit_config(r->d, r->username, &cfg, &err))
			status = 500;
	}
	pthread_mutex_unlock(&d->config_lock);
	if (status != 200)
		return fd_reply_error(r, status, "%s", err.msg);
	return fd_reply_obj(r, 200, json_pack("{s:b}", "deleted", 1));
}

/* Blocks this connection's thread for at most the network timeout. */
static enum MHD_Result h_recipient_test(fd_req *r)
{
	fd_recipient rec;
	if (!find_recipient(r, &rec))
		return fd_reply_error(r, 404, "recipient %s: no such recipient", r->param);
	ff_error err = {0};
	if (fd_push_test(&rec, &err))
		return fd_reply_error(r, 502, "recipient %d: %s", rec.id, err.msg);
	return fd_reply_obj(r, 200, json_pack("{s:b}", "delivered", 1));
}

/* ---- Counts and reports --------------------------------------------------- */

ff_status fd_counts_report(fd_daemon *d, char **out, ff_error *err)
{
	fd_config *cfg = malloc(sizeof *cfg);
	if (!cfg)
		return ff_error_set(err, FF_ERR_NOMEM, "counts: out of memory");
	fd_cumulative cum;
	fd_live_stats ls;
	fd_current_config(d, cfg);
	fd_recorder_cumulative(d->recorder, &cum);
	fd_live_stats_get(d->live, &ls);
	ff_counts c;
	fd_counts_from_cumulative(&cfg->rules, &cum, NULL, &ls, &c);
	double now = fd_now();
	ff_device_info dev;
	fd_config_device_info(cfg, d->started, now, &dev);
	ff_time_info ti;
	fd_config_time_info(cfg, now, &ti);
	ff_report_opts opts = {&dev, &ti, NULL, false};
	ff_status st = ff_report_periodic(&opts, &cfg->rules, &c, cum.since, now, out, err);
	free(cfg);
	return st;
}

static enum MHD_Result h_counts(fd_req *r)
{
	char *text = NULL;
	ff_error err = {0};
	if (fd_counts_report(r->d, &text, &err))
		return fd_reply_error(r, 500, "%s", err.msg);
	return fd_reply_json(r, 200, text);
}

static enum MHD_Result h_counts_reset(fd_req *r)
{
	fd_recorder_reset(r->d->recorder);
	fd_log(FD_LOG_INFO, "cumulative counts reset by %s", r->username);
	return fd_reply_obj(r, 200, json_pack("{s:b}", "reset", 1));
}

const char *fd_query_arg(fd_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

static int choice(const char *v, const char *const *names, int n)
{
	for (int i = 0; v && i < n; i++)
		if (!strcmp(v, names[i]))
			return i;
	return -1;
}

static enum MHD_Result h_reports(fd_req *r)
{
	static const char *const events[] = {"line", "region", "dwell"};
	static const char *const units[] = {"hour", "day", "month"};
	fd_config cfg;
	fd_current_config(r->d, &cfg);
	double now = fd_now();
	ff_time_info ti;
	fd_config_time_info(&cfg, now, &ti);
	fd_report_query q = {0};
	q.offset_min = ti.utc_offset_min;
	const char *ev = fd_query_arg(r, "event"), *unit = fd_query_arg(r, "unit"),
		   *fmt = fd_query_arg(r, "format");
	const char *from = fd_query_arg(r, "from"), *to = fd_query_arg(r, "to");
	int k = choice(ev, events, 3), u = unit ? choice(unit, units, 3) : 0;
	if (k < 0)
		return fd_reply_error(r, 400, "event: expected line, region or dwell");
	if (u < 0)
		return fd_reply_error(r, 400, "unit: expected hour, day or month");
	q.kind = (fd_event_kind)k;
	q.unit = (fd_unit)u;
	if (fmt && strcmp(fmt, "csv") && strcmp(fmt, "json"))
		return fd_reply_error(r, 400, "format: expected csv or json");
	q.csv = fmt && !strcmp(fmt, "csv");
	ff_error err = {0};
	q.to = now;
	if (to && fd_iso_parse(to, q.offset_min, &q.to, &err))
		return fd_reply_error(r, 400, "to: %s", err.msg);
	q.from = q.to - 86400;
	if (from && fd_iso_parse(from, q.offset_min, &q.from, &err))
		return fd_reply_error(r, 400, "from: %s", err.msg);
	if (q.from >= q.to)
		return fd_reply_error(r, 400, "from: must be before to");
	const char *idname = q.kind == FD_KIND_LINE ? "line" : "region";
	const char *id = fd_query_arg(r, idname);
	if (fd_query_arg(r, q.kind == FD_KIND_LINE ? "region" : "line"))
		return fd_reply_error(r, 400, "%s: not a parameter of event=%s",
				      q.kind == FD_KIND_LINE ? "region" : "line", events[k]);
	if (id) {
		char *end;
		long v = strtol(id, &end, 10);
		if (*end || end == id || v <= 0 || v > 1000000)
			return fd_reply_error(r, 400, "%s: expected a positive id", idname);
		q.id = (int)v;
	}
	char *text = NULL;
	size_t len = 0;
	if (fd_store_report(r->d->db_path, &q, &text, &len, &err))
		return fd_reply_error(r, 500, "%s", err.msg);
	if (!q.csv)
		return fd_reply_text(r, 200, "application/json", text, len);
	return fd_reply_text(r, 200, "text/csv; charset=utf-8", text, len);
}

static enum MHD_Result h_live(fd_req *r)
{
	fd_live_stats s;
	fd_live_stats_get(r->d->live, &s);
	return fd_reply_obj(r, 200,
			    json_pack("{s:s,s:I,s:f,s:i,s:I,s:I}", "source", r->d->source, "frames",
				      (json_int_t)s.frames, "fps", s.fps, "tracks", s.tracks,
				      "dropped_events", (json_int_t)s.dropped_events,
				      "source_errors", (json_int_t)s.source_errors));
}

/* Prometheus text exposition of the pipeline and the cumulative counts. */
static enum MHD_Result h_metrics(fd_req *r)
{
	fd_live_stats s;
	fd_cumulative cum;
	fd_live_stats_get(r->d->live, &s);
	fd_recorder_cumulative(r->d->recorder, &cum);
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	if (!buf)
		return fd_reply_json(r, 500, NULL);
#define EMIT(...) n += (size_t)snprintf(buf + n, n < cap ? cap - n : 0, __VA_ARGS__)
	EMIT("# TYPE footfall_frames_total counter\nfootfall_frames_total %llu\n"
	     "# TYPE footfall_fps gauge\nfootfall_fps %.2f\n"
	     "# TYPE footfall_tracks gauge\nfootfall_tracks %d\n"
	     "# TYPE footfall_dropped_events_total counter\nfootfall_dropped_events_total %llu\n"
	     "# TYPE footfall_source_errors_total counter\nfootfall_source_errors_total %llu\n"
	     "# TYPE footfall_line_in_total counter\n# TYPE footfall_line_out_total counter\n",
	     (unsigned long long)s.frames, s.fps, s.tracks, (unsigned long long)s.dropped_events,
	     (unsigned long long)s.source_errors);
	for (int i = 0; i < cum.nlines; i++)
		EMIT("footfall_line_in_total{line=\"%d\"} %lld\n"
		     "footfall_line_out_total{line=\"%d\"} %lld\n",
		     cum.line_id[i], (long long)cum.line[i].in, cum.line_id[i],
		     (long long)cum.line[i].out);
	EMIT("# TYPE footfall_region_occupancy gauge\n");
	for (int i = 0; i < cum.nregions && i < s.nregions; i++)
		EMIT("footfall_region_occupancy{region=\"%d\"} %d\n", cum.region_id[i],
		     s.region_total[i]);
#undef EMIT
	if (n >= cap) {
		free(buf);
		return fd_reply_error(r, 500, "metrics: too long");
	}
	return fd_reply_text(r, 200, "text/plain; version=0.0.4", buf, n);
}

static enum MHD_Result h_openapi(fd_req *r)
{
	char *copy = malloc(fd_openapi_json_len);
	if (!copy)
		return fd_reply_json(r, 500, NULL);
	memcpy(copy, fd_openapi_json, fd_openapi_json_len);
	return fd_reply_text(r, 200, "application/json", copy, fd_openapi_json_len);
}

/* ---- Routing -------------------------------------------------------------- */

static const route routes[] = {
    {{"GET", "/api/v1/status", FD_ROLE_NONE}, h_status},
    {{"POST", "/api/v1/activate", FD_ROLE_NONE}, h_activate},
    {{"POST", "/api/v1/session", FD_ROLE_NONE}, h_login},
    {{"GET", "/api/v1/session", FD_ROLE_VIEWER}, h_whoami},
    {{"DELETE", "/api/v1/session", FD_ROLE_VIEWER}, h_logout},
    {{"GET", "/api/v1/password/questions", FD_ROLE_NONE}, h_questions},
    {{"POST", "/api/v1/password/recover", FD_ROLE_NONE}, h_recover},
    {{"GET", "/api/v1/users", FD_ROLE_ADMIN}, h_users},
    {{"POST", "/api/v1/users", FD_ROLE_ADMIN}, h_users_add},
    {{"DELETE", "/api/v1/users/{username}", FD_ROLE_ADMIN}, h_users_delete},
    {{"PUT", "/api/v1/users/{username}/password", FD_ROLE_ADMIN}, h_users_password},
    {{"GET", "/api/v1/config", FD_ROLE_ADMIN}, h_config_get},
    {{"PUT", "/api/v1/config", FD_ROLE_ADMIN}, h_config_put},
    {{"GET", "/api/v1/recipients", FD_ROLE_ADMIN}, h_recipients},
    {{"POST", "/api/v1/recipients", FD_ROLE_ADMIN}, h_recipients_add},
    {{"GET", "/api/v1/recipients/{id}", FD_ROLE_ADMIN}, h_recipient_get},
    {{"PUT", "/api/v1/recipients/{id}", FD_ROLE_ADMIN}, h_recipient_put},
    {{"DELETE", "/api/v1/recipients/{id}", FD_ROLE_ADMIN}, h_recipient_delete},
    {{"POST", "/api/v1/recipients/{id}/test", FD_ROLE_ADMIN}, h_recipient_test},
    {{"GET", "/api/v1/recipients/{id}/certificates", FD_ROLE_ADMIN}, fd_h_recipient_certs_get},
    {{"PUT", "/api/v1/recipients/{id}/certificates", FD_ROLE_ADMIN}, fd_h_recipient_certs_put},
    {{"GET", "/api/v1/certificate", FD_ROLE_ADMIN}, fd_h_certificate_get},
    {{"PUT", "/api/v1/certificate", FD_ROLE_ADMIN}, fd_h_certificate_put},
    {{"POST", "/api/v1/certificate/regenerate", FD_ROLE_ADMIN}, fd_h_certificate_regenerate},
    {{"GET", "/api/v1/network/status", FD_ROLE_ADMIN}, fd_h_network_status},
    {{"GET", "/api/v1/mqtt-api/status", FD_ROLE_ADMIN}, fd_h_mqttapi_status},
    {{"GET", "/api/v1/mqtt-api/certificates", FD_ROLE_ADMIN}, fd_h_mqttapi_certs_get},
    {{"PUT", "/api/v1/mqtt-api/certificates", FD_ROLE_ADMIN}, fd_h_mqttapi_certs_put},
    {{"GET", "/api/v1/counts", FD_ROLE_VIEWER}, h_counts},
    {{"POST", "/api/v1/counts/reset", FD_ROLE_ADMIN}, h_counts_reset},
    {{"GET", "/api/v1/reports", FD_ROLE_VIEWER}, h_reports},
    {{"GET", "/api/v1/live", FD_ROLE_VIEWER}, h_live},
    {{"GET", "/api/v1/live/events", FD_ROLE_VIEWER}, fd_h_live_events},
    {{"GET", "/api/v1/live/video", FD_ROLE_VIEWER}, fd_h_live_video},
    {{"GET", "/api/v1/live/snapshot", FD_ROLE_VIEWER}, fd_h_live_snapshot},
    {{"GET", "/api/v1/openapi.json", FD_ROLE_NONE}, h_openapi},
    {{"GET", "/api/v1/scene", FD_ROLE_VIEWER}, fd_webui_scene},
    {{"PUT", "/api/v1/password/questions", FD_ROLE_ADMIN}, fd_webui_questions_put},
    {{"POST", "/api/v1/floor/detect", FD_ROLE_ADMIN}, fd_floor_detect},
    {{"GET", "/api/v1/config/export", FD_ROLE_ADMIN}, fd_maint_export},
    {{"POST", "/api/v1/config/import", FD_ROLE_ADMIN}, h_config_put},
    {{"POST", "/api/v1/maintenance/recovery", FD_ROLE_ADMIN}, fd_maint_recovery},
    {{"POST", "/api/v1/maintenance/factory-reset", FD_ROLE_ADMIN}, fd_maint_factory_reset},
    {{"POST", "/api/v1/maintenance/restart", FD_ROLE_ADMIN}, fd_maint_restart_request},
    {{"GET", "/metrics", FD_ROLE_VIEWER}, h_metrics},
};

#define NROUTES (sizeof routes / sizeof routes[0])

const fd_route_info *fd_http_route(size_t i)
{
	return i < NROUTES ? &routes[i].info : NULL;
}

/* Matches url against a template whose "{name}" segments match one
 * non-empty segment (copied to param). */
static bool match_path(const char *tmpl, const char *url, char *param, size_t cap)
{
	while (*tmpl && *url) {
		if (*tmpl == '{') {
			const char *close = strchr(tmpl, '}');
			size_t n = strcspn(url, "/");
			if (!close || n == 0 || n >= cap)
				return false;
			memcpy(param, url, n);
			param[n] = '\0';
			tmpl = close + 1;
			url += n;
		} else if (*tmpl++ != *url++) {
			return false;
		}
	}
	return *tmpl == '\0' && *url == '\0';
}

static enum MHD_Result dispatch(fd_req *r, const char *url)
{
	const route *found = NULL;
	bool path_known = false;
	for (size_t i = 0; i < NROUTES && !found; i++) {
		if (!match_path(routes[i].info.path, url, r->param, sizeof r->param))
			continue;
		path_known = true;
		if (!strcmp(routes[i].info.method, r->method))
			found = &routes[i];
	}
	if (!found && !path_known && strncmp(url, "/api/", 5))
		return fd_webui_serve(r, url);
	if (!found)
		return path_known ? fd_reply_error(r, 405, "method %s not allowed here", r->method)
				  : fd_reply_error(r, 404, "no such resource");
	if (r->too_big)
		return fd_reply_error(r, 413, "body: at most %u bytes", FD_BODY_MAX);
	const char *auth = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Authorization");
	r->token = auth && !strncmp(auth, "Bearer ", 7)
		       ? auth + 7
		       : MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
	r->role = fd_users_session(r->d->users, r->token, r->username);
	if (r->role < found->info.role) {
		if (r->role == FD_ROLE_NONE)
			return fd_reply_error(r, 401, "authentication required");
		return fd_reply_error(r, 403, "administrators only");
	}
	return found->fn(r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	(void)version;
	fd_req *r = *con_cls;
	if (!r) {
		r = calloc(1, sizeof *r);
		if (!r)
			return MHD_NO;
		r->d = cls;
		r->conn = conn;
		r->method = method;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->too_big || r->len + n > FD_BODY_MAX) {
			r->too_big = true;
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			size_t cap = r->cap ? r->cap : 1024;
			while (cap < r->len + n + 1)
				cap *= 2;
			char *p = realloc(r->body, cap);
			if (!p)
				return MHD_NO;
			r->body = p;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload_data, n);
		r->len += n;
		r->body[r->len] = '\0';
		return MHD_YES;
	}
	return dispatch(r, url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	fd_req *r = *con_cls;
	if (r) {
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

static ff_status parse_listen(const char *listen, struct sockaddr_in *sa, ff_error *err)
{
	char host[64];
	const char *colon = strrchr(listen, ':');
	if (!colon || (size_t)(colon - listen) >= sizeof host)
		return ff_error_set(err, FF_ERR_INVALID, "--listen '%s': expected ADDRESS:PORT",
				    listen);
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	if (*end || end == colon + 1 || port < 0 || port > 65535 ||
	    inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return ff_error_set(err, FF_ERR_INVALID,
				    "--listen '%s': expected an IPv4 address and a port 0-65535",
				    listen);
	sa->sin_port = htons((uint16_t)port);
	return FF_OK;
}

ff_status fd_https_start(fd_daemon *d, const char *listen, const char *cert, const char *key,
			 fd_http **out, ff_error *err)
{
	struct sockaddr_in sa;
	ff_status st = parse_listen(listen, &sa, err);
	if (st)
		return st;
	fd_http *h = calloc(1, sizeof *h);
	if (!h)
		return ff_error_set(err, FF_ERR_NOMEM, "http: out of memory");
	/* Without a certificate the array ends at once: plain HTTP. */
	struct MHD_OptionItem tls[] = {
	    {cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, (void *)cert},
	    {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)key},
	    {MHD_OPTION_END, 0, NULL}};
	/* The live view's streams suspend their connections between frames. */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME;
	h->mhd = MHD_start_daemon(
	    flags | (cert ? MHD_USE_TLS : 0), 0, NULL, NULL, on_request, d, MHD_OPTION_SOCK_ADDR,
	    (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE, 2u, MHD_OPTION_CONNECTION_LIMIT,
	    256u, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
	    NULL, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
	if (!h->mhd) {
		free(h);
		return ff_error_set(err, FF_ERR_IO, "--listen%s %s: cannot listen there (in use?)",
				    cert ? "-https" : "", listen);
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info ? info->port : ntohs(sa.sin_port);
	*out = h;
	return FF_OK;
}

ff_status fd_http_start(fd_daemon *d, const char *listen, fd_http **out, ff_error *err)
{
	return fd_https_start(d, listen, NULL, NULL, out, err);
}

int fd_http_port(const fd_http *h)
{
	return h->port;
}

void fd_http_stop(fd_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->mhd);
	free(h);
}
