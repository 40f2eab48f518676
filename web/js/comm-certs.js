// comm-certs.js - certificate uploads of the Communication page: the TLS
// files of an MQTT client (a recipient or the MQTT API) and the HTTPS
// server's certificate.
//
// Files are read in the browser and sent as PEM text; the daemon checks
// them (parses, key matches certificate, valid now) before it stores
// anything, so its message is what the user sees on a bad file.
import {h, field, select} from './ui.js';

// "CN=x, O=y" or whatever the daemon gave for a name.
function nameText(v) {
	if (!v)
		return '';
	if (typeof v === 'string')
		return v;
	return Object.entries(v).map(([k, x]) => `${k}=${x}`).join(', ');
}

// One line about a certificate the daemon described.
export function certSummary(info, t) {
	if (!info)
		return t('comm.cert_none');
	const parts = [nameText(info.subject)];
	if (info.not_after)
		parts.push(t('comm.cert_until', {date: String(info.not_after).slice(0, 10)}));
	if (info.self_signed)
		parts.push(t('comm.cert_self_signed'));
	return parts.filter(Boolean).join(' · ');
}

function fileInput(accept) {
	return h('input', {type: 'file', accept: accept || '.pem,.crt,.cer,.key,text/plain'});
}

async function readFile(input) {
	const f = input.files && input.files[0];
	return f ? f.text() : null;
}

// The certificate type and files of an MQTT client whose files live at
// path (GET/PUT, e.g. /api/v1/recipients/3/certificates); path null for a
// recipient not stored yet. Returns {el, async apply(path)} where apply
// uploads what was chosen (after the owner is stored).
export function tlsFiles(t, api, path) {
	let current = {ca: null, certificate: null, private_key: null};
	const type = select([['ca', t('comm.cert_type_ca')], ['self', t('comm.cert_type_self')]], 'ca',
		{dataset: {field: 'cert_type'}});
	const ca = fileInput(), cert = fileInput(), key = fileInput();
	const state = {
		ca: h('span', {class: 'hint'}),
		certificate: h('span', {class: 'hint'}),
		private_key: h('span', {class: 'hint'}),
	};
	const files = h('div', {},
		field(t('comm.ca_file'), h('div', {class: 'comm-file'}, ca, state.ca)),
		field(t('comm.client_cert'), h('div', {class: 'comm-file'}, cert, state.certificate)),
		field(t('comm.client_key'), h('div', {class: 'comm-file'}, key, state.private_key)));
	const show = () => {
		files.hidden = type.value !== 'self';
		state.ca.textContent = certSummary(current.ca, t);
		state.certificate.textContent = certSummary(current.certificate, t);
		state.private_key.textContent = current.private_key ? t('comm.key_stored') : t('comm.cert_none');
	};
	type.addEventListener('change', show);
	const el = h('div', {}, field(t('comm.cert_type'), type, t('comm.cert_type_hint')), files);
	if (path)
		api.get(path).then(c => {
			current = c;
			if (c.ca || c.certificate)
				type.value = 'self';
			show();
		}).catch(() => show());
	show();
	return {
		el,
		async apply(to) {
			const body = {};
			if (type.value === 'ca') {
				// CA-signed: the system's CAs, no uploaded files
				if (current.ca)
					body.ca = null;
				if (current.certificate || current.private_key)
					Object.assign(body, {certificate: null, private_key: null});
			} else {
				const [c, cc, k] = await Promise.all([readFile(ca), readFile(cert), readFile(key)]);
				if (c)
					body.ca = c;
				if (cc || k) {
					if (!cc || !k)
						throw new Error(t('comm.cert_pair_needed'));
					Object.assign(body, {certificate: cc, private_key: k});
				}
			}
			if (!Object.keys(body).length)
				return;
			current = await api.put(to, body);
			for (const i of [ca, cert, key])
				i.value = '';
			show();
		},
	};
}

// The HTTPS certificate: what is stored, an upload of a pair, and making a
// new self-signed one (regenerate: the POST path, or null when the daemon
// has none).
export function httpsCertificate(t, api, {busy, toast, regenerate}) {
	const info = h('dl', {class: 'kv'});
	const note = h('div', {class: 'message info', hidden: true, text: t('comm.restart_needed')});
	const cert = fileInput(), key = fileInput();
	const upload = h('button', {type: 'button', dataset: {action: 'upload-cert'}, text: t('comm.upload')});
	const regen = regenerate ? h('button', {type: 'button', dataset: {action: 'regen-cert'},
		text: t('comm.self_signed_new')}) : null;
	const show = c => {
		const rows = [
			[t('comm.cert_subject'), nameText(c.subject)],
			[t('comm.cert_issuer'), nameText(c.issuer)],
			[t('comm.cert_valid'), `${c.not_before || ''} — ${c.not_after || ''}`],
			[t('comm.cert_fingerprint'), c.fingerprint_sha256 || ''],
			[t('comm.cert_kind'), c.self_signed ? t('comm.cert_self_signed') : t('comm.cert_ca_signed')],
			[t('comm.cert_names'), (c.subject_alt_names || []).join(', ')],
			[t('comm.cert_key'), c.key_type ? `${c.key_type} ${c.key_bits || ''}`.trim() : ''],
		];
		info.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {text: k}), h('dd', {text: v})]));
		note.hidden = !c.restart_required;
	};
	const load = () => api.get('/api/v1/certificate').then(show).catch(e => {
		info.replaceChildren(h('dt', {text: t('comm.cert_subject')}), h('dd', {class: 'hint', text: e.message}));
	});
	upload.addEventListener('click', () => busy(upload, async () => {
		const [c, k] = await Promise.all([readFile(cert), readFile(key)]);
		if (!c || !k)
			throw new Error(t('comm.cert_pair_needed'));
		show(await api.put('/api/v1/certificate', {certificate: c, private_key: k}));
		cert.value = '';
		key.value = '';
		toast(t('comm.cert_uploaded'), 'ok');
	}));
	if (regen)
		regen.addEventListener('click', () => busy(regen, async () => {
			show(await api.post(regenerate, {}));
			toast(t('comm.cert_created'), 'ok');
		}));
	load();
	return h('div', {class: 'comm-https-cert'},
		h('h3', {text: t('comm.certificate')}), info, note,
		field(t('comm.server_cert'), cert),
		field(t('comm.server_key'), key),
		h('div', {class: 'form-actions'}, upload, regen));
}
