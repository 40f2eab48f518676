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
 * The pair is either ideal and already rectified (identical intrinsics, no
 * distortion, baseline along x) or raw (setup.raw_stereo): two real cameras
 * with seeded lens distortion, intrinsics and a small relative rotation,
 * whose rectification is the ideal pair. The ideal view is rendered over
 * a wider canvas; each raw pixel's ray through its lens then takes what the
 * nearest canvas pixel hit and shades its own point of that surface before
 * the sensor adds vignetting and noise, so the pixels are what a camera
 * with that lens would record. ff_sim_scene_stereo_calib_yaml describes either
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

/* Inverts OpenCV's lens model (k1 k2 p1 p2 k3 on normalised coordinates)
 * by fixed-point iteration, which converges for the mild, monotonic
 * distortion the raw pair is given. */
static void undistort(const double *d, double xd, double yd, double *x, double *y)
{
	double u = xd, v = yd;
	for (int i = 0; i < 30; i++) {
		double r2 = u * u + v * v;
		double radial = 1 + r2 * (d[0] + r2 * (d[1] + r2 * d[4]));
		double dx = 2 * d[2] * u * v + d[3] * (r2 + 2 * u * u);
		double dy = d[2] * (r2 + 2 * v * v) + 2 * d[3] * u * v;
		u = (xd - dx) / radial;
		v = (yd - dy) / radial;
	}
	*x = u;
	*y = v;
}

/* Rotation matrix of the rotation vector w (Rodrigues). */
static void rotation(const double w[3], double R[3][3])
{
	double th = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
	double k[3] = {w[0] / th, w[1] / th, w[2] / th}, c = cos(th), sn = sin(th);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			R[i][j] = (i == j ? c : 0) + (1 - c) * k[i] * k[j];
	R[0][1] -= sn * k[2];
	R[0][2] += sn * k[1];
	R[1][0] += sn * k[2];
	R[1][2] -= sn * k[0];
	R[2][0] -= sn * k[1];
	R[2][1] += sn * k[0];
}

/* Seeded lenses of the raw pair. Each camera is turned by half of a small
 * relative rotation, in opposite senses, so that the standard
 * rectification (which splits the rotation between the cameras) lands on
 * the ideal pair. Focal lengths follow the barrel distortion so that the
 * raw view covers about the ideal one. */
static void make_lenses(const ff_sim_scene *s, sim_lens out[2])
{
	sim_rng r = sim_rng_stream(s->setup.seed, 22, 0);
	double w[3];
	for (int k = 0; k < 3; k++)
		w[k] = sim_rng_range(&r, -0.006, 0.006);
	double E[3][3];
	rotation(w, E);
	const ff_camera *c = &s->cam;
	for (int side = 0; side < 2; side++) {
		sim_lens *l = &out[side];
		l->d[0] = sim_rng_range(&r, -0.12, -0.03);
		l->d[1] = sim_rng_range(&r, 0.005, 0.02);
		l->d[2] = sim_rng_range(&r, -0.001, 0.001);
		l->d[3] = sim_rng_range(&r, -0.001, 0.001);
		l->d[4] = 0;
		double zoom = (1 + 0.8 * l->d[0] + 0.64 * l->d[1]) * sim_rng_range(&r, 0.98, 1.02);
		l->fx = c->fx * zoom;
		l->fy = c->fy * zoom * sim_rng_range(&r, 0.997, 1.003);
		l->cx = c->cx + sim_rng_range(&r, -0.015, 0.015) * c->width;
		l->cy = c->cy + sim_rng_range(&r, -0.015, 0.015) * c->height;
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				l->R[i][j] = side ? E[i][j] : E[j][i];
	}
}

/* Where each raw pixel looks in the ideal camera (pixels, may be outside
 * the image), and the canvas that holds all of it with a margin. */
