/*
 * pipeline_bench.c - end-to-end speed of the stereo counter on one core:
 * two compressed videos -> decode to grey -> rectify (and downscale) ->
 * semi-global matching -> depth -> counting engine -> counts.
 *
 *   pipeline_bench CALIB LEFT RIGHT RULES [TRUTH.json [DOWNSCALE [MAXDISP]]]
 *
 * Prints frames per second of the whole loop and each stage's share of the
 * time, then the counts (and the truth's, when given). Each stage is timed
 * where it runs: decoding around ff_stereo_stream_read, rectification,
 * matching and depth conversion by the pipeline's own counters, the engine
 * around ff_engine_process. The clip is decoded once to warm the caches of
 * the file system, then timed. Run it through bench/pipeline/run.sh, which
 * pins it to one core.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <footfall/io.h>
#include <footfall/sim.h>
#include <footfall/stereo_pipeline.h>
#include <footfall/stereo_stream.h>
#include <libavutil/log.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int fail(const ff_error *err)
{
	fprintf(stderr, "pipeline_bench: %s\n", err->msg);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc < 5) {
		fprintf(stderr, "usage: pipeline_bench CALIB LEFT RIGHT RULES [TRUTH [DOWNSCALE "
				"[MAXDISP]]]\n");
		return 2;
	}
	const char *truth_path = argc > 5 ? argv[5] : NULL;
	int downscale = argc > 6 ? atoi(argv[6]) : 2;
	int maxdisp = argc > 7 ? atoi(argv[7]) : 64;
	av_log_set_level(AV_LOG_ERROR);
	ff_error err = {0};
	ff_stereo_calib calib;
	ff_rules rules;
	if (ff_calib_load(argv[1], NULL, &calib, &err) || ff_rules_load(argv[4], &rules, &err))
		return fail(&err);
	ff_stereo_pipeline_options opt;
	ff_stereo_pipeline_options_default(&opt);
	opt.rectify.downscale = downscale;
	opt.sgm.max_disparity = maxdisp;
	opt.sgm.threads = 1;
	ff_stereo_pipeline *p;
	ff_stereo_stream *s;
	if (ff_stereo_pipeline_create(&calib, &opt, &p, &err) ||
	    ff_stereo_stream_open(argv[2], argv[3], &s, &err) ||
	    ff_stereo_stream_check_calib(s, &calib, &err))
		return fail(&err);
	ff_camera cam;
	ff_stereo_pipeline_camera(p, &cam);
	ff_engine *eng;
	if (ff_engine_create(&cam, &rules, &eng, &err))
		return fail(&err);
	size_t in = (size_t)calib.left.width * calib.left.height;
	size_t out = (size_t)cam.width * cam.height;
	uint8_t *l = malloc(in), *r = malloc(in);
	uint16_t *depth = malloc(out * sizeof *depth);
	if (!l || !r || !depth)
		return 1;

	double t_decode = 0, t_engine = 0, t, last = 0;
	size_t frames = 0;
	ff_status st;
	double t0 = now();
	for (;;) {
		double a = now();
		st = ff_stereo_stream_read(s, l, r, &t, &err);
		double b = now();
		if (st)
			break;
		t_decode += b - a;
		if (ff_stereo_pipeline_process(p, l, r, depth, &err))
			return fail(&err);
		a = now();
		if (ff_engine_process(eng, depth, t, &err))
			return fail(&err);
		t_engine += now() - a;
		last = t;
		frames++;
	}
	if (st != FF_ERR_END)
		return fail(&err);
	if (ff_engine_finish(eng, last, &err))
		return fail(&err);
	double total = now() - t0;
	ff_stereo_pipeline_stats ps;
	ff_stereo_pipeline_stats_get(p, &ps);

	int w, h;
	ff_stereo_pipeline_input_size(p, &w, &h);
	printf("input %dx%d -> %dx%d, %d disparities, %zu frames\n", w, h, cam.width, cam.height,
	       ff_stereo_pipeline_max_disparity(p), frames);
	printf("end to end: %.1f fps (%.2f ms/frame)\n", frames / total, 1e3 * total / frames);
	const char *names[] = {"decode", "rectify", "sgm", "depth", "engine"};
	double times[] = {t_decode, ps.rectify_s, ps.match_s, ps.depth_s, t_engine};
	double other = total;
	for (int i = 0; i < 5; i++) {
		printf("  %-8s %6.2f ms/frame %5.1f %%\n", names[i], 1e3 * times[i] / frames,
		       100 * times[i] / total);
		other -= times[i];
	}
	printf("  %-8s %6.2f ms/frame %5.1f %%\n", "other", 1e3 * other / frames,
	       100 * other / total);

	ff_counts counts;
	ff_engine_counts(eng, &counts);
	ff_sim_truth *truth = NULL;
	if (truth_path && ff_sim_truth_load(truth_path, &truth, &err))
		return fail(&err);
	for (int i = 0; i < rules.nlines; i++) {
		printf("line %d: in %lld out %lld", rules.lines[i].id,
		       (long long)counts.line_total[i].in, (long long)counts.line_total[i].out);
		if (truth && i < truth->nlines)
			printf(" (truth in %lld out %lld)", (long long)truth->lines[i].in,
			       (long long)truth->lines[i].out);
		printf("\n");
	}
	ff_sim_truth_free(truth);
	ff_engine_destroy(eng);
	ff_stereo_stream_close(s);
	ff_stereo_pipeline_destroy(p);
	free(l);
	free(r);
	free(depth);
	return 0;
}
