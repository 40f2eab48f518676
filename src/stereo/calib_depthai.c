/*
 * calib_depthai.c - the Luxonis DepthAI calibration (calib.json, the JSON
 * form of the device's EepromData) as an ff_stereo_calib.
 *
 * Layout relied on (DepthAI's EepromData/CameraInfo/Extrinsics):
 *   "cameraData": [[SOCKET, {"width", "height", "cameraType",
 *                   "intrinsicMatrix": 3x3, "distortionCoeff": up to 14,
 *                   "extrinsics": {"rotationMatrix": 3x3,
 *                                  "translation": {"x","y","z"} (cm),
 *                                  "specTranslation": {...} (cm, CAD),
 *                                  "toCameraSocket": SOCKET or -1}}], ...],
 *   "stereoRectificationData": {"leftCameraSocket", "rightCameraSocket", ...},
 *   "stereoUseSpecTranslation": bool (optional)
 * A camera's extrinsics map points from its own frame into the frame of
 * toCameraSocket (x_to = R x_self + t), the convention of OpenCV's R and T.
 * Devices store one link per camera, typically left -> right -> colour, but
 * files written by other tools link right -> left or both to a third camera.
 * So instead of expecting the left camera to hold the stereo extrinsics, we
 * follow the chain of links from each stereo camera and compose through the
 * first camera both chains reach; this covers the direct, the inverted and
 * the shared-reference cases with one rule.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "calib_internal.h"

#define MAX_CAMERAS 16
#define CM 0.01

struct cam_entry {
	int socket;
	json_t *obj;
	int index; /* position in cameraData, for messages */
};

struct link {
	int to; /* -1: none */
	double r[9], t[3];
};

struct ctx {
	const char *name;
	ff_error *err;
	struct cam_entry cams[MAX_CAMERAS];
	struct link links[MAX_CAMERAS];
	int ncams;
	bool use_spec;
};

static bool get_int(json_t *v, int lo, int hi, int *out)
{
	if (!json_is_number(v))
		return false;
	double d = json_number_value(v);
	if (!(d >= lo && d <= hi) || d != floor(d))
		return false;
	*out = (int)d;
	return true;
}

static bool get_numbers(json_t *arr, double *out, size_t n)
{
	if (!json_is_array(arr) || json_array_size(arr) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		if (!json_is_number(v))
			return false;
		out[i] = json_number_value(v);
	}
	return true;
}

static bool get_matrix3(json_t *m, double out[9])
{
	if (!json_is_array(m) || json_array_size(m) != 3)
		return false;
	for (size_t i = 0; i < 3; i++)
		if (!get_numbers(json_array_get(m, i), out + 3 * i, 3))
			return false;
	return true;
}

static bool get_point3(json_t *p, double out[3])
{
	static const char *const axes[] = {"x", "y", "z"};
	if (!json_is_object(p))
		return false;
	for (int i = 0; i < 3; i++) {
		json_t *v = json_object_get(p, axes[i]);
		if (!json_is_number(v))
			return false;
		out[i] = json_number_value(v) * CM;
	}
	return true;
}

static ff_status cam_error(const struct ctx *c, int i, const char *field, const char *what)
{
	return ff_error_set(c->err, FF_ERR_FORMAT, "%s: cameraData[%d] (socket %d).%s: %s", c->name,
			    c->cams[i].index, c->cams[i].socket, field, what);
}

static int find_cam(const struct ctx *c, int socket)
{
	for (int i = 0; i < c->ncams; i++)
		if (c->cams[i].socket == socket)
			return i;
	return -1;
}

static ff_status read_cameras(struct ctx *c, json_t *data)
{
	if (!json_is_array(data))
		return ff_error_set(c->err, FF_ERR_FORMAT,
				    "%s: cameraData: missing or not a list of [socket, camera]",
				    c->name);
	for (size_t i = 0; i < json_array_size(data); i++) {
		json_t *e = json_array_get(data, i);
		int socket;
		if (!json_is_array(e) || json_array_size(e) != 2 ||
		    !get_int(json_array_get(e, 0), 0, 1000, &socket) ||
		    !json_is_object(json_array_get(e, 1)))
			return ff_error_set(c->err, FF_ERR_FORMAT,
					    "%s: cameraData[%zu]: expected [socket, {camera}]",
					    c->name, i);
		if (find_cam(c, socket) >= 0)
			return ff_error_set(c->err, FF_ERR_FORMAT,
					    "%s: cameraData[%zu]: socket %d appears twice", c->name,
					    i, socket);
		if (c->ncams == MAX_CAMERAS)
			return ff_error_set(c->err, FF_ERR_LIMIT,
					    "%s: cameraData: more than %d cameras", c->name,
					    MAX_CAMERAS);
		c->cams[c->ncams] = (struct cam_entry){socket, json_array_get(e, 1), (int)i};
		c->ncams++;
	}
	return FF_OK;
}

