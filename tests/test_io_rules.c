/*
 * test_io_rules.c - the rules JSON of spec section 3: the spec's sample,
 * defaults, nulls, derived UUIDs, every kind of error naming its field,
 * nothing written on failure, and the writer's exact round trip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <footfall/io.h>

#include "test_io_util.h"

static const char spec_sample[] =
    "{\n"
    "  \"rules\": {\n"
    "    \"installation_height_m\": 3.0,\n"
    "    \"max_target_height_m\": 2.2,\n"
    "    \"min_target_height_m\": 0.9,\n"
    "    \"tracking_mode\": \"head\",\n"
    "    \"children_height_m\": 1.3,\n"
    "    \"uturn_filtering\": true,\n"
    "    \"region_monitoring\": true,\n"
    "    \"lines\": [\n"
    "      {\"id\": 1, \"name\": \"Line1\", \"points\": [[0.5, 0.05], [0.5, 0.95]],\n"
    "       \"uturn_area\": [[0.35, 0.05], [0.65, 0.05], [0.65, 0.95], [0.35, 0.95]]}\n"
    "    ],\n"
    "    \"regions\": [\n"
    "      {\"id\": 1, \"name\": \"Region1\", \"points\": [[0.1, 0.1], [0.4, 0.1], [0.4, 0.5], "
    "[0.1, 0.5]],\n"
    "       \"people_counting\": true, \"pass_by_filter_s\": 5, \"dwell_time\": true, "
    "\"min_dwell_s\": 5}\n"
    "    ]\n"
    "  },\n"
    "  \"device\": {\"name\": \"ignored\"}\n"
    "}\n";

static ff_rules parse_ok(const char *text)
{
	ff_rules r;
	ff_error err = {0};
	if (ff_rules_parse(text, strlen(text), &r, &err))
		fail_msg("parse failed: %s", err.msg);
	return r;
}

/* Parsing must fail with code and a message containing want, leaving the
 * output untouched. */
static void expect_error(const char *text, ff_status code, const char *want)
{
	ff_rules r, before;
	ff_error err = {0};
	memset(&r, 0xa5, sizeof r);
	memcpy(&before, &r, sizeof r);
	assert_int_equal(ff_rules_parse(text, strlen(text), &r, &err), code);
	if (!strstr(err.msg, want))
		fail_msg("for %s\nmessage '%s' lacks '%s'", text, err.msg, want);
	assert_memory_equal(&r, &before, sizeof r);
}

