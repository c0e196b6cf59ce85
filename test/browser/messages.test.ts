/**
 * Issue 4 in real Chromium: messages across outages. The outbox delivers what was sent while
 * disconnected in order and exactly once, drops exactly what its overflow policy says (and says
 * so), an auth close refreshes the credentials in the URL, and a server `retryAfter` hint sets
 * the delay before the next connect. The client lives in the harness page (the built library);
 * the fault server runs in Node. Needs `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import type { CloseInfo, Client, ClientOptions, ConnectionStatus, SendResult, Snapshot } from '../../src/index';
import { launchChromium, useBrowserPage, type Browser, type Page } from '../support/chromium';
import { useFaultServer } from '../support/fixtures';
import type { FaultServer, LogEntry } from '../support/fault-server.mjs';

const FAST_RETRY = { initialDelay: 50, maxDelay: 400, minUptime: 300 };
/** Page and server clocks are different processes; timers may also fire a little early. */
const TIMER_SLACK_MS = 5;

// ---------------------------------------------------------------------------------------------
// A client inside the page, recording what it reports
// ---------------------------------------------------------------------------------------------

type Rec =
  | { t: number; type: 'status'; status: ConnectionStatus; attempt: number }
  | { t: number; type: 'open'; url: string }
  | { t: number; type: 'close'; close: CloseInfo }
  | { t: number; type: 'reconnecting'; attempt: number; delay: number; close: CloseInfo | null }
  | { t: number; type: 'error'; name: string; message: string }
  | { t: number; type: 'drop'; message: string; reason: string }
  | { t: number; type: 'refresh'; close: CloseInfo };
type Of<K extends Rec['type']> = Extract<Rec, { type: K }>;
const of = <K extends Rec['type']>(log: readonly Rec[], type: K): Of<K>[] => log.filter((r): r is Of<K> => r.type === type);

interface PageWindow {
  RWS: typeof import('../../src/index');
  client?: Client<unknown, unknown>;
  log: Rec[];
  token: string;
}

type PageOptions = Omit<ClientOptions, 'url' | 'random' | 'WebSocket' | 'clock' | 'logger' | 'refresh' | 'protocols' | 'codec' | 'closePolicy' | 'messages'> & {
  url: string;
  random?: number;
  /**
   * Token auth: the URL becomes a provider returning `${url}?token=${window.token}` (starting
   * with `old-token`), and `refresh` records the close, waits 20 ms like a token endpoint round
   * trip, and sets `window.token = 'new-token'`.
   */
  tokenAuth?: boolean;
};

async function startClient(page: Page, options: PageOptions): Promise<void> {
  await page.evaluate((opts) => {
    const w = window as unknown as PageWindow;
    const log: Rec[] = (w.log = []);
    const now = () => performance.now();
    const { random, tokenAuth, url, ...rest } = opts;
    w.token = 'old-token';
    const client = w.RWS.createClient({
      ...rest,
      url: tokenAuth ? () => `${url}?token=${w.token}` : url,
      ...(tokenAuth
        ? {
            refresh: async (close: CloseInfo) => {
              log.push({ t: now(), type: 'refresh', close: { ...close } });
              await new Promise((r) => setTimeout(r, 20));
              w.token = 'new-token';
            },
          }
        : {}),
      ...(random === undefined ? {} : { random: () => random }),
    });
    w.client = client;
    client.on('status', (s) => log.push({ t: now(), type: 'status', status: s.status, attempt: s.attempt }));
    client.on('open', (e) => log.push({ t: now(), type: 'open', url: e.url }));
    client.on('close', (c) => log.push({ t: now(), type: 'close', close: { ...c } }));
    client.on('reconnecting', (e) => log.push({ t: now(), type: 'reconnecting', attempt: e.attempt, delay: e.delay, close: e.close && { ...e.close } }));
    client.on('error', (e) => log.push({ t: now(), type: 'error', name: e.name, message: e.message }));
    client.on('drop', (e) => log.push({ t: now(), type: 'drop', message: String(e.message), reason: e.reason }));
  }, options);
  onTestFinished(() => page.evaluate(() => (window as unknown as PageWindow).client?.dispose()).catch(() => undefined));
}

