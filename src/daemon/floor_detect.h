/*
 * floor_detect.h - the Rule page's installation height detection
 * (floor_detect.c).
 */
#ifndef FOOTFALLD_FLOOR_DETECT_H
#define FOOTFALLD_FLOOR_DETECT_H

#include "http_internal.h"

/* POST /api/v1/floor/detect: measures the floor on the next live frames
 * and answers {"installation_height_m", "tilt_deg", "inlier_ratio"}; 422
 * when the scene shows no usable floor, 503 when the source is silent.
 * Nothing is stored. */
enum MHD_Result fd_floor_detect(fd_req *r);

#endif
