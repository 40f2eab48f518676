/*
 * io_internal.h - pieces shared by the files of the io module and exposed to
 * its fuzz targets, but not part of the public API.
 *
 * The depth.txt parser is here rather than in io.h because its result is an
 * implementation detail of ff_recording; the fuzzer still needs to reach it
 * without a directory on disk.
 */
#ifndef FOOTFALL_IO_INTERNAL_H
#define FOOTFALL_IO_INTERNAL_H

#include <stddef.h>

#include <footfall/io.h>

/* One depth.txt entry. */
typedef struct ff_frame_entry {
	double stamp;	  /* as written in depth.txt */
	double time;	  /* Unix seconds */
	int line;	  /* 1-based line of depth.txt */
	const char *name; /* points into the list's pool */
} ff_frame_entry;

typedef struct ff_frame_list {
	size_t n;
	size_t max_name; /* longest file name, for sizing path buffers */
	ff_frame_entry *frames;
	char *pool; /* a copy of the text, names terminated in place */
} ff_frame_list;

/* Parses depth.txt text (TUM layout: '#' comments, blank lines, TIMESTAMP
 * FILENAME with the name running to the end of the line). `name` prefixes
 * messages together with the line number. On failure *out is untouched. */
ff_status ff_frame_list_parse(const char *text, size_t len, const char *name, ff_frame_list *out,
			      ff_error *err);
void ff_frame_list_free(ff_frame_list *list);

/* Reads a whole file into a NUL-terminated malloc'ed buffer; files above
 * `max` bytes are refused. Messages name the path. */
ff_status ff_read_file(const char *path, size_t max, char **text, size_t *len, ff_error *err);

/* Replaces err's message by "PREFIX: message", keeping the code. */
ff_status ff_error_prefix(ff_error *err, ff_status code, const char *prefix);

/* The fewest significant digits (15 to 17) that print v so that it reads
 * back as the same double; JSON writers use the largest over a document so
 * that 0.35 stays "0.35" and every value still round-trips exactly. */
int ff_real_digits(double v);

#endif
