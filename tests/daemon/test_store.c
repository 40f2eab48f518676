/*
 * test_store.c - the report summary of the history store against brute
 * force, and the daily reset schedule against an injected clock.
 *
 * The store is filled with random line minutes (some updated in place),
 * region samples and dwell records while a small cap rolls the oldest
 * records over; the test keeps its own copy of what must remain and sums
 * it record by record for every kind, unit, object and a set of UTC
 * offsets (whole hours, quarter hours and one odd offset that cannot use
 * the summary), over ranges that start and end inside quarter hours. A
 * database written before the summary existed is upgraded on open and
 * gives the same answers.
 *
 * The reset schedule is walked minute by minute over days with DST
 * switches, checking that each local day has exactly one reset, at the
 * configured local time (or at the switch when that time does not exist).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "daemon.h"
#include "store_test_util.h"
#include "test_io_util.h"

/* ---- The test's own copy of the history ----------------------------------- */

typedef struct rec {
	int kind, obj;
	int64_t t, a, b, c, d;
} rec;

typedef struct history {
	rec *r;
	size_t first, n, cap; /* r[first..n) remain */
	size_t max;
} history;

static void hist_push(history *h, rec x)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 1024;
		h->r = realloc(h->r, sizeof *h->r * h->cap);
		assert_non_null(h->r);
	}
	h->r[h->n++] = x;
}

static void hist_trim(history *h)
{
	while (h->n - h->first > h->max)
		h->first++;
}

static uint32_t rnd_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

/* Random history from t0 over `minutes`, written to the store at db
 * (capped at h->max records) and to h. */
static void fill(const char *db, history *h, int64_t t0, int minutes)
{
	fd_store *s = NULL;
	ff_error err = {0};
	assert_int_equal(fd_store_open(db, (int64_t)h->max, &s, &err), FF_OK);
	assert_int_equal(fd_store_records(s), (int64_t)(h->n - h->first));
	assert_int_equal(fd_store_begin(s, &err), FF_OK);
	for (int m = 0; m < minutes; m++) {
		int64_t minute = t0 + (int64_t)m * 60;
		for (int k = rnd(4); k > 0; k--) {
			int line = 1 + (int)rnd(3);
			ff_line_counts c = {rnd(3), rnd(3), rnd(2), rnd(2)};
			assert_int_equal(fd_store_add_line(s, minute, line, &c, &err), FF_OK);
			size_t i = h->first;
			while (i < h->n && !(h->r[i].kind == FD_KIND_LINE && h->r[i].obj == line &&
					     h->r[i].t == minute))
				i++;
			if (i == h->n)
				hist_push(h, (rec){FD_KIND_LINE, line, minute, 0, 0, 0, 0});
			h->r[i].a += c.in;
			h->r[i].b += c.out;
			h->r[i].c += c.children_in;
			h->r[i].d += c.children_out;
		}
		if (rnd(3) == 0) {
			int total = (int)rnd(9), children = (int)rnd(3);
			int max = total + (int)rnd(4), cmax = children + (int)rnd(2);
			assert_int_equal(
			    fd_store_add_region(s, minute, 5, total, children, max, cmax, &err),
			    FF_OK);
			hist_push(h, (rec){FD_KIND_REGION, 5, minute, total, children, max, cmax});
		}
		if (rnd(4) == 0) {
			double end = (double)minute + rnd(60) + 0.5;
			int64_t ms = 1000 + rnd(600000);
			bool child = rnd(3) == 0;
			int region = 5 + (int)rnd(2);
			assert_int_equal(fd_store_add_dwell(s, region, end - (double)ms / 1000.0,
							    end, ms, child, m, &err),
					 FF_OK);
			hist_push(h, (rec){FD_KIND_DWELL, region, (int64_t)floor(end), ms, child,
					   (int64_t)floor(end - (double)ms / 1000.0), m});
		}
		assert_int_equal(fd_store_trim(s, &err), FF_OK);
		hist_trim(h);
		if (m % 500 == 499) {
			assert_int_equal(fd_store_commit(s, &err), FF_OK);
			assert_int_equal(fd_store_begin(s, &err), FF_OK);
		}
	}
	assert_int_equal(fd_store_commit(s, &err), FF_OK);
	assert_int_equal(fd_store_records(s), (int64_t)(h->n - h->first));
	fd_store_close(s);
}

