/*
 * track.c - people followed on the floor plane.
 *
 * Tracks live in floor metres, where walking is close to constant velocity
 * and distances mean the same everywhere in the view. Each frame:
 *
 *  1. predict every track with its velocity (an alpha-beta filter: cheap,
 *     and with detections as precise as ours a Kalman gain settles to
 *     constants anyway);
 *  2. assign detections to tracks one-to-one with minimum total distance
 *     (Hungarian algorithm), refusing pairs outside a gate that widens while
 *     a track coasts without detections; a refused pair costs the gate, so
 *     a track left without a detection is cheaper than a chain of tracks
 *     each moved onto its neighbour's head;
 *  3. correct matched tracks, start tentative tracks from the rest, and end
 *     tracks unseen for too long. A track counts only once confirmed (seen
 *     in CONFIRM_HITS frames over CONFIRM_S seconds, so the rule means the
 *     same at 5 and at 30 frames per second), which removes passing noise.
 *
 * Track heights are the median of the last FF_HEIGHT_SAMPLES head heights:
 * robust to depth noise and to a few frames of a raised hand or a bent head.
 *
 * Confirmation is for good; credibility (ff_track_credible) is judged anew
 * each frame from the recent detection rate (an exponential average over
 * PRESENCE_S), so that the counter can hold the passage of a track that is,
 * for now, found too seldom to be a head.
 *
 * A track may also be an object attached to a much taller person (only
 * objects no higher than a small child are judged so): it keeps the same
 * place relative to that person's heading, either straight ahead (the
 * canopy of a stroller or the load of a cart being pushed) or closer than a
 * child holding the hand could walk (a bag or an arm). It is attached when
 * it keeps that place for ATTACH_S within ATTACH_DEV_M. Two people never
 * hold a place that rigidly for long: even a child at a parent's hand
 * drifts, and walks beside, not in front. Depth noise at 5 m makes a
 * canopy wobble about as much as that bound, so a track that keeps the
 * place within twice the bound is doubtful: not credible, its passages held,
 * until it moves away from the place (then they count) or ends, when the
 * share of its recent time it was attached decides.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

#define CONFIRM_HITS 4
#define CONFIRM_S 0.4
#define TENTATIVE_MAX_MISSES 1
#define MAX_COAST_S 0.8 /* a confirmed track survives this long unseen */
#define GATE_M 0.45	/* largest jump between predicted and detected */
#define GATE_GROWTH 1.5 /* m/s: the gate widens while coasting */
#define GATE_MAX_M 1.2
#define ALPHA 0.65
#define BETA 0.25
#define MAX_SPEED 3.5 /* m/s */
#define HEIGHT_JUMP_M 0.30f
#define SETTLED_SAMPLES 4 /* height samples after which a track's height is known */
#define PRESENCE_S 1.0	  /* memory of the detection rate */
#define MIN_PRESENCE 0.35f
#define ATTACH_MAX_H_M 1.15f	 /* a canopy, a cart's load or a bag is no higher */
#define ATTACH_TALLER_M 0.45f	 /* and the partner's head is this much higher */
#define ATTACH_MAX_M 1.0	 /* and no further away than this */
#define ATTACH_MIN_SPEED 0.3	 /* m/s: a standing partner has no heading */
#define ATTACH_TAU_S 1.0	 /* memory of the offset statistics */
#define ATTACH_S 0.5		 /* time a place must be kept */
#define ATTACH_DEV_M 0.10	 /* RMS deviation from the kept place */
#define ATTACH_AHEAD_M 0.55	 /* pushed ahead: at least this far in front */
#define ATTACH_AHEAD_SIDE_M 0.25 /* and no more than this to the side */
#define ATTACH_CLOSE_M 0.34	 /* carried: closer than a hand-held child */
#define ATTACH_SHARE_S 2.0	 /* memory of the attached share */

void ff_tracker_init(ff_tracker *tr)
{
	memset(tr, 0, sizeof *tr);
	tr->next_id = 1;
	tr->last_t = NAN;
}

/* Minimum-cost assignment of n rows to m >= n columns (cost is n x m, row
 * major); the shortest-augmenting-path form of the Hungarian algorithm with
 * potentials, O(n^2 m). assign[row] receives a column. */
