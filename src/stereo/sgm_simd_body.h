/*
 * sgm_simd_body.h - the matcher's row kernels written once for every x86
 * vector width; included by sgm_sse2.c, sgm_sse41.c, sgm_avx2.c and
 * sgm_avx512.c after they define the vector layer below for their
 * instruction set. A NEON layer (vec = int16x8_t etc.) would fit the same
 * way.
 *
 * The includer defines:
 *   SGM_T            the target attribute of every function
 *   SGM_FN(name)     prefixes a kernel name, SGM_TABLE / SGM_NAME the table
 *   SGM_NARROW       the table used for rows, disparity ranges or vector
 *                    tails narrower than this width (bit-identical anyway)
 *   vec, VB          the vector type and its size in bytes; V16 = VB / 2
 *   v_zero v_loadu v_storeu v_set1_8 v_set1_16 v_and v_or v_xor v_andnot
 *   v_adds16 v_subs16 v_min16 v_cmpeq16 v_cmpgt16 v_cmpgt8 v_add8 v_min_u8
 *   v_subs_u8 v_srl1_u8 v_popcnt8 v_reverse8 v_movemask8 v_hmin16
 *   v_load_u8_as16   V16 bytes widened to int16 lanes
 *   v_max16, v_first_guard, v_last_guard (SGM_GUARD in lane 0 / the last
 *                    lane, INT16_MIN elsewhere) when SGM_VERTICAL_LOADS
 *   SGM_VERTICAL_LOADS  1: the vertical paths load d-1 and d+1 unaligned
 *                    (cheaper where lane shifts take two instructions),
 *                    0: they shift lanes like the horizontal paths
 *   v_prev_lane16(p, c)  lane j = c[j-1], lane 0 = p[last]  (the value at d-1)
 *   v_next_lane16(c, n)  lane j = c[j+1], last = n[0]       (the value at d+1)
 *
 * Every kernel computes exactly what its counterpart in sgm_scalar.c
 * computes (same saturating operations in the same order, same tie rules).
 */

/* The loops over a pixel's disparity vectors run 1 to 8 times with nv a
 * constant in the specialised variants; unrolled, their state stays in
 * registers (GCC does not unroll them at -O2 by itself). */
#ifndef SGM_UNROLL
#define SGM_UNROLL _Pragma("GCC unroll 8")
#endif

static SGM_T void SGM_FN(census)(const int8_t *img, size_t img_stride, int width, int cw, int ch,
				 uint8_t *planes, size_t plane_stride, int reversed)
{
	if (width < VB) {
		SGM_NARROW.census(img, img_stride, width, cw, ch, planes, plane_stride, reversed);
		return;
	}
	int rx = cw / 2, ry = ch / 2, nbits = cw * ch - 1, n = 0;
	ptrdiff_t off[64];
	for (int dy = -ry; dy <= ry; dy++)
		for (int dx = -rx; dx <= rx; dx++)
			if (dx || dy)
				off[n++] = (ptrdiff_t)dy * (ptrdiff_t)img_stride + dx;

	for (int x0 = 0; x0 < width; x0 += VB) {
		/* The last vector overlaps the previous one instead of
		 * reading past the padding. */
		int x = x0 + VB <= width ? x0 : width - VB;
		const int8_t *c = img + x;
		vec cv = v_loadu(c);
		for (int b = 0; 8 * b < nbits; b++) {
			vec acc = v_zero();
			for (int j = 0; j < 8 && 8 * b + j < nbits; j++) {
				vec nv = v_loadu(c + off[8 * b + j]);
				acc = v_or(acc, v_and(v_cmpgt8(cv, nv), v_set1_8(1 << j)));
			}
			uint8_t *dst = planes + (size_t)b * plane_stride;
			if (reversed)
				v_storeu(dst + (width - VB - x), v_reverse8(acc));
			else
				v_storeu(dst + x, acc);
		}
	}
}

/* The cost loop; np (census byte planes) is a constant in the common
 * cases so that the plane loop unrolls. */
