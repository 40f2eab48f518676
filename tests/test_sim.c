/*
 * test_sim.c - the simulator: reproducible frames, correct geometry, a
 * plausible stereo noise model, and ground truth that follows spec section 3
 * on hand-built trajectories.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <footfall/sim.h>

#include "sim_internal.h"

static uint16_t *frame_buf(const ff_sim_scene *s)
{
	const ff_camera *c = ff_sim_scene_camera(s);
	uint16_t *d = malloc(sizeof *d * (size_t)c->width * (size_t)c->height);
	assert_non_null(d);
	return d;
}

static ff_sim_scene *plain_scene(double height, bool noise, double duration)
{
	ff_sim_setup st;
	ff_sim_scene *s = NULL;
	ff_error err;
	ff_sim_setup_default(&st);
	st.height_m = height;
	st.duration_s = duration;
	st.noise.enabled = noise;
	assert_int_equal(ff_sim_scene_create(&st, &s, &err), FF_OK);
	return s;
}

static void test_reproducible(void **state)
{
	(void)state;
	ff_sim_scene *a, *b, *c;
	ff_error err;
	assert_int_equal(ff_sim_scene_named("pairs_3m", 7, &a, &err), FF_OK);
	assert_int_equal(ff_sim_scene_named("pairs_3m", 7, &b, &err), FF_OK);
	assert_int_equal(ff_sim_scene_named("pairs_3m", 8, &c, &err), FF_OK);
	uint16_t *da = frame_buf(a), *db = frame_buf(b), *dc = frame_buf(c);
	size_t n = (size_t)ff_sim_scene_camera(a)->width * ff_sim_scene_camera(a)->height;
	/* frames in a different order still come out the same */
	assert_int_equal(ff_sim_scene_render(b, 10, db, &err), FF_OK);
	assert_int_equal(ff_sim_scene_render(a, 250, da, &err), FF_OK);
	assert_int_equal(ff_sim_scene_render(b, 250, db, &err), FF_OK);
	assert_memory_equal(da, db, n * sizeof *da);
	assert_int_equal(ff_sim_scene_render(c, 250, dc, &err), FF_OK);
	assert_true(memcmp(da, dc, n * sizeof *da) != 0);
	const ff_sim_truth *ta, *tb;
	assert_int_equal(ff_sim_scene_truth(a, &ta, &err), FF_OK);
	assert_int_equal(ff_sim_scene_truth(b, &tb, &err), FF_OK);
	assert_int_equal(ta->nevents, tb->nevents);
	assert_true(ta->nevents > 0);
	free(da);
	free(db);
	free(dc);
	ff_sim_scene_destroy(a);
	ff_sim_scene_destroy(b);
	ff_sim_scene_destroy(c);
}

static int add_standing(ff_sim_scene *s, double x, double y, double h, double until)
{
	ff_sim_person p;
	ff_sim_person_default(&p, h);
	p.flags = FF_SIM_BALD; /* no hair on top: the head top is exact */
	ff_sim_key k[2] = {{0, x, y}, {until, x, y}};
	return ff_sim_scene_add_person(s, &p, k, 2, NULL);
}

/* Smallest depth in a window: the top of what is there. */
static int min_depth(const uint16_t *d, int w, int cu, int cv, int r)
{
	int best = 65535;
	for (int v = cv - r; v <= cv + r; v++)
		for (int u = cu - r; u <= cu + r; u++)
			if (d[v * w + u] && d[v * w + u] < best)
				best = d[v * w + u];
	return best;
}

