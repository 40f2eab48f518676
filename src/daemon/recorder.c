/*
 * recorder.c - the storage thread: from the live queue into SQLite.
 *
 * It owns the cumulative counts. They are kept by line and region id rather
 * than taken from the engine, because the engine starts at zero on every
 * start of the daemon, while the device's totals must survive restarts and
 * rule edits; the counts are written in the same transaction as the history
 * records they summarise, so both agree after a crash.
 *
 * Each wake-up (events, or one second passing) is one transaction: the
 * line minutes and dwell records of the batch, a region occupancy sample
 * per region when a minute has closed, the cumulative counts when they
 * changed, and the roll-over of the oldest records. The daily reset of the
 * guide (section 5.2) happens here too: counts are cleared when the last
 * scheduled reset time lies after the last reset, which also covers a
 * device that was off at that moment. The schedule is local wall-clock
 * time with DST: a reset time that the spring switch skips happens at the
 * switch, one that the autumn switch repeats happens the first time only.
 * A schedule set or changed (or a new time zone) counts from that moment
 * on, so switching it on at 15:00 for 09:00 does not clear the day's
 * counts at once; the moment is saved with the counts, as a restart must
 * not make up for it either.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

#define BATCH 256

struct fd_recorder {
	fd_store *store;
	fd_live *live;
	fd_push *push; /* may be NULL */
	pthread_t thread;
	bool started;

	pthread_mutex_t lock; /* guards everything below */
	bool stop;
	bool dirty; /* cumulative counts changed since the last save */
	fd_cumulative cum;
	fd_config cfg;

	/* storage thread only */
	int64_t minute;
	int region_max[FF_MAX_REGIONS], region_cmax[FF_MAX_REGIONS];
};

void fd_cumulative_remap(fd_cumulative *c, const ff_rules *rules)
{
	fd_cumulative n;
	memset(&n, 0, sizeof n);
	n.since = c->since;
	n.schedule_set = c->schedule_set;
	n.nlines = rules->nlines;
	for (int i = 0; i < rules->nlines; i++) {
		n.line_id[i] = rules->lines[i].id;
		for (int k = 0; k < c->nlines; k++)
			if (c->line_id[k] == n.line_id[i])
				n.line[i] = c->line[k];
	}
	n.nregions = rules->nregions;
	for (int i = 0; i < rules->nregions; i++) {
		n.region_id[i] = rules->regions[i].id;
		for (int k = 0; k < c->nregions; k++)
			if (c->region_id[k] == n.region_id[i])
				n.dwell[i] = c->dwell[k];
	}
	*c = n;
}

static int find_id(const int *ids, int n, int id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return i;
	return -1;
}

static void dwell_since(ff_dwell_stats *d, const ff_dwell_stats *prev)
{
	d->records -= prev->records;
	d->sum_ms -= prev->sum_ms;
	d->children_records -= prev->children_records;
	d->children_sum_ms -= prev->children_sum_ms;
}

void fd_counts_from_cumulative(const ff_rules *rules, const fd_cumulative *cum,
			       const fd_cumulative *prev, const fd_live_stats *live, ff_counts *out)
{
	memset(out, 0, sizeof *out);
	bool since_prev = prev && prev->since == cum->since;
	for (int i = 0; i < rules->nlines; i++) {
		int k = find_id(cum->line_id, cum->nlines, rules->lines[i].id);
		if (k < 0)
			continue;
		out->line_total[i] = out->line_period[i] = cum->line[k];
		int j = since_prev ? find_id(prev->line_id, prev->nlines, rules->lines[i].id) : -1;
		if (j >= 0) {
			out->line_period[i].in -= prev->line[j].in;
			out->line_period[i].out -= prev->line[j].out;
			out->line_period[i].children_in -= prev->line[j].children_in;
			out->line_period[i].children_out -= prev->line[j].children_out;
		}
	}
	for (int i = 0; i < rules->nregions; i++) {
		ff_region_counts *rc = &out->region[i];
		int k = find_id(cum->region_id, cum->nregions, rules->regions[i].id);
		if (k >= 0) {
			rc->dwell_total = rc->dwell_period = cum->dwell[k];
			int j = since_prev
				    ? find_id(prev->region_id, prev->nregions, rules->regions[i].id)
				    : -1;
			if (j >= 0)
				dwell_since(&rc->dwell_period, &prev->dwell[j]);
		}
		if (live && i < live->nregions) {
			rc->current_total = live->region_total[i];
			rc->current_children = live->region_children[i];
		}
	}
}

ff_status fd_recorder_create(fd_store *store, fd_live *live, const fd_config *cfg,
			     fd_recorder **out, ff_error *err)
{
	fd_recorder *r = calloc(1, sizeof *r);
	if (!r)
		return ff_error_set(err, FF_ERR_NOMEM, "recorder: out of memory");
	r->store = store;
	r->live = live;
	r->cfg = *cfg;
	ff_status st = fd_store_load_cumulative(store, &r->cum, err);
	if (st == FF_ERR_END) {
		r->cum.since = r->cum.schedule_set = fd_now();
		r->dirty = true;
		st = FF_OK;
	}
	if (st) {
		free(r);
		return st;
	}
	fd_cumulative_remap(&r->cum, &cfg->rules);
	pthread_mutex_init(&r->lock, NULL);
	*out = r;
	return FF_OK;
}

