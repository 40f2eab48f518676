/*
 * push.c - reports to the recipients (guide 5.3.2), through durable queues.
 *
 * One thread does all the pushing, so the live pipeline and the storage
 * thread never wait for the network: the storage thread hands every event
 * over with fd_push_offer (a copy into a bounded buffer under a short
 * lock, dropped and counted when full), and this thread
 *
 *   1. turns events (trigger reports) and due periodic reports into the
 *      guide's JSON, with each recipient's content selection, and appends
 *      them to that recipient's queue: a table in the daemon's SQLite
 *      database, so reports survive a restart or a crash. A queue keeps at
 *      most FD_QUEUE_MAX reports, the oldest dropped first;
 *   2. delivers each queue from its head, one report at a time, and deletes
 *      a report only once it is confirmed: a 2xx answer to the HTTP POST,
 *      the broker's PUBACK/PUBCOMP for MQTT QoS 1/2 (QoS 0 promises
 *      nothing more than a written socket). A failure leaves the report at
 *      the head and retries the recipient after a backoff doubling from 1
 *      to 30 s, so reports arrive in order and at least once.
 *
 * A recipient without retransmission gets one attempt per report: a report
 * that fails is dropped rather than kept for later.
 *
 * MQTT clients stay connected between reports, with libmosquitto's network
 * thread; its callbacks only record the connection state and the last
 * acknowledged message under the client's own lock. After any failure the
 * client is thrown away and a fresh one connects on the next attempt, so no
 * half-sent message of an old session is resent behind our back. Connects
 * are asynchronous and every wait is bounded (NET_TIMEOUT), so a recipient
 * that does not answer delays the others by at most that per attempt, and
 * its backoff keeps such attempts rare.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <mosquitto.h>
#include <sqlite3.h>

#include "daemon.h"

#define OFFER_CAP 4096
#define BACKOFF_MIN 1.0
#define BACKOFF_MAX 30.0
#define NET_TIMEOUT 5 /* seconds: connect, HTTP answer, MQTT acknowledgement */
#define SLICE 0.5     /* seconds of delivery per recipient and round */

typedef struct mqtt_conn {
	struct mosquitto *mosq;
	pthread_mutex_t lock; /* guards the fields below (callbacks vs. push thread) */
	pthread_cond_t cond;
	int state; /* 0 connecting, 1 connected, -1 refused or lost */
	int acked_mid;
} mqtt_conn;

typedef struct target {
	fd_recipient rec;
	bool active;
	double retry_at, backoff;
	double period_start, next_periodic;
	fd_cumulative last; /* counts at the end of the last period */
	CURL *curl;
	mqtt_conn mq;
	fd_push_status status; /* guarded by fd_push.lock */
} target;

struct fd_push {
	sqlite3 *db;
	sqlite3_stmt *ins, *head, *del, *count, *trim, *purge;
	fd_recorder *recorder;
	fd_live *live;
	double started;
	pthread_t thread;
	bool running;

	pthread_mutex_t lock; /* guards the hand-over fields and the statuses */
	pthread_cond_t cond;
	bool stop, cfg_new;
	fd_config cfg_pending;
	fd_queued_event *ring;
	size_t ring_head, ring_n;
	uint64_t dropped;

	/* push thread only */
	fd_config cfg;
	fd_queued_event *batch;
	target t[FD_MAX_RECIPIENTS];
};

static const char schema[] = "CREATE TABLE IF NOT EXISTS push_queue ("
			     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
			     " recipient INTEGER NOT NULL, body TEXT NOT NULL);"
			     "CREATE INDEX IF NOT EXISTS push_queue_recipient"
			     " ON push_queue (recipient, seq);";

static ff_status db_error(fd_push *p, ff_error *err)
{
	return ff_error_set(err, FF_ERR_IO, "push queue: %s", sqlite3_errmsg(p->db));
}

