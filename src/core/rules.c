/*
 * rules.c - defaults and validation of the counting rules (spec section 3).
 *
 * Validation is separate from parsing so that every producer of rules (the
 * JSON parser, the daemon's API, the simulator) enforces the same limits with
 * the same messages.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <footfall/footfall.h>

void ff_rules_default(ff_rules *r)
{
	memset(r, 0, sizeof *r);
	r->installation_height_m = 3.0;
	r->max_target_height_m = 2.2;
	r->min_target_height_m = 0.9;
	r->tracking_mode = FF_TRACK_HEAD;
	r->children_enabled = true;
	r->children_height_m = 1.3;
	r->uturn_filtering = true;
	r->region_monitoring = true;
}

static ff_status check_points(const char *field, int n, int min, int max, const ff_point *p,
			      ff_error *err)
{
	if (n < min || n > max)
		return ff_error_set(err, FF_ERR_LIMIT, "%s: %d points, %d to %d allowed", field, n,
				    min, max);
	for (int i = 0; i < n; i++) {
		if (!isfinite(p[i].x) || !isfinite(p[i].y) || p[i].x < 0 || p[i].x > 1 ||
		    p[i].y < 0 || p[i].y > 1)
			return ff_error_set(err, FF_ERR_INVALID,
					    "%s[%d]: (%g, %g) is outside the image (0..1)", field,
					    i, p[i].x, p[i].y);
	}
	return FF_OK;
}

static ff_status check_range(const char *field, double v, double lo, double hi, ff_error *err)
{
	if (!isfinite(v) || v < lo || v > hi)
		return ff_error_set(err, FF_ERR_INVALID, "%s: %g is outside %g..%g", field, v, lo,
				    hi);
	return FF_OK;
}

ff_status ff_rules_validate(const ff_rules *r, ff_error *err)
{
	char field[96];
	ff_status st;

	if (!r)
		return ff_error_set(err, FF_ERR_INVALID, "rules: missing");
	if (!r->installation_height_auto &&
	    (st = check_range("rules.installation_height_m", r->installation_height_m, 1.0, 10.0,
			      err)))
		return st;
	if ((st =
		 check_range("rules.max_target_height_m", r->max_target_height_m, 0.1, 3.0, err)) ||
	    (st = check_range("rules.min_target_height_m", r->min_target_height_m, 0.0, 3.0, err)))
		return st;
	if (r->min_target_height_m >= r->max_target_height_m)
		return ff_error_set(
		    err, FF_ERR_INVALID,
		    "rules.min_target_height_m: %g is not below max_target_height_m %g",
		    r->min_target_height_m, r->max_target_height_m);
	if (r->tracking_mode != FF_TRACK_HEAD && r->tracking_mode != FF_TRACK_FEET)
		return ff_error_set(err, FF_ERR_INVALID, "rules.tracking_mode: unknown mode %d",
				    (int)r->tracking_mode);
	if (r->children_enabled &&
	    (st = check_range("rules.children_height_m", r->children_height_m, 0.1, 3.0, err)))
		return st;
	if (r->nlines < 0 || r->nlines > FF_MAX_LINES)
		return ff_error_set(err, FF_ERR_LIMIT, "rules.lines: %d lines, at most %d allowed",
				    r->nlines, FF_MAX_LINES);
	if (r->nregions < 0 || r->nregions > FF_MAX_REGIONS)
		return ff_error_set(err, FF_ERR_LIMIT,
				    "rules.regions: %d regions, at most %d allowed", r->nregions,
				    FF_MAX_REGIONS);
	for (int i = 0; i < r->nlines; i++) {
		const ff_line *l = &r->lines[i];
		snprintf(field, sizeof field, "rules.lines[%d].points", i);
		if ((st = check_points(field, l->npoints, 2, FF_MAX_LINE_POINTS, l->points, err)))
			return st;
		for (int k = 0; k + 1 < l->npoints; k++)
			if (l->points[k].x == l->points[k + 1].x &&
			    l->points[k].y == l->points[k + 1].y)
				return ff_error_set(
				    err, FF_ERR_INVALID,
				    "rules.lines[%d].points[%d]: segment of zero length", i, k);
		if (l->uturn_npoints) {
			snprintf(field, sizeof field, "rules.lines[%d].uturn_area", i);
			if ((st = check_points(field, l->uturn_npoints, 3, FF_MAX_POLY_POINTS,
					       l->uturn, err)))
				return st;
		}
		for (int j = 0; j < i; j++)
			if (r->lines[j].id == l->id)
				return ff_error_set(err, FF_ERR_INVALID,
						    "rules.lines[%d].id: %d is used twice", i,
						    l->id);
	}
	for (int i = 0; i < r->nregions; i++) {
		const ff_region *g = &r->regions[i];
		snprintf(field, sizeof field, "rules.regions[%d].points", i);
		if ((st = check_points(field, g->npoints, 3, FF_MAX_POLY_POINTS, g->points, err)))
			return st;
		snprintf(field, sizeof field, "rules.regions[%d].pass_by_filter_s", i);
		if ((st = check_range(field, g->pass_by_filter_s, 0, 3600, err)))
			return st;
		snprintf(field, sizeof field, "rules.regions[%d].min_dwell_s", i);
		if ((st = check_range(field, g->min_dwell_s, 0, 3600, err)))
			return st;
		for (int j = 0; j < i; j++)
			if (r->regions[j].id == g->id)
				return ff_error_set(err, FF_ERR_INVALID,
						    "rules.regions[%d].id: %d is used twice", i,
						    g->id);
	}
	return FF_OK;
}

ff_status ff_camera_validate(const ff_camera *c, ff_error *err)
{
	if (!c)
		return ff_error_set(err, FF_ERR_INVALID, "camera: missing");
	if (c->width < 16 || c->height < 16 || c->width > 8192 || c->height > 8192)
		return ff_error_set(err, FF_ERR_INVALID,
				    "camera: size %dx%d is outside 16x16..8192x8192", c->width,
				    c->height);
	if (!isfinite(c->fx) || !isfinite(c->fy) || c->fx <= 0 || c->fy <= 0)
		return ff_error_set(err, FF_ERR_INVALID, "camera: focal length fx=%g fy=%g", c->fx,
				    c->fy);
	if (!isfinite(c->cx) || !isfinite(c->cy) || c->cx < 0 || c->cy < 0 || c->cx > c->width ||
	    c->cy > c->height)
		return ff_error_set(err, FF_ERR_INVALID,
				    "camera: principal point (%g, %g) outside the image", c->cx,
				    c->cy);
	if (!isfinite(c->depth_scale) || c->depth_scale <= 0)
		return ff_error_set(err, FF_ERR_INVALID, "camera: depth_scale %g", c->depth_scale);
	return FF_OK;
}

int64_t ff_line_capacity(const ff_line_counts *c)
{
	int64_t d = c->in - c->out;
	return d < 0 ? -d : d;
}
