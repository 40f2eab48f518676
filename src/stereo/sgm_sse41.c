/*
 * sgm_sse41.c - the matcher's kernels with SSE4.1 (and the SSSE3 it
 * implies): like sgm_sse2.c, but popcounts and byte reversal use pshufb,
 * lane shifts palignr and horizontal minima phminposuw.
 */
#include "sgm_internal.h"

#ifdef SGM_X86
#include <string.h>

#include <smmintrin.h>

#define SGM_T __attribute__((target("sse4.1")))
#define SGM_FN(n) sse41_##n
#define SGM_TABLE sgm_kernels_sse41
#define SGM_NAME "sse4.1"
#define SGM_NARROW sgm_kernels_scalar
#define SGM_VERTICAL_LOADS 1
#define VB 16
#define V16 8
typedef __m128i vec;

#include "sgm_simd128.h"

static inline SGM_T vec v_popcnt8(vec v)
{
	const vec lut = _mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
	const vec low = _mm_set1_epi8(0x0f);
	return _mm_add_epi8(_mm_shuffle_epi8(lut, _mm_and_si128(v, low)),
			    _mm_shuffle_epi8(lut, _mm_and_si128(_mm_srli_epi16(v, 4), low)));
}

static inline SGM_T vec v_reverse8(vec v)
{
	return _mm_shuffle_epi8(
	    v, _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
}

/* Values are never negative, so the unsigned minimum is the minimum. */
static inline SGM_T int v_hmin16(vec v)
{
	return _mm_cvtsi128_si32(_mm_minpos_epu16(v)) & 0xffff;
}

static inline SGM_T vec v_load_u8_as16(const uint8_t *p)
{
	return _mm_cvtepu8_epi16(_mm_loadl_epi64((const __m128i *)p));
}

static inline SGM_T vec v_prev_lane16(vec p, vec c)
{
	return _mm_alignr_epi8(c, p, 14);
}

static inline SGM_T vec v_next_lane16(vec c, vec n)
{
	return _mm_alignr_epi8(n, c, 2);
}

#include "sgm_simd_body.h"

#endif
