import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { replaceBlock } from '../../scripts/docs-tables.mjs';
import { ENGINES, browsersTable } from '../../scripts/browsers-table.mjs';

const readme = readFileSync('README.md', 'utf8');
const results = JSON.parse(readFileSync('test/browser/results/engines.json', 'utf8')) as Parameters<typeof browsersTable>[0];

describe("the README's Browsers table is what the browser tests recorded", () => {
  test('every behaviour was recorded in all three engines, with their versions', () => {
    for (const e of ENGINES) expect(results.versions[e], e).toMatch(/^(Chromium|Firefox|WebKitGTK) \d/);
    const rows = Object.entries(results.behaviours);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    for (const [key, row] of rows) for (const e of ENGINES) expect(row[e], `${key} in ${e}`).toBeTruthy();
  });

  test('README matches test/browser/results/engines.json (run `npm run docs` after the browser tests to refresh)', () => {
    expect(readme).toBe(replaceBlock(readme, 'browsers', browsersTable(results)));
  });

  test('the table renders untrusted-looking text as escaped table cells', () => {
    const table = browsersTable({ versions: { chromium: 'Chromium 1' }, behaviours: { x: { label: 'a | b', chromium: 'line\nbreak' } } });
    expect(table).toContain('| a \\| b | line break | not recorded | not recorded |');
  });
});
