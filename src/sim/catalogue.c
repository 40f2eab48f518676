/*
 * catalogue.c - the named scenes the engine is tuned and judged on.
 *
 * A scene is a table entry: camera (height 2.2-6 m, tilt), timing, the rules
 * layout and a list of traffic generators with their share of the people.
 * Generators are line-relative: a walker picks a point on a drawn line,
 * computes where that is on the floor plan at the height of its own tracked
 * point, and walks through it (perpendicular or at an angle, straight or
 * curved) from outside the view to outside the view. Other generators turn
 * back before or after a line, dither on it, go round its end, stop in a
 * region, queue, walk in pairs or hand in hand, push carts.
 *
 * Each candidate person is checked before it is kept: it must not walk
 * through anybody or any furniture, and the truth must be clear-cut for it
 * (sim_truth_person_check). A rejected candidate is redrawn, so the seed
 * decides the scene and the scene never depends on luck in the truth.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <footfall/io.h>

#include "sim_internal.h"

/* ---- Scene descriptions ------------------------------------------------ */

enum layout {
	LAY_CENTRE,    /* one line across the middle */
	LAY_CENTRE_UT, /* the same with a U-turn area */
	LAY_TWO,       /* two lines, different drawing directions */
	LAY_POLY,      /* a multi-segment line and a straight one */
	LAY_FOUR,      /* four lines */
	LAY_REGIONS,   /* a line and regions */
	LAY_DOORWAY,   /* door line with U-turn area and a region inside */
	LAY_OFFSET,    /* a line off centre drawn upwards, flipped */
	LAY_QUAD       /* a line and four regions of different settings */
};

enum gen {
	G_WALK,	  /* crossings, perpendicular or angled, straight or curved */
	G_PAIR,	  /* two shoulder to shoulder */
	G_QUEUE,  /* a tight queue of 3-6 */
	G_HAND,	  /* adult holding a child's hand */
	G_CART,	  /* pushing a cart or stroller */
	G_UTURN,  /* turns back before or after the line */
	G_DITHER, /* sways and steps on the line, then goes on or back */
	G_AROUND, /* passes beyond a line's end */
	G_ALONG,  /* walks parallel to a line without crossing */
	G_DWELL,  /* walks into a region, stays, leaves */
	G_STAND,  /* stands still for a long time */
	G_COUNT
};

enum extra {
	X_FURNITURE = 1 << 0,
	X_CHILDREN = 1 << 1,	/* many children */
	X_RAISE = 1 << 2,	/* raised hands */
	X_LOOKS = 1 << 3,	/* hats, hoods, hair, backpacks */
	X_FAST_SLOW = 1 << 4,	/* speeds over the whole 0.5-1.8 m/s range */
	X_NO_CHILDREN = 1 << 5, /* children distinction off */
	X_AUTO_HEIGHT = 1 << 6, /* installation height detected */
	X_MIN_HEIGHT = 1 << 7,	/* min target height 1.4: children not counted */
	X_NO_FILTER = 1 << 8,	/* U-turn filtering off */
	X_FEET = 1 << 9,
	X_CURVES = 1 << 10,
	X_JITTER = 1 << 11, /* timestamp jitter and dropped frames */
	X_TALL = 1 << 12,   /* people up to 2.0 m, max target 2.1 */
	X_PLAIN_FLOOR = 1 << 13,
	X_NOISY = 1 << 14 /* a worse stereo camera */
};

typedef struct scene_def {
	const char *name;
	const char *summary;
	uint64_t seed;
	double height, tilt_x, tilt_y, tilt_z;
	double fps, duration;
	enum layout layout;
	unsigned extras;
	int people;	  /* people to generate */
	int mix[G_COUNT]; /* relative shares of the generators */
} scene_def;

#define MIX(...)                                                                                   \
	{                                                                                          \
		__VA_ARGS__                                                                        \
	}

