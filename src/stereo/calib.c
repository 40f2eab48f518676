/*
 * calib.c - loading a stereo calibration from disk, checking that it
 * describes a pair we can rectify, and adapting it to another resolution.
 *
 * The parsers (calib_opencv.c, calib_depthai.c) only translate a file into
 * ff_stereo_calib and report what is malformed in it; whether the numbers
 * make sense as a side-by-side stereo pair is decided here once, so that
 * both formats and hand-built calibrations obey the same rules. The limits
 * are generous for real rigs (a few degrees of relative rotation, baselines
 * of centimetres) and reject what would make the rectified images useless:
 * vertical or depth-offset pairs, swapped cameras, T in a wrong unit.
 *
 * Files are small and read whole, so every parser works from memory and the
 * fuzzers reach them without a file system.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "calib_internal.h"
/* ff_read_file: the io module's whole-file reader (footfall_stereo links
 * footfall_io). */
#include "../io/io_internal.h"

#define CALIB_FILE_MAX (16u << 20)
#define CALIB_MAX_FILES 8

#define DEG (M_PI / 180.0)
/* The rectifiability limits documented in calib.h. */
#define MAX_BASELINE_ANGLE (30.0 * DEG)
#define MAX_ROTATION (20.0 * DEG)
#define MIN_BASELINE_M 0.001
#define MAX_BASELINE_M 10.0
/* Float files (DepthAI stores float32) are orthonormal to about 1e-6. */
#define ROTATION_TOLERANCE 1e-3

void ff_rotation_from_vector(const double v[3], double m[9])
{
	double th = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
	double a[3] = {0, 0, 0};
	if (th > 0) {
		a[0] = v[0] / th;
		a[1] = v[1] / th;
		a[2] = v[2] / th;
	}
	double c = cos(th), s = sin(th), c1 = 1.0 - c;
	m[0] = c + a[0] * a[0] * c1;
	m[1] = a[0] * a[1] * c1 - a[2] * s;
	m[2] = a[0] * a[2] * c1 + a[1] * s;
	m[3] = a[1] * a[0] * c1 + a[2] * s;
	m[4] = c + a[1] * a[1] * c1;
	m[5] = a[1] * a[2] * c1 - a[0] * s;
	m[6] = a[2] * a[0] * c1 - a[1] * s;
	m[7] = a[2] * a[1] * c1 + a[0] * s;
	m[8] = c + a[2] * a[2] * c1;
}

double ff_rotation_angle(const double m[9])
{
	double c = (m[0] + m[4] + m[8] - 1.0) / 2.0;
	if (c > 1.0)
		c = 1.0;
	if (c < -1.0)
		c = -1.0;
	return acos(c);
}

void ff_rotation_to_vector(const double m[9], double v[3])
{
	/* The antisymmetric part is sin(angle) times the axis. */
	double w[3] = {(m[7] - m[5]) / 2.0, (m[2] - m[6]) / 2.0, (m[3] - m[1]) / 2.0};
	double s = sqrt(w[0] * w[0] + w[1] * w[1] + w[2] * w[2]);
	double th = ff_rotation_angle(m);
	double k = s > 1e-15 ? th / s : 1.0;
	for (int i = 0; i < 3; i++)
		v[i] = w[i] * k;
}

