/*
 * sgm_avx512.c - the matcher's kernels with AVX-512BW: the vector layer of
 * sgm_simd_body.h on 512-bit registers, 32 disparities per int16 vector.
 *
 * AVX-512 compares give mask registers; this layer turns them back into
 * vector masks so the body stays the same for every width. Lane shifts
 * across the whole register use vpermt2w. Disparity ranges that are not a
 * multiple of 32 and rows narrower than 64 pixels go to the AVX2 kernels,
 * which compute the same bits. Only these functions carry the target
 * attribute; sgm.c calls them only after checking the CPU.
 */
#include "sgm_internal.h"

#ifdef SGM_X86
#include <string.h>

#include <immintrin.h>

#define SGM_T __attribute__((target("avx512f,avx512bw")))
#define SGM_FN(n) avx512_##n
#define SGM_TABLE sgm_kernels_avx512
#define SGM_NAME "avx512"
#define SGM_NARROW sgm_kernels_avx2
#define SGM_VERTICAL_LOADS 0
#define VB 64
#define V16 32
typedef __m512i vec;

static inline SGM_T vec v_zero(void)
{
	return _mm512_setzero_si512();
}

static inline SGM_T vec v_loadu(const void *p)
{
	return _mm512_loadu_si512(p);
}

static inline SGM_T void v_storeu(void *p, vec v)
{
	_mm512_storeu_si512(p, v);
}

static inline SGM_T vec v_set1_8(int v)
{
	return _mm512_set1_epi8((char)v);
}

static inline SGM_T vec v_set1_16(int v)
{
	return _mm512_set1_epi16((short)v);
}

static inline SGM_T vec v_and(vec a, vec b)
{
	return _mm512_and_si512(a, b);
}

static inline SGM_T vec v_or(vec a, vec b)
{
	return _mm512_or_si512(a, b);
}

static inline SGM_T vec v_xor(vec a, vec b)
{
	return _mm512_xor_si512(a, b);
}

/* ~a & b */
static inline SGM_T vec v_andnot(vec a, vec b)
{
	return _mm512_andnot_si512(a, b);
}

static inline SGM_T vec v_adds16(vec a, vec b)
{
	return _mm512_adds_epi16(a, b);
}

static inline SGM_T vec v_subs16(vec a, vec b)
{
	return _mm512_subs_epi16(a, b);
}

static inline SGM_T vec v_min16(vec a, vec b)
{
	return _mm512_min_epi16(a, b);
}

static inline SGM_T vec v_cmpeq16(vec a, vec b)
{
	return _mm512_movm_epi16(_mm512_cmpeq_epi16_mask(a, b));
}

static inline SGM_T vec v_cmpgt16(vec a, vec b)
{
	return _mm512_movm_epi16(_mm512_cmpgt_epi16_mask(a, b));
}

static inline SGM_T vec v_cmpgt8(vec a, vec b)
{
	return _mm512_movm_epi8(_mm512_cmpgt_epi8_mask(a, b));
}

static inline SGM_T vec v_add8(vec a, vec b)
{
	return _mm512_add_epi8(a, b);
}

static inline SGM_T vec v_min_u8(vec a, vec b)
{
	return _mm512_min_epu8(a, b);
}

static inline SGM_T vec v_subs_u8(vec a, vec b)
{
	return _mm512_subs_epu8(a, b);
}

static inline SGM_T vec v_srl1_u8(vec v)
{
	return _mm512_and_si512(_mm512_srli_epi16(v, 1), _mm512_set1_epi8(0x7f));
}

static inline SGM_T vec v_popcnt8(vec v)
{
	const vec lut =
	    _mm512_broadcast_i32x4(_mm_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4));
	const vec low = _mm512_set1_epi8(0x0f);
	return _mm512_add_epi8(
	    _mm512_shuffle_epi8(lut, _mm512_and_si512(v, low)),
	    _mm512_shuffle_epi8(lut, _mm512_and_si512(_mm512_srli_epi16(v, 4), low)));
}

static inline SGM_T vec v_reverse8(vec v)
{
	const vec rev = _mm512_broadcast_i32x4(
	    _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0));
	return _mm512_shuffle_i64x2(_mm512_shuffle_epi8(v, rev), _mm512_shuffle_epi8(v, rev), 0x1b);
}

static inline SGM_T uint64_t v_movemask8(vec v)
{
	return (uint64_t)_mm512_movepi8_mask(v);
}

/* Values are never negative, so the unsigned minimum is the minimum. */
static inline SGM_T int v_hmin16(vec v)
{
	__m256i h = _mm256_min_epi16(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
	__m128i m = _mm_min_epi16(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
	return _mm_cvtsi128_si32(_mm_minpos_epu16(m)) & 0xffff;
}

static inline SGM_T vec v_load_u8_as16(const uint8_t *p)
{
	return _mm512_cvtepu8_epi16(_mm256_loadu_si256((const __m256i *)p));
}

/* vpermt2w indices: 0..31 pick from the first operand, 32..63 from the
 * second. */
static inline SGM_T vec v_prev_lane16(vec p, vec c)
{
	const vec idx = _mm512_set_epi16(30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16,
					 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 63);
	return _mm512_permutex2var_epi16(c, idx, p);
}

static inline SGM_T vec v_next_lane16(vec c, vec n)
{
	const vec idx = _mm512_set_epi16(32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18,
					 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
	return _mm512_permutex2var_epi16(c, idx, n);
}

#include "sgm_simd_body.h"

#endif
