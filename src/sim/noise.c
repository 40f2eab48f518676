/*
 * noise.c - what a small-baseline stereo camera makes of the exact depth.
 *
 * Stereo measures disparity d = f * b / z, not depth, so errors live in
 * disparity and become depth errors that grow with z^2. Applied in order:
 *
 *  1. occlusion shadows: a left-image pixel whose point the right camera
 *     cannot see (something nearer covers it, or it falls outside the right
 *     image) has no match, hence no data. One right-to-left scan per row:
 *     pixel u is hidden when some pixel to its right maps at or left of
 *     u - d(u) in the right image;
 *  2. depth edges: block matching lets the near side win around edges, so
 *     background pixels next to a nearer surface take its disparity
 *     (fattening) or a value in between (flying pixels);
 *  3. disparity noise: a smooth field (a few pixels correlation, as matching
 *     windows produce) plus per-pixel noise, larger on low-texture surfaces;
 *  4. holes: blobs from a coarse random field thresholded per material
 *     (dark hair, dark cloth and thin metal fail more often) and distance;
 *  5. speckles: rare small clumps of wrong matches;
 *  6. quantisation to the matcher's sub-pixel step, then z = f * b / d.
 *
 * Every random number comes from a stream keyed by the scene seed and the
 * frame index, so a frame's noise does not depend on which frames were
 * rendered before it.
 */
#include <math.h>
#include <string.h>

#include "sim_internal.h"

#define CORR_STEP 12
#define HOLE_STEP 6

static const double hole_p[MAT_COUNT] = {
    [MAT_FLOOR] = 0.01,	     [MAT_SKIN] = 0.03,	 [MAT_HAIR_DARK] = 0.24,
    [MAT_HAIR_LIGHT] = 0.05, [MAT_CLOTH] = 0.02, [MAT_CLOTH_DARK] = 0.07,
    [MAT_METAL] = 0.25,	     [MAT_WOOD] = 0.03,	 [MAT_WALL] = 0.08,
};

/* Noise multiplier of low-texture surfaces. */
static const float texture_k[MAT_COUNT] = {
    [MAT_FLOOR] = 1.0f,	     [MAT_SKIN] = 1.3f,	 [MAT_HAIR_DARK] = 1.6f,
    [MAT_HAIR_LIGHT] = 1.2f, [MAT_CLOTH] = 1.0f, [MAT_CLOTH_DARK] = 1.4f,
    [MAT_METAL] = 1.5f,	     [MAT_WOOD] = 1.0f,	 [MAT_WALL] = 1.4f,
};

