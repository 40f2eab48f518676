/*
 * detect.c - heads in the height map.
 *
 * Seen from above, a person is a head standing out of a pair of shoulders: the
 * top 10 cm of a head is a compact blob of 0.01-0.06 m^2, and a hand's breadth
 * away the body is 15-45 cm lower. Everything else a counter sees fails one of
 * these tests: a table or shelf top is a blob far larger than a head, a raised
 * hand or a speckle is smaller, the rim or handle of a cart is thin, a bag in a
 * cart has no shoulders around it.
 *
 * Candidates are local maxima of the grid with a plausible height, visited
 * from the highest down. Each is grown into its blob (cells connected to it
 * and no more than BLOB_DROP below it); the blob is judged by its area, its
 * extent, its shape and the ring of cells around it. An accepted head suppresses lower
 * candidates closer than a head's width on the floor, which still keeps two
 * people walking shoulder to shoulder (heads >= 0.3 m apart) apart. Cells of
 * a rejected large blob are claimed so that the hundreds of maxima of a noisy
 * table top cost one flood fill, not hundreds.
 *
 * All sizes are metric and converted to cells with the depth of the
 * candidate, so the same rules hold at 2.2 m and at 6 m.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define BLOB_DROP 0.10f	     /* head blob: cells at most this far below its top */
#define BLOB_MAX_R 0.20	     /* a head blob fits inside this radius (m) */
#define BLOB_MIN_AREA 0.011  /* m^2: a hand or a speckle is smaller */
#define BLOB_MAX_AREA 0.080  /* m^2: a large head with a hood still fits */
#define CROWN_DROP 0.05f     /* a hat's crown: cells this close to its top */
#define CROWN_MAX_AREA 0.035 /* m^2: a crown is no larger than a head */
#define RING_R0 1.2	     /* ring where shoulders are, in head radii */
#define RING_R1 2.6
#define SHOULDER_GAP 0.02f     /* the body lies this much below the blob's cut ... */
#define SHOULDER_MAX 0.70f     /* ... and not further */
#define SHOULDER_FRACTION 0.10 /* share of the ring that must be body */
#define HEAD_SEPARATION 0.24   /* m on the floor between two accepted heads */
#define HEAD_MIN_STD 0.025     /* m: spread of a head blob across its narrow axis */
#define HEAD_MAX_ELONGATION 2.5
#define TOP_BAND 0.03f /* head height: mean of the blob's top band */

ff_status ff_detector_init(ff_detector *d, const ff_grid *g, ff_error *err)
{
	memset(d, 0, sizeof *d);
	d->ncells = g->gw * g->gh;
	d->cand = malloc((size_t)d->ncells * sizeof *d->cand);
	d->stack = malloc((size_t)d->ncells * sizeof *d->stack);
	d->members = malloc((size_t)d->ncells * sizeof *d->members);
	d->visit = calloc((size_t)d->ncells, sizeof *d->visit);
	d->claim = malloc((size_t)d->ncells);
	if (!d->cand || !d->stack || !d->members || !d->visit || !d->claim) {
		ff_detector_free(d);
		return ff_error_set(err, FF_ERR_NOMEM, "detector: out of memory");
	}
	return FF_OK;
}

void ff_detector_free(ff_detector *d)
{
	free(d->cand);
	free(d->stack);
	free(d->members);
	free(d->visit);
	free(d->claim);
	memset(d, 0, sizeof *d);
}

/* Candidates are visited from the highest down; each carries its height so
 * the sort does not chase grid indices. */
typedef struct {
	float h;
	int idx;
} cand_key;

/* True when a comes before b: higher first, then scan order. */
static bool cand_before(const cand_key *a, const cand_key *b)
{
	return a->h != b->h ? a->h > b->h : a->idx < b->idx;
}

static void sift_down(cand_key *k, int root, int n)
{
	for (;;) {
		int child = 2 * root + 1;
		if (child >= n)
			return;
		/* The heap keeps the candidate that comes last on top. */
		if (child + 1 < n && cand_before(&k[child], &k[child + 1]))
			child++;
		if (!cand_before(&k[root], &k[child]))
			return;
		cand_key t = k[root];
		k[root] = k[child];
		k[child] = t;
		root = child;
	}
}

/* Heapsort: in place and allocation-free, unlike qsort, which may take
 * memory from the heap on the per-frame path. */
static void sort_candidates(cand_key *k, int n)
{
	for (int i = n / 2 - 1; i >= 0; i--)
		sift_down(k, i, n);
	for (int end = n - 1; end > 0; end--) {
		cand_key t = k[0];
		k[0] = k[end];
		k[end] = t;
		sift_down(k, 0, end);
	}
}

