// The Communication page against the real daemon: an MQTT recipient added
// through the form (every field, report content tree) pointing at a real
// mosquitto on a free loopback port, its connection test, its live status,
// and a report of the simulated scene arriving at a subscriber; a refused
// recipient showing the daemon's message; passwords never shown and kept
// when left empty; the HTTP/HTTPS ports and the MQTT API saved as sections
// of the configuration.
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir, userInfo} from 'node:os';
import {dirname, join} from 'node:path';
import {run, until} from './lib.mjs';

// The subscriber of the daemon's push test, built next to footfalld.
const SUB = process.env.FD_MQTT_SUB || join(dirname(process.argv[2] || '.'), 'src/daemon/fd_mqtt_sub');

function freePort() {
	return new Promise((resolve, reject) => {
		const s = createServer();
		s.on('error', reject);
		s.listen(0, '127.0.0.1', () => {
			const {port} = s.address();
			s.close(() => resolve(port));
		});
	});
}

// mosquitto on 127.0.0.1:port and fd_mqtt_sub writing TOPIC's messages to
// a file; stop() ends both.
async function broker(topic) {
	const dir = mkdtempSync(join(tmpdir(), 'ff_web_mqtt_'));
	const port = await freePort();
	writeFileSync(join(dir, 'mosquitto.conf'),
		`listener ${port} 127.0.0.1\nallow_anonymous true\nuser ${userInfo().username}\n`);
	const procs = [spawn('mosquitto', ['-c', join(dir, 'mosquitto.conf')], {stdio: 'ignore'})];
	const out = join(dir, 'messages.txt');
	writeFileSync(out, '');
	// the broker listens within a second; the subscriber retries until then
	await new Promise(r => setTimeout(r, 500));
	procs.push(spawn(SUB, [String(port), topic, out], {stdio: 'ignore'}));
	return {
		port,
		messages: () => readFileSync(out, 'utf8').split('\n').filter(Boolean),
		stop() {
			for (const p of procs)
				p.kill('SIGKILL');
			rmSync(dir, {recursive: true, force: true});
		},
	};
}

if (!existsSync(SUB)) {
	console.log(`not ok - communication: ${SUB} is missing (build the fd_mqtt_sub target)`);
	process.exit(1);
}

