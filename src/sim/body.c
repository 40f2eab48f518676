/*
 * body.c - people, carts and furniture as primitives in the world frame.
 *
 * A person is what an overhead camera sees of one: a head ellipsoid (hair or
 * skin on top, with optional hat, hood or long hair), a neck, a shoulder bar
 * and torso ellipsoid much wider than the head, a pelvis, swinging arms and
 * legs (capsules), and optional backpack, bag, cart or stroller. Dimensions
 * follow anthropometric ranges and are drawn once per person from its seed;
 * the pose (gait phase, bob, raised hand, a partner's hand) comes from
 * path.c. Children are not scaled adults: their heads are relatively larger
 * and their shoulders narrower.
 *
 * Surface ids are stable per person and part (1000 + 64 * person + part) and
 * per object (100 + 8 * object + part), so a texture can stick to a surface
 * from frame to frame.
 */
#include <math.h>
#include <string.h>

#include "sim_internal.h"

enum part {
	PART_HEAD,
	PART_HAT,
	PART_BRIM,
	PART_HOOD,
	PART_HAIR,
	PART_NECK,
	PART_SHOULDERS,
	PART_TORSO,
	PART_PELVIS,
	PART_LEG,
	PART_ARM = PART_LEG + 4,
	PART_BACKPACK = PART_ARM + 4,
	PART_BAG,
	PART_CART
};

ff_status sim_person_prepare(sim_person *p, int index, ff_error *err)
{
	uint64_t seed = p->d.seed ? p->d.seed : 0x5eed0000ULL + (uint64_t)index;
	sim_rng r = sim_rng_stream(seed, 7, (uint64_t)index);
	double H = p->d.height_m, build = p->d.build;
	bool child = H < 1.35;
	double k = H / 1.75;

	if (p->d.flags & FF_SIM_HAT)
		p->hat_h = sim_rng_range(&r, 0.03, 0.08);
	else if (p->d.flags & FF_SIM_HOOD)
		p->hat_h = sim_rng_range(&r, 0.025, 0.045);
	else
		p->hat_h = p->d.flags & FF_SIM_BALD ? 0 : sim_rng_range(&r, 0.0, 0.015);
	p->head_top = H - p->hat_h;
	if (child) {
		p->head_b = sim_rng_range(&r, 0.135, 0.15) / 2;
		p->head_a = sim_rng_range(&r, 0.17, 0.19) / 2;
		p->head_c = sim_rng_range(&r, 0.105, 0.115);
		p->shoulder_drop = sim_rng_range(&r, 0.17, 0.21);
		p->shoulder_w = 0.25 + 0.06 * build + sim_rng_range(&r, 0, 0.03);
		p->torso_d = 0.15 + 0.05 * build;
	} else {
		p->head_b = sim_rng_range(&r, 0.15, 0.17) / 2;
		p->head_a = sim_rng_range(&r, 0.19, 0.21) / 2;
		p->head_c = sim_rng_range(&r, 0.11, 0.125);
		p->shoulder_drop = sim_rng_range(&r, 0.22, 0.30);
		p->shoulder_w = 0.36 + 0.13 * build + sim_rng_range(&r, 0, 0.03);
		p->torso_d = 0.20 + 0.09 * build + sim_rng_range(&r, 0, 0.01);
	}
	p->torso_h = 0.30 * H;
	p->hip_h = 0.52 * H;
	p->arm_r = (0.038 + 0.012 * build) * (child ? 0.8 : 1.0);
	p->leg_r = (0.055 + 0.02 * build) * (child ? 0.8 : 1.0);
	p->step_len = 0.37 * H;
	p->bob = sim_rng_range(&r, 0.012, 0.025) * k;
	if (p->d.flags & FF_SIM_BALD)
		p->hair_mat = MAT_SKIN;
	else if (p->d.flags & FF_SIM_DARK_HAIR)
		p->hair_mat = MAT_HAIR_DARK;
	else
		p->hair_mat = sim_rng_uniform(&r) < 0.6 ? MAT_HAIR_DARK : MAT_HAIR_LIGHT;
	if (p->d.flags & FF_SIM_DARK_CLOTHES)
		p->cloth_mat = MAT_CLOTH_DARK;
	else
		p->cloth_mat = sim_rng_uniform(&r) < 0.3 ? MAT_CLOTH_DARK : MAT_CLOTH;
	p->sway_phase = sim_rng_range(&r, 0, 2 * M_PI);
	return sim_path_prepare(p, err);
}

/* A person's frame: forward, left, up. */
typedef struct frame {
	double o[3], f[3], l[3];
} frame;

