/*
 * sgm_avx2.c - the matcher's kernels with AVX2: the vector layer of
 * sgm_simd_body.h on 256-bit registers. AVX2 shuffles and palignr work
 * within 128-bit halves, so lane shifts and byte reversal first move the
 * neighbouring half into place with vperm2i128.
 *
 * Only these functions carry the avx2 target attribute: the library builds
 * without -mavx2 and sgm.c calls them only after checking the CPU.
 */
#include "sgm_internal.h"

#ifdef SGM_X86
#include <string.h>

#include <immintrin.h>

#define SGM_T __attribute__((target("avx2")))
#define SGM_FN(n) avx2_##n
#define SGM_TABLE sgm_kernels_avx2
#define SGM_NAME "avx2"
#define SGM_NARROW sgm_kernels_sse41
#define SGM_VERTICAL_LOADS 1
#define VB 32
#define V16 16
typedef __m256i vec;

static inline SGM_T vec v_zero(void)
{
	return _mm256_setzero_si256();
}

static inline SGM_T vec v_loadu(const void *p)
{
	return _mm256_loadu_si256((const __m256i *)p);
}

static inline SGM_T void v_storeu(void *p, vec v)
{
	_mm256_storeu_si256((__m256i *)p, v);
}

static inline SGM_T vec v_set1_8(int v)
{
	return _mm256_set1_epi8((char)v);
}

static inline SGM_T vec v_set1_16(int v)
{
	return _mm256_set1_epi16((short)v);
}

static inline SGM_T vec v_and(vec a, vec b)
{
	return _mm256_and_si256(a, b);
}

static inline SGM_T vec v_or(vec a, vec b)
{
	return _mm256_or_si256(a, b);
}

static inline SGM_T vec v_xor(vec a, vec b)
{
	return _mm256_xor_si256(a, b);
}

/* ~a & b */
static inline SGM_T vec v_andnot(vec a, vec b)
{
	return _mm256_andnot_si256(a, b);
}

static inline SGM_T vec v_adds16(vec a, vec b)
{
	return _mm256_adds_epi16(a, b);
}

static inline SGM_T vec v_subs16(vec a, vec b)
{
	return _mm256_subs_epi16(a, b);
}

static inline SGM_T vec v_min16(vec a, vec b)
{
	return _mm256_min_epi16(a, b);
}

static inline SGM_T vec v_cmpeq16(vec a, vec b)
{
	return _mm256_cmpeq_epi16(a, b);
}

static inline SGM_T vec v_cmpgt16(vec a, vec b)
{
	return _mm256_cmpgt_epi16(a, b);
}

static inline SGM_T vec v_cmpgt8(vec a, vec b)
{
	return _mm256_cmpgt_epi8(a, b);
}

static inline SGM_T vec v_add8(vec a, vec b)
{
	return _mm256_add_epi8(a, b);
}

static inline SGM_T vec v_min_u8(vec a, vec b)
{
	return _mm256_min_epu8(a, b);
}

static inline SGM_T vec v_subs_u8(vec a, vec b)
{
	return _mm256_subs_epu8(a, b);
}

static inline SGM_T vec v_srl1_u8(vec v)
{
	return _mm256_and_si256(_mm256_srli_epi16(v, 1), _mm256_set1_epi8(0x7f));
}

static inline SGM_T vec v_popcnt8(vec v)
{
	const vec lut = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4, 0, 1, 1, 2,
					 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
	const vec low = _mm256_set1_epi8(0x0f);
	return _mm256_add_epi8(
	    _mm256_shuffle_epi8(lut, _mm256_and_si256(v, low)),
	    _mm256_shuffle_epi8(lut, _mm256_and_si256(_mm256_srli_epi16(v, 4), low)));
}

static inline SGM_T vec v_reverse8(vec v)
{
	const vec rev = _mm256_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 15,
					 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
	v = _mm256_shuffle_epi8(v, rev);
	return _mm256_permute2x128_si256(v, v, 0x01);
}

static inline SGM_T uint64_t v_movemask8(vec v)
{
	return (uint32_t)_mm256_movemask_epi8(v);
}

/* Values are never negative, so the unsigned minimum is the minimum. */
static inline SGM_T int v_hmin16(vec v)
{
	__m128i m = _mm_min_epi16(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
	return _mm_cvtsi128_si32(_mm_minpos_epu16(m)) & 0xffff;
}

static inline SGM_T vec v_load_u8_as16(const uint8_t *p)
{
	return _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)p));
}

static inline SGM_T vec v_prev_lane16(vec p, vec c)
{
	return _mm256_alignr_epi8(c, _mm256_permute2x128_si256(p, c, 0x21), 14);
}

static inline SGM_T vec v_next_lane16(vec c, vec n)
{
	return _mm256_alignr_epi8(_mm256_permute2x128_si256(c, n, 0x21), c, 2);
}

static inline SGM_T vec v_max16(vec a, vec b)
{
	return _mm256_max_epi16(a, b);
}

static inline SGM_T vec v_first_guard(void)
{
	return _mm256_setr_epi16(SGM_GUARD, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN,
				 INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN,
				 INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN);
}

static inline SGM_T vec v_last_guard(void)
{
	return _mm256_setr_epi16(INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN,
				 INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN,
				 INT16_MIN, INT16_MIN, INT16_MIN, SGM_GUARD);
}

#include "sgm_simd_body.h"

#endif
