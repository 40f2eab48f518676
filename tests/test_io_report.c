/*
 * test_io_report.c - the report payloads of spec section 5 (the guide's
 * section 7): field names and values of the periodic and trigger reports,
 * key order, content selection, and the time and time-zone helpers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include <footfall/io.h>

/* 2024-05-30T12:21:49Z, the guide's sample end time at +08:00. */
#define T_END 1717071709.0

static ff_rules rules;

static int setup(void **state)
{
	(void)state;
	ff_rules_default(&rules);
	rules.nlines = 2;
	for (int i = 0; i < 2; i++) {
		ff_line *l = &rules.lines[i];
		l->id = i + 1;
		snprintf(l->name, sizeof l->name, "Line%d", i + 1);
		snprintf(l->uuid, sizeof l->uuid, "9a0440de-3188-4f6d-b886-bb20c97bd26%d", i);
		l->npoints = 2;
		l->points[0] = (ff_point){0.5, 0.05};
		l->points[1] = (ff_point){0.5, 0.95};
	}
	rules.nregions = 2;
	for (int i = 0; i < 2; i++) {
		ff_region *g = &rules.regions[i];
		g->id = 5 + i;
		snprintf(g->name, sizeof g->name, "Region%d", i + 1);
		snprintf(g->uuid, sizeof g->uuid, "bd1e6ce2-e113-4ce4-a9b6-0633f7083ca%d", i);
		g->npoints = 3;
		g->points[0] = (ff_point){0.1, 0.1};
		g->points[1] = (ff_point){0.4, 0.1};
		g->points[2] = (ff_point){0.4, 0.5};
	}
	return 0;
}

static json_t *parse(const char *text)
{
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	if (!doc)
		fail_msg("bad JSON (%s): %s", jerr.text, text);
	return doc;
}

static json_int_t get_int(json_t *doc, const char *obj, size_t index, const char *key)
{
	json_t *v = json_object_get(json_array_get(json_object_get(doc, obj), index), key);
	if (!json_is_integer(v))
		fail_msg("%s[%zu].%s is not an integer", obj, index, key);
	return json_integer_value(v);
}

static const char *get_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	if (!s)
		fail_msg("%s is not a string", key);
	return s;
}

/* The keys of every object in text appear in sorted order. */
static void assert_sorted_keys(json_t *v)
{
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++)
			assert_sorted_keys(json_array_get(v, i));
		return;
	}
	if (!json_is_object(v))
		return;
	const char *key, *prev = NULL;
	json_t *child;
	json_object_foreach(v, key, child)
	{
		if (prev && strcmp(prev, key) >= 0)
			fail_msg("key %s after %s", key, prev);
		prev = key;
		assert_sorted_keys(child);
	}
}

static void fill_counts(ff_counts *c)
{
	memset(c, 0, sizeof *c);
	c->line_total[0] = (ff_line_counts){29, 33, 2, 1};
	c->line_period[0] = (ff_line_counts){1, 1, 0, 1};
	c->line_total[1] = (ff_line_counts){39, 44, 0, 0};
	c->region[0].current_total = 3;
	c->region[0].current_children = 1;
	c->region[0].dwell_period = (ff_dwell_stats){3, 1000 + 2000 + 2001, 2001, 1, 700, 700};
	c->region[0].dwell_total = (ff_dwell_stats){9, 99999, 99999, 0, 0, 0};
}

