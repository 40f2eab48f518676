/*
 * internal.h - the pieces of the counting engine and how they fit.
 *
 * Per frame the engine runs a fixed pipeline, each stage in its own file:
 *
 *   depth (uint16, camera units)
 *     -> heightmap.c  coarse grid of heights above the floor plane (floor.c)
 *     -> detect.c     heads: compact height maxima of plausible size
 *     -> track.c      people on the floor plane: prediction, assignment
 *     -> count.c      lines, U-turn areas, regions -> events and counts
 *
 * Every buffer is sized at creation from the camera and the limits below, so
 * the per-frame path never allocates. Nothing here keeps global state.
 */
#ifndef FOOTFALL_INTERNAL_H
#define FOOTFALL_INTERNAL_H

#include <footfall/footfall.h>

#define FF_MAX_DETECTIONS 64
#define FF_MAX_TRACKS 64
#define FF_MAX_EVENTS 512
#define FF_HEIGHT_SAMPLES 48 /* head heights kept per track for its median */
#define FF_NODATA (-100.0f)  /* height of a grid cell without depth */

/* ---- floor.c ---------------------------------------------------------- */

/* The floor plane in camera coordinates: n.X = d for floor points, with n the
 * unit normal pointing from the camera towards the floor. e1, e2 span the
 * floor, so a point's floor position is (e1.X, e2.X). */
typedef struct ff_plane {
	double n[3];
	double d;
	double e1[3], e2[3];
} ff_plane;

void ff_plane_from_height(ff_plane *p, double height_m);
/* Builds the plane from a normal (any length) and distance; fills e1, e2. */
void ff_plane_set(ff_plane *p, const double n[3], double d);
double ff_plane_tilt_deg(const ff_plane *p);

/* Robust floor fit (RANSAC then least squares on inliers) over sampled 3-D
 * points. Work space is provided by the caller. Returns the share of points
 * on the plane, or 0 when no acceptable plane exists. */
typedef struct ff_floor_fit {
	float *pts; /* 3 * cap */
	unsigned char *inlier;
	int cap;
	int step; /* pixels between sampled points */
	uint64_t rng;
} ff_floor_fit;

double ff_floor_fit_run(ff_floor_fit *fit, int npts, ff_plane *out);

/* ---- heightmap.c ------------------------------------------------------ */

typedef struct ff_grid {
	int cell;	/* pixels per cell side */
	int gw, gh;	/* grid size in cells */
	float *height;	/* metres above the floor, FF_NODATA without depth */
	float *z;	/* robust depth of the cell, metres (0 = none) */
	float *k;	/* n . ray(u, v) at the cell centre */
	float *rx, *ry; /* ray (x/z, y/z) at the cell centre */
	/* per-column accumulators of one grid row, width entries each */
	uint32_t *colsum;
	uint16_t *colcnt, *colmin, *colmax;
} ff_grid;

ff_status ff_grid_init(ff_grid *g, const ff_camera *cam, int cell, ff_error *err);
void ff_grid_free(ff_grid *g);
/* Recomputes the per-cell ray factors for a plane. */
void ff_grid_set_plane(ff_grid *g, const ff_plane *p);
/* Fills z and height from a depth frame. */
void ff_grid_build(ff_grid *g, const ff_camera *cam, const ff_plane *p, const uint16_t *depth);

/* ---- detect.c --------------------------------------------------------- */

typedef struct ff_detection {
	float u, v;   /* image point of the top of the head (pixels) */
	float height; /* head top above the floor (metres) */
	float fx, fy; /* floor position (metres) */
	float z;      /* depth of the head top (metres) */
} ff_detection;

typedef struct ff_detector {
	int *cand;    /* candidate cell indices */
	int *stack;   /* flood-fill stack */
	int *members; /* cells of the blob being grown */
	int *visit;   /* per cell: stamp of the last flood that saw it */
	int stamp;
	unsigned char *claim; /* per cell: part of a head or of a large blob */
	int ncells;
	double min_h, max_h; /* target height range (metres) */
} ff_detector;

ff_status ff_detector_init(ff_detector *d, const ff_grid *g, ff_error *err);
void ff_detector_free(ff_detector *d);
int ff_detect(ff_detector *d, const ff_grid *g, const ff_camera *cam, const ff_plane *p,
	      ff_detection *out, int cap);

/* ---- track.c ---------------------------------------------------------- */

