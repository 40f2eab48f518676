/*
 * sgm_scalar.c - portable reference implementation of the matcher's row
 * kernels (see sgm_internal.h for the buffer layouts).
 *
 * This is the definition of the matcher's results: every SIMD table must
 * reproduce it bit for bit, so the arithmetic here mirrors the vector code
 * (saturating int16 additions in the same order, guard values, lowest
 * disparity on ties) rather than being written in the most natural scalar
 * way. The SIMD kernels also fall back to these functions for rows or
 * disparity ranges narrower than one vector.
 */
#include <stdlib.h>
#include <string.h>

#include "sgm_internal.h"

static void census_scalar(const int8_t *img, size_t img_stride, int width, int cw, int ch,
			  uint8_t *planes, size_t plane_stride, int reversed)
{
	int rx = cw / 2, ry = ch / 2;
	int nplanes = (cw * ch - 1 + 7) / 8;

	for (int x = 0; x < width; x++) {
		const int8_t *c = img + x;
		uint64_t code = 0;
		int bit = 0;
		for (int dy = -ry; dy <= ry; dy++)
			for (int dx = -rx; dx <= rx; dx++) {
				if (!dx && !dy)
					continue;
				const int8_t *n = c + (ptrdiff_t)dy * (ptrdiff_t)img_stride + dx;
				code |= (uint64_t)(*n < *c) << bit;
				bit++;
			}
		size_t pos = reversed ? (size_t)(width - 1 - x) : (size_t)x;
		for (int b = 0; b < nplanes; b++)
			planes[(size_t)b * plane_stride + pos] = (uint8_t)(code >> (8 * b));
	}
}

static int popcount8(unsigned v)
{
	v = v - ((v >> 1) & 0x55u);
	v = (v & 0x33u) + ((v >> 2) & 0x33u);
	return (int)((v + (v >> 4)) & 0x0fu);
}

static void cost_scalar(const sgm_cost_args *a)
{
	int w = a->width, nd = a->ndisp;
	for (int x = 0; x < w; x++) {
		uint8_t *c = a->cost + (size_t)x * (size_t)nd;
		for (int d = 0; d < nd; d++) {
			if (d > x) {
				c[d] = (uint8_t)a->max_cost;
				continue;
			}
			size_t r = (size_t)(w - 1 - x + d);
			int h = 0;
			for (int b = 0; b < a->nplanes; b++) {
				size_t off = (size_t)b * a->plane_stride;
				h += popcount8(a->lplanes[off + (size_t)x] ^ a->rplanes[off + r]);
			}
			if (a->ad_cap) {
				int ad = abs(a->lrow[x] - a->rrow[r]) >> 1;
				h += ad < a->ad_cap ? ad : a->ad_cap;
			}
			c[d] = (uint8_t)h;
		}
	}
}

/*
 * One step of one path at one pixel: prev points at the D values of the
 * previous pixel on the path; disparities -1 and D read as SGM_GUARD.
 */
static int16_t path_step(const uint8_t *c, const int16_t *prev, int16_t prev_min, int ndisp,
			 int16_t p1, int16_t p2, int16_t *out)
{
	int16_t jump = sgm_adds16(prev_min, p2);
	int16_t m = SGM_GUARD;
	for (int d = 0; d < ndisp; d++) {
		int16_t lo = d > 0 ? prev[d - 1] : SGM_GUARD;
		int16_t hi = d < ndisp - 1 ? prev[d + 1] : SGM_GUARD;
		int16_t t = prev[d];
		int16_t step = sgm_adds16(lo < hi ? lo : hi, p1);
		if (step < t)
			t = step;
		if (jump < t)
			t = jump;
		int16_t v = sgm_adds16(c[d], sgm_subs16(t, prev_min));
		out[d] = v;
		if (v < m)
			m = v;
	}
	return m;
}

