/*
 * live.c - the live pipeline: a frame source, the counting engine and the
 * event queue, on a thread of their own.
 *
 * The thread is paced by an absolute monotonic deadline per frame, so it
 * keeps the source's frame rate on average without drifting; when it falls
 * behind by more than a second (machine suspended, debugger) it starts
 * afresh instead of racing through a backlog.
 *
 * Nothing this thread does waits on the network or the disk. Events go
 * into a fixed ring that the storage thread drains; when that ring is full
 * the newest events are dropped and counted (a stuck disk must not stop the
 * counting). Occupancy, track count and frame rate are copied into a small
 * snapshot under the same short lock. All buffers are allocated before the
 * thread starts.
 *
 * Frame times given to the engine are wall-clock times (kept strictly
 * increasing), so events carry real times whatever the source's own time
 * stamps are: a recording or the simulated scene replays in a loop as if it
 * were happening now.
 *
 * A stereo source computes each depth frame from a raw pair on this thread
 * (ff_stereo_pipeline); its stream has no rewind, so at its end it is
 * closed and opened again. The pipeline's matcher range is set once from
 * the rules the source suggests, as `footfall count` does.
 *
 * For the live view (liveview.c) every frame also publishes, under the same
 * short lock and into buffers allocated up front, the depth frame with the
 * floor's depth and the confirmed tracks with a trail each. Trails are kept
 * here, not by viewers, so that every viewer sees the same ~2 s history
 * whenever it connects; they are sampled every FD_TRAIL_STEP seconds so
 * that their length does not depend on the frame rate.
 */
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <footfall/sim.h>
#include <footfall/stereo_pipeline.h>
#include <footfall/stereo_stream.h>

#include "daemon.h"

/* A stereo recording: the stream is opened again at its end. */
typedef struct stereo_source {
	char left[4096], right[4096]; /* right "" for a pair directory */
	ff_stereo_stream *stream;
	ff_stereo_pipeline *pipe;
	uint8_t *left_img, *right_img;
	double last_t;
	bool have_t;
} stereo_source;

/* The trail of one track (pipeline thread only). */
typedef struct trail {
	int id;
	int n;
	float xy[FD_TRAIL_MAX][2];
	double t[FD_TRAIL_MAX];
} trail;

struct fd_live {
	/* source: exactly one of scene, rec and stereo */
	ff_sim_scene *scene;
	ff_recording *rec;
	stereo_source *stereo;
	ff_camera cam;
	size_t nframes, next;
	double mean_period;
	uint16_t *depth;
	ff_engine *eng;
	ff_rules rules; /* owned by the thread once started */
	ff_rules suggested;

	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t tick;  /* wakes the pipeline thread (stop) */
	pthread_cond_t ready; /* wakes the storage thread (events, shutdown) */
	bool stop, wake;
	bool rules_pending;
	ff_rules pending;

	fd_queued_event *queue;
	size_t cap, head, count;
	fd_live_stats stats;

	/* Pipeline thread only: this frame's tracks and the trails of the
	 * last frame and of this one (swapped every frame). */
	ff_track_info track_buf[FD_VIEW_TRACKS];
	trail trails[2][FD_VIEW_TRACKS];
	int ntrails[2], cur_trails;
	/* For viewers, under the lock. */
	fd_view_tracks view;
	uint16_t *view_depth;
	double view_floor;
};

/* The rules in DIR/rules.json, when there is one: recordings made by
 * `footfall simulate` or the CLI carry the rules they are meant to be
 * counted with. */
static ff_status suggest_rules(fd_live *l, const char *dir, ff_error *err)
{
	char rules_path[4200];
	ff_rules_default(&l->suggested);
	if (fd_path_join(rules_path, sizeof rules_path, dir, "rules.json") &&
	    access(rules_path, F_OK) == 0)
		return ff_rules_load(rules_path, &l->suggested, err);
	return FF_OK;
}

static bool is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The directory part of path ("." when there is none), without trailing
 * slashes. */
