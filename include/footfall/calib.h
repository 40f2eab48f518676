/*
 * calib.h - calibration of a stereo pair and its rectification (spec
 * section 2): loading OpenCV and Luxonis DepthAI calibration files, checking
 * that the pair can be rectified, and remapping raw frames into a rectified,
 * undistorted and optionally downscaled pair ready for the matcher.
 *
 * Conventions (OpenCV's, so that files need no conversion):
 *  - pixel centres are at integer coordinates, the image covers
 *    [-0.5, width-0.5] x [-0.5, height-0.5];
 *  - a camera frame has x right, y down, z along the optical axis;
 *  - R and T map left-camera coordinates into the right camera's:
 *    x_right = R * x_left + T; for a right camera that sits to the right of
 *    the left one, T.x is negative (minus the baseline);
 *  - distortion is OpenCV's full model, coefficients in the order
 *    k1 k2 p1 p2 k3 k4 k5 k6 s1 s2 s3 s4 tau_x tau_y (missing ones are 0).
 *
 * Rectification follows Bouguet's method as OpenCV's stereoRectify does it:
 * each camera turns by half of the relative rotation, then both turn together
 * so that the baseline lies along x. Both rectified images share one focal
 * length and one principal point (zero disparity at infinity), so that depth
 * is f * baseline / disparity. See ff_rectify_options for the choice of the
 * field of view.
 */
#ifndef FOOTFALL_CALIB_H
#define FOOTFALL_CALIB_H

#include <stddef.h>
#include <stdint.h>

#include <footfall/footfall.h>

