/*
 * test_sgm.c - the semi-global matcher, its files and conversions.
 *
 * Synthetic pairs are rendered from a known disparity map: a smooth random
 * texture painted on surfaces (a slanted background plane and fronto-
 * parallel boxes), the right view ray-cast from the same surfaces so that
 * occlusions are exact. The SIMD code paths must reproduce the scalar
 * reference bit for bit on random and real (Middlebury) images; accuracy,
 * the left-right check, the speckle filter, hole filling, PFM files, PNG
 * reading and every rejected argument are checked separately.
 */
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_io_util.h"

#include <footfall/sgm.h>

#define MIDDLEBURY FF_SHARED_DIR "/data/middlebury/"

/* ---- Synthetic scenes ----------------------------------------------------- */

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* A surface of the scene: disparity a + b*x inside [x0,x1) x [y0,y1). */
typedef struct surface {
	double a, b;
	int x0, x1, y0, y1;
	int tex_off; /* each surface shows its own part of the texture */
} surface;

typedef struct scene {
	int w, h, tw;
	float *tex; /* h x tw smooth texture */
	int nsurf;
	surface surf[4];
	uint8_t *left, *right;
	float *gt;    /* left disparity */
	uint8_t *vis; /* left pixel visible in the right image */
} scene;

static float texture_at(const scene *sc, double x, int y)
{
	if (x < 0)
		x = 0;
	if (x > sc->tw - 2)
		x = sc->tw - 2;
	int i = (int)x;
	double f = x - i;
	const float *row = sc->tex + (size_t)y * (size_t)sc->tw;
	return (float)(row[i] * (1 - f) + row[i + 1] * f);
}

/* The front-most surface seen by the view in which left coordinate x
 * appears at u = x - shift*d(x); returns its index and the left x. */
static int cast(const scene *sc, double u, int y, double shift, double *xl)
{
	int best = -1;
	double bd = -1;
	for (int k = 0; k < sc->nsurf; k++) {
		const surface *s = &sc->surf[k];
		double x = (u + shift * s->a) / (1 - shift * s->b);
		double d = s->a + s->b * x;
		if (x < s->x0 || x >= s->x1 || y < s->y0 || y >= s->y1 || d <= bd)
			continue;
		best = k;
		bd = d;
		*xl = x;
	}
	return best;
}

static void scene_render(scene *sc, uint64_t seed)
{
	int w = sc->w, h = sc->h;
	uint64_t rs = seed;
	sc->tw = w + 512;
	float *noise = calloc((size_t)h * (size_t)sc->tw, sizeof *noise);
	sc->tex = calloc((size_t)h * (size_t)sc->tw, sizeof *sc->tex);
	sc->left = malloc((size_t)w * (size_t)h);
	sc->right = malloc((size_t)w * (size_t)h);
	sc->gt = malloc((size_t)w * (size_t)h * sizeof *sc->gt);
	sc->vis = malloc((size_t)w * (size_t)h);
	assert_non_null(noise);
	assert_non_null(sc->tex);
	assert_non_null(sc->left);
	assert_non_null(sc->right);
	assert_non_null(sc->gt);
	assert_non_null(sc->vis);
	for (size_t i = 0; i < (size_t)h * (size_t)sc->tw; i++)
		noise[i] = (float)(rng_next(&rs) % 256);
	/* 3x3 box blur: texture with some spatial correlation, like a photo. */
	for (int y = 0; y < h; y++)
		for (int x = 0; x < sc->tw; x++) {
			float s = 0;
			int n = 0;
			for (int dy = -1; dy <= 1; dy++)
				for (int dx = -1; dx <= 1; dx++) {
					int yy = y + dy, xx = x + dx;
					if (yy < 0 || yy >= h || xx < 0 || xx >= sc->tw)
						continue;
					s += noise[(size_t)yy * (size_t)sc->tw + (size_t)xx];
					n++;
				}
			sc->tex[(size_t)y * (size_t)sc->tw + (size_t)x] = s / (float)n;
		}
	free(noise);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			size_t i = (size_t)y * (size_t)w + (size_t)x;
			double xl = 0, xr = 0;
			int k = cast(sc, x, y, 0, &xl);
			assert_true(k >= 0);
			const surface *s = &sc->surf[k];
			double d = s->a + s->b * xl;
			float v = texture_at(sc, xl + s->tex_off, y);
			sc->left[i] = (uint8_t)(v + 0.5f);
			sc->gt[i] = (float)d;
			int kr = cast(sc, x, y, 1, &xr);
			const surface *sr = &sc->surf[kr];
			/* The right camera is a little darker: census must not care. */
			float vr = 0.85f * texture_at(sc, xr + sr->tex_off, y) + 12.0f;
			sc->right[i] = (uint8_t)(vr + 0.5f);
			double u = x - d;
			double xb = 0;
			sc->vis[i] = u >= 0 && cast(sc, u, y, 1, &xb) == k;
		}
}

static void scene_free(scene *sc)
{
	free(sc->tex);
	free(sc->left);
	free(sc->right);
	free(sc->gt);
	free(sc->vis);
}

/* Background plane slanted from disparity 8 to 14, a box at 24 and a box at
 * 36 on top of it. */