static ff_status prepare(fd_push *p, ff_error *err)
{
	static const char *const sql[] = {
	    "INSERT INTO push_queue (recipient, body) VALUES (?1, ?2)",
	    "SELECT seq, body FROM push_queue WHERE recipient = ?1 ORDER BY seq LIMIT 1",
	    "DELETE FROM push_queue WHERE seq = ?1",
	    "SELECT count(*) FROM push_queue WHERE recipient = ?1",
	    "DELETE FROM push_queue WHERE recipient = ?1 AND seq <= (SELECT seq FROM push_queue"
	    " WHERE recipient = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
	    "DELETE FROM push_queue WHERE recipient = ?1"};
	sqlite3_stmt **stmts[] = {&p->ins, &p->head, &p->del, &p->count, &p->trim, &p->purge};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		if (sqlite3_prepare_v2(p->db, sql[i], -1, stmts[i], NULL) != SQLITE_OK)
			return db_error(p, err);
	return FF_OK;
}

ff_status fd_push_create(const char *db_path, fd_recorder *recorder, fd_live *live,
			 const fd_config *cfg, double started, fd_push **out, ff_error *err)
{
	fd_push *p = calloc(1, sizeof *p);
	if (!p)
		return ff_error_set(err, FF_ERR_NOMEM, "push: out of memory");
	p->ring = malloc(sizeof *p->ring * OFFER_CAP);
	p->batch = malloc(sizeof *p->batch * OFFER_CAP);
	p->recorder = recorder;
	p->live = live;
	p->started = started;
	p->cfg_pending = *cfg;
	p->cfg_new = true;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
		pthread_mutex_init(&p->t[i].mq.lock, NULL);
		pthread_cond_init(&p->t[i].mq.cond, NULL);
	}
	ff_status st = FF_OK;
	if (!p->ring || !p->batch)
		st = ff_error_set(err, FF_ERR_NOMEM, "push: out of memory");
	else if (sqlite3_open_v2(db_path, &p->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
				 NULL) != SQLITE_OK)
		st = ff_error_set(err, FF_ERR_IO, "%s: %s", db_path,
				  p->db ? sqlite3_errmsg(p->db) : "cannot open");
	if (!st) {
		sqlite3_busy_timeout(p->db, 5000);
		if (sqlite3_exec(p->db, schema, NULL, NULL, NULL) != SQLITE_OK)
			st = db_error(p, err);
	}
	if (!st)
		st = prepare(p, err);
	if (st) {
		fd_push_destroy(p);
		return st;
	}
	*out = p;
	return FF_OK;
}

static void mqtt_drop(mqtt_conn *m)
{
	if (!m->mosq)
		return;
	mosquitto_disconnect(m->mosq);
	mosquitto_loop_stop(m->mosq, true);
	mosquitto_destroy(m->mosq);
	m->mosq = NULL;
}

void fd_push_destroy(fd_push *p)
{
	if (!p)
		return;
	fd_push_stop(p);
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
		mqtt_drop(&p->t[i].mq);
		if (p->t[i].curl)
			curl_easy_cleanup(p->t[i].curl);
		pthread_mutex_destroy(&p->t[i].mq.lock);
		pthread_cond_destroy(&p->t[i].mq.cond);
	}
	sqlite3_stmt *stmts[] = {p->ins, p->head, p->del, p->count, p->trim, p->purge};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		sqlite3_finalize(stmts[i]);
	sqlite3_close(p->db);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->ring);
	free(p->batch);
	free(p);
}