static const scene_def defs[] = {
    {"single", "one adult walks across the line", 101, 3.0, 0, 0, 0, 15, 20, LAY_CENTRE, 0, 1,
     MIX([G_WALK] = 1)},
    {"sparse_3m", "a few people both ways, 3 m", 102, 3.0, 0, 0, 0, 15, 40, LAY_CENTRE, X_LOOKS, 10,
     MIX([G_WALK] = 1)},
    {"pairs_3m", "pairs walking shoulder to shoulder, 3 m", 103, 3.0, 0, 0, 0, 15, 40, LAY_CENTRE,
     X_LOOKS, 12, MIX([G_PAIR] = 3, [G_WALK] = 1)},
    {"queue_2m8", "tight queues (0.45-0.6 m spacing), 2.8 m", 104, 2.8, 0, 0, 0, 15, 40, LAY_CENTRE,
     0, 14, MIX([G_QUEUE] = 3, [G_WALK] = 1)},
    {"queue_4m", "tight queues both ways, 4 m", 105, 4.0, 0, 0, 0, 12, 40, LAY_CENTRE_UT, X_LOOKS,
     18, MIX([G_QUEUE] = 3, [G_WALK] = 1)},
    {"crowd_3m5", "a crowd crossing both ways, 3.5 m", 106, 3.5, 0, 0, 0, 15, 40, LAY_CENTRE,
     X_LOOKS | X_CURVES, 80, MIX([G_WALK] = 4, [G_PAIR] = 1)},
    {"crowd_4m", "a dense crowd both ways with children, 4 m", 107, 4.0, 0, 0, 0, 12, 45, LAY_TWO,
     X_LOOKS | X_CURVES, 110, MIX([G_WALK] = 4, [G_PAIR] = 1, [G_HAND] = 1)},
    {"children_hand", "children holding an adult's hand, 3 m", 108, 3.0, 0, 0, 0, 15, 40,
     LAY_CENTRE, X_CHILDREN, 12, MIX([G_HAND] = 3, [G_WALK] = 1)},
    {"children_mix", "children and adults, children counted apart, 3.2 m", 109, 3.2, 0, 0, 0, 15,
     40, LAY_CENTRE_UT, X_CHILDREN | X_LOOKS, 14, MIX([G_WALK] = 1)},
    {"children_off", "children distinction off", 110, 3.0, 0, 0, 0, 15, 30, LAY_CENTRE,
     X_CHILDREN | X_NO_CHILDREN, 10, MIX([G_WALK] = 2, [G_HAND] = 1)},
    {"min_height", "min target height 1.4 m: children are not counted", 111, 3.4, 0, 0, 0, 15, 40,
     LAY_CENTRE, X_CHILDREN | X_MIN_HEIGHT, 14, MIX([G_WALK] = 2, [G_HAND] = 1)},
    {"carts", "shopping carts pushed across the line, 3.5 m", 112, 3.5, 0, 0, 0, 15, 45, LAY_CENTRE,
     0, 10, MIX([G_CART] = 2, [G_WALK] = 1)},
    {"strollers", "strollers and carts, 3 m, with a U-turn area", 113, 3.0, 0, 0, 0, 15, 40,
     LAY_CENTRE_UT, X_LOOKS, 9, MIX([G_CART] = 2, [G_WALK] = 1)},
    {"uturns", "people turning back before and after the line, filtering on", 114, 3.0, 0, 0, 0, 15,
     45, LAY_CENTRE_UT, 0, 14, MIX([G_UTURN] = 2, [G_WALK] = 1)},
    {"uturns_nofilter", "turning back, U-turn filtering off", 115, 3.2, 0, 0, 0, 15, 45,
     LAY_CENTRE_UT, X_NO_FILTER, 14, MIX([G_UTURN] = 2, [G_WALK] = 1)},
    {"dithering", "people swaying and stepping on the line", 116, 3.0, 0, 0, 0, 15, 45, LAY_CENTRE,
     0, 9, MIX([G_DITHER] = 2, [G_WALK] = 1)},
    {"dithering_ut", "dithering on a line with a U-turn area, 3.6 m", 117, 3.6, 0, 0, 0, 15, 45,
     LAY_CENTRE_UT, X_LOOKS, 9, MIX([G_DITHER] = 2, [G_WALK] = 1)},
    {"around_end", "people passing beyond a short line's ends", 118, 3.4, 0, 0, 0, 15, 40,
     LAY_OFFSET, 0, 12, MIX([G_AROUND] = 2, [G_WALK] = 1, [G_ALONG] = 1)},
    {"regions_dwell", "regions with dwell records and pass-by filter", 119, 3.0, 0, 0, 0, 15, 60,
     LAY_REGIONS, X_LOOKS, 12, MIX([G_DWELL] = 2, [G_WALK] = 1, [G_STAND] = 0)},
    {"standing_long", "one person stands still for a long time in a region", 120, 3.2, 0, 0, 0, 15,
     60, LAY_REGIONS, 0, 8, MIX([G_STAND] = 1, [G_WALK] = 4, [G_DWELL] = 1)},
    {"tilt_8deg", "camera tilted 8 degrees", 121, 3.0, 8, 0, 0, 15, 40, LAY_CENTRE_UT, X_LOOKS, 14,
     MIX([G_WALK] = 3, [G_UTURN] = 1)},
    {"tilt_5deg_feet", "tilted 5 degrees about two axes, feet mode", 122, 3.5, -4, 3.5, 0, 15, 40,
     LAY_TWO, X_FEET, 14, MIX([G_WALK] = 3, [G_PAIR] = 1)},
    {"tilt_auto", "tilted 6 degrees, installation height detected", 123, 3.3, 3, -5, 0, 15, 40,
     LAY_CENTRE, X_AUTO_HEIGHT | X_LOOKS, 12, MIX([G_WALK] = 1)},
    {"rotated", "camera rotated 30 degrees about its axis, angled line", 124, 3.0, 0, 0, 30, 15, 40,
     LAY_TWO, X_CURVES, 14, MIX([G_WALK] = 1)},
    {"high_6m", "6 m installation, narrow field of view", 125, 6.0, 0, 0, 0, 12, 40, LAY_CENTRE,
     X_LOOKS, 45, MIX([G_WALK] = 3, [G_PAIR] = 1)},
    {"high_5m", "5 m installation, crowd and carts", 126, 5.0, 0, 0, 0, 12, 45, LAY_TWO,
     X_LOOKS | X_CURVES, 60, MIX([G_WALK] = 4, [G_CART] = 1, [G_PAIR] = 1)},
    {"high_4m5_tilt", "4.5 m, tilted 7 degrees, queues", 127, 4.5, 0, 7, 0, 12, 45, LAY_CENTRE_UT,
     0, 20, MIX([G_QUEUE] = 1, [G_WALK] = 2)},
    {"low_2m2", "2.2 m installation, very close heads", 128, 2.2, 0, 0, 0, 20, 30, LAY_CENTRE, 0, 8,
     MIX([G_WALK] = 1)},
    {"low_2m5", "2.5 m installation, pairs", 129, 2.5, 0, 0, 0, 20, 30, LAY_CENTRE, X_LOOKS, 10,
     MIX([G_WALK] = 2, [G_PAIR] = 1)},
    {"furniture", "tables, shelves and chairs beside the walkway", 130, 3.2, 0, 0, 0, 15, 40,
     LAY_REGIONS, X_FURNITURE | X_LOOKS, 12, MIX([G_WALK] = 2, [G_DWELL] = 1)},
    {"raised_arms", "people raising a hand above the head", 131, 3.0, 0, 0, 0, 15, 40, LAY_CENTRE,
     X_RAISE | X_TALL, 12, MIX([G_WALK] = 2, [G_DITHER] = 1)},
    {"feet_mode", "feet tracking with off-centre lines", 132, 3.4, 0, 0, 0, 15, 40, LAY_TWO,
     X_FEET | X_CHILDREN, 14, MIX([G_WALK] = 3, [G_HAND] = 1)},
    {"polyline", "a three-segment line and a straight one", 133, 3.5, 0, 0, 0, 15, 40, LAY_POLY,
     X_CURVES, 16, MIX([G_WALK] = 3, [G_AROUND] = 1)},
    {"four_lines", "four lines drawn in different directions", 134, 4.0, 0, 0, 0, 12, 40, LAY_FOUR,
     X_CURVES, 18, MIX([G_WALK] = 1)},
    {"curves", "curved paths and angled crossings", 135, 3.0, 0, 0, 0, 15, 40, LAY_CENTRE_UT,
     X_CURVES, 14, MIX([G_WALK] = 1)},
    {"looks", "hats, hoods, long hair, backpacks, dark hair", 136, 2.8, 0, 0, 0, 15, 40, LAY_CENTRE,
     X_LOOKS, 14, MIX([G_WALK] = 1)},
    {"fast_slow", "walking speeds from 0.5 to 1.8 m/s", 137, 3.0, 0, 0, 0, 15, 40, LAY_CENTRE,
     X_FAST_SLOW, 14, MIX([G_WALK] = 1)},
    {"fps10_jitter", "10 fps with timestamp jitter and dropped frames", 138, 3.0, 0, 0, 0, 10, 40,
     LAY_CENTRE_UT, X_JITTER | X_FAST_SLOW, 14, MIX([G_WALK] = 1)},
    {"fps30", "30 fps, tall people, max target height 2.1 m", 139, 3.2, 0, 0, 0, 30, 25, LAY_CENTRE,
     X_TALL, 8, MIX([G_WALK] = 1)},
    {"plain_floor", "low-texture floor and a noisier camera", 140, 3.6, 0, 0, 0, 15, 40, LAY_CENTRE,
     X_PLAIN_FLOOR | X_NOISY | X_LOOKS, 14, MIX([G_WALK] = 1)},
    {"offset_flip", "an off-centre line drawn upwards, flipped", 141, 3.0, 0, 0, 0, 15, 35,
     LAY_OFFSET, X_CURVES, 12, MIX([G_WALK] = 3, [G_ALONG] = 1)},
    {"doorway", "a doorway: line with U-turn area and a region inside", 142, 3.0, 0, 0, 0, 15, 30,
     LAY_DOORWAY, X_LOOKS, 12, MIX([G_WALK] = 3, [G_UTURN] = 1, [G_DWELL] = 1)},
    {"regions_four", "four regions (an L-shaped one) with different filters", 144, 3.6, 0, 0, 0, 12,
     60, LAY_QUAD, X_LOOKS, 16, MIX([G_DWELL] = 3, [G_STAND] = 1, [G_WALK] = 2)},
    {"mixed_4m", "everything at once at 4 m", 143, 4.0, 2, -2, 0, 12, 60, LAY_REGIONS,
     X_LOOKS | X_CURVES | X_RAISE | X_CHILDREN, 60,
     MIX([G_WALK] = 4, [G_PAIR] = 1, [G_HAND] = 1, [G_CART] = 1, [G_UTURN] = 1, [G_DITHER] = 1,
	 [G_DWELL] = 1)},
};

