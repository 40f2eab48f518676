/*
 * liveview.c - the live view of the web pages: Server-Sent Events with the
 * counts and the tracks, and the depth view as MJPEG or as one JPEG, within
 * the privacy settings.
 *
 * Everything a viewer receives is prepared once for all viewers by one hub
 * thread that ticks VIEW_HZ times a second: the counts event (once a
 * second), the tracks event (on each new frame) and the picture (on each
 * new frame while a video viewer is connected). Each is an immutable,
 * reference-counted blob; a viewer only copies bytes out of the newest
 * blob it has not sent, so ten viewers cost one JPEG encoding, and the
 * pipeline thread is only ever touched through fd_live's short-lock
 * getters.
 *
 * A stream is a libmicrohttpd callback response. When its callback has
 * nothing new to send it suspends the connection (returning 0 without
 * suspending would make libmicrohttpd spin), and after every tick the hub
 * resumes all suspended streams. No callback ever waits, so a slow client
 * only fills its own socket: it skips straight to the newest blob instead
 * of queueing old ones, and neither other clients nor the pipeline notice
 * it. Every stream gets something at least every second or so (counts, the
 * picture again), so a client that went away is noticed by the next write
 * and libmicrohttpd's free callback takes the stream out of the hub.
 *
 * Privacy (the configuration's privacy section): preview "none" refuses
 * pictures with 403 and ends running video streams; "static" serves one
 * still, made when the setting was chosen (or at start); "video" serves
 * live frames. The colours show height above the floor rather than raw
 * depth: floor blue to head height red (pseudo colour) or dark to bright
 * grey (monochrome); pixels without depth are black. Low resolution shrinks
 * the frame by SHRINK (block averages) and blurs it, so that the shape of a
 * person remains and the person does not.
 *
 * libmicrohttpd must not be stopped with suspended connections, so
 * fd_liveview_close ends every stream and resumes them before the HTTP
 * servers stop; the hub itself is freed after them, since their free
 * callbacks still reach it.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <turbojpeg.h>

#include "daemon.h"
#include "http_internal.h"
#include "liveview.h"

#define VIEW_HZ 10
#define MAX_STREAMS 32
#define COUNTS_PERIOD_S 1.0
#define KEEPALIVE_S 15.0
#define RESEND_S 1.0 /* a picture is sent again after this long without a new one */
#define SNAPSHOT_MAX_AGE_S 0.2
#define SHRINK 4
#define BLUR_RADIUS 2
#define JPEG_QUALITY 80
#define HEAD_HEIGHT_M 1.8
#define BOUNDARY "ffframe"
#define TRACKS_JSON_MAX (64 + FD_VIEW_TRACKS * (160 + FD_TRAIL_MAX * 24))

/* ---- Blobs ---------------------------------------------------------------- */

typedef struct blob {
	atomic_int refs;
	size_t len;
	size_t skip; /* multipart part header before the JPEG (pictures) */
	size_t jpeg_len;
	char data[];
} blob;

static blob *blob_new(size_t len)
{
	blob *b = malloc(sizeof *b + len);
	if (!b)
		return NULL;
	atomic_init(&b->refs, 1);
	b->len = len;
	b->skip = 0;
	b->jpeg_len = 0;
	return b;
}

static blob *blob_ref(blob *b)
{
	atomic_fetch_add(&b->refs, 1);
	return b;
}

static void blob_unref(blob *b)
{
	if (b && atomic_fetch_sub(&b->refs, 1) == 1)
		free(b);
}

/* Replaces *slot (under the hub lock) and bumps its sequence number. */
static void blob_swap(blob **slot, uint64_t *seq, blob *b)
{
	blob_unref(*slot);
	*slot = b;
	(*seq)++;
}

/* ---- The hub -------------------------------------------------------------- */

typedef enum stream_kind { STREAM_EVENTS = 0, STREAM_VIDEO = 1 } stream_kind;

typedef struct stream {
	fd_liveview *v;
	struct MHD_Connection *conn;
	stream_kind kind;
	bool suspended;
	blob *cur; /* being sent, from off on */
	size_t off;
	uint64_t counts_seq, tracks_seq, image_seq;
	double last_image, last_keepalive;
	struct stream *next;
} stream;

