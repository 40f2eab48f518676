/*
 * stereo_stream_writer.c - writing a PNG pair sequence (the directory form
 * of a stereo recording read by stereo_stream.c): left/NNNNNN.png,
 * right/NNNNNN.png and one `TIMESTAMP LEFT RIGHT` line per pair in
 * frames.txt.
 *
 * The simulator renders textured stereo scenes into this form, so it favours
 * plainness: 8-bit grey PNGs through libpng's simplified API and a list file
 * kept open and flushed at close. The line is written only after both images
 * are, so an interrupted run leaves a list whose every line is readable.
 */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <footfall/stereo_stream.h>

struct ff_stereo_writer {
	char *dir;
	char *path; /* buffer for DIR/side/NNNNNN.png */
	size_t path_cap;
	FILE *list;
	int width, height;
	long frames;
	double last;
};

static ff_status make_dir(const char *path, ff_error *err)
{
	struct stat st;
	if (mkdir(path, 0777) == 0 ||
	    (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
		return FF_OK;
	return ff_error_set(err, FF_ERR_IO, "%s: cannot create directory: %s", path,
			    errno == EEXIST ? "a file is in the way" : strerror(errno));
}

static void writer_free(ff_stereo_writer *w)
{
	if (w->list)
		fclose(w->list);
	free(w->dir);
	free(w->path);
	free(w);
}

ff_status ff_stereo_writer_create(const char *dir, int width, int height, ff_stereo_writer **out,
				  ff_error *err)
{
	if (width < 1 || height < 1 || width > FF_CALIB_MAX_SIZE || height > FF_CALIB_MAX_SIZE)
		return ff_error_set(err, FF_ERR_INVALID, "%s: frame size %dx%d out of range", dir,
				    width, height);
	ff_stereo_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	w->width = width;
	w->height = height;
	w->path_cap = strlen(dir) + sizeof "/frames.txt" + 32;
	w->dir = malloc(strlen(dir) + 1);
	w->path = malloc(w->path_cap);
	if (!w->dir || !w->path) {
		writer_free(w);
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	}
	strcpy(w->dir, dir);
	ff_status st = make_dir(dir, err);
	static const char *const sub[] = {"left", "right"};
	for (int i = 0; i < 2 && st == FF_OK; i++) {
		snprintf(w->path, w->path_cap, "%s/%s", dir, sub[i]);
		st = make_dir(w->path, err);
	}
	if (st == FF_OK) {
		snprintf(w->path, w->path_cap, "%s/frames.txt", dir);
		w->list = fopen(w->path, "w");
		if (!w->list || fputs("# TIMESTAMP LEFT RIGHT\n", w->list) < 0)
			st = ff_error_set(err, FF_ERR_IO, "%s: %s", w->path, strerror(errno));
	}
	if (st != FF_OK) {
		writer_free(w);
		return st;
	}
	*out = w;
	return FF_OK;
}

static ff_status write_png(ff_stereo_writer *w, const char *side, const uint8_t *pix, ff_error *err)
{
	snprintf(w->path, w->path_cap, "%s/%s/%06ld.png", w->dir, side, w->frames);
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w->width;
	img.height = (png_uint_32)w->height;
	img.format = PNG_FORMAT_GRAY;
	int ok = png_image_write_to_file(&img, w->path, 0, pix, w->width, NULL);
	ff_status st =
	    ok ? FF_OK
	       : ff_error_set(err, FF_ERR_IO, "%s: cannot write PNG: %s", w->path, img.message);
	png_image_free(&img);
	return st;
}

ff_status ff_stereo_writer_append(ff_stereo_writer *w, const uint8_t *left, const uint8_t *right,
				  double stamp, ff_error *err)
{
	if (!isfinite(stamp) || (w->frames > 0 && !(stamp > w->last)))
		return ff_error_set(err, FF_ERR_ORDER,
				    "%s: timestamp %.6f does not follow the previous one", w->dir,
				    stamp);
	ff_status st = write_png(w, "left", left, err);
	if (st == FF_OK)
		st = write_png(w, "right", right, err);
	if (st != FF_OK)
		return st;
	if (fprintf(w->list, "%.6f left/%06ld.png right/%06ld.png\n", stamp, w->frames, w->frames) <
	    0)
		return ff_error_set(err, FF_ERR_IO, "%s/frames.txt: %s", w->dir, strerror(errno));
	w->frames++;
	w->last = stamp;
	return FF_OK;
}

ff_status ff_stereo_writer_close(ff_stereo_writer *w, ff_error *err)
{
	if (!w)
		return FF_OK;
	ff_status st = FF_OK;
	int failed = ferror(w->list);
	failed |= fclose(w->list) != 0;
	w->list = NULL;
	if (failed)
		st = ff_error_set(err, FF_ERR_IO, "%s/frames.txt: write failed", w->dir);
	writer_free(w);
	return st;
}