#define NDEFS (sizeof defs / sizeof defs[0])

size_t ff_sim_catalogue_size(void)
{
	return NDEFS;
}

const char *ff_sim_catalogue_name(size_t i)
{
	return i < NDEFS ? defs[i].name : NULL;
}

const char *ff_sim_catalogue_summary(size_t i)
{
	return i < NDEFS ? defs[i].summary : NULL;
}

uint64_t ff_sim_catalogue_seed(size_t i)
{
	return i < NDEFS ? defs[i].seed : 0;
}

/* ---- Rules layouts ----------------------------------------------------- */

static void line2(ff_rules *r, double x0, double y0, double x1, double y1)
{
	ff_line *l = r->lines + r->nlines;
	memset(l, 0, sizeof *l);
	l->id = r->nlines + 1;
	snprintf(l->name, sizeof l->name, "Line%d", l->id);
	l->npoints = 2;
	l->points[0] = (ff_point){x0, y0};
	l->points[1] = (ff_point){x1, y1};
	r->nlines++;
}

/* A U-turn area: the band of half-width w around a two-point line,
 * extended a little beyond its ends. */
static void band(ff_line *l, double w)
{
	ff_point a = l->points[0], b = l->points[l->npoints - 1];
	double dx = b.x - a.x, dy = b.y - a.y, len = hypot(dx, dy);
	double tx = dx / len * 0.02, ty = dy / len * 0.02, nx = -dy / len * w, ny = dx / len * w;
	ff_point p[4] = {{a.x - tx + nx, a.y - ty + ny},
			 {b.x + tx + nx, b.y + ty + ny},
			 {b.x + tx - nx, b.y + ty - ny},
			 {a.x - tx - nx, a.y - ty - ny}};
	for (int i = 0; i < 4; i++) {
		p[i].x = fmin(1, fmax(0, p[i].x));
		p[i].y = fmin(1, fmax(0, p[i].y));
	}
	memcpy(l->uturn, p, sizeof p);
	l->uturn_npoints = 4;
}

static void region(ff_rules *r, double x0, double y0, double x1, double y1, double pass_by,
		   double dwell)
{
	ff_region *g = r->regions + r->nregions;
	memset(g, 0, sizeof *g);
	g->id = r->nregions + 1;
	snprintf(g->name, sizeof g->name, "Region%d", g->id);
	g->npoints = 4;
	g->points[0] = (ff_point){x0, y0};
	g->points[1] = (ff_point){x1, y0};
	g->points[2] = (ff_point){x1, y1};
	g->points[3] = (ff_point){x0, y1};
	g->people_counting = pass_by >= 0;
	g->pass_by_filter_s = pass_by >= 0 ? pass_by : 5;
	g->dwell_time = dwell >= 0;
	g->min_dwell_s = dwell >= 0 ? dwell : 5;
	r->nregions++;
}

static void make_rules(const scene_def *d, sim_rng *rng, ff_rules *r)
{
	ff_rules_default(r);
	r->installation_height_m = d->height;
	r->installation_height_auto = d->extras & X_AUTO_HEIGHT;
	r->tracking_mode = d->extras & X_FEET ? FF_TRACK_FEET : FF_TRACK_HEAD;
	if (d->extras & X_NO_CHILDREN)
		r->children_enabled = false;
	if (d->extras & X_MIN_HEIGHT)
		r->min_target_height_m = 1.4;
	if (d->extras & X_TALL)
		r->max_target_height_m = 2.1;
	r->uturn_filtering = !(d->extras & X_NO_FILTER);
	double j = sim_rng_range(rng, -0.04, 0.04);
	/* U-turn band half-width: about 0.8 m at head height */
	double w = 0.8 / (2 * (d->height - 1.7) *
			  tan((d->height <= 3	? 103
			       : d->height <= 4 ? 94
			       : d->height <= 5 ? 89
						: 62) *
			      M_PI / 360));
	w = fmin(0.3, w);
	switch (d->layout) {
	case LAY_CENTRE:
	case LAY_CENTRE_UT:
		if (sim_rng_uniform(rng) < 0.5)
			line2(r, 0.5 + j, 0.05, 0.5 - j, 0.95);
		else
			line2(r, 0.5 - j, 0.95, 0.5 + j, 0.05);
		if (d->layout == LAY_CENTRE_UT)
			band(r->lines, w);
		break;
	case LAY_TWO:
		line2(r, 0.36, 0.08, 0.36 + j, 0.92);
		line2(r, 0.68 - j, 0.92, 0.66, 0.08);
		break;
	case LAY_OFFSET:
		line2(r, 0.6, 0.75, 0.6 + j, 0.25);
		r->lines[0].flip = true;
		break;
	case LAY_POLY: {
		ff_line *l = r->lines;
		line2(r, 0.3, 0.05, 0.42, 0.35);
		l->npoints = 4;
		l->points[2] = (ff_point){0.42, 0.65};
		l->points[3] = (ff_point){0.3, 0.95};
		line2(r, 0.75, 0.1, 0.75, 0.9);
		break;
	}
	case LAY_FOUR:
		line2(r, 0.3, 0.1, 0.3, 0.9);
		line2(r, 0.7, 0.9, 0.7, 0.1);
		line2(r, 0.35, 0.25, 0.65, 0.25);
		line2(r, 0.65, 0.75, 0.35, 0.75);
		r->lines[3].flip = true;
		break;
	case LAY_REGIONS:
		line2(r, 0.5, 0.05, 0.5, 0.95);
		region(r, 0.06, 0.1, 0.36, 0.9, 3, 5);
		region(r, 0.66, 0.15, 0.94, 0.85, 5, 8);
		break;
	case LAY_QUAD: {
		line2(r, 0.52, 0.05, 0.5, 0.95);
		region(r, 0.05, 0.08, 0.4, 0.45, 2, 4);
		region(r, 0.62, 0.08, 0.95, 0.45, -1, 6);
		region(r, 0.62, 0.55, 0.95, 0.92, 4, -1);
		ff_region *l = r->regions + r->nregions;
		region(r, 0.05, 0.55, 0.4, 0.92, 0, 3);
		const ff_point shape[6] = {{0.05, 0.55}, {0.22, 0.55}, {0.22, 0.75},
					   {0.4, 0.75},	 {0.4, 0.92},  {0.05, 0.92}};
		memcpy(l->points, shape, sizeof shape);
		l->npoints = 6;
		break;
	}
	case LAY_DOORWAY:
		line2(r, 0.38, 0.95, 0.38, 0.05);
		band(r->lines, w);
		region(r, 0.62, 0.15, 0.95, 0.85, 3, 4);
		break;
	}
}