static void parent_dir(const char *path, char *out, size_t cap)
{
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	while (n > 0 && path[n - 1] != '/')
		n--;
	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n == 0)
		snprintf(out, cap, ".");
	else
		snprintf(out, cap, "%.*s", (int)n, path);
}

static ff_status stereo_open_stream(stereo_source *s, ff_error *err)
{
	s->have_t = false;
	return ff_stereo_stream_open(s->left, s->right[0] ? s->right : NULL, &s->stream, err);
}

static void stereo_close(stereo_source *s)
{
	if (!s)
		return;
	ff_stereo_stream_close(s->stream);
	ff_stereo_pipeline_destroy(s->pipe);
	free(s->left_img);
	free(s->right_img);
	free(s);
}

/* Splits spec at its commas into at most three non-empty parts; returns
 * how many, 0 when a part is empty or too long or there are more. */
static int split_spec(const char *spec, char part[3][4096])
{
	int n = 0;
	for (const char *p = spec;; p++) {
		size_t len = strcspn(p, ",");
		if (n == 3 || len == 0 || len >= sizeof part[0])
			return 0;
		memcpy(part[n], p, len);
		part[n++][len] = '\0';
		p += len;
		if (!*p)
			return n;
	}
}

/* spec: "LEFT,RIGHT,CALIB" or "DIR,CALIB" (see fd_live_create). */
static ff_status open_stereo(fd_live *l, const char *source, const char *spec, ff_error *err)
{
	char part[3][4096];
	int n = split_spec(spec, part);
	if (n < 2)
		return ff_error_set(err, FF_ERR_INVALID,
				    "--source '%s': expected stereo:LEFT,RIGHT,CALIB or "
				    "stereo:DIR,CALIB",
				    source);
	stereo_source *s = calloc(1, sizeof *s);
	if (!s)
		return ff_error_set(err, FF_ERR_NOMEM, "live: out of memory");
	l->stereo = s;
	const char *calib_path = part[n - 1];
	if (n == 2) {
		snprintf(s->left, sizeof s->left, "%s", part[0]);
	} else if (is_dir(part[0]) || is_dir(part[1])) {
		/* The left/ and right/ directories of one pair sequence: its
		 * frames.txt, in their common parent, pairs them. */
		char other[4096];
		parent_dir(part[0], s->left, sizeof s->left);
		parent_dir(part[1], other, sizeof other);
		if (!is_dir(part[0]) || !is_dir(part[1]) || strcmp(s->left, other))
			return ff_error_set(
			    err, FF_ERR_INVALID,
			    "--source '%s': LEFT and RIGHT must both be video files "
			    "or both directories of one pair sequence (DIR/left, "
			    "DIR/right with DIR/frames.txt)",
			    source);
	} else {
		snprintf(s->left, sizeof s->left, "%s", part[0]);
		snprintf(s->right, sizeof s->right, "%s", part[1]);
	}
	char rules_dir[4096];
	if (is_dir(calib_path))
		snprintf(rules_dir, sizeof rules_dir, "%s", calib_path);
	else
		parent_dir(calib_path, rules_dir, sizeof rules_dir);
	ff_stereo_calib calib;
	ff_status st;
	if ((st = suggest_rules(l, rules_dir, err)) ||
	    (st = ff_calib_load(calib_path, NULL, &calib, err)) ||
	    (st = stereo_open_stream(s, err)) ||
	    (st = ff_stereo_stream_check_calib(s->stream, &calib, err)))
		return st;
	/* The nearest head decides how many disparities to search. */
	ff_stereo_pipeline_options opt;
	ff_stereo_pipeline_options_default(&opt);
	opt.min_depth_m =
	    l->suggested.installation_height_m - l->suggested.max_target_height_m - 0.3;
	if (opt.min_depth_m < 0.3)
		opt.min_depth_m = 0.3;
	if ((st = ff_stereo_pipeline_create(&calib, &opt, &s->pipe, err)))
		return st;
	size_t npix = (size_t)calib.left.width * (size_t)calib.left.height;
	s->left_img = malloc(npix);
	s->right_img = malloc(npix);
	if (!s->left_img || !s->right_img)
		return ff_error_set(err, FF_ERR_NOMEM, "live: out of memory for %dx%d frames",
				    calib.left.width, calib.left.height);
	ff_stereo_pipeline_camera(s->pipe, &l->cam);
	l->nframes = 1;
	return FF_OK;
}

