/*
 * io.h - files and documents around the counting library: depth recordings
 * (spec section 1), the rules JSON (spec section 3) and the report payloads
 * of the VS125 protocol (spec section 5, the guide's section 7).
 *
 * The core (footfall.h) never touches files or text; everything that reads,
 * writes, parses or prints lives here, so that the CLI, the daemon and the
 * simulator share one implementation of every format.
 *
 * Conventions beyond footfall.h:
 *  - error messages start with the file (and line) or the document field
 *    they are about, e.g. "rec/depth.txt:12: ..." or "rules.lines[1].points[2]: ...";
 *  - text returned through a `char **out` is malloc'ed and the caller frees
 *    it with free();
 *  - on failure nothing is written to the caller's output structs.
 */
#ifndef FOOTFALL_IO_H
#define FOOTFALL_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <footfall/footfall.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Time ------------------------------------------------------------- */

/* 2024-01-01T00:00:00Z: recording timestamps up to 1e9 count from here. */
#define FF_RECORDING_EPOCH 1704067200.0

/* Unix seconds of a depth.txt timestamp (spec section 4): values above 1e9
 * already are Unix seconds, smaller ones are seconds since 2024-01-01. */
double ff_recording_unix_time(double stamp);

/* Parses a `--timezone` value into a UTC offset in minutes: "+08:00",
 * "-05:30", "UTC+08:00" (the label ff_time_info_set_offset writes), "Z" or
 * "UTC". Offsets from -12:00 to +14:00. */
ff_status ff_timezone_parse(const char *s, int *offset_min, ff_error *err);

/* ISO 8601 local time at the given UTC offset with seconds resolution (the
 * fraction is dropped), e.g. "2024-05-30T20:21:49+08:00". buf needs
 * FF_TIME_STR_MAX bytes; fails only for a time outside years 0..9999. */
#define FF_TIME_STR_MAX 32
ff_status ff_time_format(double unix_t, int offset_min, char *buf, size_t cap, ff_error *err);

/* ---- PNG depth frames -------------------------------------------------- */

/* A reusable 16-bit greyscale PNG codec for frames of one size. It owns the
 * memory libpng needs (an arena reset per image) and its output buffer, so
 * that decoding and encoding allocate nothing once set up. */
typedef struct ff_depth_png ff_depth_png;

ff_status ff_depth_png_create(int width, int height, ff_depth_png **out, ff_error *err);
void ff_depth_png_destroy(ff_depth_png *p);

/* Decodes the PNG in data[0..size) into width*height depth values (host byte
 * order). An 8-bit, colour, wrongly sized, truncated or corrupt image is an
 * error whose message starts with `name`. On failure `depth` may have been
 * partly written. */
ff_status ff_depth_png_decode(ff_depth_png *p, const void *data, size_t size, const char *name,
			      uint16_t *depth, ff_error *err);

/* Encodes width*height depth values as a 16-bit greyscale PNG with the
 * given zlib level (0-9; 1 is fast and still small for depth). *data points
 * into the codec and stays valid until its next call. */
ff_status ff_depth_png_encode(ff_depth_png *p, const uint16_t *depth, int level, const void **data,
			      size_t *size, ff_error *err);

/* ---- Depth recordings (spec section 1) --------------------------------- */

/* Parses camera.json text; `name` prefixes messages. Unknown keys are
 * ignored (other tools write the file), every known key is required and
 * type-checked, and the result must pass ff_camera_validate. */
ff_status ff_camera_parse(const char *text, size_t len, const char *name, ff_camera *out,
			  ff_error *err);

/* camera.json text for a camera (one object, keys in the spec's order). */
ff_status ff_camera_to_json(const ff_camera *cam, char **out, ff_error *err);

typedef struct ff_recording ff_recording;

/* Opens DIR/camera.json and DIR/depth.txt and checks that every listed frame
 * exists (a missing one is reported with its depth.txt line). Timestamps
 * must be finite and strictly increasing; at least one frame is needed. */
ff_status ff_recording_open(const char *dir, ff_recording **out, ff_error *err);
void ff_recording_close(ff_recording *rec);

const ff_camera *ff_recording_camera(const ff_recording *rec);
size_t ff_recording_frames(const ff_recording *rec);
/* Unix seconds of frame i (0 <= i < frames), without decoding it. */
double ff_recording_frame_time(const ff_recording *rec, size_t i);

/* Decodes the next frame into depth (width*height values) and its Unix time
 * into *t. Returns FF_ERR_END after the last frame. A frame that fails to
 * decode is skipped by the next call, so a replaying caller can go on. */
ff_status ff_recording_read(ff_recording *rec, uint16_t *depth, double *t, ff_error *err);

/* Starts again at the first frame (the daemon replays in a loop). */
void ff_recording_rewind(ff_recording *rec);

/* Writes a recording: creates DIR (one level, an existing directory is
 * reused) and DIR/depth, writes camera.json, then one PNG per appended frame
 * (depth/NNNNNN.png, fast compression) and its depth.txt line. `stamp` is
 * written to depth.txt as given (see ff_recording_unix_time) and must
 * increase. */
typedef struct ff_recording_writer ff_recording_writer;

ff_status ff_recording_create(const char *dir, const ff_camera *cam, ff_recording_writer **out,
			      ff_error *err);
