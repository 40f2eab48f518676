/*
 * render.c - ray casting of the scene's primitives into a z-buffer.
 *
 * Rays leave the camera centre through each pixel with direction
 * (x_n, y_n, 1) in the camera frame, so the ray parameter of a hit is its
 * z-depth. The floor is a plane whose depth per pixel never changes and is
 * computed once; each primitive is transformed into the camera frame, its
 * bounding sphere projected to a screen rectangle, and only the pixels of
 * that rectangle are intersected analytically (ellipsoids as a unit sphere
 * after an affine map, boxes by slabs, capsules as a cylinder with two
 * spherical caps). A frame of 20 people is a few hundred primitives covering
 * a small part of the image, which keeps rendering at a few milliseconds.
 */
#include <math.h>
#include <string.h>

#include "sim_internal.h"

/* A primitive prepared for the camera frame. */
typedef struct cam_prim {
	int kind, material;
	double m[3][3]; /* ellipsoid: scaled axes; box: axes */
	double mc[3];	/* m * centre */
	double h[3];	/* box half extents */
	double a[3], ba[3];
	double baba, baoa, oaoa, r2;
	double bc[3], rad; /* bounding sphere */
} cam_prim;

static double dot3(const double a[3], const double b[3])
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

static void to_cam(const sim_view *v, const double w[3], double c[3])
{
	double d[3] = {w[0] - v->C[0], w[1] - v->C[1], w[2] - v->C[2]};
	for (int i = 0; i < 3; i++)
		c[i] = v->R[i][0] * d[0] + v->R[i][1] * d[1] + v->R[i][2] * d[2];
}

static void dir_to_cam(const sim_view *v, const double w[3], double c[3])
{
	for (int i = 0; i < 3; i++)
		c[i] = v->R[i][0] * w[0] + v->R[i][1] * w[1] + v->R[i][2] * w[2];
}

static void prepare(const sim_view *s, const sim_prim *p, cam_prim *q)
{
	q->kind = p->kind;
	q->material = p->material;
	if (p->kind == PRIM_CAPSULE) {
		double b[3];
		to_cam(s, p->c, q->a);
		to_cam(s, p->b, b);
		for (int i = 0; i < 3; i++) {
			q->ba[i] = b[i] - q->a[i];
			q->bc[i] = (b[i] + q->a[i]) / 2;
		}
		double oa[3] = {-q->a[0], -q->a[1], -q->a[2]};
		q->baba = dot3(q->ba, q->ba);
		q->baoa = dot3(q->ba, oa);
		q->oaoa = dot3(oa, oa);
		q->r2 = p->r * p->r;
		q->rad = sqrt(q->baba) / 2 + p->r;
		return;
	}
	to_cam(s, p->c, q->bc);
	q->rad = 0;
	for (int i = 0; i < 3; i++) {
		double ax[3];
		dir_to_cam(s, p->ax[i], ax);
		double k = p->kind == PRIM_ELLIPSOID ? 1.0 / p->h[i] : 1.0;
		for (int j = 0; j < 3; j++)
			q->m[i][j] = ax[j] * k;
		q->mc[i] = dot3(q->m[i], q->bc);
		q->h[i] = p->h[i];
		q->rad =
		    p->kind == PRIM_ELLIPSOID ? fmax(q->rad, p->h[i]) : q->rad + p->h[i] * p->h[i];
	}
	if (p->kind == PRIM_BOX)
		q->rad = sqrt(q->rad);
}

/* Screen rectangle of the bounding sphere; false when nothing is visible. */
static bool screen_rect(const sim_view *s, const cam_prim *q, int r[4])
{
	const ff_camera *c = s->cam;
	double u0 = 1e30, u1 = -1e30, v0 = 1e30, v1 = -1e30;
	if (q->bc[2] + q->rad <= 0.01)
		return false;
	if (q->bc[2] - q->rad <= 0.01) {
		u0 = v0 = 0;
		u1 = c->width - 1;
		v1 = c->height - 1;
	} else {
		for (int i = 0; i < 8; i++) {
			double x = q->bc[0] + (i & 1 ? q->rad : -q->rad);
			double y = q->bc[1] + (i & 2 ? q->rad : -q->rad);
			double z = q->bc[2] + (i & 4 ? q->rad : -q->rad);
			double u = c->fx * x / z + c->cx, v = c->fy * y / z + c->cy;
			u0 = fmin(u0, u);
			u1 = fmax(u1, u);
			v0 = fmin(v0, v);
			v1 = fmax(v1, v);
		}
	}
	r[0] = (int)fmax(0, floor(u0));
	r[1] = (int)fmin(c->width - 1, ceil(u1));
	r[2] = (int)fmax(0, floor(v0));
	r[3] = (int)fmin(c->height - 1, ceil(v1));
	return r[0] <= r[1] && r[2] <= r[3];
}

static double hit_ellipsoid(const cam_prim *q, const double d[3])
{
	double md[3];
	for (int i = 0; i < 3; i++)
		md[i] = dot3(q->m[i], d);
	double a = dot3(md, md), b = dot3(md, q->mc), c = dot3(q->mc, q->mc) - 1;
	double disc = b * b - a * c;
	if (disc < 0)
		return -1;
	return (b - sqrt(disc)) / a;
}