static void test_head_depth(void **state)
{
	(void)state;
	ff_error err;
	for (int noisy = 0; noisy < 2; noisy++) {
		ff_sim_scene *s = plain_scene(3.0, noisy, 5);
		assert_true(add_standing(s, 0, 0, 1.75, 10) >= 0);
		uint16_t *d = frame_buf(s);
		assert_int_equal(ff_sim_scene_render(s, 0, d, &err), FF_OK);
		const ff_camera *c = ff_sim_scene_camera(s);
		double u, v;
		assert_true(ff_sim_scene_project(s, 0, 0, 1.75, &u, &v));
		assert_true(fabs(u - c->cx) < 1 && fabs(v - c->cy) < 1);
		if (!noisy) {
			int top = min_depth(d, c->width, (int)u, (int)v, 6);
			assert_true(abs(top - 1250) <= 15);
			/* the floor far from the person is at the installation height */
			assert_int_equal(d[20 * c->width + 20] > 0, 1);
			assert_int_equal(d[(int)c->cy * c->width + 30], 3000);
		} else {
			/* median of the head top region within noise */
			int vals[49], n = 0;
			for (int dv = -3; dv <= 3; dv++)
				for (int du = -3; du <= 3; du++) {
					int x = d[((int)v + dv) * c->width + (int)u + du];
					if (x)
						vals[n++] = x;
				}
			assert_true(n > 20);
			int lo = 0;
			for (int i = 0; i < n; i++)
				lo += abs(vals[i] - 1260) < 60;
			assert_true(lo > n / 2);
		}
		free(d);
		ff_sim_scene_destroy(s);
	}
}

static void test_tilted_floor(void **state)
{
	(void)state;
	ff_sim_setup st;
	ff_sim_scene *s;
	ff_error err;
	ff_sim_setup_default(&st);
	st.height_m = 3.2;
	st.tilt_deg[0] = 6;
	st.tilt_deg[1] = -4;
	st.noise.enabled = false;
	st.duration_s = 1;
	assert_int_equal(ff_sim_scene_create(&st, &s, &err), FF_OK);
	uint16_t *d = frame_buf(s);
	assert_int_equal(ff_sim_scene_render(s, 0, d, &err), FF_OK);
	const ff_camera *c = ff_sim_scene_camera(s);
	const int px[3][2] = {{60, 60}, {580, 80}, {320, 360}};
	double p[3][3];
	for (int i = 0; i < 3; i++) {
		double z = d[px[i][1] * c->width + px[i][0]] / 1000.0;
		assert_true(z > 0);
		p[i][0] = (px[i][0] - c->cx) / c->fx * z;
		p[i][1] = (px[i][1] - c->cy) / c->fy * z;
		p[i][2] = z;
	}
	double a[3], b[3], n[3];
	for (int i = 0; i < 3; i++) {
		a[i] = p[1][i] - p[0][i];
		b[i] = p[2][i] - p[0][i];
	}
	n[0] = a[1] * b[2] - a[2] * b[1];
	n[1] = a[2] * b[0] - a[0] * b[2];
	n[2] = a[0] * b[1] - a[1] * b[0];
	double len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
	double dist = fabs(n[0] * p[0][0] + n[1] * p[0][1] + n[2] * p[0][2]) / len;
	double tilt = acos(fabs(n[2]) / len) * 180 / M_PI;
	double expect = acos(cos(6 * M_PI / 180) * cos(4 * M_PI / 180)) * 180 / M_PI;
	assert_true(fabs(dist - 3.2) < 0.005);
	assert_true(fabs(tilt - expect) < 0.1);
	/* with a tilt, the floor is not at one depth */
	assert_true(abs((int)d[60 * c->width + 60] - (int)d[360 * c->width + 580]) > 100);
	free(d);
	ff_sim_scene_destroy(s);
}

/* Depth spread of an empty floor (robust: median absolute deviation). */
static double floor_sigma(double height)
{
	ff_sim_scene *s = plain_scene(height, true, 1);
	ff_error err;
	uint16_t *d = frame_buf(s);
	assert_int_equal(ff_sim_scene_render(s, 0, d, &err), FF_OK);
	const ff_camera *c = ff_sim_scene_camera(s);
	int hist[2001] = {0}, n = 0, centre = (int)lround(height * 1000);
	for (int v = 100; v < 300; v++)
		for (int u = 160; u < 480; u++) {
			int x = d[v * c->width + u];
			if (x && abs(x - centre) <= 1000) {
				hist[x - centre + 1000]++;
				n++;
			}
		}
	int acc = 0, mad = 0;
	for (int dev = 0; dev <= 1000; dev++) {
		acc += hist[1000 + dev] + (dev ? hist[1000 - dev] : 0);
		if (acc >= n / 2) {
			mad = dev;
			break;
		}
	}
	free(d);
	ff_sim_scene_destroy(s);
	return 1.4826 * (mad + 0.5);
}