await run('communication: MQTT recipient, test, status, report; sections', async env => {
	const {page} = env;
	const topic = 'footfall/web-test/counts';
	const mq = await broker(topic);
	try {
		await env.goto('communication');
		await page.waitForSelector('.comm-recipients');
		await page.waitForSelector('.comm-recipients td.hint');
		await env.shot('communication-empty');

		// A recipient the daemon refuses: its message is shown, nothing stored.
		await page.click('[data-action=add-recipient]');
		await page.waitForSelector('.comm-form');
		await page.fill('input[data-field=name]', 'Broken');
		await page.fill('input[data-field=url]', 'ftp://nowhere');
		await page.click('[data-action=save-recipient]');
		await page.waitForSelector('.comm-form .message.error:not([hidden])');
		assert.match(await page.textContent('.comm-form .message.error'), /url/);
		assert.equal((await env.api('GET', '/api/v1/recipients')).body.length, 0);

		// The MQTT recipient, every field of the form.
		await page.fill('input[data-field=name]', 'Broker');
		await page.selectOption('select[data-field=type]', 'mqtt');
		await page.fill('input[data-field=host]', '127.0.0.1');
		await page.fill('input[data-field=port]', String(mq.port));
		await page.fill('input[data-field=client_id]', 'footfall-web-test');
		await page.fill('input[data-field=username]', 'counter');
		await page.fill('input[data-field=password]', 'S3cret-pass');
		await page.fill('input[data-field=topic]', topic);
		await page.selectOption('select[data-field=qos]', '1');
		await page.check('input[data-field=periodic_reports]');
		await page.selectOption('select[data-field=periodic_scheme]', 'from_now_on');
		await page.fill('input[data-field=period_min]', '15');
		// Untick the device info group: every field of it goes.
		await page.uncheck('input[data-content=device_info]');
		assert.equal(await page.isChecked('input[data-content=device_sn]'), false);
		// One time field off: the group is half ticked, still included.
		await page.uncheck('input[data-content=dst_status]');
		assert.equal(await page.$eval('input[data-content=time_info]', e => e.indeterminate && e.checked), true);
		await env.shot('communication-mqtt-form');

		// Test saves the recipient first, then reaches the broker.
		await page.click('[data-action=test]');
		await page.waitForSelector('.comm-test.ok', {timeout: 20000});
		let list = (await env.api('GET', '/api/v1/recipients')).body;
		assert.equal(list.length, 1);
		const rec = list[0];
		assert.equal(rec.type, 'mqtt');
		assert.equal(rec.host, '127.0.0.1');
		assert.equal(rec.port, mq.port);
		assert.equal(rec.client_id, 'footfall-web-test');
		assert.equal(rec.topic, topic);
		assert.equal(rec.periodic_reports, true);
		assert.equal(rec.periodic_scheme, 'from_now_on');
		assert.equal(rec.period_min, 15);
		assert.equal(rec.content.device_info, false);
		assert.equal(rec.content.device_name, false);
		assert.equal(rec.content.time_info, true);
		assert.equal(rec.content.dst_status, false);
		assert.equal(rec.password_set, true);
		assert.equal(rec.password, undefined, 'the password never comes back');
		await until(() => mq.messages().length >= 1, 10000, 'the test message at the broker');

		// Back to the list: the status turns "connected" and a trigger
		// report of the scene arrives, without device info as asked.
		await page.click('[data-action=close-recipient]');
		await page.waitForSelector(`tr[data-recipient="${rec.id}"]`);
		await until(async () => (await page.getAttribute(`tr[data-recipient="${rec.id}"] .comm-status`,
			'data-status')) === 'connected', 60000, 'status connected');
		const report = await until(() => mq.messages().map(m => {
			try {
				return JSON.parse(m);
			} catch (e) {
				return null;
			}
		}).find(m => m && (m.line_trigger_data || m.region_trigger_data)), 60000, 'a trigger report');
		assert.equal(report.device_info, undefined);
		assert.ok(report.time_info);
		await env.shot('communication-connected');

		// Editing without typing a password keeps it.
		await page.click(`tr[data-recipient="${rec.id}"] [data-action=edit-recipient]`);
		await page.waitForSelector('.comm-form');
		assert.equal(await page.getAttribute('input[data-field=password]', 'placeholder'), '(unchanged)');
		await page.fill('input[data-field=name]', 'Broker 2');
		await page.click('[data-action=save-recipient]');
		await page.waitForSelector(`tr[data-recipient="${rec.id}"]:has-text("Broker 2")`);
		list = (await env.api('GET', '/api/v1/recipients')).body;
		assert.equal(list[0].password_set, true);

		// TLS with a self-signed CA: a file that is no certificate is
		// refused with the daemon's message naming the field.
		await page.click('[data-action=add-recipient]');
		await page.waitForSelector('.comm-form');
		await page.fill('input[data-field=name]', 'Secure');
		await page.selectOption('select[data-field=type]', 'mqtt');
		await page.fill('input[data-field=host]', '127.0.0.1');
		await page.fill('input[data-field=topic]', 'secure/counts');
		await page.check('input[data-field=tls]');
		await page.selectOption('select[data-field=cert_type]', 'self');
		await page.setInputFiles('.comm-certs input[type=file] >> nth=0',
			{name: 'ca.pem', mimeType: 'text/plain', buffer: Buffer.from('not a certificate\n')});
		await page.click('[data-action=save-recipient]');
		await page.waitForSelector('.comm-form .message.error:not([hidden])');
		assert.match(await page.textContent('.comm-form .message.error'), /^ca\b/);
		await env.shot('communication-tls-refused');
		await page.click('[data-action=close-recipient]');
		await page.waitForSelector('tr[data-recipient]:has-text("Secure")');

		// The HTTP port is a section of the configuration.
		if (await page.$('.comm-network')) {
			await page.fill('input[data-field=http_port]', '8099');
			await page.click('[data-action=save-network]');
			await until(async () => (await env.api('GET', '/api/v1/config')).body.network.http_port === 8099,
				5000, 'network saved');
			await page.fill('input[data-field=https_port]', '8099');
			await page.check('input[data-field=https_enabled]');
			await page.click('[data-action=save-network]');
			await page.waitForSelector('.comm-network .message.error:not([hidden])');
			assert.match(await page.textContent('.comm-network .message.error'), /https_port/);
		}
		// A new self-signed HTTPS certificate is described at once.
		if (await page.$('[data-action=regen-cert]')) {
			const before = (await env.api('GET', '/api/v1/certificate')).body.fingerprint_sha256;
			await page.click('[data-action=regen-cert]');
			// the page shows the new certificate once the daemon has made it
			await until(async () => {
				const now = (await env.api('GET', '/api/v1/certificate')).body;
				return now.fingerprint_sha256 !== before &&
					(await page.textContent('.comm-https-cert')).includes(now.fingerprint_sha256);
			}, 20000, 'the new certificate shown');
			await page.waitForSelector('.comm-https-cert dd:text-is("self-signed")');
			assert.equal((await env.api('GET', '/api/v1/certificate')).body.self_signed, true);
		}
		// The MQTT API, pointed at the same broker.
		if (await page.$('.comm-mqtt-api')) {
			await page.fill('input[data-field=api_host]', '127.0.0.1');
			await page.click('[data-action=save-mqtt-api]');
			await until(async () => (await env.api('GET', '/api/v1/config')).body.mqtt_api.host === '127.0.0.1',
				5000, 'mqtt_api saved');
		}
		await env.shot('communication-sections');

		// Delete.
		await page.click(`tr[data-recipient="${rec.id}"] [data-action=delete-recipient]`);
		await page.click('dialog.dialog button.primary');
		await page.waitForSelector(`tr[data-recipient="${rec.id}"]`, {state: 'detached'});
		assert.deepEqual((await env.api('GET', '/api/v1/recipients')).body.map(r => r.name), ['Secure']);

		await page.selectOption('#lang-select', 'zh-CN');
		await page.waitForSelector('.comm-recipients h2:has-text("数据接收方")');
		await env.shot('communication-zh');
	} finally {
		mq.stop();
	}
});