static void raw_geometry(ff_sim_scene *s)
{
	const ff_camera *c = &s->cam;
	size_t n = (size_t)c->width * (size_t)c->height;
	double x0 = 0, x1 = c->width - 1, y0 = 0, y1 = c->height - 1;
	for (int side = 0; side < 2; side++) {
		const sim_lens *l = &s->st_lens[side];
		float *map = s->st_map + 2 * n * (size_t)side;
		for (int v = 0; v < c->height; v++)
			for (int u = 0; u < c->width; u++) {
				double x, y;
				undistort(l->d, (u - l->cx) / l->fx, (v - l->cy) / l->fy, &x, &y);
				double ray[3];
				for (int k = 0; k < 3; k++)
					ray[k] = l->R[0][k] * x + l->R[1][k] * y + l->R[2][k];
				double px = c->fx * ray[0] / ray[2] + c->cx;
				double py = c->fy * ray[1] / ray[2] + c->cy;
				size_t i = (size_t)v * c->width + u;
				map[2 * i] = (float)px;
				map[2 * i + 1] = (float)py;
				x0 = fmin(x0, px);
				x1 = fmax(x1, px);
				y0 = fmin(y0, py);
				y1 = fmax(y1, py);
			}
	}
	int mx = (int)ceil(fmax(-x0, x1 - (c->width - 1))) + 2;
	int my = (int)ceil(fmax(-y0, y1 - (c->height - 1))) + 2;
	mx = mx > c->width / 2 ? c->width / 2 : mx;
	my = my > c->height / 2 ? c->height / 2 : my;
	s->st_view = *c;
	s->st_view.width = c->width + 2 * mx;
	s->st_view.height = c->height + 2 * my;
	s->st_view.cx = c->cx + mx;
	s->st_view.cy = c->cy + my;
	for (size_t i = 0; i < 2 * n; i++) {
		s->st_map[2 * i] += (float)mx;
		s->st_map[2 * i + 1] += (float)my;
	}
}

/* Depth of the floor per view pixel for a camera at height h. */
static void floor_depth(const ff_sim_scene *s, double h, float *out)
{
	const ff_camera *c = &s->st_view;
	for (int v = 0; v < c->height; v++)
		for (int u = 0; u < c->width; u++) {
			double nd =
			    s->nfloor[0] * s->st_xn[u] + s->nfloor[1] * s->st_yn[v] + s->nfloor[2];
			out[(size_t)v * c->width + u] = nd > 1e-6 ? (float)(h / nd) : 0.0f;
		}
}

static ff_status ensure(ff_sim_scene *s, ff_error *err)
{
	if (s->st_z)
		return FF_OK;
	const ff_camera *c = &s->cam;
	size_t n = (size_t)c->width * (size_t)c->height;
	s->st_view = *c;
	s->st_xn = s->xn;
	s->st_yn = s->yn;
	if (s->setup.raw_stereo) {
		make_lenses(s, s->st_lens);
		s->st_map = malloc(sizeof(float) * 4 * n);
		s->st_raw = malloc(sizeof(float) * n);
		if (!s->st_map || !s->st_raw)
			goto nomem;
		raw_geometry(s);
		s->st_xn = malloc(sizeof(float) * (size_t)s->st_view.width);
		s->st_yn = malloc(sizeof(float) * (size_t)s->st_view.height);
		if (!s->st_xn || !s->st_yn)
			goto nomem;
		for (int u = 0; u < s->st_view.width; u++)
			s->st_xn[u] = (float)((u - s->st_view.cx) / s->st_view.fx);
		for (int v = 0; v < s->st_view.height; v++)
			s->st_yn[v] = (float)((v - s->st_view.cy) / s->st_view.fy);
	}
	size_t m = (size_t)s->st_view.width * (size_t)s->st_view.height;
	s->st_floor_r = malloc(sizeof(float) * m);
	s->st_z = malloc(sizeof(float) * m);
	s->st_mat = malloc(m);
	s->st_prim_l = malloc(sizeof(int16_t) * m);
	s->st_prim_r = malloc(sizeof(int16_t) * m);
	s->st_floor_img = malloc(sizeof(float) * 2 * m);
	if (!s->st_floor_r || !s->st_z || !s->st_mat || !s->st_prim_l || !s->st_prim_r ||
	    !s->st_floor_img)
		goto nomem;
	if (s->setup.raw_stereo) {
		s->st_floor_l = malloc(sizeof(float) * m);
		if (!s->st_floor_l)
			goto nomem;
		floor_depth(s, s->setup.height_m, s->st_floor_l);
	}
	/* the right camera is higher or lower than the left when tilted */
	floor_depth(s, s->setup.height_m + s->R[0][2] * s->setup.noise.baseline_m, s->st_floor_r);
	return FF_OK;
nomem:
	sim_stereo_free(s);
	return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory for stereo");
}

