/**
 * The self-contained build (`dist/browser/resilient-ws.min.js`) is usable from a plain
 * `<script type="module">` with no bundler and no import map: it has no bare imports, exports the
 * public API, and works in each engine (Chromium, Firefox, WebKit) against a real server.
 *
 * Needs `npm run build` first (npm test builds before testing).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as source from '../../src/index';
import { zhCN } from '../../src/i18n/zh-CN';
import { REPO_ROOT } from '../support/chromium';
import { ENGINE_TITLE, useEnginePage, waitInPage } from '../support/browsers';
import { useFaultServer } from '../support/fixtures';

const BUILD = join(REPO_ROOT, 'dist', 'browser', 'resilient-ws.min.js');
const ZH_BUILD = join(REPO_ROOT, 'dist', 'browser', 'i18n', 'zh-CN.min.js');

/**
 * Every module specifier in an ES module's text: static `import … from "x"`, `import "x"`,
 * `export … from "x"` and dynamic `import("x")`. (Minified output has no comments or whitespace
 * to trip over; a string that merely looks like an import would only make this stricter.)
 */
function specifiers(code: string): string[] {
  const found: string[] = [];
  const patterns = [
    /(?:^|[;}\s])import\s*(?:[\w$*{}\s,]+?\s*from\s*)?(["'`])([^"'`]+)\1/g,
    /(?:^|[;}\s])export\s*(?:\*|\{[^}]*\})\s*(?:as\s+[\w$]+\s*)?from\s*(["'`])([^"'`]+)\1/g,
    /\bimport\s*\(\s*(["'`])([^"'`]+)\1\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[2]!);
  return found;
}

const isBare = (specifier: string) => !/^(\.{1,2}\/|\/)/.test(specifier);

describe('the self-contained browser build', () => {
  test('finds the imports it is meant to find (the check itself)', () => {
    expect(specifiers('import{a as b}from"mitt";import"./x.js";export{c}from"/y.js";import("z")')).toEqual([
      'mitt',
      './x.js',
      '/y.js',
      'z',
    ]);
    expect(['mitt', 'z'].every(isBare)).toBe(true);
    expect(['./x.js', '/y.js', '../a.js'].some(isBare)).toBe(false);
  });

  test('has no bare imports (mitt is inlined), nor does the zh-CN catalogue', async () => {
    for (const file of [BUILD, ZH_BUILD]) {
      const code = await readFile(file, 'utf8');
      expect(specifiers(code).filter(isBare), file).toEqual([]);
      expect(code).not.toMatch(/\brequire\(/);
    }
  });

  test('exports the whole public API, and zhCN has the same keys as en', async () => {
    const built = (await import(/* @vite-ignore */ pathToFileURL(BUILD).href)) as Record<string, unknown>;
    expect(Object.keys(built).sort()).toEqual(Object.keys(source).sort());
    expect(built.CloseCode).toEqual(source.CloseCode);
    expect((built.classifyCode as typeof source.classifyCode)(1012)).toEqual(source.classifyCode(1012));
    const zh = (await import(/* @vite-ignore */ pathToFileURL(ZH_BUILD).href)) as { zhCN: Record<string, unknown> };
    expect(Object.keys(zh.zhCN).sort()).toEqual(Object.keys(source.en).sort());
    expect(Object.keys(zh.zhCN).sort()).toEqual(Object.keys(zhCN).sort());
  });

  test(`loads in ${ENGINE_TITLE} from a plain <script type=module>, connects and receives the echo`, async () => {
    const server = await useFaultServer();
    const { page } = await useEnginePage({
      path: `/test/browser/standalone.html?ws=${encodeURIComponent(server.url)}`,
      waitForLibrary: false,
    });
    const { consoleLines } = page;
    const describe = async () => `page errors: ${JSON.stringify(await page.pageErrors())}\nconsole: ${JSON.stringify(consoleLines)}`;
    await waitInPage(page, () => (window as unknown as { __standalone?: { messages: string[] } }).__standalone?.messages.length === 1, undefined, {
      message: describe,
    });
    const seen = await page.evaluate(() => (window as unknown as { __standalone: { status: string[]; messages: string[] } }).__standalone);
    expect(seen.messages).toEqual(['hello from a plain <script type=module>']);
    expect(seen.status).toEqual(['connecting', 'open']);
    expect(await page.evaluate(() => [...document.querySelectorAll('#messages li')].map((li) => li.textContent))).toEqual(['hello from a plain <script type=module>']);
    const received = await server.waitFor((e) => e.kind === 'message' && e.data === 'hello from a plain <script type=module>');
    expect(received.binary).toBe(false);
    expect((await server.waitFor('connect')).path).toBe('/standalone');
    expect(await page.pageErrors()).toEqual([]);
    expect(consoleLines.filter((l) => /Content Security Policy|Failed to resolve module specifier/i.test(l))).toEqual([]);
  });
});