struct fd_liveview {
	fd_daemon *d;
	pthread_t thread;
	bool started;

	pthread_mutex_t lock; /* everything down to the encoder */
	pthread_cond_t wake;
	bool closing;
	stream *streams;
	int nevents, nvideo;
	blob *counts, *tracks, *image, *keepalive;
	uint64_t counts_seq, tracks_seq, image_seq;
	int preview;	   /* the setting the image was made for */
	double image_made; /* fd_now() of the image */
	int image_key;	   /* privacy_key() of the image */

	/* The encoder: the hub thread and snapshot requests, one at a time. */
	pthread_mutex_t enc_lock;
	tjhandle tj;
	int width, height;
	double depth_scale;
	uint16_t *depth;
	uint64_t depth_frame;
	double floor_depth;
	float *height_map, *tmp;
	uint8_t *pixels;
	unsigned char *jpeg;
	unsigned long jpeg_cap;
	char *json; /* tracks event text (hub thread) */

	/* Hub thread only. */
	uint64_t tracks_frame;
	double counts_made;
};

static int privacy_key(const fd_config *c)
{
	return c->preview * 4 + c->pseudo_color * 2 + c->high_resolution;
}

/* ---- Pictures ------------------------------------------------------------- */

static float clamp01(float v)
{
	return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* Height in metres of every pixel of v->depth (NAN without depth). */
static void heights(fd_liveview *v)
{
	size_t n = (size_t)v->width * (size_t)v->height;
	for (size_t i = 0; i < n; i++)
		v->height_map[i] =
		    v->depth[i] ? (float)((v->floor_depth - v->depth[i]) / v->depth_scale) : NAN;
}

/* Block averages of SHRINK x SHRINK pixels into v->tmp (NAN where fewer
 * than half have depth), then a box blur back into v->height_map. */
static void shrink_and_blur(fd_liveview *v, int *ow, int *oh)
{
	int w = v->width / SHRINK, h = v->height / SHRINK;
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			float sum = 0;
			int n = 0;
			for (int dy = 0; dy < SHRINK; dy++)
				for (int dx = 0; dx < SHRINK; dx++) {
					float hv = v->height_map[(size_t)(y * SHRINK + dy) *
								     (size_t)v->width +
								 (size_t)(x * SHRINK + dx)];
					if (!isnan(hv)) {
						sum += hv;
						n++;
					}
				}
			v->tmp[(size_t)y * (size_t)w + (size_t)x] =
			    2 * n >= SHRINK * SHRINK ? sum / (float)n : NAN;
		}
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			size_t i = (size_t)y * (size_t)w + (size_t)x;
			float sum = 0;
			int n = 0;
			for (int dy = -BLUR_RADIUS; dy <= BLUR_RADIUS; dy++)
				for (int dx = -BLUR_RADIUS; dx <= BLUR_RADIUS; dx++) {
					int yy = y + dy, xx = x + dx;
					if (yy < 0 || yy >= h || xx < 0 || xx >= w)
						continue;
					float hv = v->tmp[(size_t)yy * (size_t)w + (size_t)xx];
					if (!isnan(hv)) {
						sum += hv;
						n++;
					}
				}
			v->height_map[i] = isnan(v->tmp[i]) ? NAN : sum / (float)n;
		}
	*ow = w;
	*oh = h;
}

/* Floor blue, through cyan, green and yellow, to head height red. */
static void pseudo_colour(float height_m, uint8_t *rgb)
{
	float t = 0.125f + 0.75f * clamp01(height_m / (float)HEAD_HEIGHT_M);
	rgb[0] = (uint8_t)(255 * clamp01(1.5f - fabsf(4 * t - 3)));
	rgb[1] = (uint8_t)(255 * clamp01(1.5f - fabsf(4 * t - 2)));
	rgb[2] = (uint8_t)(255 * clamp01(1.5f - fabsf(4 * t - 1)));
}

/* Encodes v->depth as the settings of cfg want it into a picture blob (a
 * multipart part around the JPEG). Under enc_lock. */
