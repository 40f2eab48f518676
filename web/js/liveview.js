// liveview.js - the live view: the scene preview (MJPEG video, a static
// snapshot, or a blank stage when the privacy settings allow no image)
// with a canvas on top that draws the rules and the tracks.
//
// Everything is in normalised image coordinates (0..1, y down), the ones
// the configuration uses, so the overlay is right at any size. The canvas
// keeps the image's aspect ratio (4:3 until the first frame tells).
//
//   const lv = createLiveView(el, {preview, overlays, rules});
//   lv.setRules(rules)          the configuration's "rules" object
//   lv.setOverlays({lines, uturn, regions, tracks})   booleans
//   lv.setTracks(tracks)        [{id, x, y, height_m, child, trail}]
//   lv.canvas                   the overlay canvas (for mouse handlers)
//   lv.toNorm(mouseEvent)       -> [x, y] in 0..1 (clamped)
//   lv.toPixels([x, y])         -> [px, py] in canvas CSS pixels
//   lv.addLayer(fn)             fn(ctx, lv) draws after the rules; returns
//                               a remover. Layers draw in CSS pixels.
//   lv.redraw()                 after changing what a layer draws
//   lv.destroy()                closes the stream
//
// The drawing helpers (drawLine, drawPolygon, colourOf) are exported for
// editors that draw their own shapes in the same style.
import {api} from './api.js';
import {h} from './ui.js';
import {t} from './i18n.js';

const PALETTE = ['#2e9bff', '#ff9f1c', '#2ec4b6', '#e71d73'];

export function colourOf(i) {
	return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

// The "in" arrow of segment a->b (pixels): the drawing direction turned 90
// degrees clockwise on screen (interfaces.md, "Direction of a line").
function arrow(ctx, a, b, colour) {
	const mx = (a[0] + b[0]) / 2, my = (a[1] + b[1]) / 2;
	const dx = b[0] - a[0], dy = b[1] - a[1];
	const len = Math.hypot(dx, dy);
	if (len < 1)
		return;
	const nx = -dy / len, ny = dx / len, size = 22;
	const tx = mx + nx * size, ty = my + ny * size;
	ctx.beginPath();
	ctx.moveTo(mx, my);
	ctx.lineTo(tx, ty);
	ctx.stroke();
	ctx.beginPath();
	ctx.moveTo(tx, ty);
	ctx.lineTo(tx - nx * 8 + ny * 6, ty - ny * 8 - nx * 6);
	ctx.lineTo(tx - nx * 8 - ny * 6, ty - ny * 8 + nx * 6);
	ctx.closePath();
	ctx.fillStyle = colour;
	ctx.fill();
	ctx.font = '600 11px system-ui, sans-serif';
	ctx.fillText(t('live.in'), tx + nx * 6 - 6, ty + ny * 6 + 4);
}

function label(ctx, text, p, colour) {
	ctx.font = '600 12px system-ui, sans-serif';
	const w = ctx.measureText(text).width;
	ctx.fillStyle = 'rgba(0,0,0,0.6)';
	ctx.fillRect(p[0] + 4, p[1] - 16, w + 8, 16);
	ctx.fillStyle = colour;
	ctx.fillText(text, p[0] + 8, p[1] - 4);
}

// A detection line (points normalised, flip reverses the order) with its
// "in" arrows and name. opts: {colour, width, arrows, name}.
export function drawLine(ctx, lv, line, opts = {}) {
	const colour = opts.colour || colourOf(0);
	let pts = (line.points || []).map(p => lv.toPixels(p));
	if (line.flip)
		pts = pts.slice().reverse();
	if (pts.length < 1)
		return;
	ctx.save();
	ctx.strokeStyle = colour;
	ctx.lineWidth = opts.width || 3;
	ctx.lineJoin = 'round';
	ctx.beginPath();
	pts.forEach((p, i) => (i ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1])));
	ctx.stroke();
	ctx.lineWidth = 2;
	if (opts.arrows !== false)
		for (let i = 0; i + 1 < pts.length; i++)
			arrow(ctx, pts[i], pts[i + 1], colour);
	const name = opts.name !== undefined ? opts.name : line.name;
	if (name)
		label(ctx, name, lv.toPixels(line.points[0]), colour);
	ctx.restore();
}

