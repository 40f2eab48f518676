/*
 * recording.c - depth recordings (spec section 1): camera.json, depth.txt and
 * the 16-bit PNG frames they list, read and written.
 *
 * Opening a recording does all the checking that is cheap: both text files
 * are parsed in full (timestamps must increase strictly, compared after the
 * conversion to Unix time, which is what the engine sees) and every listed
 * frame is stat'ed, so a typo in depth.txt is reported with its line before
 * any counting starts. Decoding waits for ff_recording_read, which is on the
 * daemon's live path: the frame file is read into a buffer kept by the
 * recording (it only grows, so after the first pass of a loop nothing is
 * allocated) and decoded by a reusable ff_depth_png.
 *
 * The writer serves the simulator: it writes the same layout and re-reads
 * each formatted timestamp to make sure depth.txt stays strictly increasing
 * at the printed precision.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "io_internal.h"

#define CAMERA_JSON_MAX ((size_t)1 << 20)
#define DEPTH_TXT_MAX ((size_t)64 << 20)
#define STAMP_MAX 48 /* longest "%.6f" of a sane timestamp, with margin */

struct ff_recording {
	ff_camera cam;
	char *dir;
	char *list_name; /* DIR/depth.txt, for messages */
	ff_frame_list list;
	size_t next;
	ff_depth_png *png;
	char *path; /* DIR/FRAME, sized for the longest name */
	size_t path_cap;
	unsigned char *buf;
	size_t buf_cap;
};

struct ff_recording_writer {
	char *dir;
	char *path; /* DIR/depth/NNNNNN.png and the like */
	size_t path_cap;
	FILE *list;
	ff_depth_png *png;
	size_t n;
	double last_time;
};

double ff_recording_unix_time(double stamp)
{
	return stamp > 1e9 ? stamp : stamp + FF_RECORDING_EPOCH;
}

/* ---- camera.json ------------------------------------------------------- */

static ff_status camera_field(json_t *root, const char *key, const char *name, json_t **out,
			      ff_error *err)
{
	*out = json_object_get(root, key);
	if (!*out)
		return ff_error_set(err, FF_ERR_FORMAT, "%s: missing \"%s\"", name, key);
	if (!json_is_number(*out))
		return ff_error_set(err, FF_ERR_FORMAT, "%s: \"%s\" must be a number", name, key);
	return FF_OK;
}

static ff_status camera_int(json_t *root, const char *key, const char *name, int *out,
			    ff_error *err)
{
	json_t *v;
	ff_status st = camera_field(root, key, name, &v, err);
	if (st)
		return st;
	if (!json_is_integer(v))
		return ff_error_set(err, FF_ERR_FORMAT, "%s: \"%s\" must be an integer", name, key);
	json_int_t x = json_integer_value(v);
	if (x < INT_MIN || x > INT_MAX)
		return ff_error_set(err, FF_ERR_INVALID, "%s: \"%s\" is out of range", name, key);
	*out = (int)x;
	return FF_OK;
}

static ff_status camera_real(json_t *root, const char *key, const char *name, double *out,
			     ff_error *err)
{
	json_t *v;
	ff_status st = camera_field(root, key, name, &v, err);
	if (!st)
		*out = json_number_value(v);
	return st;
}

ff_status ff_camera_parse(const char *text, size_t len, const char *name, ff_camera *out,
			  ff_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return ff_error_set(err, FF_ERR_FORMAT, "%s:%d:%d: %s", name, jerr.line,
				    jerr.column, jerr.text);
	ff_camera cam;
	ff_status st;
	if (!json_is_object(root))
		st = ff_error_set(err, FF_ERR_FORMAT, "%s: expected a JSON object", name);
	else if (!(st = camera_int(root, "width", name, &cam.width, err)) &&
		 !(st = camera_int(root, "height", name, &cam.height, err)) &&
		 !(st = camera_real(root, "fx", name, &cam.fx, err)) &&
		 !(st = camera_real(root, "fy", name, &cam.fy, err)) &&
		 !(st = camera_real(root, "cx", name, &cam.cx, err)) &&
		 !(st = camera_real(root, "cy", name, &cam.cy, err)) &&
		 !(st = camera_real(root, "depth_scale", name, &cam.depth_scale, err)) &&
		 (st = ff_camera_validate(&cam, err)))
		ff_error_prefix(err, st, name);
	json_decref(root);
	if (!st)
		*out = cam;
	return st;
}

