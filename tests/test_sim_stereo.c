/*
 * test_sim_stereo.c - the simulator's textured stereo mode: the pair is
 * geometrically right (a floor point appears shifted by f * b / z in the
 * right image), reproducible, and its calibration file is one the stereo
 * module accepts with the right numbers.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <footfall/calib.h>
#include <footfall/sim.h>

static ff_sim_scene *scene_pair(double height, double tilt, bool raw)
{
	ff_sim_setup st;
	ff_sim_scene *s;
	ff_error err;
	ff_sim_setup_default(&st);
	st.raw_stereo = raw;
	st.height_m = height;
	st.tilt_deg[0] = tilt;
	st.duration_s = 2;
	st.noise.baseline_m = 0.075;
	assert_int_equal(ff_sim_scene_create(&st, &s, &err), FF_OK);
	return s;
}

static ff_sim_scene *scene(double height, double tilt)
{
	return scene_pair(height, tilt, false);
}

/* Normalised cross-correlation of a 21x21 patch of left at (u, v) with the
 * right image shifted by d pixels (linear interpolation). */
static double ncc(const uint8_t *l, const uint8_t *r, int w, int u, int v, double d)
{
	double sl = 0, sr = 0, sll = 0, srr = 0, slr = 0;
	int n = 0;
	int di = (int)floor(d);
	double f = d - di;
	for (int y = v - 10; y <= v + 10; y++)
		for (int x = u - 10; x <= u + 10; x++) {
			double a = l[y * w + x];
			int xr = x - di;
			double b = (1 - f) * r[y * w + xr] + f * r[y * w + xr - 1];
			sl += a;
			sr += b;
			sll += a * a;
			srr += b * b;
			slr += a * b;
			n++;
		}
	double cov = slr - sl * sr / n, vl = sll - sl * sl / n, vr = srr - sr * sr / n;
	return cov / sqrt(vl * vr + 1e-9);
}

static void test_floor_disparity(void **state)
{
	(void)state;
	ff_sim_scene *s = scene(3.0, 0);
	const ff_camera *c = ff_sim_scene_camera(s);
	int w = c->width;
	size_t n = (size_t)w * c->height;
	uint8_t *l = malloc(n), *r = malloc(n), *l2 = malloc(n);
	ff_error err;
	assert_non_null(l);
	assert_non_null(r);
	assert_non_null(l2);
	assert_int_equal(ff_sim_scene_render_stereo(s, 3, l, r, &err), FF_OK);
	double expect = c->fx * 0.075 / 3.0;
	const int pts[4][2] = {{200, 150}, {420, 260}, {320, 200}, {500, 120}};
	for (int k = 0; k < 4; k++) {
		double best = -2, arg = 0;
		for (double d = 0; d < 15; d += 0.05) {
			double q = ncc(l, r, w, pts[k][0], pts[k][1], d);
			if (q > best) {
				best = q;
				arg = d;
			}
		}
		assert_true(best > 0.8);
		assert_true(fabs(arg - expect) < 0.15);
	}
	/* same frame again: same images; another frame: other sensor noise */
	assert_int_equal(ff_sim_scene_render_stereo(s, 3, l2, r, &err), FF_OK);
	assert_memory_equal(l, l2, n);
	assert_int_equal(ff_sim_scene_render_stereo(s, 4, l2, r, &err), FF_OK);
	assert_true(memcmp(l, l2, n) != 0);
	assert_int_equal(ff_sim_scene_render_stereo(s, 1000, l2, r, &err), FF_ERR_INVALID);
	free(l);
	free(r);
	free(l2);
	ff_sim_scene_destroy(s);
}

static void test_calib_file(void **state)
{
	(void)state;
	ff_sim_scene *s = scene(3.5, 5);
	char *yaml;
	ff_error err;
	ff_stereo_calib cal;
	assert_int_equal(ff_sim_scene_stereo_calib_yaml(s, &yaml, &err), FF_OK);
	assert_int_equal(ff_calib_parse_opencv(yaml, strlen(yaml), "sim", NULL, &cal, &err), FF_OK);
	const ff_camera *c = ff_sim_scene_camera(s);
	assert_int_equal(cal.left.width, c->width);
	assert_int_equal(cal.right.height, c->height);
	assert_true(fabs(cal.left.k[0] - c->fx) < 1e-3);
	assert_true(fabs(cal.right.k[5] - c->cy) < 1e-3);
	assert_true(fabs(cal.t[0] * cal.t_scale + 0.075) < 1e-6);
	assert_true(fabs(ff_sim_scene_stereo_baseline(s) - 0.075) < 1e-12);
	free(yaml);
	ff_sim_scene_destroy(s);
}

