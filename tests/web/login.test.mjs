// Login: a wrong password is refused with the page's message, the right one
// opens the dashboard; repeated failures show the lockout; "forgot
// password" through the security questions sets a new admin password.
import assert from 'node:assert/strict';
import {run, ADMIN_PASSWORD, QUESTIONS} from './lib.mjs';

await run('wrong then right password, session cookie, logout', async env => {
	const {page} = env;
	await page.goto(`${env.url}#/dashboard`);
	// No session: the dashboard sends us to the login page.
	await page.waitForSelector('body[data-page="login"]');
	await page.fill('input[name=username]', 'admin');
	await page.fill('input[name=password]', 'Wrong-pass1');
	await page.click('form button[type=submit]');
	const msg = page.locator('.message.error');
	await msg.waitFor({state: 'visible'});
	assert.equal(await msg.textContent(), 'Wrong username or password.');
	await env.shot('login-wrong');
	assert.match(page.url(), /#\/login$/);

	await page.fill('input[name=password]', ADMIN_PASSWORD);
	await page.click('form button[type=submit]');
	await page.waitForSelector('body[data-page="dashboard"]');
	const cookies = await env.context.cookies();
	const c = cookies.find(x => x.name === 'ff_session');
	assert.ok(c && c.httpOnly && c.sameSite === 'Strict', 'HttpOnly SameSite=Strict session cookie');
	assert.equal(await page.textContent('#user-name'), 'admin (Administrator)');

	await page.click('#logout');
	await page.waitForSelector('body[data-page="login"]');
	// The session is gone on the device too.
	const r = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
	assert.equal(r, 401);
}, {login: false});

await run('lockout after five wrong passwords', async env => {
	const {page} = env;
	await page.goto(`${env.url}#/login`);
	await page.waitForSelector('body[data-page="login"]');
	for (let i = 0; i < 5; i++) {
		await page.fill('input[name=password]', `Wrong-pass${i}`);
		await page.click('form button[type=submit]');
		await page.waitForFunction(() => document.querySelector('form button[type=submit]').disabled === false ||
			/Try again in/.test(document.querySelector('.message.error').textContent));
	}
	await page.fill('input[name=password]', ADMIN_PASSWORD);
	await page.click('form button[type=submit]').catch(() => {});
	await page.waitForFunction(() => /Try again in \d+ s/.test(document.querySelector('.message.error').textContent));
	assert.equal(await page.isDisabled('form button[type=submit]'), true);
	await env.shot('login-locked');
}, {login: false});

await run('forgot password through the security questions', async env => {
	const {page} = env;
	await page.goto(`${env.url}#/login`);
	await page.waitForSelector('body[data-page="login"]');
	await page.click('text=Forgot password?');
	const dlg = page.locator('dialog');
	await dlg.waitFor();
	for (const q of QUESTIONS)
		assert.ok(await dlg.locator(`label:text-is("${q.question}")`).count(), q.question);
	// One wrong answer: refused, the dialog stays open with the reason.
	await dlg.locator('input[name=answer1]').fill('8');
	await dlg.locator('input[name=answer2]').fill(QUESTIONS[1].answer);
	await dlg.locator('input[name=answer3]').fill(QUESTIONS[2].answer);
	await dlg.locator('input[name=new_password]').fill('New-Secret9');
	await dlg.locator('input[name=new_confirm]').fill('New-Secret9');
	await dlg.locator('[data-action=recover]').click();
	await dlg.locator('.dialog-error:not([hidden])').waitFor();
	assert.match(await dlg.locator('.dialog-error').textContent(), /wrong/);
	await env.shot('forgot-wrong');
	await dlg.locator('input[name=answer1]').fill(` ${QUESTIONS[0].answer} `);
	await dlg.locator('[data-action=recover]').click();
	await dlg.waitFor({state: 'detached'});
	await env.login('admin', 'New-Secret9');
	assert.equal((await env.api('POST', '/api/v1/session', {username: 'admin', password: ADMIN_PASSWORD},
		{as: null})).status, 401);
}, {login: false});
