/**
 * Issue 4 in real browsers (the engine of the project: test/support/browsers.ts): messages across outages. The outbox delivers what was sent while
 * disconnected in order and exactly once, drops exactly what its overflow policy says (and says
 * so), an auth close refreshes the credentials in the URL, and a server `retryAfter` hint sets
 * the delay before the next connect. The client lives in the harness page (the built library);
 * the fault server runs in Node. Needs `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ENGINE, ENGINE_TITLE, launchBrowser, type EngineBrowser } from '../support/browsers';
import { FAST_RETRY, connects, useFaultServer, type FaultServer, type LogEntry } from '../support/fixtures';
import { of, opened, startPageClient, useCheckedEnginePage, type PageClient, type PageClientOptions } from '../support/page-client';

/** Page and server clocks are different processes; timers may also fire a little early. */
const TIMER_SLACK_MS = 5;

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `msg-${from + i}`);
const isNumbered = (e: LogEntry) => e.kind === 'message' && !!e.data?.startsWith('msg-');

// ---------------------------------------------------------------------------------------------

let browser: EngineBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * A client in a page of the shared browser, open; waits in this file give up after 5 s unless a
 * test says otherwise.
 */
async function setUp(path: string, options: Partial<PageClientOptions> = {}) {
  const server = await useFaultServer();
  const { page } = await useCheckedEnginePage({ browser });
  const client = await startPageClient(page, { url: `${server.url}${path}`, retry: FAST_RETRY, connectTimeout: 2000, closeTimeout: 500, waitTimeout: 5000, ...options });
  await client.until('open', opened(1));
  return { server, client };
}

/**
 * Takes the server down for `outageMs`, waits until the client has noticed, and sends `messages`
 * while it is down. Returns what `send()` said for each and a promise for the server being back.
 */
async function sendDuringOutage(client: PageClient, server: FaultServer, outageMs: number, messages: string[]) {
  const back = server.refuseFor(outageMs);
  await client.until('the client noticed the outage', (l) => of(l, 'close').length >= 1);
  const results = await client.sendAll(messages);
  return { results, back };
}

/** Sends a marker once open and waits for the server to get it: everything sent before it has arrived. */
async function settle(client: PageClient, server: FaultServer) {
  await client.until('reopened', opened(2), 5000);
  expect(await client.sendAll(['marker'])).toEqual(['sent']);
  await server.waitFor((e) => e.kind === 'message' && e.data === 'marker', { timeout: 3000 });
}

describe(`outbox across an outage in ${ENGINE_TITLE}`, () => {
  test('10 messages sent during an outage all arrive after the reconnect, in order, exactly once', async () => {
    // Retries at most 2 s apart (not FAST_RETRY's 400 ms): Chromium delays every new WebSocket of
    // a page by rand(1–5 s) × 2^(pending + failed ÷ (succeeded + 1)) ÷ 65 536 (network service,
    // WebSocketPerProcessThrottler), so ~30 refused attempts in 10 s push each later attempt past
    // the 2 s connect timeout, and every timed-out attempt counts as one more failure.
    const { server, client } = await setUp('/msg', { retry: { ...FAST_RETRY, maxDelay: 2000 } });

    // A 10 s outage, one message about every 900 ms while the server is down.
    const sent = numbered(1, 10);
    const { results, back } = await sendDuringOutage(client, server, 10_000, sent.slice(0, 1));
    for (const m of sent.slice(1)) {
      await new Promise((r) => setTimeout(r, 900));
      expect(server.down).toBe(true);
      results.push(...(await client.sendAll([m])));
    }
    expect(results).toEqual(sent.map(() => 'queued'));
    expect((await client.snapshot()).queued).toBe(10);
    await back;

    const got = await server.waitForAll(isNumbered, 10, { timeout: 5000 });
    expect(got.map((e) => e.data)).toEqual(sent);
    await settle(client, server);
    expect(server.log.filter(isNumbered).map((e) => e.data)).toEqual(sent); // no duplicates
    expect(new Set(got.map((e) => e.id)).size).toBe(1); // all on the new connection
    expect(got[0]!.id).not.toBe(connects(server)[0]!.id);
    const log = await client.records();
    expect(of(log, 'drop')).toEqual([]);
    // At least one attempt ran into the refused window and failed before opening.
    expect(of(log, 'close').some((r) => r.close.category === 'connect-failed' && r.close.duringConnect)).toBe(true);
    expect(await client.snapshot()).toMatchObject({ status: 'open', queued: 0, queuedBytes: 0 });
  });

  test("an outage longer than the outbox bound (maxMessages 5, 'reject'): the sixth and later are rejected and reported; the first five arrive", async () => {
    const { server, client } = await setUp('/bounded', { outbox: { maxMessages: 5, overflow: 'reject' } });

    const { results, back } = await sendDuringOutage(client, server, 800, numbered(1, 8));
    expect(results).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', 'rejected', 'rejected', 'rejected']);
    let log = await client.records();
    expect(of(log, 'drop').map(({ message, reason }) => ({ message, reason }))).toEqual(
      numbered(6, 8).map((message) => ({ message, reason: 'overflow' })),
    );
    expect(await client.snapshot()).toMatchObject({ queued: 5, queuedBytes: 5 * 'msg-1'.length });
    await back;

    await settle(client, server);
    expect(server.log.filter(isNumbered).map((e) => e.data)).toEqual(numbered(1, 5));
    log = await client.records();
    expect(of(log, 'drop')).toHaveLength(3); // nothing else dropped on the way
    expect(await client.snapshot()).toMatchObject({ status: 'open', queued: 0, queuedBytes: 0 });
  });
});