// A polygon (normalised points). opts: {colour, fill (alpha 0..1), dashed,
// name, width}.
export function drawPolygon(ctx, lv, points, opts = {}) {
	if (!points || points.length < 2)
		return;
	const colour = opts.colour || colourOf(0);
	const pts = points.map(p => lv.toPixels(p));
	ctx.save();
	ctx.beginPath();
	pts.forEach((p, i) => (i ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1])));
	ctx.closePath();
	if (opts.fill) {
		ctx.globalAlpha = opts.fill;
		ctx.fillStyle = colour;
		ctx.fill();
		ctx.globalAlpha = 1;
	}
	ctx.setLineDash(opts.dashed ? [6, 5] : []);
	ctx.strokeStyle = colour;
	ctx.lineWidth = opts.width || 2;
	ctx.stroke();
	ctx.setLineDash([]);
	if (opts.name)
		label(ctx, opts.name, pts[0], colour);
	ctx.restore();
}

function drawTracks(ctx, lv, tracks) {
	ctx.save();
	for (const tr of tracks) {
		const colour = tr.child ? '#ffd166' : '#06d6a0';
		const trail = (tr.trail || []).map(p => lv.toPixels(p));
		if (trail.length > 1) {
			ctx.strokeStyle = colour;
			ctx.globalAlpha = 0.8;
			ctx.lineWidth = 2;
			ctx.beginPath();
			trail.forEach((p, i) => (i ? ctx.lineTo(p[0], p[1]) : ctx.moveTo(p[0], p[1])));
			ctx.stroke();
			ctx.globalAlpha = 1;
		}
		const p = lv.toPixels([tr.x, tr.y]);
		ctx.fillStyle = colour;
		ctx.beginPath();
		ctx.arc(p[0], p[1], 6, 0, 2 * Math.PI);
		ctx.fill();
		if (typeof tr.height_m === 'number') {
			ctx.font = '11px system-ui, sans-serif';
			ctx.fillStyle = '#fff';
			ctx.fillText(`${tr.height_m.toFixed(2)} m`, p[0] + 8, p[1] + 4);
		}
	}
	ctx.restore();
}