/* Upper-tail quantile of the standard normal (Abramowitz & Stegun 26.2.23). */
static double normal_upper_quantile(double p)
{
	if (p <= 1e-9)
		return 6;
	if (p >= 0.5)
		return 0;
	double t = sqrt(-2 * log(p));
	return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
		       (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
}

/* A coarse grid of standard normal values, step pixels apart. */
static void coarse_field(const ff_sim_scene *s, sim_rng *r, float *g, int gw, int gh)
{
	for (int i = 0; i < gw * gh; i++)
		g[i] = s->gauss[sim_rng_next(r) >> 52];
}

/* Row v of a coarse grid, interpolated vertically (one value per grid
 * column); pixels then only interpolate along the row. */
static void grid_row(const float *g, int gw, int step, int v, float *row)
{
	int gy = v / step;
	float fy = (float)(v - gy * step) / step;
	const float *a = g + gy * gw, *b = a + gw;
	for (int x = 0; x < gw; x++)
		row[x] = a[x] + fy * (b[x] - a[x]);
}

static float row_at(const float *row, int step, int u)
{
	int gx = u / step;
	float fx = (float)(u - gx * step) / step;
	return row[gx] + fx * (row[gx + 1] - row[gx]);
}

size_t sim_noise_field_size(int w, int h)
{
	size_t cw = (size_t)(w / CORR_STEP + 2), hw = (size_t)(w / HOLE_STEP + 2);
	return cw * (size_t)(h / CORR_STEP + 2) + hw * (size_t)(h / HOLE_STEP + 2) + cw + hw +
	       6 * (size_t)w;
}

static void exact(const ff_sim_scene *s, uint16_t *depth)
{
	size_t n = (size_t)s->cam.width * (size_t)s->cam.height;
	for (size_t i = 0; i < n; i++) {
		double mm = s->zbuf[i] * 1000.0;
		depth[i] = isfinite(mm) && mm < 65535 ? (uint16_t)lround(mm) : 0;
	}
}

static void shadows(const ff_sim_scene *s, float *d)
{
	int w = s->cam.width, h = s->cam.height;
	for (int v = 0; v < h; v++) {
		float *row = d + (size_t)v * w;
		float m = 1e30f;
		for (int u = w - 1; u >= 0; u--) {
			float dv = row[u];
			if (dv <= 0)
				continue;
			float xr = (float)u - dv;
			if (xr < 0 || m <= xr - 0.5f)
				row[u] = -1;
			if (xr < m)
				m = xr;
		}
	}
}

/* out[u] = the largest of in[u-1], in[u], in[u+1]. */
static void max3(const float *in, int w, float *out)
{
	for (int u = 0; u < w; u++) {
		float m = in[u];
		if (u > 0 && in[u - 1] > m)
			m = in[u - 1];
		if (u + 1 < w && in[u + 1] > m)
			m = in[u + 1];
		out[u] = m;
	}
}

/* Largest value of dz in row v within one (m1) and two (m2) pixels of
 * each column. */
static void row_max(const float *dz, int w, int v, float *m1, float *m2)
{
	max3(dz + (size_t)v * w, w, m1);
	max3(m1, w, m2);
}

/* Matching windows let the nearer surface win near a depth edge: a
 * background pixel next to a nearer one takes its disparity (fattening,
 * up to two pixels along the baseline) or a value in between (flying
 * pixel). `scratch` holds 6 rows. */
static void edges(const ff_sim_scene *s, float *d, const float *dz, float *scratch, sim_rng *r)
{
	int w = s->cam.width, h = s->cam.height;
	double fly = s->setup.noise.flying_rate, fat = fly + 0.45;
	float *near1 = scratch, *near2 = scratch + 3 * (size_t)w;
	/* rows v-1, v, v+1 live in a ring of three: slot = row % 3 */
	for (int k = 0; k < 2; k++)
		row_max(dz, w, k, near1 + (size_t)k * w, near2 + (size_t)k * w);
	for (int v = 1; v < h - 1; v++) {
		size_t slot = (size_t)((v + 1) % 3) * w;
		row_max(dz, w, v + 1, near1 + slot, near2 + slot);
		for (int u = 0; u < w; u++) {
			size_t i = (size_t)v * w + u;
			if (d[i] <= 0)
				continue;
			float here = dz[i], m1 = here, m2 = here;
			for (int k = 0; k < 3; k++) {
				if (near1[(size_t)k * w + u] > m1)
					m1 = near1[(size_t)k * w + u];
				if (near2[(size_t)k * w + u] > m2)
					m2 = near2[(size_t)k * w + u];
			}
			float lim = 0.08f * here > 1.0f ? 0.08f * here : 1.0f;
			if (m1 - here > lim) {
				double x = sim_rng_uniform(r);
				if (x < fly)
					d[i] = here + (float)sim_rng_uniform(r) * (m1 - here);
				else if (x < fat)
					d[i] = m1;
			} else if (m2 - here > lim && sim_rng_uniform(r) < 0.25) {
				d[i] = m2;
			}
		}
	}
}

void sim_noise_apply(ff_sim_scene *s, uint64_t frame, uint16_t *depth)
{
	const ff_sim_noise *nz = &s->setup.noise;
	if (!nz->enabled) {
		exact(s, depth);
		return;
	}
	int w = s->cam.width, h = s->cam.height;
	size_t n = (size_t)w * (size_t)h;
	float fb = (float)(s->cam.fx * nz->baseline_m);
	float *d = s->work;
	sim_rng r = sim_rng_stream(s->setup.seed, 3, frame);

	float *dz = s->dexact;
	for (size_t i = 0; i < n; i++)
		dz[i] = isfinite(s->zbuf[i]) ? fb / s->zbuf[i] : 0;
	memcpy(d, dz, sizeof *d * n);
	if (nz->shadows)
		shadows(s, d);
	edges(s, d, dz, s->field + sim_noise_field_size(w, h) - 6 * (size_t)w, &r);

	int cw = w / CORR_STEP + 2, ch = h / CORR_STEP + 2;
	int hw = w / HOLE_STEP + 2, hh = h / HOLE_STEP + 2;
	float *corr = s->field, *holes = corr + cw * ch;
	float *corr_row = holes + hw * hh, *hole_row = corr_row + cw;
	coarse_field(s, &r, corr, cw, ch);
	coarse_field(s, &r, holes, hw, hh);
	double floor_p = hole_p[MAT_FLOOR] + 0.08 * (1 - s->setup.floor_texture);
	float thr[MAT_COUNT][8];
	for (int m = 0; m < MAT_COUNT; m++)
		for (int k = 0; k < 8; k++) {
			double p = (m == MAT_FLOOR ? floor_p : hole_p[m]) * nz->hole_rate;
			p *= 0.5 + 0.5 * (k + 0.5) / 3.0; /* k: depth band of 1 m */
			thr[m][k] = (float)(0.75 * normal_upper_quantile(p));
		}
	float sig = (float)nz->disparity_sigma, csig = (float)nz->correlated_sigma;
	float step = (float)nz->subpixel, inv_step = 1.0f / step;
	float min_z = (float)nz->min_depth_m;
	uint64_t bits = 0;
	int nbits = 0;
	for (int v = 0; v < h; v++) {
		grid_row(corr, cw, CORR_STEP, v, corr_row);
		grid_row(holes, hw, HOLE_STEP, v, hole_row);
		for (int u = 0; u < w; u++) {
			size_t i = (size_t)v * w + u;
			float dv = d[i];
			depth[i] = 0;
			if (dv <= 0)
				continue;
			int m = s->mat[i];
			float z = s->zbuf[i];
			int band = z < 7 ? (int)z : 7;
			if (row_at(hole_row, HOLE_STEP, u) > thr[m][band])
				continue;
			if (nbits == 0) {
				bits = sim_rng_next(&r);
				nbits = 5;
			}
			float g = s->gauss[bits & 4095];
			bits >>= 12;
			nbits--;
			dv += texture_k[m] * (g * sig + csig * row_at(corr_row, CORR_STEP, u));
			/* positive values only, so truncation after +0.5 rounds */
			if (dv <= 0.5f * step)
				continue;
			dv = (float)(int)(dv * inv_step + 0.5f) * step;
			float zm = fb / dv;
			if (zm < min_z || zm > 65.0f)
				continue;
			depth[i] = (uint16_t)(zm * 1000.0f + 0.5f);
		}
	}

	size_t nspeck = (size_t)(nz->speckle_rate * (double)n);
	for (size_t k = 0; k < nspeck; k++) {
		int u = (int)(sim_rng_uniform(&r) * (w - 1)),
		    v = (int)(sim_rng_uniform(&r) * (h - 1));
		double zm = sim_rng_range(&r, 0.3, s->setup.height_m * 1.3);
		uint16_t val = (uint16_t)lround(zm * 1000);
		for (int dy = 0; dy < 2; dy++)
			for (int dx = 0; dx < 2; dx++)
				depth[(size_t)(v + dy) * w + u + dx] = val;
	}
}
