// rule.js - the Rule page (guide 5.2): detection lines, U-turn areas and
// monitoring regions drawn on the live view, and the rule parameters.
//
// The page edits a draft: a copy of the configuration's "rules" and
// "reset_schedule" sections. Nothing reaches the device until Save, which
// reads the whole configuration again, replaces those two sections and
// PUTs the document back (the daemon validates all of it and stores all or
// nothing); a refusal shows the daemon's own message, which names the
// field. The drawing itself is rule-editor.js; this file owns the lists,
// the buttons and the form.
//
// New lines and regions get an id above every id seen since the page was
// opened, never a freed one: counts and history are kept by id, and a new
// line must not inherit a deleted line's totals. A line whose U-turn area
// was made by the "default band" button keeps a band that follows the line
// while it is redrawn or dragged; an area drawn by hand stays where it was
// drawn.
import {createLiveView, liveEvents} from '../liveview.js';
import {LIMITS, defaultBand} from '../rule-geometry.js';
import {createEditor} from '../rule-editor.js';
import {useRuleStyles} from '../rule-style.js';
import {h, card, field, select, checkbox, toast, dialog, confirmDialog, busy, errorText} from '../ui.js';

const BAND_OF_WIDTH = 0.2; // default U-turn band half-width, share of the image width

const clone = o => JSON.parse(JSON.stringify(o));

const nameInput = value => h('input', {type: 'text', value, maxlength: 63, required: true});

// The trimmed name typed into input; an empty one is refused (dialogs show
// the message and stay open).
function nameOf(input, t) {
	const v = input.value.trim();
	if (!v)
		throw new Error(t('rule.name_empty'));
	return v;
}

// The editable state of the page from a configuration document.
function draftOf(doc) {
	const r = clone(doc.rules);
	r.lines = r.lines || [];
	r.regions = r.regions || [];
	return {rules: r, reset: clone(doc.reset_schedule || {enabled: false, time: '00:00'})};
}

