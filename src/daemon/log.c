/*
 * log.c - levelled log lines on stderr.
 *
 * Under systemd (JOURNAL_STREAM set) each line starts with the syslog
 * priority in angle brackets, which journald turns into the entry's
 * priority and strips; elsewhere lines carry a UTC time stamp and the level
 * in words. One fprintf per line under the stream's lock keeps lines from
 * different threads whole.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"

static const char *const level_names[] = {"error", "warn", "info", "debug"};
/* syslog priorities: err, warning, info, debug */
static const int level_prio[] = {3, 4, 6, 7};

static fd_log_level max_level = FD_LOG_INFO;

void fd_log_set_level(fd_log_level level)
{
	max_level = level;
}

bool fd_log_parse_level(const char *s, fd_log_level *out)
{
	for (int i = 0; i <= FD_LOG_DEBUG; i++)
		if (!strcmp(s, level_names[i])) {
			*out = (fd_log_level)i;
			return true;
		}
	return false;
}

void fd_log(fd_log_level level, const char *fmt, ...)
{
	if (level > max_level)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (getenv("JOURNAL_STREAM")) {
		fprintf(stderr, "<%d>%s\n", level_prio[level], msg);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[32] = "";
	clock_gettime(CLOCK_REALTIME, &ts);
	if (gmtime_r(&ts.tv_sec, &tm))
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s footfalld[%s]: %s\n", stamp, level_names[level], msg);
}