static ff_status open_source(fd_live *l, const char *source, ff_error *err)
{
	ff_status st;
	if (!strcmp(source, "sim")) {
		uint64_t seed = 0;
		for (size_t k = 0; k < ff_sim_catalogue_size(); k++)
			if (!strcmp(ff_sim_catalogue_name(k), FF_SIM_DEMO_SCENE))
				seed = ff_sim_catalogue_seed(k);
		if ((st = ff_sim_scene_named(FF_SIM_DEMO_SCENE, seed, &l->scene, err)))
			return st;
		l->cam = *ff_sim_scene_camera(l->scene);
		l->nframes = ff_sim_scene_frames(l->scene);
		l->suggested = *ff_sim_scene_rules(l->scene);
		if (l->nframes > 1)
			l->mean_period = (ff_sim_scene_frame_time(l->scene, l->nframes - 1) -
					  ff_sim_scene_frame_time(l->scene, 0)) /
					 (double)(l->nframes - 1);
	} else if (!strncmp(source, "recording:", 10)) {
		if ((st = ff_recording_open(source + 10, &l->rec, err)))
			return st;
		l->cam = *ff_recording_camera(l->rec);
		l->nframes = ff_recording_frames(l->rec);
		if ((st = suggest_rules(l, source + 10, err)))
			return st;
		if (l->nframes > 1)
			l->mean_period = (ff_recording_frame_time(l->rec, l->nframes - 1) -
					  ff_recording_frame_time(l->rec, 0)) /
					 (double)(l->nframes - 1);
	} else if (!strncmp(source, "stereo:", 7)) {
		if ((st = open_stereo(l, source, source + 7, err)))
			return st;
	} else {
		return ff_error_set(err, FF_ERR_INVALID,
				    "--source '%s': expected 'sim', 'recording:DIR' or "
				    "'stereo:LEFT,RIGHT,CALIB'",
				    source);
	}
	if (!(l->mean_period > 0.001 && l->mean_period < 10))
		l->mean_period = 1.0 / 15;
	return FF_OK;
}

ff_status fd_live_create(const char *source, size_t queue_cap, fd_live **out, ff_error *err)
{
	fd_live *l = calloc(1, sizeof *l);
	if (!l)
		return ff_error_set(err, FF_ERR_NOMEM, "live: out of memory");
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->tick, &ca);
	pthread_cond_init(&l->ready, &ca);
	pthread_condattr_destroy(&ca);
	ff_status st = open_source(l, source, err);
	if (!st) {
		l->cap = queue_cap ? queue_cap : 1;
		l->queue = calloc(l->cap, sizeof *l->queue);
		size_t npix = (size_t)l->cam.width * (size_t)l->cam.height;
		l->depth = calloc(npix, sizeof *l->depth);
		l->view_depth = calloc(npix, sizeof *l->view_depth);
		if (!l->queue || !l->depth || !l->view_depth)
			st = ff_error_set(err, FF_ERR_NOMEM, "live: out of memory");
	}
	if (st) {
		fd_live_destroy(l);
		return st;
	}
	*out = l;
	return FF_OK;
}