export async function mount(el, ctx) {
	const {api, t} = ctx;
	useRuleStyles();
	let doc = await api.get('/api/v1/config');
	let draft = draftOf(doc);
	let dirty = false;
	const autoBand = new Set(); // lines whose U-turn area follows them
	const maxId = {line: 0, region: 0};
	const noteIds = () => {
		for (const l of draft.rules.lines)
			maxId.line = Math.max(maxId.line, l.id || 0);
		for (const g of draft.rules.regions)
			maxId.region = Math.max(maxId.region, g.id || 0);
	};
	noteIds();
	let redrawing = null; // {target, points}: a shape being drawn again

	// ---- Layout ----------------------------------------------------------
	const hint = h('div', {class: 'rule-hint', role: 'status'});
	const tools = h('div', {class: 'toolbar rule-tools'});
	const liveBox = h('div', {class: 'rule-live'});
	const dirtyNote = h('span', {class: 'rule-dirty', text: t('rule.unsaved'), hidden: true});
	const errorBox = h('div', {class: 'message error', role: 'alert', hidden: true});
	const saveBtn = h('button', {type: 'button', class: 'primary', dataset: {action: 'save'}, text: t('common.save')});
	const revertBtn = h('button', {type: 'button', dataset: {action: 'revert'}, text: t('rule.revert')});
	const linesBody = h('tbody');
	const regionsBody = h('tbody');
	const addLineBtn = h('button', {type: 'button', class: 'small', dataset: {action: 'add-line'}, text: `+ ${t('common.add')}`});
	const addRegionBtn = h('button', {type: 'button', class: 'small', dataset: {action: 'add-region'}, text: `+ ${t('common.add')}`});
	const linesCount = h('span', {class: 'hint'});
	const regionsCount = h('span', {class: 'hint'});
	const uturnHead = h('th', {text: t('rule.uturn_area')});
	const regionsCard = card(t('rule.regions'), {actions: [regionsCount, addRegionBtn], cls: 'rule-regions'},
		h('table', {class: 'list'}, h('thead', {}, h('tr', {},
			h('th', {text: t('rule.no')}), h('th', {text: t('rule.region_name')}),
			h('th', {text: t('rule.advanced')}), h('th', {text: t('rule.operation')}))), regionsBody));

	const params = buildParams();
	el.append(h('h1', {text: t('nav.rule')}),
		h('div', {class: 'rule-layout'},
			h('div', {class: 'rule-left'},
				card(t('rule.live'), {cls: 'rule-live-card'}, liveBox, tools, hint,
					h('div', {class: 'rule-savebar'}, errorBox,
						h('div', {class: 'form-actions'}, saveBtn, revertBtn, dirtyNote)))),
			h('div', {class: 'rule-right'},
				card(t('rule.lines'), {actions: [linesCount, addLineBtn], cls: 'rule-lines'},
					h('table', {class: 'list'}, h('thead', {}, h('tr', {},
						h('th', {text: t('rule.no')}), h('th', {text: t('rule.line_name')}), uturnHead,
						h('th', {text: t('rule.operation')}))), linesBody)),
				regionsCard,
				card(t('rule.config'), {cls: 'rule-params'}, params.el))));

	// The installer needs the scene: any preview the privacy settings allow.
	const preview = doc.privacy && doc.privacy.preview === 'none' ? 'none' : 'auto';
	const lv = createLiveView(liveBox, {preview, rules: draft.rules, overlays: {tracks: true}});
	lv.element.classList.add('rule-canvas');
	const events = liveEvents({tracks: d => lv.setTracks(d.tracks)});

	const editor = createEditor(lv, draft.rules, {
		changed() {
			// an area moved by hand stops following its line
			const tg = editor.target;
			if (tg && tg.kind === 'uturn')
				autoBand.delete(tg.index);
			for (const i of autoBand)
				if (draft.rules.lines[i])
					draft.rules.lines[i].uturn_area = band(draft.rules.lines[i].points);
			touch();
		},
		drawn(target, points) {
			redrawing = null;
			const r = draft.rules;
			if (target.kind === 'line' && target.index === r.lines.length) {
				const id = ++maxId.line;
				r.lines.push({id, name: `Line${id}`, points, flip: false});
				if (r.uturn_filtering) {
					r.lines[target.index].uturn_area = band(points);
					autoBand.add(target.index);
				}
			} else if (target.kind === 'region' && target.index === r.regions.length) {
				const id = ++maxId.region;
				r.regions.push({id, name: `Region${id}`, points, people_counting: true,
					pass_by_filter_s: 5, dwell_time: true, min_dwell_s: 5});
				setTimeout(() => editRegion(target.index), 0);
			} else if (target.kind === 'uturn') {
				r.lines[target.index].uturn_area = points;
				autoBand.delete(target.index);
			} else {
				(target.kind === 'line' ? r.lines : r.regions)[target.index].points = points;
			}
			editor.select(target);
			render();
		},
		cancelled(target) {
			if (redrawing && redrawing.target === target) {
				const r = draft.rules;
				if (target.kind === 'line')
					r.lines[target.index].points = redrawing.points;
				else if (target.kind === 'uturn')
					r.lines[target.index].uturn_area = redrawing.points;
				else
					r.regions[target.index].points = redrawing.points;
			}
			redrawing = null;
			render();
		},
		selected() {
			render();
		},
		message(key, params, kind) {
			hint.textContent = t(key, params);
			hint.className = `rule-hint ${kind || ''}`;
		},
	});

	function band(points) {
		const r = lv.canvas.getBoundingClientRect();
		const size = {w: r.width || 640, h: r.height || 480};
		return defaultBand(points, size, BAND_OF_WIDTH * size.w);
	}

	function touch() {
		dirty = true;
		dirtyNote.hidden = false;
		lv.setRules(draft.rules);
	}

	// Starts drawing target again, remembering the old shape for Escape.
	function redraw(target) {
		const r = draft.rules;
		const old = target.kind === 'region' ? r.regions[target.index].points
			: target.kind === 'line' ? r.lines[target.index].points : r.lines[target.index].uturn_area;
		redrawing = {target, points: old};
		if (target.kind === 'uturn') {
			r.lines[target.index].uturn_area = null;
			autoBand.delete(target.index);
		} else {
			(target.kind === 'line' ? r.lines : r.regions)[target.index].points = [];
		}
		editor.draw(target);
		lv.setRules(r);
		render();
	}

	// Index bookkeeping after a line is removed from the list.
	function dropLine(i) {
		draft.rules.lines.splice(i, 1);
		const moved = [...autoBand].filter(k => k !== i).map(k => (k > i ? k - 1 : k));
		autoBand.clear();
		moved.forEach(k => autoBand.add(k));
	}

	const same = (a, b) => a && b && a.kind === b.kind && a.index === b.index;

	// ---- Lists -----------------------------------------------------------
	function op(label, action, fn, extra) {
		return h('button', {type: 'button', class: `small ${extra || ''}`, dataset: {action}, text: label,
			on: {click: fn}});
	}

	// A delete button that asks first; remove() takes the item out.
	function deleteOp(action, title, question, remove) {
		return op(t('common.delete'), action, async () => {
			if (!await confirmDialog(title, question, t('common.delete'), true))
				return;
			editor.select(null);
			remove();
			touch();
			render();
		}, 'danger');
	}

	function render() {
		const r = draft.rules;
		const sel = editor.target;
		uturnHead.hidden = !r.uturn_filtering;
		linesBody.replaceChildren(...r.lines.map((line, i) => {
			const tl = {kind: 'line', index: i}, tu = {kind: 'uturn', index: i};
			const uturn = h('td', {hidden: !r.uturn_filtering},
				h('span', {class: 'rule-area-state', text: line.uturn_area ? t('rule.area_set') : t('rule.area_none')}), ' ',
				op(t('rule.draw_area'), 'draw-uturn', () => redraw(tu)),
				op(t('rule.default_area'), 'default-uturn', () => {
					line.uturn_area = band(line.points);
					autoBand.add(i);
					editor.select(tu);
					touch();
					render();
				}),
				line.uturn_area ? op(t('rule.clear_area'), 'clear-uturn', () => {
					line.uturn_area = null;
					autoBand.delete(i);
					editor.select(null);
					touch();
					render();
				}) : null);
			return h('tr', {class: same(sel, tl) || same(sel, tu) ? 'selected' : '', dataset: {line: line.id}},
				h('td', {text: `No.${i + 1}`}),
				h('td', {class: 'rule-name', text: line.name}),
				uturn,
				h('td', {class: 'rule-ops'},
					op(t('common.edit'), 'edit-line', () => {
						editor.select(tl);
						render();
					}),
					op(t('rule.flip'), 'flip-line', () => flip(i)),
					op(t('rule.rename'), 'rename-line', () => rename(line)),
					deleteOp('delete-line', t('rule.delete_line'), t('rule.delete_line_q', {name: line.name}),
						() => dropLine(i))));
		}));
		linesCount.textContent = t('rule.count_of', {n: r.lines.length, max: LIMITS.lines});
		addLineBtn.disabled = r.lines.length >= LIMITS.lines || editor.drawing;
		addLineBtn.title = r.lines.length >= LIMITS.lines ? t('rule.limit_lines', {max: LIMITS.lines}) : '';

		regionsBody.replaceChildren(...r.regions.map((g, i) => {
			const tg = {kind: 'region', index: i};
			const props = [];
			if (g.people_counting)
				props.push(t('rule.prop_counting', {s: g.pass_by_filter_s}));
			if (g.dwell_time)
				props.push(t('rule.prop_dwell', {s: g.min_dwell_s}));
			return h('tr', {class: same(sel, tg) ? 'selected' : '', dataset: {region: g.id}},
				h('td', {text: `No.${i + 1}`}),
				h('td', {class: 'rule-name', text: g.name}),
				h('td', {text: props.join('; ') || t('common.none')}),
				h('td', {class: 'rule-ops'},
					op(t('rule.redraw'), 'redraw-region', () => redraw(tg)),
					op(t('common.edit'), 'edit-region', () => editRegion(i)),
					deleteOp('delete-region', t('rule.delete_region'), t('rule.delete_region_q', {name: g.name}),
						() => r.regions.splice(i, 1))));
		}));
		regionsCount.textContent = t('rule.count_of', {n: r.regions.length, max: LIMITS.regions});
		addRegionBtn.disabled = r.regions.length >= LIMITS.regions || editor.drawing;
		regionsCard.classList.toggle('off', !r.region_monitoring);
		addRegionBtn.hidden = !r.region_monitoring;
		editor.setVisible({uturn: r.uturn_filtering, regions: r.region_monitoring});
		lv.setOverlays({uturn: r.uturn_filtering, regions: r.region_monitoring});
		renderTools();
	}

	// The buttons under the live view follow the editor's state.
	function renderTools() {
		const tg = editor.target;
		const items = [];
		if (editor.drawing) {
			items.push(op(t('rule.finish'), 'finish', () => editor.finish()),
				op(t('common.cancel'), 'cancel-draw', () => editor.cancel()));
		} else if (tg && tg.kind === 'line') {
			items.push(h('strong', {text: draft.rules.lines[tg.index].name}),
				op(t('rule.clear_line'), 'clear-line', () => redraw(tg)),
				op(t('rule.flip'), 'flip', () => flip(tg.index)));
		} else if (tg && tg.kind === 'uturn') {
			items.push(h('strong', {text: t('rule.area_of', {name: draft.rules.lines[tg.index].name})}),
				op(t('rule.clear_area'), 'redraw-uturn', () => redraw(tg)));
		} else if (tg && tg.kind === 'region') {
			items.push(h('strong', {text: draft.rules.regions[tg.index].name}),
				op(t('rule.clear_area'), 'redraw-region-tool', () => redraw(tg)),
				op(t('rule.properties'), 'region-props', () => editRegion(tg.index)));
		}
		if (tg && !editor.drawing)
			items.push(op(t('rule.done'), 'done', () => {
				editor.select(null);
				render();
			}));
		tools.replaceChildren(...items);
	}

	function flip(i) {
		const line = draft.rules.lines[i];
		line.flip = !line.flip;
		editor.select({kind: 'line', index: i});
		touch();
		render();
	}

	async function rename(item) {
		const input = nameInput(item.name);
		const name = await dialog({
			title: t('rule.rename'),
			body: field(t('rule.name'), input),
			actions: [
				{label: t('common.cancel'), value: null},
				{label: t('common.ok'), kind: 'primary', run: () => nameOf(input, t)},
			],
		});
		if (!name)
			return;
		item.name = name;
		touch();
		render();
	}

	async function editRegion(i) {
		const g = draft.rules.regions[i];
		if (!g)
			return;
		const name = nameInput(g.name);
		const counting = checkbox(t('rule.region_counting'), g.people_counting);
		const passBy = h('input', {type: 'number', min: 0, max: 3600, step: 1, value: g.pass_by_filter_s});
		const dwell = checkbox(t('rule.dwell_detection'), g.dwell_time);
		const minDwell = h('input', {type: 'number', min: 0, max: 3600, step: 1, value: g.min_dwell_s});
		const sync = () => {
			passBy.disabled = !counting.input.checked;
			minDwell.disabled = !dwell.input.checked;
		};
		counting.input.addEventListener('change', sync);
		dwell.input.addEventListener('change', sync);
		sync();
		const seconds = (input, label) => {
			const v = Number(input.value);
			if (input.value === '' || !Number.isFinite(v) || v < 0 || v > 3600)
				throw new Error(t('rule.seconds_range', {field: label}));
			return v;
		};
		const ok = await dialog({
			title: t('rule.advanced'),
			cls: 'rule-region-dialog',
			body: h('div', {},
				field(t('rule.zone_name'), name),
				field('', counting.el),
				field(t('rule.pass_by'), passBy),
				field('', dwell.el),
				field(t('rule.min_dwell'), minDwell)),
			actions: [
				{label: t('common.cancel'), value: null},
				{label: t('common.ok'), kind: 'primary', run: () => {
					const v = nameOf(name, t);
					const p = seconds(passBy, t('rule.pass_by')), m = seconds(minDwell, t('rule.min_dwell'));
					Object.assign(g, {name: v, people_counting: counting.input.checked, pass_by_filter_s: p,
						dwell_time: dwell.input.checked, min_dwell_s: m});
					return true;
				}},
			],
		});
		if (ok) {
			touch();
			render();
		}
	}

	addLineBtn.addEventListener('click', () => {
		if (draft.rules.lines.length >= LIMITS.lines)
			return toast(t('rule.limit_lines', {max: LIMITS.lines}), 'error');
		editor.draw({kind: 'line', index: draft.rules.lines.length});
		render();
	});
	addRegionBtn.addEventListener('click', () => {
		if (draft.rules.regions.length >= LIMITS.regions)
			return toast(t('rule.limit_regions', {max: LIMITS.regions}), 'error');
		editor.draw({kind: 'region', index: draft.rules.regions.length});
		render();
	});

	// ---- Rule parameters ------------------------------------------------
	function buildParams() {
		const num = (min, max, step) => h('input', {type: 'number', min, max, step, class: 'num'});
		const f = {
			height: num(1, 10, 0.01),
			auto: checkbox(t('rule.height_auto'), false),
			detect: h('button', {type: 'button', class: 'small', dataset: {action: 'detect'}, text: t('rule.detect')}),
			detected: h('span', {class: 'hint'}),
			maxH: num(0.1, 3, 0.01),
			minH: num(0, 3, 0.01),
			mode: select([['head', t('rule.mode_head')], ['feet', t('rule.mode_feet')]], 'head'),
			children: checkbox(t('common.enabled'), false),
			childH: num(0.1, 3, 0.01),
			uturn: checkbox(t('common.enabled'), false),
			regions: checkbox(t('common.enabled'), false),
			reset: checkbox(t('common.enabled'), false),
			resetTime: h('input', {type: 'time', step: 60}),
		};
		f.height.dataset.field = 'installation_height';
		const el = h('div', {},
			field(t('rule.installation_height'), h('div', {class: 'rule-inline'}, f.height, h('span', {text: 'm'}),
				f.detect, f.auto.el), t('rule.height_hint')),
			h('div', {class: 'rule-detected'}, f.detected),
			field(t('rule.max_height'), h('div', {class: 'rule-inline'}, f.maxH, h('span', {text: 'm'}))),
			field(t('rule.min_height'), h('div', {class: 'rule-inline'}, f.minH, h('span', {text: 'm'}))),
			field(t('rule.tracking_mode'), f.mode),
			field(t('rule.children'), h('div', {class: 'rule-inline'}, f.children.el,
				h('span', {text: t('rule.children_height')}), f.childH, h('span', {text: 'm'})),
			t('rule.children_hint')),
			field(t('rule.uturn_filtering'), f.uturn.el),
			field(t('rule.region_monitoring'), f.regions.el),
			field(t('rule.reset_schedule'), h('div', {class: 'rule-inline'}, f.reset.el,
				h('span', {text: t('rule.reset_time')}), f.resetTime), t('rule.reset_hint')));
		const sync = () => {
			f.height.disabled = f.auto.input.checked;
			f.childH.disabled = !f.children.input.checked;
			f.resetTime.disabled = !f.reset.input.checked;
		};
		const fill = () => {
			const r = draft.rules;
			f.auto.input.checked = r.installation_height_m === null;
			f.height.value = r.installation_height_m === null ? '' : r.installation_height_m;
			f.maxH.value = r.max_target_height_m;
			f.minH.value = r.min_target_height_m;
			f.mode.value = r.tracking_mode;
			f.children.input.checked = r.children_height_m !== null;
			f.childH.value = r.children_height_m === null ? 1.3 : r.children_height_m;
			f.uturn.input.checked = !!r.uturn_filtering;
			f.regions.input.checked = !!r.region_monitoring;
			f.reset.input.checked = !!draft.reset.enabled;
			f.resetTime.value = draft.reset.time || '00:00';
			f.detected.textContent = '';
			sync();
		};
		// Reads the form into the draft; a number that is not one names
		// its field (the daemon checks the ranges).
		const read = () => {
			const r = draft.rules;
			const number = (input, label) => {
				const v = Number(input.value);
				if (input.value === '' || !Number.isFinite(v))
					throw new Error(t('rule.not_number', {field: label}));
				return v;
			};
			r.installation_height_m = f.auto.input.checked ? null
				: number(f.height, t('rule.installation_height'));
			r.max_target_height_m = number(f.maxH, t('rule.max_height'));
			r.min_target_height_m = number(f.minH, t('rule.min_height'));
			r.tracking_mode = f.mode.value;
			r.children_height_m = f.children.input.checked ? number(f.childH, t('rule.children_height')) : null;
			r.uturn_filtering = f.uturn.input.checked;
			r.region_monitoring = f.regions.input.checked;
			draft.reset = {enabled: f.reset.input.checked, time: f.resetTime.value || '00:00'};
		};
		el.addEventListener('change', ev => {
			sync();
			if (ev.target === f.uturn.input || ev.target === f.regions.input) {
				draft.rules.uturn_filtering = f.uturn.input.checked;
				draft.rules.region_monitoring = f.regions.input.checked;
				render();
			}
			dirty = true;
			dirtyNote.hidden = false;
		});
		f.detect.addEventListener('click', () => busy(f.detect, async () => {
			f.detected.textContent = t('rule.detecting');
			try {
				const res = await api.post('/api/v1/floor/detect', {});
				f.auto.input.checked = false;
				f.height.value = Number(res.installation_height_m).toFixed(2);
				f.detected.textContent = t('rule.detected', {h: Number(res.installation_height_m).toFixed(2),
					tilt: Number(res.tilt_deg).toFixed(1)});
				sync();
				dirty = true;
				dirtyNote.hidden = false;
			} catch (e) {
				f.detected.textContent = '';
				throw e;
			}
		}));
		return {el, fill, read};
	}

	// ---- Save ------------------------------------------------------------
	function rulesDocument() {
		const r = draft.rules;
		const out = {...r};
		out.lines = r.lines.map(l => {
			const o = {id: l.id, name: l.name, points: l.points, flip: !!l.flip};
			if (l.uuid)
				o.uuid = l.uuid;
			if (l.uturn_area && l.uturn_area.length >= 3)
				o.uturn_area = l.uturn_area;
			return o;
		});
		out.regions = r.regions.map(g => ({...g}));
		return out;
	}

	function load(newDoc) {
		doc = newDoc;
		draft = draftOf(doc);
		autoBand.clear();
		noteIds();
		editor.setRules(draft.rules);
		lv.setRules(draft.rules);
		params.fill();
		dirty = false;
		dirtyNote.hidden = true;
		errorBox.hidden = true;
		render();
	}

	saveBtn.addEventListener('click', () => busy(saveBtn, async () => {
		errorBox.hidden = true;
		if (editor.drawing && !editor.finish())
			return;
		try {
			params.read();
			const current = await api.get('/api/v1/config');
			current.rules = rulesDocument();
			current.reset_schedule = draft.reset;
			load(await api.put('/api/v1/config', current));
			toast(t('common.saved'), 'ok');
		} catch (e) {
			errorBox.textContent = `${t('rule.save_failed')}: ${errorText(e)}`;
			errorBox.hidden = false;
		}
	}));
	revertBtn.addEventListener('click', () => busy(revertBtn, async () => {
		if (dirty && !await confirmDialog(t('rule.revert'), t('rule.revert_q'), t('rule.revert'), true))
			return;
		load(await api.get('/api/v1/config'));
	}));

	// Closing or reloading the tab with unsaved shapes asks first.
	const leave = ev => {
		if (dirty) {
			ev.preventDefault();
			ev.returnValue = '';
		}
	};
	window.addEventListener('beforeunload', leave);

	params.fill();
	render();
	return () => {
		window.removeEventListener('beforeunload', leave);
		events.close();
		editor.destroy();
		lv.destroy();
	};
}
