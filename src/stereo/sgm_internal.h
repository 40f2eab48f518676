/*
 * sgm_internal.h - the row kernels of the semi-global matcher and the layout
 * of the buffers they share.
 *
 * sgm.c drives the matcher one image row at a time; everything that touches
 * every (pixel, disparity) pair is a kernel behind the function table below,
 * implemented once in portable C (sgm_scalar.c, the reference) and once per
 * x86 SIMD level (sgm_sse2.c, sgm_sse41.c, sgm_avx2.c, sgm_avx512.c, which
 * share the body sgm_simd_body.h). All kernels use integer arithmetic only and the same
 * tie-breaking, so every table gives bit-identical results; a NEON table
 * would slot in the same way.
 *
 * Buffers (D = max_disparity, a multiple of 16; W = width):
 *  - padded image: the input copied with SGM_PAD replicated pixels on every
 *    side and each byte XORed with 0x80, so that comparing bytes as signed
 *    int8 orders them like the original uint8 (SSE2 only compares signed);
 *    absolute differences are unchanged by the XOR;
 *  - census planes: a code of up to 64 bits is stored as byte planes, plane b
 *    holding bits 8b..8b+7 of every pixel of a row. The right image's planes
 *    are stored reversed (index W-1-x) with D bytes of padding, so that the
 *    right pixels x-d for d = 0, 1, 2, ... are consecutive bytes; the right
 *    image row used by the intensity term is reversed the same way;
 *  - cost row: uint8, cost[x*D + d] = Hamming distance of the census codes
 *    plus min(|IL - IR| / 2, ad_cap), or the largest possible cost when x - d
 *    falls outside the right image;
 *  - path rows: int16, W+2 slots of D values; slot 0 and W+1 stand for
 *    x = -1 and x = W and stay zero, which makes a path entering the image
 *    start from its cost. Disparities -1 and D read as SGM_GUARD. The
 *    kernels get the values at d-1 and d+1 either from the registers
 *    holding d (lane shifts) or, where shifts are dear (AVX2 lanes), by
 *    unaligned loads, which may read SGM_PATH_MARGIN values beyond either
 *    end of the row. Each path row has a min row: the minimum over d of
 *    every slot;
 *  - sum row: int16, sum[x*D + d], aggregated cost over all paths.
 *
 * Aggregated values stay far below SGM_GUARD: a path value is at most
 * max cost + P2 (< 1200) and a sum of 8 paths below 10000, so the saturating
 * int16 arithmetic never actually saturates outside the guards.
 */
#ifndef FOOTFALL_SGM_INTERNAL_H
#define FOOTFALL_SGM_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define SGM_PAD 8	   /* replicated border of the padded images */
#define SGM_GUARD 0x7fff   /* never chosen by min() after adding P1 */
#define SGM_PATH_MARGIN 32 /* int16 values readable around a path row */

/* Arguments of one cost call over one row. */
typedef struct sgm_cost_args {
	const uint8_t *lplanes, *rplanes; /* rplanes reversed, see above */
	size_t plane_stride;
	int nplanes;
	const uint8_t *lrow, *rrow; /* grey rows, rrow reversed like rplanes */
	int ad_cap;		    /* 0: census only */
	int max_cost;		    /* census bits + ad_cap */
	int width, ndisp;
	uint8_t *cost;
} sgm_cost_args;

/* Arguments of the aggregation kernels over one row. */
typedef struct sgm_agg_args {
	const uint8_t *cost;
	int width, ndisp;
	int16_t p1, p2;
	/* P2 adapted to the intensity step along the path: p2_lut[|I(p) -
	 * I(p - r)|]; NULL = constant p2. img is this row, img_prev the previous
	 * row of the sweep (vertical paths), both padded (x = -1 and x = W
	 * readable). */
	const int16_t *p2_lut;
	const int8_t *img, *img_prev;
	/* vertical paths: prev[k] is read, cur[k] written; path k comes from
	 * slot x + k of prev (k = 0: from x-1, 1: straight, 2: from x+1); the
	 * pointers point at slot 0 (x = -1), slots are D values apart. */
	const int16_t *prev[3];
	int16_t *cur[3];
	const int16_t *prev_min[3]; /* W+2 entries, index x+1 */
	int16_t *cur_min[3];
	const int16_t *sum_in; /* vertical: added to the three paths */
	int16_t *sum_out;      /* may equal sum_in */
	/* Winner-take-all over the vertical kernel's sums when best is not
	 * NULL: best[x] = lowest d of the minimum, minimum[x] = its sum,
	 * disp16[x] = best refined to 1/16 pixel by sgm_subpixel (mode
	 * subpixel); if want_second, second[x] = minimum over |d - best| > 1;
	 * right[xr] = the right image's
	 * disparity, the d of the smallest sum along the right pixel's line of
	 * sight (left pixels xr + d), lowest d on ties. scratch: 2 * (W + D)
	 * values of work space. */
	uint16_t *best;
	int16_t *minimum, *disp16;
	int subpixel; /* an ff_sgm_subpixel */
	int want_second;
	int16_t *second;
	int16_t *right;
	int16_t *scratch;
} sgm_agg_args;