/* ---- Brute force ------------------------------------------------------------ */

typedef struct bucket {
	char label[48];
	int64_t n, a, b, c, d;
} bucket;

static void bucket_label(const fd_report_query *q, int64_t t, char *buf, size_t cap)
{
	time_t local = (time_t)(t + (int64_t)q->offset_min * 60);
	struct tm tm;
	assert_non_null(gmtime_r(&local, &tm));
	int off = q->offset_min < 0 ? -q->offset_min : q->offset_min;
	snprintf(buf, cap, "%04d-%02d-%02dT%02d:00:00%c%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
		 q->unit == FD_UNIT_MONTH ? 1 : tm.tm_mday,
		 q->unit == FD_UNIT_HOUR ? tm.tm_hour : 0, q->offset_min < 0 ? '-' : '+', off / 60,
		 off % 60);
}

static int cmp_bucket(const void *x, const void *y)
{
	return strcmp(((const bucket *)x)->label, ((const bucket *)y)->label);
}

/* Sums h's records record by record into buckets sorted by time. */
static bucket *brute_force(const history *h, const fd_report_query *q, size_t *nb)
{
	bucket *b = calloc(h->n + 1, sizeof *b);
	assert_non_null(b);
	*nb = 0;
	for (size_t i = h->first; i < h->n; i++) {
		const rec *r = &h->r[i];
		if (r->kind != (int)q->kind || (q->id && r->obj != q->id) ||
		    (double)r->t < ceil(q->from) || (double)r->t >= ceil(q->to))
			continue;
		char label[48];
		bucket_label(q, r->t, label, sizeof label);
		size_t k = 0;
		while (k < *nb && strcmp(b[k].label, label))
			k++;
		if (k == *nb)
			snprintf(b[(*nb)++].label, sizeof b[0].label, "%s", label);
		b[k].n++;
		b[k].a += r->a;
		b[k].b += r->b;
		if (r->kind == FD_KIND_LINE) {
			b[k].c += r->c;
			b[k].d += r->d;
		} else if (r->kind == FD_KIND_REGION) {
			b[k].c = r->c > b[k].c ? r->c : b[k].c;
			b[k].d = r->d > b[k].d ? r->d : b[k].d;
		} else {
			b[k].c = r->a > b[k].c ? r->a : b[k].c;
		}
	}
	qsort(b, *nb, sizeof *b, cmp_bucket);
	return b;
}

static int64_t field_int(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);
	if (!json_is_integer(v))
		fail_msg("%s: not an integer", key);
	return json_integer_value(v);
}

static double field_real(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);
	if (!json_is_real(v))
		fail_msg("%s: not a real", key);
	return json_real_value(v);
}

/* The store's report of q equals the brute-force sums of h. */
static void check_report(const char *db, const history *h, const fd_report_query *q)
{
	size_t nb = 0;
	json_t *doc = report_json(db, q);
	bucket *b = brute_force(h, q, &nb);
	json_t *series = json_object_get(doc, "series");
	if (json_array_size(series) != nb)
		fail_msg("kind %d unit %d offset %d id %d: %zu buckets, brute force %zu", q->kind,
			 q->unit, q->offset_min, q->id, json_array_size(series), nb);
	for (size_t i = 0; i < nb; i++) {
		json_t *row = json_array_get(series, i);
		assert_string_equal(json_string_value(json_object_get(row, "time")), b[i].label);
		if (q->kind == FD_KIND_LINE) {
			assert_int_equal(field_int(row, "in"), b[i].a);
			assert_int_equal(field_int(row, "out"), b[i].b);
			assert_int_equal(field_int(row, "children_in"), b[i].c);
			assert_int_equal(field_int(row, "children_out"), b[i].d);
		} else if (q->kind == FD_KIND_REGION) {
			assert_int_equal(field_int(row, "samples"), b[i].n);
			assert_true(fabs(field_real(row, "avg_total") -
					 round((double)b[i].a / b[i].n * 100) / 100) < 1e-9);
			assert_true(fabs(field_real(row, "avg_children") -
					 round((double)b[i].b / b[i].n * 100) / 100) < 1e-9);
			assert_int_equal(field_int(row, "max_total"), b[i].c);
			assert_int_equal(field_int(row, "max_children"), b[i].d);
		} else {
			assert_int_equal(field_int(row, "records"), b[i].n);
			assert_int_equal(field_int(row, "avg_dwell_time"),
					 (int64_t)round((double)b[i].a / b[i].n));
			assert_int_equal(field_int(row, "max_dwell_time"), b[i].c);
			assert_int_equal(field_int(row, "children_records"), b[i].b);
		}
	}
	free(b);
	json_decref(doc);
}