/* ---- Generation -------------------------------------------------------- */

typedef struct gen_ctx {
	ff_sim_scene *s;
	const scene_def *d;
	sim_rng rng;
	double bx0, bx1, by0, by1; /* view bounds on the floor plus margin */
	int *group;		   /* group per person (no collision inside) */
	double *gap;		   /* clearance each person keeps */
	int cap;
	int next_group;
	int flow[2];   /* people kept per crossing direction */
	int last_flow; /* direction of the candidate being tried, or -1 */
} gen_ctx;

static double rr(gen_ctx *g, double a, double b)
{
	return sim_rng_range(&g->rng, a, b);
}

static bool chance(gen_ctx *g, double p)
{
	return sim_rng_uniform(&g->rng) < p;
}

static double track_h(const gen_ctx *g, double height)
{
	return g->s->rules.tracking_mode == FF_TRACK_FEET ? 0 : height;
}

/* A point on line li at parameter u (0..1 along its drawn length) on the
 * floor plan at height h, with the floor-plan normal of its segment. */
static void line_point(const gen_ctx *g, int li, double u, double h, double *x, double *y,
		       double *nx, double *ny)
{
	const ff_line *l = g->s->rules.lines + li;
	double len[FF_MAX_LINE_POINTS] = {0}, tot = 0;
	for (int k = 0; k + 1 < l->npoints; k++) {
		len[k] =
		    hypot(l->points[k + 1].x - l->points[k].x, l->points[k + 1].y - l->points[k].y);
		tot += len[k];
	}
	double want = u * tot;
	int k = 0;
	while (k + 2 < l->npoints && want > len[k]) {
		want -= len[k];
		k++;
	}
	ff_point a = l->points[k], b = l->points[k + 1];
	double f = want / len[k];
	double ax, ay, bx, by;
	sim_image_to_plane(g->s, a.x, a.y, h, &ax, &ay);
	sim_image_to_plane(g->s, b.x, b.y, h, &bx, &by);
	sim_image_to_plane(g->s, a.x + f * (b.x - a.x), a.y + f * (b.y - a.y), h, x, y);
	double dx = bx - ax, dy = by - ay, n = hypot(dx, dy);
	*nx = -dy / n;
	*ny = dx / n;
}

/* Distance from (x, y) along (dx, dy) to leaving the padded view. */
static double exit_dist(const gen_ctx *g, double x, double y, double dx, double dy)
{
	double t = 1e9;
	if (dx > 1e-9)
		t = fmin(t, (g->bx1 - x) / dx);
	if (dx < -1e-9)
		t = fmin(t, (g->bx0 - x) / dx);
	if (dy > 1e-9)
		t = fmin(t, (g->by1 - y) / dy);
	if (dy < -1e-9)
		t = fmin(t, (g->by0 - y) / dy);
	return fmax(t, 0.5);
}

static double pick_height(gen_ctx *g, bool child)
{
	if (child)
		return rr(g, 0.95, 1.28);
	if (g->d->extras & X_TALL)
		return rr(g, 1.6, 2.0);
	if (g->d->height < 2.3)
		return rr(g, 1.5, 1.82);
	if (g->d->height < 2.6)
		return rr(g, 1.5, 1.9);
	return chance(g, 0.15) ? rr(g, 1.5, 1.6) : rr(g, 1.6, 1.95);
}

static double pick_speed(gen_ctx *g)
{
	if (g->d->extras & X_FAST_SLOW)
		return rr(g, 0.5, 1.8);
	double x = sim_rng_uniform(&g->rng);
	return x < 0.1 ? rr(g, 0.5, 0.9) : x < 0.9 ? rr(g, 0.9, 1.5) : rr(g, 1.5, 1.8);
}

static void pick_looks(gen_ctx *g, ff_sim_person *p)
{
	double k = g->d->extras & X_LOOKS ? 1.0 : 0.35;
	static const unsigned flags[] = {FF_SIM_HAT,	  FF_SIM_HOOD,	      FF_SIM_LONG_HAIR,
					 FF_SIM_BACKPACK, FF_SIM_BAG,	      FF_SIM_DARK_HAIR,
					 FF_SIM_BALD,	  FF_SIM_DARK_CLOTHES};
	static const double share[] = {0.15, 0.08, 0.2, 0.2, 0.15, 0.3, 0.05, 0.25};
	for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
		if (chance(g, share[i] * k))
			p->flags |= flags[i];
	if (p->flags & FF_SIM_HAT)
		p->flags &= ~(unsigned)(FF_SIM_HOOD | FF_SIM_BALD);
	if (p->flags & FF_SIM_HOOD)
		p->flags &= ~(unsigned)FF_SIM_BALD;
	p->build = rr(g, 0, 1);
	p->seed = sim_rng_next(&g->rng) | 1;
}

static void new_person(gen_ctx *g, ff_sim_person *p, bool child)
{
	g->last_flow = -1;
	ff_sim_person_default(p, pick_height(g, child));
	pick_looks(g, p);
}

static bool want_child(gen_ctx *g)
{
	return chance(g, g->d->extras & X_CHILDREN ? 0.3 : 0.05);
}

/* Keys along a path through (cx, cy) in direction (dx, dy), from outside
 * the view to outside, optionally bent sideways, starting at t0. */
static int crossing_keys(gen_ctx *g, double cx, double cy, double dx, double dy, double speed,
			 double bend, double t0, ff_sim_key *k)
{
	double back = exit_dist(g, cx, cy, -dx, -dy), fwd = exit_dist(g, cx, cy, dx, dy);
	double lx = -dy, ly = dx;
	double pts[5][2] = {{cx - dx * back, cy - dy * back},
			    {cx - dx * 1.0 + lx * bend * 0.5, cy - dy * 1.0 + ly * bend * 0.5},
			    {cx, cy},
			    {cx + dx * 1.0 - lx * bend * 0.5, cy + dy * 1.0 - ly * bend * 0.5},
			    {cx + dx * fwd, cy + dy * fwd}};
	double t = t0;
	int n = 0;
	for (int i = 0; i < 5; i++) {
		if ((i == 1 && back < 1.3) || (i == 3 && fwd < 1.3))
			continue;
		if (n > 0)
			t += hypot(pts[i][0] - k[n - 1].x, pts[i][1] - k[n - 1].y) / speed;
		k[n++] = (ff_sim_key){t, pts[i][0], pts[i][1]};
	}
	return n;
}