static void wta_scalar(const sgm_agg_args *a)
{
	int width = a->width, ndisp = a->ndisp;
	const int16_t *sum = a->sum_out;
	/* For k = W-1-x+d (right pixel x - d): the smallest sum seen so far
	 * and its d; every right pixel is reached at least by d = 0. */
	int16_t *rmin = a->scratch, *rarg = a->scratch + width + ndisp;

	for (int k = 0; k < width + ndisp; k++)
		rmin[k] = SGM_GUARD;
	for (int x = 0; x < width; x++) {
		const int16_t *s = sum + (size_t)x * (size_t)ndisp;
		int b = 0;
		for (int d = 1; d < ndisp; d++)
			if (s[d] < s[b])
				b = d;
		a->best[x] = (uint16_t)b;
		a->minimum[x] = s[b];
		a->disp16[x] = sgm_subpixel(a->subpixel, s, b, ndisp);
		if (a->want_second) {
			int16_t sec = SGM_GUARD;
			for (int d = 0; d < ndisp; d++)
				if ((d < b - 1 || d > b + 1) && s[d] < sec)
					sec = s[d];
			a->second[x] = sec;
		}
		int16_t *rm = rmin + (width - 1 - x);
		int16_t *ra = rarg + (width - 1 - x);
		for (int d = 0; d < ndisp; d++)
			if (s[d] < rm[d]) {
				rm[d] = s[d];
				ra[d] = (int16_t)d;
			}
	}
	for (int xr = 0; xr < width; xr++)
		a->right[xr] = rarg[width - 1 - xr];
}

static void horizontal_row(const sgm_agg_args *a)
{
	int w = a->width, nd = a->ndisp;
	/* A path's previous pixel, starting as the all-zero pixel outside
	 * the image. */
	int16_t prev[256], out[256];

	for (int dir = 1; dir >= -1; dir -= 2) {
		int16_t pmin = 0;
		memset(prev, 0, sizeof prev);
		for (int i = 0; i < w; i++) {
			int x = dir > 0 ? i : w - 1 - i;
			int16_t *sum = a->sum_out + (size_t)x * (size_t)nd;
			pmin = path_step(a->cost + (size_t)x * (size_t)nd, prev, pmin, nd, a->p1,
					 sgm_p2(a, x, x - dir, a->img), out);
			for (int d = 0; d < nd; d++)
				sum[d] = dir > 0 ? out[d] : sgm_adds16(sum[d], out[d]);
			memcpy(prev, out, (size_t)nd * sizeof *out);
		}
	}
}

static void horizontal_scalar(const sgm_agg_args *a, const sgm_agg_args *b)
{
	horizontal_row(a);
	if (b)
		horizontal_row(b);
}

static void vertical_scalar(const sgm_agg_args *a)
{
	int w = a->width, nd = a->ndisp;
	size_t slot = (size_t)nd;
	int16_t out[256];

	for (int x = 0; x < w; x++) {
		const uint8_t *c = a->cost + (size_t)x * (size_t)nd;
		const int16_t *in = a->sum_in + (size_t)x * (size_t)nd;
		int16_t *sum = a->sum_out + (size_t)x * (size_t)nd;
		for (int d = 0; d < nd; d++)
			sum[d] = in[d];
		for (int k = 0; k < 3; k++) {
			const int16_t *prev = a->prev[k] + (size_t)(x + k) * slot;
			a->cur_min[k][x + 1] = path_step(c, prev, a->prev_min[k][x + k], nd, a->p1,
							 sgm_p2(a, x, x + k - 1, a->img_prev), out);
			memcpy(a->cur[k] + (size_t)(x + 1) * slot, out, (size_t)nd * sizeof *out);
			for (int d = 0; d < nd; d++)
				sum[d] = sgm_adds16(sum[d], out[d]);
		}
	}
	if (a->best)
		wta_scalar(a);
}

const sgm_kernels sgm_kernels_scalar = {
    .name = "scalar",
    .census = census_scalar,
    .cost = cost_scalar,
    .horizontal = horizontal_scalar,
    .vertical = vertical_scalar,
};
