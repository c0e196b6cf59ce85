/**
 * `resilient-ws/server` is built into its own file and never into what a browser loads: the files
 * `dist/index.js`, `dist/core.js`, the adapters and the zh-CN catalogue import (followed through
 * their shared chunks) and the self-contained `dist/browser/*.js` hold none of its code, and
 * `dist/server.js` imports neither `ws` nor Node builtins. Reads the build (`npm run build`).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
/** Texts only the server entry's code contains (its error messages and log prefix survive minification). */
const MARKERS = ['closeWith()', 'answerPings()', 'closeWhenIdle()', 'resilient-ws/server:'];
/** Static imports and re-exports, one per line as the (unminified) package build writes them, and `import()`. */
const IMPORT = /^(?:import|export)\b[^'"\n]*?["']([^"']+)["'];?$|\bimport\(\s*["']([^"']+)["']\s*\)/gm;

/** Every built file reachable from `entry` through relative imports, and the bare imports among them. */
function built(entry: string) {
  const files = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
      else bare.add(spec);
    }
  };
  visit(join(dist, entry));
  return { files: [...files].map((f) => relative(dist, f)), bare: [...bare] };
}

const markersIn = (file: string) => MARKERS.filter((m) => readFileSync(join(dist, file), 'utf8').includes(m));

describe('the built server entry', () => {
  test('exists and holds the server code (the markers find it)', () => {
    expect(existsSync(join(dist, 'server.js')), 'run `npm run build` first').toBe(true);
    const { files } = built('server.js');
    expect(files.flatMap(markersIn).sort()).toEqual([...MARKERS].sort());
  });

  test('the scan follows the shared chunks (it works)', () => {
    expect(built('index.js').files.length).toBeGreaterThan(2);
    expect(built('server.js').files.length).toBeGreaterThan(1);
    expect(built('index.js').bare).toContain('mitt');
  });

  test('imports neither ws nor any Node builtin, and nothing else from outside', () => {
    expect(built('server.js').bare).toEqual([]);
  });

  test.each(['index.js', 'core.js', 'react.js', 'vue.js', 'i18n/zh-CN.js'])('%s and every chunk it imports hold none of it', (entry) => {
    const { files } = built(entry);
    expect(files).not.toContain('server.js');
    expect(files.filter((f) => markersIn(f).length > 0)).toEqual([]);
  });

  test('the self-contained browser files hold none of it', () => {
    const files = readdirSync(join(dist, 'browser'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
    expect(files).toEqual(expect.arrayContaining(['resilient-ws.min.js']));
    expect(files.filter((f) => markersIn(join('browser', f)).length > 0)).toEqual([]);
  });

  test('its declarations stand alone: no import outside dist/server (so no DOM types reach a Node project)', () => {
    const dts = readdirSync(join(dist, 'server')).filter((f) => f.endsWith('.d.ts'));
    expect(dts).toContain('index.d.ts');
    const specifiers = dts.flatMap((f) =>
      [...readFileSync(join(dist, 'server', f), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').matchAll(IMPORT)].map((m) => `${f}: ${(m[1] ?? m[2])!}`),
    );
    expect(specifiers).toContain('index.d.ts: ./close.js');
    expect(specifiers.filter((s) => !s.includes(': ./'))).toEqual([]);
  });
});
