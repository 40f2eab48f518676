/*
 * count.c - the counting rules of spec section 3, applied to tracks.
 *
 * The counter sees, per frame, each track's tracking point in normalised
 * image coordinates and the local scale in metres, and keeps per track and
 * per line or region a small state machine:
 *
 *  - Line without U-turn filtering: a track has a committed side. It commits
 *    to the other side only when it is COMMIT_M past the line, and that
 *    commit is a passage only if the track crossed a drawn segment on the way
 *    (going around a line's end is not a passage). Swaying on the line never
 *    reaches COMMIT_M, and a passage made while dithering counts once.
 *    A track that leaves the view at the image border past the line, before
 *    it is COMMIT_M past it, has gone through: with the line close to the
 *    border, or in feet mode with the head leaving the image first, that
 *    commit would never be seen.
 *  - Line with a U-turn area and filtering on: the decision is taken when the
 *    track leaves the area (or ends): a passage if it left on the other side
 *    of the line than it entered and crossed a drawn segment meanwhile.
 *  - Region: presence after pass_by_filter_s inside; leaving is confirmed
 *    after EXIT_HOLD_S outside, so a point jittering on the border does not
 *    split one stay into many; a stay of at least min_dwell_s makes a dwell
 *    record when it ends.
 *
 * Events of tracks not yet confirmed wait in the track's state and are
 * released, with their original time, on confirmation; a track that dies
 * unconfirmed was noise and its events die with it. A passage also waits
 * while its track is not credible (see ff_track_credible): a stroller's
 * canopy or a bag can pass the head tests often enough to be followed for
 * seconds. Regions do not wait: their events are timed by when they happen.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

#define COMMIT_M 0.30	/* distance past a line that makes a passage certain */
#define EXIT_HOLD_S 0.4 /* time outside a region that confirms leaving it */
/* Frame times are often exact multiples of a threshold (6 frames at 15 fps
 * are 0.4 s); rounding of epoch seconds must not decide which side wins. */
#define TIME_EPSILON 1e-6

void ff_counter_init(ff_counter *c, const ff_camera *cam, const ff_rules *rules, ff_event *events)
{
	memset(c, 0, sizeof *c);
	c->cam = *cam;
	c->events = events;
	for (int i = 0; i < FF_MAX_TRACKS; i++)
		c->person[i].track_id = -1;
	ff_counter_set_rules(c, rules);
}

static void reset_person(ff_person_state *ps, int id)
{
	memset(ps, 0, sizeof *ps);
	ps->track_id = id;
	for (int j = 0; j < FF_MAX_REGIONS; j++)
		ps->region[j].outside_since = -1;
}

void ff_counter_set_rules(ff_counter *c, const ff_rules *rules)
{
	ff_counts old = c->counts;
	ff_rules prev = c->rules;

	memset(&c->counts, 0, sizeof c->counts);
	for (int i = 0; i < rules->nlines; i++)
		for (int k = 0; k < prev.nlines; k++)
			if (prev.lines[k].id == rules->lines[i].id) {
				c->counts.line_total[i] = old.line_total[k];
				c->counts.line_period[i] = old.line_period[k];
			}
	for (int i = 0; i < rules->nregions; i++)
		for (int k = 0; k < prev.nregions; k++)
			if (prev.regions[k].id == rules->regions[i].id) {
				c->counts.region[i].dwell_total = old.region[k].dwell_total;
				c->counts.region[i].dwell_period = old.region[k].dwell_period;
			}
	c->rules = *rules;
	/* Flipping a line is the same line drawn the other way round. */
	for (int i = 0; i < c->rules.nlines; i++) {
		ff_line *l = &c->rules.lines[i];
		if (!l->flip)
			continue;
		for (int a = 0, b = l->npoints - 1; a < b; a++, b--) {
			ff_point t = l->points[a];
			l->points[a] = l->points[b];
			l->points[b] = t;
		}
		l->flip = false;
	}
	for (int i = 0; i < FF_MAX_TRACKS; i++)
		if (c->person[i].track_id >= 0)
			reset_person(&c->person[i], c->person[i].track_id);
}