static ff_status read_link(struct ctx *c, int i)
{
	struct link *l = &c->links[i];
	l->to = -1;
	json_t *ex = json_object_get(c->cams[i].obj, "extrinsics");
	if (!ex)
		return FF_OK;
	if (!json_is_object(ex))
		return cam_error(c, i, "extrinsics", "expected an object");
	json_t *to = json_object_get(ex, "toCameraSocket");
	int target;
	if (!to || (json_is_number(to) && json_number_value(to) < 0))
		return FF_OK;
	if (!get_int(to, 0, 1000, &target))
		return cam_error(c, i, "extrinsics.toCameraSocket", "expected a socket number");
	if (target == c->cams[i].socket)
		return FF_OK;
	if (!get_matrix3(json_object_get(ex, "rotationMatrix"), l->r))
		return cam_error(c, i, "extrinsics.rotationMatrix", "expected 3x3 numbers");
	const char *tkey = c->use_spec ? "specTranslation" : "translation";
	if (!get_point3(json_object_get(ex, tkey), l->t))
		return ff_error_set(c->err, FF_ERR_FORMAT,
				    "%s: cameraData[%d] (socket %d).extrinsics.%s: expected "
				    "{\"x\", \"y\", \"z\"} numbers",
				    c->name, c->cams[i].index, c->cams[i].socket, tkey);
	l->to = target;
	return FF_OK;
}

static ff_status read_camera(struct ctx *c, int i, ff_calib_camera *cam)
{
	json_t *o = c->cams[i].obj;
	int type = 0;
	json_t *jt = json_object_get(o, "cameraType");
	if (jt && !get_int(jt, 0, 100, &type))
		return cam_error(c, i, "cameraType", "expected a number");
	if (type != 0)
		return ff_error_set(c->err, FF_ERR_UNSUPPORTED,
				    "%s: cameraData[%d] (socket %d).cameraType: model %d is not "
				    "supported, only 0 (perspective)",
				    c->name, c->cams[i].index, c->cams[i].socket, type);
	if (!get_int(json_object_get(o, "width"), 1, FF_CALIB_MAX_SIZE, &cam->width))
		return cam_error(c, i, "width", "expected a whole number of pixels");
	if (!get_int(json_object_get(o, "height"), 1, FF_CALIB_MAX_SIZE, &cam->height))
		return cam_error(c, i, "height", "expected a whole number of pixels");
	if (!get_matrix3(json_object_get(o, "intrinsicMatrix"), cam->k))
		return cam_error(c, i, "intrinsicMatrix", "expected 3x3 numbers");
	json_t *d = json_object_get(o, "distortionCoeff");
	size_t n = json_array_size(d);
	memset(cam->dist, 0, sizeof cam->dist);
	if (d && (n > FF_CALIB_MAX_DIST || !get_numbers(d, cam->dist, n)))
		return cam_error(c, i, "distortionCoeff", "expected up to 14 numbers");
	cam->ndist = (int)n;
	return FF_OK;
}

/* Composed transforms from one camera along its chain of links:
 * x_socket[k] = r[k] x_start + t[k]. */
struct chain {
	int n;
	int socket[MAX_CAMERAS + 1];
	double r[MAX_CAMERAS + 1][9], t[MAX_CAMERAS + 1][3];
};

static void follow(const struct ctx *c, int socket, struct chain *ch)
{
	static const double eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
	ch->n = 1;
	ch->socket[0] = socket;
	memcpy(ch->r[0], eye, sizeof eye);
	memset(ch->t[0], 0, sizeof ch->t[0]);
	while (ch->n <= MAX_CAMERAS) {
		int k = ch->n - 1;
		int i = find_cam(c, ch->socket[k]);
		if (i < 0 || c->links[i].to < 0)
			return;
		for (int j = 0; j < ch->n; j++)
			if (ch->socket[j] == c->links[i].to)
				return;
		const struct link *l = &c->links[i];
		ch->socket[ch->n] = l->to;
		ff_mat3_mul(l->r, ch->r[k], ch->r[ch->n]);
		ff_mat3_apply(l->r, ch->t[k], ch->t[ch->n]);
		for (int a = 0; a < 3; a++)
			ch->t[ch->n][a] += l->t[a];
		ch->n++;
	}
}

