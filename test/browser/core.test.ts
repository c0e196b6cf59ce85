/**
 * Issue 2 in real browsers (Chromium, Firefox and WebKit: the project says which, see
 * test/support/browsers.ts): the built library (`dist/browser/resilient-ws.min.js`, loaded by the
 * harness page as `window.RWS`) against the real fault server. What the client does after each
 * kind of close and each kind of failed attempt, what the engine itself reports for them, and the
 * synchronous typed errors for bad input.
 *
 * One browser for the whole file (each test gets its own context and page). Delays are injected
 * through the options; waits are bounded; where the point is that nothing happens, a fixed window
 * several retry delays long. Timing is asserted as the delays the client reported and lower bounds
 * on what the server saw, never as an ordering of two measured gaps. Needs `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { en } from '../../src/index';
import { ENGINE, ENGINE_TITLE, launchBrowser, type EngineBrowser, type EnginePage } from '../support/browsers';
import { FAST_RETRY, connects, useFaultServer } from '../support/fixtures';
import { describeRecords, of, opened, startPageClient, statusIs, useCheckedEnginePage, type PageClientOptions } from '../support/page-client';
import { sleep } from '../support/wait';

const CHINESE_REASON = '服务端维护中,请稍后重连';
/** Longer than several retry windows at FAST_RETRY: if a reconnect were coming, it would be here. */
const NOTHING_HAPPENS_MS = 600;
/** Page and server clocks are different processes; timers may also fire a little early. */
const TIMER_SLACK_MS = 5;

const text = (key: keyof typeof en, code: number) => {
  const t = en[key];
  return typeof t === 'function' ? t({ code, attempts: 0 }) : t;
};

// ---------------------------------------------------------------------------------------------

let browser: EngineBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const openPage = () => useCheckedEnginePage({ browser });
/** A client in the page; waits in this file give up after 5 s unless a test says otherwise. */
const startClient = (page: EnginePage, options: PageClientOptions) => startPageClient(page, { waitTimeout: 5000, ...options });

async function setUp(path: string, options: Partial<PageClientOptions> = {}) {
  const server = await useFaultServer();
  const { page } = await openPage();
  const client = await startClient(page, { url: `${server.url}${path}`, retry: FAST_RETRY, connectTimeout: 2000, closeTimeout: 500, ...options });
  return { server, client };
}

