/*
 * truth.c - the counts of spec section 3 from the true trajectories.
 *
 * This is deliberately an independent implementation: it works on the exact
 * poses, sampled every 10 ms, and never on depth images or on anything from
 * src/core. Per person and rule it runs a small state machine:
 *
 *  - lines: crossings of drawn segments are summed with their sign (s < 0 to
 *    s > 0 is +1, `flip` negates); when the person is FF_SIM_CLEAR_M away
 *    from every segment (measured on the floor plan at the height of the
 *    tracked point) a non-zero sum is one passage at that moment. With
 *    U-turn filtering and an area, only the sum over one visit of the area
 *    counts, and it is reported on leaving the area;
 *  - regions: stays are the intervals with the tracked point inside; the
 *    filters turn them into occupancy changes and dwell records.
 *
 * The same pass records what would make the truth disputable (passing near
 * a line's end, turning back in the grey zone between swaying and walking
 * on, flickering on a boundary, a stay within a second of a filter
 * threshold, a height near a limit); scene generators reject such people.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define TRUTH_DT 0.01
#define END_MARGIN_M 0.25
#define GREY_LO_M 0.12
#define GREY_HI_M 0.6
#define FLICKER_S 0.6
#define FAR_M 0.2   /* a boundary crossing is brisk when the point gets */
#define BRISK_S 0.8 /* FAR_M away on either side within BRISK_S */
#define NEAR_M 0.15
#define COMMIT_S 1.2 /* after a passage, GREY_HI_M past the line within this */
#define THRESHOLD_MARGIN_S 1.0
#define HEIGHT_MARGIN_M 0.06
#define VIEW_MARGIN 0.03 /* of the image: a head this close to the edge is cut */

typedef struct event_list {
	ff_sim_event *ev;
	size_t n, cap;
	bool failed;
} event_list;

static void push(event_list *l, const ff_sim_event *e)
{
	if (!l)
		return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		ff_sim_event *ne = realloc(l->ev, sizeof *ne * cap);
		if (!ne) {
			l->failed = true;
			return;
		}
		l->ev = ne;
		l->cap = cap;
	}
	l->ev[l->n++] = *e;
}

static double side(ff_point a, ff_point b, ff_point p)
{
	return (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x);
}

/* +1 or -1 when p0 -> p1 crosses segment a-b (in the spec's sense), else 0. */
static int crossing(ff_point a, ff_point b, ff_point p0, ff_point p1)
{
	double s0 = side(a, b, p0), s1 = side(a, b, p1);
	if ((s0 < 0) == (s1 < 0))
		return 0;
	double q0 = side(p0, p1, a), q1 = side(p0, p1, b);
	if ((q0 < 0 && q1 < 0) || (q0 > 0 && q1 > 0))
		return 0;
	return s0 < 0 ? 1 : -1;
}

static bool inside_polygon(const ff_point *poly, int n, ff_point p)
{
	bool in = false;
	for (int i = 0, j = n - 1; i < n; j = i++) {
		if ((poly[i].y > p.y) != (poly[j].y > p.y)) {
			double x = poly[j].x + (p.y - poly[j].y) * (poly[i].x - poly[j].x) /
						   (poly[i].y - poly[j].y);
			if (p.x < x)
				in = !in;
		}
	}
	return in;
}

