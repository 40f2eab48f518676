/*
 * floor.c - the floor plane: from a known installation height, or fitted.
 *
 * A counter looking straight down sees the floor at z = H. When the height is
 * unknown, or the camera is tilted (up to 10 degrees, and we accept 15), the
 * plane is fitted to 3-D points of the scene: RANSAC finds the plane with the
 * most support among those whose normal is near the optical axis (a wall or a
 * shelf side is never the floor), then least squares on its inliers removes
 * the noise of the three-point hypothesis. People, carts and furniture cover a
 * minority of the view, so they fall out as outliers.
 *
 * Inlier tolerance grows with the square of the depth, as stereo depth error
 * does, so a far floor is not rejected for being noisy.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

#define RANSAC_ITERATIONS 256
#define RANSAC_SCORE_POINTS 2048 /* points used to score a hypothesis */
#define MAX_TILT_DEG 15.0
#define MIN_INLIER_RATIO 0.25

static double dot3(const double *a, const double *b)
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void normalize3(double *v)
{
	double l = sqrt(dot3(v, v));
	if (l > 0) {
		v[0] /= l;
		v[1] /= l;
		v[2] /= l;
	}
}

void ff_plane_set(ff_plane *p, const double n[3], double d)
{
	double nn[3] = {n[0], n[1], n[2]};
	double l = sqrt(dot3(nn, nn));
	double x[3] = {1, 0, 0};

	for (int i = 0; i < 3; i++)
		nn[i] /= l;
	d /= l;
	/* The normal points from the camera to the floor, which is in front. */
	if (nn[2] < 0) {
		for (int i = 0; i < 3; i++)
			nn[i] = -nn[i];
		d = -d;
	}
	memcpy(p->n, nn, sizeof nn);
	p->d = d;
	/* e1 follows the image x axis as closely as the plane allows, so floor
	 * coordinates look like the image seen from above. */
	double a = dot3(x, nn);
	for (int i = 0; i < 3; i++)
		p->e1[i] = x[i] - a * nn[i];
	normalize3(p->e1);
	p->e2[0] = nn[1] * p->e1[2] - nn[2] * p->e1[1];
	p->e2[1] = nn[2] * p->e1[0] - nn[0] * p->e1[2];
	p->e2[2] = nn[0] * p->e1[1] - nn[1] * p->e1[0];
}

void ff_plane_from_height(ff_plane *p, double height_m)
{
	const double n[3] = {0, 0, 1};
	ff_plane_set(p, n, height_m);
}

double ff_plane_tilt_deg(const ff_plane *p)
{
	double c = p->n[2] > 1 ? 1 : p->n[2];
	return acos(c) * 180.0 / M_PI;
}

