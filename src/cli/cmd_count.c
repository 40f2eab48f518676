/*
 * cmd_count.c - `footfall count` (spec section 4): runs the engine over a
 * whole recording, prints one periodic report covering it and optionally
 * writes every trigger report as JSON Lines.
 *
 * The counting loop (count_frames) only sees a frame_source: a camera model
 * and a function that yields depth frames with their Unix times until
 * FF_ERR_END. Depth recordings are one source; a stereo recording (left and
 * right streams plus calibration, computing depth on the fly) becomes
 * another by filling a frame_source in open_source, without touching the
 * loop or the reports.
 *
 * A stereo recording (--left, --right, --calib) is such a source: the
 * stereo stream yields raw pairs, ff_stereo_pipeline turns each into a
 * depth frame of the rectified left camera, and the engine counts in that
 * camera's image, so the rules' coordinates refer to the rectified left
 * view. The disparity range follows from the rules: the nearest depth that
 * matters is the top of the tallest target below a camera at the configured
 * height (with a margin), so a higher camera searches fewer disparities.
 *
 * The engine's clock is the recording's Unix time, so event times go into
 * the reports unchanged. The device's running_time in the report is the
 * span of the recording. Progress goes to stderr only when it is a
 * terminal, so that scripts and tests see nothing but errors there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <footfall/footfall.h>
#include <footfall/io.h>
#include <footfall/stereo_pipeline.h>
#include <footfall/stereo_stream.h>
#include <libavutil/log.h>

#include "cli.h"

/* A stream of depth frames for the engine. read returns FF_ERR_END after
 * the last frame. */
struct frame_source {
	ff_camera cam;
	size_t frames; /* 0 when unknown in advance */
	void *ctx;
	ff_status (*read)(void *ctx, uint16_t *depth, double *t, ff_error *err);
	void (*close)(void *ctx);
};

struct count_options {
	const char *recording;
	const char *config;
	const char *events;
	const char *timezone;
	const char *left, *right, *calib;
	int downscale;
};

static void usage(FILE *to)
{
	fprintf(to,
		"usage: footfall count --recording DIR --config FILE [--events FILE.jsonl]\n"
		"                      [--timezone +HH:MM]\n"
		"       footfall count --left L [--right R] --calib FILE --config FILE\n"
		"                      [--downscale N] [--events FILE.jsonl] [--timezone +HH:MM]\n"
		"\n"
		"Counts people in a depth recording (camera.json, depth.txt, 16-bit PNG frames)\n"
		"or a stereo recording under the rules of FILE (a rules object or a\n"
		"configuration document with \"rules\") and prints one periodic report\n"
		"covering the whole recording.\n"
		"\n"
		"  --recording DIR   the depth recording\n"
		"  --left L          stereo recording: the left video, or a directory with\n"
		"                    frames.txt and PNG pairs (then without --right)\n"
		"  --right R         the right video\n"
		"  --calib FILE      the pair's calibration: OpenCV YAML/XML, DepthAI\n"
		"                    calib.json, or a directory holding them\n"
		"  --downscale N     shrink the rectified images by N (1-4) before matching,\n"
		"                    e.g. 2 for 1280x800 cameras (default 1)\n"
		"                    (rules coordinates refer to the rectified left image)\n"
		"  --config FILE     the rules JSON\n"
		"  --events FILE     also write every trigger report (line crossing, region\n"
		"                    count, dwell) to FILE, one JSON document per line\n"
		"  --timezone TZ     UTC offset of report times: +08:00, -05:30, Z or UTC\n"
		"                    (default UTC)\n"
		"  --help            show this help\n");
}

/* Parses argv into o; returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct count_options *o)
{
	static const char *const names[] = {"--recording", "--config", "--events", "--timezone",
					    "--left",	   "--right",  "--calib",  "--downscale"};
	const char *downscale = NULL;
	const char **slots[] = {&o->recording, &o->config, &o->events, &o->timezone,
				&o->left,      &o->right,  &o->calib,  &downscale};
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return 0;
		}
		size_t k = 0, n = sizeof names / sizeof names[0];
		size_t len = 0;
		for (; k < n; k++) {
			len = strlen(names[k]);
			if (!strncmp(arg, names[k], len) && (arg[len] == '\0' || arg[len] == '='))
				break;
		}
		if (k == n) {
			fprintf(stderr, "footfall count: unknown option '%s'\n", arg);
			usage(stderr);
			return 2;
		}
		const char *value = arg[len] == '=' ? arg + len + 1 : NULL;
		if (!value && i + 1 < argc)
			value = argv[++i];
		if (!value || !value[0]) {
			fprintf(stderr, "footfall count: %s needs a value\n", names[k]);
			usage(stderr);
			return 2;
		}
		*slots[k] = value;
	}
	const char *problem = NULL;
	if (o->recording && (o->left || o->right || o->calib || downscale))
		problem = "--recording cannot be combined with --left, --right, --calib or "
			  "--downscale";
	else if (!o->recording && !o->left)
		problem = o->right || o->calib ? "--left is required" : "--recording is required";
	else if (o->left && !o->calib)
		problem = "--calib is required with --left";
	else if (!o->config)
		problem = "--config is required";
	o->downscale = 1;
	if (!problem && downscale) {
		char *end;
		long v = strtol(downscale, &end, 10);
		if (*end || v < 1 || v > 4)
			problem = "--downscale must be 1, 2, 3 or 4";
		o->downscale = (int)v;
	}
	if (problem) {
		fprintf(stderr, "footfall count: %s\n", problem);
		usage(stderr);
		return 2;
	}
	return -1;
}

/* ---- Sources ----------------------------------------------------------- */