ff_status ff_camera_to_json(const ff_camera *cam, char **out, ff_error *err)
{
	ff_status st = ff_camera_validate(cam, err);
	if (st)
		return st;
	const double reals[] = {cam->fx, cam->fy, cam->cx, cam->cy, cam->depth_scale};
	int digits = 15;
	for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
		int d = ff_real_digits(reals[i]);
		digits = d > digits ? d : digits;
	}
	json_t *root = json_pack("{s:i, s:i, s:f, s:f, s:f, s:f, s:f}", "width", cam->width,
				 "height", cam->height, "fx", cam->fx, "fy", cam->fy, "cx", cam->cx,
				 "cy", cam->cy, "depth_scale", cam->depth_scale);
	char *text = root ? json_dumps(root, JSON_REAL_PRECISION(digits)) : NULL;
	json_decref(root);
	if (!text)
		return ff_error_set(err, FF_ERR_NOMEM, "camera.json: out of memory");
	*out = text;
	return FF_OK;
}

/* ---- depth.txt --------------------------------------------------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Parses one non-comment line (trimmed, NUL-terminated) into f. */
static ff_status parse_entry(char *s, const char *name, int lineno, const ff_frame_entry *prev,
			     ff_frame_entry *f, ff_error *err)
{
	char *end;
	double stamp = strtod(s, &end);
	if (end == s || !is_space(*end))
		return ff_error_set(err, FF_ERR_FORMAT, "%s:%d: expected TIMESTAMP FILENAME", name,
				    lineno);
	int stamp_len = (int)(end - s);
	if (!isfinite(stamp))
		return ff_error_set(err, FF_ERR_FORMAT, "%s:%d: bad timestamp '%.*s'", name, lineno,
				    stamp_len, s);
	char *file = end;
	while (is_space(*file))
		file++;
	f->stamp = stamp;
	f->time = ff_recording_unix_time(stamp);
	f->line = lineno;
	f->name = file;
	if (prev && f->time <= prev->time)
		return ff_error_set(err, FF_ERR_ORDER,
				    "%s:%d: timestamp %.*s is not after the one on line %d", name,
				    lineno, stamp_len, s, prev->line);
	return FF_OK;
}

ff_status ff_frame_list_parse(const char *text, size_t len, const char *name, ff_frame_list *out,
			      ff_error *err)
{
	if (len > DEPTH_TXT_MAX)
		return ff_error_set(err, FF_ERR_LIMIT, "%s: larger than %zu bytes", name,
				    DEPTH_TXT_MAX);
	size_t lines = 1;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	ff_frame_list list = {0};
	list.pool = malloc(len + 1);
	list.frames = malloc(lines * sizeof *list.frames);
	if (!list.pool || !list.frames) {
		ff_frame_list_free(&list);
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", name);
	}
	memcpy(list.pool, text, len);
	list.pool[len] = '\0';

	ff_status st = FF_OK;
	char *line = list.pool, *end = list.pool + len;
	for (int lineno = 1; st == FF_OK; lineno++) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char *eol = nl ? nl : end;
		if (memchr(line, '\0', (size_t)(eol - line))) {
			st = ff_error_set(err, FF_ERR_FORMAT, "%s:%d: NUL byte in text", name,
					  lineno);
			break;
		}
		*eol = '\0';
		while (eol > line && is_space(eol[-1]))
			*--eol = '\0';
		while (is_space(*line))
			line++;
		if (*line && *line != '#') {
			ff_frame_entry *f = &list.frames[list.n];
			st = parse_entry(line, name, lineno, list.n ? f - 1 : NULL, f, err);
			if (st)
				break;
			size_t name_len = strlen(f->name);
			list.max_name = name_len > list.max_name ? name_len : list.max_name;
			list.n++;
		}
		if (!nl)
			break;
		line = nl + 1;
	}
	if (!st && list.n == 0)
		st = ff_error_set(err, FF_ERR_FORMAT, "%s: no frames listed", name);
	if (st) {
		ff_frame_list_free(&list);
		return st;
	}
	*out = list;
	return FF_OK;
}

void ff_frame_list_free(ff_frame_list *list)
{
	free(list->frames);
	free(list->pool);
	memset(list, 0, sizeof *list);
}

/* ---- Reading ----------------------------------------------------------- */

/* dir without trailing slashes, so that messages show clean paths. */
static char *dup_dir(const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, dir, n);
		d[n] = '\0';
	}
	return d;
}

static char *join_path(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/%s", dir, file);
	return p;
}

static ff_status open_text(const char *dir, const char *file, size_t max, char **path, char **text,
			   size_t *len, ff_error *err)
{
	*path = join_path(dir, file);
	if (!*path)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	return ff_read_file(*path, max, text, len, err);
}

static void frame_path(ff_recording *rec, const ff_frame_entry *f)
{
	snprintf(rec->path, rec->path_cap, "%s/%s", rec->dir, f->name);
}