static inline SGM_T __attribute__((always_inline)) void SGM_FN(cost_loop)(const sgm_cost_args *a,
									  const int np)
{
	int w = a->width, nd = a->ndisp;
	int8_t ramp_b[VB];
	for (int j = 0; j < VB; j++)
		ramp_b[j] = (int8_t)j;
	vec ramp = v_loadu(ramp_b);
	vec cap = v_set1_8(a->ad_cap), maxc = v_set1_8(a->max_cost);
	vec lb[8];

	for (int b = 0; b < 8; b++)
		lb[b] = v_zero();
	for (int x = 0; x < w; x++) {
		uint8_t *c = a->cost + (size_t)x * (size_t)nd;
		size_t r0 = (size_t)(w - 1 - x);
		SGM_UNROLL
		for (int b = 0; b < np; b++)
			lb[b] = v_set1_8(a->lplanes[(size_t)b * a->plane_stride + (size_t)x]);
		vec li = v_set1_8(a->lrow[x]);
		for (int d0 = 0; d0 < nd; d0 += VB) {
			int d = d0 + VB <= nd ? d0 : nd - VB;
			vec acc = v_zero();
			SGM_UNROLL
			for (int b = 0; b < np; b++) {
				const uint8_t *r =
				    a->rplanes + (size_t)b * a->plane_stride + r0 + d;
				acc = v_add8(acc, v_popcnt8(v_xor(lb[b], v_loadu(r))));
			}
			if (a->ad_cap) {
				vec rv = v_loadu(a->rrow + r0 + d);
				vec ad = v_or(v_subs_u8(li, rv), v_subs_u8(rv, li));
				acc = v_add8(acc, v_min_u8(v_srl1_u8(ad), cap));
			}
			if (x < d + VB - 1) {
				/* Lanes with d + j > x look outside the right image. */
				int t = x - d < -1 ? -1 : x - d;
				vec out = v_cmpgt8(ramp, v_set1_8(t));
				acc = v_or(v_and(out, maxc), v_andnot(out, acc));
			}
			v_storeu(c + d, acc);
		}
	}
}

static SGM_T void SGM_FN(cost)(const sgm_cost_args *a)
{
	if (a->ndisp < VB)
		SGM_NARROW.cost(a);
	else if (a->nplanes == 3)
		SGM_FN(cost_loop)(a, 3);
	else if (a->nplanes == 5)
		SGM_FN(cost_loop)(a, 5);
	else if (a->nplanes == 8)
		SGM_FN(cost_loop)(a, 8);
	else
		SGM_FN(cost_loop)(a, a->nplanes);
}

/* One step of a path for one vector of disparities: cur holds the previous
 * pixel's values of these disparities, prev and next the vectors around it
 * (guards at the ends). */
static inline SGM_T vec SGM_FN(step)(vec prev, vec cur, vec next, vec cst, vec p1v, vec jump,
				     vec pmin)
{
	vec lo = v_prev_lane16(prev, cur), hi = v_next_lane16(cur, next);
	vec u = v_min16(v_min16(cur, v_adds16(v_min16(lo, hi), p1v)), jump);
	return v_adds16(cst, v_subs16(u, pmin));
}

#if SGM_VERTICAL_LOADS
/*
 * One step of a path from the previous row for vector j of nv: q points at
 * the previous pixel's values of these disparities; their neighbours d-1
 * and d+1 are loaded unaligned, with the guard put in at the range's ends.
 */
static inline SGM_T vec SGM_FN(vstep_load)(const int16_t *q, int j, int nv, vec cst, vec p1v,
					   vec jump, vec pmin)
{
	vec cur = v_loadu(q), lo = v_loadu(q - 1), hi = v_loadu(q + 1);
	if (j == 0)
		lo = v_max16(lo, v_first_guard());
	if (j == nv - 1)
		hi = v_max16(hi, v_last_guard());
	vec u = v_min16(v_min16(cur, v_adds16(v_min16(lo, hi), p1v)), jump);
	return v_adds16(cst, v_subs16(u, pmin));
}
#endif

/* Winner-take-all of pixel x once its sums are stored at s (the right
 * image's running minimum was updated while they were computed). */
