/*
 * test_calib.c - loading OpenCV and DepthAI stereo calibrations.
 *
 * The fixtures in tests/data/calib were written by OpenCV itself
 * (make_fixtures.py), so the YAML/XML tests read genuine FileStorage output;
 * the DepthAI fixtures describe the same rig as the OpenCV ones, stored the
 * three ways the extrinsics can link the stereo cameras. Hand-written
 * snippets cover the syntax variants and every rejection rule.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <footfall/calib.h>

#define DATA FF_SOURCE_DIR "/tests/data/calib/"

/* The rig of make_fixtures.py. */
static const double k1_ref[9] = {802.3, 0, 641.2, 0, 801.7, 398.6, 0, 0, 1};
static const double d2_ref[5] = {-0.049, 0.027, -0.0002, 0.0005, -0.004};
static const double t_ref_m[3] = {-0.0753, 0.00021, -0.00035};

static void assert_near(double a, double b, double tol)
{
	if (!(fabs(a - b) <= tol))
		fail_msg("%.12g != %.12g (tolerance %g)", a, b, tol);
}

static void assert_reference_rig(const ff_stereo_calib *c, double tol)
{
	assert_int_equal(c->left.width, 1280);
	assert_int_equal(c->left.height, 800);
	assert_int_equal(c->right.width, 1280);
	for (int i = 0; i < 9; i++)
		assert_near(c->left.k[i], k1_ref[i], tol * 1000);
	for (int i = 0; i < 5; i++)
		assert_near(c->right.dist[i], d2_ref[i], tol);
	for (int i = 5; i < FF_CALIB_MAX_DIST; i++)
		assert_near(c->right.dist[i], 0, 0);
	for (int i = 0; i < 3; i++)
		assert_near(c->t[i], t_ref_m[i], tol);
	/* R is the rotation vector (0.004, -0.012, 0.002). */
	assert_near(c->r[2], -0.011995672057355957, tol);
	assert_near(c->r[5], -0.0040118905035640929, tol);
}

static ff_status parse_cv(const char *text, const ff_calib_options *opt, ff_stereo_calib *c,
			  ff_error *err)
{
	return ff_calib_parse_opencv(text, strlen(text), "snippet.yml", opt, c, err);
}

static void expect_cv_error(const char *text, ff_status code, const char *needle)
{
	ff_stereo_calib c;
	ff_error err = {0};
	ff_status st = parse_cv(text, NULL, &c, &err);
	if (st != code || !strstr(err.msg, needle))
		fail_msg("expected code %d with '%s', got %d: %s", code, needle, st, err.msg);
}

static void test_opencv_yaml(void **state)
{
	(void)state;
	ff_stereo_calib c;
	ff_error err = {0};
	assert_int_equal(ff_calib_load(DATA "opencv_stereo.yml", NULL, &c, &err), FF_OK);
	assert_reference_rig(&c, 1e-12);
	assert_int_equal(c.left.ndist, 5);
	assert_near(c.t_scale, 0.001, 0);
}

static void test_opencv_xml(void **state)
{
	(void)state;
	ff_stereo_calib c;
	ff_error err = {0};
	assert_int_equal(ff_calib_load(DATA "opencv_stereo.xml", NULL, &c, &err), FF_OK);
	assert_reference_rig(&c, 1e-12);
}

static void test_opencv_sample_pair(void **state)
{
	(void)state;
	ff_stereo_calib c;
	ff_error err = {0};
	/* stereo_calib writes no image size: it has to come from the caller. */
	assert_int_equal(ff_calib_load(DATA "stereo_calib", NULL, &c, &err), FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "no image size"));
	assert_non_null(strstr(err.msg, "intrinsics.yml + "));
	ff_calib_options opt = {.width = 1280, .height = 800};
	assert_int_equal(ff_calib_load(DATA "stereo_calib", &opt, &c, &err), FF_OK);
	assert_reference_rig(&c, 1e-12);
	const char *paths[2] = {DATA "stereo_calib/extrinsics.yml",
				DATA "stereo_calib/intrinsics.yml"};
	assert_int_equal(ff_calib_load_files(paths, 2, &opt, &c, &err), FF_OK);
	assert_reference_rig(&c, 1e-12);
	/* Either file alone lacks keys, and the message says which. */
	assert_int_equal(ff_calib_load_files(paths, 1, &opt, &c, &err), FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "no M1"));
}