static ff_status depth_read(void *ctx, uint16_t *depth, double *t, ff_error *err)
{
	return ff_recording_read(ctx, depth, t, err);
}

static void depth_close(void *ctx)
{
	ff_recording_close(ctx);
}

struct stereo_source {
	ff_stereo_stream *stream;
	ff_stereo_pipeline *pipe;
	uint8_t *left, *right; /* raw frames */
};

static ff_status stereo_read(void *ctx, uint16_t *depth, double *t, ff_error *err)
{
	struct stereo_source *s = ctx;
	ff_status st = ff_stereo_stream_read(s->stream, s->left, s->right, t, err);
	if (!st)
		st = ff_stereo_pipeline_process(s->pipe, s->left, s->right, depth, err);
	return st;
}

static void stereo_close(void *ctx)
{
	struct stereo_source *s = ctx;
	ff_stereo_stream_close(s->stream);
	ff_stereo_pipeline_destroy(s->pipe);
	free(s->left);
	free(s->right);
	free(s);
}

/* Nearest depth worth matching: the tallest target's head under a camera at
 * the configured height, less a margin for hands and hats; a fixed guess
 * when the height is detected. */
static double nearest_depth(const ff_rules *rules)
{
	if (rules->installation_height_auto)
		return 0.5;
	double d = rules->installation_height_m - rules->max_target_height_m - 0.3;
	return d < 0.3 ? 0.3 : d;
}

static ff_status open_stereo(const struct count_options *o, const ff_rules *rules,
			     struct frame_source *src, ff_error *err)
{
	ff_stereo_calib calib;
	ff_status st = ff_calib_load(o->calib, NULL, &calib, err);
	if (st)
		return st;
	struct stereo_source *s = calloc(1, sizeof *s);
	if (!s)
		return ff_error_set(err, FF_ERR_NOMEM, "out of memory");
	av_log_set_level(AV_LOG_ERROR);
	st = ff_stereo_stream_open(o->left, o->right, &s->stream, err);
	if (!st)
		st = ff_stereo_stream_check_calib(s->stream, &calib, err);
	ff_stereo_pipeline_options opt;
	ff_stereo_pipeline_options_default(&opt);
	opt.rectify.downscale = o->downscale;
	opt.min_depth_m = nearest_depth(rules);
	if (!st)
		st = ff_stereo_pipeline_create(&calib, &opt, &s->pipe, err);
	size_t n = (size_t)calib.left.width * (size_t)calib.left.height;
	if (!st && (!(s->left = malloc(n)) || !(s->right = malloc(n))))
		st = ff_error_set(err, FF_ERR_NOMEM, "out of memory for %dx%d frames",
				  calib.left.width, calib.left.height);
	if (st) {
		stereo_close(s);
		return st;
	}
	*src = (struct frame_source){.ctx = s, .read = stereo_read, .close = stereo_close};
	ff_stereo_pipeline_camera(s->pipe, &src->cam);
	return FF_OK;
}

/* The frame source for the command line: a depth recording or a stereo
 * recording. */
static ff_status open_source(const struct count_options *o, const ff_rules *rules,
			     struct frame_source *src, ff_error *err)
{
	if (o->left)
		return open_stereo(o, rules, src, err);
	ff_recording *rec;
	ff_status st = ff_recording_open(o->recording, &rec, err);
	if (st)
		return st;
	*src = (struct frame_source){
	    .cam = *ff_recording_camera(rec),
	    .frames = ff_recording_frames(rec),
	    .ctx = rec,
	    .read = depth_read,
	    .close = depth_close,
	};
	return FF_OK;
}

/* ---- Counting ---------------------------------------------------------- */

struct count_run {
	const ff_rules *rules;
	ff_device_info device; /* running_time: seconds since the first frame */
	ff_report_opts opts;
	FILE *events; /* NULL: no trigger reports */
	double first, last;
	size_t frames;
};

