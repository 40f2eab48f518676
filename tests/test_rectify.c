/*
 * test_rectify.c - rectification geometry and the fixed-point remap.
 *
 * Geometry is checked two ways: against OpenCV (stereoRectify's R1/R2 and
 * projectPoints of rectified rays, for a calibration using all 14
 * distortion coefficients; values from tests/data/calib/make_fixtures.py),
 * and against first principles: 3-D points projected into both raw cameras
 * by this file's own lens model must land on one rectified row with the
 * disparity f * B / Z. The remap is checked for exactness where the answer
 * is exact (identity calibration, with and without downscaling) and for
 * accuracy on a smooth pattern seen through a distorted, rotated rig.
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

#define DATA FF_SOURCE_DIR "/tests/data/calib/"

/* cv2.stereoRectify(alpha=0) of opencv_reference.yml, and cv2.projectPoints
 * of the rectified normalised points cv_rect_pts through R1/R2 into the raw
 * cameras (make_fixtures.py prints these). */
static const double cv_r1[] = {0.99824068037793456,    -0.059167142313895665, 0.0038462070934135763,
			       0.059187254152252448,   0.99823259222035177,   -0.005344228190647669,
			       -0.0035232065671605521, 0.0055624724218871335, 0.99997832272306819};
static const double cv_r2[] = {0.99846035320541238,   -0.044376015698019459,  0.033282011773514156,
			       0.044193706471171768,  0.9990037800632674,     0.0061938459492373995,
			       -0.033523713774925273, -0.0047134541550867184, 0.99942680770763037};
static const double cv_rect_pts[] = {-0.6, -0.4, 0,    0,    0.5, -0.3,
				     -0.3, 0.45, 0.65, 0.42, 0.1, -0.2};
static const double cv_raw_left[] = {204.87628470125458, 134.96553030030225, 649.19881613945586,
				     395.43916739738398, 1006.0206152892436, 151.02022175141326,
				     443.77955538709352, 748.93326571904811, 1131.8784770190559,
				     669.66198078250193, 718.28583872698914, 233.557407554409};
static const double cv_raw_right[] = {143.56745350168222, 122.23636410935239, 602.99595864273942,
				      401.20967366740945, 969.6678459400531,  160.10502434042704,
				      390.44450736339911, 754.28581145308112, 1082.0088676788073,
				      678.72564553916595, 675.85959399920978, 238.70070936965487};

static void assert_near(double a, double b, double tol)
{
	if (!(fabs(a - b) <= tol))
		fail_msg("%.12g != %.12g (tolerance %g)", a, b, tol);
}

static ff_stereo_calib load(const char *path)
{
	ff_stereo_calib c;
	ff_error err = {0};
	if (ff_calib_load(path, NULL, &c, &err) != FF_OK)
		fail_msg("%s", err.msg);
	return c;
}

/* The OpenCV reference rig scaled down to keep per-pixel tests quick. */
static ff_stereo_calib load_reference(int w, int h)
{
	ff_stereo_calib c = load(DATA "opencv_reference.yml");
	ff_error err = {0};
	if (ff_calib_resize(&c, w, h, &err) != FF_OK)
		fail_msg("%s", err.msg);
	return c;
}

static ff_rectifier *make(const ff_stereo_calib *c, int downscale, double alpha)
{
	ff_rectify_options opt = {.downscale = downscale, .alpha = alpha};
	ff_rectifier *r = NULL;
	ff_error err = {0};
	if (ff_rectifier_create(c, &opt, &r, &err) != FF_OK)
		fail_msg("%s", err.msg);
	return r;
}

