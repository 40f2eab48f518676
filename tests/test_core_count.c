/*
 * test_core_count.c - the counting rules of spec section 3 on hand-made
 * tracks: direction, one count per passage, dithering, line ends, polylines,
 * U-turn areas, regions with pass-by filter and dwell, children, target
 * height, confirmation.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static const ff_camera cam = {640, 400, 254.6, 251.2, 319.5, 199.5, 1000};

typedef struct fixture {
	ff_counter c;
	ff_event events[FF_MAX_EVENTS];
	ff_event log[256]; /* every event over the whole walk */
	int nlog;
	ff_rules rules;
} fixture;

static fixture F;

static void setup_rules(void)
{
	ff_rules_default(&F.rules);
	F.rules.nlines = 1;
	ff_line *l = &F.rules.lines[0];
	l->id = 1;
	l->npoints = 2;
	l->points[0] = (ff_point){0.5, 0.1};
	l->points[1] = (ff_point){0.5, 0.9};
}

static void start(void)
{
	ff_counter_init(&F.c, &cam, &F.rules, F.events);
	F.nlog = 0;
}

static ff_observation obs(int id, double x, double y)
{
	ff_observation o;
	memset(&o, 0, sizeof o);
	o.id = id;
	o.confirmed = true;
	o.credible = true;
	o.valid = true;
	o.point = (ff_point){x, y};
	/* About 2.6 m of floor across the normalised image. */
	o.scale_x = 2.6;
	o.scale_y = 1.6;
	return o;
}

static void step(int slot, const ff_observation *o, double t)
{
	ff_counter_begin_frame(&F.c);
	ff_counter_observe(&F.c, slot, o, t);
	for (int i = 0; i < F.c.nevents && F.nlog < 256; i++)
		F.log[F.nlog++] = F.c.events[i];
}

static void end(int slot, const ff_observation *o, double t)
{
	ff_counter_begin_frame(&F.c);
	ff_counter_end(&F.c, slot, o, t, t, false);
	for (int i = 0; i < F.c.nevents && F.nlog < 256; i++)
		F.log[F.nlog++] = F.c.events[i];
}

/* Walks a track in a straight line from (x0, y0) to (x1, y1) in n steps at
 * 10 frames per second starting at t0; returns the time after the walk. */
static double walk(int slot, int id, double x0, double y0, double x1, double y1, int n, double t0)
{
	double t = t0;
	for (int i = 0; i <= n; i++) {
		ff_observation o = obs(id, x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n);
		step(slot, &o, t);
		t += 0.1;
	}
	return t;
}

static int count_type(ff_event_type type, int dir)
{
	int n = 0;
	for (int i = 0; i < F.nlog; i++)
		if (F.log[i].type == type &&
		    (type != FF_EVENT_LINE_CROSS || F.log[i].direction == dir))
			n++;
	return n;
}

static void test_direction_in_is_right_to_left(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	start();
	/* The spec's example: a line drawn downwards counts right-to-left as in. */
	walk(0, 1, 0.9, 0.5, 0.1, 0.5, 40, 0);
	assert_int_equal(count_type(FF_EVENT_LINE_CROSS, 1), 1);
	assert_int_equal(count_type(FF_EVENT_LINE_CROSS, -1), 0);
	assert_int_equal(F.c.counts.line_total[0].in, 1);
	assert_int_equal(F.c.counts.line_total[0].out, 0);

	walk(1, 2, 0.1, 0.4, 0.9, 0.4, 40, 10);
	assert_int_equal(F.c.counts.line_total[0].out, 1);
	assert_int_equal(F.c.counts.line_period[0].out, 1);
}

static void test_flip_swaps_direction(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	F.rules.lines[0].flip = true;
	start();
	walk(0, 1, 0.9, 0.5, 0.1, 0.5, 40, 0);
	assert_int_equal(F.c.counts.line_total[0].out, 1);
	assert_int_equal(F.c.counts.line_total[0].in, 0);
}

