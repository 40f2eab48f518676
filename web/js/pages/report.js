// report.js - history charts and CSV export (guide section 5.4).
//
// The query is GET /api/v1/reports (event, unit, from, to, line or region);
// times are the device's local time (the daemon reads a time without an
// offset in its own time zone), so the range inputs start from the device
// clock, not the browser's. The chart is uPlot (served from /vendor), line
// or bar; its x axis shows the device's local time by shifting every bucket
// by its own UTC offset and drawing in UTC. The PNG is the chart's canvas
// on white with a title and legend; the CSV is exactly what the daemon
// exports for the same query.
import {h, card, field, select, busy, download, toast} from '../ui.js';
import {query} from '../api.js';

const SERIES = {
	line: [
		['in', 'report.s_in', '#1f6feb', true],
		['out', 'report.s_out', '#e36209', true],
		['adults_in', 'report.s_adults_in', '#6f42c1', false],
		['children_in', 'report.s_children_in', '#2ea043', false],
		['adults_out', 'report.s_adults_out', '#bf3989', false],
		['children_out', 'report.s_children_out', '#9a6700', false],
		['male_in', 'report.s_male_in', '#0969da', false],
		['female_in', 'report.s_female_in', '#d63384', false],
		['male_out', 'report.s_male_out', '#57606a', false],
		['female_out', 'report.s_female_out', '#cf222e', false],
	],
	region: [
		['avg_total', 'report.s_avg_total', '#1f6feb', true],
		['max_total', 'report.s_max_total', '#e36209', true],
		['avg_children', 'report.s_avg_children', '#2ea043', false],
		['max_children', 'report.s_max_children', '#9a6700', false],
	],
	dwell: [
		['avg_dwell_s', 'report.s_avg_dwell', '#1f6feb', true],
		['max_dwell_s', 'report.s_max_dwell', '#e36209', true],
		['records', 'report.s_records', '#6f42c1', false],
		['children_records', 'report.s_children_records', '#2ea043', false],
	],
};

// "2026-11-23T14:00:00+08:00" -> seconds of that local time read as UTC.
function localSeconds(iso) {
	const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(iso);
	return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) / 1000 : NaN;
}

// Seconds (local time read as UTC) -> "YYYY-MM-DDTHH:MM" for the inputs.
function inputValue(s) {
	return new Date(s * 1000).toISOString().slice(0, 16);
}

// Bucket starts (local seconds) of unit from x0 to x1, with the ones of
// the data (so a bucket starting before x0 is kept).
function buckets(x0, x1, unit, have) {
	const out = new Set(have);
	const d = new Date(x0 * 1000);
	d.setUTCMinutes(0, 0, 0);
	if (unit !== 'hour')
		d.setUTCHours(0);
	if (unit === 'month')
		d.setUTCDate(1);
	for (let n = 0; d.getTime() / 1000 < x1 && n < 2000; n++) {
		out.add(d.getTime() / 1000);
		if (unit === 'hour')
			d.setUTCHours(d.getUTCHours() + 1);
		else if (unit === 'day')
			d.setUTCDate(d.getUTCDate() + 1);
		else
			d.setUTCMonth(d.getUTCMonth() + 1);
	}
	return [...out].sort((a, b) => a - b);
}

function value(row, key) {
	switch (key) {
	case 'adults_in':
		return (row.in || 0) - (row.children_in || 0);
	case 'adults_out':
		return (row.out || 0) - (row.children_out || 0);
	case 'avg_dwell_s':
		return (row.avg_dwell_time || 0) / 1000;
	case 'max_dwell_s':
		return (row.max_dwell_time || 0) / 1000;
	default:
		return row[key] || 0;
	}
}

