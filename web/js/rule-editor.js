// rule-editor.js - mouse (and touch) editing of the Rule page's shapes on
// the live view's overlay canvas.
//
// The editor works directly on the page's draft rules object, on one shape
// at a time, the target:
//   {kind: 'line',   index}  rules.lines[index].points
//   {kind: 'uturn',  index}  rules.lines[index].uturn_area
//   {kind: 'region', index}  rules.regions[index].points
// and is in one of three states:
//   idle      nothing selected; a press on a shape selects it
//   selected  the target shows its vertices; dragging a vertex moves it,
//             dragging the shape moves all of it
//   drawing   each left click adds a vertex, a right click (or finish())
//             ends the shape; a shape that would exceed its limit
//             (LIMITS) refuses the vertex and says why
// The page owns the lists and the buttons; it hears about every change
// through hooks.changed() and about a finished drawing through
// hooks.drawn(target, points), which stores the points (and creates the
// line or region when the target is a new one). Messages for the user go
// through hooks.message(key, params) as i18n keys.
import {LIMITS, hitShape, hitVertex, repeatsLast, toNorm, translate} from './rule-geometry.js';
import {colourOf} from './liveview.js';

const SPEC = {
	line: {closed: false, min: 2, max: LIMITS.linePoints},
	uturn: {closed: true, min: 3, max: LIMITS.polygonPoints},
	region: {closed: true, min: 3, max: LIMITS.polygonPoints},
};

