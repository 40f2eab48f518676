/*
 * heightmap.c - a coarse grid of heights above the floor.
 *
 * People are found from above as the highest points of compact blobs, so the
 * engine needs, per small patch of the image, the height of the surface
 * there. The grid has cells of cell x cell pixels, chosen by the engine so
 * that a cell is a few centimetres at head height: fine enough to see a
 * head's shape, coarse enough to keep detection cheap.
 *
 * The depth of a cell is the mean of its valid pixels without the nearest and
 * the farthest one: stereo depth is noisy (at 4 m a pixel's error is several
 * centimetres), the mean of 16 pixels divides that noise by four without the
 * bias a minimum would have, and dropping the extremes removes the lone
 * speckle that would otherwise shift a cell. Pixels without data (0) are
 * left out of the mean. Column sums, counts and extremes of one grid row are
 * accumulated first, in loops the compiler vectorises.
 *
 * Height of a point X = z * ray(u, v) above the plane n.X = d is
 * d - z * (n . ray): one multiply-add per cell with n . ray precomputed.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

ff_status ff_grid_init(ff_grid *g, const ff_camera *cam, int cell, ff_error *err)
{
	memset(g, 0, sizeof *g);
	g->cell = cell < 1 ? 1 : cell;
	g->gw = cam->width / g->cell;
	g->gh = cam->height / g->cell;
	size_t n = (size_t)g->gw * (size_t)g->gh;
	g->height = malloc(n * sizeof *g->height);
	g->z = malloc(n * sizeof *g->z);
	g->k = malloc(n * sizeof *g->k);
	g->rx = malloc(n * sizeof *g->rx);
	g->ry = malloc(n * sizeof *g->ry);
	size_t w = (size_t)cam->width;
	g->colsum = malloc(w * sizeof *g->colsum);
	g->colcnt = malloc(w * sizeof *g->colcnt);
	g->colmin = malloc(w * sizeof *g->colmin);
	g->colmax = malloc(w * sizeof *g->colmax);
	if (!g->height || !g->z || !g->k || !g->rx || !g->ry || !g->colsum || !g->colcnt ||
	    !g->colmin || !g->colmax) {
		ff_grid_free(g);
		return ff_error_set(err, FF_ERR_NOMEM, "height map: out of memory for %dx%d cells",
				    g->gw, g->gh);
	}
	for (int gy = 0; gy < g->gh; gy++)
		for (int gx = 0; gx < g->gw; gx++) {
			double u = (gx + 0.5) * g->cell - 0.5, v = (gy + 0.5) * g->cell - 0.5;
			g->rx[gy * g->gw + gx] = (float)((u - cam->cx) / cam->fx);
			g->ry[gy * g->gw + gx] = (float)((v - cam->cy) / cam->fy);
		}
	return FF_OK;
}

void ff_grid_free(ff_grid *g)
{
	free(g->height);
	free(g->z);
	free(g->k);
	free(g->rx);
	free(g->ry);
	free(g->colsum);
	free(g->colcnt);
	free(g->colmin);
	free(g->colmax);
	memset(g, 0, sizeof *g);
}

void ff_grid_set_plane(ff_grid *g, const ff_plane *p)
{
	int n = g->gw * g->gh;
	for (int i = 0; i < n; i++)
		g->k[i] = (float)(p->n[0] * g->rx[i] + p->n[1] * g->ry[i] + p->n[2]);
}

void ff_grid_build(ff_grid *g, const ff_camera *cam, const ff_plane *p, const uint16_t *depth)
{
	const int cell = g->cell, span = g->gw * cell;
	const float inv_scale = (float)(1.0 / cam->depth_scale), d = (float)p->d;
	uint32_t *restrict sum = g->colsum;
	uint16_t *restrict cnt = g->colcnt, *restrict lo = g->colmin, *restrict hi = g->colmax;

	for (int gy = 0; gy < g->gh; gy++) {
		memset(sum, 0, (size_t)span * sizeof *sum);
		memset(cnt, 0, (size_t)span * sizeof *cnt);
		memset(lo, 0xff, (size_t)span * sizeof *lo);
		memset(hi, 0, (size_t)span * sizeof *hi);
		for (int y = gy * cell; y < (gy + 1) * cell; y++) {
			const uint16_t *restrict row = depth + (size_t)y * (size_t)cam->width;
			for (int x = 0; x < span; x++) {
				uint16_t v = row[x];
				/* 0 wraps to the largest value: never the minimum. */
				uint16_t w = (uint16_t)(v - 1u);
				sum[x] += v;
				cnt[x] += v != 0;
				lo[x] = w < lo[x] ? w : lo[x];
				hi[x] = v > hi[x] ? v : hi[x];
			}
		}
		float *restrict h = g->height + gy * g->gw;
		float *restrict zc = g->z + gy * g->gw;
		const float *restrict k = g->k + gy * g->gw;
		for (int gx = 0; gx < g->gw; gx++) {
			uint32_t s = 0, n = 0;
			uint16_t mn = 0xffff, mx = 0;
			for (int x = gx * cell; x < (gx + 1) * cell; x++) {
				s += sum[x];
				n += cnt[x];
				mn = lo[x] < mn ? lo[x] : mn;
				mx = hi[x] > mx ? hi[x] : mx;
			}
			if (!n) {
				zc[gx] = 0;
				h[gx] = FF_NODATA;
				continue;
			}
			if (n >= 3) {
				s -= (uint32_t)mn + 1u + mx;
				n -= 2;
			}
			float z = (float)s / (float)n * inv_scale;
			zc[gx] = z;
			h[gx] = d - z * k[gx];
		}
	}
}