static void scene_boxes(scene *sc, int w, int h, uint64_t seed)
{
	memset(sc, 0, sizeof *sc);
	sc->w = w;
	sc->h = h;
	sc->nsurf = 3;
	sc->surf[0] = (surface){8, 6.0 / w, -1000, 10000, 0, h, 0};
	sc->surf[1] = (surface){24, 0, w / 4, w / 4 + w / 5, h / 5, h - h / 4, 170};
	sc->surf[2] = (surface){36, 0, w / 2 + 20, w / 2 + 20 + w / 6, h / 3, h - h / 8, 340};
	scene_render(sc, seed);
}

/* ---- Helpers ---------------------------------------------------------------- */

static ff_sgm *make(int w, int h, const ff_sgm_params *p)
{
	ff_sgm *sgm = NULL;
	ff_error err = {0};
	ff_status st = ff_sgm_create(w, h, p, &sgm, &err);
	if (st)
		fail_msg("ff_sgm_create: %s", err.msg);
	return sgm;
}

static int16_t *match(const ff_sgm_params *p, const uint8_t *l, const uint8_t *r, int w, int h)
{
	ff_sgm *sgm = make(w, h, p);
	int16_t *disp = malloc((size_t)w * (size_t)h * sizeof *disp);
	assert_non_null(disp);
	ff_error err = {0};
	assert_int_equal(ff_sgm_compute(sgm, l, (size_t)w, r, (size_t)w, disp, (size_t)w, &err),
			 FF_OK);
	ff_sgm_destroy(sgm);
	return disp;
}

static const ff_sgm_simd levels[] = {FF_SGM_SIMD_SSE2, FF_SGM_SIMD_SSE41, FF_SGM_SIMD_AVX2,
				     FF_SGM_SIMD_AVX512};

/* Runs every supported SIMD level and checks that disparities and right
 * disparities equal the scalar code's; at least min_valid percent of the
 * scalar output must be valid for the comparison to mean something. */
static void check_simd_equal(const ff_sgm_params *base, const uint8_t *l, const uint8_t *r, int w,
			     int h, size_t min_valid)
{
	size_t n = (size_t)w * (size_t)h;
	ff_sgm_params p = *base;
	p.simd = FF_SGM_SIMD_SCALAR;
	ff_sgm *ref = make(w, h, &p);
	int16_t *d0 = malloc(n * sizeof *d0), *d1 = malloc(n * sizeof *d1);
	assert_non_null(d0);
	assert_non_null(d1);
	assert_int_equal(ff_sgm_compute(ref, l, (size_t)w, r, (size_t)w, d0, (size_t)w, NULL),
			 FF_OK);
	assert_string_equal(ff_sgm_simd_name(ref), "scalar");
	size_t valid = 0;
	for (size_t i = 0; i < n; i++)
		valid += d0[i] >= 0;
	if (valid * 100 < n * min_valid)
		fail_msg("only %zu of %zu pixels valid", valid, n);
	for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++) {
		if (!ff_sgm_simd_supported(levels[k]))
			continue;
		p.simd = levels[k];
		ff_sgm *s = make(w, h, &p);
		memset(d1, 0x55, n * sizeof *d1);
		assert_int_equal(ff_sgm_compute(s, l, (size_t)w, r, (size_t)w, d1, (size_t)w, NULL),
				 FF_OK);
		for (size_t i = 0; i < n; i++)
			if (d0[i] != d1[i])
				fail_msg("%s differs from scalar at (%zu, %zu): %d != %d (D=%d, "
					 "paths %d, census %dx%d)",
					 ff_sgm_simd_name(s), i % (size_t)w, i / (size_t)w, d1[i],
					 d0[i], p.max_disparity, p.paths, p.census_width,
					 p.census_height);
		assert_memory_equal(ff_sgm_right_disparity(ref), ff_sgm_right_disparity(s),
				    n * sizeof(int16_t));
		ff_sgm_destroy(s);
	}
	ff_sgm_destroy(ref);
	free(d0);
	free(d1);
}

/* ---- SIMD against scalar ------------------------------------------------------ */

