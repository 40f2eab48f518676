/*
 * test_stereo_stream.c - stereo recordings: PNG pair sequences (written by
 * the writer, and by hand for the error cases) and pairs of video files,
 * which the test encodes itself with libavcodec: FFV1 (lossless, grey, in
 * Matroska) for exact pixels and MPEG-4 part 2 (YUV 4:2:0 limited range, in
 * MP4) for the usual camera-file path. Both encoders are built into every
 * FFmpeg, so no ffmpeg program is needed.
 */
#include <math.h>
#include <png.h>
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

#include "test_io_util.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>

#include <footfall/stereo_stream.h>

enum { W = 48, H = 32 };

static char *tmp;

static int setup(void **state)
{
	(void)state;
	/* FFmpeg logs to stderr; the errors under test come back as ff_error. */
	av_log_set_level(AV_LOG_QUIET);
	tmp = tio_mkdtemp();
	return tmp ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tio_rmtree(tmp);
	free(tmp);
	return 0;
}

static const char *path(const char *fmt, ...)
{
	static char buf[4][256];
	static int k;
	char *p = buf[k++ % 4];
	va_list ap;
	va_start(ap, fmt);
	int n = snprintf(p, 256, "%s/", tmp);
	vsnprintf(p + n, (size_t)(256 - n), fmt, ap);
	va_end(ap);
	return p;
}

static uint8_t pix(int x, int y, int frame, int side)
{
	return (uint8_t)(x * 5 + y * 3 + frame * 17 + side * 101);
}

static void fill(uint8_t *img, int frame, int side)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			img[y * W + x] = pix(x, y, frame, side);
}

static void write_text(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void write_png(const char *p, int w, int h, png_uint_32 format, const void *data)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	img.format = format;
	assert_true(png_image_write_to_file(&img, p, 0, data, 0, NULL));
	png_image_free(&img);
}

static void expect_open_error(const char *dir, ff_status code, const char *needle)
{
	ff_stereo_stream *s = NULL;
	ff_error err = {0};
	ff_status st = ff_stereo_stream_open(dir, NULL, &s, &err);
	if (st != code || !strstr(err.msg, needle))
		fail_msg("expected %d with '%s', got %d: %s", code, needle, st, err.msg);
	assert_null(s);
}

static void test_png_roundtrip(void **state)
{
	(void)state;
	ff_stereo_writer *w;
	ff_error err = {0};
	char dir[256];
	snprintf(dir, sizeof dir, "%s", path("seq"));
	assert_int_equal(ff_stereo_writer_create(dir, W, H, &w, &err), FF_OK);
	uint8_t l[W * H], r[W * H], gl[W * H], gr[W * H];
	static const double stamps[3] = {0.5, 0.55, 1.25};
	for (int i = 0; i < 3; i++) {
		fill(l, i, 0);
		fill(r, i, 1);
		assert_int_equal(ff_stereo_writer_append(w, l, r, stamps[i], &err), FF_OK);
	}
	assert_int_equal(ff_stereo_writer_append(w, l, r, 1.25, &err), FF_ERR_ORDER);
	assert_int_equal(ff_stereo_writer_close(w, &err), FF_OK);

	ff_stereo_stream *s;
	assert_int_equal(ff_stereo_stream_open(dir, NULL, &s, &err), FF_OK);
	int sw, sh;
	ff_stereo_stream_size(s, &sw, &sh);
	assert_int_equal(sw, W);
	assert_int_equal(sh, H);
	for (int i = 0; i < 3; i++) {
		double t;
		assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_OK);
		fill(l, i, 0);
		fill(r, i, 1);
		assert_memory_equal(gl, l, sizeof l);
		assert_memory_equal(gr, r, sizeof r);
		/* Small stamps count from 2024-01-01. */
		assert_true(fabs(t - (1704067200.0 + stamps[i])) < 1e-6);
	}
	double t;
	assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_ERR_END);

	ff_stereo_calib calib = {0};
	calib.left.width = W;
	calib.left.height = H;
	assert_int_equal(ff_stereo_stream_check_calib(s, &calib, &err), FF_OK);
	calib.left.width = 2 * W;
	assert_int_equal(ff_stereo_stream_check_calib(s, &calib, &err), FF_ERR_SIZE);
	assert_non_null(strstr(err.msg, "frames are 48x32 but the calibration is for 96x32"));
	ff_stereo_stream_close(s);
}

