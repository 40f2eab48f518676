// system.js - the System page (guide section 5.6): device information,
// users, time, remote management (a placeholder: no hub is configured) and
// maintenance.
//
// Device and time settings are sections of the configuration document
// (GET, change the section, PUT the whole). Changing the admin's own
// password ends the admin's sessions on the device, so the page goes to
// the login page afterwards. Restart and factory reset wait for the device
// to answer again before moving on (to the login page, or to activation).
import {h, card, field, select, checkbox, toast, busy, dialog, confirmDialog, passwordPolicy,
	passwordProblems, formatDuration, download, errorText} from '../ui.js';
import {questionEditor} from './activate.js';

// The usual UTC offsets, "-12:00" .. "+14:00".
const OFFSETS = ['-12:00', '-11:00', '-10:00', '-09:30', '-09:00', '-08:00', '-07:00', '-06:00', '-05:00',
	'-04:00', '-03:30', '-03:00', '-02:00', '-01:00', '+00:00', '+01:00', '+02:00', '+03:00', '+03:30',
	'+04:00', '+04:30', '+05:00', '+05:30', '+05:45', '+06:00', '+06:30', '+07:00', '+08:00', '+08:45',
	'+09:00', '+09:30', '+10:00', '+10:30', '+11:00', '+12:00', '+12:45', '+13:00', '+14:00'];

const sleep = ms => new Promise(r => setTimeout(r, ms));

// Waits until GET /api/v1/status answers and done(status) holds (the
// device went away and came back), for at most 60 s.
async function waitForDevice(api, done) {
	const end = Date.now() + 60000;
	while (Date.now() < end) {
		await sleep(700);
		try {
			const st = await api.get('/api/v1/status', {quiet401: true});
			if (done(st))
				return st;
		} catch (e) {
			// not back yet
		}
	}
	throw new Error('the device did not come back');
}

function passwordPair(t) {
	const pw = h('input', {type: 'password', name: 'new_password', autocomplete: 'new-password', maxlength: 16});
	const pw2 = h('input', {type: 'password', name: 'new_confirm', autocomplete: 'new-password', maxlength: 16});
	return {
		pw,
		nodes: [field(t('system.new_password'), pw), field(t('password.confirm'), pw2), passwordPolicy(pw, pw2)],
		check() {
			if (passwordProblems(pw.value).length)
				throw new Error(t('password.weak'));
			if (pw.value !== pw2.value)
				throw new Error(t('password.mismatch'));
			return pw.value;
		},
	};
}

function deviceCard(ctx, cfg, info, status) {
	const {t, api} = ctx;
	const name = h('input', {type: 'text', name: 'device_name', maxlength: 63, value: cfg.device.device_name});
	const devId = h('input', {type: 'text', name: 'cus_device_id', maxlength: 63, value: cfg.device.cus_device_id});
	const siteId = h('input', {type: 'text', name: 'cus_site_id', maxlength: 63, value: cfg.device.cus_site_id});
	const running = h('span', {dataset: {k: 'running_time'}});
	const started = Date.now() / 1000 - (status.running_time || 0);
	const tick = () => (running.textContent = formatDuration(Date.now() / 1000 - started));
	tick();
	const save = h('button', {type: 'button', class: 'primary', name: 'save_device', text: t('common.save')});
	save.addEventListener('click', () => busy(save, async () => {
		const doc = await api.get('/api/v1/config');
		doc.device = {device_name: name.value.trim(), cus_device_id: devId.value.trim(),
			cus_site_id: siteId.value.trim()};
		await api.put('/api/v1/config', doc);
		toast(t('common.saved'), 'ok');
	}));
	const ro = (label, v) => h('div', {class: 'field'}, h('label', {text: label}), h('div', {text: v || '—'}));
	const el = card(t('system.device_info'), {},
		field(t('system.device_name'), name),
		ro(t('system.model'), 'Footfall'),
		ro(t('system.sn'), info.device_sn),
		ro(t('system.hardware'), info.hardware_version),
		ro(t('system.software'), info.firmware_version || status.version),
		ro(t('system.mac'), info.device_mac),
		field(t('system.cus_device_id'), devId),
		field(t('system.cus_site_id'), siteId),
		h('div', {class: 'field'}, h('label', {text: t('system.running_time')}), running),
		h('div', {class: 'form-actions'}, save));
	return {el, tick};
}

