/*
 * cmd_simulate.c - `footfall simulate`: writes catalogue scenes to disk as a
 * depth recording (spec section 1), rules.json ({"rules": ...}) and
 * truth.json, so that any tool can be run and scored on them.
 *
 *   footfall simulate --scene NAME [--seed N] -o DIR
 *   footfall simulate --suite DIR [--seed N]     every scene into DIR/NAME
 *   footfall simulate --list
 *
 * With --stereo the scene is written as a stereo recording instead (spec
 * section 2: left/ and right/ 8-bit PNG frames listed in frames.txt) with
 * the pair's calibration in calib.yml (OpenCV format), for the stereo path.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <footfall/io.h>
#include <footfall/sim.h>
#include <footfall/stereo_stream.h>

#include "cli.h"

static void usage(FILE *to)
{
	fprintf(to, "usage: footfall simulate --scene NAME [--seed N] -o DIR\n"
		    "       footfall simulate --suite DIR [--seed N]\n"
		    "       footfall simulate --list\n\n"
		    "Renders a catalogue scene as a depth recording with rules.json and\n"
		    "truth.json (the ground truth). --seed varies the scene (default: the\n"
		    "scene's own seed). --stereo writes the textured left/right images of\n"
		    "the stereo pair (frames.txt, left/, right/) and calib.yml instead;\n"
		    "--stereo=raw the raw images of two real cameras (lens distortion,\n"
		    "misalignment, described by calib.yml) that rectify to that pair.\n");
}

static ff_status write_text(const char *dir, const char *name, const char *a, const char *b,
			    const char *c, ff_error *err)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));
	bool ok = fputs(a, f) >= 0 && (!b || fputs(b, f) >= 0) && (!c || fputs(c, f) >= 0);
	if (fclose(f) != 0 || !ok)
		return ff_error_set(err, FF_ERR_IO, "%s: write failed", path);
	return FF_OK;
}

static ff_status write_depth(ff_sim_scene *s, const char *dir, ff_error *err)
{
	ff_recording_writer *w = NULL;
	const ff_camera *cam = ff_sim_scene_camera(s);
	uint16_t *depth = malloc(sizeof *depth * (size_t)cam->width * (size_t)cam->height);
	if (!depth)
		return ff_error_set(err, FF_ERR_NOMEM, "out of memory");
	ff_status st = ff_recording_create(dir, cam, &w, err);
	for (size_t i = 0; !st && i < ff_sim_scene_frames(s); i++) {
		if (!(st = ff_sim_scene_render(s, i, depth, err)))
			st = ff_recording_append(w, depth, ff_sim_scene_frame_time(s, i), err);
	}
	if (w) {
		ff_status cst = ff_recording_writer_close(w, st ? NULL : err);
		st = st ? st : cst;
	}
	free(depth);
	return st;
}

static ff_status write_stereo(ff_sim_scene *s, const char *dir, ff_error *err)
{
	ff_stereo_writer *w = NULL;
	const ff_camera *cam = ff_sim_scene_camera(s);
	size_t n = (size_t)cam->width * (size_t)cam->height;
	uint8_t *left = malloc(2 * n);
	char *calib = NULL;
	if (!left)
		return ff_error_set(err, FF_ERR_NOMEM, "out of memory");
	ff_status st = ff_stereo_writer_create(dir, cam->width, cam->height, &w, err);
	for (size_t i = 0; !st && i < ff_sim_scene_frames(s); i++) {
		if (!(st = ff_sim_scene_render_stereo(s, i, left, left + n, err)))
			st = ff_stereo_writer_append(w, left, left + n,
						     ff_sim_scene_frame_time(s, i), err);
	}
	if (w) {
		ff_status cst = ff_stereo_writer_close(w, st ? NULL : err);
		st = st ? st : cst;
	}
	if (!st && !(st = ff_sim_scene_stereo_calib_yaml(s, &calib, err)))
		st = write_text(dir, "calib.yml", calib, NULL, NULL, err);
	free(calib);
	free(left);
	return st;
}

static ff_status write_scene(const char *name, uint64_t seed, const char *dir, int stereo,
			     ff_error *err)
{
	ff_sim_scene *s = NULL;
	char *rules_json = NULL, *truth_json = NULL;
	const ff_sim_truth *truth;
	ff_status st = ff_sim_scene_named(name, seed, &s, err);
	if (st)
		return st;
	if ((st = ff_sim_scene_set_raw_stereo(s, stereo == 2, err)) ||
	    (st = stereo ? write_stereo(s, dir, err) : write_depth(s, dir, err)))
		goto out;
	if ((st = ff_rules_to_json(ff_sim_scene_rules(s), &rules_json, err)) ||
	    (st = write_text(dir, "rules.json", "{\"rules\": ", rules_json, "}\n", err)))
		goto out;
	if ((st = ff_sim_scene_truth(s, &truth, err)) ||
	    (st = ff_sim_truth_to_json(truth, ff_sim_scene_rules(s), name, seed, &truth_json,
				       err)) ||
	    (st = write_text(dir, "truth.json", truth_json, "\n", NULL, err)))
		goto out;
out:
	free(rules_json);
	free(truth_json);
	ff_sim_scene_destroy(s);
	return st;
}

static size_t find_scene(const char *name)
{
	for (size_t i = 0; i < ff_sim_catalogue_size(); i++)
		if (!strcmp(ff_sim_catalogue_name(i), name))
			return i;
	return (size_t)-1;
}

static bool parse_seed(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return false;
	*out = v;
	return true;
}

int ff_cmd_simulate(int argc, char **argv)
{
	const char *scene = NULL, *outdir = NULL, *suite = NULL;
	uint64_t seed = 0;
	bool have_seed = false, list = false;
	int stereo = 0; /* 1: the ideal rectified pair, 2: raw cameras */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--list")) {
			list = true;
		} else if (!strcmp(a, "--stereo")) {
			stereo = 1;
		} else if (!strcmp(a, "--stereo=raw")) {
			stereo = 2;
		} else if (!strcmp(a, "--scene") && more) {
			scene = argv[++i];
		} else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) {
			outdir = argv[++i];
		} else if (!strcmp(a, "--suite") && more) {
			suite = argv[++i];
		} else if (!strcmp(a, "--seed") && more) {
			if (!parse_seed(argv[++i], &seed)) {
				fprintf(stderr, "footfall simulate: --seed: '%s' is not a number\n",
					argv[i]);
				return 2;
			}
			have_seed = true;
		} else {
			fprintf(stderr, "footfall simulate: unknown or incomplete option '%s'\n",
				a);
			usage(stderr);
			return 2;
		}
	}
	if (list) {
		for (size_t i = 0; i < ff_sim_catalogue_size(); i++)
			printf("%-18s %s\n", ff_sim_catalogue_name(i), ff_sim_catalogue_summary(i));
		return 0;
	}
	ff_error err = {0};
	if (suite) {
		if (mkdir(suite, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, "footfall simulate: %s: %s\n", suite, strerror(errno));
			return 1;
		}
		for (size_t i = 0; i < ff_sim_catalogue_size(); i++) {
			char dir[4096];
			const char *name = ff_sim_catalogue_name(i);
			snprintf(dir, sizeof dir, "%s/%s", suite, name);
			if (write_scene(name, have_seed ? seed : ff_sim_catalogue_seed(i), dir,
					stereo, &err)) {
				fprintf(stderr, "footfall simulate: %s: %s\n", name, err.msg);
				return 1;
			}
			fprintf(stderr, "%s\n", dir);
		}
		return 0;
	}
	if (!scene || !outdir) {
		usage(stderr);
		return 2;
	}
	size_t idx = find_scene(scene);
	if (idx == (size_t)-1) {
		fprintf(stderr, "footfall simulate: no scene '%s' (see --list)\n", scene);
		return 2;
	}
	if (write_scene(scene, have_seed ? seed : ff_sim_catalogue_seed(idx), outdir, stereo,
			&err)) {
		fprintf(stderr, "footfall simulate: %s\n", err.msg);
		return 1;
	}
	return 0;
}