/* Colour frames, Unix timestamps, comments and blank lines. */
static void test_png_colour(void **state)
{
	(void)state;
	char dir[256];
	snprintf(dir, sizeof dir, "%s", path("colour"));
	assert_int_equal(mkdir(dir, 0777), 0);
	uint8_t rgb[W * H * 3], grey[W * H];
	for (int i = 0; i < W * H; i++) {
		rgb[3 * i] = (uint8_t)i;
		rgb[3 * i + 1] = (uint8_t)(i * 3);
		rgb[3 * i + 2] = 200;
	}
	write_png(path("colour/a.png"), W, H, PNG_FORMAT_RGB, rgb);
	memset(grey, 77, sizeof grey);
	write_png(path("colour/b.png"), W, H, PNG_FORMAT_GRAY, grey);
	write_text(path("colour/frames.txt"), "# stereo\n\n1718000000.25 a.png b.png\n"
					      "  1718000000.5\tb.png   a.png  \n");
	ff_stereo_stream *s;
	ff_error err = {0};
	assert_int_equal(ff_stereo_stream_open_dir(dir, &s, &err), FF_OK);
	uint8_t l[W * H], r[W * H];
	double t;
	assert_int_equal(ff_stereo_stream_read(s, l, r, &t, &err), FF_OK);
	assert_true(fabs(t - 1718000000.25) < 1e-6);
	assert_int_equal(r[100], 77);
	/* Grey is a weighted mean of the channels: between the smallest and
	 * the largest, and not just one of them. */
	int differs = 0;
	for (int i = 0; i < W * H; i++) {
		int lo = 255, hi = 0;
		for (int k = 0; k < 3; k++) {
			lo = rgb[3 * i + k] < lo ? rgb[3 * i + k] : lo;
			hi = rgb[3 * i + k] > hi ? rgb[3 * i + k] : hi;
		}
		assert_true(l[i] + 1 >= lo && l[i] <= hi + 1);
		differs += l[i] != rgb[3 * i] && l[i] != rgb[3 * i + 1] && l[i] != 200;
	}
	assert_true(differs > W * H / 2);
	assert_int_equal(ff_stereo_stream_read(s, l, r, &t, &err), FF_OK);
	assert_int_equal(l[5], 77);
	assert_int_equal(ff_stereo_stream_read(s, l, r, &t, &err), FF_ERR_END);
	ff_stereo_stream_close(s);
}

/* A frames.txt and the error it must cause. */
struct list_case {
	const char *list;
	ff_status code;
	const char *needle;
};