static void test_simd_equal_random(void **state)
{
	(void)state;
	int w = 157, h = 41; /* odd sizes: vector tails everywhere */
	size_t n = (size_t)w * (size_t)h;
	uint8_t *l = malloc(n), *r = malloc(n);
	assert_non_null(l);
	assert_non_null(r);
	uint64_t rs = 0x9e3779b97f4a7c15u;
	/* Pure noise (ties everywhere in the costs) and a shifted copy of it. */
	for (size_t i = 0; i < n; i++)
		l[i] = (uint8_t)(rng_next(&rs) >> 56);
	for (size_t i = 0; i < n; i++)
		r[i] = i % (size_t)w + 11 < (size_t)w ? l[i + 11] : (uint8_t)(rng_next(&rs) >> 56);

	static const struct {
		int ndisp, paths, cw, ch, uniq, ad, adapt, lr;
		ff_sgm_subpixel sub;
	} cases[] = {
	    {16, 5, 7, 5, 10, 16, 8, 1, FF_SGM_SUBPIXEL_EQUIANGULAR},
	    {32, 8, 9, 7, 0, 0, 0, 0, FF_SGM_SUBPIXEL_PARABOLA},
	    {48, 5, 5, 5, 15, 8, 4, -1, FF_SGM_SUBPIXEL_NONE},
	    {64, 8, 7, 5, 5, 63, 255, 2, FF_SGM_SUBPIXEL_EQUIANGULAR},
	    {96, 5, 3, 3, 10, 16, 8, 1, FF_SGM_SUBPIXEL_PARABOLA},
	    {144, 8, 11, 5, 10, 16, 8, 1, FF_SGM_SUBPIXEL_EQUIANGULAR},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		ff_sgm_params p;
		ff_sgm_params_default(&p);
		p.max_disparity = cases[c].ndisp;
		p.paths = cases[c].paths;
		p.census_width = cases[c].cw;
		p.census_height = cases[c].ch;
		p.uniqueness = cases[c].uniq;
		p.ad_cap = cases[c].ad;
		p.p2_adapt = cases[c].adapt;
		p.lr_max_diff = cases[c].lr;
		p.subpixel = cases[c].sub;
		p.speckle_size = c % 2 ? 0 : 20;
		p.fill_holes = c % 3 == 0;
		check_simd_equal(&p, l, r, w, h, 50);
		/* Swapped, every disparity is wrong: ambiguity everywhere. */
		check_simd_equal(&p, r, l, w, h, 0);
	}
	/* Rows narrower than a vector (the kernels hand them down to
	 * narrower code). */
	ff_sgm_params p;
	ff_sgm_params_default(&p);
	p.max_disparity = 16;
	check_simd_equal(&p, l, r, 40, 12, 0);
	check_simd_equal(&p, l, r, 20, 12, 0);
	free(l);
	free(r);
}

static void test_simd_equal_synthetic(void **state)
{
	(void)state;
	scene sc;
	scene_boxes(&sc, 300, 90, 7);
	ff_sgm_params p;
	ff_sgm_params_default(&p);
	check_simd_equal(&p, sc.left, sc.right, sc.w, sc.h, 80);
	p.paths = 8;
	p.max_disparity = 48;
	check_simd_equal(&p, sc.left, sc.right, sc.w, sc.h, 80);
	scene_free(&sc);
}

static uint8_t *load_png(const char *path, int *w, int *h)
{
	uint8_t *img = NULL;
	ff_error err = {0};
	if (ff_grey_png_read(path, &img, w, h, &err))
		fail_msg("%s", err.msg);
	return img;
}

static void test_simd_equal_middlebury(void **state)
{
	(void)state;
	static const struct {
		const char *scene;
		int ndisp;
	} scenes[] = {{"tsukuba", 16}, {"teddy", 64}};
	for (size_t i = 0; i < sizeof scenes / sizeof scenes[0]; i++) {
		char lp[512], rp[512];
		int w, h, w2, h2;
		snprintf(lp, sizeof lp, MIDDLEBURY "%s/left.png", scenes[i].scene);
		snprintf(rp, sizeof rp, MIDDLEBURY "%s/right.png", scenes[i].scene);
		uint8_t *l = load_png(lp, &w, &h), *r = load_png(rp, &w2, &h2);
		assert_int_equal(w, w2);
		assert_int_equal(h, h2);
		ff_sgm_params p;
		ff_sgm_params_default(&p);
		p.max_disparity = scenes[i].ndisp;
		check_simd_equal(&p, l, r, w, h, 70);
		p.paths = 13 - p.paths; /* the other mode */
		check_simd_equal(&p, l, r, w, h, 70);
		free(l);
		free(r);
	}
}

/* ---- Accuracy and filters -------------------------------------------------- */

/* Share of visible pixels (with their match inside the right image) whose
 * disparity is within tol pixels; invalid output counts as wrong. */
static double share_within(const scene *sc, const int16_t *disp, double tol)
{
	size_t good = 0, total = 0;
	for (size_t i = 0; i < (size_t)sc->w * (size_t)sc->h; i++) {
		if (!sc->vis[i])
			continue;
		total++;
		good +=
		    disp[i] >= 0 && fabs(disp[i] / (double)FF_SGM_DISP_SCALE - sc->gt[i]) <= tol;
	}
	assert_true(total > 0);
	return (double)good / (double)total;
}

static void test_accuracy_synthetic(void **state)
{
	(void)state;
	scene sc;
	scene_boxes(&sc, 320, 160, 1234);
	ff_sgm_params p;
	ff_sgm_params_default(&p);
	for (int paths = 5; paths <= 8; paths += 3) {
		p.paths = paths;
		int16_t *d = match(&p, sc.left, sc.right, sc.w, sc.h);
		double s = share_within(&sc, d, 1.0);
		print_message("%d paths: %.2f%% within 1 px\n", paths, 100 * s);
		assert_true(s >= 0.95);
		free(d);
	}
	/* With several threads the strips' vertical paths start over; the
	 * result stays as good and almost identical. */
	p.paths = 5;
	int16_t *d1 = match(&p, sc.left, sc.right, sc.w, sc.h);
	p.threads = 3;
	int16_t *d3 = match(&p, sc.left, sc.right, sc.w, sc.h);
	size_t same = 0, n = (size_t)sc.w * (size_t)sc.h;
	for (size_t i = 0; i < n; i++)
		same += d1[i] == d3[i];
	assert_true(same >= n * 98 / 100);
	assert_true(share_within(&sc, d3, 1.0) >= 0.95);
	free(d1);
	free(d3);
	scene_free(&sc);
}

