/*
 * rules_json.c - the rules document of spec section 3: parsing and writing.
 *
 * Parsing walks the document's keys rather than looking keys up, so that an
 * unknown key (most likely a misspelling that would silently switch a
 * feature off) is an error naming it. Every value is checked for its JSON
 * type here; ranges and limits are left to ff_rules_validate, which all
 * producers of rules share. Results go to a local ff_rules and are copied to
 * the caller only when everything, validation included, has passed.
 *
 * Field names in messages follow the document: "rules.lines[1].points[2]".
 * They are built in a fixed buffer as the walk descends; a path is at most a
 * few dozen characters, far below its size.
 *
 * A line or region without "uuid" gets a name-based UUID (RFC 4122 version
 * 5, SHA-1 from libavutil) of its kind, id and name under a namespace of
 * this project, so the same file gives the same UUIDs on every run and
 * every device.
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libavutil/mem.h>
#include <libavutil/sha.h>

#include "io_internal.h"

#define RULES_FILE_MAX ((size_t)4 << 20)

/* db98ee3e-bcf7-4be7-9e18-9ec0e177549e, chosen at random for Footfall. */
static const uint8_t uuid_namespace[16] = {0xdb, 0x98, 0xee, 0x3e, 0xbc, 0xf7, 0x4b, 0xe7,
					   0x9e, 0x18, 0x9e, 0xc0, 0xe1, 0x77, 0x54, 0x9e};

#define FIELD_MAX 96

/* ---- UUIDs ------------------------------------------------------------- */