describe(`server instructions in ${ENGINE_TITLE}`, () => {
  test('an auth close (4401 in authCodes) calls refresh, and the next connect carries the new token', async () => {
    const { server, client } = await setUp('/auth', { tokenAuth: true, authCodes: [4401] });
    expect(connects(server)[0]!.path).toBe('/auth?token=old-token');
    const mark = server.mark();

    server.closeAll(4401, 'token expired');
    const next = await server.waitFor('connect', { since: mark, timeout: 3000 });
    expect(next.path).toBe('/auth?token=new-token');
    const log = await client.until('reopened', opened(2));
    const refreshes = of(log, 'refresh');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0]!.close).toMatchObject({ code: 4401, reason: 'token expired', wasClean: true, initiatedBy: 'server', action: 'refresh' });
    expect(of(log, 'close').map((r) => r.close.action)).toEqual(['refresh']);
    const s = await client.snapshot();
    expect(s).toMatchObject({ status: 'open', lastError: null });
    expect(s.lastClose).toMatchObject({ code: 4401, action: 'refresh' });
    expect(s.url).not.toContain('new-token'); // the snapshot masks credentials
    expect(s.url).toContain('token=***');
    expect(connects(server)).toHaveLength(2);
  });

  test('a retryAfter hint sets the delay: the next connect comes at least 500 ms later (WebKit: 1013 arrives as 1006, so the hint rides on 1011)', async () => {
    // tryAgainLaterDelay 50 and random 0: without the hint the retry would come after ~50 ms.
    const { server, client } = await setUp('/hint', { retry: { ...FAST_RETRY, tryAgainLaterDelay: 50 }, random: 0 });
    let mark = server.mark();
    let code = 1013;
    let category = 'try-again-later';
    if (ENGINE === 'webkit') {
      // WebKit rejects 1013 (engines.test.ts): the page sees error + 1006 and no reason, so the
      // hint is lost and the client retries after its ordinary backoff (0 ms with random 0).
      server.closeAll(1013, '{"retryAfter":0.5}');
      const lost = await client.until('a retry scheduled', (l) => of(l, 'reconnecting')[0]);
      expect(lost.close).toMatchObject({ code: 1006, reason: '', category: 'network', action: 'reconnect' });
      expect(lost.close!.retryAfter).toBeUndefined();
      expect(lost.delay).toBe(0);
      await client.until('reopened', opened(2));
      await new Promise((r) => setTimeout(r, FAST_RETRY.minUptime + 100)); // stable again
      mark = server.mark();
      // The same hint on a code WebKit passes through.
      code = 1011;
      category = 'server-error';
    }

    server.closeAll(code, '{"retryAfter":0.5}');
    const log = await client.until('a retry scheduled', (l) => of(l, 'reconnecting').length >= 1 && of(l, 'reconnecting').at(-1)!.close?.code === code);
    const r = of(log, 'reconnecting').at(-1)!;
    expect(r.close).toMatchObject({ code, category, retryAfter: 500, action: 'reconnect' });
    expect(r.delay).toBeGreaterThanOrEqual(500);

    const sent = await server.waitFor('close-sent', { since: mark });
    const next = await server.waitFor('connect', { since: mark, timeout: 3000 });
    const gap = next.mono - sent.mono;
    console.info(`[messages] ${ENGINE} retryAfter 0.5 s: client delay ${r.delay} ms, server saw the next connect ${gap.toFixed(0)} ms after its close`);
    // A lower bound only: how late the attempt lands after its timer measures the machine.
    expect(gap).toBeGreaterThanOrEqual(500 - TIMER_SLACK_MS);
    // The scheduled delay is the hint plus at most its jitter (max(20 %, 1 s)), as reported.
    expect(r.delay).toBeLessThan(500 + 1000);
    await client.until('reopened', (l) => of(l, 'open').length >= (ENGINE === 'webkit' ? 3 : 2));
  });
});