static const char *flow_style =
    "%YAML:1.0\r\n"
    "---\r\n"
    "# written by hand, flow style\r\n"
    "size: [1280, 800]\r\n"
    "K1: !!opencv-matrix { rows: 3, cols: 3, dt: d,\r\n"
    "      data: [ 802.3, 0., 641.2, 0., 801.7, 398.6, 0., 0., 1. ] }\r\n"
    "distCoeffs1: [ -0.052, 0.031, 4e-4, -3e-4, -6e-3 ]   # k1 k2 p1 p2 k3\r\n"
    "'M2': !!opencv-matrix\r\n"
    "  rows: 3\r\n"
    "  cols: 3\r\n"
    "  dt: f\r\n"
    "  data:\r\n"
    "  - 799.8\r\n"
    "  - 0\r\n"
    "  - 636.5\r\n"
    "  - [0, 799.1, 402.3]\r\n"
    "  - [0, 0, 1]\r\n"
    "\"D2\": [-0.049, 0.027, -0.0002, 0.0005, -0.004, 0, 0, 0]\r\n"
    "R: [0.004, -0.012, 0.002]\r\n"
    "T: { rows: 1, cols: 3, dt: d, data: [-75.3, 0.21, -0.35] }\r\n"
    "notes:\r\n"
    "  - { who: \"me\", when: 'today' }\r\n"
    "  - name: x\r\n"
    "    value: \"a # not a comment\"\r\n"
    "...\r\n";

static void test_opencv_variants(void **state)
{
	(void)state;
	ff_stereo_calib c;
	ff_error err = {0};
	ff_status st = parse_cv(flow_style, NULL, &c, &err);
	if (st != FF_OK)
		fail_msg("%s", err.msg);
	assert_reference_rig(&c, 1e-9);
	assert_int_equal(c.right.ndist, 8);

	const char *xml = "<?xml version=\"1.0\"?>\n<!-- by hand -->\n<opencv_storage>\n"
			  "<image_width>1280</image_width><image_height>800</image_height>\n"
			  "<M1 type_id=\"opencv-matrix\"><rows>3</rows><cols>3</cols><dt>d</dt>"
			  "<data>802.3 0 641.2 0 801.7 398.6 0 0 1</data></M1>\n"
			  "<D1>-0.052 0.031 0.0004 -0.0003 -0.006</D1>\n"
			  "<M2><_>799.8</_><_>0</_><_>636.5</_><_>0 799.1 402.3</_>"
			  "<_>0 0 1</_></M2>\n"
			  "<D2 type_id='opencv-matrix'><rows>5</rows><cols>1</cols><dt>d</dt>"
			  "<data>-0.049 0.027 -0.0002 0.0005 -0.004</data></D2>\n"
			  "<R>0.004 -0.012 0.002</R><T>-7.53 0.021 -0.035</T>\n"
			  "<empty/><nested><a><b>1</b></a></nested>\n"
			  "</opencv_storage>\n";
	st = ff_calib_parse_opencv(xml, strlen(xml), "snippet.xml", NULL, &c, &err);
	if (st != FF_OK)
		fail_msg("%s", err.msg);
	/* T of 7.53 is taken as centimetres. */
	assert_reference_rig(&c, 1e-9);
	assert_near(c.t_scale, 0.01, 0);
}

static const char *minimal_fmt = "imageSize: [ 1280, 800 ]\n"
				 "M1: [ 800, 0, 640, 0, 800, 400, 0, 0, 1 ]\n"
				 "D1: [ %s ]\n"
				 "M2: [ %s ]\n"
				 "D2: []\n"
				 "R: [ %s ]\n"
				 "T: [ %s ]\n";

