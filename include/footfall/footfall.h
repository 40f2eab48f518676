/*
 * footfall.h - public API of the Footfall counting library.
 *
 * The library turns a stream of depth frames from an overhead camera into the
 * counts of a professional people counter: line crossings with direction,
 * U-turn filtering, region occupancy and dwell time, children by height.
 *
 * Design rules of this API (they keep it stable for the CLI, the daemon and
 * third parties):
 *  - every function that can fail returns an ff_status and, when the caller
 *    passes an ff_error, fills a message naming the offending input;
 *  - objects are opaque handles created and destroyed in pairs;
 *  - plain structs carry data in and out; the library never prints, never
 *    reads files in the core and never allocates in the per-frame path.
 *
 * Coordinates of lines, regions and tracks are normalised image coordinates of
 * the depth image: x from 0 (left edge) to 1 (right edge), y from 0 (top) to
 * 1 (bottom). Times are seconds (double) on the caller's clock.
 */
#ifndef FOOTFALL_FOOTFALL_H
#define FOOTFALL_FOOTFALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FF_VERSION "0.1.0"

/* ---- Errors ------------------------------------------------------------ */

/* Error codes are part of the stable API: values never change meaning. */
typedef enum ff_status {
	FF_OK = 0,
	FF_ERR_INVALID = 1,	/* a bad argument or value (names the field) */
	FF_ERR_NOMEM = 2,	/* an allocation failed */
	FF_ERR_IO = 3,		/* a file could not be opened, read or written */
	FF_ERR_FORMAT = 4,	/* malformed file or document */
	FF_ERR_LIMIT = 5,	/* over a documented limit (lines, points, ...) */
	FF_ERR_SIZE = 6,	/* image or frame size does not match */
	FF_ERR_ORDER = 7,	/* timestamps not increasing */
	FF_ERR_UNSUPPORTED = 8, /* valid input this build cannot handle */
	FF_ERR_END = 9,		/* end of a stream (not a failure for readers) */
	FF_ERR_CALIB = 10,	/* calibration inconsistent or unusable */
	FF_ERR_STATE = 11	/* call not valid in the object's current state */
} ff_status;

#define FF_ERROR_MAX 512

typedef struct ff_error {
	ff_status code;
	char msg[FF_ERROR_MAX];
} ff_error;

/* A short constant description of a code, e.g. "malformed input". */
const char *ff_strerror(ff_status code);

/* Fills err (if not NULL) with code and a printf-style message; returns code
 * so that callers can write `return ff_error_set(err, FF_ERR_IO, ...)`. */
