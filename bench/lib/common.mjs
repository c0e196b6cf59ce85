// @ts-check
/** Small helpers shared by the benchmarks: results files, statistics, the machine description. */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Where each benchmark writes `<name>.json`. */
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');

/**
 * Write `bench/results/<name>.json` (with the date and machine) and print the one-line summary.
 * @param {string} name
 * @param {string} summary
 * @param {Record<string, unknown>} data
 */
export async function writeResult(name, summary, data) {
  await mkdir(RESULTS_DIR, { recursive: true });
  // The load average says how busy the (shared) machine was while the bench ran.
  const body = { name, summary, date: new Date().toISOString(), machine: machine(), loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10, ...data };
  await writeFile(join(RESULTS_DIR, `${name}.json`), JSON.stringify(body, null, 2) + '\n');
  console.log(`${name}: ${summary}`);
}

/**
 * @param {string} name
 * @returns {Promise<any>} the parsed results file, or undefined when the bench has not run
 */
export async function readResult(name) {
  try {
    return JSON.parse(await readFile(join(RESULTS_DIR, `${name}.json`), 'utf8'));
  } catch {
    return undefined;
  }
}

/** @param {readonly number[]} xs */
export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? /** @type {number} */ (s[m]) : (/** @type {number} */ (s[m - 1]) + /** @type {number} */ (s[m])) / 2;
}

/**
 * @param {readonly number[]} xs
 * @param {number} p 0..1
 */
export function quantile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return /** @type {number} */ (s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]);
}

/**
 * A seeded pseudo-random source in [0, 1) (32-bit LCG): reproducible orders and resamples.
 * @param {number} seed
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** @param {number} x @param {number} [d] */
export const round = (x, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

/** @param {string} cmd @param {string[]} args */
function tryRun(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** @type {{ nproc: number, cpu: string, node: string, chromium: string, os: string } | undefined} */
let machineInfo;

/** The machine the numbers came from: cores, CPU model, Node and Chromium versions. */
export function machine() {
  if (machineInfo) return machineInfo;
  const lscpu = tryRun('lscpu', []) ?? '';
  const model = /^Model name:\s*(.+)$/m.exec(lscpu)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const chromium = tryRun(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', ['--version']) ?? 'not found';
  const os = tryRun('uname', ['-srm']) ?? process.platform;
  machineInfo = { nproc: Number(tryRun('nproc', [])) || cpus().length, cpu: model, node: process.version, chromium, os };
  return machineInfo;
}
