/*
 * report_bench.c - the report queries of footfalld without HTTP:
 *
 *   fd_report_bench DB FROM TO [OFFSET_MIN]
 *
 * Runs fd_store_report (what GET /api/v1/reports runs) on the database DB
 * over [FROM, TO) (Unix seconds) for every event, unit and format, seven
 * times each, and prints the median time, the median CPU time of the
 * thread (the two differ by the time the machine gave to others) and the
 * size of the answer. It separates the cost of the query and its text from
 * the HTTP round trip and from the daemon's other threads, which run.sh
 * measures together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "daemon.h"

#define RUNS 7

static double seconds(clockid_t clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const char *const events[] = {"line", "region", "dwell"};
	static const char *const units[] = {"hour", "day", "month"};
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: fd_report_bench DB FROM TO [OFFSET_MIN]\n");
		return 2;
	}
	fd_report_query q = {0};
	q.from = atof(argv[2]);
	q.to = atof(argv[3]);
	q.offset_min = argc == 5 ? atoi(argv[4]) : 0;
	for (int k = 0; k < 3; k++)
		for (int u = 0; u < 3; u++)
			for (int csv = 0; csv < 2; csv++) {
				q.kind = (fd_event_kind)k;
				q.unit = (fd_unit)u;
				q.csv = csv;
				double t[RUNS], cpu[RUNS];
				size_t len = 0;
				for (int i = 0; i < RUNS; i++) {
					char *out = NULL;
					ff_error err = {0};
					double t0 = seconds(CLOCK_MONOTONIC);
					double c0 = seconds(CLOCK_THREAD_CPUTIME_ID);
					if (fd_store_report(argv[1], &q, &out, &len, &err)) {
						fprintf(stderr, "report: %s\n", err.msg);
						return 1;
					}
					t[i] = seconds(CLOCK_MONOTONIC) - t0;
					cpu[i] = seconds(CLOCK_THREAD_CPUTIME_ID) - c0;
					free(out);
				}
				qsort(t, RUNS, sizeof t[0], cmp_double);
				qsort(cpu, RUNS, sizeof cpu[0], cmp_double);
				printf("  %-6s by %-5s %-4s at %+4d min: %7.1f ms (CPU %6.1f ms), "
				       "%7zu bytes\n",
				       events[k], units[u], csv ? "CSV" : "JSON", q.offset_min,
				       t[RUNS / 2] * 1000, cpu[RUNS / 2] * 1000, len);
			}
	return 0;
}
