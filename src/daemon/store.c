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

#include <jansson.h>
#include <sqlite3.h>

#include "daemon.h"

enum { Q_LINE_UPDATE, Q_INSERT, Q_TRIM, Q_CUM_SAVE, Q_META_SAVE, Q_COUNT };

static const char *const queries[Q_COUNT] = {
    "UPDATE records SET a = a + ?4, b = b + ?5, c = c + ?6, d = d + ?7 "
    "WHERE kind = ?1 AND obj = ?2 AND t = ?3",
    "INSERT INTO records(kind, obj, t, a, b, c, d) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "DELETE FROM records WHERE id <= (SELECT max(id) FROM records) - ?1",
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
	for (int i = 0; !st && i < Q_COUNT; i++)
		if (sqlite3_prepare_v2(s->db, queries[i], -1, &s->q[i], NULL) != SQLITE_OK)
			st = db_error(s->db, "prepare", err);
	if (st) {
		fd_store_close(s);
		return st;
	}
	s->records = scalar(s->db, "SELECT count(*) FROM records");
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

static ff_status insert(fd_store *s, const int64_t v[7], ff_error *err)
{
	ff_status st = run(s, s->q[Q_INSERT], v, 7, err);
	if (!st)
		s->records++;
	return st;
}

ff_status fd_store_add_line(fd_store *s, int64_t minute, int line_id, const ff_line_counts *c,
			    ff_error *err)
{
	int64_t v[7] = {FD_KIND_LINE, line_id,	      minute,	      c->in,
			c->out,	      c->children_in, c->children_out};
	ff_status st = run(s, s->q[Q_LINE_UPDATE], v, 7, err);
	if (st || sqlite3_changes(s->db) > 0)
		return st;
	return insert(s, v, err);
}

ff_status fd_store_add_region(fd_store *s, int64_t minute, int region_id, int total, int children,
			      int max_total, int max_children, ff_error *err)
{
	int64_t v[7] = {FD_KIND_REGION, region_id, minute,	total,
			children,	max_total, max_children};
	return insert(s, v, err);
}

ff_status fd_store_add_dwell(fd_store *s, int region_id, double start, double end,
			     int64_t duration_ms, bool child, int people_id, ff_error *err)
{
	int64_t v[7] = {FD_KIND_DWELL,	       region_id, (int64_t)floor(end), duration_ms, child,
			(int64_t)floor(start), people_id};
	return insert(s, v, err);
}

ff_status fd_store_trim(fd_store *s, ff_error *err)
{
	if (s->records <= s->max_records)
		return FF_OK;
	int64_t keep = s->max_records;
	ff_status st = run(s, s->q[Q_TRIM], &keep, 1, err);
	if (!st)
		s->records -= sqlite3_changes(s->db);
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
	sqlite3_stmt *q = s->q[Q_META_SAVE];
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, "cumulative_since", -1, SQLITE_STATIC);
	sqlite3_bind_double(q, 2, c->since);
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? FF_OK : db_error(s->db, "write", err);
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
static const char *const bucket_formats[] = {"%Y-%m-%dT%H", "%Y-%m-%d", "%Y-%m"};
static const char *const bucket_suffix[] = {":00:00", "T00:00:00", "-01T00:00:00"};

static const char *const columns[][8] = {
    {"in", "out", "children_in", "children_out", "male_in", "male_out", "female_in", "female_out"},
    {"samples", "avg_total", "max_total", "avg_children", "max_children", NULL},
    {"records", "avg_dwell_time", "max_dwell_time", "children_records", NULL},
};

static const char *const selects[] = {
    "sum(a), sum(b), sum(c), sum(d), 0, 0, 0, 0",
    "count(*), round(avg(a), 2), max(c), round(avg(b), 2), max(d)",
    "count(*), CAST(round(avg(a)) AS INTEGER), max(a), sum(b)",
};

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

static void offset_label(int off, char buf[8])
{
	int a = off < 0 ? -off : off;
	snprintf(buf, 8, "%c%02d:%02d", off < 0 ? '-' : '+', a / 60 % 100, a % 60);
}

ff_status fd_store_report(const char *path, const fd_report_query *q, char **out, size_t *len,
			  ff_error *err)
{
	char sql[512], tz[8], label[48];
	snprintf(sql, sizeof sql,
		 "SELECT strftime('%s', t + ?1, 'unixepoch') AS bucket, %s FROM records "
		 "WHERE kind = ?2 AND t >= ?3 AND t < ?4 %s GROUP BY bucket ORDER BY bucket",
		 bucket_formats[q->unit], selects[q->kind], q->id ? "AND obj = ?5" : "");
	offset_label(q->offset_min, tz);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		ff_status s = db_error(db, "report", err);
		sqlite3_close(db);
		return s;
	}
	sqlite3_busy_timeout(db, 2000);
	sqlite3_bind_int64(st, 1, (int64_t)q->offset_min * 60);
	sqlite3_bind_int(st, 2, q->kind);
	sqlite3_bind_int64(st, 3, (int64_t)ceil(q->from));
	sqlite3_bind_int64(st, 4, (int64_t)ceil(q->to));
	if (q->id)
		sqlite3_bind_int(st, 5, q->id);
	int ncols = 0;
	while (ncols < 8 && columns[q->kind][ncols])
		ncols++;

	text_buf tb = {0};
	json_t *series = json_array();
	if (q->csv) {
		tb_add(&tb, "time");
		for (int i = 0; i < ncols; i++) {
			tb_add(&tb, ",");
			tb_add(&tb, columns[q->kind][i]);
		}
		tb_add(&tb, "\r\n");
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		snprintf(label, sizeof label, "%s%s%s", (const char *)sqlite3_column_text(st, 0),
			 bucket_suffix[q->unit], tz);
		json_t *row = q->csv ? NULL : json_pack("{s:s}", "time", label);
		if (q->csv)
			tb_add(&tb, label);
		for (int i = 0; i < ncols; i++) {
			bool real = sqlite3_column_type(st, i + 1) == SQLITE_FLOAT;
			double dv = sqlite3_column_double(st, i + 1);
			int64_t iv = sqlite3_column_int64(st, i + 1);
			if (q->csv) {
				char num[40];
				if (real)
					snprintf(num, sizeof num, ",%.2f", dv);
				else
					snprintf(num, sizeof num, ",%" PRId64, iv);
				tb_add(&tb, num);
			} else if (row) {
				json_object_set_new(row, columns[q->kind][i],
						    real ? json_real(dv) : json_integer(iv));
			}
		}
		if (q->csv)
			tb_add(&tb, "\r\n");
		else if (!row || json_array_append_new(series, row))
			tb.failed = true;
	}
	ff_status res = FF_OK;
	if (rc != SQLITE_DONE)
		res = db_error(db, "report", err);
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (!res && !q->csv) {
		char from[FF_TIME_STR_MAX] = "", to[FF_TIME_STR_MAX] = "";
		ff_time_format(q->from, q->offset_min, from, sizeof from, NULL);
		ff_time_format(q->to, q->offset_min, to, sizeof to, NULL);
		json_t *doc =
		    json_pack("{s:s,s:s,s:s,s:s,s:o*}", "event", event_names[q->kind], "unit",
			      unit_names[q->unit], "from", from, "to", to, "series", series);
		series = NULL;
		if (doc && q->id)
			json_object_set_new(doc, q->kind == FD_KIND_LINE ? "line" : "region",
					    json_integer(q->id));
		tb.p = doc && !tb.failed ? json_dumps(doc, JSON_COMPACT) : NULL;
		tb.len = tb.p ? strlen(tb.p) : 0;
		tb.failed = !tb.p;
		json_decref(doc);
	}
	json_decref(series);
	if (!res && tb.failed)
		res = ff_error_set(err, FF_ERR_NOMEM, "report: out of memory");
	if (res) {
		free(tb.p);
		return res;
	}
	*out = tb.p;
	*len = tb.len;
	return FF_OK;
}