ff_status ff_rules_derive_uuid(const char *kind, int id, const char *name, char *buf, ff_error *err)
{
	char key[FF_NAME_MAX + 48];
	int n = snprintf(key, sizeof key, "%s:%d:%s", kind, id, name);
	if (n < 0 || (size_t)n >= sizeof key)
		return ff_error_set(err, FF_ERR_LIMIT, "%s name too long for a UUID", kind);
	struct AVSHA *sha = av_sha_alloc();
	if (!sha)
		return ff_error_set(err, FF_ERR_NOMEM, "UUID: out of memory");
	uint8_t digest[20];
	av_sha_init(sha, 160);
	av_sha_update(sha, uuid_namespace, sizeof uuid_namespace);
	av_sha_update(sha, (const uint8_t *)key, (size_t)n);
	av_sha_final(sha, digest);
	av_free(sha);
	digest[6] = (uint8_t)((digest[6] & 0x0f) | 0x50); /* version 5 */
	digest[8] = (uint8_t)((digest[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	char *o = buf;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		o += sprintf(o, "%02x", digest[i]);
	}
	return FF_OK;
}

/* Copies a UUID in canonical 8-4-4-4-12 hex form, lower-cased. */
static bool copy_uuid(const char *s, char *out)
{
	if (strlen(s) != FF_UUID_LEN)
		return false;
	for (int i = 0; i < FF_UUID_LEN; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
		out[i] = (char)tolower((unsigned char)s[i]);
	}
	out[FF_UUID_LEN] = '\0';
	return true;
}

/* ---- Typed getters ----------------------------------------------------- */

static ff_status want_number(json_t *v, const char *field, double *out, ff_error *err)
{
	if (!json_is_number(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s: must be a number", field);
	*out = json_number_value(v);
	return FF_OK;
}

static ff_status want_bool(json_t *v, const char *field, bool *out, ff_error *err)
{
	if (!json_is_boolean(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s: must be true or false", field);
	*out = json_is_true(v);
	return FF_OK;
}

static ff_status want_id(json_t *v, const char *field, int *out, ff_error *err)
{
	if (!json_is_integer(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s: must be an integer", field);
	json_int_t id = json_integer_value(v);
	if (id < 1 || id > INT_MAX)
		return ff_error_set(err, FF_ERR_INVALID, "%s: %lld is not a positive id", field,
				    (long long)id);
	*out = (int)id;
	return FF_OK;
}

static ff_status want_name(json_t *v, const char *field, char *out, ff_error *err)
{
	if (!json_is_string(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s: must be a string", field);
	size_t len = json_string_length(v);
	if (len == 0)
		return ff_error_set(err, FF_ERR_INVALID, "%s: must not be empty", field);
	if (len >= FF_NAME_MAX)
		return ff_error_set(err, FF_ERR_LIMIT, "%s: %zu bytes, at most %d allowed", field,
				    len, FF_NAME_MAX - 1);
	memcpy(out, json_string_value(v), len + 1);
	return FF_OK;
}

static ff_status want_uuid(json_t *v, const char *field, char *out, ff_error *err)
{
	if (!json_is_string(v) || !copy_uuid(json_string_value(v), out))
		return ff_error_set(
		    err, FF_ERR_INVALID,
		    "%s: must be a UUID like \"9a0440de-3188-4f6d-b886-bb20c97bd26b\"", field);
	return FF_OK;
}

/* An array of [x, y] pairs into pts (capacity max); the point count goes to
 * *n. Over-long lists are refused before anything is stored. */
static ff_status want_points(json_t *v, const char *field, int min, int max, ff_point *pts, int *n,
			     ff_error *err)
{
	if (!json_is_array(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s: must be an array of [x, y] points",
				    field);
	size_t count = json_array_size(v);
	if (count > (size_t)max)
		return ff_error_set(err, FF_ERR_LIMIT, "%s: %zu points, %d to %d allowed", field,
				    count, min, max);
	for (size_t i = 0; i < count; i++) {
		json_t *p = json_array_get(v, i);
		json_t *x = json_array_get(p, 0), *y = json_array_get(p, 1);
		if (!json_is_array(p) || json_array_size(p) != 2 || !json_is_number(x) ||
		    !json_is_number(y))
			return ff_error_set(err, FF_ERR_INVALID, "%s[%zu]: must be [x, y] numbers",
					    field, i);
		pts[i].x = json_number_value(x);
		pts[i].y = json_number_value(y);
	}
	*n = (int)count;
	return FF_OK;
}

static ff_status unknown_key(const char *field, const char *key, ff_error *err)
{
	return ff_error_set(err, FF_ERR_INVALID, "%s.%s: unknown field", field, key);
}

/* ---- Lines and regions ------------------------------------------------- */

/* What differs between a line and a region; the walk over an item's keys,
 * its defaults and its UUID are shared. `key` handles the kind's own keys
 * and returns FF_ERR_END for one it does not know. */
struct item_kind {
	const char *list;   /* "lines": the key of the array, for messages */
	const char *kind;   /* "line": for derived UUIDs */
	const char *prefix; /* "Line": default names are prefix + id */
	ff_status (*key)(void *item, const char *key, json_t *v, const char *field, ff_error *err);
};

struct item_ids {
	int *id;
	char *name, *uuid;
};

static ff_status line_key(void *item, const char *key, json_t *v, const char *field, ff_error *err)
{
	ff_line *l = item;
	if (!strcmp(key, "points"))
		return want_points(v, field, 2, FF_MAX_LINE_POINTS, l->points, &l->npoints, err);
	if (!strcmp(key, "flip"))
		return want_bool(v, field, &l->flip, err);
	if (!strcmp(key, "uturn_area"))
		return json_is_null(v) ? FF_OK
				       : want_points(v, field, 3, FF_MAX_POLY_POINTS, l->uturn,
						     &l->uturn_npoints, err);
	return FF_ERR_END;
}

static ff_status region_key(void *item, const char *key, json_t *v, const char *field,
			    ff_error *err)
{
	ff_region *g = item;
	if (!strcmp(key, "points"))
		return want_points(v, field, 3, FF_MAX_POLY_POINTS, g->points, &g->npoints, err);
	if (!strcmp(key, "people_counting"))
		return want_bool(v, field, &g->people_counting, err);
	if (!strcmp(key, "pass_by_filter_s"))
		return want_number(v, field, &g->pass_by_filter_s, err);
	if (!strcmp(key, "dwell_time"))
		return want_bool(v, field, &g->dwell_time, err);
	if (!strcmp(key, "min_dwell_s"))
		return want_number(v, field, &g->min_dwell_s, err);
	return FF_ERR_END;
}

static const struct item_kind line_kind = {"lines", "line", "Line", line_key};
static const struct item_kind region_kind = {"regions", "region", "Region", region_key};

static ff_status parse_item(json_t *obj, int index, const struct item_kind *k, void *item,
			    struct item_ids ids, ff_error *err)
{
	char field[FIELD_MAX], sub[FIELD_MAX + 16];
	const char *key;
	json_t *v;
	snprintf(field, sizeof field, "rules.%s[%d]", k->list, index);
	if (!json_is_object(obj))
		return ff_error_set(err, FF_ERR_INVALID, "%s: must be an object", field);
	*ids.id = index + 1;
	json_object_foreach(obj, key, v)
	{
		ff_status st;
		snprintf(sub, sizeof sub, "%s.%s", field, key);
		if (!strcmp(key, "id"))
			st = want_id(v, sub, ids.id, err);
		else if (!strcmp(key, "name"))
			st = want_name(v, sub, ids.name, err);
		else if (!strcmp(key, "uuid"))
			st = json_is_null(v) ? FF_OK : want_uuid(v, sub, ids.uuid, err);
		else if ((st = k->key(item, key, v, sub, err)) == FF_ERR_END)
			st = unknown_key(field, key, err);
		if (st)
			return st;
	}
	if (!json_object_get(obj, "points"))
		return ff_error_set(err, FF_ERR_INVALID, "%s.points: missing", field);
	if (!ids.name[0])
		snprintf(ids.name, FF_NAME_MAX, "%s%d", k->prefix, *ids.id);
	if (!ids.uuid[0])
		return ff_rules_derive_uuid(k->kind, *ids.id, ids.name, ids.uuid, err);
	return FF_OK;
}

static ff_status parse_line(json_t *obj, int index, ff_line *l, ff_error *err)
{
	return parse_item(obj, index, &line_kind, l, (struct item_ids){&l->id, l->name, l->uuid},
			  err);
}

static ff_status parse_region(json_t *obj, int index, ff_region *g, ff_error *err)
{
	g->people_counting = true;
	g->pass_by_filter_s = 5;
	g->dwell_time = true;
	g->min_dwell_s = 5;
	return parse_item(obj, index, &region_kind, g, (struct item_ids){&g->id, g->name, g->uuid},
			  err);
}

/* ---- The rules object -------------------------------------------------- */

static ff_status want_list(json_t *v, const char *field, const char *what, int max, ff_error *err)
{
	if (!json_is_array(v))
		return ff_error_set(err, FF_ERR_INVALID, "%s: must be an array", field);
	if (json_array_size(v) > (size_t)max)
		return ff_error_set(err, FF_ERR_LIMIT, "%s: %zu %s, at most %d allowed", field,
				    json_array_size(v), what, max);
	return FF_OK;
}

static ff_status parse_key(const char *key, json_t *v, ff_rules *r, ff_error *err)
{
	char field[FIELD_MAX];
	snprintf(field, sizeof field, "rules.%s", key);
	if (!strcmp(key, "installation_height_m")) {
		r->installation_height_auto = json_is_null(v);
		return r->installation_height_auto
			   ? FF_OK
			   : want_number(v, field, &r->installation_height_m, err);
	}
	if (!strcmp(key, "children_height_m")) {
		r->children_enabled = !json_is_null(v);
		return r->children_enabled ? want_number(v, field, &r->children_height_m, err)
					   : FF_OK;
	}
	if (!strcmp(key, "max_target_height_m"))
		return want_number(v, field, &r->max_target_height_m, err);
	if (!strcmp(key, "min_target_height_m"))
		return want_number(v, field, &r->min_target_height_m, err);
	if (!strcmp(key, "uturn_filtering"))
		return want_bool(v, field, &r->uturn_filtering, err);
	if (!strcmp(key, "region_monitoring"))
		return want_bool(v, field, &r->region_monitoring, err);
	if (!strcmp(key, "tracking_mode")) {
		const char *mode = json_string_value(v);
		if (mode && !strcmp(mode, "head"))
			r->tracking_mode = FF_TRACK_HEAD;
		else if (mode && !strcmp(mode, "feet"))
			r->tracking_mode = FF_TRACK_FEET;
		else
			return ff_error_set(err, FF_ERR_INVALID, "%s: must be \"head\" or \"feet\"",
					    field);
		return FF_OK;
	}
	ff_status st;
	if (!strcmp(key, "lines")) {
		if ((st = want_list(v, field, "lines", FF_MAX_LINES, err)))
			return st;
		r->nlines = (int)json_array_size(v);
		for (int i = 0; i < r->nlines; i++)
			if ((st = parse_line(json_array_get(v, (size_t)i), i, &r->lines[i], err)))
				return st;
		return FF_OK;
	}
	if (!strcmp(key, "regions")) {
		if ((st = want_list(v, field, "regions", FF_MAX_REGIONS, err)))
			return st;
		r->nregions = (int)json_array_size(v);
		for (int i = 0; i < r->nregions; i++)
			if ((st = parse_region(json_array_get(v, (size_t)i), i, &r->regions[i],
					       err)))
				return st;
		return FF_OK;
	}
	return unknown_key("rules", key, err);
}

/* Two items with the same UUID would merge in every report and database. */
static ff_status check_uuids(const ff_rules *r, ff_error *err)
{
	const char *ids[FF_MAX_LINES + FF_MAX_REGIONS];
	int n = 0;
	for (int i = 0; i < r->nlines; i++)
		ids[n++] = r->lines[i].uuid;
	for (int i = 0; i < r->nregions; i++)
		ids[n++] = r->regions[i].uuid;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (!strcmp(ids[i], ids[j])) {
				bool line = i < r->nlines;
				return ff_error_set(
				    err, FF_ERR_INVALID, "rules.%s[%d].uuid: %s is used twice",
				    line ? "lines" : "regions", line ? i : i - r->nlines, ids[i]);
			}
	return FF_OK;
}

ff_status ff_rules_parse(const char *text, size_t len, ff_rules *out, ff_error *err)
{
	json_error_t jerr;
	json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return ff_error_set(err, FF_ERR_FORMAT, "line %d, column %d: %s", jerr.line,
				    jerr.column, jerr.text);
	ff_rules tmp;
	ff_rules_default(&tmp);
	ff_status st = FF_OK;
	json_t *rules = json_is_object(doc) ? json_object_get(doc, "rules") : NULL;
	if (!json_is_object(doc))
		st = ff_error_set(err, FF_ERR_FORMAT, "rules: the document must be a JSON object");
	else if (rules && !json_is_object(rules))
		st = ff_error_set(err, FF_ERR_INVALID, "rules: must be an object");
	else {
		const char *key;
		json_t *v;
		json_object_foreach(rules ? rules : doc, key, v)
		{
			if ((st = parse_key(key, v, &tmp, err)))
				break;
		}
	}
	json_decref(doc);
	if (!st)
		st = ff_rules_validate(&tmp, err);
	if (!st)
		st = check_uuids(&tmp, err);
	if (!st)
		*out = tmp;
	return st;
}

ff_status ff_rules_load(const char *path, ff_rules *out, ff_error *err)
{
	char *text;
	size_t len;
	ff_status st = ff_read_file(path, RULES_FILE_MAX, &text, &len, err);
	if (st)
		return st;
	st = ff_rules_parse(text, len, out, err);
	free(text);
	return st ? ff_error_prefix(err, st, path) : FF_OK;
}

/* ---- Writing ----------------------------------------------------------- */

/* Builds into a json_t; any failed allocation clears *ok so that the caller
 * checks once at the end. */
static void put(json_t *obj, const char *key, json_t *v, bool *ok)
{
	if (json_object_set_new(obj, key, v))
		*ok = false;
}

static json_t *points_json(const ff_point *p, int n, int *digits, bool *ok)
{
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		int dx = ff_real_digits(p[i].x), dy = ff_real_digits(p[i].y);
		*digits = dx > *digits ? dx : *digits;
		*digits = dy > *digits ? dy : *digits;
		if (json_array_append_new(arr, json_pack("[f, f]", p[i].x, p[i].y)))
			*ok = false;
	}
	return arr;
}

static json_t *real_json(double v, int *digits)
{
	int d = ff_real_digits(v);
	*digits = d > *digits ? d : *digits;
	return json_real(v);
}

static json_t *line_json(const ff_line *l, int *digits, bool *ok)
{
	json_t *o = json_object();
	put(o, "id", json_integer(l->id), ok);
	put(o, "name", json_string(l->name), ok);
	put(o, "uuid", json_string(l->uuid), ok);
	put(o, "points", points_json(l->points, l->npoints, digits, ok), ok);
	put(o, "flip", json_boolean(l->flip), ok);
	if (l->uturn_npoints)
		put(o, "uturn_area", points_json(l->uturn, l->uturn_npoints, digits, ok), ok);
	return o;
}

static json_t *region_json(const ff_region *g, int *digits, bool *ok)
{
	json_t *o = json_object();
	put(o, "id", json_integer(g->id), ok);
	put(o, "name", json_string(g->name), ok);
	put(o, "uuid", json_string(g->uuid), ok);
	put(o, "points", points_json(g->points, g->npoints, digits, ok), ok);
	put(o, "people_counting", json_boolean(g->people_counting), ok);
	put(o, "pass_by_filter_s", real_json(g->pass_by_filter_s, digits), ok);
	put(o, "dwell_time", json_boolean(g->dwell_time), ok);
	put(o, "min_dwell_s", real_json(g->min_dwell_s, digits), ok);
	return o;
}

ff_status ff_rules_to_json(const ff_rules *r, char **out, ff_error *err)
{
	ff_status st = ff_rules_validate(r, err);
	if (st)
		return st;
	bool ok = true;
	int digits = 15;
	json_t *o = json_object();
	put(o, "installation_height_m",
	    r->installation_height_auto ? json_null()
					: real_json(r->installation_height_m, &digits),
	    &ok);
	put(o, "max_target_height_m", real_json(r->max_target_height_m, &digits), &ok);
	put(o, "min_target_height_m", real_json(r->min_target_height_m, &digits), &ok);
	put(o, "tracking_mode", json_string(r->tracking_mode == FF_TRACK_FEET ? "feet" : "head"),
	    &ok);
	put(o, "children_height_m",
	    r->children_enabled ? real_json(r->children_height_m, &digits) : json_null(), &ok);
	put(o, "uturn_filtering", json_boolean(r->uturn_filtering), &ok);
	put(o, "region_monitoring", json_boolean(r->region_monitoring), &ok);
	json_t *lines = json_array(), *regions = json_array();
	for (int i = 0; i < r->nlines; i++)
		if (json_array_append_new(lines, line_json(&r->lines[i], &digits, &ok)))
			ok = false;
	for (int i = 0; i < r->nregions; i++)
		if (json_array_append_new(regions, region_json(&r->regions[i], &digits, &ok)))
			ok = false;
	put(o, "lines", lines, &ok);
	put(o, "regions", regions, &ok);
	char *text = ok ? json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(digits)) : NULL;
	json_decref(o);
	if (!text)
		return ff_error_set(err, FF_ERR_NOMEM, "rules: out of memory");
	*out = text;
	return FF_OK;
}
