// A viewer sees Dashboard and Report only: the menu has nothing else, a
// typed URL of another page lands on the dashboard, and the API refuses the
// admin endpoints with 403.
import assert from 'node:assert/strict';
import {run, VIEWER_PASSWORD} from './lib.mjs';

await run('viewer cannot reach Rule or System', async env => {
	const {page} = env;
	await env.addViewer('guard', VIEWER_PASSWORD);
	await env.login('guard', VIEWER_PASSWORD);
	assert.equal(await page.textContent('#user-name'), 'guard (Viewer)');
	const menu = await page.$$eval('#nav a', as => as.map(a => a.dataset.route));
	assert.deepEqual(menu, ['dashboard', 'report']);
	assert.equal(await page.locator('button[name=reset]').count(), 0, 'no reset for viewers');
	await env.shot('viewer-dashboard');
	for (const route of ['rule', 'system', 'communication', 'image']) {
		await page.goto(`${env.url}#/${route}`);
		await page.waitForFunction(() => location.hash === '#/dashboard');
		await page.waitForSelector('body[data-page="dashboard"]');
	}
	await page.waitForSelector('.toast.error');
	await env.shot('viewer-redirected');
	await page.goto(`${env.url}#/report`);
	await page.waitForSelector('body[data-page="report"]');
	await page.waitForSelector('.chart .uplot canvas, .chart-empty');
	await env.shot('viewer-report');
	// The daemon enforces it whatever the pages do.
	for (const [m, p] of [['GET', '/api/v1/config'], ['PUT', '/api/v1/config'], ['GET', '/api/v1/users'],
		['POST', '/api/v1/counts/reset'], ['PUT', '/api/v1/password/questions']]) {
		const r = await env.api(m, p, m === 'GET' ? undefined : {}, {as: 'viewer'});
		assert.equal(r.status, 403, `${m} ${p}`);
	}
	// ... and the page's own cookie gets the same answer.
	assert.equal(await page.evaluate(async () => (await fetch('/api/v1/config')).status), 403);
	assert.equal((await env.api('GET', '/api/v1/scene', undefined, {as: 'viewer'})).status, 200);
}, {login: false});
