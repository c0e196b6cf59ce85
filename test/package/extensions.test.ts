/**
 * Relative imports in src/ name the emitted file (`./core/client.js`, `../index.js`). The .d.ts
 * files tsc emits keep these specifiers verbatim, and TypeScript consumers on moduleResolution
 * node16/nodenext reject extensionless relative imports (TS2834), so one missing `.js` here breaks
 * those consumers' types (or, with skipLibCheck, silently turns them into `any`).
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const src = fileURLToPath(new URL('../../src', import.meta.url));
// `from '…'` (imports and re-exports, `import type` too), bare `import '…'`, and `import('…')`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])(\.\.?(?:\/[^'"\n]*)?)\1/g;

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && /\.(ts|tsx|mts|cts)$/.test(e.name)).map((e) => join(e.parentPath, e.name));
}

it('finds the relative imports it checks (the pattern matches this codebase)', async () => {
  const files = await sources(src);
  const text = (await Promise.all(files.map((f) => readFile(f, 'utf8')))).join('\n');
  expect(files.length).toBeGreaterThan(5);
  expect([...text.matchAll(SPECIFIER)].length).toBeGreaterThan(20);
});

it('every relative import and export in src/ names an existing module with its .js extension', async () => {
  const bad: string[] = [];
  for (const file of await sources(src)) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[2]!;
      const where = `${relative(src, file)}: '${spec}'`;
      const ext = /\.(m|c)?js$/.exec(spec);
      if (!ext) {
        bad.push(`${where} has no .js extension`);
        continue;
      }
      const stem = resolve(dirname(file), spec).slice(0, -ext[0].length);
      const candidates = ext[1] === 'm' ? ['.mts'] : ext[1] === 'c' ? ['.cts'] : ['.ts', '.tsx'];
      if (!candidates.some((c) => existsSync(stem + c))) bad.push(`${where} names no source file (${candidates.join(' or ')})`);
    }
  }
  // Fix: write './x.js' for x.ts, './dir/index.js' for a directory.
  expect(bad).toEqual([]);
});
