// Serving: the GUI's files with their types from the binary, offline (no
// other origin referenced), 404 for unknown paths, the API untouched.
import assert from 'node:assert/strict';
import {run} from './lib.mjs';

await run('embedded files, types, 404, API alongside', async env => {
	const get = async (p, m = 'GET') => {
		const r = await fetch(env.url + p.replace(/^\//, ''), {method: m});
		return {status: r.status, type: r.headers.get('content-type'), csp: r.headers.get('content-security-policy'),
			text: await r.text()};
	};
	const index = await get('/');
	assert.equal(index.status, 200);
	assert.match(index.type, /^text\/html/);
	assert.match(index.csp, /default-src 'self'/);
	assert.doesNotMatch(index.text, /https?:\/\//, 'index.html references no other origin');
	assert.doesNotMatch(index.text, /\son[a-z]+=/i, 'no inline event handlers');
	for (const [p, type] of [['/js/app.js', /^text\/javascript/], ['/css/app.css', /^text\/css/],
		['/i18n/zh-CN.js', /^text\/javascript/], ['/vendor/uPlot.iife.min.js', /^text\/javascript/],
		['/vendor/uPlot.min.css', /^text\/css/], ['/js/pages/dashboard.js', /^text\/javascript/]]) {
		const r = await get(p);
		assert.equal(r.status, 200, p);
		assert.match(r.type, type, p);
		assert.ok(r.text.length > 100, p);
	}
	assert.equal((await get('/index.html', 'HEAD')).status, 200);
	assert.equal((await get('/nope.html')).status, 404);
	assert.equal((await get('/js/../../etc/passwd')).status, 404);
	assert.equal((await get('/node_modules/uplot/package.json')).status, 404);
	assert.equal((await get('/api/v1/nothing')).status, 404);
	assert.equal((await get('/index.html', 'POST')).status, 405);
	assert.equal((await get('/api/v1/status')).status, 200);
	assert.equal((await get('/api/v1/counts')).status, 401);

	// Every request the pages make stays on the device.
	const {page} = env;
	const foreign = [];
	page.on('request', r => {
		if (!r.url().startsWith(env.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:'))
			foreign.push(r.url());
	});
	for (const route of ['dashboard', 'report', 'image', 'system', 'rule', 'communication'])
		await env.goto(route);
	assert.deepEqual(foreign, []);

	// A tablet in portrait: one column, the menu behind its button.
	await page.setViewportSize({width: 768, height: 1024});
	await env.goto('dashboard');
	assert.equal(await page.isVisible('#menu-toggle'), true);
	await page.waitForSelector('#nav a[data-route=report]', {state: 'hidden'});
	await env.shot('tablet-dashboard');
	await page.click('#menu-toggle');
	await page.waitForSelector('#nav a[data-route=report]', {state: 'visible'});
	await env.shot('tablet-menu');
	await page.click('#nav a[data-route=report]');
	await page.waitForSelector('body[data-page="report"]');
	await page.waitForSelector('.chart .uplot canvas, .chart-empty');
	const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
	assert.ok(overflow <= 0, `page wider than the tablet by ${overflow} px`);
	await env.shot('tablet-report');
});
