/*
 * sgm_bench.c - times the semi-global matcher on one stereo pair and writes
 * its disparity, for bench/stereo/bench.py.
 *
 *   sgm_bench LEFT.png RIGHT.png --max-disparity N [-o OUT.pfm]
 *             [--repeat R] [--threads T] [--simd auto|scalar|sse2|sse4.1|avx2|avx512]
 *             [--paths 5|8] [--p1 V] [--p2 V] [--census WxH] [--uniqueness U]
 *             [--lr D] [--speckle SIZE RANGE] [--subpixel none|parabola|equiangular]
 *             [--fill MAXRUN (0: off)] [--ad CAP] [--p2-adapt K]
 *
 * Only ff_sgm_compute is timed (monotonic clock, after one warm-up run);
 * PNG decoding and file output are not. Prints one JSON line with the median
 * and fastest time per frame. Parameters default to ff_sgm_params_default,
 * the settings `footfall disparity` uses; the others exist for tuning.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <footfall/sgm.h>

#define MAX_REPEAT 1000

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int int_arg(int argc, char **argv, int *i, int *out)
{
	if (*i + 1 >= argc)
		return -1;
	char *end;
	errno = 0;
	long v = strtol(argv[++*i], &end, 10);
	if (errno || *end || v < -1000000 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_args(int argc, char **argv, ff_sgm_params *p, const char **files, const char **out,
		      int *repeat)
{
	int n = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int bad = 0;
		if (!strcmp(a, "--max-disparity"))
			bad = int_arg(argc, argv, &i, &p->max_disparity);
		else if (!strcmp(a, "--repeat"))
			bad =
			    int_arg(argc, argv, &i, repeat) || *repeat < 1 || *repeat > MAX_REPEAT;
		else if (!strcmp(a, "--threads"))
			bad = int_arg(argc, argv, &i, &p->threads);
		else if (!strcmp(a, "--paths"))
			bad = int_arg(argc, argv, &i, &p->paths);
		else if (!strcmp(a, "--p1"))
			bad = int_arg(argc, argv, &i, &p->p1);
		else if (!strcmp(a, "--p2"))
			bad = int_arg(argc, argv, &i, &p->p2);
		else if (!strcmp(a, "--uniqueness"))
			bad = int_arg(argc, argv, &i, &p->uniqueness);
		else if (!strcmp(a, "--lr"))
			bad = int_arg(argc, argv, &i, &p->lr_max_diff);
		else if (!strcmp(a, "--speckle"))
			bad = int_arg(argc, argv, &i, &p->speckle_size) ||
			      int_arg(argc, argv, &i, &p->speckle_range);
		else if (!strcmp(a, "--fill")) {
			bad = int_arg(argc, argv, &i, &p->fill_max_run);
			p->fill_holes = p->fill_max_run > 0;
			if (!p->fill_holes)
				p->fill_max_run = 1;
		} else if (!strcmp(a, "--ad"))
			bad = int_arg(argc, argv, &i, &p->ad_cap);
		else if (!strcmp(a, "--p2-adapt"))
			bad = int_arg(argc, argv, &i, &p->p2_adapt);
		else if (!strcmp(a, "--census"))
			bad = i + 1 >= argc ||
			      sscanf(argv[++i], "%dx%d", &p->census_width, &p->census_height) != 2;
		else if (!strcmp(a, "--subpixel")) {
			const char *m = i + 1 < argc ? argv[++i] : "";
			p->subpixel = !strcmp(m, "none")       ? FF_SGM_SUBPIXEL_NONE
				      : !strcmp(m, "parabola") ? FF_SGM_SUBPIXEL_PARABOLA
							       : FF_SGM_SUBPIXEL_EQUIANGULAR;
			bad =
			    strcmp(m, "none") && strcmp(m, "parabola") && strcmp(m, "equiangular");
		} else if (!strcmp(a, "--simd")) {
			const char *m = i + 1 < argc ? argv[++i] : "";
			p->simd = !strcmp(m, "scalar")	 ? FF_SGM_SIMD_SCALAR
				  : !strcmp(m, "sse2")	 ? FF_SGM_SIMD_SSE2
				  : !strcmp(m, "sse4.1") ? FF_SGM_SIMD_SSE41
				  : !strcmp(m, "avx2")	 ? FF_SGM_SIMD_AVX2
				  : !strcmp(m, "avx512") ? FF_SGM_SIMD_AVX512
							 : FF_SGM_SIMD_AUTO;
			bad = p->simd == FF_SGM_SIMD_AUTO && strcmp(m, "auto");
		} else if (!strcmp(a, "-o"))
			bad = i + 1 >= argc || !(*out = argv[++i]);
		else if (a[0] != '-' && n < 2)
			files[n++] = a;
		else
			bad = 1;
		if (bad) {
			fprintf(stderr, "sgm_bench: bad argument near '%s'\n", a);
			return -1;
		}
	}
	if (n != 2) {
		fprintf(stderr,
			"usage: sgm_bench LEFT.png RIGHT.png --max-disparity N [options]\n");
		return -1;
	}
	return 0;
}

static int run(const ff_sgm_params *p, const uint8_t *l, const uint8_t *r, int w, int h, int repeat,
	       const char *out)
{
	ff_error err = {0};
	ff_sgm *sgm = NULL;
	size_t n = (size_t)w * (size_t)h;
	int16_t *disp = malloc(n * sizeof *disp);
	float *f = malloc(n * sizeof *f);
	double *t = malloc((size_t)repeat * sizeof *t);
	int rc = 1;

	if (!disp || !f || !t) {
		fprintf(stderr, "sgm_bench: out of memory\n");
		goto done;
	}
	if (ff_sgm_create(w, h, p, &sgm, &err) ||
	    ff_sgm_compute(sgm, l, (size_t)w, r, (size_t)w, disp, (size_t)w, &err)) {
		fprintf(stderr, "sgm_bench: %s\n", err.msg);
		goto done;
	}
	for (int i = 0; i < repeat; i++) {
		double t0 = now_ms();
		ff_sgm_compute(sgm, l, (size_t)w, r, (size_t)w, disp, (size_t)w, NULL);
		t[i] = now_ms() - t0;
	}
	qsort(t, (size_t)repeat, sizeof *t, cmp_double);
	size_t valid = 0;
	for (size_t i = 0; i < n; i++)
		valid += disp[i] >= 0;
	printf("{\"width\": %d, \"height\": %d, \"ndisp\": %d, \"simd\": \"%s\", \"threads\": %d, "
	       "\"paths\": %d, \"repeat\": %d, \"median_ms\": %.3f, \"min_ms\": %.3f, "
	       "\"valid_pct\": %.2f}\n",
	       w, h, p->max_disparity, ff_sgm_simd_name(sgm), p->threads, p->paths, repeat,
	       t[repeat / 2], t[0], 100.0 * (double)valid / (double)n);
	if (out) {
		ff_sgm_to_float(disp, (size_t)w, w, h, INFINITY, f, (size_t)w);
		if (ff_pfm_write(out, f, (size_t)w, w, h, &err)) {
			fprintf(stderr, "sgm_bench: %s\n", err.msg);
			goto done;
		}
	}
	rc = 0;
done:
	ff_sgm_destroy(sgm);
	free(disp);
	free(f);
	free(t);
	return rc;
}

int main(int argc, char **argv)
{
	ff_sgm_params p;
	const char *files[2] = {NULL, NULL}, *out = NULL;
	int repeat = 1, w[2], h[2], rc = 1;
	uint8_t *img[2] = {NULL, NULL};
	ff_error err = {0};

	ff_sgm_params_default(&p);
	if (parse_args(argc, argv, &p, files, &out, &repeat))
		return 2;
	for (int i = 0; i < 2; i++)
		if (ff_grey_png_read(files[i], &img[i], &w[i], &h[i], &err)) {
			fprintf(stderr, "sgm_bench: %s\n", err.msg);
			goto done;
		}
	if (w[0] != w[1] || h[0] != h[1]) {
		fprintf(stderr, "sgm_bench: the images differ in size\n");
		goto done;
	}
	rc = run(&p, img[0], img[1], w[0], h[0], repeat, out);
done:
	free(img[0]);
	free(img[1]);
	return rc;
}
