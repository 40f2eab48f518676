/*
 * pipeline.c - raw stereo pair to depth frame: rectify, match, convert.
 *
 * The three stages belong to their own modules (rectify.c, sgm.c); this
 * file only wires them together with buffers sized once in create, so that
 * the per-frame call allocates nothing and the engine sees an ordinary
 * depth camera.
 *
 * Disparity to depth goes through a table indexed by the raw 16-bit
 * disparity value: the matcher's output is fixed point (1/16 pixel), so
 * there are only 32768 non-negative values, and negative ones (invalid)
 * land in the upper half of the table, which holds 0. One load per pixel
 * replaces a division. The table is filled by the matcher's own conversion
 * (ff_sgm_depth_u16) run over every value once, so both agree bit for bit
 * by construction.
 *
 * min_depth_m picks the disparity range from the geometry: the cost of
 * matching grows linearly with it, and a people counter never needs depth
 * closer than its camera's nearest head.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <footfall/stereo_pipeline.h>

#define LUT_SIZE 65536

struct ff_stereo_pipeline {
	int in_w, in_h;
	ff_rectifier *rect;
	ff_rectified_camera geo;
	ff_camera cam;
	ff_sgm *sgm;
	int max_disparity;
	uint8_t *left, *right; /* rectified images */
	int16_t *disp;
	uint16_t *lut; /* depth in mm by (uint16_t)disparity */
	ff_stereo_pipeline_stats stats;
};

