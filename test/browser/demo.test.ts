/**
 * The demo (`npm run demo` → demo/server.mjs) in real Chromium: every fault button, what the
 * page shows for it in English and in Chinese, the strict CSP, server-sent text rendered as
 * text, and the demo server's own behaviour (machine-readable URL, control API, clean stop).
 *
 * Needs `npm run build` first (npm test builds before testing): the plain page loads exactly
 * dist/browser/resilient-ws.min.js and dist/browser/i18n/zh-CN.min.js.
 */
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { CloseCode, classifyCode, en, type Client, type CloseAction, type CloseCategory, type DiagnosticsReport, type MessageCatalog } from '../../src/index';
import { zhCN } from '../../src/i18n/zh-CN';
import { launchChromium, REPO_ROOT, type Browser, type Page } from '../support/chromium';
import { startDemoServer, stopDemoServer, type DemoServer } from '../support/demo-server';

const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');
const POLICY =
  "default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; " +
  "style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'";

// ---------------------------------------------------------------------------------------------
// The demo server as a child process
// ---------------------------------------------------------------------------------------------

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let demo: DemoServer;
let browser: Browser;

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  [demo, browser] = await Promise.all([startDemoServer(), launchChromium()]);
}, 120_000);

afterAll(async () => {
  await Promise.race([browser?.close(), delay(10_000)]);
  await stopDemoServer(demo);
});

// ---------------------------------------------------------------------------------------------
// The page
// ---------------------------------------------------------------------------------------------

interface DemoPage {
  page: Page;
  /** Messages of every dialog (alert/confirm/prompt) the page opened. */
  dialogs: string[];
  /** Uncaught page errors. */
  errors: string[];
  /** Console lines mentioning the Content Security Policy. */
  cspViolations: string[];
}

/**
 * Opens the demo page in a fresh context and waits until its client is open. `permissions` are
 * granted to the context; `initScript` runs in the page before its own scripts.
 */
async function openDemo(query = '', options: { permissions?: string[]; initScript?: string } = {}): Promise<DemoPage> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, permissions: options.permissions });
  if (options.initScript) await context.addInitScript(options.initScript);
  onTestFinished(async () => {
    await Promise.race([context.close(), delay(10_000)]);
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const result: DemoPage = { page, dialogs: [], errors: [], cspViolations: [] };
  const consoleLines: string[] = [];
  page.on('dialog', (d) => {
    result.dialogs.push(d.message());
    void d.dismiss().catch(() => undefined);
  });
  page.on('pageerror', (e) => result.errors.push(e.stack ?? e.message));
  page.on('console', (m) => {
    consoleLines.push(`[${m.type()}] ${m.text()}`);
    if (/Content Security Policy/i.test(m.text())) result.cspViolations.push(m.text());
  });
  const response = await page.goto(demo.url + query, { waitUntil: 'load' });
  expect(response?.ok()).toBe(true);
  try {
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    await waitForStatus(page, 'open');
  } catch (err) {
    throw new Error(
      `${query || 'index'} did not become ready and open: ${String(err)}\n` +
        `page errors: ${JSON.stringify(result.errors)}\nconsole: ${JSON.stringify(consoleLines.slice(-20))}\n` +
        `demo server output (tail):\n${demo.output().slice(-2000)}`,
    );
  }
  onTestFinished(() => {
    // Every test: nothing blocked by the CSP, no uncaught errors, no dialogs.
    expect(result.cspViolations).toEqual([]);
    expect(result.errors).toEqual([]);
    expect(result.dialogs).toEqual([]);
  });
  return result;
}

const waitForStatus = (page: Page, status: string, timeout = 15_000) =>
  page.waitForFunction((s) => document.getElementById('status')?.dataset.status === s, status, { timeout, polling: 20 });

const text = (page: Page, selector: string) => page.locator(selector).first().textContent();

const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });

interface ShownClose {
  code: string;
  codeName: string;
  category: string;
  action: string;
  decision: string;
  message: string;
  reason: string;
  reasonEmpty: boolean;
  serverMessage: string | null;
  retryAfter: string | null;
  via: string | null;
  reported: string | null;
  details: string;
}