static void test_png_errors(void **state)
{
	(void)state;
	uint8_t img[W * H];
	memset(img, 9, sizeof img);
	char dir[256];
	snprintf(dir, sizeof dir, "%s", path("bad"));
	assert_int_equal(mkdir(dir, 0777), 0);
	write_png(path("bad/a.png"), W, H, PNG_FORMAT_GRAY, img);
	write_png(path("bad/small.png"), W / 2, H, PNG_FORMAT_GRAY, img);
	uint16_t deep[W * H] = {0};
	write_png(path("bad/deep.png"), W, H, PNG_FORMAT_LINEAR_Y, deep);
	write_text(path("bad/corrupt.png"), "\x89PNG\r\n\x1a\n garbage");

	expect_open_error(path("nothing"), FF_ERR_IO, "nothing/frames.txt");
	static const struct list_case at_open[] = {
	    {"# only comments\n", FF_ERR_FORMAT, "no frames listed"},
	    {"1 a.png\n", FF_ERR_FORMAT, "frames.txt:1: expected TIMESTAMP LEFT RIGHT"},
	    {"1 a.png a.png extra\n", FF_ERR_FORMAT, "frames.txt:1: expected TIMESTAMP LEFT RIGHT"},
	    {"1x a.png a.png\n", FF_ERR_FORMAT, "frames.txt:1: bad timestamp '1x'"},
	    {"2 a.png a.png\n# c\n2 a.png a.png\n", FF_ERR_ORDER,
	     "frames.txt:3: timestamp 2 is not after"},
	    {"1 missing.png a.png\n", FF_ERR_IO, "missing.png"},
	    {"1 deep.png a.png\n", FF_ERR_FORMAT, "16-bit PNG"},
	};
	for (size_t i = 0; i < sizeof at_open / sizeof at_open[0]; i++) {
		write_text(path("bad/frames.txt"), at_open[i].list);
		expect_open_error(dir, at_open[i].code, at_open[i].needle);
	}

	/* Errors while reading name the file and the frames.txt line. */
	static const struct list_case cases[] = {
	    {"1 a.png a.png\n2 a.png small.png\n", FF_ERR_SIZE, "frames.txt:2: "},
	    {"1 a.png a.png\n2 a.png small.png\n", FF_ERR_SIZE, "small.png: 24x32 frame"},
	    {"1 a.png a.png\n2 corrupt.png a.png\n", FF_ERR_FORMAT, "corrupt.png: not a readable"},
	    {"1 a.png a.png\n2 a.png gone.png\n", FF_ERR_IO, "gone.png"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		write_text(path("bad/frames.txt"), cases[i].list);
		ff_stereo_stream *s;
		ff_error err = {0};
		assert_int_equal(ff_stereo_stream_open_dir(dir, &s, &err), FF_OK);
		uint8_t l[W * H], r[W * H];
		double t;
		assert_int_equal(ff_stereo_stream_read(s, l, r, &t, &err), FF_OK);
		ff_status st = ff_stereo_stream_read(s, l, r, &t, &err);
		if (st != cases[i].code || !strstr(err.msg, cases[i].needle))
			fail_msg("case %zu: got %d: %s", i, st, err.msg);
		ff_stereo_stream_close(s);
	}

	ff_stereo_writer *w;
	ff_error err = {0};
	write_text(path("file"), "x");
	assert_int_equal(ff_stereo_writer_create(path("file"), W, H, &w, &err), FF_ERR_IO);
	assert_int_equal(ff_stereo_writer_create(path("x"), 0, H, &w, &err), FF_ERR_INVALID);
}

/* Encodes n frames of pix(.., side) (shifted by `shift` grey levels) at 25
 * frames per second. */
static void write_video(const char *file, const char *codec_name, enum AVPixelFormat fmt, int w,
			int h, int n, int side)
{
	AVFormatContext *oc = NULL;
	assert_true(avformat_alloc_output_context2(&oc, NULL, NULL, file) >= 0);
	const AVCodec *codec = avcodec_find_encoder_by_name(codec_name);
	assert_non_null(codec);
	AVStream *st = avformat_new_stream(oc, NULL);
	AVCodecContext *c = avcodec_alloc_context3(codec);
	assert_true(st && c);
	c->width = w;
	c->height = h;
	c->pix_fmt = fmt;
	c->time_base = (AVRational){1, 25};
	c->framerate = (AVRational){25, 1};
	c->gop_size = 5;
	c->bit_rate = 4000000;
	if (oc->oformat->flags & AVFMT_GLOBALHEADER)
		c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	assert_true(avcodec_open2(c, codec, NULL) >= 0);
	assert_true(avcodec_parameters_from_context(st->codecpar, c) >= 0);
	st->time_base = c->time_base;
	assert_true(avio_open(&oc->pb, file, AVIO_FLAG_WRITE) >= 0);
	assert_true(avformat_write_header(oc, NULL) >= 0);
	AVFrame *f = av_frame_alloc();
	AVPacket *pkt = av_packet_alloc();
	assert_true(f && pkt);
	f->format = fmt;
	f->width = w;
	f->height = h;
	assert_true(av_frame_get_buffer(f, 0) >= 0);
	for (int i = 0; i <= n; i++) {
		int ret;
		if (i < n) {
			assert_true(av_frame_make_writable(f) >= 0);
			for (int y = 0; y < h; y++)
				for (int x = 0; x < w; x++)
					f->data[0][y * f->linesize[0] + x] =
					    fmt == AV_PIX_FMT_GRAY8
						? pix(x, y, i, side)
						: (uint8_t)(60 + 2 * x + y + 3 * i + 20 * side);
			for (int p = 1; p < 3 && f->data[p]; p++)
				memset(f->data[p], 128, (size_t)f->linesize[p] * (size_t)(h / 2));
			f->pts = i;
			ret = avcodec_send_frame(c, f);
		} else {
			ret = avcodec_send_frame(c, NULL);
		}
		assert_true(ret >= 0);
		while ((ret = avcodec_receive_packet(c, pkt)) >= 0) {
			/* MP4 trims a last frame that has no duration. */
			if (pkt->duration == 0)
				pkt->duration = 1;
			av_packet_rescale_ts(pkt, c->time_base, st->time_base);
			pkt->stream_index = st->index;
			assert_true(av_interleaved_write_frame(oc, pkt) >= 0);
		}
	}
	assert_true(av_write_trailer(oc) >= 0);
	av_frame_free(&f);
	av_packet_free(&pkt);
	avcodec_free_context(&c);
	avio_closep(&oc->pb);
	avformat_free_context(oc);
}

static void test_video_lossless(void **state)
{
	(void)state;
	const char *l = path("left.mkv"), *r = path("right.mkv");
	write_video(l, "ffv1", AV_PIX_FMT_GRAY8, W, H, 6, 0);
	write_video(r, "ffv1", AV_PIX_FMT_GRAY8, W, H, 6, 1);
	ff_stereo_stream *s;
	ff_error err = {0};
	assert_int_equal(ff_stereo_stream_open(l, r, &s, &err), FF_OK);
	int sw, sh;
	ff_stereo_stream_size(s, &sw, &sh);
	assert_int_equal(sw, W);
	assert_int_equal(sh, H);
	uint8_t gl[W * H], gr[W * H], el[W * H], er[W * H];
	for (int i = 0; i < 6; i++) {
		double t;
		ff_status st = ff_stereo_stream_read(s, gl, gr, &t, &err);
		if (st != FF_OK)
			fail_msg("frame %d: %s", i, err.msg);
		fill(el, i, 0);
		fill(er, i, 1);
		assert_memory_equal(gl, el, sizeof el);
		assert_memory_equal(gr, er, sizeof er);
		assert_true(fabs(t - (1704067200.0 + i / 25.0)) < 1e-6);
	}
	double t;
	assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_ERR_END);
	assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_ERR_END);
	ff_stereo_stream_close(s);
}

