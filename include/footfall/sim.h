/*
 * sim.h - synthetic overhead depth scenes with exact ground truth.
 *
 * The simulator renders what an overhead stereo depth camera would deliver
 * for a scene of walking people, carts, furniture and so on, and computes
 * from the true trajectories (never from the counting engine) the counts the
 * rules of spec section 3 ask for. It is what the engine is tuned and judged
 * on, so the scenes are physically plausible rather than convenient.
 *
 * Model in brief:
 *  - world: metres, floor z = 0, z up. The camera sits at (0, 0, H) looking
 *    down; untilted, image x is world +x and image y is world -y. Tilt is a
 *    rotation about the camera's own x, y, z axes (degrees, |x|,|y| <= 10).
 *  - intrinsics: 640x400 by default, focal lengths from the user guide's
 *    field of view for the installation height (its section 6),
 *    cx = (w-1)/2, cy = (h-1)/2. Depth is z along the optical axis in mm.
 *  - normalised image coordinates of a pixel position (u, v) (pixel centres
 *    at integers) are ((u + 0.5) / w, (v + 0.5) / h).
 *  - noise: a stereo pair with a horizontal baseline whose depth image is the
 *    left view: disparity noise (correlated and per pixel), quantised
 *    sub-pixel disparity (so sigma_z grows with z^2), holes that favour hair,
 *    dark clothing and distance, flying pixels and foreground fattening at
 *    depth edges, speckle outliers and occlusion shadows (pixels the right
 *    camera cannot see carry no data). Everything derives from the scene
 *    seed: the same seed gives bit-identical frames.
 *  - textured stereo mode: the same scene as the 8-bit left/right images of
 *    that pair (ff_sim_scene_render_stereo) with its OpenCV calibration, so
 *    that the stereo path can be scored against the same truth.
 *
 * Ground truth (ff_sim_truth, truth.json) follows spec section 3:
 *  - the tracked point is the image point of the head top (head mode) or of
 *    the floor point below it (feet mode);
 *  - a line passage is a net crossing of the drawn segments between two
 *    moments when the point is at least FF_SIM_CLEAR_M (world, on the plane of
 *    the tracked point) away from every segment; it is reported at the second
 *    of these moments. Swaying on the line or passing beyond its ends is no
 *    passage. With U-turn filtering and an area, a passage needs the person
 *    to enter the area on one side and leave it on the other; it is reported
 *    on leaving;
 *  - regions: a stay is a maximal interval with the point inside the polygon.
 *    A stay of at least pass_by_filter_s makes the occupancy go up at
 *    enter + pass_by_filter_s and down on leaving; a stay of at least
 *    min_dwell_s makes a dwell record at its end. Stays still open at the end
 *    of the recording close then (dwell records only: occupancy changes caused
 *    by the end of the stream are not part of the truth);
 *  - a person whose height (head top, hats included, raised hands not) is
 *    outside the target height range makes no events; a child is a person
 *    below children_height_m when the distinction is on.
 * Generated scenes avoid ambiguous cases (crossings near a line's end, stays
 * within a second of a filter threshold, heights within a few centimetres of
 * a limit), so the truth is what any correct counter must report.
 *
 * truth.json:
 *   {"scene": NAME, "seed": N, "start_time": T0, "end_time": T1,
 *    "lines": [{"id", "index", "in", "out", "children_in", "children_out"}],
 *    "regions": [{"id", "index", "dwell_records", "dwell_max_ms"}],
 *    "events": [
 *      {"type": "line_cross", "time", "index", "id", "direction": "in"|"out",
 *       "child", "people_id"},
 *      {"type": "region_count", "time", "index", "id", "change": +1|-1,
 *       "current_total", "current_children", "child", "people_id"},
 *      {"type": "dwell", "time", "index", "id", "dwell_start", "dwell_end",
 *       "duration_ms", "child", "people_id"}],
 *    "people": [{"id", "height_m", "child", "counted", "kind"}]}
 * Times are the recording's depth.txt timestamps (seconds); events are in
 * time order.
 */
#ifndef FOOTFALL_SIM_H
#define FOOTFALL_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <footfall/footfall.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Distance past a line at which a passage is certain (metres). */
#define FF_SIM_CLEAR_M 0.3

/* ---- Scene set-up ------------------------------------------------------ */

typedef struct ff_sim_noise {
	bool enabled;		 /* false: exact depth (still quantised to mm) */
	double baseline_m;	 /* stereo baseline, 0.05..0.10 */
	double disparity_sigma;	 /* pixel-level disparity noise (px), 0.1..0.3 */
	double correlated_sigma; /* smooth disparity noise (px) */
	double subpixel;	 /* disparity quantisation step (px), e.g. 1/8 */
	double hole_rate;	 /* scale of hole blobs (1 = typical) */
	double flying_rate;	 /* share of depth-edge pixels that fly */
	double speckle_rate;	 /* share of pixels that are outliers */
	bool shadows;		 /* occlusion shadows of the right camera */
	double min_depth_m;	 /* closer than this: no data */
} ff_sim_noise;