const readLog = (page: Page): Promise<Rec[]> => page.evaluate(() => (window as unknown as PageWindow).log);
const snapshot = (page: Page): Promise<Snapshot> =>
  page.evaluate(() => {
    const s = (window as unknown as PageWindow).client!.getSnapshot();
    return { ...s, lastError: s.lastError && ({ name: s.lastError.name, message: s.lastError.message } as never) };
  });
/** `client.send()` for each message, in one page task; returns what each call said. */
const sendAll = (page: Page, messages: string[]): Promise<SendResult[]> =>
  page.evaluate((list) => list.map((m) => (window as unknown as PageWindow).client!.send(m)), messages);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(page: Page, what: string, predicate: (log: Rec[]) => boolean, timeout = 5000): Promise<Rec[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const log = await readLog(page);
    if (predicate(log)) return log;
    if (Date.now() > deadline) {
      const dump = log.map((r) => `  ${r.t.toFixed(0).padStart(7)} ${JSON.stringify({ ...r, t: undefined })}`).join('\n');
      throw new Error(`page client: "${what}" did not happen within ${timeout} ms. Log:\n${dump}`);
    }
    await sleep(25);
  }
}

const opened = (n: number) => (log: Rec[]) => of(log, 'open').length >= n;
const connects = (server: FaultServer) => server.log.filter((e: LogEntry) => e.kind === 'connect');
const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `msg-${from + i}`);
const isNumbered = (e: LogEntry) => e.kind === 'message' && !!e.data?.startsWith('msg-');

// ---------------------------------------------------------------------------------------------

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

async function setUp(path: string, options: Partial<PageOptions> = {}) {
  const server = await useFaultServer();
  const fixture = await useBrowserPage({ browser });
  onTestFinished(() => {
    expect(fixture.pageErrors).toEqual([]);
  });
  const { page } = fixture;
  await startClient(page, { url: `${server.url}${path}`, retry: FAST_RETRY, connectTimeout: 2000, closeTimeout: 500, ...options });
  await until(page, 'open', opened(1));
  return { server, page };
}

/**
 * Takes the server down for `outageMs`, waits until the client has noticed, and sends `messages`
 * while it is down. Returns what `send()` said for each and a promise for the server being back.
 */
async function sendDuringOutage(page: Page, server: FaultServer, outageMs: number, messages: string[]) {
  const back = server.refuseFor(outageMs);
  await until(page, 'the client noticed the outage', (l) => of(l, 'close').length >= 1);
  const results = await sendAll(page, messages);
  return { results, back };
}

/** Sends a marker once open and waits for the server to get it: everything sent before it has arrived. */
async function settle(page: Page, server: FaultServer) {
  await until(page, 'reopened', opened(2), 5000);
  expect(await sendAll(page, ['marker'])).toEqual(['sent']);
  await server.waitFor((e) => e.kind === 'message' && e.data === 'marker', { timeout: 3000 });
}

