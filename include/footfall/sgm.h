/*
 * sgm.h - dense disparity from a rectified stereo pair: semi-global matching
 * (Hirschmüller 2005/2008) on census-transform costs.
 *
 * Pipeline, in the order the matcher runs it:
 *  1. census transform of both images (window census_width x census_height,
 *     one bit per neighbour: neighbour darker than the centre); the matching
 *     cost of left pixel x at disparity d is the Hamming distance between the
 *     census codes of left x and right x - d, plus a small, capped
 *     absolute intensity difference (ad_cap). Census only compares pixels
 *     with their neighbours, so gain and offset differences between the two
 *     cameras do not change it;
 *  2. aggregation along 5 paths in one top-down sweep (left, right, top,
 *     top-left, top-right) or along 8 paths in two sweeps (adding bottom,
 *     bottom-left, bottom-right) with penalties P1 (disparity change of one)
 *     and P2 (larger jumps, lowered across intensity edges), 16-bit
 *     saturating arithmetic;
 *  3. winner-take-all with a uniqueness test, sub-pixel refinement, a
 *     left-right consistency check against the right image's disparity (the
 *     minimum of the same aggregated costs along the right image's lines of
 *     sight), a speckle filter and hole filling along rows (an option, on by
 *     default: the live pipeline wants few holes).
 *
 * Disparities follow the Middlebury convention: left pixel (x, y) matches
 * right pixel (x - d, y), d >= 0. The output is fixed point, 1/16 pixel
 * (FF_SGM_DISP_SCALE), with FF_SGM_INVALID where there is no disparity.
 *
 * The scalar code is the reference: the SSE2, SSE4.1, AVX2 and AVX-512BW
 * code paths, chosen at run time from what the CPU supports, compute
 * bit-identical results (the tests check it). A handle allocates all of its
 * memory in ff_sgm_create; ff_sgm_compute allocates nothing. A handle is
 * not safe to use from two threads at once; distinct handles are
 * independent.
 */
#ifndef FOOTFALL_SGM_H
#define FOOTFALL_SGM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <footfall/footfall.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fixed-point disparity: value / FF_SGM_DISP_SCALE pixels. */
#define FF_SGM_DISP_SCALE 16
/* No disparity (occluded, ambiguous, filtered out). Every negative value
 * means invalid; the matcher writes exactly this one. */
#define FF_SGM_INVALID (-1)

/* Limits of ff_sgm_params (checked by ff_sgm_params_validate). */
#define FF_SGM_MAX_DISPARITY 256
#define FF_SGM_MAX_THREADS 16
#define FF_SGM_MAX_SIZE 8192 /* width and height */

typedef enum ff_sgm_simd {
	FF_SGM_SIMD_AUTO = 0, /* the best the CPU supports */
	FF_SGM_SIMD_SCALAR,   /* portable C, the reference */
	FF_SGM_SIMD_SSE2,
	FF_SGM_SIMD_SSE41,
	FF_SGM_SIMD_AVX2,
	FF_SGM_SIMD_AVX512 /* AVX-512F + BW */
} ff_sgm_simd;

typedef enum ff_sgm_subpixel {
	FF_SGM_SUBPIXEL_NONE = 0,   /* integer disparities */
	FF_SGM_SUBPIXEL_PARABOLA,   /* vertex of the parabola through d-1, d, d+1 */
	FF_SGM_SUBPIXEL_EQUIANGULAR /* symmetric V through the three costs */
} ff_sgm_subpixel;

/*
 * The defaults were chosen on the Middlebury pairs of bench/stereo (see
 * docs/benchmarks.md): 5 paths come within half a point of bad-2.0 of 8 paths
 * once holes are filled and take 60 % of the time, the intensity term and
 * the adaptive P2 each lower the error measurably, and a small uniqueness
 * margin is enough because the left-right check already removes most
 * ambiguous matches.
 */
