// lib.mjs - the harness of the web GUI tests: a real footfalld on a fresh
// data directory and a free loopback port (the simulated scene), Debian's
// Chromium driven by playwright-core, screenshots of every page visited.
//
//   import {run, ADMIN_PASSWORD} from './lib.mjs';
//   await run('what this checks', async env => { ... }, {activate: true, login: true});
//
// env: {url, page, context, browser, dir, artifacts,
//       api(method, path, body, {as}) -> {status, body, text, headers}
//           (as: 'admin' (default), 'viewer', a token, or null for none),
//       shot(name)      screenshot of env.page to ARTIFACTS/<file>-<name>.png
//       login(user, pw) through the login page,
//       goto(route)     '#/report' and waits for the page module,
//       addViewer(name, pw), restart(), log()}
//
// The daemon comes from argv[2] or $FOOTFALLD, the artifacts directory from
// argv[3] or $FF_WEB_ARTIFACTS. An uncaught exception in the page fails
// the test, so does a step that throws; run() always stops the browser and
// the daemon and sets the exit code.
import {spawn} from 'node:child_process';
import {mkdtempSync, mkdirSync, rmSync, readFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import {tmpdir} from 'node:os';
import {basename, join} from 'node:path';

const require = createRequire(new URL('../../web/package.json', import.meta.url));
let chromium;
try {
	({chromium} = require('playwright-core'));
} catch (e) {
	console.error('playwright-core is missing: run npm ci --prefix web (./dev.sh build does)');
	process.exit(1);
}

export const ADMIN_PASSWORD = 'Footfall-2026';
export const VIEWER_PASSWORD = 'Viewer-2026x';
export const QUESTIONS = [
	{question: 'What is your lucky number?', answer: '7'},
	{question: 'What is your favourite sport?', answer: 'rowing'},
	{question: 'What is your favourite game?', answer: 'go'},
];

const BIN = process.argv[2] || process.env.FOOTFALLD;
const ARTIFACTS = process.argv[3] || process.env.FF_WEB_ARTIFACTS || join(tmpdir(), 'footfall-web-artifacts');
// run.mjs imports every test file into one process and one browser (it
// sets globalThis.ffWebRunner); a test file run on its own gets its own.
const runner = globalThis.ffWebRunner || null;
const scriptName = () => basename(runner ? runner.file : process.argv[1] || 'test', '.mjs').replace(/\.test$/, '');
let sharedBrowser = null;

async function browserFor() {
	if (!sharedBrowser)
		sharedBrowser = await chromium.launch({
			executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
			headless: true,
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
				'--disable-component-update', '--no-first-run'],
		});
	return sharedBrowser;
}

// Closes the browser run() started (the runner calls it at the end).
export async function closeBrowser() {
	if (sharedBrowser)
		await sharedBrowser.close().catch(() => {});
	sharedBrowser = null;
}

if (!BIN) {
	console.error('usage: node TEST.mjs FOOTFALLD [ARTIFACTS-DIR]');
	process.exit(2);
}
mkdirSync(ARTIFACTS, {recursive: true});

export const sleep = ms => new Promise(r => setTimeout(r, ms));

// Polls fn until it returns a truthy value (returned) or timeout ms pass.
export async function until(fn, timeout = 10000, what = 'condition') {
	const end = Date.now() + timeout;
	for (;;) {
		const v = await fn();
		if (v)
			return v;
		if (Date.now() > end)
			throw new Error(`timed out waiting for ${what}`);
		await sleep(200);
	}
}

function startDaemon(dir, port) {
	return new Promise((resolve, reject) => {
		const proc = spawn(BIN, ['--data-dir', join(dir, 'data'), '--listen', `127.0.0.1:${port || 0}`],
			{stdio: ['ignore', 'pipe', 'pipe']});
		let out = '', log = '';
		const timer = setTimeout(() => reject(new Error(`footfalld did not start:\n${log}`)), 10000);
		proc.stdout.on('data', d => {
			out += d;
			const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
			if (m) {
				clearTimeout(timer);
				resolve({proc, url: m[0], port: Number(m[1]), log: () => log});
			}
		});
		proc.stderr.on('data', d => (log += d));
		proc.on('exit', code => {
			clearTimeout(timer);
			reject(new Error(`footfalld exited (${code}):\n${log}`));
		});
	});
}

// SIGTERM, SIGKILL after 5 s; resolves to the exit status (a string for
// a signal), so that a sanitizer's report at exit fails the test.
function stopDaemon(d) {
	return new Promise(resolve => {
		if (d.proc.exitCode !== null || d.proc.signalCode !== null)
			return resolve(d.proc.exitCode ?? d.proc.signalCode);
		d.proc.removeAllListeners('exit');
		const timer = setTimeout(() => d.proc.kill('SIGKILL'), 5000);
		d.proc.on('exit', (code, signal) => {
			clearTimeout(timer);
			resolve(code ?? signal);
		});
		d.proc.kill('SIGTERM');
	});
}