static void test_lr_check_occlusion(void **state)
{
	(void)state;
	int w = 240, h = 80;
	scene sc;
	memset(&sc, 0, sizeof sc);
	sc.w = w;
	sc.h = h;
	sc.nsurf = 2;
	/* A box at 30 over a background at 6: the 24 background pixels left
	 * of the box are hidden from the right camera. */
	sc.surf[0] = (surface){6, 0, -1000, 10000, 0, h, 0};
	sc.surf[1] = (surface){30, 0, 120, 190, 0, h, 250};
	scene_render(&sc, 99);

	ff_sgm_params p;
	ff_sgm_params_default(&p);
	p.speckle_size = 0;
	p.uniqueness = 0;
	p.fill_holes = false;
	int16_t *with = match(&p, sc.left, sc.right, w, h);
	p.lr_max_diff = -1;
	int16_t *without = match(&p, sc.left, sc.right, w, h);
	size_t strip = 0, inv_with = 0, inv_without = 0, seen_bad = 0, seen = 0;
	for (int y = 4; y < h - 4; y++)
		for (int x = 0; x < w; x++) {
			size_t i = (size_t)y * (size_t)w + (size_t)x;
			if (x >= 100 && x < 118) {
				assert_false(sc.vis[i]);
				strip++;
				inv_with += with[i] < 0;
				inv_without += without[i] < 0;
			} else if (sc.vis[i] && x >= 64) {
				seen++;
				seen_bad += with[i] < 0;
			}
		}
	print_message("occluded strip: %zu/%zu invalid with the check, %zu without\n", inv_with,
		      strip, inv_without);
	assert_true(inv_with >= strip * 8 / 10);
	assert_true(inv_without <= strip / 10);
	/* Visible pixels stay valid. */
	assert_true(seen_bad <= seen / 50);
	free(with);
	free(without);
	scene_free(&sc);
}

static void test_speckle_filter(void **state)
{
	(void)state;
	int w = 200, h = 80;
	scene sc;
	memset(&sc, 0, sizeof sc);
	sc.w = w;
	sc.h = h;
	sc.nsurf = 2;
	/* A 7x7 object (49 pixels) at 30 over a background at 10. */
	sc.surf[0] = (surface){10, 0, -1000, 10000, 0, h, 0};
	sc.surf[1] = (surface){30, 0, 120, 127, 30, 37, 300};
	scene_render(&sc, 5);

	ff_sgm_params p;
	ff_sgm_params_default(&p);
	p.census_width = 5;
	p.census_height = 5;
	p.lr_max_diff = -1;
	p.uniqueness = 0;
	p.speckle_size = 0;
	p.fill_holes = false;
	int16_t *raw = match(&p, sc.left, sc.right, w, h);
	p.speckle_size = 100;
	int16_t *filtered = match(&p, sc.left, sc.right, w, h);
	int kept_raw = 0, kept_filtered = 0;
	for (int y = 30; y < 37; y++)
		for (int x = 120; x < 127; x++) {
			int16_t a = raw[y * w + x], b = filtered[y * w + x];
			kept_raw +=
			    a >= 0 && abs(a - 30 * FF_SGM_DISP_SCALE) <= 2 * FF_SGM_DISP_SCALE;
			kept_filtered +=
			    b >= 0 && abs(b - 30 * FF_SGM_DISP_SCALE) <= 2 * FF_SGM_DISP_SCALE;
		}
	print_message("object pixels at its disparity: %d raw, %d filtered\n", kept_raw,
		      kept_filtered);
	assert_true(kept_raw >= 10);
	assert_int_equal(kept_filtered, 0);
	/* The large background region survives. */
	size_t bg = 0;
	for (int x = 40; x < 100; x++)
		bg += filtered[60 * w + x] >= 0;
	assert_true(bg >= 55);
	free(raw);
	free(filtered);
	scene_free(&sc);
}

/* The speckle filter's definition, as a plain flood fill. */
static void speckle_reference(int16_t *d, int w, int h, int size, int range)
{
	size_t n = (size_t)w * (size_t)h;
	uint8_t *seen = calloc(n, 1);
	int *stack = malloc(n * sizeof *stack);
	assert_non_null(seen);
	assert_non_null(stack);
	for (int start = 0; start < (int)n; start++) {
		if (seen[start] || d[start] < 0)
			continue;
		int top = 0, cnt = 0;
		seen[start] = 1;
		stack[cnt++] = start;
		while (top < cnt) {
			int i = stack[top++], x = i % w, y = i / w;
			int nb[4] = {x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, y > 0 ? i - w : -1,
				     y < h - 1 ? i + w : -1};
			for (int k = 0; k < 4; k++) {
				int j = nb[k];
				if (j >= 0 && !seen[j] && d[j] >= 0 && abs(d[j] - d[i]) <= range) {
					seen[j] = 1;
					stack[cnt++] = j;
				}
			}
		}
		if (cnt < size)
			for (int k = 0; k < cnt; k++)
				d[stack[k]] = FF_SGM_INVALID;
	}
	free(seen);
	free(stack);
}

