/*
 * test_core_track.c - the tracker on hand-made detections.
 *
 * Detections are placed directly on the floor plane, so each test states the
 * motion it checks without a depth frame in between: a tight queue whose
 * leader vanishes while a newcomer joins at its back (no track may move onto
 * the head of the person ahead), and the detection rate that tells a person
 * seen in every frame from a blob that passes the head tests only now and
 * then, and objects that keep a fixed place next to a walking person (a
 * stroller's canopy, a bag) told from a child at the hand or in a queue.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

#define FPS 15.0

static ff_detection det_at(double x, double y, double h)
{
	ff_detection d;
	memset(&d, 0, sizeof d);
	d.fx = (float)x;
	d.fy = (float)y;
	d.height = (float)h;
	return d;
}

static const ff_track *track_by_id(const ff_tracker *tr, int id)
{
	for (int i = 0; i < FF_MAX_TRACKS; i++)
		if (tr->tracks[i].alive && tr->tracks[i].id == id)
			return &tr->tracks[i];
	return NULL;
}

/* The alive track nearest to (x, y). */
static const ff_track *track_near(const ff_tracker *tr, double x, double y)
{
	const ff_track *best = NULL;
	double bd = INFINITY;
	for (int i = 0; i < FF_MAX_TRACKS; i++) {
		const ff_track *k = &tr->tracks[i];
		double d = hypot(k->x - x, k->y - y);
		if (k->alive && d < bd) {
			bd = d;
			best = k;
		}
	}
	return best;
}

/* Four people 0.5 m apart walk at 0.9 m/s; at 2 s the leader's head is
 * gone (out of view) and a fifth person appears 0.45 m behind the last.
 * Every track must stay with its own person: none jumps back 0.5 m. */
static void test_queue_leader_lost_keeps_identities(void **state)
{
	(void)state;
	ff_tracker tr;
	int ended[FF_MAX_TRACKS];
	const double v = 0.9, gap = 0.5;
	int ids[4] = {0};

	ff_tracker_init(&tr);
	for (int f = 0; f < 45; f++) {
		double t = f / FPS;
		ff_detection d[5];
		int n = 0;
		for (int p = 0; p < 4; p++) {
			if (p == 0 && t >= 2.0)
				continue;
			d[n++] = det_at(v * t - p * gap, 0, 1.75);
		}
		if (t >= 2.0)
			d[n++] = det_at(v * t - 3 * gap - 0.45, 0, 1.75);
		ff_tracker_update(&tr, d, n, t, ended, FF_MAX_TRACKS);
		if (f == 20)
			for (int p = 1; p < 4; p++) {
				const ff_track *k = track_near(&tr, v * t - p * gap, 0);
				assert_non_null(k);
				assert_true(k->confirmed);
				ids[p] = k->id;
			}
		if (f > 20)
			for (int p = 1; p < 4; p++) {
				const ff_track *k = track_by_id(&tr, ids[p]);
				assert_non_null(k);
				assert_true(fabs(k->x - (v * t - p * gap)) < 0.15);
			}
	}
}

/* A person seen in every frame keeps a presence near 1 and a person hidden
 * for three frames in a row stays credible; a blob that is a head only every
 * fourth frame after a lucky start (enough to be confirmed) is not. */