static bool local_max(const float *h, int gw, int gh, int x, int y)
{
	float c = h[y * gw + x];
	for (int dy = -1; dy <= 1; dy++)
		for (int dx = -1; dx <= 1; dx++) {
			int nx = x + dx, ny = y + dy;
			if ((!dx && !dy) || nx < 0 || ny < 0 || nx >= gw || ny >= gh)
				continue;
			float o = h[ny * gw + nx];
			/* Ties go to the first cell in scan order, so a plateau
			 * yields one candidate, not one per cell. */
			if (o > c || (o == c && (dy < 0 || (dy == 0 && dx < 0))))
				return false;
		}
	return true;
}

typedef struct blob {
	int area; /* cells, listed in d->members */
	bool too_big;
	double su, sv, sw; /* weighted centroid sums in cells */
	double top_sum;
	int top_n;
	double minor, major; /* standard deviations along the axes, cells */
} blob;

static void grow_blob(ff_detector *d, const ff_grid *g, int start, float top, float drop,
		      double max_r_cells, blob *b)
{
	static const int off[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
	const int gw = g->gw, gh = g->gh;
	const float floor_h = top - drop;
	const int sx = start % gw, sy = start / gw;
	const double r2 = max_r_cells * max_r_cells;
	double mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0;
	int sp = 0;

	memset(b, 0, sizeof *b);
	/* Stamps instead of a cleared mask: one flood costs its own cells only. */
	if (++d->stamp == INT_MAX) {
		memset(d->visit, 0, (size_t)d->ncells * sizeof *d->visit);
		d->stamp = 1;
	}
	d->stack[sp++] = start;
	d->visit[start] = d->stamp;
	while (sp) {
		int c = d->stack[--sp];
		int x = c % gw, y = c / gw;
		float h = g->height[c];
		double w = h - floor_h;
		d->members[b->area++] = c;
		b->su += w * x;
		b->sv += w * y;
		b->sw += w;
		mx += x;
		my += y;
		mxx += (double)x * x;
		myy += (double)y * y;
		mxy += (double)x * y;
		if (h >= top - TOP_BAND) {
			b->top_sum += h;
			b->top_n++;
		}
		if ((double)(x - sx) * (x - sx) + (double)(y - sy) * (y - sy) > r2)
			b->too_big = true;
		for (int k = 0; k < 4; k++) {
			int nx = x + off[k][0], ny = y + off[k][1];
			if (nx < 0 || ny < 0 || nx >= gw || ny >= gh)
				continue;
			int n = ny * gw + nx;
			if (d->visit[n] == d->stamp || g->height[n] < floor_h)
				continue;
			d->visit[n] = d->stamp;
			d->stack[sp++] = n;
		}
	}
	/* Axes of the blob from its second moments (cells count as unit
	 * squares, hence the 1/12). */
	double n = b->area;
	mx /= n;
	my /= n;
	double cxx = mxx / n - mx * mx + 1.0 / 12, cyy = myy / n - my * my + 1.0 / 12;
	double cxy = mxy / n - mx * my;
	double tr = 0.5 * (cxx + cyy), det = sqrt(0.25 * (cxx - cyy) * (cxx - cyy) + cxy * cxy);
	b->major = sqrt(tr + det);
	b->minor = sqrt(tr - det > 0 ? tr - det : 0);
}

static void claim_blob(ff_detector *d, const blob *b)
{
	for (int i = 0; i < b->area; i++)
		d->claim[d->members[i]] = 1;
}

/* Share of valid cells in the ring around (cu, cv) that look like a body
 * under a head of height top. */
static double shoulder_share(const ff_grid *g, double cu, double cv, float top, float min_drop,
			     double r0, double r1)
{
	int x0 = (int)floor(cu - r1), x1 = (int)ceil(cu + r1);
	int y0 = (int)floor(cv - r1), y1 = (int)ceil(cv + r1);
	int valid = 0, body = 0;
	/* Sparse sampling: the ring can hold thousands of cells when a head is
	 * close to the camera; a few hundred decide the share as well. */
	int step = (int)(r1 / 12) + 1;

	if (x0 < 0)
		x0 = 0;
	if (y0 < 0)
		y0 = 0;
	if (x1 >= g->gw)
		x1 = g->gw - 1;
	if (y1 >= g->gh)
		y1 = g->gh - 1;
	for (int y = y0; y <= y1; y += step)
		for (int x = x0; x <= x1; x += step) {
			double r2 = (x - cu) * (x - cu) + (y - cv) * (y - cv);
			if (r2 < r0 * r0 || r2 > r1 * r1)
				continue;
			float h = g->height[y * g->gw + x];
			if (h <= FF_NODATA)
				continue;
			valid++;
			float drop = top - h;
			body += drop >= min_drop && drop <= SHOULDER_MAX;
		}
	/* A head at the image border has no ring to judge: let it pass. */
	if (valid < 4)
		return 1.0;
	return (double)body / valid;
}

/* The tests a blob grown down to `drop` below its top must pass to be a head:
 * size, shape, and a body around it. */
static bool head_blob(const ff_grid *g, const blob *b, double cell_m, float top, float drop,
		      double max_area)
{
	double area = b->area * cell_m * cell_m;
	/* A head is round or a short ellipse; rims, handles and shelf edges
	 * are thin. */
	if (b->too_big || area < BLOB_MIN_AREA || area > max_area || b->sw <= 0 ||
	    b->minor * cell_m < HEAD_MIN_STD || b->major > HEAD_MAX_ELONGATION * b->minor)
		return false;
	/* The shoulders' ring scales with the head: a child's body is closer
	 * to its smaller head. */
	double r_head = sqrt(b->area / M_PI);
	return shoulder_share(g, b->su / b->sw, b->sv / b->sw, top, drop + SHOULDER_GAP,
			      RING_R0 * r_head, RING_R1 * r_head) >= SHOULDER_FRACTION;
}

int ff_detect(ff_detector *d, const ff_grid *g, const ff_camera *cam, const ff_plane *p,
	      ff_detection *out, int cap)
{
	const int gw = g->gw, gh = g->gh;
	const float lo = (float)d->min_h - 0.10f, hi = (float)d->max_h + 0.15f;
	const double f = 0.5 * (cam->fx + cam->fy);
	cand_key *keys = (cand_key *)(void *)d->stack;
	int ncand = 0, ndet = 0;

	/* The key array borrows the stack's memory: both hold ncells ints
	 * worth, and the sort finishes before any flood fill starts. */
	_Static_assert(sizeof(cand_key) == 2 * sizeof(int), "key layout");
	for (int y = 0; y < gh; y++)
		for (int x = 0; x < gw; x++) {
			float h = g->height[y * gw + x];
			if (h < lo || h > hi || !local_max(g->height, gw, gh, x, y))
				continue;
			if (2 * (ncand + 1) > d->ncells)
				break;
			keys[ncand].h = h;
			keys[ncand].idx = y * gw + x;
			ncand++;
		}
	sort_candidates(keys, ncand);
	for (int i = 0; i < ncand; i++)
		d->cand[i] = keys[i].idx;
	memset(d->claim, 0, (size_t)d->ncells);

	for (int i = 0; i < ncand && ndet < cap; i++) {
		int c = d->cand[i];
		if (d->claim[c])
			continue;
		float top = g->height[c];
		double z = g->z[c];
		double cell_m = g->cell * z / f; /* metres per cell at the head */
		if (cell_m <= 0)
			continue;
		const double max_r = BLOB_MAX_R / cell_m;
		blob b;
		grow_blob(d, g, c, top, BLOB_DROP, max_r, &b);
		bool was_big = b.too_big;
		if (!head_blob(g, &b, cell_m, top, BLOB_DROP, BLOB_MAX_AREA)) {
			/* A hat's brim widens the top of a head and hides the
			 * shoulders; its crown alone is head-sized, with the
			 * brim as the body around it. A table top, a canopy or
			 * a cart's rim has no such crown. */
			grow_blob(d, g, c, top, CROWN_DROP, max_r, &b);
			if (!head_blob(g, &b, cell_m, top, CROWN_DROP, CROWN_MAX_AREA)) {
				if (was_big) {
					grow_blob(d, g, c, top, BLOB_DROP, max_r, &b);
					claim_blob(d, &b);
				}
				continue;
			}
		}
		double cu = b.su / b.sw, cv = b.sv / b.sw;

		ff_detection det;
		det.height = b.top_n ? (float)(b.top_sum / b.top_n) : top;
		det.u = (float)((cu + 0.5) * g->cell - 0.5);
		det.v = (float)((cv + 0.5) * g->cell - 0.5);
		double rx = (det.u - cam->cx) / cam->fx, ry = (det.v - cam->cy) / cam->fy;
		double k = p->n[0] * rx + p->n[1] * ry + p->n[2];
		double hz = (p->d - det.height) / k;
		det.z = (float)hz;
		double X[3] = {hz * rx, hz * ry, hz};
		det.fx = (float)(p->e1[0] * X[0] + p->e1[1] * X[1] + p->e1[2] * X[2]);
		det.fy = (float)(p->e2[0] * X[0] + p->e2[1] * X[1] + p->e2[2] * X[2]);

		bool near = false;
		for (int j = 0; j < ndet && !near; j++) {
			double dx = out[j].fx - det.fx, dy = out[j].fy - det.fy;
			near = dx * dx + dy * dy < HEAD_SEPARATION * HEAD_SEPARATION;
		}
		if (!near) {
			out[ndet++] = det;
			claim_blob(d, &b);
		}
	}
	return ndet;
}