static void test_video_mpeg4(void **state)
{
	(void)state;
	const char *l = path("left.mp4"), *r = path("right.mp4");
	write_video(l, "mpeg4", AV_PIX_FMT_YUV420P, 64, 48, 4, 0);
	write_video(r, "mpeg4", AV_PIX_FMT_YUV420P, 64, 48, 4, 1);
	ff_stereo_stream *s;
	ff_error err = {0};
	assert_int_equal(ff_stereo_stream_open_videos(l, r, &s, &err), FF_OK);
	uint8_t gl[64 * 48], gr[64 * 48];
	for (int i = 0; i < 4; i++) {
		double t;
		ff_status st = ff_stereo_stream_read(s, gl, gr, &t, &err);
		if (st != FF_OK)
			fail_msg("frame %d: %s", i, err.msg);
		double sum = 0;
		for (int y = 0; y < 48; y++)
			for (int x = 0; x < 64; x++) {
				/* Limited-range luma is expanded to full range. */
				double y_lim = 60 + 2 * x + y + 3 * i + 20;
				double full = (y_lim - 16) * 255 / 219;
				sum += fabs(gr[y * 64 + x] - full);
			}
		assert_true(sum / (64 * 48) < 3.0);
		assert_true(fabs(t - (1704067200.0 + i / 25.0)) < 1e-6);
	}
	ff_stereo_stream_close(s);
}

static void test_video_errors(void **state)
{
	(void)state;
	const char *l = path("l.mkv"), *r_short = path("short.mkv"), *r_big = path("big.mkv");
	write_video(l, "ffv1", AV_PIX_FMT_GRAY8, W, H, 3, 0);
	write_video(r_short, "ffv1", AV_PIX_FMT_GRAY8, W, H, 2, 1);
	write_video(r_big, "ffv1", AV_PIX_FMT_GRAY8, W + 16, H, 3, 1);
	ff_stereo_stream *s = NULL;
	ff_error err = {0};

	assert_int_equal(ff_stereo_stream_open(l, r_big, &s, &err), FF_ERR_SIZE);
	assert_non_null(strstr(err.msg, "big.mkv is 64x32"));
	assert_null(s);

	/* The right video ends one frame early. */
	assert_int_equal(ff_stereo_stream_open(l, r_short, &s, &err), FF_OK);
	uint8_t gl[W * H], gr[W * H];
	double t;
	assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_OK);
	assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_OK);
	assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "short.mkv ended after 2 frames but"));
	assert_non_null(strstr(err.msg, "l.mkv goes on"));
	ff_stereo_stream_close(s);
	/* And the other way round: the message names the left file. */
	assert_int_equal(ff_stereo_stream_open(r_short, l, &s, &err), FF_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_OK);
	assert_int_equal(ff_stereo_stream_read(s, gl, gr, &t, &err), FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "short.mkv ended after 2 frames"));
	ff_stereo_stream_close(s);

	s = NULL;
	assert_int_equal(ff_stereo_stream_open(path("none.mp4"), l, &s, &err), FF_ERR_IO);
	assert_non_null(strstr(err.msg, "none.mp4: cannot open"));
	write_text(path("junk.mp4"), "this is not a video file at all, just some text");
	ff_status st = ff_stereo_stream_open(l, path("junk.mp4"), &s, &err);
	assert_true(st == FF_ERR_IO || st == FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "junk.mp4"));
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_png_roundtrip), cmocka_unit_test(test_png_colour),
	    cmocka_unit_test(test_png_errors),	  cmocka_unit_test(test_video_lossless),
	    cmocka_unit_test(test_video_mpeg4),	  cmocka_unit_test(test_video_errors),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
