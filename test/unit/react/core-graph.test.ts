import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SPECIFIER = /(?:^|[\s;])(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;

/** Every module reachable from `entries` through relative imports, and every bare import among them. */
function graph(entries: string[]) {
  const files = new Set<string>();
  const bare = new Map<string, string>(); // specifier → first importer
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    // Comments (TSDoc @example blocks show imports) are not code.
    const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of source.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.endsWith('.ts') ? spec : `${spec.replace(/\.js$/, '')}.ts`));
      else if (!bare.has(spec)) bare.set(spec, relative(root, file));
    }
  };
  entries.forEach(visit);
  return { files: [...files].map((f) => relative(root, f)), bare };
}

describe('the core entry', () => {
  const core = readdirSync(join(root, 'src/core'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(root, 'src/core', f));
  const { files, bare } = graph([join(root, 'src/index.ts'), ...core]);

  test('finds the whole core graph (the scan itself works)', () => {
    expect(files).toEqual(expect.arrayContaining(['src/index.ts', 'src/core/client.ts', 'src/core/state.ts']));
    expect(bare.get('mitt')).toBe('src/core/bus.ts');
  });

  test('imports neither React nor Vue, and nothing but mitt from outside', () => {
    expect([...bare.keys()]).toEqual(['mitt']);
  });

  test('never reaches the adapters or their shared registry', () => {
    expect(files.filter((f) => /^src\/(react|vue|shared)\//.test(f))).toEqual([]);
  });
});

describe('the adapters', () => {
  test('import only their own framework besides the core', () => {
    expect([...graph([join(root, 'src/react/index.ts')]).bare.keys()].sort()).toEqual(['mitt', 'react']);
    expect([...graph([join(root, 'src/vue/index.ts')]).bare.keys()].sort()).toEqual(['mitt', 'vue']);
  });
});
