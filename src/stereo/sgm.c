/*
 * sgm.c - the semi-global matcher: parameters, buffers, the row-by-row
 * sweeps, post-processing and the worker threads.
 *
 * A frame is matched one row at a time so that the working set of a row
 * (census planes, costs, three path rows of the previous and current row,
 * the sum row) stays in the L2 cache:
 *
 *   5 paths, one top-down sweep; per pair of rows y, y+1:
 *     census + costs of both rows -> the left-to-right and right-to-left
 *     paths of both rows in one loop -> per row, the three paths from the
 *     row above added to them, with the winner-take-all in the same loop.
 *   8 paths, two sweeps:
 *     top-down as above, but the sums of the five paths go to a volume
 *     (H x W x D int16) instead of the winner-take-all;
 *     bottom-up: costs again (cheaper than storing them), the three paths
 *     from below added to the stored sums -> winner-take-all.
 *
 * The horizontal paths are chains of dependent steps (each step needs the
 * minimum of the previous one), so their speed is set by latency; four of
 * them (two directions, two rows) run interleaved. The vertical paths have
 * no such chain within a row and are limited by throughput only.
 *
 * Winner-take-all also keeps, for every right pixel, the disparity with the
 * lowest aggregated cost along its line of sight (left pixels x = xr + d),
 * which gives the right disparity map from the same costs for the
 * left-right check without matching a second time. The check, uniqueness
 * test and sub-pixel step are per pixel and shared by all code paths; so
 * are the speckle filter and hole filling, which need the whole image.
 *
 * Threads: the image is cut into horizontal strips, one per worker. A strip
 * starts its top-down paths SGM_STRIP_MARGIN rows above its first row (and
 * the bottom-up paths as far below its last), so paths crossing a strip
 * border see almost the same history as in one sweep. Workers are started
 * once in ff_sgm_create and woken per frame.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <footfall/sgm.h>

#include "sgm_internal.h"

#define SGM_STRIP_MARGIN 32
#define SGM_ALIGN 64

/* A run of connected valid pixels [x0, x1) of one row, a union-find node;
 * size counts the pixels of the whole region at its root. */
typedef struct sgm_run {
	int32_t parent, size;
	int16_t x0, x1;
} sgm_run;

typedef struct sgm_worker {
	struct ff_sgm *sgm;
	int y0, y1; /* output rows [y0, y1) */
	uint8_t *lplanes, *rplanes;
	uint8_t *cost[2]; /* two rows: the horizontal paths run on pairs of rows */
	int16_t *path[2][3];
	int16_t *pmin[2][3];
	int16_t *sum[2];
	int16_t *vol;	      /* 8 paths: (y1 - y0) rows of sums */
	uint8_t *lrow, *rrow; /* grey rows for the intensity term, rrow reversed */
	uint16_t *best;
	int16_t *minimum, *disp16, *second, *scratch;
	pthread_t thread;
	int started;
} sgm_worker;

struct ff_sgm {
	int w, h;
	ff_sgm_params p;
	const sgm_kernels *k;
	int nbits, nplanes;
	size_t plane_stride; /* W + D */
	int16_t p2_lut[256]; /* P2 by intensity step (p2_adapt > 0) */
	/* Padded, XOR-0x80 copies of the inputs. */
	int8_t *limg, *rimg;
	size_t istride;
	int16_t *rdisp;
	/* Speckle filter work space: up to one run per pixel, and each row's
	 * first run. */
	sgm_run *runs;
	int32_t *row_first;
	/* This frame's output. */
	int16_t *disp;
	size_t dstride;