void fd_push_set_config(fd_push *p, const fd_config *cfg)
{
	pthread_mutex_lock(&p->lock);
	p->cfg_pending = *cfg;
	p->cfg_new = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

void fd_push_offer(fd_push *p, const fd_queued_event *ev, size_t n)
{
	if (!n)
		return;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; i < n; i++) {
		if (p->ring_n == OFFER_CAP) {
			p->dropped += n - i;
			break;
		}
		p->ring[(p->ring_head + p->ring_n++) % OFFER_CAP] = ev[i];
	}
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

bool fd_push_status_get(fd_push *p, int id, fd_push_status *out)
{
	bool found = false;
	pthread_mutex_lock(&p->lock);
	for (int i = 0; i < FD_MAX_RECIPIENTS && !found; i++)
		if (p->t[i].active && p->t[i].rec.id == id) {
			*out = p->t[i].status;
			found = true;
		}
	pthread_mutex_unlock(&p->lock);
	return found;
}

/* ---- Building reports ---------------------------------------------------- */

static double period_s(const fd_recipient *r)
{
	return r->period_min * 60.0;
}

double fd_push_next_period(const fd_config *cfg, const fd_recipient *r, double start, double now)
{
	double len = period_s(r);
	if (r->scheme == FD_SCHEME_FROM_NOW_ON)
		return start + (floor((now - start) / len) + 1) * len;
	ff_time_info ti;
	fd_config_time_info(cfg, now, &ti);
	double off = ti.utc_offset_min * 60.0;
	return (floor((now + off) / len) + 1) * len - off;
}

static void queue_report(fd_push *p, target *t, const char *body)
{
	sqlite3_bind_int(p->ins, 1, t->rec.id);
	sqlite3_bind_text(p->ins, 2, body, -1, SQLITE_STATIC);
	int rc = sqlite3_step(p->ins);
	sqlite3_reset(p->ins);
	if (rc != SQLITE_DONE)
		fd_log(FD_LOG_ERROR, "push: recipient %d: report lost: %s", t->rec.id,
		       sqlite3_errmsg(p->db));
}

/* Builds t's report, the trigger report of ev or else the periodic report
 * of counts c, and appends it to t's queue. */
static void queue_one(fd_push *p, target *t, double now, const ff_event *ev, const ff_counts *c)
{
	ff_device_info dev;
	ff_time_info ti;
	fd_config_device_info(&p->cfg, p->started, now, &dev);
	fd_config_time_info(&p->cfg, now, &ti);
	ff_report_opts opts = {&dev, &ti, &t->rec.content, false};
	char *body = NULL;
	ff_error err = {0};
	ff_status st = ev ? ff_report_trigger(&opts, &p->cfg.rules, ev, &body, &err)
			  : ff_report_periodic(&opts, &p->cfg.rules, c, t->period_start,
					       t->next_periodic, &body, &err);
	if (st)
		fd_log(FD_LOG_ERROR, "push: %s", err.msg);
	else
		queue_report(p, t, body);
	free(body);
}

/* The event's index may predate a rule edit: its id is the truth. */
static bool current_index(const ff_rules *rules, const fd_queued_event *q, ff_event *ev)
{
	*ev = q->ev;
	int n = ev->type == FF_EVENT_LINE_CROSS ? rules->nlines : rules->nregions;
	for (int i = 0; i < n; i++)
		if ((ev->type == FF_EVENT_LINE_CROSS ? rules->lines[i].id : rules->regions[i].id) ==
		    q->id) {
			ev->index = i;
			return true;
		}
	return false;
}

static void queue_triggers(fd_push *p, const fd_queued_event *batch, size_t n, double now)
{
	for (size_t k = 0; k < n; k++) {
		ff_event ev;
		if (!current_index(&p->cfg.rules, &batch[k], &ev))
			continue;
		for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
			target *t = &p->t[i];
			if (!t->active || !t->rec.trigger_reports ||
			    !ff_report_content_wants(&t->rec.content, ev.type))
				continue;
			queue_one(p, t, now, &ev, NULL);
		}
	}
}

static void queue_periodic(fd_push *p, double now)
{
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
		target *t = &p->t[i];
		if (!t->active || !t->rec.periodic_reports || now < t->next_periodic)
			continue;
		fd_cumulative cum;
		fd_live_stats ls;
		fd_recorder_cumulative(p->recorder, &cum);
		fd_live_stats_get(p->live, &ls);
		ff_counts c;
		fd_counts_from_cumulative(&p->cfg.rules, &cum, &t->last, &ls, &c);
		queue_one(p, t, now, NULL, &c);
		t->last = cum;
		t->period_start = t->next_periodic;
		t->next_periodic = fd_push_next_period(&p->cfg, &t->rec, t->period_start, now);
	}
}

/* ---- Delivery ------------------------------------------------------------ */

static size_t discard_body(char *data, size_t size, size_t n, void *user)
{
	(void)data;
	(void)user;
	return size * n;
}

