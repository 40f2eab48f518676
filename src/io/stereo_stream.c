/*
 * stereo_stream.c - reading the raw streams of a stereo recording in
 * lock-step: a PNG pair sequence (frames.txt) or two video files (FFmpeg).
 *
 * Both forms sit behind one handle so that the pipeline reads pairs the same
 * way whatever the recording is. frames.txt is parsed and checked whole at
 * open time (order of timestamps, shape of every line), so a bad list fails
 * before any frame is processed; frames are decoded on demand straight into
 * the caller's buffers with libpng's simplified API, which also converts
 * colour to grey.
 *
 * Video: each file has its own demuxer and decoder (single-threaded: the
 * device budget is one core). Most codecs output planar YUV, whose luma
 * plane is already the grey image: it is copied, through a lookup table
 * when it is limited range (16..235), which is far cheaper than swscale;
 * other pixel formats (RGB, packed YUV, >8 bits) go through swscale. The
 * pair's time is the left frame's presentation time; the right stream only
 * has to keep pace, frame for frame.
 */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>

#include <footfall/io.h>
#include <footfall/stereo_stream.h>

#include "io_internal.h"

#define FRAMES_TXT_MAX (64u << 20)

struct pair_entry {
	double stamp;
	int line;
	const char *left, *right; /* into the pool */
};

struct video {
	char *path;
	AVFormatContext *fmt;
	AVCodecContext *dec;
	AVPacket *pkt;
	AVFrame *frame;
	struct SwsContext *sws;
	int stream;
	double time_base;
	double frame_period; /* for frames without timestamps */
	long frames;
	uint8_t limited[256]; /* limited-range luma -> full range */
};

struct ff_stereo_stream {
	bool is_video;
	int width, height;
	bool have_last;
	double last_stamp;
	/* PNG pair sequence */
	char *dir;
	char *list_name; /* DIR/frames.txt, for messages */
	char *pool;
	struct pair_entry *pairs;
	size_t npairs, next;
	char *path; /* buffer for DIR/NAME */
	size_t path_cap;
	/* videos */
	struct video v[2];
};

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* ---- PNG pair sequences ------------------------------------------------ */

static const char *frame_path(ff_stereo_stream *s, const char *name)
{
	if (name[0] == '/')
		return name;
	snprintf(s->path, s->path_cap, "%s/%s", s->dir, name);
	return s->path;
}

/* Opens a PNG and reads its header; the caller frees img (png_image_free)
 * and closes *f. */
static ff_status png_begin(const char *path, png_image *img, FILE **f, ff_error *err)
{
	memset(img, 0, sizeof *img);
	img->version = PNG_IMAGE_VERSION;
	*f = fopen(path, "rb");
	if (!*f)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));
	if (!png_image_begin_read_from_stdio(img, *f))
		return ff_error_set(err, FF_ERR_FORMAT, "%s: not a readable PNG: %s", path,
				    img->message);
	if (img->format & PNG_FORMAT_FLAG_LINEAR)
		return ff_error_set(err, FF_ERR_FORMAT,
				    "%s: 16-bit PNG, stereo frames must be 8-bit", path);
	return FF_OK;
}

static ff_status read_png(const char *path, int width, int height, uint8_t *out, ff_error *err)
{
	png_image img;
	FILE *f;
	ff_status st = png_begin(path, &img, &f, err);
	if (st == FF_OK && ((int)img.width != width || (int)img.height != height))
		st =
		    ff_error_set(err, FF_ERR_SIZE, "%s: %ux%u frame, the stream's frames are %dx%d",
				 path, img.width, img.height, width, height);
	if (st == FF_OK) {
		/* Transparent pixels are composed onto black. */
		png_color black = {0, 0, 0};
		img.format = PNG_FORMAT_GRAY;
		if (!png_image_finish_read(&img, &black, out, width, NULL))
			st = ff_error_set(err, FF_ERR_FORMAT, "%s: corrupt PNG: %s", path,
					  img.message);
	}
	png_image_free(&img);
	if (f)
		fclose(f);
	return st;
}

/* Splits the next blank-separated token of a line in place. */
static char *next_token(char **p)
{
	char *s = *p;
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	if (!*s)
		return NULL;
	char *e = s;
	while (*e && *e != ' ' && *e != '\t' && *e != '\r')
		e++;
	if (*e)
		*e++ = '\0';
	*p = e;
	return s;
}