static ff_status write_events(struct count_run *run, const ff_engine *eng, ff_error *err)
{
	const ff_event *ev;
	size_t n = ff_engine_events(eng, &ev);
	for (size_t i = 0; run->events && i < n; i++) {
		char *text;
		run->device.running_time = (int64_t)(ev[i].time - run->first);
		ff_status st = ff_report_trigger(&run->opts, run->rules, &ev[i], &text, err);
		if (st)
			return st;
		fputs(text, run->events);
		fputc('\n', run->events);
		free(text);
	}
	return FF_OK;
}

static void progress(const struct frame_source *src, size_t done, bool last)
{
	if (src->frames)
		fprintf(stderr, "\rfootfall count: frame %zu of %zu", done, src->frames);
	else
		fprintf(stderr, "\rfootfall count: frame %zu", done);
	if (last)
		fputc('\n', stderr);
}

/* Runs the engine over every frame of src, writing trigger reports on the
 * way; the final counts go to *counts. */
static ff_status count_frames(struct frame_source *src, struct count_run *run, ff_counts *counts,
			      ff_error *err)
{
	ff_engine *eng;
	ff_status st = ff_engine_create(&src->cam, run->rules, &eng, err);
	if (st)
		return st;
	size_t pixels = (size_t)src->cam.width * (size_t)src->cam.height;
	uint16_t *depth = malloc(pixels * sizeof *depth);
	bool tty = isatty(STDERR_FILENO);
	if (!depth)
		st = ff_error_set(err, FF_ERR_NOMEM, "out of memory for a %dx%d frame",
				  src->cam.width, src->cam.height);
	while (!st) {
		double t;
		st = src->read(src->ctx, depth, &t, err);
		if (st == FF_ERR_END) {
			st = FF_OK;
			break;
		}
		if (!st && !run->frames)
			run->first = t;
		if (!st)
			st = ff_engine_process(eng, depth, t, err);
		if (!st)
			st = write_events(run, eng, err);
		if (st)
			break;
		run->last = t;
		if (++run->frames % 25 == 0 && tty)
			progress(src, run->frames, false);
	}
	if (tty && run->frames)
		progress(src, run->frames, true);
	if (!st && !run->frames)
		st = ff_error_set(err, FF_ERR_FORMAT, "the recording has no frames");
	if (!st)
		st = ff_engine_finish(eng, run->last, err);
	if (!st)
		st = write_events(run, eng, err);
	if (!st)
		ff_engine_counts(eng, counts);
	free(depth);
	ff_engine_destroy(eng);
	return st;
}

/* Everything after the options: returns the exit status. */
static int run_count(const struct count_options *o, int offset_min)
{
	ff_error err = {0};
	ff_rules rules;
	struct frame_source src;
	if (ff_rules_load(o->config, &rules, &err) || open_source(o, &rules, &src, &err)) {
		fprintf(stderr, "footfall count: %s\n", err.msg);
		return 1;
	}

	ff_time_info time;
	ff_time_info_default(&time);
	ff_time_info_set_offset(&time, offset_min);
	struct count_run run = {.rules = &rules, .opts = {.time = &time}};
	ff_device_info_default(&run.device);
	run.opts.device = &run.device;
	ff_status st = FF_OK;
	if (o->events && !(run.events = fopen(o->events, "w")))
		st = ff_error_set(&err, FF_ERR_IO, "%s: %s", o->events, strerror(errno));

	ff_counts counts;
	if (!st)
		st = count_frames(&src, &run, &counts, &err);
	src.close(src.ctx);
	if (run.events) {
		bool failed = ferror(run.events);
		if (fclose(run.events))
			failed = true;
		if (failed && !st)
			st = ff_error_set(&err, FF_ERR_IO, "%s: write failed", o->events);
	}

	char *report = NULL;
	if (!st) {
		run.device.running_time = (int64_t)(run.last - run.first);
		run.opts.pretty = true;
		st = ff_report_periodic(&run.opts, &rules, &counts, run.first, run.last, &report,
					&err);
	}
	if (st) {
		fprintf(stderr, "footfall count: %s\n", err.msg);
		return 1;
	}
	int rc = 0;
	if (puts(report) < 0 || fflush(stdout)) {
		fprintf(stderr, "footfall count: cannot write the report to stdout\n");
		rc = 1;
	}
	free(report);
	return rc;
}

int ff_cmd_count(int argc, char **argv)
{
	struct count_options o = {0};
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	int offset_min = 0;
	ff_error err;
	if (o.timezone && ff_timezone_parse(o.timezone, &offset_min, &err)) {
		fprintf(stderr, "footfall count: --timezone: %s\n", err.msg);
		return 2;
	}
	return run_count(&o, offset_min);
}
