// The Rule page against the real daemon on the simulated doorway scene:
// the editor's geometry on its own (default band, hit tests, dragging), then in the
// browser a two-segment line drawn with the mouse where the scene's people
// walk, saved, counting on the dashboard; flipped, and "in"/"out" swapped in
// the stored configuration; a U-turn area drawn by hand, a rename (an empty
// name refused), a vertex dragged; the limits (4 lines, 4 segments) refused by the
// editor; a region drawn and its occupancy on the dashboard; the Detect
// button; a refused save showing the daemon's message and storing nothing.
import assert from 'node:assert/strict';
import {run, until, sleep} from './lib.mjs';
import {defaultBand, insidePolygon, toPx, hitVertex, hitShape, translate, LIMITS} from '../../web/js/rule-geometry.js';

// ---- Geometry (no browser) ----------------------------------------------
{
	const size = {w: 640, h: 480};
	// The default band holds the whole line, one corner pair per vertex.
	const pl = [[0.3, 0.1], [0.4, 0.5], [0.3, 0.9]];
	const band = defaultBand(pl, size, 60);
	assert.equal(band.length, 2 * pl.length);
	const bandPx = band.map(p => toPx(p, size));
	for (const p of pl)
		assert.ok(insidePolygon(bandPx, toPx(p, size)), `band holds ${p}`);
	assert.ok(band.every(([x, y]) => x >= 0 && x <= 1 && y >= 0 && y <= 1), 'band inside the image');
	assert.equal(hitVertex(pl, [0.4 * 640 + 3, 0.5 * 480 - 4], size), 1);
	assert.equal(hitVertex(pl, [10, 10], size), -1);
	// A press near a segment or inside a polygon hits it, elsewhere not.
	assert.ok(hitShape(pl, false, [0.35 * 640 + 5, 0.3 * 480], size));
	assert.ok(!hitShape(pl, false, [0.6 * 640, 0.3 * 480], size));
	assert.ok(hitShape([[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]], true, [0.4 * 640, 0.2 * 480], size));
	// A shape dragged against an edge stops there, undeformed.
	assert.deepEqual(translate([[0.8, 0.5], [0.9, 0.6]], 0.5, 0), [[0.9, 0.5], [1, 0.6]]);
	assert.equal(LIMITS.linePoints, 5);
}

const canvasSel = '.rule-canvas .live-canvas';

// Mouse helpers in normalised coordinates of the editor's canvas.
async function box(page) {
	return page.locator(canvasSel).boundingBox();
}
async function clickAt(page, p, button = 'left') {
	const b = await box(page);
	await page.mouse.click(b.x + p[0] * b.width, b.y + p[1] * b.height, {button});
}
async function drawShape(page, points) {
	for (const p of points)
		await clickAt(page, p);
	await clickAt(page, points[points.length - 1], 'right');
}

async function saveRules(env) {
	await env.page.click('[data-action=save]');
	await env.page.waitForSelector('.rule-dirty', {state: 'hidden'});
}

async function counter(page, sel) {
	const txt = await page.locator(sel).textContent({timeout: 2000}).catch(() => null);
	return txt === null ? null : Number(txt);
}

