/*
 * rectify.c - stereo rectification (Bouguet's method) and the per-frame
 * remap that undistorts, rectifies and downscales a raw frame in one pass.
 *
 * Geometry. Each camera is turned by half of the relative rotation R (in
 * opposite directions), which makes the two optical axes parallel; then both
 * are turned by the one rotation that brings the half-rotated baseline onto
 * the x axis. Both rectified views share one pinhole camera (f, cx, cy), so
 * corresponding points lie on the same row and disparity is f * B / Z.
 *
 * Field of view. Every border point of each raw image is undistorted and
 * turned into the rectified frame; the inner rectangle (inside both views'
 * valid regions) and the outer one (enclosing both) follow from those
 * points. alpha blends the two. For alpha = 0 the window is scaled up
 * uniformly (square pixels) until it fits the inner rectangle on both axes,
 * then checked by mapping the window's border forward through the exact
 * model and zoomed further in small steps if the region was not convex
 * enough for the rectangle estimate. So no output pixel lacks source data.
 *
 * Remap. The map runs forward, rectified pixel -> raw pixel, through the
 * full distortion model, so no inverse is needed per pixel (the iterative
 * inverse is only used for the border points at set-up). For a downscale
 * factor s each output pixel is the mean over an s x s box of raw pixels
 * centred on its source position: per axis the box covers one partial pixel
 * (coverage a), s-1 whole pixels and another partial pixel (1-a); with s=1
 * this is exactly bilinear interpolation. The box size ignores the few
 * percent of local scale that undistortion adds, which keeps it separable
 * with a single weight per axis. Tables store the top-left tap as one 32-bit
 * offset and a (5-bit fraction, 0..32) weight per axis, so the per-frame
 * loop is integer-only and touches 6 bytes of table per output pixel. The
 * kernel is written once for a compile-time s and instantiated per factor.
 * Boxes reaching past the image edge are shifted inside, which changes
 * nothing unless the box itself is wider than the remaining image.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "calib_internal.h"

#define FRAC_BITS 5
#define ONE (1u << FRAC_BITS)
#define INVALID_WEIGHT 0xFFFFu
#define BORDER_SAMPLES 64
#define MAX_DOWNSCALE 4

/* One raw camera: pinhole, full distortion model, and the rotation from the
 * rectified frame back into the raw camera frame. */
struct lens {
	double fx, fy, cx, cy, skew;
	double d[FF_CALIB_MAX_DIST];
	double tilt[9], tilt_inv[9];
	double rect_to_raw[9];
	int width, height;
};

struct table {
	uint32_t *off;
	uint16_t *w;
};

struct ff_rectifier {
	ff_rectified_camera cam;
	int s;
	int src_w, src_h;
	struct lens lens[2];
	struct table map[2];
};

static void mat3_inverse(const double m[9], double out[9])
{
	double c[9] = {
	    m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
	    m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
	    m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]};
	double det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6];
	for (int i = 0; i < 9; i++)
		out[i] = c[i] / det;
}

/* OpenCV's tilted-sensor model: the distorted point is projected through
 * the sensor plane rotated by tau_x about x and then tau_y about y. */
static void tilt_matrix(double tx, double ty, double out[9])
{
	double cx = cos(tx), sx = sin(tx), cy = cos(ty), sy = sin(ty);
	double rx[9] = {1, 0, 0, 0, cx, sx, 0, -sx, cx};
	double ry[9] = {cy, 0, -sy, 0, 1, 0, sy, 0, cy};
	double rxy[9];
	ff_mat3_mul(ry, rx, rxy);
	double proj[9] = {rxy[8], 0, -rxy[2], 0, rxy[8], -rxy[5], 0, 0, 1};
	ff_mat3_mul(proj, rxy, out);
}