static double path_end(const ff_sim_key *k, int n)
{
	return k[n - 1].t;
}

/* Shifts keys so the path lies in the recording; false if it cannot. Now
 * and then someone is already in view when the recording starts or still
 * in view when it ends, as in any real recording. */
static bool place_in_time(gen_ctx *g, ff_sim_key *k, int n)
{
	double len = path_end(k, n) - k[0].t, dur = g->d->duration - 0.5;
	double lo = chance(g, 0.08) ? -0.5 * len : 0.2;
	double hi = chance(g, 0.08) ? g->d->duration - 0.5 * len : dur - len;
	if (hi < lo)
		return false;
	double shift = rr(g, lo, hi) - k[0].t;
	for (int i = 0; i < n; i++)
		k[i].t += shift;
	return true;
}

static bool grow(gen_ctx *g)
{
	if (g->s->npeople < g->cap)
		return true;
	int cap = g->cap ? 2 * g->cap : 64;
	int *gr = realloc(g->group, sizeof *gr * (size_t)cap);
	if (!gr)
		return false;
	g->group = gr;
	double *gp = realloc(g->gap, sizeof *gp * (size_t)cap);
	if (!gp)
		return false;
	g->gap = gp;
	g->cap = cap;
	return true;
}

static bool has_cart(const sim_person *p)
{
	return p->d.flags & (FF_SIM_CART | FF_SIM_STROLLER);
}

/* Whether person i keeps clear of everybody before it and of furniture. */
static bool clear_of_others(gen_ctx *g, int i)
{
	const ff_sim_scene *s = g->s;
	const sim_person *p = s->people + i;
	for (double t = p->t0; t <= p->t1; t += 0.1) {
		double x, y, vx, vy;
		sim_path_eval(p, t, &x, &y, &vx, &vy);
		double sp = hypot(vx, vy);
		double cxp = x, cyp = y;
		if (has_cart(p) && sp > 0.05) {
			cxp = x + vx / sp * 0.85;
			cyp = y + vy / sp * 0.85;
		}
		for (int o = 0; o < s->nobjects; o++) {
			const ff_sim_object *ob = s->objects + o;
			double pad = 0.35;
			for (int c = 0; c < (has_cart(p) ? 2 : 1); c++) {
				double px = c ? cxp : x, py = c ? cyp : y;
				double yaw = ob->yaw_deg * M_PI / 180;
				double lx = (px - ob->x) * cos(yaw) + (py - ob->y) * sin(yaw);
				double ly = -(px - ob->x) * sin(yaw) + (py - ob->y) * cos(yaw);
				if (fabs(lx) < ob->sx / 2 + pad && fabs(ly) < ob->sy / 2 + pad)
					return false;
			}
		}
		for (int j = 0; j < i; j++) {
			const sim_person *q = s->people + j;
			if (t < q->t0 || t > q->t1 ||
			    (g->group[j] >= 0 && g->group[j] == g->group[i]))
				continue;
			double qx, qy, qvx, qvy;
			sim_path_eval(q, t, &qx, &qy, &qvx, &qvy);
			double gap = fmax(g->gap[i], g->gap[j]);
			if (hypot(qx - x, qy - y) < gap)
				return false;
			double qs = hypot(qvx, qvy);
			bool qc = has_cart(q) && qs > 0.05;
			double qcx = qc ? qx + qvx / qs * 0.85 : qx,
			       qcy = qc ? qy + qvy / qs * 0.85 : qy;
			if (qc &&
			    (hypot(qcx - x, qcy - y) < 0.7 || hypot(qcx - cxp, qcy - cyp) < 0.9))
				return false;
			if (has_cart(p) && hypot(qx - cxp, qy - cyp) < 0.7)
				return false;
		}
	}
	return true;
}

/* Adds a candidate; keeps it only when it is clear of others and its truth
 * is unambiguous. Returns its index or -1 (rejected or failed). */
static int try_add(gen_ctx *g, const ff_sim_person *p, const ff_sim_key *k, int n, int group,
		   double gap, ff_error *err, bool *failed)
{
	if (!grow(g)) {
		*failed = true;
		ff_error_set(err, FF_ERR_NOMEM, "simulator: out of memory");
		return -1;
	}
	int i = ff_sim_scene_add_person(g->s, p, k, n, err);
	if (i < 0) {
		*failed = true;
		return -1;
	}
	g->group[i] = group;
	g->gap[i] = gap;
	if (!clear_of_others(g, i) || sim_truth_person_check(g->s, i) != SIM_AMB_NONE) {
		sim_scene_pop_person(g->s);
		return -1;
	}
	if (g->last_flow >= 0)
		g->flow[g->last_flow]++;
	return i;
}

/* Fits an independent walker's path into the recording and keeps it if
 * it passes the checks; returns people added. */
static int keep(gen_ctx *g, const ff_sim_person *p, ff_sim_key *k, int n, ff_error *err,
		bool *failed)
{
	if (!place_in_time(g, k, n))
		return 0;
	return try_add(g, p, k, n, -1, 0.55, err, failed) >= 0;
}

static void maybe_raise(gen_ctx *g, ff_sim_person *p, const ff_sim_key *k, int n)
{
	if (!chance(g, g->d->extras & X_RAISE ? 0.5 : 0.03))
		return;
	double mid = (k[0].t + k[n - 1].t) / 2;
	p->raise_from = mid + rr(g, -2.5, 0.5);
	p->raise_to = p->raise_from + rr(g, 1.0, 3.0);
}

static int pick_line(gen_ctx *g)
{
	return (int)(sim_rng_uniform(&g->rng) * g->s->rules.nlines);
}

/* Where and which way to cross a line: a point at parameter u0..u1 along
 * it (x, y on the floor plan at height h) and a direction along its normal,
 * turned by an angle for angled crossings. The two directions take turns
 * (a crowded direction would otherwise win: people going the other way
 * must pass all of it, so the collision check rejects them more and more)
 * and people mostly keep to the right, so that opposite flows pass. */
static int crossing(gen_ctx *g, double u0, double u1, double h, double *x, double *y, double *dx,
		    double *dy)
{
	double nx, ny;
	bool forward = g->flow[1] != g->flow[0] ? g->flow[1] < g->flow[0] : chance(g, 0.5);
	/* walking along +normal, the right hand side is the drawing direction */
	bool right = (forward == !chance(g, 0.2));
	double u = right ? rr(g, 0.5, u1) : rr(g, u0, 0.5);
	int li = pick_line(g);
	line_point(g, li, u, h, x, y, &nx, &ny);
	double spread = g->d->extras & X_CURVES ? 0.6 : 0.3;
	double a = atan2(ny, nx) + (forward ? 0 : M_PI) + rr(g, -spread, spread);
	*dx = cos(a);
	*dy = sin(a);
	g->last_flow = forward;
	return li;
}

