// The GUI's own endpoints (webui.c): GET /api/v1/scene for every role and
// PUT /api/v1/password/questions with its error paths - bad bodies name the
// field, a wrong password changes nothing and counts towards the lockout.
import assert from 'node:assert/strict';
import {run, ADMIN_PASSWORD, QUESTIONS} from './lib.mjs';

await run('scene and security questions endpoints', async env => {
	assert.equal((await env.api('GET', '/api/v1/scene', undefined, {as: null})).status, 401);
	const scene = await env.api('GET', '/api/v1/scene');
	assert.equal(scene.status, 200);
	assert.equal(scene.body.privacy.preview, 'video');
	assert.equal(scene.body.rules.lines[0].name, 'Line1');
	assert.equal(scene.body.recipients, undefined, 'nothing but privacy and rules');
	await env.addViewer();
	assert.equal((await env.api('GET', '/api/v1/scene', undefined, {as: 'viewer'})).status, 200);

	const put = body => env.api('PUT', '/api/v1/password/questions', body);
	const qs = [{question: 'A?', answer: 'a'}, {question: 'B?', answer: 'b'}, {question: 'C?', answer: 'c'}];
	for (const [body, msg] of [
		[{security_questions: qs}, /^password: required$/],
		[{password: ADMIN_PASSWORD, security_questions: qs.slice(0, 2)}, /^security_questions: exactly 3/],
		[{password: ADMIN_PASSWORD, security_questions: [qs[0], {question: 'B?', answer: '  '}, qs[2]]},
			/^security_questions\[1\]\.answer: /],
		[{password: ADMIN_PASSWORD, security_questions: [qs[0], qs[1], {question: '', answer: 'c'}]},
			/^security_questions\[2\]\.question: /],
	]) {
		const r = await put(body);
		assert.equal(r.status, 400, JSON.stringify(body));
		assert.match(r.body.error, msg);
	}
	assert.equal((await env.api('PUT', '/api/v1/password/questions', '[', {})).status, 400);
	const before = (await env.api('GET', '/api/v1/password/questions')).body.questions;
	assert.deepEqual(before, QUESTIONS.map(q => q.question));

	const wrong = await put({password: 'Wrong-pass1', security_questions: qs});
	assert.equal(wrong.status, 400);
	assert.equal(wrong.body.error, 'password: wrong');
	assert.deepEqual((await env.api('GET', '/api/v1/password/questions')).body.questions, before);

	const ok = await put({password: ADMIN_PASSWORD, security_questions: qs});
	assert.equal(ok.status, 200);
	assert.deepEqual((await env.api('GET', '/api/v1/password/questions')).body.questions, ['A?', 'B?', 'C?']);
	// The new answers recover the password, the old ones do not.
	const rec = answers => env.api('POST', '/api/v1/password/recover', {answers, password: 'Other-pass2'}, {as: null});
	assert.equal((await rec(QUESTIONS.map(q => q.answer))).status, 401);
	assert.equal((await rec(['A', 'b', ' c'])).status, 200);

	// Recovery ended the admin's sessions. Five wrong passwords in a row
	// lock the admin out: then 429 with Retry-After, even for the right one.
	await env.token('admin', 'Other-pass2');
	for (let i = 0; i < 5; i++)
		assert.equal((await put({password: `Wrong-pass${i}`, security_questions: qs})).status, 400);
	const locked = await put({password: 'Other-pass2', security_questions: qs});
	assert.equal(locked.status, 429);
	assert.ok(Number(locked.headers.get('retry-after')) > 0);
	assert.deepEqual((await env.api('GET', '/api/v1/password/questions')).body.questions, ['A?', 'B?', 'C?']);
}, {login: false});