static void test_matches_opencv(void **state)
{
	(void)state;
	ff_stereo_calib c = load(DATA "opencv_reference.yml");
	ff_rectifier *r = make(&c, 1, 0);
	ff_rectified_camera cam;
	ff_rectifier_camera(r, &cam);
	for (int i = 0; i < 9; i++) {
		assert_near(cam.r_left[i], cv_r1[i], 1e-9);
		assert_near(cam.r_right[i], cv_r2[i], 1e-9);
	}
	assert_near(cam.baseline_m, sqrt(0.09 * 0.09 + 0.004 * 0.004 + 0.003 * 0.003), 1e-12);
	for (int k = 0; k < 6; k++) {
		double u = cam.f * cv_rect_pts[2 * k] + cam.cx,
		       v = cam.f * cv_rect_pts[2 * k + 1] + cam.cy;
		double x, y;
		ff_rectifier_source_point(r, FF_STEREO_LEFT, u, v, &x, &y);
		assert_near(x, cv_raw_left[2 * k], 1e-6);
		assert_near(y, cv_raw_left[2 * k + 1], 1e-6);
		ff_rectifier_source_point(r, FF_STEREO_RIGHT, u, v, &x, &y);
		assert_near(x, cv_raw_right[2 * k], 1e-6);
		assert_near(y, cv_raw_right[2 * k + 1], 1e-6);
	}
	/* OpenCV's alpha=0 focal length is 777.2; ours keeps no black border
	 * either, so it must be in the same range. */
	assert_true(cam.f > 740 && cam.f < 820);
	ff_rectifier_destroy(r);
}

/* This file's own lens model (OpenCV's documented formulas). */
static void raw_project(const ff_calib_camera *c, const double p[3], double *u, double *v)
{
	const double *d = c->dist;
	double a = p[0] / p[2], b = p[1] / p[2], r2 = a * a + b * b;
	double gain = (1 + r2 * (d[0] + r2 * (d[1] + r2 * d[4]))) /
		      (1 + r2 * (d[5] + r2 * (d[6] + r2 * d[7])));
	double xd = a * gain + 2 * d[2] * a * b + d[3] * (r2 + 2 * a * a) + r2 * (d[8] + r2 * d[9]);
	double yd =
	    b * gain + d[2] * (r2 + 2 * b * b) + 2 * d[3] * a * b + r2 * (d[10] + r2 * d[11]);
	/* Tilt: R = Ry(ty) Rx(tx), then the projection back onto z = 1 that
	 * keeps the optical axis fixed. */
	double cx = cos(d[12]), sx = sin(d[12]), cy = cos(d[13]), sy = sin(d[13]);
	double rx = cy * xd + sy * sx * yd - sy * cx;
	double ry = cx * yd + sx;
	double rz = sy * xd - cy * sx * yd + cy * cx;
	double r22 = cy * cx, r02 = -sy * cx, r12 = sx;
	double hx = r22 * rx - r02 * rz, hy = r22 * ry - r12 * rz;
	xd = hx / rz;
	yd = hy / rz;
	*u = c->k[0] * xd + c->k[1] * yd + c->k[2];
	*v = c->k[4] * yd + c->k[5];
}

static ff_stereo_calib synthetic_rig(void)
{
	ff_stereo_calib c = {0};
	static const double kl[9] = {790, 0, 645, 0, 792, 395, 0, 0, 1};
	static const double kr[9] = {805, 0, 630, 0, 803, 404, 0, 0, 1};
	static const double dl[14] = {-0.12, 0.03,   0.0007,  -0.0005, -0.004, 0.01,  -0.002,
				      0.001, 0.0006, -0.0002, -0.0004, 0.0001, 0.004, -0.003};
	static const double dr[8] = {-0.1, 0.02, -0.0004, 0.0009, 0.002, 0.004, 0.0, 0.0005};
	c.left.width = c.right.width = 1280;
	c.left.height = c.right.height = 800;
	memcpy(c.left.k, kl, sizeof kl);
	memcpy(c.right.k, kr, sizeof kr);
	memcpy(c.left.dist, dl, sizeof dl);
	memcpy(c.right.dist, dr, sizeof dr);
	c.left.ndist = 14;
	c.right.ndist = 8;
	/* A rotation of about 2 degrees (Rodrigues of (0.02, -0.03, 0.01)). */
	double w[3] = {0.02, -0.03, 0.01}, th = sqrt(0.0014);
	double a[3] = {w[0] / th, w[1] / th, w[2] / th}, co = cos(th), si = sin(th);
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double cross = i == j		    ? 0
				       : (i == 0 && j == 1) ? -a[2]
				       : (i == 0 && j == 2) ? a[1]
				       : (i == 1 && j == 0) ? a[2]
				       : (i == 1 && j == 2) ? -a[0]
				       : (i == 2 && j == 0) ? -a[1]
							    : a[0];
			c.r[3 * i + j] = (i == j ? co : 0) + (1 - co) * a[i] * a[j] + si * cross;
		}
	c.t[0] = -0.08;
	c.t[1] = 0.003;
	c.t[2] = -0.002;
	c.t_scale = 1;
	return c;
}

