// login.js - log in (guide section 4 step 4), and "forgot password": the
// three security questions set a new admin password. Wrong passwords and
// the lockout that follows them show the daemon's own messages; while
// locked out the button waits out the Retry-After time.
import {h, card, field, toast, errorText, dialog, passwordPolicy, passwordProblems} from '../ui.js';

function forgot(ctx) {
	const {t, api} = ctx;
	return api.get('/api/v1/password/questions').then(({questions}) => {
		if (!questions || !questions.length) {
			toast(t('login.no_questions'), 'error');
			return;
		}
		const answers = questions.map((q, i) => h('input', {type: 'text', name: `answer${i + 1}`, autocomplete: 'off'}));
		const pw = h('input', {type: 'password', name: 'new_password', autocomplete: 'new-password', maxlength: 16});
		const pw2 = h('input', {type: 'password', name: 'new_confirm', autocomplete: 'new-password', maxlength: 16});
		return dialog({
			title: t('login.forgot_title'),
			body: h('div', {},
				h('p', {class: 'hint', text: t('login.forgot_intro')}),
				questions.map((q, i) => field(q, answers[i])),
				field(t('login.new_password'), pw),
				field(t('password.confirm'), pw2),
				passwordPolicy(pw, pw2)),
			actions: [
				{label: t('common.cancel')},
				{label: t('login.reset_password'), kind: 'primary', id: 'recover', run: async () => {
					if (passwordProblems(pw.value).length)
						throw new Error(t('password.weak'));
					if (pw.value !== pw2.value)
						throw new Error(t('password.mismatch'));
					await api.post('/api/v1/password/recover',
						{answers: answers.map(a => a.value), password: pw.value}, {quiet401: true});
					toast(t('login.recovered'), 'ok');
				}},
			],
		});
	}).catch(e => toast(errorText(e), 'error'));
}

export function mount(el, ctx) {
	const {t, api} = ctx;
	const user = h('input', {type: 'text', name: 'username', autocomplete: 'username', value: 'admin'});
	const pw = h('input', {type: 'password', name: 'password', autocomplete: 'current-password'});
	const msg = h('div', {class: 'message error', role: 'alert', hidden: true});
	const submit = h('button', {type: 'submit', class: 'primary', text: t('login.submit')});
	const forgotBtn = h('button', {type: 'button', class: 'link', text: t('login.forgot'),
		on: {click: () => forgot(ctx)}});
	const form = h('form', {class: 'auth', novalidate: true},
		h('h1', {text: t('login.title')}),
		card(null, {},
			field(t('login.username'), user),
			field(t('password.password'), pw),
			msg,
			h('div', {class: 'form-actions'}, submit, h('span', {class: 'spacer'}), forgotBtn)));
	el.append(form);
	let timer = 0;
	(user.value ? pw : user).focus();

	form.addEventListener('submit', async ev => {
		ev.preventDefault();
		msg.hidden = true;
		submit.disabled = true;
		try {
			const s = await api.post('/api/v1/session', {username: user.value.trim(), password: pw.value},
				{quiet401: true});
			ctx.signedIn({username: s.username, role: s.role});
			return;
		} catch (e) {
			pw.value = '';
			if (e.status === 429) {
				let left = e.retryAfter || 60;
				const tick = () => {
					msg.textContent = t('login.locked', {s: left});
					if (left-- <= 0) {
						msg.textContent = t('login.unlocked');
						submit.disabled = false;
						return;
					}
					timer = setTimeout(tick, 1000);
				};
				msg.hidden = false;
				tick();
				return;
			}
			msg.textContent = e.status === 401 ? t('login.wrong') : errorText(e);
			msg.hidden = false;
		}
		submit.disabled = false;
		pw.focus();
	});
	return () => clearTimeout(timer);
}