	int nworkers;
	sgm_worker workers[FF_SGM_MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	unsigned gen;
	int pending;
	int quit;
	int sync_ready;
};

void ff_sgm_params_default(ff_sgm_params *p)
{
	memset(p, 0, sizeof *p);
	p->max_disparity = 64;
	p->census_width = 7;
	p->census_height = 5;
	p->paths = 5;
	p->p1 = 8;
	p->p2 = 120;
	p->p2_adapt = 8;
	p->ad_cap = 16;
	p->uniqueness = 5;
	p->subpixel = FF_SGM_SUBPIXEL_EQUIANGULAR;
	p->lr_max_diff = 1;
	p->speckle_size = 100;
	p->speckle_range = 2;
	p->fill_holes = true;
	p->fill_max_run = 64;
	p->threads = 1;
	p->simd = FF_SGM_SIMD_AUTO;
}

ff_status ff_sgm_params_validate(const ff_sgm_params *p, ff_error *err)
{
	if (!p)
		return ff_error_set(err, FF_ERR_INVALID, "sgm: no parameters");
	if (p->max_disparity < 16 || p->max_disparity > FF_SGM_MAX_DISPARITY)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.max_disparity: %d is outside 16..%d",
				    p->max_disparity, FF_SGM_MAX_DISPARITY);
	if (p->max_disparity % 16)
		return ff_error_set(err, FF_ERR_INVALID,
				    "sgm.max_disparity: %d is not a multiple of 16",
				    p->max_disparity);
	if (p->census_width < 1 || p->census_height < 1 || !(p->census_width & 1) ||
	    !(p->census_height & 1) || p->census_width > 2 * SGM_PAD + 1 ||
	    p->census_height > 2 * SGM_PAD + 1)
		return ff_error_set(err, FF_ERR_INVALID,
				    "sgm.census_width/height: %dx%d must be odd sizes up to %d",
				    p->census_width, p->census_height, 2 * SGM_PAD + 1);
	int bits = p->census_width * p->census_height - 1;
	if (bits < 8 || bits > 64)
		return ff_error_set(err, FF_ERR_INVALID,
				    "sgm.census_width/height: %dx%d gives %d bits, 8..64 allowed",
				    p->census_width, p->census_height, bits);
	if (p->paths != 5 && p->paths != 8)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.paths: %d, must be 5 or 8", p->paths);
	if (p->p1 < 1 || p->p2 <= p->p1 || p->p2 > 1023)
		return ff_error_set(err, FF_ERR_INVALID,
				    "sgm.p1/p2: %d/%d, need 0 < p1 < p2 <= 1023", p->p1, p->p2);
	if (p->p2_adapt < 0 || p->p2_adapt > 255)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.p2_adapt: %d is outside 0..255",
				    p->p2_adapt);
	if (p->ad_cap < 0 || p->ad_cap > 63)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.ad_cap: %d is outside 0..63",
				    p->ad_cap);
	if (p->uniqueness < 0 || p->uniqueness > 99)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.uniqueness: %d is outside 0..99",
				    p->uniqueness);
	if (p->subpixel < FF_SGM_SUBPIXEL_NONE || p->subpixel > FF_SGM_SUBPIXEL_EQUIANGULAR)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.subpixel: unknown mode %d",
				    (int)p->subpixel);
	if (p->lr_max_diff < -1 || p->lr_max_diff > FF_SGM_MAX_DISPARITY)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.lr_max_diff: %d is outside -1..%d",
				    p->lr_max_diff, FF_SGM_MAX_DISPARITY);
	if (p->speckle_size < 0 || p->speckle_range < 0 || p->speckle_range > FF_SGM_MAX_DISPARITY)
		return ff_error_set(err, FF_ERR_INVALID,
				    "sgm.speckle_size/range: %d/%d, need size >= 0 and range 0..%d",
				    p->speckle_size, p->speckle_range, FF_SGM_MAX_DISPARITY);
	if (p->fill_max_run < 1)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.fill_max_run: %d, must be >= 1",
				    p->fill_max_run);
	if (p->threads < 1 || p->threads > FF_SGM_MAX_THREADS)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.threads: %d is outside 1..%d",
				    p->threads, FF_SGM_MAX_THREADS);
	if (p->simd < FF_SGM_SIMD_AUTO || p->simd > FF_SGM_SIMD_AVX512)
		return ff_error_set(err, FF_ERR_INVALID, "sgm.simd: unknown level %d",
				    (int)p->simd);
	return FF_OK;
}

/* ---- Code path selection ---------------------------------------------- */

bool ff_sgm_simd_supported(ff_sgm_simd simd)
{
	switch (simd) {
	case FF_SGM_SIMD_AUTO:
	case FF_SGM_SIMD_SCALAR:
		return true;
#ifdef SGM_X86
	case FF_SGM_SIMD_SSE2:
		return __builtin_cpu_supports("sse2");
	case FF_SGM_SIMD_SSE41:
		return __builtin_cpu_supports("sse4.1");
	case FF_SGM_SIMD_AVX2:
		return __builtin_cpu_supports("avx2");
	case FF_SGM_SIMD_AVX512:
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#else
	case FF_SGM_SIMD_SSE2:
	case FF_SGM_SIMD_SSE41:
	case FF_SGM_SIMD_AVX2:
	case FF_SGM_SIMD_AVX512:
		return false;
#endif
	}
	return false;
}

static const sgm_kernels *kernels_for(ff_sgm_simd simd)
{
#ifdef SGM_X86
	if (simd == FF_SGM_SIMD_AUTO) {
		if (ff_sgm_simd_supported(FF_SGM_SIMD_AVX512))
			return &sgm_kernels_avx512;
		if (ff_sgm_simd_supported(FF_SGM_SIMD_AVX2))
			return &sgm_kernels_avx2;
		if (ff_sgm_simd_supported(FF_SGM_SIMD_SSE41))
			return &sgm_kernels_sse41;
		return &sgm_kernels_sse2;
	}
	if (simd == FF_SGM_SIMD_SSE2)
		return &sgm_kernels_sse2;
	if (simd == FF_SGM_SIMD_SSE41)
		return &sgm_kernels_sse41;
	if (simd == FF_SGM_SIMD_AVX2)
		return &sgm_kernels_avx2;
	if (simd == FF_SGM_SIMD_AVX512)
		return &sgm_kernels_avx512;
#else
	(void)simd;
#endif
	return &sgm_kernels_scalar;
}