static void test_periodic(void **state)
{
	(void)state;
	ff_counts counts;
	fill_counts(&counts);
	ff_time_info ti;
	ff_time_info_default(&ti);
	ff_time_info_set_offset(&ti, 8 * 60);
	ti.enable_dst = true;
	ff_device_info dev;
	ff_device_info_default(&dev);
	snprintf(dev.device_sn, sizeof dev.device_sn, "6384E16179950009");
	dev.running_time = 141;
	ff_report_opts opts = {.device = &dev, .time = &ti, .pretty = true};
	char *text;
	ff_error err;
	assert_int_equal(ff_report_periodic(&opts, &rules, &counts, T_END - 60, T_END, &text, &err),
			 FF_OK);
	assert_non_null(strchr(text, '\n'));
	json_t *doc = parse(text);
	assert_sorted_keys(doc);
	assert_null(strstr(text, "network_info"));

	json_t *d = json_object_get(doc, "device_info");
	assert_string_equal(get_str(d, "device_name"), "People Counter");
	assert_string_equal(get_str(d, "firmware_version"), "V_" FF_VERSION);
	assert_string_equal(get_str(d, "hardware_version"), "V1.0");
	assert_string_equal(get_str(d, "device_sn"), "6384E16179950009");
	assert_string_equal(get_str(d, "cus_device_id"), "");
	assert_int_equal(json_integer_value(json_object_get(d, "running_time")), 141);
	assert_int_equal(json_object_size(d), 9);

	assert_int_equal(json_array_size(json_object_get(doc, "line_periodic_data")), 2);
	assert_int_equal(get_int(doc, "line_periodic_data", 0, "in"), 1);
	assert_int_equal(get_int(doc, "line_periodic_data", 0, "children_out"), 1);
	assert_int_equal(get_int(doc, "line_periodic_data", 0, "female_in"), 0);
	assert_int_equal(get_int(doc, "line_periodic_data", 1, "line"), 2);
	assert_int_equal(
	    json_object_size(json_array_get(json_object_get(doc, "line_periodic_data"), 0)), 11);
	assert_int_equal(get_int(doc, "line_total_data", 0, "capacity_counted"), 4);
	assert_int_equal(get_int(doc, "line_total_data", 0, "in_counted"), 29);
	assert_int_equal(get_int(doc, "line_total_data", 0, "out_counted"), 33);
	assert_int_equal(get_int(doc, "line_total_data", 0, "children_in_counted"), 2);
	assert_int_equal(get_int(doc, "line_total_data", 1, "capacity_counted"), 5);
	json_t *lt = json_array_get(json_object_get(doc, "line_total_data"), 1);
	assert_string_equal(get_str(lt, "line_name"), "Line2");
	assert_string_equal(get_str(lt, "line_uuid"), "9a0440de-3188-4f6d-b886-bb20c97bd261");
	assert_int_equal(json_object_size(lt), 12);

	json_t *rd = json_object_get(doc, "region_data");
	assert_int_equal(get_int(rd, "dwell_time_data", 0, "avg_dwell_time"), 1667);
	assert_int_equal(get_int(rd, "dwell_time_data", 0, "max_dwell_time"), 2001);
	assert_int_equal(get_int(rd, "dwell_time_data", 0, "children_avg_dwell_time"), 700);
	assert_int_equal(get_int(rd, "dwell_time_data", 0, "region"), 5);
	assert_int_equal(get_int(rd, "dwell_time_data", 1, "avg_dwell_time"), 0);
	assert_int_equal(
	    json_object_size(json_array_get(json_object_get(rd, "dwell_time_data"), 0)), 11);
	assert_int_equal(get_int(rd, "region_count_data", 0, "current_total"), 3);
	assert_int_equal(get_int(rd, "region_count_data", 0, "current_children"), 1);
	assert_int_equal(get_int(rd, "region_count_data", 0, "current_male"), 0);
	assert_int_equal(get_int(rd, "region_count_data", 1, "region"), 6);
	assert_string_equal(
	    get_str(json_array_get(json_object_get(rd, "region_count_data"), 1), "region_name"),
	    "Region2");

	json_t *t = json_object_get(doc, "time_info");
	assert_string_equal(get_str(t, "start_time"), "2024-05-30T20:20:49+08:00");
	assert_string_equal(get_str(t, "end_time"), "2024-05-30T20:21:49+08:00");
	assert_string_equal(get_str(t, "time_zone"), "UTC+08:00");
	assert_true(json_is_true(json_object_get(t, "enable_dst")));
	assert_true(json_is_false(json_object_get(t, "dst_status")));
	assert_null(json_object_get(t, "time"));
	json_decref(doc);
	free(text);
}