static ff_status check_frames(ff_recording *rec, ff_error *err)
{
	for (size_t i = 0; i < rec->list.n; i++) {
		const ff_frame_entry *f = &rec->list.frames[i];
		struct stat sb;
		frame_path(rec, f);
		if (stat(rec->path, &sb))
			return ff_error_set(err, FF_ERR_IO, "%s:%d: frame %s: %s", rec->list_name,
					    f->line, rec->path, strerror(errno));
		if (!S_ISREG(sb.st_mode))
			return ff_error_set(err, FF_ERR_IO, "%s:%d: frame %s: not a regular file",
					    rec->list_name, f->line, rec->path);
	}
	return FF_OK;
}

static ff_status load_recording(ff_recording *rec, const char *dir, ff_error *err)
{
	char *path = NULL, *text = NULL;
	size_t len;
	rec->dir = dup_dir(dir);
	if (!rec->dir)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);

	ff_status st = open_text(rec->dir, "camera.json", CAMERA_JSON_MAX, &path, &text, &len, err);
	if (!st)
		st = ff_camera_parse(text, len, path, &rec->cam, err);
	free(path);
	free(text);
	text = NULL;
	if (st)
		return st;

	st = open_text(rec->dir, "depth.txt", DEPTH_TXT_MAX, &rec->list_name, &text, &len, err);
	if (!st)
		st = ff_frame_list_parse(text, len, rec->list_name, &rec->list, err);
	free(text);
	if (st)
		return st;

	rec->path_cap = strlen(rec->dir) + rec->list.max_name + 2;
	rec->path = malloc(rec->path_cap);
	if (!rec->path)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	if ((st = check_frames(rec, err)))
		return st;
	return ff_depth_png_create(rec->cam.width, rec->cam.height, &rec->png, err);
}

ff_status ff_recording_open(const char *dir, ff_recording **out, ff_error *err)
{
	ff_recording *rec = calloc(1, sizeof *rec);
	if (!rec)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	ff_status st = load_recording(rec, dir, err);
	if (st) {
		ff_recording_close(rec);
		return st;
	}
	*out = rec;
	return FF_OK;
}

void ff_recording_close(ff_recording *rec)
{
	if (!rec)
		return;
	ff_depth_png_destroy(rec->png);
	ff_frame_list_free(&rec->list);
	free(rec->buf);
	free(rec->path);
	free(rec->list_name);
	free(rec->dir);
	free(rec);
}

const ff_camera *ff_recording_camera(const ff_recording *rec)
{
	return &rec->cam;
}

size_t ff_recording_frames(const ff_recording *rec)
{
	return rec->list.n;
}

double ff_recording_frame_time(const ff_recording *rec, size_t i)
{
	return rec->list.frames[i].time;
}

void ff_recording_rewind(ff_recording *rec)
{
	rec->next = 0;
}

/* Reads rec->path into rec->buf; returns its size through *size. */
static ff_status load_frame(ff_recording *rec, const ff_frame_entry *f, size_t *size, ff_error *err)
{
	/* A 16-bit PNG is at most a little larger than its raw samples; far
	 * bigger files are not frames of this camera. */
	size_t max = (size_t)rec->cam.width * (size_t)rec->cam.height * 4 + ((size_t)1 << 20);
	int fd = open(rec->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ff_error_set(err, FF_ERR_IO, "%s:%d: frame %s: %s", rec->list_name, f->line,
				    rec->path, strerror(errno));
	struct stat sb;
	ff_status st = FF_OK;
	if (fstat(fd, &sb)) {
		st = ff_error_set(err, FF_ERR_IO, "%s: %s", rec->path, strerror(errno));
		goto done;
	}
	if (sb.st_size < 0 || (uintmax_t)sb.st_size > max) {
		st = ff_error_set(err, FF_ERR_LIMIT, "%s: %jd bytes, too large for a %dx%d frame",
				  rec->path, (intmax_t)sb.st_size, rec->cam.width, rec->cam.height);
		goto done;
	}
	size_t want = (size_t)sb.st_size;
	if (want > rec->buf_cap) {
		unsigned char *bigger = realloc(rec->buf, want);
		if (!bigger) {
			st = ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", rec->path);
			goto done;
		}
		rec->buf = bigger;
		rec->buf_cap = want;
	}
	size_t got = 0;
	while (got < want) {
		ssize_t r = read(fd, rec->buf + got, want - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			st = ff_error_set(err, FF_ERR_IO, "%s: %s", rec->path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	*size = got;
done:
	close(fd);
	return st;
}

ff_status ff_recording_read(ff_recording *rec, uint16_t *depth, double *t, ff_error *err)
{
	if (rec->next >= rec->list.n)
		return ff_error_set(err, FF_ERR_END, "%s: end of recording", rec->dir);
	const ff_frame_entry *f = &rec->list.frames[rec->next++];
	size_t size = 0;
	frame_path(rec, f);
	ff_status st = load_frame(rec, f, &size, err);
	if (!st)
		st = ff_depth_png_decode(rec->png, rec->buf, size, rec->path, depth, err);
	if (!st)
		*t = f->time;
	return st;
}

/* ---- Writing ----------------------------------------------------------- */

static ff_status make_dir(const char *path, ff_error *err)
{
	struct stat sb;
	if (mkdir(path, 0777) == 0)
		return FF_OK;
	if (errno != EEXIST)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));
	if (stat(path, &sb) || !S_ISDIR(sb.st_mode))
		return ff_error_set(err, FF_ERR_IO, "%s: exists and is not a directory", path);
	return FF_OK;
}

static ff_status write_file(const char *path, const void *data, size_t size, const char *suffix,
			    ff_error *err)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));
	bool ok = fwrite(data, 1, size, f) == size && (!suffix || fputs(suffix, f) >= 0);
	ok = (fclose(f) == 0) && ok;
	if (!ok)
		return ff_error_set(err, FF_ERR_IO, "%s: write failed", path);
	return FF_OK;
}

