// dashboard.js - live view and counters (guide section 5.1).
//
// The live view shows the scene with the rules and the tracks; the counters
// follow the live event stream (or polling, see liveEvents). "Hide
// capacity" and "Children excluded" are display options of this browser
// (localStorage), as on the VS125: they change what is shown, not what is
// counted. Reset count (admins) clears the cumulative counts on the device.
import {h, card, checkbox, confirmDialog, busy, toast} from '../ui.js';
import {createLiveView, liveEvents} from '../liveview.js';

const OPTS_KEY = 'footfall.dashboard';

function loadOpts() {
	try {
		return {hideCapacity: false, childrenExcluded: false, lines: true, uturn: true, regions: true, tracks: true,
			...JSON.parse(localStorage.getItem(OPTS_KEY) || '{}')};
	} catch (e) {
		return {hideCapacity: false, childrenExcluded: false, lines: true, uturn: true, regions: true, tracks: true};
	}
}

function saveOpts(o) {
	try {
		localStorage.setItem(OPTS_KEY, JSON.stringify(o));
	} catch (e) {
		// not kept: fine for this visit
	}
}

function counter(label, n, cls, key, sub) {
	return h('div', {class: `counter ${cls || ''}`, dataset: {k: key}},
		h('div', {class: 'l', text: label}), h('div', {class: 'n', text: String(n)}),
		sub ? h('div', {class: 'sub', text: sub}) : null);
}

// The numbers of one line from a line_total_data entry, with children
// left out when asked.
export function lineNumbers(d, childrenExcluded) {
	const cin = d.children_in_counted || 0, cout = d.children_out_counted || 0;
	const n = {
		in: d.in_counted || 0,
		out: d.out_counted || 0,
		capacity: d.capacity_counted || 0,
		adultsIn: (d.in_counted || 0) - cin,
		adultsOut: (d.out_counted || 0) - cout,
		childrenIn: cin,
		childrenOut: cout,
		maleIn: d.male_in_counted || 0,
		maleOut: d.male_out_counted || 0,
		femaleIn: d.female_in_counted || 0,
		femaleOut: d.female_out_counted || 0,
	};
	if (childrenExcluded) {
		n.in = n.adultsIn;
		n.out = n.adultsOut;
		n.capacity = Math.max(0, n.capacity - (cin - cout));
	}
	return n;
}