static void check_all(const char *db, const history *h, double from, double to)
{
	static const int offsets[] = {0, 120, -300, 330, 345, -570, 7};
	static const int ids[][3] = {{0, 1, 3}, {0, 5, 0}, {0, 6, 5}};
	for (int kind = 0; kind < 3; kind++)
		for (int unit = 0; unit < 3; unit++)
			for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++)
				for (int k = 0; k < 3; k++) {
					fd_report_query q = {
					    (fd_event_kind)kind, (fd_unit)unit, from, to,
					    ids[kind][k],	 offsets[o],	false};
					check_report(db, h, &q);
				}
}

static void test_summary_matches_records(void **state)
{
	char db[512];
	assert_true(fd_path_join(db, sizeof db, *state, "s.db"));
	ff_error err = {0};
	history h = {NULL, 0, 0, 0, 6000};
	/* 2024-03-30T22:00Z: five days over the end of a month, with a cap
	 * that rolls about half of them over. */
	int64_t t0 = 1711836000;
	fill(db, &h, t0, 5 * 1440);
	assert_true(h.first > 0);
	/* Ranges that start and end inside quarter hours, and everything. */
	check_all(db, &h, (double)t0 + 2 * 86400 + 437.5, (double)t0 + 4 * 86400 + 3000.25);
	check_all(db, &h, (double)t0, (double)t0 + 6 * 86400);
	check_all(db, &h, (double)t0 + 86400 * 3 + 100, (double)t0 + 86400 * 3 + 800);

	/* CSV carries the same numbers. */
	fd_report_query q = {FD_KIND_REGION, FD_UNIT_DAY, (double)t0, t0 + 6 * 86400.0, 5, 0, true};
	char *csv = NULL;
	size_t len = 0;
	assert_int_equal(fd_store_report(db, &q, &csv, &len, &err), FF_OK);
	assert_non_null(strstr(csv, "time,samples,avg_total,max_total,avg_children,max_children\r\n"
				    "2024-04-0"));
	free(csv);
	free(h.r);
}