// preview: 'video' (MJPEG), 'static' (one snapshot), 'none' (blank stage),
// or 'auto' (video, then snapshot, then blank as each fails).
export function createLiveView(el, opts = {}) {
	const overlays = {lines: true, uturn: true, regions: true, tracks: true, ...(opts.overlays || {})};
	let rules = opts.rules || null;
	let tracks = [];
	const layers = new Set();
	const img = h('img', {class: 'live-img', alt: ''});
	const canvas = h('canvas', {class: 'live-canvas'});
	const note = h('div', {class: 'live-note', hidden: true});
	const stage = h('div', {class: 'liveview'}, img, note, canvas);
	el.append(stage);
	const ctx = canvas.getContext('2d');
	let cssW = 0, cssH = 0, frame = 0;

	const lv = {
		canvas,
		element: stage,
		toPixels: p => [p[0] * cssW, p[1] * cssH],
		toNorm(ev) {
			const r = canvas.getBoundingClientRect();
			const x = (ev.clientX - r.left) / r.width, y = (ev.clientY - r.top) / r.height;
			return [Math.min(1, Math.max(0, x)), Math.min(1, Math.max(0, y))];
		},
		setRules(r) {
			rules = r;
			lv.redraw();
		},
		setOverlays(o) {
			Object.assign(overlays, o);
			lv.redraw();
		},
		overlays: () => ({...overlays}),
		setTracks(list) {
			tracks = list || [];
			lv.redraw();
		},
		addLayer(fn) {
			layers.add(fn);
			lv.redraw();
			return () => {
				layers.delete(fn);
				lv.redraw();
			};
		},
		redraw() {
			if (!frame)
				frame = requestAnimationFrame(draw);
		},
		destroy() {
			ro.disconnect();
			img.removeAttribute('src');
			if (frame)
				cancelAnimationFrame(frame);
			stage.remove();
		},
	};

	function draw() {
		frame = 0;
		ctx.setTransform(1, 0, 0, 1, 0, 0);
		ctx.clearRect(0, 0, canvas.width, canvas.height);
		const dpr = window.devicePixelRatio || 1;
		ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
		if (rules) {
			if (overlays.regions)
				(rules.regions || []).forEach((rg, i) =>
					drawPolygon(ctx, lv, rg.points, {colour: colourOf(i + 2), fill: 0.18, name: rg.name}));
			if (overlays.uturn)
				(rules.lines || []).forEach((ln, i) => {
					if (ln.uturn_area && ln.uturn_area.length > 2)
						drawPolygon(ctx, lv, ln.uturn_area, {colour: colourOf(i), dashed: true, fill: 0.06});
				});
			if (overlays.lines)
				(rules.lines || []).forEach((ln, i) => drawLine(ctx, lv, ln, {colour: colourOf(i)}));
		}
		if (overlays.tracks)
			drawTracks(ctx, lv, tracks);
		for (const fn of layers)
			fn(ctx, lv);
	}

	const ro = new ResizeObserver(() => {
		const r = canvas.getBoundingClientRect();
		const dpr = window.devicePixelRatio || 1;
		cssW = r.width;
		cssH = r.height;
		canvas.width = Math.round(r.width * dpr);
		canvas.height = Math.round(r.height * dpr);
		draw();
	});
	ro.observe(canvas);

	const blank = key => {
		img.removeAttribute('src');
		img.hidden = true;
		note.textContent = t(key);
		note.hidden = false;
	};
	img.addEventListener('load', () => {
		if (img.naturalWidth && img.naturalHeight)
			stage.style.aspectRatio = `${img.naturalWidth} / ${img.naturalHeight}`;
	});
	const preview = opts.preview || 'auto';
	const sources = preview === 'video' ? ['/api/v1/live/video']
		: preview === 'static' ? ['/api/v1/live/snapshot']
		: preview === 'auto' ? ['/api/v1/live/video', '/api/v1/live/snapshot'] : [];
	img.addEventListener('error', () => {
		sources.shift();
		if (sources.length)
			img.src = sources[0];
		else
			blank(preview === 'none' ? 'live.preview_off' : 'live.no_preview');
	});
	if (sources.length)
		img.src = sources[0];
	else
		blank('live.preview_off');
	return lv;
}

// The live event stream (SSE /api/v1/live/events): handlers.counts gets
// every "counts" event (the /api/v1/counts document), handlers.tracks every
// "tracks" event. When the stream is not available the counts are polled
// every two seconds instead (and there are no tracks). Returns {close()}.
export function liveEvents(handlers) {
	let es = null, timer = 0, closed = false;
	const poll = async () => {
		if (closed || !handlers.counts)
			return;
		try {
			handlers.counts(await api.get('/api/v1/counts'));
		} catch (e) {
			// the next poll tries again (a 401 has sent the user to login)
		}
		if (!closed)
			timer = setTimeout(poll, 2000);
	};
	const fallback = () => {
		if (es) {
			es.close();
			es = null;
		}
		if (!timer && !closed)
			poll();
	};
	if (typeof EventSource === 'function') {
		es = new EventSource('/api/v1/live/events');
		let opened = false;
		es.addEventListener('open', () => (opened = true));
		es.addEventListener('counts', ev => handlers.counts && handlers.counts(JSON.parse(ev.data)));
		es.addEventListener('tracks', ev => handlers.tracks && handlers.tracks(JSON.parse(ev.data)));
		es.addEventListener('error', () => {
			// Never opened: the daemon has no stream (older build); a
			// stream that dropped reconnects by itself.
			if (!opened || es.readyState === EventSource.CLOSED)
				fallback();
		});
	} else {
		fallback();
	}
	return {
		close() {
			closed = true;
			if (es)
				es.close();
			clearTimeout(timer);
		},
	};
}