typedef struct ff_sgm_params {
	/* Disparities 0 .. max_disparity-1 are searched (OpenCV's
	 * numDisparities). A multiple of 16, 16..256. Default 64. */
	int max_disparity;
	/* Census window, odd sizes up to 17, width*height-1 = 8..64 bits.
	 * Default 7x5. */
	int census_width, census_height;
	/* 5 (one top-down sweep: left, right, top, top-left, top-right) or 8
	 * (adds a bottom-up sweep: bottom, bottom-left, bottom-right; about
	 * 1.6 times the time and an H x W x D int16 volume). Default 5. */
	int paths;
	/* Penalties in cost units (one census bit = 1) for a disparity change
	 * of one pixel and for larger jumps. 0 < p1 < p2 <= 1023. Defaults 8
	 * and 120. */
	int p1, p2;
	/* P2 adapts to the intensity step between the two pixels of a path
	 * step: P2 * p2_adapt / (p2_adapt + |I(p) - I(p-r)|), at least P1 + 1,
	 * so that disparity jumps are cheaper across intensity edges. 0 keeps
	 * P2 constant. 0..255, default 8. */
	int p2_adapt;
	/* Intensity term added to the census cost: min(|IL - IR| / 2, ad_cap);
	 * it helps where census alone is ambiguous (flat or dark areas). 0
	 * turns it off (pure census). 0..63, default 16. */
	int ad_cap;
	/* Uniqueness margin in percent: the best sum must beat the best sum
	 * of every other local minimum (outside the best's own valley) by this
	 * margin, otherwise the pixel is invalid. 0 disables. 0..99, default
	 * 5. */
	int uniqueness;
	/* Default FF_SGM_SUBPIXEL_EQUIANGULAR. */
	ff_sgm_subpixel subpixel;
	/* Left-right check: largest allowed difference in pixels between the
	 * left disparity (either integer next to it) and the right disparity
	 * it points at; -1 disables. Default 1. */
	int lr_max_diff;
	/* Speckle filter: 4-connected regions whose neighbours differ by at
	 * most speckle_range pixels and which have fewer than speckle_size
	 * pixels become invalid. speckle_size 0 disables. Defaults 100, 2. */
	int speckle_size;
	int speckle_range;
	/* Hole filling, after the speckle filter: invalid runs along each row
	 * take the smaller (farther, so background) of the two valid
	 * disparities bounding the run; runs touching the image border take
	 * their one neighbour; runs longer than fill_max_run pixels stay
	 * invalid. Occlusions are background seen by one camera only, so the
	 * background side is the right guess there. Default true, 64. */
	bool fill_holes;
	int fill_max_run;
	/* Worker threads splitting the image into horizontal strips (each
	 * strip starts its vertical paths some rows above and below, so
	 * results differ slightly from one thread near strip borders).
	 * 1..FF_SGM_MAX_THREADS, default 1. */
	int threads;
	ff_sgm_simd simd; /* default FF_SGM_SIMD_AUTO */
} ff_sgm_params;

/* Fills the defaults documented above. */
void ff_sgm_params_default(ff_sgm_params *p);

/* Checks every field against its documented range; the message names the
 * field, e.g. "sgm.max_disparity: 60 is not a multiple of 16". */
ff_status ff_sgm_params_validate(const ff_sgm_params *p, ff_error *err);

typedef struct ff_sgm ff_sgm;

/* Allocates a matcher for images of width x height (width greater than
 * max_disparity, up to FF_SGM_MAX_SIZE). Asking for a SIMD level the CPU
 * lacks is FF_ERR_UNSUPPORTED. */
ff_status ff_sgm_create(int width, int height, const ff_sgm_params *params, ff_sgm **out,
			ff_error *err);
void ff_sgm_destroy(ff_sgm *sgm);

/* The code path in use: "scalar", "sse2", "sse4.1", "avx2" or "avx512". */
const char *ff_sgm_simd_name(const ff_sgm *sgm);