const char *ff_sgm_simd_name(const ff_sgm *sgm)
{
	return sgm->k->name;
}

/* ---- Memory ------------------------------------------------------------ */

static void *alloc_aligned(size_t n)
{
	size_t rounded = (n + SGM_ALIGN - 1) / SGM_ALIGN * SGM_ALIGN;
	if (!rounded)
		rounded = SGM_ALIGN;
	void *p = aligned_alloc(SGM_ALIGN, rounded);
	if (p)
		memset(p, 0, rounded);
	return p;
}

static void worker_free(sgm_worker *wk)
{
	free(wk->lplanes);
	free(wk->rplanes);
	for (int r = 0; r < 2; r++) {
		free(wk->cost[r]);
		free(wk->sum[r]);
	}
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 3; k++) {
			free(wk->path[i][k]);
			free(wk->pmin[i][k]);
		}
	free(wk->vol);
	free(wk->lrow);
	free(wk->rrow);
	free(wk->best);
	free(wk->minimum);
	free(wk->disp16);
	free(wk->second);
	free(wk->scratch);
}

static int worker_alloc(ff_sgm *s, sgm_worker *wk)
{
	size_t w = (size_t)s->w, nd = (size_t)s->p.max_disparity;
	size_t planes = (size_t)s->nplanes * s->plane_stride;

	wk->sgm = s;
	wk->lplanes = alloc_aligned(planes);
	wk->rplanes = alloc_aligned(planes);
	for (int r = 0; r < 2; r++) {
		wk->cost[r] = alloc_aligned(w * nd);
		wk->sum[r] = alloc_aligned(w * nd * sizeof(int16_t));
		if (!wk->cost[r] || !wk->sum[r])
			return -1;
	}
	wk->lrow = alloc_aligned(w + nd);
	wk->rrow = alloc_aligned(w + nd);
	wk->best = alloc_aligned(w * sizeof(uint16_t));
	wk->minimum = alloc_aligned(w * sizeof(int16_t));
	wk->disp16 = alloc_aligned(w * sizeof(int16_t));
	wk->second = alloc_aligned(w * sizeof(int16_t));
	wk->scratch = alloc_aligned(2 * (w + nd) * sizeof(int16_t));
	if (!wk->lplanes || !wk->rplanes || !wk->lrow || !wk->rrow || !wk->best || !wk->minimum ||
	    !wk->disp16 || !wk->second || !wk->scratch)
		return -1;
	for (int i = 0; i < 2; i++)
		for (int k = 0; k < 3; k++) {
			wk->path[i][k] =
			    alloc_aligned(((w + 2) * nd + 2 * SGM_PATH_MARGIN) * sizeof(int16_t));
			wk->pmin[i][k] = alloc_aligned((w + 2) * sizeof(int16_t));
			if (!wk->path[i][k] || !wk->pmin[i][k])
				return -1;
		}
	if (s->p.paths == 8) {
		wk->vol = alloc_aligned((size_t)(wk->y1 - wk->y0) * w * nd * sizeof(int16_t));
		if (!wk->vol)
			return -1;
	}
	return 0;
}

/* ---- One strip ---------------------------------------------------------- */

/* Census and costs of row y into cost row `slot`. */
static void row_costs(ff_sgm *s, sgm_worker *wk, int y, int slot)
{
	const int8_t *l = s->limg + (size_t)(y + SGM_PAD) * s->istride + SGM_PAD;
	const int8_t *r = s->rimg + (size_t)(y + SGM_PAD) * s->istride + SGM_PAD;
	int w = s->w, cw = s->p.census_width, ch = s->p.census_height;

	s->k->census(l, s->istride, w, cw, ch, wk->lplanes, s->plane_stride, 0);
	s->k->census(r, s->istride, w, cw, ch, wk->rplanes, s->plane_stride, 1);
	if (s->p.ad_cap)
		for (int x = 0; x < w; x++) {
			wk->lrow[x] = (uint8_t)(l[x] ^ 0x80);
			wk->rrow[w - 1 - x] = (uint8_t)(r[x] ^ 0x80);
		}
	sgm_cost_args a = {
	    .lplanes = wk->lplanes,
	    .rplanes = wk->rplanes,
	    .plane_stride = s->plane_stride,
	    .nplanes = s->nplanes,
	    .lrow = wk->lrow,
	    .rrow = wk->rrow,
	    .ad_cap = s->p.ad_cap,
	    .max_cost = s->nbits + s->p.ad_cap,
	    .width = w,
	    .ndisp = s->p.max_disparity,
	    .cost = wk->cost[slot],
	};
	s->k->cost(&a);
}

