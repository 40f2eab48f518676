/*
 * test_stereo_pipeline_video.c - the stereo path from compressed video:
 * encode a simulated stereo pair as two video files with libavcodec, decode
 * them with the stereo stream and turn them into depth with the pipeline.
 *
 * The program has three uses:
 *  - without arguments (CTest): unit tests. The floor of a rendered scene
 *    survives lossy coding (MPEG-4 at high quality) well enough for the
 *    matcher to measure 3 m, and a right video that ends early or has
 *    another size is reported by the stream;
 *  - `test_stereo_pipeline_video DIR`: writes the fixtures of
 *    tests/cli_stereo.cmake (videos of six frames, a short and a small right
 *    video, a file that is no video, and the pair's calib.yml);
 *  - `test_stereo_pipeline_video --clip DIR SECONDS [CRF]`: writes the
 *    end-to-end benchmark's input (bench/pipeline): a 1280x800 H.264 (CRF
 *    default 18) stereo clip of a
 *    scene with people crossing a line, its calib.yml, rules.json and
 *    truth.json. The scene is built here rather than taken from the
 *    catalogue because catalogue scenes are 640x400.
 * One encoder serves all three, so that the benchmark's clip and the tests'
 * videos are made the same way.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>

#include <footfall/io.h>
#include <footfall/sim.h>
#include <footfall/stereo_pipeline.h>
#include <footfall/stereo_stream.h>

/* ---- Encoder ------------------------------------------------------------ */

typedef struct encoder {
	AVFormatContext *oc;
	AVCodecContext *c;
	AVStream *st;
	AVFrame *frame;
	AVPacket *pkt;
	int64_t next_pts;
} encoder;

/* Sends one frame (or NULL to flush) and writes what comes out. */
static int enc_send(encoder *e, const AVFrame *f)
{
	int ret = avcodec_send_frame(e->c, f);
	while (ret >= 0) {
		ret = avcodec_receive_packet(e->c, e->pkt);
		if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
			return 0;
		if (ret < 0)
			break;
		/* MP4 drops the duration of a last frame that has none. */
		if (!e->pkt->duration)
			e->pkt->duration = 1;
		av_packet_rescale_ts(e->pkt, e->c->time_base, e->st->time_base);
		e->pkt->stream_index = e->st->index;
		ret = av_interleaved_write_frame(e->oc, e->pkt);
	}
	return ret;
}

static void enc_free(encoder *e)
{
	av_frame_free(&e->frame);
	av_packet_free(&e->pkt);
	avcodec_free_context(&e->c);
	if (e->oc && e->oc->pb)
		avio_closep(&e->oc->pb);
	avformat_free_context(e->oc);
	memset(e, 0, sizeof *e);
}

/* Opens `file` for grey frames of w x h at fps. crf > 0: libx264 at that
 * constant rate factor (what a camera recorder would write); otherwise
 * MPEG-4 part 2 at quantiser 2 (built into every FFmpeg). */
