/*
 * stereo.c - the textured stereo mode: the left and right 8-bit images of
 * the calibrated pair behind the depth camera, so that the whole stereo
 * path (rectification, matching, depth, counting) can be scored against
 * the same ground truth as the depth path.
 *
 * Both views are ray cast like the depth image (render.c) and remember
 * which primitive each pixel hit. Shading then looks up a texture fixed to
 * that surface: 3-D value noise over the hit point's coordinates in the
 * primitive's own frame (the floor uses its plan coordinates), so patterns
 * move with the person and both cameras see the same pattern, which is what
 * makes stereo matching possible at all. Materials set brightness and
 * contrast: dark hair is dark with little texture, the way matchers fail on
 * it in real life. Light comes from a few ceiling lamps (inverse-square
 * fall-off, so the floor is unevenly lit) plus ambient light; each camera
 * adds vignetting, its own gain and offset, and sensor noise.
 *
 * The pair is ideal and already rectified (identical intrinsics, no
 * distortion, baseline along x); ff_sim_scene_stereo_calib_yaml describes it
 * in OpenCV's format.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

#define NLAMPS 3

static const float albedo[MAT_COUNT] = {
    [MAT_FLOOR] = 0.5f,	      [MAT_SKIN] = 0.6f,  [MAT_HAIR_DARK] = 0.1f,
    [MAT_HAIR_LIGHT] = 0.45f, [MAT_CLOTH] = 0.5f, [MAT_CLOTH_DARK] = 0.14f,
    [MAT_METAL] = 0.65f,      [MAT_WOOD] = 0.45f, [MAT_WALL] = 0.7f,
};

static const float contrast[MAT_COUNT] = {
    [MAT_FLOOR] = 0.5f,	     [MAT_SKIN] = 0.12f, [MAT_HAIR_DARK] = 0.12f,
    [MAT_HAIR_LIGHT] = 0.3f, [MAT_CLOTH] = 0.4f, [MAT_CLOTH_DARK] = 0.3f,
    [MAT_METAL] = 0.25f,     [MAT_WOOD] = 0.35f, [MAT_WALL] = 0.08f,
};

/* Texture feature size (metres). */
static const float grain[MAT_COUNT] = {
    [MAT_FLOOR] = 0.035f,     [MAT_SKIN] = 0.03f,   [MAT_HAIR_DARK] = 0.008f,
    [MAT_HAIR_LIGHT] = 0.01f, [MAT_CLOTH] = 0.025f, [MAT_CLOTH_DARK] = 0.025f,
    [MAT_METAL] = 0.02f,      [MAT_WOOD] = 0.03f,   [MAT_WALL] = 0.05f,
};

static uint32_t hash4(int32_t x, int32_t y, int32_t z, uint32_t seed)
{
	uint32_t h = seed * 0x9e3779b1u ^ (uint32_t)x * 0x85ebca6bu ^ (uint32_t)y * 0xc2b2ae35u ^
		     (uint32_t)z * 0x27d4eb2fu;
	h ^= h >> 15;
	h *= 0x2c1b3c6du;
	h ^= h >> 12;
	h *= 0x297a2d39u;
	h ^= h >> 15;
	return h;
}

static float lattice(int32_t x, int32_t y, int32_t z, uint32_t seed)
{
	return (float)(hash4(x, y, z, seed) >> 8) * (2.0f / 16777216.0f) - 1.0f;
}

static float smooth(float t)
{
	return t * t * (3 - 2 * t);
}

/* Value noise in -1..1, smooth, unit feature size. */
static float vnoise(double x, double y, double z, uint32_t seed)
{
	double fx = floor(x), fy = floor(y), fz = floor(z);
	int32_t ix = (int32_t)fx, iy = (int32_t)fy, iz = (int32_t)fz;
	float tx = smooth((float)(x - fx)), ty = smooth((float)(y - fy)),
	      tz = smooth((float)(z - fz));
	float c[2][2];
	for (int k = 0; k < 2; k++)
		for (int j = 0; j < 2; j++) {
			float a = lattice(ix, iy + j, iz + k, seed);
			float b = lattice(ix + 1, iy + j, iz + k, seed);
			c[k][j] = a + tx * (b - a);
		}
	float lo = c[0][0] + ty * (c[0][1] - c[0][0]), hi = c[1][0] + ty * (c[1][1] - c[1][0]);
	return lo + tz * (hi - lo);
}