void ff_counter_begin_frame(ff_counter *c)
{
	c->nevents = 0;
}

void ff_counter_reset(ff_counter *c)
{
	for (int i = 0; i < FF_MAX_LINES; i++) {
		memset(&c->counts.line_total[i], 0, sizeof c->counts.line_total[i]);
		memset(&c->counts.line_period[i], 0, sizeof c->counts.line_period[i]);
	}
	for (int i = 0; i < FF_MAX_REGIONS; i++) {
		memset(&c->counts.region[i].dwell_total, 0, sizeof(ff_dwell_stats));
		memset(&c->counts.region[i].dwell_period, 0, sizeof(ff_dwell_stats));
	}
}

static ff_event *new_event(ff_counter *c, ff_event_type type, double t, int index, int id,
			   bool child)
{
	if (c->nevents >= FF_MAX_EVENTS)
		return NULL;
	ff_event *e = &c->events[c->nevents++];
	memset(e, 0, sizeof *e);
	e->type = type;
	e->time = t;
	e->index = index;
	e->people_id = id;
	e->child = child;
	return e;
}

static void count_passage(ff_counter *c, int line, int dir, const ff_observation *o, double t)
{
	ff_event *e = new_event(c, FF_EVENT_LINE_CROSS, t, line, o->id, o->child);
	if (e)
		e->direction = dir;
	ff_line_counts *tot = &c->counts.line_total[line], *per = &c->counts.line_period[line];
	if (dir > 0) {
		tot->in++;
		per->in++;
		tot->children_in += o->child;
		per->children_in += o->child;
	} else {
		tot->out++;
		per->out++;
		tot->children_out += o->child;
		per->children_out += o->child;
	}
}

/* A passage is counted now, held until the track is confirmed, or dropped
 * for an object outside the target height range. */
static bool may_count(const ff_observation *o)
{
	return o->confirmed && o->credible;
}

static void passage(ff_counter *c, ff_line_state *st, int line, int dir, const ff_observation *o,
		    double t)
{
	if (!may_count(o)) {
		st->pending = dir;
		st->pending_t = t;
		return;
	}
	if (o->valid)
		count_passage(c, line, dir, o, t);
}

bool ff_segments_cross(ff_point a, ff_point b, ff_point c, ff_point d)
{
	/* A point exactly on the line belongs to the s < 0 side, as everywhere
	 * in the counter; so a path that touches the line and returns has not
	 * crossed it, and one that goes on crosses it exactly once. */
	double sa = (d.x - c.x) * (a.y - c.y) - (d.y - c.y) * (a.x - c.x);
	double sb = (d.x - c.x) * (b.y - c.y) - (d.y - c.y) * (b.x - c.x);
	double sc = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
	double sd = (b.x - a.x) * (d.y - a.y) - (b.y - a.y) * (d.x - a.x);
	return (sa > 0) != (sb > 0) && (sc > 0) != (sd > 0);
}

bool ff_point_in_polygon(const ff_point *poly, int n, ff_point p)
{
	bool in = false;
	for (int i = 0, j = n - 1; i < n; j = i++) {
		const ff_point *a = &poly[i], *b = &poly[j];
		if ((a->y > p.y) != (b->y > p.y) &&
		    p.x < (b->x - a->x) * (p.y - a->y) / (b->y - a->y) + a->x)
			in = !in;
	}
	return in;
}

/* Side of p (-1 or +1) by the spec's sign rule, taken from the nearest
 * segment, and the distance to the polyline in metres. */
static int line_side(const ff_line *l, const ff_observation *o, double *dist_m)
{
	double best = INFINITY;
	int side = 0;
	for (int k = 0; k + 1 < l->npoints; k++) {
		ff_point a = l->points[k], b = l->points[k + 1];
		double ax = a.x * o->scale_x, ay = a.y * o->scale_y;
		double bx = b.x * o->scale_x, by = b.y * o->scale_y;
		double px = o->point.x * o->scale_x, py = o->point.y * o->scale_y;
		double dx = bx - ax, dy = by - ay;
		double len2 = dx * dx + dy * dy;
		double u = len2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / len2 : 0;
		u = u < 0 ? 0 : u > 1 ? 1 : u;
		double ex = px - (ax + u * dx), ey = py - (ay + u * dy);
		double dist = sqrt(ex * ex + ey * ey);
		if (dist < best) {
			double s =
			    (b.x - a.x) * (o->point.y - a.y) - (b.y - a.y) * (o->point.x - a.x);
			best = dist;
			side = s > 0 ? 1 : -1;
		}
	}
	*dist_m = best;
	return side;
}

