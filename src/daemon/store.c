/*
 * store.c - the device's history in SQLite.
 *
 * One table holds every history record, whatever its kind, so that "at
 * most N records, the oldest dropped first" is one range delete on the
 * integer primary key (new rows always get the largest key, and only the
 * oldest rows are ever deleted, so the keys are contiguous):
 *
 *   kind 0 line minute:    obj = line id,   t = minute start,
 *                          a in, b out, c children in, d children out
 *   kind 1 region sample:  obj = region id, t = minute start,
 *                          a occupancy at the minute's end, b children then,
 *                          c maximum occupancy in the minute, d children max
 *   kind 2 dwell record:   obj = region id, t = end (s), a duration (ms),
 *                          b child, c start (s), d people id
 *
 * A line minute is created by its first crossing and updated in place by
 * the later ones, so a crash loses at most the last uncommitted batch. The
 * cumulative counts live beside the history and are written in the same
 * transactions, so they never disagree with it after a restart.
 *
 * Reports read a summary table instead of the records: one row per kind,
 * object and UTC hour, and per quarter hour (n records, sums of a and b,
 * and c and d summed for lines, the maxima for regions, the longest dwell
 * for dwell records). Every UTC offset in use in the world is a whole
 * number of quarter hours, so quarter hours make up every local hour, day
 * and month; most offsets are whole hours, which hours serve with a
 * quarter of the rows: a year of one line is 8,760 rows instead of
 * 525,600 records. A range is read from the longest buckets that fit it,
 * its ends from shorter ones and finally from the records; an offset of
 * no whole quarter hour (the configuration accepts any minute, and any DST
 * bias) and a database without a summary read the records only. Every
 * source feeds the same aggregation in C, so all give the same answers.
 * The summary is written in the transaction of the records it sums; the
 * roll-over recomputes the buckets it cut into from the records that
 * remain, so maxima stay exact; opening a database with no summary or an
 * older one (user_version) builds it once.
 *
 * WAL mode lets report queries run on their own connections while the
 * storage thread writes; synchronous=NORMAL is durable against a crash of
 * the process (the WAL is in the OS), which is the failure that matters
 * most here, at a fraction of the fsyncs.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "daemon.h"

#define SUMMARY_VERSION 2

/* Summary buckets: quarter hours serve every offset in use, hours the
 * whole-hour ones (most of them) with a quarter of the rows. */
static const int64_t spans[] = {900, 3600};
#define NSPANS 2

/* The start of the bucket of t that is span seconds long, also before
 * 1970. */
#define BUCKET_SQL(t, span) "(" t " - ((" t " % " span ") + " span ") % " span ")"
/* A kind's summary columns c and d from its records. */
#define SUMMARY_CD                                                                                 \
	"CASE kind WHEN 0 THEN sum(c) WHEN 1 THEN max(c) ELSE max(a) END, "                        \
	"CASE kind WHEN 0 THEN sum(d) WHEN 1 THEN max(d) ELSE 0 END"

enum {
	Q_LINE_UPDATE,
	Q_INSERT,
	Q_SUMMARY_ADD,
	Q_TRIM_BUCKETS,
	Q_TRIM,
	Q_BUCKET_CLEAR,
	Q_BUCKET_FILL,
	Q_CUM_SAVE,
	Q_META_SAVE,
	Q_COUNT
};