static double pick_bend(gen_ctx *g)
{
	return g->d->extras & X_CURVES ? rr(g, -0.8, 0.8) : rr(g, -0.15, 0.15);
}

/* One generator attempt; returns people added (0 when rejected). */
static int gen_walk(gen_ctx *g, ff_error *err, bool *failed)
{
	ff_sim_person p;
	ff_sim_key k[8];
	new_person(g, &p, want_child(g));
	double x, y, dx, dy;
	crossing(g, 0.2, 0.8, track_h(g, p.height_m), &x, &y, &dx, &dy);
	int n = crossing_keys(g, x, y, dx, dy, pick_speed(g), pick_bend(g), 0, k);
	if (!place_in_time(g, k, n))
		return 0;
	maybe_raise(g, &p, k, n);
	return try_add(g, &p, k, n, -1, 0.55, err, failed) >= 0;
}

static int gen_cart(gen_ctx *g, ff_error *err, bool *failed)
{
	ff_sim_person p;
	ff_sim_key k[8];
	new_person(g, &p, false);
	p.flags |= chance(g, 0.5) ? FF_SIM_CART : FF_SIM_STROLLER;
	double x, y, dx, dy;
	crossing(g, 0.3, 0.7, track_h(g, p.height_m), &x, &y, &dx, &dy);
	int n = crossing_keys(g, x, y, dx, dy, rr(g, 0.7, 1.2), pick_bend(g) * 0.5, 0, k);
	if (!place_in_time(g, k, n))
		return 0;
	return try_add(g, &p, k, n, -1, 0.6, err, failed) >= 0;
}

/* Side by side: the pair (or adult and child) share a path, offset
 * sideways; with `hand` they hold hands. */
static int gen_side_by_side(gen_ctx *g, bool hand, ff_error *err, bool *failed)
{
	ff_sim_person a, b;
	ff_sim_key ka[8], kb[8];
	new_person(g, &a, false);
	new_person(g, &b, hand || want_child(g));
	double x, y, dx, dy;
	crossing(g, 0.3, 0.7, track_h(g, (a.height_m + b.height_m) / 2), &x, &y, &dx, &dy);
	double sep = hand ? rr(g, 0.38, 0.46) : rr(g, 0.36, 0.5);
	double lx = -dy * sep / 2, ly = dx * sep / 2, speed = pick_speed(g), bend = pick_bend(g);
	int n = crossing_keys(g, x + lx, y + ly, dx, dy, speed, bend, 0, ka);
	if (!place_in_time(g, ka, n))
		return 0;
	for (int i = 0; i < n; i++)
		kb[i] = (ff_sim_key){ka[i].t, ka[i].x - 2 * lx, ka[i].y - 2 * ly};
	int group = g->next_group++;
	int ia = try_add(g, &a, ka, n, group, 0.55, err, failed);
	if (ia < 0)
		return 0;
	if (hand)
		b.hand_partner = ia;
	int ib = try_add(g, &b, kb, n, group, 0.55, err, failed);
	if (ib < 0) {
		if (!*failed)
			sim_scene_pop_person(g->s);
		return 0;
	}
	if (hand)
		g->s->people[ia].d.hand_partner = ib;
	return 2;
}

static int gen_queue(gen_ctx *g, ff_error *err, bool *failed)
{
	int count = 3 + (int)(sim_rng_uniform(&g->rng) * 4);
	double spacing = rr(g, 0.45, 0.6), speed = rr(g, 0.7, 1.2);
	double x, y, dx, dy;
	crossing(g, 0.3, 0.7, track_h(g, 1.7), &x, &y, &dx, &dy);
	int flow = g->last_flow;
	ff_sim_key k0[8], k[8];
	int n = crossing_keys(g, x, y, dx, dy, speed, pick_bend(g) * 0.3, 0, k0);
	double span = (count - 1) * spacing / speed;
	double len = path_end(k0, n) - k0[0].t;
	if (len + span > g->d->duration - 0.5)
		return 0;
	double start = rr(g, 0.2, g->d->duration - 0.5 - len - span);
	int added = 0, group = g->next_group++;
	for (int q = 0; q < count; q++) {
		ff_sim_person p;
		new_person(g, &p, chance(g, 0.05));
		g->last_flow = flow;
		double off = rr(g, -0.06, 0.06), delay = start + q * spacing / speed;
		for (int i = 0; i < n; i++)
			k[i] =
			    (ff_sim_key){k0[i].t - k0[0].t + delay + rr(g, -0.02, 0.02) * (i > 0),
					 k0[i].x - dy * off, k0[i].y + dx * off};
		for (int i = 1; i < n; i++)
			if (k[i].t <= k[i - 1].t)
				k[i].t = k[i - 1].t + 0.01;
		/* the queue is one group: its members keep their own spacing */
		if (try_add(g, &p, k, n, group, 0.4, err, failed) >= 0)
			added++;
		if (*failed)
			break;
	}
	return added;
}

/* A new person heading for a point in the middle part of a random line
 * (on the floor plan at the height of its tracked point); returns the line. */
static int approach(gen_ctx *g, ff_sim_person *p, double *x, double *y, double *dx, double *dy)
{
	new_person(g, p, want_child(g));
	return crossing(g, 0.3, 0.7, track_h(g, p->height_m), x, y, dx, dy);
}

/* Walks up to the line, turns back: before it (no crossing) or after it
 * (inside the U-turn area, or far enough to be a passage and a return). */
static int gen_uturn(gen_ctx *g, ff_error *err, bool *failed)
{
	ff_sim_person p;
	double x, y, dx, dy;
	int li = approach(g, &p, &x, &y, &dx, &dy);
	bool area = g->s->rules.lines[li].uturn_npoints > 0;
	double turn;
	if (chance(g, 0.45))
		turn = -rr(g, 0.25, 0.9);
	else if (area && g->s->rules.uturn_filtering && chance(g, 0.7))
		turn = rr(g, 0.2, 0.5);
	else
		turn = rr(g, 0.7, 1.2);
	double back = exit_dist(g, x, y, -dx, -dy), speed = pick_speed(g);
	double pause = rr(g, 0.2, 1.5);
	double ax = x - dx * back, ay = y - dy * back, tx = x + dx * turn, ty = y + dy * turn;
	double side = rr(g, -0.4, 0.4);
	double lx = -dy * side, ly = dx * side;
	ff_sim_key k[6];
	double t = 0, d1 = back + turn;
	k[0] = (ff_sim_key){t, ax, ay};
	t += d1 / speed;
	k[1] = (ff_sim_key){t, tx, ty};
	t += pause;
	k[2] = (ff_sim_key){t, tx, ty};
	t += 0.9 / speed;
	k[3] = (ff_sim_key){t, tx - dx * 0.6 + lx * 0.3, ty - dy * 0.6 + ly * 0.3};
	t += (d1 - 0.6) / speed;
	k[4] = (ff_sim_key){t, ax + lx, ay + ly};
	return keep(g, &p, k, 5, err, failed);
}