static void hungarian(ff_tracker *tr, const double *cost, int n, int m, int *assign)
{
	double *u = tr->u, *v = tr->v, *minv = tr->minv;
	int *p = tr->p, *way = tr->way;
	bool *used = tr->used;

	for (int j = 0; j <= m; j++) {
		v[j] = 0;
		p[j] = 0;
		way[j] = 0;
	}
	for (int i = 0; i <= n; i++)
		u[i] = 0;
	for (int i = 1; i <= n; i++) {
		int j0 = 0;
		p[0] = i;
		for (int j = 0; j <= m; j++) {
			minv[j] = INFINITY;
			used[j] = false;
		}
		do {
			used[j0] = true;
			int i0 = p[j0], j1 = 0;
			double delta = INFINITY;
			for (int j = 1; j <= m; j++) {
				if (used[j])
					continue;
				double cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
				if (cur < minv[j]) {
					minv[j] = cur;
					way[j] = j0;
				}
				if (minv[j] < delta) {
					delta = minv[j];
					j1 = j;
				}
			}
			for (int j = 0; j <= m; j++) {
				if (used[j]) {
					u[p[j]] += delta;
					v[j] -= delta;
				} else {
					minv[j] -= delta;
				}
			}
			j0 = j1;
		} while (p[j0] != 0);
		do {
			int j1 = way[j0];
			p[j0] = p[j1];
			j0 = j1;
		} while (j0);
	}
	for (int j = 1; j <= m; j++)
		if (p[j])
			assign[p[j] - 1] = j - 1;
}

static float median_height(ff_tracker *tr, const ff_track *t)
{
	int n = t->nheights;
	memcpy(tr->scratch, t->heights, (size_t)n * sizeof(float));
	/* Insertion sort: at most FF_HEIGHT_SAMPLES values, nearly sorted
	 * from frame to frame in practice. */
	for (int i = 1; i < n; i++) {
		float x = tr->scratch[i];
		int j = i - 1;
		while (j >= 0 && tr->scratch[j] > x) {
			tr->scratch[j + 1] = tr->scratch[j];
			j--;
		}
		tr->scratch[j + 1] = x;
	}
	return n % 2 ? tr->scratch[n / 2] : 0.5f * (tr->scratch[n / 2 - 1] + tr->scratch[n / 2]);
}

static void add_height(ff_tracker *tr, ff_track *t, float h)
{
	t->heights[t->hpos] = h;
	t->hpos = (t->hpos + 1) % FF_HEIGHT_SAMPLES;
	if (t->nheights < FF_HEIGHT_SAMPLES)
		t->nheights++;
	t->height = median_height(tr, t);
}

static double gate(const ff_track *t, double now)
{
	double g = GATE_M + GATE_GROWTH * (now - t->last_seen);
	return g > GATE_MAX_M ? GATE_MAX_M : g;
}

static void clamp_speed(ff_track *t)
{
	double s = sqrt(t->vx * t->vx + t->vy * t->vy);
	if (s > MAX_SPEED) {
		t->vx *= MAX_SPEED / s;
		t->vy *= MAX_SPEED / s;
	}
}

/* Moves a track's detection rate towards 1 (seen this frame) or 0. */
static void update_presence(ff_track *t, bool seen, double dt)
{
	float a = dt < PRESENCE_S ? (float)(dt / PRESENCE_S) : 1.0f;
	t->presence += a * ((seen ? 1.0f : 0.0f) - t->presence);
}

static void correct(ff_tracker *tr, ff_track *t, const ff_detection *d, double now, double dt)
{
	if (t->hits == 1) {
		double span = now - t->last_seen;
		if (span > 0) {
			t->vx = (d->fx - t->det.fx) / span;
			t->vy = (d->fy - t->det.fy) / span;
		}
		t->x = d->fx;
		t->y = d->fy;
	} else {
		double rx = d->fx - t->x, ry = d->fy - t->y;
		t->x += ALPHA * rx;
		t->y += ALPHA * ry;
		if (dt > 0) {
			t->vx += BETA * rx / dt;
			t->vy += BETA * ry / dt;
		}
	}
	clamp_speed(t);
	t->det = *d;
	t->hits++;
	t->misses = 0;
	update_presence(t, true, dt);
	t->seen_presence = t->presence;
	t->last_seen = now;
	t->matched = true;
	if (t->hits >= CONFIRM_HITS && now - t->born >= CONFIRM_S - 1e-6)
		t->confirmed = true;
	add_height(tr, t, d->height);
}