static ff_status ensure(ff_sim_scene *s, ff_error *err)
{
	if (s->st_z)
		return FF_OK;
	size_t n = (size_t)s->cam.width * (size_t)s->cam.height;
	s->st_floor_r = malloc(sizeof(float) * n);
	s->st_z = malloc(sizeof(float) * n);
	s->st_mat = malloc(n);
	s->st_prim_l = malloc(sizeof(int16_t) * n);
	s->st_prim_r = malloc(sizeof(int16_t) * n);
	s->st_floor_img = malloc(sizeof(float) * 2 * n);
	if (!s->st_floor_r || !s->st_z || !s->st_mat || !s->st_prim_l || !s->st_prim_r ||
	    !s->st_floor_img) {
		sim_stereo_free(s);
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for stereo");
	}
	/* the right camera is higher or lower than the left when tilted */
	double right_h = s->setup.height_m + s->R[0][2] * s->setup.noise.baseline_m;
	for (int v = 0; v < s->cam.height; v++)
		for (int u = 0; u < s->cam.width; u++) {
			double nd =
			    s->nfloor[0] * s->xn[u] + s->nfloor[1] * s->yn[v] + s->nfloor[2];
			s->st_floor_r[(size_t)v * s->cam.width + u] =
			    nd > 1e-6 ? (float)(right_h / nd) : 0.0f;
		}
	return FF_OK;
}

void sim_stereo_free(ff_sim_scene *s)
{
	free(s->st_floor_r);
	free(s->st_z);
	free(s->st_mat);
	free(s->st_prim_l);
	free(s->st_prim_r);
	free(s->st_floor_img);
	s->st_floor_r = s->st_z = s->st_floor_img = NULL;
	s->st_mat = NULL;
	s->st_prim_l = s->st_prim_r = NULL;
}

typedef struct lamp {
	double x, y, z, power;
} lamp;

static void lamps(const ff_sim_scene *s, lamp *out)
{
	sim_rng r = sim_rng_stream(s->setup.seed, 21, 0);
	double x0, x1, y0, y1;
	sim_view_bounds(s, 0, &x0, &x1, &y0, &y1);
	for (int i = 0; i < NLAMPS; i++) {
		out[i].x = sim_rng_range(&r, x0, x1);
		out[i].y = sim_rng_range(&r, y0, y1);
		out[i].z = s->setup.height_m + sim_rng_range(&r, 0.1, 0.6);
		out[i].power = sim_rng_range(&r, 0.5, 1.2) * s->setup.height_m * s->setup.height_m;
	}
}

/* Texture coordinates of a hit point: the primitive's own frame (so the
 * pattern sticks to it) or the floor plan. */
static void local_coords(const sim_prim *q, const double p[3], double l[3])
{
	double d[3] = {p[0] - q->c[0], p[1] - q->c[1], p[2] - q->c[2]};
	if (q->kind == PRIM_CAPSULE) {
		memcpy(l, d, sizeof d);
		return;
	}
	for (int i = 0; i < 3; i++)
		l[i] = q->ax[i][0] * d[0] + q->ax[i][1] * d[1] + q->ax[i][2] * d[2];
}

/* Light reaching the camera from pixel (x, y) of view v before the sensor:
 * reflectance of the textured surface times the lamps' light. */
static float radiance(const ff_sim_scene *s, const sim_view *v, const lamp *lp, int x, int y)
{
	size_t i = (size_t)y * v->cam->width + x;
	double z = v->z[i];
	if (!isfinite(z))
		return 0;
	double pc[3] = {v->xn[x] * z, v->yn[y] * z, z}, p[3];
	for (int k = 0; k < 3; k++)
		p[k] = v->R[0][k] * pc[0] + v->R[1][k] * pc[1] + v->R[2][k] * pc[2] + v->C[k];
	int m = v->mat[i];
	double l[3];
	uint32_t seed;
	if (v->prim[i] < 0) {
		l[0] = p[0];
		l[1] = p[1];
		l[2] = 0;
		seed = 1;
	} else {
		const sim_prim *q = s->prims + v->prim[i];
		local_coords(q, p, l);
		seed = (uint32_t)q->surface;
	}
	double g = grain[m];
	float tex = vnoise(l[0] / g, l[1] / g, l[2] / g, seed) +
		    0.5f * vnoise(l[0] / (0.4 * g), l[1] / (0.4 * g), l[2] / (0.4 * g), seed + 7);
	float c = contrast[m];
	if (m == MAT_FLOOR)
		c *= (float)(0.1 + 0.9 * s->setup.floor_texture);
	/* clothes differ in colour and pattern from surface to surface; many
	 * are plain, which leaves the matcher little to work with */
	float base = albedo[m];
	if (m == MAT_CLOTH || m == MAT_CLOTH_DARK) {
		uint32_t hs = hash4((int32_t)seed, 0, 0, 3);
		if (m == MAT_CLOTH)
			base *= 0.5f + (float)(hs >> 24) / 255.0f;
		c *= 0.15f + (float)((hs >> 8) & 255) / 255.0f;
	}
	double light = 0.25;
	for (int k = 0; k < NLAMPS; k++) {
		double dx = lp[k].x - p[0], dy = lp[k].y - p[1], dz = lp[k].z - p[2];
		double d2 = dx * dx + dy * dy + dz * dz;
		light += lp[k].power * (dz / sqrt(d2)) / d2 * 0.35;
	}
	return (float)(base * (1.0f + c * tex) * light);
}

/* The sensor: exposure, vignetting, gain and offset of this camera, noise.
 * The floor's radiance never changes and comes from floor_cache. */
