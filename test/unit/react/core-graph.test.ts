import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importGraph as graph, REPO_ROOT as root } from '../../support/import-graph';

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
