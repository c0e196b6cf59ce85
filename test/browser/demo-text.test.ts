/**
 * The demo (`node demo/server.mjs`) in real Chromium, for two things the rest of the demo test
 * does not cover:
 * - untrusted text cannot disguise itself: a close reason with a right-to-left override
 *   (U+202E) or zero-width characters is shown with those characters as visible escapes
 *   (⟨U+202E⟩), in an element whose direction is isolated, and it displays in its logical
 *   order (measured from the glyphs' positions, not from the DOM text);
 * - the React and Vue pages count the connections of their own page, not of the whole server.
 *
 * Needs `npm run build` first (npm test builds before testing).
 */
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { launchChromium, type Browser, type Page } from '../support/chromium';
import { startDemoServer, stopDemoServer, type DemoServer } from '../support/demo-server';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

let demo: DemoServer;
let browser: Browser;

beforeAll(async () => {
  [demo, browser] = await Promise.all([startDemoServer(), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.race([browser?.close(), delay(10_000)]);
  await stopDemoServer(demo);
});

/** Opens a demo page in a fresh context and waits until its client is open. */
async function open(path = ''): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  onTestFinished(async () => {
    await Promise.race([context.close(), delay(10_000)]);
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.stack ?? e.message));
  expect((await page.goto(demo.url + path, { waitUntil: 'load' }))?.ok()).toBe(true);
  // Generous: only a lower-bound wait, and CI machines are 2 shared cores.
  await page.waitForFunction(() => document.getElementById('status')?.dataset.status === 'open', undefined, { polling: 20, timeout: 30_000 });
  onTestFinished(() => expect(errors).toEqual([]));
  return page;
}

/** Asks the demo server to close every connection with this code and reason. */
async function serverClose(code: number, reason: string): Promise<void> {
  const res = await fetch(new URL('/api/fault/close', demo.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code, reason }),
  });
  expect(res.status).toBe(200);
}

// "abc" + RIGHT-TO-LEFT OVERRIDE + "gnp.exe": raw, it displays as "abcexe.png".
const SPOOF = 'abc\u202Egnp.exe';
const ZERO_WIDTH = 'pay\u200Bpal\u200D.com';

/**
 * How the first element matching `selector` shows its text: the DOM text, the escapes, the
 * computed isolation, and whether "gnp.exe" is laid out left to right (its "g" left of its
 * final "e"), measured from the glyph boxes.
 */
function shown(page: Page, selector: string) {
  return page.locator(selector).first().evaluate((node: HTMLElement) => {
    const box = node.matches('.untrusted') ? node : node.querySelector<HTMLElement>('.untrusted');
    const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
    let order: 'ltr' | 'rtl' | 'absent' = 'absent';
    for (let t = walker.nextNode() as Text | null; t; t = walker.nextNode() as Text | null) {
      const i = t.data.indexOf('gnp.exe');
      if (i < 0) continue;
      const x = (k: number) => {
        const r = document.createRange();
        r.setStart(t, k);
        r.setEnd(t, k + 1);
        return r.getBoundingClientRect().left;
      };
      order = x(i) < x(i + 6) ? 'ltr' : 'rtl';
    }
    return {
      text: node.textContent ?? '',
      escapes: [...node.querySelectorAll('.hidden-char')].map((e) => ({ text: e.textContent, title: (e as HTMLElement).title })),
      isolated: box ? getComputedStyle(box).unicodeBidi : null,
      dir: box?.dir ?? null,
      order,
    };
  });
}

describe('untrusted text on the demo pages', () => {
  test('a reason with U+202E and zero-width characters shows them as escapes, isolated, in logical order', async () => {
    const page = await open();
    await serverClose(1011, `${SPOOF} ${ZERO_WIDTH}`);
    const entry = '#timeline li[data-kind="close"][data-code="1011"] dd.reason';
    await page.locator(entry).first().waitFor();
    const s = await shown(page, entry);
    expect(s.text).toBe('abc⟨U+202E⟩gnp.exe pay⟨U+200B⟩pal⟨U+200D⟩.com');
    expect(s.text).not.toMatch(/[\u202E\u200B\u200D]/);
    expect(s.escapes).toEqual([
      { text: '⟨U+202E⟩', title: 'RIGHT-TO-LEFT OVERRIDE' },
      { text: '⟨U+200B⟩', title: 'ZERO WIDTH SPACE' },
      { text: '⟨U+200D⟩', title: 'ZERO WIDTH JOINER' },
    ]);
    expect(s.isolated).toBe('isolate');
    expect(s.dir).toBe('auto');
    expect(s.order).toBe('ltr');

    // The server's own log panel shows the same reason the same way.
    const log = '#server-log li[data-kind="close"] .reason';
    await page.locator(log, { hasText: 'gnp.exe' }).first().waitFor();
    const l = await shown(page, log);
    expect(l.text).toBe('abc⟨U+202E⟩gnp.exe pay⟨U+200B⟩pal⟨U+200D⟩.com');
    expect(l.isolated).toBe('isolate');
    expect(l.order).toBe('ltr');
  });

  test('the raw override really reorders the text (the measurement can tell)', async () => {
    // Control for the glyph-order measurement above: the same string put into a page raw.
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    const page = await context.newPage();
    await page.setContent('<!doctype html><body></body>');
    const order = await page.evaluate((spoof) => {
      const p = document.createElement('p');
      p.textContent = spoof;
      document.body.append(p);
      const t = p.firstChild as Text;
      const x = (k: number) => {
        const r = document.createRange();
        r.setStart(t, k);
        r.setEnd(t, k + 1);
        return r.getBoundingClientRect().left;
      };
      const i = t.data.indexOf('gnp.exe');
      const ltr = x(i) < x(i + 6);
      p.remove();
      return ltr ? 'ltr' : 'rtl';
    }, SPOOF);
    expect(order).toBe('rtl');
  });

  test.for(['react', 'vue'])('%s page: the reason shows its hidden characters, isolated', async (name) => {
    const page = await open(`${name}.html`);
    await serverClose(4000, SPOOF);
    await page.waitForFunction(() => document.getElementById('last-close')?.dataset.code === '4000', undefined, { polling: 20 });
    const s = await shown(page, '#last-close .reason');
    expect(s.text).toBe('abc⟨U+202E⟩gnp.exe');
    expect(s.escapes).toEqual([{ text: '⟨U+202E⟩', title: 'RIGHT-TO-LEFT OVERRIDE' }]);
    expect(s.isolated).toBe('isolate');
    expect(s.order).toBe('ltr');
  });
});

describe('connection count on the React and Vue pages', () => {
  test.for(['react', 'vue'])('%s page: counts the connections of this page, not of the whole server', async (name) => {
    const [a, b] = [await open(`${name}.html`), await open(`${name}.html`)];
    const plain = await open(); // a third page on the same server
    // Each page's three components share one connection: each page says 1.
    await expect.poll(() => a.locator('#server-connections').textContent(), { timeout: 5_000 }).toBe('1');
    await expect.poll(() => b.locator('#server-connections').textContent(), { timeout: 5_000 }).toBe('1');
    const state = (await (await fetch(new URL('/api/state', demo.url))).json()) as { connections: number };
    expect(state.connections).toBeGreaterThanOrEqual(3);
    // A page's count follows its own connection: closing one page's client leaves the other at 1.
    await a.click('#close');
    await expect.poll(() => a.locator('#server-connections').textContent(), { timeout: 5_000 }).toBe('0');
    expect(await b.locator('#server-connections').textContent()).toBe('1');
    await plain.close();
  });
});