static bool all_finite(const double *v, int n)
{
	for (int i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

static ff_status check_camera(const ff_calib_camera *c, const char *name, const char *side,
			      ff_error *err)
{
	if (c->width < 1 || c->height < 1 || c->width > FF_CALIB_MAX_SIZE ||
	    c->height > FF_CALIB_MAX_SIZE)
		return ff_error_set(err, FF_ERR_CALIB, "%s: %s image size %dx%d out of range 1..%d",
				    name, side, c->width, c->height, FF_CALIB_MAX_SIZE);
	if (!all_finite(c->k, 9))
		return ff_error_set(err, FF_ERR_CALIB, "%s: %s intrinsics: non-finite value", name,
				    side);
	if (c->ndist < 0 || c->ndist > FF_CALIB_MAX_DIST || !all_finite(c->dist, FF_CALIB_MAX_DIST))
		return ff_error_set(err, FF_ERR_CALIB, "%s: %s distortion: non-finite value", name,
				    side);
	const double *k = c->k;
	double scale = fmax(fabs(k[0]), fabs(k[4]));
	if (!(k[0] > 0) || !(k[4] > 0) || fabs(k[8] - 1.0) > 1e-9)
		return ff_error_set(err, FF_ERR_CALIB,
				    "%s: %s intrinsics are not invertible (fx %g, fy %g, "
				    "k[2][2] %g; need fx, fy > 0 and k[2][2] = 1)",
				    name, side, k[0], k[4], k[8]);
	if (fabs(k[3]) > 1e-9 * scale || fabs(k[6]) > 1e-9 || fabs(k[7]) > 1e-9)
		return ff_error_set(err, FF_ERR_CALIB,
				    "%s: %s intrinsics: not a camera matrix (the lower triangle "
				    "must be 0 0 0)",
				    name, side);
	if (!(k[2] >= -0.5 && k[2] <= c->width - 0.5 && k[5] >= -0.5 && k[5] <= c->height - 0.5))
		return ff_error_set(err, FF_ERR_CALIB,
				    "%s: %s principal point (%g, %g) lies outside the %dx%d image "
				    "(intrinsics of another resolution?)",
				    name, side, k[2], k[5], c->width, c->height);
	return FF_OK;
}

ff_status ff_calib_validate(const ff_stereo_calib *calib, const char *name, ff_error *err)
{
	if (!name)
		name = "calibration";
	ff_status st = check_camera(&calib->left, name, "left", err);
	if (st == FF_OK)
		st = check_camera(&calib->right, name, "right", err);
	if (st != FF_OK)
		return st;
	if (calib->left.width != calib->right.width || calib->left.height != calib->right.height)
		return ff_error_set(
		    err, FF_ERR_CALIB,
		    "%s: image size mismatch: left camera %dx%d, right camera %dx%d", name,
		    calib->left.width, calib->left.height, calib->right.width, calib->right.height);
	const double *r = calib->r, *t = calib->t;
	if (!all_finite(r, 9))
		return ff_error_set(err, FF_ERR_CALIB, "%s: R: non-finite value", name);
	if (!all_finite(t, 3))
		return ff_error_set(err, FF_ERR_CALIB, "%s: T: non-finite value", name);

	double rt[9], rtr[9];
	ff_mat3_transpose(r, rt);
	ff_mat3_mul(rt, r, rtr);
	double dev = 0;
	for (int i = 0; i < 9; i++)
		dev = fmax(dev, fabs(rtr[i] - (i % 4 == 0 ? 1.0 : 0.0)));
	double det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) +
		     r[2] * (r[3] * r[7] - r[4] * r[6]);
	if (dev > ROTATION_TOLERANCE || det < 0)
		return ff_error_set(err, FF_ERR_CALIB,
				    "%s: R is not a rotation matrix (|R'R - I| = %.2g, det %.3g)",
				    name, dev, det);
	double angle = ff_rotation_angle(r);
	if (angle > MAX_ROTATION)
		return ff_error_set(
		    err, FF_ERR_CALIB,
		    "%s: R: the cameras are turned %.1f degrees against each other, "
		    "at most %.0f can be rectified",
		    name, angle / DEG, MAX_ROTATION / DEG);

	double b = sqrt(t[0] * t[0] + t[1] * t[1] + t[2] * t[2]);
	if (b < MIN_BASELINE_M || b > MAX_BASELINE_M)
		return ff_error_set(err, FF_ERR_CALIB,
				    "%s: T: baseline %g m outside %g..%g m (T in another unit? "
				    "set the calibration's T scale)",
				    name, b, MIN_BASELINE_M, MAX_BASELINE_M);
	if (fabs(t[0]) < b * cos(MAX_BASELINE_ANGLE))
		return ff_error_set(err, FF_ERR_CALIB,
				    "%s: T = (%g, %g, %g) m: the cameras are not side by side (the "
				    "baseline is %.1f degrees off the x axis, at most %.0f)",
				    name, t[0], t[1], t[2], acos(fabs(t[0]) / b) / DEG,
				    MAX_BASELINE_ANGLE / DEG);
	if (t[0] > 0)
		return ff_error_set(
		    err, FF_ERR_CALIB,
		    "%s: T.x = %g m is positive: the right camera is left of the left "
		    "camera (left and right swapped?)",
		    name, t[0]);
	return FF_OK;
}

static void resize_camera(ff_calib_camera *c, double sx, double sy, int width, int height)
{
	/* Pixel centres sit at integers, so the image edge -0.5 stays fixed. */
	c->k[0] *= sx;
	c->k[1] *= sx;
	c->k[2] = (c->k[2] + 0.5) * sx - 0.5;
	c->k[4] *= sy;
	c->k[5] = (c->k[5] + 0.5) * sy - 0.5;
	c->width = width;
	c->height = height;
}

ff_status ff_calib_resize(ff_stereo_calib *calib, int width, int height, ff_error *err)
{
	int w0 = calib->left.width, h0 = calib->left.height;
	if (width < 1 || height < 1 || width > FF_CALIB_MAX_SIZE || height > FF_CALIB_MAX_SIZE ||
	    w0 < 1 || h0 < 1)
		return ff_error_set(err, FF_ERR_SIZE, "cannot resize a %dx%d calibration to %dx%d",
				    w0, h0, width, height);
	double sx = (double)width / w0, sy = (double)height / h0;
	if (fabs(sx - sy) > 0.01 * fmax(sx, sy))
		return ff_error_set(err, FF_ERR_SIZE,
				    "frames are %dx%d but the calibration is for %dx%d, another "
				    "aspect ratio",
				    width, height, w0, h0);
	resize_camera(&calib->left, sx, sy, width, height);
	resize_camera(&calib->right, sx, sy, width, height);
	return FF_OK;
}

/* First character after blanks and a UTF-8 byte order mark. */
static char first_char(const char *data, size_t len)
{
	size_t i = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
		i++;
	return i < len ? data[i] : '\0';
}

ff_status ff_calib_load_files(const char *const *paths, int npaths, const ff_calib_options *opt,
			      ff_stereo_calib *out, ff_error *err)
{
	if (npaths < 1 || npaths > CALIB_MAX_FILES)
		return ff_error_set(err, FF_ERR_INVALID, "calibration: %d files, 1..%d allowed",
				    npaths, CALIB_MAX_FILES);
	ff_calib_source src[CALIB_MAX_FILES];
	char *bufs[CALIB_MAX_FILES] = {NULL};
	ff_status st = FF_OK;
	for (int i = 0; i < npaths && st == FF_OK; i++) {
		size_t len = 0;
		st = ff_read_file(paths[i], CALIB_FILE_MAX, &bufs[i], &len, err);
		src[i] = (ff_calib_source){bufs[i], len, paths[i]};
	}
	if (st == FF_OK) {
		if (first_char(src[0].data, src[0].len) == '{') {
			if (npaths == 1)
				st = ff_calib_parse_depthai(src[0].data, src[0].len, paths[0], out,
							    err);
			else
				st =
				    ff_error_set(err, FF_ERR_FORMAT,
						 "%s: a DepthAI calib.json is complete on its own, "
						 "give it alone",
						 paths[0]);
		} else {
			st = ff_calib_parse_opencv_sources(src, npaths, opt, out, err);
		}
	}
	for (int i = 0; i < npaths; i++)
		free(bufs[i]);
	return st;
}

static char *join_path(const char *dir, const char *file)
{
	size_t a = strlen(dir), b = strlen(file);
	char *p = malloc(a + b + 2);
	if (p)
		snprintf(p, a + b + 2, "%s/%s", dir, file);
	return p;
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* DIR/BASE.yml, .yaml or .xml, whichever exists first; NULL if none (or out
 * of memory, which the caller reports the same way: nothing loadable). */
static char *find_storage(const char *dir, const char *base)
{
	static const char *const exts[] = {".yml", ".yaml", ".xml"};
	for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "%s%s", base, exts[i]);
		char *p = join_path(dir, name);
		if (p && is_file(p))
			return p;
		free(p);
	}
	return NULL;
}

ff_status ff_calib_load(const char *path, const ff_calib_options *opt, ff_stereo_calib *out,
			ff_error *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return ff_calib_load_files(&path, 1, opt, out, err);

	char *json = join_path(path, "calib.json");
	if (!json)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
	ff_status st;
	if (is_file(json)) {
		const char *p = json;
		st = ff_calib_load_files(&p, 1, opt, out, err);
		free(json);
		return st;
	}
	free(json);
	char *intr = find_storage(path, "intrinsics");
	char *extr = find_storage(path, "extrinsics");
	if (intr && extr) {
		const char *paths[2] = {intr, extr};
		st = ff_calib_load_files(paths, 2, opt, out, err);
	} else {
		st = ff_error_set(err, FF_ERR_IO,
				  "%s: no calibration in this directory (calib.json, or "
				  "intrinsics.yml and extrinsics.yml)",
				  path);
	}
	free(intr);
	free(extr);
	return st;
}
