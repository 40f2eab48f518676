/*
 * test_io_recording.c - depth recordings (spec section 1): the writer and
 * reader round trip, and every kind of bad input giving a clear error that
 * names the file (and depth.txt line) instead of a crash.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <png.h>

#include <footfall/io.h>

#include "test_io_util.h"

#define W 64
#define H 48

static const ff_camera cam = {W, H, 50.5, 51.25, 31.5, 23.5, 1000};

/* A frame whose every value differs between frames k and includes both
 * extremes, so that byte order and row order errors show. */
static void fill_frame(uint16_t *d, int k)
{
	for (int y = 0; y < H; y++)
		for (int x = 0; x < W; x++)
			d[y * W + x] = (uint16_t)(1000 + 37 * x + 301 * y + 7919 * k);
	d[0] = 0;
	d[1] = 65535;
}

/* Writes a recording of n frames with stamps t0 + 0.1 k; returns its dir. */
static char *make_recording(int n, double t0)
{
	char *dir = tio_mkdtemp();
	assert_non_null(dir);
	ff_recording_writer *w;
	ff_error err;
	uint16_t frame[W * H];
	assert_int_equal(ff_recording_create(dir, &cam, &w, &err), FF_OK);
	for (int k = 0; k < n; k++) {
		fill_frame(frame, k);
		assert_int_equal(ff_recording_append(w, frame, t0 + 0.1 * k, &err), FF_OK);
	}
	assert_int_equal(ff_recording_writer_close(w, &err), FF_OK);
	return dir;
}

