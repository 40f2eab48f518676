/*
 * daemon.h - internal interfaces between the parts of footfalld.
 *
 * The daemon is a handful of parts with one owner each, talking through the
 * small interfaces below:
 *
 *   live      the pipeline thread: source (simulated scene, depth or stereo
 *             recording) -> engine -> events, paced at the source's frame
 *             rate. It never waits for anything but its clock: events go
 *             into a bounded queue (dropped and counted when full), counts,
 *             occupancy, tracks and the depth frame are published as a
 *             snapshot under a short lock.
 *   liveview  the web pages' live streams (SSE, MJPEG): one thread makes
 *             each event and picture once for all viewers, whose
 *             connections are suspended while there is nothing new.
 *   recorder  the storage thread: drains the queue, keeps the cumulative
 *             counts (by line and region id, so they survive rule edits and
 *             restarts) and writes the SQLite history.
 *   store     SQLite: history records (one table, capped, oldest dropped),
 *             cumulative counts, report queries.
 *   config    the configuration document: parse and validate as a whole,
 *             serialise, write atomically.
 *   recipients  push recipients inside the configuration.
 *   push      a queue thread and one sender thread per recipient: trigger
 *             and periodic reports into durable per-recipient queues in
 *             SQLite, delivered in order over HTTP (libcurl) or MQTT
 *             (libmosquitto); fed by the storage thread, so the pipeline
 *             never waits for the network, and a dead recipient holds up
 *             only its own sender.
 *   users     activation, password policy, argon2id hashes, sessions,
 *             lockout.
 *   http      libmicrohttpd front end with one route table that the OpenAPI
 *             document is checked against.
 *
 * The `fd_` prefix keeps these apart from the library's public `ff_` API,
 * which is the only way the daemon touches the counting library.
 */
#ifndef FOOTFALLD_DAEMON_H
#define FOOTFALLD_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <footfall/footfall.h>
#include <footfall/io.h>

/* ---- Logging (log.c) ----------------------------------------------------- */

typedef enum fd_log_level {
	FD_LOG_ERROR = 0,
	FD_LOG_WARN = 1,
	FD_LOG_INFO = 2,
	FD_LOG_DEBUG = 3
} fd_log_level;