/* A person's head is found in nearly every frame, while a stroller's canopy
 * or a bag, plateaus on which depth noise leaves head-sized islands above
 * the cut, pass the head tests only now and then; a confirmed track can
 * coast from one such frame to the next for seconds. A small child far from
 * the camera is found in fewer frames than an adult too, hence a low bar.
 * Those found often enough are told by their attachment to the person who
 * carries or pushes them (see the top of the file). */
bool ff_track_credible(const ff_track *t)
{
	bool attached = t->alive ? t->doubtful : t->doubtful && t->attach_share >= 0.5f;
	return t->seen_presence >= MIN_PRESENCE && !attached;
}

static bool settled(const ff_track *t)
{
	return t->alive && t->confirmed && t->nheights >= SETTLED_SAMPLES;
}

/* Follows, for every settled track, the nearest clearly taller moving track
 * and how steadily it keeps its place next to it (see the top of the file). */
static void update_attachments(ff_tracker *tr, double now, double dt)
{
	for (int i = 0; i < FF_MAX_TRACKS; i++) {
		ff_track *k = &tr->tracks[i];
		/* A track that ended this frame is read as it was: its last
		 * attachment decides a passage still held. */
		if (!k->alive)
			continue;
		if (!settled(k) || k->height > ATTACH_MAX_H_M) {
			k->partner = 0;
			k->doubtful = k->attached = false;
			continue;
		}
		const ff_track *best = NULL;
		double best_d = ATTACH_MAX_M;
		for (int j = 0; j < FF_MAX_TRACKS; j++) {
			const ff_track *m = &tr->tracks[j];
			if (j == i || !settled(m) || m->height - k->height < ATTACH_TALLER_M ||
			    hypot(m->vx, m->vy) < ATTACH_MIN_SPEED)
				continue;
			double d = hypot(k->x - m->x, k->y - m->y);
			if (d < best_d) {
				best_d = d;
				best = m;
			}
		}
		if (!best) {
			k->partner = 0;
			k->doubtful = k->attached = false;
			continue;
		}
		double speed = hypot(best->vx, best->vy);
		double hx = best->vx / speed, hy = best->vy / speed;
		double dx = k->x - best->x, dy = k->y - best->y;
		float along = (float)(dx * hx + dy * hy), across = (float)(dy * hx - dx * hy);
		if (best->id != k->partner) {
			k->partner = best->id;
			k->partner_since = now;
			k->off_a = along;
			k->off_l = across;
			k->off_var = 0;
			k->attach_share = 0;
		} else {
			float a = dt < ATTACH_TAU_S ? (float)(dt / ATTACH_TAU_S) : 1.0f;
			float ea = along - k->off_a, el = across - k->off_l;
			k->off_var += a * (ea * ea + el * el - k->off_var);
			k->off_a += a * ea;
			k->off_l += a * el;
		}
		bool ahead = k->off_a >= ATTACH_AHEAD_M && fabsf(k->off_l) <= ATTACH_AHEAD_SIDE_M;
		bool close = hypotf(k->off_a, k->off_l) < ATTACH_CLOSE_M;
		k->doubtful = (ahead || close) && k->off_var < 4 * ATTACH_DEV_M * ATTACH_DEV_M;
		k->attached = k->doubtful && now - k->partner_since >= ATTACH_S &&
			      k->off_var < ATTACH_DEV_M * ATTACH_DEV_M;
		float w = dt < ATTACH_SHARE_S ? (float)(dt / ATTACH_SHARE_S) : 1.0f;
		k->attach_share += w * ((k->attached ? 1.0f : 0.0f) - k->attach_share);
	}
}