ff_status ff_recording_append(ff_recording_writer *w, const uint16_t *depth, double stamp,
			      ff_error *err);
/* Flushes depth.txt and frees the writer, also when the flush fails. */
ff_status ff_recording_writer_close(ff_recording_writer *w, ff_error *err);

/* ---- Rules JSON (spec section 3) ---------------------------------------- */

/* Parses a rules document: either the daemon's configuration document with
 * the rules under "rules" (its other keys are ignored) or a bare rules
 * object. Missing keys take ff_rules_default values; lines and regions
 * default to id = index + 1, name "LineN"/"RegionN", a UUID derived from
 * kind, id and name (stable across runs) and, for regions, counting and
 * dwell on with 5 s filters. Unknown keys inside the rules are rejected, so
 * that a misspelt option is not silently ignored. Messages name the field
 * ("rules.lines[1].points[2]: ...") or the JSON line and column. The result
 * passes ff_rules_validate; *out is untouched on failure. */
ff_status ff_rules_parse(const char *text, size_t len, ff_rules *out, ff_error *err);

/* ff_rules_parse on a file; messages start with the path. */
ff_status ff_rules_load(const char *path, ff_rules *out, ff_error *err);

/* The rules as a bare rules object (pretty-printed). Parsing it gives the
 * same rules back, except the unused value behind a null height. */
ff_status ff_rules_to_json(const ff_rules *rules, char **out, ff_error *err);

/* The stable UUID that ff_rules_parse gives a line or region without one: a
 * name-based (version 5) UUID of "line:ID:NAME" or "region:ID:NAME". buf
 * needs FF_UUID_LEN + 1 bytes. */
ff_status ff_rules_derive_uuid(const char *kind, int id, const char *name, char *buf,
			       ff_error *err);

/* ---- Report payloads (spec section 5) ----------------------------------- */

#define FF_INFO_MAX 64

typedef struct ff_device_info {
	char cus_device_id[FF_INFO_MAX];
	char cus_site_id[FF_INFO_MAX];
	char device_mac[FF_INFO_MAX];
	char device_name[FF_INFO_MAX];
	char device_sn[FF_INFO_MAX];
	char firmware_version[FF_INFO_MAX];
	char hardware_version[FF_INFO_MAX];
	char ip_address[FF_INFO_MAX];
	int64_t running_time; /* seconds */
} ff_device_info;

/* device_name "People Counter", firmware "V_" FF_VERSION, hardware "V1.0",
 * running time 0, everything else empty. */
void ff_device_info_default(ff_device_info *d);

typedef struct ff_time_info {
	int utc_offset_min; /* offset applied to every time, DST included */
	bool enable_dst;
	bool dst_status;
	char time_zone[FF_INFO_MAX]; /* label, e.g. "UTC+08:00" */
} ff_time_info;

/* UTC, no DST, label "UTC+00:00". */
void ff_time_info_default(ff_time_info *ti);
/* Sets the offset and the matching "UTC+HH:MM" label. */
void ff_time_info_set_offset(ff_time_info *ti, int offset_min);

/* The guide's "Customize Report Content" tree (its section 5.3.2). A false
 * parent drops the whole section whatever its children say. */
typedef struct ff_report_content {
	bool device_info;
	bool device_name, device_sn, device_mac, ip_address, cus_device_id, cus_site_id,
	    running_time, firmware_version, hardware_version;
	bool time_info;
	bool trigger_time, start_time, end_time, time_zone, dst_enable, dst_status;
	bool line_trigger_data;
	bool region_trigger_data;
	bool region_count_data, dwell_time_data, dwell_start_time;
	bool line_periodic_data;
	bool line_total_data;
	bool line_count_data, capacity_counted;
	bool region_periodic_data;
	bool names; /* line_name, region_name */
	bool uuids; /* line_uuid, region_uuid */
} ff_report_content;

/* Everything selected. */
void ff_report_content_all(ff_report_content *c);

/* Whether an event of this type has any data under the selection, i.e.
 * whether a trigger report for it is worth sending. NULL = everything. */
bool ff_report_content_wants(const ff_report_content *c, ff_event_type type);

typedef struct ff_report_opts {
	const ff_device_info *device;	  /* NULL: ff_device_info_default */
	const ff_time_info *time;	  /* NULL: ff_time_info_default */
	const ff_report_content *content; /* NULL: everything */
	bool pretty;			  /* indented for people; otherwise one line (JSON Lines) */
} ff_report_opts;

/* The periodic report (guide 7.1) of counts under rules for the period
 * start..end (Unix seconds): line_periodic_data from counts->line_period,
 * line_total_data from counts->line_total, region dwell figures from
 * dwell_period (integer milliseconds), occupancy now. Every line and region
 * of the rules appears, in rule order, with its id as "line"/"region". Keys
 * are sorted as in the guide; gender fields are 0; no network_info. */
ff_status ff_report_periodic(const ff_report_opts *opts, const ff_rules *rules,
			     const ff_counts *counts, double start, double end, char **out,
			     ff_error *err);

/* The trigger report of one event (guide 7.2 line crossing, 7.3 region
 * count, 7.4 dwell) with time_info.time = the event's time. */
ff_status ff_report_trigger(const ff_report_opts *opts, const ff_rules *rules, const ff_event *ev,
			    char **out, ff_error *err);

#ifdef __cplusplus
}
#endif

#endif