static void test_speckle_random(void **state)
{
	(void)state;
	int w = 90, h = 37;
	size_t n = (size_t)w * (size_t)h;
	int16_t *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	assert_non_null(a);
	assert_non_null(b);
	ff_sgm_params p;
	ff_sgm_params_default(&p);
	p.max_disparity = 32;
	uint64_t rs = 77;
	size_t valid = 0, removed = 0;
	for (int round = 0; round < 40; round++) {
		p.speckle_size = 1 + (int)(rng_next(&rs) % 60);
		p.speckle_range = (int)(rng_next(&rs) % 3);
		ff_sgm *sgm = make(w, h, &p);
		/* Blocky levels with noise and holes: regions of every size. */
		int nlev = 2 + (int)(rng_next(&rs) % 6), block = 1 + (int)(rng_next(&rs) % 6);
		for (size_t i = 0; i < n; i++) {
			int x = (int)(i % (size_t)w) / block, y = (int)(i / (size_t)w) / block;
			uint64_t hsh =
			    (uint64_t)(x * 7919 + y * 104729 + round) * 0x9e3779b97f4a7c15u;
			int16_t v = (int16_t)((hsh >> 40) % (uint64_t)nlev * 40);
			v = (int16_t)(v + (int)(rng_next(&rs) % 9) - 4);
			a[i] = rng_next(&rs) % 10 == 0 || v < 0 ? FF_SGM_INVALID : v;
		}
		memcpy(b, a, n * sizeof *a);
		for (size_t i = 0; i < n; i++)
			valid += a[i] >= 0;
		assert_int_equal(ff_sgm_filter_speckles(sgm, a, (size_t)w, NULL), FF_OK);
		for (size_t i = 0; i < n; i++)
			removed += b[i] >= 0 && a[i] < 0;
		speckle_reference(b, w, h, p.speckle_size, p.speckle_range * FF_SGM_DISP_SCALE);
		assert_memory_equal(a, b, n * sizeof *a);
		ff_sgm_destroy(sgm);
	}
	/* Both outcomes occurred. */
	print_message("speckles: %zu of %zu valid pixels removed\n", removed, valid);
	assert_true(removed > valid / 20 && removed < valid * 9 / 10);
	ff_error err = {0};
	ff_sgm *sgm = make(w, h, &p);
	assert_int_equal(ff_sgm_filter_speckles(sgm, a, (size_t)w - 1, &err), FF_ERR_SIZE);
	assert_int_equal(ff_sgm_filter_speckles(sgm, NULL, (size_t)w, &err), FF_ERR_INVALID);
	assert_int_equal(ff_sgm_filter_speckles(NULL, a, (size_t)w, &err), FF_ERR_INVALID);
	ff_sgm_destroy(sgm);
	free(a);
	free(b);
}

static void test_fill_holes(void **state)
{
	(void)state;
	int16_t d[3][8] = {
	    {-1, -1, 40, -1, -1, 80, -1, 96},
	    {-1, -1, -1, -1, -1, -1, -1, -1},
	    {64, -1, -1, -1, -1, -1, -1, 32},
	};
	ff_sgm_fill_holes(&d[0][0], 8, 8, 3, 4);
	static const int16_t want0[8] = {40, 40, 40, 40, 40, 80, 80, 96};
	assert_memory_equal(d[0], want0, sizeof want0);
	for (int x = 0; x < 8; x++)
		assert_int_equal(d[1][x], FF_SGM_INVALID); /* nothing to fill from */
	assert_int_equal(d[2][3], FF_SGM_INVALID);	   /* run of 6 > 4 */
	ff_sgm_fill_holes(&d[2][0], 8, 8, 1, 6);
	for (int x = 1; x < 7; x++)
		assert_int_equal(d[2][x], 32); /* the farther side */
}

static void test_fill_option_and_stride(void **state)
{
	(void)state;
	scene sc;
	scene_boxes(&sc, 200, 60, 3);
	int w = sc.w, h = sc.h;
	size_t stride = (size_t)w + 13;
	uint8_t *l = calloc(stride * (size_t)h, 1), *r = calloc(stride * (size_t)h, 1);
	int16_t *d = malloc(stride * (size_t)h * sizeof *d);
	assert_non_null(l);
	assert_non_null(r);
	assert_non_null(d);
	for (int y = 0; y < h; y++) {
		memcpy(l + (size_t)y * stride, sc.left + (size_t)y * (size_t)w, (size_t)w);
		memcpy(r + (size_t)y * stride, sc.right + (size_t)y * (size_t)w, (size_t)w);
	}
	ff_sgm_params p;
	ff_sgm_params_default(&p);
	p.fill_holes = false;
	int16_t *packed = match(&p, sc.left, sc.right, w, h);
	ff_sgm *sgm = make(w, h, &p);
	assert_int_equal(ff_sgm_compute(sgm, l, stride, r, stride, d, stride, NULL), FF_OK);
	for (int y = 0; y < h; y++)
		assert_memory_equal(d + (size_t)y * stride, packed + (size_t)y * (size_t)w,
				    (size_t)w * sizeof *d);
	ff_sgm_destroy(sgm);

	p.fill_holes = true;
	p.fill_max_run = 1000;
	int16_t *filled = match(&p, sc.left, sc.right, w, h);
	size_t holes = 0, holes_filled = 0;
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++) {
		holes += packed[i] < 0;
		holes_filled += filled[i] < 0;
	}
	assert_true(holes > 0);
	assert_int_equal(holes_filled, 0);
	free(packed);
	free(filled);
	free(l);
	free(r);
	free(d);
	scene_free(&sc);
}