typedef struct ff_track {
	int id;
	bool alive;
	bool confirmed;
	int hits;
	int misses; /* consecutive frames without a detection */
	double born, last_seen;
	double x, y, vx, vy; /* floor position and velocity */
	ff_detection det;    /* last detection */
	bool matched;	     /* matched in the current frame */
	bool split;	     /* its detection turned out to be someone else */
	float heights[FF_HEIGHT_SAMPLES];
	int nheights, hpos;
	float height;	     /* robust (median) head height */
	float presence;	     /* share of recent frames with a detection */
	float seen_presence; /* presence when last detected */
	/* a taller track this one keeps a fixed place to (see track.c) */
	int partner;	      /* its id, 0 for none */
	double partner_since; /* time since when */
	float off_a, off_l;   /* mean offset along and across its heading */
	float off_var;	      /* mean squared deviation from that offset */
	float attach_share;   /* recent share of time attached to it */
	bool doubtful;	      /* may be carried or pushed by the partner */
	bool attached;	      /* is, as far as its history tells */
} ff_track;

typedef struct ff_tracker {
	ff_track tracks[FF_MAX_TRACKS];
	int next_id;
	double last_t;
	/* assignment work space */
	double cost[FF_MAX_TRACKS * FF_MAX_DETECTIONS];
	int assign[FF_MAX_TRACKS];
	double u[FF_MAX_TRACKS + 1], v[FF_MAX_DETECTIONS + 1];
	int p[FF_MAX_DETECTIONS + 1], way[FF_MAX_DETECTIONS + 1];
	double minv[FF_MAX_DETECTIONS + 1];
	bool used[FF_MAX_DETECTIONS + 1];
	float scratch[FF_HEIGHT_SAMPLES];
} ff_tracker;

void ff_tracker_init(ff_tracker *tr);
/* Updates tracks with the detections of a frame at time t. Tracks that end
 * are reported through ended[] (indices into tracks[], still readable until
 * the next update) so the counter can close their state. */
int ff_tracker_update(ff_tracker *tr, const ff_detection *det, int ndet, double t, int *ended,
		      int ended_cap);
/* True while a track looks like a person beyond its confirmation: detected
 * in enough of the recent frames. */
bool ff_track_credible(const ff_track *t);

/* ---- count.c ---------------------------------------------------------- */

typedef struct ff_line_state {
	int side;	/* committed side: -1, +1, 0 unknown */
	int cross;	/* signed segment crossings since the last commit */
	bool in_area;	/* inside the U-turn area */
	int area_side;	/* side on entering the U-turn area */
	int area_cross; /* signed crossings during the area visit */
	int pending;	/* passage waiting for the track's confirmation */
	double pending_t;
	int seen_side; /* side of the latest observation off the line */
} ff_line_state;

typedef struct ff_region_state {
	bool inside;
	double enter_t;
	double outside_since; /* < 0 while inside */
	double last_inside_t;
	bool present; /* counted in current_total */
	bool present_child;
} ff_region_state;

typedef struct ff_person_state {
	int track_id; /* owner, -1 when free */
	bool has_prev;
	ff_point prev;
	ff_line_state line[FF_MAX_LINES];
	ff_region_state region[FF_MAX_REGIONS];
} ff_person_state;

typedef struct ff_counter {
	ff_rules rules;
	ff_camera cam;
	ff_person_state person[FF_MAX_TRACKS]; /* parallel to tracker slots */
	ff_counts counts;
	ff_event *events;
	int nevents;
} ff_counter;

/* What the counter needs to know about a track in one frame. */
typedef struct ff_observation {
	int id;
	bool confirmed;
	bool credible; /* ff_track_credible */
	bool valid;    /* height within the target range */
	bool child;
	ff_point point; /* tracking point, normalised image coordinates */
	double scale_x; /* metres per normalised unit at the point */
	double scale_y;
	bool at_edge; /* the head was last seen at the border of the image */
} ff_observation;

void ff_counter_init(ff_counter *c, const ff_camera *cam, const ff_rules *rules, ff_event *events);
void ff_counter_set_rules(ff_counter *c, const ff_rules *rules);
void ff_counter_begin_frame(ff_counter *c);
void ff_counter_observe(ff_counter *c, int slot, const ff_observation *o, double t);
/* The track in slot ended at time t (last seen at last_seen); stream_end when
 * the recording ended rather than the person leaving the view. */
void ff_counter_end(ff_counter *c, int slot, const ff_observation *o, double t, double last_seen,
		    bool stream_end);
void ff_counter_reset(ff_counter *c);

/* Geometry helpers shared by the counter and its tests. */
bool ff_point_in_polygon(const ff_point *poly, int n, ff_point p);
bool ff_segments_cross(ff_point a, ff_point b, ff_point c, ff_point d);

#endif