static void test_noise_grows_with_depth(void **state)
{
	(void)state;
	double s1 = floor_sigma(2.5), s2 = floor_sigma(4.5);
	/* sigma_z = z^2 sigma_d / (f b): (4.5/2.5)^2 times the focal ratio */
	double expect =
	    pow(4.5 / 2.5, 2) * (320 / tan(51.5 * M_PI / 180)) / (320 / tan(44.5 * M_PI / 180));
	assert_true(s1 > 3 && s1 < 60);
	assert_true(s2 / s1 > expect * 0.6 && s2 / s1 < expect * 1.5);
}

static ff_rules one_line(double x0, double y0, double x1, double y1, bool filtering)
{
	ff_rules r;
	ff_rules_default(&r);
	r.uturn_filtering = filtering;
	r.nlines = 1;
	r.lines[0].id = 1;
	r.lines[0].npoints = 2;
	r.lines[0].points[0] = (ff_point){x0, y0};
	r.lines[0].points[1] = (ff_point){x1, y1};
	return r;
}

static const ff_sim_truth *truth_of(ff_sim_scene *s, const ff_rules *r)
{
	ff_error err;
	const ff_sim_truth *t;
	assert_int_equal(ff_sim_scene_set_rules(s, r, &err), FF_OK);
	assert_int_equal(ff_sim_scene_truth(s, &t, &err), FF_OK);
	return t;
}

static void test_truth_straight_walk(void **state)
{
	(void)state;
	ff_sim_scene *s = plain_scene(3.0, false, 20);
	ff_sim_person p;
	ff_sim_person_default(&p, 1.7);
	/* right to left across a line drawn downwards: "in" (spec example) */
	ff_sim_key k[2] = {{1, 3, 0.2}, {7, -3, 0.2}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, k, 2, NULL), 0);
	ff_sim_key back[2] = {{10, -3, -0.3}, {16, 3, -0.3}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, back, 2, NULL), 1);
	ff_rules r = one_line(0.5, 0.05, 0.5, 0.95, false);
	const ff_sim_truth *t = truth_of(s, &r);
	assert_int_equal(t->lines[0].in, 1);
	assert_int_equal(t->lines[0].out, 1);
	assert_int_equal(t->nevents, 2);
	assert_int_equal(t->events[0].direction, 1);
	assert_int_equal(t->events[0].people_id, 0);
	/* certain 0.3 m past the line: at 1 m/s, 3.3 s after the start */
	assert_true(fabs(t->events[0].time - 4.3) < 0.05);
	assert_int_equal(t->events[1].direction, -1);
	/* flip swaps the directions */
	r.lines[0].flip = true;
	t = truth_of(s, &r);
	assert_int_equal(t->lines[0].in, 1);
	assert_int_equal(t->events[0].direction, -1);
	/* a person above the target height range is not counted */
	r.max_target_height_m = 1.6;
	t = truth_of(s, &r);
	assert_int_equal(t->nevents, 0);
	assert_false(t->people[0].counted);
	ff_sim_scene_destroy(s);
}

/* At 3 m a person walking 1.5 m off the centre line has the head out of the
 * view but the feet in it. In feet mode the feet cross the line unseen: the
 * truth counts that passage but calls it disputable, so scene generators
 * never keep such a person; in head mode there is nothing to count. */
static void test_truth_feet_crossing_with_head_out_of_view(void **state)
{
	(void)state;
	ff_sim_scene *s = plain_scene(3.0, false, 12);
	ff_sim_person p;
	ff_sim_person_default(&p, 1.7);
	ff_sim_key k[2] = {{1, 3, 1.5}, {7, -3, 1.5}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, k, 2, NULL), 0);
	ff_rules r = one_line(0.5, 0.05, 0.5, 0.95, false);
	r.tracking_mode = FF_TRACK_FEET;
	const ff_sim_truth *t = truth_of(s, &r);
	assert_int_equal(t->nevents, 1);
	assert_true(sim_truth_person_check(s, 0) & SIM_AMB_UNSEEN);
	r.tracking_mode = FF_TRACK_HEAD;
	t = truth_of(s, &r);
	assert_int_equal(t->nevents, 0);
	/* nearer the centre the head is in view: clear-cut in both modes */
	ff_sim_key in_view[2] = {{1, 3, 0.3}, {7, -3, 0.3}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, in_view, 2, NULL), 1);
	r.tracking_mode = FF_TRACK_FEET;
	truth_of(s, &r);
	assert_int_equal(sim_truth_person_check(s, 1), SIM_AMB_NONE);
	ff_sim_scene_destroy(s);
}