/* Typical noise of a small-baseline stereo camera. */
void ff_sim_noise_default(ff_sim_noise *n);

typedef struct ff_sim_setup {
	double height_m;    /* installation height (2.2..6) */
	double tilt_deg[3]; /* rotation about the camera x, y, z axes */
	int width, height;  /* image size; 0 = 640x400 */
	double fps;	    /* frame rate (1..60) */
	double duration_s;  /* scene length */
	double jitter_s;    /* random timestamp jitter (s) */
	double drop_rate;   /* share of frames the camera drops */
	uint64_t seed;
	ff_sim_noise noise;
	double floor_texture; /* 0 (plain floor, more holes) .. 1 (textured) */
	/* Textured stereo mode: false renders an ideal rectified pair; true
	 * renders what two real cameras deliver: lens distortion, focal
	 * lengths and principal points that differ a little, and a small
	 * rotation between the cameras, all seeded and described by the
	 * calibration file, so that rectification is part of the test. */
	bool raw_stereo;
} ff_sim_setup;

/* 3 m, untilted, 640x400, 15 fps, 30 s, seed 1, default noise. */
void ff_sim_setup_default(ff_sim_setup *s);

/* The guide's field of view (degrees) for an installation height. */
void ff_sim_fov(double height_m, double *hfov_deg, double *vfov_deg);

typedef struct ff_sim_scene ff_sim_scene;

ff_status ff_sim_scene_create(const ff_sim_setup *setup, ff_sim_scene **out, ff_error *err);
void ff_sim_scene_destroy(ff_sim_scene *s);

/* ---- People and objects ------------------------------------------------ */

/* Appearance flags of a person. */
enum {
	FF_SIM_HAT = 1 << 0,
	FF_SIM_HOOD = 1 << 1,
	FF_SIM_LONG_HAIR = 1 << 2,
	FF_SIM_BACKPACK = 1 << 3,
	FF_SIM_BAG = 1 << 4,
	FF_SIM_DARK_HAIR = 1 << 5,
	FF_SIM_BALD = 1 << 6,
	FF_SIM_CART = 1 << 7,	  /* pushes a shopping cart */
	FF_SIM_STROLLER = 1 << 8, /* pushes a stroller */
	FF_SIM_DARK_CLOTHES = 1 << 9
};

typedef struct ff_sim_person {
	double height_m;	     /* top of the head (a hat included) above the floor */
	double build;		     /* 0 slim .. 1 broad */
	unsigned flags;		     /* FF_SIM_* */
	double raise_from, raise_to; /* raises a hand above the head then */
	int hand_partner;	     /* index of the person whose hand it holds, or -1 */
	uint64_t seed;		     /* small variations (0 = derived from the index) */
} ff_sim_person;

void ff_sim_person_default(ff_sim_person *p, double height_m);

/* A key point of a trajectory: floor position (metres) at time t. The path
 * is a smooth curve through the keys; two equal consecutive positions are a
 * stop. Before the first and after the last key the person is not in the
 * scene. Keys must have increasing times. */
typedef struct ff_sim_key {
	double t, x, y;
} ff_sim_key;

/* Adds a person; returns its index (the people_id of its truth) or -1 with
 * err filled. */
int ff_sim_scene_add_person(ff_sim_scene *s, const ff_sim_person *p, const ff_sim_key *keys,
			    int nkeys, ff_error *err);

typedef enum ff_sim_object_kind {
	FF_SIM_BOX = 0,	  /* plain box on the floor */
	FF_SIM_TABLE = 1, /* top and four legs */
	FF_SIM_SHELF = 2, /* tall shelf with a flat top */
	FF_SIM_CHAIR = 3,
	FF_SIM_WALL = 4 /* wall up to the ceiling */
} ff_sim_object_kind;

typedef struct ff_sim_object {
	ff_sim_object_kind kind;
	double x, y;	   /* centre on the floor */
	double sx, sy, sz; /* size (metres) */
	double yaw_deg;	   /* rotation about the vertical */
} ff_sim_object;

ff_status ff_sim_scene_add_object(ff_sim_scene *s, const ff_sim_object *o, ff_error *err);

/* The rules the scene is counted with (copied; validated). */
ff_status ff_sim_scene_set_rules(ff_sim_scene *s, const ff_rules *rules, ff_error *err);
const ff_rules *ff_sim_scene_rules(const ff_sim_scene *s);

/* ---- Rendering --------------------------------------------------------- */

