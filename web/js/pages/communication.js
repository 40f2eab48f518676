// communication.js - the Communication page (guide 5.3): push recipients
// with their live delivery status, the MQTT API client, and the device's
// own HTTP/HTTPS listeners with the HTTPS certificate.
//
// Recipients have an API of their own (/api/v1/recipients); the MQTT API and
// the listeners are sections of the configuration document ("mqtt_api",
// "network") saved like every other section: read the whole document,
// replace the section, PUT it back. Passwords are never shown by the
// daemon; a section sent without "password" keeps the stored one.
//
// Parts whose endpoints the daemon's OpenAPI document does not list (the
// certificate uploads, the MQTT API status) are left out rather than shown
// broken, so the page works against any daemon of the same API version.
// The recipients' status is polled every few seconds while the list shows.
import {h, card, field, select, checkbox, busy, toast, confirmDialog} from '../ui.js';
import {recipientForm} from '../comm-recipient.js';
import {CONTENT_TREE} from '../comm-content.js';
import {httpsCertificate, tlsFiles} from '../comm-certs.js';
import {useRuleStyles} from '../rule-style.js';

const MAX_RECIPIENTS = 8;
const POLL_MS = 3000;

function allContent() {
	const c = {};
	for (const [g, fields] of CONTENT_TREE) {
		c[g] = true;
		for (const f of fields)
			c[f] = true;
	}
	return c;
}

