/*
 * test_stereo_pipeline.c - raw stereo pair to depth, checked against the
 * simulator's exact depth of the same scene.
 *
 * The scene is one adult (1.75 m) standing under a camera at 3 m; its
 * textured pair is rendered by the simulator and its calibration comes from
 * the simulator's OpenCV YAML, so the whole set-up path (parse, validate,
 * rectify, match, convert) runs. The truth is the simulator's noise-free
 * depth image of the left camera, looked up through the rectified camera's
 * geometry. The matcher's sub-pixel disparities scatter by about 0.2 px
 * (pixel locking), which at 3 m (disparity about 6 px) is 3 % of depth, so
 * the tolerances separate bias from scatter: on the floor the median signed
 * error within 1.5 % and the median absolute error within 4.5 %; on the
 * person (head and shoulders, 1.2-1.5 m) the median absolute error within
 * 5 %; over the whole image at least 85 % of the pixels valid and within
 * 8 %; the nearest depth around the head top within 4 % of 1.25 m. (Measured
 * when written: +0.8 %, 2.8 %, 3.6 %, 89 %, 1242 mm.)
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <footfall/sim.h>
#include <footfall/stereo_pipeline.h>

#define PERSON_X 0.4
#define PERSON_H 1.75

typedef struct fixture {
	ff_sim_scene *scene;
	ff_stereo_calib calib;
	int w, h;
	uint8_t *left, *right; /* raw pair of frame 5 */
	uint16_t *truth;       /* exact depth of the left camera, mm */
} fixture;

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	ff_sim_setup st;
	ff_sim_setup_default(&st);
	st.duration_s = 2;
	st.noise.enabled = false; /* exact truth; the stereo images still carry noise */
	ff_error err;
	assert_int_equal(ff_sim_scene_create(&st, &fx->scene, &err), FF_OK);
	ff_sim_person person;
	ff_sim_person_default(&person, PERSON_H);
	const ff_sim_key keys[] = {{0, PERSON_X, 0}, {2, PERSON_X, 0}};
	assert_true(ff_sim_scene_add_person(fx->scene, &person, keys, 2, &err) >= 0);

	char *yaml;
	assert_int_equal(ff_sim_scene_stereo_calib_yaml(fx->scene, &yaml, &err), FF_OK);
	assert_int_equal(
	    ff_calib_parse_opencv(yaml, strlen(yaml), "sim.yml", NULL, &fx->calib, &err), FF_OK);
	free(yaml);
	const ff_camera *cam = ff_sim_scene_camera(fx->scene);
	fx->w = cam->width;
	fx->h = cam->height;
	size_t n = (size_t)fx->w * (size_t)fx->h;
	fx->left = malloc(n);
	fx->right = malloc(n);
	fx->truth = malloc(n * sizeof *fx->truth);
	assert_true(fx->left && fx->right && fx->truth);
	assert_int_equal(ff_sim_scene_render_stereo(fx->scene, 5, fx->left, fx->right, &err),
			 FF_OK);
	assert_int_equal(ff_sim_scene_render(fx->scene, 5, fx->truth, &err), FF_OK);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	ff_sim_scene_destroy(fx->scene);
	free(fx->left);
	free(fx->right);
	free(fx->truth);
	free(fx);
	return 0;
}