static void test_known_geometry(void **state)
{
	(void)state;
	ff_stereo_calib c = synthetic_rig();
	ff_rectifier *r = make(&c, 1, 0);
	ff_rectified_camera cam;
	ff_rectifier_camera(r, &cam);
	assert_near(cam.baseline_m, sqrt(0.08 * 0.08 + 0.003 * 0.003 + 0.002 * 0.002), 1e-12);
	unsigned seed = 12345;
	int used = 0;
	double worst_row = 0, worst_disp = 0;
	for (int i = 0; i < 400; i++) {
		double rnd[3];
		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			rnd[k] = (seed >> 8 & 0xFFFF) / 65535.0;
		}
		double z = 0.6 + 4.4 * rnd[2];
		double pl[3] = {(rnd[0] - 0.5) * 1.5 * z, (rnd[1] - 0.5) * 0.95 * z, z}, pr[3];
		for (int k = 0; k < 3; k++)
			pr[k] = c.r[3 * k] * pl[0] + c.r[3 * k + 1] * pl[1] +
				c.r[3 * k + 2] * pl[2] + c.t[k];
		double xl, yl, xr, yr;
		raw_project(&c.left, pl, &xl, &yl);
		raw_project(&c.right, pr, &xr, &yr);
		if (xl < 0 || xl > 1279 || yl < 0 || yl > 799 || xr < 0 || xr > 1279 || yr < 0 ||
		    yr > 799)
			continue;
		double ul, vl, ur, vr;
		ff_error err = {0};
		assert_int_equal(
		    ff_rectifier_rectify_point(r, FF_STEREO_LEFT, xl, yl, &ul, &vl, &err), FF_OK);
		assert_int_equal(
		    ff_rectifier_rectify_point(r, FF_STEREO_RIGHT, xr, yr, &ur, &vr, &err), FF_OK);
		double zr = cam.r_left[6] * pl[0] + cam.r_left[7] * pl[1] + cam.r_left[8] * pl[2];
		worst_row = fmax(worst_row, fabs(vl - vr));
		worst_disp = fmax(worst_disp, fabs((ul - ur) - cam.f * cam.baseline_m / zr));
		/* And back: the rectified point's source is the raw point. */
		double bx, by;
		ff_rectifier_source_point(r, FF_STEREO_LEFT, ul, vl, &bx, &by);
		assert_near(bx, xl, 1e-6);
		assert_near(by, yl, 1e-6);
		used++;
	}
	assert_true(used > 150);
	assert_true(worst_row < 0.05);
	assert_true(worst_disp < 0.05);
	/* The rectifying rotations undo the relative rotation: R2 R R1' = I. */
	double m[9];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			double s = 0;
			for (int k = 0; k < 3; k++)
				for (int l = 0; l < 3; l++)
					s += cam.r_right[3 * i + k] * c.r[3 * k + l] *
					     cam.r_left[3 * j + l];
			m[3 * i + j] = s;
		}
	for (int i = 0; i < 9; i++)
		assert_near(m[i], i % 4 == 0 ? 1 : 0, 1e-12);
	ff_rectifier_destroy(r);
}

static ff_stereo_calib identity_rig(int w, int h)
{
	ff_stereo_calib c = {0};
	c.left.width = c.right.width = w;
	c.left.height = c.right.height = h;
	double k[9] = {60, 0, 30.2, 0, 60, 22.7, 0, 0, 1};
	memcpy(c.left.k, k, sizeof k);
	memcpy(c.right.k, k, sizeof k);
	c.r[0] = c.r[4] = c.r[8] = 1;
	c.t[0] = -0.1;
	return c;
}

