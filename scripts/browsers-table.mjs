// @ts-check
/**
 * Renders the README's Browsers table from what the browser tests recorded in their last run
 * (test/browser/results/engines.json, written by test/support/observations.ts). Used by
 * `npm run docs` (writes README.md) and by test/unit/browsers-table.test.ts (fails when the
 * README's table and the recorded JSON disagree).
 */

export const ENGINES = /** @type {const} */ (['chromium', 'firefox', 'webkit']);

const cell = (/** @type {string | undefined} */ s) => (s === undefined ? 'not recorded' : s.replace(/\|/g, '\\|').replace(/\n/g, ' '));

/**
 * @param {{ versions: Record<string, string | undefined>, behaviours: Record<string, { label: string } & Record<string, string | undefined>> }} results
 * @returns {string}
 */
export function browsersTable(results) {
  const head = ENGINES.map((e) => results.versions[e] ?? e);
  const lines = [`| behaviour | ${head.join(' | ')} |`, `|---|${ENGINES.map(() => '---').join('|')}|`];
  for (const row of Object.values(results.behaviours)) {
    lines.push(`| ${cell(row.label)} | ${ENGINES.map((e) => cell(row[e])).join(' | ')} |`);
  }
  return lines.join('\n');
}