/** The newest close entry of the timeline with this code (and category), as the page shows it. */
async function shownClose(page: Page, code: number, category?: string, timeout = 15_000): Promise<ShownClose> {
  const selector = `#timeline li[data-kind="close"][data-code="${code}"]${category ? `[data-category="${category}"]` : ''}`;
  await page.locator(selector).first().waitFor({ timeout });
  // The decision of a reconnect is filled in by the `reconnecting` event that follows the close.
  return page.locator(selector).first().evaluate((li: HTMLElement) => {
    const t = (s: string) => li.querySelector(s)?.textContent ?? null;
    return {
      code: t('.code') ?? '',
      codeName: t('.code-name') ?? '',
      category: t('.category') ?? '',
      action: li.dataset.action ?? '',
      decision: t('.decision') ?? '',
      message: t('dd.message') ?? '',
      reason: t('dd.reason') ?? '',
      reasonEmpty: li.querySelector('dd.reason')?.classList.contains('empty') ?? false,
      serverMessage: t('dd.server-message'),
      retryAfter: t('dd.retry-after'),
      via: t('dd.via'),
      reported: t('dd.reported'),
      details: t('dd.details') ?? '',
    };
  });
}

const render = (catalog: MessageCatalog, key: keyof MessageCatalog, code: number) => {
  const entry = catalog[key];
  return typeof entry === 'function' ? entry({ code, attempts: 0 }) : entry;
};

/** The library's name for a code, or undefined for codes without one. */
const codeNameOf = (code: number) => Object.entries(CloseCode).find(([, v]) => v === code)?.[0];

const DECISION = {
  en: { stop: /^stop$/, refresh: /^refresh credentials, then reconnect$/, reconnect: /^reconnect in (\d+) ms$/ },
  zh: { stop: /^停止$/, refresh: /^刷新凭据后重连$/, reconnect: /^(\d+) 毫秒后重连$/ },
} as const;

/**
 * The message must say what happened (the category's text) and, unless the client stops, what
 * it does next (`action-reconnect` / `action-refresh`), all from the given catalogue.
 */
function expectMessage(message: string, catalog: MessageCatalog, category: CloseCategory, action: CloseAction, code: number) {
  const what = render(catalog, category, code);
  expect(message).toContain(what);
  const next = { reconnect: 'action-reconnect', refresh: 'action-refresh' } as const;
  if (action === 'stop') expect(message).toBe(what);
  else expect(message).toContain(render(catalog, next[action], code));
}

async function toChinese(page: Page) {
  await page.click('#lang-zh');
  await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
}

// ---------------------------------------------------------------------------------------------
// Server closes: one button each
// ---------------------------------------------------------------------------------------------

interface CloseCase {
  fault: string;
  code: number;
  reason: string;
  /** Decision when it differs from the built-in table (4001 is an auth code in the demo). */
  action?: CloseAction;
  serverMessage?: string;
  retryAfter?: number;
}

const CLOSES: CloseCase[] = [
  { fault: 'close-1000', code: 1000, reason: 'Bye: the session is over' },
  { fault: 'close-1001', code: 1001, reason: 'server going away' },
  { fault: 'close-1008', code: 1008, reason: 'message rate limit exceeded' },
  { fault: 'close-1011', code: 1011, reason: 'unexpected condition: db timeout' },
  { fault: 'close-1012', code: 1012, reason: 'restarting for deploy' },
  {
    fault: 'close-1013',
    code: 1013,
    reason: JSON.stringify({ retryAfter: 2, message: 'Server busy, back in 2 s' }),
    serverMessage: 'Server busy, back in 2 s',
    retryAfter: 2000,
  },
  { fault: 'close-4001', code: 4001, reason: 'token expired', action: 'refresh' },
  { fault: 'close-zh', code: 1012, reason: '服务端维护中,请稍后重连' },
];