const ff_camera *ff_sim_scene_camera(const ff_sim_scene *s);
size_t ff_sim_scene_frames(const ff_sim_scene *s);
/* Timestamp of frame i (seconds, as written to depth.txt). */
double ff_sim_scene_frame_time(const ff_sim_scene *s, size_t i);

/* Renders frame i (width*height values in mm, 0 = no data). Frames may be
 * rendered in any order; each frame's noise depends only on the seed and i. */
ff_status ff_sim_scene_render(ff_sim_scene *s, size_t i, uint16_t *depth, ff_error *err);

/* Image position (pixels) of a world point; false when behind the camera. */
bool ff_sim_scene_project(const ff_sim_scene *s, double x, double y, double z, double *u,
			  double *v);

/* ---- Textured stereo mode ------------------------------------------------ */

/* The scene as the calibrated stereo pair behind the depth camera would see
 * it: an ideal rectified pair (no distortion, no relative rotation), the
 * left camera being the depth camera, the right one setup.noise.baseline_m
 * to its right; with setup.raw_stereo, the raw images of two real cameras
 * at those places whose rectification is that ideal pair. Surfaces carry random textures fixed to
 * them (floor, clothing, skin, hair: dark hair is dark and nearly featureless), lit unevenly by
 * ceiling lights, with vignetting, a small gain difference between the cameras and sensor noise.
 * Frames render in any order and are reproducible like depth frames. left and right are
 * width*height bytes. */
ff_status ff_sim_scene_render_stereo(ff_sim_scene *s, size_t i, uint8_t *left, uint8_t *right,
				     ff_error *err);

/* Chooses between the ideal and the raw pair (setup.raw_stereo) for a
 * scene made by name; FF_ERR_STATE once a stereo frame was rendered. */
ff_status ff_sim_scene_set_raw_stereo(ff_sim_scene *s, bool raw, ff_error *err);

/* Baseline of the pair (metres); the ideal pair has the depth camera's
 * intrinsics. */
double ff_sim_scene_stereo_baseline(const ff_sim_scene *s);

/* The pair's calibration as an OpenCV FileStorage YAML document (M1 D1 M2
 * D2 R T and the image size; T in metres, right camera at -baseline),
 * malloc'ed. */
ff_status ff_sim_scene_stereo_calib_yaml(const ff_sim_scene *s, char **out, ff_error *err);

/* ---- Ground truth ------------------------------------------------------ */

typedef struct ff_sim_event {
	ff_event_type type;
	double time;
	int index;     /* line or region index in the rules */
	int people_id; /* person index */
	bool child;
	int direction;			     /* crossings: +1 in, -1 out; region counts: +1/-1 */
	int current_total, current_children; /* region counts after the change */
	double dwell_start, dwell_end;	     /* dwell records */
	int64_t duration_ms;
} ff_sim_event;

typedef struct ff_sim_truth_person {
	int id;
	double height_m;
	bool child;
	bool counted;  /* height inside the target range */
	char kind[16]; /* "adult", "child", "cart", ... */
} ff_sim_truth_person;

typedef struct ff_sim_truth {
	double start_time, end_time;
	int nlines;
	ff_line_counts lines[FF_MAX_LINES];
	int nregions;
	ff_dwell_stats regions[FF_MAX_REGIONS];
	size_t nevents;
	ff_sim_event *events;
	size_t npeople;
	ff_sim_truth_person *people;
} ff_sim_truth;

/* Computes the truth of the scene under its rules (cached until the rules or
 * the people change). The result belongs to the scene. */
ff_status ff_sim_scene_truth(ff_sim_scene *s, const ff_sim_truth **out, ff_error *err);

/* truth.json (format above); name and seed are informative. */
ff_status ff_sim_truth_to_json(const ff_sim_truth *t, const ff_rules *rules, const char *name,
			       uint64_t seed, char **out, ff_error *err);
/* Reads a truth.json; the result is freed with ff_sim_truth_free. */
ff_status ff_sim_truth_load(const char *path, ff_sim_truth **out, ff_error *err);
void ff_sim_truth_free(ff_sim_truth *t);

/* ---- Catalogue --------------------------------------------------------- */

size_t ff_sim_catalogue_size(void);
const char *ff_sim_catalogue_name(size_t i);
const char *ff_sim_catalogue_summary(size_t i);
uint64_t ff_sim_catalogue_seed(size_t i);

/* Builds a named scene with a seed (ff_sim_catalogue_seed for its default).
 * An unknown name is FF_ERR_INVALID naming it. */
ff_status ff_sim_scene_named(const char *name, uint64_t seed, ff_sim_scene **out, ff_error *err);

/* The demo of `footfall demo`: a doorway with a line and a region. */
#define FF_SIM_DEMO_SCENE "doorway"

#ifdef __cplusplus
}
#endif

#endif