static void test_defaults(void **state)
{
	(void)state;
	ff_counts counts;
	fill_counts(&counts);
	char *text;
	assert_int_equal(ff_report_periodic(NULL, &rules, &counts, T_END, T_END, &text, NULL),
			 FF_OK);
	assert_null(strchr(text, '\n'));
	json_t *doc = parse(text);
	json_t *t = json_object_get(doc, "time_info");
	assert_string_equal(get_str(t, "end_time"), "2024-05-30T12:21:49+00:00");
	assert_string_equal(get_str(t, "time_zone"), "UTC+00:00");
	assert_string_equal(get_str(json_object_get(doc, "device_info"), "device_name"),
			    "People Counter");
	json_decref(doc);
	free(text);

	/* No lines or regions: empty arrays, not missing keys. */
	ff_rules none;
	ff_rules_default(&none);
	assert_int_equal(ff_report_periodic(NULL, &none, &counts, T_END, T_END, &text, NULL),
			 FF_OK);
	doc = parse(text);
	assert_int_equal(json_array_size(json_object_get(doc, "line_total_data")), 0);
	assert_true(
	    json_is_array(json_object_get(json_object_get(doc, "region_data"), "dwell_time_data")));
	json_decref(doc);
	free(text);
}

static json_t *trigger(const ff_report_content *c, const ff_event *ev)
{
	ff_time_info ti;
	ff_time_info_default(&ti);
	ff_time_info_set_offset(&ti, -(5 * 60 + 30));
	ff_report_opts opts = {.time = &ti, .content = c};
	char *text;
	ff_error err;
	if (ff_report_trigger(&opts, &rules, ev, &text, &err))
		fail_msg("trigger report failed: %s", err.msg);
	json_t *doc = parse(text);
	assert_sorted_keys(doc);
	free(text);
	return doc;
}

static void test_line_trigger(void **state)
{
	(void)state;
	ff_event ev = {.type = FF_EVENT_LINE_CROSS,
		       .time = T_END + 0.9,
		       .index = 1,
		       .people_id = 4,
		       .child = true,
		       .direction = -1};
	json_t *doc = trigger(NULL, &ev);
	json_t *arr = json_object_get(doc, "line_trigger_data");
	assert_int_equal(json_array_size(arr), 1);
	assert_int_equal(get_int(doc, "line_trigger_data", 0, "line"), 2);
	assert_int_equal(get_int(doc, "line_trigger_data", 0, "in"), 0);
	assert_int_equal(get_int(doc, "line_trigger_data", 0, "out"), 1);
	assert_int_equal(get_int(doc, "line_trigger_data", 0, "children_in"), 0);
	assert_int_equal(get_int(doc, "line_trigger_data", 0, "children_out"), 1);
	assert_int_equal(get_int(doc, "line_trigger_data", 0, "male_out"), 0);
	assert_string_equal(get_str(json_array_get(arr, 0), "line_name"), "Line2");
	json_t *t = json_object_get(doc, "time_info");
	assert_string_equal(get_str(t, "time"), "2024-05-30T06:51:49-05:30");
	assert_string_equal(get_str(t, "time_zone"), "UTC-05:30");
	assert_null(json_object_get(t, "start_time"));
	assert_null(json_object_get(doc, "region_trigger_data"));
	json_decref(doc);

	ev.direction = 1;
	ev.child = false;
	doc = trigger(NULL, &ev);
	assert_int_equal(get_int(doc, "line_trigger_data", 0, "in"), 1);
	assert_int_equal(get_int(doc, "line_trigger_data", 0, "children_in"), 0);
	json_decref(doc);
}