/* Whether this build and CPU can run a SIMD level (AUTO and SCALAR always
 * can). */
bool ff_sgm_simd_supported(ff_sgm_simd simd);

/* Matches one rectified 8-bit greyscale pair. Strides are in elements
 * (bytes for the images, int16 values for disp) and at least width. disp
 * receives the left image's disparity in 1/16 pixel or FF_SGM_INVALID. */
ff_status ff_sgm_compute(ff_sgm *sgm, const uint8_t *left, size_t left_stride, const uint8_t *right,
			 size_t right_stride, int16_t *disp, size_t disp_stride, ff_error *err);

/* The right image's integer disparities of the last ff_sgm_compute (right
 * pixel x matches left x + d): the lowest aggregated cost along each right
 * pixel's line of sight, unfiltered, so every pixel has one. width*height
 * values, valid until the next compute or destroy. Used by the left-right
 * check; exposed for tests and diagnostics. */
const int16_t *ff_sgm_right_disparity(const ff_sgm *sgm);

/* One fixed-point disparity in pixels, `invalid` for negative values. */
static inline float ff_sgm_disp_to_float(int16_t d, float invalid)
{
	return d < 0 ? invalid : (float)d / (float)FF_SGM_DISP_SCALE;
}

/* A fixed-point disparity image in pixels, `invalid` (e.g. INFINITY for
 * PFM files, NAN) where there is none. */
void ff_sgm_to_float(const int16_t *disp, size_t disp_stride, int width, int height, float invalid,
		     float *out, size_t out_stride);

/* Depth frames for the counting engine (ff_engine_process): z = f * B / d
 * with the rectified focal length f in pixels and the baseline B in metres,
 * written as round(z * depth_scale) (depth_scale = units per metre, 1000 =
 * millimetres). Invalid disparities, zero disparity and depths that do not
 * fit 1..65535 give 0 (no data). */
ff_status ff_sgm_depth_u16(const int16_t *disp, size_t disp_stride, int width, int height,
			   double focal_px, double baseline_m, double depth_scale, uint16_t *depth,
			   size_t depth_stride, ff_error *err);

/* Applies the matcher's speckle filter (speckle_size, speckle_range) in
 * place to a disparity image of the matcher's size, as ff_sgm_compute does
 * before filling holes; uses the matcher's work space, allocates nothing. */
ff_status ff_sgm_filter_speckles(ff_sgm *sgm, int16_t *disp, size_t disp_stride, ff_error *err);

/* Fills holes of a disparity image in place as the fill_holes option does
 * (exposed for callers that keep the matcher's holes and fill a copy). */
void ff_sgm_fill_holes(int16_t *disp, size_t disp_stride, int width, int height, int max_run);

/* ---- Files ----------------------------------------------------------------- */

/* Writes a float image as a little-endian greyscale PFM ("Pf", "W H",
 * "-1.0", rows bottom to top), the Middlebury 2014 disparity format. */
ff_status ff_pfm_write(const char *path, const float *data, size_t stride, int width, int height,
		       ff_error *err);

/* Reads a greyscale PFM of either byte order into a malloc'ed array of
 * width*height floats, top row first. */
ff_status ff_pfm_read(const char *path, float **data, int *width, int *height, ff_error *err);

/* Reads an 8-bit greyscale or colour PNG (palette, alpha and 16-bit input
 * are converted) as malloc'ed 8-bit grey, rows top to bottom, stride =
 * width. Colour becomes grey with the BT.601 weights in 14-bit fixed
 * point, (4899 R + 9617 G + 1868 B + 8192) >> 14, as OpenCV's BGR2GRAY. */
ff_status ff_grey_png_read(const char *path, uint8_t **pixels, int *width, int *height,
			   ff_error *err);

#ifdef __cplusplus
}
#endif

#endif
