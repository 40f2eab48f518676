/*
 * sim_internal.h - how the simulator is put together.
 *
 *   scene.c      the scene object: camera, people, objects, frame times
 *   path.c       smooth trajectories and the pose of a person at a time
 *   body.c       people, carts and furniture as primitives (world frame)
 *   render.c     ray casting of primitives into a z-buffer (camera frame)
 *   noise.c      the stereo camera's errors applied to the exact depth
 *   truth.c      the counts of spec section 3 from the true trajectories
 *   truth_json.c truth.json
 *   catalogue.c  the named scenes
 *
 * Rendering casts the camera's rays at analytic primitives, so any camera
 * pose works (a right stereo camera or a tilted one is just another pose)
 * and every pixel knows the surface it hit: that is what a textured stereo
 * mode needs to look up texture.
 */
#ifndef FOOTFALL_SIM_INTERNAL_H
#define FOOTFALL_SIM_INTERNAL_H

#include <stdint.h>

#include <footfall/sim.h>

/* ---- Random numbers ------------------------------------------------------ */

/* splitmix64: tiny state, good enough statistics, and a stream per (seed,
 * purpose, index) is one multiplication away, which is what keeps frames
 * renderable in any order. */
typedef struct sim_rng {
	uint64_t s;
} sim_rng;