void sim_stereo_free(ff_sim_scene *s)
{
	if (s->st_xn != s->xn)
		free(s->st_xn);
	if (s->st_yn != s->yn)
		free(s->st_yn);
	free(s->st_floor_l);
	free(s->st_floor_r);
	free(s->st_z);
	free(s->st_mat);
	free(s->st_prim_l);
	free(s->st_prim_r);
	free(s->st_floor_img);
	free(s->st_map);
	free(s->st_raw);
	s->st_xn = s->st_yn = NULL;
	s->st_floor_l = s->st_floor_r = s->st_z = s->st_floor_img = NULL;
	s->st_map = s->st_raw = NULL;
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

/* Light reaching the camera along the ray (xn, yn, 1) of view v that hits
 * what pixel i of the view hit, before the sensor: reflectance of the
 * textured surface times the lamps' light. */
static float radiance(const ff_sim_scene *s, const sim_view *v, const lamp *lp, size_t i, double xn,
		      double yn)
{
	double z = v->z[i];
	if (!isfinite(z))
		return 0;
	double pc[3] = {xn * z, yn * z, z}, p[3];
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
 * Radiance comes from rad_in when given (a raw camera), else from the view,
 * the floor's from floor_cache because it never changes. */
static void shade(const ff_sim_scene *s, const sim_view *v, const lamp *lp,
		  const float *floor_cache, const float *rad_in, double gain, double offset,
		  uint64_t stream, uint8_t *out)
{
	int w = v->cam->width, h = v->cam->height;
	sim_rng r = sim_rng_stream(s->setup.seed, stream, 0);
	uint64_t bits = 0;
	int nbits = 0;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			size_t i = (size_t)y * w + x;
			float rad = rad_in ? rad_in[i]
				    : v->prim[i] < 0 && floor_cache
					? floor_cache[i]
					: radiance(s, v, lp, i, v->xn[x], v->yn[y]);
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
		for (int x = 0; x < v->cam->width; x++) {
			size_t i = (size_t)y * v->cam->width + x;
			out[i] = radiance(s, v, lp, i, v->xn[x], v->yn[y]);
		}
}

/* A raw camera's radiance, point-sampled like the ideal view's: each raw
 * pixel's own ray through the lens, meeting what the nearest canvas pixel
 * hit (so textures are not blurred by a resampling no camera does). The
 * empty floor's comes from floor_cache when given. */
static void raw_radiance(const ff_sim_scene *s, const sim_view *v, const lamp *lp, int side,
			 const float *floor_cache, float *out)
{
	const ff_camera *c = &s->cam, *w = &s->st_view;
	size_t n = (size_t)c->width * (size_t)c->height;
	const float *map = s->st_map + 2 * n * (size_t)side;
	for (size_t i = 0; i < n; i++) {
		double x = map[2 * i], y = map[2 * i + 1];
		long cx = lround(fmin(fmax(x, 0), w->width - 1));
		long cy = lround(fmin(fmax(y, 0), w->height - 1));
		size_t ci = (size_t)cy * (size_t)w->width + (size_t)cx;
		out[i] = floor_cache && v->prim[ci] < 0
			     ? floor_cache[i]
			     : radiance(s, v, lp, ci, (x - w->cx) / w->fx, (y - w->cy) / w->fy);
	}
}

/* View `side` (0 left, 1 right) of the pair onto the stereo buffers. The
 * ideal pair's left view is the depth camera's own. */
static void pair_view(const ff_sim_scene *s, int side, sim_view *v)
{
	sim_scene_view(s, v);
	v->prim = side ? s->st_prim_r : s->st_prim_l;
	if (s->setup.raw_stereo) {
		v->cam = &s->st_view;
		v->xn = s->st_xn;
		v->yn = s->st_yn;
		v->floor_z = s->st_floor_l;
		v->z = s->st_z;
		v->mat = s->st_mat;
	}
	if (side == 0)
		return;
	for (int k = 0; k < 3; k++)
		v->C[k] = s->C[k] + s->R[0][k] * s->setup.noise.baseline_m;
	v->floor_z = s->st_floor_r;
	v->z = s->st_z;
	v->mat = s->st_mat;
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
	size_t m = (size_t)s->st_view.width * (size_t)s->st_view.height;
	sim_view v;
	if (fresh) {
		int saved = s->nprims;
		s->nprims = 0;
		for (int side = 0; side < 2; side++) {
			pair_view(s, side, &v);
			sim_render_view(s, &v);
			if (s->setup.raw_stereo)
				raw_radiance(s, &v, lp, side, NULL, s->st_floor_img + side * m);
			else
				floor_radiance(s, &v, lp, s->st_floor_img + side * m);
		}
		s->nprims = saved;
	}
	if ((st = sim_build_prims(s, s->times[i], err)))
		return st;
	for (int side = 0; side < 2; side++) {
		double gain = side ? 1.06 : 1.0, offset = side ? 3 : 0;
		uint64_t stream = 0x100000 + 2 * i + (uint64_t)side;
		uint8_t *out = side ? right : left;
		pair_view(s, side, &v);
		sim_render_view(s, &v);
		if (!s->setup.raw_stereo) {
			shade(s, &v, lp, s->st_floor_img + side * m, NULL, gain, offset, stream,
			      out);
			continue;
		}
		raw_radiance(s, &v, lp, side, s->st_floor_img + side * m, s->st_raw);
		sim_view sensor;
		sim_scene_view(s, &sensor);
		shade(s, &sensor, lp, NULL, s->st_raw, gain, offset, stream, out);
	}
	return FF_OK;
}

ff_status ff_sim_scene_set_raw_stereo(ff_sim_scene *s, bool raw, ff_error *err)
{
	if (s->st_z && s->setup.raw_stereo != raw)
		return ff_error_set(err, FF_ERR_STATE,
				    "sim: the stereo pair is chosen before its first frame");
	s->setup.raw_stereo = raw;
	return FF_OK;
}

double ff_sim_scene_stereo_baseline(const ff_sim_scene *s)
{
	return s->setup.noise.baseline_m;
}

/* "[ a, b, ... ]" of n numbers into buf. */
static void yaml_list(char *buf, size_t cap, const double *x, int n)
{
	size_t len = (size_t)snprintf(buf, cap, "[");
	for (int i = 0; i < n && len < cap; i++)
		len +=
		    (size_t)snprintf(buf + len, cap - len, " %.9g%s", x[i], i + 1 < n ? "," : " ]");
}

ff_status ff_sim_scene_stereo_calib_yaml(const ff_sim_scene *s, char **out, ff_error *err)
{
	const ff_camera *c = &s->cam;
	double b = s->setup.noise.baseline_m;
	double m[2][9] = {{c->fx, 0, c->cx, 0, c->fy, c->cy, 0, 0, 1}}, d[2][5] = {{0}};
	double rot[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, t[3] = {-b, 0, 0};
	memcpy(m[1], m[0], sizeof m[0]);
	if (s->setup.raw_stereo) {
		sim_lens l[2];
		make_lenses(s, l);
		const sim_lens *r = l + 1;
		for (int k = 0; k < 2; k++) {
			double mk[9] = {l[k].fx, 0, l[k].cx, 0, l[k].fy, l[k].cy, 0, 0, 1};
			memcpy(m[k], mk, sizeof mk);
			memcpy(d[k], l[k].d, sizeof d[k]);
		}
		/* x_r = R_r (x_ideal - B) and x_ideal = R_l^T x_l */
		for (int i = 0; i < 3; i++) {
			for (int j = 0; j < 3; j++) {
				double acc = 0;
				for (int k = 0; k < 3; k++)
					acc += r->R[i][k] * l->R[j][k];
				rot[3 * i + j] = acc;
			}
			t[i] = -r->R[i][0] * b;
		}
	}
	char lm[2][256], ld[2][160], lr[256], lt[96];
	for (int k = 0; k < 2; k++) {
		yaml_list(lm[k], sizeof lm[k], m[k], 9);
		yaml_list(ld[k], sizeof ld[k], d[k], 5);
	}
	yaml_list(lr, sizeof lr, rot, 9);
	yaml_list(lt, sizeof lt, t, 3);
	const char *fmt = "%%YAML:1.0\n---\n"
			  "image_width: %d\nimage_height: %d\n"
			  "M1: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: %s\n"
			  "D1: !!opencv-matrix\n   rows: 1\n   cols: 5\n   dt: d\n   data: %s\n"
			  "M2: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: %s\n"
			  "D2: !!opencv-matrix\n   rows: 1\n   cols: 5\n   dt: d\n   data: %s\n"
			  "R: !!opencv-matrix\n   rows: 3\n   cols: 3\n   dt: d\n   data: %s\n"
			  "T: !!opencv-matrix\n   rows: 3\n   cols: 1\n   dt: d\n   data: %s\n";
	int len = snprintf(NULL, 0, fmt, c->width, c->height, lm[0], ld[0], lm[1], ld[1], lr, lt);
	char *text = len > 0 ? malloc((size_t)len + 1) : NULL;
	if (!text)
		return ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory");
	snprintf(text, (size_t)len + 1, fmt, c->width, c->height, lm[0], ld[0], lm[1], ld[1], lr,
		 lt);
	*out = text;
	return FF_OK;
}