describe(`server closes in ${ENGINE_TITLE}`, () => {
  test('stops after 1000 and surfaces the UTF-8 Chinese reason exactly; never reconnects', async () => {
    const { server, client } = await setUp('/core');
    await client.until('open', opened(1));

    expect(server.closeAll(1000, CHINESE_REASON)).toBe(1);
    await client.until('closed', statusIs('closed'));
    const s = await client.snapshot();
    expect(s.lastClose).toMatchObject({
      code: 1000,
      reason: CHINESE_REASON,
      wasClean: true,
      initiatedBy: 'server',
      category: 'normal',
      action: 'stop',
      duringConnect: false,
      message: text('normal', 1000),
    });
    expect(s.lastError).toBeNull();

    await sleep(NOTHING_HAPPENS_MS); // the point is that nothing happens
    const log = await client.records();
    expect(of(log, 'close').map((r) => r.close.reason)).toEqual([CHINESE_REASON]);
    expect(of(log, 'reconnecting')).toEqual([]);
    expect((await client.sockets()).length).toBe(1);
    expect(connects(server)).toHaveLength(1);
    expect((await client.snapshot()).status).toBe('closed');
    // The server saw its own close answered with the same code.
    expect(server.log.find((e) => e.kind === 'close')).toMatchObject({ code: 1000 });
  });

  test('reconnects after the TCP connection is killed (1006, initiated by the network)', async () => {
    const { server, client } = await setUp('/core');
    await client.until('open', opened(1));
    const mark = server.mark();

    expect(server.killAll()).toBe(1);
    let log = await client.until('close', (l) => of(l, 'close').length === 1);
    expect(of(log, 'close')[0]!.close).toMatchObject({
      code: 1006,
      wasClean: false,
      initiatedBy: 'network',
      category: 'network',
      action: 'reconnect',
      duringConnect: false,
      message: `${text('network', 1006)} ${text('action-reconnect', 1006)}`,
    });

    const next = await server.waitFor('connect', { since: mark, timeout: 3000 });
    log = await client.until('reopened', opened(2));
    expect(next.id).not.toBe(connects(server)[0]!.id);
    expect(of(log, 'reconnecting').map((r) => r.attempt)).toEqual([1]);
    expect(of(log, 'status').map((r) => r.status), describeRecords(log)).toEqual(['connecting', 'open', 'reconnecting', 'connecting', 'open']);
    expect(connects(server)).toHaveLength(2);
  });

  test('1012 and 1013 from the server: a restart spread and a try-again-later wait (WebKit: a lost connection)', async () => {
    const retry = { ...FAST_RETRY, restartDelay: 800, tryAgainLaterDelay: 600 };
    const seen: string[] = [];
    for (const [code, category, delay] of [
      [1012, 'service-restart', Math.floor(0.5 * retry.restartDelay)],
      [1013, 'try-again-later', retry.tryAgainLaterDelay + Math.floor(0.5 * FAST_RETRY.initialDelay)],
    ] as const) {
      const { server, client } = await setUp(`/code-${code}`, { retry, random: 0.5 });
      await client.until('open', opened(1));
      server.closeAll(code, 'maintenance');
      const log = await client.until('a retry scheduled', (l) => of(l, 'reconnecting').length >= 1);
      const [r] = of(log, 'reconnecting');
      if (ENGINE === 'webkit') {
        // WebKit rejects 1012–1014 as close codes (engines.test.ts): the page gets error, then
        // 1006 with no reason, so the client can only see a lost connection and retries after its
        // ordinary backoff. Servers that must be understood in WebKit send a notice before closing.
        expect(r!.close).toMatchObject({ code: 1006, reason: '', wasClean: false, initiatedBy: 'network', category: 'network', action: 'reconnect' });
        expect(r!.close!.message).toBe(`${text('network', 1006)} ${text('action-reconnect', 1006)}`);
        expect(r!.delay).toBe(Math.floor(0.5 * FAST_RETRY.initialDelay));
        seen.push(`${code}: lost connection (1006), ordinary backoff`);
      } else {
        expect(r!.close).toMatchObject({ code, reason: 'maintenance', wasClean: true, initiatedBy: 'server', category, action: 'reconnect' });
        expect(r!.delay).toBe(delay);
        seen.push(`${code}: ${category}, waited ${r!.delay} ms`);
      }
      await client.until('reopened', opened(2), 5000);
    }
    console.info(`[core] ${ENGINE}: ${seen.join('; ')}`);
  });

  test('a close frame with only a text payload (no code): what the client makes of it', async () => {
    const { server, client } = await setUp('/reason-only');
    await client.until('open', opened(1));
    server.sendRawClose('idle too long');
    const log = await client.until('a retry scheduled', (l) => of(l, 'reconnecting').length >= 1);
    const close = of(log, 'close')[0]!.close;
    if (ENGINE === 'webkit') {
      // WebKit fails the connection: a lost connection.
      expect(close).toMatchObject({ code: 1006, wasClean: false, initiatedBy: 'network', category: 'network', action: 'reconnect' });
    } else {
      // Chromium and Firefox read the first two bytes ("id") as code 26980; the client rebuilds
      // the text and reports a malformed server close (code 1005: no status code was sent).
      // Chromium calls the close clean; Firefox clean or unclean from run to run.
      expect(close).toMatchObject({ code: 1005, reason: 'idle too long', category: 'malformed-close', action: 'reconnect', initiatedBy: 'server', via: 'rebuilt' });
      expect(close.reported).toMatchObject({ code: 26980, reason: 'le too long' });
      expect(close.message).not.toContain('26980');
      if (ENGINE === 'chromium') expect(close.wasClean).toBe(true);
    }
    await client.until('reopened', opened(2), 5000);
  });

  test('stops after 1008 and surfaces the policy message, not the raw reason', async () => {
    const { server, client } = await setUp('/core');
    await client.until('open', opened(1));

    server.closeAll(1008, 'internal: banned by rule 42');
    const log = await client.until('closed', statusIs('closed'));
    const s = await client.snapshot();
    expect(s.lastClose).toMatchObject({
      code: 1008,
      reason: 'internal: banned by rule 42',
      wasClean: true,
      initiatedBy: 'server',
      category: 'policy-violation',
      action: 'stop',
      message: text('policy-violation', 1008),
    });
    expect(s.lastClose!.message).not.toContain('banned');
    expect(s.lastError).toMatchObject({ name: 'FatalCloseError' });
    expect(of(log, 'error').map((e) => e.name)).toEqual(['FatalCloseError']);

    await sleep(NOTHING_HAPPENS_MS); // the point is that nothing happens
    expect(of(await client.records(), 'reconnecting')).toEqual([]);
    expect(connects(server)).toHaveLength(1);
  });
});