static ff_status stereo_extrinsics(const struct ctx *c, int left, int right, ff_stereo_calib *out)
{
	struct chain a, b;
	follow(c, left, &a);
	follow(c, right, &b);
	for (int i = 0; i < a.n; i++)
		for (int j = 0; j < b.n; j++) {
			if (a.socket[i] != b.socket[j])
				continue;
			/* x_c = Ra xl + ta = Rb xr + tb, so xr = Rb'Ra xl + Rb'(ta - tb). */
			double rbt[9], d[3];
			ff_mat3_transpose(b.r[j], rbt);
			ff_mat3_mul(rbt, a.r[i], out->r);
			for (int k = 0; k < 3; k++)
				d[k] = a.t[i][k] - b.t[j][k];
			ff_mat3_apply(rbt, d, out->t);
			return FF_OK;
		}
	return ff_error_set(c->err, FF_ERR_CALIB,
			    "%s: extrinsics: no chain of toCameraSocket links connects socket %d "
			    "(left) and socket %d (right)",
			    c->name, left, right);
}

static ff_status stereo_sockets(const struct ctx *c, json_t *root, int *left, int *right)
{
	json_t *srd = json_object_get(root, "stereoRectificationData");
	*left = 1;
	*right = 2;
	if (!json_is_object(srd))
		return FF_OK;
	static const char *const keys[2] = {"leftCameraSocket", "rightCameraSocket"};
	int *dst[2] = {left, right};
	for (int k = 0; k < 2; k++) {
		json_t *v = json_object_get(srd, keys[k]);
		if (!v || (json_is_number(v) && json_number_value(v) < 0))
			continue;
		if (!get_int(v, 0, 1000, dst[k]))
			return ff_error_set(
			    c->err, FF_ERR_FORMAT,
			    "%s: stereoRectificationData.%s: expected a socket number", c->name,
			    keys[k]);
	}
	if (*left == *right)
		return ff_error_set(
		    c->err, FF_ERR_CALIB,
		    "%s: stereoRectificationData: left and right are both socket %d", c->name,
		    *left);
	return FF_OK;
}

static ff_status parse_root(struct ctx *c, json_t *root, ff_stereo_calib *out)
{
	if (!json_is_object(root))
		return ff_error_set(c->err, FF_ERR_FORMAT, "%s: expected a JSON object", c->name);
	c->use_spec = json_is_true(json_object_get(root, "stereoUseSpecTranslation"));
	ff_status st = read_cameras(c, json_object_get(root, "cameraData"));
	if (st != FF_OK)
		return st;
	for (int i = 0; i < c->ncams; i++)
		if ((st = read_link(c, i)) != FF_OK)
			return st;
	int left, right;
	if ((st = stereo_sockets(c, root, &left, &right)) != FF_OK)
		return st;
	int li = find_cam(c, left), ri = find_cam(c, right);
	if (li < 0 || ri < 0)
		return ff_error_set(c->err, FF_ERR_CALIB,
				    "%s: cameraData: no camera on socket %d (%s)", c->name,
				    li < 0 ? left : right, li < 0 ? "left" : "right");
	ff_stereo_calib calib = {0};
	if ((st = read_camera(c, li, &calib.left)) != FF_OK ||
	    (st = read_camera(c, ri, &calib.right)) != FF_OK ||
	    (st = stereo_extrinsics(c, left, right, &calib)) != FF_OK)
		return st;
	calib.t_scale = CM;
	if ((st = ff_calib_validate(&calib, c->name, c->err)) != FF_OK)
		return st;
	*out = calib;
	return FF_OK;
}

ff_status ff_calib_parse_depthai(const char *data, size_t len, const char *name,
				 ff_stereo_calib *out, ff_error *err)
{
	struct ctx c = {.name = name ? name : "calib.json", .err = err};
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return ff_error_set(err, FF_ERR_FORMAT, "%s:%d:%d: %s", c.name, je.line, je.column,
				    je.text);
	ff_status st = parse_root(&c, root, out);
	json_decref(root);
	return st;
}