static ff_status parse_minimal(const char *d1, const char *m2, const char *r, const char *t,
			       const ff_calib_options *opt, ff_stereo_calib *c, ff_error *err)
{
	char text[1024];
	snprintf(text, sizeof text, minimal_fmt, d1, m2, r, t);
	return parse_cv(text, opt, c, err);
}

static const char *m_ok = "800, 0, 640, 0, 800, 400, 0, 0, 1";
static const char *r_id = "1, 0, 0, 0, 1, 0, 0, 0, 1";

static void test_t_units(void **state)
{
	(void)state;
	ff_stereo_calib c;
	ff_error err = {0};
	static const struct {
		const char *t;
		double scale, tx;
	} cases[] = {{"-0.06, 0, 0", 1.0, -0.06},
		     {"-6, 0, 0", 0.01, -0.06},
		     {"-60, 0, 0", 0.001, -0.06},
		     {"-120.5, 1, 0", 0.001, -0.1205}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(parse_minimal("", m_ok, r_id, cases[i].t, NULL, &c, &err), FF_OK);
		assert_near(c.t_scale, cases[i].scale, 0);
		assert_near(c.t[0], cases[i].tx, 1e-12);
	}
	/* An explicit unit wins: 3 pattern squares of 25 mm. */
	ff_calib_options opt = {.t_scale = 0.025};
	assert_int_equal(parse_minimal("", m_ok, r_id, "-3, 0, 0", &opt, &c, &err), FF_OK);
	assert_near(c.t[0], -0.075, 1e-12);
	assert_int_equal(c.left.ndist, 0);
}

static void test_opencv_errors(void **state)
{
	(void)state;
	ff_stereo_calib c;
	ff_error err = {0};
	/* Missing matrix, named with its aliases. */
	expect_cv_error("imageSize: [2, 2]\nM1: [1,0,0,0,1,0,0,0,1]\n", FF_ERR_FORMAT,
			"no D1 (left distortion; also distCoeffs1)");
	/* Shapes. */
	assert_int_equal(parse_minimal("0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7", m_ok, r_id, "-60, 0, 0",
				       NULL, &c, &err),
			 FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "D1: expected 0, 4, 5, 8, 12 or 14"));
	assert_non_null(strstr(err.msg, "snippet.yml:3:"));
	assert_int_equal(parse_minimal("", "1, 2, 3", r_id, "-60, 0, 0", NULL, &c, &err),
			 FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "M2: expected a 3x3 matrix"));
	expect_cv_error("M1: !!opencv-matrix\n  rows: 3\n  cols: 3\n  data: [1, 2]\n",
			FF_ERR_FORMAT, "M1: 3x3 matrix but 2 values");
	assert_int_equal(parse_minimal("", m_ok, "1, 0", "-60, 0, 0", NULL, &c, &err),
			 FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "R: expected a 3x3 matrix or a rotation vector"));
	/* Values. */
	assert_int_equal(parse_minimal(".NaN, 0, 0, 0", m_ok, r_id, "-60, 0, 0", NULL, &c, &err),
			 FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "D1: non-finite value"));
	assert_int_equal(parse_minimal("", m_ok, r_id, "-60, 0, -.inf", NULL, &c, &err),
			 FF_ERR_CALIB);
	assert_int_equal(parse_minimal("abc", m_ok, r_id, "-60, 0, 0", NULL, &c, &err),
			 FF_ERR_FORMAT);
	assert_non_null(strstr(err.msg, "D1: not a number"));
	assert_int_equal(
	    parse_minimal("", "0, 0, 640, 0, 800, 400, 0, 0, 1", r_id, "-60, 0, 0", NULL, &c, &err),
	    FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "right intrinsics are not invertible"));
	assert_int_equal(parse_minimal("", "800, 0, 1900, 0, 800, 400, 0, 0, 1", r_id, "-60, 0, 0",
				       NULL, &c, &err),
			 FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "principal point"));
	/* Geometry that cannot be rectified side by side. */
	assert_int_equal(parse_minimal("", m_ok, r_id, "0, -60, 0", NULL, &c, &err), FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "not side by side"));
	assert_int_equal(parse_minimal("", m_ok, r_id, "-40, 0, 50", NULL, &c, &err), FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "not side by side"));
	assert_int_equal(parse_minimal("", m_ok, r_id, "60, 0, 0", NULL, &c, &err), FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "swapped"));
	assert_int_equal(parse_minimal("", m_ok, "0, 0.6, 0", "-60, 0, 0", NULL, &c, &err),
			 FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "turned 34.4 degrees"));
	assert_int_equal(
	    parse_minimal("", m_ok, "1, 0, 0, 0, 1, 0, 0, 0, 2", "-60, 0, 0", NULL, &c, &err),
	    FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "R is not a rotation"));
	assert_int_equal(
	    parse_minimal("", m_ok, "-1, 0, 0, 0, -1, 0, 0, 0, -1", "-60, 0, 0", NULL, &c, &err),
	    FF_ERR_CALIB);
	ff_calib_options opt = {.t_scale = 100};
	assert_int_equal(parse_minimal("", m_ok, r_id, "-60, 0, 0", &opt, &c, &err), FF_ERR_CALIB);
	assert_non_null(strstr(err.msg, "baseline 6000 m"));
	/* Image size. */
	expect_cv_error("imageSize: [1280]\nM1: [1,0,0,0,1,0,0,0,1]\nD1: []\nM2: "
			"[1,0,0,0,1,0,0,0,1]\nD2: []\n",
			FF_ERR_FORMAT, "imageSize: expected [width, height]");
	expect_cv_error("image_width: 1280\nM1: [1,0,0,0,1,0,0,0,1]\nD1: []\nM2: "
			"[1,0,0,0,1,0,0,0,1]\nD2: []\n",
			FF_ERR_FORMAT, "image_width without image_height");
}