function usersCard(ctx) {
	const {t, api} = ctx;
	const body = h('tbody');
	const add = h('button', {type: 'button', name: 'add_user', text: `+ ${t('system.add_user')}`});
	const el = card(t('system.users'), {actions: add},
		h('table', {class: 'list users'},
			h('thead', {}, h('tr', {}, h('th', {text: t('login.username')}), h('th', {text: t('system.level')}),
				h('th', {text: t('system.operation')}))),
			body));

	async function refresh() {
		const {users} = await api.get('/api/v1/users');
		body.replaceChildren(...users.map(u => h('tr', {dataset: {user: u.username}},
			h('td', {text: u.username}),
			h('td', {text: t(`role.${u.role}`)}),
			h('td', {}, h('div', {class: 'toolbar'},
				h('button', {type: 'button', class: 'small', name: 'password', text: t('system.change_password'),
					on: {click: () => changePassword(u)}}),
				u.role === 'admin' ? h('button', {type: 'button', class: 'small', name: 'questions',
					text: t('system.questions'), on: {click: () => changeQuestions()}}) : null,
				u.role !== 'admin' ? h('button', {type: 'button', class: 'small danger', name: 'delete',
					text: t('common.delete'), on: {click: () => remove(u)}}) : null)))));
		add.disabled = users.length >= 9;
	}

	async function changePassword(u) {
		const pair = passwordPair(t);
		const done = await dialog({
			title: t('system.change_password_of', {user: u.username}),
			body: h('div', {}, pair.nodes),
			actions: [{label: t('common.cancel')}, {label: t('common.save'), kind: 'primary', run: async () => {
				await api.put(`/api/v1/users/${encodeURIComponent(u.username)}/password`, {password: pair.check()});
			}}],
		});
		if (!done)
			return;
		toast(t('system.password_changed'), 'ok');
		if (u.username === ctx.username)
			ctx.reload('login');
	}

	async function changeQuestions() {
		const current = (await api.get('/api/v1/password/questions')).questions;
		const editor = questionEditor(t, current);
		const pw = h('input', {type: 'password', name: 'admin_password', autocomplete: 'current-password'});
		const done = await dialog({
			title: t('system.questions'),
			body: h('div', {}, field(t('system.admin_password'), pw), editor.el),
			actions: [{label: t('common.cancel')}, {label: t('common.save'), kind: 'primary', run: async () => {
				await api.put('/api/v1/password/questions',
					{password: pw.value, security_questions: editor.values()});
			}}],
		});
		if (done)
			toast(t('system.questions_changed'), 'ok');
	}

	async function remove(u) {
		if (!await confirmDialog(t('common.delete'), t('system.delete_confirm', {user: u.username}),
			t('common.delete'), true))
			return;
		await busy(null, async () => {
			await api.del(`/api/v1/users/${encodeURIComponent(u.username)}`);
			await refresh();
		});
	}

	add.addEventListener('click', async () => {
		const user = h('input', {type: 'text', name: 'new_username', maxlength: 32, autocomplete: 'off'});
		const pair = passwordPair(t);
		const done = await dialog({
			title: t('system.add_user'),
			body: h('div', {}, field(t('login.username'), user),
				h('div', {class: 'field'}, h('label', {text: t('system.level')}), h('div', {text: t('role.viewer')})),
				pair.nodes, h('p', {class: 'hint', text: t('system.viewer_hint')})),
			actions: [{label: t('common.cancel')}, {label: t('common.add'), kind: 'primary', run: async () => {
				await api.post('/api/v1/users', {username: user.value.trim(), password: pair.check()});
			}}],
		});
		if (done) {
			toast(t('system.user_added'), 'ok');
			await busy(null, refresh);
		}
	});
	return {el, refresh};
}

function splitSwitch(s) {
	const m = /^(\d\d)-(\d\d)T(\d\d:\d\d)$/.exec(s || '') || [null, '03', '31', '02:00'];
	return {month: m[1], day: String(Number(m[2])), time: m[3]};
}

