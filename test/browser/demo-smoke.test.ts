/**
 * The demo page (`npm run demo`) in the engine of this project: it loads under its strict CSP,
 * connects, and a server close shows up in the timeline as text, followed by a reconnect. The
 * full demo test (every button, both languages, screenshots) drives Chromium through Playwright:
 * demo.test.ts. Needs `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { DiagnosticsReport } from '../../src/index';
import { ENGINE, ENGINE_TITLE, launchBrowser, waitInPage, type EngineBrowser, type EnginePage } from '../support/browsers';
import { startDemoServer, stopDemoServer, type DemoServer } from '../support/demo-server';

let demo: DemoServer;
let browser: EngineBrowser;
beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoServer(), launchBrowser()]);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await stopDemoServer(demo);
});

const status = (page: EnginePage, s: string) =>
  waitInPage(page, (want) => document.getElementById('status')?.dataset.status === want, s, { timeout: 15_000 });

/** Click a fault button, wait for its close entry in the timeline and return what it shows. */
async function fault(page: EnginePage, name: string, code: number): Promise<{ code: string | null; category: string | null; reason: string | null }> {
  await page.evaluate((n) => (document.querySelector(`[data-fault="${n}"]`) as HTMLButtonElement).click(), name);
  const shown = await waitInPage(
    page,
    (c) => {
      const li = document.querySelector(`#timeline li[data-kind="close"][data-code="${c}"]`);
      if (!li) return null;
      const t = (s: string) => li.querySelector(s)?.textContent ?? null;
      return { code: t('.code'), category: t('.category'), reason: t('dd.reason') };
    },
    code,
    { timeout: 15_000 },
  );
  return shown!;
}

describe(`the demo in ${ENGINE_TITLE}`, () => {
  test('loads under its CSP, connects, shows a server close (reason as text) and reconnects', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(demo.url);
      await waitInPage(page, () => document.body.dataset.ready === '1', undefined, { timeout: 15_000 });
      await status(page, 'open');
      // Inline scripts and styles are what the CSP forbids: the page has none.
      expect(await page.evaluate(() => document.querySelectorAll('script:not([src]), style, [style]').length)).toBe(0);

      const shown = await fault(page, 'close-1011', 1011);
      expect(shown).toMatchObject({ code: '1011', category: 'server-error' });
      expect(shown.reason).toBe('unexpected condition: db timeout');
      await status(page, 'open');

      // 1012 in WebKit arrives as error + 1006 (it rejects the code): the timeline says so.
      const restartCode = ENGINE === 'webkit' ? 1006 : 1012;
      const restart = await fault(page, 'close-1012', restartCode);
      expect(restart.code).toBe(String(restartCode));
      expect(restart.category).toBe(ENGINE === 'webkit' ? 'network' : 'service-restart');
      await status(page, 'open');

      // "Copy report": client.diagnostics() as JSON in the read-only textarea (and on the
      // clipboard where this engine lets the page write it), telling the same two closes.
      await page.evaluate(() => (document.getElementById('copy-report') as HTMLButtonElement).click());
      await waitInPage(page, () => document.getElementById('report')?.dataset.copied !== undefined, undefined, { timeout: 5000 });
      const report = JSON.parse(await page.evaluate(() => (document.getElementById('report') as HTMLTextAreaElement).value)) as DiagnosticsReport;
      const closes = report.entries.flatMap((e) => (e.kind === 'close' ? [e.close] : []));
      // (The timeline shows an empty reason as "(empty)".)
      expect(closes.map((c) => [c.code, c.category, c.reason || '(empty)'])).toEqual([
        [1011, 'server-error', shown.reason],
        [restartCode, restart.category, restart.reason],
      ]);
      expect(report.entries.filter((e) => e.kind === 'open')).toHaveLength(3);
      expect(report.url).toMatch(/\/live\?token=\*\*\*$/);
      expect(JSON.stringify(report)).not.toContain('demo-1');
      expect(await page.pageErrors()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
