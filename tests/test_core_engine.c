/*
 * test_core_engine.c - the engine end to end on small hand-built scenes.
 *
 * A few axis-aligned ellipsoids and boxes are ray cast into a depth frame
 * (the full simulator lives in src/sim; these scenes are deliberately tiny so
 * each test states exactly what it checks): a person crossing a line, two
 * people shoulder to shoulder, a child beside an adult, a table and a shelf
 * that are not people, the floor found from the scene with a tilt, and the
 * API's error paths.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

#define W 640
#define H 400

static const ff_camera cam = {W, H, 254.6, 251.2, 319.5, 199.5, 1000};

/* World: x right, y down the image, z down from the camera; the floor is at
 * z = floor_z before the camera tilt is applied. */
typedef struct shape {
	bool box;
	double c[3], r[3]; /* centre and radii (half sizes for boxes) */
} shape;

typedef struct scene {
	double floor_z;
	double tilt; /* rotation about the x axis (radians) */
	int n;
	shape s[24];
} scene;

static uint16_t frame[W * H];

static bool hit_ellipsoid(const shape *s, const double o[3], const double d[3], double *t)
{
	double a = 0, b = 0, c = -1;
	for (int i = 0; i < 3; i++) {
		double oc = (o[i] - s->c[i]) / s->r[i], dd = d[i] / s->r[i];
		a += dd * dd;
		b += 2 * oc * dd;
		c += oc * oc;
	}
	double disc = b * b - 4 * a * c;
	if (disc < 0)
		return false;
	*t = (-b - sqrt(disc)) / (2 * a);
	return *t > 0;
}

static bool hit_box(const shape *s, const double o[3], const double d[3], double *t)
{
	double t0 = 0, t1 = INFINITY;
	for (int i = 0; i < 3; i++) {
		double lo = (s->c[i] - s->r[i] - o[i]) / d[i],
		       hi = (s->c[i] + s->r[i] - o[i]) / d[i];
		if (lo > hi) {
			double x = lo;
			lo = hi;
			hi = x;
		}
		t0 = lo > t0 ? lo : t0;
		t1 = hi < t1 ? hi : t1;
	}
	*t = t0;
	return t0 <= t1 && t0 > 0;
}