static ff_status http_send(CURL *c, const fd_recipient *r, const char *body, ff_error *err)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)NET_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)NET_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (r->username[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->password);
	}
	CURLcode rc = curl_easy_perform(c);
	curl_slist_free_all(h);
	if (rc != CURLE_OK)
		return ff_error_set(err, FF_ERR_IO, "%s", curl_easy_strerror(rc));
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299)
		return ff_error_set(err, FF_ERR_IO, "HTTP status %ld", code);
	return FF_OK;
}

static void on_connect(struct mosquitto *m, void *user, int rc)
{
	(void)m;
	mqtt_conn *c = user;
	pthread_mutex_lock(&c->lock);
	c->state = rc == 0 ? 1 : -1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void on_disconnect(struct mosquitto *m, void *user, int rc)
{
	(void)m;
	(void)rc;
	mqtt_conn *c = user;
	pthread_mutex_lock(&c->lock);
	c->state = -1;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

static void on_publish(struct mosquitto *m, void *user, int mid)
{
	(void)m;
	mqtt_conn *c = user;
	pthread_mutex_lock(&c->lock);
	c->acked_mid = mid;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
}

/* Waits for the connection (mid 0) or the acknowledgement of mid; false
 * when the connection is lost or nothing came in time. */
static bool mqtt_wait(mqtt_conn *c, int mid)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += NET_TIMEOUT;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		bool done = mid ? c->acked_mid == mid : c->state != 0;
		if (done || c->state < 0 || pthread_cond_timedwait(&c->cond, &c->lock, &until))
			break;
	}
	bool ok = c->state > 0 && (!mid || c->acked_mid == mid);
	pthread_mutex_unlock(&c->lock);
	return ok;
}

static ff_status mqtt_connect(mqtt_conn *c, const fd_recipient *r, ff_error *err)
{
	c->state = 0;
	c->acked_mid = 0;
	c->mosq = mosquitto_new(r->client_id[0] ? r->client_id : NULL, true, c);
	if (!c->mosq)
		return ff_error_set(err, FF_ERR_NOMEM, "MQTT: cannot create a client");
	mosquitto_connect_callback_set(c->mosq, on_connect);
	mosquitto_disconnect_callback_set(c->mosq, on_disconnect);
	mosquitto_publish_callback_set(c->mosq, on_publish);
	int rc = MOSQ_ERR_SUCCESS;
	if (r->username[0])
		rc = mosquitto_username_pw_set(c->mosq, r->username, r->password);
	if (!rc && r->tls)
		rc = mosquitto_tls_set(c->mosq, NULL, "/etc/ssl/certs", NULL, NULL, NULL);
	if (!rc)
		rc = mosquitto_connect_async(c->mosq, r->host, r->port, 30);
	if (!rc)
		rc = mosquitto_loop_start(c->mosq);
	if (rc) {
		mqtt_drop(c);
		return ff_error_set(err, FF_ERR_IO, "MQTT %s:%d: %s", r->host, r->port,
				    mosquitto_strerror(rc));
	}
	if (!mqtt_wait(c, 0)) {
		mqtt_drop(c);
		return ff_error_set(err, FF_ERR_IO, "MQTT %s:%d: connection refused or timed out",
				    r->host, r->port);
	}
	return FF_OK;
}

static ff_status mqtt_send(mqtt_conn *c, const fd_recipient *r, const char *body, ff_error *err)
{
	if (c->mosq) {
		pthread_mutex_lock(&c->lock);
		bool lost = c->state < 0;
		pthread_mutex_unlock(&c->lock);
		if (lost)
			mqtt_drop(c);
	}
	if (!c->mosq) {
		ff_status st = mqtt_connect(c, r, err);
		if (st)
			return st;
	}
	int mid = 0;
	int rc = mosquitto_publish(c->mosq, &mid, r->topic, (int)strlen(body), body, r->qos, false);
	if (rc) {
		mqtt_drop(c);
		return ff_error_set(err, FF_ERR_IO, "MQTT publish: %s", mosquitto_strerror(rc));
	}
	if (r->qos > 0 && !mqtt_wait(c, mid)) {
		mqtt_drop(c);
		return ff_error_set(err, FF_ERR_IO, "MQTT: no acknowledgement from %s:%d", r->host,
				    r->port);
	}
	return FF_OK;
}