static void lens_init(struct lens *l, const ff_calib_camera *c, const double raw_to_rect[9])
{
	l->fx = c->k[0];
	l->skew = c->k[1];
	l->cx = c->k[2];
	l->fy = c->k[4];
	l->cy = c->k[5];
	memcpy(l->d, c->dist, sizeof l->d);
	tilt_matrix(l->d[12], l->d[13], l->tilt);
	mat3_inverse(l->tilt, l->tilt_inv);
	ff_mat3_transpose(raw_to_rect, l->rect_to_raw);
	l->width = c->width;
	l->height = c->height;
}

/* Radial, tangential and thin-prism terms (no tilt) of a normalised point. */
static void distort_plane(const double *d, double x, double y, double *xd, double *yd)
{
	double r2 = x * x + y * y, r4 = r2 * r2, r6 = r4 * r2;
	double radial =
	    (1 + d[0] * r2 + d[1] * r4 + d[4] * r6) / (1 + d[5] * r2 + d[6] * r4 + d[7] * r6);
	double xy2 = 2 * x * y;
	*xd = x * radial + d[2] * xy2 + d[3] * (r2 + 2 * x * x) + d[8] * r2 + d[9] * r4;
	*yd = y * radial + d[2] * (r2 + 2 * y * y) + d[3] * xy2 + d[10] * r2 + d[11] * r4;
}

static void apply_homography(const double h[9], double x, double y, double *ox, double *oy)
{
	double v[3] = {x, y, 1}, o[3];
	ff_mat3_apply(h, v, o);
	*ox = o[0] / o[2];
	*oy = o[1] / o[2];
}

/* Central-difference Jacobian of distort_plane, row-major into j; returns
 * its determinant. */
static double jacobian(const double *d, double x, double y, double j[4])
{
	const double h = 1e-7;
	double ax, ay, bx, by, cx, cy, dx, dy;
	distort_plane(d, x + h, y, &ax, &ay);
	distort_plane(d, x - h, y, &bx, &by);
	distort_plane(d, x, y + h, &cx, &cy);
	distort_plane(d, x, y - h, &dx, &dy);
	j[0] = (ax - bx) / (2 * h);
	j[1] = (cx - dx) / (2 * h);
	j[2] = (ay - by) / (2 * h);
	j[3] = (cy - dy) / (2 * h);
	return j[0] * j[3] - j[1] * j[2];
}

/* Normalised undistorted point -> raw pixel. */
static void project(const struct lens *l, double x, double y, double *u, double *v)
{
	double xd, yd;
	distort_plane(l->d, x, y, &xd, &yd);
	apply_homography(l->tilt, xd, yd, &xd, &yd);
	*u = l->fx * xd + l->skew * yd + l->cx;
	*v = l->fy * yd + l->cy;
}

/* Raw pixel -> normalised undistorted point by damped Newton steps on the
 * distortion (numerical Jacobian); false if it does not converge. */
static bool unproject(const struct lens *l, double u, double v, double *x, double *y)
{
	double yd = (v - l->cy) / l->fy;
	double xd = (u - l->cx - l->skew * yd) / l->fx;
	double tx, ty;
	apply_homography(l->tilt_inv, xd, yd, &tx, &ty);
	double px = tx, py = ty, fx, fy;
	distort_plane(l->d, px, py, &fx, &fy);
	double res = hypot(fx - tx, fy - ty);
	for (int it = 0; it < 100 && res > 1e-14; it++) {
		double j[4];
		double det = jacobian(l->d, px, py, j);
		if (!isfinite(det) || fabs(det) < 1e-12)
			return false;
		double ex = fx - tx, ey = fy - ty;
		double sx = (j[3] * ex - j[1] * ey) / det, sy = (j[0] * ey - j[2] * ex) / det;
		double step = 1.0, nres = res, nx = px, ny = py;
		for (int k = 0; k < 30; k++, step /= 2) {
			nx = px - step * sx;
			ny = py - step * sy;
			distort_plane(l->d, nx, ny, &fx, &fy);
			nres = hypot(fx - tx, fy - ty);
			if (nres < res)
				break;
		}
		if (!(nres < res))
			break;
		px = nx;
		py = ny;
		res = nres;
	}
	*x = px;
	*y = py;
	if (!(res < 1e-9))
		return false;
	/* Beyond the fold of the radial polynomial there are more solutions;
	 * the physical one keeps the map orientation-preserving and does not
	 * send the point to the other side of the centre. */
	double j[4];
	return jacobian(l->d, px, py, j) > 0 && (px * tx + py * ty > 0 || hypot(px, py) < 1e-9);
}