static ff_status encode(fd_liveview *v, const fd_config *cfg, blob **out, ff_error *err)
{
	int w = v->width, h = v->height;
	heights(v);
	if (!cfg->high_resolution)
		shrink_and_blur(v, &w, &h);
	size_t n = (size_t)w * (size_t)h;
	for (size_t i = 0; i < n; i++) {
		float hv = v->height_map[i];
		if (cfg->pseudo_color) {
			if (isnan(hv))
				memset(v->pixels + 3 * i, 0, 3);
			else
				pseudo_colour(hv, v->pixels + 3 * i);
		} else {
			v->pixels[i] =
			    isnan(hv) ? 0
				      : (uint8_t)(40 + 215 * clamp01(hv / (float)HEAD_HEIGHT_M));
		}
	}
	unsigned long size = v->jpeg_cap;
	if (tjCompress2(v->tj, v->pixels, w, 0, h, cfg->pseudo_color ? TJPF_RGB : TJPF_GRAY,
			&v->jpeg, &size, cfg->pseudo_color ? TJSAMP_420 : TJSAMP_GRAY, JPEG_QUALITY,
			TJFLAG_NOREALLOC))
		return ff_error_set(err, FF_ERR_IO, "live view: JPEG encoding: %s",
				    tjGetErrorStr2(v->tj));
	char head[128];
	int hl = snprintf(
	    head, sizeof head,
	    "--" BOUNDARY "\r\nContent-Type: image/jpeg\r\nContent-Length: %lu\r\n\r\n", size);
	blob *b = blob_new((size_t)hl + size + 2);
	if (!b)
		return ff_error_set(err, FF_ERR_NOMEM, "live view: out of memory");
	memcpy(b->data, head, (size_t)hl);
	memcpy(b->data + hl, v->jpeg, size);
	memcpy(b->data + (size_t)hl + size, "\r\n", 2);
	b->skip = (size_t)hl;
	b->jpeg_len = size;
	*out = b;
	return FF_OK;
}

/* Makes the current picture for cfg when it is missing, was made for other
 * settings, or (video) is older than max_age and a newer frame exists.
 * A static still is never renewed for the same settings. */
static void refresh_image(fd_liveview *v, const fd_config *cfg, double max_age)
{
	pthread_mutex_lock(&v->enc_lock);
	int key = privacy_key(cfg);
	pthread_mutex_lock(&v->lock);
	bool have = v->image && v->image_key == key;
	bool fresh =
	    have && (cfg->preview == FD_PREVIEW_STATIC || fd_now() - v->image_made < max_age);
	pthread_mutex_unlock(&v->lock);
	bool newer = false;
	if (!fresh)
		newer = fd_live_depth_get(v->d->live, v->depth, &v->depth_frame, &v->floor_depth);
	if (!fresh && (newer || (!have && v->depth_frame > 0))) {
		blob *b = NULL;
		ff_error err = {0};
		if (encode(v, cfg, &b, &err)) {
			fd_log(FD_LOG_WARN, "%s", err.msg);
		} else {
			pthread_mutex_lock(&v->lock);
			blob_swap(&v->image, &v->image_seq, b);
			v->image_key = key;
			v->image_made = fd_now();
			pthread_mutex_unlock(&v->lock);
		}
	}
	pthread_mutex_unlock(&v->enc_lock);
}

/* ---- Events --------------------------------------------------------------- */

/* "event: NAME\ndata: TEXT\n\n" (text has no line breaks: compact JSON). */
static blob *sse_blob(const char *name, const char *text)
{
	size_t len = strlen("event: \ndata: \n\n") + strlen(name) + strlen(text);
	blob *b = blob_new(len + 1);
	if (!b)
		return NULL;
	snprintf(b->data, len + 1, "event: %s\ndata: %s\n\n", name, text);
	b->len = len;
	return b;
}

/* The tracks event text into v->json; false when it does not fit. */
static bool tracks_json(fd_liveview *v, const fd_view_tracks *vt)
{
	size_t cap = TRACKS_JSON_MAX, n = 0;
	char *p = v->json;
#define EMIT(...) n += (size_t)snprintf(p + n, n < cap ? cap - n : 0, __VA_ARGS__)
	EMIT("{\"t\":%.3f,\"tracks\":[", vt->t);
	for (int k = 0; k < vt->ntracks; k++) {
		const fd_view_track *t = &vt->tracks[k];
		EMIT(
		    "%s{\"id\":%d,\"x\":%.4f,\"y\":%.4f,\"height_m\":%.2f,\"child\":%s,\"trail\":[",
		    k ? "," : "", t->id, t->x, t->y, t->height_m, t->child ? "true" : "false");
		for (int j = 0; j < t->ntrail; j++)
			EMIT("%s[%.4f,%.4f]", j ? "," : "", t->trail[j][0], t->trail[j][1]);
		EMIT("]}");
	}
	EMIT("]}");
#undef EMIT
	return n < cap;
}

