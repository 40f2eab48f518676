/*
 * engine.c - the public counting engine: glue of floor, height map,
 * detection, tracking and counting (see internal.h for the pipeline).
 *
 * Everything the per-frame path touches is allocated in ff_engine_create;
 * ff_engine_process only reads the frame and writes into those buffers.
 *
 * The floor is measured on the first FLOOR_FRAMES frames (and again on
 * request) and the fits are averaged: one frame's fit is already good, the
 * average removes the noise of single frames. Until a first fit exists with
 * automatic height, frames are measured but nothing is detected.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FLOOR_FRAMES 10
#define MAX_HEIGHT_DISAGREEMENT 0.15
#define CELL_AT_HEAD_M 0.025
#define EDGE_SHARE 0.06 /* of the image: a head this close to the border is leaving */

struct ff_engine {
	ff_camera cam;
	ff_rules rules;
	ff_plane plane;
	bool plane_known;
	ff_grid grid;
	ff_detector det;
	ff_tracker tracker;
	ff_counter counter;
	ff_floor_fit fit;
	int fit_frames; /* frames still to measure */
	int fits;	/* successful fits averaged */
	double fit_n[3], fit_d, fit_ratio;
	ff_plane measured;
	bool has_measured;
	double last_t;
	bool started;
	ff_detection dets[FF_MAX_DETECTIONS];
	int ended[FF_MAX_TRACKS];
	ff_event events[FF_MAX_EVENTS];
};

/* The plane in use. With automatic height it is the measured plane. With a
 * configured height the camera is taken at that height, but its tilt comes
 * from the measurement when one exists and agrees with the configured height
 * within MAX_HEIGHT_DISAGREEMENT: an installer types the height, nobody types
 * the few degrees a bracket is off. */
static void apply_rules_to_plane(ff_engine *e)
{
	const ff_rules *r = &e->rules;
	if (r->installation_height_auto) {
		e->plane_known = e->has_measured;
		if (e->has_measured)
			e->plane = e->measured;
	} else {
		double h = r->installation_height_m;
		if (e->has_measured && fabs(e->measured.d - h) <= MAX_HEIGHT_DISAGREEMENT * h)
			ff_plane_set(&e->plane, e->measured.n, h);
		else
			ff_plane_from_height(&e->plane, h);
		e->plane_known = true;
	}
	if (e->plane_known)
		ff_grid_set_plane(&e->grid, &e->plane);
}

/* Grid cells of about CELL_AT_HEAD_M at the height of a head, so that a head
 * spans several cells from 2.2 m to 6 m. */
static int choose_cell(const ff_camera *cam, const ff_rules *r)
{
	double h = r->installation_height_auto ? 3.0 : r->installation_height_m;
	double dist = h - 1.6 > 0.4 ? h - 1.6 : 0.4;
	int cell = (int)lround(CELL_AT_HEAD_M * 0.5 * (cam->fx + cam->fy) / dist);
	return cell < 1 ? 1 : cell > 8 ? 8 : cell;
}

static ff_status init_grid(ff_engine *e, ff_error *err)
{
	ff_status st;
	ff_detector_free(&e->det);
	ff_grid_free(&e->grid);
	if ((st = ff_grid_init(&e->grid, &e->cam, choose_cell(&e->cam, &e->rules), err)) ||
	    (st = ff_detector_init(&e->det, &e->grid, err)))
		return st;
	if (e->plane_known)
		ff_grid_set_plane(&e->grid, &e->plane);
	e->det.min_h = e->rules.min_target_height_m;
	e->det.max_h = e->rules.max_target_height_m;
	return FF_OK;
}

ff_status ff_engine_create(const ff_camera *cam, const ff_rules *rules, ff_engine **out,
			   ff_error *err)
{
	ff_status st;
	if (!out)
		return ff_error_set(err, FF_ERR_INVALID, "engine: no place for the handle");
	*out = NULL;
	if ((st = ff_camera_validate(cam, err)) || (st = ff_rules_validate(rules, err)))
		return st;
	ff_engine *e = calloc(1, sizeof *e);
	if (!e)
		return ff_error_set(err, FF_ERR_NOMEM, "engine: out of memory");
	e->cam = *cam;
	e->rules = *rules;
	if ((st = init_grid(e, err))) {
		ff_engine_destroy(e);
		return st;
	}
	e->fit.step = cam->width / 160 > 1 ? cam->width / 160 : 1;
	e->fit.cap = (cam->width / e->fit.step) * (cam->height / e->fit.step);
	e->fit.pts = malloc((size_t)e->fit.cap * 3 * sizeof(float));
	e->fit.inlier = malloc((size_t)e->fit.cap);
	if (!e->fit.pts || !e->fit.inlier) {
		ff_engine_destroy(e);
		return ff_error_set(err, FF_ERR_NOMEM, "engine: out of memory");
	}
	e->fit.rng = 0x9e3779b97f4a7c15ULL;
	e->fit_frames = FLOOR_FRAMES;
	ff_tracker_init(&e->tracker);
	ff_counter_init(&e->counter, cam, rules, e->events);
	apply_rules_to_plane(e);
	*out = e;
	return FF_OK;
}

