/*
 * floor_detect.c - POST /api/v1/floor/detect: the Rule page's "Detect"
 * button (guide 5.2, installation height).
 *
 * The height is measured on the live scene without touching the running
 * pipeline: the latest depth frames the pipeline publishes for the live
 * view (fd_live_depth_get) are fed to a short-lived engine of our own whose
 * rules ask for an automatic height, and that engine's floor measurement
 * is the answer. The counting engine keeps its model and its tracks; the
 * measured height only becomes the configuration when the installer saves
 * it. Working on copies also means that the request's thread does the
 * fitting, never the pipeline thread, which must keep its frame rate.
 *
 * The engine averages the floor fits of its first frames; DETECT_FRAMES
 * distinct frames cover that window with room to spare. A scene without a
 * usable floor (no plane found, or too few pixels on it) is a 422 with the
 * reason rather than a wrong number, and a source that produces no frames
 * is a 503.
 */
#include <stdlib.h>
#include <time.h>

#include "floor_detect.h"

#define DETECT_FRAMES 12
#define DETECT_TIMEOUT_S 5.0
#define MIN_INLIER_RATIO 0.2 /* share of sampled pixels on the plane */

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Feeds up to DETECT_FRAMES new live frames to eng; returns how many. */
static int feed_frames(fd_live *live, ff_engine *eng, uint16_t *depth, ff_error *err)
{
	uint64_t frame = 0;
	double floor_depth, deadline = fd_now() + DETECT_TIMEOUT_S;
	int fed = 0;
	while (fed < DETECT_FRAMES && fd_now() < deadline) {
		if (!fd_live_depth_get(live, depth, &frame, &floor_depth)) {
			sleep_ms(10);
			continue;
		}
		/* frame numbers count up, so times are strictly increasing */
		if (ff_engine_process(eng, depth, (double)frame, err))
			return -1;
		fed++;
	}
	return fed;
}

enum MHD_Result fd_floor_detect(fd_req *r)
{
	fd_config cfg;
	fd_current_config(r->d, &cfg);
	const ff_camera *cam = fd_live_camera(r->d->live);
	/* The configured limits, no lines or regions: this engine counts
	 * nothing, it only measures. */
	ff_rules rules = cfg.rules;
	rules.installation_height_auto = true;
	rules.nlines = rules.nregions = 0;
	ff_engine *eng = NULL;
	ff_error err = {0};
	uint16_t *depth = malloc(sizeof *depth * (size_t)cam->width * (size_t)cam->height);
	if (!depth)
		return fd_reply_error(r, 500, "floor: out of memory");
	ff_status st = ff_engine_create(cam, &rules, &eng, &err);
	if (st) {
		free(depth);
		return fd_reply_error(r, 500, "floor: %s", err.msg);
	}
	int fed = feed_frames(r->d->live, eng, depth, &err);
	ff_floor_info fi;
	ff_engine_floor(eng, &fi);
	ff_engine_destroy(eng);
	free(depth);
	if (fed < 0)
		return fd_reply_error(r, 500, "floor: %s", err.msg);
	if (fed == 0)
		return fd_reply_error(r, 503, "floor: the live source produced no frame in %.0f s",
				      DETECT_TIMEOUT_S);
	if (!fi.measured || fi.inlier_ratio < MIN_INLIER_RATIO)
		return fd_reply_error(
		    r, 422,
		    "floor: no floor plane found in the live scene (too little of "
		    "the image is floor, or the floor lacks texture)");
	fd_log(FD_LOG_INFO, "floor detected by %s: %.2f m, tilt %.1f deg (%d frames)", r->username,
	       fi.measured_height_m, fi.measured_tilt_deg, fed);
	return fd_reply_obj(r, 200,
			    json_pack("{s:f,s:f,s:f}", "installation_height_m",
				      fi.measured_height_m, "tilt_deg", fi.measured_tilt_deg,
				      "inlier_ratio", fi.inlier_ratio));
}