/* Stops on the line, sways and steps a few centimetres either way, then
 * walks on or goes back. */
static int gen_dither(gen_ctx *g, ff_error *err, bool *failed)
{
	ff_sim_person p;
	double x, y, dx, dy;
	approach(g, &p, &x, &y, &dx, &dy);
	double back = exit_dist(g, x, y, -dx, -dy), speed = pick_speed(g);
	ff_sim_key k[24];
	int n = 0;
	double t = 0;
	k[n++] = (ff_sim_key){t, x - dx * back, y - dy * back};
	t += back / speed;
	k[n++] = (ff_sim_key){t, x, y};
	int steps = 3 + (int)(sim_rng_uniform(&g->rng) * 6);
	for (int i = 0; i < steps; i++) {
		double o = (i & 1 ? 1 : -1) * rr(g, 0.02, 0.08);
		t += rr(g, 0.5, 1.2);
		k[n++] = (ff_sim_key){t, x + dx * o, y + dy * o};
		t += rr(g, 0.2, 0.8);
		k[n++] = (ff_sim_key){t, x + dx * o, y + dy * o};
	}
	bool on = chance(g, 0.6);
	double dir = on ? 1 : -1;
	double out = exit_dist(g, x, y, dx * dir, dy * dir);
	t += 0.6 / speed;
	k[n++] = (ff_sim_key){t, x + dx * dir * 0.5, y + dy * dir * 0.5};
	t += (out - 0.5) / speed;
	k[n++] = (ff_sim_key){t, x + dx * dir * out, y + dy * dir * out};
	return keep(g, &p, k, n, err, failed);
}

/* Passes a line's end on the outside, at 0.35-1 m beyond it. */
static int gen_around(gen_ctx *g, ff_error *err, bool *failed)
{
	ff_sim_person p;
	new_person(g, &p, want_child(g));
	int li = pick_line(g);
	double h = track_h(g, p.height_m);
	const ff_line *l = g->s->rules.lines + li;
	bool first = chance(g, 0.5);
	ff_point e = first ? l->points[0] : l->points[l->npoints - 1];
	ff_point o = first ? l->points[1] : l->points[l->npoints - 2];
	double ex, ey, ox, oy;
	sim_image_to_plane(g->s, e.x, e.y, h, &ex, &ey);
	sim_image_to_plane(g->s, o.x, o.y, h, &ox, &oy);
	double tx = ex - ox, ty = ey - oy, tl = hypot(tx, ty);
	tx /= tl;
	ty /= tl;
	double beyond = rr(g, 0.4, 1.0);
	double cx = ex + tx * beyond, cy = ey + ty * beyond;
	double dx = -ty, dy = tx;
	if (chance(g, 0.5)) {
		dx = -dx;
		dy = -dy;
	}
	ff_sim_key k[8];
	int n = crossing_keys(g, cx, cy, dx, dy, pick_speed(g), rr(g, -0.2, 0.2), 0, k);
	return keep(g, &p, k, n, err, failed);
}

/* Walks parallel to a line, 0.7-1.2 m from it. */
static int gen_along(gen_ctx *g, ff_error *err, bool *failed)
{
	ff_sim_person p;
	new_person(g, &p, want_child(g));
	int li = pick_line(g);
	double x, y, nx, ny;
	line_point(g, li, 0.5, track_h(g, p.height_m), &x, &y, &nx, &ny);
	double off = (chance(g, 0.5) ? 1 : -1) * rr(g, 0.7, 1.2);
	double dx = -ny, dy = nx;
	if (chance(g, 0.5)) {
		dx = -dx;
		dy = -dy;
	}
	ff_sim_key k[8];
	int n = crossing_keys(g, x + nx * off, y + ny * off, dx, dy, pick_speed(g), 0, 0, k);
	return keep(g, &p, k, n, err, failed);
}

/* Walks into a region, stays there moving a little, leaves. */
static int gen_dwell(gen_ctx *g, bool stand, ff_error *err, bool *failed)
{
	const ff_rules *r = &g->s->rules;
	if (r->nregions == 0)
		return gen_walk(g, err, failed);
	ff_sim_person p;
	new_person(g, &p, want_child(g));
	const ff_region *rg = r->regions + (int)(sim_rng_uniform(&g->rng) * r->nregions);
	double cxn = 0, cyn = 0;
	for (int i = 0; i < rg->npoints; i++) {
		cxn += rg->points[i].x / rg->npoints;
		cyn += rg->points[i].y / rg->npoints;
	}
	double h = track_h(g, p.height_m), sx, sy;
	sim_image_to_plane(g->s, cxn + rr(g, -0.08, 0.08), cyn + rr(g, -0.2, 0.2), h, &sx, &sy);
	double a = rr(g, 0, 2 * M_PI), dx = cos(a), dy = sin(a);
	double back = exit_dist(g, sx, sy, -dx, -dy), speed = pick_speed(g);
	double stay = stand ? rr(g, 25, g->d->duration * 0.8) : rr(g, 1, 25);
	ff_sim_key k[12];
	int n = 0;
	double t = 0;
	k[n++] = (ff_sim_key){t, sx - dx * back, sy - dy * back};
	t += back / speed;
	k[n++] = (ff_sim_key){t, sx, sy};
	double end = t + stay, px = sx, py = sy;
	while (n < 9 && t + 2 < end) {
		double seg = fmin(end - t, rr(g, 2, 8));
		t += seg;
		k[n++] = (ff_sim_key){t, px, py};
		if (t + 1.5 < end && n < 9) {
			px += rr(g, -0.25, 0.25);
			py += rr(g, -0.25, 0.25);
			t += 1.0;
			k[n++] = (ff_sim_key){t, px, py};
		}
	}
	double b = rr(g, 0, 2 * M_PI), ex = cos(b), ey = sin(b);
	double out = exit_dist(g, px, py, ex, ey);
	if (stand && chance(g, 0.5)) {
		/* still there when the recording ends */
		k[n++] = (ff_sim_key){g->d->duration + 1, px, py};
		double shift = rr(g, 0.2, 3);
		for (int i = 0; i < n - 1; i++)
			k[i].t += shift;
		if (k[n - 2].t >= k[n - 1].t)
			return 0;
	} else {
		t += 0.5;
		k[n++] = (ff_sim_key){t, px + ex * 0.3, py + ey * 0.3};
		t += out / speed;
		k[n++] = (ff_sim_key){t, px + ex * out, py + ey * out};
		if (!place_in_time(g, k, n))
			return 0;
	}
	return try_add(g, &p, k, n, -1, 0.55, err, failed) >= 0;
}

/* A shelf, a table with a chair and a box, inside the view (seen at the
 * height of their tops) but off the walkway across the line. */