static void test_region_triggers(void **state)
{
	(void)state;
	ff_event ev = {.type = FF_EVENT_REGION_COUNT,
		       .time = T_END,
		       .index = 0,
		       .current_total = 2,
		       .current_children = 1};
	json_t *doc = trigger(NULL, &ev);
	json_t *rt = json_object_get(doc, "region_trigger_data");
	assert_int_equal(get_int(rt, "region_count_data", 0, "current_total"), 2);
	assert_int_equal(get_int(rt, "region_count_data", 0, "current_children"), 1);
	assert_int_equal(get_int(rt, "region_count_data", 0, "current_female"), 0);
	assert_int_equal(get_int(rt, "region_count_data", 0, "region"), 5);
	assert_null(json_object_get(rt, "dwell_time_data"));
	json_decref(doc);

	ev = (ff_event){.type = FF_EVENT_DWELL,
			.time = T_END,
			.index = 1,
			.people_id = 5,
			.dwell_start = T_END - 96.8,
			.dwell_end = T_END,
			.duration_ms = 96799};
	doc = trigger(NULL, &ev);
	rt = json_object_get(doc, "region_trigger_data");
	json_t *d = json_array_get(json_object_get(rt, "dwell_time_data"), 0);
	assert_int_equal(get_int(rt, "dwell_time_data", 0, "duration"), 96799);
	assert_int_equal(get_int(rt, "dwell_time_data", 0, "people_id"), 5);
	assert_int_equal(get_int(rt, "dwell_time_data", 0, "region"), 6);
	assert_true(json_is_false(json_object_get(d, "children")));
	assert_string_equal(get_str(d, "sex"), "unknown");
	assert_string_equal(get_str(d, "dwell_start_time"), "2024-05-30T06:50:12-05:30");
	assert_string_equal(get_str(d, "dwell_end_time"), "2024-05-30T06:51:49-05:30");
	assert_string_equal(get_str(d, "region_uuid"), "bd1e6ce2-e113-4ce4-a9b6-0633f7083ca1");
	assert_int_equal(json_object_size(d), 9);
	json_decref(doc);
}

static void test_content_selection(void **state)
{
	(void)state;
	ff_report_content c;
	ff_report_content_all(&c);
	c.device_mac = false;
	c.names = false;
	c.uuids = false;
	c.line_count_data = false;
	c.dwell_start_time = false;
	c.time_zone = false;
	c.line_periodic_data = false;
	ff_counts counts;
	fill_counts(&counts);
	ff_report_opts opts = {.content = &c};
	char *text;
	assert_int_equal(ff_report_periodic(&opts, &rules, &counts, T_END, T_END, &text, NULL),
			 FF_OK);
	json_t *doc = parse(text);
	free(text);
	assert_null(json_object_get(json_object_get(doc, "device_info"), "device_mac"));
	assert_non_null(json_object_get(json_object_get(doc, "device_info"), "device_sn"));
	assert_null(json_object_get(doc, "line_periodic_data"));
	json_t *lt = json_array_get(json_object_get(doc, "line_total_data"), 0);
	assert_int_equal(json_object_size(lt), 2); /* line, capacity_counted */
	assert_int_equal(get_int(doc, "line_total_data", 0, "capacity_counted"), 4);
	json_t *rc = json_array_get(
	    json_object_get(json_object_get(doc, "region_data"), "region_count_data"), 0);
	assert_null(json_object_get(rc, "region_name"));
	assert_null(json_object_get(rc, "region_uuid"));
	assert_null(json_object_get(json_object_get(doc, "time_info"), "time_zone"));
	json_decref(doc);

	ff_event ev = {.type = FF_EVENT_DWELL,
		       .time = T_END,
		       .dwell_start = T_END - 1,
		       .dwell_end = T_END,
		       .duration_ms = 1000};
	doc = trigger(&c, &ev);
	json_t *d = json_array_get(
	    json_object_get(json_object_get(doc, "region_trigger_data"), "dwell_time_data"), 0);
	assert_null(json_object_get(d, "dwell_start_time"));
	assert_non_null(json_object_get(d, "dwell_end_time"));
	json_decref(doc);

	/* Parents switch their whole section off. */
	c.device_info = false;
	c.time_info = false;
	c.region_periodic_data = false;
	c.line_total_data = false;
	assert_int_equal(ff_report_periodic(&opts, &rules, &counts, T_END, T_END, &text, NULL),
			 FF_OK);
	assert_string_equal(text, "{}");
	free(text);

	assert_true(ff_report_content_wants(NULL, FF_EVENT_DWELL));
	assert_true(ff_report_content_wants(&c, FF_EVENT_DWELL));
	c.dwell_time_data = false;
	assert_false(ff_report_content_wants(&c, FF_EVENT_DWELL));
	assert_true(ff_report_content_wants(&c, FF_EVENT_REGION_COUNT));
	c.region_trigger_data = false;
	assert_false(ff_report_content_wants(&c, FF_EVENT_REGION_COUNT));
	assert_true(ff_report_content_wants(&c, FF_EVENT_LINE_CROSS));
	c.line_trigger_data = false;
	assert_false(ff_report_content_wants(&c, FF_EVENT_LINE_CROSS));
}