int ff_tracker_update(ff_tracker *tr, const ff_detection *det, int ndet, double t, int *ended,
		      int ended_cap)
{
	double dt = isnan(tr->last_t) ? 0 : t - tr->last_t;
	int rows[FF_MAX_TRACKS], nrows = 0, nended = 0;
	double gates[FF_MAX_TRACKS];
	bool det_used[FF_MAX_DETECTIONS] = {false};

	tr->last_t = t;
	for (int i = 0; i < FF_MAX_TRACKS; i++) {
		ff_track *k = &tr->tracks[i];
		k->matched = false;
		if (!k->alive)
			continue;
		k->x += k->vx * dt;
		k->y += k->vy * dt;
		rows[nrows++] = i;
	}
	if (ndet > FF_MAX_DETECTIONS)
		ndet = FF_MAX_DETECTIONS;

	if (nrows && ndet) {
		/* The assignment needs rows <= columns: transpose when there
		 * are more tracks than detections. */
		bool by_track = nrows <= ndet;
		int n = by_track ? nrows : ndet, m = by_track ? ndet : nrows;
		for (int a = 0; a < nrows; a++) {
			const ff_track *k = &tr->tracks[rows[a]];
			double g = gate(k, t);
			gates[a] = g;
			for (int b = 0; b < ndet; b++) {
				double dx = det[b].fx - k->x, dy = det[b].fy - k->y;
				double dist = sqrt(dx * dx + dy * dy);
				/* A settled track never takes a head of another
				 * height: when its own head flickers out, a noise
				 * blob or a neighbour must not take its place. */
				bool other = k->nheights >= SETTLED_SAMPLES &&
					     fabsf(det[b].height - k->height) > HEIGHT_JUMP_M;
				/* In a tight queue whose leader's head is gone, a
				 * bare count of matches would move every track onto
				 * the head behind it (see the top of the file). */
				double c = dist < g && !other ? dist : g;
				if (by_track)
					tr->cost[a * m + b] = c;
				else
					tr->cost[b * m + a] = c;
			}
		}
		hungarian(tr, tr->cost, n, m, tr->assign);
		for (int r = 0; r < n; r++) {
			int a = by_track ? r : tr->assign[r], b = by_track ? tr->assign[r] : r;
			if (tr->cost[r * m + tr->assign[r]] >= gates[a])
				continue;
			ff_track *k = &tr->tracks[rows[a]];
			/* A head 30 cm higher or lower than the track's is
			 * someone else: a person coming into view at the
			 * image edge shows a shoulder first, then the head. */
			if (k->nheights >= 2 && fabsf(det[b].height - k->height) > HEIGHT_JUMP_M) {
				k->split = true;
				continue;
			}
			correct(tr, k, &det[b], t, dt);
			det_used[b] = true;
		}
	}

	/* End tracks first, so that their slots are not reused this frame:
	 * the caller still reads them through ended[]. */
	bool ending[FF_MAX_TRACKS] = {false};
	for (int a = 0; a < nrows; a++) {
		ff_track *k = &tr->tracks[rows[a]];
		if (k->matched)
			continue;
		update_presence(k, false, dt);
		k->misses++;
		k->vx *= 0.9;
		k->vy *= 0.9;
		if (k->split || (!k->confirmed && k->misses > TENTATIVE_MAX_MISSES) ||
		    (k->confirmed && t - k->last_seen > MAX_COAST_S)) {
			k->alive = false;
			ending[rows[a]] = true;
			if (nended < ended_cap)
				ended[nended++] = rows[a];
		}
	}
	for (int b = 0; b < ndet; b++) {
		if (det_used[b])
			continue;
		int slot = -1;
		for (int i = 0; i < FF_MAX_TRACKS && slot < 0; i++)
			if (!tr->tracks[i].alive && !ending[i])
				slot = i;
		if (slot < 0)
			break;
		ff_track *k = &tr->tracks[slot];
		memset(k, 0, sizeof *k);
		k->id = tr->next_id++;
		k->alive = true;
		k->born = t;
		k->last_seen = t;
		k->x = det[b].fx;
		k->y = det[b].fy;
		k->det = det[b];
		k->hits = 1;
		k->matched = true;
		k->presence = k->seen_presence = 1.0f;
		add_height(tr, k, det[b].height);
	}
	update_attachments(tr, t, dt);
	return nended;
}