static void test_identity(void **state)
{
	(void)state;
	enum { W = 64, H = 48 };
	ff_stereo_calib c = identity_rig(W, H);
	uint8_t raw[W * H], out[W * H];
	for (int i = 0; i < W * H; i++)
		raw[i] = (uint8_t)(i * 37 + (i / W) * 11);

	ff_rectifier *r = make(&c, 1, 0);
	ff_rectified_camera cam;
	ff_rectifier_camera(r, &cam);
	assert_int_equal(cam.width, W);
	assert_int_equal(cam.height, H);
	assert_near(cam.f, 60, 1e-9);
	assert_near(cam.cx, 30.2, 1e-9);
	assert_near(cam.cy, 22.7, 1e-9);
	assert_near(cam.baseline_m, 0.1, 1e-15);
	for (int side = 0; side < 2; side++) {
		ff_rectifier_remap(r, (ff_stereo_side)side, raw, out);
		assert_memory_equal(raw, out, sizeof raw);
	}
	ff_camera depth;
	ff_rectifier_depth_camera(r, &depth);
	assert_int_equal(depth.width, W);
	assert_near(depth.fx, 60, 1e-9);
	assert_near(depth.fy, 60, 1e-9);
	assert_near(depth.depth_scale, 1000, 0);
	ff_rectifier_destroy(r);

	/* Downscaled by 2: each output pixel is its 2x2 block's rounded mean. */
	r = make(&c, 2, 0);
	ff_rectifier_camera(r, &cam);
	assert_int_equal(cam.width, W / 2);
	assert_near(cam.f, 30, 1e-9);
	assert_near(cam.cx, (30.2 + 0.5) / 2 - 0.5, 1e-9);
	ff_rectifier_remap(r, FF_STEREO_RIGHT, raw, out);
	for (int v = 0; v < H / 2; v++)
		for (int u = 0; u < W / 2; u++) {
			const uint8_t *p = raw + 2 * v * W + 2 * u;
			int mean = (p[0] + p[1] + p[W] + p[W + 1] + 2) / 4;
			assert_int_equal(out[v * (W / 2) + u], mean);
		}
	ff_rectifier_destroy(r);
}

static double pattern(double u, double v)
{
	return 128 + 90 * sin(u / 7.0) * cos(v / 9.0);
}

/* A raw frame that shows `pattern` in the rectified frame of r. */
static void render_raw(const ff_rectifier *r, ff_stereo_side side, int w, int h, uint8_t *raw)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double u, v;
			ff_error err = {0};
			if (ff_rectifier_rectify_point(r, side, x, y, &u, &v, &err) != FF_OK)
				fail_msg("%s", err.msg);
			raw[y * w + x] = (uint8_t)lround(pattern(u, v));
		}
}

static void test_remap_accuracy(void **state)
{
	(void)state;
	enum { W = 320, H = 200 };
	ff_stereo_calib c = load_reference(W, H);
	static uint8_t raw[W * H], out[W * H];
	for (int s = 1; s <= 2; s++)
		for (int side = 0; side < 2; side++) {
			ff_rectifier *r = make(&c, s, 0);
			ff_rectified_camera cam;
			ff_rectifier_camera(r, &cam);
			render_raw(r, (ff_stereo_side)side, W, H, raw);
			ff_rectifier_remap(r, (ff_stereo_side)side, raw, out);
			double sum = 0, worst = 0;
			for (int v = 0; v < cam.height; v++)
				for (int u = 0; u < cam.width; u++) {
					double e = fabs(out[v * cam.width + u] - pattern(u, v));
					sum += e;
					worst = fmax(worst, e);
				}
			double mean = sum / (cam.width * cam.height);
			if (!(mean < 0.8 && worst < 4))
				fail_msg("downscale %d side %d: mean error %.3f, worst %.1f", s,
					 side, mean, worst);
			ff_rectifier_destroy(r);
		}
}