function switchInputs(t, name, value) {
	const v = splitSwitch(value);
	const month = select(Array.from({length: 12}, (x, i) => [String(i + 1).padStart(2, '0'), t(`system.month${i + 1}`)]),
		v.month, {name: `${name}_month`});
	const day = h('input', {type: 'number', min: 1, max: 31, name: `${name}_day`, value: v.day, style: {width: '5em'}});
	const time = h('input', {type: 'time', name: `${name}_time`, value: v.time});
	return {
		el: h('div', {class: 'toolbar'}, month, day, time),
		value: () => `${month.value}-${String(day.value).padStart(2, '0')}T${time.value}`,
	};
}

function timeCard(ctx, cfg, status) {
	const {t, api} = ctx;
	const now = h('span', {dataset: {k: 'device_time'}});
	let base = Date.parse(status.time), fetched = Date.now();
	const tick = () => {
		if (Number.isNaN(base))
			return;
		// The device's local wall clock: UTC shifted by its offset.
		const off = /([+-])(\d\d):(\d\d)$/.exec(status.time);
		const ms = off ? (off[1] === '-' ? -1 : 1) * (Number(off[2]) * 60 + Number(off[3])) * 60000 : 0;
		now.textContent = new Date(base + (Date.now() - fetched) + ms).toISOString().slice(0, 19).replace('T', ' ');
	};
	tick();
	// A stored offset outside the usual list stays selectable, so saving
	// the DST settings never changes it behind the user's back.
	const offsets = OFFSETS.includes(cfg.time.time_zone) ? OFFSETS : [...OFFSETS, cfg.time.time_zone].sort(
		(a, b) => Number(a.replace(':', '.')) - Number(b.replace(':', '.')));
	const tz = select(offsets.map(o => [o, `UTC${o}`]), cfg.time.time_zone, {name: 'time_zone'});
	const dst = checkbox(t('system.dst'), cfg.time.dst.enabled, {name: 'dst_enabled'});
	const start = switchInputs(t, 'dst_start', cfg.time.dst.start);
	const end = switchInputs(t, 'dst_end', cfg.time.dst.end);
	const biases = [...new Set([30, 60, 90, 120, cfg.time.dst.bias_min])].sort((a, b) => a - b);
	const bias = select(biases.map(m => [m, t('system.minutes', {n: m})]), cfg.time.dst.bias_min, {name: 'dst_bias'});
	const dstBox = h('div', {},
		field(t('system.dst_start'), start.el),
		field(t('system.dst_end'), end.el),
		field(t('system.dst_bias'), bias));
	const sync = () => (dstBox.hidden = !dst.input.checked);
	dst.input.addEventListener('change', sync);
	sync();
	const save = h('button', {type: 'button', class: 'primary', name: 'save_time', text: t('common.save')});
	save.addEventListener('click', () => busy(save, async () => {
		const doc = await api.get('/api/v1/config');
		doc.time = {time_zone: tz.value, dst: {enabled: dst.input.checked, start: start.value(), end: end.value(),
			bias_min: Number(bias.value)}};
		await api.put('/api/v1/config', doc);
		status = await api.get('/api/v1/status');
		base = Date.parse(status.time);
		fetched = Date.now();
		tick();
		toast(t('common.saved'), 'ok');
	}));
	const el = card(t('system.time'), {},
		h('div', {class: 'field'}, h('label', {text: t('system.current_time')}), now),
		field(t('system.time_zone'), tz, t('system.time_hint')),
		h('div', {class: 'field'}, h('span'), dst.el),
		dstBox,
		h('div', {class: 'form-actions'}, save));
	return {el, tick};
}

function remoteCard(t) {
	return card(t('system.remote'), {},
		h('div', {class: 'field'}, h('label', {text: t('system.remote_platform')}), h('div', {text: t('system.hub')})),
		h('div', {class: 'field'}, h('label', {text: t('system.remote_status')}),
			h('div', {dataset: {k: 'remote_status'}, text: t('system.not_configured')})),
		h('p', {class: 'hint', text: t('system.remote_hint')}));
}

