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
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <footfall/sim.h>

#include "daemon.h"

struct fd_live {
	/* source: exactly one of scene and rec */
	ff_sim_scene *scene;
	ff_recording *rec;
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
};

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
		/* A recording made by `footfall simulate` or the CLI carries
		 * the rules it is meant to be counted with. */
		char rules_path[4200];
		ff_rules_default(&l->suggested);
		if (fd_path_join(rules_path, sizeof rules_path, source + 10, "rules.json") &&
		    access(rules_path, F_OK) == 0 &&
		    (st = ff_rules_load(rules_path, &l->suggested, err)))
			return st;
		if (l->nframes > 1)
			l->mean_period = (ff_recording_frame_time(l->rec, l->nframes - 1) -
					  ff_recording_frame_time(l->rec, 0)) /
					 (double)(l->nframes - 1);
	} else {
		return ff_error_set(err, FF_ERR_INVALID,
				    "--source '%s': expected 'sim' or 'recording:DIR'", source);
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
		l->depth = calloc((size_t)l->cam.width * (size_t)l->cam.height, sizeof *l->depth);
		if (!l->queue || !l->depth)
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
	free(l->depth);
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

/* Under the lock: queue the events of the last frame, refresh the snapshot. */
static void publish(fd_live *l, double fps)
{
	const ff_event *ev;
	size_t n = ff_engine_events(l->eng, &ev);
	ff_counts counts;
	ff_engine_counts(l->eng, &counts);
	int tracks = ff_engine_tracks(l->eng, NULL, 0);
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
			publish(l, fps);
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

void fd_live_wake(fd_live *l)
{
	pthread_mutex_lock(&l->lock);
	l->wake = true;
	pthread_cond_broadcast(&l->ready);
	pthread_mutex_unlock(&l->lock);
}
