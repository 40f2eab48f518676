/*
 * depth_png.c - 16-bit greyscale PNG decoding and encoding for depth frames.
 *
 * Decoding sits on the live path (the daemon replays recordings frame by
 * frame), so a codec is made once per frame size and then allocates nothing:
 *  - libpng gets its memory from an arena owned by the codec through
 *    png_create_*_struct_2; every image starts with an empty arena and the
 *    free callback ignores arena pointers. The arena is sized for libpng's
 *    and zlib's working state at this frame width; a request beyond it (an
 *    odd file with big ancillary chunks) falls back to malloc/free, so
 *    correctness never depends on the size guess.
 *  - rows are decoded straight into the caller's depth buffer through a row
 *    pointer table built at creation, with libpng swapping the big-endian
 *    samples on little-endian hosts.
 *  - input comes from memory (the reader loads the file into a buffer it
 *    reuses), which also lets the fuzzer drive the decoder directly.
 *
 * libpng reports errors by longjmp: the error callback copies the message
 * into the codec and jumps back to the setjmp in decode_image/encode_image,
 * which turn it into an ff_error naming the file. Nothing is ever printed.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include <footfall/io.h>

/* Ancillary chunks larger than this are refused rather than buffered. */
#define CHUNK_MAX (1u << 20)
#define ARENA_ALIGN 16

struct ff_depth_png {
	int width, height;
	png_bytep *rows;

	unsigned char *arena;
	size_t arena_cap, arena_used;

	const unsigned char *in; /* the image being decoded */
	size_t in_size, in_pos;

	unsigned char *out; /* the image being encoded */
	size_t out_cap, out_size;

	char msg[160]; /* libpng's last error message */
};

static bool host_is_little_endian(void)
{
	const uint16_t one = 1;
	unsigned char first;
	memcpy(&first, &one, 1);
	return first == 1;
}

static png_voidp arena_malloc(png_structp png, png_alloc_size_t size)
{
	ff_depth_png *p = png_get_mem_ptr(png);
	size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (rounded >= size && rounded <= p->arena_cap - p->arena_used) {
		void *mem = p->arena + p->arena_used;
		p->arena_used += rounded;
		return mem;
	}
	return malloc(size);
}

static void arena_free(png_structp png, png_voidp mem)
{
	ff_depth_png *p = png_get_mem_ptr(png);
	const unsigned char *m = mem;
	if (m >= p->arena && m < p->arena + p->arena_cap)
		return;
	free(mem);
}

