/*
 * io_util.c - small helpers shared by the parsers and writers of the io
 * module: whole-file reading, message prefixing and number printing.
 *
 * Configuration and index files are small, so they are read whole and parsed
 * from memory; the same parsers then serve files, API bodies and fuzzers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io_internal.h"

ff_status ff_read_file(const char *path, size_t max, char **text, size_t *len, ff_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno));

	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ff_status st = FF_OK;
	if (!buf) {
		st = ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
		goto done;
	}
	errno = 0;
	for (;;) {
		if (n > max) {
			st =
			    ff_error_set(err, FF_ERR_LIMIT, "%s: larger than %zu bytes", path, max);
			goto done;
		}
		if (n + 1 == cap) {
			char *bigger = realloc(buf, cap * 2);
			if (!bigger) {
				st = ff_error_set(err, FF_ERR_NOMEM, "%s: out of memory", path);
				goto done;
			}
			buf = bigger;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - 1 - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		st = ff_error_set(err, FF_ERR_IO, "%s: %s", path, strerror(errno ? errno : EIO));
		goto done;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
done:
	free(buf);
	fclose(f);
	return st;
}

ff_status ff_error_prefix(ff_error *err, ff_status code, const char *prefix)
{
	if (!err)
		return code;
	char msg[FF_ERROR_MAX];
	memcpy(msg, err->msg, sizeof msg);
	msg[sizeof msg - 1] = '\0';
	return ff_error_set(err, code, "%s: %s", prefix, msg);
}

int ff_real_digits(double v)
{
	char buf[40];
	for (int digits = 15; digits < 17; digits++) {
		snprintf(buf, sizeof buf, "%.*g", digits, v);
		if (strtod(buf, NULL) == v)
			return digits;
	}
	return 17;
}