describe(`failed attempts in ${ENGINE_TITLE}`, () => {
  test('HTTP 403 on upgrade: the browser reports error + 1006 before open; a failed attempt retried with growing backoff', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status: 403 });
    const { page } = await openPage();
    const client = await startClient(page, { url: `${server.url}/forbidden`, retry: FAST_RETRY, connectTimeout: 2000, random: 0.999 });

    const log = await client.until('four retries', (l) => of(l, 'reconnecting').length >= 4);
    const first = of(log, 'close')[0]!.close;
    expect(first).toMatchObject({
      code: 1006,
      wasClean: false,
      initiatedBy: 'network',
      category: 'connect-failed',
      action: 'reconnect',
      duringConnect: true,
      message: `${text('connect-failed', 1006)} ${text('action-reconnect', 1006)}`,
    });
    expect(of(log, 'open')).toEqual([]);
    expect(of(log, 'error')[0]).toMatchObject({ name: 'ConnectionError' });

    // random 0.999: each delay is ~the whole window, 50 → 100 → 200 → 400 ms.
    const retries = of(log, 'reconnecting').slice(0, 4);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    expect(retries.every((r) => r.close?.category === 'connect-failed' && r.close.duringConnect)).toBe(true);
    const delays = retries.map((r) => r.delay);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    // What the client scheduled (exact up to the whole-ms rounding): ~the whole window each time.
    delays.forEach((d, i) => expect(d).toBeGreaterThanOrEqual(Math.floor(0.999 * FAST_RETRY.initialDelay * 2 ** i) - 1));
    delays.forEach((d, i) => expect(d).toBeLessThanOrEqual(FAST_RETRY.initialDelay * 2 ** i));

    // On the server: the rejected upgrades are spaced by at least the announced delays.
    const rejects = await server.waitForAll('reject', 5, { timeout: 3000 });
    expect(rejects.map((e) => e.status)).toEqual([403, 403, 403, 403, 403]);
    const gaps = rejects.slice(1).map((e, i) => e.mono - rejects[i]!.mono);
    // Only lower bounds: how much later than scheduled an attempt lands measures the machine.
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(delays[i]! - TIMER_SLACK_MS));
    console.info(`[core] ${ENGINE} 403 retries: delays ${delays.map((d) => d.toFixed(0)).join(', ')} ms; server gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`);

    server.setHandshakeMode('accept');
    await client.until('open after the server accepts', opened(1), 3000);
    const s = await client.snapshot();
    expect(s.status).toBe('open');
    expect(s.lastError).toBeNull();
    expect(connects(server)).toHaveLength(1);
  });

  test('a crash loop (accept, then drop) backs off further each time', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('crash');
    const { page } = await openPage();
    // random 0.999: 50 → 100 → 200 → 400 ms.
    const client = await startClient(page, { url: `${server.url}/crash`, retry: FAST_RETRY, connectTimeout: 2000, random: 0.999 });

    const entries = await server.waitForAll('connect', 5, { timeout: 5000 });
    const log = await client.until('four retries', (l) => of(l, 'reconnecting').length >= 4);
    const retries = of(log, 'reconnecting').slice(0, 4);
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    const delays = retries.map((r) => r.delay);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    expect(delays.at(-1)!).toBeLessThanOrEqual(FAST_RETRY.maxDelay);

    const gaps = entries.slice(1).map((e, i) => e.mono - entries[i]!.mono);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(delays[i]! - TIMER_SLACK_MS));
    const closes = of(log, 'close').map((r) => r.close);
    console.info(
      `[core] crash loop: delays ${delays.map((d) => d.toFixed(0)).join(', ')} ms; server gaps ${gaps.map((g) => g.toFixed(0)).join(', ')} ms; ` +
        `${ENGINE_TITLE} reported ${closes.map((c) => `${c.code}/${c.category}/duringConnect=${c.duringConnect}`).join(', ')}`,
    );
    expect(closes.every((c) => c.action === 'reconnect' && c.code === 1006)).toBe(true);
    expect((await client.snapshot()).attempt).toBeGreaterThanOrEqual(4);
  });
});