static ff_status start_writer(ff_recording_writer *w, const char *dir, const ff_camera *cam,
			      ff_error *err)
{
	ff_status st = ff_camera_validate(cam, err);
	if (st)
		return st;
	w->dir = dup_dir(dir);
	if (!w->dir)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	w->path_cap = strlen(w->dir) + 64;
	w->path = malloc(w->path_cap);
	if (!w->path)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	if ((st = make_dir(w->dir, err)))
		return st;
	snprintf(w->path, w->path_cap, "%s/depth", w->dir);
	if ((st = make_dir(w->path, err)))
		return st;

	char *text;
	if ((st = ff_camera_to_json(cam, &text, err)))
		return st;
	snprintf(w->path, w->path_cap, "%s/camera.json", w->dir);
	st = write_file(w->path, text, strlen(text), "\n", err);
	free(text);
	if (st)
		return st;

	snprintf(w->path, w->path_cap, "%s/depth.txt", w->dir);
	w->list = fopen(w->path, "w");
	if (!w->list)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", w->path, strerror(errno));
	if (fputs("# depth frames: TIMESTAMP FILENAME (16-bit PNG, see camera.json)\n", w->list) <
	    0)
		return ff_error_set(err, FF_ERR_IO, "%s: write failed", w->path);
	return ff_depth_png_create(cam->width, cam->height, &w->png, err);
}

static void free_writer(ff_recording_writer *w)
{
	if (w->list)
		fclose(w->list);
	ff_depth_png_destroy(w->png);
	free(w->path);
	free(w->dir);
	free(w);
}

ff_status ff_recording_create(const char *dir, const ff_camera *cam, ff_recording_writer **out,
			      ff_error *err)
{
	ff_recording_writer *w = calloc(1, sizeof *w);
	if (!w)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", dir);
	ff_status st = start_writer(w, dir, cam, err);
	if (st) {
		free_writer(w);
		return st;
	}
	*out = w;
	return FF_OK;
}

ff_status ff_recording_append(ff_recording_writer *w, const uint16_t *depth, double stamp,
			      ff_error *err)
{
	char text[STAMP_MAX + 1];
	if (!isfinite(stamp) || fabs(stamp) > 1e15)
		return ff_error_set(err, FF_ERR_INVALID, "%s: bad timestamp %g", w->dir, stamp);
	snprintf(text, sizeof text, "%.6f", stamp);
	double time = ff_recording_unix_time(strtod(text, NULL));
	if (w->n && time <= w->last_time)
		return ff_error_set(err, FF_ERR_ORDER,
				    "%s: timestamp %s is not after the previous frame's", w->dir,
				    text);

	const void *png;
	size_t size;
	ff_status st = ff_depth_png_encode(w->png, depth, 1, &png, &size, err);
	if (st)
		return st;
	snprintf(w->path, w->path_cap, "%s/depth/%06zu.png", w->dir, w->n);
	if ((st = write_file(w->path, png, size, NULL, err)))
		return st;
	if (fprintf(w->list, "%s depth/%06zu.png\n", text, w->n) < 0)
		return ff_error_set(err, FF_ERR_IO, "%s/depth.txt: write failed", w->dir);
	w->last_time = time;
	w->n++;
	return FF_OK;
}

ff_status ff_recording_writer_close(ff_recording_writer *w, ff_error *err)
{
	if (!w)
		return FF_OK;
	ff_status st = FF_OK;
	int rc = fclose(w->list);
	w->list = NULL;
	if (rc)
		st = ff_error_set(err, FF_ERR_IO, "%s/depth.txt: write failed", w->dir);
	free_writer(w);
	return st;
}