static void test_truth_uturn(void **state)
{
	(void)state;
	ff_sim_scene *s = plain_scene(3.0, false, 20);
	ff_sim_person p;
	ff_sim_person_default(&p, 1.7);
	/* crosses 0.45 m and turns back inside the area */
	ff_sim_key k[4] = {{1, 3, 0}, {4.45, -0.45, 0}, {5.5, -0.45, 0}, {9, 3, 0.1}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, k, 4, NULL), 0);
	ff_rules r = one_line(0.5, 0.05, 0.5, 0.95, true);
	ff_point area[4] = {{0.25, 0.02}, {0.75, 0.02}, {0.75, 0.98}, {0.25, 0.98}};
	memcpy(r.lines[0].uturn, area, sizeof area);
	r.lines[0].uturn_npoints = 4;
	const ff_sim_truth *t = truth_of(s, &r);
	assert_int_equal(t->nevents, 0);
	/* walking through: reported on leaving the area, 0.25 of the image
	 * width (at head height 1.3 m below the camera) past the line */
	ff_sim_key through[2] = {{11, 3, 0.3}, {17, -3, 0.3}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, through, 2, NULL), 1);
	t = truth_of(s, &r);
	assert_int_equal(t->nevents, 1);
	double half = 0.25 * 2 * 1.3 * tan(51.5 * M_PI / 180);
	assert_true(fabs(t->events[0].time - (11 + 3 + half)) < 0.05);
	assert_int_equal(t->events[0].people_id, 1);
	/* without filtering the same walks are a passage and a return, and a
	 * passage */
	r.uturn_filtering = false;
	t = truth_of(s, &r);
	assert_int_equal(t->lines[0].in, 2);
	assert_int_equal(t->lines[0].out, 1);
	ff_sim_scene_destroy(s);
}

static void test_truth_around_end_and_sway(void **state)
{
	(void)state;
	ff_sim_scene *s = plain_scene(3.0, false, 30);
	ff_sim_person p;
	ff_sim_person_default(&p, 1.7);
	/* passes 0.5 m beyond the top end of a short line */
	ff_sim_key k[2] = {{1, 3, 0.9}, {7, -3, 0.9}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, k, 2, NULL), 0);
	/* stands on the line swaying a few centimetres, then goes back */
	ff_sim_key sway[8] = {{8, 3, -0.1},	{11, 0.02, -0.1},  {12, -0.04, -0.1},
			      {13, 0.05, -0.1}, {14, -0.05, -0.1}, {15, 0.03, -0.1},
			      {16, 0.3, -0.1},	{19, 3, -0.1}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, sway, 8, NULL), 1);
	ff_rules r = one_line(0.5, 0.3, 0.5, 0.7, false);
	const ff_sim_truth *t = truth_of(s, &r);
	assert_int_equal(t->nevents, 0);
	ff_sim_scene_destroy(s);
}