describe('server close buttons', () => {
  test.for(CLOSES)('$fault: shows code, name, category, decision, message and the raw reason, in English and 中文', async (c) => {
    const { page } = await openDemo();
    const { category, action: builtIn } = classifyCode(c.code);
    const action = c.action ?? builtIn;

    await page.click(`[data-fault="${c.fault}"]`);
    const shown = await shownClose(page, c.code, category);
    expect(shown.code).toBe(String(c.code));
    expect(shown.codeName).toBe(codeNameOf(c.code) ?? 'Private use (4000–4999)');
    expect(shown.category).toBe(category);
    expect(shown.action).toBe(action);
    expect(shown.decision).toMatch(DECISION.en[action]);
    expectMessage(shown.message, en, category, action, c.code);
    expect(shown.reason).toBe(c.reason);
    expect(shown.details).toContain('initiated by server');
    if (c.serverMessage) expect(shown.serverMessage).toBe(c.serverMessage);
    else expect(shown.serverMessage).toBeNull();
    if (c.retryAfter !== undefined) {
      expect(shown.retryAfter).toBe(`${c.retryAfter} ms`);
      // The server's hint wins, plus jitter of up to 20 % (at least up to 1 s): RETRY_DEFAULTS docs.
      const ms = Number(DECISION.en.reconnect.exec(shown.decision)?.[1]);
      expect(ms).toBeGreaterThanOrEqual(c.retryAfter);
      expect(ms).toBeLessThanOrEqual(c.retryAfter + Math.max(c.retryAfter * 0.2, 1000) + 1);
    }
    if (action === 'stop') {
      await waitForStatus(page, 'closed');
      expect(await text(page, '#banner')).toBe(shown.message);
    }
    await shot(page, `${c.fault}-en`);

    await toChinese(page);
    const zh = await shownClose(page, c.code, category);
    expect(zh.decision).toMatch(DECISION.zh[action]);
    expectMessage(zh.message, zhCN, category, action, c.code);
    expect(zh.reason).toBe(c.reason);
    if (action === 'stop') expect(await text(page, '#banner')).toBe(zh.message);
    await shot(page, `${c.fault}-zh`);

    if (action === 'refresh') {
      // The refresh hook fetched a new token from /api/token, then the client reconnected with it.
      const token = await page.locator('#timeline li[data-kind="refresh"] .token').first().textContent({ timeout: 10_000 });
      expect(token).toMatch(/^demo-\d+$/);
      await waitForStatus(page, 'open');
      await page
        .locator('#server-log li[data-kind="connect"]', { hasText: `token=${token}` })
        .first()
        .waitFor({ timeout: 10_000 });
    } else if (action === 'reconnect') {
      await waitForStatus(page, 'open');
    } else {
      await page.click('#reconnect');
      await waitForStatus(page, 'open');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Transport faults
// ---------------------------------------------------------------------------------------------

describe('transport faults', () => {
  test('kill TCP: 1006 network, empty reason, reconnects', async () => {
    const { page } = await openDemo();
    await page.click('[data-fault="kill"]');
    const shown = await shownClose(page, 1006, 'network');
    expect(shown.codeName).toBe(codeNameOf(1006));
    expect(shown.decision).toMatch(DECISION.en.reconnect);
    expectMessage(shown.message, en, 'network', 'reconnect', 1006);
    expect(shown.reasonEmpty).toBe(true);
    expect(shown.details).toContain('initiated by network');
    await toChinese(page);
    const zh = await shownClose(page, 1006, 'network');
    expectMessage(zh.message, zhCN, 'network', 'reconnect', 1006);
    expect(zh.decision).toMatch(DECISION.zh.reconnect);
    await waitForStatus(page, 'open');
  });

  test('half-open: the heartbeat declares the connection dead and reconnects', async () => {
    // A short heartbeat for the test (the page's default is 5 s idle / 3 s timeout).
    const { page } = await openDemo('?hb=800,800');
    // RTT is measured and charted while the connection is healthy.
    await page.waitForFunction(() => (document.getElementById('rtt-line')?.getAttribute('points') ?? '') !== '');
    expect(await text(page, '#rtt')).toMatch(/^\d+ ms$/);

    await page.click('[data-fault="blackhole"]');
    const shown = await shownClose(page, 1006, 'heartbeat-timeout');
    expect(shown.decision).toMatch(DECISION.en.reconnect);
    expectMessage(shown.message, en, 'heartbeat-timeout', 'reconnect', 1006);
    expect(shown.details).toContain('initiated by heartbeat');
    expect(await text(page, '#timeline li[data-kind="error"][data-error="HeartbeatTimeoutError"] .error-text')).toMatch(/No answer/);
    await toChinese(page);
    expectMessage((await shownClose(page, 1006, 'heartbeat-timeout')).message, zhCN, 'heartbeat-timeout', 'reconnect', 1006);
    await waitForStatus(page, 'open');
  });

  test('down for 10 s: failed attempts with a live countdown, then back', async () => {
    const { page } = await openDemo();
    await page.click('[data-fault="down"]');
    await shownClose(page, 1006, 'network');
    // While the server refuses, attempts fail and each wait is counted down.
    const failed = await shownClose(page, 1006, 'connect-failed', 10_000);
    expect(failed.decision).toMatch(DECISION.en.reconnect);
    expectMessage(failed.message, en, 'connect-failed', 'reconnect', 1006);
    expect(failed.details).toContain('while connecting');
    await waitForStatus(page, 'reconnecting');
    // A countdown with its bar shown, read in one page task (a short wait can end between two
    // separate reads); never seeing it fails the test by the wait's timeout.
    await page.waitForFunction(
      () =>
        /^\d+\.\d s$/.test(document.getElementById('countdown')?.textContent ?? '') &&
        document.getElementById('countdown-bar')?.checkVisibility() === true,
      undefined,
      { timeout: 10_000 },
    );
    // (The banner is empty for the instant of each attempt, so poll.)
    await expect.poll(() => text(page, '#banner')).toContain(render(en, 'connect-failed', 1006));
    await shot(page, 'down-reconnecting-en');
    await toChinese(page);
    await expect.poll(() => text(page, '#banner')).toContain(render(zhCN, 'connect-failed', 1006));
    await shot(page, 'down-reconnecting-zh');

    await waitForStatus(page, 'open', 25_000);
    await page.locator('#server-log li[data-kind="refused-window"]', { hasText: 'end' }).first().waitFor();
    expect(await text(page, '#countdown')).toBe('—');
  }, 60_000);

  test('close frame with only a reason: the text the server sent, rebuilt, and what the browser reported', async () => {
    const { page } = await openDemo();
    const payload = 'server shutting down';
    // The browser reads the first two bytes ("se") as the status code and the rest as the reason;
    // the client rebuilds the text and reports a malformed close (code 1005: no status code sent).
    const bogus = (payload.charCodeAt(0) << 8) | payload.charCodeAt(1);
    await page.click('[data-fault="raw-close"]');
    const shown = await shownClose(page, 1005, 'malformed-close');
    expect(shown.decision).toMatch(DECISION.en.reconnect);
    expect(shown.reason).toBe(payload);
    expect(shown.via).toContain('without a status code');
    expect(shown.reported).toBe(`${bogus} ${JSON.stringify(payload.slice(2))}`);
    expectMessage(shown.message, en, 'malformed-close', 'reconnect', 1005);
    expect(shown.message).not.toContain(String(bogus));
    await page.locator('#server-log li[data-kind="raw-close"]', { hasText: payload }).first().waitFor();
    await toChinese(page);
    expectMessage((await shownClose(page, 1005, 'malformed-close')).message, zhCN, 'malformed-close', 'reconnect', 1005);
    await waitForStatus(page, 'open');
  });

  test('a close notice, then a TCP close (libhv): the server\'s 1013 and its wait, carried by the notice', async () => {
    const { page } = await openDemo();
    await page.click('[data-fault="notice"]');
    const shown = await shownClose(page, 1013, 'try-again-later');
    expect(shown.reason).toBe('busy, come back in 3 s');
    expect(shown.via).toContain('close notice');
    expect(shown.reported).toBe('1006 ""');
    expect(shown.retryAfter).toBe('3000 ms');
    expect(shown.decision).toMatch(DECISION.en.reconnect);
    expectMessage(shown.message, en, 'try-again-later', 'reconnect', 1013);
    await shot(page, 'close-notice-en');
  });

  test('HTTP 403 on the handshake: the browser only says the attempt failed; the server log shows why', async () => {
    const { page } = await openDemo();
    await page.click('[data-fault="reject-403"]');
    const shown = await shownClose(page, 1006, 'connect-failed');
    expect(shown.decision).toMatch(DECISION.en.reconnect);
    expectMessage(shown.message, en, 'connect-failed', 'reconnect', 1006);
    await page.locator('#server-log li[data-kind="reject"]', { hasText: 'HTTP 403' }).first().waitFor();
    await toChinese(page);
    expectMessage((await shownClose(page, 1006, 'connect-failed')).message, zhCN, 'connect-failed', 'reconnect', 1006);
    await waitForStatus(page, 'open');
  });
});

// ---------------------------------------------------------------------------------------------
// Untrusted text, custom codes
// ---------------------------------------------------------------------------------------------

describe('server text is rendered as text', () => {
  test('a reason that looks like HTML appears literally; nothing is injected or run', async () => {
    const demoPage = await openDemo();
    const { page } = demoPage;
    const reason = '<img src=x onerror=alert(1)>';
    await page.fill('#custom-code', '4000');
    await page.fill('#custom-reason', reason);
    await page.click('#custom-submit');
    const shown = await shownClose(page, 4000);
    expect(shown.reason).toBe(reason);
    expect(shown.category).toBe(classifyCode(4000).category);
    await page.locator('#server-log li[data-kind="close"]', { hasText: reason }).first().waitFor();
    // Give an injected image the time to fail loading and fire its handler.
    await delay(300);
    expect(await page.evaluate(() => document.querySelectorAll('img, [onerror]').length)).toBe(0);
    expect(demoPage.dialogs).toEqual([]);
    await shot(page, 'xss-reason-as-text');
  });

  test('a close code that cannot be sent is refused by the demo server and the refusal is shown', async () => {
    const { page } = await openDemo();
    await page.fill('#custom-code', '1006');
    await page.click('#custom-submit');
    await expect.poll(() => text(page, '#timeline li[data-kind="fault"] .error-text')).toMatch(/cannot be sent/);
    expect(await page.locator('#status').getAttribute('data-status')).toBe('open');
  });
});

// ---------------------------------------------------------------------------------------------
// Client-side buttons
// ---------------------------------------------------------------------------------------------

describe('client buttons', () => {
  test('send is echoed back; close stops with a client close; reconnect opens again', async () => {
    const { page } = await openDemo();
    await page.fill('#send-text', 'hello 你好 <b>x</b>');
    await page.click('#send');
    await expect
      .poll(() => page.locator('#timeline li[data-kind="message"] .payload').allTextContents())
      .toEqual(['hello 你好 <b>x</b>', 'hello 你好 <b>x</b>']);
    await shot(page, 'open-echo');

    await page.click('#close');
    await waitForStatus(page, 'closed');
    const shown = await shownClose(page, 1000, 'client');
    expect(shown.decision).toMatch(DECISION.en.stop);
    expect(shown.message).toBe(render(en, 'client', 1000));
    expect(shown.details).toContain('initiated by client');
    await page.click('#reconnect');
    await waitForStatus(page, 'open');
  });

  test('simulated offline: the close waits for the network, sends queue in the outbox, online flushes them', async () => {
    const { page } = await openDemo();
    await page.click('#go-offline');
    expect(await page.locator('#online').getAttribute('data-online')).toBe('false');
    expect(await text(page, '#online')).toBe('offline');

    await page.click('[data-fault="kill"]');
    await waitForStatus(page, 'offline');
    const shown = await shownClose(page, 1006, 'network');
    expect(shown.decision).toBe('reconnect when back online');
    expect(await text(page, '#banner')).toBe(render(en, 'offline', 0));

    await page.fill('#send-text', 'queued while offline');
    await page.click('#send');
    expect(await text(page, '#timeline li[data-kind="message"] .label')).toContain('queued');
    expect(await text(page, '#queued')).toBe('1');
    await shot(page, 'offline-queued');
    await toChinese(page);
    expect(await text(page, '#banner')).toBe(render(zhCN, 'offline', 0));
    expect((await shownClose(page, 1006, 'network')).decision).toBe('网络恢复后重连');

    await page.click('#go-online');
    await waitForStatus(page, 'open');
    expect(await page.locator('#online').getAttribute('data-online')).toBe('true');
    await expect.poll(() => text(page, '#queued')).toBe('0');
    await page.locator('#timeline li[data-kind="message"]', { hasText: 'queued while offline' }).nth(1).waitFor();
  });
});

// ---------------------------------------------------------------------------------------------
// The React hook and the Vue composable (demo/frameworks, bundled by Vite at server start)
// ---------------------------------------------------------------------------------------------

describe.for(['react', 'vue'])('%s page', (name) => {
  test('components share one connection, echo works, a close shows its decision, reason stays text', async () => {
    const { page } = await openDemo(`${name}.html`);
    // Three components call the hook/composable with equal options: one connection.
    await expect.poll(() => text(page, '#server-connections'), { timeout: 5_000 }).toBe('1');

    await page.click('#send');
    await expect.poll(() => page.locator('#received li').allTextContents()).toEqual([`hello from ${name === 'react' ? 'React' : 'Vue'}`]);

    await page.click('[data-fault="close-1008"]');
    await waitForStatus(page, 'closed');
    const lastClose = page.locator('#last-close');
    expect(await lastClose.getAttribute('data-code')).toBe('1008');
    expect(await lastClose.locator('.category').textContent()).toBe('policy-violation');
    expect(await lastClose.locator('.decision').textContent()).toBe('stop');
    expect(await lastClose.locator('.message').textContent()).toBe(render(en, 'policy-violation', 1008));
    expect(await lastClose.locator('.reason').textContent()).toBe('message rate limit exceeded');
    await shot(page, `${name}-closed`);

    await page.click('#reconnect');
    await waitForStatus(page, 'open');
    const reason = '<img src=x onerror=alert(1)>';
    const res = await fetch(new URL('/api/fault/close', demo.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 4000, reason }),
    });
    expect(res.status).toBe(200);
    await expect.poll(() => lastClose.getAttribute('data-code')).toBe('4000');
    expect(await lastClose.locator('.reason').textContent()).toBe(reason);
    await delay(300);
    expect(await page.evaluate(() => document.querySelectorAll('img, [onerror]').length)).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// The page as a whole, and the demo server
// ---------------------------------------------------------------------------------------------

describe('diagnostics report', () => {
  /** A close shown in the timeline, then "Copy report": the report's text and the timeline's view of the close. */
  async function copyAfterClose(page: Page) {
    await page.click('[data-fault="close-1011"]');
    const shown = await shownClose(page, 1011);
    await waitForStatus(page, 'open');
    const openUrls = await page.locator('#timeline li[data-kind="open"] .mono').allTextContents();
    await page.click('#copy-report');
    await page.waitForFunction(() => document.getElementById('report')?.dataset.copied !== undefined);
    const value = await page.locator('#report').inputValue();
    return { shown, openUrls, value, report: JSON.parse(value) as DiagnosticsReport };
  }

  /** The report tells what the timeline showed: the close with its reason and decision, the retry, both opens; and no token. */
  function expectStory(report: DiagnosticsReport, shown: ShownClose, openUrls: string[]) {
    expect(report).toMatchObject({ format: 'resilient-ws/diagnostics', recording: true, status: 'open' });
    const kinds = report.entries.filter((e) => e.kind !== 'rtt').map((e) => e.kind);
    expect(kinds).toEqual(['connecting', 'open', 'close', 'reconnecting', 'connecting', 'open']);
    const close = report.entries.find((e) => e.kind === 'close');
    expect(close).toMatchObject({ close: { code: 1011, category: shown.category, action: 'reconnect', reason: shown.reason } });
    const retry = report.entries.find((e) => e.kind === 'reconnecting') as { delay: number };
    expect(shown.decision).toBe(`reconnect in ${retry.delay} ms`);
    const connecting = report.entries.filter((e) => e.kind === 'connecting').map((e) => (e as { url: string }).url);
    expect(connecting).toEqual([...openUrls].reverse());
    expect(connecting[0]).toMatch(/\/live\?token=\*\*\*$/);
    expect(JSON.stringify(report)).not.toContain('demo-1');
  }

  test('"Copy report" puts client.diagnostics() on the clipboard as JSON: the events the timeline shows, no token', async () => {
    const { page } = await openDemo('', { permissions: ['clipboard-read', 'clipboard-write'] });
    const { shown, openUrls, value, report } = await copyAfterClose(page);
    expect(await page.locator('#report').getAttribute('data-copied')).toBe('clipboard');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);
    expectStory(report, shown, openUrls);
    expect(await text(page, '#report-result')).toMatch(/^report copied: \d+ entries · \d+\.\d kB$/);
    // The same report the client gives (the page's own `client`), times aside.
    const live = (await page.evaluate(() => JSON.stringify((window as unknown as { demo: { client: Client } }).demo.client.diagnostics()))) as string;
    expect(JSON.parse(live).entries.slice(0, report.entries.length).map((e: { kind: string }) => e.kind)).toEqual(report.entries.map((e) => e.kind));
    await shot(page, 'report-copied');
  });

  test('without a clipboard the report is selected in a read-only textarea, as text', async () => {
    const { page } = await openDemo('', { initScript: "Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });" });
    const { shown, openUrls, value, report } = await copyAfterClose(page);
    expect(await page.locator('#report').getAttribute('data-copied')).toBe('selected');
    expectStory(report, shown, openUrls);
    const box = await page.evaluate(() => {
      const t = document.getElementById('report') as HTMLTextAreaElement;
      return { focused: document.activeElement === t, readOnly: t.readOnly, start: t.selectionStart, end: t.selectionEnd, length: t.value.length, children: t.children.length };
    });
    expect(box).toEqual({ focused: true, readOnly: true, start: 0, end: value.length, length: value.length, children: 0 });
    expect(await text(page, '#report-result')).toContain('press Ctrl+C');
  });
});

describe('page and server', () => {
  test('the page is served with the strict CSP (header and meta) and loads only the self-contained build', async () => {
    const context = await browser.newContext();
    onTestFinished(() => context.close());
    const page = await context.newPage();
    const scripts: string[] = [];
    page.on('request', (r) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    });
    const response = await page.goto(demo.url);
    expect(response?.headers()['content-security-policy']).toContain(POLICY);
    expect(await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')).toBe(POLICY);
    await page.waitForFunction(() => document.body.dataset.ready === '1');
    expect(scripts.sort()).toEqual(['/i18n/zh-CN.min.js', '/main.js', '/resilient-ws.min.js', '/timeline.js']);
    // The React and Vue pages are built, so the page links to them.
    expect(await page.locator('#link-react').isVisible()).toBe(true);
    expect(await page.locator('#link-vue').isVisible()).toBe(true);
    expect(await page.locator('script:not([src]), style, [style]').count()).toBe(0);
  });

  test('the language toggle re-renders every timeline entry', async () => {
    const { page } = await openDemo();
    await page.click('[data-fault="close-1011"]');
    await shownClose(page, 1011);
    await waitForStatus(page, 'open');
    await page.click('[data-fault="close-1001"]');
    await shownClose(page, 1001);
    await waitForStatus(page, 'open');
    await toChinese(page);
    const messages = await page.locator('#timeline li[data-kind="close"] dd.message').allTextContents();
    expect(messages).toHaveLength(2);
    expectMessage(messages[0]!, zhCN, 'going-away', 'reconnect', 1001);
    expectMessage(messages[1]!, zhCN, 'server-error', 'reconnect', 1011);
    await page.click('#lang-en');
    const back = await page.locator('#timeline li[data-kind="close"] dd.message').allTextContents();
    expectMessage(back[1]!, en, 'server-error', 'reconnect', 1011);
  });

  test('the control API accepts JSON from its own origin only', async () => {
    const post = (path: string, init: RequestInit = {}) => fetch(new URL(path, demo.url), { method: 'POST', ...init });
    expect((await post('/api/fault/kill', { body: '{}' })).status).toBe(415);
    expect(
      (await post('/api/fault/kill', { headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: '{}' })).status,
    ).toBe(403);
    const bad = await post('/api/fault/close', { headers: { 'content-type': 'application/json' }, body: '{"code":999}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/cannot be sent/);
    const token = await post('/api/token', { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(((await token.json()) as { token: string }).token).toMatch(/^demo-\d+$/);
    expect(((await fetch(new URL('/api/config', demo.url)).then((r) => r.json())) as { wsUrl: string }).wsUrl).toBe(demo.wsUrl);
  });

  test('an explicitly requested page port that is taken is a clear error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    onTestFinished(() => new Promise<void>((r) => blocker.close(() => r())));
    const port = (blocker.address() as AddressInfo).port;
    const env = { ...process.env };
    delete env.PORT;
    delete env.WS_PORT;
    const child = spawn(process.execPath, ['demo/server.mjs', '--port', String(port), '--ws-port', '0'], { cwd: REPO_ROOT, env });
    let out = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (out += c));
    const code = await Promise.race([new Promise((r) => child.once('exit', r)), delay(20_000).then(() => 'timeout')]);
    if (code === 'timeout') child.kill('SIGKILL');
    expect(code).toBe(1);
    expect(out).toContain(`page port ${port} is already in use`);
  });

  test('Ctrl-C (SIGINT) stops the page server and the WebSocket server', async () => {
    const other = await startDemoServer();
    onTestFinished(() => stopDemoServer(other).then(() => undefined));
    const pagePort = Number(new URL(other.url).port);
    const wsPort = Number(new URL(other.wsUrl).port);
    expect(await accepts(pagePort)).toBe(true);
    expect(await accepts(wsPort)).toBe(true);
    expect(await stopDemoServer(other, 'SIGINT')).toBe(0);
    expect(other.output()).toContain('stopped.');
    expect(await accepts(pagePort)).toBe(false);
    expect(await accepts(wsPort)).toBe(false);
  }, 120_000);
});
