/*
 * calib_internal.h - pieces shared by the calibration parsers and the
 * rectifier but not part of the public API: 3x3 algebra, rotation vectors,
 * and the multi-file entry of the OpenCV parser.
 *
 * Matrices are row-major double[9], vectors double[3], as in calib.h.
 */
#ifndef FOOTFALL_CALIB_INTERNAL_H
#define FOOTFALL_CALIB_INTERNAL_H

#include <stddef.h>

#include <footfall/calib.h>

/* One OpenCV file storage in memory; `name` starts messages about it. */
typedef struct ff_calib_source {
	const char *data;
	size_t len;
	const char *name;
} ff_calib_source;

/* ff_calib_parse_opencv over several documents: each key is taken from the
 * first document that has it. */
ff_status ff_calib_parse_opencv_sources(const ff_calib_source *src, int n,
					const ff_calib_options *opt, ff_stereo_calib *out,
					ff_error *err);

static inline void ff_mat3_mul(const double a[9], const double b[9], double out[9])
{
	double m[9];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			m[3 * i + j] =
			    a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
	for (int i = 0; i < 9; i++)
		out[i] = m[i];
}

static inline void ff_mat3_transpose(const double a[9], double out[9])
{
	double m[9];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++)
			m[3 * j + i] = a[3 * i + j];
	for (int i = 0; i < 9; i++)
		out[i] = m[i];
}

static inline void ff_mat3_apply(const double m[9], const double v[3], double out[3])
{
	double r[3];
	for (int i = 0; i < 3; i++)
		r[i] = m[3 * i] * v[0] + m[3 * i + 1] * v[1] + m[3 * i + 2] * v[2];
	for (int i = 0; i < 3; i++)
		out[i] = r[i];
}

/* Rotation matrix of a rotation vector (axis times angle in radians). */
void ff_rotation_from_vector(const double v[3], double m[9]);

/* Rotation vector of a rotation matrix whose angle is below 180 degrees. */
void ff_rotation_to_vector(const double m[9], double v[3]);

/* Angle of a rotation matrix in radians. */
double ff_rotation_angle(const double m[9]);

#endif
