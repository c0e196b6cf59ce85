/**
 * Issue 3 in real Chromium: the heartbeat finds connections that are open but dead, keeps its
 * own traffic out of the message stream and measures RTT; and the browser lifecycle — offline and
 * online (Playwright's `context.setOffline`), Page Lifecycle freeze/resume (CDP), and a
 * back/forward navigation (pagehide/pageshow) — ends with a live connection and nothing shown to
 * the user as an error.
 *
 * Where promptness is the point, the client's backoff is ~10 s (`initialDelay` 10 000 with a
 * jitter draw of 0.999): a reconnect within a couple of seconds can only come from the lifecycle
 * handler, never from the retry timer. Needs `npm run build` first.
 */
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import type { CloseInfo, Client } from '../../src/index';
import { REPO_ROOT, freezePage, launchChromium, resumePage, type Browser, type Page } from '../support/chromium';
import { FAST_RETRY, connects, useFaultServer } from '../support/fixtures';
import { describeRecords, of, opened, startPageClient, statusIs, useCheckedPage, type PageClientOptions, type Rec } from '../support/page-client';
import { sleep } from '../support/wait';

/** ~10 s before any retry: only a lifecycle handler can reconnect sooner. */
const SLOW_RETRY = { initialDelay: 10_000, maxDelay: 10_000, minUptime: 300 };
const SLOW_RANDOM = 0.999;
/** A reconnect this soon after the signal cannot have come from the ~10 s backoff. */
const PROMPT_MS = 3000;
/** Slack on top of the heartbeat's own budget for a loaded 2-core machine. */
const DETECTION_SLACK_MS = 1500;

/**
 * A client in the page that also records the browser signals it hears; waits in this file give
 * up after 5 s unless a test says otherwise.
 */
const startClient = (page: Page, options: PageClientOptions) => startPageClient(page, { waitTimeout: 5000, recordSignals: true, ...options });
const signalAt = (log: readonly Rec[], name: string) => of(log, 'signal').find((r) => r.signal === name);

/**
 * For the lifecycle tests: a client whose backoff is ~10 s, its heartbeat allowing `grace` ms, open and
 * stable (the attempt counter is back to 0).
 */
async function startStableClient(page: Page, url: string, { grace }: { grace: number }) {
  const client = await startClient(page, {
    url,
    retry: SLOW_RETRY,
    random: SLOW_RANDOM,
    heartbeat: { interval: 1000, timeout: 1000, grace },
    closeTimeout: 500,
  });
  await client.until('open', opened(1));
  await sleep(SLOW_RETRY.minUptime + 100); // stable: the attempt counter is back to 0
  return client;
}

// ---------------------------------------------------------------------------------------------

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** A page of the shared browser, or of a freezable one. */
const openPage = ({ freezable = false } = {}) => useCheckedPage(freezable ? { freezable } : { browser });

