/*
 * cmd_eval.c - `footfall eval`: runs the counting engine over simulated
 * scenes and scores it against their ground truth.
 *
 *   footfall eval DIR...                       recordings written by simulate
 *   footfall eval --suite [--scenes a,b,c] [--seed N]   rendered in memory
 *   options: --min-accuracy X --min-f1 Y --json --verbose
 *   --stereo (with --suite): the scenes are rendered as textured stereo
 *   pairs and the depth comes from the stereo matcher, so that the whole
 *   stereo path is scored; --stereo=raw renders the raw images of two real
 *   cameras instead, so that rectification is scored too.
 *
 * Scores:
 *  - count accuracy = 1 - sum |counted - truth| / sum truth over lines and
 *    directions (in, out), from the engine's totals after the last frame;
 *  - events: an engine event matches a truth event of the same type, line
 *    or region and direction (in/out for crossings, up/down for occupancy)
 *    whose time is within 1 s; dwell records match on start and end within
 *    1 s each. Matching is one-to-one, closest pairs first. Occupancy changes
 *    at the very end of the stream (tracks ended by the end of the
 *    recording) are not scored, as the truth does not define them.
 * Precision, recall and F1 are over all events. With --verbose, the
 * unmatched events of each scene are listed (what the engine missed and what
 * it made up).
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <footfall/io.h>
#include <footfall/calib.h>
#include <footfall/stereo_pipeline.h>
#include <footfall/sim.h>

#include "cli.h"

#define MATCH_S 1.0

typedef struct sev {
	int type, index, dir;
	double time, start, end;
	bool child;
	int people_id;
	int match;
} sev;

typedef struct evlist {
	sev *v;
	size_t n, cap;
} evlist;

typedef struct result {
	char name[64];
	size_t frames;
	double ms_per_frame;
	int64_t truth_in, truth_out, count_in, count_out;
	int64_t count_err, count_total;
	size_t truth_events, engine_events, matched;
	evlist truth, engine;
} result;

static bool push(evlist *l, const sev *e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		sev *nv = realloc(l->v, sizeof *nv * cap);
		if (!nv)
			return false;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = *e;
	return true;
}

/* --stereo: the simulator's ideal rectified pair or its raw cameras. */
enum { STEREO_IDEAL = 1, STEREO_RAW = 2 };

/* The source of frames: a simulated scene (depth, or a stereo pair and the
 * stereo pipeline) or a recording on disk. */
typedef struct source {
	ff_sim_scene *scene;
	ff_recording *rec;
	size_t next;
	ff_stereo_pipeline *pipe;
	uint8_t *pair; /* left then right image */
	ff_camera cam; /* the camera the engine sees */
} source;

static ff_status stereo_depth(source *src, uint16_t *depth, ff_error *err)
{
	const ff_camera *c = ff_sim_scene_camera(src->scene);
	size_t n = (size_t)c->width * (size_t)c->height;
	ff_status st =
	    ff_sim_scene_render_stereo(src->scene, src->next, src->pair, src->pair + n, err);
	return st ? st
		  : ff_stereo_pipeline_process(src->pipe, src->pair, src->pair + n, depth, err);
}

/* The scene's pair goes the way a real recording does: its calibration file
 * is parsed, the pair rectified, matched (disparities down to a point 0.25 m
 * from the camera) and turned into depth; the engine sees the rectified
 * camera, as `footfall count --left --right --calib` does. */
static ff_status stereo_setup(source *src, bool raw, ff_error *err)
{
	const ff_camera *c = ff_sim_scene_camera(src->scene);
	char *yaml = NULL;
	ff_stereo_calib calib;
	ff_stereo_pipeline_options opt;
	ff_status st = ff_sim_scene_set_raw_stereo(src->scene, raw, err);
	if (!st)
		st = ff_sim_scene_stereo_calib_yaml(src->scene, &yaml, err);
	if (st)
		return st;
	st = ff_calib_parse_opencv(yaml, strlen(yaml), "simulated calib.yml", NULL, &calib, err);
	free(yaml);
	if (st)
		return st;
	ff_stereo_pipeline_options_default(&opt);
	opt.min_depth_m = 0.25;
	/* The truth is in the depth camera's image, so the raw pair is
	 * rectified into that view (the ideal pair's default window is it). */
	if (raw) {
		opt.rectify.focal_px = fmax(c->fx, c->fy);
		opt.rectify.cx_px = c->cx;
		opt.rectify.cy_px = c->cy;
	}
	if ((st = ff_stereo_pipeline_create(&calib, &opt, &src->pipe, err)))
		return st;
	ff_stereo_pipeline_camera(src->pipe, &src->cam);
	src->pair = malloc(2 * (size_t)c->width * (size_t)c->height);
	if (!src->pair)
		return ff_error_set(err, FF_ERR_NOMEM, "out of memory");
	return FF_OK;
}

