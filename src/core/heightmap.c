/*
 * heightmap.c - a coarse grid of heights above the floor.
 *
 * People are found from above as the highest points of compact blobs, so the
 * engine needs, per small patch of the image, the highest surface in it: the
 * nearest depth. The grid has cells of cell x cell pixels (about 160 cells
 * across whatever the resolution), which keeps detection cost independent of
 * the camera and still puts 8 or more cells across a head at 6 m.
 *
 * The nearest depth of a cell is the minimum over its pixels with 0 ("no
 * data") mapped to the largest value by an unsigned wrap, so the inner loop
 * is branch-free and the compiler vectorises it. Flying pixels at head edges
 * lie between head and floor, so they never raise a cell above the head; a
 * lone speckle can, and detection rejects it for having no head-sized body.
 *
 * Height of a point X = z * ray(u, v) above the plane n.X = d is
 * d - z * (n . ray): one multiply-add per cell with n . ray precomputed.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

ff_status ff_grid_init(ff_grid *g, const ff_camera *cam, ff_error *err)
{
	memset(g, 0, sizeof *g);
	g->cell = (cam->width + 80) / 160;
	if (g->cell < 1)
		g->cell = 1;
	g->gw = cam->width / g->cell;
	g->gh = cam->height / g->cell;
	size_t n = (size_t)g->gw * (size_t)g->gh;
	g->height = malloc(n * sizeof *g->height);
	g->zmin = malloc(n * sizeof *g->zmin);
	g->k = malloc(n * sizeof *g->k);
	g->rx = malloc(n * sizeof *g->rx);
	g->ry = malloc(n * sizeof *g->ry);
	g->colmin = malloc((size_t)cam->width * sizeof *g->colmin);
	if (!g->height || !g->zmin || !g->k || !g->rx || !g->ry || !g->colmin) {
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
	free(g->zmin);
	free(g->k);
	free(g->rx);
	free(g->ry);
	free(g->colmin);
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
	uint16_t *restrict cm = g->colmin;

	for (int gy = 0; gy < g->gh; gy++) {
		memset(cm, 0xff, (size_t)span * sizeof *cm);
		for (int y = gy * cell; y < (gy + 1) * cell; y++) {
			const uint16_t *restrict row = depth + (size_t)y * (size_t)cam->width;
			for (int x = 0; x < span; x++) {
				uint16_t v = (uint16_t)(row[x] - 1u);
				cm[x] = v < cm[x] ? v : cm[x];
			}
		}
		float *restrict h = g->height + gy * g->gw;
		float *restrict zm = g->zmin + gy * g->gw;
		const float *restrict k = g->k + gy * g->gw;
		for (int gx = 0; gx < g->gw; gx++) {
			uint16_t m = 0xffff;
			for (int x = gx * cell; x < (gx + 1) * cell; x++)
				m = cm[x] < m ? cm[x] : m;
			if (m == 0xffff) {
				zm[gx] = 0;
				h[gx] = FF_NODATA;
			} else {
				float z = (float)(m + 1) * inv_scale;
				zm[gx] = z;
				h[gx] = d - z * k[gx];
			}
		}
	}
}
