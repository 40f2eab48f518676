/*
 * test_io_count_scene.c - writes the small depth recording that the
 * `footfall count` tests (cli_count.cmake) run on, and checks it reads back.
 *
 * The scene is ray-cast, not simulated: a camera 3 m above the floor looking
 * straight down, and one adult (head top at 1.76 m, a torso below) who walks
 * from the right edge to the left third of the image and then stands still
 * for three seconds, so that the rules of the CLI tests see one "in" on a
 * vertical middle line, a region occupancy change and a dwell record.
 *
 * Run with no argument it is a unit test of the writer on a realistic scene
 * (written to a scratch directory and removed); with `DIR` it leaves the
 * recording in DIR for the CLI tests, and with `DIR corrupt` it also
 * truncates the last frame so that the command's read error path is covered.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <footfall/io.h>

#include "test_io_util.h"

#define W 160
#define H 100
#define FPS 10
#define WALK_FRAMES 16 /* 1.9 m at 1.2 m/s */
#define STAND_FRAMES 30
#define FRAMES (WALK_FRAMES + STAND_FRAMES)
#define T0 1717071600.0 /* 2024-05-30T12:20:00Z */
#define CAMERA_HEIGHT 3.0

static const ff_camera cam = {W, H, 63.65, 63.65, 79.5, 49.5, 1000};

static const char *out_dir;
static bool corrupt;

struct ellipsoid {
	double c[3], r[3];
};

/* Distance along the ray d (d[2] = 1, so it is the z-depth) to the first
 * hit of e, or INFINITY. */
static double hit(const double d[3], const struct ellipsoid *e)
{
	double a = 0, b = 0, c = -1;
	for (int i = 0; i < 3; i++) {
		double r2 = e->r[i] * e->r[i];
		a += d[i] * d[i] / r2;
		b += d[i] * e->c[i] / r2;
		c += e->c[i] * e->c[i] / r2;
	}
	double disc = b * b - a * c;
	return disc < 0 ? INFINITY : (b - sqrt(disc)) / a;
}

/* The person standing at floor position (x, y) metres, camera coordinates. */
static void render(uint16_t *depth, double x, double y)
{
	const struct ellipsoid body[] = {
	    {{x, y, CAMERA_HEIGHT - 1.65}, {0.09, 0.11, 0.11}},
	    {{x, y, CAMERA_HEIGHT - 1.15}, {0.22, 0.14, 0.35}},
	};
	for (int v = 0; v < H; v++)
		for (int u = 0; u < W; u++) {
			double d[3] = {(u - cam.cx) / cam.fx, (v - cam.cy) / cam.fy, 1};
			double z = CAMERA_HEIGHT;
			for (size_t k = 0; k < sizeof body / sizeof body[0]; k++) {
				double t = hit(d, &body[k]);
				z = t < z ? t : z;
			}
			depth[v * W + u] = (uint16_t)lround(z * cam.depth_scale);
		}
}

static void write_scene(const char *dir)
{
	static uint16_t depth[W * H];
	ff_recording_writer *w;
	ff_error err;
	assert_int_equal(ff_recording_create(dir, &cam, &w, &err), FF_OK);
	for (int k = 0; k < FRAMES; k++) {
		int step = k < WALK_FRAMES ? k : WALK_FRAMES;
		render(depth, 1.2 - 1.9 * step / WALK_FRAMES, 0.05);
		if (ff_recording_append(w, depth, T0 + (double)k / FPS, &err))
			fail_msg("%s", err.msg);
	}
	assert_int_equal(ff_recording_writer_close(w, &err), FF_OK);
	if (corrupt) {
		char path[1024];
		snprintf(path, sizeof path, "%s/depth/%06d.png", dir, FRAMES - 1);
		assert_int_equal(truncate(path, 100), 0);
	}
}

static void test_scene(void **state)
{
	(void)state;
	char *scratch = out_dir ? NULL : tio_mkdtemp();
	const char *dir = out_dir ? out_dir : scratch;
	assert_non_null(dir);
	write_scene(dir);

	ff_recording *rec;
	ff_error err;
	static uint16_t depth[W * H];
	double t;
	assert_int_equal(ff_recording_open(dir, &rec, &err), FF_OK);
	assert_int_equal(ff_recording_frames(rec), FRAMES);
	assert_int_equal(ff_recording_read(rec, depth, &t, &err), FF_OK);
	assert_true(t == T0);
	/* Floor in a corner, head top in the middle of the first position. */
	assert_int_equal(depth[0], 3000);
	int u = (int)lround(cam.cx + cam.fx * 1.2 / (CAMERA_HEIGHT - 1.76));
	int v = (int)lround(cam.cy + cam.fy * 0.05 / (CAMERA_HEIGHT - 1.76));
	assert_in_range(depth[v * W + u], 1235, 1260);
	ff_recording_close(rec);
	if (scratch) {
		tio_rmtree(scratch);
		free(scratch);
	}
}

int main(int argc, char **argv)
{
	out_dir = argc > 1 ? argv[1] : NULL;
	corrupt = argc > 2 && !strcmp(argv[2], "corrupt");
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_scene)};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