/* One tick's events for event streams: tracks on a new frame, counts once
 * a period. Without event streams the old ones are dropped, so that the
 * next viewer starts with fresh ones. */
static void refresh_events(fd_liveview *v, bool wanted, double now)
{
	blob *counts = NULL, *tracks = NULL;
	if (wanted) {
		fd_view_tracks vt;
		fd_live_tracks_get(v->d->live, &vt);
		if (vt.frame != v->tracks_frame && tracks_json(v, &vt)) {
			v->tracks_frame = vt.frame;
			tracks = sse_blob("tracks", v->json);
		}
		char *text = NULL;
		ff_error err = {0};
		if (now - v->counts_made >= COUNTS_PERIOD_S) {
			if (fd_counts_report(v->d, &text, &err))
				fd_log(FD_LOG_WARN, "live view: counts: %s", err.msg);
			else
				counts = sse_blob("counts", text);
			free(text);
			v->counts_made = now;
		}
	} else {
		v->tracks_frame = 0;
		v->counts_made = 0;
	}
	pthread_mutex_lock(&v->lock);
	if (!wanted) {
		blob_swap(&v->tracks, &v->tracks_seq, NULL);
		blob_swap(&v->counts, &v->counts_seq, NULL);
	}
	if (tracks)
		blob_swap(&v->tracks, &v->tracks_seq, tracks);
	if (counts)
		blob_swap(&v->counts, &v->counts_seq, counts);
	pthread_mutex_unlock(&v->lock);
}

static void *hub_run(void *arg)
{
	fd_liveview *v = arg;
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	fd_config cfg;
	pthread_mutex_lock(&v->lock);
	while (!v->closing) {
		struct timespec now_ts;
		clock_gettime(CLOCK_MONOTONIC, &now_ts);
		next.tv_nsec += 1000000000L / VIEW_HZ;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		if (next.tv_sec + 1 < now_ts.tv_sec)
			next = now_ts; /* the machine was suspended: no catching up */
		while (!v->closing && !pthread_cond_timedwait(&v->wake, &v->lock, &next))
			;
		if (v->closing)
			break;
		bool events = v->nevents > 0, video = v->nvideo > 0;
		pthread_mutex_unlock(&v->lock);

		fd_current_config(v->d, &cfg);
		double now = fd_now();
		refresh_events(v, events, now);
		/* A still is made when its setting is chosen, even unwatched;
		 * half a tick of age allows a new picture on every tick. */
		if (cfg.preview == FD_PREVIEW_STATIC || (cfg.preview == FD_PREVIEW_VIDEO && video))
			refresh_image(v, &cfg, 0.5 / VIEW_HZ);

		pthread_mutex_lock(&v->lock);
		v->preview = cfg.preview;
		if (cfg.preview == FD_PREVIEW_NONE && v->image)
			blob_swap(&v->image, &v->image_seq, NULL);
		for (stream *s = v->streams; s; s = s->next)
			if (s->suspended) {
				s->suspended = false;
				MHD_resume_connection(s->conn);
			}
	}
	pthread_mutex_unlock(&v->lock);
	return NULL;
}

/* ---- Streams -------------------------------------------------------------- */