static void test_syntax_errors(void **state)
{
	(void)state;
	expect_cv_error("M1:\n\t- 1\n", FF_ERR_FORMAT, "snippet.yml:2: tab in indentation");
	expect_cv_error("M1: [1, 2\nD1: 3\n", FF_ERR_FORMAT, "expected ',' or ']'");
	expect_cv_error("M1: [1, 2", FF_ERR_FORMAT, "unterminated flow collection");
	expect_cv_error("M1: 1\n  D1: 2\n", FF_ERR_FORMAT, "snippet.yml:2: unexpected indentation");
	expect_cv_error("just text\n", FF_ERR_FORMAT, "expected 'key: value'");
	expect_cv_error("- 1\n- 2\n", FF_ERR_FORMAT, "top level must be a mapping");
	expect_cv_error("M1: &a [1]\n", FF_ERR_FORMAT, "anchors");
	expect_cv_error("M1: \"open\n", FF_ERR_FORMAT, "unterminated quoted string");
	expect_cv_error("M1: [1, 2] x\n", FF_ERR_FORMAT, "unexpected text after a value");
	expect_cv_error("<opencv_storage><M1>1</M2></opencv_storage>", FF_ERR_FORMAT,
			"mismatched closing tag");
	expect_cv_error("<opencv_storage><M1>1", FF_ERR_FORMAT, "unterminated element");
	expect_cv_error("<opencv_storage><M1 a=1>1</M1></opencv_storage>", FF_ERR_FORMAT,
			"quoted attribute");
	expect_cv_error("<opencv_storage></opencv_storage><x/>", FF_ERR_FORMAT,
			"content after the root");
	expect_cv_error("<opencv_storage><M1>1<a/></M1></opencv_storage>", FF_ERR_FORMAT,
			"text mixed with elements");
	/* Deep nesting is refused, not recursed into. */
	char deep[1024];
	memset(deep, '[', sizeof deep);
	memcpy(deep, "M1: ", 4);
	deep[sizeof deep - 1] = '\0';
	expect_cv_error(deep, FF_ERR_FORMAT, "nested too deeply");
}

