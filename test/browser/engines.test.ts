/**
 * The driver layer (test/support/browsers.ts) in the engine of this project, and what the engine's
 * own `WebSocket` does with the closes and failures the client has to interpret — no library in
 * between. What each engine did is recorded for the README's Browsers table
 * (test/browser/results/engines.json).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CAN, ENGINE, ENGINE_TITLE, REQUIREMENTS, checkBinaries, launchBrowser, waitInPage, type EngineBrowser, type EnginePage } from '../support/browsers';
import { useFaultServer, type FaultServer } from '../support/fixtures';
import { recordObservation, recordVersion } from '../support/observations';
import { openRawSocket, useCheckedEnginePage, type RawSocketReport } from '../support/page-client';

let browser: EngineBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const DRIVERS = {
  chromium: 'playwright-core (CDP), headless',
  firefox: 'puppeteer-core over WebDriver BiDi, headless',
  webkit: 'WebKitWebDriver (W3C WebDriver) + MiniBrowser under Xvfb',
} as const;

/** Open a raw socket, wait until the server has it, let `act` close it, and return what the page saw. */
async function rawClose(page: EnginePage, server: FaultServer, path: string, act: () => void): Promise<RawSocketReport> {
  const mark = server.mark();
  const read = await openRawSocket(page, `${server.url}${path}`);
  await server.waitFor('connect', { since: mark, timeout: 5000 });
  const deadline = Date.now() + 5000;
  while (!(await read()).events.includes('open')) {
    if (Date.now() > deadline) throw new Error(`raw socket ${path} never opened: ${JSON.stringify(await read())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  act();
  for (;;) {
    const report = await read();
    if (report.close) return report;
    if (Date.now() > deadline + 5000) throw new Error(`raw socket ${path} never closed: ${JSON.stringify(report)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(`the ${ENGINE_TITLE} driver`, () => {
  test('launches, loads the harness (strict CSP) and evaluates in the page; records the version', async () => {
    const { page } = await useCheckedEnginePage({ browser });
    expect(browser.engine).toBe(ENGINE);
    expect(await page.evaluate((x: number) => x + 1, 41)).toBe(42);
    expect(await page.evaluate(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return { a: [1, 'two', null], u: undefined };
    })).toEqual({ a: [1, 'two', null] });
    expect(await page.evaluate(() => typeof (window as unknown as { RWS?: { createClient?: unknown } }).RWS?.createClient)).toBe('function');
    await expect(page.evaluate(() => {
      throw new TypeError('thrown in the page');
    })).rejects.toThrow('thrown in the page');
    console.info(`[engines] ${browser.version} via ${DRIVERS[ENGINE]}`);
    expect(browser.version).toMatch(/^(Chromium|Firefox|WebKitGTK) \d+/);
    recordVersion(browser.version);
    recordObservation('driver', DRIVERS[ENGINE]);
  });

  test('a missing browser binary fails with the apt-get line that installs it (never a skip)', async () => {
    const missing = REQUIREMENTS[ENGINE].map((r) => ({ ...r, path: `/nonexistent/${r.path.split('/').pop()!}` }));
    const expected = { chromium: 'apt-get install -y chromium', firefox: 'apt-get install -y firefox-esr', webkit: 'apt-get install -y --no-install-recommends webkit2gtk-driver xvfb xauth' }[ENGINE];
    await expect(checkBinaries(ENGINE, missing)).rejects.toThrow(expected);
    await expect(checkBinaries(ENGINE, missing)).rejects.toThrow('never skipped');
    await expect(checkBinaries(ENGINE)).resolves.toBeUndefined(); // and the real ones are there
  });

  test(CAN.canGoOffline ? 'emulates offline: offline/online events and navigator.onLine' : 'has no offline emulation (WebDriver defines no offline command): setOffline says so', async () => {
    const { page } = await useCheckedEnginePage({ browser });
    await page.evaluate(() => {
      const w = window as unknown as { __signals: string[] };
      w.__signals = [];
      for (const name of ['online', 'offline']) window.addEventListener(name, () => w.__signals.push(`${name}:${navigator.onLine}`));
    });
    if (!CAN.canGoOffline) {
      await expect(page.setOffline(true)).rejects.toThrow('no offline command');
      expect(await page.evaluate(() => navigator.onLine)).toBe(true);
      recordObservation('offline', 'not available: WebDriver has no offline command (offline tests assert the client stays online)');
      return;
    }
    await page.setOffline(true);
    await waitInPage(page, () => (window as unknown as { __signals: string[] }).__signals.includes('offline:false'));
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);
    await page.setOffline(false);
    await waitInPage(page, () => (window as unknown as { __signals: string[] }).__signals.includes('online:true'));
    expect(await page.evaluate(() => (window as unknown as { __signals: string[] }).__signals)).toEqual(['offline:false', 'online:true']);
    recordObservation('offline', ENGINE === 'chromium' ? 'yes (`context.setOffline`)' : 'yes (`page.setOfflineMode`)');
  });
});

describe(`what ${ENGINE_TITLE}'s own WebSocket reports`, () => {
  test('server close codes 1000–1003, 1007–1011, 3000, 4000 and 4999 arrive intact with their reason', async () => {
    const server = await useFaultServer();
    const { page } = await useCheckedEnginePage({ browser });
    const codes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 4000, 4999];
    const seen: Record<number, RawSocketReport['close']> = {};
    for (const code of codes) {
      const report = await rawClose(page, server, `/code-${code}`, () => server.closeAll(code, `reason ${code} 原因`));
      seen[code] = report.close;
      expect(report.events, `code ${code}`).toEqual(['open', 'close']);
    }
    for (const code of codes) expect(seen[code], `code ${code}`).toEqual({ code, reason: `reason ${code} 原因`, wasClean: true });
    recordObservation('close-codes', 'the code and reason, clean');
  });

  test('server close codes 1012, 1013 and 1014: what the page sees', async () => {
    const server = await useFaultServer();
    const { page } = await useCheckedEnginePage({ browser });
    const reports: RawSocketReport[] = [];
    for (const code of [1012, 1013, 1014]) {
      const mark = server.mark();
      reports.push(await rawClose(page, server, `/code-${code}`, () => server.closeAll(code, 'restart')));
      const serverSaw = await server.waitFor((e) => e.kind === 'close', { since: mark, timeout: 3000 });
      if (ENGINE === 'webkit') expect(serverSaw.code, `WebKit answers ${code} as a protocol error`).toBe(1002);
    }
    if (ENGINE === 'webkit') {
      // WebKit treats 1012–1014 as invalid close codes: it fails the connection (error, then 1006
      // with no reason) and answers the server with 1002. The client cannot tell a restart from a
      // lost connection, so it reconnects after its ordinary backoff (see core.test.ts).
      for (const r of reports) expect(r).toMatchObject({ events: ['open', 'error', 'close'], close: { code: 1006, reason: '', wasClean: false } });
      recordObservation('close-1012-1014', '`error`, then 1006 with no reason (WebKit rejects the codes and answers 1002)');
    } else {
      expect(reports.map((r) => r.close)).toEqual([1012, 1013, 1014].map((code) => ({ code, reason: 'restart', wasClean: true })));
      for (const r of reports) expect(r.events).toEqual(['open', 'close']);
      recordObservation('close-1012-1014', 'the code and reason, clean');
    }
  });

  test('a close frame carrying only text (no status code): what the page sees', async () => {
    const server = await useFaultServer();
    const { page } = await useCheckedEnginePage({ browser });
    // "idle too long" as the whole payload: the first two bytes ("id") read as a code.
    const report = await rawClose(page, server, '/reason-only', () => server.sendRawClose('idle too long'));
    const asCode = 'id'.charCodeAt(0) * 256 + 'id'.charCodeAt(1); // 26980
    if (ENGINE === 'webkit') {
      expect(report).toMatchObject({ events: ['open', 'error', 'close'], close: { code: 1006, wasClean: false } });
      recordObservation('reason-only-close', 'the connection fails: `error`, then 1006');
    } else {
      expect(report.events).toEqual(['open', 'close']);
      expect(report.close).toMatchObject({ code: asCode, reason: 'le too long' });
      // Chromium calls it clean. Firefox calls it clean or unclean from run to run (the server ends
      // TCP right after its frame); unclean, the client reads `initiatedBy: 'network'`.
      if (ENGINE === 'chromium') expect(report.close!.wasClean).toBe(true);
      console.info(`[engines] ${ENGINE} reason-only close: wasClean ${String(report.close!.wasClean)}`);
      recordObservation('reason-only-close', `code ${asCode} (the first two bytes), reason "le too long", ${ENGINE === 'chromium' ? 'clean' : 'clean or unclean (varies between runs)'}`);
    }
  });

  test('an upgrade answered with HTTP 403: error, then 1006, unclean', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status: 403 });
    const { page } = await useCheckedEnginePage({ browser });
    const read = await openRawSocket(page, `${server.url}/forbidden`);
    await server.waitFor('reject', { timeout: 5000 });
    const deadline = Date.now() + 5000;
    let report = await read();
    while (!report.close && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 20));
      report = await read();
    }
    expect(report).toEqual({ events: ['error', 'close'], protocol: '', close: { code: 1006, reason: '', wasClean: false } });
    recordObservation('handshake-rejected', '`error`, then 1006, unclean (like refused or unreachable)');
  });
});