#ifdef __cplusplus
extern "C" {
#endif

#define FF_CALIB_MAX_DIST 14
/* Largest accepted image side; also bounds the remap tables. */
#define FF_CALIB_MAX_SIZE 16384

typedef struct ff_calib_camera {
	int width, height;
	double k[9];			/* intrinsics, row-major, k[8] = 1 */
	double dist[FF_CALIB_MAX_DIST]; /* OpenCV order, unused entries 0 */
	int ndist;			/* coefficients given by the file */
} ff_calib_camera;

typedef struct ff_stereo_calib {
	ff_calib_camera left, right;
	double r[9]; /* rotation left -> right, row-major */
	double t[3]; /* translation left -> right, metres */
	/* Metres per unit of the file's T (1, 0.01, 0.001, or the caller's
	 * t_scale), so that tools can show what was assumed. */
	double t_scale;
} ff_stereo_calib;

typedef struct ff_calib_options {
	/* Metres per unit of T in OpenCV files. OpenCV writes T in the units of
	 * the calibration pattern, which the file does not record. 0 guesses
	 * from the length of T: below 1 metres, below 25 centimetres, otherwise
	 * millimetres (right for baselines of 25 mm to 1 m written in mm, 1 to
	 * 25 cm in cm, up to 1 m in m). DepthAI files are always centimetres
	 * and ignore this. */
	double t_scale;
	/* Image size for OpenCV files that have none (OpenCV's stereo_calib
	 * sample writes none); 0 = the file must give it. */
	int width, height;
} ff_calib_options;

/* Loads a calibration from `path`:
 *  - a file: DepthAI JSON when it starts with '{', OpenCV XML when it starts
 *    with '<', otherwise OpenCV YAML;
 *  - a directory: its calib.json, otherwise its intrinsics.{yml,yaml,xml}
 *    and extrinsics.{yml,yaml,xml} (the pair the OpenCV sample writes).
 * opt may be NULL (all defaults). The result passes ff_calib_validate. */
ff_status ff_calib_load(const char *path, const ff_calib_options *opt, ff_stereo_calib *out,
			ff_error *err);

/* Loads OpenCV file storages whose keys together make one calibration, e.g.
 * intrinsics.yml and extrinsics.yml; a key is taken from the first file that
 * has it. With one path this is ff_calib_load on a file. */
ff_status ff_calib_load_files(const char *const *paths, int npaths, const ff_calib_options *opt,
			      ff_stereo_calib *out, ff_error *err);

/* Parses an OpenCV FileStorage document (YAML or XML) from memory; `name`
 * starts every message. Recognised keys:
 *  - cameras: M1/K1/cameraMatrix1, D1/distCoeffs1 and the same with 2
 *    (intrinsics 3x3, distortion 0, 4, 5, 8, 12 or 14 numbers);
 *  - R (3x3, or a 3-vector in Rodrigues form), T (3 numbers);
 *  - size: imageSize, image_size or size (2 numbers, width first), or
 *    image_width and image_height.
 * Matrices may be !!opencv-matrix maps (block or flow style) or plain
 * sequences; other keys are ignored. */
ff_status ff_calib_parse_opencv(const char *data, size_t len, const char *name,
				const ff_calib_options *opt, ff_stereo_calib *out, ff_error *err);

/* Parses a Luxonis DepthAI calib.json (EepromData) from memory. The stereo
 * pair is stereoRectificationData's leftCameraSocket/rightCameraSocket, or
 * sockets 1 (CAM_B) and 2 (CAM_C) when those are absent. Extrinsics may be
 * stored on either camera or reach the other one through a third camera
 * (each camera's extrinsics map its frame into toCameraSocket's frame);
 * translations are centimetres, or specTranslation when the file sets
 * stereoUseSpecTranslation. Only the perspective camera model is supported. */
ff_status ff_calib_parse_depthai(const char *data, size_t len, const char *name,
				 ff_stereo_calib *out, ff_error *err);

/* Checks a calibration; `name` starts the message. FF_ERR_CALIB for:
 * non-finite values, sizes that differ between the cameras or are out of
 * range, intrinsics that are not an invertible upper-triangular camera
 * matrix, a principal point outside the image (intrinsics of another
 * resolution), R that is not a rotation, and a pair that cannot be
 * rectified side by side: the baseline must be 1 mm to 10 m and within 30
 * degrees of the x axis, the right camera on the right (T.x < 0), the
 * cameras turned less than 20 degrees against each other. */
ff_status ff_calib_validate(const ff_stereo_calib *calib, const char *name, ff_error *err);

/* Adapts the intrinsics to frames of another resolution with the same
 * aspect ratio (within 1 %), e.g. a 1280x800 calibration for 640x400 frames.
 * Anything else is FF_ERR_SIZE. */
ff_status ff_calib_resize(ff_stereo_calib *calib, int width, int height, ff_error *err);

/* ---- Rectification ---------------------------------------------------- */

typedef enum ff_stereo_side { FF_STEREO_LEFT = 0, FF_STEREO_RIGHT = 1 } ff_stereo_side;

typedef struct ff_rectify_options {
	/* Integer downscale factor 1..4 (0 means 1): the output is
	 * floor(width/downscale) x floor(height/downscale). Each output pixel
	 * is the mean of a downscale x downscale box of source pixels centred
	 * on its source position (bilinear at the box edges), so downscaling
	 * averages rather than skips pixels. */
	int downscale;
	/* Field of view. 0: the largest view in which every output pixel of
	 * both images has source data (no black borders, like OpenCV's
	 * alpha = 0); 1: every source pixel is kept, borders are black (0).
	 * Values between blend the two linearly. Default 0. */
	double alpha;
	/* An explicit rectified camera instead (OpenCV's newCameraMatrix):
	 * when focal_px > 0, the output's focal length and principal point in
	 * output pixels, and alpha is ignored; output pixels without source
	 * data are black. For putting the rectified view where another
	 * calibrated camera's view is (a depth camera's, a simulator's). */
	double focal_px, cx_px, cy_px;
} ff_rectify_options;

/* The rectified pair as the matcher and the depth conversion see it. */
typedef struct ff_rectified_camera {
	int width, height; /* output size */
	double f;	   /* focal length in output pixels (fx = fy) */
	double cx, cy;	   /* principal point, the same in both images */
	double baseline_m; /* depth = f * baseline_m / disparity */
	double r_left[9];  /* rotation raw left camera -> rectified frame */
	double r_right[9]; /* rotation raw right camera -> rectified frame */
} ff_rectified_camera;

typedef struct ff_rectifier ff_rectifier;

/* Computes the rectification and its remap tables (set-up cost: a few tens
 * of milliseconds for 1280x800). opt may be NULL. */
ff_status ff_rectifier_create(const ff_stereo_calib *calib, const ff_rectify_options *opt,
			      ff_rectifier **out, ff_error *err);
void ff_rectifier_destroy(ff_rectifier *r);

void ff_rectifier_camera(const ff_rectifier *r, ff_rectified_camera *out);

/* The depth image's camera for the counting engine: the rectified left
 * camera, depth in millimetres (depth_scale 1000). */
void ff_rectifier_depth_camera(const ff_rectifier *r, ff_camera *out);

/* Remaps one raw 8-bit frame (calibration size, rows packed) into the
 * rectified output (output size, rows packed). Allocates nothing; a
 * rectifier may serve several threads at once. */
void ff_rectifier_remap(const ff_rectifier *r, ff_stereo_side side, const uint8_t *raw,
			uint8_t *out);

/* Where the centre of rectified output pixel (u, v) comes from in the raw
 * image, in raw pixels (exact geometry, not the fixed-point tables). */
void ff_rectifier_source_point(const ff_rectifier *r, ff_stereo_side side, double u, double v,
			       double *x, double *y);

/* The rectified output position of raw pixel (x, y) (inverts the lens
 * distortion iteratively). FF_ERR_INVALID when the distortion model cannot
 * be inverted there or the point lies behind the rectified camera. */
ff_status ff_rectifier_rectify_point(const ff_rectifier *r, ff_stereo_side side, double x, double y,
				     double *u, double *v, ff_error *err);

#ifdef __cplusplus
}
#endif

#endif