static const char *const queries[Q_COUNT] = {
    "UPDATE records SET a = a + ?4, b = b + ?5, c = c + ?6, d = d + ?7 "
    "WHERE kind = ?1 AND obj = ?2 AND t = ?3",
    "INSERT INTO records(kind, obj, t, a, b, c, d) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "INSERT INTO summary(kind, span, t, obj, n, a, b, c, d) "
    "VALUES (?1, ?9, " BUCKET_SQL(
	"?2", "?9") ", ?3, ?4, ?5, ?6, ?7, ?8) "
		    "ON CONFLICT(kind, span, t, obj) DO UPDATE SET n = n + excluded.n, a = a + "
		    "excluded.a, "
		    "b = b + excluded.b, c = CASE kind WHEN 0 THEN c + excluded.c ELSE max(c, "
		    "excluded.c) END, "
		    "d = CASE kind WHEN 0 THEN d + excluded.d ELSE max(d, excluded.d) END",
    "SELECT DISTINCT kind, 900, " BUCKET_SQL(
	"t", "900") ", obj FROM records WHERE id <= ?1 "
		    "UNION SELECT DISTINCT kind, 3600, " BUCKET_SQL("t",
								    "3600") ", obj FROM records "
									    "WHERE id <= ?1",
    "DELETE FROM records WHERE id <= ?1",
    "DELETE FROM summary WHERE kind = ?1 AND span = ?2 AND t = ?3 AND obj = ?4",
    "INSERT INTO summary(kind, span, t, obj, n, a, b, c, d) SELECT kind, ?2, ?3, obj, "
    "count(*), sum(a), sum(b), " SUMMARY_CD " FROM records WHERE kind = ?1 AND obj = ?4 "
    "AND t >= ?3 AND t < ?3 + ?2 GROUP BY kind, obj",
    "INSERT OR REPLACE INTO cumulative(kind, pos, id, a, b, c, d, e, f) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    "INSERT OR REPLACE INTO meta(key, value) VALUES (?1, ?2)",
};

static const char schema[] =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "CREATE TABLE IF NOT EXISTS records(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL,"
    " obj INTEGER NOT NULL, t INTEGER NOT NULL, a INTEGER NOT NULL DEFAULT 0,"
    " b INTEGER NOT NULL DEFAULT 0, c INTEGER NOT NULL DEFAULT 0,"
    " d INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS records_kind_obj_t ON records(kind, obj, t);"
    "CREATE INDEX IF NOT EXISTS records_kind_t ON records(kind, t);"
    "CREATE TABLE IF NOT EXISTS cumulative(kind INTEGER NOT NULL, pos INTEGER NOT NULL,"
    " id INTEGER NOT NULL, a INTEGER, b INTEGER, c INTEGER, d INTEGER, e INTEGER,"
    " f INTEGER, PRIMARY KEY(kind, pos));"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);";

/* The summary of a database that has none yet (or an older one). */
#define SUMMARY_FILL(span)                                                                         \
	"INSERT INTO summary(kind, span, t, obj, n, a, b, c, d) SELECT kind, " span                \
	", " BUCKET_SQL("t", span) " AS q, obj, count(*), sum(a), sum(b), " SUMMARY_CD             \
				   " FROM records "                                                \
				   "GROUP BY kind, q, obj;"
static const char summary_build[] =
    "BEGIN IMMEDIATE;"
    "DROP TABLE IF EXISTS summary;"
    "CREATE TABLE summary(kind INTEGER NOT NULL, span INTEGER NOT NULL, t INTEGER NOT NULL,"
    " obj INTEGER NOT NULL, n INTEGER NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL,"
    " c INTEGER NOT NULL, d INTEGER NOT NULL, PRIMARY KEY(kind, span, t, obj)) WITHOUT "
    "ROWID;" SUMMARY_FILL("900") SUMMARY_FILL("3600") "PRAGMA user_version = 2;"
						      "COMMIT;";

struct fd_store {
	sqlite3 *db;
	sqlite3_stmt *q[Q_COUNT];
	int64_t max_records;
	int64_t records;
};

static ff_status db_error(sqlite3 *db, const char *what, ff_error *err)
{
	return ff_error_set(err, FF_ERR_IO, "database: %s: %s", what,
			    db ? sqlite3_errmsg(db) : "out of memory");
}

static ff_status exec(fd_store *s, const char *sql, ff_error *err)
{
	char *msg = NULL;
	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		ff_status st = ff_error_set(err, FF_ERR_IO, "database: %s", msg ? msg : sql);
		sqlite3_free(msg);
		return st;
	}
	return FF_OK;
}

static int64_t scalar(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q;
	int64_t v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return v;
}

