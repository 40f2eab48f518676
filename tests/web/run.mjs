// run.mjs FOOTFALLD ARTIFACTS-DIR [FILTER] - runs every tests/web/*.test.mjs
// (those whose name contains FILTER) one after another in this process,
// sharing one Chromium (each test still gets its own browser context and
// its own daemon); fails when any fails. CTest runs this (label "web").
import {readdirSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const [bin, artifacts, filter] = process.argv.slice(2);
if (!bin || !artifacts) {
	console.error('usage: node run.mjs FOOTFALLD ARTIFACTS-DIR [FILTER]');
	process.exit(2);
}
mkdirSync(artifacts, {recursive: true});
const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here).filter(f => f.endsWith('.test.mjs') && (!filter || f.includes(filter))).sort();
const runner = {file: '', failures: 0};
globalThis.ffWebRunner = runner;
const {closeBrowser} = await import('./lib.mjs');
const failed = [];
// A test file that exits would end every later one: its exit becomes its
// failure instead.
process.exit = code => {
	throw new Error(`process.exit(${code}) called: use run() and throw instead`);
};
for (const f of files) {
	const t0 = Date.now();
	const before = runner.failures;
	runner.file = f;
	try {
		await import(pathToFileURL(join(here, f)).href);
	} catch (e) {
		runner.failures++;
		console.log(`not ok - ${f}: ${e && e.stack || e}`);
	}
	const s = ((Date.now() - t0) / 1000).toFixed(1);
	if (runner.failures > before)
		failed.push(f);
	console.log(`${runner.failures > before ? 'FAILED' : 'passed'} ${f} (${s} s)`);
}
await closeBrowser();
console.log(`${files.length - failed.length}/${files.length} web test files passed; screenshots in ${artifacts}`);
process.exitCode = failed.length ? 1 : 0;