ff_status ff_error_set(ff_error *err, ff_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- Camera ------------------------------------------------------------ */

/* Pinhole model of the depth image (spec section 1, camera.json). */
typedef struct ff_camera {
	int width, height;
	double fx, fy, cx, cy;
	double depth_scale; /* depth units per metre: 1000 = millimetres */
} ff_camera;

ff_status ff_camera_validate(const ff_camera *cam, ff_error *err);

/* ---- Rules (spec section 3) -------------------------------------------- */

#define FF_MAX_LINES 4
#define FF_MAX_LINE_POINTS 5 /* 4 segments */
#define FF_MAX_REGIONS 4
#define FF_MAX_POLY_POINTS 10
#define FF_NAME_MAX 64
#define FF_UUID_LEN 36

typedef struct ff_point {
	double x, y;
} ff_point;

typedef struct ff_line {
	int id;
	char name[FF_NAME_MAX];
	char uuid[FF_UUID_LEN + 1];
	int npoints;
	ff_point points[FF_MAX_LINE_POINTS];
	bool flip;	   /* reverses the drawing order, so "in" and "out" swap */
	int uturn_npoints; /* 0 = no U-turn area */
	ff_point uturn[FF_MAX_POLY_POINTS];
} ff_line;

typedef struct ff_region {
	int id;
	char name[FF_NAME_MAX];
	char uuid[FF_UUID_LEN + 1];
	int npoints;
	ff_point points[FF_MAX_POLY_POINTS];
	bool people_counting;
	double pass_by_filter_s;
	bool dwell_time;
	double min_dwell_s;
} ff_region;

typedef enum ff_tracking_mode { FF_TRACK_HEAD = 0, FF_TRACK_FEET = 1 } ff_tracking_mode;

typedef struct ff_rules {
	bool installation_height_auto; /* true: JSON null, detect the floor */
	double installation_height_m;
	double max_target_height_m;
	double min_target_height_m;
	ff_tracking_mode tracking_mode;
	bool children_enabled; /* false: JSON null */
	double children_height_m;
	bool uturn_filtering;
	bool region_monitoring;
	int nlines;
	ff_line lines[FF_MAX_LINES];
	int nregions;
	ff_region regions[FF_MAX_REGIONS];
} ff_rules;

/* The guide's defaults: 3.0 m, targets 0.9-2.2 m, head mode, children below
 * 1.3 m, U-turn filtering and region monitoring on, no lines, no regions. */
void ff_rules_default(ff_rules *rules);

/* Checks every limit of spec section 3; the message names the field, e.g.
 * "rules.lines[2].points: 6 points, at most 5 allowed". */
ff_status ff_rules_validate(const ff_rules *rules, ff_error *err);

/* ---- Events and counts ------------------------------------------------- */

typedef enum ff_event_type {
	FF_EVENT_LINE_CROSS = 0,   /* a counted passage of a line */
	FF_EVENT_REGION_COUNT = 1, /* a region's current_total changed */
	FF_EVENT_DWELL = 2	   /* a dwell record was closed */
} ff_event_type;

typedef struct ff_event {
	ff_event_type type;
	double time;   /* time of the frame that caused the event */
	int index;     /* index into rules.lines or rules.regions */
	int people_id; /* track id of the person */
	bool child;    /* the person counts as a child */
	/* FF_EVENT_LINE_CROSS */
	int direction; /* +1 in, -1 out */
	/* FF_EVENT_REGION_COUNT: the region's occupancy after the change */
	int current_total;
	int current_children;
	/* FF_EVENT_DWELL */
	double dwell_start, dwell_end;
	int64_t duration_ms;
} ff_event;

typedef struct ff_line_counts {
	int64_t in, out;
	int64_t children_in, children_out;
} ff_line_counts;

typedef struct ff_dwell_stats {
	int64_t records;
	int64_t sum_ms, max_ms;
	int64_t children_records;
	int64_t children_sum_ms, children_max_ms;
} ff_dwell_stats;

typedef struct ff_region_counts {
	int current_total;
	int current_children;
	ff_dwell_stats dwell_total;  /* since the last reset */
	ff_dwell_stats dwell_period; /* since the last ff_engine_end_period */
} ff_region_counts;

typedef struct ff_counts {
	ff_line_counts line_total[FF_MAX_LINES];  /* since the last reset */
	ff_line_counts line_period[FF_MAX_LINES]; /* since the last period end */
	ff_region_counts region[FF_MAX_REGIONS];
} ff_counts;

/* Adds one dwell record of ms milliseconds to the statistics. */
void ff_dwell_stats_add(ff_dwell_stats *s, int64_t ms, bool child);

/* capacity_counted of the guide's report: |in - out| of the totals, as the
 * guide's sample report shows it. */
int64_t ff_line_capacity(const ff_line_counts *c);

/* ---- Tracks (for live views) ------------------------------------------ */

typedef struct ff_track_info {
	int id;
	bool confirmed;
	ff_point point;	  /* tracking point (head or feet per the rules) */
	ff_point head;	  /* image point of the top of the head */
	double floor_x_m; /* position on the floor plane */
	double floor_y_m;
	double height_m; /* robust height estimate */
	bool child;
} ff_track_info;

/* ---- Engine ------------------------------------------------------------ */

typedef struct ff_engine ff_engine;

/* Floor model. With a fixed installation height the camera is taken to look
 * straight down from that height; the scene is still measured during the
 * first frames (and after ff_engine_redetect_floor) so that a GUI can offer
 * the measured height. With automatic height the measurement is the model. */
typedef struct ff_floor_info {
	bool known;	 /* a floor model is in use */
	bool detected;	 /* the model in use was fitted from the scene */
	double height_m; /* camera height above the floor in use */
	double tilt_deg; /* angle between optical axis and floor normal */
	bool measured;	 /* a fit from the scene exists */
	double measured_height_m;
	double measured_tilt_deg;
	double inlier_ratio; /* share of sampled pixels on the fitted plane */
} ff_floor_info;

ff_status ff_engine_create(const ff_camera *cam, const ff_rules *rules, ff_engine **out,
			   ff_error *err);
void ff_engine_destroy(ff_engine *eng);

/* Replaces the rules of a running engine. Tracks survive; per-line and
 * per-region state restarts. Counts are kept for lines and regions whose id
 * is unchanged. */
ff_status ff_engine_set_rules(ff_engine *eng, const ff_rules *rules, ff_error *err);

/* Processes one depth frame (width*height values in camera depth units, 0 =
 * no data) taken at time t (strictly increasing). Events produced by this
 * call are available from ff_engine_events until the next call. */
ff_status ff_engine_process(ff_engine *eng, const uint16_t *depth, double t, ff_error *err);

/* Ends the stream at time t: tracks end, stays in regions and U-turn areas
 * are closed, and the resulting events are made available. */
ff_status ff_engine_finish(ff_engine *eng, double t, ff_error *err);

/* Events of the last process/finish call, in the order they happened. The
 * array belongs to the engine. */
size_t ff_engine_events(const ff_engine *eng, const ff_event **events);

void ff_engine_counts(const ff_engine *eng, ff_counts *out);
void ff_engine_reset_counts(ff_engine *eng);
void ff_engine_end_period(ff_engine *eng);

/* Writes up to cap tracks; returns how many tracks exist. */
int ff_engine_tracks(const ff_engine *eng, ff_track_info *out, int cap);

void ff_engine_floor(const ff_engine *eng, ff_floor_info *out);

/* Measures the floor again over the next frames (the GUI's "Detect" button);
 * with automatic height the new measurement replaces the model in use. */
void ff_engine_redetect_floor(ff_engine *eng);

#ifdef __cplusplus
}
#endif

#endif