static int enc_open(encoder *e, const char *file, int w, int h, int fps, int crf)
{
	memset(e, 0, sizeof *e);
	const AVCodec *codec = crf > 0 ? avcodec_find_encoder_by_name("libx264")
				       : avcodec_find_encoder(AV_CODEC_ID_MPEG4);
	if (!codec || avformat_alloc_output_context2(&e->oc, NULL, NULL, file) < 0)
		return -1;
	e->st = avformat_new_stream(e->oc, NULL);
	e->c = avcodec_alloc_context3(codec);
	e->frame = av_frame_alloc();
	e->pkt = av_packet_alloc();
	if (!e->st || !e->c || !e->frame || !e->pkt)
		goto fail;
	e->c->width = w;
	e->c->height = h;
	e->c->pix_fmt = AV_PIX_FMT_YUV420P;
	e->c->time_base = (AVRational){1, fps};
	e->c->framerate = (AVRational){fps, 1};
	e->c->gop_size = fps;
	e->c->max_b_frames = 0;
	e->c->thread_count = 1;
	if (crf > 0) {
		av_opt_set(e->c->priv_data, "preset", "fast", 0);
		av_opt_set_int(e->c->priv_data, "crf", crf, 0);
	} else {
		e->c->flags |= AV_CODEC_FLAG_QSCALE;
		e->c->global_quality = FF_QP2LAMBDA * 2;
	}
	if (e->oc->oformat->flags & AVFMT_GLOBALHEADER)
		e->c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	if (avcodec_open2(e->c, codec, NULL) < 0 ||
	    avcodec_parameters_from_context(e->st->codecpar, e->c) < 0)
		goto fail;
	e->st->time_base = e->c->time_base;
	e->frame->format = AV_PIX_FMT_YUV420P;
	e->frame->width = w;
	e->frame->height = h;
	if (av_frame_get_buffer(e->frame, 0) < 0 ||
	    avio_open(&e->oc->pb, file, AVIO_FLAG_WRITE) < 0 ||
	    avformat_write_header(e->oc, NULL) < 0)
		goto fail;
	return 0;
fail:
	enc_free(e);
	return -1;
}

static int enc_append(encoder *e, const uint8_t *grey)
{
	AVFrame *f = e->frame;
	if (av_frame_make_writable(f) < 0)
		return -1;
	for (int y = 0; y < f->height; y++)
		memcpy(f->data[0] + (size_t)y * f->linesize[0], grey + (size_t)y * f->width,
		       (size_t)f->width);
	for (int p = 1; p < 3; p++)
		memset(f->data[p], 128, (size_t)f->linesize[p] * (size_t)((f->height + 1) / 2));
	f->pts = e->next_pts++;
	return enc_send(e, f);
}

static int enc_close(encoder *e)
{
	int ret = enc_send(e, NULL);
	if (ret >= 0)
		ret = av_write_trailer(e->oc);
	enc_free(e);
	return ret;
}

/* ---- Scenes ------------------------------------------------------------- */

/* A catalogue-like scene at any size: people walking across a vertical
 * line through the image centre, both ways, one every `every_s` seconds. */
static ff_status crossing_scene(int w, int h, double seconds, ff_sim_scene **out, ff_error *err)
{
	ff_sim_setup st;
	ff_sim_setup_default(&st);
	st.width = w;
	st.height = h;
	st.duration_s = seconds;
	st.seed = 7;
	ff_status s = ff_sim_scene_create(&st, out, err);
	if (s)
		return s;
	/* From 2.5 m off-centre, outside the view at head height, at 1 m/s. */
	for (int i = 0; 6.0 + 3.0 * i < seconds - 0.5; i++) {
		ff_sim_person p;
		ff_sim_person_default(&p, 1.6 + 0.07 * (i % 4));
		double dir = i % 2 ? -1 : 1, y = 0.4 * ((i % 3) - 1);
		ff_sim_key keys[2] = {{1.0 + 3.0 * i, -2.5 * dir, y},
				      {6.0 + 3.0 * i, 2.5 * dir, y}};
		if (ff_sim_scene_add_person(*out, &p, keys, 2, err) < 0)
			return err ? err->code : FF_ERR_INVALID;
	}
	ff_rules rules;
	ff_rules_default(&rules);
	rules.nlines = 1;
	rules.lines[0] = (ff_line){.id = 1, .npoints = 2, .points = {{0.5, 0.05}, {0.5, 0.95}}};
	snprintf(rules.lines[0].name, sizeof rules.lines[0].name, "Centre");
	ff_rules_derive_uuid("line", 1, rules.lines[0].name, rules.lines[0].uuid, NULL);
	return ff_sim_scene_set_rules(*out, &rules, err);
}

static const char *join(char *buf, size_t cap, const char *dir, const char *name)
{
	snprintf(buf, cap, "%s/%s", dir, name);
	return buf;
}