static void test_people_textured(void **state)
{
	(void)state;
	ff_sim_scene *s;
	ff_error err;
	assert_int_equal(ff_sim_scene_named("crowd_3m5", 5, &s, &err), FF_OK);
	const ff_camera *c = ff_sim_scene_camera(s);
	size_t n = (size_t)c->width * c->height;
	uint8_t *l = malloc(n), *r = malloc(n);
	uint16_t *d = malloc(n * sizeof *d);
	assert_non_null(l);
	assert_non_null(r);
	assert_non_null(d);
	assert_int_equal(ff_sim_scene_render_stereo(s, 300, l, r, &err), FF_OK);
	assert_int_equal(ff_sim_scene_render(s, 300, d, &err), FF_OK);
	/* images are exposed sensibly: neither black nor saturated */
	double mean = 0;
	size_t sat = 0;
	for (size_t i = 0; i < n; i++) {
		mean += l[i];
		sat += l[i] == 255 || l[i] == 0;
	}
	mean /= (double)n;
	assert_true(mean > 50 && mean < 200);
	assert_true(sat < n / 50);
	free(l);
	free(r);
	free(d);
	ff_sim_scene_destroy(s);
}

/* Rectifies a pair of s into the depth camera's view (f = the larger
 * focal length, as the ideal pair's own window). */
static void rectified(ff_sim_scene *s, size_t frame, uint8_t *l, uint8_t *r)
{
	const ff_camera *c = ff_sim_scene_camera(s);
	size_t n = (size_t)c->width * c->height;
	uint8_t *raw = malloc(2 * n);
	char *yaml;
	ff_error err;
	ff_stereo_calib cal;
	ff_rectifier *rect;
	ff_rectify_options opt = {.focal_px = fmax(c->fx, c->fy), .cx_px = c->cx, .cy_px = c->cy};
	assert_non_null(raw);
	assert_int_equal(ff_sim_scene_render_stereo(s, frame, raw, raw + n, &err), FF_OK);
	assert_int_equal(ff_sim_scene_stereo_calib_yaml(s, &yaml, &err), FF_OK);
	assert_int_equal(ff_calib_parse_opencv(yaml, strlen(yaml), "sim", NULL, &cal, &err), FF_OK);
	assert_int_equal(ff_rectifier_create(&cal, &opt, &rect, &err), FF_OK);
	ff_rectifier_remap(rect, FF_STEREO_LEFT, raw, l);
	ff_rectifier_remap(rect, FF_STEREO_RIGHT, raw + n, r);
	ff_rectifier_destroy(rect);
	free(yaml);
	free(raw);
}

/* Mean absolute difference over the middle of a and b moved by (dx, dy). */
static double mad(const uint8_t *a, const uint8_t *b, int w, int h, int dx, int dy)
{
	double sum = 0;
	int n = 0;
	for (int y = h / 8; y < h - h / 8; y++)
		for (int x = w / 8; x < w - w / 8; x++, n++)
			sum += abs(a[y * w + x] - b[(y + dy) * w + x + dx]);
	return sum / n;
}

/* b lies on a: any one-pixel move makes them differ clearly more. */
static void assert_aligned(const uint8_t *a, const uint8_t *b, int w, int h)
{
	double here = mad(a, b, w, h, 0, 0);
	assert_true(here < 8.0);
	static const int moves[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
	for (int k = 0; k < 4; k++)
		assert_true(mad(a, b, w, h, moves[k][0], moves[k][1]) > 1.3 * here);
}

/* The raw pair has distortion and misalignment that its calibration
 * undoes: rectified, it lies on the ideal pair (up to sensor noise,
 * resampling and the raw lenses' own vignetting), while the raw images
 * themselves are visibly elsewhere. */
static void test_raw_pair(void **state)
{
	(void)state;
	ff_sim_scene *ideal = scene_pair(3.0, 0, false), *raw = scene_pair(3.0, 0, true);
	const ff_camera *c = ff_sim_scene_camera(raw);
	int w = c->width, h = c->height;
	size_t n = (size_t)w * h;
	uint8_t *il = malloc(n), *ir = malloc(n), *rl = malloc(n), *rr = malloc(n);
	uint8_t *unrect = malloc(2 * n);
	ff_error err;
	assert_true(il && ir && rl && rr && unrect);
	rectified(ideal, 3, il, ir);
	rectified(raw, 3, rl, rr);
	assert_aligned(il, rl, w, h);
	assert_aligned(ir, rr, w, h);
	assert_int_equal(ff_sim_scene_render_stereo(raw, 3, unrect, unrect + n, &err), FF_OK);
	assert_true(mad(il, unrect, w, h, 0, 0) > 1.5 * mad(il, rl, w, h, 0, 0));

	char *yaml;
	ff_stereo_calib cal;
	assert_int_equal(ff_sim_scene_stereo_calib_yaml(raw, &yaml, &err), FF_OK);
	assert_int_equal(ff_calib_parse_opencv(yaml, strlen(yaml), "sim", NULL, &cal, &err), FF_OK);
	assert_true(fabs(cal.left.dist[0]) > 0.01);
	assert_true(fabs(cal.r[1]) > 1e-5 || fabs(cal.r[2]) > 1e-5);
	free(yaml);
	/* the choice is made before the first frame */
	assert_int_equal(ff_sim_scene_set_raw_stereo(raw, false, &err), FF_ERR_STATE);
	assert_int_equal(ff_sim_scene_set_raw_stereo(raw, true, &err), FF_OK);
	free(il);
	free(ir);
	free(rl);
	free(rr);
	free(unrect);
	ff_sim_scene_destroy(ideal);
	ff_sim_scene_destroy(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_floor_disparity),
	    cmocka_unit_test(test_calib_file),
	    cmocka_unit_test(test_people_textured),
	    cmocka_unit_test(test_raw_pair),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
