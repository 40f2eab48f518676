/*
 * pfm.c - Portable Float Map files, the Middlebury 2014 disparity format.
 *
 * A greyscale PFM is the text header "Pf\n<width> <height>\n<scale>\n"
 * followed by width*height 32-bit floats, bottom row first; a negative scale
 * means little-endian data. We always write little-endian ("-1.0") and read
 * both orders, byte-swapping by hand so the code does not depend on the
 * host's byte order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <footfall/sgm.h>

#define PFM_MAX_SIDE 65536

static int host_is_little(void)
{
	const uint16_t one = 1;
	unsigned char b;
	memcpy(&b, &one, 1);
	return b == 1;
}

static void swap_floats(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++, p += 4) {
		unsigned char t = p[0];
		p[0] = p[3];
		p[3] = t;
		t = p[1];
		p[1] = p[2];
		p[2] = t;
	}
}

ff_status ff_pfm_write(const char *path, const float *data, size_t stride, int width, int height,
		       ff_error *err)
{
	if (!path || !data)
		return ff_error_set(err, FF_ERR_INVALID, "pfm: NULL %s", !path ? "path" : "data");
	if (width < 1 || height < 1 || stride < (size_t)width)
		return ff_error_set(err, FF_ERR_SIZE, "%s: bad image size %dx%d (stride %zu)", path,
				    width, height, stride);
	float *row = malloc((size_t)width * sizeof *row);
	if (!row)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
	FILE *f = fopen(path, "wb");
	if (!f) {
		free(row);
		return ff_error_set(err, FF_ERR_IO, "%s: cannot create: %s", path, strerror(errno));
	}
	int ok = fprintf(f, "Pf\n%d %d\n-1.0\n", width, height) > 0;
	int swap = !host_is_little();
	for (int y = height - 1; y >= 0 && ok; y--) {
		memcpy(row, data + (size_t)y * stride, (size_t)width * sizeof *row);
		if (swap)
			swap_floats((unsigned char *)row, (size_t)width);
		ok = fwrite(row, sizeof *row, (size_t)width, f) == (size_t)width;
	}
	free(row);
	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		return ff_error_set(err, FF_ERR_IO, "%s: write failed: %s", path, strerror(errno));
	return FF_OK;
}

/* Reads one whitespace-separated header token; PFM headers hold no comments. */
static int read_token(FILE *f, char *buf, size_t cap)
{
	int c;
	size_t n = 0;
	do
		c = fgetc(f);
	while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
	while (c != EOF && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
		if (n + 1 >= cap)
			return -1;
		buf[n++] = (char)c;
		c = fgetc(f);
	}
	buf[n] = 0;
	/* The single whitespace after the scale ends the header; data follows. */
	return n ? 0 : -1;
}

static int parse_int(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 1 || v > PFM_MAX_SIDE)
		return -1;
	*out = (int)v;
	return 0;
}

ff_status ff_pfm_read(const char *path, float **data, int *width, int *height, ff_error *err)
{
	if (!path || !data || !width || !height)
		return ff_error_set(err, FF_ERR_INVALID, "pfm: NULL argument");
	FILE *f = fopen(path, "rb");
	if (!f)
		return ff_error_set(err, FF_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
	char tok[64];
	int w, h;
	if (read_token(f, tok, sizeof tok) || strcmp(tok, "Pf")) {
		fclose(f);
		return ff_error_set(err, FF_ERR_FORMAT, "%s: not a greyscale PFM (no \"Pf\")",
				    path);
	}
	if (read_token(f, tok, sizeof tok) || parse_int(tok, &w) ||
	    read_token(f, tok, sizeof tok) || parse_int(tok, &h)) {
		fclose(f);
		return ff_error_set(err, FF_ERR_FORMAT, "%s: bad width or height", path);
	}
	char *end;
	if (read_token(f, tok, sizeof tok)) {
		fclose(f);
		return ff_error_set(err, FF_ERR_FORMAT, "%s: missing scale", path);
	}
	double scale = strtod(tok, &end);
	if (*end || end == tok || scale == 0.0) {
		fclose(f);
		return ff_error_set(err, FF_ERR_FORMAT, "%s: bad scale '%s'", path, tok);
	}
	size_t n = (size_t)w * (size_t)h;
	float *img = malloc(n * sizeof *img);
	if (!img) {
		fclose(f);
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory for %dx%d", path, w, h);
	}
	int swap = (scale < 0) != host_is_little();
	for (int y = h - 1; y >= 0; y--) {
		float *row = img + (size_t)y * (size_t)w;
		if (fread(row, sizeof *row, (size_t)w, f) != (size_t)w) {
			free(img);
			fclose(f);
			return ff_error_set(err, FF_ERR_FORMAT, "%s: truncated data", path);
		}
		if (swap)
			swap_floats((unsigned char *)row, (size_t)w);
	}
	fclose(f);
	*data = img;
	*width = w;
	*height = h;
	return FF_OK;
}