export function mount(el, ctx) {
	const {t, api} = ctx;
	const opts = loadOpts();
	const liveBox = h('div');
	const countsBox = h('div', {class: 'counts', 'aria-live': 'polite'});
	const regionsBox = h('div', {class: 'regions'});
	const since = h('div', {class: 'hint'});
	let lv = null, events = null, last = null, closed = false;

	const toggles = [['lines', t('dashboard.show_lines')], ['uturn', t('dashboard.show_uturn')],
		['regions', t('dashboard.show_regions')], ['tracks', t('dashboard.show_tracks')]].map(([k, label]) => {
		const c = checkbox(label, opts[k], {name: `show_${k}`});
		c.input.addEventListener('change', () => {
			opts[k] = c.input.checked;
			saveOpts(opts);
			if (lv)
				lv.setOverlays({[k]: opts[k]});
		});
		return c.el;
	});
	const hideCap = checkbox(t('dashboard.hide_capacity'), opts.hideCapacity, {name: 'hide_capacity'});
	const noKids = checkbox(t('dashboard.children_excluded'), opts.childrenExcluded, {name: 'children_excluded'});
	for (const [c, k] of [[hideCap, 'hideCapacity'], [noKids, 'childrenExcluded']])
		c.input.addEventListener('change', () => {
			opts[k] = c.input.checked;
			saveOpts(opts);
			if (last)
				render(last);
		});
	const reset = ctx.role === 'admin' ? h('button', {type: 'button', class: 'danger', name: 'reset',
		text: t('dashboard.reset'), on: {click: () => doReset()}}) : null;

	el.append(h('h1', {text: t('nav.dashboard')}),
		h('div', {class: 'grid-dash'},
			card(t('dashboard.live'), {}, liveBox, h('div', {class: 'live-toggles toolbar'}, toggles)),
			h('div', {},
				card(t('dashboard.counting'), {actions: reset},
					h('div', {class: 'toolbar'}, hideCap.el, noKids.el), since, countsBox),
				card(t('dashboard.regions'), {}, regionsBox))));

	async function doReset() {
		if (!await confirmDialog(t('dashboard.reset'), t('dashboard.reset_confirm'), t('dashboard.reset'), true))
			return;
		await busy(reset, async () => {
			await api.post('/api/v1/counts/reset');
			toast(t('dashboard.reset_done'), 'ok');
			last = null;
			render(await api.get('/api/v1/counts'));
		});
	}

	function render(doc) {
		last = doc;
		const lines = doc.line_total_data || [];
		countsBox.replaceChildren();
		if (!lines.length)
			countsBox.append(h('p', {class: 'hint', text: t('dashboard.no_lines')}));
		for (const d of lines) {
			const n = lineNumbers(d, opts.childrenExcluded);
			const gender = n.maleIn + n.maleOut + n.femaleIn + n.femaleOut > 0;
			const row = [
				counter(t('dashboard.in'), n.in, 'in', 'in'),
				counter(t('dashboard.out'), n.out, 'out', 'out'),
				opts.hideCapacity ? null : counter(t('dashboard.capacity'), n.capacity, 'cap', 'capacity'),
			];
			const split = [
				counter(t('dashboard.adults'), `${n.adultsIn} / ${n.adultsOut}`, '', 'adults', t('dashboard.in_out')),
				opts.childrenExcluded ? null
					: counter(t('dashboard.children'), `${n.childrenIn} / ${n.childrenOut}`, '', 'children', t('dashboard.in_out')),
				gender ? counter(t('dashboard.male'), `${n.maleIn} / ${n.maleOut}`, '', 'male', t('dashboard.in_out')) : null,
				gender ? counter(t('dashboard.female'), `${n.femaleIn} / ${n.femaleOut}`, '', 'female', t('dashboard.in_out')) : null,
			];
			countsBox.append(h('div', {class: 'line-block', dataset: {line: d.line}},
				h('h3', {text: d.line_name || t('dashboard.line', {n: d.line})}),
				h('div', {class: 'counters'}, row), h('div', {class: 'counters', style: {marginTop: '8px'}}, split)));
		}
		const ti = doc.time_info || {};
		since.textContent = ti.end_time ? t('dashboard.updated', {time: ti.end_time.replace('T', ' ').slice(0, 19)}) : '';
		const regions = (doc.region_data && doc.region_data.region_count_data) || [];
		const dwell = (doc.region_data && doc.region_data.dwell_time_data) || [];
		regionsBox.replaceChildren();
		if (!regions.length)
			regionsBox.append(h('p', {class: 'hint', text: t('dashboard.no_regions')}));
		for (const r of regions) {
			const dw = dwell.find(x => x.region === r.region) || {};
			const total = opts.childrenExcluded ? r.current_total - r.current_children : r.current_total;
			const secs = v => t('dashboard.seconds', {n: ((v || 0) / 1000).toFixed(1)});
			regionsBox.append(h('div', {class: 'line-block', dataset: {region: r.region}},
				h('h3', {text: r.region_name || t('dashboard.region', {n: r.region})}),
				h('div', {class: 'counters'},
					counter(t('dashboard.occupancy'), total, 'cap', 'occupancy'),
					opts.childrenExcluded ? null : counter(t('dashboard.children'), r.current_children, '', 'children'),
					counter(t('dashboard.avg_dwell'), secs(dw.avg_dwell_time), '', 'avg_dwell'),
					counter(t('dashboard.max_dwell'), secs(dw.max_dwell_time), '', 'max_dwell'))));
		}
	}

	(async () => {
		let scene = null;
		try {
			scene = await api.get('/api/v1/scene');
		} catch (e) {
			toast(e.message, 'error');
		}
		if (closed)
			return;
		lv = createLiveView(liveBox, {
			preview: scene && scene.privacy ? scene.privacy.preview : 'auto',
			rules: scene ? scene.rules : null,
			overlays: {lines: opts.lines, uturn: opts.uturn, regions: opts.regions, tracks: opts.tracks},
		});
		try {
			render(await api.get('/api/v1/counts'));
		} catch (e) {
			toast(e.message, 'error');
		}
		if (closed)
			return;
		events = liveEvents({
			counts: doc => render(doc),
			tracks: doc => lv && lv.setTracks(doc.tracks),
		});
	})();

	return () => {
		closed = true;
		if (events)
			events.close();
		if (lv)
			lv.destroy();
	};
}