/* Rectified normalised point of camera `l` -> raw pixel. */
static void rect_to_raw(const struct lens *l, double x, double y, double *u, double *v)
{
	double ray[3] = {x, y, 1}, p[3];
	ff_mat3_apply(l->rect_to_raw, ray, p);
	project(l, p[0] / p[2], p[1] / p[2], u, v);
}

/* Raw pixel -> rectified normalised point; false if not invertible or
 * behind the rectified camera. */
static bool raw_to_rect(const struct lens *l, const double raw_to_rect_m[9], double u, double v,
			double *x, double *y)
{
	double nx, ny;
	if (!unproject(l, u, v, &nx, &ny))
		return false;
	double ray[3] = {nx, ny, 1}, p[3];
	ff_mat3_apply(raw_to_rect_m, ray, p);
	if (!(p[2] > 1e-9))
		return false;
	*x = p[0] / p[2];
	*y = p[1] / p[2];
	return true;
}

/* Bouguet: r_left and r_right turn each raw camera into the rectified frame. */
static void bouguet(const ff_stereo_calib *c, double r_left[9], double r_right[9])
{
	double om[3], half[3], rr[9], rrt[9], t[3];
	ff_rotation_to_vector(c->r, om);
	for (int i = 0; i < 3; i++)
		half[i] = -om[i] / 2;
	ff_rotation_from_vector(half, rr);
	ff_mat3_apply(rr, c->t, t);
	/* Turn t onto the x axis, towards the side it already points to. */
	double ux = t[0] > 0 ? 1.0 : -1.0;
	double ww[3] = {0, t[2] * ux, -t[1] * ux};
	double nt = sqrt(t[0] * t[0] + t[1] * t[1] + t[2] * t[2]);
	double nw = sqrt(ww[1] * ww[1] + ww[2] * ww[2]);
	if (nw > 0) {
		double a = acos(fmin(1.0, fabs(t[0]) / nt)) / nw;
		for (int i = 0; i < 3; i++)
			ww[i] *= a;
	}
	double wr[9];
	ff_rotation_from_vector(ww, wr);
	ff_mat3_transpose(rr, rrt);
	ff_mat3_mul(wr, rrt, r_left);
	ff_mat3_mul(wr, rr, r_right);
}

struct rect {
	double x0, y0, x1, y1;
};

/* Inner and outer rectangles of one camera's valid region in the rectified
 * normalised plane, from points along its raw image border. */
static ff_status view_rects(const struct lens *l, const double raw_to_rect_m[9], const char *side,
			    struct rect *inner, struct rect *outer, ff_error *err)
{
	*inner = (struct rect){-INFINITY, -INFINITY, INFINITY, INFINITY};
	*outer = (struct rect){INFINITY, INFINITY, -INFINITY, -INFINITY};
	double w = l->width - 0.5, h = l->height - 0.5;
	for (int edge = 0; edge < 4; edge++)
		for (int i = 0; i <= BORDER_SAMPLES; i++) {
			double a = (double)i / BORDER_SAMPLES;
			double u = edge == 0 ? -0.5 : edge == 1 ? w : -0.5 + a * l->width;
			double v = edge < 2 ? -0.5 + a * l->height : edge == 2 ? -0.5 : h;
			double x, y;
			if (!raw_to_rect(l, raw_to_rect_m, u, v, &x, &y))
				return ff_error_set(err, FF_ERR_CALIB,
						    "%s camera: the lens distortion cannot be "
						    "inverted at border pixel (%.1f, %.1f); the "
						    "coefficients do not fit this image",
						    side, u, v);
			if (edge == 0)
				inner->x0 = fmax(inner->x0, x);
			else if (edge == 1)
				inner->x1 = fmin(inner->x1, x);
			else if (edge == 2)
				inner->y0 = fmax(inner->y0, y);
			else
				inner->y1 = fmin(inner->y1, y);
			outer->x0 = fmin(outer->x0, x);
			outer->y0 = fmin(outer->y0, y);
			outer->x1 = fmax(outer->x1, x);
			outer->y1 = fmax(outer->y1, y);
		}
	return FF_OK;
}