typedef struct sgm_kernels {
	const char *name;
	/* Census of one row of the padded image (img points at the row's x = 0
	 * pixel) into byte planes of plane_stride bytes; reversed stores pixel
	 * x at index width-1-x. Bit order: the window in raster order without
	 * its centre; a bit is set when the neighbour is darker. */
	void (*census)(const int8_t *img, size_t img_stride, int width, int cw, int ch,
		       uint8_t *planes, size_t plane_stride, int reversed);
	void (*cost)(const sgm_cost_args *a);
	/* sum_out = left-to-right path + right-to-left path, for row a and,
	 * if b is not NULL, row b. All paths are computed in one loop (x and
	 * W-1-x together): each path is a chain of dependent steps whose
	 * latency only interleaving several chains hides. */
	void (*horizontal)(const sgm_agg_args *a, const sgm_agg_args *b);
	/* sum_out = sum_in + the three paths from the previous row, plus the
	 * winner-take-all when best is set. */
	void (*vertical)(const sgm_agg_args *a);
} sgm_kernels;

extern const sgm_kernels sgm_kernels_scalar;
#if defined(__x86_64__) || defined(__i386__)
#define SGM_X86 1
extern const sgm_kernels sgm_kernels_sse2;
extern const sgm_kernels sgm_kernels_sse41;
extern const sgm_kernels sgm_kernels_avx2;
extern const sgm_kernels sgm_kernels_avx512;
#endif

/* Saturating int16 addition and subtraction, as _mm_adds/subs_epi16. */
static inline int16_t sgm_adds16(int a, int b)
{
	int s = a + b;
	return (int16_t)(s > INT16_MAX ? INT16_MAX : s < INT16_MIN ? INT16_MIN : s);
}

static inline int16_t sgm_subs16(int a, int b)
{
	return sgm_adds16(a, -b);
}

/*
 * Sub-pixel disparity in 1/16 pixel of best disparity b with sums s (mode:
 * 0 none, 1 parabola, 2 equiangular, as ff_sgm_subpixel), rounded to
 * nearest with halves away from zero; never negative (b = 0 is not
 * refined). Every kernel calls this one function, in the winner-take-all
 * where its division overlaps with vector work. The quotient is computed in
 * float, faster than an integer division and exact here: |num| < 2^20 and
 * den < 2^17, so the float quotient never lands on the other side of a
 * half. Flat curves (den 0) have num 0 too.
 */
static inline int16_t sgm_subpixel(int mode, const int16_t *s, int b, int ndisp)
{
	if (!mode || b == 0 || b == ndisp - 1)
		return (int16_t)(16 * b);
	int a = s[b - 1] - s[b], c = s[b + 1] - s[b];
	int den = mode == 1 ? 2 * (a + c) : 2 * (a > c ? a : c);
	int num = 16 * (a - c);
	int sign = num < 0 ? -1 : 0;
	int mag = (int)((float)((num ^ sign) - sign) / (float)(den > 0 ? den : 1) + 0.5f);
	return (int16_t)(16 * b + ((mag ^ sign) - sign));
}

/* The P2 of one path step (see sgm_agg_args). */
static inline int16_t sgm_p2(const sgm_agg_args *a, int x, int xp, const int8_t *row_p)
{
	if (!a->p2_lut)
		return a->p2;
	int diff = a->img[x] - row_p[xp];
	return a->p2_lut[diff < 0 ? -diff : diff];
}

#endif