static uint32_t rng_next(uint64_t *s)
{
	/* xorshift64*: deterministic, so a recording always gives one floor. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 2685821657736338717ULL) >> 32);
}

static double tolerance(double z)
{
	return 0.03 + 0.012 * z * z;
}

/* Plane through three points; false when they are (nearly) collinear or the
 * plane is too steep to be a floor. */
static bool plane_from_points(const float *a, const float *b, const float *c, double n[3],
			      double *d)
{
	double u[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
	double v[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
	n[0] = u[1] * v[2] - u[2] * v[1];
	n[1] = u[2] * v[0] - u[0] * v[2];
	n[2] = u[0] * v[1] - u[1] * v[0];
	double l = sqrt(dot3(n, n));
	if (l < 1e-9)
		return false;
	for (int i = 0; i < 3; i++)
		n[i] /= l;
	if (n[2] < 0)
		for (int i = 0; i < 3; i++)
			n[i] = -n[i];
	if (n[2] < cos(MAX_TILT_DEG * M_PI / 180.0))
		return false;
	*d = n[0] * a[0] + n[1] * a[1] + n[2] * a[2];
	return *d > 0.3;
}

static int count_inliers(const float *pts, int npts, int step, const double n[3], double d,
			 unsigned char *mark)
{
	int count = 0;
	for (int i = 0; i < npts; i += step) {
		const float *q = pts + 3 * i;
		double r = n[0] * q[0] + n[1] * q[1] + n[2] * q[2] - d;
		bool in = fabs(r) < tolerance(q[2]);
		if (mark)
			mark[i] = in;
		count += in;
	}
	return count;
}

/* Least squares z = a x + b y + c over the inliers: the camera looks at the
 * floor, so depth is a function of the lateral position and this solve is
 * well conditioned without an eigen decomposition. */
static bool refine(const float *pts, int npts, const unsigned char *mark, double n[3], double *d)
{
	double sxx = 0, sxy = 0, sx = 0, syy = 0, sy = 0, s1 = 0, sxz = 0, syz = 0, sz = 0;
	for (int i = 0; i < npts; i++) {
		if (!mark[i])
			continue;
		double x = pts[3 * i], y = pts[3 * i + 1], z = pts[3 * i + 2];
		sxx += x * x;
		sxy += x * y;
		sx += x;
		syy += y * y;
		sy += y;
		s1 += 1;
		sxz += x * z;
		syz += y * z;
		sz += z;
	}
	if (s1 < 3)
		return false;
	/* Solve the 3x3 normal equations by Cramer's rule. */
	double m[3][3] = {{sxx, sxy, sx}, {sxy, syy, sy}, {sx, sy, s1}};
	double r[3] = {sxz, syz, sz};
	double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
		     m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
		     m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
	if (fabs(det) < 1e-12)
		return false;
	double sol[3];
	for (int k = 0; k < 3; k++) {
		double t[3][3];
		memcpy(t, m, sizeof t);
		for (int i = 0; i < 3; i++)
			t[i][k] = r[i];
		sol[k] = (t[0][0] * (t[1][1] * t[2][2] - t[1][2] * t[2][1]) -
			  t[0][1] * (t[1][0] * t[2][2] - t[1][2] * t[2][0]) +
			  t[0][2] * (t[1][0] * t[2][1] - t[1][1] * t[2][0])) /
			 det;
	}
	double l = sqrt(sol[0] * sol[0] + sol[1] * sol[1] + 1);
	n[0] = -sol[0] / l;
	n[1] = -sol[1] / l;
	n[2] = 1 / l;
	*d = sol[2] / l;
	return true;
}

double ff_floor_fit_run(ff_floor_fit *fit, int npts, ff_plane *out)
{
	if (npts < 32)
		return 0;
	int step = npts > RANSAC_SCORE_POINTS ? npts / RANSAC_SCORE_POINTS : 1;
	int best = 0;
	double best_n[3] = {0, 0, 1}, best_d = 0;

	for (int it = 0; it < RANSAC_ITERATIONS; it++) {
		int i = (int)(rng_next(&fit->rng) % (uint32_t)npts);
		int j = (int)(rng_next(&fit->rng) % (uint32_t)npts);
		int k = (int)(rng_next(&fit->rng) % (uint32_t)npts);
		double n[3], d;
		if (i == j || j == k || i == k ||
		    !plane_from_points(fit->pts + 3 * i, fit->pts + 3 * j, fit->pts + 3 * k, n, &d))
			continue;
		int c = count_inliers(fit->pts, npts, step, n, d, NULL);
		/* Equal support: the farther plane is the floor, not a table top. */
		if (c > best || (c == best && d > best_d)) {
			best = c;
			memcpy(best_n, n, sizeof n);
			best_d = d;
		}
	}
	if (best == 0)
		return 0;
	for (int pass = 0; pass < 3; pass++) {
		count_inliers(fit->pts, npts, 1, best_n, best_d, fit->inlier);
		if (!refine(fit->pts, npts, fit->inlier, best_n, &best_d))
			return 0;
	}
	double ratio = (double)count_inliers(fit->pts, npts, 1, best_n, best_d, NULL) / npts;
	if (ratio < MIN_INLIER_RATIO || best_n[2] < cos(MAX_TILT_DEG * M_PI / 180.0))
		return 0;
	ff_plane_set(out, best_n, best_d);
	return ratio;
}