export async function mount(el, ctx) {
	const {api, t} = ctx;
	useRuleStyles();
	const spec = await api.get('/api/v1/openapi.json');
	const has = (path, method) => !!(spec.paths[path] && spec.paths[path][method || 'get']);
	let timer = 0, gone = false;

	const listBody = h('tbody');
	const addBtn = h('button', {type: 'button', class: 'small', dataset: {action: 'add-recipient'}, text: `+ ${t('common.add')}`});
	const refreshBtn = h('button', {type: 'button', class: 'small', dataset: {action: 'refresh'}, text: t('comm.refresh')});
	const listCard = card(t('comm.recipients'), {actions: [refreshBtn, addBtn], cls: 'comm-recipients'},
		h('p', {class: 'hint', text: t('comm.recipients_hint', {max: MAX_RECIPIENTS})}),
		h('table', {class: 'list'}, h('thead', {}, h('tr', {},
			h('th', {text: t('comm.recipient_name')}), h('th', {text: t('comm.url_host')}),
			h('th', {text: t('comm.protocol')}), h('th', {text: t('comm.status')}),
			h('th', {text: t('rule.operation')}))), listBody));
	const formBox = h('div', {class: 'comm-form-box'});
	const mqttApiBox = h('div');
	const networkBox = h('div');
	el.append(h('h1', {text: t('nav.communication')}), listCard, formBox, mqttApiBox, networkBox);

	// ---- Recipients ----------------------------------------------------
	function statusCell(rec) {
		const s = rec.status || {};
		if (!rec.enabled)
			return h('td', {class: 'comm-status', text: t('comm.disabled')});
		const parts = [];
		if (s.queued)
			parts.push(t('comm.queued', {n: s.queued}));
		if (s.last_error && !s.connected)
			parts.push(s.last_error);
		return h('td', {class: `comm-status ${s.connected ? 'ok' : 'bad'}`, dataset: {status: s.connected ? 'connected' : 'disconnected'}},
			s.connected ? t('comm.connected') : t('comm.disconnected'),
			parts.length ? h('span', {class: 'hint', text: parts.join(' · ')}) : null);
	}

	async function refresh() {
		clearTimeout(timer);
		try {
			const list = await api.get('/api/v1/recipients');
			listBody.replaceChildren(...(list.length ? list.map(rec => h('tr', {dataset: {recipient: rec.id}},
				h('td', {text: rec.name || `#${rec.id}`}),
				h('td', {class: 'comm-target', text: rec.type === 'mqtt' ? `${rec.host}:${rec.port}` : rec.url}),
				h('td', {text: rec.type === 'mqtt' ? (rec.tls ? 'MQTTS' : 'MQTT') : /^https:/.test(rec.url) ? 'HTTPS' : 'HTTP'}),
				statusCell(rec),
				h('td', {class: 'rule-ops'},
					h('button', {type: 'button', class: 'small', dataset: {action: 'edit-recipient'}, text: t('common.edit'),
						on: {click: () => edit(rec)}}),
					h('button', {type: 'button', class: 'small danger', dataset: {action: 'delete-recipient'},
						text: t('common.delete'), on: {click: () => remove(rec)}}))))
				: [h('tr', {}, h('td', {colspan: 5, class: 'hint', text: t('comm.no_recipients')}))]));
			addBtn.disabled = list.length >= MAX_RECIPIENTS;
		} catch (e) {
			listBody.replaceChildren(h('tr', {}, h('td', {colspan: 5, class: 'page-error', text: e.message})));
		}
		if (!gone && !listCard.hidden)
			timer = setTimeout(refresh, POLL_MS);
	}

	function showList() {
		formBox.replaceChildren();
		listCard.hidden = false;
		mqttApiBox.hidden = false;
		networkBox.hidden = false;
		refresh();
	}

	function edit(rec) {
		clearTimeout(timer);
		listCard.hidden = true;
		mqttApiBox.hidden = true;
		networkBox.hidden = true;
		const certsPath = has('/api/v1/recipients/{id}/certificates', 'put')
			? id => `/api/v1/recipients/${id}/certificates` : null;
		formBox.replaceChildren(recipientForm(rec, {api, t, certsPath, defaults: allContent(), onDone: showList}));
		window.scrollTo(0, 0);
	}

	async function remove(rec) {
		if (!await confirmDialog(t('comm.delete_recipient'), t('comm.delete_recipient_q', {name: rec.name || `#${rec.id}`}),
			t('common.delete'), true))
			return;
		await busy(null, async () => {
			await api.del(`/api/v1/recipients/${rec.id}`);
			toast(t('comm.deleted'), 'ok');
		});
		refresh();
	}

	addBtn.addEventListener('click', () => edit(null));
	refreshBtn.addEventListener('click', () => busy(refreshBtn, refresh));

	// ---- Configuration sections -----------------------------------------
	// Saves one section of the configuration document.
	async function saveSection(name, value) {
		const doc = await api.get('/api/v1/config');
		doc[name] = value;
		return api.put('/api/v1/config', doc);
	}

	function sectionError() {
		return h('div', {class: 'message error', role: 'alert', hidden: true});
	}

	function mqttApiCard(doc) {
		const m = doc.mqtt_api;
		if (!m)
			return;
		const statusEl = h('span', {class: 'comm-status', dataset: {field: 'mqtt_api_status'}});
		const f = {
			enabled: checkbox(t('common.enabled'), m.enabled),
			host: h('input', {type: 'text', value: m.host, maxlength: 255, dataset: {field: 'api_host'}}),
			port: h('input', {type: 'number', min: 1, max: 65535, value: m.port}),
			client_id: h('input', {type: 'text', value: m.client_id, maxlength: 127}),
			username: h('input', {type: 'text', value: m.username, maxlength: 127, autocomplete: 'off'}),
			password: h('input', {type: 'password', maxlength: 127, autocomplete: 'new-password',
				placeholder: m.password_set ? t('comm.password_unchanged') : ''}),
			request_topic: h('input', {type: 'text', value: m.request_topic, maxlength: 255}),
			reply_topic: h('input', {type: 'text', value: m.reply_topic, maxlength: 255}),
			qos: select([[0, 'QoS 0'], [1, 'QoS 1'], [2, 'QoS 2']], m.qos),
			tls: checkbox(t('common.enabled'), m.tls),
		};
		const certs = has('/api/v1/mqtt-api/certificates', 'put')
			? tlsFiles(t, api, '/api/v1/mqtt-api/certificates') : null;
		const err = sectionError();
		const save = h('button', {type: 'button', class: 'primary', dataset: {action: 'save-mqtt-api'}, text: t('common.save')});
		const certBox = certs ? h('div', {}, certs.el) : null;
		const sync = () => {
			if (certBox)
				certBox.hidden = !f.tls.input.checked;
		};
		const showStatus = async () => {
			if (!has('/api/v1/mqtt-api/status'))
				return;
			try {
				const s = await api.get('/api/v1/mqtt-api/status');
				statusEl.className = `comm-status ${s.connected ? 'ok' : s.enabled ? 'bad' : ''}`;
				statusEl.textContent = !s.enabled ? t('comm.disabled')
					: s.connected ? t('comm.connected') : t('comm.disconnected');
				if (s.enabled && s.last_error && !s.connected)
					statusEl.append(h('span', {class: 'hint', text: s.last_error}));
			} catch (e) {
				statusEl.textContent = e.message;
			}
		};
		save.addEventListener('click', () => busy(save, async () => {
			err.hidden = true;
			const v = {
				enabled: f.enabled.input.checked, host: f.host.value.trim(), port: Number(f.port.value),
				client_id: f.client_id.value, username: f.username.value, tls: f.tls.input.checked,
				request_topic: f.request_topic.value.trim(), reply_topic: f.reply_topic.value.trim(),
				qos: Number(f.qos.value),
			};
			if (f.password.value)
				v.password = f.password.value;
			try {
				const saved = await saveSection('mqtt_api', v);
				if (certs && v.tls)
					await certs.apply('/api/v1/mqtt-api/certificates');
				Object.assign(m, saved.mqtt_api);
				f.password.value = '';
				f.password.placeholder = m.password_set ? t('comm.password_unchanged') : '';
				toast(t('common.saved'), 'ok');
				setTimeout(showStatus, 1500);
			} catch (e) {
				err.textContent = e.message;
				err.hidden = false;
			}
		}));
		const c = card(t('comm.mqtt_api'), {cls: 'comm-mqtt-api'},
			h('p', {class: 'hint', text: t('comm.mqtt_api_hint')}),
			has('/api/v1/mqtt-api/status') ? field(t('comm.status'), statusEl) : null,
			field(t('comm.mqtt_api_enabled'), f.enabled.el),
			field(t('comm.host'), f.host),
			field(t('comm.port'), f.port),
			field(t('comm.request_topic'), f.request_topic),
			field(t('comm.reply_topic'), f.reply_topic),
			field(t('comm.client_id'), f.client_id, t('comm.client_id_hint')),
			field(t('comm.username'), f.username),
			field(t('comm.password'), f.password),
			field(t('comm.qos'), f.qos),
			field(t('comm.tls'), f.tls.el),
			certBox, err,
			h('div', {class: 'form-actions'}, save));
		c.addEventListener('change', sync);
		sync();
		showStatus();
		mqttApiBox.replaceChildren(c);
	}

	function networkCard(doc) {
		const n = doc.network;
		if (!n)
			return;
		const httpPort = h('input', {type: 'number', min: 1, max: 65535, value: n.http_port, dataset: {field: 'http_port'}});
		const https = checkbox(t('common.enabled'), n.https_enabled, {dataset: {field: 'https_enabled'}});
		const httpsPort = h('input', {type: 'number', min: 1, max: 65535, value: n.https_port, dataset: {field: 'https_port'}});
		const err = sectionError();
		const save = h('button', {type: 'button', class: 'primary', dataset: {action: 'save-network'}, text: t('common.save')});
		save.addEventListener('click', () => busy(save, async () => {
			err.hidden = true;
			try {
				await saveSection('network', {http_port: Number(httpPort.value), https_enabled: https.input.checked,
					https_port: Number(httpsPort.value)});
				toast(t('comm.saved_restart'), 'ok');
			} catch (e) {
				err.textContent = e.message;
				err.hidden = false;
			}
		}));
		const regenerate = has('/api/v1/certificate/regenerate', 'post') ? '/api/v1/certificate/regenerate' : null;
		networkBox.replaceChildren(card(t('comm.http_https'), {cls: 'comm-network'},
			h('p', {class: 'hint', text: t('comm.ports_hint')}),
			field(t('comm.http_port'), httpPort),
			field(t('comm.https'), https.el),
			field(t('comm.https_port'), httpsPort),
			err,
			h('div', {class: 'form-actions'}, save),
			has('/api/v1/certificate') ? httpsCertificate(t, api, {busy, toast, regenerate}) : null));
	}

	refresh();
	const doc = await api.get('/api/v1/config');
	mqttApiCard(doc);
	networkCard(doc);
	return () => {
		gone = true;
		clearTimeout(timer);
	};
}