function maintenanceCard(ctx) {
	const {t, api} = ctx;
	const btn = (name, label, cls) => h('button', {type: 'button', name, class: cls || '', text: label});
	const recovery = btn('recovery', t('system.basic_recovery'));
	const reset = btn('factory_reset', t('system.factory_reset'), 'danger');
	const restart = btn('restart', t('system.restart'));
	const exp = btn('export', t('system.export'));
	// The browser's own file button speaks the browser's language: ours
	// stands in for it.
	const file = h('input', {type: 'file', name: 'import_file', accept: '.json,application/json', hidden: true});
	const fileName = h('span', {class: 'hint', text: t('system.no_file')});
	const choose = btn('choose_file', t('system.choose'));
	choose.addEventListener('click', () => file.click());
	file.addEventListener('change', () => (fileName.textContent = file.files[0] ? file.files[0].name : t('system.no_file')));
	const imp = btn('import', t('system.import'));
	const row = (label, hint, ...nodes) => h('div', {class: 'field'}, h('label', {text: label}),
		h('div', {class: 'field-input'}, h('div', {class: 'toolbar'}, nodes), hint ? h('div', {class: 'hint', text: hint}) : null));

	recovery.addEventListener('click', async () => {
		if (!await confirmDialog(t('system.basic_recovery'), t('system.recovery_confirm'), t('system.basic_recovery'), true))
			return;
		await busy(recovery, async () => {
			await api.post('/api/v1/maintenance/recovery');
			toast(t('system.recovered'), 'ok');
			ctx.navigate('system');
		});
	});

	reset.addEventListener('click', async () => {
		const pw = h('input', {type: 'password', name: 'reset_password', autocomplete: 'current-password'});
		const done = await dialog({
			title: t('system.factory_reset'),
			body: h('div', {}, h('p', {text: t('system.reset_warning')}), field(t('system.admin_password'), pw)),
			actions: [{label: t('common.cancel')}, {label: t('system.factory_reset'), kind: 'primary danger', id: 'confirm',
				run: () => api.post('/api/v1/maintenance/factory-reset', {password: pw.value})}],
		});
		if (!done)
			return;
		toast(t('system.resetting'), 'info');
		await busy(reset, async () => {
			await waitForDevice(api, st => !st.activated);
			ctx.reload('activate');
		});
	});

	restart.addEventListener('click', async () => {
		if (!await confirmDialog(t('system.restart'), t('system.restart_confirm'), t('system.restart')))
			return;
		await busy(restart, async () => {
			const before = (await api.get('/api/v1/status')).running_time;
			await api.post('/api/v1/maintenance/restart');
			toast(t('system.restarting'), 'info');
			await waitForDevice(api, st => st.running_time < before);
			ctx.reload('login');
		});
	});

	exp.addEventListener('click', () => busy(exp, async () => {
		const res = await api.get('/api/v1/config/export', {raw: true});
		download(await res.blob(), 'footfall-config.json');
	}));

	imp.addEventListener('click', () => busy(imp, async () => {
		const f = file.files && file.files[0];
		if (!f)
			throw new Error(t('system.choose_file'));
		const text = await f.text();
		try {
			JSON.parse(text);
		} catch (e) {
			throw new Error(t('system.not_json', {msg: e.message}));
		}
		await api.post('/api/v1/config/import', text);
		toast(t('system.imported'), 'ok');
		ctx.navigate('system');
	}));

	return card(t('system.maintenance'), {},
		row(t('system.reset'), t('system.recovery_hint'), recovery),
		row('', t('system.reset_hint'), reset),
		row(t('system.reboot'), null, restart),
		row(t('system.export_label'), null, exp),
		row(t('system.import_label'), null, file, choose, fileName, imp));
}

export async function mount(el, ctx) {
	const {t, api} = ctx;
	el.append(h('h1', {text: t('nav.system')}));
	let cfg, status, counts;
	try {
		[cfg, status, counts] = await Promise.all([api.get('/api/v1/config'), api.get('/api/v1/status'),
			api.get('/api/v1/counts')]);
	} catch (e) {
		el.append(h('p', {class: 'page-error', text: errorText(e)}));
		return undefined;
	}
	const device = deviceCard(ctx, cfg, counts.device_info || {}, status);
	const users = usersCard(ctx);
	const time = timeCard(ctx, cfg, status);
	el.append(h('div', {class: 'grid2'},
		h('div', {}, device.el, users.el),
		h('div', {}, time.el, remoteCard(t), maintenanceCard(ctx))));
	await busy(null, users.refresh);
	const timer = setInterval(() => {
		device.tick();
		time.tick();
	}, 1000);
	return () => clearInterval(timer);
}
