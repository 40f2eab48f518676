/*
 * fuzz_recording.c - libFuzzer target for everything a depth recording is
 * parsed from (spec section 1): camera.json, depth.txt and the PNG frames.
 *
 * The first byte picks the parser (its value modulo 3: '0' camera.json, '1'
 * depth.txt, '2' PNG), the rest is the file. A PNG is decoded at the size
 * its IHDR claims, capped so that inputs stay cheap; the size check itself
 * is covered by the unit tests. Whatever parses must satisfy the parser's
 * promises: a camera that validates and round-trips through its writer,
 * frame times strictly increasing, and a decoded frame that re-encodes to
 * the same samples.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <footfall/io.h>

#include "io_internal.h"

#define MAX_PIXELS (1 << 18)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_camera(const char *text, size_t len)
{
	ff_camera cam, back;
	ff_error err;
	if (ff_camera_parse(text, len, "camera.json", &cam, &err))
		return;
	if (ff_camera_validate(&cam, NULL))
		__builtin_trap();
	char *json;
	if (ff_camera_to_json(&cam, &json, &err))
		__builtin_trap();
	if (ff_camera_parse(json, strlen(json), "copy", &back, &err) ||
	    memcmp(&cam, &back, sizeof cam))
		__builtin_trap();
	free(json);
}

static void fuzz_depth_txt(const char *text, size_t len)
{
	ff_frame_list list;
	ff_error err;
	if (ff_frame_list_parse(text, len, "depth.txt", &list, &err))
		return;
	if (list.n == 0)
		__builtin_trap();
	for (size_t i = 0; i < list.n; i++) {
		if (strlen(list.frames[i].name) > list.max_name || !list.frames[i].name[0])
			__builtin_trap();
		if (i && list.frames[i].time <= list.frames[i - 1].time)
			__builtin_trap();
	}
	ff_frame_list_free(&list);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void fuzz_png(const uint8_t *png, size_t len)
{
	/* IHDR's width and height follow the signature and chunk header. */
	uint32_t w = len >= 24 ? be32(png + 16) : 16, h = len >= 24 ? be32(png + 20) : 16;
	if (w == 0 || h == 0 || w > MAX_PIXELS || h > MAX_PIXELS || (uint64_t)w * h > MAX_PIXELS)
		w = h = 16;
	ff_depth_png *p;
	if (ff_depth_png_create((int)w, (int)h, &p, NULL))
		return;
	size_t pixels = (size_t)w * h;
	uint16_t *depth = malloc(pixels * sizeof *depth);
	uint16_t *again = malloc(pixels * sizeof *again);
	ff_error err;
	if (depth && again && !ff_depth_png_decode(p, png, len, "frame.png", depth, &err)) {
		const void *enc;
		size_t enc_size;
		if (ff_depth_png_encode(p, depth, 1, &enc, &enc_size, &err) ||
		    ff_depth_png_decode(p, enc, enc_size, "copy", again, &err) ||
		    memcmp(depth, again, pixels * sizeof *depth))
			__builtin_trap();
	}
	free(again);
	free(depth);
	ff_depth_png_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	switch (data[0] % 3) {
	case 0:
		fuzz_camera(text, size - 1);
		break;
	case 1:
		fuzz_depth_txt(text, size - 1);
		break;
	default:
		fuzz_png(data + 1, size - 1);
		break;
	}
	return 0;
}