static double seg_dist(double px, double py, double ax, double ay, double bx, double by)
{
	double dx = bx - ax, dy = by - ay, l2 = dx * dx + dy * dy;
	double t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
	t = t < 0 ? 0 : t > 1 ? 1 : t;
	return hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/* A line or polygon on the floor plan at the height of the tracked point. */
typedef struct world_poly {
	int n;
	double x[FF_MAX_POLY_POINTS], y[FF_MAX_POLY_POINTS];
} world_poly;

/* Distance to the segments of w; `closed` adds the closing edge. */
static double plan_dist(const world_poly *w, bool closed, double x, double y)
{
	double d = 1e9;
	for (int i = closed ? 0 : 1, j = closed ? w->n - 1 : 0; i < w->n; j = i++)
		d = fmin(d, seg_dist(x, y, w->x[j], w->y[j], w->x[i], w->y[i]));
	return d;
}

/* Crossings of a region or area boundary must be brisk: the point was
 * FAR_M from it on the old side shortly before and is FAR_M from it on the
 * new side shortly after. Then a few centimetres of measurement error move
 * the moment of the change by a fraction of a second only; someone who
 * stops right on a region's edge makes the truth arbitrary instead. For the
 * same reason a point may come within NEAR_M of a boundary only to cross
 * it: grazing an edge would let any measurement error make a visit. */
typedef struct boundary {
	double last_far;    /* last time at least FAR_M away */
	double pending;	    /* a change not yet followed by FAR_M, or -1 */
	double last_change; /* time of the last change */
	double near_t;	    /* start of a close approach without a change, or -1 */
} boundary;

static void boundary_start(boundary *b, double t)
{
	b->last_far = t;
	b->pending = -1;
	b->last_change = -1e9;
	b->near_t = -1;
}

static void boundary_step(unsigned *amb, boundary *b, double dist, bool change, double t)
{
	if (change) {
		if (t - b->last_far > BRISK_S || b->pending >= 0 ||
		    (b->near_t >= 0 && t - b->near_t > BRISK_S))
			*amb |= SIM_AMB_REGION;
		b->pending = t;
		b->last_change = t;
		b->near_t = -1;
	}
	if (dist >= FAR_M) {
		if (b->pending >= 0 && t - b->pending > BRISK_S)
			*amb |= SIM_AMB_REGION;
		b->pending = -1;
		b->last_far = t;
	}
	if (dist < NEAR_M && t - b->last_change > BRISK_S && b->near_t < 0)
		b->near_t = t;
	else if (!change && b->near_t >= 0 && (dist >= NEAR_M || t - b->near_t > BRISK_S)) {
		*amb |= SIM_AMB_REGION;
		b->near_t = -1;
	}
}

typedef struct line_state {
	int net;	 /* signed crossings not yet committed */
	double commit_t; /* last passage, until the person is well past, or -1 */
	boundary area;
	world_poly area_w;
	bool crossed; /* any crossing seen */
	double exc;   /* farthest distance since the last crossing */
	bool in_area;
	int area_net;
	double last_area_t;
} line_state;

typedef struct region_state {
	bool in;
	double t_in;
	double last_change;
	boundary edge;
	world_poly w;
} region_state;

typedef struct person_ctx {
	const ff_sim_scene *s;
	int id;
	bool child, counted;
	unsigned amb;
	event_list *out;
	double end_time;
} person_ctx;

/* Records an event of a counted person; a dwell record ends at t and
 * starts at `since`. */
static void emit(person_ctx *c, ff_event_type type, double t, int index, int dir, double since)
{
	ff_sim_event e = {0};
	e.type = type;
	e.time = t;
	e.index = index;
	e.people_id = c->id;
	e.child = c->child;
	e.direction = dir;
	if (type == FF_EVENT_DWELL) {
		e.dwell_start = since;
		e.dwell_end = t;
		e.duration_ms = llround((t - since) * 1000);
	}
	if (c->counted)
		push(c->out, &e);
}

static void close_stay(person_ctx *c, int ri, double t_in, double t_out, bool by_end)
{
	const ff_region *rg = c->s->rules.regions + ri;
	double dur = t_out - t_in;
	if (rg->people_counting) {
		if (fabs(dur - rg->pass_by_filter_s) < THRESHOLD_MARGIN_S)
			c->amb |= SIM_AMB_REGION;
		if (dur >= rg->pass_by_filter_s) {
			emit(c, FF_EVENT_REGION_COUNT, t_in + rg->pass_by_filter_s, ri, 1, 0);
			if (!by_end)
				emit(c, FF_EVENT_REGION_COUNT, t_out, ri, -1, 0);
		}
	}
	if (rg->dwell_time) {
		if (fabs(dur - rg->min_dwell_s) < THRESHOLD_MARGIN_S)
			c->amb |= SIM_AMB_REGION;
		if (dur >= rg->min_dwell_s)
			emit(c, FF_EVENT_DWELL, t_out, ri, 0, t_in);
	}
}

static void line_step(person_ctx *c, int li, line_state *ls, const world_poly *wl, ff_point p0,
		      ff_point p1, const sim_pose *pose, double t, bool first)
{
	const ff_line *ln = c->s->rules.lines + li;
	bool use_area = c->s->rules.uturn_filtering && ln->uturn_npoints >= 3;
	double dist = plan_dist(wl, false, pose->x, pose->y);
	int sum = 0;
	if (!first) {
		for (int k = 0; k + 1 < ln->npoints; k++) {
			int cr = crossing(ln->points[k], ln->points[k + 1], p0, p1);
			sum += ln->flip ? -cr : cr;
		}
		/* near a drawn end: the supporting line of an end segment is
		 * crossed close to the end point */
		for (int e = 0; e < 2; e++) {
			int k = e == 0 ? 0 : ln->npoints - 2;
			ff_point a = ln->points[k], b = ln->points[k + 1];
			double s0 = side(a, b, p0), s1 = side(a, b, p1);
			int end = e == 0 ? 0 : wl->n - 1;
			if ((s0 < 0) != (s1 < 0) &&
			    hypot(pose->x - wl->x[end], pose->y - wl->y[end]) < END_MARGIN_M)
				c->amb |= SIM_AMB_LINE_END;
		}
	} else if (dist < FF_SIM_CLEAR_M) {
		c->amb |= SIM_AMB_START;
	}
	/* In feet mode the tracked point can cross a line while the head,
	 * the only thing an overhead counter finds, is still out of view. */
	ff_point head;
	if (sum != 0 && c->s->rules.tracking_mode == FF_TRACK_FEET &&
	    (!sim_project_norm(c->s, pose->x, pose->y, pose->head_top, &head) ||
	     head.x < VIEW_MARGIN || head.x > 1 - VIEW_MARGIN || head.y < VIEW_MARGIN ||
	     head.y > 1 - VIEW_MARGIN))
		c->amb |= SIM_AMB_UNSEEN;
	if (sum != 0) {
		if (ls->crossed && !use_area && ls->exc >= GREY_LO_M && ls->exc < GREY_HI_M)
			c->amb |= SIM_AMB_EXCURSION;
		ls->crossed = true;
		ls->exc = 0;
	}
	ls->exc = fmax(ls->exc, dist);

	if (!use_area) {
		ls->net += sum;
		if (ls->net != 0 && dist >= FF_SIM_CLEAR_M) {
			emit(c, FF_EVENT_LINE_CROSS, t, li, ls->net > 0 ? 1 : -1, 0);
			ls->net = 0;
			ls->commit_t = t;
		}
		/* the spec's grey zone: a passage must go on to half a metre */
		if (ls->commit_t >= 0 && dist >= GREY_HI_M)
			ls->commit_t = -1;
		else if (ls->commit_t >= 0 && t - ls->commit_t > COMMIT_S)
			c->amb |= SIM_AMB_EXCURSION;
		return;
	}
	bool in = inside_polygon(ln->uturn, ln->uturn_npoints, p1);
	if (first)
		boundary_start(&ls->area, t);
	boundary_step(&c->amb, &ls->area, plan_dist(&ls->area_w, true, pose->x, pose->y),
		      !first && in != ls->in_area, t);
	if (in != ls->in_area) {
		if (!first && t - ls->last_area_t < FLICKER_S)
			c->amb |= SIM_AMB_AREA;
		if (dist < FF_SIM_CLEAR_M)
			c->amb |= SIM_AMB_AREA;
		ls->last_area_t = t;
		if (!in && ls->area_net != 0)
			emit(c, FF_EVENT_LINE_CROSS, t, li, ls->area_net > 0 ? 1 : -1, 0);
		ls->in_area = in;
		ls->area_net = 0;
		return;
	}
	if (in)
		ls->area_net += sum;
	else if (sum != 0)
		c->amb |= SIM_AMB_AREA; /* a crossing outside the area */
}

static void region_step(person_ctx *c, int ri, region_state *rs, ff_point p, const sim_pose *pose,
			double t, bool first)
{
	const ff_region *rg = c->s->rules.regions + ri;
	bool in = inside_polygon(rg->points, rg->npoints, p);
	if (first)
		boundary_start(&rs->edge, t);
	boundary_step(&c->amb, &rs->edge, plan_dist(&rs->w, true, pose->x, pose->y),
		      !first && in != rs->in, t);
	if (in == rs->in)
		return;
	if (!first && t - rs->last_change < FLICKER_S)
		c->amb |= SIM_AMB_REGION;
	rs->last_change = t;
	if (in)
		rs->t_in = t;
	else
		close_stay(c, ri, rs->t_in, t, false);
	rs->in = in;
}

static void to_plane(const ff_sim_scene *s, const ff_point *pts, int n, double h, world_poly *w)
{
	w->n = n;
	for (int i = 0; i < n; i++)
		sim_image_to_plane(s, pts[i].x, pts[i].y, h, &w->x[i], &w->y[i]);
}

static void classify(const ff_sim_scene *s, const sim_person *p, bool *child, bool *counted,
		     unsigned *amb)
{
	const ff_rules *r = &s->rules;
	double h = p->d.height_m;
	*counted = h >= r->min_target_height_m && h <= r->max_target_height_m;
	*child = r->children_enabled && h < r->children_height_m;
	if (fabs(h - r->min_target_height_m) < HEIGHT_MARGIN_M ||
	    fabs(h - r->max_target_height_m) < HEIGHT_MARGIN_M ||
	    (r->children_enabled && fabs(h - r->children_height_m) < HEIGHT_MARGIN_M))
		*amb |= SIM_AMB_HEIGHT;
}

static unsigned analyse(const ff_sim_scene *s, int id, event_list *out)
{
	const sim_person *p = s->people + id;
	const ff_rules *r = &s->rules;
	person_ctx c = {s, id, false, false, 0, out, 0};
	classify(s, p, &c.child, &c.counted, &c.amb);
	if (s->nframes == 0)
		return c.amb;
	double start = s->times[0], end = s->times[s->nframes - 1];
	c.end_time = end;
	double t0 = fmax(p->t0, start), t1 = fmin(p->t1, end);
	if (t1 < t0)
		return c.amb;

	bool feet = r->tracking_mode == FF_TRACK_FEET;
	world_poly wl[FF_MAX_LINES];
	line_state ls[FF_MAX_LINES];
	region_state rs[FF_MAX_REGIONS];
	memset(ls, 0, sizeof ls);
	memset(rs, 0, sizeof rs);
	double ph = feet ? 0 : p->d.height_m;
	for (int li = 0; li < r->nlines; li++) {
		ls[li].commit_t = -1;
		to_plane(s, r->lines[li].points, r->lines[li].npoints, ph, wl + li);
		to_plane(s, r->lines[li].uturn, r->lines[li].uturn_npoints, ph, &ls[li].area_w);
	}
	for (int ri = 0; ri < r->nregions; ri++)
		to_plane(s, r->regions[ri].points, r->regions[ri].npoints, ph, &rs[ri].w);
	ff_point prev = {0, 0};
	int nsteps = (int)ceil((t1 - t0) / TRUTH_DT);
	for (int k = 0; k <= nsteps; k++) {
		double t = k == nsteps ? t1 : t0 + k * TRUTH_DT;
		sim_pose pose;
		ff_point pt;
		if (!sim_person_pose(p, t, &pose) ||
		    !sim_project_norm(s, pose.x, pose.y, feet ? 0 : pose.head_top, &pt))
			continue;
		for (int li = 0; li < r->nlines; li++)
			line_step(&c, li, ls + li, wl + li, prev, pt, &pose, t, k == 0);
		if (r->region_monitoring)
			for (int ri = 0; ri < r->nregions; ri++)
				region_step(&c, ri, rs + ri, pt, &pose, t, k == 0);
		prev = pt;
	}
	for (int li = 0; li < r->nlines; li++)
		if (ls[li].net != 0 || (ls[li].in_area && ls[li].area_net != 0) ||
		    ls[li].commit_t >= 0)
			c.amb |= SIM_AMB_END;
	if (r->region_monitoring)
		for (int ri = 0; ri < r->nregions; ri++)
			if (rs[ri].in) {
				/* a person who vanishes mid-scene inside a region
				 * makes the end of the stay arbitrary */
				if (t1 < end - 1e-9)
					c.amb |= SIM_AMB_REGION;
				close_stay(&c, ri, rs[ri].t_in, t1, true);
			}
	return c.amb;
}

unsigned sim_truth_person_check(const ff_sim_scene *s, int i)
{
	return analyse(s, i, NULL);
}

static int cmp_event(const void *a, const void *b)
{
	const ff_sim_event *x = a, *y = b;
	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->people_id != y->people_id)
		return x->people_id - y->people_id;
	return (int)x->type - (int)y->type;
}

