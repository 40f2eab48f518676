/*
 * sgm_simd_body.h - the matcher's row kernels written once for every x86
 * vector width; included by sgm_sse2.c, sgm_sse41.c and sgm_avx2.c after
 * they define the vector layer below for their instruction set.
 *
 * The includer defines:
 *   SGM_T            attributes of every function: static inline + target
 *   SGM_FN(name)     prefixes a kernel name, SGM_TABLE / SGM_NAME the table
 *   vec, VB          the vector type and its size in bytes; V16 = VB / 2
 *   v_zero v_loadu v_storeu v_set1_8 v_set1_16 v_and v_or v_xor v_andnot
 *   v_adds16 v_subs16 v_min16 v_cmpeq16 v_cmpgt16 v_cmpgt8 v_add8 v_min_u8
 *   v_subs_u8 v_srl1_u8 v_popcnt8 v_reverse8 v_movemask8 v_hmin16
 *   v_load_u8_as16   V16 bytes widened to int16 lanes
 *   v_prev_lane16(p, c)  lane j = c[j-1], lane 0 = p[last]  (the value at d-1)
 *   v_next_lane16(c, n)  lane j = c[j+1], last = n[0]       (the value at d+1)
 *
 * Every kernel computes exactly what its counterpart in sgm_scalar.c
 * computes (same saturating operations in the same order, same tie rules);
 * rows narrower than a vector go to the scalar kernels.
 */