/* Every prefix of a valid file (a truncated download) fails cleanly. */
static void test_truncated(void **state)
{
	(void)state;
	static const char *const files[] = {DATA "opencv_stereo.yml", DATA "opencv_stereo.xml",
					    DATA "depthai_oakd.json"};
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
		FILE *fp = fopen(files[f], "rb");
		assert_non_null(fp);
		char *buf = malloc(16384);
		assert_non_null(buf);
		size_t n = fread(buf, 1, 16384, fp);
		fclose(fp);
		int ok = 0;
		for (size_t len = 0; len < n; len += 7) {
			char *copy = malloc(len ? len : 1);
			assert_non_null(copy);
			memcpy(copy, buf, len);
			ff_stereo_calib c;
			ff_error err = {0};
			ff_status st = f == 2
					   ? ff_calib_parse_depthai(copy, len, "t", &c, &err)
					   : ff_calib_parse_opencv(copy, len, "t", NULL, &c, &err);
			ok += st == FF_OK;
			if (st != FF_OK)
				assert_true(err.msg[0] != '\0');
			free(copy);
		}
		free(buf);
		/* Only cuts inside the trailing blanks/markup can still be valid. */
		assert_true(ok <= 3);
	}
}

static void test_depthai(void **state)
{
	(void)state;
	static const char *const files[] = {DATA "depthai_oakd.json", DATA "depthai_inverted.json",
					    DATA "depthai_via_rgb.json"};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		ff_stereo_calib c;
		ff_error err = {0};
		ff_status st = ff_calib_load(files[i], NULL, &c, &err);
		if (st != FF_OK)
			fail_msg("%s", err.msg);
		/* float32-free JSON, but the inversions go through doubles. */
		assert_reference_rig(&c, 1e-9);
		assert_int_equal(c.left.ndist, 14);
		assert_near(c.t_scale, 0.01, 0);
	}
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char *buf = calloc(1, 65536);
	assert_non_null(buf);
	size_t n = fread(buf, 1, 65535, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Replaces the first occurrence of `from` after `after` in text. */
static char *edit(const char *text, const char *after, const char *from, const char *to)
{
	const char *a = strstr(text, after);
	assert_non_null(a);
	const char *p = strstr(a, from);
	assert_non_null(p);
	char *out = malloc(strlen(text) + strlen(to) + 1);
	assert_non_null(out);
	size_t head = (size_t)(p - text);
	memcpy(out, text, head);
	strcpy(out + head, to);
	strcat(out, p + strlen(from));
	return out;
}

static void expect_depthai(const char *text, ff_status code, const char *needle)
{
	ff_stereo_calib c;
	ff_error err = {0};
	ff_status st = ff_calib_parse_depthai(text, strlen(text), "calib.json", &c, &err);
	if (st != code || !strstr(err.msg, needle))
		fail_msg("expected code %d with '%s', got %d: %s", code, needle, st, err.msg);
}

static void test_depthai_errors(void **state)
{
	(void)state;
	char *base = read_text(DATA "depthai_oakd.json");
	char *t;
	/* Left and right image sizes differ. */
	t = edit(base, "[\n            2,", "\"width\": 1280", "\"width\": 640");
	expect_depthai(t, FF_ERR_CALIB, "image size mismatch");
	free(t);
	/* Fisheye model. */
	t = edit(base, "[\n            1,", "\"cameraType\": 0", "\"cameraType\": 1");
	expect_depthai(t, FF_ERR_UNSUPPORTED, "cameraType: model 1");
	free(t);
	/* Broken intrinsics shape, named with the socket. */
	t = edit(base, "[\n            2,", "\"intrinsicMatrix\": [", "\"intrinsicMatrix\": [[1],");
	expect_depthai(t, FF_ERR_FORMAT, "cameraData[2] (socket 2).intrinsicMatrix");
	free(t);
	/* A missing right camera. */
	t = edit(base, "stereoRectificationData", "\"rightCameraSocket\": 2",
		 "\"rightCameraSocket\": 4");
	expect_depthai(t, FF_ERR_CALIB, "no camera on socket 4 (right)");
	free(t);
	/* No link between the stereo cameras. */
	t = edit(base, "[\n            1,", "\"toCameraSocket\": 2", "\"toCameraSocket\": -1");
	char *t2 = edit(t, "[\n            2,", "\"toCameraSocket\": 0", "\"toCameraSocket\": -1");
	expect_depthai(t2, FF_ERR_CALIB, "no chain of toCameraSocket links");
	free(t);
	free(t2);
	/* The CAD translation is used when the file says so: 7.5 cm exactly. */
	t = edit(base, "\"stereoUseSpecTranslation\"", "false", "true");
	ff_stereo_calib c;
	ff_error err = {0};
	assert_int_equal(ff_calib_parse_depthai(t, strlen(t), "calib.json", &c, &err), FF_OK);
	assert_near(c.t[0], -0.075, 1e-12);
	assert_near(c.t[1], 0, 0);
	free(t);
	/* Not JSON, and JSON of the wrong shape. */
	expect_depthai("{\"cameraData\": [", FF_ERR_FORMAT, "calib.json:1:");
	expect_depthai("[]", FF_ERR_FORMAT, "expected a JSON object");
	expect_depthai("{}", FF_ERR_FORMAT, "cameraData: missing");
	expect_depthai("{\"cameraData\": [[1, 2]]}", FF_ERR_FORMAT, "cameraData[0]: expected");
	expect_depthai("{\"cameraData\": [[1, {}], [1, {}]]}", FF_ERR_FORMAT, "appears twice");
	free(base);
}

static void test_load_errors(void **state)
{
	(void)state;
	ff_stereo_calib c;
	ff_error err = {0};
	assert_int_equal(ff_calib_load(DATA "missing.yml", NULL, &c, &err), FF_ERR_IO);
	assert_non_null(strstr(err.msg, "missing.yml"));
	assert_int_equal(ff_calib_load(DATA, NULL, &c, &err), FF_ERR_IO);
	assert_non_null(strstr(err.msg, "no calibration in this directory"));
	const char *two[2] = {DATA "depthai_oakd.json", DATA "opencv_stereo.yml"};
	assert_int_equal(ff_calib_load_files(two, 2, NULL, &c, &err), FF_ERR_FORMAT);
	/* A directory holding calib.json. */
	char dir[] = "/tmp/ff_calib_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/calib.json", dir);
	char *text = read_text(DATA "depthai_oakd.json");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	free(text);
	assert_int_equal(ff_calib_load(dir, NULL, &c, &err), FF_OK);
	assert_reference_rig(&c, 1e-9);
	unlink(path);
	rmdir(dir);
}