ff_status fd_store_open(const char *path, int64_t max_records, fd_store **out, ff_error *err)
{
	fd_store *s = calloc(1, sizeof *s);
	if (!s)
		return ff_error_set(err, FF_ERR_NOMEM, "database: out of memory");
	s->max_records = max_records;
	ff_status st = FF_OK;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK)
		st = db_error(s->db, path, err);
	if (!st) {
		sqlite3_busy_timeout(s->db, 5000);
		st = exec(s, schema, err);
	}
	if (!st)
		s->records = scalar(s->db, "SELECT count(*) FROM records");
	if (!st && scalar(s->db, "PRAGMA user_version") < SUMMARY_VERSION) {
		if (s->records)
			fd_log(FD_LOG_INFO,
			       "%s: building the report summary of %" PRId64 " records", path,
			       s->records);
		st = exec(s, summary_build, err);
		if (st)
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	}
	for (int i = 0; !st && i < Q_COUNT; i++)
		if (sqlite3_prepare_v2(s->db, queries[i], -1, &s->q[i], NULL) != SQLITE_OK)
			st = db_error(s->db, "prepare", err);
	if (st) {
		fd_store_close(s);
		return st;
	}
	*out = s;
	return FF_OK;
}

void fd_store_close(fd_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(s->q[i]);
	sqlite3_close(s->db);
	free(s);
}

ff_status fd_store_begin(fd_store *s, ff_error *err)
{
	return exec(s, "BEGIN", err);
}

ff_status fd_store_commit(fd_store *s, ff_error *err)
{
	return exec(s, "COMMIT", err);
}

void fd_store_rollback(fd_store *s)
{
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->records = scalar(s->db, "SELECT count(*) FROM records");
}

/* Binds up to 9 integers to q and runs it to completion. */
static ff_status run(fd_store *s, sqlite3_stmt *q, const int64_t *v, int n, ff_error *err)
{
	sqlite3_reset(q);
	for (int i = 0; i < n; i++)
		sqlite3_bind_int64(q, i + 1, v[i]);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc != SQLITE_DONE)
		return db_error(s->db, "write", err);
	return FF_OK;
}

/* Adds one record's contribution to its buckets: n new records and the
 * summary columns a..d of the kind. */
static ff_status summary_add(fd_store *s, const int64_t v[7], int64_t n, int64_t c, int64_t d,
			     ff_error *err)
{
	ff_status st = FF_OK;
	for (int i = 0; !st && i < NSPANS; i++) {
		int64_t w[9] = {v[0], v[2], v[1], n, v[3], v[4], c, d, spans[i]};
		st = run(s, s->q[Q_SUMMARY_ADD], w, 9, err);
	}
	return st;
}

static ff_status insert(fd_store *s, const int64_t v[7], int64_t c, int64_t d, ff_error *err)
{
	ff_status st = run(s, s->q[Q_INSERT], v, 7, err);
	if (!st)
		s->records++;
	return st ? st : summary_add(s, v, 1, c, d, err);
}

ff_status fd_store_add_line(fd_store *s, int64_t minute, int line_id, const ff_line_counts *c,
			    ff_error *err)
{
	int64_t v[7] = {FD_KIND_LINE, line_id,	      minute,	      c->in,
			c->out,	      c->children_in, c->children_out};
	ff_status st = run(s, s->q[Q_LINE_UPDATE], v, 7, err);
	if (st)
		return st;
	if (sqlite3_changes(s->db) > 0)
		return summary_add(s, v, 0, v[5], v[6], err);
	return insert(s, v, v[5], v[6], err);
}

ff_status fd_store_add_region(fd_store *s, int64_t minute, int region_id, int total, int children,
			      int max_total, int max_children, ff_error *err)
{
	int64_t v[7] = {FD_KIND_REGION, region_id, minute,	total,
			children,	max_total, max_children};
	return insert(s, v, max_total, max_children, err);
}

ff_status fd_store_add_dwell(fd_store *s, int region_id, double start, double end,
			     int64_t duration_ms, bool child, int people_id, ff_error *err)
{
	int64_t v[7] = {FD_KIND_DWELL,	       region_id, (int64_t)floor(end), duration_ms, child,
			(int64_t)floor(start), people_id};
	return insert(s, v, duration_ms, 0, err);
}

