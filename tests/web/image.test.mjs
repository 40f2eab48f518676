// Image: the privacy preview settings are stored and the live view follows
// them (no image at all with "none"); a session that ends on the device
// (restart) sends the browser to the login page at its next request.
import assert from 'node:assert/strict';
import {run} from './lib.mjs';

await run('privacy preview settings, lost session', async env => {
	const {page} = env;
	await env.goto('image');
	await page.waitForSelector('select[name=preview]');
	assert.equal(await page.inputValue('select[name=preview]'), 'video');
	await page.waitForFunction(() => document.querySelector('.live-img').naturalWidth > 0);
	await env.shot('image-video');

	await page.selectOption('select[name=preview]', 'none');
	await page.selectOption('select[name=image_type]', 'monochrome');
	await page.click('button[name=save]');
	await page.waitForSelector('.toast.ok');
	const privacy = (await env.api('GET', '/api/v1/config')).body.privacy;
	assert.deepEqual(privacy, {preview: 'none', image_type: 'monochrome', resolution: 'low'});
	await page.waitForSelector('.live-note:text("Scene preview is off (privacy settings)")');
	assert.equal(await page.getAttribute('.live-img', 'src'), null, 'no image requested');
	await env.shot('image-none');

	await env.goto('dashboard');
	await page.waitForSelector('.live-note:text("Scene preview is off (privacy settings)")');
	// The rules are still drawn over the blank stage.
	await page.waitForSelector('.line-block[data-line="1"]');
	await env.shot('dashboard-no-preview');

	// Sessions live in the daemon's memory: after a restart the next page
	// that asks the device ends on the login page.
	await env.restart();
	await page.click('#nav a[data-route=system]');
	await page.waitForSelector('body[data-page="login"]');
	await page.waitForSelector('.toast.error');
	await env.shot('session-lost');
});