static ff_status add_furniture(gen_ctx *g, ff_error *err)
{
	double x0, x1, y0, y1;
	sim_view_bounds(g->s, 1.0, &x0, &x1, &y0, &y1);
	double w = x1 - x0, h = y1 - y0;
	const ff_sim_object items[4] = {
	    {FF_SIM_SHELF, x0 + 0.28 * w, y1 - 0.12 * h, 1.4, 0.45,
	     rr(g, 1.8, fmin(2.2, g->d->height - 0.7)), rr(g, -5, 5)},
	    {FF_SIM_TABLE, x1 - 0.22 * w, y0 + 0.2 * h, 1.1, 0.7, 0.75, rr(g, -20, 20)},
	    {FF_SIM_CHAIR, x1 - 0.08 * w, y0 + 0.3 * h, 0.45, 0.45, 0.9, rr(g, 0, 90)},
	    {FF_SIM_BOX, x0 + 0.15 * w, y0 + 0.15 * h, 0.6, 0.4, 0.5, 0},
	};
	for (int i = 0; i < 4; i++) {
		ff_status st = ff_sim_scene_add_object(g->s, items + i, err);
		if (st)
			return st;
	}
	return FF_OK;
}

static ff_status add_doorway(gen_ctx *g, ff_error *err)
{
	/* walls either side of a 1.6 m wide opening on the line */
	double x, y, nx, ny;
	line_point(g, 0, 0.5, 0, &x, &y, &nx, &ny);
	for (int side = -1; side <= 1; side += 2) {
		ff_sim_object o = {0};
		o.kind = FF_SIM_WALL;
		o.x = x - 0.55;
		o.sx = 0.2;
		o.sy = 3.0;
		o.sz = fmin(2.1, g->d->height - 0.5);
		o.y = y + side * (0.8 + 1.5);
		ff_status st = ff_sim_scene_add_object(g->s, &o, err);
		if (st)
			return st;
	}
	return FF_OK;
}

/* One attempt of a moving-traffic generator. */
static int generate(gen_ctx *g, int kind, ff_error *err, bool *failed)
{
	switch (kind) {
	case G_PAIR:
		return gen_side_by_side(g, false, err, failed);
	case G_QUEUE:
		return gen_queue(g, err, failed);
	case G_HAND:
		return gen_side_by_side(g, true, err, failed);
	case G_CART:
		return gen_cart(g, err, failed);
	case G_UTURN:
		return gen_uturn(g, err, failed);
	case G_DITHER:
		return gen_dither(g, err, failed);
	case G_AROUND:
		return gen_around(g, err, failed);
	case G_ALONG:
		return gen_along(g, err, failed);
	default:
		return gen_walk(g, err, failed);
	}
}

static ff_status build(const scene_def *d, uint64_t seed, ff_sim_scene **out, ff_error *err)
{
	ff_sim_setup st;
	ff_sim_setup_default(&st);
	st.height_m = d->height;
	st.tilt_deg[0] = d->tilt_x;
	st.tilt_deg[1] = d->tilt_y;
	st.tilt_deg[2] = d->tilt_z;
	st.fps = d->fps;
	st.duration_s = d->duration;
	st.seed = seed;
	sim_rng rng = sim_rng_stream(seed, 11, 0);
	st.noise.disparity_sigma = sim_rng_range(&rng, 0.1, 0.25);
	st.noise.baseline_m = sim_rng_range(&rng, 0.06, 0.095);
	st.floor_texture = sim_rng_range(&rng, 0.3, 1.0);
	if (d->extras & X_JITTER) {
		st.jitter_s = 0.2 / d->fps;
		st.drop_rate = 0.03;
	}
	if (d->extras & X_PLAIN_FLOOR)
		st.floor_texture = 0.05;
	if (d->extras & X_NOISY) {
		st.noise.disparity_sigma = 0.3;
		st.noise.correlated_sigma = 0.15;
		st.noise.hole_rate = 1.6;
		st.noise.baseline_m = 0.055;
	}
	ff_sim_scene *s;
	ff_status rc = ff_sim_scene_create(&st, &s, err);
	if (rc)
		return rc;
	ff_rules rules;
	make_rules(d, &rng, &rules);
	for (int i = 0; !rc && i < rules.nlines; i++)
		rc = ff_rules_derive_uuid("line", rules.lines[i].id, rules.lines[i].name,
					  rules.lines[i].uuid, err);
	for (int i = 0; !rc && i < rules.nregions; i++)
		rc = ff_rules_derive_uuid("region", rules.regions[i].id, rules.regions[i].name,
					  rules.regions[i].uuid, err);
	if (rc || (rc = ff_sim_scene_set_rules(s, &rules, err))) {
		ff_sim_scene_destroy(s);
		return rc;
	}
	gen_ctx g = {s, d, rng, 0, 0, 0, 0, NULL, NULL, 0, 0, {0, 0}, -1};
	sim_view_bounds(s, 0, &g.bx0, &g.bx1, &g.by0, &g.by1);
	g.bx0 -= 0.8;
	g.by0 -= 0.8;
	g.bx1 += 0.8;
	g.by1 += 0.8;
	bool failed = (d->extras & X_FURNITURE && add_furniture(&g, err)) ||
		      (d->layout == LAY_DOORWAY && add_doorway(&g, err));

	/* People who stay put are placed first, so that walkers avoid them
	 * rather than the other way round (a long stay rarely finds a gap). */
	int total = 0, made = 0;
	for (int i = 0; i < G_COUNT; i++)
		total += d->mix[i];
	for (int kind = G_DWELL; kind <= G_STAND && !failed; kind++) {
		int want = (d->people * d->mix[kind] + total / 2) / total, got = 0;
		for (int attempt = 0; got < want && attempt < want * 60 && !failed; attempt++)
			got += gen_dwell(&g, kind == G_STAND, err, &failed);
		made += got;
		total -= d->mix[kind];
	}
	for (int attempt = 0; made < d->people && attempt < d->people * 40 && total > 0 && !failed;
	     attempt++) {
		double pick = sim_rng_uniform(&g.rng) * total;
		int kind = 0;
		while (kind < G_DWELL - 1 && pick >= d->mix[kind]) {
			pick -= d->mix[kind];
			kind++;
		}
		made += generate(&g, kind, err, &failed);
	}
	free(g.group);
	free(g.gap);
	if (failed) {
		ff_sim_scene_destroy(s);
		return err ? err->code : FF_ERR_NOMEM;
	}
	*out = s;
	return FF_OK;
}

ff_status ff_sim_scene_named(const char *name, uint64_t seed, ff_sim_scene **out, ff_error *err)
{
	for (size_t i = 0; i < NDEFS; i++)
		if (!strcmp(defs[i].name, name))
			return build(defs + i, seed, out, err);
	return ff_error_set(err, FF_ERR_INVALID, "scene '%s': no such scene (see --list)", name);
}