/* The summary buckets that records up to id `last` belong to, as kind,
 * span, start and object (malloc'ed; *n of them). */
static ff_status trimmed_buckets(fd_store *s, int64_t last, int64_t **out, size_t *n, ff_error *err)
{
	sqlite3_stmt *q = s->q[Q_TRIM_BUCKETS];
	size_t cap = 0;
	int64_t *b = NULL;
	*n = 0;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, last);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *p = realloc(b, sizeof *b * 4 * cap);
			if (!p) {
				free(b);
				sqlite3_reset(q);
				return ff_error_set(err, FF_ERR_NOMEM, "database: out of memory");
			}
			b = p;
		}
		for (int i = 0; i < 4; i++)
			b[*n * 4 + (size_t)i] = sqlite3_column_int64(q, i);
		(*n)++;
	}
	sqlite3_reset(q);
	if (rc != SQLITE_DONE) {
		free(b);
		return db_error(s->db, "trim", err);
	}
	*out = b;
	return FF_OK;
}

ff_status fd_store_trim(fd_store *s, ff_error *err)
{
	if (s->records <= s->max_records)
		return FF_OK;
	int64_t last = scalar(s->db, "SELECT max(id) FROM records") - s->max_records;
	int64_t *b = NULL;
	size_t n = 0;
	ff_status st = trimmed_buckets(s, last, &b, &n, err);
	if (st)
		return st;
	st = run(s, s->q[Q_TRIM], &last, 1, err);
	if (!st)
		s->records -= sqlite3_changes(s->db);
	for (size_t i = 0; !st && i < n; i++) {
		st = run(s, s->q[Q_BUCKET_CLEAR], &b[i * 4], 4, err);
		if (!st)
			st = run(s, s->q[Q_BUCKET_FILL], &b[i * 4], 4, err);
	}
	free(b);
	return st;
}

int64_t fd_store_records(fd_store *s)
{
	return s->records;
}

/* ---- Cumulative counts --------------------------------------------------- */

ff_status fd_store_save_cumulative(fd_store *s, const fd_cumulative *c, ff_error *err)
{
	ff_status st = exec(s, "DELETE FROM cumulative", err);
	for (int i = 0; !st && i < c->nlines; i++) {
		const ff_line_counts *l = &c->line[i];
		int64_t v[9] = {FD_KIND_LINE,	 i,	 c->line_id[i],
				l->in,		 l->out, l->children_in,
				l->children_out, 0,	 0};
		st = run(s, s->q[Q_CUM_SAVE], v, 9, err);
	}
	for (int i = 0; !st && i < c->nregions; i++) {
		const ff_dwell_stats *d = &c->dwell[i];
		int64_t v[9] = {
		    FD_KIND_REGION,    i,	  c->region_id[i],     d->records,
		    d->sum_ms,	       d->max_ms, d->children_records, d->children_sum_ms,
		    d->children_max_ms};
		st = run(s, s->q[Q_CUM_SAVE], v, 9, err);
	}
	if (st)
		return st;
	static const char *const keys[] = {"cumulative_since", "schedule_set"};
	const double values[] = {c->since, c->schedule_set};
	sqlite3_stmt *q = s->q[Q_META_SAVE];
	for (int i = 0; i < 2; i++) {
		sqlite3_reset(q);
		sqlite3_bind_text(q, 1, keys[i], -1, SQLITE_STATIC);
		sqlite3_bind_double(q, 2, values[i]);
		int rc = sqlite3_step(q);
		sqlite3_reset(q);
		if (rc != SQLITE_DONE)
			return db_error(s->db, "write", err);
	}
	return FF_OK;
}