/* ---- Conversions ---------------------------------------------------------- */

static void test_float_and_depth(void **state)
{
	(void)state;
	int16_t d[4] = {FF_SGM_INVALID, 0, 16 * 10, 16 * 10 + 8};
	float f[4];
	ff_sgm_to_float(d, 4, 4, 1, INFINITY, f, 4);
	assert_true(isinf(f[0]));
	assert_true(f[1] == 0.0f);
	assert_true(f[2] == 10.0f);
	assert_true(f[3] == 10.5f);
	assert_true(isnan(ff_sgm_disp_to_float(-7, NAN)));

	uint16_t z[4];
	ff_error err = {0};
	/* f = 400 px, B = 0.075 m: d = 10 px -> 3 m = 3000 mm. */
	assert_int_equal(ff_sgm_depth_u16(d, 4, 4, 1, 400.0, 0.075, 1000.0, z, 4, &err), FF_OK);
	assert_int_equal(z[0], 0);
	assert_int_equal(z[1], 0);
	assert_int_equal(z[2], 3000);
	assert_int_equal(z[3], 2857); /* 30000 / 10.5 */
	/* Too far for 16 bits: no data. */
	int16_t tiny = 1;
	uint16_t zt = 7;
	assert_int_equal(ff_sgm_depth_u16(&tiny, 1, 1, 1, 400.0, 0.075, 1000.0, &zt, 1, NULL),
			 FF_OK);
	assert_int_equal(zt, 0);
	assert_int_equal(ff_sgm_depth_u16(d, 4, 4, 1, -1.0, 0.075, 1000.0, z, 4, &err),
			 FF_ERR_INVALID);
	assert_int_equal(ff_sgm_depth_u16(d, 4, 4, 1, 400.0, NAN, 1000.0, z, 4, &err),
			 FF_ERR_INVALID);
	assert_int_equal(ff_sgm_depth_u16(d, 2, 4, 1, 400.0, 0.075, 1000.0, z, 4, &err),
			 FF_ERR_SIZE);
	assert_int_equal(ff_sgm_depth_u16(NULL, 4, 4, 1, 400.0, 0.075, 1000.0, z, 4, &err),
			 FF_ERR_INVALID);
}

/* ---- Files ------------------------------------------------------------------- */

static char *tmpdir;

static int setup_tmp(void **state)
{
	(void)state;
	tmpdir = tio_mkdtemp();
	return tmpdir ? 0 : -1;
}

static int teardown_tmp(void **state)
{
	(void)state;
	tio_rmtree(tmpdir);
	free(tmpdir);
	return 0;
}

static void tmp_path(char *buf, size_t cap, const char *name)
{
	snprintf(buf, cap, "%s/%s", tmpdir, name);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void test_pfm_round_trip(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "a.pfm");
	float img[3 * 5];
	for (int i = 0; i < 15; i++)
		img[i] = (float)i * 0.25f - 1.0f;
	img[7] = INFINITY;
	/* Written from a strided buffer: only the first 3 of 5 columns. */
	ff_error err = {0};
	assert_int_equal(ff_pfm_write(path, img, 5, 3, 3, &err), FF_OK);
	float *back = NULL;
	int w = 0, h = 0;
	assert_int_equal(ff_pfm_read(path, &back, &w, &h, &err), FF_OK);
	assert_int_equal(w, 3);
	assert_int_equal(h, 3);
	for (int y = 0; y < 3; y++)
		for (int x = 0; x < 3; x++) {
			float a = img[y * 5 + x], b = back[y * 3 + x];
			assert_true(a == b || (isinf(a) && isinf(b)));
		}
	free(back);

	/* The layout on disk: header, then the bottom row first, little-endian. */
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char head[16] = {0};
	assert_int_equal(fread(head, 1, 12, f), 12);
	assert_string_equal(head, "Pf\n3 3\n-1.0\n");
	unsigned char first[4];
	assert_int_equal(fread(first, 1, 4, f), 4);
	fclose(f);
	float v = img[10];
	uint32_t bits;
	memcpy(&bits, &v, 4);
	assert_int_equal(first[0], bits & 0xff);
	assert_int_equal(first[3], bits >> 24);
}