static inline uint64_t sim_rng_next(sim_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline double sim_rng_uniform(sim_rng *r)
{
	return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline double sim_rng_range(sim_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * sim_rng_uniform(r);
}

static inline sim_rng sim_rng_stream(uint64_t seed, uint64_t purpose, uint64_t index)
{
	sim_rng r = {seed * 0x2545f4914f6cdd1dULL ^ (purpose << 32) ^ index};
	sim_rng_next(&r);
	return r;
}

double sim_rng_gauss(sim_rng *r);

/* ---- Primitives ---------------------------------------------------------- */

enum sim_material {
	MAT_FLOOR = 0,
	MAT_SKIN,
	MAT_HAIR_DARK,
	MAT_HAIR_LIGHT,
	MAT_CLOTH,
	MAT_CLOTH_DARK,
	MAT_METAL,
	MAT_WOOD,
	MAT_WALL,
	MAT_COUNT
};

enum sim_prim_kind { PRIM_ELLIPSOID = 0, PRIM_CAPSULE, PRIM_BOX };

/* An ellipsoid or box: centre c, orthonormal axes ax[0..2] (rows) and
 * semi-axes / half extents h. A capsule: segment c..b, radius r. */
typedef struct sim_prim {
	int kind;
	int material;
	int surface; /* stable id of the surface, for texture */
	double c[3], b[3];
	double ax[3][3];
	double h[3];
	double r;
} sim_prim;

/* ---- People ------------------------------------------------------------ */

typedef struct sim_person {
	ff_sim_person d;
	ff_sim_key *keys;
	int nkeys;
	double *tan; /* 2 * nkeys: Hermite tangents (m/s) */
	double t0, t1;
	double travel_dir; /* overall heading when not walking */
	/* body dimensions */
	double head_top;	       /* top of the skull (below a hat) */
	double head_a, head_b, head_c; /* semi-axes: forward, sideways, up */
	double hat_h, shoulder_drop, shoulder_w, torso_d, torso_h, hip_h;
	double arm_r, leg_r, step_len, bob;
	int hair_mat, cloth_mat;
	double sway_phase;
	/* distance walked, sampled every SIM_DIST_DT from t0 */
	double *dist;
	int ndist;
} sim_person;

#define SIM_DIST_DT 0.02

typedef struct sim_pose {
	double x, y;	 /* floor position */
	double vx, vy;	 /* velocity */
	double heading;	 /* radians */
	double phase;	 /* gait phase (radians) */
	double head_top; /* current top of the head (bob included, hat too) */
} sim_pose;

/* Fills the derived fields (dimensions, tangents, distance table). */
ff_status sim_person_prepare(sim_person *p, int index, ff_error *err);
/* path.c part of the above: tangents, distance table, travel direction. */
ff_status sim_path_prepare(sim_person *p, ff_error *err);
void sim_person_free(sim_person *p);
/* False when the person is not in the scene at time t. */
bool sim_person_pose(const sim_person *p, double t, sim_pose *out);
/* Floor position along the path (no sway), for planning and collision. */
void sim_path_eval(const sim_person *p, double t, double *x, double *y, double *vx, double *vy);

/* World-frame primitives of person i at time t (pose already known). */
int sim_body_prims(const ff_sim_scene *s, int i, const sim_pose *pose, double t, sim_prim *out,
		   int cap);
int sim_object_prims(const ff_sim_object *o, int surface, sim_prim *out, int cap);

#define SIM_PRIMS_PER_PERSON 32
#define SIM_PRIMS_PER_OBJECT 8

/* ---- Scene ------------------------------------------------------------- */

/* A raw camera of the textured stereo pair: intrinsics, OpenCV's
 * distortion (k1 k2 p1 p2 k3) and its rotation from the ideal rectified
 * camera at the same place (x_raw = R x_ideal). */
typedef struct sim_lens {
	double fx, fy, cx, cy;
	double d[5];
	double R[3][3];
} sim_lens;

struct ff_sim_scene {
	ff_sim_setup setup;
	ff_camera cam;
	double R[3][3];	  /* world -> camera rotation */
	double C[3];	  /* camera centre (world) */
	double nfloor[3]; /* floor normal towards the floor, camera frame */
	ff_rules rules;
	sim_person *people;
	int npeople, cap_people;
	ff_sim_object *objects;
	int nobjects, cap_objects;
	double *times;
	size_t nframes;
	/* render state, sized at creation */
	float *xn, *yn; /* normalised ray per column / row */
	float *floor_z; /* depth of the floor per pixel */
	float *zbuf;	/* exact depth (m) of the frame */
	uint8_t *mat;	/* material per pixel */
	float *work;	/* noise work space (disparity) */
	float *dexact;	/* exact disparity of the frame */
	float *field;	/* coarse noise fields */
	sim_prim *prims;
	int nprims, cap_prims;
	float gauss[4096];
	/* textured stereo mode, allocated on first use (stereo.c); views are
	 * st_view sized: the depth camera for the ideal pair, a wider canvas
	 * that the raw cameras' images are warped from for a raw pair */
	ff_camera st_view;
	float *st_xn, *st_yn;
	float *st_floor_l, *st_floor_r, *st_z;
	float *st_floor_img; /* radiance of the empty floor, left then right */
	uint8_t *st_mat;
	int16_t *st_prim_l, *st_prim_r;
	sim_lens st_lens[2];
	float *st_map; /* raw pair: canvas x, y per raw pixel, left then right */
	float *st_raw; /* raw pair: radiance per raw pixel */
	/* ground truth */
	ff_sim_truth truth;
	bool truth_valid;
};

void sim_world_to_camera(const ff_sim_scene *s, const double w[3], double c[3]);
void sim_dir_to_camera(const ff_sim_scene *s, const double w[3], double c[3]);
/* Back-projects a normalised image point onto the horizontal plane z = h. */
bool sim_image_to_plane(const ff_sim_scene *s, double nx, double ny, double h, double *x,
			double *y);
/* Normalised image point of a world point. */
bool sim_project_norm(const ff_sim_scene *s, double x, double y, double z, ff_point *out);
/* Axis-aligned floor rectangle that contains the view at floor level. */
void sim_view_bounds(const ff_sim_scene *s, double z, double *x0, double *x1, double *y0,
		     double *y1);

void sim_stereo_free(ff_sim_scene *s);

/* Removes the last person (scene generators undo a rejected candidate). */
void sim_scene_pop_person(ff_sim_scene *s);

/* A camera to render into: pose (world -> camera), pinhole rays, the floor
 * depth per pixel and the output buffers. */
typedef struct sim_view {
	double R[3][3], C[3];
	const ff_camera *cam;
	const float *xn, *yn;
	const float *floor_z;
	float *z;
	uint8_t *mat;
	int16_t *prim; /* primitive hit per pixel, -1 floor; NULL: not wanted */
} sim_view;

/* render.c: the primitives of time t into s->prims. */
ff_status sim_build_prims(ff_sim_scene *s, double t, ff_error *err);
/* Ray casts s->prims into a view. */
void sim_render_view(const ff_sim_scene *s, const sim_view *v);
/* The depth camera's view onto the scene's own buffers. */
void sim_scene_view(const ff_sim_scene *s, sim_view *v);
/* Exact depth and materials of the scene at time t (depth camera). */
ff_status sim_render_exact(ff_sim_scene *s, double t, ff_error *err);
/* noise.c: floats of work space the noise model needs (s->field). */
size_t sim_noise_field_size(int w, int h);
/* noise.c: exact depth -> camera output for frame `frame`. */
void sim_noise_apply(ff_sim_scene *s, uint64_t frame, uint16_t *depth);

/* ---- Truth ------------------------------------------------------------- */

/* Per-person problems that would make the truth disputable. */
enum {
	SIM_AMB_NONE = 0,
	SIM_AMB_LINE_END = 1 << 0,  /* passes near a line's end */
	SIM_AMB_EXCURSION = 1 << 1, /* turns back in the grey zone past a line */
	SIM_AMB_AREA = 1 << 2,	    /* flickers on a U-turn area boundary */
	SIM_AMB_REGION = 1 << 3,    /* grazes a region or stays near a threshold */
	SIM_AMB_HEIGHT = 1 << 4,    /* height near a rule limit */
	SIM_AMB_END = 1 << 5,	    /* on a line when the recording ends */
	SIM_AMB_START = 1 << 6,	    /* starts near a line */
	SIM_AMB_UNSEEN = 1 << 7	    /* crosses (feet) with the head out of view */
};

/* Adds one dwell record to the summary. */

/* Ambiguity flags of person i under the scene's rules. */
unsigned sim_truth_person_check(const ff_sim_scene *s, int i);

#endif