/* Signed sum of the drawn segments crossed moving from a to b: +1 for each
 * crossing towards the "in" side. */
static int crossings(const ff_line *l, ff_point a, ff_point b)
{
	int sum = 0;
	for (int k = 0; k + 1 < l->npoints; k++) {
		ff_point p = l->points[k], q = l->points[k + 1];
		if (!ff_segments_cross(a, b, p, q))
			continue;
		double s = (q.x - p.x) * (b.y - p.y) - (q.y - p.y) * (b.x - p.x);
		sum += s > 0 ? 1 : -1;
	}
	return sum;
}

static bool uturn_active(const ff_counter *c, const ff_line *l)
{
	return c->rules.uturn_filtering && l->uturn_npoints >= 3;
}

static void leave_area(ff_counter *c, ff_line_state *st, int line, int exit_side,
		       const ff_observation *o, double t)
{
	if (st->area_side && exit_side && exit_side != st->area_side && st->area_cross)
		passage(c, st, line, exit_side, o, t);
	st->in_area = false;
	st->area_cross = 0;
}

static void update_line(ff_counter *c, ff_person_state *ps, int i, const ff_observation *o,
			double t)
{
	const ff_line *l = &c->rules.lines[i];
	ff_line_state *st = &ps->line[i];
	double dist;
	int side = line_side(l, o, &dist);
	int cr = ps->has_prev ? crossings(l, ps->prev, o->point) : 0;

	if (st->pending && may_count(o)) {
		if (o->valid)
			count_passage(c, i, st->pending, o, st->pending_t);
		st->pending = 0;
	}
	st->cross += cr;
	if (uturn_active(c, l)) {
		bool inside = ff_point_in_polygon(l->uturn, l->uturn_npoints, o->point);
		if (inside && !st->in_area) {
			st->in_area = true;
			st->area_side = side ? side : st->side;
			st->area_cross = 0;
		} else if (inside) {
			st->area_cross += cr;
		} else if (st->in_area) {
			st->area_cross += cr;
			leave_area(c, st, i, side, o, t);
		}
		if (side)
			st->side = side;
		return;
	}
	if (side)
		st->seen_side = side;
	if (!st->side) {
		st->side = side;
		st->cross = 0;
	} else if (side && dist >= COMMIT_M) {
		if (side != st->side && st->cross)
			passage(c, st, i, side, o, t);
		st->side = side;
		st->cross = 0;
	}
}

void ff_dwell_stats_add(ff_dwell_stats *s, int64_t ms, bool child)
{
	s->records++;
	s->sum_ms += ms;
	if (ms > s->max_ms)
		s->max_ms = ms;
	if (child) {
		s->children_records++;
		s->children_sum_ms += ms;
		if (ms > s->children_max_ms)
			s->children_max_ms = ms;
	}
}

static void region_count_event(ff_counter *c, int j, const ff_observation *o, double t)
{
	ff_region_counts *rc = &c->counts.region[j];
	ff_event *e = new_event(c, FF_EVENT_REGION_COUNT, t, j, o->id, o->child);
	if (e) {
		e->current_total = rc->current_total;
		e->current_children = rc->current_children;
	}
}