static bool is_uuid_v5(const char *u)
{
	if (strlen(u) != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' || u[23] != '-')
		return false;
	return u[14] == '5' && strchr("89ab", u[19]);
}

static void test_spec_sample(void **state)
{
	(void)state;
	ff_rules r = parse_ok(spec_sample);
	assert_false(r.installation_height_auto);
	assert_true(r.installation_height_m == 3.0);
	assert_true(r.max_target_height_m == 2.2 && r.min_target_height_m == 0.9);
	assert_int_equal(r.tracking_mode, FF_TRACK_HEAD);
	assert_true(r.children_enabled && r.children_height_m == 1.3);
	assert_int_equal(r.nlines, 1);
	const ff_line *l = &r.lines[0];
	assert_int_equal(l->id, 1);
	assert_string_equal(l->name, "Line1");
	assert_int_equal(l->npoints, 2);
	assert_true(l->points[1].x == 0.5 && l->points[1].y == 0.95);
	assert_int_equal(l->uturn_npoints, 4);
	assert_true(l->uturn[2].x == 0.65);
	assert_false(l->flip);
	assert_true(is_uuid_v5(l->uuid));
	assert_int_equal(r.nregions, 1);
	const ff_region *g = &r.regions[0];
	assert_string_equal(g->name, "Region1");
	assert_int_equal(g->npoints, 4);
	assert_true(g->people_counting && g->dwell_time);
	assert_true(g->pass_by_filter_s == 5 && g->min_dwell_s == 5);
	assert_true(is_uuid_v5(g->uuid));
	assert_string_not_equal(l->uuid, g->uuid);

	/* The same document gives the same UUIDs, and they are the
	 * documented derivation. */
	ff_rules again = parse_ok(spec_sample);
	assert_string_equal(again.lines[0].uuid, l->uuid);
	char uuid[FF_UUID_LEN + 1];
	assert_int_equal(ff_rules_derive_uuid("region", 1, "Region1", uuid, NULL), FF_OK);
	assert_string_equal(uuid, g->uuid);
	assert_int_equal(ff_rules_derive_uuid("region", 1, "Region2", uuid, NULL), FF_OK);
	assert_string_not_equal(uuid, g->uuid);
}

static void test_defaults_and_nulls(void **state)
{
	(void)state;
	ff_rules def, r = parse_ok("{}");
	ff_rules_default(&def);
	assert_memory_equal(&r, &def, sizeof r);
	/* A configuration document whose rules are empty is the same. */
	r = parse_ok("{\"rules\": {}, \"network\": 5}");
	assert_memory_equal(&r, &def, sizeof r);

	r = parse_ok("{\"installation_height_m\": null, \"children_height_m\": null, "
		     "\"tracking_mode\": \"feet\", \"uturn_filtering\": false, "
		     "\"lines\": [{\"points\": [[0, 0], [1, 1]], \"flip\": true}, "
		     "{\"id\": 7, \"points\": [[0, 1], [1, 0]], \"uturn_area\": null, "
		     "\"uuid\": \"9A0440DE-3188-4F6D-B886-BB20C97BD26B\"}], "
		     "\"regions\": [{\"points\": [[0, 0], [1, 0], [1, 1]]}]}");
	assert_true(r.installation_height_auto);
	assert_false(r.children_enabled);
	assert_int_equal(r.tracking_mode, FF_TRACK_FEET);
	assert_false(r.uturn_filtering);
	assert_true(r.region_monitoring);
	assert_int_equal(r.lines[0].id, 1);
	assert_string_equal(r.lines[0].name, "Line1");
	assert_true(r.lines[0].flip);
	assert_int_equal(r.lines[1].id, 7);
	assert_string_equal(r.lines[1].name, "Line7");
	assert_int_equal(r.lines[1].uturn_npoints, 0);
	assert_string_equal(r.lines[1].uuid, "9a0440de-3188-4f6d-b886-bb20c97bd26b");
	const ff_region *g = &r.regions[0];
	assert_int_equal(g->id, 1);
	assert_string_equal(g->name, "Region1");
	assert_true(g->people_counting && g->dwell_time);
	assert_true(g->pass_by_filter_s == 5 && g->min_dwell_s == 5);
}

static void test_errors(void **state)
{
	(void)state;
	static const struct tio_case cases[] = {
	    {"{\"rules\": {\n  \"lines\": [,]}}", FF_ERR_FORMAT, "line 2, column"},
	    {"", FF_ERR_FORMAT, "line 1, column"},
	    {"[]", FF_ERR_FORMAT, "rules: the document must be a JSON object"},
	    {"{\"rules\": 3}", FF_ERR_INVALID, "rules: must be an object"},
	    {"{\"a\": 1, \"a\": 2}", FF_ERR_FORMAT, "duplicate"},
	    {"{\"installation_height_m\": \"3\"}", FF_ERR_INVALID,
	     "rules.installation_height_m: must be a number"},
	    {"{\"installation_height_m\": 0.5}", FF_ERR_INVALID,
	     "rules.installation_height_m: 0.5 is outside"},
	    {"{\"tracking_mode\": \"hands\"}", FF_ERR_INVALID,
	     "rules.tracking_mode: must be \"head\" or \"feet\""},
	    {"{\"uturn_filtering\": 1}", FF_ERR_INVALID,
	     "rules.uturn_filtering: must be true or false"},
	    {"{\"colour\": 1}", FF_ERR_INVALID, "rules.colour: unknown field"},
	    {"{\"lines\": {}}", FF_ERR_INVALID, "rules.lines: must be an array"},
	    {"{\"lines\": [1]}", FF_ERR_INVALID, "rules.lines[0]: must be an object"},
	    {"{\"lines\": [{}]}", FF_ERR_INVALID, "rules.lines[0].points: missing"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]]}, {\"points\": [[0,0],[1,1],[2]]}]}",
	     FF_ERR_INVALID, "rules.lines[1].points[2]: must be [x, y] numbers"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1],[0,\"1\"]]}]}", FF_ERR_INVALID,
	     "rules.lines[0].points[2]: must be [x, y]"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1.5]]}]}", FF_ERR_INVALID,
	     "rules.lines[0].points[1]: (1, 1.5) is outside the image"},
	    {"{\"lines\": [{\"points\": [[0,0]]}]}", FF_ERR_LIMIT,
	     "rules.lines[0].points: 1 points, 2 to 5 allowed"},
	    {"{\"lines\": [{\"points\": [[0,0],[0,1],[0,0],[0,1],[0,0],[0,1]]}]}", FF_ERR_LIMIT,
	     "rules.lines[0].points: 6 points, 2 to 5 allowed"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], \"uturn_area\": [[0,0],[1,1]]}]}",
	     FF_ERR_LIMIT, "rules.lines[0].uturn_area: 2 points, 3 to 10 allowed"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], \"colour\": 1}]}", FF_ERR_INVALID,
	     "rules.lines[0].colour: unknown field"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], \"flip\": \"yes\"}]}", FF_ERR_INVALID,
	     "rules.lines[0].flip: must be true or false"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], \"id\": 0}]}", FF_ERR_INVALID,
	     "rules.lines[0].id: 0 is not a positive id"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], \"id\": 1.5}]}", FF_ERR_INVALID,
	     "rules.lines[0].id: must be an integer"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]]}, {\"id\": 1, \"points\": [[0,0],[1,1]]}]}",
	     FF_ERR_INVALID, "rules.lines[1].id: 1 is used twice"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], \"name\": \"\"}]}", FF_ERR_INVALID,
	     "rules.lines[0].name: must not be empty"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], \"name\": "
	     "\"0123456789012345678901234567890123456789012345678901234567890123\"}]}",
	     FF_ERR_LIMIT, "rules.lines[0].name: 64 bytes, at most 63 allowed"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], \"uuid\": \"abc\"}]}", FF_ERR_INVALID,
	     "rules.lines[0].uuid: must be a UUID"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], "
	     "\"uuid\": \"9a0440de-3188-4f6d-b886-bb20c97bd26g\"}]}",
	     FF_ERR_INVALID, "rules.lines[0].uuid: must be a UUID"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]], "
	     "\"uuid\": \"9a0440de-3188-4f6d-b886-bb20c97bd26b\"}], \"regions\": "
	     "[{\"points\": [[0,0],[1,0],[1,1]], "
	     "\"uuid\": \"9A0440DE-3188-4f6d-b886-bb20c97bd26b\"}]}",
	     FF_ERR_INVALID,
	     "rules.regions[0].uuid: 9a0440de-3188-4f6d-b886-bb20c97bd26b is "
	     "used twice"},
	    {"{\"lines\": [{\"points\": [[0,0],[1,1]]}, {\"points\": [[0,0],[1,1]]}, "
	     "{\"points\": [[0,0],[1,1]]}, {\"points\": [[0,0],[1,1]]}, "
	     "{\"points\": [[0,0],[1,1]]}]}",
	     FF_ERR_LIMIT, "rules.lines: 5 lines, at most 4 allowed"},
	    {"{\"regions\": [1, 2, 3, 4, 5]}", FF_ERR_LIMIT,
	     "rules.regions: 5 regions, at most 4 allowed"},
	    {"{\"regions\": [{\"points\": [[0,0],[1,0],[1,1]], \"dwell_time\": null}]}",
	     FF_ERR_INVALID, "rules.regions[0].dwell_time: must be true or false"},
	    {"{\"regions\": [{\"points\": [[0,0],[1,0],[1,1]], \"min_dwell_s\": -1}]}",
	     FF_ERR_INVALID, "rules.regions[0].min_dwell_s: -1 is outside"},
	    {"{\"regions\": [{\"points\": [[0,0],[1,0],[1,1]], \"pass_by_filter_s\": true}]}",
	     FF_ERR_INVALID, "rules.regions[0].pass_by_filter_s: must be a number"},
	    {"{\"regions\": [{\"points\": [[0,0],[1,0],[1,1]], \"size\": 1}]}", FF_ERR_INVALID,
	     "rules.regions[0].size: unknown field"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_error(cases[i].input, cases[i].code, cases[i].want);
}