static ff_status write_text(const char *path, const char *text, ff_error *err)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));
	int bad = fputs(text, f) < 0;
	bad |= fclose(f) != 0;
	return bad ? ff_error_set(err, FF_ERR_IO, "%s: write failed", path) : FF_OK;
}

/* Halves an image by dropping every other pixel (for the wrong-size video). */
static void halve(const uint8_t *in, int w, int h, uint8_t *out)
{
	for (int y = 0; y < h / 2; y++)
		for (int x = 0; x < w / 2; x++)
			out[(size_t)y * (w / 2) + x] = in[(size_t)2 * y * w + 2 * x];
}

/* Renders frames 0..n-1 of s into the listed encoders: left, right, a
 * right that stops after `short_n` frames, a half-size right. Any may be
 * NULL. */
static ff_status encode_scene(ff_sim_scene *s, size_t n, encoder *left, encoder *right,
			      encoder *right_short, size_t short_n, encoder *right_small,
			      ff_error *err)
{
	const ff_camera *cam = ff_sim_scene_camera(s);
	size_t px = (size_t)cam->width * (size_t)cam->height;
	uint8_t *buf = malloc(2 * px + px / 4);
	if (!buf)
		return ff_error_set(err, FF_ERR_NOMEM, "out of memory");
	ff_status st = FF_OK;
	for (size_t i = 0; i < n && !st; i++) {
		st = ff_sim_scene_render_stereo(s, i, buf, buf + px, err);
		if (st)
			break;
		int bad = enc_append(left, buf) < 0;
		if (right)
			bad |= enc_append(right, buf + px) < 0;
		if (right_short && i < short_n)
			bad |= enc_append(right_short, buf + px) < 0;
		if (right_small) {
			halve(buf + px, cam->width, cam->height, buf + 2 * px);
			bad |= enc_append(right_small, buf + 2 * px) < 0;
		}
		if (bad)
			st = ff_error_set(err, FF_ERR_IO, "encoding frame %zu failed", i);
	}
	free(buf);
	return st;
}

static ff_status write_calib(ff_sim_scene *s, const char *dir, ff_error *err)
{
	char *yaml, path[512];
	ff_status st = ff_sim_scene_stereo_calib_yaml(s, &yaml, err);
	if (st)
		return st;
	st = write_text(join(path, sizeof path, dir, "calib.yml"), yaml, err);
	free(yaml);
	return st;
}

/* The fixtures of tests/cli_stereo.cmake. */
static ff_status write_fixtures(const char *dir, ff_error *err)
{
	char p[5][512];
	ff_sim_scene *s;
	if (mkdir(dir, 0777) && errno != EEXIST)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", dir, strerror(errno));
	ff_status st = ff_sim_scene_named("single", 1, &s, err);
	if (st)
		return st;
	const ff_camera *cam = ff_sim_scene_camera(s);
	encoder e[4];
	int w = cam->width, h = cam->height;
	int bad = enc_open(&e[0], join(p[0], 512, dir, "left.mp4"), w, h, 15, 0) |
		  enc_open(&e[1], join(p[1], 512, dir, "right.mp4"), w, h, 15, 0) |
		  enc_open(&e[2], join(p[2], 512, dir, "right_short.mp4"), w, h, 15, 0) |
		  enc_open(&e[3], join(p[3], 512, dir, "right_small.mp4"), w / 2, h / 2, 15, 0);
	if (bad)
		st = ff_error_set(err, FF_ERR_IO, "%s: cannot open the encoders", dir);
	else
		st = encode_scene(s, 6, &e[0], &e[1], &e[2], 3, &e[3], err);
	for (int i = 0; i < 4; i++)
		if (e[i].oc && enc_close(&e[i]) < 0 && !st)
			st = ff_error_set(err, FF_ERR_IO, "%s: finishing the video failed", p[i]);
	if (!st)
		st = write_text(join(p[4], 512, dir, "garbage.mp4"), "this is not a video\n", err);
	if (!st)
		st = write_calib(s, dir, err);
	ff_sim_scene_destroy(s);
	return st;
}

