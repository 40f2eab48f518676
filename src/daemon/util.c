/*
 * util.c - small helpers the daemon's parts share: the clock, whole-file
 * reads, atomic file replacement and ISO 8601 parsing.
 *
 * Atomic replacement is what makes "validated before anything is stored"
 * hold across power loss too: the new content goes to a temporary file in
 * the same directory, is fsync'ed, renamed over the old file, and the
 * directory is fsync'ed so that the rename itself is durable. A reader sees
 * the old file or the new one, never a mixture.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

double fd_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

bool fd_path_join(char *buf, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(buf, cap, "%s/%s", dir, name);
	return n > 0 && (size_t)n < cap;
}

static ff_status write_all(int fd, const char *p, size_t len, const char *path, ff_error *err)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));
		p += n;
		len -= (size_t)n;
	}
	return FF_OK;
}

static ff_status sync_dir_of(const char *path, ff_error *err)
{
	char copy[4300];
	if (snprintf(copy, sizeof copy, "%s", path) >= (int)sizeof copy)
		return ff_error_set(err, FF_ERR_INVALID, "%s: path too long", path);
	const char *dir = dirname(copy);
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", dir, strerror(errno));
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	if (rc)
		return ff_error_set(err, FF_ERR_IO, "%s: fsync: %s", dir, strerror(saved));
	return FF_OK;
}

ff_status fd_write_atomic(const char *path, const void *data, size_t len, ff_error *err)
{
	char tmp[4300];
	if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
		return ff_error_set(err, FF_ERR_INVALID, "%s: path too long", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", tmp, strerror(errno));
	ff_status st = write_all(fd, data, len, tmp, err);
	if (!st && fsync(fd))
		st = ff_error_set(err, FF_ERR_IO, "%s: fsync: %s", tmp, strerror(errno));
	if (close(fd) && !st)
		st = ff_error_set(err, FF_ERR_IO, "%s: close: %s", tmp, strerror(errno));
	if (!st && rename(tmp, path))
		st = ff_error_set(err, FF_ERR_IO, "%s: rename: %s", path, strerror(errno));
	if (st) {
		unlink(tmp);
		return st;
	}
	return sync_dir_of(path, err);
}

ff_status fd_read_file(const char *path, char **out, size_t *len, ff_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		if (errno == ENOENT)
			return ff_error_set(err, FF_ERR_END, "%s: no such file", path);
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ff_status st = FF_OK;
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (ferror(f)) {
			st = ff_error_set(err, FF_ERR_IO, "%s: read error", path);
			break;
		}
		if (feof(f))
			break;
		char *bigger = realloc(buf, cap * 2);
		if (!bigger) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = bigger;
		cap *= 2;
	}
	fclose(f);
	if (!buf)
		return ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
	if (st) {
		free(buf);
		return st;
	}
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return FF_OK;
}

/* Reads exactly `digits` decimal digits. */
static bool digits_at(const char **p, int digits, int *out)
{
	int v = 0;
	for (int i = 0; i < digits; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += digits;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

ff_status fd_iso_parse(const char *s, int default_offset_min, double *unix_t, ff_error *err)
{
	const char *p = s;
	int y, mo, d, h, mi, sec = 0, off = default_offset_min;
	bool ok = digits_at(&p, 4, &y) && expect(&p, '-') && digits_at(&p, 2, &mo) &&
		  expect(&p, '-') && digits_at(&p, 2, &d) && (expect(&p, 'T') || expect(&p, ' ')) &&
		  digits_at(&p, 2, &h) && expect(&p, ':') && digits_at(&p, 2, &mi);
	if (ok && *p == ':')
		ok = expect(&p, ':') && digits_at(&p, 2, &sec);
	if (ok && *p == '.') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (ok && (*p == 'Z' || *p == 'z')) {
		off = 0;
		p++;
	} else if (ok && (*p == '+' || *p == '-')) {
		int sign = *p == '-' ? -1 : 1, oh, om;
		p++;
		ok = digits_at(&p, 2, &oh) && expect(&p, ':') && digits_at(&p, 2, &om);
		off = sign * (oh * 60 + om);
	}
	ok = ok && *p == '\0' && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 &&
	     sec <= 60;
	if (!ok)
		return ff_error_set(
		    err, FF_ERR_INVALID,
		    "'%s': expected an ISO 8601 time like 2024-07-02T06:00:00+08:00", s);
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	time_t t = timegm(&tm);
	*unix_t = (double)t - off * 60.0;
	return FF_OK;
}
