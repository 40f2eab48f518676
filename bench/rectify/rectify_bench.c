/*
 * rectify_bench.c - time of the per-frame rectification remap, and of
 * decoding a stereo video pair, on one core.
 *
 *   rectify_bench [CALIB [DOWNSCALE [LEFT.mp4 RIGHT.mp4]]]
 *
 * CALIB defaults to the OpenCV fixture of the tests (1280x800). The remap
 * is timed on random frames (its cost does not depend on the content); with
 * two videos, decoding to grey is timed too, and decode + remap together.
 * Build with bench/rectify/run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <footfall/calib.h>
#include <footfall/stereo_stream.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int fail(const ff_error *err)
{
	fprintf(stderr, "rectify_bench: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	const char *calib_path = argc > 1 ? argv[1] : "tests/data/calib/opencv_stereo.yml";
	int downscale = argc > 2 ? atoi(argv[2]) : 2;
	ff_error err = {0};
	ff_stereo_calib calib;
	if (ff_calib_load(calib_path, NULL, &calib, &err) != FF_OK)
		return fail(&err);
	ff_rectify_options opt = {.downscale = downscale};
	ff_rectifier *r;
	double t0 = now();
	if (ff_rectifier_create(&calib, &opt, &r, &err) != FF_OK)
		return fail(&err);
	double setup = now() - t0;
	ff_rectified_camera cam;
	ff_rectifier_camera(r, &cam);
	size_t in = (size_t)calib.left.width * calib.left.height;
	size_t out = (size_t)cam.width * cam.height;
	unsigned char *raw[2] = {malloc(in), malloc(in)}, *rect[2] = {malloc(out), malloc(out)};
	if (!raw[0] || !raw[1] || !rect[0] || !rect[1])
		return 1;
	unsigned seed = 1;
	for (size_t i = 0; i < in; i++) {
		seed = seed * 1103515245u + 12345u;
		raw[0][i] = raw[1][i] = (unsigned char)(seed >> 16);
	}
	int n = 200;
	t0 = now();
	for (int i = 0; i < n; i++) {
		ff_rectifier_remap(r, FF_STEREO_LEFT, raw[0], rect[0]);
		ff_rectifier_remap(r, FF_STEREO_RIGHT, raw[1], rect[1]);
	}
	double per_pair = (now() - t0) / n * 1e3;
	printf("%dx%d -> %dx%d (downscale %d): set-up %.1f ms, remap %.3f ms per pair\n",
	       calib.left.width, calib.left.height, cam.width, cam.height, downscale, setup * 1e3,
	       per_pair);
	printf("rectified camera: f %.3f cx %.3f cy %.3f baseline %.4f m\n", cam.f, cam.cx, cam.cy,
	       cam.baseline_m);
	if (argc > 4) {
		ff_stereo_stream *s;
		if (ff_stereo_stream_open(argv[3], argv[4], &s, &err) != FF_OK ||
		    ff_stereo_stream_check_calib(s, &calib, &err) != FF_OK)
			return fail(&err);
		double t, dec = 0, rem = 0;
		int frames = 0;
		ff_status st;
		for (;;) {
			t0 = now();
			st = ff_stereo_stream_read(s, raw[0], raw[1], &t, &err);
			double t1 = now();
			if (st != FF_OK)
				break;
			ff_rectifier_remap(r, FF_STEREO_LEFT, raw[0], rect[0]);
			ff_rectifier_remap(r, FF_STEREO_RIGHT, raw[1], rect[1]);
			dec += t1 - t0;
			rem += now() - t1;
			frames++;
		}
		if (st != FF_ERR_END)
			return fail(&err);
		printf("%d pairs: decode %.2f ms, remap %.2f ms, together %.2f ms per pair\n",
		       frames, dec / frames * 1e3, rem / frames * 1e3, (dec + rem) / frames * 1e3);
		ff_stereo_stream_close(s);
	}
	for (int k = 0; k < 2; k++) {
		free(raw[k]);
		free(rect[k]);
	}
	ff_rectifier_destroy(r);
	return 0;
}
