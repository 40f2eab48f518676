/*
 * push.c - reports to the recipients (guide 5.3.2), through durable queues.
 *
 * The live pipeline and the storage thread never wait for the network: the
 * storage thread hands every event over with fd_push_offer (a copy into a
 * bounded buffer under a short lock, dropped and counted when full). Two
 * kinds of thread do the rest:
 *
 *   1. the queue thread turns events (trigger reports) and due periodic
 *      reports into the guide's JSON, with each recipient's content
 *      selection, and appends them to that recipient's queue: a table in
 *      the daemon's SQLite database, so reports survive a restart or a
 *      crash. A queue keeps at most FD_QUEUE_MAX reports, the oldest
 *      dropped first. This thread owns the configuration, and starts,
 *      stops and wakes the senders;
 *   2. one sender per enabled recipient delivers that recipient's queue
 *      from its head, with a database connection of its own, so a
 *      recipient that does not answer (connect and answer timeouts) holds
 *      up nobody but itself. A sender sleeps only when its queue is empty
 *      or a failure's backoff runs.
 *
 * A report is deleted only once it is confirmed: a 2xx answer to the HTTP
 * POST, the broker's PUBACK/PUBCOMP for MQTT QoS 1/2 (QoS 0 promises
 * nothing more than a written socket). Confirmed reports are deleted in
 * batches, one statement for the run of confirmed reports at the head of
 * the sender's window, at the latest FLUSH_S after their confirmation: a
 * crash may send such reports again, never lose one.
 *
 * MQTT keeps up to WINDOW reports in flight on one connection, published in
 * queue order, which is the order libmosquitto sends them in (its own limit
 * of messages on the wire is raised to WINDOW; MQTT 3.1.1 gives a broker no
 * way to ask for fewer, and mosquitto's max_inflight_messages bounds only
 * what it sends on). HTTP sends one report at a time on a curl handle that
 * stays open, so the connection is reused. A failure (refused, lost, no
 * acknowledgement within NET_TIMEOUT) deletes what was confirmed, throws
 * the MQTT client away and resends from the oldest unconfirmed report after
 * a backoff doubling from 1 to 30 s: every report first arrives in queue
 * order, and at least once (a resent one may follow reports that were
 * confirmed after it). A fresh client after every failure means no
 * half-sent message of an old session is resent behind our back.
 *
 * A recipient without retransmission gets one attempt per report: reports
 * that fail are dropped rather than kept for later.
 *
 * MQTT clients stay connected between reports, with libmosquitto's network
 * thread; its callbacks only record the connection state and the
 * acknowledged message ids under the sender's lock. MQTT over TLS trusts
 * the system's CAs or the CA uploaded for the recipient, with its client
 * certificate when one was uploaded (tls.c); new files make a new
 * connection.
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
#define NET_TIMEOUT 5	  /* seconds: connect, HTTP answer, MQTT acknowledgement */
#define WINDOW 128	  /* MQTT reports in flight per recipient */
#define RING (2 * WINDOW) /* in flight, or confirmed and not yet deleted */
#define FLUSH_S 0.2	  /* longest a confirmed report waits for its deletion */
#define IDLE_S 0.2	  /* queue thread: periodic reports, queue lengths */

typedef struct sent {
	sqlite3_int64 seq;
	int mid;
	bool acked;
} sent;

typedef struct target {
	fd_push *p;
	/* queue thread only */
	fd_recipient rec;
	bool active, queued_new, running;
	double period_start, next_periodic;
	fd_cumulative last;    /* counts at the end of the last period */
	fd_push_status status; /* guarded by fd_push.lock */

	pthread_t thread;
	pthread_mutex_t lock; /* guards the fields up to nacks: queue thread,
				 sender and libmosquitto's callbacks */
	pthread_cond_t cond;
	bool stop, work, kick;
	int state;	   /* MQTT: 0 connecting, 1 connected, -1 refused or lost */
	char log_err[160]; /* libmosquitto's last error while connecting */
	int acks[WINDOW];
	int nacks;

	/* sender only */
	fd_recipient srec; /* the settings it was started with */
	sqlite3 *db;
	sqlite3_stmt *next, *del;
	CURL *curl;
	struct curl_slist *headers;
	struct mosquitto *mosq;
	unsigned tls_gen; /* fd_tls_generation() when it connected */
	double retry_at, backoff;
	sent ring[RING]; /* reports handed out, in queue order */
	int ring_head, ring_n, unacked;
	sqlite3_int64 last_seq;	  /* the last report handed out */
	sqlite3_int64 failed_seq; /* the report whose sending failed */
} target;