describe('heartbeat in Chromium', () => {
  test('a black-holed connection is detected within interval + timeout and replaced', async () => {
    const server = await useFaultServer();
    const { page } = await openPage();
    const heartbeat = { interval: 300, timeout: 300 };
    const client = await startClient(page, { url: `${server.url}/live`, heartbeat, retry: FAST_RETRY, closeTimeout: 500 });
    await client.until('a heartbeat round trip', (l) => of(l, 'rtt').length >= 1);
    const mark = server.mark();

    const t0 = performance.now();
    expect(server.blackholeAll()).toBe(1);
    const log = await client.until('the dead connection closed', (l) => of(l, 'close').length >= 1, heartbeat.interval + heartbeat.timeout + DETECTION_SLACK_MS + 2000);
    const detected = performance.now() - t0;
    const next = await server.waitFor('connect', { since: mark, timeout: 3000 });
    const replaced = next.mono - t0;
    console.info(
      `[liveness] black-holed connection detected after ~${detected.toFixed(0)} ms (measured from Node, includes polling), ` +
        `new connection after ${replaced.toFixed(0)} ms (interval ${heartbeat.interval} + timeout ${heartbeat.timeout} ms)`,
    );

    expect(of(log, 'close')[0]!.close).toMatchObject({
      wasClean: false,
      initiatedBy: 'heartbeat',
      category: 'heartbeat-timeout',
      action: 'reconnect',
      duringConnect: false,
    });
    expect(of(log, 'error').map((e) => e.name)).toContain('HeartbeatTimeoutError');
    // Budget: up to `interval` idle before the ping, `timeout` for its pong, then a retry (< 50 ms).
    expect(replaced).toBeLessThan(heartbeat.interval + heartbeat.timeout + FAST_RETRY.initialDelay + DETECTION_SLACK_MS);
    expect(next.id).not.toBe(connects(server)[0]!.id);

    await client.until('reopened', opened(2));
    const s = await client.snapshot();
    expect(s.status).toBe('open');
    expect(s.lastClose).toMatchObject({ initiatedBy: 'heartbeat' });
    expect(s.lastError).toBeNull();
  });

  test('pongs stay out of the message stream; RTT is measured and plausible', async () => {
    const server = await useFaultServer();
    const { page } = await openPage();
    const client = await startClient(page, { url: `${server.url}/rtt`, heartbeat: { interval: 100, timeout: 1000 }, retry: FAST_RETRY });
    await client.until('open', opened(1));

    await client.send('hello');
    await client.until('three heartbeat round trips', (l) => of(l, 'rtt').length >= 3);
    await client.send('after');
    const log = await client.until('the echo of "after"', (l) => of(l, 'message').some((m) => m.data === 'after'));

    expect(of(log, 'message').map((m) => m.data)).toEqual(['hello', 'after']);
    expect(server.log.filter((e) => e.kind === 'message' && e.data === 'ping').length).toBeGreaterThanOrEqual(3);
    expect(server.log.filter((e) => e.kind === 'send' && e.data === 'pong').length).toBeGreaterThanOrEqual(3);
    const rtts = of(log, 'rtt');
    for (const r of rtts) {
      expect(r.rtt).toBeGreaterThanOrEqual(0);
      expect(r.rtt).toBeLessThan(1000);
    }
    expect(rtts[0]!.smoothedRtt).toBe(rtts[0]!.rtt); // the first sample seeds the average
    const s = await client.snapshot();
    expect(s.rtt).not.toBeNull();
    expect(s.smoothedRtt).not.toBeNull();
    expect(s.smoothedRtt!).toBeGreaterThanOrEqual(0);
    expect(s.smoothedRtt!).toBeLessThan(1000);
    expect(connects(server)).toHaveLength(1);
    console.info(`[liveness] Chromium heartbeat RTTs: ${rtts.map((r) => r.rtt.toFixed(1)).join(', ')} ms`);
  });

  test('server-driven pings are answered and swallowed; silence from the server is detected', async () => {
    const server = await useFaultServer({ serverPing: { interval: 100 }, echo: false });
    const { page } = await openPage();
    const timeout = 1000;
    const client = await startClient(page, { url: `${server.url}/server-ping`, heartbeat: { mode: 'server', timeout }, retry: FAST_RETRY });
    await client.until('open', opened(1));

    // Fifteen answered pings span ~1.5 s, longer than `timeout`: only the pings keep it open.
    const pongs = await server.waitForAll((e) => e.kind === 'message' && e.data === 'pong', 15, { timeout: 6000 });
    let log = await client.records();
    expect(new Set(pongs.map((p) => p.id)), describeRecords(log)).toEqual(new Set([connects(server)[0]!.id]));
    expect(of(log, 'message')).toEqual([]); // pings are heartbeat traffic, not messages
    expect(of(log, 'close')).toEqual([]);
    expect((await client.snapshot()).status).toBe('open');

    const mark = server.mark();
    const t0 = performance.now();
    server.setServerPing(null);
    log = await client.until('the silent connection closed', (l) => of(l, 'close').length >= 1, timeout + DETECTION_SLACK_MS + 2000);
    console.info(`[liveness] server-ping silence detected ~${(performance.now() - t0).toFixed(0)} ms after the pings stopped (timeout ${timeout} ms)`);
    expect(of(log, 'close')[0]!.close).toMatchObject({ initiatedBy: 'heartbeat', category: 'heartbeat-timeout', action: 'reconnect' });
    await server.waitFor('connect', { since: mark, timeout: 3000 });
  });
});