static void test_pfm_big_endian_and_errors(void **state)
{
	(void)state;
	char path[128];
	tmp_path(path, sizeof path, "be.pfm");
	/* 2x1, scale +1 (big-endian): 1.0 and -2.0. */
	static const unsigned char be[] = {'P',	 'f',  '\n', '2', ' ',	'1', '\n', '1', '\n',
					   0x3f, 0x80, 0,    0,	  0xc0, 0,   0,	   0};
	write_bytes(path, be, sizeof be);
	float *d = NULL;
	int w, h;
	ff_error err = {0};
	assert_int_equal(ff_pfm_read(path, &d, &w, &h, &err), FF_OK);
	assert_true(d[0] == 1.0f && d[1] == -2.0f);
	free(d);

	static const struct {
		const char *name;
		const char *text;
		size_t len;
		ff_status code;
	} bad[] = {
	    {"colour.pfm", "PF\n1 1\n-1\n", 10, FF_ERR_FORMAT},
	    {"size.pfm", "Pf\n0 1\n-1\n", 10, FF_ERR_FORMAT},
	    {"width.pfm", "Pf\nx 1\n-1\n", 10, FF_ERR_FORMAT},
	    {"scale.pfm", "Pf\n1 1\nabc\n", 11, FF_ERR_FORMAT},
	    {"short.pfm", "Pf\n2 2\n-1.0\n\1\2\3\4", 16, FF_ERR_FORMAT},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		tmp_path(path, sizeof path, bad[i].name);
		write_bytes(path, bad[i].text, bad[i].len);
		assert_int_equal(ff_pfm_read(path, &d, &w, &h, &err), bad[i].code);
		assert_non_null(strstr(err.msg, bad[i].name));
	}
	assert_int_equal(ff_pfm_read(FF_SHARED_DIR "/no/such.pfm", &d, &w, &h, &err), FF_ERR_IO);
	assert_non_null(strstr(err.msg, "no/such.pfm"));
	float one = 1;
	assert_int_equal(ff_pfm_write("/no/such/dir/x.pfm", &one, 1, 1, 1, &err), FF_ERR_IO);
	assert_int_equal(ff_pfm_write(path, &one, 0, 1, 1, &err), FF_ERR_SIZE);
	assert_int_equal(ff_pfm_write(path, NULL, 1, 1, 1, &err), FF_ERR_INVALID);
}

/* Writes a small PNG with libpng's simplified API. */
static void write_png(const char *path, int w, int h, png_uint_32 format, const void *px)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	img.format = format;
	assert_true(png_image_write_to_file(&img, path, 0, px, 0, NULL));
}

static void test_png_reader(void **state)
{
	(void)state;
	char path[128];
	ff_error err = {0};
	uint8_t *img = NULL;
	int w, h;

	tmp_path(path, sizeof path, "grey.png");
	uint8_t grey[6] = {0, 10, 20, 200, 250, 255};
	write_png(path, 3, 2, PNG_FORMAT_GRAY, grey);
	assert_int_equal(ff_grey_png_read(path, &img, &w, &h, &err), FF_OK);
	assert_int_equal(w, 3);
	assert_int_equal(h, 2);
	assert_memory_equal(img, grey, 6);
	free(img);

	/* Colour with alpha: BT.601 weights, alpha ignored. */
	tmp_path(path, sizeof path, "rgba.png");
	uint8_t rgba[8] = {255, 0, 0, 7, 10, 200, 30, 255};
	write_png(path, 2, 1, PNG_FORMAT_RGBA, rgba);
	assert_int_equal(ff_grey_png_read(path, &img, &w, &h, &err), FF_OK);
	assert_int_equal(img[0], 76);  /* 0.299 * 255 */
	assert_int_equal(img[1], 124); /* 0.299*10 + 0.587*200 + 0.114*30 */
	free(img);

	/* Middlebury's colour pairs. */
	img = load_png(MIDDLEBURY "cones/left.png", &w, &h);
	assert_int_equal(w, 450);
	assert_int_equal(h, 375);
	free(img);

	tmp_path(path, sizeof path, "text.png");
	write_bytes(path, "not a png at all", 16);
	assert_int_equal(ff_grey_png_read(path, &img, &w, &h, &err), FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "text.png"));

	/* A valid signature and header, then nothing: libpng's longjmp path. */
	tmp_path(path, sizeof path, "cut.png");
	static const unsigned char cut[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
					    0,	  0,   0,   13,	 'I',  'H',  'D',  'R'};
	write_bytes(path, cut, sizeof cut);
	assert_int_equal(ff_grey_png_read(path, &img, &w, &h, &err), FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "cut.png"));

	assert_int_equal(ff_grey_png_read(FF_SHARED_DIR "/none.png", &img, &w, &h, &err),
			 FF_ERR_IO);
	assert_int_equal(ff_grey_png_read(NULL, &img, &w, &h, &err), FF_ERR_INVALID);
}

/* ---- Rejected arguments ---------------------------------------------------- */

static void expect_param_error(void (*change)(ff_sgm_params *), const char *field)
{
	ff_sgm_params p;
	ff_sgm_params_default(&p);
	change(&p);
	ff_error err = {0};
	ff_sgm *sgm = (ff_sgm *)&err; /* must be reset to NULL on failure */
	assert_int_equal(ff_sgm_create(320, 240, &p, &sgm, &err), FF_ERR_INVALID);
	assert_null(sgm);
	if (!strstr(err.msg, field))
		fail_msg("message '%s' does not name '%s'", err.msg, field);
}

