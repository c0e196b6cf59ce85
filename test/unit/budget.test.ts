// @vitest-environment node
/**
 * Size budgets are tests: every entry point, bundled as a consumer's bundler sees it (see
 * bench/lib/size.mjs), must stay within `size-budget.json`, and the size figures published in
 * docs/bench.md (and in README.md, when it has a `<!-- BEGIN sizes -->` block) must be the
 * measured ones and the committed budgets. Runs after `npm run build` in `npm test`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BUDGET_FILE, OWN_SPECS, REPO_ROOT, kB, measure, readBlock, type SizeResult } from '../../bench/lib/size.mjs';

interface Budget {
  margin: number;
  entries: Record<string, { gzip: number; target?: number }>;
}

const budget = JSON.parse(readFileSync(BUDGET_FILE, 'utf8')) as Budget;
let sizes: SizeResult[] = [];

beforeAll(async () => {
  if (!existsSync(join(REPO_ROOT, 'dist', 'index.js')) || !existsSync(join(REPO_ROOT, 'dist', 'browser', 'resilient-ws.min.js'))) {
    throw new Error('dist/ is missing: the size budget is measured on the build (`npm run build`; `npm test` builds first).');
  }
  sizes = await measure(OWN_SPECS);
}, 60_000);

/** Rows of a `| label | min | min+gzip | budget | target |` table, by label. */
function tableRows(block: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of block.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length >= 4 && cells[0] !== 'entry point' && !/^-+$/.test(cells[1]?.replace(/[:]/g, '') ?? '')) rows.set(cells[0]!, cells);
  }
  return rows;
}

/** "10.79 kB" → 10790 (± 5 B of rounding). */
const bytes = (cell: string | undefined): number => {
  const m = /^([\d.]+) kB$/.exec(cell ?? '');
  if (!m) throw new Error(`not a kB figure: ${JSON.stringify(cell)}`);
  return Math.round(Number(m[1]) * 1000);
};

describe('bundle size budgets', () => {
  test('every entry point of the package has a budget', () => {
    expect(Object.keys(budget.entries).sort()).toEqual(OWN_SPECS.map((s) => s.id).sort());
  });

  test('every entry point stays within its min+gzip budget', () => {
    const over = sizes
      .filter((r) => r.gzip > budget.entries[r.id]!.gzip)
      .map((r) => `${r.id}: ${r.gzip} B > budget ${budget.entries[r.id]!.gzip} B`);
    expect(over, 'over budget (shrink it, or accept it on purpose with `npm run size -- --update-budget`)').toEqual([]);
  });

  test('adapters are measured on top of the core and cost something', () => {
    for (const id of ['react', 'vue']) {
      const r = sizes.find((s) => s.id === id)!;
      expect(r.base).toBe('core');
      expect(r.gzip).toBeGreaterThan(0);
    }
  });

  // Published figures must be today's: a size change (beyond the budget margin) without
  // `npm run size` regenerating the table fails here.
  const documents = ['docs/bench.md', 'README.md'].filter((f) => f === 'docs/bench.md' || readBlock(readFileSync(join(REPO_ROOT, f), 'utf8'), 'sizes') !== undefined);
  test.each(documents)('the size table in %s shows the measured sizes and the committed budgets', (file) => {
    const block = readBlock(readFileSync(join(REPO_ROOT, file), 'utf8'), 'sizes');
    expect(block, `${file} has no <!-- BEGIN sizes --> … <!-- END sizes --> block`).toBeDefined();
    const rows = tableRows(block!);
    for (const r of sizes) {
      const cells = rows.get(r.label);
      expect(cells, `${file}: no row for ${r.label}`).toBeDefined();
      const [, min, gzip, limit] = cells!;
      const b = budget.entries[r.id]!;
      expect(limit, `${file}: budget of ${r.id}`).toBe(kB(b.gzip));
      const tolerance = Math.max(10, r.gzip * budget.margin);
      expect(Math.abs(bytes(gzip) - r.gzip), `${file}: ${r.id} shows ${gzip}, measured ${kB(r.gzip)} (run \`npm run size\`)`).toBeLessThanOrEqual(tolerance);
      expect(Math.abs(bytes(min) - r.min), `${file}: ${r.id} min shows ${min}, measured ${kB(r.min)}`).toBeLessThanOrEqual(Math.max(10, r.min * budget.margin));
    }
  });
});
