// @ts-check
/**
 * `npm run bench`: runs every benchmark (each prints its one-line summary and writes
 * bench/results/<name>.json), then regenerates the tables in docs/bench.md and bench/README.md.
 * The two benches that mostly wait on timers (heartbeat, outage) run side by side; the rest run
 * alone, throughput last and on its own. `node bench/run.mjs size react` runs only those.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/common.mjs';

/** Groups run one after another; the benches inside a group run at the same time. */
const GROUPS = [['size'], ['react'], ['leaks'], ['herd'], ['heartbeat', 'outage'], ['throughput']];

/** @param {string} name @returns {Promise<number>} */
const run = (name) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bench', `${name}.mjs`)], { stdio: 'inherit', cwd: REPO_ROOT });
    child.on('exit', (code) => resolve(code ?? 1));
  });

const only = process.argv.slice(2);
const started = Date.now();
/** @type {string[]} */
const failed = [];
for (const group of GROUPS) {
  const names = group.filter((n) => only.length === 0 || only.includes(n));
  const codes = await Promise.all(names.map(run));
  names.forEach((n, i) => codes[i] !== 0 && failed.push(n));
}
const code = await run('report');
console.log(`bench: done in ${Math.round((Date.now() - started) / 1000)} s${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
process.exitCode = failed.length || code ? 1 : 0;