static ff_status send_one(target *t, const char *body, ff_error *err)
{
	if (t->rec.proto == FD_PROTO_MQTT)
		return mqtt_send(&t->mq, &t->rec, body, err);
	if (!t->curl && !(t->curl = curl_easy_init()))
		return ff_error_set(err, FF_ERR_NOMEM, "HTTP: cannot create a handle");
	return http_send(t->curl, &t->rec, body, err);
}

static void set_status(fd_push *p, target *t, bool ok, const ff_error *err, uint64_t delivered)
{
	pthread_mutex_lock(&p->lock);
	t->status.connected = ok;
	t->status.delivered += delivered;
	if (!ok) {
		t->status.failures++;
		snprintf(t->status.last_error, sizeof t->status.last_error, "%s", err->msg);
	}
	pthread_mutex_unlock(&p->lock);
}

/* Delivers t's queue from the head for at most SLICE seconds. */
static void deliver(fd_push *p, target *t, double now)
{
	if (now < t->retry_at)
		return;
	uint64_t delivered = 0;
	bool failed = false;
	ff_error err = {0};
	while (fd_now() - now < SLICE) {
		sqlite3_bind_int(p->head, 1, t->rec.id);
		if (sqlite3_step(p->head) != SQLITE_ROW) {
			sqlite3_reset(p->head);
			break;
		}
		sqlite3_int64 seq = sqlite3_column_int64(p->head, 0);
		char *body = strdup((const char *)sqlite3_column_text(p->head, 1));
		sqlite3_reset(p->head);
		if (!body)
			break;
		failed = send_one(t, body, &err) != FF_OK;
		free(body);
		if (failed && t->rec.retransmission)
			break;
		sqlite3_bind_int64(p->del, 1, seq);
		sqlite3_step(p->del);
		sqlite3_reset(p->del);
		delivered += !failed;
		if (failed)
			break;
	}
	if (failed) {
		t->backoff = t->backoff > 0 ? fmin(t->backoff * 2, BACKOFF_MAX) : BACKOFF_MIN;
		t->retry_at = fd_now() + t->backoff;
		fd_log(FD_LOG_DEBUG, "push: recipient %d: %s, retry in %.0f s", t->rec.id, err.msg,
		       t->backoff);
	} else if (delivered) {
		t->backoff = 0;
	}
	if (failed || delivered)
		set_status(p, t, !failed, &err, delivered);
}

/* ---- The thread ------------------------------------------------------------ */

static bool same_target(const fd_recipient *a, const fd_recipient *b)
{
	return a->proto == b->proto && !strcmp(a->url, b->url) && !strcmp(a->host, b->host) &&
	       a->port == b->port && !strcmp(a->client_id, b->client_id) &&
	       !strcmp(a->username, b->username) && !strcmp(a->password, b->password) &&
	       a->tls == b->tls;
}

/* A recipient that disappeared loses its queue; one whose connection
 * settings changed reconnects; a changed period starts anew. */
static void apply_config(fd_push *p, const fd_config *cfg, double now)
{
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
		target *t = &p->t[i];
		const fd_recipient *r = NULL;
		for (int k = 0; k < cfg->nrecipients; k++)
			if (cfg->recipients[k].id == i + 1)
				r = &cfg->recipients[k];
		bool was = t->active;
		if (!r || !r->enabled || !same_target(&t->rec, r))
			mqtt_drop(&t->mq);
		if (!r) {
			sqlite3_bind_int(p->purge, 1, i + 1);
			sqlite3_step(p->purge);
			sqlite3_reset(p->purge);
		}
		bool restart =
		    r && (!was || r->periodic_reports != t->rec.periodic_reports ||
			  r->period_min != t->rec.period_min || r->scheme != t->rec.scheme);
		pthread_mutex_lock(&p->lock);
		t->active = r && r->enabled;
		if (r)
			t->rec = *r;
		if (!r)
			memset(&t->status, 0, sizeof t->status);
		pthread_mutex_unlock(&p->lock);
		t->retry_at = 0;
		t->backoff = 0;
		if (restart) {
			t->period_start = now;
			fd_recorder_cumulative(p->recorder, &t->last);
			t->next_periodic = fd_push_next_period(cfg, r, now, now);
		}
	}
	p->cfg = *cfg;
}