static void on_error(png_structp png, png_const_charp msg)
{
	ff_depth_png *p = png_get_error_ptr(png);
	snprintf(p->msg, sizeof p->msg, "%s", msg ? msg : "unknown libpng error");
	png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

ff_status ff_depth_png_create(int width, int height, ff_depth_png **out, ff_error *err)
{
	if (width < 1 || height < 1 || width > 16384 || height > 16384)
		return ff_error_set(err, FF_ERR_INVALID, "PNG codec: frame size %dx%d", width,
				    height);
	ff_depth_png *p = calloc(1, sizeof *p);
	if (!p)
		return ff_error_set(err, FF_ERR_NOMEM, "PNG codec: out of memory");
	p->width = width;
	p->height = height;
	/* zlib's deflate state at level 1 is about 270 KiB, inflate's about
	 * 40 KiB; libpng keeps a few rows (interlaced reads up to all of them
	 * at once, which goes to the heap fallback). */
	size_t rowbytes = (size_t)width * 2 + 64;
	p->arena_cap = ((size_t)512 << 10) + 8 * rowbytes;
	p->arena = malloc(p->arena_cap);
	p->rows = malloc((size_t)height * sizeof *p->rows);
	if (!p->arena || !p->rows) {
		ff_depth_png_destroy(p);
		return ff_error_set(err, FF_ERR_NOMEM, "PNG codec: out of memory");
	}
	*out = p;
	return FF_OK;
}

void ff_depth_png_destroy(ff_depth_png *p)
{
	if (!p)
		return;
	free(p->rows);
	free(p->arena);
	free(p->out);
	free(p);
}

static void read_mem(png_structp png, png_bytep data, size_t n)
{
	ff_depth_png *p = png_get_io_ptr(png);
	if (n > p->in_size - p->in_pos)
		png_error(png, "file is truncated");
	memcpy(data, p->in + p->in_pos, n);
	p->in_pos += n;
}

static const char *colour_type_name(int type)
{
	switch (type) {
	case PNG_COLOR_TYPE_GRAY_ALPHA:
		return "greyscale with alpha";
	case PNG_COLOR_TYPE_PALETTE:
		return "palette colour";
	case PNG_COLOR_TYPE_RGB:
		return "RGB colour";
	case PNG_COLOR_TYPE_RGB_ALPHA:
		return "RGBA colour";
	}
	return "unknown colour type";
}

/* The part of decoding that libpng may longjmp out of. */
static ff_status decode_image(ff_depth_png *p, png_structp png, png_infop info, const char *name,
			      ff_error *err)
{
	if (setjmp(png_jmpbuf(png)))
		return ff_error_set(err, FF_ERR_FORMAT, "%s: corrupt or truncated PNG (%s)", name,
				    p->msg);
	png_set_read_fn(png, p, read_mem);
	png_set_chunk_malloc_max(png, CHUNK_MAX);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* Random mutations rarely keep checksums right; skipping them lets
	 * the fuzzer reach the decoder proper. */
	png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
	png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
	png_read_info(png, info);

	png_uint_32 w, h;
	int bit_depth, colour, interlace;
	png_get_IHDR(png, info, &w, &h, &bit_depth, &colour, &interlace, NULL, NULL);
	if (colour != PNG_COLOR_TYPE_GRAY)
		return ff_error_set(err, FF_ERR_FORMAT, "%s: %s PNG, expected 16-bit greyscale",
				    name, colour_type_name(colour));
	if (bit_depth != 16)
		return ff_error_set(err, FF_ERR_FORMAT, "%s: %d-bit PNG, expected 16-bit greyscale",
				    name, bit_depth);
	if (w != (png_uint_32)p->width || h != (png_uint_32)p->height)
		return ff_error_set(err, FF_ERR_SIZE, "%s: image is %ux%u, expected %dx%d", name,
				    (unsigned)w, (unsigned)h, p->width, p->height);
	if (host_is_little_endian())
		png_set_swap(png);
	if (interlace != PNG_INTERLACE_NONE)
		png_set_interlace_handling(png);
	png_read_update_info(png, info);
	png_read_image(png, p->rows);
	png_read_end(png, NULL);
	return FF_OK;
}

ff_status ff_depth_png_decode(ff_depth_png *p, const void *data, size_t size, const char *name,
			      uint16_t *depth, ff_error *err)
{
	if (size < 8 || png_sig_cmp(data, 0, 8))
		return ff_error_set(err, FF_ERR_FORMAT, "%s: not a PNG file", name);
	p->in = data;
	p->in_size = size;
	p->in_pos = 0;
	p->arena_used = 0;
	p->msg[0] = '\0';
	for (int y = 0; y < p->height; y++)
		p->rows[y] = (png_bytep)(depth + (size_t)y * (size_t)p->width);

	png_structp png = png_create_read_struct_2(PNG_LIBPNG_VER_STRING, p, on_error, on_warning,
						   p, arena_malloc, arena_free);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	ff_status st;
	if (!info)
		st = ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", name);
	else
		st = decode_image(p, png, info, name, err);
	png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
	p->in = NULL;
	return st;
}

static void write_mem(png_structp png, png_bytep data, size_t n)
{
	ff_depth_png *p = png_get_io_ptr(png);
	if (n > p->out_cap - p->out_size) {
		size_t cap = p->out_cap ? p->out_cap : 4096;
		while (cap - p->out_size < n) {
			if (cap > SIZE_MAX / 2)
				png_error(png, "output too large");
			cap *= 2;
		}
		unsigned char *bigger = realloc(p->out, cap);
		if (!bigger)
			png_error(png, "out of memory");
		p->out = bigger;
		p->out_cap = cap;
	}
	memcpy(p->out + p->out_size, data, n);
	p->out_size += n;
}

static void flush_mem(png_structp png)
{
	(void)png;
}

static ff_status encode_image(ff_depth_png *p, png_structp png, png_infop info,
			      const uint16_t *depth, int level, ff_error *err)
{
	if (setjmp(png_jmpbuf(png)))
		return ff_error_set(err, FF_ERR_NOMEM, "PNG encoder: %s", p->msg);
	png_set_write_fn(png, p, write_mem, flush_mem);
	png_set_compression_level(png, level);
	/* Depth rows are smooth left to right: "sub" is cheap and close to
	 * the adaptive choice in size. */
	png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
	png_set_IHDR(png, info, (png_uint_32)p->width, (png_uint_32)p->height, 16,
		     PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
		     PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	if (host_is_little_endian())
		png_set_swap(png);
	for (int y = 0; y < p->height; y++)
		png_write_row(png, (png_const_bytep)(depth + (size_t)y * (size_t)p->width));
	png_write_end(png, info);
	return FF_OK;
}

ff_status ff_depth_png_encode(ff_depth_png *p, const uint16_t *depth, int level, const void **data,
			      size_t *size, ff_error *err)
{
	if (level < 0 || level > 9)
		return ff_error_set(err, FF_ERR_INVALID, "PNG encoder: compression level %d",
				    level);
	if (!p->out) {
		/* Raw size plus deflate's worst-case overhead: one allocation
		 * for the codec's lifetime. */
		size_t raw = (size_t)p->height * ((size_t)p->width * 2 + 1);
		size_t cap = raw + raw / 64 + 4096;
		p->out = malloc(cap);
		if (!p->out)
			return ff_error_set(err, FF_ERR_NOMEM, "PNG encoder: out of memory");
		p->out_cap = cap;
	}
	p->out_size = 0;
	p->arena_used = 0;
	p->msg[0] = '\0';

	png_structp png = png_create_write_struct_2(PNG_LIBPNG_VER_STRING, p, on_error, on_warning,
						    p, arena_malloc, arena_free);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	ff_status st;
	if (!info)
		st = ff_error_set(err, FF_ERR_NOMEM, "PNG encoder: out of memory");
	else
		st = encode_image(p, png, info, depth, level, err);
	png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
	if (st == FF_OK) {
		*data = p->out;
		*size = p->out_size;
	}
	return st;
}