/* The next blob s has not sent, or NULL. Under the hub lock. */
static blob *next_blob(stream *s, double now)
{
	fd_liveview *v = s->v;
	if (s->kind == STREAM_VIDEO) {
		if (v->image && (v->image_seq != s->image_seq || now - s->last_image >= RESEND_S)) {
			s->image_seq = v->image_seq;
			s->last_image = now;
			return blob_ref(v->image);
		}
		return NULL;
	}
	if (now - s->last_keepalive >= KEEPALIVE_S) {
		s->last_keepalive = now;
		return blob_ref(v->keepalive);
	}
	if (v->counts && v->counts_seq != s->counts_seq) {
		s->counts_seq = v->counts_seq;
		return blob_ref(v->counts);
	}
	if (v->tracks && v->tracks_seq != s->tracks_seq) {
		s->tracks_seq = v->tracks_seq;
		return blob_ref(v->tracks);
	}
	return NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)pos;
	stream *s = cls;
	fd_liveview *v = s->v;
	if (!s->cur) {
		pthread_mutex_lock(&v->lock);
		if (v->closing || (s->kind == STREAM_VIDEO && v->preview == FD_PREVIEW_NONE)) {
			pthread_mutex_unlock(&v->lock);
			return MHD_CONTENT_READER_END_OF_STREAM;
		}
		s->cur = next_blob(s, fd_now());
		s->off = 0;
		if (!s->cur) {
			s->suspended = true;
			MHD_suspend_connection(s->conn);
		}
		pthread_mutex_unlock(&v->lock);
		if (!s->cur)
			return 0;
	}
	size_t n = s->cur->len - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->cur->data + s->off, n);
	s->off += n;
	if (s->off == s->cur->len) {
		blob_unref(s->cur);
		s->cur = NULL;
	}
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	stream *s = cls;
	fd_liveview *v = s->v;
	pthread_mutex_lock(&v->lock);
	for (stream **p = &v->streams; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	if (s->kind == STREAM_VIDEO)
		v->nvideo--;
	else
		v->nevents--;
	pthread_mutex_unlock(&v->lock);
	blob_unref(s->cur);
	free(s);
}

/* Suspending a connection needs the flag MHD_ALLOW_SUSPEND_RESUME on its
 * server; without it libmicrohttpd would abort. */
static bool can_suspend(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_DAEMON);
	const union MHD_DaemonInfo *di =
	    ci ? MHD_get_daemon_info(ci->daemon, MHD_DAEMON_INFO_FLAGS) : NULL;
	return di && (di->flags & MHD_ALLOW_SUSPEND_RESUME) == MHD_ALLOW_SUSPEND_RESUME;
}

static enum MHD_Result open_stream(fd_req *r, stream_kind kind, const char *type)
{
	fd_liveview *v = r->d->liveview;
	if (!can_suspend(r->conn))
		return fd_reply_error(r, 503, "live streams are not available on this server");
	stream *s = calloc(1, sizeof *s);
	if (!s)
		return fd_reply_json(r, 500, NULL);
	s->v = v;
	s->conn = r->conn;
	s->kind = kind;
	/* The keep-alive comment goes first: the client sees the stream open. */
	s->last_keepalive = -KEEPALIVE_S;
	pthread_mutex_lock(&v->lock);
	bool full = v->closing || v->nevents + v->nvideo >= MAX_STREAMS;
	if (!full) {
		s->next = v->streams;
		v->streams = s;
		if (kind == STREAM_VIDEO)
			v->nvideo++;
		else
			v->nevents++;
	}
	pthread_mutex_unlock(&v->lock);
	if (full) {
		free(s);
		return fd_reply_error(r, 503, "live view: at most %d streams at once", MAX_STREAMS);
	}
	/* From here on the response owns s: stream_free runs when it goes. */
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024,
								      stream_read, s, stream_free);
	if (!resp) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", type);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	enum MHD_Result ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result fd_h_live_events(fd_req *r)
{
	return open_stream(r, STREAM_EVENTS, "text/event-stream");
}

/* 403 naming the setting when the device shows no picture. */
static bool preview_refused(fd_req *r, const fd_config *cfg, enum MHD_Result *sent)
{
	if (cfg->preview != FD_PREVIEW_NONE)
		return false;
	*sent = fd_reply_error(r, 403, "privacy.preview is \"none\": the device shows no picture");
	return true;
}

enum MHD_Result fd_h_live_video(fd_req *r)
{
	fd_config cfg;
	enum MHD_Result sent;
	fd_current_config(r->d, &cfg);
	if (preview_refused(r, &cfg, &sent))
		return sent;
	return open_stream(r, STREAM_VIDEO, "multipart/x-mixed-replace; boundary=" BOUNDARY);
}