/* Forgets the previous row: every vertical path restarts at the next row. */
static void paths_reset(ff_sgm *s, sgm_worker *wk)
{
	size_t nd = (size_t)s->p.max_disparity;
	for (int k = 0; k < 3; k++) {
		int16_t *p = wk->path[0][k] + SGM_PATH_MARGIN;
		memset(p, 0, ((size_t)s->w + 2) * nd * sizeof *p);
		memset(wk->pmin[0][k], 0, ((size_t)s->w + 2) * sizeof(int16_t));
	}
}

/* Arguments of the aggregation kernels for row y, whose costs are in cost
 * row r; ydir is the sweep's direction (+1 top-down, -1 bottom-up), flip
 * picks the path row buffers. */
static void agg_setup(ff_sgm *s, sgm_worker *wk, sgm_agg_args *a, int y, int r, int ydir, int flip)
{
	memset(a, 0, sizeof *a);
	a->cost = wk->cost[r];
	a->width = s->w;
	a->ndisp = s->p.max_disparity;
	a->p1 = (int16_t)s->p.p1;
	a->p2 = (int16_t)s->p.p2;
	a->p2_lut = s->p.p2_adapt ? s->p2_lut : NULL;
	a->img = s->limg + (size_t)(y + SGM_PAD) * s->istride + SGM_PAD;
	a->img_prev = a->img - (ptrdiff_t)ydir * (ptrdiff_t)s->istride;
	for (int k = 0; k < 3; k++) {
		a->prev[k] = wk->path[flip][k] + SGM_PATH_MARGIN;
		a->cur[k] = wk->path[flip ^ 1][k] + SGM_PATH_MARGIN;
		a->prev_min[k] = wk->pmin[flip][k];
		a->cur_min[k] = wk->pmin[flip ^ 1][k];
	}
}

/* Whether the right pixel that left pixel x matches at integer disparity d
 * points back within lr pixels (written to compile without branches). */
static int lr_consistent(const int16_t *rd, int x, int d, int lr)
{
	int xr = x - d;
	int r = rd[xr > 0 ? xr : 0];
	int diff = r - d;
	return (xr >= 0) & (r >= 0) & (diff <= lr) & (-diff <= lr);
}

/*
 * Uniqueness, the slow path: the kernels give the minimum outside
 * d-1..d+1, which settles almost every pixel; when that test fails, the
 * competitor may still be the flank of the best's own valley (census costs
 * make wide valleys), so the test is redone against the minimum outside the
 * whole valley around the best, i.e. the best of the other local minima.
 */
static int unique_valley(const int16_t *sum, int nd, int b, int uniq)
{
	int lo = b, hi = b;
	while (lo > 0 && sum[lo - 1] >= sum[lo])
		lo--;
	while (hi < nd - 1 && sum[hi + 1] >= sum[hi])
		hi++;
	int m = SGM_GUARD;
	for (int d = 0; d < lo; d++)
		m = sum[d] < m ? sum[d] : m;
	for (int d = hi + 1; d < nd; d++)
		m = sum[d] < m ? sum[d] : m;
	return (int32_t)m * (100 - uniq) >= (int32_t)sum[b] * 100;
}

/* Turns the winner-take-all of row y (sums in row r) into its output row:
 * left-right check and uniqueness on the kernels' sub-pixel disparities.
 * The check accepts the pixel when either integer neighbour of its
 * sub-pixel disparity is consistent: a disparity halfway between two
 * integers legitimately rounds either way. The common path has no
 * data-dependent branches: their outcomes are random across pixels, and
 * mispredictions dominated this loop. */
static void finish_row(ff_sgm *s, sgm_worker *wk, int y, int r)
{
	int w = s->w, nd = s->p.max_disparity;
	const int16_t *rd = s->rdisp + (size_t)y * (size_t)w;
	int16_t *out = s->disp + (size_t)y * s->dstride;
	int uniq = s->p.uniqueness, lr = s->p.lr_max_diff;

	for (int x = 0; x < w; x++) {
		int b = wk->best[x], d16 = wk->disp16[x];
		int ok = b <= x;
		if (lr >= 0)
			ok &= lr_consistent(rd, x, d16 >> 4, lr) |
			      lr_consistent(rd, x, (d16 + FF_SGM_DISP_SCALE - 1) >> 4, lr);
		if (ok && uniq && (int32_t)wk->second[x] * (100 - uniq) < wk->minimum[x] * 100)
			ok = unique_valley(wk->sum[r] + (size_t)x * (size_t)nd, nd, b, uniq);
		out[x] = ok ? (int16_t)d16 : FF_SGM_INVALID;
	}
}