static void test_bad_events(void **state)
{
	(void)state;
	char *text = NULL;
	ff_error err;
	ff_event ev = {.type = FF_EVENT_LINE_CROSS, .time = T_END, .index = 2, .direction = 1};
	assert_int_equal(ff_report_trigger(NULL, &rules, &ev, &text, &err), FF_ERR_INVALID);
	assert_string_equal(err.msg, "event: line index 2, the rules have 2");
	ev.type = FF_EVENT_DWELL;
	ev.index = -1;
	assert_int_equal(ff_report_trigger(NULL, &rules, &ev, &text, &err), FF_ERR_INVALID);
	ev.type = (ff_event_type)7;
	assert_int_equal(ff_report_trigger(NULL, &rules, &ev, &text, &err), FF_ERR_INVALID);
	ev = (ff_event){.type = FF_EVENT_REGION_COUNT, .time = 1e300};
	assert_int_equal(ff_report_trigger(NULL, &rules, &ev, &text, &err), FF_ERR_INVALID);
	assert_non_null(strstr(err.msg, "outside years"));
	assert_null(text);
}

static void test_time(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		int minutes;
	} good[] = {{"+08:00", 480}, {"-05:30", -330},	 {"Z", 0},	  {"UTC", 0},
		    {"+00:00", 0},   {"UTC+05:45", 345}, {"+14:00", 840}, {"-12:00", -720}};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int m = 1234;
		assert_int_equal(ff_timezone_parse(good[i].s, &m, NULL), FF_OK);
		assert_int_equal(m, good[i].minutes);
	}
	static const char *bad[] = {"",	      "8",	"+8:00",  "+08:0", "+0800", "08:00",
				    "+08:60", "+15:00", "-12:30", "UTC+8", "utc",   "+08:00 "};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int m = 1234;
		ff_error err;
		assert_int_equal(ff_timezone_parse(bad[i], &m, &err), FF_ERR_INVALID);
		assert_non_null(strstr(err.msg, "timezone '"));
		assert_int_equal(m, 1234);
	}

	char buf[FF_TIME_STR_MAX];
	assert_int_equal(ff_time_format(T_END + 0.999, 480, buf, sizeof buf, NULL), FF_OK);
	assert_string_equal(buf, "2024-05-30T20:21:49+08:00");
	assert_int_equal(ff_time_format(0, -60, buf, sizeof buf, NULL), FF_OK);
	assert_string_equal(buf, "1969-12-31T23:00:00-01:00");
	assert_int_equal(ff_time_format(FF_RECORDING_EPOCH - 0.5, 0, buf, sizeof buf, NULL), FF_OK);
	assert_string_equal(buf, "2023-12-31T23:59:59+00:00");
	assert_int_equal(ff_time_format(T_END, 0, buf, 10, NULL), FF_ERR_LIMIT);

	ff_time_info ti;
	ff_time_info_default(&ti);
	assert_string_equal(ti.time_zone, "UTC+00:00");
	ff_time_info_set_offset(&ti, -330);
	assert_string_equal(ti.time_zone, "UTC-05:30");
	int m;
	assert_int_equal(ff_timezone_parse(ti.time_zone, &m, NULL), FF_OK);
	assert_int_equal(m, -330);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_periodic),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_line_trigger),
	    cmocka_unit_test(test_region_triggers),
	    cmocka_unit_test(test_content_selection),
	    cmocka_unit_test(test_bad_events),
	    cmocka_unit_test(test_time),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