void fd_recorder_destroy(fd_recorder *r)
{
	if (!r)
		return;
	fd_recorder_stop(r);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* Under the lock: adds an event to the cumulative counts. */
static void count_event(fd_recorder *r, const fd_queued_event *q)
{
	const ff_event *e = &q->ev;
	fd_cumulative *c = &r->cum;
	if (e->type == FF_EVENT_LINE_CROSS) {
		int i = find_id(c->line_id, c->nlines, q->id);
		if (i < 0)
			return;
		ff_line_counts *l = &c->line[i];
		if (e->direction > 0) {
			l->in++;
			l->children_in += e->child;
		} else {
			l->out++;
			l->children_out += e->child;
		}
		r->dirty = true;
	} else if (e->type == FF_EVENT_DWELL) {
		int i = find_id(c->region_id, c->nregions, q->id);
		if (i < 0)
			return;
		ff_dwell_stats_add(&c->dwell[i], e->duration_ms, e->child);
		r->dirty = true;
	}
}

static ff_status store_event(fd_recorder *r, const fd_queued_event *q, ff_error *err)
{
	const ff_event *e = &q->ev;
	if (e->type == FF_EVENT_LINE_CROSS) {
		ff_line_counts one = {0, 0, 0, 0};
		if (e->direction > 0) {
			one.in = 1;
			one.children_in = e->child;
		} else {
			one.out = 1;
			one.children_out = e->child;
		}
		return fd_store_add_line(r->store, (int64_t)floor(e->time / 60) * 60, q->id, &one,
					 err);
	}
	if (e->type == FF_EVENT_DWELL)
		return fd_store_add_dwell(r->store, q->id, e->dwell_start, e->dwell_end,
					  e->duration_ms, e->child, e->people_id, err);
	for (int i = 0; i < r->cfg.rules.nregions; i++)
		if (r->cfg.rules.regions[i].id == q->id) {
			if (e->current_total > r->region_max[i])
				r->region_max[i] = e->current_total;
			if (e->current_children > r->region_cmax[i])
				r->region_cmax[i] = e->current_children;
		}
	return FF_OK;
}

/* Writes the occupancy samples of the minute that just closed and starts
 * the maxima of the next one at the occupancy now. */
static ff_status close_minute(fd_recorder *r, const fd_config *cfg, ff_error *err)
{
	fd_live_stats s;
	fd_live_stats_get(r->live, &s);
	ff_status st = FF_OK;
	for (int i = 0; i < cfg->rules.nregions && i < s.nregions; i++) {
		int total = s.region_total[i], children = s.region_children[i];
		int max = r->region_max[i] > total ? r->region_max[i] : total;
		int cmax = r->region_cmax[i] > children ? r->region_cmax[i] : children;
		if (r->minute > 0 && !st)
			st = fd_store_add_region(r->store, r->minute, cfg->rules.regions[i].id,
						 total, children, max, cmax, err);
		r->region_max[i] = total;
		r->region_cmax[i] = children;
	}
	return st;
}

static void zero_counts(fd_cumulative *c, double since)
{
	memset(c->line, 0, sizeof c->line);
	memset(c->dwell, 0, sizeof c->dwell);
	c->since = since;
}

/* Local wall-clock seconds of t, with DST. */
static int64_t wall_clock(const fd_config *c, double t)
{
	ff_time_info ti;
	fd_config_time_info(c, t, &ti);
	return (int64_t)floor(t) + (int64_t)ti.utc_offset_min * 60;
}

/* The scheduled reset of local day `day` (days since 1970-01-01): the
 * first instant whose wall clock shows the reset time or later. */
static int64_t reset_of_day(const fd_config *c, int64_t day)
{
	int64_t at = day * 86400 + (int64_t)c->reset_minute * 60;
	int64_t summer = at - (int64_t)(c->utc_offset_min + c->dst.bias_min) * 60;
	int64_t winter = at - (int64_t)c->utc_offset_min * 60;
	if (c->dst.enabled && wall_clock(c, (double)summer) == at)
		return summer;
	if (wall_clock(c, (double)winter) == at)
		return winter;
	/* Skipped by the spring switch: the switch itself, between the two. */
	int64_t lo = summer, hi = winter;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (wall_clock(c, (double)mid) >= at)
			hi = mid;
		else
			lo = mid;
	}
	return hi;
}

bool fd_reset_due(const fd_config *c, double since, double now)
{
	if (!c->reset_daily)
		return false;
	int64_t w = wall_clock(c, now), day = w / 86400 - (w < 0 && w % 86400);
	int64_t due = reset_of_day(c, day);
	if ((double)due > now)
		due = reset_of_day(c, day - 1);
	return (double)due > since;
}