export function createEditor(lv, rules, hooks) {
	let target = null;
	let drawing = null; // points of the shape being drawn
	let cursor = null; // last pointer position while drawing
	let drag = null; // {vertex, start, orig}
	let visible = {uturn: true, regions: true};

	const size = () => {
		const r = lv.canvas.getBoundingClientRect();
		return {w: r.width || 1, h: r.height || 1};
	};
	const px = ev => {
		const r = lv.canvas.getBoundingClientRect();
		return [ev.clientX - r.left, ev.clientY - r.top];
	};

	function pointsOf(t) {
		if (!t)
			return null;
		if (t.kind === 'region')
			return rules.regions[t.index] ? rules.regions[t.index].points : null;
		const line = rules.lines[t.index];
		if (!line)
			return null;
		return t.kind === 'line' ? line.points : line.uturn_area || null;
	}

	function setPoints(t, pts) {
		if (t.kind === 'region')
			rules.regions[t.index].points = pts;
		else if (t.kind === 'line')
			rules.lines[t.index].points = pts;
		else
			rules.lines[t.index].uturn_area = pts;
	}

	// Every shape a press could select, topmost first.
	function candidates() {
		const out = [];
		rules.lines.forEach((l, i) => out.push({kind: 'line', index: i}));
		if (visible.uturn)
			rules.lines.forEach((l, i) => l.uturn_area && out.push({kind: 'uturn', index: i}));
		if (visible.regions)
			rules.regions.forEach((g, i) => out.push({kind: 'region', index: i}));
		return out;
	}

	function prompt() {
		if (drawing) {
			const spec = SPEC[target.kind];
			hooks.message(`rule.hint_draw_${target.kind}`, {n: drawing.length, max: spec.max});
		} else if (target) {
			hooks.message('rule.hint_selected');
		} else {
			hooks.message('rule.hint_idle');
		}
	}

	function changed() {
		lv.redraw();
		hooks.changed();
	}

	function addVertex(p) {
		const spec = SPEC[target.kind];
		if (drawing.length >= spec.max) {
			hooks.message(`rule.limit_${target.kind}`, {max: spec.max, segments: spec.max - 1}, 'error');
			return;
		}
		if (repeatsLast(drawing, p, size()))
			return;
		drawing.push(p);
		prompt();
		lv.redraw();
	}

	function onDown(ev) {
		if (ev.button === 2) {
			if (drawing)
				editor.finish();
			return;
		}
		if (ev.button !== 0)
			return;
		ev.preventDefault();
		const s = size(), at = px(ev);
		if (drawing) {
			addVertex(toNorm(at, s));
			return;
		}
		let pts = pointsOf(target);
		let v = pts ? hitVertex(pts, at, s) : -1;
		if (v < 0 && !(pts && hitShape(pts, SPEC[target.kind].closed, at, s))) {
			// a press elsewhere selects whatever shape is there
			const found = candidates().find(c => hitShape(pointsOf(c), SPEC[c.kind].closed, at, s));
			target = found || null;
			hooks.selected(target);
			pts = pointsOf(target);
			v = pts ? hitVertex(pts, at, s) : -1;
			prompt();
			lv.redraw();
			if (!target)
				return;
		}
		drag = {vertex: v, start: at, orig: pts.map(p => p.slice())};
		lv.canvas.setPointerCapture(ev.pointerId);
	}

	function onMove(ev) {
		const s = size(), at = px(ev);
		if (drawing) {
			cursor = toNorm(at, s);
			lv.redraw();
			return;
		}
		if (!drag)
			return;
		const dx = (at[0] - drag.start[0]) / s.w, dy = (at[1] - drag.start[1]) / s.h;
		if (drag.vertex >= 0) {
			const pts = drag.orig.map(p => p.slice());
			pts[drag.vertex] = toNorm(at, s);
			setPoints(target, pts);
		} else {
			setPoints(target, translate(drag.orig, dx, dy));
		}
		drag.moved = true;
		lv.redraw();
	}

	function onUp() {
		if (!drag)
			return;
		const d = drag;
		drag = null;
		if (!d.moved)
			return;
		// A vertex dropped onto a neighbour would make a segment of zero
		// length, which the daemon refuses: put it back.
		const pts = pointsOf(target);
		if (d.vertex >= 0 && target.kind === 'line') {
			const s = size(), p = pts[d.vertex];
			const near = [pts[d.vertex - 1], pts[d.vertex + 1]].some(q => q && repeatsLast([q], p, s));
			if (near)
				setPoints(target, d.orig);
		}
		changed();
	}

	const noMenu = ev => ev.preventDefault();
	const onKey = ev => {
		if (ev.key === 'Escape' && drawing)
			editor.cancel();
	};
	const listeners = [[lv.canvas, 'pointerdown', onDown], [lv.canvas, 'pointermove', onMove],
		[lv.canvas, 'pointerup', onUp], [lv.canvas, 'pointercancel', onUp],
		[lv.canvas, 'contextmenu', noMenu], [document, 'keydown', onKey]];
	for (const [target, type, fn] of listeners)
		target.addEventListener(type, fn);

	function colourFor(t) {
		return colourOf(t.kind === 'region' ? t.index + 2 : t.index);
	}

	const removeLayer = lv.addLayer(ctx => {
		if (!target)
			return;
		const colour = colourFor(target);
		const pts = (drawing || pointsOf(target) || []).map(p => lv.toPixels(p));
		ctx.save();
		if (drawing && pts.length) {
			ctx.strokeStyle = colour;
			ctx.lineWidth = 3;
			ctx.beginPath();
			pts.forEach((p, i) => (i ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1])));
			ctx.stroke();
			if (cursor) {
				const c = lv.toPixels(cursor), last = pts[pts.length - 1];
				ctx.setLineDash([5, 4]);
				ctx.beginPath();
				ctx.moveTo(last[0], last[1]);
				ctx.lineTo(c[0], c[1]);
				if (SPEC[target.kind].closed && pts.length > 1)
					ctx.lineTo(pts[0][0], pts[0][1]);
				ctx.stroke();
				ctx.setLineDash([]);
			}
		}
		for (const p of pts) {
			ctx.beginPath();
			ctx.arc(p[0], p[1], 6, 0, 2 * Math.PI);
			ctx.fillStyle = '#fff';
			ctx.fill();
			ctx.lineWidth = 2.5;
			ctx.strokeStyle = colour;
			ctx.stroke();
		}
		ctx.restore();
	});

	const editor = {
		get target() {
			return target;
		},
		get drawing() {
			return !!drawing;
		},
		// Shows the vertices of t (null: none) for dragging.
		select(t) {
			if (drawing)
				editor.cancel();
			target = t && pointsOf(t) ? t : null;
			prompt();
			lv.redraw();
		},
		// Starts drawing t afresh; t may be one past the end of its list
		// (a new line or region).
		draw(t) {
			if (drawing)
				editor.cancel();
			target = t;
			drawing = [];
			cursor = null;
			prompt();
			lv.redraw();
		},
		finish() {
			if (!drawing)
				return false;
			const spec = SPEC[target.kind];
			if (drawing.length < spec.min) {
				hooks.message(`rule.too_few_${target.kind}`, {min: spec.min}, 'error');
				return false;
			}
			const pts = drawing;
			drawing = null;
			cursor = null;
			hooks.drawn(target, pts);
			prompt();
			changed();
			return true;
		},
		cancel() {
			if (!drawing)
				return;
			drawing = null;
			cursor = null;
			const t = target;
			target = pointsOf(t) ? t : null;
			hooks.cancelled(t);
			prompt();
			lv.redraw();
		},
		// Which optional layers can be picked with the mouse.
		setVisible(v) {
			visible = {...visible, ...v};
			if (target && ((target.kind === 'uturn' && !visible.uturn) ||
				(target.kind === 'region' && !visible.regions)))
				editor.select(null);
		},
		// The rules object was replaced (after a save or a reload).
		setRules(r) {
			rules = r;
			drawing = null;
			target = null;
			prompt();
			lv.redraw();
		},
		destroy() {
			removeLayer();
			for (const [target, type, fn] of listeners)
				target.removeEventListener(type, fn);
		},
	};
	prompt();
	return editor;
}
