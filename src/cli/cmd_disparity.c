/*
 * cmd_disparity.c - `footfall disparity LEFT.png RIGHT.png --max-disparity N
 * -o OUT.pfm` (spec section 6).
 *
 * Runs the live pipeline's matcher with its default settings on one
 * rectified pair and writes the left disparity as a Middlebury PFM, inf
 * where there is none. --threads and --simd only change how fast the same
 * matcher runs (--threads can move a few pixels near strip borders), so
 * benchmarks can compare code paths.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <footfall/sgm.h>

#include "cli.h"

static void usage(FILE *to)
{
	fprintf(
	    to,
	    "usage: footfall disparity LEFT.png RIGHT.png --max-disparity N -o OUT.pfm\n"
	    "                          [--threads N] [--simd auto|scalar|sse2|sse4.1|avx2|avx512]\n"
	    "\n"
	    "Disparity of the left image of a rectified 8-bit pair (grey or colour PNGs of\n"
	    "equal size), written as a little-endian PFM with inf where there is none.\n"
	    "N, the number of disparities searched (0..N-1), is a multiple of 16 up to %d.\n",
	    FF_SGM_MAX_DISPARITY);
}

static int parse_count(const char *opt, const char *s, int lo, int hi, int *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || errno || *end || end == s || v < lo || v > hi) {
		fprintf(stderr, "footfall disparity: %s needs a whole number in %d..%d, got '%s'\n",
			opt, lo, hi, s ? s : "");
		return -1;
	}
	*out = (int)v;
	return 0;
}

static int parse_simd(const char *s, ff_sgm_simd *out)
{
	static const struct {
		const char *name;
		ff_sgm_simd simd;
	} names[] = {{"auto", FF_SGM_SIMD_AUTO},    {"scalar", FF_SGM_SIMD_SCALAR},
		     {"sse2", FF_SGM_SIMD_SSE2},    {"sse4.1", FF_SGM_SIMD_SSE41},
		     {"sse41", FF_SGM_SIMD_SSE41},  {"avx2", FF_SGM_SIMD_AVX2},
		     {"avx512", FF_SGM_SIMD_AVX512}};
	for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(s, names[i].name)) {
			*out = names[i].simd;
			return 0;
		}
	fprintf(stderr,
		"footfall disparity: --simd needs auto, scalar, sse2, sse4.1, avx2 or avx512, got "
		"'%s'\n",
		s ? s : "");
	return -1;
}

/* Matches the loaded pair and writes the PFM; returns the exit status. */
static int match_and_write(const ff_sgm_params *p, const uint8_t *l, const uint8_t *r, int w, int h,
			   const char *out_path)
{
	ff_error err = {0};
	ff_sgm *sgm = NULL;
	size_t n = (size_t)w * (size_t)h;
	int16_t *disp = malloc(n * sizeof *disp);
	float *fdisp = malloc(n * sizeof *fdisp);
	int rc = 1;

	if (!disp || !fdisp) {
		fprintf(stderr, "footfall disparity: out of memory for %dx%d\n", w, h);
		goto out;
	}
	if (ff_sgm_create(w, h, p, &sgm, &err) ||
	    ff_sgm_compute(sgm, l, (size_t)w, r, (size_t)w, disp, (size_t)w, &err)) {
		fprintf(stderr, "footfall disparity: %s\n", err.msg);
		goto out;
	}
	ff_sgm_to_float(disp, (size_t)w, w, h, INFINITY, fdisp, (size_t)w);
	if (ff_pfm_write(out_path, fdisp, (size_t)w, w, h, &err)) {
		fprintf(stderr, "footfall disparity: %s\n", err.msg);
		goto out;
	}
	rc = 0;
out:
	ff_sgm_destroy(sgm);
	free(disp);
	free(fdisp);
	return rc;
}

int ff_cmd_disparity(int argc, char **argv)
{
	const char *files[2] = {NULL, NULL}, *out_path = NULL, *simd = "auto";
	int nfiles = 0, ndisp = 0;
	ff_sgm_params p;
	ff_sgm_params_default(&p);

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--max-disparity")) {
			if (parse_count(a, i + 1 < argc ? argv[++i] : NULL, 1, FF_SGM_MAX_DISPARITY,
					&ndisp))
				return 2;
		} else if (!strcmp(a, "--threads")) {
			if (parse_count(a, i + 1 < argc ? argv[++i] : NULL, 1, FF_SGM_MAX_THREADS,
					&p.threads))
				return 2;
		} else if (!strcmp(a, "--simd")) {
			simd = i + 1 < argc ? argv[++i] : NULL;
			if (parse_simd(simd, &p.simd))
				return 2;
		} else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "footfall disparity: %s needs a file name\n", a);
				return 2;
			}
			out_path = argv[++i];
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "footfall disparity: unknown option '%s'\n", a);
			usage(stderr);
			return 2;
		} else if (nfiles < 2) {
			files[nfiles++] = a;
		} else {
			fprintf(stderr, "footfall disparity: unexpected argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if (nfiles != 2 || !ndisp || !out_path) {
		fprintf(stderr, "footfall disparity: %s\n",
			nfiles != 2 ? "needs a LEFT and a RIGHT image"
			: !ndisp    ? "needs --max-disparity N"
				    : "needs -o OUT.pfm");
		usage(stderr);
		return 2;
	}
	if (ndisp % 16) {
		fprintf(stderr,
			"footfall disparity: --max-disparity %d is not a multiple of 16 "
			"(use %d)\n",
			ndisp, (ndisp + 15) / 16 * 16);
		return 2;
	}
	p.max_disparity = ndisp;
	if (!ff_sgm_simd_supported(p.simd)) {
		fprintf(stderr, "footfall disparity: --simd %s is not supported by this CPU\n",
			simd);
		return 1;
	}

	ff_error err = {0};
	uint8_t *img[2] = {NULL, NULL};
	int w[2] = {0, 0}, h[2] = {0, 0}, rc = 1;
	for (int i = 0; i < 2; i++)
		if (ff_grey_png_read(files[i], &img[i], &w[i], &h[i], &err)) {
			fprintf(stderr, "footfall disparity: %s\n", err.msg);
			goto out;
		}
	if (w[0] != w[1] || h[0] != h[1]) {
		fprintf(stderr, "footfall disparity: %s is %dx%d but %s is %dx%d\n", files[0], w[0],
			h[0], files[1], w[1], h[1]);
		goto out;
	}
	if (w[0] <= ndisp) {
		fprintf(stderr,
			"footfall disparity: %s is %d pixels wide, not wider than "
			"--max-disparity %d\n",
			files[0], w[0], ndisp);
		goto out;
	}
	rc = match_and_write(&p, img[0], img[1], w[0], h[0], out_path);
out:
	free(img[0]);
	free(img[1]);
	return rc;
}