describe('browser lifecycle in Chromium', () => {
  test('offline: no attempts while offline, even after the connection is lost; reconnects right after online', async () => {
    const server = await useFaultServer();
    const { page, context } = await openPage();
    const client = await startStableClient(page, `${server.url}/offline`, { grace: 500 });

    // In this Chromium, setOffline also makes new WebSockets to 127.0.0.1 fail without reaching
    // the server (and stalls open ones; see harness.test.ts), so the server log alone cannot show
    // that the client held back: the page counts every WebSocket the client constructs.
    await context.setOffline(true);
    await client.until('offline signal', (l) => !!signalAt(l, 'offline'));
    expect((await client.snapshot()).online).toBe(false);

    // The server drops the connection while the browser is offline.
    expect(server.killAll()).toBe(1);
    let log = await client.until('status offline', statusIs('offline'), 5000);
    const lost = of(log, 'close')[0]!.close;
    console.info(`[liveness] connection lost while offline: ${JSON.stringify({ code: lost.code, initiatedBy: lost.initiatedBy, category: lost.category })}`);
    expect(lost.action).toBe('reconnect');
    const socketsWhenOffline = (await client.sockets()).length;
    const connectsWhenOffline = connects(server).length;

    await sleep(1500); // the point is that nothing happens
    log = await client.records();
    const offlineAt = of(log, 'status').findIndex((r) => r.status === 'offline');
    expect(of(log, 'status').slice(offlineAt).map((r) => r.status)).toEqual(['offline']);
    expect(of(log, 'reconnecting')).toEqual([]);
    expect((await client.sockets()).length).toBe(socketsWhenOffline);
    expect(connects(server)).toHaveLength(connectsWhenOffline);
    const s = await client.snapshot();
    expect(s).toMatchObject({ status: 'offline', online: false, nextRetryAt: null });

    await context.setOffline(false);
    log = await client.until('reopened after online', opened(2), PROMPT_MS + 2000);
    const online = signalAt(log, 'online')!;
    const reopen = of(log, 'open')[1]!;
    console.info(`[liveness] reconnected ${(reopen.t - online.t).toFixed(0)} ms after the online event`);
    expect(reopen.t - online.t).toBeLessThan(PROMPT_MS);
    expect((await client.snapshot())).toMatchObject({ status: 'open', online: true, lastError: null });
    expect(connects(server)).toHaveLength(2);
  });

  test('freeze: a connection killed while the page is frozen is replaced promptly after resume (page still hidden)', async () => {
    const server = await useFaultServer();
    const { page, cdp } = await openPage({ freezable: true });
    const client = await startStableClient(page, `${server.url}/freeze`, { grace: 1000 });
    const session = await cdp();
    const mark = server.mark();

    // No page.evaluate while frozen: nothing runs in the page, the call would hang until resume.
    await freezePage(session);
    await sleep(300); // the freeze takes effect asynchronously
    expect(server.killAll()).toBe(1);
    await sleep(500);
    // Resumed but still hidden (a background tab): no visibilitychange to 'visible', so only the
    // `resume` handler can make the reconnect prompt.
    await resumePage(session, { visible: false });

    const log = await client.until('reopened after resume', opened(2), PROMPT_MS + 1000).catch(async (err: Error) => {
      const s = await client.snapshot();
      throw new Error(`${err.message}\nsnapshot: status ${s.status}, retryDelay ${String(s.retryDelay)} ms, lastClose ${JSON.stringify(s.lastClose)}`);
    });
    const resume = signalAt(log, 'resume')!;
    const freeze = signalAt(log, 'freeze')!;
    const reopen = of(log, 'open')[1]!;
    console.info(`[liveness] freeze (resumed hidden): reconnected ${(reopen.t - resume.t).toFixed(0)} ms after resume`);
    expect(freeze.t).toBeLessThan(resume.t);
    expect(log.filter((r) => r.type !== 'signal' && r.t > freeze.t && r.t < resume.t)).toEqual([]); // nothing ran while frozen
    expect(signalAt(log, 'visibilitychange')?.visibility).toBe('hidden');
    expect(log.filter((r) => r.type === 'signal' && r.signal === 'visibilitychange' && r.visibility === 'visible')).toEqual([]);
    expect(reopen.t - resume.t, describeRecords(log)).toBeLessThan(PROMPT_MS);
    await server.waitFor('connect', { since: mark, timeout: 1000 });
    expect((await client.snapshot()).status).toBe('open');
  });

  test('freeze: the socket Chromium drops at resume is replaced promptly when the page is visible again', async () => {
    const server = await useFaultServer();
    const { page, cdp } = await openPage({ freezable: true });
    const client = await startStableClient(page, `${server.url}/freeze-visible`, { grace: 1000 });
    const session = await cdp();
    const mark = server.mark();

    await freezePage(session);
    await sleep(500);
    expect(server.connectionCount()).toBe(1); // the freeze itself keeps the TCP connection
    await resumePage(session); // and visible again, as when the user comes back to the tab

    const log = await client.until('reopened after resume', opened(2), PROMPT_MS + 1000);
    const resume = signalAt(log, 'resume')!;
    const reopen = of(log, 'open')[1]!;
    const closes = of(log, 'close').map((r) => r.close);
    // Chromium closes the old socket on resume (the server sees 1001).
    const serverClose = await server.waitFor((e) => e.kind === 'close' && e.id === connects(server)[0]!.id, { timeout: 2000 });
    console.info(
      `[liveness] freeze (resumed visible): server saw ${String(serverClose.code)}; client saw ` +
        `${JSON.stringify(closes.map((c) => ({ code: c.code, initiatedBy: c.initiatedBy, category: c.category })))}; ` +
        `reconnected ${(reopen.t - resume.t).toFixed(0)} ms after resume`,
    );
    expect(reopen.t - resume.t, describeRecords(log)).toBeLessThan(PROMPT_MS);
    expect(closes.every((c) => c.action === 'reconnect')).toBe(true);
    await server.waitFor('connect', { since: mark, timeout: 1000 });
    const s = await client.snapshot();
    expect(s).toMatchObject({ status: 'open', lastError: null });
  });
});