static ff_status parse_frames(ff_stereo_stream *s, char *text, ff_error *err)
{
	size_t cap = 0, longest = 0;
	int line = 0;
	for (char *p = text; p && *p; line++) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		char *cur = p;
		p = nl ? nl + 1 : NULL;
		char *stamp = next_token(&cur);
		if (!stamp || stamp[0] == '#')
			continue;
		char *left = next_token(&cur), *right = next_token(&cur);
		if (!left || !right || next_token(&cur))
			return ff_error_set(err, FF_ERR_FORMAT,
					    "%s:%d: expected TIMESTAMP LEFT RIGHT", s->list_name,
					    line + 1);
		char *end;
		double t = strtod(stamp, &end);
		if (*end || !isfinite(t))
			return ff_error_set(err, FF_ERR_FORMAT, "%s:%d: bad timestamp '%s'",
					    s->list_name, line + 1, stamp);
		if (s->npairs > 0 && !(t > s->pairs[s->npairs - 1].stamp))
			return ff_error_set(err, FF_ERR_ORDER,
					    "%s:%d: timestamp %s is not after the previous one",
					    s->list_name, line + 1, stamp);
		if (s->npairs == cap) {
			cap = cap ? cap * 2 : 256;
			struct pair_entry *bigger = realloc(s->pairs, cap * sizeof *bigger);
			if (!bigger)
				return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory",
						    s->list_name);
			s->pairs = bigger;
		}
		s->pairs[s->npairs++] = (struct pair_entry){t, line + 1, left, right};
		longest = strlen(left) > longest ? strlen(left) : longest;
		longest = strlen(right) > longest ? strlen(right) : longest;
	}
	if (s->npairs == 0)
		return ff_error_set(err, FF_ERR_FORMAT, "%s: no frames listed", s->list_name);
	s->path_cap = strlen(s->dir) + longest + 2;
	s->path = malloc(s->path_cap);
	if (!s->path)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", s->list_name);
	return FF_OK;
}

static ff_status open_dir(ff_stereo_stream *s, const char *dir, ff_error *err)
{
	s->dir = dup_str(dir);
	size_t n = strlen(dir) + sizeof "/frames.txt";
	s->list_name = malloc(n);
	if (!s->dir || !s->list_name)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	snprintf(s->list_name, n, "%s/frames.txt", dir);
	size_t len;
	ff_status st = ff_read_file(s->list_name, FRAMES_TXT_MAX, &s->pool, &len, err);
	if (st != FF_OK)
		return st;
	if (strlen(s->pool) != len)
		return ff_error_set(err, FF_ERR_FORMAT, "%s: contains a NUL byte", s->list_name);
	if ((st = parse_frames(s, s->pool, err)) != FF_OK)
		return st;
	png_image img;
	FILE *f;
	const char *first = frame_path(s, s->pairs[0].left);
	st = png_begin(first, &img, &f, err);
	if (st == FF_OK) {
		s->width = (int)img.width;
		s->height = (int)img.height;
	}
	png_image_free(&img);
	if (f)
		fclose(f);
	return st;
}

static ff_status read_dir_pair(ff_stereo_stream *s, uint8_t *left, uint8_t *right, double *t,
			       ff_error *err)
{
	if (s->next == s->npairs)
		return FF_ERR_END;
	const struct pair_entry *e = &s->pairs[s->next];
	ff_status st = read_png(frame_path(s, e->left), s->width, s->height, left, err);
	if (st == FF_OK)
		st = read_png(frame_path(s, e->right), s->width, s->height, right, err);
	if (st != FF_OK) {
		char where[1024];
		snprintf(where, sizeof where, "%s:%d", s->list_name, e->line);
		return ff_error_prefix(err, st, where);
	}
	s->next++;
	*t = ff_recording_unix_time(e->stamp);
	return FF_OK;
}

/* ---- Videos ------------------------------------------------------------ */

static ff_status av_fail(ff_error *err, ff_status code, const char *path, const char *what, int ret)
{
	char msg[AV_ERROR_MAX_STRING_SIZE];
	av_strerror(ret, msg, sizeof msg);
	return ff_error_set(err, code, "%s: %s: %s", path, what, msg);
}