static void test_alpha(void **state)
{
	(void)state;
	enum { W = 320, H = 200 };
	ff_stereo_calib c = load_reference(W, H);
	static uint8_t white[W * H], out[W * H];
	memset(white, 255, sizeof white);
	double f[2];
	for (int k = 0; k < 2; k++) {
		ff_rectifier *r = make(&c, 1, k);
		ff_rectified_camera cam;
		ff_rectifier_camera(r, &cam);
		f[k] = cam.f;
		int black = 0;
		for (int side = 0; side < 2; side++) {
			ff_rectifier_remap(r, (ff_stereo_side)side, white, out);
			for (int i = 0; i < cam.width * cam.height; i++)
				black += out[i] == 0;
		}
		/* alpha 0: no border at all; alpha 1: every raw pixel kept, so
		 * black corners around the bent and turned images. */
		if (k == 0)
			assert_int_equal(black, 0);
		else
			assert_true(black > 100);
		ff_rectifier_destroy(r);
	}
	assert_true(f[1] < f[0]);

	/* An explicit camera wins over alpha and is used as given. */
	ff_rectify_options opt = {.alpha = 0, .focal_px = 123.5, .cx_px = 150.25, .cy_px = 90.5};
	ff_rectifier *r = NULL;
	ff_error err;
	assert_int_equal(ff_rectifier_create(&c, &opt, &r, &err), FF_OK);
	ff_rectified_camera cam;
	ff_rectifier_camera(r, &cam);
	assert_true(cam.f == 123.5 && cam.cx == 150.25 && cam.cy == 90.5);
	ff_rectifier_destroy(r);
}

static void test_errors(void **state)
{
	(void)state;
	ff_stereo_calib c = identity_rig(64, 48);
	ff_rectifier *r = NULL;
	ff_error err = {0};
	ff_rectify_options opt = {.downscale = 5};
	assert_int_equal(ff_rectifier_create(&c, &opt, &r, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "rectify.downscale"));
	opt = (ff_rectify_options){.alpha = NAN};
	assert_int_equal(ff_rectifier_create(&c, &opt, &r, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "rectify.alpha"));
	opt = (ff_rectify_options){.alpha = 1.5};
	assert_int_equal(ff_rectifier_create(&c, &opt, &r, &err), FF_ERR_INVALID);
	opt = (ff_rectify_options){.focal_px = 100, .cx_px = NAN};
	assert_int_equal(ff_rectifier_create(&c, &opt, &r, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "rectify: camera"));
	opt = (ff_rectify_options){.focal_px = -1};
	assert_int_equal(ff_rectifier_create(&c, &opt, &r, &err), FF_ERR_INVALID);

	ff_stereo_calib bad = c;
	bad.t[0] = 0.1;
	assert_int_equal(ff_rectifier_create(&bad, NULL, &r, &err), FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "swapped"));

	/* So strong a barrel that the border has no undistorted position. */
	bad = c;
	bad.left.dist[0] = -2.0;
	assert_int_equal(ff_rectifier_create(&bad, NULL, &r, &err), FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "left camera: the lens distortion cannot be inverted"));

	ff_stereo_calib tiny = identity_rig(7, 5);
	tiny.left.k[2] = tiny.right.k[2] = 3;
	tiny.left.k[5] = tiny.right.k[5] = 2;
	opt = (ff_rectify_options){.downscale = 4};
	assert_int_equal(ff_rectifier_create(&tiny, &opt, &r, &err), FF_ERR_SIZE);
	assert_null(r);

	/* A raw point far outside the lens model's invertible range. */
	c.left.dist[0] = -0.3;
	r = make(&c, 1, 0);
	double u, v;
	assert_int_equal(ff_rectifier_rectify_point(r, FF_STEREO_LEFT, 1e5, 10, &u, &v, &err),
			 FF_ERR_INVALID);
	ff_rectifier_destroy(r);
	ff_rectifier_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_matches_opencv), cmocka_unit_test(test_known_geometry),
	    cmocka_unit_test(test_identity),	   cmocka_unit_test(test_remap_accuracy),
	    cmocka_unit_test(test_alpha),	   cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