static bool inside_raw(const struct lens *l, double u, double v)
{
	const double eps = 1e-6;
	return u >= -0.5 - eps && u <= l->width - 0.5 + eps && v >= -0.5 - eps &&
	       v <= l->height - 0.5 + eps;
}

/* Whether the output window's border maps inside both raw images. */
static bool window_fits(const ff_rectifier *r)
{
	const ff_rectified_camera *c = &r->cam;
	int n = 2 * (c->width + c->height);
	for (int side = 0; side < 2; side++)
		for (int i = 0; i <= n; i++) {
			double a = (double)i / n * 4.0;
			int e = (int)a;
			a -= e;
			double u = e == 0   ? -0.5 + a * c->width
				   : e == 1 ? c->width - 0.5
				   : e == 2 ? c->width - 0.5 - a * c->width
					    : -0.5;
			double v = e == 0   ? -0.5
				   : e == 1 ? -0.5 + a * c->height
				   : e == 2 ? c->height - 0.5
					    : c->height - 0.5 - a * c->height;
			double x, y;
			rect_to_raw(&r->lens[side], (u - c->cx) / c->f, (v - c->cy) / c->f, &x, &y);
			if (!inside_raw(&r->lens[side], x, y))
				return false;
		}
	return true;
}

static ff_status choose_window(ff_rectifier *r, double alpha, ff_error *err)
{
	ff_rectified_camera *c = &r->cam;
	struct rect in[2], out[2];
	static const char *const names[2] = {"left", "right"};
	const double *rot[2] = {c->r_left, c->r_right};
	for (int k = 0; k < 2; k++) {
		ff_status st = view_rects(&r->lens[k], rot[k], names[k], &in[k], &out[k], err);
		if (st != FF_OK)
			return st;
	}
	struct rect i = {fmax(in[0].x0, in[1].x0), fmax(in[0].y0, in[1].y0),
			 fmin(in[0].x1, in[1].x1), fmin(in[0].y1, in[1].y1)};
	struct rect o = {fmin(out[0].x0, out[1].x0), fmin(out[0].y0, out[1].y0),
			 fmax(out[0].x1, out[1].x1), fmax(out[0].y1, out[1].y1)};
	if (!(i.x1 > i.x0 && i.y1 > i.y0))
		return ff_error_set(err, FF_ERR_CALIB,
				    "the rectified left and right views do not overlap");
	double f_in = fmax(c->width / (i.x1 - i.x0), c->height / (i.y1 - i.y0));
	double f_out = fmin(c->width / (o.x1 - o.x0), c->height / (o.y1 - o.y0));
	double xc = ((i.x0 + i.x1) * (1 - alpha) + (o.x0 + o.x1) * alpha) / 2;
	double yc = ((i.y0 + i.y1) * (1 - alpha) + (o.y0 + o.y1) * alpha) / 2;
	c->f = f_in * (1 - alpha) + f_out * alpha;
	for (int tries = 0;; tries++) {
		c->cx = (c->width - 1) / 2.0 - c->f * xc;
		c->cy = (c->height - 1) / 2.0 - c->f * yc;
		if (alpha > 0 || window_fits(r))
			return FF_OK;
		if (tries == 200)
			return ff_error_set(err, FF_ERR_CALIB,
					    "no rectified window without black borders found (the "
					    "valid regions are too irregular)");
		c->f *= 1.002;
	}
}

/* A box reaching past the image is moved inside so that it covers the first
 * or last s pixels: all weight on the taps that stay in the image. */
static void clamp_box(double *i0, unsigned *a, int max)
{
	if (*i0 < 0) {
		*i0 = 0;
		*a = ONE;
	} else if (*i0 > max) {
		*i0 = max;
		*a = 0;
	}
}

