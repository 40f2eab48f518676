// rule-geometry.js - the geometry behind the Rule page's editor, free of
// any DOM so that it can be checked on its own.
//
// Shapes are kept as the daemon stores them: arrays of [x, y] in normalised
// image coordinates (0..1, y down). Anything that measures distances (hit
// tests, the width of the default U-turn band) works in pixels of the view
// instead, because the image is rarely square and "near a vertex" or "a
// band 1 m wide" must look the same in every direction; callers pass the
// view's size as {w, h}. (The "in" arrows are drawn by liveview.js.)

// Limits of spec section 3, enforced by the editor before the daemon sees
// anything.
export const LIMITS = Object.freeze({
	lines: 4,
	linePoints: 5, // 4 segments
	regions: 4,
	polygonPoints: 10,
});

// Pixels within which a press grabs a vertex or a segment.
const GRAB_PX = 10;

const clamp01 = v => Math.min(1, Math.max(0, v));

export function toPx(p, size) {
	return [p[0] * size.w, p[1] * size.h];
}

export function toNorm(px, size) {
	return [clamp01(px[0] / size.w), clamp01(px[1] / size.h)];
}

// Rounded to 4 decimals (a tenth of a pixel at 1000 pixels): keeps the
// stored document short without moving anything visibly.
function round4(p) {
	return [Math.round(p[0] * 1e4) / 1e4, Math.round(p[1] * 1e4) / 1e4];
}

function dist(a, b) {
	return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

// Distance from point p to segment a-b (all in pixels).
function segmentDistance(p, a, b) {
	const dx = b[0] - a[0], dy = b[1] - a[1];
	const len2 = dx * dx + dy * dy;
	let t = len2 > 0 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
	t = Math.min(1, Math.max(0, t));
	return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

// Index of the vertex of points within GRAB_PX of px, or -1.
export function hitVertex(points, px, size) {
	let best = -1, bestD = GRAB_PX;
	points.forEach((p, i) => {
		const d = dist(toPx(p, size), px);
		if (d <= bestD) {
			best = i;
			bestD = d;
		}
	});
	return best;
}

// Whether px is on the shape: near one of its segments, or for a closed
// polygon anywhere inside it.
export function hitShape(points, closed, px, size) {
	const pts = points.map(p => toPx(p, size));
	const n = pts.length;
	for (let i = 0; i + 1 < n + (closed ? 1 : 0); i++)
		if (segmentDistance(px, pts[i], pts[(i + 1) % n]) <= GRAB_PX)
			return true;
	return closed && n >= 3 && insidePolygon(pts, px);
}

// Even-odd rule.
export function insidePolygon(pts, p) {
	let inside = false;
	for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) {
		const [xi, yi] = pts[i], [xj, yj] = pts[j];
		if ((yi > p[1]) !== (yj > p[1]) && p[0] < (xj - xi) * (p[1] - yi) / (yj - yi) + xi)
			inside = !inside;
	}
	return inside;
}

// A default U-turn area: the band of half-width halfPx pixels around the
// polyline, its ends extended by a fifth of that, as a polygon of
// 2 * points (at most 10, the polygon limit). Corners are mitred; the miter
// is capped at twice the width so that a sharp bend stays a sane polygon.
export function defaultBand(points, size, halfPx) {
	const pts = points.map(p => toPx(p, size));
	const n = pts.length;
	const dirs = [];
	for (let i = 0; i + 1 < n; i++) {
		const d = dist(pts[i], pts[i + 1]) || 1;
		dirs.push([(pts[i + 1][0] - pts[i][0]) / d, (pts[i + 1][1] - pts[i][1]) / d]);
	}
	const left = [], right = [];
	for (let i = 0; i < n; i++) {
		const din = dirs[Math.max(0, i - 1)], dout = dirs[Math.min(dirs.length - 1, i)];
		let mx = din[0] + dout[0], my = din[1] + dout[1];
		const ml = Math.hypot(mx, my) || 1;
		mx /= ml;
		my /= ml;
		// normal of the averaged direction, scaled so that the offset
		// keeps halfPx from both segments
		const cos = Math.max(0.5, mx * dout[0] + my * dout[1]);
		const nx = -my * halfPx / cos, ny = mx * halfPx / cos;
		let ex = 0, ey = 0;
		if (i === 0) {
			ex = -dout[0] * halfPx / 5;
			ey = -dout[1] * halfPx / 5;
		} else if (i === n - 1) {
			ex = din[0] * halfPx / 5;
			ey = din[1] * halfPx / 5;
		}
		const p = pts[i];
		left.push([p[0] + ex + nx, p[1] + ey + ny]);
		right.push([p[0] + ex - nx, p[1] + ey - ny]);
	}
	return left.concat(right.reverse()).map(p => round4(toNorm(p, size)));
}

// Moves every point by (dx, dy) (normalised) as far as the shape stays
// inside the image, so dragging a shape against an edge does not deform it.
export function translate(points, dx, dy) {
	const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
	const cdx = Math.min(1 - Math.max(...xs), Math.max(-Math.min(...xs), dx));
	const cdy = Math.min(1 - Math.max(...ys), Math.max(-Math.min(...ys), dy));
	return points.map(p => round4([p[0] + cdx, p[1] + cdy]));
}

// Whether adding p to an open polyline would make a segment of zero length
// (a double click): the daemon refuses those.
export function repeatsLast(points, p, size) {
	return points.length > 0 && dist(toPx(points[points.length - 1], size), toPx(p, size)) < 2;
}