// ---------------------------------------------------------------------------------------------
// Back/forward navigation: test/browser/pages/lifecycle.html creates its own client on load
// ---------------------------------------------------------------------------------------------

interface LifecycleWindow {
  client: Client<unknown, unknown>;
  __lifecycle: {
    log: ({ t: number; type: string } & Record<string, unknown>)[];
    transitions: ({ t: number; type: string; wall: number } & Record<string, unknown>)[];
    navigationType: string;
    loadedAt: number;
  };
}

const LIFECYCLE_PAGE = '/test/browser/pages/lifecycle.html';

/**
 * The harness's static server sends `Cache-Control: no-store`, which by itself keeps Chromium
 * from putting a page that used a WebSocket into the back/forward cache
 * (`MainResourceHasCacheControlNoStore`, `WebSocketUsedWithCCNS`). This one serves the few files
 * the round trip needs with ordinary caching headers, so Chromium is free to use the cache.
 */
async function startCacheableServer(): Promise<string> {
  const types: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };
  const allowed = ['/test/browser/pages/', '/test/browser/raw.', '/dist/browser/'];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const type = types[extname(path)];
    if (!type || path.includes('..') || !allowed.some((a) => path.startsWith(a))) {
      res.writeHead(404, { 'Content-Length': 0 }).end();
      return;
    }
    readFile(join(REPO_ROOT, ...path.split('/'))).then(
      (body) => res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length }).end(body),
      () => res.writeHead(404, { 'Content-Length': 0 }).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function waitOpen(page: Page) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const status = await page.evaluate(() => (window as unknown as Partial<LifecycleWindow>).client?.getSnapshot().status);
    if (status === 'open') return;
    if (Date.now() > deadline) throw new Error(`lifecycle page not open within 5 s (status ${String(status)})`);
    await sleep(25);
  }
}

/**
 * Open the lifecycle page, navigate away and back. Detects whether Chromium restored the page
 * from the back/forward cache (same document, `pageshow.persisted`) or loaded it anew, and
 * asserts what the client must do in each case.
 */