static ff_status build_table(ff_rectifier *r, int side, ff_error *err)
{
	const ff_rectified_camera *c = &r->cam;
	const struct lens *l = &r->lens[side];
	size_t n = (size_t)c->width * c->height;
	struct table *t = &r->map[side];
	t->off = malloc(n * sizeof *t->off);
	t->w = malloc(n * sizeof *t->w);
	if (!t->off || !t->w)
		return ff_error_set(err, FF_ERR_NOMEM, "rectifier: out of memory for %zu pixels",
				    n);
	int s = r->s;
	double half = s / 2.0;
	for (int v = 0; v < c->height; v++)
		for (int u = 0; u < c->width; u++) {
			size_t i = (size_t)v * c->width + u;
			double x, y;
			rect_to_raw(l, (u - c->cx) / c->f, (v - c->cy) / c->f, &x, &y);
			/* Centres up to half a pixel outside still replicate the edge. */
			if (!(x >= -1.0 && x <= l->width && y >= -1.0 && y <= l->height)) {
				t->off[i] = 0;
				t->w[i] = INVALID_WEIGHT;
				continue;
			}
			double lx = x - half, ly = y - half;
			double ix = floor(lx + 0.5), iy = floor(ly + 0.5);
			unsigned ax = (unsigned)lround((ix + 0.5 - lx) * ONE);
			unsigned ay = (unsigned)lround((iy + 0.5 - ly) * ONE);
			clamp_box(&ix, &ax, l->width - 1 - s);
			clamp_box(&iy, &ay, l->height - 1 - s);
			t->off[i] = (uint32_t)iy * (uint32_t)l->width + (uint32_t)ix;
			t->w[i] = (uint16_t)(ax | ay << 8);
		}
	return FF_OK;
}

ff_status ff_rectifier_create(const ff_stereo_calib *calib, const ff_rectify_options *opt,
			      ff_rectifier **out, ff_error *err)
{
	int s = opt && opt->downscale ? opt->downscale : 1;
	double alpha = opt ? opt->alpha : 0.0;
	if (s < 1 || s > MAX_DOWNSCALE)
		return ff_error_set(err, FF_ERR_INVALID, "rectify.downscale: %d, allowed 1..%d", s,
				    MAX_DOWNSCALE);
	if (!(alpha >= 0 && alpha <= 1))
		return ff_error_set(err, FF_ERR_INVALID, "rectify.alpha: %g, allowed 0..1", alpha);
	if (opt && (!(opt->focal_px >= 0) || !isfinite(opt->focal_px) || !isfinite(opt->cx_px) ||
		    !isfinite(opt->cy_px)))
		return ff_error_set(err, FF_ERR_INVALID,
				    "rectify: camera f=%g cx=%g cy=%g, expected finite numbers and "
				    "f >= 0",
				    opt->focal_px, opt->cx_px, opt->cy_px);
	ff_status st = ff_calib_validate(calib, "calibration", err);
	if (st != FF_OK)
		return st;
	int w = calib->left.width, h = calib->left.height;
	if (w < 2 * s || h < 2 * s)
		return ff_error_set(err, FF_ERR_SIZE,
				    "rectify: %dx%d frames are too small for "
				    "downscale %d",
				    w, h, s);
	ff_rectifier *r = calloc(1, sizeof *r);
	if (!r)
		return ff_error_set(err, FF_ERR_NOMEM, "rectifier: out of memory");
	r->s = s;
	r->src_w = w;
	r->src_h = h;
	ff_rectified_camera *c = &r->cam;
	c->width = w / s;
	c->height = h / s;
	c->baseline_m =
	    sqrt(calib->t[0] * calib->t[0] + calib->t[1] * calib->t[1] + calib->t[2] * calib->t[2]);
	bouguet(calib, c->r_left, c->r_right);
	lens_init(&r->lens[0], &calib->left, c->r_left);
	lens_init(&r->lens[1], &calib->right, c->r_right);
	if (opt && opt->focal_px > 0) {
		c->f = opt->focal_px;
		c->cx = opt->cx_px;
		c->cy = opt->cy_px;
	} else {
		st = choose_window(r, alpha, err);
	}
	if (st == FF_OK)
		st = build_table(r, 0, err);
	if (st == FF_OK)
		st = build_table(r, 1, err);
	if (st != FF_OK) {
		ff_rectifier_destroy(r);
		return st;
	}
	*out = r;
	return FF_OK;
}