ff_status fd_store_load_cumulative(fd_store *s, fd_cumulative *c, ff_error *err)
{
	sqlite3_stmt *q;
	fd_cumulative tmp;
	memset(&tmp, 0, sizeof tmp);
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'cumulative_since'", -1,
			       &q, NULL) != SQLITE_OK)
		return db_error(s->db, "read", err);
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		tmp.since = sqlite3_column_double(q, 0);
	sqlite3_finalize(q);
	if (rc != SQLITE_ROW)
		return ff_error_set(err, FF_ERR_END, "database: no cumulative counts yet");
	/* Databases from before the schedule's change time have none. */
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'schedule_set'", -1, &q,
			       NULL) != SQLITE_OK)
		return db_error(s->db, "read", err);
	if (sqlite3_step(q) == SQLITE_ROW)
		tmp.schedule_set = sqlite3_column_double(q, 0);
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT kind, pos, id, a, b, c, d, e, f FROM cumulative ORDER BY "
			       "kind, pos",
			       -1, &q, NULL) != SQLITE_OK)
		return db_error(s->db, "read", err);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int kind = sqlite3_column_int(q, 0), pos = sqlite3_column_int(q, 1);
		int64_t v[6];
		for (int i = 0; i < 6; i++)
			v[i] = sqlite3_column_int64(q, 3 + i);
		if (kind == FD_KIND_LINE && pos == tmp.nlines && pos < FF_MAX_LINES) {
			tmp.line_id[pos] = sqlite3_column_int(q, 2);
			tmp.line[pos] = (ff_line_counts){v[0], v[1], v[2], v[3]};
			tmp.nlines++;
		} else if (kind == FD_KIND_REGION && pos == tmp.nregions && pos < FF_MAX_REGIONS) {
			tmp.region_id[pos] = sqlite3_column_int(q, 2);
			tmp.dwell[pos] = (ff_dwell_stats){v[0], v[1], v[2], v[3], v[4], v[5]};
			tmp.nregions++;
		}
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return db_error(s->db, "read", err);
	*c = tmp;
	return FF_OK;
}

/* ---- Reports ------------------------------------------------------------- */

static const char *const event_names[] = {"line", "region", "dwell"};
static const char *const unit_names[] = {"hour", "day", "month"};

static const char *const columns[][8] = {
    {"in", "out", "children_in", "children_out", "male_in", "male_out", "female_in", "female_out"},
    {"samples", "avg_total", "max_total", "avg_children", "max_children", NULL},
    {"records", "avg_dwell_time", "max_dwell_time", "children_records", NULL},
};

/* Rows in time order, as summary rows: t, n, a, b, c, d. */
static const char summary_rows[] =
    "SELECT t, n, a, b, c, d FROM summary WHERE kind = ?1 AND span = ?5 AND t >= ?2 "
    "AND t < ?3 AND (?4 = 0 OR obj = ?4) ORDER BY t";
static const char record_rows[] =
    "SELECT t, 1, a, b, CASE kind WHEN 2 THEN a ELSE c END, CASE kind WHEN 2 THEN 0 ELSE d END "
    "FROM records WHERE kind = ?1 AND t >= ?2 AND t < ?3 AND (?4 = 0 OR obj = ?4) ORDER BY t";

typedef struct text_buf {
	char *p;
	size_t len, cap;
	bool failed;
} text_buf;

static void tb_add(text_buf *b, const char *s)
{
	size_t n = strlen(s);
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n + 1);
	b->len += n;
}

/* One bucket of a report being summed up. */
typedef struct report {
	const fd_report_query *q;
	char tz[8];
	bool open;
	int64_t key; /* local hour, day or month number */
	char label[48];
	int64_t n, a, b, c, d;
	int64_t day; /* the day of month_key, to call gmtime once a day */
	int64_t month_key;
	struct tm day_tm;
	size_t rows;
	text_buf tb;
} report;

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return q - (a % b != 0 && (a < 0) != (b < 0));
}

/* The calendar of local day `day` (days since 1970-01-01). */
static void day_calendar(report *r, int64_t day)
{
	if (day == r->day)
		return;
	time_t t = (time_t)(day * 86400);
	if (!gmtime_r(&t, &r->day_tm))
		memset(&r->day_tm, 0, sizeof r->day_tm);
	r->day = day;
	r->month_key = (int64_t)(r->day_tm.tm_year + 1900) * 12 + r->day_tm.tm_mon;
}