static inline SGM_T __attribute__((always_inline)) void
SGM_FN(wta_pixel)(const sgm_agg_args *a, int x, const int16_t *s, vec wmin, const int nv)
{
	vec mv = v_set1_16(v_hmin16(wmin)), guard = v_set1_16(SGM_GUARD);
	/* The first lane equal to the minimum, without a data-dependent
	 * branch: which vector holds it is random from pixel to pixel. */
	int b = a->ndisp;
	SGM_UNROLL
	for (int j = 0; j < nv; j++) {
		uint64_t hit = v_movemask8(v_cmpeq16(v_loadu(s + j * V16), mv));
		int at = j * V16 + __builtin_ctzll(hit | (1ull << 63)) / 2;
		b = hit && at < b ? at : b;
	}
	a->best[x] = (uint16_t)b;
	a->minimum[x] = s[b];
	a->disp16[x] = sgm_subpixel(a->subpixel, s, b, a->ndisp);
	if (!a->want_second)
		return;
	int16_t ramp_w[V16];
	for (int j = 0; j < V16; j++)
		ramp_w[j] = (int16_t)j;
	vec lo = v_set1_16(b - 2), hi = v_set1_16(b + 2), sm = guard, ramp = v_loadu(ramp_w);
	SGM_UNROLL
	for (int j = 0; j < nv; j++) {
		vec idx = v_adds16(ramp, v_set1_16(j * V16));
		vec near = v_and(v_cmpgt16(idx, lo), v_cmpgt16(hi, idx));
		sm = v_min16(sm, v_or(v_and(near, guard), v_andnot(near, v_loadu(s + j * V16))));
	}
	a->second[x] = (int16_t)v_hmin16(sm);
}

#define SGM_MAXNV (256 / V16)

/*
 * One step of a horizontal path at pixel x: st holds the path's values at
 * the previous pixel (nv vectors) and receives this pixel's; returns their
 * minimum. The values are added to the row's sums or, on the first visit
 * of the pixel, stored.
 */
static inline SGM_T __attribute__((always_inline)) int16_t
SGM_FN(hstep)(const sgm_agg_args *a, int x, int dir, int16_t pmin, vec *st, int add, const int nv)
{
	const uint8_t *c = a->cost + (size_t)x * (size_t)a->ndisp;
	int16_t *sum = a->sum_out + (size_t)x * (size_t)a->ndisp;
	vec guard = v_set1_16(SGM_GUARD), p1v = v_set1_16(a->p1);
	vec jump = v_set1_16(sgm_adds16(pmin, sgm_p2(a, x, x - dir, a->img)));
	vec pm = v_set1_16(pmin), m = guard, pv = guard;
	SGM_UNROLL
	for (int j = 0; j < nv; j++) {
		vec cv = st[j], nx = j + 1 < nv ? st[j + 1] : guard;
		vec v = SGM_FN(step)(pv, cv, nx, v_load_u8_as16(c + j * V16), p1v, jump, pm);
		st[j] = v;
		v_storeu(sum + j * V16, add ? v_adds16(v_loadu(sum + j * V16), v) : v);
		m = v_min16(m, v);
		pv = cv;
	}
	return (int16_t)v_hmin16(m);
}

/* Both horizontal paths of row a and, if `two`, of row b; nv is a
 * constant in the common cases so that the paths' state stays in
 * registers. */
static inline SGM_T __attribute__((always_inline)) void
SGM_FN(horizontal_loop)(const sgm_agg_args *aa, const sgm_agg_args *bb, const int two, const int nv)
{
	/* Local copies, as in vertical_loop. */
	const sgm_agg_args ca = *aa, cb = two ? *bb : *aa, *a = &ca, *b = &cb;
	int w = a->width, half = (w + 1) / 2;
	/* One spare vector each: the unrolled generic loop forms st[j + 1]
	 * for j = nv - 1 before discarding it. */
	vec lr[SGM_MAXNV + 1], rl[SGM_MAXNV + 1], lr2[SGM_MAXNV + 1], rl2[SGM_MAXNV + 1];
	int16_t lmin = 0, rmin = 0, lmin2 = 0, rmin2 = 0;

	SGM_UNROLL
	for (int j = 0; j < nv; j++)
		lr[j] = rl[j] = lr2[j] = rl2[j] = v_zero();
	/* The first half stores both paths' values, the second half adds the
	 * other path's values to them. */
	for (int i = 0; i < w; i++) {
		int xl = i, xr = w - 1 - i, add = i >= half, radd = add || xr == xl;
		lmin = SGM_FN(hstep)(a, xl, 1, lmin, lr, add, nv);
		rmin = SGM_FN(hstep)(a, xr, -1, rmin, rl, radd, nv);
		if (two) {
			lmin2 = SGM_FN(hstep)(b, xl, 1, lmin2, lr2, add, nv);
			rmin2 = SGM_FN(hstep)(b, xr, -1, rmin2, rl2, radd, nv);
		}
	}
}

