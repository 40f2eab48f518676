/*
 * sgm_sse2.c - the matcher's kernels with SSE2 (every x86-64 CPU): the
 * vector layer of sgm_simd_body.h on 128-bit registers without SSSE3, so
 * byte shuffles are built from shifts and 16/32-bit shuffles and popcounts
 * from bit arithmetic.
 */
#include "sgm_internal.h"

#ifdef SGM_X86
#include <string.h>

#include <emmintrin.h>

#define SGM_T __attribute__((target("sse2")))
#define SGM_FN(n) sse2_##n
#define SGM_TABLE sgm_kernels_sse2
#define SGM_NAME "sse2"
#define SGM_NARROW sgm_kernels_scalar
#define SGM_VERTICAL_LOADS 1
#define VB 16
#define V16 8
typedef __m128i vec;

#include "sgm_simd128.h"

static inline SGM_T vec v_popcnt8(vec v)
{
	v = _mm_sub_epi8(v, _mm_and_si128(_mm_srli_epi16(v, 1), _mm_set1_epi8(0x55)));
	v = _mm_add_epi8(_mm_and_si128(v, _mm_set1_epi8(0x33)),
			 _mm_and_si128(_mm_srli_epi16(v, 2), _mm_set1_epi8(0x33)));
	return _mm_and_si128(_mm_add_epi8(v, _mm_srli_epi16(v, 4)), _mm_set1_epi8(0x0f));
}

static inline SGM_T vec v_reverse8(vec v)
{
	v = _mm_shuffle_epi32(v, 0x1b);
	v = _mm_shufflehi_epi16(_mm_shufflelo_epi16(v, 0xb1), 0xb1);
	return _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
}

/* Values are never negative, so the signed minimum is the minimum. */
static inline SGM_T int v_hmin16(vec v)
{
	v = _mm_min_epi16(v, _mm_shuffle_epi32(v, 0x4e));
	v = _mm_min_epi16(v, _mm_shuffle_epi32(v, 0xb1));
	v = _mm_min_epi16(v, _mm_shufflelo_epi16(v, 0xb1));
	return (int16_t)_mm_cvtsi128_si32(v);
}

static inline SGM_T vec v_load_u8_as16(const uint8_t *p)
{
	return _mm_unpacklo_epi8(_mm_loadl_epi64((const __m128i *)p), _mm_setzero_si128());
}

static inline SGM_T vec v_prev_lane16(vec p, vec c)
{
	return _mm_or_si128(_mm_slli_si128(c, 2), _mm_srli_si128(p, 14));
}

static inline SGM_T vec v_next_lane16(vec c, vec n)
{
	return _mm_or_si128(_mm_srli_si128(c, 2), _mm_slli_si128(n, 14));
}

#include "sgm_simd_body.h"

#endif