static void test_event_waits_until_past_commit_distance(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	start();
	/* 0.02 normalised units per step = 5 cm: the passage becomes certain
	 * 0.3 m past the line, six steps after crossing it. */
	double t = 0;
	int crossed_step = -1, counted_step = -1;
	for (int i = 0; i <= 40; i++, t += 0.1) {
		ff_observation o = obs(1, 0.9 - 0.02 * i, 0.5);
		step(0, &o, t);
		if (crossed_step < 0 && o.point.x < 0.5)
			crossed_step = i;
		if (counted_step < 0 && F.nlog)
			counted_step = i;
	}
	assert_true(counted_step > crossed_step);
	assert_true(counted_step - crossed_step <= 7);
	assert_int_equal(F.nlog, 1);
}

/* A line close to the image border: the person crosses it and leaves the
 * view 0.15 m past it, never reaching the commit distance. Gone at the
 * border past the line is a passage; lost in mid-view, or at the border on
 * the side it came from, it is not. */
static void test_leaving_view_past_the_line(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	F.rules.lines[0].points[0] = (ff_point){0.1, 0.1};
	F.rules.lines[0].points[1] = (ff_point){0.1, 0.9};
	start();
	double t = walk(0, 1, 0.6, 0.5, 0.04, 0.5, 28, 0);
	assert_int_equal(F.nlog, 0);
	ff_observation o = obs(1, 0.04, 0.5);
	o.at_edge = true;
	end(0, &o, t);
	assert_int_equal(count_type(FF_EVENT_LINE_CROSS, 1), 1);
	assert_true(fabs(F.log[0].time - t) < 1e-9);

	start();
	t = walk(1, 2, 0.6, 0.5, 0.04, 0.5, 28, 0);
	o = obs(2, 0.04, 0.5);
	end(1, &o, t);
	assert_int_equal(F.nlog, 0);

	start();
	t = walk(2, 3, 0.6, 0.5, 0.04, 0.5, 28, 0);
	t = walk(2, 3, 0.04, 0.5, 0.6, 0.5, 28, t);
	t = walk(2, 3, 0.6, 0.5, 0.98, 0.5, 19, t);
	o = obs(3, 0.98, 0.5);
	o.at_edge = true;
	end(2, &o, t);
	assert_int_equal(F.nlog, 0);
}

static void test_dithering_counts_once(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	start();
	double t = 0;
	/* Approach, sway on the line +-4 cm for 5 s, then walk on. */
	for (int i = 0; i < 20; i++, t += 0.1) {
		ff_observation o = obs(1, 0.8 - 0.015 * i, 0.5);
		step(0, &o, t);
	}
	for (int i = 0; i < 50; i++, t += 0.1) {
		ff_observation o = obs(1, 0.5 + 0.015 * sin(i * 1.3), 0.5);
		step(0, &o, t);
	}
	assert_int_equal(F.nlog, 0);
	for (int i = 0; i < 30; i++, t += 0.1) {
		ff_observation o = obs(1, 0.5 - 0.015 * i, 0.5);
		step(0, &o, t);
	}
	assert_int_equal(count_type(FF_EVENT_LINE_CROSS, 1), 1);
	assert_int_equal(F.nlog, 1);
}

static void test_cross_and_back_is_in_and_out(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	start();
	double t = walk(0, 1, 0.9, 0.5, 0.2, 0.5, 20, 0);
	walk(0, 1, 0.2, 0.5, 0.9, 0.5, 20, t);
	assert_int_equal(F.c.counts.line_total[0].in, 1);
	assert_int_equal(F.c.counts.line_total[0].out, 1);
}

static void test_around_the_end_is_no_passage(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	F.rules.lines[0].points[1] = (ff_point){0.5, 0.5};
	start();
	/* Walk below the line's lower end from right to left. */
	walk(0, 1, 0.9, 0.8, 0.1, 0.8, 40, 0);
	assert_int_equal(F.nlog, 0);
	/* Cross it, go round its end and come back: one in only. */
	double t = walk(1, 2, 0.8, 0.3, 0.2, 0.3, 20, 10);
	t = walk(1, 2, 0.2, 0.3, 0.2, 0.8, 20, t);
	walk(1, 2, 0.2, 0.8, 0.8, 0.8, 20, t);
	assert_int_equal(F.c.counts.line_total[0].in, 1);
	assert_int_equal(F.c.counts.line_total[0].out, 0);
}

