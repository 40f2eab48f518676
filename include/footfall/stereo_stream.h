/*
 * stereo_stream.h - the raw image streams of a stereo recording (spec
 * section 2), read in lock-step as 8-bit grey frame pairs, and a writer for
 * the PNG form.
 *
 * Two forms are read:
 *  - a directory with `frames.txt`: one pair per line, `TIMESTAMP LEFT
 *    RIGHT`, paths relative to the directory (usually left/NNNNNN.png and
 *    right/NNNNNN.png), `#` starts a comment line, timestamps strictly
 *    increasing; the frames are 8-bit PNG, grey or colour (converted to
 *    grey);
 *  - two video files, anything FFmpeg's libraries decode; frames are
 *    converted to 8-bit grey (full range) and timed by their presentation
 *    timestamps in seconds (those of the left video).
 * Times returned are Unix seconds by the rule of depth recordings: values
 * above 1e9 are Unix seconds, smaller ones count from 2024-01-01T00:00:00Z.
 *
 * Both streams must have the same frame size, and it must not change; a
 * stream that ends before the other is an error that names it. Readers
 * decode into the caller's buffers; a stream handle is not thread-safe.
 * Errors come back in ff_error; FFmpeg's own log still goes to stderr unless
 * the program lowers it (av_log_set_level), which is process-wide and so
 * left to the program.
 */
#ifndef FOOTFALL_STEREO_STREAM_H
#define FOOTFALL_STEREO_STREAM_H

#include <stdint.h>

#include <footfall/calib.h>
#include <footfall/footfall.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ff_stereo_stream ff_stereo_stream;

/* Opens a PNG pair sequence directory (frames.txt is read and checked here,
 * the first pair's headers give the frame size). */
ff_status ff_stereo_stream_open_dir(const char *dir, ff_stereo_stream **out, ff_error *err);

/* Opens two video files and their decoders; sizes are compared here. */
ff_status ff_stereo_stream_open_videos(const char *left, const char *right, ff_stereo_stream **out,
				       ff_error *err);

/* right == NULL: left is a PNG pair sequence directory; otherwise two
 * video files. */
ff_status ff_stereo_stream_open(const char *left, const char *right, ff_stereo_stream **out,
				ff_error *err);

void ff_stereo_stream_close(ff_stereo_stream *s);

/* Frame size of both streams. */
void ff_stereo_stream_size(const ff_stereo_stream *s, int *width, int *height);

/* FF_ERR_SIZE unless the frames have the calibration's size; the message
 * names the stream and both sizes (ff_calib_resize adapts a calibration to
 * frames of the same aspect ratio). */
ff_status ff_stereo_stream_check_calib(const ff_stereo_stream *s, const ff_stereo_calib *calib,
				       ff_error *err);

/* Reads the next pair into left and right (width*height bytes each) and its
 * Unix time into *t. FF_ERR_END after the last pair. Errors: a corrupt or
 * missing frame, a frame of another size, timestamps not increasing, one
 * stream ending before the other. */
ff_status ff_stereo_stream_read(ff_stereo_stream *s, uint8_t *left, uint8_t *right, double *t,
				ff_error *err);

/* ---- Writer ------------------------------------------------------------ */

typedef struct ff_stereo_writer ff_stereo_writer;

/* Creates DIR (one level; an existing directory is reused), DIR/left and
 * DIR/right, and DIR/frames.txt. */
ff_status ff_stereo_writer_create(const char *dir, int width, int height, ff_stereo_writer **out,
				  ff_error *err);

/* Writes left/NNNNNN.png, right/NNNNNN.png (8-bit grey) and their line with
 * `stamp` as given (see the time rule above); stamps must increase. */
ff_status ff_stereo_writer_append(ff_stereo_writer *w, const uint8_t *left, const uint8_t *right,
				  double stamp, ff_error *err);

/* Flushes frames.txt and frees the writer, also when the flush fails. */
ff_status ff_stereo_writer_close(ff_stereo_writer *w, ff_error *err);

#ifdef __cplusplus
}
#endif

#endif