static int64_t round_div(int64_t num, int64_t den)
{
	return den ? floor_div(2 * num + den, 2 * den) : 0;
}

/* Writes the open bucket as a CSV line or a JSON object of the series,
 * as text: a year of hours is 8,760 objects, which jansson would build
 * and free one value at a time. */
static void emit(report *r)
{
	if (!r->open)
		return;
	int64_t iv[8] = {0};
	double dv[8] = {0};
	bool real[8] = {false};
	switch (r->q->kind) {
	case FD_KIND_LINE:
		iv[0] = r->a;
		iv[1] = r->b;
		iv[2] = r->c;
		iv[3] = r->d;
		break;
	case FD_KIND_REGION:
		iv[0] = r->n;
		iv[2] = r->c;
		iv[4] = r->d;
		real[1] = real[3] = true;
		dv[1] = (double)round_div(r->a * 100, r->n) / 100.0;
		dv[3] = (double)round_div(r->b * 100, r->n) / 100.0;
		break;
	case FD_KIND_DWELL:
		iv[0] = r->n;
		iv[1] = round_div(r->a, r->n);
		iv[2] = r->c;
		iv[3] = r->b;
		break;
	}
	char buf[96];
	if (r->q->csv) {
		tb_add(&r->tb, r->label);
	} else {
		snprintf(buf, sizeof buf, "%s{\"time\":\"%s\"", r->rows ? "," : "", r->label);
		tb_add(&r->tb, buf);
	}
	for (int i = 0; i < 8 && columns[r->q->kind][i]; i++) {
		char key[40] = "";
		if (!r->q->csv)
			snprintf(key, sizeof key, "\"%s\":", columns[r->q->kind][i]);
		if (real[i])
			snprintf(buf, sizeof buf, ",%s%.2f", key, dv[i]);
		else
			snprintf(buf, sizeof buf, ",%s%" PRId64, key, iv[i]);
		tb_add(&r->tb, buf);
	}
	tb_add(&r->tb, r->q->csv ? "\r\n" : "}");
	r->rows++;
	r->open = false;
}

/* Adds one row (t, n, a, b, c, d) to its bucket, closing the previous
 * bucket when the row starts a new one (rows come in time order). */
static void add_row(report *r, const int64_t v[6])
{
	int64_t local = v[0] + (int64_t)r->q->offset_min * 60;
	int64_t day = floor_div(local, 86400), key;
	if (r->q->unit == FD_UNIT_HOUR) {
		key = floor_div(local, 3600);
	} else {
		day_calendar(r, day);
		key = r->q->unit == FD_UNIT_DAY ? day : r->month_key;
	}
	if (!r->open || key != r->key) {
		emit(r);
		day_calendar(r, day);
		const struct tm *tm = &r->day_tm;
		int hour = r->q->unit == FD_UNIT_HOUR ? (int)(key - day * 24) : 0;
		int mday = r->q->unit == FD_UNIT_MONTH ? 1 : tm->tm_mday;
		snprintf(r->label, sizeof r->label, "%04d-%02d-%02dT%02d:00:00%s",
			 tm->tm_year + 1900, tm->tm_mon + 1, mday, hour, r->tz);
		r->open = true;
		r->key = key;
		r->n = r->a = r->b = r->c = r->d = 0;
	}
	bool sum = r->q->kind == FD_KIND_LINE;
	r->n += v[1];
	r->a += v[2];
	r->b += v[3];
	r->c = sum ? r->c + v[4] : (v[4] > r->c ? v[4] : r->c);
	r->d = sum ? r->d + v[5] : (v[5] > r->d ? v[5] : r->d);
}

/* Feeds the rows over [from, to) to the report: summary rows of buckets
 * of span seconds, or the records when span is 0. */