void fd_log_set_level(fd_log_level level);
/* "error", "warn", "info" or "debug"; false for anything else. */
bool fd_log_parse_level(const char *s, fd_log_level *out);
void fd_log(fd_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* ---- Utilities (util.c) -------------------------------------------------- */

/* Unix time now (CLOCK_REALTIME) in seconds. */
double fd_now(void);

/* Writes data to path atomically: path.tmp, fsync, rename, fsync of the
 * directory. A failure leaves the old file untouched. */
ff_status fd_write_atomic(const char *path, const void *data, size_t len, ff_error *err);

/* Reads a whole file (NUL-terminated, malloc'ed). FF_ERR_END when the file
 * does not exist, so that callers can tell "fresh" from "broken". */
ff_status fd_read_file(const char *path, char **out, size_t *len, ff_error *err);

/* "DIR/NAME" in buf; false when it does not fit. */
bool fd_path_join(char *buf, size_t cap, const char *dir, const char *name);

/* Parses ISO 8601 "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+HH:MM|-HH:MM)", or a
 * date-time without an offset, which is taken at default_offset_min. */
ff_status fd_iso_parse(const char *s, int default_offset_min, double *unix_t, ff_error *err);

/* ---- Recipients (recipients.c) ------------------------------------------ */

struct json_t;

#define FD_MAX_RECIPIENTS 8
#define FD_QUEUE_MAX 50000 /* reports waiting per recipient */

typedef enum fd_proto { FD_PROTO_HTTP = 0, FD_PROTO_MQTT = 1 } fd_proto;
typedef enum fd_scheme { FD_SCHEME_ON_THE_DOT = 0, FD_SCHEME_FROM_NOW_ON = 1 } fd_scheme;

/* One push recipient of the guide's section 5.3.2 and its report strategy. */
typedef struct fd_recipient {
	int id; /* 1..FD_MAX_RECIPIENTS, stable across edits */
	bool enabled;
	char name[64];
	fd_proto proto;
	char url[512]; /* HTTP(S) */
	char username[128], password[128];
	char host[256]; /* MQTT(S) */
	int port;
	char client_id[128];
	char topic[256];
	int qos;
	bool tls;
	bool trigger_reports;
	bool periodic_reports;
	fd_scheme scheme;
	int period_min;
	bool retransmission;
	ff_report_content content;
	/* The document left "password" out: keep the stored one (resolved by
	 * fd_config_keep_secrets when the configuration is committed). */
	bool password_keep;
} fd_recipient;

/* Fields of a JSON object for the configuration's parsers (config.c). A
 * missing key leaves *out alone; messages are "SECT.KEY: ...". */
ff_status fd_json_check_keys(struct json_t *obj, const char *path, const char *const *allowed,
			     ff_error *err);
ff_status fd_json_string(struct json_t *obj, const char *sect, const char *key, char *buf,
			 size_t cap, ff_error *err);
ff_status fd_json_bool(struct json_t *obj, const char *sect, const char *key, bool *out,
		       ff_error *err);
ff_status fd_json_int(struct json_t *obj, const char *sect, const char *key, int lo, int hi,
		      int *out, ff_error *err);
/* A password: when the key is missing *keep is set (keep the stored one),
 * unless KEY_set is false, so that a document read from the API (which
 * never shows passwords) can be sent back as it is. */
ff_status fd_json_password(struct json_t *obj, const char *sect, const char *key, char *buf,
			   size_t cap, bool *keep, ff_error *err);
/* One of the NULL-terminated choices, as its index. */
ff_status fd_json_choice(struct json_t *obj, const char *sect, const char *key,
			 const char *const *choices, int *out, ff_error *err);

/* Factory values of a recipient (HTTP, everything selected). */
void fd_recipient_default(fd_recipient *r);
/* Parses one recipient object; messages start with path, e.g.
 * "recipients[2].qos: ...". The id is not read (the caller assigns it). */
ff_status fd_recipient_parse(struct json_t *obj, const char *path, fd_recipient *out,
			     ff_error *err);
/* A new JSON object of the recipient as the API shows it: the password
 * never, "password_set" instead. */
struct json_t *fd_recipient_to_json(const fd_recipient *r);
/* The same with "password" in clear, for the configuration file only. */
struct json_t *fd_recipient_to_json_secret(const fd_recipient *r);

/* ---- Network and the MQTT API settings (config.c) ------------------------ */

/* The device's own listeners. --listen wins over http_port; HTTPS listens
 * on the HTTP listener's address. Changes take effect on restart. */
typedef struct fd_network {
	int http_port;
	bool https_enabled;
	int https_port;
} fd_network;

/* The MQTT downlink API (guide 5.3.2): commands arrive on request_topic,
 * replies leave on reply_topic. */
typedef struct fd_mqtt_api {
	bool enabled;
	char host[256];
	int port;
	char client_id[128];
	char username[128], password[128];
	bool password_keep; /* as in fd_recipient */
	bool tls;
	char request_topic[256], reply_topic[256];
	int qos;
} fd_mqtt_api;

/* ---- Configuration (config.c) -------------------------------------------- */

#define FD_PREVIEW_NONE 0
#define FD_PREVIEW_STATIC 1
#define FD_PREVIEW_VIDEO 2

typedef struct fd_dst {
	bool enabled;
	/* Local standard time of the switches: month, day, minute of day. */
	int start_month, start_day, start_minute;
	int end_month, end_day, end_minute;
	int bias_min;
} fd_dst;

typedef struct fd_config {
	char device_name[FF_INFO_MAX];
	char cus_device_id[FF_INFO_MAX];
	char cus_site_id[FF_INFO_MAX];
	fd_network network;
	fd_mqtt_api mqtt_api;
	int utc_offset_min; /* standard time, without DST */
	fd_dst dst;
	int preview;	   /* FD_PREVIEW_* */
	bool pseudo_color; /* false: monochrome */
	bool high_resolution;
	bool reset_daily;
	int reset_minute; /* minute of the local day */
	int nrecipients;
	fd_recipient recipients[FD_MAX_RECIPIENTS];
	ff_rules rules;
} fd_config;

/* Factory settings with the given rules. */
void fd_config_default(fd_config *c, const ff_rules *rules);

/* Parses and validates a whole configuration document. Every section is
 * optional (missing ones take factory values); unknown keys are errors.
 * Messages name the field, e.g. "time.time_zone: ..." or
 * "rules.lines[0].points: ...". *out is untouched on failure. */
ff_status fd_config_parse(const char *text, size_t len, fd_config *out, ff_error *err);

/* The document as the API shows it: passwords left out ("password_set"
 * instead), so that a GET -> PUT round trip keeps them. */
ff_status fd_config_to_json(const fd_config *c, char **out, ff_error *err);
/* Resolves the passwords that c keeps (password_keep) from old, by
 * recipient id; a recipient old does not have (or any, when old is NULL)
 * gets none. */
void fd_config_keep_secrets(fd_config *c, const fd_config *old);

/* Loads DIR's configuration file; FF_ERR_END when there is none. */
ff_status fd_config_load(const char *path, fd_config *out, ff_error *err);
ff_status fd_config_save(const char *path, const fd_config *c, ff_error *err);

/* Device info for reports at Unix time now of a daemon started then. */
void fd_config_device_info(const fd_config *c, double started, double now, ff_device_info *out);

/* Time info for reports at Unix time t: offset with DST applied. */
void fd_config_time_info(const fd_config *c, double t, ff_time_info *out);

/* ---- Users (users.c) ----------------------------------------------------- */

#define FD_TOKEN_LEN 64 /* hex characters */
#define FD_USERNAME_MAX 32
#define FD_MAX_USERS 9 /* the admin and up to 8 viewers */
#define FD_LOCKOUT_FAILURES 5
#define FD_LOCKOUT_SECONDS 60
#define FD_QUESTIONS 3

typedef enum fd_role { FD_ROLE_NONE = 0, FD_ROLE_VIEWER = 1, FD_ROLE_ADMIN = 2 } fd_role;

typedef enum fd_login { FD_LOGIN_OK = 0, FD_LOGIN_BAD = 1, FD_LOGIN_LOCKED = 2 } fd_login;

typedef struct fd_users fd_users;

/* The guide's policy: 8 to 16 characters, at least two kinds of digits,
 * lowercase, uppercase and other printable characters. */
ff_status fd_password_policy(const char *password, ff_error *err);

/* Opens (or starts) the user file `path`; fresh means not activated. */
ff_status fd_users_open(const char *path, fd_users **out, ff_error *err);
void fd_users_close(fd_users *u);
bool fd_users_activated(fd_users *u);

/* Sets the admin password and the security questions; FF_ERR_STATE once
 * activated, FF_ERR_INVALID for a weak password or an empty question. */
ff_status fd_users_activate(fd_users *u, const char *password,
			    const char *const questions[FD_QUESTIONS],
			    const char *const answers[FD_QUESTIONS], ff_error *err);

/* Checks a password and opens a session. While locked out (after
 * FD_LOCKOUT_FAILURES failures in a row) every attempt is refused and
 * *retry_after tells for how many seconds. */
fd_login fd_users_login(fd_users *u, const char *username, const char *password,
			char token[FD_TOKEN_LEN + 1], int *retry_after);
/* Role of a session token (FD_ROLE_NONE for an unknown or expired one);
 * fills username when not NULL. */
fd_role fd_users_session(fd_users *u, const char *token, char username[FD_USERNAME_MAX + 1]);
void fd_users_logout(fd_users *u, const char *token);

/* Viewers (the admin exists from activation on). */
ff_status fd_users_add(fd_users *u, const char *username, const char *password, ff_error *err);
ff_status fd_users_delete(fd_users *u, const char *username, ff_error *err);
ff_status fd_users_set_password(fd_users *u, const char *username, const char *password,
				ff_error *err);
/* [{"username", "role"}...] */
ff_status fd_users_list_json(fd_users *u, char **out, ff_error *err);
/* The three questions (answers never leave the device). */
ff_status fd_users_questions_json(fd_users *u, char **out, ff_error *err);
/* "Forgot password": all three answers right set a new admin password.
 * Wrong answers count towards the lockout like wrong passwords. */
fd_login fd_users_recover(fd_users *u, const char *const answers[FD_QUESTIONS],
			  const char *password, int *retry_after, ff_error *err);
/* The "password" and "security_questions" [{"question", "answer"} x3] of
 * a request body (activation, new questions); the strings point into body,
 * a missing question or answer is NULL (the users functions name it). */
ff_status fd_parse_password_questions(struct json_t *body, const char **password,
				      const char *questions[FD_QUESTIONS],
				      const char *answers[FD_QUESTIONS], ff_error *err);
/* New security questions, with the admin password as proof (a wrong one
 * counts towards the lockout: FF_ERR_INVALID, then FF_ERR_STATE with
 * *retry_after set while locked out). */
ff_status fd_users_set_questions(fd_users *u, const char *password,
				 const char *const questions[FD_QUESTIONS],
				 const char *const answers[FD_QUESTIONS], int *retry_after,
				 ff_error *err);

/* ---- Store (store.c) ----------------------------------------------------- */

/* Cumulative counts of the current rules, by position in the rules, with
 * the ids they belong to. */
typedef struct fd_cumulative {
	double since; /* last reset, Unix seconds */
	/* When the daily reset schedule (or the time zone) last changed: no
	 * scheduled reset before it is made up. */
	double schedule_set;
	int nlines;
	int line_id[FF_MAX_LINES];
	ff_line_counts line[FF_MAX_LINES];
	int nregions;
	int region_id[FF_MAX_REGIONS];
	ff_dwell_stats dwell[FF_MAX_REGIONS];
} fd_cumulative;

typedef enum fd_event_kind {
	FD_KIND_LINE = 0,
	FD_KIND_REGION = 1,
	FD_KIND_DWELL = 2
} fd_event_kind;
typedef enum fd_unit { FD_UNIT_HOUR = 0, FD_UNIT_DAY = 1, FD_UNIT_MONTH = 2 } fd_unit;

typedef struct fd_store fd_store;

#define FD_MAX_RECORDS 1000000

ff_status fd_store_open(const char *path, int64_t max_records, fd_store **out, ff_error *err);
void fd_store_close(fd_store *s);

ff_status fd_store_begin(fd_store *s, ff_error *err);
ff_status fd_store_commit(fd_store *s, ff_error *err);
/* Abandons the transaction (a failed batch is written whole or not at all). */
void fd_store_rollback(fd_store *s);

/* Adds to the per-minute line record of `minute` (Unix seconds, a multiple
 * of 60), creating it when needed. */
ff_status fd_store_add_line(fd_store *s, int64_t minute, int line_id, const ff_line_counts *c,
			    ff_error *err);
/* A region occupancy sample for a minute: occupancy at its end and the
 * maxima during it. */
ff_status fd_store_add_region(fd_store *s, int64_t minute, int region_id, int total, int children,
			      int max_total, int max_children, ff_error *err);
ff_status fd_store_add_dwell(fd_store *s, int region_id, double start, double end,
			     int64_t duration_ms, bool child, int people_id, ff_error *err);
/* Drops the oldest records beyond the cap. */
ff_status fd_store_trim(fd_store *s, ff_error *err);
int64_t fd_store_records(fd_store *s);

ff_status fd_store_save_cumulative(fd_store *s, const fd_cumulative *c, ff_error *err);
/* FF_ERR_END when nothing was saved yet. */
ff_status fd_store_load_cumulative(fd_store *s, fd_cumulative *c, ff_error *err);

typedef struct fd_report_query {
	fd_event_kind kind;
	fd_unit unit;
	double from, to; /* Unix seconds, [from, to) */
	int id;		 /* line or region id; 0 = all */
	int offset_min;	 /* buckets are local days/hours/months at this offset */
	bool csv;
} fd_report_query;

/* Runs a report over the database at path on a connection of its own (so
 * it never waits for the storage thread): JSON {"event", "unit", "from",
 * "to", "series": [...]} or CSV with a header line. */
ff_status fd_store_report(const char *path, const fd_report_query *q, char **out, size_t *len,
			  ff_error *err);

/* ---- Live pipeline (live.c) ---------------------------------------------- */

typedef struct fd_live fd_live;

/* An event and the id of its line or region (its index may be stale by the
 * time the recorder sees it, if the rules changed meanwhile). */
typedef struct fd_queued_event {
	ff_event ev;
	int id;
} fd_queued_event;

typedef struct fd_live_stats {
	uint64_t frames;
	uint64_t dropped_events;
	uint64_t source_errors;
	double fps;
	int tracks;
	int region_total[FF_MAX_REGIONS];
	int region_children[FF_MAX_REGIONS];
	int nregions;
} fd_live_stats;

/* source: "sim", "recording:DIR", "stereo:LEFT,RIGHT,CALIB" (two videos, or
 * the left/ and right/ directories of a PNG pair sequence) or
 * "stereo:DIR,CALIB" (DIR holds frames.txt). */
ff_status fd_live_create(const char *source, size_t queue_cap, fd_live **out, ff_error *err);
void fd_live_destroy(fd_live *l);
/* The rules a factory-new device should start with: the simulated scene's
 * own rules, a recording's rules.json, or the defaults. */
void fd_live_suggested_rules(const fd_live *l, ff_rules *out);
ff_status fd_live_start(fd_live *l, const ff_rules *rules, ff_error *err);
void fd_live_stop(fd_live *l);
/* Takes effect before the next frame. */
void fd_live_set_rules(fd_live *l, const ff_rules *rules);
void fd_live_stats_get(fd_live *l, fd_live_stats *out);
/* Waits up to timeout_s for events; returns how many were copied (<= cap). */
size_t fd_live_pop_events(fd_live *l, fd_queued_event *out, size_t cap, double timeout_s);
/* Wakes a waiting fd_live_pop_events (shutdown). */
void fd_live_wake(fd_live *l);

#define FD_VIEW_TRACKS 32 /* tracks published for viewers */
#define FD_TRAIL_MAX 20	  /* trail points per track, oldest first */
#define FD_TRAIL_STEP 0.1 /* seconds between trail points (2 s in all) */

/* A confirmed track as the live view shows it: normalised image
 * coordinates (0..1, as the rules use) of its tracking point. */
typedef struct fd_view_track {
	int id;
	float x, y;
	float height_m;
	bool child;
	int ntrail;
	float trail[FD_TRAIL_MAX][2];
} fd_view_track;

typedef struct fd_view_tracks {
	uint64_t frame; /* fd_live_stats.frames when published */
	double t;	/* Unix time of that frame */
	int ntracks;
	fd_view_track tracks[FD_VIEW_TRACKS];
} fd_view_tracks;

/* The depth camera (size and depth units) of the source. */
const ff_camera *fd_live_camera(const fd_live *l);
void fd_live_tracks_get(fd_live *l, fd_view_tracks *out);
/* Copies the latest depth frame (camera size) into out when it is newer
 * than *frame (0: none seen yet) and updates *frame; *floor_depth is the
 * floor's depth in camera units below the camera. False when there is
 * nothing newer. */
bool fd_live_depth_get(fd_live *l, uint16_t *out, uint64_t *frame, double *floor_depth);

/* ---- Recorder (recorder.c) ----------------------------------------------- */

typedef struct fd_recorder fd_recorder;

ff_status fd_recorder_create(fd_store *store, fd_live *live, const fd_config *cfg,
			     fd_recorder **out, ff_error *err);
void fd_recorder_destroy(fd_recorder *r);
ff_status fd_recorder_start(fd_recorder *r, ff_error *err);
/* Flushes and stops the thread. */
void fd_recorder_stop(fd_recorder *r);
void fd_recorder_set_config(fd_recorder *r, const fd_config *cfg);
void fd_recorder_cumulative(fd_recorder *r, fd_cumulative *out);
void fd_recorder_reset(fd_recorder *r);
/* Whether a daily reset of c's schedule (local time with DST) falls after
 * since and at or before now. */
bool fd_reset_due(const fd_config *c, double since, double now);

typedef struct fd_push fd_push;
/* Hands every event of the live queue to push as well (before start). */
void fd_recorder_set_push(fd_recorder *r, fd_push *push);

/* Counts of the rules from cumulative counts: totals since the last reset,
 * the period since prev (NULL: the same as the totals; a reset since prev
 * starts the period at the reset; the period's longest dwell is the
 * total's), and the occupancy of live (may be NULL). */
void fd_counts_from_cumulative(const ff_rules *rules, const fd_cumulative *cum,
			       const fd_cumulative *prev, const fd_live_stats *live,
			       ff_counts *out);

/* Keeps the cumulative counts of the lines and regions that kept their id
 * and starts the others at zero. */
void fd_cumulative_remap(fd_cumulative *c, const ff_rules *rules);

/* ---- Push (push.c) ------------------------------------------------------ */

typedef struct fd_push_status {
	bool connected; /* the last attempt reached the recipient */
	int64_t queued;
	uint64_t delivered, failures;
	char last_error[FF_ERROR_MAX];
} fd_push_status;

/* Opens the durable queues in the database at db_path (a connection of its
 * own). The thread reads counts from recorder for periodic reports. */
ff_status fd_push_create(const char *db_path, fd_recorder *recorder, fd_live *live,
			 const fd_config *cfg, double started, fd_push **out, ff_error *err);
void fd_push_destroy(fd_push *p);
ff_status fd_push_start(fd_push *p, ff_error *err);
void fd_push_stop(fd_push *p);
void fd_push_set_config(fd_push *p, const fd_config *cfg);
/* Never blocks for long: events are copied into a bounded buffer (dropped
 * and counted when the push thread lags far behind). */
void fd_push_offer(fd_push *p, const fd_queued_event *ev, size_t n);
/* Status of recipient id; false when it has none. */
bool fd_push_status_get(fd_push *p, int id, fd_push_status *out);
/* The end of r's next period after now: whole periods of the local clock
 * for "on the dot" (a 15 min period ends at :00, :15, ...), whole periods
 * from start for "from now on". */
double fd_push_next_period(const fd_config *cfg, const fd_recipient *r, double start, double now);
/* Sends one test message to r now and waits for the outcome. */
ff_status fd_push_test(const fd_recipient *r, ff_error *err);

/* ---- Live view (liveview.c) --------------------------------------------- */

struct fd_daemon;
typedef struct fd_liveview fd_liveview;

/* The hub of the live view streams (d->live must exist); its thread
 * prepares counts, tracks and pictures for all viewers. */
ff_status fd_liveview_create(struct fd_daemon *d, fd_liveview **out, ff_error *err);
/* Ends every stream and resumes the suspended ones: call it before the
 * HTTP servers stop (libmicrohttpd may not stop with suspended
 * connections), and fd_liveview_destroy after them. */
void fd_liveview_close(fd_liveview *v);
void fd_liveview_destroy(fd_liveview *v);

/* ---- HTTP (http.c) ------------------------------------------------------- */

typedef struct fd_daemon {
	char data_dir[4096];
	char config_path[4200];
	char db_path[4200];
	double started;
	const char *source;
	pthread_mutex_t config_lock; /* guards config */
	fd_config config;
	fd_users *users;
	fd_store *store;
	fd_live *live;
	fd_recorder *recorder;
	fd_push *push;
	struct fd_mqttapi *mqttapi;
	struct fd_liveview *liveview;
} fd_daemon;

typedef struct fd_route_info {
	const char *method;
	const char *path; /* OpenAPI template, e.g. "/api/v1/users/{username}" */
	fd_role role;	  /* least role allowed; FD_ROLE_NONE = anyone */
} fd_route_info;

/* Route i of the table (NULL past the end), for the test that checks the
 * table against the OpenAPI file. */
const fd_route_info *fd_http_route(size_t i);

/* The counts of GET /api/v1/counts (http.c): the periodic report since the
 * last reset (JSON text, malloc'ed), also for the live events and the MQTT
 * API. */
ff_status fd_counts_report(fd_daemon *d, char **out, ff_error *err);

typedef struct fd_http fd_http;

/* listen: "ADDRESS:PORT" (IPv4; port 0 picks a free one). */
ff_status fd_http_start(fd_daemon *d, const char *listen, fd_http **out, ff_error *err);
int fd_http_port(const fd_http *h);
void fd_http_stop(fd_http *h);

/* ---- Certificates (tls.c) ------------------------------------------------ */

struct mosquitto;

/* Makes DATA/certs (0700) and remembers it; once, before any thread. */
ff_status fd_tls_init(const char *data_dir, ff_error *err);

/* The HTTPS server's certificate and key (PEM, malloc'ed): the stored pair,
 * or a self-signed one made now (and stored) when there is none or the
 * stored one is unusable. cn is the certificate's common name, ip the
 * address it is for (a subject alternative name, with 127.0.0.1 and
 * localhost). */
ff_status fd_tls_server_pair(const char *cn, const char *ip, char **cert, char **key,
			     ff_error *err);

/* Sets up TLS on an MQTT client: the CA, client certificate and key
 * uploaded for owner ("recipient-3", "mqtt-api"), the system's CAs when no
 * CA was uploaded. */
ff_status fd_tls_mosquitto(struct mosquitto *m, const char *owner, ff_error *err);
/* What the listeners were started with, for GET /api/v1/network/status
 * (https_port 0: no HTTPS). */
void fd_tls_listeners(const fd_network *configured, int http_port, int https_port);
/* Deletes owner's uploaded files (a recipient that was deleted). */
void fd_tls_forget(const char *owner);
/* Grows with every change of uploaded client files, so that MQTT clients
 * know to reconnect with the new ones. */
unsigned fd_tls_generation(void);

/* ---- MQTT downlink API (mqttapi.c) ---------------------------------------- */

typedef struct fd_mqttapi fd_mqttapi;

/* The API client's thread follows d's configuration (mqtt_api section) on
 * its own and answers commands with d's counts and configuration. */
ff_status fd_mqttapi_start(fd_daemon *d, fd_mqttapi **out, ff_error *err);
void fd_mqttapi_stop(fd_mqttapi *a);

/* ---- HTTPS (http.c) ------------------------------------------------------- */

/* fd_http_start with TLS: certificate and key in PEM. */
ff_status fd_https_start(fd_daemon *d, const char *listen, const char *cert, const char *key,
			 fd_http **out, ff_error *err);

/* ---- Web GUI (webui.c) --------------------------------------------------- */

/* One file of the web GUI compiled into the program (web_data.c, written
 * by embed_web.cmake): its URL path and contents. */
typedef struct fd_web_asset {
	const char *path;
	const unsigned char *data;
	size_t len;
} fd_web_asset;

extern const fd_web_asset fd_web_assets[];
extern const size_t fd_web_nassets;

/* ---- Maintenance (maint.c) ---------------------------------------------- */

/* main() waits for this signal beside SIGINT and SIGTERM: the parts stop as
 * for SIGTERM, then fd_maint_restart runs. Restart and factory reset send
 * it once their reply is out; an operator may send it too. */
#define FD_RESTART_SIGNAL SIGUSR1
/* What main.c's run() returns when that signal stopped it. */
#define FD_STOPPED_FOR_RESTART (-1)

/* After every part has stopped and closed its files: wipes the data
 * directory when a factory reset asked for it, then re-executes the
 * program with argv (an --listen port 0 becomes the port the listener
 * had). Returns only on failure, with the exit status to use. */
int fd_maint_restart(const char *data_dir, char **argv);

/* The OpenAPI document compiled into the program (openapi_data.c). */
extern const char fd_openapi_json[];
extern const size_t fd_openapi_json_len;

#endif