struct fd_push {
	sqlite3 *db;
	sqlite3_stmt *ins, *count, *trim, *purge;
	char *db_path;
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

	/* queue thread only */
	fd_config cfg;
	fd_queued_event *batch;
	target t[FD_MAX_RECIPIENTS];
	unsigned tls_gen; /* new uploaded TLS files end every backoff */
};

static const char schema[] = "CREATE TABLE IF NOT EXISTS push_queue ("
			     " seq INTEGER PRIMARY KEY AUTOINCREMENT,"
			     " recipient INTEGER NOT NULL, body TEXT NOT NULL);"
			     "CREATE INDEX IF NOT EXISTS push_queue_recipient"
			     " ON push_queue (recipient, seq);";

static ff_status db_error(sqlite3 *db, ff_error *err)
{
	return ff_error_set(err, FF_ERR_IO, "push queue: %s", sqlite3_errmsg(db));
}

static ff_status prepare(sqlite3 *db, const char *const *sql, sqlite3_stmt **const *stmts, size_t n,
			 ff_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (sqlite3_prepare_v2(db, sql[i], -1, stmts[i], NULL) != SQLITE_OK)
			return db_error(db, err);
	return FF_OK;
}

static ff_status open_db(const char *path, sqlite3 **db, ff_error *err)
{
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path,
				    *db ? sqlite3_errmsg(*db) : "cannot open");
	sqlite3_busy_timeout(*db, 5000);
	return FF_OK;
}

static void target_init(target *t, fd_push *p)
{
	t->p = p;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
}

static void target_destroy(target *t)
{
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->cond);
}

ff_status fd_push_create(const char *db_path, fd_recorder *recorder, fd_live *live,
			 const fd_config *cfg, double started, fd_push **out, ff_error *err)
{
	fd_push *p = calloc(1, sizeof *p);
	if (!p)
		return ff_error_set(err, FF_ERR_NOMEM, "push: out of memory");
	p->ring = malloc(sizeof *p->ring * OFFER_CAP);
	p->batch = malloc(sizeof *p->batch * OFFER_CAP);
	p->db_path = strdup(db_path);
	p->recorder = recorder;
	p->live = live;
	p->started = started;
	p->cfg_pending = *cfg;
	p->cfg_new = true;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++)
		target_init(&p->t[i], p);
	static const char *const sql[] = {
	    "INSERT INTO push_queue (recipient, body) VALUES (?1, ?2)",
	    "SELECT count(*) FROM push_queue WHERE recipient = ?1",
	    "DELETE FROM push_queue WHERE recipient = ?1 AND seq <= (SELECT seq FROM push_queue"
	    " WHERE recipient = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)",
	    "DELETE FROM push_queue WHERE recipient = ?1"};
	sqlite3_stmt **stmts[] = {&p->ins, &p->count, &p->trim, &p->purge};
	ff_status st = FF_OK;
	if (!p->ring || !p->batch || !p->db_path)
		st = ff_error_set(err, FF_ERR_NOMEM, "push: out of memory");
	if (!st)
		st = open_db(db_path, &p->db, err);
	if (!st && sqlite3_exec(p->db, schema, NULL, NULL, NULL) != SQLITE_OK)
		st = db_error(p->db, err);
	if (!st)
		st = prepare(p->db, sql, stmts, sizeof stmts / sizeof stmts[0], err);
	if (st) {
		fd_push_destroy(p);
		return st;
	}
	*out = p;
	return FF_OK;
}

static void sender_stop(target *t);