static void test_polyline_segments(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	ff_line *l = &F.rules.lines[0];
	l->npoints = 3;
	l->points[0] = (ff_point){0.1, 0.5};
	l->points[1] = (ff_point){0.5, 0.3};
	l->points[2] = (ff_point){0.9, 0.5};
	start();
	/* Drawn left to right, so "in" is downwards (arrow turned clockwise). */
	walk(0, 1, 0.2, 0.1, 0.2, 0.9, 40, 0);
	walk(1, 2, 0.8, 0.1, 0.8, 0.9, 40, 10);
	walk(2, 3, 0.45, 0.9, 0.45, 0.05, 40, 20);
	assert_int_equal(F.c.counts.line_total[0].in, 2);
	assert_int_equal(F.c.counts.line_total[0].out, 1);
}

static void set_uturn_area(void)
{
	ff_line *l = &F.rules.lines[0];
	l->uturn_npoints = 4;
	l->uturn[0] = (ff_point){0.3, 0.1};
	l->uturn[1] = (ff_point){0.7, 0.1};
	l->uturn[2] = (ff_point){0.7, 0.9};
	l->uturn[3] = (ff_point){0.3, 0.9};
}

static void test_uturn_inside_area_is_not_counted(void **state)
{
	(void)state;
	setup_rules();
	set_uturn_area();
	start();
	/* Cross the line, turn back inside the area. */
	double t = walk(0, 1, 0.9, 0.5, 0.4, 0.5, 25, 0);
	walk(0, 1, 0.4, 0.5, 0.9, 0.5, 25, t);
	assert_int_equal(F.nlog, 0);
	/* The same walk without filtering is one in and one out. */
	F.rules.uturn_filtering = false;
	start();
	t = walk(0, 1, 0.9, 0.5, 0.33, 0.5, 25, 0);
	walk(0, 1, 0.33, 0.5, 0.9, 0.5, 25, t);
	assert_int_equal(F.c.counts.line_total[0].in, 1);
	assert_int_equal(F.c.counts.line_total[0].out, 1);
}

static void test_uturn_passage_reported_on_leaving_area(void **state)
{
	(void)state;
	setup_rules();
	set_uturn_area();
	start();
	double t = 0, left_area = -1;
	for (int i = 0; i <= 40; i++, t += 0.1) {
		ff_observation o = obs(1, 0.9 - 0.02 * i, 0.5);
		step(0, &o, t);
		if (left_area < 0 && o.point.x < 0.3)
			left_area = t;
	}
	assert_int_equal(F.nlog, 1);
	assert_int_equal(F.log[0].direction, 1);
	assert_true(fabs(F.log[0].time - left_area) < 1e-9);
}

static void test_uturn_first_seen_inside_area(void **state)
{
	(void)state;
	setup_rules();
	set_uturn_area();
	start();
	/* First seen inside on the right: leaving on the left is an in. */
	walk(0, 1, 0.6, 0.5, 0.1, 0.5, 20, 0);
	assert_int_equal(F.c.counts.line_total[0].in, 1);
	/* Track ends inside the area after crossing: decided at its end. */
	walk(1, 2, 0.2, 0.5, 0.6, 0.5, 20, 10);
	ff_observation o = obs(2, 0.6, 0.5);
	end(1, &o, 13);
	assert_int_equal(F.c.counts.line_total[0].out, 1);
}

/* Sets the flag a test holds passages by: confirmation or credibility. */
static void set_flag(ff_observation *o, bool credibility, bool on)
{
	if (credibility)
		o->credible = on;
	else
		o->confirmed = on;
}

/* A passage made while the flag is off is counted with its own time once
 * the flag turns on, and dropped when the track ends with the flag off. */
static void check_held_passage(bool credibility)
{
	setup_rules();
	F.rules.uturn_filtering = false;
	start();
	double t = 0;
	for (int i = 0; i <= 20; i++, t += 0.1) {
		ff_observation o = obs(1, 0.6 - 0.02 * i, 0.5);
		set_flag(&o, credibility, i > 15);
		step(0, &o, t);
	}
	assert_int_equal(F.nlog, 1);
	assert_int_equal(F.log[0].type, FF_EVENT_LINE_CROSS);
	assert_true(F.log[0].time < 1.5); /* its own time, not the flag's */
	start();
	t = 0;
	for (int i = 0; i <= 20; i++, t += 0.1) {
		ff_observation o = obs(2, 0.6 - 0.02 * i, 0.5);
		set_flag(&o, credibility, false);
		step(0, &o, t);
	}
	ff_observation o = obs(2, 0.2, 0.5);
	set_flag(&o, credibility, false);
	end(0, &o, t);
	assert_int_equal(F.nlog, 0);
	assert_int_equal(F.c.counts.line_total[0].in + F.c.counts.line_total[0].out, 0);
}