void ff_engine_destroy(ff_engine *e)
{
	if (!e)
		return;
	ff_grid_free(&e->grid);
	ff_detector_free(&e->det);
	free(e->fit.pts);
	free(e->fit.inlier);
	free(e);
}

ff_status ff_engine_set_rules(ff_engine *e, const ff_rules *rules, ff_error *err)
{
	ff_status st = ff_rules_validate(rules, err);
	if (st)
		return st;
	bool floor_changed = rules->installation_height_auto != e->rules.installation_height_auto ||
			     rules->installation_height_m != e->rules.installation_height_m;
	int old_cell = choose_cell(&e->cam, &e->rules);
	e->rules = *rules;
	ff_counter_set_rules(&e->counter, rules);
	/* A new height may ask for another grid: set-up work, not per frame. */
	if (choose_cell(&e->cam, rules) != old_cell && (st = init_grid(e, err)))
		return st;
	if (floor_changed)
		apply_rules_to_plane(e);
	e->det.min_h = rules->min_target_height_m;
	e->det.max_h = rules->max_target_height_m;
	return FF_OK;
}

/* 3-D points on a lattice of about 160 columns, each from a single pixel (a
 * cell average would blur the floor's edge with whatever stands on it). */
static void measure_floor(ff_engine *e, const uint16_t *depth)
{
	const ff_camera *c = &e->cam;
	const int step = e->fit.step;
	int n = 0;
	for (int v = step / 2; v < c->height; v += step)
		for (int u = step / 2; u < c->width; u += step) {
			uint16_t raw = depth[(size_t)v * (size_t)c->width + (size_t)u];
			if (!raw || n >= e->fit.cap)
				continue;
			float z = (float)(raw / c->depth_scale);
			float *p = e->fit.pts + 3 * n++;
			p[0] = (float)(z * (u - c->cx) / c->fx);
			p[1] = (float)(z * (v - c->cy) / c->fy);
			p[2] = z;
		}
	ff_plane pl;
	double ratio = ff_floor_fit_run(&e->fit, n, &pl);
	e->fit_frames--;
	if (ratio <= 0)
		return;
	for (int i = 0; i < 3; i++)
		e->fit_n[i] += pl.n[i];
	e->fit_d += pl.d;
	e->fit_ratio += ratio;
	e->fits++;
	/* The sum of unit normals is longer than one: scale d with it, so that
	 * ff_plane_set's normalisation leaves the average distance. */
	double len =
	    sqrt(e->fit_n[0] * e->fit_n[0] + e->fit_n[1] * e->fit_n[1] + e->fit_n[2] * e->fit_n[2]);
	ff_plane_set(&e->measured, e->fit_n, e->fit_d / e->fits * len);
	e->has_measured = true;
	apply_rules_to_plane(e);
}

static void observe(const ff_engine *e, const ff_track *k, ff_observation *o)
{
	const ff_plane *p = &e->plane;
	const ff_camera *c = &e->cam;
	double h = k->height;
	double lift = e->rules.tracking_mode == FF_TRACK_HEAD ? h : 0;
	double P[3];
	for (int i = 0; i < 3; i++)
		P[i] = k->x * p->e1[i] + k->y * p->e2[i] + (p->d - lift) * p->n[i];
	if (P[2] < 0.05)
		P[2] = 0.05;
	double u = c->fx * P[0] / P[2] + c->cx, v = c->fy * P[1] / P[2] + c->cy;
	o->id = k->id;
	o->confirmed = k->confirmed;
	o->credible = ff_track_credible(k);
	o->valid = h >= e->rules.min_target_height_m && h <= e->rules.max_target_height_m;
	o->child = e->rules.children_enabled && h < e->rules.children_height_m;
	double mx = EDGE_SHARE * c->width, my = EDGE_SHARE * c->height;
	o->at_edge = k->det.u < mx || k->det.v < my || k->det.u > c->width - 1 - mx ||
		     k->det.v > c->height - 1 - my;
	o->point.x = (u + 0.5) / c->width;
	o->point.y = (v + 0.5) / c->height;
	o->scale_x = c->width * P[2] / c->fx;
	o->scale_y = c->height * P[2] / c->fy;
}

