/*
 * report.c - the JSON payloads of the VS125 protocol (spec section 5 = the
 * guide's section 7): the periodic report and the three trigger reports,
 * plus the time formatting they need.
 *
 * Field names and nesting follow the guide's samples exactly. The guide
 * lists every object's keys in alphabetical order (and the top-level
 * sections happen to be alphabetical too), so the documents are built in
 * any order and dumped with JSON_SORT_KEYS. Gender counts are always 0 and
 * "sex" is "unknown": there is no gender classifier. There is no cellular
 * link, so no network_info.
 *
 * The content selection mirrors the guide's "Customize Report Content" tree;
 * a field is written when it and every parent above it are selected.
 * Builders record the first failure (an allocation, a time out of range) in
 * the build and carry on; it is checked once before dumping, which keeps
 * them free of error plumbing.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include <footfall/io.h>

/* ---- Time -------------------------------------------------------------- */

ff_status ff_timezone_parse(const char *s, int *offset_min, ff_error *err)
{
	if (!s)
		return ff_error_set(err, FF_ERR_INVALID, "timezone: missing");
	if (!strcmp(s, "Z") || !strcmp(s, "UTC")) {
		*offset_min = 0;
		return FF_OK;
	}
	const char *p = strncmp(s, "UTC", 3) ? s : s + 3;
	bool shape = strlen(p) == 6 && (p[0] == '+' || p[0] == '-') && p[3] == ':';
	for (int i = 1; shape && i < 6; i++)
		shape = i == 3 || (p[i] >= '0' && p[i] <= '9');
	if (!shape)
		return ff_error_set(err, FF_ERR_INVALID,
				    "timezone '%s': expected +HH:MM, -HH:MM, Z or UTC", s);
	int hours = (p[1] - '0') * 10 + (p[2] - '0');
	int minutes = (p[4] - '0') * 10 + (p[5] - '0');
	int off = (p[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
	if (minutes > 59 || off < -12 * 60 || off > 14 * 60)
		return ff_error_set(err, FF_ERR_INVALID,
				    "timezone '%s': offsets run from -12:00 to +14:00", s);
	*offset_min = off;
	return FF_OK;
}

ff_status ff_time_format(double unix_t, int offset_min, char *buf, size_t cap, ff_error *err)
{
	/* 0000-01-01 and 10000-01-01 in Unix seconds: four-digit years. */
	double local = floor(unix_t) + offset_min * 60.0;
	if (!(local >= -62167219200.0 && local < 253402300800.0))
		return ff_error_set(err, FF_ERR_INVALID, "time %g is outside years 0..9999",
				    unix_t);
	time_t secs = (time_t)local;
	struct tm tm;
	if (!gmtime_r(&secs, &tm))
		return ff_error_set(err, FF_ERR_INVALID, "time %g cannot be represented", unix_t);
	int off = offset_min < 0 ? -offset_min : offset_min;
	int n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 offset_min < 0 ? '-' : '+', off / 60, off % 60);
	if (n < 0 || (size_t)n >= cap)
		return ff_error_set(err, FF_ERR_LIMIT, "time: buffer of %zu bytes too small", cap);
	return FF_OK;
}

/* ---- Defaults ---------------------------------------------------------- */

void ff_device_info_default(ff_device_info *d)
{
	memset(d, 0, sizeof *d);
	snprintf(d->device_name, sizeof d->device_name, "People Counter");
	snprintf(d->firmware_version, sizeof d->firmware_version, "V_%s", FF_VERSION);
	snprintf(d->hardware_version, sizeof d->hardware_version, "V1.0");
}

void ff_time_info_default(ff_time_info *ti)
{
	memset(ti, 0, sizeof *ti);
	ff_time_info_set_offset(ti, 0);
}

void ff_time_info_set_offset(ff_time_info *ti, int offset_min)
{
	int off = offset_min < 0 ? -offset_min : offset_min;
	ti->utc_offset_min = offset_min;
	snprintf(ti->time_zone, sizeof ti->time_zone, "UTC%c%02d:%02d", offset_min < 0 ? '-' : '+',
		 off / 60 % 100, off % 60);
}

void ff_report_content_all(ff_report_content *c)
{
	*c = (ff_report_content){
	    .device_info = true,
	    .device_name = true,
	    .device_sn = true,
	    .device_mac = true,
	    .ip_address = true,
	    .cus_device_id = true,
	    .cus_site_id = true,
	    .running_time = true,
	    .firmware_version = true,
	    .hardware_version = true,
	    .time_info = true,
	    .trigger_time = true,
	    .start_time = true,
	    .end_time = true,
	    .time_zone = true,
	    .dst_enable = true,
	    .dst_status = true,
	    .line_trigger_data = true,
	    .region_trigger_data = true,
	    .region_count_data = true,
	    .dwell_time_data = true,
	    .dwell_start_time = true,
	    .line_periodic_data = true,
	    .line_total_data = true,
	    .line_count_data = true,
	    .capacity_counted = true,
	    .region_periodic_data = true,
	    .names = true,
	    .uuids = true,
	};
}

bool ff_report_content_wants(const ff_report_content *c, ff_event_type type)
{
	if (!c)
		return true;
	switch (type) {
	case FF_EVENT_LINE_CROSS:
		return c->line_trigger_data;
	case FF_EVENT_REGION_COUNT:
		return c->region_trigger_data && c->region_count_data;
	case FF_EVENT_DWELL:
		return c->region_trigger_data && c->dwell_time_data;
	}
	return false;
}

/* ---- Building ---------------------------------------------------------- */

/* What every builder needs: the resolved options and the failure flag. */
struct build {
	ff_device_info device;
	ff_time_info time;
	ff_report_content c;
	bool pretty;
	ff_status st; /* the first failure while building */
	ff_error *err;
};

static void build_init(struct build *b, const ff_report_opts *o, ff_error *err)
{
	if (o && o->device)
		b->device = *o->device;
	else
		ff_device_info_default(&b->device);
	if (o && o->time)
		b->time = *o->time;
	else
		ff_time_info_default(&b->time);
	if (o && o->content)
		b->c = *o->content;
	else
		ff_report_content_all(&b->c);
	b->pretty = o && o->pretty;
	b->st = FF_OK;
	b->err = err;
}

static void out_of_memory(struct build *b)
{
	if (!b->st)
		b->st = ff_error_set(b->err, FF_ERR_NOMEM, "report: out of memory");
}

static void put(struct build *b, json_t *obj, const char *key, json_t *v)
{
	if (json_object_set_new(obj, key, v))
		out_of_memory(b);
}

static void put_int(struct build *b, json_t *obj, const char *key, int64_t v)
{
	put(b, obj, key, json_integer((json_int_t)v));
}

static void put_str(struct build *b, json_t *obj, const char *key, const char *v)
{
	put(b, obj, key, json_string(v));
}

static void put_time(struct build *b, json_t *obj, const char *key, double t)
{
	char buf[FF_TIME_STR_MAX];
	if (b->st)
		return;
	b->st = ff_time_format(t, b->time.utc_offset_min, buf, sizeof buf, b->err);
	if (!b->st)
		put_str(b, obj, key, buf);
}

static void append(struct build *b, json_t *arr, json_t *v)
{
	if (json_array_append_new(arr, v))
		out_of_memory(b);
}

static json_t *device_json(struct build *b)
{
	const ff_device_info *d = &b->device;
	json_t *o = json_object();
	if (b->c.cus_device_id)
		put_str(b, o, "cus_device_id", d->cus_device_id);
	if (b->c.cus_site_id)
		put_str(b, o, "cus_site_id", d->cus_site_id);
	if (b->c.device_mac)
		put_str(b, o, "device_mac", d->device_mac);
	if (b->c.device_name)
		put_str(b, o, "device_name", d->device_name);
	if (b->c.device_sn)
		put_str(b, o, "device_sn", d->device_sn);
	if (b->c.firmware_version)
		put_str(b, o, "firmware_version", d->firmware_version);
	if (b->c.hardware_version)
		put_str(b, o, "hardware_version", d->hardware_version);
	if (b->c.ip_address)
		put_str(b, o, "ip_address", d->ip_address);
	if (b->c.running_time)
		put_int(b, o, "running_time", d->running_time);
	return o;
}

/* time_info; `trigger` selects "time" over "start_time"/"end_time". */
static json_t *time_json(struct build *b, bool trigger, double t0, double t1)
{
	json_t *o = json_object();
	if (b->c.dst_status)
		put(b, o, "dst_status", json_boolean(b->time.dst_status));
	if (b->c.dst_enable)
		put(b, o, "enable_dst", json_boolean(b->time.enable_dst));
	if (trigger && b->c.trigger_time)
		put_time(b, o, "time", t0);
	if (!trigger && b->c.start_time)
		put_time(b, o, "start_time", t0);
	if (!trigger && b->c.end_time)
		put_time(b, o, "end_time", t1);
	if (b->c.time_zone)
		put_str(b, o, "time_zone", b->time.time_zone);
	return o;
}

/* The identification every line or region entry carries. */
static void put_item(struct build *b, json_t *o, const char *kind, int id, const char *name,
		     const char *uuid)
{
	char key[32];
	put_int(b, o, kind, id);
	if (b->c.names) {
		snprintf(key, sizeof key, "%s_name", kind);
		put_str(b, o, key, name);
	}
	if (b->c.uuids) {
		snprintf(key, sizeof key, "%s_uuid", kind);
		put_str(b, o, key, uuid);
	}
}

/* A line_periodic_data or line_trigger_data entry. */
static json_t *line_counts_json(struct build *b, const ff_line *l, const ff_line_counts *c)
{
	json_t *o = json_object();
	put_item(b, o, "line", l->id, l->name, l->uuid);
	put_int(b, o, "in", c->in);
	put_int(b, o, "out", c->out);
	put_int(b, o, "children_in", c->children_in);
	put_int(b, o, "children_out", c->children_out);
	put_int(b, o, "male_in", 0);
	put_int(b, o, "male_out", 0);
	put_int(b, o, "female_in", 0);
	put_int(b, o, "female_out", 0);
	return o;
}

static json_t *line_total_json(struct build *b, const ff_line *l, const ff_line_counts *c)
{
	json_t *o = json_object();
	put_item(b, o, "line", l->id, l->name, l->uuid);
	if (b->c.capacity_counted)
		put_int(b, o, "capacity_counted", ff_line_capacity(c));
	if (b->c.line_count_data) {
		put_int(b, o, "in_counted", c->in);
		put_int(b, o, "out_counted", c->out);
		put_int(b, o, "children_in_counted", c->children_in);
		put_int(b, o, "children_out_counted", c->children_out);
		put_int(b, o, "male_in_counted", 0);
		put_int(b, o, "male_out_counted", 0);
		put_int(b, o, "female_in_counted", 0);
		put_int(b, o, "female_out_counted", 0);
	}
	return o;
}

static int64_t average(int64_t sum, int64_t n)
{
	return n > 0 ? (sum + n / 2) / n : 0;
}

static json_t *dwell_stats_json(struct build *b, const ff_region *g, const ff_dwell_stats *d)
{
	json_t *o = json_object();
	put_item(b, o, "region", g->id, g->name, g->uuid);
	put_int(b, o, "avg_dwell_time", average(d->sum_ms, d->records));
	put_int(b, o, "max_dwell_time", d->max_ms);
	put_int(b, o, "children_avg_dwell_time", average(d->children_sum_ms, d->children_records));
	put_int(b, o, "children_max_dwell_time", d->children_max_ms);
	put_int(b, o, "male_avg_dwell_time", 0);
	put_int(b, o, "male_max_dwell_time", 0);
	put_int(b, o, "female_avg_dwell_time", 0);
	put_int(b, o, "female_max_dwell_time", 0);
	return o;
}

static json_t *occupancy_json(struct build *b, const ff_region *g, int total, int children)
{
	json_t *o = json_object();
	put_item(b, o, "region", g->id, g->name, g->uuid);
	put_int(b, o, "current_total", total);
	put_int(b, o, "current_children", children);
	put_int(b, o, "current_male", 0);
	put_int(b, o, "current_female", 0);
	return o;
}

static json_t *dwell_event_json(struct build *b, const ff_region *g, const ff_event *ev)
{
	json_t *o = json_object();
	put_item(b, o, "region", g->id, g->name, g->uuid);
	put(b, o, "children", json_boolean(ev->child));
	put_int(b, o, "duration", ev->duration_ms);
	put_time(b, o, "dwell_end_time", ev->dwell_end);
	if (b->c.dwell_start_time)
		put_time(b, o, "dwell_start_time", ev->dwell_start);
	put_int(b, o, "people_id", ev->people_id);
	put_str(b, o, "sex", "unknown");
	return o;
}

/* A one-element array holding v. */
static json_t *single(struct build *b, json_t *v)
{
	json_t *arr = json_array();
	append(b, arr, v);
	return arr;
}

/* Dumps root (consumed) to *out. */
static ff_status finish(struct build *b, json_t *root, char **out)
{
	size_t flags = JSON_SORT_KEYS | (b->pretty ? JSON_INDENT(4) : JSON_COMPACT);
	char *text = b->st ? NULL : json_dumps(root, flags);
	json_decref(root);
	if (!text) {
		out_of_memory(b);
		return b->st;
	}
	*out = text;
	return FF_OK;
}

ff_status ff_report_periodic(const ff_report_opts *opts, const ff_rules *rules,
			     const ff_counts *counts, double start, double end, char **out,
			     ff_error *err)
{
	struct build b;
	build_init(&b, opts, err);
	json_t *root = json_object();
	if (b.c.device_info)
		put(&b, root, "device_info", device_json(&b));
	if (b.c.line_periodic_data) {
		json_t *arr = json_array();
		for (int i = 0; i < rules->nlines; i++)
			append(&b, arr,
			       line_counts_json(&b, &rules->lines[i], &counts->line_period[i]));
		put(&b, root, "line_periodic_data", arr);
	}
	if (b.c.line_total_data) {
		json_t *arr = json_array();
		for (int i = 0; i < rules->nlines; i++)
			append(&b, arr,
			       line_total_json(&b, &rules->lines[i], &counts->line_total[i]));
		put(&b, root, "line_total_data", arr);
	}
	if (b.c.region_periodic_data) {
		json_t *dwell = json_array(), *occ = json_array(), *data = json_object();
		for (int i = 0; i < rules->nregions; i++) {
			const ff_region_counts *rc = &counts->region[i];
			append(&b, dwell,
			       dwell_stats_json(&b, &rules->regions[i], &rc->dwell_period));
			append(&b, occ,
			       occupancy_json(&b, &rules->regions[i], rc->current_total,
					      rc->current_children));
		}
		put(&b, data, "dwell_time_data", dwell);
		put(&b, data, "region_count_data", occ);
		put(&b, root, "region_data", data);
	}
	if (b.c.time_info)
		put(&b, root, "time_info", time_json(&b, false, start, end));
	return finish(&b, root, out);
}

static ff_status check_index(const ff_event *ev, int n, const char *what, ff_error *err)
{
	if (ev->index < 0 || ev->index >= n)
		return ff_error_set(err, FF_ERR_INVALID, "event: %s index %d, the rules have %d",
				    what, ev->index, n);
	return FF_OK;
}

ff_status ff_report_trigger(const ff_report_opts *opts, const ff_rules *rules, const ff_event *ev,
			    char **out, ff_error *err)
{
	ff_status st;
	if (ev->type == FF_EVENT_LINE_CROSS)
		st = check_index(ev, rules->nlines, "line", err);
	else if (ev->type == FF_EVENT_REGION_COUNT || ev->type == FF_EVENT_DWELL)
		st = check_index(ev, rules->nregions, "region", err);
	else
		st = ff_error_set(err, FF_ERR_INVALID, "event: unknown type %d", (int)ev->type);
	if (st)
		return st;

	struct build b;
	build_init(&b, opts, err);
	json_t *root = json_object();
	if (b.c.device_info)
		put(&b, root, "device_info", device_json(&b));
	if (ev->type == FF_EVENT_LINE_CROSS && b.c.line_trigger_data) {
		bool in = ev->direction > 0;
		ff_line_counts c = {
		    .in = in,
		    .out = !in,
		    .children_in = ev->child && in,
		    .children_out = ev->child && !in,
		};
		put(&b, root, "line_trigger_data",
		    single(&b, line_counts_json(&b, &rules->lines[ev->index], &c)));
	}
	if (ev->type != FF_EVENT_LINE_CROSS && b.c.region_trigger_data) {
		const ff_region *g = &rules->regions[ev->index];
		json_t *data = json_object();
		if (ev->type == FF_EVENT_REGION_COUNT && b.c.region_count_data)
			put(&b, data, "region_count_data",
			    single(&b,
				   occupancy_json(&b, g, ev->current_total, ev->current_children)));
		if (ev->type == FF_EVENT_DWELL && b.c.dwell_time_data)
			put(&b, data, "dwell_time_data", single(&b, dwell_event_json(&b, g, ev)));
		put(&b, root, "region_trigger_data", data);
	}
	if (b.c.time_info)
		put(&b, root, "time_info", time_json(&b, true, ev->time, ev->time));
	return finish(&b, root, out);
}