await run('rule editor: lines, flip, limits, regions, detect, refused save', async env => {
	const {page} = env;
	const before = (await env.api('GET', '/api/v1/config')).body;
	// The scene's own line is vertical at x = 0.38 and its people walk
	// across it; our line goes across their path a little to the right.
	const sceneLine = before.rules.lines[0].points;
	assert.ok(Math.abs(sceneLine[0][0] - sceneLine[1][0]) < 0.05, 'the scene line is vertical');
	const x = sceneLine[0][0] + 0.06;

	await env.goto('rule');
	await page.waitForSelector(canvasSel);
	await page.waitForSelector('.rule-lines tbody tr');
	assert.equal(await page.locator('.rule-lines tbody tr').count(), before.rules.lines.length);
	await env.shot('rule-initial');

	// A two-segment line, top to bottom with a bend.
	await page.click('[data-action=add-line]');
	await drawShape(page, [[x, 0.08], [x + 0.04, 0.5], [x, 0.92]]);
	assert.equal(await page.locator('.rule-lines tbody tr').count(), 2);
	await env.shot('rule-line-drawn');
	await saveRules(env);
	let cfg = (await env.api('GET', '/api/v1/config')).body;
	const mine = cfg.rules.lines[1];
	assert.equal(mine.points.length, 3, 'two segments stored');
	assert.ok(Math.abs(mine.points[0][0] - x) < 0.01 && Math.abs(mine.points[2][1] - 0.92) < 0.01, 'where drawn');
	assert.equal(mine.flip, false);
	assert.ok(mine.uturn_area && mine.uturn_area.length === 6, 'a default U-turn band came with the line');
	assert.ok(mine.id > before.rules.lines[0].id, 'a fresh id');

	// Its counts grow on the dashboard.
	await env.goto('dashboard');
	const inSel = `.line-block[data-line="${mine.id}"] .counter[data-k=in] .n`;
	const outSel = `.line-block[data-line="${mine.id}"] .counter[data-k=out] .n`;
	await page.waitForSelector(inSel);
	await until(async () => (await counter(page, inSel)) + (await counter(page, outSel)) >= 2, 60000,
		'passages of the new line on the dashboard');
	await env.shot('dashboard-line-counting');
	const counts = (await env.api('GET', '/api/v1/counts')).body;
	const total = counts.line_total_data.find(d => d.line === mine.id);
	assert.ok(total.in_counted + total.out_counted >= 2);

	// Flip: the stored line swaps "in" and "out", geometry unchanged.
	await env.goto('rule');
	await page.waitForSelector(`.rule-lines tr[data-line="${mine.id}"]`);
	await page.click(`.rule-lines tr[data-line="${mine.id}"] [data-action=flip-line]`);
	await env.shot('rule-line-flipped');
	await saveRules(env);
	cfg = (await env.api('GET', '/api/v1/config')).body;
	assert.equal(cfg.rules.lines[1].flip, true);
	assert.deepEqual(cfg.rules.lines[1].points, mine.points);

	// The scene line's U-turn area drawn by hand, and the line renamed.
	const l1 = `.rule-lines tr[data-line="${before.rules.lines[0].id}"]`;
	await page.click(`${l1} [data-action=draw-uturn]`);
	const area = [[0.2, 0.04], [0.56, 0.04], [0.56, 0.96], [0.2, 0.96]];
	await drawShape(page, area);
	await page.click(`${l1} [data-action=rename-line]`);
	await page.fill('dialog.dialog input[type=text]', '');
	await page.click('dialog.dialog button.primary');
	assert.match(await page.textContent('dialog.dialog .dialog-error'), /must not be empty/);
	await page.fill('dialog.dialog input[type=text]', 'Door');
	await page.click('dialog.dialog button.primary');
	await saveRules(env);
	cfg = (await env.api('GET', '/api/v1/config')).body;
	assert.equal(cfg.rules.lines[0].name, 'Door');
	assert.equal(cfg.rules.lines[0].uturn_area.length, 4);
	cfg.rules.lines[0].uturn_area.forEach((p, i) =>
		assert.ok(Math.abs(p[0] - area[i][0]) < 0.01 && Math.abs(p[1] - area[i][1]) < 0.01, `area corner ${i}`));

	// Drag the middle vertex to the right; the stored point follows.
	await page.click(`.rule-lines tr[data-line="${mine.id}"] [data-action=edit-line]`);
	{
		const b = await box(page);
		const m = cfg.rules.lines[1].points[1];
		await page.mouse.move(b.x + m[0] * b.width, b.y + m[1] * b.height);
		await page.mouse.down();
		await page.mouse.move(b.x + (m[0] + 0.05) * b.width, b.y + m[1] * b.height, {steps: 5});
		await page.mouse.up();
	}
	await saveRules(env);
	cfg = (await env.api('GET', '/api/v1/config')).body;
	assert.ok(cfg.rules.lines[1].points[1][0] > mine.points[1][0] + 0.03, 'the dragged vertex moved');

	// A fifth segment is refused while drawing; the line keeps 4.
	await page.click('[data-action=add-line]');
	const zig = [[0.1, 0.1], [0.2, 0.3], [0.1, 0.5], [0.2, 0.7], [0.1, 0.9], [0.2, 0.95]];
	for (const p of zig)
		await clickAt(page, p);
	assert.match(await page.textContent('.rule-hint.error'), /at most 4 segments/);
	await clickAt(page, [0.2, 0.95], 'right');
	await env.shot('rule-segment-limit');
	// A fourth line fills the device; a fifth cannot be started.
	await page.click('[data-action=add-line]');
	await drawShape(page, [[0.9, 0.1], [0.9, 0.4]]);
	assert.equal(await page.locator('.rule-lines tbody tr').count(), 4);
	assert.equal(await page.isDisabled('[data-action=add-line]'), true);
	await saveRules(env);
	cfg = (await env.api('GET', '/api/v1/config')).body;
	assert.equal(cfg.rules.lines.length, 4);
	assert.equal(cfg.rules.lines[2].points.length, LIMITS.linePoints);

	// A region where the scene's people stay, with a short pass-by filter.
	const sceneRegion = before.rules.regions[0].points;
	const xs = sceneRegion.map(p => p[0]), ys = sceneRegion.map(p => p[1]);
	const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
	await page.click('[data-action=add-region]');
	await drawShape(page, [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
	await page.waitForSelector('dialog.rule-region-dialog');
	await page.fill('dialog.rule-region-dialog input[type=text]', 'Shelf');
	await page.fill('dialog.rule-region-dialog input[type=number] >> nth=0', '1');
	await env.shot('rule-region-properties');
	await page.click('dialog.rule-region-dialog button.primary');
	await page.waitForSelector('.rule-regions tbody tr:has-text("Shelf")');
	await saveRules(env);
	cfg = (await env.api('GET', '/api/v1/config')).body;
	const region = cfg.rules.regions.find(g => g.name === 'Shelf');
	assert.ok(region, 'region stored');
	assert.equal(region.points.length, 4);
	assert.equal(region.pass_by_filter_s, 1);
	await env.shot('rule-all-shapes');

	await env.goto('dashboard');
	const occSel = `.line-block[data-region="${region.id}"] .counter[data-k=occupancy] .n`;
	await page.waitForSelector(occSel);
	await until(async () => (await counter(page, occSel)) >= 1, 60000, 'occupancy of the new region');
	await env.shot('dashboard-region-occupancy');

	// Detect measures the scene's floor: it is 3.0 m below the camera.
	await env.goto('rule');
	await page.waitForSelector('[data-action=detect]');
	await page.click('[data-action=detect]');
	await page.waitForSelector('.rule-detected .hint:has-text("Detected")', {timeout: 20000});
	const h = Number(await page.inputValue('input[data-field=installation_height]'));
	assert.ok(Math.abs(h - before.rules.installation_height_m) < 0.15, `detected ${h} m`);
	await env.addViewer();
	assert.equal((await env.api('POST', '/api/v1/floor/detect', {}, {as: 'viewer'})).status, 403);
	assert.equal((await env.api('POST', '/api/v1/floor/detect', {}, {as: null})).status, 401);

	// A refused save shows the daemon's message and stores nothing.
	const stored = (await env.api('GET', '/api/v1/config')).body;
	await page.fill('.rule-params input[type=number] >> nth=2', '2.5');
	await page.click('[data-action=save]');
	await page.waitForSelector('.rule-savebar .message.error:not([hidden])');
	assert.match(await page.textContent('.rule-savebar .message.error'), /min_target_height_m/);
	await env.shot('rule-refused-save');
	assert.deepEqual((await env.api('GET', '/api/v1/config')).body.rules, stored.rules);

	// Chinese: the page is translated.
	await page.selectOption('#lang-select', 'zh-CN');
	await page.waitForSelector('.rule-lines h2:has-text("检测线")');
	await sleep(300);
	await env.shot('rule-zh');
});