static void test_truth_dwell(void **state)
{
	(void)state;
	ff_sim_scene *s = plain_scene(3.0, false, 30);
	ff_sim_person p;
	ff_sim_person_default(&p, 1.7);
	ff_sim_key k[4] = {{1, -4, 0}, {4, -1, 0}, {12, -1, 0}, {15, -4, 0}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, k, 4, NULL), 0);
	/* and one who is still inside at the end */
	ff_sim_key k2[3] = {{2, -4, -0.6}, {5, -0.9, -0.6}, {40, -0.9, -0.6}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, k2, 3, NULL), 1);
	ff_rules r;
	ff_rules_default(&r);
	r.nregions = 1;
	ff_region *g = r.regions;
	g->id = 1;
	g->npoints = 4;
	g->points[0] = (ff_point){0.05, 0.1};
	g->points[1] = (ff_point){0.45, 0.1};
	g->points[2] = (ff_point){0.45, 0.9};
	g->points[3] = (ff_point){0.05, 0.9};
	g->people_counting = true;
	g->pass_by_filter_s = 3;
	g->dwell_time = true;
	g->min_dwell_s = 5;
	const ff_sim_truth *t = truth_of(s, &r);
	int dwell = 0, up = 0, down = 0;
	for (size_t i = 0; i < t->nevents; i++) {
		const ff_sim_event *e = t->events + i;
		if (e->type == FF_EVENT_DWELL && e->people_id == 0) {
			dwell++;
			assert_true(e->duration_ms >= 8000 && e->duration_ms <= 10500);
			assert_true(llabs(e->duration_ms -
					  llround((e->dwell_end - e->dwell_start) * 1000)) <= 1);
		} else if (e->type == FF_EVENT_DWELL) {
			/* closed at the end of the recording */
			assert_true(fabs(e->dwell_end - t->end_time) < 1e-6);
			dwell++;
		} else if (e->type == FF_EVENT_REGION_COUNT) {
			up += e->direction > 0;
			down += e->direction < 0;
		}
	}
	assert_int_equal(dwell, 2);
	assert_int_equal(up, 2);
	assert_int_equal(down, 1);
	assert_int_equal(t->regions[0].records, 2);
	ff_sim_scene_destroy(s);
}

static void test_truth_json_roundtrip(void **state)
{
	(void)state;
	ff_sim_scene *s;
	ff_error err;
	const ff_sim_truth *t;
	char *text;
	assert_int_equal(ff_sim_scene_named("regions_dwell", 3, &s, &err), FF_OK);
	assert_int_equal(ff_sim_scene_truth(s, &t, &err), FF_OK);
	assert_true(t->nevents > 0);
	assert_int_equal(ff_sim_truth_to_json(t, ff_sim_scene_rules(s), "x", 3, &text, &err),
			 FF_OK);
	char path[] = "/tmp/test_sim_truthXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ff_sim_truth *back;
	assert_int_equal(ff_sim_truth_load(path, &back, &err), FF_OK);
	assert_int_equal(back->nevents, t->nevents);
	assert_int_equal(back->lines[0].in, t->lines[0].in);
	assert_int_equal(back->regions[0].records, t->regions[0].records);
	for (size_t i = 0; i < t->nevents; i++) {
		assert_int_equal(back->events[i].type, t->events[i].type);
		assert_int_equal(back->events[i].direction,
				 t->events[i].type == FF_EVENT_DWELL ? 0 : t->events[i].direction);
		assert_true(fabs(back->events[i].time - t->events[i].time) < 1e-6);
	}
	ff_sim_truth_free(back);
	/* corrupt and incomplete documents */
	FILE *f = fopen(path, "w");
	fputs("{\"lines\": [], \"events\": [{\"type\": \"bogus\", \"time\": 1, \"index\": 0}],"
	      " \"start_time\": 0, \"end_time\": 1}",
	      f);
	fclose(f);
	assert_int_equal(ff_sim_truth_load(path, &back, &err), FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "events[0].type"));
	f = fopen(path, "w");
	fputs("{\"lines\": [", f);
	fclose(f);
	assert_int_equal(ff_sim_truth_load(path, &back, &err), FF_ERR_FORMAT);
	unlink(path);
	assert_int_equal(ff_sim_truth_load(path, &back, &err), FF_ERR_IO);
	free(text);
	ff_sim_scene_destroy(s);
}

static void test_errors(void **state)
{
	(void)state;
	ff_sim_scene *s;
	ff_error err;
	ff_sim_setup st;
	assert_int_equal(ff_sim_scene_named("no_such_scene", 1, &s, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "no_such_scene"));
	ff_sim_setup_default(&st);
	st.height_m = 0.3;
	assert_int_equal(ff_sim_scene_create(&st, &s, &err), FF_ERR_INVALID);
	ff_sim_setup_default(&st);
	st.fps = 0;
	assert_int_equal(ff_sim_scene_create(&st, &s, &err), FF_ERR_INVALID);
	s = plain_scene(3, false, 2);
	ff_sim_person p;
	ff_sim_person_default(&p, 1.7);
	ff_sim_key k[2] = {{2, 0, 0}, {1, 1, 1}};
	assert_int_equal(ff_sim_scene_add_person(s, &p, k, 2, &err), -1);
	assert_int_equal(err.code, FF_ERR_ORDER);
	ff_sim_person_default(&p, 3.5);
	k[1].t = 3;
	assert_int_equal(ff_sim_scene_add_person(s, &p, k, 2, &err), -1);
	ff_rules r = one_line(0.5, 0.05, 0.5, 1.5, false);
	assert_int_equal(ff_sim_scene_set_rules(s, &r, &err), FF_ERR_INVALID);
	uint16_t *d = frame_buf(s);
	assert_int_equal(ff_sim_scene_render(s, 100000, d, &err), FF_ERR_INVALID);
	free(d);
	ff_sim_scene_destroy(s);
}