static void leave_region(ff_counter *c, ff_region_state *rs, int j, const ff_observation *o,
			 double exit_t, double t, bool stream_end)
{
	const ff_region *g = &c->rules.regions[j];
	ff_region_counts *rc = &c->counts.region[j];

	/* The end of a recording closes stays but nobody left: occupancy
	 * stays as it was for the final report. */
	if (rs->present && !stream_end) {
		rc->current_total--;
		rc->current_children -= rs->present_child;
		/* Leaving is confirmed a moment later; it happened at exit_t. */
		region_count_event(c, j, o, exit_t);
	}
	if (g->dwell_time && o->confirmed && o->valid &&
	    exit_t - rs->enter_t >= g->min_dwell_s - TIME_EPSILON) {
		int64_t ms = (int64_t)llround((exit_t - rs->enter_t) * 1000.0);
		ff_event *e = new_event(c, FF_EVENT_DWELL, t, j, o->id, o->child);
		if (e) {
			e->dwell_start = rs->enter_t;
			e->dwell_end = exit_t;
			e->duration_ms = ms;
		}
		ff_dwell_stats_add(&rc->dwell_total, ms, o->child);
		ff_dwell_stats_add(&rc->dwell_period, ms, o->child);
	}
	rs->inside = false;
	rs->present = false;
	rs->outside_since = -1;
}

static void update_region(ff_counter *c, ff_person_state *ps, int j, const ff_observation *o,
			  double t)
{
	const ff_region *g = &c->rules.regions[j];
	ff_region_state *rs = &ps->region[j];
	ff_region_counts *rc = &c->counts.region[j];
	bool inside = ff_point_in_polygon(g->points, g->npoints, o->point);

	if (inside) {
		if (!rs->inside) {
			rs->inside = true;
			rs->enter_t = t;
			rs->present = false;
		}
		rs->outside_since = -1;
		rs->last_inside_t = t;
		if (g->people_counting && !rs->present && o->confirmed && o->valid &&
		    t - rs->enter_t >= g->pass_by_filter_s - TIME_EPSILON) {
			rs->present = true;
			rs->present_child = o->child;
			rc->current_total++;
			rc->current_children += o->child;
			region_count_event(c, j, o, t);
		}
	} else if (rs->inside) {
		if (rs->outside_since < 0)
			rs->outside_since = t;
		if (t - rs->outside_since >= EXIT_HOLD_S - TIME_EPSILON)
			leave_region(c, rs, j, o, rs->outside_since, t, false);
	}
}

void ff_counter_observe(ff_counter *c, int slot, const ff_observation *o, double t)
{
	ff_person_state *ps = &c->person[slot];
	if (ps->track_id != o->id)
		reset_person(ps, o->id);
	for (int i = 0; i < c->rules.nlines; i++)
		update_line(c, ps, i, o, t);
	if (c->rules.region_monitoring)
		for (int j = 0; j < c->rules.nregions; j++)
			update_region(c, ps, j, o, t);
	ps->prev = o->point;
	ps->has_prev = true;
}

void ff_counter_end(ff_counter *c, int slot, const ff_observation *o, double t, double last_seen,
		    bool stream_end)
{
	ff_person_state *ps = &c->person[slot];
	if (ps->track_id != o->id)
		return;
	/* A person lost from view left when last seen: that moment, not the
	 * frame that gave up on the track, is when the stay or the area visit
	 * ended. */
	double gone = stream_end ? t : last_seen;
	for (int i = 0; i < c->rules.nlines; i++) {
		ff_line_state *st = &ps->line[i];
		if (st->in_area && uturn_active(c, &c->rules.lines[i]))
			leave_area(c, st, i, st->side, o, gone);
		if (!stream_end && o->at_edge && !uturn_active(c, &c->rules.lines[i]) && st->side &&
		    st->seen_side && st->seen_side != st->side && st->cross) {
			passage(c, st, i, st->seen_side, o, last_seen);
			st->cross = 0;
		}
		if (st->pending && may_count(o) && o->valid)
			count_passage(c, i, st->pending, o, st->pending_t);
	}
	if (c->rules.region_monitoring)
		for (int j = 0; j < c->rules.nregions; j++) {
			ff_region_state *rs = &ps->region[j];
			if (rs->inside)
				leave_region(c, rs, j, o,
					     rs->outside_since >= 0 ? rs->outside_since : gone,
					     gone, stream_end);
		}
	ps->track_id = -1;
}