void ff_stereo_pipeline_options_default(ff_stereo_pipeline_options *opt)
{
	memset(opt, 0, sizeof *opt);
	opt->rectify.downscale = 1;
	opt->rectify.alpha = 0.0;
	ff_sgm_params_default(&opt->sgm);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Smallest multiple of 16 reaching depth min_depth_m, within the matcher's
 * limits and below the image width. */
static ff_status disparity_range(const ff_rectified_camera *geo, double min_depth_m, int *out,
				 ff_error *err)
{
	if (!(min_depth_m > 0) || !isfinite(min_depth_m))
		return ff_error_set(err, FF_ERR_INVALID,
				    "pipeline.min_depth_m: %g, must be positive", min_depth_m);
	double d = geo->f * geo->baseline_m / min_depth_m;
	int n = d >= FF_SGM_MAX_DISPARITY ? FF_SGM_MAX_DISPARITY : (int)ceil(d / 16.0) * 16;
	if (n < 16)
		n = 16;
	int widest = (geo->width - 1) / 16 * 16;
	if (n > widest)
		n = widest;
	if (n < 16)
		return ff_error_set(err, FF_ERR_SIZE,
				    "pipeline: rectified width %d is too small for matching",
				    geo->width);
	*out = n;
	return FF_OK;
}

static ff_status build_lut(ff_stereo_pipeline *p, ff_error *err)
{
	int16_t *values = malloc(sizeof *values * (LUT_SIZE / 2));
	if (!values)
		return ff_error_set(err, FF_ERR_NOMEM, "pipeline: out of memory");
	for (int i = 0; i < LUT_SIZE / 2; i++)
		values[i] = (int16_t)i;
	memset(p->lut + LUT_SIZE / 2, 0, sizeof *p->lut * (LUT_SIZE / 2));
	ff_status st =
	    ff_sgm_depth_u16(values, LUT_SIZE / 2, LUT_SIZE / 2, 1, p->geo.f, p->geo.baseline_m,
			     p->cam.depth_scale, p->lut, LUT_SIZE / 2, err);
	free(values);
	return st;
}

ff_status ff_stereo_pipeline_create(const ff_stereo_calib *calib,
				    const ff_stereo_pipeline_options *opt, ff_stereo_pipeline **out,
				    ff_error *err)
{
	if (!calib || !out)
		return ff_error_set(err, FF_ERR_INVALID, "pipeline: NULL %s",
				    !calib ? "calibration" : "output");
	ff_stereo_pipeline_options def;
	if (!opt) {
		ff_stereo_pipeline_options_default(&def);
		opt = &def;
	}
	ff_stereo_pipeline *p = calloc(1, sizeof *p);
	if (!p)
		return ff_error_set(err, FF_ERR_NOMEM, "pipeline: out of memory");
	p->in_w = calib->left.width;
	p->in_h = calib->left.height;
	ff_status st = ff_rectifier_create(calib, &opt->rectify, &p->rect, err);
	if (st)
		goto fail;
	ff_rectifier_camera(p->rect, &p->geo);
	ff_rectifier_depth_camera(p->rect, &p->cam);

	ff_sgm_params sp = opt->sgm;
	if (opt->min_depth_m != 0 &&
	    (st = disparity_range(&p->geo, opt->min_depth_m, &sp.max_disparity, err)))
		goto fail;
	p->max_disparity = sp.max_disparity;
	if ((st = ff_sgm_create(p->geo.width, p->geo.height, &sp, &p->sgm, err)))
		goto fail;

	size_t n = (size_t)p->geo.width * (size_t)p->geo.height;
	p->left = malloc(n);
	p->right = malloc(n);
	p->disp = malloc(sizeof *p->disp * n);
	p->lut = malloc(sizeof *p->lut * LUT_SIZE);
	if (!p->left || !p->right || !p->disp || !p->lut) {
		st = ff_error_set(err, FF_ERR_NOMEM, "pipeline: out of memory for %dx%d",
				  p->geo.width, p->geo.height);
		goto fail;
	}
	if ((st = build_lut(p, err)))
		goto fail;
	*out = p;
	return FF_OK;
fail:
	ff_stereo_pipeline_destroy(p);
	return st;
}

void ff_stereo_pipeline_destroy(ff_stereo_pipeline *p)
{
	if (!p)
		return;
	ff_rectifier_destroy(p->rect);
	ff_sgm_destroy(p->sgm);
	free(p->left);
	free(p->right);
	free(p->disp);
	free(p->lut);
	free(p);
}

void ff_stereo_pipeline_input_size(const ff_stereo_pipeline *p, int *width, int *height)
{
	*width = p->in_w;
	*height = p->in_h;
}

void ff_stereo_pipeline_camera(const ff_stereo_pipeline *p, ff_camera *out)
{
	*out = p->cam;
}

void ff_stereo_pipeline_rectified(const ff_stereo_pipeline *p, ff_rectified_camera *out)
{
	*out = p->geo;
}

int ff_stereo_pipeline_max_disparity(const ff_stereo_pipeline *p)
{
	return p->max_disparity;
}

ff_status ff_stereo_pipeline_process(ff_stereo_pipeline *p, const uint8_t *left_raw,
				     const uint8_t *right_raw, uint16_t *depth_out, ff_error *err)
{
	if (!left_raw || !right_raw || !depth_out)
		return ff_error_set(err, FF_ERR_INVALID, "pipeline: NULL %s",
				    !left_raw	 ? "left image"
				    : !right_raw ? "right image"
						 : "depth");
	double t0 = now_s();
	ff_rectifier_remap(p->rect, FF_STEREO_LEFT, left_raw, p->left);
	ff_rectifier_remap(p->rect, FF_STEREO_RIGHT, right_raw, p->right);
	double t1 = now_s();
	size_t w = (size_t)p->geo.width;
	ff_status st = ff_sgm_compute(p->sgm, p->left, w, p->right, w, p->disp, w, err);
	if (st)
		return st;
	double t2 = now_s();
	size_t n = w * (size_t)p->geo.height;
	for (size_t i = 0; i < n; i++)
		depth_out[i] = p->lut[(uint16_t)p->disp[i]];
	double t3 = now_s();
	p->stats.frames++;
	p->stats.rectify_s += t1 - t0;
	p->stats.match_s += t2 - t1;
	p->stats.depth_s += t3 - t2;
	return FF_OK;
}

const uint8_t *ff_stereo_pipeline_rectified_image(const ff_stereo_pipeline *p, ff_stereo_side side)
{
	return side == FF_STEREO_RIGHT ? p->right : p->left;
}

const int16_t *ff_stereo_pipeline_disparity(const ff_stereo_pipeline *p)
{
	return p->disp;
}

void ff_stereo_pipeline_stats_get(const ff_stereo_pipeline *p, ff_stereo_pipeline_stats *out)
{
	*out = p->stats;
}