export async function run(title, fn, {activate = true, login = true, viewport} = {}) {
	const dir = mkdtempSync(join(tmpdir(), 'ff_web_'));
	let daemon = null, browser = null, context = null;
	const SCRIPT = scriptName();
	const errors = [];
	const tokens = {};
	let shots = 0;
	const t0 = Date.now();
	try {
		daemon = await startDaemon(dir);
		browser = await browserFor();
		context = await browser.newContext({viewport: viewport || {width: 1366, height: 900},
			acceptDownloads: true, locale: 'en-US'});
		const page = await context.newPage();
		page.setDefaultTimeout(15000);
		page.on('pageerror', e => errors.push(`page error: ${e.message}`));
		const env = {
			dir,
			artifacts: ARTIFACTS,
			browser,
			context,
			page,
			get url() {
				return daemon.url;
			},
			log: () => daemon.log(),
			async api(method, path, body, {as = 'admin'} = {}) {
				const headers = {};
				const token = as === 'admin' || as === 'viewer' ? tokens[as] : as;
				if (token)
					headers.Authorization = `Bearer ${token}`;
				if (body !== undefined)
					headers['Content-Type'] = 'application/json';
				const res = await fetch(daemon.url + path.replace(/^\//, ''), {method, headers,
					body: body === undefined ? undefined : JSON.stringify(body)});
				const text = await res.text();
				let json = null;
				try {
					json = JSON.parse(text);
				} catch (e) {
					json = null;
				}
				return {status: res.status, body: json, text, headers: res.headers};
			},
			async token(user, password) {
				const r = await env.api('POST', '/api/v1/session', {username: user, password}, {as: null});
				if (r.status !== 200)
					throw new Error(`login of ${user}: ${r.status} ${r.text}`);
				tokens[user === 'admin' ? 'admin' : 'viewer'] = r.body.token;
				return r.body.token;
			},
			async addViewer(name = 'viewer', password = VIEWER_PASSWORD) {
				const r = await env.api('POST', '/api/v1/users', {username: name, password});
				if (r.status !== 201)
					throw new Error(`add viewer: ${r.status} ${r.text}`);
				await env.token(name, password);
			},
			async shot(name, target) {
				const file = join(ARTIFACTS, `${SCRIPT}-${String(++shots).padStart(2, '0')}-${name}.png`);
				await (target || page).screenshot({path: file, fullPage: true});
				return file;
			},
			async goto(route) {
				await page.goto(`${daemon.url}${route.startsWith('#') ? route : `#/${route}`}`);
				await page.waitForSelector(`body[data-page="${route.replace(/^#\//, '')}"]`);
			},
			async login(user, password) {
				await page.goto(`${daemon.url}#/login`);
				await page.waitForSelector('body[data-page="login"]');
				await page.fill('input[name=username]', user);
				await page.fill('input[name=password]', password);
				await page.click('form button[type=submit]');
				await page.waitForSelector('body[data-page="dashboard"]');
			},
			// Stops and starts the daemon on the same data directory and
			// port (the page keeps its URL).
			async restart() {
				const port = daemon.port;
				const status = await stopDaemon(daemon);
				if (status !== 0)
					throw new Error(`footfalld exited with ${status} on SIGTERM`);
				daemon = await startDaemon(dir, port);
			},
		};
		if (activate) {
			const r = await env.api('POST', '/api/v1/activate',
				{password: ADMIN_PASSWORD, security_questions: QUESTIONS}, {as: null});
			if (r.status !== 200)
				throw new Error(`activate: ${r.status} ${r.text}`);
			await env.token('admin', ADMIN_PASSWORD);
			if (login)
				await env.login('admin', ADMIN_PASSWORD);
		}
		await fn(env);
		if (errors.length)
			throw new Error(errors.join('\n'));
		const status = await stopDaemon(daemon);
		if (status !== 0)
			throw new Error(`footfalld exited with ${status} on SIGTERM`);
		console.log(`ok - ${SCRIPT}: ${title} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
	} catch (e) {
		process.exitCode = 1;
		if (runner)
			runner.failures++;
		console.log(`not ok - ${SCRIPT}: ${title}\n  ${String(e && e.stack || e).split('\n').join('\n  ')}`);
		if (errors.length)
			console.log(`  ${errors.join('\n  ')}`);
		if (daemon)
			console.log(`  daemon log:\n${daemon.log().split('\n').slice(-20).join('\n')}`);
	} finally {
		if (context)
			await context.close().catch(() => {});
		if (browser && !runner)
			await closeBrowser();
		if (daemon)
			await stopDaemon(daemon);
		rmSync(dir, {recursive: true, force: true});
	}
}

// The text of a file the page downloaded when fn clicked something.
export async function downloaded(page, fn) {
	const [dl] = await Promise.all([page.waitForEvent('download'), fn()]);
	const path = await dl.path();
	return {name: dl.suggestedFilename(), text: readFileSync(path, 'utf8'), path};
}