enum MHD_Result fd_h_live_snapshot(fd_req *r)
{
	fd_liveview *v = r->d->liveview;
	fd_config cfg;
	enum MHD_Result sent;
	fd_current_config(r->d, &cfg);
	if (preview_refused(r, &cfg, &sent))
		return sent;
	refresh_image(v, &cfg, SNAPSHOT_MAX_AGE_S);
	pthread_mutex_lock(&v->lock);
	blob *b = v->image && v->image_key == privacy_key(&cfg) ? blob_ref(v->image) : NULL;
	pthread_mutex_unlock(&v->lock);
	if (!b)
		return fd_reply_error(r, 503, "live view: no frame yet");
	char *jpeg = malloc(b->jpeg_len);
	if (jpeg)
		memcpy(jpeg, b->data + b->skip, b->jpeg_len);
	size_t len = b->jpeg_len;
	blob_unref(b);
	if (!jpeg)
		return fd_reply_json(r, 500, NULL);
	return fd_reply_text(r, 200, "image/jpeg", jpeg, len);
}

/* ---- Life cycle ----------------------------------------------------------- */

ff_status fd_liveview_create(fd_daemon *d, fd_liveview **out, ff_error *err)
{
	fd_liveview *v = calloc(1, sizeof *v);
	if (!v)
		return ff_error_set(err, FF_ERR_NOMEM, "live view: out of memory");
	v->d = d;
	fd_config cfg;
	fd_current_config(d, &cfg);
	v->preview = cfg.preview;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&v->lock, NULL);
	pthread_mutex_init(&v->enc_lock, NULL);
	pthread_cond_init(&v->wake, &ca);
	pthread_condattr_destroy(&ca);
	const ff_camera *cam = fd_live_camera(d->live);
	v->width = cam->width;
	v->height = cam->height;
	v->depth_scale = cam->depth_scale;
	size_t n = (size_t)cam->width * (size_t)cam->height;
	static const char hello[] = ": footfalld live view\n\n";
	v->jpeg_cap = tjBufSize(cam->width, cam->height, TJSAMP_444);
	v->tj = tjInitCompress();
	v->depth = calloc(n, sizeof *v->depth);
	v->height_map = calloc(n, sizeof *v->height_map);
	v->tmp = calloc(n, sizeof *v->tmp);
	v->pixels = calloc(n, 3);
	v->jpeg = v->jpeg_cap ? tjAlloc((int)v->jpeg_cap) : NULL;
	v->json = malloc(TRACKS_JSON_MAX);
	v->keepalive = blob_new(sizeof hello - 1);
	ff_status st = FF_OK;
	if (!v->tj || !v->depth || !v->height_map || !v->tmp || !v->pixels || !v->jpeg ||
	    !v->json || !v->keepalive)
		st = ff_error_set(err, FF_ERR_NOMEM, "live view: out of memory for %dx%d frames",
				  cam->width, cam->height);
	else if (pthread_create(&v->thread, NULL, hub_run, v))
		st = ff_error_set(err, FF_ERR_NOMEM, "live view: cannot start the thread");
	if (st) {
		fd_liveview_destroy(v);
		return st;
	}
	memcpy(v->keepalive->data, hello, sizeof hello - 1);
	v->started = true;
	*out = v;
	return FF_OK;
}

void fd_liveview_close(fd_liveview *v)
{
	if (!v || !v->started)
		return;
	pthread_mutex_lock(&v->lock);
	v->closing = true;
	pthread_cond_signal(&v->wake);
	pthread_mutex_unlock(&v->lock);
	pthread_join(v->thread, NULL);
	v->started = false;
	pthread_mutex_lock(&v->lock);
	for (stream *s = v->streams; s; s = s->next)
		if (s->suspended) {
			s->suspended = false;
			MHD_resume_connection(s->conn);
		}
	pthread_mutex_unlock(&v->lock);
}

void fd_liveview_destroy(fd_liveview *v)
{
	if (!v)
		return;
	fd_liveview_close(v);
	blob_unref(v->counts);
	blob_unref(v->tracks);
	blob_unref(v->image);
	blob_unref(v->keepalive);
	if (v->tj)
		tjDestroy(v->tj);
	tjFree(v->jpeg);
	free(v->depth);
	free(v->height_map);
	free(v->tmp);
	free(v->pixels);
	free(v->json);
	pthread_cond_destroy(&v->wake);
	pthread_mutex_destroy(&v->enc_lock);
	pthread_mutex_destroy(&v->lock);
	free(v);
}