void fd_push_destroy(fd_push *p)
{
	if (!p)
		return;
	fd_push_stop(p);
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
		sender_stop(&p->t[i]);
		target_destroy(&p->t[i]);
	}
	sqlite3_stmt *stmts[] = {p->ins, p->count, p->trim, p->purge};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		sqlite3_finalize(stmts[i]);
	sqlite3_close(p->db);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p->db_path);
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
	t->queued_new = t->queued_new || rc == SQLITE_DONE;
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

static struct timespec deadline(double seconds)
{
	double when = fd_now() + seconds;
	struct timespec ts;
	ts.tv_sec = (time_t)when;
	ts.tv_nsec = (long)((when - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	return ts;
}

static bool stopping(target *t)
{
	pthread_mutex_lock(&t->lock);
	bool stop = t->stop;
	pthread_mutex_unlock(&t->lock);
	return stop;
}

static size_t discard_body(char *data, size_t size, size_t n, void *user)
{
	(void)data;
	(void)user;
	return size * n;
}

/* Lets a sender that is told to stop leave a slow transfer at once. */
static int http_progress(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
			 curl_off_t ulnow)
{
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return stopping(user);
}

/* The handle is kept between reports: curl keeps its connection open. No
 * "Expect: 100-continue": it would wait for a server that never sends 100. */
static ff_status http_handle(target *t, ff_error *err)
{
	if (t->curl)
		return FF_OK;
	const fd_recipient *r = &t->srec;
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	struct curl_slist *h2 = h ? curl_slist_append(h, "Expect:") : NULL;
	CURL *c = h2 ? curl_easy_init() : NULL;
	if (!c) {
		curl_slist_free_all(h);
		return ff_error_set(err, FF_ERR_NOMEM, "HTTP: cannot create a handle");
	}
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h2);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)NET_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)NET_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, http_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (r->username[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, r->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, r->password);
	}
	t->curl = c;
	t->headers = h2;
	return FF_OK;
}

static void http_drop(target *t)
{
	if (t->curl)
		curl_easy_cleanup(t->curl);
	curl_slist_free_all(t->headers);
	t->curl = NULL;
	t->headers = NULL;
}

static ff_status http_send(target *t, const char *body, ff_error *err)
{
	ff_status st = http_handle(t, err);
	if (st)
		return st;
	curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, body);
	CURLcode rc = curl_easy_perform(t->curl);
	if (rc != CURLE_OK)
		return ff_error_set(err, FF_ERR_IO, "%s", curl_easy_strerror(rc));
	long code = 0;
	curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code < 200 || code > 299)
		return ff_error_set(err, FF_ERR_IO, "HTTP status %ld", code);
	return FF_OK;
}