export function mount(el, ctx) {
	const {t, api} = ctx;
	const saved = {};
	const event = select([['line', t('report.ev_line')], ['region', t('report.ev_region')],
		['dwell', t('report.ev_dwell')]], 'line', {name: 'event'});
	const unit = h('div', {class: 'seg', role: 'group'});
	let unitValue = 'hour';
	for (const u of ['hour', 'day', 'month'])
		unit.append(h('button', {type: 'button', class: u === unitValue ? 'on' : '', dataset: {unit: u},
			text: t(`report.${u}`), on: {click: () => setUnit(u)}}));
	const from = h('input', {type: 'datetime-local', name: 'from'});
	const to = h('input', {type: 'datetime-local', name: 'to'});
	const target = h('select', {name: 'target'});
	const search = h('button', {type: 'button', class: 'primary', name: 'search', text: t('report.search')});
	const kind = h('div', {class: 'seg', role: 'group'});
	let bars = false;
	for (const [k, label] of [['line', t('report.line_chart')], ['bar', t('report.bar_chart')]])
		kind.append(h('button', {type: 'button', class: k === 'line' ? 'on' : '', dataset: {chart: k}, text: label,
			on: {click: () => {
				bars = k === 'bar';
				for (const b of kind.children)
					b.classList.toggle('on', b.dataset.chart === k);
				draw();
			}}}));
	const png = h('button', {type: 'button', name: 'png', text: t('report.png'), disabled: true});
	const csv = h('button', {type: 'button', name: 'csv', text: t('report.csv')});
	const title = h('div', {class: 'hint report-title'});
	const chartBox = h('div', {class: 'chart'});
	el.append(h('h1', {text: t('nav.report')}),
		card(t('report.query'), {},
			field(t('report.event'), event),
			field(t('report.unit'), unit),
			field(t('report.range'), h('div', {class: 'toolbar'}, from, h('span', {text: '→'}), to)),
			field(t('report.target'), target),
			h('div', {class: 'form-actions'}, search)),
		card(t('report.chart'), {actions: h('div', {class: 'toolbar'}, kind, png, csv)}, title, chartBox));

	let rules = {lines: [], regions: []};
	let data = null, plot = null, deviceNow = Date.now() / 1000;

	function setUnit(u) {
		unitValue = u;
		for (const b of unit.children)
			b.classList.toggle('on', b.dataset.unit === u);
		const end = localSeconds(to.value + ':00') || deviceNow;
		const span = u === 'hour' ? 86400 : u === 'day' ? 7 * 86400 : 365 * 86400;
		from.value = inputValue(end - span);
	}

	function fillTargets() {
		const isLine = event.value === 'line';
		const list = isLine ? rules.lines || [] : rules.regions || [];
		const keep = saved[event.value];
		target.replaceChildren(h('option', {value: '', text: t(isLine ? 'report.all_lines' : 'report.all_regions')}),
			...list.map(x => h('option', {value: String(x.id), text: x.name || `#${x.id}`,
				selected: String(x.id) === keep})));
	}
	event.addEventListener('change', fillTargets);
	target.addEventListener('change', () => (saved[event.value] = target.value));

	function params(format) {
		return {
			event: event.value,
			unit: unitValue,
			from: from.value || undefined,
			to: to.value || undefined,
			[event.value === 'line' ? 'line' : 'region']: target.value || undefined,
			format,
		};
	}

	async function load() {
		data = await api.get(`/api/v1/reports${query(params())}`);
		png.disabled = false;
		const name = target.value ? target.selectedOptions[0].textContent : target.options[0].textContent;
		title.textContent = `${t(`report.ev_${data.event}`)} · ${t(`report.${data.unit}`)} · ${name} · ` +
			`${data.from.slice(0, 16).replace('T', ' ')} ~ ${data.to.slice(0, 16).replace('T', ' ')}`;
		draw();
	}

	function size() {
		const w = Math.max(280, chartBox.clientWidth || 600);
		return {width: w, height: Math.max(260, Math.min(420, Math.round(w * 0.45)))};
	}

	function draw() {
		if (plot) {
			plot.destroy();
			plot = null;
		}
		chartBox.replaceChildren();
		if (!data)
			return;
		if (!data.series.length) {
			chartBox.append(h('div', {class: 'chart-empty', text: t('report.empty')}));
			return;
		}
		if (typeof window.uPlot !== 'function') {
			chartBox.append(h('div', {class: 'chart-empty', text: 'uPlot missing'}));
			return;
		}
		const defs = SERIES[data.event];
		const x0 = localSeconds(data.from), x1 = localSeconds(data.to);
		// Line crossings: an hour without a record had nobody crossing, so
		// every bucket of the range is drawn (0 when empty); region and
		// dwell figures have no value without records and show as gaps.
		const rows = new Map(data.series.map(r => [localSeconds(r.time), r]));
		const xs = data.event === 'line' ? buckets(x0, x1, data.unit, [...rows.keys()]) : [...rows.keys()];
		const cols = [xs, ...defs.map(([k]) => xs.map(x => (rows.has(x) ? value(rows.get(x), k)
			: data.event === 'line' ? 0 : null)))];
		const uPlot = window.uPlot;
		// The two main series stand side by side (left and right of the
		// bucket time); any others switched on overlap in the middle.
		const series = [{}, ...defs.map(([k, label, colour, show], i) => ({
			label: t(label),
			stroke: colour,
			width: 2,
			show,
			fill: bars ? `${colour}cc` : undefined,
			paths: bars ? uPlot.paths.bars({size: [0.4, 40], align: i === 0 ? -1 : i === 1 ? 1 : 0}) : undefined,
			points: {show: !bars && xs.length < 60},
		}))];
		const people = data.event !== 'dwell';
		const pad = data.unit === 'hour' ? 1800 : data.unit === 'day' ? 43200 : 15 * 86400;
		plot = new uPlot({
			...size(),
			tzDate: ts => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
			series,
			scales: {
				x: {time: true, range: () => [Math.min(x0, xs[0]) - pad, Math.max(x1, xs[xs.length - 1]) + pad]},
				y: {range: (u, min, max) => [0, Math.max(people ? 5 : 1, Math.ceil((max || 0) * 1.15))]},
			},
			axes: [{}, {label: people ? t('report.axis_people') : t('report.axis_seconds'),
				incrs: people ? [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 100000] : undefined}],
			cursor: {drag: {x: false, y: false}},
		}, cols, chartBox);
	}

	const onResize = () => plot && plot.setSize(size());
	window.addEventListener('resize', onResize);

	png.addEventListener('click', () => {
		if (!plot)
			return;
		const src = plot.ctx.canvas;
		const dpr = src.width / plot.width || 1;
		const shown = plot.series.slice(1).filter(s => s.show);
		const legendH = 28 * dpr, titleH = 34 * dpr;
		const out = h('canvas', {width: src.width, height: src.height + titleH + legendH});
		const c = out.getContext('2d');
		c.fillStyle = '#fff';
		c.fillRect(0, 0, out.width, out.height);
		c.fillStyle = '#1d2430';
		c.font = `${14 * dpr}px system-ui, sans-serif`;
		c.fillText(title.textContent, 10 * dpr, 22 * dpr);
		c.drawImage(src, 0, titleH);
		let x = 10 * dpr;
		for (const s of shown) {
			c.fillStyle = s.stroke();
			c.fillRect(x, src.height + titleH + 8 * dpr, 12 * dpr, 12 * dpr);
			c.fillStyle = '#1d2430';
			c.fillText(s.label, x + 16 * dpr, src.height + titleH + 19 * dpr);
			x += (c.measureText(s.label).width + 36 * dpr);
		}
		out.toBlob(b => download(b, `footfall-${data.event}-${data.unit}.png`), 'image/png');
	});

	csv.addEventListener('click', () => busy(csv, async () => {
		const res = await api.get(`/api/v1/reports${query(params('csv'))}`, {raw: true});
		download(await res.blob(), `footfall-${event.value}-${unitValue}.csv`);
	}));
	search.addEventListener('click', () => busy(search, load));

	(async () => {
		try {
			const s = localSeconds((await api.get('/api/v1/status')).time);
			if (!Number.isNaN(s))
				deviceNow = s;
		} catch (e) {
			// the browser clock then
		}
		to.value = inputValue(Math.ceil(deviceNow / 3600) * 3600);
		setUnit('hour');
		try {
			const scene = await api.get('/api/v1/scene');
			rules = scene.rules || rules;
		} catch (e) {
			toast(e.message, 'error');
		}
		fillTargets();
		await busy(search, load);
	})();

	return () => {
		window.removeEventListener('resize', onResize);
		if (plot)
			plot.destroy();
	};
}