/* A database of the version before the summary: the records only. */
static void test_old_database_upgraded(void **state)
{
	char db[512];
	assert_true(fd_path_join(db, sizeof db, *state, "old.db"));
	history h = {NULL, 0, 0, 0, 100000};
	int64_t t0 = 1719792000; /* 2024-07-01T00:00Z */
	fill(db, &h, t0, 2 * 1440);
	sqlite3 *raw = NULL;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	assert_int_equal(
	    sqlite3_exec(raw, "DROP TABLE summary; PRAGMA user_version = 0;", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(raw);
	/* Before the upgrade, reports read the records. */
	check_all(db, &h, (double)t0 + 1000, (double)t0 + 86400 * 2 - 1000);
	/* Opening upgrades it, and the records are all there (fill checks). */
	fill(db, &h, t0 + 2 * 86400, 60);
	check_all(db, &h, (double)t0 + 1000, (double)t0 + 86400 * 3);
	free(h.r);
}

/* ---- Daily reset ------------------------------------------------------------ */

/* Local wall-clock time of t as seconds, with DST. */
static int64_t wall(const fd_config *c, double t)
{
	ff_time_info ti;
	fd_config_time_info(c, t, &ti);
	return (int64_t)t + ti.utc_offset_min * 60;
}

/* Walks the clock minute by minute over `days` from t0 and counts the
 * resets of each local day; every local day gets exactly one, at `at`
 * minutes of local time or, when that time does not exist, at the first
 * minute after it. */
static void walk_days(const fd_config *c, double t0, int days, int at)
{
	double since = t0;
	int64_t last_day = -1;
	int resets = 0;
	for (double t = t0; t < t0 + days * 86400.0; t += 60) {
		if (!fd_reset_due(c, since, t))
			continue;
		since = t;
		resets++;
		int64_t w = wall(c, t), day = w / 86400;
		int minute = (int)(w % 86400) / 60;
		if (day == last_day)
			fail_msg("two resets on local day %lld", (long long)day);
		last_day = day;
		/* At the time, or at most the DST bias later. */
		if (minute < at || minute > at + c->dst.bias_min)
			fail_msg("reset at local minute %d, scheduled for %d", minute, at);
		if (minute != at && wall(c, t - 60) / 86400 == day &&
		    (wall(c, t - 60) % 86400) / 60 >= at)
			fail_msg("reset late at local minute %d", minute);
	}
	assert_int_equal(resets, days);
}

static void test_daily_reset(void **state)
{
	(void)state;
	fd_config c;
	fd_config_default(&c, NULL);
	/* Central Europe: +01:00, +1 h from 03-31 02:00 to 10-27 03:00 DST
	 * (02:00 standard). 2024-03-30T00:00Z. */
	c.utc_offset_min = 60;
	c.dst.enabled = true;
	c.dst.start_month = 3, c.dst.start_day = 31, c.dst.start_minute = 120;
	c.dst.end_month = 10, c.dst.end_day = 27, c.dst.end_minute = 120;
	c.dst.bias_min = 60;
	c.reset_daily = true;
	double spring = 1711756800.0, autumn = 1729987200.0;
	/* Ordinary times, the skipped hour and the repeated hour. */
	int times[] = {0, 150, 135, 170, 23 * 60 + 59, 12 * 60};
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		c.reset_minute = times[i];
		walk_days(&c, spring, 3, times[i]);
		walk_days(&c, autumn, 3, times[i]);
	}
	/* Disabled: never due. */
	c.reset_daily = false;
	assert_false(fd_reset_due(&c, spring, spring + 5 * 86400));
	/* A device that was off at the time resets when it comes back, once. */
	c.reset_daily = true;
	c.reset_minute = 0;
	double since = spring + 3600; /* 02:00 local */
	assert_true(fd_reset_due(&c, since, since + 86400 + 3600));
	assert_false(fd_reset_due(&c, since + 86400 + 3600, since + 86400 + 7200));
	/* Southern hemisphere, -03:00 with DST over the new year, and a
	 * quarter-hour zone. */
	c.utc_offset_min = -180;
	c.dst.start_month = 10, c.dst.start_day = 6, c.dst.start_minute = 0;
	c.dst.end_month = 2, c.dst.end_day = 16, c.dst.end_minute = 0;
	c.reset_minute = 30;
	walk_days(&c, 1728172800.0 - 86400, 3, 30);
	c.utc_offset_min = 345;
	c.dst.enabled = false;
	walk_days(&c, spring, 2, 30);
}

/* A schedule set or changed later in the day does not reset for the time
 * that already went by today: only from its next occurrence on. */
static void test_reset_schedule_change(void **state)
{
	(void)state;
	fd_config c;
	fd_config_default(&c, NULL);
	c.reset_daily = true;
	c.reset_minute = 9 * 60;
	double day = 1719792000.0; /* 2024-07-01T00:00Z */
	double since = day - 3 * 86400, set = day + 15 * 3600;
	/* Without the change time, a reset would be due at once. */
	assert_true(fd_reset_due(&c, since, set));
	assert_false(fd_reset_due(&c, set > since ? set : since, set + 60));
	assert_true(fd_reset_due(&c, set, day + 86400 + 9 * 3600));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_summary_matches_records, tio_setup_dir,
					    tio_teardown_dir),
	    cmocka_unit_test_setup_teardown(test_old_database_upgraded, tio_setup_dir,
					    tio_teardown_dir),
	    cmocka_unit_test(test_daily_reset),
	    cmocka_unit_test(test_reset_schedule_change),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