describe('outbox across an outage in Chromium', () => {
  test('10 messages sent during an outage all arrive after the reconnect, in order, exactly once', async () => {
    const { server, page } = await setUp('/msg');

    const sent = numbered(1, 10);
    const { results, back } = await sendDuringOutage(page, server, 1000, sent);
    expect(results).toEqual(sent.map(() => 'queued'));
    expect((await snapshot(page)).queued).toBe(10);
    await back;

    const got = await server.waitForAll(isNumbered, 10, { timeout: 5000 });
    expect(got.map((e) => e.data)).toEqual(sent);
    await settle(page, server);
    expect(server.log.filter(isNumbered).map((e) => e.data)).toEqual(sent); // no duplicates
    expect(new Set(got.map((e) => e.id)).size).toBe(1); // all on the new connection
    expect(got[0]!.id).not.toBe(connects(server)[0]!.id);
    const log = await readLog(page);
    expect(of(log, 'drop')).toEqual([]);
    // At least one attempt ran into the refused window and failed before opening.
    expect(of(log, 'close').some((r) => r.close.category === 'connect-failed' && r.close.duringConnect)).toBe(true);
    expect(await snapshot(page)).toMatchObject({ status: 'open', queued: 0, queuedBytes: 0 });
  });

  test("an outage longer than the outbox bound (maxMessages 5, 'reject'): the sixth and later are rejected and reported; the first five arrive", async () => {
    const { server, page } = await setUp('/bounded', { outbox: { maxMessages: 5, overflow: 'reject' } });

    const { results, back } = await sendDuringOutage(page, server, 800, numbered(1, 8));
    expect(results).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', 'rejected', 'rejected', 'rejected']);
    let log = await readLog(page);
    expect(of(log, 'drop').map(({ message, reason }) => ({ message, reason }))).toEqual(
      numbered(6, 8).map((message) => ({ message, reason: 'overflow' })),
    );
    expect(await snapshot(page)).toMatchObject({ queued: 5, queuedBytes: 5 * 'msg-1'.length });
    await back;

    await settle(page, server);
    expect(server.log.filter(isNumbered).map((e) => e.data)).toEqual(numbered(1, 5));
    log = await readLog(page);
    expect(of(log, 'drop')).toHaveLength(3); // nothing else dropped on the way
    expect(await snapshot(page)).toMatchObject({ status: 'open', queued: 0, queuedBytes: 0 });
  });
});

describe('server instructions in Chromium', () => {
  test('an auth close (4401 in authCodes) calls refresh, and the next connect carries the new token', async () => {
    const { server, page } = await setUp('/auth', { tokenAuth: true, authCodes: [4401] });
    expect(connects(server)[0]!.path).toBe('/auth?token=old-token');
    const mark = server.mark();

    server.closeAll(4401, 'token expired');
    const next = await server.waitFor('connect', { since: mark, timeout: 3000 });
    expect(next.path).toBe('/auth?token=new-token');
    const log = await until(page, 'reopened', opened(2));
    const refreshes = of(log, 'refresh');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.close).toMatchObject({ code: 4401, reason: 'token expired', wasClean: true, initiatedBy: 'server', action: 'refresh' });
    expect(of(log, 'close').map((r) => r.close.action)).toEqual(['refresh']);
    const s = await snapshot(page);
    expect(s).toMatchObject({ status: 'open', lastError: null });
    expect(s.lastClose).toMatchObject({ code: 4401, action: 'refresh' });
    expect(s.url).not.toContain('new-token'); // the snapshot masks credentials
    expect(s.url).toContain('token=***');
    expect(connects(server)).toHaveLength(2);
  });

  test('a retryAfter hint with 1013 sets the delay: the next connect comes at least 500 ms later', async () => {
    // tryAgainLaterDelay 50 and random 0: without the hint the retry would come after ~50 ms.
    const { server, page } = await setUp('/hint', { retry: { ...FAST_RETRY, tryAgainLaterDelay: 50 }, random: 0 });
    const mark = server.mark();

    server.closeAll(1013, '{"retryAfter":0.5}');
    const log = await until(page, 'a retry scheduled', (l) => of(l, 'reconnecting').length >= 1);
    const r = of(log, 'reconnecting')[0]!;
    expect(r.close).toMatchObject({ code: 1013, category: 'try-again-later', retryAfter: 500, action: 'reconnect' });
    expect(r.delay).toBeGreaterThanOrEqual(500);

    const sent = await server.waitFor('close-sent', { since: mark });
    const next = await server.waitFor('connect', { since: mark, timeout: 3000 });
    const gap = next.mono - sent.mono;
    console.info(`[messages] retryAfter 0.5 s: client delay ${r.delay} ms, server saw the next connect ${gap.toFixed(0)} ms after its close`);
    expect(gap).toBeGreaterThanOrEqual(500 - TIMER_SLACK_MS);
    expect(gap).toBeLessThan(500 * 1.2 + 1500); // sanity
    await until(page, 'reopened', opened(2));
  });
});