async function backForwardRoundTrip(freezable: boolean) {
  const server = await useFaultServer();
  const origin = await startCacheableServer();
  const { page, cdp } = await openPage({ freezable });
  const session = await cdp();
  const notUsed: string[][] = [];
  session.on('Page.backForwardCacheNotUsed', (e) => notUsed.push(e.notRestoredExplanations.map((x) => x.reason)));
  await session.send('Page.enable');

  const lc = () => page.evaluate(() => (window as unknown as LifecycleWindow).__lifecycle);
  await page.goto(`${origin}${LIFECYCLE_PAGE}?ws=${encodeURIComponent(`${server.url}/bfcache`)}`, { waitUntil: 'load' });
  await waitOpen(page);
  const before = await lc();
  const mark = server.mark();

  await page.goto(`${origin}/test/browser/raw.html`, { waitUntil: 'load' });
  // pagehide closed the socket cleanly, before the page went away.
  const serverClose = await server.waitFor('close', { since: mark, timeout: 3000 });
  expect(serverClose).toMatchObject({ code: 1000, id: connects(server)[0]!.id });

  // A page restored from the cache fires pageshow, not load.
  await page.goBack({ waitUntil: 'commit' });
  await waitOpen(page);
  const after = await lc();
  const restored = after.loadedAt === before.loadedAt;
  const persisted = after.log.filter((r) => r.type === 'pageshow').some((r) => r.persisted === true);
  console.info(
    `[liveness] back/forward (${freezable ? 'Chromium without --disable-back-forward-cache' : 'Playwright-launched Chromium'}): ` +
      `navigation type ${after.navigationType}, ${restored ? 'restored from bfcache' : 'loaded anew'}, pageshow persisted=${persisted}; ` +
      `server saw close ${String(serverClose.code)} "${String(serverClose.reason)}"; not-restored reasons: ${JSON.stringify(notUsed)}; ` +
      `transitions: ${JSON.stringify(after.transitions.map((r) => (r.type === 'close' ? `close:${(r.close as CloseInfo).category}` : `${r.type}:${String(r.persisted)}`)))}`,
  );

  // The library's own socket never keeps the page out of the cache: it is closed at pagehide.
  expect(notUsed.flat().filter((reason) => /websocket/i.test(reason))).toEqual([]);
  if (restored) {
    // The same document and client: pagehide suspended it quietly, pageshow reconnected at once.
    expect(persisted).toBe(true);
    const hidden = after.log.find((r) => r.type === 'pagehide')!;
    expect(hidden.persisted).toBe(true);
    const suspendedClose = after.log.find((r) => r.type === 'close')!.close as CloseInfo;
    expect(suspendedClose).toMatchObject({ initiatedBy: 'browser', category: 'suspended', action: 'reconnect' });
    expect(after.log.filter((r) => r.type === 'status').map((r) => r.status)).toEqual(['connecting', 'open', 'suspended', 'connecting', 'open']);
    const show = after.log.find((r) => r.type === 'pageshow' && r.persisted === true)!;
    const reopen = after.log.filter((r) => r.type === 'open')[1]!;
    expect(Math.abs(reopen.t - show.t)).toBeLessThan(PROMPT_MS);
    expect(after.log.filter((r) => r.type === 'reconnecting')).toEqual([]);
  } else {
    // A new document with a new client; the old one closed cleanly at pagehide.
    expect(after.navigationType).toBe('back_forward');
    expect(after.log.filter((r) => r.type === 'pageshow').map((r) => r.persisted)).toEqual([false]);
    expect(after.transitions.filter((r) => r.type === 'close').map((r) => (r.close as CloseInfo).category)).toEqual(['suspended']);
  }
  expect(after.log.filter((r) => r.type === 'error')).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as LifecycleWindow).client.getSnapshot().lastError)).toBeNull();
  expect(await page.locator('#status').textContent()).toBe('open');
  expect(connects(server)).toHaveLength(2);
  return { restored };
}

describe('back/forward navigation in Chromium', () => {
  test('a back/forward round trip closes cleanly at pagehide and ends with a live connection (bfcache available)', async () => {
    await backForwardRoundTrip(true);
  });

  test('a back/forward round trip closes cleanly at pagehide and ends with a live connection (bfcache disabled: reload)', async () => {
    const { restored } = await backForwardRoundTrip(false);
    expect(restored).toBe(false); // Playwright launches Chromium with --disable-back-forward-cache
  });
});