static void wta_setup(ff_sgm *s, sgm_worker *wk, sgm_agg_args *a, int y)
{
	a->best = wk->best;
	a->minimum = wk->minimum;
	a->disp16 = wk->disp16;
	a->subpixel = (int)s->p.subpixel;
	a->want_second = s->p.uniqueness > 0;
	a->second = wk->second;
	a->right = s->rdisp + (size_t)y * (size_t)s->w;
	a->scratch = wk->scratch;
}

/*
 * The top-down sweep over rows [from, wk->y1): the horizontal paths of two
 * rows at a time (four independent dependency chains keep the core busy),
 * then each row's three paths from above. With 5 paths the row is then
 * finished; with 8 its sums go to the volume for the bottom-up sweep.
 */
static void sweep_down(ff_sgm *s, sgm_worker *wk, int from)
{
	size_t row = (size_t)s->w * (size_t)s->p.max_disparity;
	int flip = 0, eight = s->p.paths == 8;
	sgm_agg_args h[2], a;

	paths_reset(s, wk);
	for (int y = from; y < wk->y1; y += 2) {
		int n = y + 1 < wk->y1 ? 2 : 1;
		for (int r = 0; r < n; r++) {
			row_costs(s, wk, y + r, r);
			agg_setup(s, wk, &h[r], y + r, r, +1, 0);
			h[r].sum_out = wk->sum[r];
		}
		s->k->horizontal(&h[0], n == 2 ? &h[1] : NULL);
		for (int r = 0; r < n; r++) {
			int yy = y + r, out = yy >= wk->y0;
			agg_setup(s, wk, &a, yy, r, +1, flip);
			a.sum_in = wk->sum[r];
			a.sum_out =
			    eight && out ? wk->vol + (size_t)(yy - wk->y0) * row : wk->sum[r];
			if (!eight && out)
				wta_setup(s, wk, &a, yy);
			s->k->vertical(&a);
			if (!eight && out)
				finish_row(s, wk, yy, r);
			flip ^= 1;
		}
	}
}

/* The bottom-up sweep of 8 paths: the three paths from below added to the
 * stored sums; rows below the strip only start the paths (their sums are
 * not used). */
static void sweep_up(ff_sgm *s, sgm_worker *wk)
{
	size_t row = (size_t)s->w * (size_t)s->p.max_disparity;
	int end = wk->y1 + SGM_STRIP_MARGIN > s->h ? s->h : wk->y1 + SGM_STRIP_MARGIN;
	int flip = 0;
	sgm_agg_args a;

	paths_reset(s, wk);
	for (int y = end - 1; y >= wk->y0; y--) {
		row_costs(s, wk, y, 0);
		agg_setup(s, wk, &a, y, 0, -1, flip);
		a.sum_in = y < wk->y1 ? wk->vol + (size_t)(y - wk->y0) * row : wk->sum[0];
		a.sum_out = wk->sum[0];
		if (y < wk->y1)
			wta_setup(s, wk, &a, y);
		s->k->vertical(&a);
		if (y < wk->y1)
			finish_row(s, wk, y, 0);
		flip ^= 1;
	}
}

static void strip_run(sgm_worker *wk)
{
	ff_sgm *s = wk->sgm;
	sweep_down(s, wk, wk->y0 - SGM_STRIP_MARGIN < 0 ? 0 : wk->y0 - SGM_STRIP_MARGIN);
	if (s->p.paths == 8)
		sweep_up(s, wk);
}

/* ---- Worker threads ----------------------------------------------------- */

static void *worker_main(void *arg)
{
	sgm_worker *wk = arg;
	ff_sgm *s = wk->sgm;
	unsigned seen = 0;

	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (!s->quit && s->gen == seen)
			pthread_cond_wait(&s->go, &s->mu);
		if (s->quit) {
			pthread_mutex_unlock(&s->mu);
			return NULL;
		}
		seen = s->gen;
		pthread_mutex_unlock(&s->mu);

		strip_run(wk);

		pthread_mutex_lock(&s->mu);
		if (--s->pending == 0)
			pthread_cond_signal(&s->done);
		pthread_mutex_unlock(&s->mu);
	}
}

static void run_strips(ff_sgm *s)
{
	if (s->nworkers == 1) {
		strip_run(&s->workers[0]);
		return;
	}
	pthread_mutex_lock(&s->mu);
	s->pending = s->nworkers - 1;
	s->gen++;
	pthread_cond_broadcast(&s->go);
	pthread_mutex_unlock(&s->mu);

	strip_run(&s->workers[0]);

	pthread_mutex_lock(&s->mu);
	while (s->pending)
		pthread_cond_wait(&s->done, &s->mu);
	pthread_mutex_unlock(&s->mu);
}

