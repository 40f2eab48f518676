/*
 * grey_png.c - reads the 8-bit PNG stereo images of `footfall disparity` and
 * the benchmarks as greyscale.
 *
 * libpng reports errors by longjmp: everything that must be freed on the
 * error path is reached through a struct that lives outside the setjmp
 * frame, so no local is modified between setjmp and a longjmp. libpng's
 * transforms bring every input (palette, 1-16 bit, alpha) to 8-bit grey or
 * RGB; RGB becomes grey with the BT.601 weights in 14-bit fixed point, the
 * same weights OpenCV's BGR2GRAY uses.
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <footfall/sgm.h>

#define PNG_MAX_SIDE 16384

typedef struct png_job {
	const char *path;
	FILE *f;
	png_structp png;
	png_infop info;
	uint8_t *pixels;
	uint8_t *rgb; /* the decoded rows, 1 or 3 bytes per pixel */
	png_bytep *rows;
	char msg[200];
} png_job;

static void on_error(png_structp png, png_const_charp msg)
{
	png_job *job = png_get_error_ptr(png);
	snprintf(job->msg, sizeof job->msg, "%s", msg);
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

static void job_free(png_job *job)
{
	if (job->png)
		png_destroy_read_struct(&job->png, job->info ? &job->info : NULL, NULL);
	if (job->f)
		fclose(job->f);
	free(job->rows);
	free(job->rgb);
	free(job->pixels);
}

/* Everything that may longjmp; returns 0 or a status with job->msg set. */
static ff_status decode(png_job *job, int *width, int *height)
{
	if (setjmp(png_jmpbuf(job->png)))
		return FF_ERR_FORMAT;
	png_init_io(job->png, job->f);
	png_read_info(job->png, job->info);
	png_uint_32 w = png_get_image_width(job->png, job->info);
	png_uint_32 h = png_get_image_height(job->png, job->info);
	int type = png_get_color_type(job->png, job->info);
	if (w < 1 || h < 1 || w > PNG_MAX_SIDE || h > PNG_MAX_SIDE) {
		snprintf(job->msg, sizeof job->msg, "image size %ux%u is outside 1..%d",
			 (unsigned)w, (unsigned)h, PNG_MAX_SIDE);
		return FF_ERR_SIZE;
	}
	png_set_strip_16(job->png);
	png_set_strip_alpha(job->png);
	png_set_packing(job->png);
	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(job->png);
	if (type == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(job->png, job->info) < 8)
		png_set_expand_gray_1_2_4_to_8(job->png);
	png_set_interlace_handling(job->png);
	png_read_update_info(job->png, job->info);
	int channels = png_get_channels(job->png, job->info);
	if (channels != 1 && channels != 3) {
		snprintf(job->msg, sizeof job->msg, "unexpected %d channels after conversion",
			 channels);
		return FF_ERR_UNSUPPORTED;
	}
	size_t rowbytes = png_get_rowbytes(job->png, job->info);
	job->pixels = malloc((size_t)w * h);
	job->rgb = malloc(rowbytes * h);
	job->rows = malloc(h * sizeof *job->rows);
	if (!job->pixels || !job->rgb || !job->rows) {
		snprintf(job->msg, sizeof job->msg, "out of memory for %ux%u", (unsigned)w,
			 (unsigned)h);
		return FF_ERR_NOMEM;
	}
	for (png_uint_32 y = 0; y < h; y++)
		job->rows[y] = job->rgb + rowbytes * y;
	png_read_image(job->png, job->rows);
	for (png_uint_32 y = 0; y < h; y++) {
		const uint8_t *in = job->rows[y];
		uint8_t *out = job->pixels + (size_t)y * w;
		if (channels == 1) {
			memcpy(out, in, w);
			continue;
		}
		for (png_uint_32 x = 0; x < w; x++, in += 3)
			out[x] =
			    (uint8_t)((4899u * in[0] + 9617u * in[1] + 1868u * in[2] + 8192u) >>
				      14);
	}
	png_read_end(job->png, NULL);
	*width = (int)w;
	*height = (int)h;
	return FF_OK;
}

ff_status ff_grey_png_read(const char *path, uint8_t **pixels, int *width, int *height,
			   ff_error *err)
{
	if (!path || !pixels || !width || !height)
		return ff_error_set(err, FF_ERR_INVALID, "png: NULL argument");
	png_job job;
	memset(&job, 0, sizeof job);
	job.path = path;
	job.f = fopen(path, "rb");
	if (!job.f)
		return ff_error_set(err, FF_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	unsigned char sig[8];
	if (fread(sig, 1, sizeof sig, job.f) != sizeof sig || png_sig_cmp(sig, 0, sizeof sig)) {
		job_free(&job);
		return ff_error_set(err, FF_ERR_FORMAT, "%s: not a PNG file", path);
	}
	job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
	if (job.png)
		job.info = png_create_info_struct(job.png);
	if (!job.png || !job.info) {
		job_free(&job);
		return ff_error_set(err, FF_ERR_NOMEM, "%s: cannot set up libpng", path);
	}
	png_set_sig_bytes(job.png, sizeof sig);
	int w = 0, h = 0;
	ff_status st = decode(&job, &w, &h);
	if (st) {
		job_free(&job);
		return ff_error_set(err, st, "%s: %s", path, job.msg);
	}
	*pixels = job.pixels;
	job.pixels = NULL;
	job_free(&job);
	*width = w;
	*height = h;
	return FF_OK;
}