ff_status ff_engine_process(ff_engine *e, const uint16_t *depth, double t, ff_error *err)
{
	if (!e || !depth)
		return ff_error_set(err, FF_ERR_INVALID, "engine: no engine or no frame");
	if (!isfinite(t) || (e->started && t <= e->last_t))
		return ff_error_set(err, FF_ERR_ORDER,
				    "engine: frame time %.6f does not follow %.6f", t, e->last_t);
	e->started = true;
	e->last_t = t;
	ff_counter_begin_frame(&e->counter);
	if (e->fit_frames > 0)
		measure_floor(e, depth);
	if (!e->plane_known)
		return FF_OK;

	ff_grid_build(&e->grid, &e->cam, &e->plane, depth);
	int ndet = ff_detect(&e->det, &e->grid, &e->cam, &e->plane, e->dets, FF_MAX_DETECTIONS);
	int nended = ff_tracker_update(&e->tracker, e->dets, ndet, t, e->ended, FF_MAX_TRACKS);

	ff_observation o;
	for (int i = 0; i < FF_MAX_TRACKS; i++) {
		const ff_track *k = &e->tracker.tracks[i];
		if (!k->alive || !k->matched)
			continue;
		observe(e, k, &o);
		ff_counter_observe(&e->counter, i, &o, t);
	}
	for (int j = 0; j < nended; j++) {
		const ff_track *k = &e->tracker.tracks[e->ended[j]];
		observe(e, k, &o);
		ff_counter_end(&e->counter, e->ended[j], &o, t, k->last_seen, false);
	}
	return FF_OK;
}

ff_status ff_engine_finish(ff_engine *e, double t, ff_error *err)
{
	if (!e)
		return ff_error_set(err, FF_ERR_INVALID, "engine: no engine");
	ff_counter_begin_frame(&e->counter);
	ff_observation o;
	for (int i = 0; i < FF_MAX_TRACKS; i++) {
		ff_track *k = &e->tracker.tracks[i];
		if (!k->alive)
			continue;
		observe(e, k, &o);
		ff_counter_end(&e->counter, i, &o, t, k->last_seen, true);
		k->alive = false;
	}
	return FF_OK;
}

size_t ff_engine_events(const ff_engine *e, const ff_event **events)
{
	*events = e->counter.events;
	return (size_t)e->counter.nevents;
}

void ff_engine_counts(const ff_engine *e, ff_counts *out)
{
	*out = e->counter.counts;
}

void ff_engine_reset_counts(ff_engine *e)
{
	ff_counter_reset(&e->counter);
}

void ff_engine_end_period(ff_engine *e)
{
	for (int i = 0; i < FF_MAX_LINES; i++)
		memset(&e->counter.counts.line_period[i], 0, sizeof(ff_line_counts));
	for (int i = 0; i < FF_MAX_REGIONS; i++)
		memset(&e->counter.counts.region[i].dwell_period, 0, sizeof(ff_dwell_stats));
}

int ff_engine_tracks(const ff_engine *e, ff_track_info *out, int cap)
{
	int n = 0;
	ff_observation o;
	for (int i = 0; i < FF_MAX_TRACKS; i++) {
		const ff_track *k = &e->tracker.tracks[i];
		if (!k->alive)
			continue;
		if (n < cap) {
			ff_track_info *ti = &out[n];
			observe(e, k, &o);
			ti->id = k->id;
			ti->confirmed = k->confirmed;
			ti->point = o.point;
			ti->head.x = (k->det.u + 0.5) / e->cam.width;
			ti->head.y = (k->det.v + 0.5) / e->cam.height;
			ti->floor_x_m = k->x;
			ti->floor_y_m = k->y;
			ti->height_m = k->height;
			ti->child = o.child;
		}
		n++;
	}
	return n;
}

void ff_engine_floor(const ff_engine *e, ff_floor_info *out)
{
	memset(out, 0, sizeof *out);
	out->known = e->plane_known;
	out->detected = e->rules.installation_height_auto && e->plane_known;
	if (e->plane_known) {
		out->height_m = e->plane.d;
		out->tilt_deg = ff_plane_tilt_deg(&e->plane);
	}
	out->measured = e->has_measured;
	if (e->has_measured) {
		out->measured_height_m = e->measured.d;
		out->measured_tilt_deg = ff_plane_tilt_deg(&e->measured);
		out->inlier_ratio = e->fit_ratio / e->fits;
	}
}

void ff_engine_redetect_floor(ff_engine *e)
{
	e->fit_frames = FLOOR_FRAMES;
	e->fits = 0;
	e->fit_n[0] = e->fit_n[1] = e->fit_n[2] = 0;
	e->fit_d = 0;
	e->fit_ratio = 0;
}