static void render(const scene *sc)
{
	const double o[3] = {0, 0, 0};
	const double ct = cos(sc->tilt), st = sin(sc->tilt);
	for (int v = 0; v < H; v++)
		for (int u = 0; u < W; u++) {
			double rc[3] = {(u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy, 1};
			/* Camera ray into the world frame. */
			double d[3] = {rc[0], ct * rc[1] - st * rc[2], st * rc[1] + ct * rc[2]};
			double best = d[2] > 0 ? sc->floor_z / d[2] : INFINITY, t;
			for (int k = 0; k < sc->n; k++) {
				const shape *s = &sc->s[k];
				if ((s->box ? hit_box(s, o, d, &t) : hit_ellipsoid(s, o, d, &t)) &&
				    t < best)
					best = t;
			}
			/* z-depth along the optical axis is t times the camera
			 * ray's z, which is 1. */
			frame[v * W + u] = isfinite(best) ? (uint16_t)lround(best * 1000) : 0;
		}
}

/* A person of height h standing at (x, y) on a floor at floor_z. */
static void add_person(scene *sc, double x, double y, double h)
{
	double s = h / 1.75, hs = 0.7 + 0.3 * s; /* heads grow less than bodies */
	shape head = {
	    false, {x, y, sc->floor_z - h + 0.11 * hs}, {0.08 * hs, 0.10 * hs, 0.11 * hs}};
	shape shoulders = {
	    false, {x, y, sc->floor_z - h + 0.32 * s}, {0.23 * s, 0.13 * s, 0.08 * s}};
	shape body = {false, {x, y, sc->floor_z - h * 0.42}, {0.20 * s, 0.12 * s, h * 0.42}};
	sc->s[sc->n++] = head;
	sc->s[sc->n++] = shoulders;
	sc->s[sc->n++] = body;
}

static ff_rules line_rules(void)
{
	ff_rules r;
	ff_rules_default(&r);
	r.nlines = 1;
	r.lines[0].id = 1;
	r.lines[0].npoints = 2;
	r.lines[0].points[0] = (ff_point){0.5, 0.05};
	r.lines[0].points[1] = (ff_point){0.5, 0.95};
	r.uturn_filtering = false;
	return r;
}

static int detect_people(const scene *sc, double install_h)
{
	ff_grid g;
	ff_detector d;
	ff_plane p;
	ff_detection out[FF_MAX_DETECTIONS];
	assert_int_equal(ff_grid_init(&g, &cam, 4, NULL), FF_OK);
	assert_int_equal(ff_detector_init(&d, &g, NULL), FF_OK);
	d.min_h = 0.9;
	d.max_h = 2.2;
	ff_plane_from_height(&p, install_h);
	ff_grid_set_plane(&g, &p);
	render(sc);
	ff_grid_build(&g, &cam, &p, frame);
	int n = ff_detect(&d, &g, &cam, &p, out, FF_MAX_DETECTIONS);
	ff_detector_free(&d);
	ff_grid_free(&g);
	return n;
}

static void test_single_person_detected_with_height(void **state)
{
	(void)state;
	scene sc = {.floor_z = 3.0};
	add_person(&sc, 0.3, 0.2, 1.78);
	ff_grid g;
	ff_detector d;
	ff_plane p;
	ff_detection out[8];
	ff_grid_init(&g, &cam, 4, NULL);
	ff_detector_init(&d, &g, NULL);
	d.min_h = 0.9;
	d.max_h = 2.2;
	ff_plane_from_height(&p, 3.0);
	ff_grid_set_plane(&g, &p);
	render(&sc);
	ff_grid_build(&g, &cam, &p, frame);
	assert_int_equal(ff_detect(&d, &g, &cam, &p, out, 8), 1);
	assert_true(fabs(out[0].height - 1.78) < 0.03);
	assert_true(fabs(out[0].fx - 0.3) < 0.05);
	assert_true(fabs(out[0].fy - 0.2) < 0.05);
	ff_detector_free(&d);
	ff_grid_free(&g);
}

static void test_shoulder_to_shoulder_pair_is_two(void **state)
{
	(void)state;
	scene sc = {.floor_z = 3.0};
	add_person(&sc, -0.2, 0, 1.75);
	add_person(&sc, 0.2, 0, 1.70);
	assert_int_equal(detect_people(&sc, 3.0), 2);
}

static void test_child_beside_adult_is_two(void **state)
{
	(void)state;
	scene sc = {.floor_z = 3.0};
	add_person(&sc, -0.25, 0.1, 1.80);
	add_person(&sc, 0.2, 0.1, 1.05);
	assert_int_equal(detect_people(&sc, 3.0), 2);
}

static void test_furniture_is_not_people(void **state)
{
	(void)state;
	scene sc = {.floor_z = 3.0};
	/* A table top at 1.0 m and a shelf 1.9 m tall. */
	sc.s[sc.n++] = (shape){true, {-0.6, 0, 3.0 - 0.5}, {0.6, 0.4, 0.5}};
	sc.s[sc.n++] = (shape){true, {0.8, 0, 3.0 - 0.95}, {0.25, 0.6, 0.95}};
	assert_int_equal(detect_people(&sc, 3.0), 0);
}

static void test_person_crossing_line_counted_in(void **state)
{
	(void)state;
	ff_rules r = line_rules();
	ff_engine *e = NULL;
	assert_int_equal(ff_engine_create(&cam, &r, &e, NULL), FF_OK);
	int ins = 0, events = 0;
	/* Right to left across the line drawn downwards: "in". */
	for (int i = 0; i < 40; i++) {
		scene sc = {.floor_z = 3.0};
		add_person(&sc, 1.2 - 0.06 * i, 0.1, 1.75);
		render(&sc);
		assert_int_equal(ff_engine_process(e, frame, 100 + i * 0.1, NULL), FF_OK);
		const ff_event *ev;
		size_t n = ff_engine_events(e, &ev);
		for (size_t k = 0; k < n; k++) {
			events++;
			ins += ev[k].type == FF_EVENT_LINE_CROSS && ev[k].direction == 1;
		}
	}
	assert_int_equal(ff_engine_finish(e, 104, NULL), FF_OK);
	assert_int_equal(events, 1);
	assert_int_equal(ins, 1);
	ff_counts c;
	ff_engine_counts(e, &c);
	assert_int_equal(c.line_total[0].in, 1);
	assert_int_equal(c.line_total[0].children_in, 0);
	ff_track_info ti[4];
	assert_int_equal(ff_engine_tracks(e, ti, 4), 0);
	ff_engine_destroy(e);
}

static void test_floor_detected_with_tilt(void **state)
{
	(void)state;
	ff_rules r = line_rules();
	r.installation_height_auto = true;
	ff_engine *e = NULL;
	assert_int_equal(ff_engine_create(&cam, &r, &e, NULL), FF_OK);
	scene sc = {.floor_z = 3.4, .tilt = 8 * M_PI / 180};
	add_person(&sc, 0.5, 0.3, 1.7);
	render(&sc);
	ff_floor_info fi;
	ff_engine_floor(e, &fi);
	assert_false(fi.known);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ff_engine_process(e, frame, i, NULL), FF_OK);
	ff_engine_floor(e, &fi);
	assert_true(fi.known);
	assert_true(fi.detected);
	assert_true(fabs(fi.tilt_deg - 8) < 0.5);
	/* The camera's height above the floor plane, measured along its
	 * normal: floor_z * cos(tilt) for a floor z = floor_z in the world. */
	assert_true(fabs(fi.height_m - 3.4) < 0.05);
	ff_engine_destroy(e);
}

static void test_api_errors(void **state)
{
	(void)state;
	ff_rules r = line_rules();
	ff_engine *e = NULL;
	ff_error err;
	ff_camera bad = cam;
	bad.fx = 0;
	assert_int_equal(ff_engine_create(&bad, &r, &e, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "focal"));
	assert_null(e);
	r.nlines = 5;
	assert_int_equal(ff_engine_create(&cam, &r, &e, &err), FF_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "rules.lines"));
	r = line_rules();
	assert_int_equal(ff_engine_create(&cam, &r, &e, &err), FF_OK);
	memset(frame, 0, sizeof frame);
	assert_int_equal(ff_engine_process(e, frame, 5, &err), FF_OK);
	assert_int_equal(ff_engine_process(e, frame, 5, &err), FF_ERR_ORDER);
	assert_int_equal(ff_engine_process(e, NULL, 6, &err), FF_ERR_INVALID);
	r.lines[0].npoints = 1;
	assert_int_equal(ff_engine_set_rules(e, &r, &err), FF_ERR_LIMIT);
	assert_non_null(strstr(err.msg, "rules.lines[0].points"));
	ff_engine_destroy(e);
	ff_engine_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_single_person_detected_with_height),
	    cmocka_unit_test(test_shoulder_to_shoulder_pair_is_two),
	    cmocka_unit_test(test_child_beside_adult_is_two),
	    cmocka_unit_test(test_furniture_is_not_people),
	    cmocka_unit_test(test_person_crossing_line_counted_in),
	    cmocka_unit_test(test_floor_detected_with_tilt),
	    cmocka_unit_test(test_api_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