static void stop_workers(ff_sgm *s)
{
	if (!s->sync_ready)
		return;
	pthread_mutex_lock(&s->mu);
	s->quit = 1;
	pthread_cond_broadcast(&s->go);
	pthread_mutex_unlock(&s->mu);
	for (int i = 1; i < s->nworkers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	pthread_cond_destroy(&s->go);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->mu);
}

static ff_status start_workers(ff_sgm *s, ff_error *err)
{
	if (s->nworkers == 1)
		return FF_OK;
	if (pthread_mutex_init(&s->mu, NULL))
		return ff_error_set(err, FF_ERR_NOMEM, "sgm: cannot create a mutex");
	if (pthread_cond_init(&s->go, NULL)) {
		pthread_mutex_destroy(&s->mu);
		return ff_error_set(err, FF_ERR_NOMEM, "sgm: cannot create a condition variable");
	}
	if (pthread_cond_init(&s->done, NULL)) {
		pthread_cond_destroy(&s->go);
		pthread_mutex_destroy(&s->mu);
		return ff_error_set(err, FF_ERR_NOMEM, "sgm: cannot create a condition variable");
	}
	s->sync_ready = 1;
	for (int i = 1; i < s->nworkers; i++) {
		int rc = pthread_create(&s->workers[i].thread, NULL, worker_main, &s->workers[i]);
		if (rc)
			return ff_error_set(err, FF_ERR_NOMEM, "sgm: cannot start worker %d: %s", i,
					    strerror(rc));
		s->workers[i].started = 1;
	}
	return FF_OK;
}

/* ---- Public API --------------------------------------------------------- */

void ff_sgm_destroy(ff_sgm *sgm)
{
	if (!sgm)
		return;
	stop_workers(sgm);
	for (int i = 0; i < sgm->nworkers; i++)
		worker_free(&sgm->workers[i]);
	free(sgm->limg);
	free(sgm->rimg);
	free(sgm->rdisp);
	free(sgm->runs);
	free(sgm->row_first);
	free(sgm);
}

ff_status ff_sgm_create(int width, int height, const ff_sgm_params *params, ff_sgm **out,
			ff_error *err)
{
	if (!out)
		return ff_error_set(err, FF_ERR_INVALID, "sgm: no output handle");
	*out = NULL;
	ff_status st = ff_sgm_params_validate(params, err);
	if (st)
		return st;
	if (width < 1 || height < 1 || width > FF_SGM_MAX_SIZE || height > FF_SGM_MAX_SIZE)
		return ff_error_set(err, FF_ERR_SIZE, "sgm: image size %dx%d is outside 1..%d",
				    width, height, FF_SGM_MAX_SIZE);
	if (width <= params->max_disparity)
		return ff_error_set(err, FF_ERR_SIZE,
				    "sgm: image width %d must exceed max_disparity %d", width,
				    params->max_disparity);
	if (!ff_sgm_simd_supported(params->simd))
		return ff_error_set(err, FF_ERR_UNSUPPORTED,
				    "sgm.simd: this build or CPU cannot run level %d",
				    (int)params->simd);

	ff_sgm *s = calloc(1, sizeof *s);
	if (!s)
		return ff_error_set(err, FF_ERR_NOMEM, "sgm: out of memory");
	s->w = width;
	s->h = height;
	s->p = *params;
	s->k = kernels_for(params->simd);
	s->nbits = params->census_width * params->census_height - 1;
	s->nplanes = (s->nbits + 7) / 8;
	s->plane_stride = (size_t)width + (size_t)params->max_disparity;
	s->istride = (size_t)width + 2 * SGM_PAD;
	/* P2 / (1 + step / p2_adapt), never below P1 + 1. */
	for (int i = 0; i < 256; i++) {
		int v = params->p2_adapt ? params->p2 * params->p2_adapt / (params->p2_adapt + i)
					 : params->p2;
		s->p2_lut[i] = (int16_t)(v > params->p1 ? v : params->p1 + 1);
	}

	int n = params->threads;
	if (n > (height + 15) / 16)
		n = (height + 15) / 16;
	s->nworkers = n;
	int rows = (height + n - 1) / n;
	for (int i = 0; i < n; i++) {
		s->workers[i].y0 = i * rows < height ? i * rows : height;
		s->workers[i].y1 = (i + 1) * rows < height ? (i + 1) * rows : height;
	}

	size_t px = (size_t)width * (size_t)height;
	size_t padded = s->istride * ((size_t)height + 2 * SGM_PAD);
	s->limg = alloc_aligned(padded);
	s->rimg = alloc_aligned(padded);
	s->rdisp = alloc_aligned(px * sizeof *s->rdisp);
	s->runs = alloc_aligned(px * sizeof *s->runs);
	s->row_first = alloc_aligned(((size_t)height + 1) * sizeof *s->row_first);
	int bad = !s->limg || !s->rimg || !s->rdisp || !s->runs || !s->row_first;
	for (int i = 0; i < n && !bad; i++)
		bad = worker_alloc(s, &s->workers[i]) != 0;
	if (bad) {
		ff_sgm_destroy(s);
		return ff_error_set(err, FF_ERR_NOMEM,
				    "sgm: out of memory for %dx%d images with %d disparities",
				    width, height, params->max_disparity);
	}
	st = start_workers(s, err);
	if (st) {
		ff_sgm_destroy(s);
		return st;
	}
	*out = s;
	return FF_OK;
}