static void ndisp_not_multiple(ff_sgm_params *p)
{
	p->max_disparity = 60;
}
static void ndisp_too_big(ff_sgm_params *p)
{
	p->max_disparity = 272;
}
static void ndisp_zero(ff_sgm_params *p)
{
	p->max_disparity = 0;
}
static void census_even(ff_sgm_params *p)
{
	p->census_width = 6;
}
static void census_too_big(ff_sgm_params *p)
{
	p->census_width = 13;
	p->census_height = 7;
}
static void paths_bad(ff_sgm_params *p)
{
	p->paths = 4;
}
static void p2_below_p1(ff_sgm_params *p)
{
	p->p2 = p->p1;
}
static void uniqueness_bad(ff_sgm_params *p)
{
	p->uniqueness = 100;
}
static void threads_zero(ff_sgm_params *p)
{
	p->threads = 0;
}
static void lr_bad(ff_sgm_params *p)
{
	p->lr_max_diff = -2;
}
static void speckle_bad(ff_sgm_params *p)
{
	p->speckle_size = -1;
}
static void subpixel_bad(ff_sgm_params *p)
{
	p->subpixel = (ff_sgm_subpixel)7;
}
static void adcap_bad(ff_sgm_params *p)
{
	p->ad_cap = 64;
}
static void adapt_bad(ff_sgm_params *p)
{
	p->p2_adapt = -1;
}

static void test_errors(void **state)
{
	(void)state;
	expect_param_error(ndisp_not_multiple, "max_disparity");
	expect_param_error(ndisp_too_big, "max_disparity");
	expect_param_error(ndisp_zero, "max_disparity");
	expect_param_error(census_even, "census");
	expect_param_error(census_too_big, "census");
	expect_param_error(paths_bad, "paths");
	expect_param_error(p2_below_p1, "p1/p2");
	expect_param_error(uniqueness_bad, "uniqueness");
	expect_param_error(threads_zero, "threads");
	expect_param_error(lr_bad, "lr_max_diff");
	expect_param_error(speckle_bad, "speckle");
	expect_param_error(subpixel_bad, "subpixel");
	expect_param_error(adcap_bad, "ad_cap");
	expect_param_error(adapt_bad, "p2_adapt");

	ff_error err = {0};
	ff_sgm_params p;
	ff_sgm_params_default(&p);
	ff_sgm *sgm = NULL;
	assert_int_equal(ff_sgm_params_validate(NULL, &err), FF_ERR_INVALID);
	assert_int_equal(ff_sgm_create(64, 100, &p, &sgm, &err), FF_ERR_SIZE); /* width <= N */
	assert_non_null(strstr(err.msg, "64"));
	assert_int_equal(ff_sgm_create(0, 100, &p, &sgm, &err), FF_ERR_SIZE);
	assert_int_equal(ff_sgm_create(100, FF_SGM_MAX_SIZE + 1, &p, &sgm, &err), FF_ERR_SIZE);
	assert_int_equal(ff_sgm_create(100, 100, NULL, &sgm, &err), FF_ERR_INVALID);
	assert_int_equal(ff_sgm_create(100, 100, &p, NULL, &err), FF_ERR_INVALID);
	assert_true(ff_sgm_simd_supported(FF_SGM_SIMD_SCALAR));
	assert_true(ff_sgm_simd_supported(FF_SGM_SIMD_AUTO));
	for (size_t k = 0; k < sizeof levels / sizeof levels[0]; k++) {
		if (ff_sgm_simd_supported(levels[k]))
			continue;
		p.simd = levels[k];
		assert_int_equal(ff_sgm_create(100, 100, &p, &sgm, &err), FF_ERR_UNSUPPORTED);
	}
	p.simd = FF_SGM_SIMD_AUTO;

	sgm = make(100, 20, &p);
	uint8_t img[100 * 20] = {0};
	int16_t d[100 * 20];
	assert_int_equal(ff_sgm_compute(NULL, img, 100, img, 100, d, 100, &err), FF_ERR_INVALID);
	assert_int_equal(ff_sgm_compute(sgm, NULL, 100, img, 100, d, 100, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "left"));
	assert_int_equal(ff_sgm_compute(sgm, img, 100, NULL, 100, d, 100, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "right"));
	assert_int_equal(ff_sgm_compute(sgm, img, 100, img, 100, NULL, 100, &err), FF_ERR_INVALID);
	assert_int_equal(ff_sgm_compute(sgm, img, 99, img, 100, d, 100, &err), FF_ERR_SIZE);
	assert_int_equal(ff_sgm_compute(sgm, img, 100, img, 100, d, 50, &err), FF_ERR_SIZE);
	/* A flat pair has no texture at all: everything is ambiguous, nothing
	 * crashes, and the output is written. */
	memset(d, 0x55, sizeof d);
	assert_int_equal(ff_sgm_compute(sgm, img, 100, img, 100, d, 100, &err), FF_OK);
	for (size_t i = 0; i < 100 * 20; i++)
		assert_true(d[i] >= FF_SGM_INVALID && d[i] < 64 * FF_SGM_DISP_SCALE);
	ff_sgm_destroy(sgm);
	ff_sgm_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_simd_equal_random),
	    cmocka_unit_test(test_simd_equal_synthetic),
	    cmocka_unit_test(test_simd_equal_middlebury),
	    cmocka_unit_test(test_accuracy_synthetic),
	    cmocka_unit_test(test_lr_check_occlusion),
	    cmocka_unit_test(test_speckle_filter),
	    cmocka_unit_test(test_speckle_random),
	    cmocka_unit_test(test_fill_holes),
	    cmocka_unit_test(test_fill_option_and_stride),
	    cmocka_unit_test(test_float_and_depth),
	    cmocka_unit_test(test_pfm_round_trip),
	    cmocka_unit_test(test_pfm_big_endian_and_errors),
	    cmocka_unit_test(test_png_reader),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup_tmp, teardown_tmp);
}
