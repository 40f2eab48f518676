// activate.js - first start (guide section 4): the admin password with its
// policy shown as it is typed, three security questions, and the privacy
// settings of the scene preview. Activation, the first login and the
// privacy settings are three requests; the device is activated after the
// first, so a failure later on leaves a usable device and says what to do.
import {h, card, field, select, toast, errorText, passwordPolicy, passwordProblems} from '../ui.js';

export const QUESTION_KEYS = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'];

// Three question pickers (preset questions or a custom one) with answers.
// Returns {el, values()} where values() throws a translated message when
// something is missing.
export function questionEditor(t, current) {
	const rows = [];
	const presets = QUESTION_KEYS.map(k => t(`activate.${k}`));
	const el = h('div', {class: 'questions'});
	for (let i = 0; i < 3; i++) {
		const known = current && current[i];
		const preset = known ? presets.indexOf(known) : i;
		const sel = select([...presets.map((q, k) => [String(k), q]), ['custom', t('activate.custom')]],
			preset >= 0 ? String(preset) : 'custom', {name: `question${i + 1}`});
		const custom = h('input', {type: 'text', name: `custom${i + 1}`, maxlength: 128,
			placeholder: t('activate.custom_placeholder'), value: preset < 0 && known ? known : ''});
		const answer = h('input', {type: 'text', name: `answer${i + 1}`, maxlength: 128, autocomplete: 'off'});
		const sync = () => (custom.hidden = sel.value !== 'custom');
		sel.addEventListener('change', sync);
		sync();
		const row = field(t('activate.question', {n: i + 1}), sel);
		row.querySelector('.field-input').append(custom);
		el.append(row, field(t('activate.answer', {n: i + 1}), answer));
		rows.push({sel, custom, answer});
	}
	return {
		el,
		values() {
			const out = rows.map(r => ({
				question: r.sel.value === 'custom' ? r.custom.value.trim() : presets[Number(r.sel.value)],
				answer: r.answer.value.trim(),
			}));
			if (out.some(q => !q.question))
				throw new Error(t('activate.need_question'));
			if (new Set(out.map(q => q.question)).size !== out.length)
				throw new Error(t('activate.distinct'));
			if (out.some(q => !q.answer))
				throw new Error(t('activate.need_answer'));
			return out;
		},
	};
}

// The privacy fields (guide section 4 step 3, and the Image page).
export function privacyFields(t, privacy) {
	const preview = select([['video', t('image.preview_video')], ['static', t('image.preview_static')],
		['none', t('image.preview_none')]], privacy.preview, {name: 'preview'});
	const type = select([['monochrome', t('image.monochrome')], ['pseudo_color', t('image.pseudo_color')]],
		privacy.image_type, {name: 'image_type'});
	const res = select([['low', t('image.res_low')], ['high', t('image.res_high')]], privacy.resolution,
		{name: 'resolution'});
	return {
		el: h('div', {},
			field(t('image.preview'), preview, t('image.preview_hint')),
			field(t('image.image_type'), type),
			field(t('image.resolution'), res, t('image.resolution_hint'))),
		values: () => ({preview: preview.value, image_type: type.value, resolution: res.value}),
	};
}

export function mount(el, ctx) {
	const {t, api} = ctx;
	const pw = h('input', {type: 'password', name: 'password', autocomplete: 'new-password', maxlength: 16});
	const pw2 = h('input', {type: 'password', name: 'confirm', autocomplete: 'new-password', maxlength: 16});
	const questions = questionEditor(t);
	const privacy = privacyFields(t, {preview: 'video', image_type: 'pseudo_color', resolution: 'low'});
	const msg = h('div', {class: 'message error', role: 'alert', hidden: true});
	const submit = h('button', {type: 'submit', class: 'primary', text: t('activate.submit')});
	const form = h('form', {class: 'auth', novalidate: true},
		h('h1', {text: t('activate.title')}),
		h('p', {class: 'hint', text: t('activate.intro')}),
		card(t('activate.account'), {},
			field(t('login.username'), h('input', {type: 'text', value: 'admin', readonly: true, name: 'username'})),
			field(t('password.password'), pw),
			field(t('password.confirm'), pw2, null),
			h('div', {class: 'field'}, h('span'), passwordPolicy(pw, pw2))),
		card(t('activate.questions'), {}, h('p', {class: 'hint', text: t('activate.questions_hint')}), questions.el),
		card(t('activate.privacy'), {}, privacy.el),
		msg,
		h('div', {class: 'form-actions'}, submit));
	el.append(form);

	form.addEventListener('submit', async ev => {
		ev.preventDefault();
		msg.hidden = true;
		let qs;
		try {
			if (passwordProblems(pw.value).length)
				throw new Error(t('password.weak'));
			if (pw.value !== pw2.value)
				throw new Error(t('password.mismatch'));
			qs = questions.values();
		} catch (e) {
			msg.textContent = e.message;
			msg.hidden = false;
			return;
		}
		submit.disabled = true;
		try {
			await api.post('/api/v1/activate', {password: pw.value, security_questions: qs});
		} catch (e) {
			msg.textContent = errorText(e);
			msg.hidden = false;
			submit.disabled = false;
			return;
		}
		try {
			await api.post('/api/v1/session', {username: 'admin', password: pw.value}, {quiet401: true});
			const cfg = await api.get('/api/v1/config');
			cfg.privacy = privacy.values();
			await api.put('/api/v1/config', cfg);
			toast(t('activate.done'), 'ok');
		} catch (e) {
			toast(`${t('activate.privacy_failed')}: ${errorText(e)}`, 'error');
		}
		ctx.reload('dashboard');
	});
}
