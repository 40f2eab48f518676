/*
 * truth_json.c - truth.json, the ground truth written next to a simulated
 * recording (format in sim.h).
 *
 * Writing keeps the events self-describing (line/region ids beside the
 * indices, direction as "in"/"out") so that a person can read the file;
 * reading takes only what scoring needs and checks every field it takes,
 * naming the file and the event in its messages.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

static const char *type_name(ff_event_type t)
{
	return t == FF_EVENT_LINE_CROSS	    ? "line_cross"
	       : t == FF_EVENT_REGION_COUNT ? "region_count"
					    : "dwell";
}

static int set(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v);
}

static json_t *event_json(const ff_sim_event *e, const ff_rules *r)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int id = e->type == FF_EVENT_LINE_CROSS ? r->lines[e->index].id : r->regions[e->index].id;
	int bad = set(o, "type", json_string(type_name(e->type))) |
		  set(o, "time", json_real(e->time)) | set(o, "index", json_integer(e->index)) |
		  set(o, "id", json_integer(id)) | set(o, "child", json_boolean(e->child)) |
		  set(o, "people_id", json_integer(e->people_id));
	if (e->type == FF_EVENT_LINE_CROSS)
		bad |= set(o, "direction", json_string(e->direction > 0 ? "in" : "out"));
	else if (e->type == FF_EVENT_REGION_COUNT)
		bad |= set(o, "change", json_integer(e->direction)) |
		       set(o, "current_total", json_integer(e->current_total)) |
		       set(o, "current_children", json_integer(e->current_children));
	else
		bad |= set(o, "dwell_start", json_real(e->dwell_start)) |
		       set(o, "dwell_end", json_real(e->dwell_end)) |
		       set(o, "duration_ms", json_integer(e->duration_ms));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *build(const ff_sim_truth *t, const ff_rules *r, const char *name, uint64_t seed)
{
	json_t *root = json_object(), *lines = json_array(), *regions = json_array(),
	       *events = json_array(), *people = json_array();
	int bad = !root || !lines || !regions || !events || !people;
	for (int i = 0; !bad && i < t->nlines; i++) {
		const ff_line_counts *c = t->lines + i;
		json_t *o = json_pack("{s:i, s:i, s:I, s:I, s:I, s:I}", "id", r->lines[i].id,
				      "index", i, "in", (json_int_t)c->in, "out",
				      (json_int_t)c->out, "children_in", (json_int_t)c->children_in,
				      "children_out", (json_int_t)c->children_out);
		bad |= json_array_append_new(lines, o);
	}
	for (int i = 0; !bad && i < t->nregions; i++) {
		const ff_dwell_stats *d = t->regions + i;
		json_t *o = json_pack("{s:i, s:i, s:I, s:I}", "id", r->regions[i].id, "index", i,
				      "dwell_records", (json_int_t)d->records, "dwell_max_ms",
				      (json_int_t)d->max_ms);
		bad |= json_array_append_new(regions, o);
	}
	for (size_t i = 0; !bad && i < t->nevents; i++)
		bad |= json_array_append_new(events, event_json(t->events + i, r));
	for (size_t i = 0; !bad && i < t->npeople; i++) {
		const ff_sim_truth_person *p = t->people + i;
		json_t *o =
		    json_pack("{s:i, s:f, s:b, s:b, s:s}", "id", p->id, "height_m", p->height_m,
			      "child", p->child, "counted", p->counted, "kind", p->kind);
		bad |= json_array_append_new(people, o);
	}
	if (!bad)
		bad = set(root, "scene", json_string(name ? name : "")) |
		      set(root, "seed", json_integer((json_int_t)seed)) |
		      set(root, "start_time", json_real(t->start_time)) |
		      set(root, "end_time", json_real(t->end_time)) | set(root, "lines", lines) |
		      set(root, "regions", regions) | set(root, "events", events) |
		      set(root, "people", people);
	else {
		json_decref(lines);
		json_decref(regions);
		json_decref(events);
		json_decref(people);
	}
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}

ff_status ff_sim_truth_to_json(const ff_sim_truth *t, const ff_rules *rules, const char *name,
			       uint64_t seed, char **out, ff_error *err)
{
	json_t *root = build(t, rules, name, seed);
	char *text =
	    root ? json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))
		 : NULL;
	json_decref(root);
	if (!text)
		return ff_error_set(err, FF_ERR_NOMEM, "truth.json: out of memory");
	*out = text;
	return FF_OK;
}

void ff_sim_truth_free(ff_sim_truth *t)
{
	if (!t)
		return;
	free(t->events);
	free(t->people);
	free(t);
}

static bool get_num(json_t *o, const char *key, double *v)
{
	json_t *x = json_object_get(o, key);
	if (!json_is_number(x))
		return false;
	*v = json_number_value(x);
	return isfinite(*v);
}

static ff_status read_event(json_t *o, const char *path, size_t i, ff_sim_truth *t, ff_error *err)
{
	ff_sim_event *e = t->events + i;
	const char *type = json_string_value(json_object_get(o, "type"));
	double idx;
	memset(e, 0, sizeof *e);
	if (!type || !get_num(o, "time", &e->time) || !get_num(o, "index", &idx))
		return ff_error_set(err, FF_ERR_FORMAT,
				    "%s: events[%zu]: type, time or index missing", path, i);
	e->index = (int)idx;
	e->child = json_is_true(json_object_get(o, "child"));
	e->people_id = (int)json_integer_value(json_object_get(o, "people_id"));
	if (!strcmp(type, "line_cross")) {
		const char *dir = json_string_value(json_object_get(o, "direction"));
		e->type = FF_EVENT_LINE_CROSS;
		if (!dir || (strcmp(dir, "in") && strcmp(dir, "out")))
			return ff_error_set(err, FF_ERR_FORMAT,
					    "%s: events[%zu].direction: \"in\" or \"out\" expected",
					    path, i);
		e->direction = !strcmp(dir, "in") ? 1 : -1;
		if (e->index < 0 || e->index >= t->nlines)
			return ff_error_set(err, FF_ERR_FORMAT, "%s: events[%zu].index: no line %d",
					    path, i, e->index);
		return FF_OK;
	}
	if (e->index < 0 || e->index >= FF_MAX_REGIONS)
		return ff_error_set(err, FF_ERR_FORMAT, "%s: events[%zu].index: no region %d", path,
				    i, e->index);
	if (!strcmp(type, "region_count")) {
		double ch;
		e->type = FF_EVENT_REGION_COUNT;
		if (!get_num(o, "change", &ch))
			return ff_error_set(err, FF_ERR_FORMAT, "%s: events[%zu].change missing",
					    path, i);
		e->direction = ch > 0 ? 1 : -1;
		e->current_total = (int)json_integer_value(json_object_get(o, "current_total"));
		e->current_children =
		    (int)json_integer_value(json_object_get(o, "current_children"));
		return FF_OK;
	}
	if (!strcmp(type, "dwell")) {
		e->type = FF_EVENT_DWELL;
		if (!get_num(o, "dwell_start", &e->dwell_start) ||
		    !get_num(o, "dwell_end", &e->dwell_end))
			return ff_error_set(err, FF_ERR_FORMAT,
					    "%s: events[%zu]: dwell_start or dwell_end missing",
					    path, i);
		e->duration_ms = llround((e->dwell_end - e->dwell_start) * 1000);
		return FF_OK;
	}
	return ff_error_set(err, FF_ERR_FORMAT, "%s: events[%zu].type: unknown \"%s\"", path, i,
			    type);
}

static ff_status parse(json_t *root, const char *path, ff_sim_truth *t, ff_error *err)
{
	json_t *lines = json_object_get(root, "lines"), *events = json_object_get(root, "events");
	json_t *people = json_object_get(root, "people"),
	       *regions = json_object_get(root, "regions");
	if (!json_is_array(lines) || !json_is_array(events) ||
	    !get_num(root, "start_time", &t->start_time) ||
	    !get_num(root, "end_time", &t->end_time))
		return ff_error_set(err, FF_ERR_FORMAT,
				    "%s: lines, events, start_time or end_time missing", path);
	if (json_array_size(lines) > FF_MAX_LINES)
		return ff_error_set(err, FF_ERR_LIMIT, "%s: lines: more than %d", path,
				    FF_MAX_LINES);
	t->nlines = (int)json_array_size(lines);
	t->nregions = json_is_array(regions) ? (int)json_array_size(regions) : 0;
	if (t->nregions > FF_MAX_REGIONS)
		return ff_error_set(err, FF_ERR_LIMIT, "%s: regions: more than %d", path,
				    FF_MAX_REGIONS);
	for (int i = 0; i < t->nlines; i++) {
		json_t *o = json_array_get(lines, (size_t)i);
		double in, outc, cin = 0, cout = 0;
		if (!get_num(o, "in", &in) || !get_num(o, "out", &outc))
			return ff_error_set(err, FF_ERR_FORMAT, "%s: lines[%d]: in or out missing",
					    path, i);
		get_num(o, "children_in", &cin);
		get_num(o, "children_out", &cout);
		t->lines[i].in = (int64_t)in;
		t->lines[i].out = (int64_t)outc;
		t->lines[i].children_in = (int64_t)cin;
		t->lines[i].children_out = (int64_t)cout;
	}
	t->nevents = json_array_size(events);
	t->events = calloc(t->nevents + 1, sizeof *t->events);
	t->npeople = json_is_array(people) ? json_array_size(people) : 0;
	t->people = calloc(t->npeople + 1, sizeof *t->people);
	if (!t->events || !t->people)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
	for (size_t i = 0; i < t->nevents; i++) {
		ff_status st = read_event(json_array_get(events, i), path, i, t, err);
		if (st)
			return st;
		if (t->events[i].type == FF_EVENT_DWELL)
			ff_dwell_stats_add(t->regions + t->events[i].index,
					   t->events[i].duration_ms, t->events[i].child);
	}
	for (size_t i = 0; i < t->npeople; i++) {
		json_t *o = json_array_get(people, i);
		ff_sim_truth_person *p = t->people + i;
		p->id = (int)json_integer_value(json_object_get(o, "id"));
		get_num(o, "height_m", &p->height_m);
		p->child = json_is_true(json_object_get(o, "child"));
		p->counted = json_is_true(json_object_get(o, "counted"));
		const char *k = json_string_value(json_object_get(o, "kind"));
		snprintf(p->kind, sizeof p->kind, "%s", k ? k : "");
	}
	return FF_OK;
}

ff_status ff_sim_truth_load(const char *path, ff_sim_truth **out, ff_error *err)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr);
	if (!root)
		return ff_error_set(err, jerr.line < 1 ? FF_ERR_IO : FF_ERR_FORMAT, "%s:%d: %s",
				    path, jerr.line, jerr.text);
	ff_sim_truth *t = calloc(1, sizeof *t);
	if (!t) {
		json_decref(root);
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
	}
	ff_status st = json_is_object(root)
			   ? parse(root, path, t, err)
			   : ff_error_set(err, FF_ERR_FORMAT, "%s: not a JSON object", path);
	json_decref(root);
	if (st) {
		ff_sim_truth_free(t);
		return st;
	}
	*out = t;
	return FF_OK;
}
