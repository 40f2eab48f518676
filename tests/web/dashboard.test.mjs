// Dashboard: the counters of the default line grow on the simulated scene,
// the display options work, reset count clears them; the live view draws
// the rules.
import assert from 'node:assert/strict';
import {run, until} from './lib.mjs';

const num = async (page, sel) => Number(((await page.textContent(sel)) || '').trim());

await run('counts grow, options, reset', async env => {
	const {page} = env;
	await env.goto('dashboard');
	const line = '.line-block[data-line="1"]';
	await page.waitForSelector(`${line} [data-k=in] .n`);
	const total = async () => (await num(page, `${line} [data-k=in] .n`)) + (await num(page, `${line} [data-k=out] .n`));
	const first = await total();
	await until(async () => (await total()) >= first + 2, 30000, 'counts to grow');
	// What the page shows is what the device counted.
	const api = (await env.api('GET', '/api/v1/counts')).body.line_total_data[0];
	assert.ok(Math.abs(api.in_counted - await num(page, `${line} [data-k=in] .n`)) <= 2);
	await page.waitForSelector('.region-block, .line-block[data-region="1"]');
	await env.shot('dashboard-counting');

	// The overlay canvas has drawn something (the line and the region).
	const painted = await page.evaluate(() => {
		const c = document.querySelector('.live-canvas');
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 3; i < d.length; i += 4)
			n += d[i] > 0;
		return n;
	});
	assert.ok(painted > 1000, `overlay pixels ${painted}`);

	await page.check('input[name=hide_capacity]');
	assert.equal(await page.locator(`${line} [data-k=capacity]`).count(), 0);
	await page.check('input[name=children_excluded]');
	assert.equal(await page.locator(`${line} [data-k=children]`).count(), 0);
	await env.shot('dashboard-options');
	// The options are kept by this browser.
	await page.reload();
	await page.waitForSelector(`${line} [data-k=in] .n`);
	assert.equal(await page.isChecked('input[name=hide_capacity]'), true);
	assert.equal(await page.locator(`${line} [data-k=capacity]`).count(), 0);
	await page.uncheck('input[name=hide_capacity]');
	await page.uncheck('input[name=children_excluded]');
	await page.uncheck('input[name=show_regions]');

	await page.click('button[name=reset]');
	await page.locator('dialog button.primary').click();
	await until(async () => (await env.api('GET', '/api/v1/counts')).body.line_total_data[0].in_counted <= 1,
		5000, 'device counts reset');
	await until(async () => (await total()) <= 2, 5000, 'shown counts reset');
	await env.shot('dashboard-after-reset');
});