static SGM_T void SGM_FN(horizontal)(const sgm_agg_args *a, const sgm_agg_args *b)
{
	int nv = a->ndisp / V16;
	if (a->ndisp % V16)
		SGM_NARROW.horizontal(a, b);
	else if (b && nv == 2)
		SGM_FN(horizontal_loop)(a, b, 1, 2);
	else if (b && nv == 4)
		SGM_FN(horizontal_loop)(a, b, 1, 4);
	else if (b)
		SGM_FN(horizontal_loop)(a, b, 1, nv);
	else
		SGM_FN(horizontal_loop)(a, NULL, 0, nv);
}

/*
 * One path from the previous row at one pixel: q holds the previous
 * pixel's values, o receives this pixel's, acc the row's sums (nv vectors)
 * gets them added; returns their minimum.
 */
static inline SGM_T __attribute__((always_inline)) int16_t
SGM_FN(vpath)(const int16_t *q, int16_t *o, const uint8_t *c, int16_t pmin, int16_t p2, vec p1v,
	      vec *acc, const int nv)
{
	vec guard = v_set1_16(SGM_GUARD), m = guard;
	vec jump = v_set1_16(sgm_adds16(pmin, p2)), pm = v_set1_16(pmin);
#if !SGM_VERTICAL_LOADS
	vec pv = guard, cv = v_loadu(q);
#endif
	SGM_UNROLL
	for (int j = 0; j < nv; j++) {
		vec cst = v_load_u8_as16(c + j * V16);
#if SGM_VERTICAL_LOADS
		vec u = SGM_FN(vstep_load)(q + j * V16, j, nv, cst, p1v, jump, pm);
#else
		vec nx = j + 1 < nv ? v_loadu(q + (j + 1) * V16) : guard;
		vec u = SGM_FN(step)(pv, cv, nx, cst, p1v, jump, pm);
		pv = cv;
		cv = nx;
#endif
		v_storeu(o + j * V16, u);
		m = v_min16(m, u);
		acc[j] = v_adds16(acc[j], u);
	}
	return (int16_t)v_hmin16(m);
}

/*
 * The vertical paths, x descending; `wta` is a constant in each caller, so
 * the variant without winner-take-all carries none of its code.
 */