static void test_presence_tells_steady_from_sporadic(void **state)
{
	(void)state;
	ff_tracker tr;
	int ended[FF_MAX_TRACKS];

	ff_tracker_init(&tr);
	for (int f = 0; f < 60; f++) {
		double t = f / FPS;
		ff_detection d[3];
		int n = 0;
		d[n++] = det_at(-2 + 0.8 * t, 0, 1.70);
		if (f < 8 || f % 4 == 0)
			d[n++] = det_at(2 - 0.3 * t, 1.5, 1.00);
		if (f < 30 || f > 32)
			d[n++] = det_at(0.6 * t, -1.5, 1.60);
		ff_tracker_update(&tr, d, n, t, ended, FF_MAX_TRACKS);
	}
	const ff_track *steady = track_near(&tr, -2 + 0.8 * 59 / FPS, 0);
	const ff_track *sporadic = track_near(&tr, 2 - 0.3 * 56 / FPS, 1.5);
	const ff_track *hidden = track_near(&tr, 0.6 * 59 / FPS, -1.5);
	assert_non_null(steady);
	assert_non_null(sporadic);
	assert_non_null(hidden);
	assert_true(steady->confirmed && sporadic->confirmed && hidden->confirmed);
	assert_true(steady->seen_presence > 0.95f);
	assert_true(hidden->seen_presence > 0.75f);
	assert_true(ff_track_credible(steady) && ff_track_credible(hidden));
	assert_false(ff_track_credible(sporadic));
}

/* Runs three seconds of an adult (1.75 m) walking along +x at 1.1 m/s with
 * a second object at (along, across) from the adult's head, of height h,
 * whose place wobbles by `wobble` metres; returns that object's track. */
static const ff_track *walk_with(ff_tracker *tr, double along, double across, double h,
				 double wobble)
{
	int ended[FF_MAX_TRACKS];
	ff_tracker_init(tr);
	double x = 0, y = 0;
	for (int f = 0; f < 45; f++) {
		double t = f / FPS;
		x = -2.0 + 1.1 * t;
		ff_detection d[2];
		d[0] = det_at(x, 0, 1.75);
		double w = wobble * sin(0.7 * t * 2 * M_PI);
		x += along + w;
		y = across + w * 0.5;
		d[1] = det_at(x, y, h);
		ff_tracker_update(tr, d, 2, t, ended, FF_MAX_TRACKS);
	}
	return track_near(tr, x, y);
}

/* A canopy 0.7 m ahead of its pusher and a bag at the hip are attached and
 * not credible; a child at the hand (0.42 m to the side), a child who walks
 * ahead with her own gait, and a short adult ahead in a queue are not. */
static void test_attached_objects_are_not_people(void **state)
{
	(void)state;
	ff_tracker tr;
	const ff_track *k = walk_with(&tr, 0.7, 0.02, 1.02, 0.01);
	assert_non_null(k);
	assert_true(k->confirmed && k->attached);
	assert_false(ff_track_credible(k));
	k = walk_with(&tr, 0.02, 0.28, 1.05, 0.01);
	assert_true(k->attached);
	assert_false(ff_track_credible(k));

	k = walk_with(&tr, 0.0, 0.42, 1.05, 0.01);
	assert_true(k->confirmed && !k->attached && ff_track_credible(k));
	k = walk_with(&tr, 0.75, 0.05, 1.10, 0.3);
	assert_true(k->confirmed && !k->doubtful && ff_track_credible(k));
	k = walk_with(&tr, 0.7, 0.0, 1.50, 0.01);
	assert_true(k->confirmed && !k->doubtful && ff_track_credible(k));
}

/* Between rigid and free: a track keeping its place ahead within twice the
 * bound is doubtful, held while it lives; when it ends, the share of its
 * recent time it was attached decides. */
static void test_doubtful_objects_decided_at_the_end(void **state)
{
	(void)state;
	ff_tracker tr;
	ff_track end;
	const ff_track *k = walk_with(&tr, 0.7, 0.0, 1.02, 0.10);
	assert_true(k->doubtful && k->attached);
	end = *k;
	end.alive = false;
	assert_false(ff_track_credible(&end));

	k = walk_with(&tr, 0.7, 0.0, 1.02, 0.2);
	assert_true(k->doubtful && !k->attached);
	assert_false(ff_track_credible(k));
	end = *k;
	end.alive = false;
	assert_true(ff_track_credible(&end));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_queue_leader_lost_keeps_identities),
	    cmocka_unit_test(test_presence_tells_steady_from_sporadic),
	    cmocka_unit_test(test_attached_objects_are_not_people),
	    cmocka_unit_test(test_doubtful_objects_decided_at_the_end),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