static ff_status add_rows(sqlite3 *db, report *r, int64_t span, int64_t from, int64_t to,
			  ff_error *err)
{
	if (from >= to)
		return FF_OK;
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, span ? summary_rows : record_rows, -1, &st, NULL) != SQLITE_OK)
		return db_error(db, "report", err);
	sqlite3_bind_int(st, 1, r->q->kind);
	sqlite3_bind_int64(st, 2, from);
	sqlite3_bind_int64(st, 3, to);
	sqlite3_bind_int(st, 4, r->q->id);
	if (span)
		sqlite3_bind_int64(st, 5, span);
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t v[6];
		for (int i = 0; i < 6; i++)
			v[i] = sqlite3_column_int64(st, i);
		add_row(r, v);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? FF_OK : db_error(db, "report", err);
}

/* [from, to) from the longest summary buckets that make up the report's
 * buckets (level: index into spans, -1 the records), the ends that do
 * not fill one from the next shorter level. */
static ff_status collect(sqlite3 *db, report *r, int level, int64_t from, int64_t to, ff_error *err)
{
	for (; level >= 0; level--) {
		int64_t span = spans[level];
		int64_t lo = floor_div(from + span - 1, span) * span,
			hi = floor_div(to, span) * span;
		if ((int64_t)r->q->offset_min * 60 % span || lo >= hi)
			continue;
		ff_status st = collect(db, r, level - 1, from, lo, err);
		if (!st)
			st = add_rows(db, r, span, lo, hi, err);
		if (!st)
			st = collect(db, r, level - 1, hi, to, err);
		return st;
	}
	return add_rows(db, r, 0, from, to, err);
}

static void offset_label(int off, char buf[8])
{
	int a = off < 0 ? -off : off;
	snprintf(buf, 8, "%c%02d:%02d", off < 0 ? '-' : '+', a / 60 % 100, a % 60);
}

/* The start of the CSV text (header line) or of the JSON document, up to
 * the opening of its series. */
static void begin_text(report *r)
{
	const fd_report_query *q = r->q;
	if (q->csv) {
		tb_add(&r->tb, "time");
		for (int i = 0; i < 8 && columns[q->kind][i]; i++) {
			tb_add(&r->tb, ",");
			tb_add(&r->tb, columns[q->kind][i]);
		}
		tb_add(&r->tb, "\r\n");
		return;
	}
	char from[FF_TIME_STR_MAX] = "", to[FF_TIME_STR_MAX] = "", id[32] = "", head[256];
	ff_time_format(q->from, q->offset_min, from, sizeof from, NULL);
	ff_time_format(q->to, q->offset_min, to, sizeof to, NULL);
	if (q->id)
		snprintf(id, sizeof id, "\"%s\":%d,", q->kind == FD_KIND_LINE ? "line" : "region",
			 q->id);
	snprintf(head, sizeof head,
		 "{\"event\":\"%s\",\"unit\":\"%s\",\"from\":\"%s\",\"to\":\"%s\",%s\"series\":[",
		 event_names[q->kind], unit_names[q->unit], from, to, id);
	tb_add(&r->tb, head);
}

ff_status fd_store_report(const char *path, const fd_report_query *q, char **out, size_t *len,
			  ff_error *err)
{
	sqlite3 *db = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		ff_status s = db_error(db, "report", err);
		sqlite3_close(db);
		return s;
	}
	sqlite3_busy_timeout(db, 2000);
	report r;
	memset(&r, 0, sizeof r);
	r.q = q;
	r.day = INT64_MIN;
	offset_label(q->offset_min, r.tz);
	begin_text(&r);
	bool summary = scalar(db, "PRAGMA user_version") >= SUMMARY_VERSION;
	ff_status res = collect(db, &r, summary ? NSPANS - 1 : -1, (int64_t)ceil(q->from),
				(int64_t)ceil(q->to), err);
	sqlite3_close(db);
	emit(&r);
	if (!q->csv)
		tb_add(&r.tb, "]}");
	if (!res && r.tb.failed)
		res = ff_error_set(err, FF_ERR_NOMEM, "report: out of memory");
	if (res) {
		free(r.tb.p);
		return res;
	}
	*out = r.tb.p;
	*len = r.tb.len;
	return FF_OK;
}