/* A track that dies unconfirmed is noise: nothing counted. */
static void test_unconfirmed_track_events_wait(void **state)
{
	(void)state;
	check_held_passage(false);
}

/* A confirmed track that is not credible (a blob seen now and then, a
 * canopy) has its passage held the same way. */
static void test_doubtful_track_passage_waits(void **state)
{
	(void)state;
	check_held_passage(true);
}

static void test_children_and_target_height(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	start();
	double t = 0;
	for (int i = 0; i <= 40; i++, t += 0.1) {
		ff_observation o = obs(1, 0.9 - 0.02 * i, 0.5);
		o.child = true;
		step(0, &o, t);
	}
	assert_int_equal(F.c.counts.line_total[0].in, 1);
	assert_int_equal(F.c.counts.line_total[0].children_in, 1);
	assert_true(F.log[0].child);
	for (int i = 0; i <= 40; i++, t += 0.1) {
		ff_observation o = obs(2, 0.9 - 0.02 * i, 0.5);
		o.valid = false; /* a cart: outside the target height range */
		step(1, &o, t);
	}
	assert_int_equal(F.c.counts.line_total[0].in, 1);
}

static void setup_region(double pass_by, double min_dwell)
{
	setup_rules();
	F.rules.nlines = 0;
	F.rules.nregions = 1;
	ff_region *g = &F.rules.regions[0];
	g->id = 1;
	g->npoints = 4;
	g->points[0] = (ff_point){0.2, 0.2};
	g->points[1] = (ff_point){0.6, 0.2};
	g->points[2] = (ff_point){0.6, 0.6};
	g->points[3] = (ff_point){0.2, 0.6};
	g->people_counting = true;
	g->pass_by_filter_s = pass_by;
	g->dwell_time = true;
	g->min_dwell_s = min_dwell;
}

static void test_region_pass_by_and_dwell(void **state)
{
	(void)state;
	setup_region(2, 3);
	start();
	/* Passing through in 1 s: neither present nor a dwell record. */
	walk(0, 1, 0.1, 0.4, 0.7, 0.4, 10, 0);
	assert_int_equal(F.nlog, 0);
	/* Staying 6 s: present after 2 s, a dwell record of ~6 s on leaving. */
	double t = 10;
	for (int i = 0; i < 60; i++, t += 0.1) {
		ff_observation o = obs(2, 0.4 + 0.01 * sin(i * 0.7), 0.4);
		step(1, &o, t);
	}
	assert_int_equal(F.c.counts.region[0].current_total, 1);
	assert_int_equal(count_type(FF_EVENT_REGION_COUNT, 0), 1);
	for (int i = 0; i < 10; i++, t += 0.1) {
		ff_observation o = obs(2, 0.8, 0.4);
		step(1, &o, t);
	}
	assert_int_equal(F.c.counts.region[0].current_total, 0);
	assert_int_equal(count_type(FF_EVENT_REGION_COUNT, 0), 2);
	assert_int_equal(count_type(FF_EVENT_DWELL, 0), 1);
	const ff_event *d = NULL;
	for (int i = 0; i < F.nlog; i++)
		if (F.log[i].type == FF_EVENT_DWELL)
			d = &F.log[i];
	assert_non_null(d);
	assert_true(llabs(d->duration_ms - 6000) <= 100);
	assert_true(fabs(d->dwell_start - 10) < 1e-9);
	assert_int_equal(F.c.counts.region[0].dwell_total.records, 1);
	assert_int_equal(F.c.counts.region[0].dwell_period.max_ms, d->duration_ms);
}

