/*
 * scene.c - the scene object: camera pose and intrinsics, people, objects,
 * rules and frame times, and the public entry points around them.
 *
 * Every buffer the renderer and the noise model need is allocated here at
 * creation, so rendering a frame allocates nothing. Frame times are drawn
 * once (jitter, dropped frames) from the seed; a frame's noise is drawn from
 * a stream keyed by the seed and the frame index, so any frame can be
 * rendered on its own and always comes out the same.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

void ff_sim_noise_default(ff_sim_noise *n)
{
	n->enabled = true;
	n->baseline_m = 0.075;
	n->disparity_sigma = 0.15;
	n->correlated_sigma = 0.08;
	n->subpixel = 1.0 / 8;
	n->hole_rate = 1.0;
	n->flying_rate = 0.3;
	n->speckle_rate = 2e-4;
	n->shadows = true;
	n->min_depth_m = 0.2;
}

void ff_sim_setup_default(ff_sim_setup *s)
{
	memset(s, 0, sizeof *s);
	s->height_m = 3.0;
	s->width = 640;
	s->height = 400;
	s->fps = 15;
	s->duration_s = 30;
	s->seed = 1;
	s->floor_texture = 0.7;
	ff_sim_noise_default(&s->noise);
}

void ff_sim_fov(double h, double *hfov, double *vfov)
{
	if (h <= 3.0) {
		*hfov = 103;
		*vfov = 77;
	} else if (h <= 4.0) {
		*hfov = 94;
		*vfov = 68;
	} else if (h <= 5.0) {
		*hfov = 89;
		*vfov = 58;
	} else {
		*hfov = 62;
		*vfov = 41;
	}
}

static void matmul(const double a[3][3], const double b[3][3], double out[3][3])
{
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			out[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
}

static void setup_pose(ff_sim_scene *s)
{
	double ax = s->setup.tilt_deg[0] * M_PI / 180, ay = s->setup.tilt_deg[1] * M_PI / 180,
	       az = s->setup.tilt_deg[2] * M_PI / 180;
	double rx[3][3] = {{1, 0, 0}, {0, cos(ax), -sin(ax)}, {0, sin(ax), cos(ax)}};
	double ry[3][3] = {{cos(ay), 0, sin(ay)}, {0, 1, 0}, {-sin(ay), 0, cos(ay)}};
	double rz[3][3] = {{cos(az), -sin(az), 0}, {sin(az), cos(az), 0}, {0, 0, 1}};
	double r0[3][3] = {{1, 0, 0}, {0, -1, 0}, {0, 0, -1}};
	double t1[3][3], t2[3][3];
	matmul(rx, ry, t1);
	matmul(t1, rz, t2);
	matmul(t2, r0, s->R);
	s->C[0] = s->C[1] = 0;
	s->C[2] = s->setup.height_m;
	double down[3] = {0, 0, -1};
	sim_dir_to_camera(s, down, s->nfloor);
}

void sim_dir_to_camera(const ff_sim_scene *s, const double w[3], double c[3])
{
	for (int i = 0; i < 3; i++)
		c[i] = s->R[i][0] * w[0] + s->R[i][1] * w[1] + s->R[i][2] * w[2];
}

void sim_world_to_camera(const ff_sim_scene *s, const double w[3], double c[3])
{
	double d[3] = {w[0] - s->C[0], w[1] - s->C[1], w[2] - s->C[2]};
	sim_dir_to_camera(s, d, c);
}

bool sim_project_norm(const ff_sim_scene *s, double x, double y, double z, ff_point *out)
{
	double u, v;
	if (!ff_sim_scene_project(s, x, y, z, &u, &v))
		return false;
	out->x = (u + 0.5) / s->cam.width;
	out->y = (v + 0.5) / s->cam.height;
	return true;
}

bool ff_sim_scene_project(const ff_sim_scene *s, double x, double y, double z, double *u, double *v)
{
	double w[3] = {x, y, z}, c[3];
	sim_world_to_camera(s, w, c);
	if (c[2] < 1e-6)
		return false;
	*u = s->cam.fx * c[0] / c[2] + s->cam.cx;
	*v = s->cam.fy * c[1] / c[2] + s->cam.cy;
	return true;
}

bool sim_image_to_plane(const ff_sim_scene *s, double nx, double ny, double h, double *x, double *y)
{
	double u = nx * s->cam.width - 0.5, v = ny * s->cam.height - 0.5;
	double d[3] = {(u - s->cam.cx) / s->cam.fx, (v - s->cam.cy) / s->cam.fy, 1}, w[3];
	for (int i = 0; i < 3; i++)
		w[i] = s->R[0][i] * d[0] + s->R[1][i] * d[1] + s->R[2][i] * d[2];
	if (w[2] > -1e-9)
		return false;
	double k = (h - s->C[2]) / w[2];
	if (k <= 0)
		return false;
	*x = s->C[0] + k * w[0];
	*y = s->C[1] + k * w[1];
	return true;
}

void sim_view_bounds(const ff_sim_scene *s, double z, double *x0, double *x1, double *y0,
		     double *y1)
{
	*x0 = *y0 = 1e9;
	*x1 = *y1 = -1e9;
	for (int i = 0; i < 4; i++) {
		double x, y;
		if (!sim_image_to_plane(s, i & 1, i >> 1, z, &x, &y))
			continue;
		*x0 = fmin(*x0, x);
		*x1 = fmax(*x1, x);
		*y0 = fmin(*y0, y);
		*y1 = fmax(*y1, y);
	}
}

static ff_status check_setup(const ff_sim_setup *st, ff_error *err)
{
	if (!(st->height_m >= 1.5 && st->height_m <= 8))
		return ff_error_set(err, FF_ERR_INVALID, "sim.height_m: %g is outside 1.5..8",
				    st->height_m);
	for (int i = 0; i < 3; i++)
		if (!(fabs(st->tilt_deg[i]) <= (i == 2 ? 180 : 15)))
			return ff_error_set(err, FF_ERR_INVALID, "sim.tilt_deg[%d]: %g too large",
					    i, st->tilt_deg[i]);
	if (st->width < 0 || st->width > 4096 || st->height < 0 || st->height > 4096)
		return ff_error_set(err, FF_ERR_INVALID, "sim.width/height: %dx%d", st->width,
				    st->height);
	if (!(st->fps >= 1 && st->fps <= 60))
		return ff_error_set(err, FF_ERR_INVALID, "sim.fps: %g is outside 1..60", st->fps);
	if (!(st->duration_s > 0 && st->duration_s <= 3600))
		return ff_error_set(err, FF_ERR_INVALID, "sim.duration_s: %g is outside 0..3600",
				    st->duration_s);
	if (!(st->jitter_s >= 0 && st->jitter_s < 0.4 / st->fps) ||
	    !(st->drop_rate >= 0 && st->drop_rate < 0.5))
		return ff_error_set(err, FF_ERR_INVALID, "sim.jitter_s/drop_rate out of range");
	if (st->noise.enabled && !(st->noise.baseline_m > 0.01 && st->noise.subpixel > 0))
		return ff_error_set(err, FF_ERR_INVALID, "sim.noise: baseline and subpixel needed");
	return FF_OK;
}

static ff_status make_times(ff_sim_scene *s, ff_error *err)
{
	size_t n = (size_t)floor(s->setup.duration_s * s->setup.fps) + 1;
	s->times = malloc(sizeof(double) * n);
	if (!s->times)
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for frame times");
	sim_rng r = sim_rng_stream(s->setup.seed, 1, 0);
	s->nframes = 0;
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / s->setup.fps;
		double j = sim_rng_range(&r, -1, 1) * s->setup.jitter_s;
		bool drop = sim_rng_uniform(&r) < s->setup.drop_rate;
		if (i > 0 && i + 1 < n && drop)
			continue;
		s->times[s->nframes++] = i > 0 ? t + j : t;
	}
	return FF_OK;
}

static ff_status alloc_buffers(ff_sim_scene *s, ff_error *err)
{
	size_t w = (size_t)s->cam.width, h = (size_t)s->cam.height, n = w * h;
	s->xn = malloc(sizeof(float) * w);
	s->yn = malloc(sizeof(float) * h);
	s->floor_z = malloc(sizeof(float) * n);
	s->zbuf = malloc(sizeof(float) * n);
	s->mat = malloc(n);
	s->work = malloc(sizeof(float) * n);
	s->dexact = malloc(sizeof(float) * n);
	s->field = malloc(sizeof(float) * sim_noise_field_size(s->cam.width, s->cam.height));
	s->cap_prims = 256;
	s->prims = malloc(sizeof(sim_prim) * (size_t)s->cap_prims);
	if (!s->xn || !s->yn || !s->floor_z || !s->zbuf || !s->mat || !s->work || !s->dexact ||
	    !s->field || !s->prims)
		return ff_error_set(err, FF_ERR_NOMEM,
				    "simulator: out of memory for %zux%zu frames", w, h);
	for (size_t u = 0; u < w; u++)
		s->xn[u] = (float)(((double)u - s->cam.cx) / s->cam.fx);
	for (size_t v = 0; v < h; v++)
		s->yn[v] = (float)(((double)v - s->cam.cy) / s->cam.fy);
	for (size_t v = 0; v < h; v++)
		for (size_t u = 0; u < w; u++) {
			double nd =
			    s->nfloor[0] * s->xn[u] + s->nfloor[1] * s->yn[v] + s->nfloor[2];
			s->floor_z[v * w + u] = nd > 1e-6 ? (float)(s->setup.height_m / nd) : 0.0f;
		}
	sim_rng r = sim_rng_stream(0x6a09e667f3bcc908ULL, 2, 0);
	for (size_t i = 0; i < sizeof s->gauss / sizeof s->gauss[0]; i++)
		s->gauss[i] = (float)sim_rng_gauss(&r);
	return FF_OK;
}

double sim_rng_gauss(sim_rng *r)
{
	double u1 = sim_rng_uniform(r), u2 = sim_rng_uniform(r);
	if (u1 < 1e-300)
		u1 = 1e-300;
	return sqrt(-2 * log(u1)) * cos(2 * M_PI * u2);
}

ff_status ff_sim_scene_create(const ff_sim_setup *setup, ff_sim_scene **out, ff_error *err)
{
	ff_status st;
	if (!setup || !out)
		return ff_error_set(err, FF_ERR_INVALID, "sim: missing setup");
	if ((st = check_setup(setup, err)))
		return st;
	ff_sim_scene *s = calloc(1, sizeof *s);
	if (!s)
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory");
	s->setup = *setup;
	if (!s->setup.width || !s->setup.height) {
		s->setup.width = 640;
		s->setup.height = 400;
	}
	double hfov, vfov;
	ff_sim_fov(setup->height_m, &hfov, &vfov);
	s->cam.width = s->setup.width;
	s->cam.height = s->setup.height;
	s->cam.fx = (s->cam.width / 2.0) / tan(hfov * M_PI / 360);
	s->cam.fy = (s->cam.height / 2.0) / tan(vfov * M_PI / 360);
	s->cam.cx = (s->cam.width - 1) / 2.0;
	s->cam.cy = (s->cam.height - 1) / 2.0;
	s->cam.depth_scale = 1000;
	setup_pose(s);
	ff_rules_default(&s->rules);
	s->rules.installation_height_m = setup->height_m;
	if ((st = make_times(s, err)) || (st = alloc_buffers(s, err))) {
		ff_sim_scene_destroy(s);
		return st;
	}
	*out = s;
	return FF_OK;
}

static void truth_clear(ff_sim_scene *s)
{
	free(s->truth.events);
	free(s->truth.people);
	memset(&s->truth, 0, sizeof s->truth);
	s->truth_valid = false;
}

void ff_sim_scene_destroy(ff_sim_scene *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->npeople; i++)
		sim_person_free(s->people + i);
	free(s->people);
	free(s->objects);
	free(s->times);
	free(s->xn);
	free(s->yn);
	free(s->floor_z);
	free(s->zbuf);
	free(s->mat);
	free(s->work);
	free(s->dexact);
	free(s->field);
	free(s->prims);
	sim_stereo_free(s);
	truth_clear(s);
	free(s);
}

void ff_sim_person_default(ff_sim_person *p, double height_m)
{
	memset(p, 0, sizeof *p);
	p->height_m = height_m;
	p->build = 0.5;
	p->raise_from = p->raise_to = -1;
	p->hand_partner = -1;
}

static ff_status reserve_prims(ff_sim_scene *s, ff_error *err)
{
	int need = s->npeople * SIM_PRIMS_PER_PERSON + s->nobjects * SIM_PRIMS_PER_OBJECT;
	if (need <= s->cap_prims)
		return FF_OK;
	sim_prim *p = realloc(s->prims, sizeof(sim_prim) * (size_t)need);
	if (!p)
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for primitives");
	s->prims = p;
	s->cap_prims = need;
	return FF_OK;
}

int ff_sim_scene_add_person(ff_sim_scene *s, const ff_sim_person *p, const ff_sim_key *keys,
			    int nkeys, ff_error *err)
{
	if (!p || !keys || nkeys < 1) {
		ff_error_set(err, FF_ERR_INVALID, "sim.person: no path");
		return -1;
	}
	if (!(p->height_m >= 0.5 && p->height_m <= 2.4) || !(p->build >= 0 && p->build <= 1)) {
		ff_error_set(err, FF_ERR_INVALID, "sim.person: height %g or build %g out of range",
			     p->height_m, p->build);
		return -1;
	}
	for (int i = 0; i < nkeys; i++) {
		if (!isfinite(keys[i].t) || !isfinite(keys[i].x) || !isfinite(keys[i].y) ||
		    (i > 0 && !(keys[i].t > keys[i - 1].t))) {
			ff_error_set(err, FF_ERR_ORDER, "sim.person.keys[%d]: time not increasing",
				     i);
			return -1;
		}
	}
	if (s->npeople == s->cap_people) {
		int cap = s->cap_people ? 2 * s->cap_people : 16;
		sim_person *np = realloc(s->people, sizeof *np * (size_t)cap);
		if (!np) {
			ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for people");
			return -1;
		}
		s->people = np;
		s->cap_people = cap;
	}
	sim_person *q = s->people + s->npeople;
	memset(q, 0, sizeof *q);
	q->d = *p;
	q->nkeys = nkeys;
	q->keys = malloc(sizeof *keys * (size_t)nkeys);
	if (!q->keys) {
		ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for a path");
		return -1;
	}
	memcpy(q->keys, keys, sizeof *keys * (size_t)nkeys);
	if (sim_person_prepare(q, s->npeople, err)) {
		sim_person_free(q);
		return -1;
	}
	s->npeople++;
	if (reserve_prims(s, err)) {
		sim_scene_pop_person(s);
		return -1;
	}
	truth_clear(s);
	return s->npeople - 1;
}

void sim_scene_pop_person(ff_sim_scene *s)
{
	if (s->npeople == 0)
		return;
	sim_person_free(s->people + --s->npeople);
	truth_clear(s);
}

ff_status ff_sim_scene_add_object(ff_sim_scene *s, const ff_sim_object *o, ff_error *err)
{
	if (!o || !(o->sx > 0 && o->sy > 0 && o->sz > 0 && o->sz < s->setup.height_m))
		return ff_error_set(err, FF_ERR_INVALID,
				    "sim.object: sizes must be positive and below the camera");
	if (s->nobjects == s->cap_objects) {
		int cap = s->cap_objects ? 2 * s->cap_objects : 8;
		ff_sim_object *no = realloc(s->objects, sizeof *no * (size_t)cap);
		if (!no)
			return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory");
		s->objects = no;
		s->cap_objects = cap;
	}
	s->objects[s->nobjects++] = *o;
	return reserve_prims(s, err);
}

ff_status ff_sim_scene_set_rules(ff_sim_scene *s, const ff_rules *rules, ff_error *err)
{
	ff_status st = ff_rules_validate(rules, err);
	if (st)
		return st;
	s->rules = *rules;
	truth_clear(s);
	return FF_OK;
}

const ff_rules *ff_sim_scene_rules(const ff_sim_scene *s)
{
	return &s->rules;
}

const ff_camera *ff_sim_scene_camera(const ff_sim_scene *s)
{
	return &s->cam;
}

size_t ff_sim_scene_frames(const ff_sim_scene *s)
{
	return s->nframes;
}

double ff_sim_scene_frame_time(const ff_sim_scene *s, size_t i)
{
	return i < s->nframes ? s->times[i] : NAN;
}

ff_status ff_sim_scene_render(ff_sim_scene *s, size_t i, uint16_t *depth, ff_error *err)
{
	if (i >= s->nframes)
		return ff_error_set(err, FF_ERR_INVALID, "sim: frame %zu of %zu", i, s->nframes);
	ff_status st = sim_render_exact(s, s->times[i], err);
	if (st)
		return st;
	sim_noise_apply(s, i, depth);
	return FF_OK;
}