/* Tiny images exercise the edges of every noise buffer. */
static void test_small_image(void **state)
{
	(void)state;
	ff_sim_setup st;
	ff_sim_scene *s;
	ff_error err;
	ff_sim_setup_default(&st);
	st.width = 33;
	st.height = 21;
	st.duration_s = 1;
	st.noise.speckle_rate = 0.01;
	assert_int_equal(ff_sim_scene_create(&st, &s, &err), FF_OK);
	assert_true(add_standing(s, 0, 0, 1.8, 5) >= 0);
	uint16_t *d = frame_buf(s);
	assert_int_equal(ff_sim_scene_render(s, 2, d, &err), FF_OK);
	int valid = 0, near = 0;
	for (int i = 0; i < 33 * 21; i++) {
		valid += d[i] > 0;
		near += d[i] > 0 && d[i] < 2000;
	}
	assert_true(valid > 33 * 21 / 3);
	assert_true(near > 0);
	free(d);
	ff_sim_scene_destroy(s);
}

static void test_catalogue(void **state)
{
	(void)state;
	size_t n = ff_sim_catalogue_size();
	assert_true(n >= 30);
	double hmin = 10, hmax = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(ff_sim_catalogue_name(i), ff_sim_catalogue_name(j));
		ff_sim_scene *s;
		ff_error err;
		const ff_sim_truth *t;
		assert_int_equal(ff_sim_scene_named(ff_sim_catalogue_name(i),
						    ff_sim_catalogue_seed(i), &s, &err),
				 FF_OK);
		assert_int_equal(ff_rules_validate(ff_sim_scene_rules(s), &err), FF_OK);
		assert_int_equal(ff_sim_scene_truth(s, &t, &err), FF_OK);
		if (t->nevents == 0)
			fail_msg("scene %s has no events", ff_sim_catalogue_name(i));
		double h = ff_sim_scene_rules(s)->installation_height_m;
		hmin = fmin(hmin, h);
		hmax = fmax(hmax, h);
		ff_sim_scene_destroy(s);
	}
	assert_true(hmin <= 2.2 + 1e-9 && hmax >= 6.0 - 1e-9);
}

static void test_render_speed(void **state)
{
	(void)state;
	ff_sim_scene *s = plain_scene(3.5, true, 5);
	for (int i = 0; i < 20; i++)
		assert_true(add_standing(s, -1.6 + (i % 5) * 0.8, -1.0 + (i / 5) * 0.65, 1.7, 10) >=
			    0);
	uint16_t *d = frame_buf(s);
	ff_error err;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(ff_sim_scene_render(s, i, d, &err), FF_OK);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = ((b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) * 1e-6) / 10;
	print_message("render with noise, 20 people, 640x400: %.2f ms/frame\n", ms);
	/* generous: sanitizer builds are several times slower */
	assert_true(ms < 200);
	free(d);
	ff_sim_scene_destroy(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reproducible),
	    cmocka_unit_test(test_head_depth),
	    cmocka_unit_test(test_tilted_floor),
	    cmocka_unit_test(test_noise_grows_with_depth),
	    cmocka_unit_test(test_truth_straight_walk),
	    cmocka_unit_test(test_truth_uturn),
	    cmocka_unit_test(test_truth_feet_crossing_with_head_out_of_view),
	    cmocka_unit_test(test_truth_around_end_and_sway),
	    cmocka_unit_test(test_truth_dwell),
	    cmocka_unit_test(test_truth_json_roundtrip),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_small_image),
	    cmocka_unit_test(test_catalogue),
	    cmocka_unit_test(test_render_speed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