static void on_connect(struct mosquitto *m, void *user, int rc)
{
	(void)m;
	target *t = user;
	pthread_mutex_lock(&t->lock);
	if (rc)
		snprintf(t->log_err, sizeof t->log_err, "%s", mosquitto_connack_string(rc));
	t->state = rc == 0 ? 1 : -1;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

static void on_disconnect(struct mosquitto *m, void *user, int rc)
{
	(void)m;
	(void)rc;
	target *t = user;
	pthread_mutex_lock(&t->lock);
	t->state = -1;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* A failed TLS handshake is only logged by libmosquitto's network thread,
 * which then retries on its own: without this the connection would look
 * pending until NET_TIMEOUT, and the user would never learn why. */
static void on_log(struct mosquitto *m, void *user, int level, const char *msg)
{
	(void)m;
	target *t = user;
	if (level != MOSQ_LOG_ERR)
		return;
	pthread_mutex_lock(&t->lock);
	if (t->state == 0) {
		snprintf(t->log_err, sizeof t->log_err, "%s", msg);
		t->state = -1;
		pthread_cond_broadcast(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
}

/* At most WINDOW messages are in flight, so acks never overflows; were it
 * to, the lost acknowledgement would only resend a report. */
static void on_publish(struct mosquitto *m, void *user, int mid)
{
	(void)m;
	target *t = user;
	pthread_mutex_lock(&t->lock);
	if (t->nacks < WINDOW)
		t->acks[t->nacks++] = mid;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* Waits at most NET_TIMEOUT for the connection to settle (acks false) or
 * for acknowledgements (acks true); returns early when the connection is
 * lost or the sender is told to stop. */
static void mqtt_wait(target *t, bool acks)
{
	struct timespec until = deadline(NET_TIMEOUT);
	pthread_mutex_lock(&t->lock);
	while (!(acks ? t->nacks > 0 : t->state != 0) && t->state >= 0 && !t->stop)
		if (pthread_cond_timedwait(&t->cond, &t->lock, &until))
			break;
	pthread_mutex_unlock(&t->lock);
}

static void mqtt_drop(target *t)
{
	if (!t->mosq)
		return;
	mosquitto_disconnect(t->mosq);
	mosquitto_loop_stop(t->mosq, true);
	mosquitto_destroy(t->mosq);
	t->mosq = NULL;
}

/* Drops the client; the error names the broker and the reason libmosquitto
 * logged (a certificate that does not verify says more than MOSQ_ERR_TLS),
 * or else `otherwise`. */
static ff_status mqtt_failed(target *t, const char *otherwise, ff_error *err)
{
	char why[sizeof t->log_err];
	pthread_mutex_lock(&t->lock);
	snprintf(why, sizeof why, "%s", t->log_err[0] ? t->log_err : otherwise);
	pthread_mutex_unlock(&t->lock);
	mqtt_drop(t);
	return ff_error_set(err, FF_ERR_IO, "MQTT %s:%d: %s", t->srec.host, t->srec.port, why);
}

static ff_status mqtt_connect(target *t, ff_error *err)
{
	const fd_recipient *r = &t->srec;
	pthread_mutex_lock(&t->lock);
	t->state = 0;
	t->nacks = 0;
	t->log_err[0] = 0;
	pthread_mutex_unlock(&t->lock);
	t->mosq = mosquitto_new(r->client_id[0] ? r->client_id : NULL, true, t);
	if (!t->mosq)
		return ff_error_set(err, FF_ERR_NOMEM, "MQTT: cannot create a client");
	mosquitto_connect_callback_set(t->mosq, on_connect);
	mosquitto_disconnect_callback_set(t->mosq, on_disconnect);
	mosquitto_publish_callback_set(t->mosq, on_publish);
	mosquitto_log_callback_set(t->mosq, on_log);
	int rc = mosquitto_int_option(t->mosq, MOSQ_OPT_SEND_MAXIMUM, WINDOW);
	char owner[32];
	snprintf(owner, sizeof owner, "recipient-%d", r->id);
	t->tls_gen = fd_tls_generation();
	if (!rc && r->username[0])
		rc = mosquitto_username_pw_set(t->mosq, r->username, r->password);
	if (!rc && r->tls && fd_tls_mosquitto(t->mosq, owner, err)) {
		mqtt_drop(t);
		return FF_ERR_INVALID;
	}
	if (!rc)
		rc = mosquitto_connect_async(t->mosq, r->host, r->port, 30);
	if (!rc)
		rc = mosquitto_loop_start(t->mosq);
	if (!rc) {
		mqtt_wait(t, false);
		pthread_mutex_lock(&t->lock);
		bool up = t->state > 0;
		pthread_mutex_unlock(&t->lock);
		if (up)
			return FF_OK;
	}
	return mqtt_failed(t, rc ? mosquitto_strerror(rc) : "connection refused or timed out", err);
}

/* A connected client: the one there is, unless it was lost or new
 * uploaded TLS files need a new connection. */
static ff_status mqtt_ready(target *t, ff_error *err)
{
	if (t->mosq) {
		pthread_mutex_lock(&t->lock);
		bool lost = t->state < 0;
		pthread_mutex_unlock(&t->lock);
		if (lost || t->tls_gen != fd_tls_generation())
			mqtt_drop(t);
	}
	return t->mosq ? FF_OK : mqtt_connect(t, err);
}

static ff_status mqtt_publish(target *t, const char *body, int *mid, ff_error *err)
{
	const fd_recipient *r = &t->srec;
	int rc = mosquitto_publish(t->mosq, mid, r->topic, (int)strlen(body), body, r->qos, false);
	if (rc)
		return ff_error_set(err, FF_ERR_IO, "MQTT publish: %s", mosquitto_strerror(rc));
	return FF_OK;
}

/* Marks the window's reports whose acknowledgement came, waiting for one
 * first when block; fails when the connection is lost or a wait ran out. */
static ff_status take_acks(target *t, bool block, ff_error *err)
{
	if (block)
		mqtt_wait(t, true);
	int mids[WINDOW];
	pthread_mutex_lock(&t->lock);
	int n = t->nacks;
	memcpy(mids, t->acks, sizeof mids[0] * (size_t)n);
	t->nacks = 0;
	bool lost = t->state < 0, stop = t->stop;
	pthread_mutex_unlock(&t->lock);
	for (int k = 0; k < n; k++)
		for (int i = 0; i < t->ring_n; i++) {
			sent *s = &t->ring[(t->ring_head + i) % RING];
			if (!s->acked && s->mid == mids[k]) {
				s->acked = true;
				t->unacked--;
				break;
			}
		}
	const fd_recipient *r = &t->srec;
	if (lost)
		return ff_error_set(err, FF_ERR_IO, "MQTT %s:%d: connection lost", r->host,
				    r->port);
	if (block && !n && !stop)
		return ff_error_set(err, FF_ERR_IO,
				    "MQTT: no acknowledgement from %s:%d within %d s", r->host,
				    r->port, NET_TIMEOUT);
	return FF_OK;
}

/* Hands out up to room reports that follow the last one handed out:
 * published (MQTT), or sent and answered (HTTP). Returns how many, or -1
 * on a failure. */
static int send_more(target *t, int room, ff_error *err)
{
	struct {
		sqlite3_int64 seq;
		char *body;
	} rows[WINDOW];
	if (room > WINDOW)
		room = WINDOW;
	sqlite3_bind_int(t->next, 1, t->srec.id);
	sqlite3_bind_int64(t->next, 2, t->last_seq);
	sqlite3_bind_int(t->next, 3, room);
	int n = 0;
	bool bad = false;
	while (n < room && !bad) {
		int rc = sqlite3_step(t->next);
		if (rc != SQLITE_ROW) {
			bad = rc != SQLITE_DONE && db_error(t->db, err);
			break;
		}
		rows[n].seq = sqlite3_column_int64(t->next, 0);
		rows[n].body = strdup((const char *)sqlite3_column_text(t->next, 1));
		if (rows[n].body)
			n++;
		else
			bad = ff_error_set(err, FF_ERR_NOMEM, "push: out of memory");
	}
	sqlite3_reset(t->next);
	int done = 0;
	bool mqtt = t->srec.proto == FD_PROTO_MQTT;
	for (; done < n && !bad; done++) {
		sent *s = &t->ring[(t->ring_head + t->ring_n) % RING];
		s->seq = rows[done].seq;
		s->mid = 0;
		bad = mqtt ? mqtt_publish(t, rows[done].body, &s->mid, err) != FF_OK
			   : http_send(t, rows[done].body, err) != FF_OK;
		if (bad) {
			t->failed_seq = s->seq;
			break;
		}
		s->acked = !mqtt;
		t->unacked += mqtt;
		t->ring_n++;
		t->last_seq = s->seq;
	}
	for (int i = 0; i < n; i++)
		free(rows[i].body);
	return bad ? -1 : done;
}

/* Deletes the recipient's reports up to seq in one statement; how many,
 * or -1. */
static int delete_upto(target *t, sqlite3_int64 seq)
{
	sqlite3_bind_int(t->del, 1, t->srec.id);
	sqlite3_bind_int64(t->del, 2, seq);
	int rc = sqlite3_step(t->del);
	sqlite3_reset(t->del);
	if (rc != SQLITE_DONE) {
		fd_log(FD_LOG_ERROR, "push: recipient %d: %s", t->srec.id, sqlite3_errmsg(t->db));
		return -1;
	}
	return sqlite3_changes(t->db);
}

/* The seq of the oldest report in the queue, 0 when it is empty. */
static sqlite3_int64 queue_head(target *t)
{
	sqlite3_int64 seq = 0;
	sqlite3_bind_int(t->next, 1, t->srec.id);
	sqlite3_bind_int64(t->next, 2, 0);
	sqlite3_bind_int(t->next, 3, 1);
	if (sqlite3_step(t->next) == SQLITE_ROW)
		seq = sqlite3_column_int64(t->next, 0);
	sqlite3_reset(t->next);
	return seq;
}

static int acked_prefix(const target *t)
{
	int k = 0;
	while (k < t->ring_n && t->ring[(t->ring_head + k) % RING].acked)
		k++;
	return k;
}

static void count_out(target *t, int64_t n, bool delivered)
{
	fd_push *p = t->p;
	pthread_mutex_lock(&p->lock);
	t->status.queued = t->status.queued > n ? t->status.queued - n : 0;
	if (delivered) {
		t->status.delivered += (uint64_t)n;
		t->status.connected = true;
	}
	pthread_mutex_unlock(&p->lock);
}

/* Deletes the confirmed reports at the head of the window. */
static ff_status flush(target *t, ff_error *err)
{
	int k = acked_prefix(t);
	if (!k)
		return FF_OK;
	if (delete_upto(t, t->ring[(t->ring_head + k - 1) % RING].seq) < 0)
		return db_error(t->db, err);
	t->ring_head = (t->ring_head + k) % RING;
	t->ring_n -= k;
	count_out(t, k, true);
	return FF_OK;
}

/* Without retransmission a failed report is dropped: what was handed out
 * and not confirmed, the one that failed, or the head of the queue when
 * the connection failed. */
static void drop_failed(target *t)
{
	sqlite3_int64 upto = t->failed_seq > t->last_seq ? t->failed_seq : t->last_seq;
	if (!upto)
		upto = queue_head(t);
	int n = upto ? delete_upto(t, upto) : 0;
	if (n > 0)
		count_out(t, n, false);
}

static void failed(target *t, const ff_error *err)
{
	if (!t->srec.retransmission)
		drop_failed(t);
	mqtt_drop(t);
	t->backoff = t->backoff > 0 ? fmin(t->backoff * 2, BACKOFF_MAX) : BACKOFF_MIN;
	t->retry_at = fd_now() + t->backoff;
	fd_log(FD_LOG_DEBUG, "push: recipient %d: %s, retry in %.0f s", t->srec.id, err->msg,
	       t->backoff);
	fd_push *p = t->p;
	pthread_mutex_lock(&p->lock);
	t->status.connected = false;
	t->status.failures++;
	snprintf(t->status.last_error, sizeof t->status.last_error, "%s", err->msg);
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_lock(&t->lock);
	t->work = true;
	pthread_mutex_unlock(&t->lock);
}

/* Delivers the queue until it is empty, a failure, or a stop; an empty
 * queue connects to nothing. MQTT waits for acknowledgements only when the
 * window is full or the queue has nothing more; confirmed reports are
 * deleted WINDOW at a time, when nothing more is to come, or FLUSH_S after
 * the last deletion. */
static void drain(target *t)
{
	bool mqtt = t->srec.proto == FD_PROTO_MQTT;
	ff_error err = {0};
	t->ring_head = t->ring_n = t->unacked = 0;
	t->last_seq = t->failed_seq = 0;
	if (!queue_head(t))
		return;
	double flushed = fd_now();
	ff_status st = mqtt ? mqtt_ready(t, &err) : FF_OK;
	while (!st && !stopping(t)) {
		int room = RING - t->ring_n;
		if (mqtt && room > WINDOW - t->unacked)
			room = WINDOW - t->unacked;
		if (!mqtt && room > 1)
			room = 1;
		int n = room > 0 ? send_more(t, room, &err) : 0;
		if (n < 0) {
			st = FF_ERR_IO;
			break;
		}
		if (mqtt && (st = take_acks(t, t->unacked > 0, &err)))
			break;
		int k = acked_prefix(t);
		bool more = n == room && room > 0;
		if (k &&
		    (k >= WINDOW || (k == t->ring_n && !more) || fd_now() - flushed >= FLUSH_S)) {
			if ((st = flush(t, &err)))
				break;
			flushed = fd_now();
		}
		if (!t->ring_n && !more)
			break;
	}
	if (mqtt && t->mosq)
		take_acks(t, false, &(ff_error){0});
	ff_error ferr = {0};
	if (flush(t, &ferr) && !st) {
		st = FF_ERR_IO;
		err = ferr;
	}
	if (st && !stopping(t))
		failed(t, &err);
	else if (!st)
		t->backoff = 0;
}

/* Sleeps until the queue has reports and no backoff runs; false when told
 * to stop. */
static bool wait_for_work(target *t)
{
	pthread_mutex_lock(&t->lock);
	bool go = false;
	while (!t->stop && !go) {
		if (t->kick) {
			t->kick = false;
			t->retry_at = t->backoff = 0;
		}
		if (t->work && fd_now() >= t->retry_at) {
			t->work = false;
			go = true;
		} else if (t->work) {
			struct timespec until = deadline(t->retry_at - fd_now());
			pthread_cond_timedwait(&t->cond, &t->lock, &until);
		} else {
			pthread_cond_wait(&t->cond, &t->lock);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return go;
}

static void *sender(void *arg)
{
	target *t = arg;
	while (wait_for_work(t))
		drain(t);
	return NULL;
}

static void sender_close(target *t)
{
	mqtt_drop(t);
	http_drop(t);
	sqlite3_finalize(t->next);
	sqlite3_finalize(t->del);
	sqlite3_close(t->db);
	t->next = t->del = NULL;
	t->db = NULL;
}

/* Starts t's sender with the settings of t->rec. Its connection reads
 * little more than each report once: a small page cache will do, and a
 * deletion that only a power cut could undo merely sends a report again
 * (synchronous=NORMAL). */
static void sender_start(target *t)
{
	static const char *const sql[] = {
	    "SELECT seq, body FROM push_queue WHERE recipient = ?1 AND seq > ?2 ORDER BY seq"
	    " LIMIT ?3",
	    "DELETE FROM push_queue WHERE recipient = ?1 AND seq <= ?2"};
	sqlite3_stmt **stmts[] = {&t->next, &t->del};
	t->srec = t->rec;
	t->stop = t->kick = false;
	t->work = true;
	t->retry_at = t->backoff = 0;
	ff_error err = {0};
	ff_status st = open_db(t->p->db_path, &t->db, &err);
	if (!st && sqlite3_exec(t->db, "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -512;",
				NULL, NULL, NULL) != SQLITE_OK)
		st = db_error(t->db, &err);
	if (!st)
		st = prepare(t->db, sql, stmts, sizeof stmts / sizeof stmts[0], &err);
	if (!st && pthread_create(&t->thread, NULL, sender, t))
		st = ff_error_set(&err, FF_ERR_NOMEM, "cannot start a thread");
	if (st) {
		fd_log(FD_LOG_ERROR, "push: recipient %d: nothing is pushed: %s", t->rec.id,
		       err.msg);
		sender_close(t);
		return;
	}
	t->running = true;
}

static void sender_stop(target *t)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	sender_close(t);
	t->running = false;
}

/* Ends t's backoff (new settings or TLS files) and has it look at its
 * queue (reports were added). */
static void sender_wake(target *t, bool kick)
{
	if (!t->running)
		return;
	pthread_mutex_lock(&t->lock);
	t->work = true;
	t->kick = t->kick || kick;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* ---- The queue thread -------------------------------------------------------- */

static bool same_target(const fd_recipient *a, const fd_recipient *b)
{
	return a->proto == b->proto && !strcmp(a->url, b->url) && !strcmp(a->host, b->host) &&
	       a->port == b->port && !strcmp(a->client_id, b->client_id) &&
	       !strcmp(a->username, b->username) && !strcmp(a->password, b->password) &&
	       a->tls == b->tls;
}

static bool same_delivery(const fd_recipient *a, const fd_recipient *b)
{
	return same_target(a, b) && !strcmp(a->topic, b->topic) && a->qos == b->qos &&
	       a->retransmission == b->retransmission;
}

/* A recipient that disappeared loses its queue and its TLS files; one
 * whose delivery settings changed gets a new sender; a changed period
 * starts anew. */
static void apply_config(fd_push *p, const fd_config *cfg, double now)
{
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
		target *t = &p->t[i];
		const fd_recipient *r = NULL;
		for (int k = 0; k < cfg->nrecipients; k++)
			if (cfg->recipients[k].id == i + 1)
				r = &cfg->recipients[k];
		bool was = t->active, on = r && r->enabled;
		if (t->running && (!on || !same_delivery(&t->srec, r)))
			sender_stop(t);
		if (!r) {
			char owner[32];
			snprintf(owner, sizeof owner, "recipient-%d", i + 1);
			fd_tls_forget(owner);
			sqlite3_bind_int(p->purge, 1, i + 1);
			sqlite3_step(p->purge);
			sqlite3_reset(p->purge);
		}
		bool restart =
		    r && (!was || r->periodic_reports != t->rec.periodic_reports ||
			  r->period_min != t->rec.period_min || r->scheme != t->rec.scheme);
		pthread_mutex_lock(&p->lock);
		t->active = on;
		if (r)
			t->rec = *r;
		if (!r)
			memset(&t->status, 0, sizeof t->status);
		pthread_mutex_unlock(&p->lock);
		if (on && !t->running)
			sender_start(t);
		else
			sender_wake(t, true);
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
			struct timespec until = deadline(IDLE_S);
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
		bool kick = p->tls_gen != fd_tls_generation();
		p->tls_gen = fd_tls_generation();
		if (dropped != reported_drops) {
			fd_log(FD_LOG_WARN, "push: %llu events dropped, the queue thread lags",
			       (unsigned long long)(dropped - reported_drops));
			reported_drops = dropped;
		}
		sqlite3_exec(p->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		queue_triggers(p, p->batch, n, now);
		queue_periodic(p, now);
		update_counts(p);
		sqlite3_exec(p->db, "COMMIT", NULL, NULL, NULL);
		for (int i = 0; i < FD_MAX_RECIPIENTS; i++) {
			target *t = &p->t[i];
			if (t->queued_new || kick)
				sender_wake(t, kick);
			t->queued_new = false;
		}
		if (stop)
			break;
	}
	for (int i = 0; i < FD_MAX_RECIPIENTS; i++)
		sender_stop(&p->t[i]);
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

/* A test message waits for its acknowledgement (QoS 1/2) or for being
 * written (QoS 0). */
static ff_status mqtt_test(target *t, const char *body, ff_error *err)
{
	ff_status st = mqtt_ready(t, err);
	if (!st)
		st = mqtt_publish(t, body, &t->ring[0].mid, err);
	t->ring_n = t->unacked = 1;
	while (!st && t->unacked)
		st = take_acks(t, true, err);
	return st;
}

ff_status fd_push_test(const fd_recipient *r, ff_error *err)
{
	static const char body[] = "{\"test\":true,\"device\":\"footfalld\"}";
	target *t = calloc(1, sizeof *t);
	if (!t)
		return ff_error_set(err, FF_ERR_NOMEM, "push: out of memory");
	target_init(t, NULL);
	t->srec = *r;
	/* A client id of its own, or the broker would disconnect the
	 * recipient's running client to let this one in. */
	if (r->client_id[0])
		snprintf(t->srec.client_id, sizeof t->srec.client_id, "%.*s-test",
			 (int)sizeof t->srec.client_id - 6, r->client_id);
	ff_status st =
	    r->proto == FD_PROTO_MQTT ? mqtt_test(t, body, err) : http_send(t, body, err);
	mqtt_drop(t);
	http_drop(t);
	target_destroy(t);
	free(t);
	return st;
}