static void at(const frame *fr, double fwd, double left, double z, double out[3])
{
	out[0] = fr->o[0] + fwd * fr->f[0] + left * fr->l[0];
	out[1] = fr->o[1] + fwd * fr->f[1] + left * fr->l[1];
	out[2] = z;
}

typedef struct sink {
	sim_prim *p;
	int n, cap;
	int surface;
} sink;

static sim_prim *next(sink *s, int kind, int mat, int part)
{
	if (s->n >= s->cap)
		return NULL;
	sim_prim *p = s->p + s->n++;
	memset(p, 0, sizeof *p);
	p->kind = kind;
	p->material = mat;
	p->surface = s->surface + part;
	return p;
}

static void set_axes(sim_prim *p, const double f[3], const double l[3])
{
	for (int i = 0; i < 3; i++) {
		p->ax[0][i] = f[i];
		p->ax[1][i] = l[i];
		p->ax[2][i] = 0;
	}
	p->ax[2][2] = 1;
}

/* An ellipsoid (semi-axes) or box (half extents) upright in frame fr. */
static void solid(sink *s, const frame *fr, int kind, int mat, int part, const double c[3],
		  double a, double b, double cz)
{
	sim_prim *p = next(s, kind, mat, part);
	if (!p)
		return;
	memcpy(p->c, c, sizeof p->c);
	set_axes(p, fr->f, fr->l);
	p->h[0] = a;
	p->h[1] = b;
	p->h[2] = cz;
}

static void ellipsoid(sink *s, const frame *fr, int mat, int part, const double c[3], double a,
		      double b, double cz)
{
	solid(s, fr, PRIM_ELLIPSOID, mat, part, c, a, b, cz);
}

static void box(sink *s, const frame *fr, int mat, int part, const double c[3], double a, double b,
		double cz)
{
	solid(s, fr, PRIM_BOX, mat, part, c, a, b, cz);
}

static void capsule(sink *s, int mat, int part, const double a[3], const double b[3], double r)
{
	sim_prim *p = next(s, PRIM_CAPSULE, mat, part);
	if (!p)
		return;
	memcpy(p->c, a, sizeof p->c);
	memcpy(p->b, b, sizeof p->b);
	p->r = r;
}