static ff_status video_open(struct video *v, const char *path, ff_error *err)
{
	v->path = dup_str(path);
	if (!v->path)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
	int ret = avformat_open_input(&v->fmt, path, NULL, NULL);
	if (ret < 0)
		return av_fail(err, FF_ERR_IO, path, "cannot open", ret);
	if ((ret = avformat_find_stream_info(v->fmt, NULL)) < 0)
		return av_fail(err, FF_ERR_FORMAT, path, "unreadable video", ret);
	const AVCodec *codec = NULL;
	ret = av_find_best_stream(v->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
	if (ret < 0)
		return av_fail(err, FF_ERR_FORMAT, path, "no decodable video stream", ret);
	v->stream = ret;
	AVStream *st = v->fmt->streams[ret];
	v->dec = avcodec_alloc_context3(codec);
	v->pkt = av_packet_alloc();
	v->frame = av_frame_alloc();
	if (!v->dec || !v->pkt || !v->frame)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
	if ((ret = avcodec_parameters_to_context(v->dec, st->codecpar)) < 0 ||
	    (ret = avcodec_open2(v->dec, codec, NULL)) < 0)
		return av_fail(err, FF_ERR_FORMAT, path, "cannot open the decoder", ret);
	if (v->dec->width <= 0 || v->dec->height <= 0)
		return ff_error_set(err, FF_ERR_FORMAT, "%s: video without a frame size", path);
	v->time_base = av_q2d(st->time_base);
	AVRational rate = av_guess_frame_rate(v->fmt, st, NULL);
	v->frame_period = rate.num > 0 && rate.den > 0 ? av_q2d(av_inv_q(rate)) : 1.0 / 30;
	for (int i = 0; i < 256; i++) {
		int y = ((i - 16) * 255 + 109) / 219;
		v->limited[i] = (uint8_t)(i < 16 ? 0 : y > 255 ? 255 : y);
	}
	return FF_OK;
}

static void video_close(struct video *v)
{
	sws_freeContext(v->sws);
	av_frame_free(&v->frame);
	av_packet_free(&v->pkt);
	avcodec_free_context(&v->dec);
	avformat_close_input(&v->fmt);
	free(v->path);
}

/* Whether the frame's first plane is 8-bit luma, one byte per pixel. */
static bool luma_plane(const AVFrame *f, bool *full_range)
{
	const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
	if (!d ||
	    (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BITSTREAM |
			 AV_PIX_FMT_FLAG_HWACCEL)) ||
	    d->comp[0].plane != 0 || d->comp[0].depth != 8 || d->comp[0].step != 1 ||
	    d->comp[0].shift != 0 || d->comp[0].offset != 0)
		return false;
	enum AVPixelFormat fmt = f->format;
	*full_range = f->color_range == AVCOL_RANGE_JPEG || fmt == AV_PIX_FMT_YUVJ420P ||
		      fmt == AV_PIX_FMT_YUVJ422P || fmt == AV_PIX_FMT_YUVJ444P ||
		      (fmt == AV_PIX_FMT_GRAY8 && f->color_range != AVCOL_RANGE_MPEG);
	return true;
}

static ff_status to_grey(struct video *v, uint8_t *out, int w, int h, ff_error *err)
{
	const AVFrame *f = v->frame;
	bool full;
	if (luma_plane(f, &full)) {
		for (int y = 0; y < h; y++) {
			const uint8_t *src = f->data[0] + (ptrdiff_t)y * f->linesize[0];
			uint8_t *dst = out + (size_t)y * w;
			if (full) {
				memcpy(dst, src, (size_t)w);
			} else {
				for (int x = 0; x < w; x++)
					dst[x] = v->limited[src[x]];
			}
		}
		return FF_OK;
	}
	v->sws = sws_getCachedContext(v->sws, w, h, f->format, w, h, AV_PIX_FMT_GRAY8, SWS_BILINEAR,
				      NULL, NULL, NULL);
	if (!v->sws)
		return ff_error_set(err, FF_ERR_UNSUPPORTED, "%s: cannot convert %s frames to grey",
				    v->path, av_get_pix_fmt_name(f->format));
	uint8_t *dst[4] = {out, NULL, NULL, NULL};
	int stride[4] = {w, 0, 0, 0};
	sws_scale(v->sws, (const uint8_t *const *)f->data, f->linesize, 0, h, dst, stride);
	return FF_OK;
}

/* Decodes the next frame into out; FF_ERR_END when the video is over. */
static ff_status video_next(struct video *v, int w, int h, uint8_t *out, double *t, ff_error *err)
{
	for (;;) {
		int ret = avcodec_receive_frame(v->dec, v->frame);
		if (ret == 0)
			break;
		if (ret == AVERROR_EOF)
			return FF_ERR_END;
		if (ret != AVERROR(EAGAIN))
			return av_fail(err, FF_ERR_FORMAT, v->path, "cannot decode", ret);
		ret = av_read_frame(v->fmt, v->pkt);
		if (ret == AVERROR_EOF) {
			ret = avcodec_send_packet(v->dec, NULL);
			if (ret < 0 && ret != AVERROR_EOF)
				return av_fail(err, FF_ERR_FORMAT, v->path, "cannot decode", ret);
			continue;
		}
		if (ret < 0)
			return av_fail(err, FF_ERR_IO, v->path, "read error", ret);
		if (v->pkt->stream_index == v->stream)
			ret = avcodec_send_packet(v->dec, v->pkt);
		av_packet_unref(v->pkt);
		if (ret < 0)
			return av_fail(err, FF_ERR_FORMAT, v->path, "corrupt video data", ret);
	}
	ff_status st = FF_OK;
	if (v->frame->width != w || v->frame->height != h)
		st = ff_error_set(err, FF_ERR_SIZE, "%s: frame %ld is %dx%d, expected %dx%d",
				  v->path, v->frames + 1, v->frame->width, v->frame->height, w, h);
	if (st == FF_OK)
		st = to_grey(v, out, w, h, err);
	int64_t ts = v->frame->best_effort_timestamp;
	if (ts == AV_NOPTS_VALUE)
		ts = v->frame->pts;
	*t = ts == AV_NOPTS_VALUE ? v->frames * v->frame_period : ts * v->time_base;
	av_frame_unref(v->frame);
	v->frames++;
	return st;
}