static void source_free(source *src)
{
	ff_stereo_pipeline_destroy(src->pipe);
	free(src->pair);
	ff_sim_scene_destroy(src->scene);
	ff_recording_close(src->rec);
}

static ff_status next_frame(source *src, uint16_t *depth, double *t, ff_error *err)
{
	if (src->rec)
		return ff_recording_read(src->rec, depth, t, err);
	if (src->next >= ff_sim_scene_frames(src->scene))
		return FF_ERR_END;
	ff_status st = src->pipe ? stereo_depth(src, depth, err)
				 : ff_sim_scene_render(src->scene, src->next, depth, err);
	*t = ff_recording_unix_time(ff_sim_scene_frame_time(src->scene, src->next));
	src->next++;
	return st;
}

/* Collects the engine's events, turning occupancy snapshots into changes. */
static bool collect(ff_engine *eng, evlist *out, int *occupancy)
{
	const ff_event *ev;
	size_t n = ff_engine_events(eng, &ev);
	for (size_t i = 0; i < n; i++) {
		sev e = {(int)ev[i].type, ev[i].index,	   0, ev[i].time, 0, 0,
			 ev[i].child,	  ev[i].people_id, -1};
		if (ev[i].type == FF_EVENT_LINE_CROSS) {
			e.dir = ev[i].direction;
		} else if (ev[i].type == FF_EVENT_REGION_COUNT) {
			if (ev[i].index < 0 || ev[i].index >= FF_MAX_REGIONS)
				continue;
			int delta = ev[i].current_total - occupancy[ev[i].index];
			occupancy[ev[i].index] = ev[i].current_total;
			if (delta == 0)
				continue;
			e.dir = delta > 0 ? 1 : -1;
		} else {
			e.start = ev[i].dwell_start;
			e.end = ev[i].dwell_end;
		}
		if (!push(out, &e))
			return false;
	}
	return true;
}

