/*
 * test_liveview.c - unit tests of what the pipeline publishes for the live
 * view (tracks with trails in normalised coordinates, the latest depth
 * frame) and of the stereo source's spec, without a running daemon. The
 * streams themselves are tested on the real daemon (daemon_live.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "daemon.h"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Every bad spec is refused with a message that names it. */
static void test_stereo_spec(void **state)
{
	(void)state;
	static const char *const bad[] = {"stereo:", "stereo:one", "stereo:a,,c", "stereo:a,b,c,d",
					  "stereo:,calib.yml"};
	fd_live *l = NULL;
	ff_error err = {0};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(fd_live_create(bad[i], 16, &l, &err), FF_ERR_INVALID);
		assert_non_null(strstr(err.msg, bad[i]));
		assert_non_null(strstr(err.msg, "stereo:LEFT,RIGHT,CALIB"));
		assert_null(l);
	}
	/* A directory and a file cannot be a pair. */
	assert_int_equal(fd_live_create("stereo:/tmp,/tmp/none.mp4,calib.yml", 16, &l, &err),
			 FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "both"));
	/* A missing pair sequence is named. */
	assert_int_not_equal(
	    fd_live_create("stereo:/nonexistent-pairs,/nonexistent.yml", 16, &l, &err), FF_OK);
	assert_non_null(strstr(err.msg, "/nonexistent"));
	assert_null(l);
}

/* The simulated doorway always has someone walking: after a few seconds
 * the published tracks have trails of at most two seconds, everything in
 * 0..1, and a depth frame with the floor below the camera. */
static void test_published_view(void **state)
{
	(void)state;
	fd_live *l = NULL;
	ff_error err = {0};
	ff_rules rules;
	assert_int_equal(fd_live_create("sim", 64, &l, &err), FF_OK);
	fd_live_suggested_rules(l, &rules);
	const ff_camera *cam = fd_live_camera(l);
	size_t npix = (size_t)cam->width * (size_t)cam->height;
	uint16_t *depth = calloc(npix, sizeof *depth);
	assert_non_null(depth);
	uint64_t frame = 0;
	double floor_depth = 0;
	assert_false(fd_live_depth_get(l, depth, &frame, &floor_depth));

	assert_int_equal(fd_live_start(l, &rules, &err), FF_OK);
	fd_view_tracks vt;
	int longest = 0;
	for (int k = 0; k < 60; k++) { /* up to 6 s */
		sleep_ms(100);
		fd_live_tracks_get(l, &vt);
		for (int i = 0; i < vt.ntracks; i++) {
			const fd_view_track *t = &vt.tracks[i];
			assert_true(t->x >= 0 && t->x <= 1 && t->y >= 0 && t->y <= 1);
			assert_true(t->ntrail >= 1 && t->ntrail <= FD_TRAIL_MAX);
			for (int j = 0; j < t->ntrail; j++)
				assert_true(t->trail[j][0] >= 0 && t->trail[j][0] <= 1 &&
					    t->trail[j][1] >= 0 && t->trail[j][1] <= 1);
			/* The trail ends where the track is. */
			assert_float_equal(t->trail[t->ntrail - 1][0], t->x, 0.2);
			if (t->ntrail > longest)
				longest = t->ntrail;
		}
		if (longest >= FD_TRAIL_MAX / 2 && k >= 20)
			break;
	}
	assert_true(vt.frame > 0 && vt.t > 1e9);
	/* Sampled every FD_TRAIL_STEP: a track followed for seconds has a
	 * full trail, not one point per frame. */
	assert_true(longest >= FD_TRAIL_MAX / 2);

	assert_true(fd_live_depth_get(l, depth, &frame, &floor_depth));
	assert_true(frame > 0);
	assert_float_equal(floor_depth, rules.installation_height_m * cam->depth_scale,
			   0.3 * cam->depth_scale);
	size_t valid = 0;
	for (size_t i = 0; i < npix; i++)
		valid += depth[i] != 0;
	assert_true(valid > npix / 2);
	fd_live_destroy(l);
	free(depth);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stereo_spec),
	    cmocka_unit_test(test_published_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
