/**
 * What the browser tests saw each engine do, written to test/browser/results/engines.json (which
 * is committed). `npm run docs` renders the README's "Browsers" table from it
 * (scripts/browsers-table.mjs), and test/unit/browsers-table.test.ts fails when README and JSON
 * disagree. A test records an observation only after its assertions about it passed, and records
 * facts (codes, events, yes/no), never timings, so the file changes only when behaviour does.
 *
 * Writes are synchronous read-modify-write: the browser projects run one after another and their
 * files one at a time (`fileParallelism: false`), so no two writers overlap.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './chromium';
import { ENGINE, type EngineName } from './browsers';

export const RESULTS_FILE = join(REPO_ROOT, 'test', 'browser', 'results', 'engines.json');

/** Rows of the Browsers table, in order: key → the behaviour as the table's first column says it. */
export const BEHAVIOURS = {
  'driver': 'driven by',
  'close-codes': 'server close 1000–1003, 1007–1011, 3000, 4000, 4999 (the page sees)',
  'close-1012-1014': 'server close 1012, 1013, 1014 (the page sees)',
  'reason-only-close': 'close frame with only a text payload, no code (the page sees)',
  'handshake-rejected': 'HTTP 403 on upgrade (the page sees)',
  'offline': 'offline emulation in tests',
  'bfcache': 'back/forward with an open client',
  'pagehide-close': 'client’s own close at pagehide (lastClose)',
  'restore-late-events': 'a plain socket closed at `pagehide`: its events after that',
} as const;
export type Behaviour = keyof typeof BEHAVIOURS;

export interface EngineResults {
  /** `npm test` writes what it ran: engine and major version. */
  versions: Partial<Record<EngineName, string>>;
  behaviours: Partial<Record<Behaviour, { label: string } & Partial<Record<EngineName, string>>>>;
}

export function readResults(): EngineResults {
  try {
    return JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as EngineResults;
  } catch {
    return { versions: {}, behaviours: {} };
  }
}

function write(results: EngineResults): void {
  const ordered: EngineResults = { versions: {}, behaviours: {} };
  for (const e of ['chromium', 'firefox', 'webkit'] as const) if (results.versions[e]) ordered.versions[e] = results.versions[e];
  for (const key of Object.keys(BEHAVIOURS) as Behaviour[]) {
    const row = results.behaviours[key];
    if (!row) continue;
    ordered.behaviours[key] = { label: BEHAVIOURS[key], ...(['chromium', 'firefox', 'webkit'] as const).reduce((acc, e) => (row[e] === undefined ? acc : { ...acc, [e]: row[e] }), {}) };
  }
  const tmp = `${RESULTS_FILE}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(ordered, null, 2)}\n`);
  renameSync(tmp, RESULTS_FILE);
}

/** Record what this engine did for `behaviour` (call after the assertions about it passed). */
export function recordObservation(behaviour: Behaviour, value: string, engine: EngineName = ENGINE): void {
  const results = readResults();
  results.behaviours[behaviour] = { ...results.behaviours[behaviour], label: BEHAVIOURS[behaviour], [engine]: value };
  write(results);
}

/** Record the engine's name and major version, e.g. `Chromium 156`, `Firefox 153`, `WebKitGTK 2.50`. */
export function recordVersion(version: string, engine: EngineName = ENGINE): void {
  const short = version.replace(/^(\D+\s)(\d+)(\.\d+)?.*$/, (_m, name: string, major: string, minor: string | undefined) =>
    engine === 'webkit' ? `${name}${major}${minor ?? ''}` : `${name}${major}`,
  );
  const results = readResults();
  results.versions[engine] = short;
  write(results);
}