static void kind_of(const sim_person *p, bool child, char *kind, size_t cap)
{
	const char *k = child ? "child" : "adult";
	if (p->d.flags & FF_SIM_CART)
		k = "cart";
	else if (p->d.flags & FF_SIM_STROLLER)
		k = "stroller";
	else if (p->d.height_m < 1.35)
		k = "child";
	snprintf(kind, cap, "%s", k);
}

ff_status ff_sim_scene_truth(ff_sim_scene *s, const ff_sim_truth **out, ff_error *err)
{
	if (s->truth_valid) {
		*out = &s->truth;
		return FF_OK;
	}
	event_list l = {0};
	ff_sim_truth_person *people = calloc((size_t)s->npeople + 1, sizeof *people);
	if (!people)
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for truth");
	for (int i = 0; i < s->npeople; i++) {
		unsigned amb = 0;
		analyse(s, i, &l);
		people[i].id = i;
		people[i].height_m = s->people[i].d.height_m;
		classify(s, s->people + i, &people[i].child, &people[i].counted, &amb);
		kind_of(s->people + i, people[i].child, people[i].kind, sizeof people[i].kind);
	}
	if (l.failed) {
		free(l.ev);
		free(people);
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for truth");
	}
	if (l.n)
		qsort(l.ev, l.n, sizeof *l.ev, cmp_event);

	ff_sim_truth *t = &s->truth;
	memset(t, 0, sizeof *t);
	t->start_time = s->nframes ? s->times[0] : 0;
	t->end_time = s->nframes ? s->times[s->nframes - 1] : 0;
	t->nlines = s->rules.nlines;
	t->nregions = s->rules.nregions;
	int total[FF_MAX_REGIONS] = {0}, children[FF_MAX_REGIONS] = {0};
	for (size_t i = 0; i < l.n; i++) {
		ff_sim_event *e = l.ev + i;
		if (e->type == FF_EVENT_LINE_CROSS) {
			ff_line_counts *lc = t->lines + e->index;
			if (e->direction > 0) {
				lc->in++;
				lc->children_in += e->child;
			} else {
				lc->out++;
				lc->children_out += e->child;
			}
		} else if (e->type == FF_EVENT_REGION_COUNT) {
			total[e->index] += e->direction;
			children[e->index] += e->child ? e->direction : 0;
			e->current_total = total[e->index];
			e->current_children = children[e->index];
		} else {
			ff_dwell_stats_add(t->regions + e->index, e->duration_ms, e->child);
		}
	}
	t->events = l.ev;
	t->nevents = l.n;
	t->people = people;
	t->npeople = (size_t)s->npeople;
	s->truth_valid = true;
	*out = t;
	return FF_OK;
}