static void update_counts(fd_push *p)
{
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
		target *t = &p->t[i];
		if (!t->active)
			continue;
		sqlite3_bind_int(p->trim, 1, t->rec.id);
		sqlite3_bind_int(p->trim, 2, FD_QUEUE_MAX - 1);
		sqlite3_step(p->trim);
		sqlite3_reset(p->trim);
		sqlite3_bind_int(p->count, 1, t->rec.id);
		int64_t n =
		    sqlite3_step(p->count) == SQLITE_ROW ? sqlite3_column_int64(p->count, 0) : 0;
		sqlite3_reset(p->count);
		pthread_mutex_lock(&p->lock);
		t->status.queued = n;
		pthread_mutex_unlock(&p->lock);
	}
}

static void *run(void *arg)
{
	fd_push *p = arg;
	fd_config *cfg = malloc(sizeof *cfg);
	if (!cfg) {
		fd_log(FD_LOG_ERROR, "push: out of memory, nothing is pushed");
		return NULL;
	}
	uint64_t reported_drops = 0;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (!p->stop && !p->ring_n && !p->cfg_new) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += 200000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&p->cond, &p->lock, &until);
		}
		bool stop = p->stop, cfg_new = p->cfg_new;
		if (cfg_new)
			*cfg = p->cfg_pending;
		p->cfg_new = false;
		size_t n = p->ring_n;
		for (size_t i = 0; i < n; i++)
			p->batch[i] = p->ring[(p->ring_head + i) % OFFER_CAP];
		p->ring_head = (p->ring_head + n) % OFFER_CAP;
		p->ring_n = 0;
		uint64_t dropped = p->dropped;
		pthread_mutex_unlock(&p->lock);
		double now = fd_now();
		if (cfg_new)
			apply_config(p, cfg, now);
		if (dropped != reported_drops) {
			fd_log(FD_LOG_WARN, "push: %llu events dropped, the push thread lags",
			       (unsigned long long)(dropped - reported_drops));
			reported_drops = dropped;
		}
		sqlite3_exec(p->db, "BEGIN", NULL, NULL, NULL);
		queue_triggers(p, p->batch, n, now);
		queue_periodic(p, now);
		update_counts(p);
		sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
		if (stop)
			break;
		for (int i = 0; i < FD_MAX_RECIPIENTS; i++)
			if (p->t[i].active)
				deliver(p, &p->t[i], fd_now());
		update_counts(p);
	}
	free(cfg);
	return NULL;
}

ff_status fd_push_start(fd_push *p, ff_error *err)
{
	if (pthread_create(&p->thread, NULL, run, p))
		return ff_error_set(err, FF_ERR_NOMEM, "push: cannot start the thread");
	p->running = true;
	return FF_OK;
}

void fd_push_stop(fd_push *p)
{
	if (!p->running)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	p->running = false;
}

ff_status fd_push_test(const fd_recipient *r, ff_error *err)
{
	static const char body[] = "{\"test\":true,\"device\":\"footfalld\"}";
	target *t = calloc(1, sizeof *t);
	if (!t)
		return ff_error_set(err, FF_ERR_NOMEM, "push: out of memory");
	t->rec = *r;
	/* A client id of its own, or the broker would disconnect the
	 * recipient's running client to let this one in. */
	if (r->client_id[0])
		snprintf(t->rec.client_id, sizeof t->rec.client_id, "%.*s-test",
			 (int)sizeof t->rec.client_id - 6, r->client_id);
	pthread_mutex_init(&t->mq.lock, NULL);
	pthread_cond_init(&t->mq.cond, NULL);
	ff_status st = send_one(t, body, err);
	mqtt_drop(&t->mq);
	if (t->curl)
		curl_easy_cleanup(t->curl);
	pthread_mutex_destroy(&t->mq.lock);
	pthread_cond_destroy(&t->mq.cond);
	free(t);
	return st;
}