/* Opens dir, expecting failure with code and a message containing want. */
static void expect_open_error(const char *dir, ff_status code, const char *want)
{
	ff_recording *rec = NULL;
	ff_error err = {0};
	assert_int_equal(ff_recording_open(dir, &rec, &err), code);
	assert_null(rec);
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static void test_round_trip(void **state)
{
	(void)state;
	char *dir = make_recording(5, 0.0);
	ff_recording *rec;
	ff_error err;
	assert_int_equal(ff_recording_open(dir, &rec, &err), FF_OK);
	assert_memory_equal(ff_recording_camera(rec), &cam, sizeof cam);
	assert_int_equal(ff_recording_frames(rec), 5);
	assert_true(fabs(ff_recording_frame_time(rec, 3) - (FF_RECORDING_EPOCH + 0.3)) < 1e-6);

	uint16_t got[W * H], want[W * H];
	double t;
	for (int pass = 0; pass < 2; pass++) {
		for (int k = 0; k < 5; k++) {
			fill_frame(want, k);
			assert_int_equal(ff_recording_read(rec, got, &t, &err), FF_OK);
			assert_memory_equal(got, want, sizeof got);
			assert_true(fabs(t - (FF_RECORDING_EPOCH + 0.1 * k)) < 1e-6);
		}
		assert_int_equal(ff_recording_read(rec, got, &t, &err), FF_ERR_END);
		ff_recording_rewind(rec);
	}
	ff_recording_close(rec);
	tio_rmtree(dir);
	free(dir);
}

static void test_unix_timestamps(void **state)
{
	(void)state;
	assert_true(ff_recording_unix_time(1717071709.25) == 1717071709.25);
	assert_true(ff_recording_unix_time(12.5) == FF_RECORDING_EPOCH + 12.5);
	char *dir = make_recording(2, 1717071709.5);
	ff_recording *rec;
	ff_error err;
	assert_int_equal(ff_recording_open(dir, &rec, &err), FF_OK);
	assert_true(fabs(ff_recording_frame_time(rec, 1) - 1717071709.6) < 1e-6);
	ff_recording_close(rec);
	tio_rmtree(dir);
	free(dir);
}

static void test_writer_errors(void **state)
{
	(void)state;
	ff_recording_writer *w = NULL;
	ff_error err;
	assert_int_equal(ff_recording_create("/nonexistent/ff/rec", &cam, &w, &err), FF_ERR_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/ff"));
	assert_null(w);

	ff_camera bad = cam;
	bad.fx = -1;
	char *dir = tio_mkdtemp();
	assert_int_equal(ff_recording_create(dir, &bad, &w, &err), FF_ERR_INVALID);

	uint16_t frame[W * H];
	fill_frame(frame, 0);
	assert_int_equal(ff_recording_create(dir, &cam, &w, &err), FF_OK);
	assert_int_equal(ff_recording_append(w, frame, 5.0, &err), FF_OK);
	assert_int_equal(ff_recording_append(w, frame, 5.0, &err), FF_ERR_ORDER);
	assert_int_equal(ff_recording_append(w, frame, 5.0000001, &err), FF_ERR_ORDER);
	assert_int_equal(ff_recording_append(w, frame, NAN, &err), FF_ERR_INVALID);
	assert_int_equal(ff_recording_writer_close(w, &err), FF_OK);
	tio_rmtree(dir);
	free(dir);
}

static void test_missing_files(void **state)
{
	(void)state;
	expect_open_error("/nonexistent/recording", FF_ERR_IO,
			  "/nonexistent/recording/camera.json");

	char *dir = make_recording(3, 0.0);
	char path[1024];
	snprintf(path, sizeof path, "%s/depth/000001.png", dir);
	assert_int_equal(unlink(path), 0);
	/* Line 1 is the writer's comment, so frame 1 is on line 3. */
	char want[1100];
	snprintf(want, sizeof want, "depth.txt:3: frame %s: No such file", path);
	expect_open_error(dir, FF_ERR_IO, want);

	snprintf(path, sizeof path, "%s/depth.txt", dir);
	assert_int_equal(unlink(path), 0);
	expect_open_error(dir, FF_ERR_IO, "depth.txt: No such file");
	tio_rmtree(dir);
	free(dir);
}

static void test_bad_camera(void **state)
{
	(void)state;
	static const struct tio_case cases[] = {
	    {"{\"width\": 64, \"height\": 48", FF_ERR_FORMAT, "camera.json:1:"},
	    {"[1, 2]", FF_ERR_FORMAT, "expected a JSON object"},
	    {"{\"width\": \"64\", \"height\": 48, \"fx\": 50, \"fy\": 50, \"cx\": 31, \"cy\": 23, "
	     "\"depth_scale\": 1000}",
	     FF_ERR_FORMAT, "\"width\" must be a number"},
	    {"{\"width\": 64.5, \"height\": 48, \"fx\": 50, \"fy\": 50, \"cx\": 31, \"cy\": 23, "
	     "\"depth_scale\": 1000}",
	     FF_ERR_FORMAT, "\"width\" must be an integer"},
	    {"{\"width\": 64, \"height\": 48, \"fx\": 50, \"fy\": 50, \"cx\": 31, \"cy\": 23}",
	     FF_ERR_FORMAT, "missing \"depth_scale\""},
	    {"{\"width\": 64, \"height\": 48, \"fx\": 0, \"fy\": 50, \"cx\": 31, \"cy\": 23, "
	     "\"depth_scale\": 1000}",
	     FF_ERR_INVALID, "camera.json: camera: focal length"},
	    {"{\"width\": 99999999999, \"height\": 48, \"fx\": 1, \"fy\": 50, \"cx\": 31, "
	     "\"cy\": 23, \"depth_scale\": 1000}",
	     FF_ERR_INVALID, "\"width\" is out of range"},
	};
	char *dir = make_recording(1, 0.0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(tio_write_text(dir, "camera.json", cases[i].input), 0);
		expect_open_error(dir, cases[i].code, cases[i].want);
	}
	/* Unknown keys from other tools are fine. */
	assert_int_equal(
	    tio_write_text(dir, "camera.json",
			   "{\"model\": \"x\", \"width\": 64, \"height\": 48, \"fx\": 50, "
			   "\"fy\": 50, \"cx\": 31, \"cy\": 23, \"depth_scale\": 1000}"),
	    0);
	ff_recording *rec;
	assert_int_equal(ff_recording_open(dir, &rec, NULL), FF_OK);
	ff_recording_close(rec);
	tio_rmtree(dir);
	free(dir);
}

static void test_depth_txt(void **state)
{
	(void)state;
	static const struct tio_case cases[] = {
	    {"# only comments\n\n", FF_ERR_FORMAT, "depth.txt: no frames listed"},
	    {"0.1 depth/000000.png\n0.1 depth/000000.png\n", FF_ERR_ORDER,
	     "depth.txt:2: timestamp 0.1 is not after the one on line 1"},
	    {"0.2 depth/000000.png\n# c\n0.1 depth/000000.png\n", FF_ERR_ORDER, "depth.txt:3:"},
	    {"0.1\n", FF_ERR_FORMAT, "depth.txt:1: expected TIMESTAMP FILENAME"},
	    {"abc depth/000000.png\n", FF_ERR_FORMAT, "depth.txt:1: expected TIMESTAMP"},
	    {"nan depth/000000.png\n", FF_ERR_FORMAT, "depth.txt:1: bad timestamp 'nan'"},
	    {"0.1 depth/000000.png\n\n0.2 nothere.png\n", FF_ERR_IO, "depth.txt:3: frame"},
	};
	char *dir = make_recording(1, 0.0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(tio_write_text(dir, "depth.txt", cases[i].input), 0);
		expect_open_error(dir, cases[i].code, cases[i].want);
	}
	assert_int_equal(tio_write(dir, "depth.txt", "0.1 a\0b\n", 8), 0);
	expect_open_error(dir, FF_ERR_FORMAT, "depth.txt:1: NUL byte");

	/* TUM files: CRLF, indentation, blank lines, comments, no final
	 * newline; Unix and 2024-based stamps may even mix. */
	assert_int_equal(tio_write_text(dir, "depth.txt",
					"# TUM\r\n\r\n  0.5\tdepth/000000.png \r\n"
					"1704067201 depth/000000.png"),
			 0);
	ff_recording *rec;
	ff_error err;
	assert_int_equal(ff_recording_open(dir, &rec, &err), FF_OK);
	assert_int_equal(ff_recording_frames(rec), 2);
	assert_true(ff_recording_frame_time(rec, 0) == FF_RECORDING_EPOCH + 0.5);
	assert_true(ff_recording_frame_time(rec, 1) == 1704067201.0);
	ff_recording_close(rec);
	tio_rmtree(dir);
	free(dir);
}

/* Writes an 8-bit or colour PNG through libpng's simplified API. */
static void write_simple_png(const char *path, png_uint_32 format, int w, int h)
{
	png_image img;
	memset(&img, 0, sizeof img);
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)w;
	img.height = (png_uint_32)h;
	img.format = format;
	size_t size = PNG_IMAGE_SIZE(img);
	void *pixels = calloc(1, size);
	assert_non_null(pixels);
	assert_true(png_image_write_to_file(&img, path, 0, pixels, 0, NULL));
	free(pixels);
}

/* Reads every frame; frame `bad` must fail with code and want, the others
 * must decode (a failing frame does not stop the reader). */
static void expect_frame_error(const char *dir, int nframes, int bad, ff_status code,
			       const char *want)
{
	ff_recording *rec;
	ff_error err;
	uint16_t frame[W * H];
	double t;
	assert_int_equal(ff_recording_open(dir, &rec, &err), FF_OK);
	for (int k = 0; k < nframes; k++) {
		ff_status st = ff_recording_read(rec, frame, &t, &err);
		if (k != bad) {
			if (st)
				fail_msg("frame %d: %s", k, err.msg);
			continue;
		}
		assert_int_equal(st, code);
		if (!strstr(err.msg, want))
			fail_msg("message '%s' lacks '%s'", err.msg, want);
	}
	ff_recording_close(rec);
}

/* Rewrites frame k of a make_recording() recording with its original. */
static void restore_frame(const char *dir, int k)
{
	ff_depth_png *p;
	const void *data;
	size_t size;
	uint16_t frame[W * H];
	char name[64];
	fill_frame(frame, k);
	assert_int_equal(ff_depth_png_create(W, H, &p, NULL), FF_OK);
	assert_int_equal(ff_depth_png_encode(p, frame, 1, &data, &size, NULL), FF_OK);
	snprintf(name, sizeof name, "depth/%06d.png", k);
	assert_int_equal(tio_write(dir, name, data, size), 0);
	ff_depth_png_destroy(p);
}

static void test_bad_frames(void **state)
{
	(void)state;
	char *dir = make_recording(3, 0.0);
	char path[1024], want[1100];
	snprintf(path, sizeof path, "%s/depth/000001.png", dir);
	snprintf(want, sizeof want, "%s: 8-bit PNG, expected 16-bit greyscale", path);
	write_simple_png(path, PNG_FORMAT_GRAY, W, H);
	expect_frame_error(dir, 3, 1, FF_ERR_FORMAT, want);

	write_simple_png(path, PNG_FORMAT_RGB, W, H);
	snprintf(want, sizeof want, "%s: RGB colour PNG", path);
	expect_frame_error(dir, 3, 1, FF_ERR_FORMAT, want);

	/* A valid 16-bit frame of another size. */
	restore_frame(dir, 1);
	ff_depth_png *p;
	const void *data;
	size_t size;
	uint16_t small[32 * 24] = {0};
	assert_int_equal(ff_depth_png_create(32, 24, &p, NULL), FF_OK);
	assert_int_equal(ff_depth_png_encode(p, small, 1, &data, &size, NULL), FF_OK);
	assert_int_equal(tio_write(dir, "depth/000002.png", data, size), 0);
	ff_depth_png_destroy(p);
	snprintf(path, sizeof path, "%s/depth/000002.png", dir);
	snprintf(want, sizeof want, "%s: image is 32x24, expected 64x48", path);
	expect_frame_error(dir, 3, 2, FF_ERR_SIZE, want);

	/* A file that is not a PNG, then a truncated one. */
	assert_int_equal(tio_write_text(dir, "depth/000002.png", "hello"), 0);
	expect_frame_error(dir, 3, 2, FF_ERR_FORMAT, "000002.png: not a PNG file");
	restore_frame(dir, 2);
	uint16_t frame[W * H];
	fill_frame(frame, 1);
	assert_int_equal(ff_depth_png_create(W, H, &p, NULL), FF_OK);
	assert_int_equal(ff_depth_png_encode(p, frame, 1, &data, &size, NULL), FF_OK);
	assert_int_equal(tio_write(dir, "depth/000001.png", data, size / 2), 0);
	expect_frame_error(dir, 3, 1, FF_ERR_FORMAT, "000001.png: corrupt or truncated PNG");

	/* A flipped bit in the image data fails its CRC. */
	unsigned char *copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, data, size);
	copy[size - 20] ^= 0x40;
	assert_int_equal(tio_write(dir, "depth/000001.png", copy, size), 0);
	expect_frame_error(dir, 3, 1, FF_ERR_FORMAT, "000001.png: corrupt or truncated PNG");
	free(copy);
	ff_depth_png_destroy(p);
	restore_frame(dir, 1);
	restore_frame(dir, 2);

	/* A frame deleted after opening is reported with its line. */
	ff_recording *rec;
	ff_error err;
	double t;
	assert_int_equal(ff_recording_open(dir, &rec, &err), FF_OK);
	snprintf(path, sizeof path, "%s/depth/000000.png", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(ff_recording_read(rec, frame, &t, &err), FF_ERR_IO);
	assert_non_null(strstr(err.msg, "depth.txt:2: frame"));
	ff_recording_close(rec);
	tio_rmtree(dir);
	free(dir);
}

/* An interlaced 16-bit PNG written with libpng's full API. */
static void write_interlaced(const char *path, const uint16_t *depth)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	assert_non_null(info);
	if (setjmp(png_jmpbuf(png)))
		fail_msg("libpng failed");
	png_init_io(png, f);
	png_set_IHDR(png, info, W, H, 16, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7,
		     PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	png_set_swap(png);
	png_bytep rows[H];
	for (int y = 0; y < H; y++)
		rows[y] = (png_bytep)(depth + y * W);
	png_write_image(png, rows);
	png_write_end(png, info);
	png_destroy_write_struct(&png, &info);
	assert_int_equal(fclose(f), 0);
}

static void test_interlaced(void **state)
{
	(void)state;
	char *dir = make_recording(1, 0.0);
	uint16_t want[W * H], got[W * H];
	char path[1024];
	fill_frame(want, 4);
	snprintf(path, sizeof path, "%s/depth/000000.png", dir);
	write_interlaced(path, want);
	ff_recording *rec;
	ff_error err;
	double t;
	assert_int_equal(ff_recording_open(dir, &rec, &err), FF_OK);
	assert_int_equal(ff_recording_read(rec, got, &t, &err), FF_OK);
	assert_memory_equal(got, want, sizeof got);
	ff_recording_close(rec);
	tio_rmtree(dir);
	free(dir);
}

static void test_codec(void **state)
{
	(void)state;
	ff_depth_png *p;
	ff_error err;
	assert_int_equal(ff_depth_png_create(0, 10, &p, &err), FF_ERR_INVALID);
	assert_int_equal(ff_depth_png_create(W, H, &p, &err), FF_OK);
	uint16_t frame[W * H], back[W * H];
	const void *data;
	size_t size;
	fill_frame(frame, 2);
	assert_int_equal(ff_depth_png_encode(p, frame, 10, &data, &size, &err), FF_ERR_INVALID);
	for (int level = 0; level <= 9; level += 9) {
		assert_int_equal(ff_depth_png_encode(p, frame, level, &data, &size, &err), FF_OK);
		assert_int_equal(ff_depth_png_decode(p, data, size, "mem", back, &err), FF_OK);
		assert_memory_equal(back, frame, sizeof frame);
	}
	assert_int_equal(ff_depth_png_decode(p, data, 4, "short", back, &err), FF_ERR_FORMAT);
	assert_string_equal(err.msg, "short: not a PNG file");
	ff_depth_png_destroy(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),	  cmocka_unit_test(test_unix_timestamps),
	    cmocka_unit_test(test_writer_errors), cmocka_unit_test(test_missing_files),
	    cmocka_unit_test(test_bad_camera),	  cmocka_unit_test(test_depth_txt),
	    cmocka_unit_test(test_bad_frames),	  cmocka_unit_test(test_interlaced),
	    cmocka_unit_test(test_codec),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
