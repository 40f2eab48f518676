/*
 * cmd_bench.c - `footfall bench`: speed and memory of the counting engine.
 *
 * The engine alone is measured: frames are rendered by the simulator before
 * the clock starts and replayed from memory, so neither rendering nor PNG
 * decoding is in the figure. People walk back and forth in lanes that keep
 * them all in view, so "5 people" means five heads in every frame. Runs on
 * the calling thread only (one core). Memory is the growth of the resident
 * set caused by creating and running the engine, and the process's peak.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <footfall/footfall.h>
#include <footfall/sim.h>

#include "cli.h"

#define BENCH_FRAMES 120

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static long rss_kib(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A scene of n people walking in lanes across the middle of the view. */
static ff_status make_scene(int n, double fps, ff_sim_scene **out, ff_error *err)
{
	ff_sim_setup setup;
	ff_sim_setup_default(&setup);
	setup.fps = fps;
	setup.duration_s = BENCH_FRAMES / fps + 1;
	setup.seed = 7;
	ff_status st = ff_sim_scene_create(&setup, out, err);
	if (st)
		return st;
	for (int i = 0; i < n; i++) {
		ff_sim_person p;
		ff_sim_person_default(&p, 1.60 + 0.3 * ((i * 7) % 10) / 10.0);
		/* A grid of at most five across, 0.55 m apart: a dense crowd
		 * that still fits the view at 3 m. */
		int cols = n < 5 ? n : 5, rows = (n + cols - 1) / cols;
		double x0 = 0.55 * (i % cols - 0.5 * (cols - 1));
		double y0 = 0.5 * (i / cols - 0.5 * (rows - 1));
		ff_sim_key keys[2] = {{0, x0, y0}, {setup.duration_s, x0 + 0.3, y0 + 0.05}};
		if (ff_sim_scene_add_person(*out, &p, keys, 2, err) < 0) {
			ff_sim_scene_destroy(*out);
			*out = NULL;
			return err ? err->code : FF_ERR_INVALID;
		}
	}
	ff_rules r;
	ff_rules_default(&r);
	r.nlines = 1;
	r.lines[0].id = 1;
	r.lines[0].npoints = 2;
	r.lines[0].points[0] = (ff_point){0.5, 0.05};
	r.lines[0].points[1] = (ff_point){0.5, 0.95};
	r.nregions = 1;
	r.regions[0].id = 1;
	r.regions[0].npoints = 4;
	r.regions[0].points[0] = (ff_point){0.1, 0.1};
	r.regions[0].points[1] = (ff_point){0.4, 0.1};
	r.regions[0].points[2] = (ff_point){0.4, 0.9};
	r.regions[0].points[3] = (ff_point){0.1, 0.9};
	r.regions[0].people_counting = true;
	r.regions[0].dwell_time = true;
	return ff_sim_scene_set_rules(*out, &r, err);
}

static int bench_people(int n, double seconds, bool json)
{
	ff_error err = {0};
	ff_sim_scene *scene = NULL;
	ff_engine *eng = NULL;
	uint16_t *frames = NULL;
	int rc = 1;

	if (make_scene(n, 15, &scene, &err))
		goto out;
	const ff_camera *cam = ff_sim_scene_camera(scene);
	size_t px = (size_t)cam->width * (size_t)cam->height;
	frames = malloc(px * BENCH_FRAMES * sizeof *frames);
	if (!frames) {
		ff_error_set(&err, FF_ERR_NOMEM, "bench: no memory for %d frames", BENCH_FRAMES);
		goto out;
	}
	for (size_t i = 0; i < BENCH_FRAMES; i++)
		if (ff_sim_scene_render(scene, i, frames + i * px, &err))
			goto out;

	long before = rss_kib();
	if (ff_engine_create(cam, ff_sim_scene_rules(scene), &eng, &err))
		goto out;
	double t = 1, dt = 1.0 / 15, start = now_s(), elapsed = 0;
	long processed = 0;
	size_t events = 0, tracks = 0;
	while (elapsed < seconds) {
		for (size_t i = 0; i < BENCH_FRAMES; i++) {
			if (ff_engine_process(eng, frames + i * px, t, &err))
				goto out;
			t += dt;
			const ff_event *ev;
			events += ff_engine_events(eng, &ev);
		}
		processed += BENCH_FRAMES;
		tracks = (size_t)ff_engine_tracks(eng, NULL, 0);
		elapsed = now_s() - start;
	}
	long grown = rss_kib() - before;
	double fps = processed / elapsed;
	if (json)
		printf("{\"people\": %d, \"width\": %d, \"height\": %d, \"frames\": %ld, "
		       "\"fps\": %.1f, \"us_per_frame\": %.1f, \"tracks\": %zu, "
		       "\"engine_kib\": %ld}\n",
		       n, cam->width, cam->height, processed, fps, 1e6 / fps, tracks, grown);
	else
		printf("%-8d %5dx%-5d %8ld %10.1f %10.1f %7zu %11ld\n", n, cam->width, cam->height,
		       processed, fps, 1e6 / fps, tracks, grown);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "footfall bench: %s\n", err.msg);
	ff_engine_destroy(eng);
	free(frames);
	ff_sim_scene_destroy(scene);
	return rc;
}

static void usage(FILE *to)
{
	fprintf(to, "usage: footfall bench [--seconds S] [--people N[,N...]] [--json]\n"
		    "Frames per second of the counting engine alone (depth in memory) at\n"
		    "640x400 on one core, with 0, 5 and 20 people in view by default.\n");
}

int ff_cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {{"seconds", required_argument, NULL, 's'},
					     {"people", required_argument, NULL, 'p'},
					     {"json", no_argument, NULL, 'j'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	double seconds = 3;
	char people[64] = "0,5,20";
	bool json = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			seconds = atof(optarg);
			if (seconds <= 0 || seconds > 600) {
				fprintf(stderr,
					"footfall bench: --seconds %s is outside (0, 600]\n",
					optarg);
				return 2;
			}
			break;
		case 'p':
			snprintf(people, sizeof people, "%s", optarg);
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (!json)
		printf("%-8s %11s %8s %10s %10s %7s %11s\n", "people", "size", "frames", "fps",
		       "us/frame", "tracks", "engine KiB");
	for (char *tok = strtok(people, ","); tok; tok = strtok(NULL, ",")) {
		char *end;
		long n = strtol(tok, &end, 10);
		if (*end || n < 0 || n > 40) {
			fprintf(stderr, "footfall bench: --people: '%s' is not a count of 0..40\n",
				tok);
			return 2;
		}
		if (bench_people((int)n, seconds, json))
			return 1;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	if (!json)
		printf("peak resident memory of the process: %ld KiB (pre-rendered frames "
		       "included)\n",
		       ru.ru_maxrss);
	return 0;
}
