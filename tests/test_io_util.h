/*
 * test_io_util.h - scratch directories and small files for the io tests.
 *
 * Tests build their fixtures on the fly in a fresh directory under /tmp and
 * remove it afterwards, so they need no checked-in data and can run in
 * parallel.
 */
#ifndef FOOTFALL_TEST_IO_UTIL_H
#define FOOTFALL_TEST_IO_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <footfall/footfall.h>

/* A table row of the error tests: an input, the status it must give and a
 * piece of the message it must give. */
struct tio_case {
	const char *input;
	ff_status code;
	const char *want;
};

/* Creates a fresh directory; returns its malloc'ed path or NULL. */
static inline char *tio_mkdtemp(void)
{
	char *dir = strdup("/tmp/ff_test_io_XXXXXX");
	if (dir && !mkdtemp(dir)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/* Removes a directory tree (the tests create at most two levels). */
static inline void tio_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[1024];
		struct stat sb;
		if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
			continue;
		if (!lstat(path, &sb) && S_ISDIR(sb.st_mode))
			tio_rmtree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* cmocka set-up and tear-down giving each test a fresh directory as its
 * state. */
static inline int tio_setup_dir(void **state)
{
	*state = tio_mkdtemp();
	return *state ? 0 : -1;
}

static inline int tio_teardown_dir(void **state)
{
	tio_rmtree(*state);
	free(*state);
	return 0;
}

/* Writes text to DIR/NAME; returns 0 on success. */
static inline int tio_write(const char *dir, const char *name, const void *data, size_t size)
{
	char path[1024];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return -1;
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(data, 1, size, f);
	return (fclose(f) == 0 && n == size) ? 0 : -1;
}

static inline int tio_write_text(const char *dir, const char *name, const char *text)
{
	return tio_write(dir, name, text, strlen(text));
}

#endif
