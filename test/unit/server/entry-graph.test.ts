// @vitest-environment node
/**
 * `resilient-ws/server` is Node-only: no browser entry reaches it, and it imports nothing at run
 * time from outside the package (not even `ws`: the socket is typed structurally). The built files
 * are checked in test/package/server-entry.test.ts.
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importGraph, REPO_ROOT } from '../../support/import-graph';

const BROWSER_ENTRIES = ['src/index.ts', 'src/core/index.ts', 'src/i18n/zh-CN.ts', 'src/react/index.ts', 'src/vue/index.ts'];

describe('the server entry', () => {
  const server = importGraph([join(REPO_ROOT, 'src/server/index.ts')]);

  test('the scan finds the server modules (it works)', () => {
    expect(server.files).toEqual(expect.arrayContaining(['src/server/index.ts', 'src/server/close.ts', 'src/server/heartbeat.ts', 'src/server/idle.ts']));
  });

  test.each(BROWSER_ENTRIES)('%s never reaches src/server', (entry) => {
    const { files } = importGraph([join(REPO_ROOT, entry)]);
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => f.startsWith('src/server/'))).toEqual([]);
  });

  test('its own files import nothing from outside the package: no ws, no Node builtins', () => {
    const outside = [...server.bare].filter(([, importer]) => importer.startsWith('src/server/'));
    expect(outside).toEqual([]);
    expect([...server.bare.keys()].filter((s) => s === 'ws' || s.startsWith('node:'))).toEqual([]);
  });
});