static void test_region_border_jitter_is_one_stay(void **state)
{
	(void)state;
	setup_region(0, 1);
	start();
	double t = 0;
	for (int i = 0; i < 50; i++, t += 0.1) {
		/* Jitter across the border at x = 0.6 every other frame. */
		ff_observation o = obs(1, i % 2 ? 0.59 : 0.61, 0.4);
		step(0, &o, t);
	}
	ff_observation o = obs(1, 0.59, 0.4);
	end(0, &o, t);
	assert_int_equal(count_type(FF_EVENT_DWELL, 0), 1);
	assert_int_equal(count_type(FF_EVENT_REGION_COUNT, 0), 2);
}

static void test_stream_end_closes_stays_without_leaving(void **state)
{
	(void)state;
	setup_region(1, 1);
	start();
	double t = 0;
	for (int i = 0; i < 30; i++, t += 0.1) {
		ff_observation o = obs(1, 0.4, 0.4);
		step(0, &o, t);
	}
	ff_observation o = obs(1, 0.4, 0.4);
	ff_counter_begin_frame(&F.c);
	ff_counter_end(&F.c, 0, &o, 2.9, 2.9, true);
	assert_int_equal(F.c.nevents, 1);
	assert_int_equal(F.c.events[0].type, FF_EVENT_DWELL);
	assert_true(llabs(F.c.events[0].duration_ms - 2900) <= 1);
	assert_int_equal(F.c.counts.region[0].current_total, 1);
}

static void test_region_monitoring_off(void **state)
{
	(void)state;
	setup_region(0, 0);
	F.rules.region_monitoring = false;
	start();
	walk(0, 1, 0.3, 0.3, 0.4, 0.4, 30, 0);
	assert_int_equal(F.nlog, 0);
}

static void test_rule_change_keeps_counts_by_id(void **state)
{
	(void)state;
	setup_rules();
	F.rules.uturn_filtering = false;
	start();
	walk(0, 1, 0.9, 0.5, 0.1, 0.5, 40, 0);
	ff_rules r = F.rules;
	r.nlines = 2;
	r.lines[1] = r.lines[0];
	r.lines[0].id = 7;
	ff_counter_set_rules(&F.c, &r);
	assert_int_equal(F.c.counts.line_total[0].in, 0);
	assert_int_equal(F.c.counts.line_total[1].in, 1);
	ff_counter_reset(&F.c);
	assert_int_equal(F.c.counts.line_total[1].in, 0);
}

static void test_geometry_helpers(void **state)
{
	(void)state;
	ff_point sq[4] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
	assert_true(ff_point_in_polygon(sq, 4, (ff_point){0.5, 0.5}));
	assert_false(ff_point_in_polygon(sq, 4, (ff_point){1.5, 0.5}));
	assert_true(ff_segments_cross((ff_point){0, 0}, (ff_point){1, 1}, (ff_point){0, 1},
				      (ff_point){1, 0}));
	assert_false(ff_segments_cross((ff_point){0, 0}, (ff_point){1, 0}, (ff_point){0, 1},
				       (ff_point){1, 1}));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_direction_in_is_right_to_left),
	    cmocka_unit_test(test_flip_swaps_direction),
	    cmocka_unit_test(test_event_waits_until_past_commit_distance),
	    cmocka_unit_test(test_dithering_counts_once),
	    cmocka_unit_test(test_leaving_view_past_the_line),
	    cmocka_unit_test(test_cross_and_back_is_in_and_out),
	    cmocka_unit_test(test_around_the_end_is_no_passage),
	    cmocka_unit_test(test_polyline_segments),
	    cmocka_unit_test(test_uturn_inside_area_is_not_counted),
	    cmocka_unit_test(test_uturn_passage_reported_on_leaving_area),
	    cmocka_unit_test(test_uturn_first_seen_inside_area),
	    cmocka_unit_test(test_unconfirmed_track_events_wait),
	    cmocka_unit_test(test_children_and_target_height),
	    cmocka_unit_test(test_region_pass_by_and_dwell),
	    cmocka_unit_test(test_region_border_jitter_is_one_stay),
	    cmocka_unit_test(test_stream_end_closes_stays_without_leaving),
	    cmocka_unit_test(test_region_monitoring_off),
	    cmocka_unit_test(test_rule_change_keeps_counts_by_id),
	    cmocka_unit_test(test_geometry_helpers),
	    cmocka_unit_test(test_doubtful_track_passage_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