describe('input handling in the page', () => {
  test('bad input throws typed errors synchronously, before any socket exists', async () => {
    const { page } = await openPage();
    const results = await page.evaluate(() => {
      const { RWS } = window as unknown as { RWS: typeof import('../../src/index') };
      let constructed = 0;
      class CountingWebSocket extends WebSocket {
        constructor(url: string | URL, protocols?: string | string[]) {
          constructed++;
          super(url, protocols);
        }
      }
      const attempt = (fn: () => unknown) => {
        try {
          fn();
          return { threw: false };
        } catch (e) {
          return {
            threw: true,
            name: (e as Error).name,
            message: (e as Error).message,
            isError: e instanceof Error,
            guard: RWS.isResilientWsError(e, (e as Error).name as never),
          };
        }
      };
      const base = { WebSocket: CountingWebSocket, autoConnect: false };
      const client = RWS.createClient({ url: 'ws://127.0.0.1:9/typed', ...base });
      const out = {
        close1001: attempt(() => client.close(1001)),
        close2000: attempt(() => client.close(2000)),
        longReason: attempt(() => client.close(1000, '断'.repeat(42))), // 126 UTF-8 bytes
        fragment: attempt(() => RWS.createClient({ url: 'ws://127.0.0.1:9/typed#frag', WebSocket: CountingWebSocket })),
        scheme: attempt(() => RWS.createClient({ url: 'ftp://127.0.0.1:9/typed', WebSocket: CountingWebSocket })),
        protocol: attempt(() => RWS.createClient({ url: 'ws://127.0.0.1:9/typed', protocols: ['bad token'], ...base })),
        option: attempt(() => RWS.createClient({ url: 'ws://127.0.0.1:9/typed', retry: { initialDelay: -1 }, ...base })),
        afterDispose: undefined as unknown,
        status: client.getSnapshot().status,
        constructed: 0,
      };
      client.dispose();
      out.afterDispose = attempt(() => client.send('x'));
      out.constructed = constructed;
      return out;
    });

    expect(results.close1001).toMatchObject({ threw: true, name: 'InvalidCloseCodeError', isError: true, guard: true });
    expect(results.close1001).toMatchObject({ message: expect.stringContaining('1000 or 3000–4999') });
    expect(results.close2000).toMatchObject({ threw: true, name: 'InvalidCloseCodeError' });
    expect(results.longReason).toMatchObject({ threw: true, name: 'InvalidCloseReasonError', guard: true });
    expect(results.fragment).toMatchObject({ threw: true, name: 'InvalidUrlError', isError: true, guard: true });
    expect(results.fragment).toMatchObject({ message: expect.stringContaining('fragment') });
    expect(results.scheme).toMatchObject({ threw: true, name: 'InvalidUrlError' });
    expect(results.protocol).toMatchObject({ threw: true, name: 'InvalidProtocolError' });
    expect(results.option).toMatchObject({ threw: true, name: 'InvalidOptionError' });
    expect(results.afterDispose).toMatchObject({ threw: true, name: 'DisposedError' });
    expect(results.status).toBe('idle'); // a rejected close() changed nothing
    expect(results.constructed).toBe(0);
  });

  test('a relative URL resolves against the page origin as ws:, and is what connect() opens', async () => {
    const { page, origin } = await openPage();
    const wsOrigin = origin.replace(/^http:/, 'ws:');
    // The static server is not a WebSocket server: the attempt fails; what matters is the URL.
    const client = await startClient(page, { url: '/ws?room=1', autoConnect: false, retry: { initialDelay: 5000 } });
    expect((await client.snapshot()).status).toBe('idle');
    expect(await client.sockets()).toEqual([]);

    await client.connect();
    expect(await client.sockets()).toEqual([`${wsOrigin}/ws?room=1`]);
    expect((await client.snapshot()).url).toBe(`${wsOrigin}/ws?room=***`);
    await client.until('the attempt failed (no WebSocket server there)', (l) => of(l, 'close').length === 1);
  });

  test('an http: URL is opened as ws: against the real server', async () => {
    const server = await useFaultServer();
    const { page } = await openPage();
    const client = await startClient(page, { url: `${server.httpUrl}/via-http?x=1`, retry: FAST_RETRY });
    await client.until('open', opened(1));
    expect(await client.sockets()).toEqual([`${server.url}/via-http?x=1`]);
    expect(connects(server).map((e) => e.path)).toEqual(['/via-http?x=1']);
    expect((await client.snapshot()).url).toBe(`${server.url}/via-http?x=***`);
  });
});