void fd_live_destroy(fd_live *l)
{
	if (!l)
		return;
	fd_live_stop(l);
	ff_engine_destroy(l->eng);
	ff_sim_scene_destroy(l->scene);
	ff_recording_close(l->rec);
	stereo_close(l->stereo);
	free(l->depth);
	free(l->view_depth);
	free(l->queue);
	pthread_cond_destroy(&l->tick);
	pthread_cond_destroy(&l->ready);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void fd_live_suggested_rules(const fd_live *l, ff_rules *out)
{
	*out = l->suggested;
}

/* The time since the stereo stream's previous pair stands for the time to
 * the next one, which is not known before it is read. */
static ff_status next_stereo_frame(fd_live *l, double *period, ff_error *err)
{
	stereo_source *s = l->stereo;
	double t;
	ff_status st = s->stream
			   ? ff_stereo_stream_read(s->stream, s->left_img, s->right_img, &t, err)
			   : FF_ERR_END;
	if (st == FF_ERR_END) {
		ff_stereo_stream_close(s->stream);
		s->stream = NULL;
		if (!(st = stereo_open_stream(s, err)))
			st = ff_stereo_stream_read(s->stream, s->left_img, s->right_img, &t, err);
	}
	if (st)
		return st;
	if (s->have_t && t > s->last_t)
		*period = t - s->last_t;
	s->last_t = t;
	s->have_t = true;
	return ff_stereo_pipeline_process(s->pipe, s->left_img, s->right_img, l->depth, err);
}

/* Reads the next frame into l->depth; returns the source's time to the
 * frame after it. */
static ff_status next_frame(fd_live *l, double *period, ff_error *err)
{
	size_t i = l->next;
	l->next = (i + 1) % l->nframes;
	*period = l->mean_period;
	if (l->scene) {
		if (l->next > i)
			*period = ff_sim_scene_frame_time(l->scene, l->next) -
				  ff_sim_scene_frame_time(l->scene, i);
		return ff_sim_scene_render(l->scene, i, l->depth, err);
	}
	if (l->stereo)
		return next_stereo_frame(l, period, err);
	if (l->next > i)
		*period =
		    ff_recording_frame_time(l->rec, l->next) - ff_recording_frame_time(l->rec, i);
	if (i == 0)
		ff_recording_rewind(l->rec);
	double t;
	return ff_recording_read(l->rec, l->depth, &t, err);
}

static void add_seconds(struct timespec *ts, double s)
{
	long long ns = (long long)(s * 1e9);
	ts->tv_sec += (time_t)(ns / 1000000000LL);
	ts->tv_nsec += (long)(ns % 1000000000LL);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static double ts_diff(const struct timespec *a, const struct timespec *b)
{
	return (double)(a->tv_sec - b->tv_sec) + (a->tv_nsec - b->tv_nsec) / 1e9;
}

/* A track's point may be predicted a little beyond the image edge;
 * viewers get it on the edge. */
static float unit(double v)
{
	return v < 0 ? 0.0f : v > 1 ? 1.0f : (float)v;
}

/* Extends the trails of the last frame with this frame's confirmed tracks
 * (those that ended are dropped) and fills the viewers' track list. */
static void update_trails(fd_live *l, int ntracks, double t)
{
	const trail *old = l->trails[l->cur_trails];
	int nold = l->ntrails[l->cur_trails];
	l->cur_trails ^= 1;
	trail *cur = l->trails[l->cur_trails];
	int n = 0;
	for (int k = 0; k < ntracks && k < FD_VIEW_TRACKS; k++) {
		const ff_track_info *ti = &l->track_buf[k];
		if (!ti->confirmed)
			continue;
		trail *tr = &cur[n];
		int j = 0;
		while (j < nold && old[j].id != ti->id)
			j++;
		if (j < nold) {
			*tr = old[j];
		} else {
			tr->id = ti->id;
			tr->n = 0;
		}
		int drop = 0;
		while (drop < tr->n && tr->t[drop] < t - FD_TRAIL_MAX * FD_TRAIL_STEP)
			drop++;
		if (tr->n == FD_TRAIL_MAX && drop == 0 && t - tr->t[tr->n - 1] >= FD_TRAIL_STEP)
			drop = 1;
		if (drop) {
			memmove(tr->xy, tr->xy + drop, sizeof tr->xy[0] * (size_t)(tr->n - drop));
			memmove(tr->t, tr->t + drop, sizeof tr->t[0] * (size_t)(tr->n - drop));
			tr->n -= drop;
		}
		if (tr->n == 0 || t - tr->t[tr->n - 1] >= FD_TRAIL_STEP) {
			tr->xy[tr->n][0] = unit(ti->point.x);
			tr->xy[tr->n][1] = unit(ti->point.y);
			tr->t[tr->n++] = t;
		}
		n++;
	}
	l->ntrails[l->cur_trails] = n;
}

/* Under the lock: queue the events of the last frame, refresh the snapshot
 * and what viewers see. */
static void publish(fd_live *l, double fps, double t)
{
	const ff_event *ev;
	size_t n = ff_engine_events(l->eng, &ev);
	ff_counts counts;
	ff_engine_counts(l->eng, &counts);
	int tracks = ff_engine_tracks(l->eng, l->track_buf, FD_VIEW_TRACKS);
	update_trails(l, tracks, t);
	ff_floor_info floor;
	ff_engine_floor(l->eng, &floor);
	double floor_m = floor.known ? floor.height_m : l->rules.installation_height_m;
	const trail *tr = l->trails[l->cur_trails];
	pthread_mutex_lock(&l->lock);
	for (size_t k = 0; k < n; k++) {
		if (l->count == l->cap) {
			l->stats.dropped_events++;
			continue;
		}
		fd_queued_event *q = &l->queue[(l->head + l->count++) % l->cap];
		q->ev = ev[k];
		q->id = ev[k].type == FF_EVENT_LINE_CROSS ? l->rules.lines[ev[k].index].id
							  : l->rules.regions[ev[k].index].id;
	}
	l->stats.frames++;
	l->stats.fps = fps;
	l->stats.tracks = tracks;
	l->stats.nregions = l->rules.nregions;
	for (int r = 0; r < l->rules.nregions; r++) {
		l->stats.region_total[r] = counts.region[r].current_total;
		l->stats.region_children[r] = counts.region[r].current_children;
	}
	l->view.frame = l->stats.frames;
	l->view.t = t;
	l->view.ntracks = 0;
	for (int k = 0, j = 0; k < tracks && k < FD_VIEW_TRACKS; k++) {
		const ff_track_info *ti = &l->track_buf[k];
		if (!ti->confirmed)
			continue;
		fd_view_track *v = &l->view.tracks[l->view.ntracks++];
		v->id = ti->id;
		v->x = unit(ti->point.x);
		v->y = unit(ti->point.y);
		v->height_m = (float)ti->height_m;
		v->child = ti->child;
		v->ntrail = tr[j].n;
		memcpy(v->trail, tr[j].xy, sizeof v->trail[0] * (size_t)tr[j].n);
		j++;
	}
	/* The next frame is read into the buffer viewers had: a swap, not a
	 * 512 kB copy per frame whether anyone watches or not. */
	uint16_t *seen = l->view_depth;
	l->view_depth = l->depth;
	l->depth = seen;
	l->view_floor = floor_m * l->cam.depth_scale;
	if (n > 0)
		pthread_cond_signal(&l->ready);
	pthread_mutex_unlock(&l->lock);
}

static void *run(void *arg)
{
	fd_live *l = arg;
	struct timespec deadline, now, last;
	double last_t = 0, fps = 0;
	unsigned long errors_logged = 0;
	bool have_last = false;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	for (;;) {
		pthread_mutex_lock(&l->lock);
		bool stop = l->stop, change = l->rules_pending;
		ff_rules rules = l->pending;
		l->rules_pending = false;
		pthread_mutex_unlock(&l->lock);
		if (stop)
			break;
		ff_error err = {0};
		if (change) {
			if (ff_engine_set_rules(l->eng, &rules, &err))
				fd_log(FD_LOG_ERROR, "live: new rules refused: %s", err.msg);
			else
				l->rules = rules;
		}
		double period, t = fd_now();
		if (t <= last_t)
			t = last_t + 1e-3;
		ff_status st = next_frame(l, &period, &err);
		if (!st) {
			st = ff_engine_process(l->eng, l->depth, t, &err);
			last_t = t;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		double dt = have_last ? ts_diff(&now, &last) : 0;
		last = now;
		have_last = true;
		if (dt > 0)
			fps = fps > 0 ? 0.9 * fps + 0.1 / dt : 1 / dt;
		if (st) {
			pthread_mutex_lock(&l->lock);
			l->stats.source_errors++;
			pthread_mutex_unlock(&l->lock);
			if (errors_logged++ < 10)
				fd_log(FD_LOG_WARN, "live: frame skipped: %s", err.msg);
		} else {
			publish(l, fps, t);
		}
		add_seconds(&deadline, period > 0 ? period : l->mean_period);
		if (ts_diff(&now, &deadline) > 1.0)
			deadline = now;
		pthread_mutex_lock(&l->lock);
		while (!l->stop &&
		       pthread_cond_timedwait(&l->tick, &l->lock, &deadline) != ETIMEDOUT)
			;
		pthread_mutex_unlock(&l->lock);
	}
	return NULL;
}

ff_status fd_live_start(fd_live *l, const ff_rules *rules, ff_error *err)
{
	ff_status st = ff_engine_create(&l->cam, rules, &l->eng, err);
	if (st)
		return st;
	l->rules = *rules;
	l->stop = false;
	if (pthread_create(&l->thread, NULL, run, l))
		return ff_error_set(err, FF_ERR_NOMEM, "live: cannot start the thread");
	l->started = true;
	return FF_OK;
}

void fd_live_stop(fd_live *l)
{
	if (!l->started)
		return;
	pthread_mutex_lock(&l->lock);
	l->stop = true;
	pthread_cond_signal(&l->tick);
	pthread_mutex_unlock(&l->lock);
	pthread_join(l->thread, NULL);
	l->started = false;
}

void fd_live_set_rules(fd_live *l, const ff_rules *rules)
{
	pthread_mutex_lock(&l->lock);
	l->pending = *rules;
	l->rules_pending = true;
	pthread_mutex_unlock(&l->lock);
}

void fd_live_stats_get(fd_live *l, fd_live_stats *out)
{
	pthread_mutex_lock(&l->lock);
	*out = l->stats;
	pthread_mutex_unlock(&l->lock);
}

size_t fd_live_pop_events(fd_live *l, fd_queued_event *out, size_t cap, double timeout_s)
{
	struct timespec until;
	clock_gettime(CLOCK_MONOTONIC, &until);
	add_seconds(&until, timeout_s);
	pthread_mutex_lock(&l->lock);
	while (l->count == 0 && !l->wake &&
	       pthread_cond_timedwait(&l->ready, &l->lock, &until) != ETIMEDOUT)
		;
	size_t n = 0;
	while (n < cap && l->count > 0) {
		out[n++] = l->queue[l->head];
		l->head = (l->head + 1) % l->cap;
		l->count--;
	}
	pthread_mutex_unlock(&l->lock);
	return n;
}

const ff_camera *fd_live_camera(const fd_live *l)
{
	return &l->cam;
}

void fd_live_tracks_get(fd_live *l, fd_view_tracks *out)
{
	pthread_mutex_lock(&l->lock);
	out->frame = l->view.frame;
	out->t = l->view.t;
	out->ntracks = l->view.ntracks;
	memcpy(out->tracks, l->view.tracks, sizeof out->tracks[0] * (size_t)l->view.ntracks);
	pthread_mutex_unlock(&l->lock);
}

bool fd_live_depth_get(fd_live *l, uint16_t *out, uint64_t *frame, double *floor_depth)
{
	pthread_mutex_lock(&l->lock);
	bool newer = l->view.frame > *frame;
	if (newer) {
		memcpy(out, l->view_depth,
		       sizeof *out * (size_t)l->cam.width * (size_t)l->cam.height);
		*frame = l->view.frame;
		*floor_depth = l->view_floor;
	}
	pthread_mutex_unlock(&l->lock);
	return newer;
}

void fd_live_wake(fd_live *l)
{
	pthread_mutex_lock(&l->lock);
	l->wake = true;
	pthread_cond_broadcast(&l->ready);
	pthread_mutex_unlock(&l->lock);
}
