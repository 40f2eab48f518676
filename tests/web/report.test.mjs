// Report: the chart of the line crossings is drawn from the stored
// history, line and bar; the PNG is a PNG; the CSV the page downloads is
// exactly the daemon's CSV for the same query, and has the rows of the
// JSON series.
import assert from 'node:assert/strict';
import {run, until, downloaded} from './lib.mjs';

await run('chart, PNG, CSV', async env => {
	const {page} = env;
	// Some history first: the simulated scene walks people over Line1.
	await until(async () => {
		const r = await env.api('GET', '/api/v1/reports?event=line&unit=hour');
		return r.body.series.some(s => s.in + s.out > 0);
	}, 30000, 'history records');
	await env.goto('report');
	await page.waitForSelector('.chart .uplot canvas');
	const legend = await page.$$eval('.u-legend .u-series .u-label', ls => ls.map(l => l.textContent));
	assert.ok(legend.includes('In') && legend.includes('Out'), legend.join(','));
	assert.match(await page.textContent('.report-title'), /Line crossing counting · Hour · All lines/);
	await env.shot('report-line');

	await page.click('[data-chart=bar]');
	await page.waitForSelector('.chart .uplot canvas');
	await env.shot('report-bar');

	const png = await downloaded(page, () => page.click('button[name=png]'));
	assert.match(png.name, /\.png$/);
	const head = (await import('node:fs')).readFileSync(png.path).subarray(0, 8);
	assert.deepEqual([...head], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

	// Line1 only, as CSV: the same bytes as the API gives for the query the
	// page sent.
	await page.selectOption('select[name=target]', '1');
	const [req, csv] = await Promise.all([
		page.waitForRequest(r => r.url().includes('format=csv')),
		downloaded(page, () => page.click('button[name=csv]')),
	]);
	const url = new URL(req.url());
	assert.equal(url.searchParams.get('line'), '1');
	assert.equal(url.searchParams.get('event'), 'line');
	const api = await env.api('GET', url.pathname + url.search);
	assert.equal(api.status, 200);
	assert.equal(csv.text, api.text);
	const rows = csv.text.trim().split(/\r?\n/);
	assert.equal(rows[0], 'time,in,out,children_in,children_out,male_in,male_out,female_in,female_out');
	url.searchParams.delete('format');
	const json = (await env.api('GET', url.pathname + url.search)).body;
	assert.equal(rows.length - 1, json.series.length);
	assert.ok(json.series.length >= 1);
	for (let i = 0; i < json.series.length; i++)
		assert.equal(rows[i + 1].split(',')[1], String(json.series[i].in));

	// Other events draw too; dwell from the default region.
	await page.selectOption('select[name=event]', 'dwell');
	await page.click('button[name=search]');
	await page.waitForFunction(() => /Dwell time detection/.test(document.querySelector('.report-title').textContent));
	await page.click('[data-unit=day]');
	await page.click('button[name=search]');
	await page.waitForFunction(() => /· Day ·/.test(document.querySelector('.report-title').textContent));
	await env.shot('report-dwell-day');
});