static inline SGM_T __attribute__((always_inline)) void
SGM_FN(vertical_loop)(const sgm_agg_args *args, const int wta, const int nv)
{
	/* A local copy: the compiler keeps its fields in registers, while
	 * through the pointer every int16 store could change p1 or p2. */
	const sgm_agg_args copy = *args, *a = &copy;
	int w = a->width, nd = a->ndisp;
	int16_t ramp_w[V16];
	vec p1v = v_set1_16(a->p1), guard = v_set1_16(SGM_GUARD);

	for (int j = 0; j < V16; j++)
		ramp_w[j] = (int16_t)j;
	vec ramp = v_loadu(ramp_w);
	/* Winner-take-all of the right image: lane d of the window holds, for
	 * right pixel x - d, the smallest sum and its d over the left pixels
	 * seen so far. */
	_Alignas(64) int16_t winv[256], wina[256];
	if (wta)
		for (int d = 0; d < nd; d++) {
			winv[d] = SGM_GUARD;
			wina[d] = 0;
		}
	/* The sums of one pixel (zeroed once only to keep compilers from
	 * suspecting the unused tail). */
	vec acc[SGM_MAXNV + 1];
	for (int j = 0; j <= SGM_MAXNV; j++)
		acc[j] = v_zero();
	for (int x = w - 1; x >= 0; x--) {
		const uint8_t *c = a->cost + (size_t)x * (size_t)nd;
		int16_t *so = a->sum_out + (size_t)x * (size_t)nd;
		const int16_t *si = a->sum_in + (size_t)x * (size_t)nd;
		int16_t pm0 = a->prev_min[0][x], pm1 = a->prev_min[1][x + 1];
		int16_t pm2 = a->prev_min[2][x + 2];
		const int16_t *q0 = a->prev[0] + (size_t)x * (size_t)nd;
		const int16_t *q1 = a->prev[1] + (size_t)(x + 1) * (size_t)nd;
		const int16_t *q2 = a->prev[2] + (size_t)(x + 2) * (size_t)nd;
		int16_t *o0 = a->cur[0] + (size_t)(x + 1) * (size_t)nd;
		int16_t *o1 = a->cur[1] + (size_t)(x + 1) * (size_t)nd;
		int16_t *o2 = a->cur[2] + (size_t)(x + 1) * (size_t)nd;
		vec wmin = guard, curw = guard, cura = guard;

		/* One path at a time, the sums in registers: with all three
		 * paths interleaved AVX2 runs out of registers. */
		SGM_UNROLL
		for (int j = 0; j < nv; j++)
			acc[j] = v_loadu(si + j * V16);
		a->cur_min[0][x + 1] =
		    SGM_FN(vpath)(q0, o0, c, pm0, sgm_p2(a, x, x - 1, a->img_prev), p1v, acc, nv);
		a->cur_min[1][x + 1] =
		    SGM_FN(vpath)(q1, o1, c, pm1, sgm_p2(a, x, x, a->img_prev), p1v, acc, nv);
		a->cur_min[2][x + 1] =
		    SGM_FN(vpath)(q2, o2, c, pm2, sgm_p2(a, x, x + 1, a->img_prev), p1v, acc, nv);
		/* The right pixel x + 1 has seen all of its disparities. */
		if (wta) {
			if (x + 1 < w)
				a->right[x + 1] = wina[0];
			curw = v_loadu(winv);
			cura = v_loadu(wina);
		}
		SGM_UNROLL
		for (int j = 0; j < nv; j++) {
			vec sum = acc[j];
			v_storeu(so + j * V16, sum);
			if (wta) {
				/* Move the window on by one pixel, then take the
				 * sums that are not worse: x descends, so a right
				 * pixel meets its disparities in descending order
				 * and the lowest d wins ties. */
				int more = j + 1 < nv;
				vec nextw = more ? v_loadu(winv + (j + 1) * V16) : guard;
				vec nexta = more ? v_loadu(wina + (j + 1) * V16) : v_zero();
				vec r = v_next_lane16(curw, nextw), ar = v_next_lane16(cura, nexta);
				vec keep = v_cmpgt16(sum, r);
				vec idx = v_adds16(ramp, v_set1_16(j * V16));
				v_storeu(winv + j * V16, v_min16(r, sum));
				v_storeu(wina + j * V16,
					 v_or(v_and(keep, ar), v_andnot(keep, idx)));
				wmin = v_min16(wmin, sum);
				curw = nextw;
				cura = nexta;
			}
		}
		if (wta)
			SGM_FN(wta_pixel)(a, x, so, wmin, nv);
	}
	if (wta)
		a->right[0] = wina[0];
}

static SGM_T void SGM_FN(vertical)(const sgm_agg_args *a)
{
	int nv = a->ndisp / V16, wta = a->best != NULL;
	if (a->ndisp % V16)
		SGM_NARROW.vertical(a);
	else if (nv == 2 && wta)
		SGM_FN(vertical_loop)(a, 1, 2);
	else if (nv == 2)
		SGM_FN(vertical_loop)(a, 0, 2);
	else if (nv == 4 && wta)
		SGM_FN(vertical_loop)(a, 1, 4);
	else if (nv == 4)
		SGM_FN(vertical_loop)(a, 0, 4);
	else if (wta)
		SGM_FN(vertical_loop)(a, 1, nv);
	else
		SGM_FN(vertical_loop)(a, 0, nv);
}

const sgm_kernels SGM_TABLE = {
    .name = SGM_NAME,
    .census = SGM_FN(census),
    .cost = SGM_FN(cost),
    .horizontal = SGM_FN(horizontal),
    .vertical = SGM_FN(vertical),
};
