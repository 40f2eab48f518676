// The first visit: activation through the page (policy shown live, three
// questions, privacy), then the dashboard; the settings reached the device.
import assert from 'node:assert/strict';
import {run, ADMIN_PASSWORD} from './lib.mjs';

await run('activation with password policy, questions and privacy', async env => {
	const {page} = env;
	await page.goto(env.url);
	await page.waitForSelector('body[data-page="activate"]');
	assert.match(page.url(), /#\/activate$/);
	await env.shot('activate-empty');

	// The policy list follows the typing: too short and one kind is bad.
	await page.fill('input[name=password]', 'abc');
	assert.equal(await page.getAttribute('.policy li[data-rule=length]', 'class'), 'bad');
	assert.equal(await page.getAttribute('.policy li[data-rule=kinds]', 'class'), 'bad');
	await page.fill('input[name=password]', ADMIN_PASSWORD);
	await page.fill('input[name=confirm]', ADMIN_PASSWORD);
	for (const rule of ['length', 'kinds', 'chars', 'match'])
		assert.equal(await page.getAttribute(`.policy li[data-rule=${rule}]`, 'class'), 'ok', rule);

	// Missing answers are refused before anything is sent.
	await page.click('form button[type=submit]');
	await page.waitForSelector('.message.error:not([hidden])');
	assert.equal((await env.api('GET', '/api/v1/status', undefined, {as: null})).body.activated, false);

	await page.selectOption('select[name=question3]', 'custom');
	await page.fill('input[name=custom3]', 'Name of my first bicycle?');
	await page.fill('input[name=answer1]', '7');
	await page.fill('input[name=answer2]', 'Rowing');
	await page.fill('input[name=answer3]', 'Red Arrow');
	await page.selectOption('select[name=preview]', 'static');
	await page.selectOption('select[name=resolution]', 'high');
	await env.shot('activate-filled');
	await page.click('form button[type=submit]');
	await page.waitForSelector('body[data-page="dashboard"]');
	await env.shot('dashboard-after-activation');

	assert.equal((await env.api('GET', '/api/v1/status', undefined, {as: null})).body.activated, true);
	const q = await env.api('GET', '/api/v1/password/questions', undefined, {as: null});
	assert.deepEqual(q.body.questions.slice(2), ['Name of my first bicycle?']);
	await env.token('admin', ADMIN_PASSWORD);
	const cfg = await env.api('GET', '/api/v1/config');
	assert.equal(cfg.body.privacy.preview, 'static');
	assert.equal(cfg.body.privacy.resolution, 'high');
	// The menu of an admin has every page.
	const menu = await page.$$eval('#nav a', as => as.map(a => a.dataset.route));
	assert.deepEqual(menu, ['dashboard', 'rule', 'communication', 'report', 'image', 'system']);
}, {activate: false});
