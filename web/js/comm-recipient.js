// comm-recipient.js - the form of one push recipient (guide 5.3.2):
// protocol and connection, connection test, report strategy,
// retransmission and report content.
//
// The daemon keeps the fields of both protocols, so switching the protocol
// back and forth in the form loses nothing; both sets are sent. Passwords
// never come back from the daemon (only "password_set"): an empty password
// field leaves the stored one alone, "Clear" sends an empty one.
//
// The connection test runs against the stored recipient, so Test saves the
// form first (a new recipient is created by that) and then tests; the
// form stays open on the stored recipient either way.
import {h, card, field, select, checkbox, busy, toast} from './ui.js';
import {contentTree} from './comm-content.js';
import {tlsFiles} from './comm-certs.js';

const DEFAULTS = {
	enabled: true, name: '', type: 'http', url: '', username: '', host: '', port: 1883, client_id: '',
	topic: '', qos: 1, tls: false, trigger_reports: true, periodic_reports: false,
	periodic_scheme: 'on_the_dot', period_min: 5, retransmission: true, content: null,
};

// rec: the recipient as GET returns it, or null for a new one. opts:
// {api, t, certsPath(id) or null when the daemon has no uploads, defaults
// (content of a new recipient), onDone()}.
export function recipientForm(rec, opts) {
	const {api, t} = opts;
	let stored = rec;
	const r = {...DEFAULTS, ...(rec || {})};
	if (!r.content)
		r.content = opts.defaults;
	const text = (key, v, props) => h('input', {type: 'text', value: v || '', dataset: {field: key}, ...(props || {})});
	const f = {
		name: text('name', r.name, {maxlength: 63}),
		enabled: checkbox(t('common.enabled'), r.enabled, {dataset: {field: 'enabled'}}),
		type: select([['http', 'HTTP(S)'], ['mqtt', 'MQTT(S)']], r.type, {dataset: {field: 'type'}}),
		url: text('url', r.url, {maxlength: 511, placeholder: 'https://example.com/counts'}),
		host: text('host', r.host, {maxlength: 255}),
		port: h('input', {type: 'number', min: 1, max: 65535, value: r.port, dataset: {field: 'port'}}),
		client_id: text('client_id', r.client_id, {maxlength: 127}),
		username: text('username', r.username, {maxlength: 127, autocomplete: 'off'}),
		password: h('input', {type: 'password', maxlength: 127, autocomplete: 'new-password', dataset: {field: 'password'},
			placeholder: r.password_set ? t('comm.password_unchanged') : ''}),
		topic: text('topic', r.topic, {maxlength: 255}),
		qos: select([[0, 'QoS 0'], [1, 'QoS 1'], [2, 'QoS 2']], r.qos, {dataset: {field: 'qos'}}),
		tls: checkbox(t('common.enabled'), r.tls, {dataset: {field: 'tls'}}),
		trigger: checkbox(t('common.enabled'), r.trigger_reports, {dataset: {field: 'trigger_reports'}}),
		periodic: checkbox(t('common.enabled'), r.periodic_reports, {dataset: {field: 'periodic_reports'}}),
		scheme: select([['on_the_dot', t('comm.on_the_dot')], ['from_now_on', t('comm.from_now_on')]],
			r.periodic_scheme, {dataset: {field: 'periodic_scheme'}}),
		period: h('input', {type: 'number', min: 1, max: 1440, value: r.period_min, dataset: {field: 'period_min'}}),
		retrans: checkbox(t('common.enabled'), r.retransmission, {dataset: {field: 'retransmission'}}),
	};
	let clearPassword = false;
	const clearBtn = h('button', {type: 'button', class: 'small', text: t('comm.password_clear'),
		hidden: !r.password_set});
	clearBtn.addEventListener('click', () => {
		clearPassword = true;
		f.password.value = '';
		f.password.placeholder = t('comm.password_cleared');
		clearBtn.hidden = true;
	});
	const tree = contentTree(r.content, t);
	const certs = opts.certsPath ? tlsFiles(t, api, stored ? opts.certsPath(stored.id) : null) : null;
	const testBtn = h('button', {type: 'button', dataset: {action: 'test'}, text: t('comm.test')});
	const testOut = h('span', {class: 'comm-test', role: 'status'});
	const error = h('div', {class: 'message error', role: 'alert', hidden: true});
	const saveBtn = h('button', {type: 'button', class: 'primary', dataset: {action: 'save-recipient'}, text: t('common.save')});
	const closeBtn = h('button', {type: 'button', dataset: {action: 'close-recipient'}, text: t('comm.back')});

	const httpPart = h('div', {}, field(t('comm.url'), h('div', {class: 'rule-inline'}, f.url)));
	const mqttHead = h('div', {},
		field(t('comm.host'), f.host),
		field(t('comm.port'), f.port),
		field(t('comm.client_id'), f.client_id, t('comm.client_id_hint')));
	const mqttTail = h('div', {},
		field(t('comm.topic'), f.topic),
		field(t('comm.qos'), f.qos),
		field(t('comm.tls'), f.tls.el),
		certs ? h('div', {class: 'comm-certs'}, certs.el) : null);
	const periodicPart = h('div', {},
		field(t('comm.scheme'), f.scheme, t('comm.scheme_hint')),
		field(t('comm.period'), h('div', {class: 'rule-inline'}, f.period, h('span', {text: t('comm.minutes')}))));
	const sync = () => {
		const mqtt = f.type.value === 'mqtt';
		httpPart.hidden = mqtt;
		mqttHead.hidden = !mqtt;
		mqttTail.hidden = !mqtt;
		if (certs)
			certs.el.parentNode.hidden = !f.tls.input.checked;
		periodicPart.hidden = !f.periodic.input.checked;
	};

	const el = card(rec ? t('comm.edit_recipient', {name: rec.name || `#${rec.id}`}) : t('comm.new_recipient'),
		{cls: 'comm-form'},
		field(t('comm.recipient_name'), f.name),
		field(t('comm.recipient_enabled'), f.enabled.el),
		field(t('comm.protocol'), f.type),
		httpPart, mqttHead,
		field(t('comm.username'), f.username),
		field(t('comm.password'), h('div', {class: 'rule-inline'}, f.password, clearBtn)),
		mqttTail,
		field(t('comm.connection_test'), h('div', {class: 'rule-inline'}, testBtn, testOut), t('comm.test_hint')),
		h('h3', {text: t('comm.strategy')}),
		field(t('comm.trigger'), f.trigger.el, t('comm.trigger_hint')),
		field(t('comm.periodic'), f.periodic.el),
		periodicPart,
		field(t('comm.retransmission'), f.retrans.el, t('comm.retransmission_hint')),
		h('h3', {text: t('comm.content')}),
		tree.el,
		error,
		h('div', {class: 'form-actions'}, saveBtn, closeBtn));
	el.addEventListener('change', sync);
	sync();

	function body() {
		const b = {
			enabled: f.enabled.input.checked, name: f.name.value.trim(), type: f.type.value,
			url: f.url.value.trim(), username: f.username.value, host: f.host.value.trim(),
			port: Number(f.port.value), client_id: f.client_id.value, topic: f.topic.value.trim(),
			qos: Number(f.qos.value), tls: f.tls.input.checked, trigger_reports: f.trigger.input.checked,
			periodic_reports: f.periodic.input.checked, periodic_scheme: f.scheme.value,
			period_min: Number(f.period.value), retransmission: f.retrans.input.checked,
			content: tree.value(),
		};
		if (f.password.value)
			b.password = f.password.value;
		else if (clearPassword)
			b.password = '';
		return b;
	}

	// Stores the form; the reply becomes the stored recipient. A refusal
	// shows the daemon's message in the form and returns null.
	async function save() {
		error.hidden = true;
		try {
			stored = stored ? await api.put(`/api/v1/recipients/${stored.id}`, body())
				: await api.post('/api/v1/recipients', body());
			if (certs && f.tls.input.checked)
				await certs.apply(opts.certsPath(stored.id));
		} catch (e) {
			error.textContent = e.message;
			error.hidden = false;
			return null;
		}
		f.password.value = '';
		clearPassword = false;
		f.password.placeholder = stored.password_set ? t('comm.password_unchanged') : '';
		clearBtn.hidden = !stored.password_set;
		el.querySelector('h2').textContent = t('comm.edit_recipient', {name: stored.name || `#${stored.id}`});
		return stored;
	}

	saveBtn.addEventListener('click', () => busy(saveBtn, async () => {
		if (!await save())
			return;
		toast(t('common.saved'), 'ok');
		opts.onDone();
	}));
	closeBtn.addEventListener('click', () => opts.onDone());
	testBtn.addEventListener('click', () => busy(testBtn, async () => {
		testOut.className = 'comm-test';
		testOut.textContent = t('comm.testing');
		if (!await save()) {
			testOut.textContent = '';
			return;
		}
		try {
			await api.post(`/api/v1/recipients/${stored.id}/test`, {});
			testOut.className = 'comm-test ok';
			testOut.textContent = t('comm.test_ok');
		} catch (e) {
			testOut.className = 'comm-test bad';
			testOut.textContent = t('comm.test_failed', {reason: e.message});
		}
	}));
	return el;
}
