// @ts-check
/**
 * Bundle sizes (see bench/lib/size.mjs for the method): every entry point of the package, the
 * peers measured the same way, what costs the bytes in `createCore` and `createClient` (per
 * source module, and per construct: texts, the close-code table, property names), and each budgeted entry against `size-budget.json`.
 *
 * `node bench/size.mjs --update-budget` sets each budget to the size reached + the margin
 * (default 3 %) — only when a size change is intended. Needs `npm run build` first.
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { writeResult } from './lib/common.mjs';
import { BUDGET_FILE, OWN_SPECS, PEER_SPECS, REPO_ROOT, breakdown, constructCost, kB, measure, proseCost, readBudget } from './lib/size.mjs';

/** Issue targets (reported beside the budgets, not enforced). */
const TARGETS = /** @type {Record<string, number>} */ ({ 'core-createClient': 10_000, lean: 5000, react: 600, vue: 600 });

async function main() {
  try {
    await access(join(REPO_ROOT, 'dist', 'index.js'));
  } catch {
    throw new Error('dist/ is missing: run `npm run build` first.');
  }
  const own = await measure(OWN_SPECS);
  const peers = await measure(PEER_SPECS);
  const modules = await breakdown();
  const constructs = await constructCost();
  const prose = await proseCost(20);
  const budget = await readBudget();

  if (process.argv.includes('--update-budget')) {
    budget.entries = Object.fromEntries(
      own.map((r) => [r.id, { gzip: Math.ceil(r.gzip * (1 + budget.margin)), ...(TARGETS[r.id] ? { target: TARGETS[r.id] } : {}) }]),
    );
    await writeFile(BUDGET_FILE, JSON.stringify(budget, null, 2) + '\n');
  }

  const checks = own
    .filter((r) => budget.entries[r.id])
    .map((r) => {
      const b = /** @type {{ gzip: number, target?: number }} */ (budget.entries[r.id]);
      return { id: r.id, gzip: r.gzip, budget: b.gzip, target: b.target ?? null, withinBudget: r.gzip <= b.gzip, meetsTarget: b.target ? r.gzip <= b.target : null };
    });
  const over = checks.filter((c) => !c.withinBudget);
  const core = /** @type {(typeof own)[number]} */ (own.find((r) => r.id === 'core'));
  const react = /** @type {(typeof own)[number]} */ (own.find((r) => r.id === 'react'));
  const rws = /** @type {(typeof peers)[number]} */ (peers.find((r) => r.id === 'reconnecting-websocket'));
  await writeResult(
    'size',
    `core ${kB(core.gzip)} min+gzip (createClient target ${kB(TARGETS["core-createClient"] ?? 0)}; reconnecting-websocket ${kB(rws.gzip)}), react adapter +${kB(react.gzip)}; ` +
      `${over.length ? `OVER BUDGET: ${over.map((c) => c.id).join(', ')}` : 'all within budget'}`,
    { method: 'rolldown bundle (ESM, tree-shaken, react/react-dom/vue external) + rolldown minify + gzip -9; 1 kB = 1000 B', own, peers, checks, modules, constructs, prose },
  );
  if (over.length) process.exitCode = 1;
}

await main();

// The tables in docs/bench.md and bench/README.md follow the new sizes.
await import('./report.mjs');