static void shade(const ff_sim_scene *s, const sim_view *v, const lamp *lp,
		  const float *floor_cache, double gain, double offset, uint64_t stream,
		  uint8_t *out)
{
	int w = v->cam->width, h = v->cam->height;
	sim_rng r = sim_rng_stream(s->setup.seed, stream, 0);
	uint64_t bits = 0;
	int nbits = 0;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			size_t i = (size_t)y * w + x;
			float rad = v->prim[i] < 0 && floor_cache ? floor_cache[i]
								  : radiance(s, v, lp, x, y);
			double rr2 = v->xn[x] * v->xn[x] + v->yn[y] * v->yn[y];
			double vignette = 1.0 / ((1 + 0.3 * rr2) * (1 + 0.3 * rr2));
			if (nbits == 0) {
				bits = sim_rng_next(&r);
				nbits = 5;
			}
			double noise = 2.0 * s->gauss[bits & 4095];
			bits >>= 12;
			nbits--;
			double val = 255.0 * 1.6 * rad * vignette * gain + offset + noise;
			out[i] = (uint8_t)(val < 0 ? 0 : val > 255 ? 255 : val + 0.5);
		}
}

/* Radiance of the empty floor in a view (prim must be all -1). */
static void floor_radiance(const ff_sim_scene *s, const sim_view *v, const lamp *lp, float *out)
{
	for (int y = 0; y < v->cam->height; y++)
		for (int x = 0; x < v->cam->width; x++)
			out[(size_t)y * v->cam->width + x] = radiance(s, v, lp, x, y);
}

/* View `side` (0 left, 1 right) of the pair onto the stereo buffers. */
static void pair_view(const ff_sim_scene *s, int side, sim_view *v)
{
	sim_scene_view(s, v);
	v->prim = s->st_prim_l;
	if (side == 0)
		return;
	for (int k = 0; k < 3; k++)
		v->C[k] = s->C[k] + s->R[0][k] * s->setup.noise.baseline_m;
	v->floor_z = s->st_floor_r;
	v->z = s->st_z;
	v->mat = s->st_mat;
	v->prim = s->st_prim_r;
}

ff_status ff_sim_scene_render_stereo(ff_sim_scene *s, size_t i, uint8_t *left, uint8_t *right,
				     ff_error *err)
{
	if (i >= s->nframes)
		return ff_error_set(err, FF_ERR_INVALID, "sim: frame %zu of %zu", i, s->nframes);
	bool fresh = !s->st_z;
	ff_status st;
	if ((st = ensure(s, err)))
		return st;
	lamp lp[NLAMPS];
	lamps(s, lp);
	size_t n = (size_t)s->cam.width * (size_t)s->cam.height;
	sim_view v;
	if (fresh) {
		int saved = s->nprims;
		s->nprims = 0;
		for (int side = 0; side < 2; side++) {
			pair_view(s, side, &v);
			sim_render_view(s, &v);
			floor_radiance(s, &v, lp, s->st_floor_img + side * n);
		}
		s->nprims = saved;
	}
	if ((st = sim_build_prims(s, s->times[i], err)))
		return st;
	for (int side = 0; side < 2; side++) {
		pair_view(s, side, &v);
		sim_render_view(s, &v);
		shade(s, &v, lp, s->st_floor_img + side * n, side ? 1.06 : 1.0, side ? 3 : 0,
		      0x100000 + 2 * i + (uint64_t)side, side ? right : left);
	}
	return FF_OK;
}

double ff_sim_scene_stereo_baseline(const ff_sim_scene *s)
{
	return s->setup.noise.baseline_m;
}

ff_status ff_sim_scene_stereo_calib_yaml(const ff_sim_scene *s, char **out, ff_error *err)
{
	const ff_camera *c = &s->cam;
	char m[256];
	snprintf(m, sizeof m, "[ %.6f, 0., %.6f, 0., %.6f, %.6f, 0., 0., 1. ]", c->fx, c->cx, c->fy,
		 c->cy);
	const char *fmt = "%%YAML:1.0\n---\n"
			  "image_width: %d\nimage_height: %d\n"
			  "M1: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: %s\n"
			  "D1: !!opencv-matrix\n   rows: 1\n   cols: 5\n   dt: d\n"
			  "   data: [ 0., 0., 0., 0., 0. ]\n"
			  "M2: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: %s\n"
			  "D2: !!opencv-matrix\n   rows: 1\n   cols: 5\n   dt: d\n"
			  "   data: [ 0., 0., 0., 0., 0. ]\n"
			  "R: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n"
			  "   data: [ 1., 0., 0., 0., 1., 0., 0., 0., 1. ]\n"
			  "T: !!opencv-matrix\n   rows: 3\n   cols: 1\n   dt: d\n"
			  "   data: [ %.6f, 0., 0. ]\n";
	int len = snprintf(NULL, 0, fmt, c->width, c->height, m, m, -s->setup.noise.baseline_m);
	char *text = len > 0 ? malloc((size_t)len + 1) : NULL;
	if (!text)
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory");
	snprintf(text, (size_t)len + 1, fmt, c->width, c->height, m, m, -s->setup.noise.baseline_m);
	*out = text;
	return FF_OK;
}
