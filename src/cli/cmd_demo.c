/*
 * cmd_demo.c - `footfall demo`: the quickest way to see the counter work.
 * It renders the simulator's doorway scene in memory (a door line with a
 * U-turn area and a region inside the room, about 30 s of people), counts
 * it through the engine, prints a periodic report (spec section 5) every
 * period of scene time, and ends with a one-line comparison with the truth
 * on stderr.
 *
 *   footfall demo [--seed N] [--period S] [--compact]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <footfall/io.h>
#include <footfall/sim.h>

#include "cli.h"

static int fail(const char *msg)
{
	fprintf(stderr, "footfall demo: %s\n", msg);
	return 1;
}

static ff_status report(ff_engine *eng, const ff_rules *rules, double start, double end,
			bool pretty, ff_error *err)
{
	ff_counts counts;
	char *text = NULL;
	ff_report_opts opts = {NULL, NULL, NULL, pretty};
	ff_engine_counts(eng, &counts);
	ff_status st = ff_report_periodic(&opts, rules, &counts, start, end, &text, err);
	if (st)
		return st;
	puts(text);
	free(text);
	fflush(stdout);
	ff_engine_end_period(eng);
	return FF_OK;
}

static void summary(ff_engine *eng, const ff_sim_truth *truth, const ff_rules *rules)
{
	ff_counts c;
	ff_engine_counts(eng, &c);
	int64_t in = 0, out = 0, tin = 0, tout = 0, dwell = 0, tdwell = 0;
	for (int i = 0; i < rules->nlines; i++) {
		in += c.line_total[i].in;
		out += c.line_total[i].out;
		tin += truth->lines[i].in;
		tout += truth->lines[i].out;
	}
	for (int i = 0; i < rules->nregions; i++) {
		dwell += c.region[i].dwell_total.records;
		tdwell += truth->regions[i].records;
	}
	fprintf(stderr,
		"demo: counted in %lld out %lld, dwell records %lld; truth in %lld out %lld, "
		"dwell records %lld\n",
		(long long)in, (long long)out, (long long)dwell, (long long)tin, (long long)tout,
		(long long)tdwell);
}

int ff_cmd_demo(int argc, char **argv)
{
	uint64_t seed = 0;
	bool have_seed = false, pretty = true;
	double period = 10;
	for (int i = 1; i < argc; i++) {
		char *end;
		errno = 0;
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: footfall demo [--seed N] [--period S] [--compact]\n");
			return 0;
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], &end, 10);
			have_seed = true;
		} else if (!strcmp(argv[i], "--period") && i + 1 < argc) {
			period = strtod(argv[++i], &end);
			if (!(period >= 1))
				errno = EINVAL;
		} else if (!strcmp(argv[i], "--compact")) {
			pretty = false;
			continue;
		} else {
			fprintf(stderr,
				"usage: footfall demo [--seed N] [--period S] [--compact]\n");
			return 2;
		}
		if (errno || *end) {
			fprintf(stderr, "footfall demo: bad value '%s'\n", argv[i]);
			return 2;
		}
	}
	if (!have_seed)
		for (size_t k = 0; k < ff_sim_catalogue_size(); k++)
			if (!strcmp(ff_sim_catalogue_name(k), FF_SIM_DEMO_SCENE))
				seed = ff_sim_catalogue_seed(k);

	ff_error err = {0};
	ff_sim_scene *s = NULL;
	ff_engine *eng = NULL;
	uint16_t *depth = NULL;
	const ff_sim_truth *truth;
	int rc = 1;
	if (ff_sim_scene_named(FF_SIM_DEMO_SCENE, seed, &s, &err))
		return fail(err.msg);
	const ff_camera *cam = ff_sim_scene_camera(s);
	const ff_rules *rules = ff_sim_scene_rules(s);
	depth = malloc(sizeof *depth * (size_t)cam->width * (size_t)cam->height);
	if (!depth) {
		fail("out of memory");
		goto out;
	}
	if (ff_sim_scene_truth(s, &truth, &err) || ff_engine_create(cam, rules, &eng, &err)) {
		fail(err.msg);
		goto out;
	}
	double first = ff_recording_unix_time(ff_sim_scene_frame_time(s, 0));
	double period_start = first, t = first;
	for (size_t i = 0; i < ff_sim_scene_frames(s); i++) {
		t = ff_recording_unix_time(ff_sim_scene_frame_time(s, i));
		if (t - period_start >= period) {
			if (report(eng, rules, period_start, t, pretty, &err)) {
				fail(err.msg);
				goto out;
			}
			period_start = t;
		}
		if (ff_sim_scene_render(s, i, depth, &err) ||
		    ff_engine_process(eng, depth, t, &err)) {
			fail(err.msg);
			goto out;
		}
	}
	if (ff_engine_finish(eng, t, &err) || report(eng, rules, period_start, t, pretty, &err)) {
		fail(err.msg);
		goto out;
	}
	summary(eng, truth, rules);
	rc = 0;
out:
	ff_engine_destroy(eng);
	free(depth);
	ff_sim_scene_destroy(s);
	return rc;
}