static ff_status read_video_pair(ff_stereo_stream *s, uint8_t *left, uint8_t *right, double *t,
				 ff_error *err)
{
	double tl, tr;
	ff_status sl = video_next(&s->v[0], s->width, s->height, left, &tl, err);
	if (sl != FF_OK && sl != FF_ERR_END)
		return sl;
	ff_status sr = video_next(&s->v[1], s->width, s->height, right, &tr, err);
	if (sr != FF_OK && sr != FF_ERR_END)
		return sr;
	if (sl == FF_ERR_END && sr == FF_ERR_END)
		return FF_ERR_END;
	if (sl != sr) {
		int ended = sl == FF_ERR_END ? 0 : 1;
		return ff_error_set(err, FF_ERR_FORMAT,
				    "%s ended after %ld frames but %s goes on (the streams must "
				    "have the same frames)",
				    s->v[ended].path, s->v[ended].frames, s->v[1 - ended].path);
	}
	if (s->have_last && !(tl > s->last_stamp))
		return ff_error_set(err, FF_ERR_ORDER,
				    "%s: frame %ld: timestamp %.6f s is not after the previous one",
				    s->v[0].path, s->v[0].frames, tl);
	s->have_last = true;
	s->last_stamp = tl;
	*t = ff_recording_unix_time(tl);
	return FF_OK;
}

/* ---- Public ------------------------------------------------------------ */

void ff_stereo_stream_close(ff_stereo_stream *s)
{
	if (!s)
		return;
	if (s->is_video) {
		video_close(&s->v[0]);
		video_close(&s->v[1]);
	}
	free(s->dir);
	free(s->list_name);
	free(s->pool);
	free(s->pairs);
	free(s->path);
	free(s);
}

ff_status ff_stereo_stream_open_dir(const char *dir, ff_stereo_stream **out, ff_error *err)
{
	ff_stereo_stream *s = calloc(1, sizeof *s);
	if (!s)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	ff_status st = open_dir(s, dir, err);
	if (st != FF_OK) {
		ff_stereo_stream_close(s);
		return st;
	}
	*out = s;
	return FF_OK;
}

ff_status ff_stereo_stream_open_videos(const char *left, const char *right, ff_stereo_stream **out,
				       ff_error *err)
{
	ff_stereo_stream *s = calloc(1, sizeof *s);
	if (!s)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", left);
	s->is_video = true;
	ff_status st = video_open(&s->v[0], left, err);
	if (st == FF_OK)
		st = video_open(&s->v[1], right, err);
	if (st == FF_OK) {
		const AVCodecContext *a = s->v[0].dec, *b = s->v[1].dec;
		s->width = a->width;
		s->height = a->height;
		if (a->width != b->width || a->height != b->height)
			st = ff_error_set(err, FF_ERR_SIZE,
					  "stereo videos of different sizes: %s is %dx%d, %s is "
					  "%dx%d",
					  left, a->width, a->height, right, b->width, b->height);
	}
	if (st != FF_OK) {
		ff_stereo_stream_close(s);
		return st;
	}
	*out = s;
	return FF_OK;
}

ff_status ff_stereo_stream_open(const char *left, const char *right, ff_stereo_stream **out,
				ff_error *err)
{
	return right ? ff_stereo_stream_open_videos(left, right, out, err)
		     : ff_stereo_stream_open_dir(left, out, err);
}

void ff_stereo_stream_size(const ff_stereo_stream *s, int *width, int *height)
{
	*width = s->width;
	*height = s->height;
}

ff_status ff_stereo_stream_check_calib(const ff_stereo_stream *s, const ff_stereo_calib *calib,
				       ff_error *err)
{
	if (s->width == calib->left.width && s->height == calib->left.height)
		return FF_OK;
	return ff_error_set(err, FF_ERR_SIZE,
			    "%s%s%s: frames are %dx%d but the calibration is for %dx%d",
			    s->is_video ? s->v[0].path : s->dir, s->is_video ? " + " : "",
			    s->is_video ? s->v[1].path : "", s->width, s->height, calib->left.width,
			    calib->left.height);
}

ff_status ff_stereo_stream_read(ff_stereo_stream *s, uint8_t *left, uint8_t *right, double *t,
				ff_error *err)
{
	return s->is_video ? read_video_pair(s, left, right, t, err)
			   : read_dir_pair(s, left, right, t, err);
}