static ff_stereo_pipeline *make(const ff_stereo_calib *calib, int downscale, double min_depth)
{
	ff_stereo_pipeline_options opt;
	ff_stereo_pipeline_options_default(&opt);
	opt.rectify.downscale = downscale;
	opt.min_depth_m = min_depth;
	ff_stereo_pipeline *p = NULL;
	ff_error err = {0};
	ff_status st = ff_stereo_pipeline_create(calib, &opt, &p, &err);
	if (st)
		fail_msg("pipeline: %s", err.msg);
	return p;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

typedef struct score {
	double floor_bias;	      /* median signed relative error */
	double floor_med, person_med; /* median absolute relative error */
	double good;		      /* share of pixels valid and within 8 % */
	size_t person_px;
} score;

/* Compares a depth frame of the pipeline's camera with the truth of the
 * raw left camera: the rectified rotation is the identity for the
 * simulator's pair, so a rectified pixel's ray is ((u - cx) / f, (v - cy)
 * / f, 1) and depth along the axis is the same in both cameras. */
static void compare(const fixture *fx, const ff_stereo_pipeline *p, const uint16_t *depth)
{
	ff_rectified_camera g;
	ff_stereo_pipeline_rectified(p, &g);
	for (int i = 0; i < 9; i++)
		assert_true(fabs(g.r_left[i] - (i % 4 == 0)) < 1e-9);
	const ff_camera *cam = ff_sim_scene_camera(fx->scene);
	size_t n = (size_t)g.width * (size_t)g.height;
	double *fl = malloc(n * sizeof *fl), *pe = malloc(n * sizeof *pe);
	double *fs = malloc(n * sizeof *fs);
	assert_true(fl && pe && fs);
	size_t nf = 0, np = 0, good = 0, total = 0;
	int margin = 8; /* the matcher's census window and border */
	for (int v = margin; v < g.height - margin; v++)
		for (int u = margin; u < g.width - margin; u++) {
			double xn = (u - g.cx) / g.f, yn = (v - g.cy) / g.f;
			int x = (int)lround(cam->fx * xn + cam->cx);
			int y = (int)lround(cam->fy * yn + cam->cy);
			if (x < 0 || y < 0 || x >= fx->w || y >= fx->h)
				continue;
			double zt = fx->truth[(size_t)y * fx->w + x];
			double z = depth[(size_t)v * g.width + u];
			if (zt <= 0)
				continue;
			double e = z > 0 ? fabs(z - zt) / zt : 1.0;
			total++;
			good += e <= 0.08;
			if (zt > 2950) {
				fs[nf] = z > 0 ? (z - zt) / zt : 1.0;
				fl[nf++] = e;
			} else if (zt < 2000)
				pe[np++] = e;
		}
	assert_true(nf > n / 2);
	assert_true(total > 0);
	assert_true(np > 200);
	qsort(fl, nf, sizeof *fl, cmp_double);
	qsort(pe, np, sizeof *pe, cmp_double);
	qsort(fs, nf, sizeof *fs, cmp_double);
	score s = {fs[nf / 2], fl[nf / 2], pe[np / 2], (double)good / (double)total, np};
	print_message("floor bias %+.4f, median error %.4f; person median error %.4f (%zu px); "
		      "%.3f valid within 8 %%\n",
		      s.floor_bias, s.floor_med, s.person_med, s.person_px, s.good);
	assert_true(fabs(s.floor_bias) < 0.015);
	assert_true(s.floor_med < 0.045);
	assert_true(s.person_med < 0.05);
	assert_true(s.good > 0.85);
	free(fs);
	free(fl);
	free(pe);
}

static void test_depth_matches_truth(void **state)
{
	fixture *fx = *state;
	ff_stereo_pipeline *p = make(&fx->calib, 1, 0.5);
	ff_camera cam;
	ff_stereo_pipeline_camera(p, &cam);
	assert_int_equal(cam.width, fx->w);
	assert_int_equal(cam.height, fx->h);
	assert_true(cam.depth_scale == 1000.0);
	assert_int_equal(ff_camera_validate(&cam, NULL), FF_OK);
	int iw, ih;
	ff_stereo_pipeline_input_size(p, &iw, &ih);
	assert_int_equal(iw, fx->w);
	assert_int_equal(ih, fx->h);

	uint16_t *depth = malloc((size_t)fx->w * fx->h * sizeof *depth);
	assert_non_null(depth);
	ff_error err = {0};
	assert_int_equal(ff_stereo_pipeline_process(p, fx->left, fx->right, depth, &err), FF_OK);
	compare(fx, p, depth);

	/* The head itself: the nearest valid depth around the head top's
	 * image point is the head top (1.25 m), within 4 %. */
	ff_rectified_camera g;
	ff_stereo_pipeline_rectified(p, &g);
	double zc = 3.0 - PERSON_H;
	int hu = (int)lround(g.f * PERSON_X / zc + g.cx), hv = (int)lround(g.cy);
	double nearest = 1e9;
	for (int v = hv - 15; v <= hv + 15; v++)
		for (int u = hu - 15; u <= hu + 15; u++) {
			uint16_t z = depth[(size_t)v * g.width + u];
			if (z && z < nearest)
				nearest = z;
		}
	print_message("head top %.0f mm, truth %.0f mm\n", nearest, zc * 1000);
	assert_true(fabs(nearest - zc * 1000) < 0.04 * zc * 1000);

	/* The table lookup agrees with the matcher's own conversion. */
	uint16_t *ref = malloc((size_t)fx->w * fx->h * sizeof *ref);
	assert_non_null(ref);
	assert_int_equal(ff_sgm_depth_u16(ff_stereo_pipeline_disparity(p), g.width, g.width,
					  g.height, g.f, g.baseline_m, 1000.0, ref, g.width, &err),
			 FF_OK);
	assert_memory_equal(ref, depth, (size_t)fx->w * fx->h * sizeof *ref);

	ff_stereo_pipeline_stats stats;
	ff_stereo_pipeline_stats_get(p, &stats);
	assert_int_equal(stats.frames, 1);
	assert_true(stats.match_s > 0 && stats.rectify_s > 0);
	free(ref);
	free(depth);
	ff_stereo_pipeline_destroy(p);
}

/* The same pair at twice the resolution (pixels doubled, calibration
 * scaled), downscaled by 2 in the rectifier: the depth is as good. */
static void test_downscale(void **state)
{
	fixture *fx = *state;
	ff_stereo_calib big = fx->calib;
	ff_error err = {0};
	assert_int_equal(ff_calib_resize(&big, 2 * fx->w, 2 * fx->h, &err), FF_OK);
	size_t n2 = (size_t)4 * fx->w * fx->h;
	uint8_t *l2 = malloc(n2), *r2 = malloc(n2);
	uint16_t *depth = malloc((size_t)fx->w * fx->h * sizeof *depth);
	assert_true(l2 && r2 && depth);
	for (int y = 0; y < 2 * fx->h; y++)
		for (int x = 0; x < 2 * fx->w; x++) {
			size_t s = (size_t)(y / 2) * fx->w + x / 2, d = (size_t)y * 2 * fx->w + x;
			l2[d] = fx->left[s];
			r2[d] = fx->right[s];
		}
	ff_stereo_pipeline *p = make(&big, 2, 0.5);
	ff_camera cam;
	ff_stereo_pipeline_camera(p, &cam);
	assert_int_equal(cam.width, fx->w);
	assert_int_equal(cam.height, fx->h);
	assert_int_equal(ff_stereo_pipeline_process(p, l2, r2, depth, &err), FF_OK);
	compare(fx, p, depth);
	ff_stereo_pipeline_destroy(p);
	free(l2);
	free(r2);
	free(depth);
}

/* min_depth_m sets the disparity range from f * B / z. */
static void test_disparity_range(void **state)
{
	fixture *fx = *state;
	ff_stereo_pipeline *p = make(&fx->calib, 1, 0.5);
	ff_rectified_camera g;
	ff_stereo_pipeline_rectified(p, &g);
	double d = g.f * g.baseline_m / 0.5;
	int n = ff_stereo_pipeline_max_disparity(p);
	assert_true(n % 16 == 0 && n >= d && n < d + 16);
	ff_stereo_pipeline_destroy(p);

	p = make(&fx->calib, 1, 100.0);
	assert_int_equal(ff_stereo_pipeline_max_disparity(p), 16);
	ff_stereo_pipeline_destroy(p);
	p = make(&fx->calib, 1, 0.001);
	assert_int_equal(ff_stereo_pipeline_max_disparity(p), 256);
	ff_stereo_pipeline_destroy(p);
	p = make(&fx->calib, 1, 0.0);
	assert_int_equal(ff_stereo_pipeline_max_disparity(p), 64);
	ff_stereo_pipeline_destroy(p);
}

static void expect_create_error(const ff_stereo_calib *calib, const ff_stereo_pipeline_options *opt,
				ff_status code, const char *needle)
{
	ff_stereo_pipeline *p = NULL;
	ff_error err = {0};
	assert_int_equal(ff_stereo_pipeline_create(calib, opt, &p, &err), code);
	assert_null(p);
	if (!strstr(err.msg, needle))
		fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void test_errors(void **state)
{
	fixture *fx = *state;
	ff_stereo_pipeline_options opt;
	ff_stereo_pipeline_options_default(&opt);

	/* Right camera on the left, and cameras one above the other. */
	ff_stereo_calib c = fx->calib;
	c.t[0] = -c.t[0];
	expect_create_error(&c, &opt, FF_ERR_CALIB, "");
	c = fx->calib;
	c.t[1] = c.t[0];
	c.t[0] = 0;
	expect_create_error(&c, &opt, FF_ERR_CALIB, "");

	opt.min_depth_m = -1;
	expect_create_error(&fx->calib, &opt, FF_ERR_INVALID, "min_depth_m");
	opt.min_depth_m = NAN;
	expect_create_error(&fx->calib, &opt, FF_ERR_INVALID, "min_depth_m");
	ff_stereo_pipeline_options_default(&opt);
	opt.sgm.max_disparity = 60;
	expect_create_error(&fx->calib, &opt, FF_ERR_INVALID, "max_disparity");
	ff_stereo_pipeline_options_default(&opt);
	opt.rectify.downscale = 9;
	expect_create_error(&fx->calib, &opt, FF_ERR_INVALID, "");
	expect_create_error(NULL, NULL, FF_ERR_INVALID, "calibration");

	ff_stereo_pipeline *p = make(&fx->calib, 1, 0);
	uint16_t depth[1];
	ff_error err = {0};
	assert_int_equal(ff_stereo_pipeline_process(p, NULL, fx->right, depth, &err),
			 FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "left"));
	assert_int_equal(ff_stereo_pipeline_process(p, fx->left, fx->right, NULL, &err),
			 FF_ERR_INVALID);
	ff_stereo_pipeline_destroy(p);
	ff_stereo_pipeline_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_depth_matches_truth),
	    cmocka_unit_test(test_downscale),
	    cmocka_unit_test(test_disparity_range),
	    cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