/* Under the lock: the daily reset, when one is due. */
static void scheduled_reset(fd_recorder *r, double now)
{
	double since = r->cum.since > r->cum.schedule_set ? r->cum.since : r->cum.schedule_set;
	if (fd_reset_due(&r->cfg, since, now)) {
		zero_counts(&r->cum, now);
		r->dirty = true;
		fd_log(FD_LOG_INFO, "recorder: cumulative counts reset on schedule");
	}
}

static ff_status step(fd_recorder *r, const fd_queued_event *batch, size_t n, ff_error *err)
{
	double now = fd_now();
	int64_t minute = (int64_t)floor(now / 60) * 60;
	fd_config cfg;
	fd_cumulative cum;
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < n; i++)
		count_event(r, &batch[i]);
	scheduled_reset(r, now);
	bool save = r->dirty;
	r->dirty = false;
	cum = r->cum;
	cfg = r->cfg;
	pthread_mutex_unlock(&r->lock);
	if (n == 0 && !save && minute == r->minute)
		return FF_OK;
	ff_status st = fd_store_begin(r->store, err);
	if (st)
		return st;
	for (size_t i = 0; !st && i < n; i++)
		st = store_event(r, &batch[i], err);
	if (!st && minute != r->minute) {
		st = close_minute(r, &cfg, err);
		r->minute = minute;
	}
	if (!st && save)
		st = fd_store_save_cumulative(r->store, &cum, err);
	if (!st)
		st = fd_store_trim(r->store, err);
	if (!st)
		st = fd_store_commit(r->store, err);
	if (st) {
		/* The events of a failed batch are lost to the history, but the
		 * cumulative counts stay in memory and are saved next time. */
		fd_store_rollback(r->store);
		pthread_mutex_lock(&r->lock);
		r->dirty = true;
		pthread_mutex_unlock(&r->lock);
	}
	return st;
}

static void *run(void *arg)
{
	fd_recorder *r = arg;
	fd_queued_event *batch = malloc(sizeof *batch * BATCH);
	if (!batch) {
		fd_log(FD_LOG_ERROR, "recorder: out of memory, history is not stored");
		return NULL;
	}
	unsigned long failures = 0;
	for (;;) {
		size_t n = fd_live_pop_events(r->live, batch, BATCH, 1.0);
		if (r->push)
			fd_push_offer(r->push, batch, n);
		pthread_mutex_lock(&r->lock);
		bool stop = r->stop;
		pthread_mutex_unlock(&r->lock);
		ff_error err = {0};
		if (step(r, batch, n, &err) && failures++ < 10)
			fd_log(FD_LOG_ERROR, "recorder: %s", err.msg);
		if (stop && n == 0)
			break;
	}
	free(batch);
	return NULL;
}

void fd_recorder_set_push(fd_recorder *r, fd_push *push)
{
	r->push = push;
}

ff_status fd_recorder_start(fd_recorder *r, ff_error *err)
{
	if (pthread_create(&r->thread, NULL, run, r))
		return ff_error_set(err, FF_ERR_NOMEM, "recorder: cannot start the thread");
	r->started = true;
	return FF_OK;
}

void fd_recorder_stop(fd_recorder *r)
{
	if (!r->started)
		return;
	pthread_mutex_lock(&r->lock);
	r->stop = true;
	pthread_mutex_unlock(&r->lock);
	fd_live_wake(r->live);
	pthread_join(r->thread, NULL);
	r->started = false;
}

/* Whether a and b reset at the same instants. */
static bool same_schedule(const fd_config *a, const fd_config *b)
{
	const fd_dst *x = &a->dst, *y = &b->dst;
	return a->reset_daily == b->reset_daily && a->reset_minute == b->reset_minute &&
	       a->utc_offset_min == b->utc_offset_min && x->enabled == y->enabled &&
	       (!x->enabled || (x->start_month == y->start_month && x->start_day == y->start_day &&
				x->start_minute == y->start_minute &&
				x->end_month == y->end_month && x->end_day == y->end_day &&
				x->end_minute == y->end_minute && x->bias_min == y->bias_min));
}

void fd_recorder_set_config(fd_recorder *r, const fd_config *cfg)
{
	pthread_mutex_lock(&r->lock);
	if (!same_schedule(&r->cfg, cfg))
		r->cum.schedule_set = fd_now();
	r->cfg = *cfg;
	fd_cumulative_remap(&r->cum, &cfg->rules);
	r->dirty = true;
	pthread_mutex_unlock(&r->lock);
}

void fd_recorder_cumulative(fd_recorder *r, fd_cumulative *out)
{
	pthread_mutex_lock(&r->lock);
	*out = r->cum;
	pthread_mutex_unlock(&r->lock);
}

void fd_recorder_reset(fd_recorder *r)
{
	pthread_mutex_lock(&r->lock);
	zero_counts(&r->cum, fd_now());
	r->dirty = true;
	pthread_mutex_unlock(&r->lock);
}