/* Copies an input into its padded buffer: borders replicate the edge
 * pixels, every byte is XORed with 0x80 (see sgm_internal.h). */
static void pad_image(const ff_sgm *s, const uint8_t *src, size_t stride, int8_t *dst)
{
	size_t w = (size_t)s->w;
	for (int y = -SGM_PAD; y < s->h + SGM_PAD; y++) {
		int sy = y < 0 ? 0 : y >= s->h ? s->h - 1 : y;
		const uint8_t *in = src + (size_t)sy * stride;
		int8_t *o = dst + (size_t)(y + SGM_PAD) * s->istride;
		for (int x = 0; x < SGM_PAD; x++) {
			o[x] = (int8_t)(in[0] ^ 0x80);
			o[SGM_PAD + w + (size_t)x] = (int8_t)(in[w - 1] ^ 0x80);
		}
		for (size_t x = 0; x < w; x++)
			o[SGM_PAD + x] = (int8_t)(in[x] ^ 0x80);
	}
}

/*
 * Speckle filter: 4-connected regions of valid pixels whose neighbours
 * differ by at most `range` (fixed point); regions under `size` pixels are
 * invalidated. Each row is cut into runs (neighbours along the row
 * connected); runs of consecutive rows that touch through a connected pair
 * of pixels are joined with union-find (by size, path halving). Almost every
 * pixel costs one comparison with its left and one with its upper
 * neighbour, and the scan is sequential, which beats a flood fill.
 */
static int32_t run_root(sgm_run *runs, int32_t i)
{
	while (runs[i].parent != i) {
		runs[i].parent = runs[runs[i].parent].parent;
		i = runs[i].parent;
	}
	return i;
}

static void speckle_filter(ff_sgm *s, int16_t *disp, size_t stride, int size, int range)
{
	int w = s->w, h = s->h;
	sgm_run *runs = s->runs;
	int32_t *first = s->row_first, n = 0;

	for (int y = 0; y < h; y++) {
		const int16_t *row = disp + (size_t)y * stride;
		first[y] = n;
		for (int x = 0; x < w;) {
			if (row[x] < 0) {
				x++;
				continue;
			}
			int x0 = x++;
			while (x < w && row[x] >= 0 && abs(row[x] - row[x - 1]) <= range)
				x++;
			runs[n] = (sgm_run){
			    .parent = n, .size = x - x0, .x0 = (int16_t)x0, .x1 = (int16_t)x};
			n++;
		}
	}
	first[h] = n;
	for (int y = 1; y < h; y++) {
		const int16_t *row = disp + (size_t)y * stride, *up = row - stride;
		int32_t i = first[y - 1], j = first[y];
		while (i < first[y] && j < first[y + 1]) {
			int lo = runs[i].x0 > runs[j].x0 ? runs[i].x0 : runs[j].x0;
			int hi = runs[i].x1 < runs[j].x1 ? runs[i].x1 : runs[j].x1;
			int32_t ri = lo < hi ? run_root(runs, i) : 0,
				rj = lo < hi ? run_root(runs, j) : 0;
			for (int x = lo; x < hi && ri != rj; x++)
				if (abs(row[x] - up[x]) <= range) {
					if (runs[ri].size < runs[rj].size) {
						int32_t t = ri;
						ri = rj;
						rj = t;
					}
					runs[rj].parent = ri;
					runs[ri].size += runs[rj].size;
					rj = ri;
				}
			if (runs[i].x1 < runs[j].x1)
				i++;
			else
				j++;
		}
	}
	for (int y = 0; y < h; y++) {
		int16_t *row = disp + (size_t)y * stride;
		for (int32_t i = first[y]; i < first[y + 1]; i++)
			if (runs[run_root(runs, i)].size < size)
				for (int x = runs[i].x0; x < runs[i].x1; x++)
					row[x] = FF_SGM_INVALID;
	}
}