void ff_rectifier_destroy(ff_rectifier *r)
{
	if (!r)
		return;
	for (int k = 0; k < 2; k++) {
		free(r->map[k].off);
		free(r->map[k].w);
	}
	free(r);
}

void ff_rectifier_camera(const ff_rectifier *r, ff_rectified_camera *out)
{
	*out = r->cam;
}

void ff_rectifier_depth_camera(const ff_rectifier *r, ff_camera *out)
{
	*out = (ff_camera){.width = r->cam.width,
			   .height = r->cam.height,
			   .fx = r->cam.f,
			   .fy = r->cam.f,
			   .cx = r->cam.cx,
			   .cy = r->cam.cy,
			   .depth_scale = 1000.0};
}

void ff_rectifier_source_point(const ff_rectifier *r, ff_stereo_side side, double u, double v,
			       double *x, double *y)
{
	rect_to_raw(&r->lens[side], (u - r->cam.cx) / r->cam.f, (v - r->cam.cy) / r->cam.f, x, y);
}

ff_status ff_rectifier_rectify_point(const ff_rectifier *r, ff_stereo_side side, double x, double y,
				     double *u, double *v, ff_error *err)
{
	const double *rot = side == FF_STEREO_LEFT ? r->cam.r_left : r->cam.r_right;
	double nx, ny;
	if (!raw_to_rect(&r->lens[side], rot, x, y, &nx, &ny))
		return ff_error_set(
		    err, FF_ERR_INVALID,
		    "raw point (%g, %g): outside the invertible part of the lens model", x, y);
	*u = r->cam.f * nx + r->cam.cx;
	*v = r->cam.f * ny + r->cam.cy;
	return FF_OK;
}

/* Weighted sum of one row of s+1 taps: partial, s-1 whole, partial. */
static inline unsigned tap_row(const uint8_t *p, unsigned ax, int s)
{
	unsigned sum = ax * p[0] + (ONE - ax) * p[s];
	for (int i = 1; i < s; i++)
		sum += ONE * p[i];
	return sum;
}

static inline void remap_box(const struct table *t, const uint8_t *src, size_t stride, uint8_t *out,
			     size_t n, int s)
{
	const unsigned norm = ONE * ONE * (unsigned)(s * s);
	for (size_t i = 0; i < n; i++) {
		unsigned wt = t->w[i];
		if (wt == INVALID_WEIGHT) {
			out[i] = 0;
			continue;
		}
		unsigned ax = wt & 0xFF, ay = wt >> 8;
		const uint8_t *p = src + t->off[i];
		unsigned acc = ay * tap_row(p, ax, s) + (ONE - ay) * tap_row(p + s * stride, ax, s);
		for (int j = 1; j < s; j++)
			acc += ONE * tap_row(p + j * stride, ax, s);
		out[i] = (uint8_t)((acc + norm / 2) / norm);
	}
}

void ff_rectifier_remap(const ff_rectifier *r, ff_stereo_side side, const uint8_t *raw,
			uint8_t *out)
{
	const struct table *t = &r->map[side];
	size_t n = (size_t)r->cam.width * r->cam.height, stride = (size_t)r->src_w;
	switch (r->s) {
	case 1:
		remap_box(t, raw, stride, out, n, 1);
		break;
	case 2:
		remap_box(t, raw, stride, out, n, 2);
		break;
	case 3:
		remap_box(t, raw, stride, out, n, 3);
		break;
	default:
		remap_box(t, raw, stride, out, n, 4);
		break;
	}
}
