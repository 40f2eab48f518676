/*
 * path.c - trajectories: a smooth curve through timed key points.
 *
 * Positions between keys come from cubic Hermite interpolation. A key's
 * tangent is the finite difference of its neighbours (Catmull-Rom in time),
 * except that a key which repeats its neighbour's position gets a zero
 * tangent: that is how a path stops, and it keeps a standing person from
 * drifting past the stop point. The pose adds what a walker does on top of
 * the path: heading, gait phase from the distance walked, head bob, and a
 * slight sway while standing.
 */
#include <math.h>
#include <stdlib.h>

#include "sim_internal.h"

static bool same_pos(const ff_sim_key *a, const ff_sim_key *b)
{
	return fabs(a->x - b->x) < 1e-9 && fabs(a->y - b->y) < 1e-9;
}

static void compute_tangents(sim_person *p)
{
	for (int i = 0; i < p->nkeys; i++) {
		double *tn = p->tan + 2 * i;
		const ff_sim_key *k = p->keys + i;
		bool stop =
		    (i > 0 && same_pos(k, k - 1)) || (i + 1 < p->nkeys && same_pos(k, k + 1));
		if (stop || p->nkeys < 2) {
			tn[0] = tn[1] = 0;
			continue;
		}
		const ff_sim_key *a = p->keys + (i > 0 ? i - 1 : i);
		const ff_sim_key *b = p->keys + (i + 1 < p->nkeys ? i + 1 : i);
		double dt = b->t - a->t;
		tn[0] = (b->x - a->x) / dt;
		tn[1] = (b->y - a->y) / dt;
	}
}

void sim_path_eval(const sim_person *p, double t, double *x, double *y, double *vx, double *vy)
{
	int n = p->nkeys;
	if (n == 1 || t <= p->keys[0].t || t >= p->keys[n - 1].t) {
		const ff_sim_key *k = t <= p->keys[0].t ? p->keys : p->keys + n - 1;
		*x = k->x;
		*y = k->y;
		*vx = *vy = 0;
		return;
	}
	int lo = 0, hi = n - 1;
	while (hi - lo > 1) {
		int mid = (lo + hi) / 2;
		if (p->keys[mid].t <= t)
			lo = mid;
		else
			hi = mid;
	}
	const ff_sim_key *a = p->keys + lo, *b = p->keys + hi;
	const double *ta = p->tan + 2 * lo, *tb = p->tan + 2 * hi;
	double h = b->t - a->t, s = (t - a->t) / h;
	double s2 = s * s, s3 = s2 * s;
	double h00 = 2 * s3 - 3 * s2 + 1, h10 = s3 - 2 * s2 + s;
	double h01 = -2 * s3 + 3 * s2, h11 = s3 - s2;
	double d00 = 6 * s2 - 6 * s, d10 = 3 * s2 - 4 * s + 1;
	double d01 = -6 * s2 + 6 * s, d11 = 3 * s2 - 2 * s;
	*x = h00 * a->x + h10 * h * ta[0] + h01 * b->x + h11 * h * tb[0];
	*y = h00 * a->y + h10 * h * ta[1] + h01 * b->y + h11 * h * tb[1];
	*vx = (d00 * a->x + d01 * b->x) / h + d10 * ta[0] + d11 * tb[0];
	*vy = (d00 * a->y + d01 * b->y) / h + d10 * ta[1] + d11 * tb[1];
}

ff_status sim_path_prepare(sim_person *p, ff_error *err)
{
	p->tan = malloc(sizeof(double) * 2 * (size_t)p->nkeys);
	if (!p->tan)
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for a path");
	compute_tangents(p);
	p->t0 = p->keys[0].t;
	p->t1 = p->keys[p->nkeys - 1].t;
	p->ndist = (int)((p->t1 - p->t0) / SIM_DIST_DT) + 2;
	p->dist = malloc(sizeof(double) * (size_t)p->ndist);
	if (!p->dist)
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for a path");
	double px, py, vx, vy, acc = 0;
	sim_path_eval(p, p->t0, &px, &py, &vx, &vy);
	for (int i = 0; i < p->ndist; i++) {
		double x, y;
		sim_path_eval(p, p->t0 + i * SIM_DIST_DT, &x, &y, &vx, &vy);
		acc += hypot(x - px, y - py);
		p->dist[i] = acc;
		px = x;
		py = y;
	}
	const ff_sim_key *a = p->keys, *b = p->keys + p->nkeys - 1;
	if (hypot(b->x - a->x, b->y - a->y) > 0.2) {
		p->travel_dir = atan2(b->y - a->y, b->x - a->x);
	} else {
		/* Comes and goes the same way: face the way in. */
		int i = 1;
		while (i < p->nkeys && same_pos(p->keys + i, a))
			i++;
		p->travel_dir =
		    i < p->nkeys ? atan2(p->keys[i].y - a->y, p->keys[i].x - a->x) : p->sway_phase;
	}
	return FF_OK;
}

static double walked(const sim_person *p, double t)
{
	double f = (t - p->t0) / SIM_DIST_DT;
	if (f <= 0)
		return 0;
	int i = (int)f;
	if (i >= p->ndist - 1)
		return p->dist[p->ndist - 1];
	return p->dist[i] + (f - i) * (p->dist[i + 1] - p->dist[i]);
}

bool sim_person_pose(const sim_person *p, double t, sim_pose *out)
{
	if (t < p->t0 || t > p->t1)
		return false;
	double x, y, vx, vy;
	sim_path_eval(p, t, &x, &y, &vx, &vy);
	double speed = hypot(vx, vy);
	/* People face where they are going over the next half second; a step
	 * back or a sway does not turn them round. */
	double xa, ya, xb, yb, dummy0, dummy1;
	sim_path_eval(p, t - 0.5, &xa, &ya, &dummy0, &dummy1);
	sim_path_eval(p, t + 0.5, &xb, &yb, &dummy0, &dummy1);
	double dx = xb - xa, dy = yb - ya;
	if (hypot(dx, dy) > 0.35) {
		double hd = atan2(dy, dx);
		bool backwards = fabs(remainder(hd - p->travel_dir, 2 * M_PI)) > 2.6;
		out->heading = backwards && hypot(dx, dy) < 0.5 ? p->travel_dir : hd;
	} else {
		out->heading = p->travel_dir;
	}
	double still = speed < 0.15 ? 1.0 - speed / 0.15 : 0.0;
	x += still * 0.012 * sin(0.9 * t + p->sway_phase);
	y += still * 0.010 * sin(0.6 * t + 2.0 * p->sway_phase);
	out->x = x;
	out->y = y;
	out->vx = vx;
	out->vy = vy;
	out->phase = M_PI * walked(p, t) / p->step_len;
	double amp = p->bob * fmin(1.0, speed / 1.0);
	out->head_top = p->d.height_m - amp * 0.5 * (1 - cos(2 * out->phase));
	return true;
}

void sim_person_free(sim_person *p)
{
	free(p->keys);
	free(p->tan);
	free(p->dist);
	p->keys = NULL;
	p->tan = p->dist = NULL;
}
