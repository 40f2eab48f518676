// System: device name and IDs, time zone, users (add a viewer, security
// questions), export/import of the configuration, a restart that ends on
// the login page and a factory reset that brings the browser back to
// activation.
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {run, until, downloaded, ADMIN_PASSWORD, VIEWER_PASSWORD} from './lib.mjs';

await run('device, time, users, export/import, factory reset', async env => {
	const {page} = env;
	await env.goto('system');
	await page.waitForSelector('input[name=device_name]');
	await page.waitForSelector('table.users tr[data-user=admin]');
	assert.equal(await page.textContent('[data-k=remote_status]'), 'Not configured');
	await env.shot('system');

	await page.fill('input[name=device_name]', 'Front door');
	await page.fill('input[name=cus_site_id]', 'site-7');
	await page.click('button[name=save_device]');
	await until(async () => (await env.api('GET', '/api/v1/config')).body.device.device_name === 'Front door',
		5000, 'device name stored');

	await page.selectOption('select[name=time_zone]', '+08:00');
	await page.check('input[name=dst_enabled]');
	await page.click('button[name=save_time]');
	await until(async () => (await env.api('GET', '/api/v1/config')).body.time.time_zone === '+08:00', 5000, 'tz');
	const tcfg = (await env.api('GET', '/api/v1/config')).body.time;
	assert.equal(tcfg.dst.enabled, true);
	assert.match(tcfg.dst.start, /^\d\d-\d\dT\d\d:\d\d$/);

	// A weak password is refused in the dialog, a good one adds the viewer.
	await page.click('button[name=add_user]');
	const dlg = page.locator('dialog');
	await dlg.locator('input[name=new_username]').fill('lobby');
	await dlg.locator('input[name=new_password]').fill('short');
	await dlg.locator('input[name=new_confirm]').fill('short');
	await dlg.locator('button.primary').click();
	await dlg.locator('.dialog-error:not([hidden])').waitFor();
	await env.shot('system-add-user-weak');
	await dlg.locator('input[name=new_password]').fill(VIEWER_PASSWORD);
	await dlg.locator('input[name=new_confirm]').fill(VIEWER_PASSWORD);
	await dlg.locator('button.primary').click();
	await page.waitForSelector('table.users tr[data-user=lobby]');
	assert.equal((await env.api('POST', '/api/v1/session', {username: 'lobby', password: VIEWER_PASSWORD},
		{as: null})).status, 200);

	// New security questions need the admin password.
	await page.click('tr[data-user=admin] button[name=questions]');
	await dlg.waitFor();
	await dlg.locator('input[name=admin_password]').fill('Not-the-one1');
	for (let i = 1; i <= 3; i++)
		await dlg.locator(`input[name=answer${i}]`).fill(`answer ${i}`);
	await dlg.locator('button.primary').click();
	await dlg.locator('.dialog-error:not([hidden])').waitFor();
	assert.match(await dlg.locator('.dialog-error').textContent(), /password: wrong/);
	await dlg.locator('input[name=admin_password]').fill(ADMIN_PASSWORD);
	await dlg.locator('select[name=question1]').selectOption('3');
	await dlg.locator('button.primary').click();
	await dlg.waitFor({state: 'detached'});
	const qs = (await env.api('GET', '/api/v1/password/questions', undefined, {as: null})).body.questions;
	assert.equal(qs[0], 'In which city were you born?');

	// Export, change, import the export back: the old name returns.
	const exp = await downloaded(page, () => page.click('button[name=export]'));
	const doc = JSON.parse(exp.text);
	assert.equal(doc.device.device_name, 'Front door');
	await env.api('PUT', '/api/v1/config', {...doc, device: {...doc.device, device_name: 'Changed'}});
	const file = join(env.dir, 'cfg.json');
	writeFileSync(file, exp.text);
	await page.setInputFiles('input[name=import_file]', file);
	await page.click('button[name=import]');
	await until(async () => (await env.api('GET', '/api/v1/config')).body.device.device_name === 'Front door',
		5000, 'imported configuration');
	// A broken file is refused with the reason, nothing changes.
	writeFileSync(file, '{"device": {"device_name": 5}}');
	await page.setInputFiles('input[name=import_file]', file);
	await page.click('button[name=import]');
	await page.waitForSelector('.toast.error');
	assert.equal((await env.api('GET', '/api/v1/config')).body.device.device_name, 'Front door');

	// Restart: the device goes away and comes back; sessions live in
	// memory, so the browser ends on the login page.
	const before = (await env.api('GET', '/api/v1/status', undefined, {as: null})).body.running_time;
	await page.click('button[name=restart]');
	await page.locator('dialog button.primary').click();
	await page.waitForSelector('body[data-page="login"]', {timeout: 60000});
	assert.ok((await env.api('GET', '/api/v1/status', undefined, {as: null})).body.running_time <= before);
	await env.login('admin', ADMIN_PASSWORD);
	await env.token('admin', ADMIN_PASSWORD);
	assert.equal((await env.api('GET', '/api/v1/config')).body.device.device_name, 'Front door');
	await env.goto('system');

	// Factory reset: a wrong password is refused, the right one erases the
	// device and the browser ends on the activation page.
	await page.click('button[name=factory_reset]');
	await dlg.locator('input[name=reset_password]').fill('Not-the-one1');
	await dlg.locator('[data-action=confirm]').click();
	await dlg.locator('.dialog-error:not([hidden])').waitFor();
	await env.shot('system-reset-wrong');
	await dlg.locator('input[name=reset_password]').fill(ADMIN_PASSWORD);
	await dlg.locator('[data-action=confirm]').click();
	await page.waitForSelector('body[data-page="activate"]', {timeout: 60000});
	assert.equal((await env.api('GET', '/api/v1/status', undefined, {as: null})).body.activated, false);
	await env.shot('after-factory-reset');
});