/* The benchmark clip: 1280x800 H.264 at 15 fps. */
static ff_status write_clip(const char *dir, double seconds, int crf, ff_error *err)
{
	char p[2][512];
	ff_sim_scene *s;
	if (mkdir(dir, 0777) && errno != EEXIST)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", dir, strerror(errno));
	ff_status st = crossing_scene(1280, 800, seconds, &s, err);
	if (st)
		return st;
	encoder e[2];
	int bad = enc_open(&e[0], join(p[0], 512, dir, "left.mp4"), 1280, 800, 15, crf) |
		  enc_open(&e[1], join(p[1], 512, dir, "right.mp4"), 1280, 800, 15, crf);
	if (bad)
		st = ff_error_set(err, FF_ERR_IO, "%s: cannot open the H.264 encoders", dir);
	else
		st = encode_scene(s, ff_sim_scene_frames(s), &e[0], &e[1], NULL, 0, NULL, err);
	for (int i = 0; i < 2; i++)
		if (e[i].oc && enc_close(&e[i]) < 0 && !st)
			st = ff_error_set(err, FF_ERR_IO, "%s: finishing the video failed", p[i]);
	if (!st)
		st = write_calib(s, dir, err);
	char *text = NULL;
	if (!st && !(st = ff_rules_to_json(ff_sim_scene_rules(s), &text, err)))
		st = write_text(join(p[0], 512, dir, "rules.json"), text, err);
	free(text);
	text = NULL;
	const ff_sim_truth *truth;
	if (!st && !(st = ff_sim_scene_truth(s, &truth, err)) &&
	    !(st = ff_sim_truth_to_json(truth, ff_sim_scene_rules(s), "crossing_1280", 7, &text,
					err)))
		st = write_text(join(p[0], 512, dir, "truth.json"), text, err);
	free(text);
	ff_sim_scene_destroy(s);
	return st;
}

/* ---- Unit tests ----------------------------------------------------------- */