static double hit_box(const cam_prim *q, const double d[3])
{
	double tmin = -1e30, tmax = 1e30;
	for (int i = 0; i < 3; i++) {
		double dl = dot3(q->m[i], d), ol = -q->mc[i];
		if (fabs(dl) < 1e-12) {
			if (fabs(ol) > q->h[i])
				return -1;
			continue;
		}
		double t1 = (-q->h[i] - ol) / dl, t2 = (q->h[i] - ol) / dl;
		if (t1 > t2) {
			double tt = t1;
			t1 = t2;
			t2 = tt;
		}
		tmin = fmax(tmin, t1);
		tmax = fmin(tmax, t2);
	}
	return tmax >= tmin ? tmin : -1;
}

static double hit_sphere(const double c[3], double r2, const double d[3], double dd)
{
	double b = -dot3(d, c), cc = dot3(c, c) - r2;
	double disc = b * b - dd * cc;
	if (disc < 0)
		return -1;
	return (-b - sqrt(disc)) / dd;
}

static double hit_capsule(const cam_prim *q, const double d[3])
{
	double dd = dot3(d, d), bard = dot3(q->ba, d), rdoa = -dot3(d, q->a);
	double a = q->baba * dd - bard * bard;
	double b = q->baba * rdoa - q->baoa * bard;
	double c = q->baba * q->oaoa - q->baoa * q->baoa - q->r2 * q->baba;
	double disc = b * b - a * c;
	if (disc < 0)
		return -1;
	if (a > 1e-12) {
		double t = (-b - sqrt(disc)) / a, y = q->baoa + t * bard;
		if (y > 0 && y < q->baba)
			return t;
		if (y >= q->baba) {
			double e[3] = {q->a[0] + q->ba[0], q->a[1] + q->ba[1], q->a[2] + q->ba[2]};
			return hit_sphere(e, q->r2, d, dd);
		}
	}
	double t1 = hit_sphere(q->a, q->r2, d, dd);
	double e[3] = {q->a[0] + q->ba[0], q->a[1] + q->ba[1], q->a[2] + q->ba[2]};
	double t2 = hit_sphere(e, q->r2, d, dd);
	if (t1 > 0 && (t2 <= 0 || t1 < t2))
		return t1;
	return t2;
}

static void raster(const sim_view *s, const cam_prim *q, int index)
{
	int r[4];
	if (!screen_rect(s, q, r))
		return;
	int w = s->cam->width;
	for (int v = r[2]; v <= r[3]; v++) {
		double d[3] = {0, s->yn[v], 1};
		float *z = s->z + (size_t)v * w;
		uint8_t *m = s->mat + (size_t)v * w;
		int16_t *pi = s->prim ? s->prim + (size_t)v * w : NULL;
		for (int u = r[0]; u <= r[1]; u++) {
			d[0] = s->xn[u];
			double t;
			if (q->kind == PRIM_ELLIPSOID)
				t = hit_ellipsoid(q, d);
			else if (q->kind == PRIM_BOX)
				t = hit_box(q, d);
			else
				t = hit_capsule(q, d);
			if (t > 0.01 && t < z[u]) {
				z[u] = (float)t;
				m[u] = (uint8_t)q->material;
				if (pi)
					pi[u] = (int16_t)index;
			}
		}
	}
}

ff_status sim_build_prims(ff_sim_scene *s, double t, ff_error *err)
{
	int np = 0;
	for (int i = 0; i < s->nobjects; i++)
		np +=
		    sim_object_prims(s->objects + i, 100 + 8 * i, s->prims + np, s->cap_prims - np);
	for (int i = 0; i < s->npeople; i++) {
		sim_pose pose;
		if (sim_person_pose(s->people + i, t, &pose))
			np += sim_body_prims(s, i, &pose, t, s->prims + np, s->cap_prims - np);
	}
	if (np > s->cap_prims || np > INT16_MAX)
		return ff_error_set(err, FF_ERR_LIMIT, "simulator: too many primitives");
	s->nprims = np;
	return FF_OK;
}

void sim_render_view(const ff_sim_scene *s, const sim_view *v)
{
	size_t n = (size_t)v->cam->width * (size_t)v->cam->height;
	for (size_t i = 0; i < n; i++)
		v->z[i] = v->floor_z[i] > 0 ? v->floor_z[i] : INFINITY;
	memset(v->mat, MAT_FLOOR, n);
	if (v->prim)
		for (size_t i = 0; i < n; i++)
			v->prim[i] = -1;
	for (int i = 0; i < s->nprims; i++) {
		cam_prim q = {0};
		prepare(v, s->prims + i, &q);
		raster(v, &q, i);
	}
}

void sim_scene_view(const ff_sim_scene *s, sim_view *v)
{
	memcpy(v->R, s->R, sizeof v->R);
	memcpy(v->C, s->C, sizeof v->C);
	v->cam = &s->cam;
	v->xn = s->xn;
	v->yn = s->yn;
	v->floor_z = s->floor_z;
	v->z = s->zbuf;
	v->mat = s->mat;
	v->prim = NULL;
}

ff_status sim_render_exact(ff_sim_scene *s, double t, ff_error *err)
{
	ff_status st = sim_build_prims(s, t, err);
	if (st)
		return st;
	sim_view v;
	sim_scene_view(s, &v);
	sim_render_view(s, &v);
	return FF_OK;
}