static SGM_T void SGM_FN(census)(const int8_t *img, size_t img_stride, int width, int cw, int ch,
				 uint8_t *planes, size_t plane_stride, int reversed)
{
	if (width < VB) {
		sgm_kernels_scalar.census(img, img_stride, width, cw, ch, planes, plane_stride,
					  reversed);
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

static SGM_T void SGM_FN(cost)(const sgm_cost_args *a)
{
	int w = a->width, nd = a->ndisp;
	if (nd < VB) {
		sgm_kernels_scalar.cost(a);
		return;
	}
	int8_t ramp_b[VB];
	for (int j = 0; j < VB; j++)
		ramp_b[j] = (int8_t)j;
	vec ramp = v_loadu(ramp_b);
	vec cap = v_set1_8(a->ad_cap), maxc = v_set1_8(a->max_cost);
	vec lb[8];

	for (int x = 0; x < w; x++) {
		uint8_t *c = a->cost + (size_t)x * (size_t)nd;
		size_t r0 = (size_t)(w - 1 - x);
		for (int b = 0; b < a->nplanes; b++)
			lb[b] = v_set1_8(a->lplanes[(size_t)b * a->plane_stride + (size_t)x]);
		vec li = v_set1_8(a->lrow[x]);
		for (int d0 = 0; d0 < nd; d0 += VB) {
			int d = d0 + VB <= nd ? d0 : nd - VB;
			vec acc = v_zero();
			for (int b = 0; b < a->nplanes; b++) {
				const uint8_t *r = a->rplanes + (size_t)b * a->plane_stride + r0 + d;
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

/* One step of a path from the previous row for one vector of disparities:
 * q points at the previous pixel's values of these disparities. */
static inline SGM_T vec SGM_FN(vstep)(const int16_t *q, vec cst, vec p1v, vec jump, vec pmin)
{
	vec u = v_adds16(v_min16(v_loadu(q - 1), v_loadu(q + 1)), p1v);
	u = v_min16(v_min16(u, v_loadu(q)), jump);
	return v_adds16(cst, v_subs16(u, pmin));
}

/* Winner-take-all of pixel x once its sums are stored at s (the right
 * image's running minimum was updated while they were computed). */
static inline SGM_T void SGM_FN(wta_pixel)(const sgm_agg_args *a, int x, const int16_t *s,
					   vec wmin)
{
	int nv = a->ndisp / V16;
	vec mv = v_set1_16(v_hmin16(wmin)), guard = v_set1_16(SGM_GUARD);
	int b = 0;
	for (int j = 0; j < nv; j++) {
		unsigned hit = v_movemask8(v_cmpeq16(v_loadu(s + j * V16), mv));
		if (hit) {
			b = j * V16 + __builtin_ctz(hit) / 2;
			break;
		}
	}
	a->best[x] = (uint16_t)b;
	if (!a->want_second)
		return;
	int16_t ramp_w[V16];
	for (int j = 0; j < V16; j++)
		ramp_w[j] = (int16_t)j;
	vec lo = v_set1_16(b - 2), hi = v_set1_16(b + 2), sm = guard, ramp = v_loadu(ramp_w);
	for (int j = 0; j < nv; j++) {
		vec idx = v_adds16(ramp, v_set1_16(j * V16));
		vec near = v_and(v_cmpgt16(idx, lo), v_cmpgt16(hi, idx));
		sm = v_min16(sm, v_or(v_and(near, guard), v_andnot(near, v_loadu(s + j * V16))));
	}
	a->second[x] = (int16_t)v_hmin16(sm);
}

/*
 * The aggregation loop; `vertical` and `wta` are constants in each caller,
 * so the compiler drops what a variant does not need and keeps the state of
 * the three vertical paths in registers.
 */
static inline SGM_T __attribute__((always_inline)) void
SGM_FN(aggregate_loop)(const sgm_agg_args *a, const int vertical, const int wta)
{
	int w = a->width, nd = a->ndisp, nv = nd / V16;
	size_t slot = SGM_SLOT((size_t)nd);
	_Alignas(32) int16_t hbuf[2][256];
	int16_t ramp_w[V16];
	int16_t hmin = 0;
	int cur = 0;
	vec p1v = v_set1_16(a->p1), guard = v_set1_16(SGM_GUARD);

	for (int j = 0; j < V16; j++)
		ramp_w[j] = (int16_t)j;
	vec ramp = v_loadu(ramp_w);
	memset(hbuf, 0, sizeof hbuf);
	/* Winner-take-all of the right image (dir = -1 only): lane d of the
	 * window holds, for right pixel x - d, the smallest sum and its d over
	 * the left pixels seen so far. */
	_Alignas(32) int16_t winv[256], wina[256];
	if (wta)
		for (int d = 0; d < nd; d++) {
			winv[d] = SGM_GUARD;
			wina[d] = 0;
		}
	for (int i = 0; i < w; i++) {
		int x = a->dir > 0 ? i : w - 1 - i;
		const uint8_t *c = a->cost + (size_t)x * (size_t)nd;
		int16_t *so = a->sum_out + (size_t)x * (size_t)nd;
		const int16_t *si = a->sum_in ? a->sum_in + (size_t)x * (size_t)nd : NULL;
		const int16_t *hp = hbuf[cur];
		int16_t *hn = hbuf[cur ^ 1];
		vec hjump = v_set1_16(sgm_adds16(hmin, sgm_p2(a, x, x - a->dir, a->img)));
		vec hpmin = v_set1_16(hmin), hmv = guard, wmin = guard;
		const int16_t *q0 = NULL, *q1 = NULL, *q2 = NULL;
		int16_t *o0 = NULL, *o1 = NULL, *o2 = NULL;
		vec j0 = guard, j1 = guard, j2 = guard, m0 = guard, m1 = guard, m2 = guard;
		vec n0 = guard, n1 = guard, n2 = guard;

		if (vertical) {
			int16_t pm0 = a->prev_min[0][x], pm1 = a->prev_min[1][x + 1];
			int16_t pm2 = a->prev_min[2][x + 2];
			q0 = a->prev[0] + (size_t)x * slot + SGM_SLOT_OFF;
			q1 = a->prev[1] + (size_t)(x + 1) * slot + SGM_SLOT_OFF;
			q2 = a->prev[2] + (size_t)(x + 2) * slot + SGM_SLOT_OFF;
			o0 = a->cur[0] + (size_t)(x + 1) * slot + SGM_SLOT_OFF;
			o1 = a->cur[1] + (size_t)(x + 1) * slot + SGM_SLOT_OFF;
			o2 = a->cur[2] + (size_t)(x + 1) * slot + SGM_SLOT_OFF;
			j0 = v_set1_16(sgm_adds16(pm0, sgm_p2(a, x, x - 1, a->img_prev)));
			j1 = v_set1_16(sgm_adds16(pm1, sgm_p2(a, x, x, a->img_prev)));
			j2 = v_set1_16(sgm_adds16(pm2, sgm_p2(a, x, x + 1, a->img_prev)));
			n0 = v_set1_16(pm0);
			n1 = v_set1_16(pm1);
			n2 = v_set1_16(pm2);
		}
		/* The right pixel x + 1 has seen all of its disparities. */
		if (wta && x + 1 < w)
			a->right[x + 1] = wina[0];
		vec prevv = guard, curv = v_loadu(hp), curw = v_loadu(winv), cura = v_loadu(wina);
		for (int j = 0; j < nv; j++) {
			vec nextv = j + 1 < nv ? v_loadu(hp + (j + 1) * V16) : guard;
			vec nextw = guard, nexta = v_zero();
			if (wta && j + 1 < nv) {
				nextw = v_loadu(winv + (j + 1) * V16);
				nexta = v_loadu(wina + (j + 1) * V16);
			}
			vec lo = v_prev_lane16(prevv, curv), hi = v_next_lane16(curv, nextv);
			vec cst = v_load_u8_as16(c + j * V16);
			vec t = v_min16(v_min16(curv, v_adds16(v_min16(lo, hi), p1v)), hjump);
			vec v = v_adds16(cst, v_subs16(t, hpmin));
			v_storeu(hn + j * V16, v);
			hmv = v_min16(hmv, v);
			vec sum = si ? v_adds16(v_loadu(si + j * V16), v) : v;
			if (vertical) {
				vec u0 = SGM_FN(vstep)(q0 + j * V16, cst, p1v, j0, n0);
				vec u1 = SGM_FN(vstep)(q1 + j * V16, cst, p1v, j1, n1);
				vec u2 = SGM_FN(vstep)(q2 + j * V16, cst, p1v, j2, n2);
				v_storeu(o0 + j * V16, u0);
				v_storeu(o1 + j * V16, u1);
				v_storeu(o2 + j * V16, u2);
				m0 = v_min16(m0, u0);
				m1 = v_min16(m1, u1);
				m2 = v_min16(m2, u2);
				sum = v_adds16(v_adds16(v_adds16(sum, u0), u1), u2);
			}
			v_storeu(so + j * V16, sum);
			if (wta) {
				/* Move the window on by one pixel, then take the
				 * sums that are not worse: x descends, so a right
				 * pixel meets its disparities in descending order
				 * and the lowest d wins ties. */
				vec r = v_next_lane16(curw, nextw), ar = v_next_lane16(cura, nexta);
				vec keep = v_cmpgt16(sum, r);
				vec idx = v_adds16(ramp, v_set1_16(j * V16));
				v_storeu(winv + j * V16, v_min16(r, sum));
				v_storeu(wina + j * V16, v_or(v_and(keep, ar), v_andnot(keep, idx)));
				wmin = v_min16(wmin, sum);
				curw = nextw;
				cura = nexta;
			}
			prevv = curv;
			curv = nextv;
		}
		hmin = (int16_t)v_hmin16(hmv);
		if (vertical) {
			a->cur_min[0][x + 1] = (int16_t)v_hmin16(m0);
			a->cur_min[1][x + 1] = (int16_t)v_hmin16(m1);
			a->cur_min[2][x + 1] = (int16_t)v_hmin16(m2);
		}
		if (wta)
			SGM_FN(wta_pixel)(a, x, so, wmin);
		cur ^= 1;
	}
	if (wta)
		a->right[0] = wina[0];
}

static SGM_T void SGM_FN(aggregate)(const sgm_agg_args *a)
{
	if (a->best && a->vertical)
		SGM_FN(aggregate_loop)(a, 1, 1);
	else if (a->best)
		SGM_FN(aggregate_loop)(a, 0, 1);
	else if (a->vertical)
		SGM_FN(aggregate_loop)(a, 1, 0);
	else
		SGM_FN(aggregate_loop)(a, 0, 0);
}

const sgm_kernels SGM_TABLE = {
	.name = SGM_NAME,
	.census = SGM_FN(census),
	.cost = SGM_FN(cost),
	.aggregate = SGM_FN(aggregate),
};