static char tmp[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof tmp, "/tmp/ff_pipe_video_XXXXXX");
	assert_non_null(mkdtemp(tmp));
	ff_error err = {0};
	char sub[128];
	if (write_fixtures(join(sub, sizeof sub, tmp, "v"), &err))
		fail_msg("fixtures: %s", err.msg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	static const char *const names[] = {"left.mp4",	       "right.mp4",   "right_short.mp4",
					    "right_small.mp4", "garbage.mp4", "calib.yml"};
	char p[256];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(p, sizeof p, "%s/v/%s", tmp, names[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/v", tmp);
	rmdir(p);
	rmdir(tmp);
	return 0;
}

static const char *fixture(const char *name)
{
	static char buf[2][256];
	static int k;
	k ^= 1;
	snprintf(buf[k], sizeof buf[k], "%s/v/%s", tmp, name);
	return buf[k];
}

/* Decoded video through the pipeline: the view (floor at 3 m; the person
 * of 'single' enters later) is nearly all valid, its mean depth within 2 %
 * of 3 m and 85 % of it within 8 % (the matcher's sub-pixel scatter is
 * about 3 % there, see test_stereo_pipeline.c). */
static void test_video_depth(void **state)
{
	(void)state;
	ff_error err = {0};
	ff_stereo_calib calib;
	assert_int_equal(ff_calib_load(fixture("calib.yml"), NULL, &calib, &err), FF_OK);
	ff_stereo_stream *s;
	assert_int_equal(ff_stereo_stream_open(fixture("left.mp4"), fixture("right.mp4"), &s, &err),
			 FF_OK);
	assert_int_equal(ff_stereo_stream_check_calib(s, &calib, &err), FF_OK);
	ff_stereo_pipeline_options opt;
	ff_stereo_pipeline_options_default(&opt);
	opt.min_depth_m = 0.5;
	ff_stereo_pipeline *p;
	assert_int_equal(ff_stereo_pipeline_create(&calib, &opt, &p, &err), FF_OK);
	ff_camera cam;
	ff_stereo_pipeline_camera(p, &cam);
	size_t n = (size_t)cam.width * cam.height;
	uint8_t *l = malloc(n), *r = malloc(n);
	uint16_t *depth = malloc(n * sizeof *depth);
	assert_true(l && r && depth);
	int frames = 0;
	double t, last = -1;
	ff_status st;
	while (!(st = ff_stereo_stream_read(s, l, r, &t, &err))) {
		assert_true(t > last);
		last = t;
		assert_int_equal(ff_stereo_pipeline_process(p, l, r, depth, &err), FF_OK);
		frames++;
	}
	assert_int_equal(st, FF_ERR_END);
	assert_int_equal(frames, 6);
	size_t valid = 0, near = 0;
	double sum = 0;
	for (size_t i = 0; i < n; i++) {
		valid += depth[i] > 0;
		sum += depth[i];
		near += depth[i] > 0 && fabs(depth[i] - 3000.0) < 240.0;
	}
	double mean = sum / (double)valid;
	print_message("valid %.3f, mean %.0f mm, within 8 %% of 3 m %.3f\n", (double)valid / n,
		      mean, (double)near / n);
	assert_true(valid > 0.9 * n);
	assert_true(fabs(mean - 3000.0) < 60.0);
	assert_true(near > 0.85 * n);
	free(l);
	free(r);
	free(depth);
	ff_stereo_pipeline_destroy(p);
	ff_stereo_stream_close(s);
}

static void test_video_errors(void **state)
{
	(void)state;
	ff_error err = {0};
	ff_stereo_stream *s = NULL;
	assert_int_equal(
	    ff_stereo_stream_open(fixture("left.mp4"), fixture("right_small.mp4"), &s, &err),
	    FF_ERR_SIZE);
	assert_non_null(strstr(err.msg, "right_small.mp4"));
	assert_int_not_equal(
	    ff_stereo_stream_open(fixture("garbage.mp4"), fixture("right.mp4"), &s, &err), FF_OK);
	assert_non_null(strstr(err.msg, "garbage.mp4"));

	assert_int_equal(
	    ff_stereo_stream_open(fixture("left.mp4"), fixture("right_short.mp4"), &s, &err),
	    FF_OK);
	uint8_t *l = malloc(640 * 400), *r = malloc(640 * 400);
	assert_true(l && r);
	double t;
	ff_status st;
	int frames = 0;
	while (!(st = ff_stereo_stream_read(s, l, r, &t, &err)))
		frames++;
	assert_int_equal(frames, 3);
	assert_int_not_equal(st, FF_ERR_END);
	assert_non_null(strstr(err.msg, "right_short.mp4"));
	free(l);
	free(r);
	ff_stereo_stream_close(s);
}

int main(int argc, char **argv)
{
	ff_error err = {0};
	av_log_set_level(AV_LOG_ERROR);
	if (argc == 2 || ((argc == 4 || argc == 5) && !strcmp(argv[1], "--clip"))) {
		int crf = argc == 5 ? atoi(argv[4]) : 18;
		if (argc > 2 && (crf < 1 || crf > 51)) {
			fprintf(stderr, "%s: CRF must be 1..51\n", argv[0]);
			return 2;
		}
		ff_status st = argc == 2 ? write_fixtures(argv[1], &err)
					 : write_clip(argv[2], atof(argv[3]), crf, &err);
		if (st)
			fprintf(stderr, "%s: %s\n", argv[0], err.msg);
		return st ? 1 : 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: %s [DIR | --clip DIR SECONDS [CRF]]\n", argv[0]);
		return 2;
	}
	/* The error tests feed FFmpeg a file that is no video on purpose. */
	av_log_set_level(AV_LOG_FATAL);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_video_depth),
	    cmocka_unit_test(test_video_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