static double clamp01(double v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

static void lerp3(const double a[3], const double b[3], double w, double out[3])
{
	for (int i = 0; i < 3; i++)
		out[i] = a[i] + w * (b[i] - a[i]);
}

static void cart(sink *s, const frame *fr, const sim_person *p)
{
	double c[3];
	if (p->d.flags & FF_SIM_STROLLER) {
		at(fr, 0.85, 0, 0.47, c);
		box(s, fr, MAT_CLOTH_DARK, PART_CART, c, 0.3, 0.25, 0.18);
		at(fr, 0.72, 0, 0.72, c);
		ellipsoid(s, fr, MAT_CLOTH, PART_CART + 1, c, 0.24, 0.26, 0.28);
	} else {
		/* An open wire basket: from above one sees the rim at ~1 m and
		 * into it, not a flat top. */
		double len = 0.8, w = 0.28, bottom = 0.45, rim = 1.0;
		double zc = (bottom + rim) / 2, hz = (rim - bottom) / 2;
		at(fr, 0.5, 0, zc, c);
		box(s, fr, MAT_METAL, PART_CART, c, 0.012, w, hz);
		at(fr, 0.5 + len, 0, zc, c);
		box(s, fr, MAT_METAL, PART_CART + 1, c, 0.012, w, hz);
		at(fr, 0.5 + len / 2, w, zc, c);
		box(s, fr, MAT_METAL, PART_CART + 2, c, len / 2, 0.012, hz);
		at(fr, 0.5 + len / 2, -w, zc, c);
		box(s, fr, MAT_METAL, PART_CART + 3, c, len / 2, 0.012, hz);
		at(fr, 0.5 + len / 2, 0, bottom, c);
		box(s, fr, MAT_METAL, PART_CART + 4, c, len / 2, w, 0.01);
		at(fr, 0.5 + len * 0.6, 0.05, bottom + 0.1, c);
		box(s, fr, MAT_CLOTH, PART_CART + 5, c, 0.15, 0.12, 0.1);
	}
	double a[3], b[3];
	at(fr, 0.42, -0.26, 1.02, a);
	at(fr, 0.42, 0.26, 1.02, b);
	capsule(s, MAT_METAL, PART_CART + 6, a, b, 0.016);
}

int sim_body_prims(const ff_sim_scene *sc, int idx, const sim_pose *pose, double t, sim_prim *out,
		   int cap)
{
	const sim_person *p = sc->people + idx;
	sink s = {out, 0, cap, 1000 + 64 * idx};
	frame fr = {{pose->x, pose->y, 0},
		    {cos(pose->heading), sin(pose->heading), 0},
		    {-sin(pose->heading), cos(pose->heading), 0}};
	double H = p->d.height_m, k = H / 1.75;
	double top = pose->head_top;
	double skull = top - p->hat_h;
	double shoulder_top = skull - p->shoulder_drop;
	double c[3], a[3], b[3];
	double speed = hypot(pose->vx, pose->vy);
	double walk = fmin(1.0, speed / 0.6);

	at(&fr, 0.01, 0, skull - p->head_c, c);
	ellipsoid(&s, &fr, p->hair_mat, PART_HEAD, c, p->head_a, p->head_b, p->head_c);
	if (p->d.flags & FF_SIM_HAT) {
		at(&fr, 0.01, 0, skull - 0.04, c);
		ellipsoid(&s, &fr, p->cloth_mat, PART_HAT, c, p->head_a + 0.012, p->head_b + 0.012,
			  p->hat_h + 0.04);
		if ((p->d.seed ^ (uint64_t)idx) & 1) {
			at(&fr, 0.02, 0, skull - 0.035, c);
			ellipsoid(&s, &fr, p->cloth_mat, PART_BRIM, c, 0.17, 0.16, 0.012);
		}
	} else if (p->d.flags & FF_SIM_HOOD) {
		double cz = p->head_c + p->hat_h;
		at(&fr, -0.02, 0, top - cz, c);
		ellipsoid(&s, &fr, p->cloth_mat, PART_HOOD, c, p->head_a + 0.035, p->head_b + 0.035,
			  cz);
		at(&fr, -p->head_a - 0.02, 0, skull - p->head_c - 0.12, c);
		ellipsoid(&s, &fr, p->cloth_mat, PART_HOOD + 1, c, 0.06, p->head_b + 0.03, 0.12);
	}
	if (p->d.flags & FF_SIM_LONG_HAIR) {
		at(&fr, -p->head_a * 0.55, 0, skull - p->head_c - 0.1, c);
		ellipsoid(&s, &fr, p->hair_mat, PART_HAIR, c, 0.055, p->head_b * 0.95, 0.17 * k);
	}
	at(&fr, 0, 0, skull - p->head_c * 1.3, a);
	at(&fr, -0.01, 0, shoulder_top - 0.03, b);
	capsule(&s, MAT_SKIN, PART_NECK, a, b, 0.05 * fmin(1.0, k + 0.1));

	double rs = H < 1.35 ? 0.05 : 0.065;
	double half_w = p->shoulder_w / 2;
	at(&fr, 0, -(half_w - rs), shoulder_top - rs, a);
	at(&fr, 0, half_w - rs, shoulder_top - rs, b);
	capsule(&s, p->cloth_mat, PART_SHOULDERS, a, b, rs);
	at(&fr, 0, 0, shoulder_top - p->torso_h * 0.5, c);
	ellipsoid(&s, &fr, p->cloth_mat, PART_TORSO, c, p->torso_d / 2, half_w * 0.85,
		  p->torso_h * 0.55);
	at(&fr, 0, 0, p->hip_h + 0.02, c);
	ellipsoid(&s, &fr, p->cloth_mat, PART_PELVIS, c, p->torso_d * 0.45, half_w * 0.72,
		  0.12 * k);

	double swing = sin(pose->phase) * p->step_len * 0.5 * walk;
	for (int side = -1, n = 0; side <= 1; side += 2, n++) {
		double hip[3], knee[3], ankle[3];
		double fs = side * swing;
		at(&fr, 0, side * 0.09 * k, p->hip_h, hip);
		at(&fr, fs * 0.5 + 0.03, side * 0.1 * k, p->hip_h * 0.5, knee);
		at(&fr, fs, side * 0.1 * k, 0.07, ankle);
		capsule(&s, p->cloth_mat, PART_LEG + 2 * n, hip, knee, p->leg_r);
		capsule(&s, p->cloth_mat, PART_LEG + 2 * n + 1, knee, ankle, p->leg_r * 0.8);
	}

	/* Arms: swing opposite to the legs; the right one may be raised, both
	 * push a cart, the inner one may hold a partner's hand. */
	double raise = clamp01((t - p->d.raise_from) / 0.5) * clamp01((p->d.raise_to - t) / 0.5);
	sim_pose partner;
	bool holding = p->d.hand_partner >= 0 && p->d.hand_partner < sc->npeople &&
		       p->d.hand_partner != idx &&
		       sim_person_pose(sc->people + p->d.hand_partner, t, &partner);
	int hold_side = 0;
	double hold[3];
	if (holding) {
		double dx = partner.x - pose->x, dy = partner.y - pose->y;
		hold_side = dx * fr.l[0] + dy * fr.l[1] > 0 ? 1 : -1;
		double hz = 0.42 * fmin(H, sc->people[p->d.hand_partner].d.height_m) + 0.2;
		hold[0] = (pose->x + partner.x) / 2 + 0.1 * fr.f[0];
		hold[1] = (pose->y + partner.y) / 2 + 0.1 * fr.f[1];
		hold[2] = hz;
	}
	double l1 = 0.30 * k, l2 = 0.27 * k;
	for (int side = -1, n = 0; side <= 1; side += 2, n++) {
		double sh[3], el[3], hd[3];
		at(&fr, 0, side * (half_w - 0.05), shoulder_top - 0.06, sh);
		double ang = -side * sin(pose->phase) * 0.35 * walk;
		at(&fr, sin(ang) * l1, side * (half_w - 0.02), sh[2] - cos(ang) * l1, el);
		at(&fr, sin(ang) * l1 + sin(ang + 0.25) * l2, side * (half_w - 0.01),
		   el[2] - cos(ang + 0.25) * l2, hd);
		if (p->d.flags & (FF_SIM_CART | FF_SIM_STROLLER)) {
			at(&fr, 0.25, side * (half_w - 0.02), sh[2] - 0.22, el);
			at(&fr, 0.42, side * 0.2, 1.02, hd);
		} else if (holding && side == hold_side) {
			lerp3(sh, hold, 0.5, el);
			el[2] -= 0.05;
			memcpy(hd, hold, sizeof hd);
		} else if (side == -1 && raise > 0) {
			double rel[3], rhd[3];
			at(&fr, 0.05, side * (half_w + 0.03), sh[2] + 0.27 * k, rel);
			at(&fr, 0.08, side * (half_w + 0.02), sh[2] + 0.52 * k, rhd);
			lerp3(el, rel, raise, el);
			lerp3(hd, rhd, raise, hd);
		}
		capsule(&s, p->cloth_mat, PART_ARM + 2 * n, sh, el, p->arm_r);
		capsule(&s, MAT_SKIN, PART_ARM + 2 * n + 1, el, hd, p->arm_r * 0.85);
	}
	if (p->d.flags & FF_SIM_BACKPACK) {
		at(&fr, -(p->torso_d / 2 + 0.07), 0, shoulder_top - 0.24, c);
		box(&s, &fr, MAT_CLOTH_DARK, PART_BACKPACK, c, 0.075, 0.15 * fmin(1, k + 0.1), 0.2);
	}
	if (p->d.flags & FF_SIM_BAG) {
		at(&fr, 0.02, half_w + 0.07, p->hip_h + 0.02, c);
		box(&s, &fr, p->cloth_mat, PART_BAG, c, 0.15, 0.05, 0.13);
	}
	if (p->d.flags & (FF_SIM_CART | FF_SIM_STROLLER))
		cart(&s, &fr, p);
	return s.n;
}

int sim_object_prims(const ff_sim_object *o, int surface, sim_prim *out, int cap)
{
	sink s = {out, 0, cap, surface};
	double yaw = o->yaw_deg * M_PI / 180;
	frame fr = {{o->x, o->y, 0}, {cos(yaw), sin(yaw), 0}, {-sin(yaw), cos(yaw), 0}};
	double c[3], hx = o->sx / 2, hy = o->sy / 2;

	switch (o->kind) {
	case FF_SIM_BOX:
	case FF_SIM_SHELF:
	case FF_SIM_WALL:
		at(&fr, 0, 0, o->sz / 2, c);
		box(&s, &fr, o->kind == FF_SIM_WALL ? MAT_WALL : MAT_WOOD, 0, c, hx, hy, o->sz / 2);
		break;
	case FF_SIM_TABLE:
	case FF_SIM_CHAIR: {
		double seat = o->kind == FF_SIM_TABLE ? o->sz : fmin(0.46, o->sz);
		at(&fr, 0, 0, seat - 0.02, c);
		box(&s, &fr, MAT_WOOD, 0, c, hx, hy, 0.02);
		for (int i = 0; i < 4; i++) {
			double lx = (i & 1 ? 1 : -1) * (hx - 0.04),
			       ly = (i & 2 ? 1 : -1) * (hy - 0.04);
			at(&fr, lx, ly, (seat - 0.04) / 2, c);
			box(&s, &fr, MAT_METAL, 1 + i, c, 0.02, 0.02, (seat - 0.04) / 2);
		}
		if (o->kind == FF_SIM_CHAIR && o->sz > seat) {
			at(&fr, -hx + 0.02, 0, (seat + o->sz) / 2, c);
			box(&s, &fr, MAT_WOOD, 5, c, 0.02, hy, (o->sz - seat) / 2);
		}
		break;
	}
	}
	return s.n;
}