static void test_resize(void **state)
{
	(void)state;
	ff_stereo_calib c;
	ff_error err = {0};
	assert_int_equal(ff_calib_load(DATA "opencv_stereo.yml", NULL, &c, &err), FF_OK);
	assert_int_equal(ff_calib_resize(&c, 640, 400, &err), FF_OK);
	assert_int_equal(c.right.width, 640);
	assert_near(c.left.k[0], 802.3 / 2, 1e-12);
	assert_near(c.left.k[2], (641.2 + 0.5) / 2 - 0.5, 1e-12);
	assert_near(c.right.k[5], (402.3 + 0.5) / 2 - 0.5, 1e-12);
	assert_int_equal(ff_calib_validate(&c, "resized", &err), FF_OK);
	assert_int_equal(ff_calib_resize(&c, 640, 480, &err), FF_ERR_SIZE);
	assert_non_null(strstr(err.msg, "aspect ratio"));
	assert_int_equal(c.left.width, 640);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_opencv_yaml),
	    cmocka_unit_test(test_opencv_xml),
	    cmocka_unit_test(test_opencv_sample_pair),
	    cmocka_unit_test(test_opencv_variants),
	    cmocka_unit_test(test_t_units),
	    cmocka_unit_test(test_opencv_errors),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_depthai),
	    cmocka_unit_test(test_depthai_errors),
	    cmocka_unit_test(test_load_errors),
	    cmocka_unit_test(test_resize),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