/* Every field set to a non-default value, with reals that need all 17
 * digits, must come back bit for bit. */
static void test_round_trip(void **state)
{
	(void)state;
	ff_rules r;
	ff_rules_default(&r);
	r.installation_height_m = 2.75;
	r.max_target_height_m = 2.0 + 1.0 / 3.0;
	r.min_target_height_m = 0.1 + 0.2;
	r.tracking_mode = FF_TRACK_FEET;
	r.children_height_m = 1.25;
	r.uturn_filtering = false;
	r.region_monitoring = false;
	r.nlines = FF_MAX_LINES;
	for (int i = 0; i < r.nlines; i++) {
		ff_line *l = &r.lines[i];
		l->id = 10 + i;
		snprintf(l->name, sizeof l->name, "Door \"%d\" \xc3\xa9", i);
		assert_int_equal(ff_rules_derive_uuid("line", l->id, l->name, l->uuid, NULL),
				 FF_OK);
		l->npoints = 2 + i;
		for (int k = 0; k < l->npoints; k++)
			l->points[k] = (ff_point){0.1 * k + 0.01 * i, 1.0 / (k + 3)};
		l->flip = i % 2;
		l->uturn_npoints = i ? 3 + i : 0;
		for (int k = 0; k < l->uturn_npoints; k++)
			l->uturn[k] = (ff_point){0.05 * k, 0.7};
	}
	r.nregions = FF_MAX_REGIONS;
	for (int i = 0; i < r.nregions; i++) {
		ff_region *g = &r.regions[i];
		g->id = 20 + i;
		snprintf(g->name, sizeof g->name, "Zone %d", i);
		memcpy(g->uuid, "00000000-0000-4000-8000-000000000000", sizeof g->uuid);
		g->uuid[FF_UUID_LEN - 1] = (char)('0' + i);
		g->npoints = 3 + 2 * i;
		for (int k = 0; k < g->npoints; k++)
			g->points[k] = (ff_point){k / 10.0, (k % 3) / 7.0};
		g->people_counting = i & 1;
		g->dwell_time = i & 2;
		g->pass_by_filter_s = 0.5 * i;
		g->min_dwell_s = 3600;
	}
	char *text;
	ff_error err;
	assert_int_equal(ff_rules_to_json(&r, &text, &err), FF_OK);
	ff_rules back = parse_ok(text);
	assert_memory_equal(&back, &r, sizeof r);
	/* Numbers print in their shortest exact form. */
	assert_non_null(strstr(text, "\"installation_height_m\": 2.75"));
	free(text);

	/* Nulls and the defaults of a fresh document round-trip as well. */
	ff_rules_default(&r);
	r.installation_height_auto = true;
	r.children_enabled = false;
	assert_int_equal(ff_rules_to_json(&r, &text, &err), FF_OK);
	back = parse_ok(text);
	assert_memory_equal(&back, &r, sizeof r);
	assert_non_null(strstr(text, "\"children_height_m\": null"));
	free(text);

	/* Invalid rules are not written. */
	r.nlines = 9;
	text = NULL;
	assert_int_equal(ff_rules_to_json(&r, &text, &err), FF_ERR_LIMIT);
	assert_null(text);
}

static void test_load(void **state)
{
	(void)state;
	ff_rules r;
	ff_error err;
	assert_int_equal(ff_rules_load("/nonexistent/config.json", &r, &err), FF_ERR_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/config.json: No such file"));

	char *dir = tio_mkdtemp();
	char path[1024];
	assert_non_null(dir);
	snprintf(path, sizeof path, "%s/config.json", dir);
	assert_int_equal(tio_write_text(dir, "config.json", spec_sample), 0);
	assert_int_equal(ff_rules_load(path, &r, &err), FF_OK);
	assert_int_equal(r.nlines, 1);

	assert_int_equal(tio_write_text(dir, "config.json", "{\"lines\": 1}"), 0);
	assert_int_equal(ff_rules_load(path, &r, &err), FF_ERR_INVALID);
	char want[1100];
	snprintf(want, sizeof want, "%s: rules.lines: must be an array", path);
	assert_string_equal(err.msg, want);
	tio_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_spec_sample), cmocka_unit_test(test_defaults_and_nulls),
	    cmocka_unit_test(test_errors),	cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
