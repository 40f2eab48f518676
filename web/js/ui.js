// ui.js - the small set of UI helpers every page uses, so pages look and
// behave alike: an element builder, cards and form rows, toasts, modal
// dialogs (the native <dialog>), busy buttons and the live password policy.
// No inline event handlers anywhere: listeners are attached here.
import {t} from './i18n.js';

// h('button', {class: 'primary', on: {click: fn}}, 'text', child...)
// props: class, text, html is not offered (no injected markup); dataset,
// style (object), on (events); anything else becomes an attribute, or a
// property for value/checked/disabled/hidden/selected.
const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'selected', 'type', 'indeterminate']);

export function h(tag, props, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(props || {})) {
		if (v === undefined || v === null || (v === false && !PROPS.has(k)))
			continue;
		if (k === 'class')
			e.className = v;
		else if (k === 'text')
			e.textContent = v;
		else if (k === 'on')
			for (const [ev, fn] of Object.entries(v))
				e.addEventListener(ev, fn);
		else if (k === 'dataset')
			Object.assign(e.dataset, v);
		else if (k === 'style')
			Object.assign(e.style, v);
		else if (PROPS.has(k))
			e[k] = v;
		else
			e.setAttribute(k, v === true ? '' : String(v));
	}
	append(e, children);
	return e;
}

function append(e, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false)
			continue;
		if (Array.isArray(c))
			append(e, c);
		else
			e.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

// A titled panel; actions (nodes) go to the right of the title.
export function card(title, {actions, cls} = {}, ...children) {
	return h('section', {class: `card ${cls || ''}`},
		title || actions ? h('div', {class: 'card-head'}, title ? h('h2', {text: title}) : null,
			h('span', {class: 'spacer'}), actions || null) : null,
		...children);
}

// A labelled form row; input gets an id so the label points at it.
let ids = 0;
export function field(label, input, hint) {
	if (!input.id)
		input.id = `f${++ids}`;
	return h('div', {class: 'field'}, h('label', {for: input.id, text: label}),
		h('div', {class: 'field-input'}, input, hint ? h('div', {class: 'hint', text: hint}) : null));
}

// <select> from [[value, label]...].
export function select(options, value, props) {
	const s = h('select', props || {});
	for (const [v, label] of options)
		s.append(h('option', {value: String(v), text: label, selected: String(v) === String(value)}));
	return s;
}

export function checkbox(label, checked, props) {
	const box = h('input', {type: 'checkbox', checked: !!checked, ...(props || {})});
	return {input: box, el: h('label', {class: 'check'}, box, h('span', {text: label}))};
}

export function toast(message, kind = 'info') {
	const box = document.getElementById('toasts');
	const e = h('div', {class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status', text: message});
	box.append(e);
	setTimeout(() => e.remove(), kind === 'error' ? 6000 : 3000);
}

// The message to show for a failed request or any other exception.
export function errorText(e) {
	return e && e.message ? e.message : String(e);
}

// Runs fn with button disabled; an exception becomes an error toast.
// Resolves to fn's result, or undefined after an error.
export async function busy(button, fn) {
	if (button)
		button.disabled = true;
	try {
		return await fn();
	} catch (e) {
		toast(errorText(e), 'error');
		return undefined;
	} finally {
		if (button)
			button.disabled = false;
	}
}

// A modal dialog. body: node(s). actions: [{label, kind, value, run}];
// run (optional, may be async) is called first: when it throws, the message
// is shown inside the dialog and it stays open; otherwise the dialog closes
// and the promise resolves to run's result, or to value. Escape or the
// cancel action resolve to null.
export function dialog({title, body, actions, cls}) {
	return new Promise(resolve => {
		const err = h('div', {class: 'dialog-error', role: 'alert', hidden: true});
		const bar = h('div', {class: 'dialog-actions'});
		const d = h('dialog', {class: `dialog ${cls || ''}`},
			h('form', {method: 'dialog', class: 'dialog-form'}, h('h2', {text: title}), body, err, bar));
		let done = false;
		const finish = v => {
			if (done)
				return;
			done = true;
			d.close();
			d.remove();
			resolve(v);
		};
		for (const a of actions || [{label: t('common.ok'), kind: 'primary', value: true}]) {
			const b = h('button', {type: a.kind === 'primary' ? 'submit' : 'button', class: a.kind || '',
				text: a.label, dataset: a.id ? {action: a.id} : {}});
			b.addEventListener('click', async ev => {
				ev.preventDefault();
				if (!a.run)
					return finish(a.value === undefined ? null : a.value);
				err.hidden = true;
				b.disabled = true;
				try {
					const v = await a.run();
					finish(v === undefined ? (a.value === undefined ? true : a.value) : v);
				} catch (e) {
					err.textContent = errorText(e);
					err.hidden = false;
				} finally {
					b.disabled = false;
				}
			});
			bar.append(b);
		}
		d.addEventListener('cancel', ev => {
			ev.preventDefault();
			finish(null);
		});
		document.body.append(d);
		d.showModal();
		const first = d.querySelector('input, select, textarea');
		if (first)
			first.focus();
	});
}

export function confirmDialog(title, message, okLabel, danger) {
	return dialog({
		title,
		body: h('p', {text: message}),
		actions: [
			{label: t('common.cancel'), value: null},
			{label: okLabel || t('common.ok'), kind: danger ? 'primary danger' : 'primary', value: true},
		],
	});
}

// The device's password policy (users.c): 8 to 16 printable ASCII
// characters without spaces, at least two of digits, lowercase, uppercase,
// symbols. Returns the failed rule keys (empty when the password is fine).
export function passwordProblems(pw) {
	const bad = [];
	if (pw.length < 8 || pw.length > 16)
		bad.push('length');
	if (/[^\x21-\x7e]/.test(pw))
		bad.push('chars');
	const kinds = [/[0-9]/, /[a-z]/, /[A-Z]/, /[^0-9a-zA-Z]/].filter(r => r.test(pw)).length;
	if (kinds < 2)
		bad.push('kinds');
	return bad;
}

// A checklist under a password input that follows what is typed; the
// optional confirm input adds a "passwords match" line.
export function passwordPolicy(input, confirm) {
	const rules = [['length', t('password.rule_length')], ['kinds', t('password.rule_kinds')],
		['chars', t('password.rule_chars')]];
	if (confirm)
		rules.push(['match', t('password.rule_match')]);
	const items = rules.map(([k, label]) => h('li', {dataset: {rule: k}, text: label}));
	const list = h('ul', {class: 'policy'}, items);
	const update = () => {
		const bad = passwordProblems(input.value);
		if (confirm && (confirm.value !== input.value || !input.value))
			bad.push('match');
		for (const li of items)
			li.className = input.value ? (bad.includes(li.dataset.rule) ? 'bad' : 'ok') : '';
	};
	input.addEventListener('input', update);
	if (confirm)
		confirm.addEventListener('input', update);
	update();
	return list;
}

// "1 d 2 h 3 min 4 s" style running time.
export function formatDuration(s) {
	s = Math.max(0, Math.floor(s));
	const d = Math.floor(s / 86400), hh = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
	const parts = [];
	if (d)
		parts.push(t('common.days', {n: d}));
	if (d || hh)
		parts.push(t('common.hours', {n: hh}));
	if (d || hh || m)
		parts.push(t('common.minutes', {n: m}));
	parts.push(t('common.seconds', {n: s % 60}));
	return parts.join(' ');
}

// Saves a Blob as a file through a temporary link.
export function download(blob, name) {
	const url = URL.createObjectURL(blob);
	const a = h('a', {href: url, download: name, hidden: true});
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 1000);
}
