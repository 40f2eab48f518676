// The language switch: every page in Simplified Chinese, kept across a
// reload, and back to English; both string tables have the same keys.
import assert from 'node:assert/strict';
import {run} from './lib.mjs';
import en from '../../web/i18n/en.js';
import zh from '../../web/i18n/zh-CN.js';

await run('Chinese strings on every page', async env => {
	assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort(), 'the two tables have the same keys');
	for (const [k, v] of Object.entries(zh))
		assert.ok(v.trim(), `zh-CN ${k} is empty`);
	const {page} = env;
	await env.goto('dashboard');
	await page.selectOption('#lang-select', 'zh-CN');
	await page.waitForFunction(() => document.querySelector('#nav a[data-route=dashboard]').textContent === '仪表盘');
	assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
	assert.equal(await page.textContent('#logout'), '退出登录');
	await page.waitForSelector('text=人数统计');
	await env.shot('zh-dashboard');
	for (const [route, text] of [['report', '客流报表'], ['image', '隐私：场景预览'], ['system', '设备信息'],
		['rule', null], ['communication', null]]) {
		await env.goto(route);
		if (text)
			await page.waitForSelector(`text=${text}`);
		else
			await page.waitForTimeout(800);
		// No key shows through untranslated.
		const raw = await page.evaluate(() => document.querySelector('#page').innerText.match(/\b(?:[a-z]+\.)+[a-z_0-9]+\b/g));
		const leaks = (raw || []).filter(s => /^(app|nav|common|password|live|login|activate|dashboard|report|image|system|rule|comm|role)\./.test(s));
		assert.deepEqual(leaks, [], `untranslated keys on ${route}`);
		await env.shot(`zh-${route}`);
	}
	await page.reload();
	await page.waitForSelector('body[data-page="communication"]');
	assert.equal(await page.textContent('#nav a[data-route=system]'), '系统');
	await page.selectOption('#lang-select', 'en');
	await page.waitForFunction(() => document.querySelector('#nav a[data-route=system]').textContent === 'System');
	// The login page too.
	await page.click('#logout');
	await page.waitForSelector('body[data-page="login"]');
	await page.selectOption('#lang-select', 'zh-CN');
	await page.waitForSelector('text=忘记密码？');
	await env.shot('zh-login');
});
