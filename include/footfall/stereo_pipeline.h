/*
 * stereo_pipeline.h - depth frames for the counting engine from a raw,
 * calibrated stereo pair: rectify (undistort, align rows, optionally
 * downscale) both images, match them with the semi-global matcher and turn
 * the left disparity into depth in millimetres, z = f * B / d with the
 * rectified focal length f and baseline B.
 *
 * The pipeline is what sits between a stereo stream (stereo_stream.h) or a
 * live pair of cameras and ff_engine_process: its camera is the rectified
 * left view, so the engine and the rules' normalised coordinates refer to
 * the rectified left image. Every buffer is allocated in create; processing
 * a frame allocates nothing. Worker threads, if any, belong to the matcher
 * (sgm.threads). A pipeline is not safe to use from two threads at once.
 */
#ifndef FOOTFALL_STEREO_PIPELINE_H
#define FOOTFALL_STEREO_PIPELINE_H

#include <stdint.h>

#include <footfall/calib.h>
#include <footfall/footfall.h>
#include <footfall/sgm.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ff_stereo_pipeline_options {
	ff_rectify_options rectify; /* downscale, field of view */
	ff_sgm_params sgm;	    /* the matcher's settings, size excepted */
	/* Nearest depth to measure (metres). When positive it replaces
	 * sgm.max_disparity by the smallest multiple of 16 that reaches a
	 * point this close, f * B / min_depth_m (16..256); fewer disparities
	 * are faster. 0 keeps sgm.max_disparity. */
	double min_depth_m;
} ff_stereo_pipeline_options;

/* No downscale, alpha 0, the matcher's defaults, min_depth_m 0. */
void ff_stereo_pipeline_options_default(ff_stereo_pipeline_options *opt);

typedef struct ff_stereo_pipeline ff_stereo_pipeline;

/* Sets up rectification for the calibration, the matcher for the rectified
 * size and the depth conversion. FF_ERR_CALIB for a pair that cannot be
 * rectified side by side; FF_ERR_INVALID for bad options (the message names
 * the field). opt may be NULL (defaults). */
ff_status ff_stereo_pipeline_create(const ff_stereo_calib *calib,
				    const ff_stereo_pipeline_options *opt, ff_stereo_pipeline **out,
				    ff_error *err);
void ff_stereo_pipeline_destroy(ff_stereo_pipeline *p);

/* Size of the raw frames process expects (the calibration's). */
void ff_stereo_pipeline_input_size(const ff_stereo_pipeline *p, int *width, int *height);

/* The depth camera for ff_engine_create: the rectified left view, depth
 * in millimetres (depth_scale 1000); its size is the output size. */
void ff_stereo_pipeline_camera(const ff_stereo_pipeline *p, ff_camera *out);

/* The rectified geometry (focal length, principal point, baseline). */
void ff_stereo_pipeline_rectified(const ff_stereo_pipeline *p, ff_rectified_camera *out);

/* Disparities searched (after min_depth_m). */
int ff_stereo_pipeline_max_disparity(const ff_stereo_pipeline *p);

/* One raw pair (input size, 8-bit grey, rows packed) to one depth frame
 * (output size, rows packed, millimetres, 0 = no data). */
ff_status ff_stereo_pipeline_process(ff_stereo_pipeline *p, const uint8_t *left_raw,
				     const uint8_t *right_raw, uint16_t *depth_out, ff_error *err);

/* Intermediate images of the last process call, valid until the next call
 * or destroy (output size, rows packed): the rectified left or right image
 * and the left disparity in 1/16 pixel (FF_SGM_INVALID where none). For
 * tests, diagnostics and live views. */
const uint8_t *ff_stereo_pipeline_rectified_image(const ff_stereo_pipeline *p, ff_stereo_side side);
const int16_t *ff_stereo_pipeline_disparity(const ff_stereo_pipeline *p);

/* Wall-clock seconds spent per stage over all process calls so far. */
typedef struct ff_stereo_pipeline_stats {
	uint64_t frames;
	double rectify_s; /* both images */
	double match_s;	  /* semi-global matching */
	double depth_s;	  /* disparity to depth */
} ff_stereo_pipeline_stats;

void ff_stereo_pipeline_stats_get(const ff_stereo_pipeline *p, ff_stereo_pipeline_stats *out);

#ifdef __cplusplus
}
#endif

#endif