static ff_status run_engine(source *src, const ff_camera *cam, const ff_rules *rules, result *res,
			    ff_counts *counts, double *end_time, ff_error *err)
{
	ff_engine *eng = NULL;
	int occupancy[FF_MAX_REGIONS] = {0};
	uint16_t *depth = malloc(sizeof *depth * (size_t)cam->width * (size_t)cam->height);
	ff_status st;
	double t = 0, busy = 0;
	if (!depth)
		return ff_error_set(err, FF_ERR_NOMEM, "out of memory");
	if ((st = ff_engine_create(cam, rules, &eng, err)))
		goto out;
	for (;;) {
		st = next_frame(src, depth, &t, err);
		if (st == FF_ERR_END)
			break;
		if (st)
			goto out;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		st = ff_engine_process(eng, depth, t, err);
		clock_gettime(CLOCK_MONOTONIC, &b);
		busy += (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) * 1e-9;
		if (st)
			goto out;
		res->frames++;
		if (!collect(eng, &res->engine, occupancy)) {
			st = ff_error_set(err, FF_ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	st = FF_OK;
	if (res->frames == 0) {
		st = ff_error_set(err, FF_ERR_FORMAT, "no frames");
		goto out;
	}
	if ((st = ff_engine_finish(eng, t, err)))
		goto out;
	if (!collect(eng, &res->engine, occupancy)) {
		st = ff_error_set(err, FF_ERR_NOMEM, "out of memory");
		goto out;
	}
	ff_engine_counts(eng, counts);
	*end_time = t;
	res->ms_per_frame = busy * 1000 / (double)res->frames;
out:
	ff_engine_destroy(eng);
	free(depth);
	return st;
}

static int cmp_pair(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* One-to-one matching, closest pairs first. */
static bool match(result *r)
{
	size_t cap = 64, n = 0;
	double *pairs = malloc(sizeof(double) * 3 * cap);
	if (!pairs)
		return false;
	for (size_t i = 0; i < r->truth.n; i++)
		for (size_t j = 0; j < r->engine.n; j++) {
			const sev *a = r->truth.v + i, *b = r->engine.v + j;
			if (a->type != b->type || a->index != b->index || a->dir != b->dir)
				continue;
			double d = a->type == FF_EVENT_DWELL
				       ? fmax(fabs(a->start - b->start), fabs(a->end - b->end))
				       : fabs(a->time - b->time);
			if (d > MATCH_S)
				continue;
			if (n == cap) {
				cap *= 2;
				double *np = realloc(pairs, sizeof(double) * 3 * cap);
				if (!np) {
					free(pairs);
					return false;
				}
				pairs = np;
			}
			pairs[3 * n] = d;
			pairs[3 * n + 1] = (double)i;
			pairs[3 * n + 2] = (double)j;
			n++;
		}
	qsort(pairs, n, sizeof(double) * 3, cmp_pair);
	for (size_t k = 0; k < n; k++) {
		size_t i = (size_t)pairs[3 * k + 1], j = (size_t)pairs[3 * k + 2];
		if (r->truth.v[i].match >= 0 || r->engine.v[j].match >= 0)
			continue;
		r->truth.v[i].match = (int)j;
		r->engine.v[j].match = (int)i;
		r->matched++;
	}
	free(pairs);
	return true;
}

static ff_status score(result *r, const ff_sim_truth *truth, const ff_rules *rules,
		       const ff_counts *counts, double end_time, ff_error *err)
{
	/* truth times are recording stamps; the engine saw Unix seconds */
	for (size_t i = 0; i < truth->nevents; i++) {
		const ff_sim_event *e = truth->events + i;
		sev s = {(int)e->type,
			 e->index,
			 e->type == FF_EVENT_DWELL ? 0 : e->direction,
			 ff_recording_unix_time(e->time),
			 ff_recording_unix_time(e->dwell_start),
			 ff_recording_unix_time(e->dwell_end),
			 e->child,
			 e->people_id,
			 -1};
		if (!push(&r->truth, &s))
			return ff_error_set(err, FF_ERR_NOMEM, "out of memory");
	}
	size_t keep = 0;
	for (size_t j = 0; j < r->engine.n; j++)
		if (!(r->engine.v[j].type == FF_EVENT_REGION_COUNT &&
		      r->engine.v[j].time >= end_time - 1e-6))
			r->engine.v[keep++] = r->engine.v[j];
	r->engine.n = keep;
	if (truth->nlines != rules->nlines)
		return ff_error_set(err, FF_ERR_FORMAT, "truth has %d lines, the rules %d",
				    truth->nlines, rules->nlines);
	for (int li = 0; li < rules->nlines; li++) {
		const ff_line_counts *t = truth->lines + li, *c = counts->line_total + li;
		r->truth_in += t->in;
		r->truth_out += t->out;
		r->count_in += c->in;
		r->count_out += c->out;
		r->count_err += llabs(c->in - t->in) + llabs(c->out - t->out);
		r->count_total += t->in + t->out;
	}
	r->truth_events = r->truth.n;
	r->engine_events = r->engine.n;
	if (!match(r))
		return ff_error_set(err, FF_ERR_NOMEM, "out of memory");
	return FF_OK;
}

static ff_status eval_scene(const char *name, uint64_t seed, int stereo, result *r, ff_error *err)
{
	source src = {0};
	const ff_sim_truth *truth;
	ff_counts counts;
	double end = 0;
	ff_status st = ff_sim_scene_named(name, seed, &src.scene, err);
	if (st)
		return st;
	snprintf(r->name, sizeof r->name, "%s", name);
	if (!(st = stereo ? stereo_setup(&src, stereo == STEREO_RAW, err) : FF_OK) &&
	    !(st = ff_sim_scene_truth(src.scene, &truth, err)) &&
	    !(st = run_engine(&src, src.pipe ? &src.cam : ff_sim_scene_camera(src.scene),
			      ff_sim_scene_rules(src.scene), r, &counts, &end, err)))
		st = score(r, truth, ff_sim_scene_rules(src.scene), &counts, end, err);
	source_free(&src);
	return st;
}

static ff_status eval_dir(const char *dir, result *r, ff_error *err)
{
	source src = {0};
	ff_sim_truth *truth = NULL;
	ff_rules rules;
	ff_counts counts;
	double end = 0;
	char path[4096];
	const char *base = strrchr(dir, '/');
	snprintf(r->name, sizeof r->name, "%s", base && base[1] ? base + 1 : dir);
	snprintf(path, sizeof path, "%s/rules.json", dir);
	ff_status st = ff_rules_load(path, &rules, err);
	if (st)
		return st;
	snprintf(path, sizeof path, "%s/truth.json", dir);
	if ((st = ff_sim_truth_load(path, &truth, err)))
		return st;
	if (!(st = ff_recording_open(dir, &src.rec, err)) &&
	    !(st = run_engine(&src, ff_recording_camera(src.rec), &rules, r, &counts, &end, err)))
		st = score(r, truth, &rules, &counts, end, err);
	source_free(&src);
	ff_sim_truth_free(truth);
	return st;
}

static double ratio(double a, double b, double empty)
{
	return b > 0 ? a / b : empty;
}

static double f1(size_t matched, size_t truth, size_t engine)
{
	return truth + engine ? 2.0 * (double)matched / (double)(truth + engine) : 1.0;
}

static const char *type_name(int t)
{
	return t == FF_EVENT_LINE_CROSS ? "line" : t == FF_EVENT_REGION_COUNT ? "region" : "dwell";
}

/* Times as in depth.txt for recordings stamped from 2024-01-01. */
static double shown(double t)
{
	return t >= FF_RECORDING_EPOCH && t < 1e9 + FF_RECORDING_EPOCH ? t - FF_RECORDING_EPOCH : t;
}

static void print_unmatched(const result *r)
{
	for (int side = 0; side < 2; side++) {
		const evlist *l = side ? &r->engine : &r->truth;
		for (size_t i = 0; i < l->n; i++) {
			const sev *e = l->v + i;
			if (e->match >= 0)
				continue;
			printf("    %s %-6s %d t=%.2f", side ? "false " : "missed",
			       type_name(e->type), e->index, shown(e->time));
			if (e->type == FF_EVENT_DWELL)
				printf(" dwell %.2f..%.2f", shown(e->start), shown(e->end));
			else
				printf(" %s", e->type == FF_EVENT_LINE_CROSS
						  ? (e->dir > 0 ? "in" : "out")
						  : (e->dir > 0 ? "+1" : "-1"));
			printf("%s person %d\n", e->child ? " child" : "", e->people_id);
		}
	}
}

static void print_table(const result *res, size_t n, bool verbose)
{
	printf("%-18s %6s %9s %9s %7s %5s %5s %5s %6s %6s %6s %6s\n", "scene", "frames", "truth",
	       "counted", "acc", "ev_t", "ev_e", "match", "prec", "recall", "F1", "ms/f");
	int64_t err = 0, tot = 0, ti = 0, to = 0, ci = 0, co = 0;
	size_t te = 0, ee = 0, m = 0, frames = 0;
	double ms = 0;
	for (size_t i = 0; i < n; i++) {
		const result *r = res + i;
		char t[32], c[32];
		snprintf(t, sizeof t, "%lld/%lld", (long long)r->truth_in, (long long)r->truth_out);
		snprintf(c, sizeof c, "%lld/%lld", (long long)r->count_in, (long long)r->count_out);
		printf("%-18s %6zu %9s %9s %7.4f %5zu %5zu %5zu %6.3f %6.3f %6.3f %6.2f\n", r->name,
		       r->frames, t, c, 1 - ratio((double)r->count_err, (double)r->count_total, 0),
		       r->truth_events, r->engine_events, r->matched,
		       ratio((double)r->matched, (double)r->engine_events, 1),
		       ratio((double)r->matched, (double)r->truth_events, 1),
		       f1(r->matched, r->truth_events, r->engine_events), r->ms_per_frame);
		if (verbose)
			print_unmatched(r);
		err += r->count_err;
		tot += r->count_total;
		ti += r->truth_in;
		to += r->truth_out;
		ci += r->count_in;
		co += r->count_out;
		te += r->truth_events;
		ee += r->engine_events;
		m += r->matched;
		frames += r->frames;
		ms += r->ms_per_frame * (double)r->frames;
	}
	char t[32], c[32];
	snprintf(t, sizeof t, "%lld/%lld", (long long)ti, (long long)to);
	snprintf(c, sizeof c, "%lld/%lld", (long long)ci, (long long)co);
	printf("%-18s %6zu %9s %9s %7.4f %5zu %5zu %5zu %6.3f %6.3f %6.3f %6.2f\n", "TOTAL", frames,
	       t, c, 1 - ratio((double)err, (double)tot, 0), te, ee, m,
	       ratio((double)m, (double)ee, 1), ratio((double)m, (double)te, 1), f1(m, te, ee),
	       ratio(ms, (double)frames, 0));
}

static json_t *events_json(const evlist *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < l->n; i++) {
		const sev *e = l->v + i;
		if (e->match >= 0)
			continue;
		json_t *o = json_pack("{s:s, s:i, s:i, s:f, s:b, s:i}", "type", type_name(e->type),
				      "index", e->index, "direction", e->dir, "time", e->time,
				      "child", e->child, "people_id", e->people_id);
		if (!o || json_array_append_new(a, o)) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static int print_json(const result *res, size_t n, double *acc, double *f1_out)
{
	json_t *root = json_object(), *scenes = json_array();
	int64_t err = 0, tot = 0;
	size_t te = 0, ee = 0, m = 0;
	int bad = !root || !scenes;
	for (size_t i = 0; !bad && i < n; i++) {
		const result *r = res + i;
		json_t *o = json_pack(
		    "{s:s, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:f, s:f, s:f, s:f}",
		    "scene", r->name, "frames", (json_int_t)r->frames, "truth_in",
		    (json_int_t)r->truth_in, "truth_out", (json_int_t)r->truth_out, "counted_in",
		    (json_int_t)r->count_in, "counted_out", (json_int_t)r->count_out, "accuracy",
		    1 - ratio((double)r->count_err, (double)r->count_total, 0), "truth_events",
		    (json_int_t)r->truth_events, "engine_events", (json_int_t)r->engine_events,
		    "matched", (json_int_t)r->matched, "precision",
		    ratio((double)r->matched, (double)r->engine_events, 1), "recall",
		    ratio((double)r->matched, (double)r->truth_events, 1), "f1",
		    f1(r->matched, r->truth_events, r->engine_events), "ms_per_frame",
		    r->ms_per_frame);
		if (o) {
			json_object_set_new(o, "missed", events_json(&r->truth));
			json_object_set_new(o, "false", events_json(&r->engine));
		}
		bad |= !o || json_array_append_new(scenes, o);
		err += r->count_err;
		tot += r->count_total;
		te += r->truth_events;
		ee += r->engine_events;
		m += r->matched;
	}
	*acc = 1 - ratio((double)err, (double)tot, 0);
	*f1_out = f1(m, te, ee);
	if (!bad) {
		json_t *total = json_pack("{s:f, s:f, s:f, s:f, s:I, s:I, s:I}", "accuracy", *acc,
					  "precision", ratio((double)m, (double)ee, 1), "recall",
					  ratio((double)m, (double)te, 1), "f1", *f1_out,
					  "truth_events", (json_int_t)te, "engine_events",
					  (json_int_t)ee, "matched", (json_int_t)m);
		bad = json_object_set_new(root, "scenes", scenes) ||
		      json_object_set_new(root, "total", total);
	} else {
		json_decref(scenes);
	}
	char *text = bad ? NULL : json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (!text)
		return -1;
	puts(text);
	free(text);
	return 0;
}

static void totals(const result *res, size_t n, double *acc, double *f)
{
	int64_t err = 0, tot = 0;
	size_t te = 0, ee = 0, m = 0;
	for (size_t i = 0; i < n; i++) {
		err += res[i].count_err;
		tot += res[i].count_total;
		te += res[i].truth_events;
		ee += res[i].engine_events;
		m += res[i].matched;
	}
	*acc = 1 - ratio((double)err, (double)tot, 0);
	*f = f1(m, te, ee);
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: footfall eval DIR... [options]\n"
		"       footfall eval --suite [--scenes a,b,c] [--seed N] [options]\n\n"
		"Counts simulated recordings (written by 'footfall simulate') or the\n"
		"built-in scenes rendered in memory, and scores against the truth.\n\n"
		"options:\n"
		"  --min-accuracy X  fail (exit 1) when the total count accuracy is below X\n"
		"  --min-f1 Y        fail when the total event F1 is below Y\n"
		"  --json            machine-readable output\n"
		"  --verbose         list unmatched events per scene\n"
		"  --stereo          (--suite) count depth from the stereo matcher run on\n"
		"                    the scenes' textured stereo pairs\n"
		"  --stereo=raw      the same with the raw images of two real cameras (lens\n"
		"                    distortion, misalignment) rectified from their calibration\n");
}

static bool parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	*out = strtod(s, &end);
	return !errno && end != s && !*end && isfinite(*out);
}

/* Splits the --scenes list into names (in place). */
static size_t split_names(char *list, const char **names, size_t cap)
{
	size_t n = 0;
	for (char *tok = strtok(list, ","); tok && n < cap; tok = strtok(NULL, ","))
		if (*tok)
			names[n++] = tok;
	return n;
}

static void free_results(result *res, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(res[i].truth.v);
		free(res[i].engine.v);
	}
	free(res);
}

int ff_cmd_eval(int argc, char **argv)
{
	bool suite = false, json = false, verbose = false, have_seed = false;
	int stereo = 0;
	double min_acc = -1, min_f1 = -1;
	uint64_t seed = 0;
	char *scene_list = NULL;
	char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
	size_t ndirs = 0;
	if (!dirs)
		return 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			free(dirs);
			return 0;
		} else if (!strcmp(a, "--suite")) {
			suite = true;
		} else if (!strcmp(a, "--stereo")) {
			stereo = STEREO_IDEAL;
		} else if (!strcmp(a, "--stereo=raw")) {
			stereo = STEREO_RAW;
		} else if (!strcmp(a, "--json")) {
			json = true;
		} else if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			verbose = true;
		} else if (!strcmp(a, "--scenes") && more) {
			scene_list = argv[++i];
		} else if (!strcmp(a, "--seed") && more) {
			char *end;
			errno = 0;
			seed = strtoull(argv[++i], &end, 10);
			have_seed = !errno && *end == 0 && end != argv[i];
			if (!have_seed)
				goto bad_usage;
		} else if (!strcmp(a, "--min-accuracy") && more) {
			if (!parse_double(argv[++i], &min_acc))
				goto bad_usage;
		} else if (!strcmp(a, "--min-f1") && more) {
			if (!parse_double(argv[++i], &min_f1))
				goto bad_usage;
		} else if (a[0] == '-') {
			goto bad_usage;
		} else {
			dirs[ndirs++] = argv[i];
		}
	}
	if (suite == (ndirs > 0) || (stereo && !suite))
		goto bad_usage;

	size_t nsc = ff_sim_catalogue_size();
	const char **names = calloc(nsc + 1, sizeof *names);
	size_t n = suite ? nsc : ndirs, nalloc = n;
	result *res = calloc(n + 1, sizeof *res);
	if (!names || !res) {
		free(names);
		free(res);
		free(dirs);
		return 1;
	}
	if (suite) {
		if (scene_list) {
			n = split_names(scene_list, names, nsc);
		} else {
			for (size_t i = 0; i < nsc; i++)
				names[i] = ff_sim_catalogue_name(i);
		}
	}
	bool tty = isatty(STDERR_FILENO);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		ff_error err = {0};
		ff_status st;
		const char *label = suite ? names[i] : dirs[i];
		if (tty)
			fprintf(stderr, "\r[%zu/%zu] %-40s", i + 1, n, label);
		if (suite) {
			uint64_t s = have_seed ? seed : 0;
			if (!have_seed)
				for (size_t k = 0; k < nsc; k++)
					if (!strcmp(ff_sim_catalogue_name(k), names[i]))
						s = ff_sim_catalogue_seed(k);
			st = eval_scene(names[i], s, stereo, res + i, &err);
		} else {
			st = eval_dir(dirs[i], res + i, &err);
		}
		if (st) {
			fprintf(stderr, "%sfootfall eval: %s: %s\n", tty ? "\n" : "", label,
				err.msg);
			rc = 1;
			n = i;
			break;
		}
	}
	if (tty)
		fprintf(stderr, "\r%60s\r", "");
	double acc, f;
	totals(res, n, &acc, &f);
	if (n == 0) {
		/* nothing was scored: the error above says why */
	} else if (json) {
		if (print_json(res, n, &acc, &f))
			rc = 1;
	} else {
		print_table(res, n, verbose);
	}
	if (!rc && ((min_acc >= 0 && acc < min_acc) || (min_f1 >= 0 && f < min_f1))) {
		fprintf(stderr,
			"footfall eval: accuracy %.4f (min %.4f), F1 %.4f (min %.4f): FAIL\n", acc,
			min_acc, f, min_f1);
		rc = 1;
	}
	free_results(res, nalloc);
	free(names);
	free(dirs);
	return rc;

bad_usage:
	usage(stderr);
	free(dirs);
	return 2;
}