ff_status ff_sgm_compute(ff_sgm *sgm, const uint8_t *left, size_t left_stride, const uint8_t *right,
			 size_t right_stride, int16_t *disp, size_t disp_stride, ff_error *err)
{
	if (!sgm || !left || !right || !disp)
		return ff_error_set(err, FF_ERR_INVALID, "sgm: NULL %s",
				    !sgm     ? "matcher"
				    : !left  ? "left image"
				    : !right ? "right image"
					     : "output");
	size_t w = (size_t)sgm->w;
	if (left_stride < w || right_stride < w || disp_stride < w)
		return ff_error_set(err, FF_ERR_SIZE,
				    "sgm: strides %zu/%zu/%zu are smaller than the width %zu",
				    left_stride, right_stride, disp_stride, w);
	pad_image(sgm, left, left_stride, sgm->limg);
	pad_image(sgm, right, right_stride, sgm->rimg);
	sgm->disp = disp;
	sgm->dstride = disp_stride;
	run_strips(sgm);
	if (sgm->p.speckle_size > 0)
		speckle_filter(sgm, disp, disp_stride, sgm->p.speckle_size,
			       sgm->p.speckle_range * FF_SGM_DISP_SCALE);
	if (sgm->p.fill_holes)
		ff_sgm_fill_holes(disp, disp_stride, sgm->w, sgm->h, sgm->p.fill_max_run);
	return FF_OK;
}

ff_status ff_sgm_filter_speckles(ff_sgm *sgm, int16_t *disp, size_t disp_stride, ff_error *err)
{
	if (!sgm || !disp)
		return ff_error_set(err, FF_ERR_INVALID, "sgm speckles: NULL %s",
				    !sgm ? "matcher" : "disparity");
	if (disp_stride < (size_t)sgm->w)
		return ff_error_set(err, FF_ERR_SIZE,
				    "sgm speckles: stride %zu is below the width %d", disp_stride,
				    sgm->w);
	if (sgm->p.speckle_size > 0)
		speckle_filter(sgm, disp, disp_stride, sgm->p.speckle_size,
			       sgm->p.speckle_range * FF_SGM_DISP_SCALE);
	return FF_OK;
}

const int16_t *ff_sgm_right_disparity(const ff_sgm *sgm)
{
	return sgm->rdisp;
}

/* ---- Conversions -------------------------------------------------------- */

void ff_sgm_fill_holes(int16_t *disp, size_t disp_stride, int width, int height, int max_run)
{
	for (int y = 0; y < height; y++) {
		int16_t *row = disp + (size_t)y * disp_stride;
		int x = 0;
		while (x < width) {
			if (row[x] >= 0) {
				x++;
				continue;
			}
			int x0 = x;
			while (x < width && row[x] < 0)
				x++;
			if (x - x0 > max_run)
				continue;
			int16_t lv = x0 > 0 ? row[x0 - 1] : -1;
			int16_t rv = x < width ? row[x] : -1;
			int16_t v = lv < 0 ? rv : rv < 0 ? lv : lv < rv ? lv : rv;
			if (v < 0)
				continue;
			for (int i = x0; i < x; i++)
				row[i] = v;
		}
	}
}

void ff_sgm_to_float(const int16_t *disp, size_t disp_stride, int width, int height, float invalid,
		     float *out, size_t out_stride)
{
	for (int y = 0; y < height; y++)
		for (int x = 0; x < width; x++)
			out[(size_t)y * out_stride + (size_t)x] = ff_sgm_disp_to_float(
			    disp[(size_t)y * disp_stride + (size_t)x], invalid);
}

ff_status ff_sgm_depth_u16(const int16_t *disp, size_t disp_stride, int width, int height,
			   double focal_px, double baseline_m, double depth_scale, uint16_t *depth,
			   size_t depth_stride, ff_error *err)
{
	if (!disp || !depth)
		return ff_error_set(err, FF_ERR_INVALID, "sgm depth: NULL %s",
				    !disp ? "disparity" : "depth");
	if (width < 1 || height < 1 || disp_stride < (size_t)width || depth_stride < (size_t)width)
		return ff_error_set(err, FF_ERR_SIZE, "sgm depth: bad size %dx%d or stride", width,
				    height);
	if (!(focal_px > 0) || !(baseline_m > 0) || !(depth_scale > 0) || !isfinite(focal_px) ||
	    !isfinite(baseline_m) || !isfinite(depth_scale))
		return ff_error_set(err, FF_ERR_INVALID,
				    "sgm depth: focal %g px, baseline %g m and depth scale %g must "
				    "be positive",
				    focal_px, baseline_m, depth_scale);
	/* z * scale = f * B * scale * 16 / d16; one division per pixel. */
	double k = focal_px * baseline_m * depth_scale * FF_SGM_DISP_SCALE;
	for (int y = 0; y < height; y++) {
		const int16_t *d = disp + (size_t)y * disp_stride;
		uint16_t *z = depth + (size_t)y * depth_stride;
		for (int x = 0; x < width; x++) {
			double v = d[x] > 0 ? k / d[x] + 0.5 : 0.0;
			z[x] = v >= 1.0 && v < 65536.0 ? (uint16_t)v : 0;
		}
	}
	return FF_OK;
}
