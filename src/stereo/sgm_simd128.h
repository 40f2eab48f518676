/*
 * sgm_simd128.h - the part of the 128-bit vector layer of sgm_simd_body.h
 * that SSE2 and SSE4.1 share; included by sgm_sse2.c and sgm_sse41.c after
 * they define SGM_T (their target attribute) and `vec`.
 */

static inline SGM_T vec v_zero(void)
{
	return _mm_setzero_si128();
}

static inline SGM_T vec v_loadu(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

static inline SGM_T void v_storeu(void *p, vec v)
{
	_mm_storeu_si128((__m128i *)p, v);
}

static inline SGM_T vec v_set1_8(int v)
{
	return _mm_set1_epi8((char)v);
}

static inline SGM_T vec v_set1_16(int v)
{
	return _mm_set1_epi16((short)v);
}

static inline SGM_T vec v_and(vec a, vec b)
{
	return _mm_and_si128(a, b);
}

static inline SGM_T vec v_or(vec a, vec b)
{
	return _mm_or_si128(a, b);
}

static inline SGM_T vec v_xor(vec a, vec b)
{
	return _mm_xor_si128(a, b);
}

/* ~a & b */
static inline SGM_T vec v_andnot(vec a, vec b)
{
	return _mm_andnot_si128(a, b);
}

static inline SGM_T vec v_adds16(vec a, vec b)
{
	return _mm_adds_epi16(a, b);
}

static inline SGM_T vec v_subs16(vec a, vec b)
{
	return _mm_subs_epi16(a, b);
}

static inline SGM_T vec v_min16(vec a, vec b)
{
	return _mm_min_epi16(a, b);
}

static inline SGM_T vec v_cmpeq16(vec a, vec b)
{
	return _mm_cmpeq_epi16(a, b);
}

static inline SGM_T vec v_cmpgt16(vec a, vec b)
{
	return _mm_cmpgt_epi16(a, b);
}

static inline SGM_T vec v_cmpgt8(vec a, vec b)
{
	return _mm_cmpgt_epi8(a, b);
}

static inline SGM_T vec v_add8(vec a, vec b)
{
	return _mm_add_epi8(a, b);
}

static inline SGM_T vec v_min_u8(vec a, vec b)
{
	return _mm_min_epu8(a, b);
}

static inline SGM_T vec v_subs_u8(vec a, vec b)
{
	return _mm_subs_epu8(a, b);
}

static inline SGM_T vec v_srl1_u8(vec v)
{
	return _mm_and_si128(_mm_srli_epi16(v, 1), _mm_set1_epi8(0x7f));
}

static inline SGM_T uint64_t v_movemask8(vec v)
{
	return (uint32_t)_mm_movemask_epi8(v);
}

static inline SGM_T vec v_max16(vec a, vec b)
{
	return _mm_max_epi16(a, b);
}

static inline SGM_T vec v_first_guard(void)
{
	return _mm_setr_epi16(SGM_GUARD, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN,
			      INT16_MIN, INT16_MIN);
}

static inline SGM_T vec v_last_guard(void)
{
	return _mm_setr_epi16(INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN, INT16_MIN,
			      INT16_MIN, SGM_GUARD);
}
