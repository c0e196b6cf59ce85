/**
 * Interop: the close behaviours of the servers this SDK was seeded from, reproduced by the fault
 * server and observed in real Chromium — first with the browser's bare `WebSocket` (what the
 * page is told), then through resilient-ws (what it decides and tells the user).
 *
 * - libhv closes "with a reason" by `send(reason, WS_OPCODE_CLOSE)` then `close()`: a Close
 *   frame whose payload starts with the reason's bytes where the 2-byte status code belongs.
 * - A `ws` server that closes idle clients with 1000 "idle too long".
 * - A server that never answers the client's Close frame.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium, useBrowserPage, type Browser } from '../support/chromium';
import { useFaultServer, type FaultServer, type LogEntry } from '../support/fixtures';
import { closes, errors, messages, openRawSocket, opens, retries, startPageClient, statuses, type RawSocketReport } from '../support/page-client';
import { sleep } from '../support/wait';

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

/** Make the server answer every new connection with a hand-made Close frame carrying `payload`. */
function closeEveryConnectionWith(server: FaultServer, payload: string): void {
  server.events.on('log', (entry: LogEntry) => {
    if (entry.kind === 'connect' && entry.id !== undefined) server.sendRawClose(payload, entry.id);
  });
}

async function rawReport(read: () => Promise<RawSocketReport>, timeout = 5_000): Promise<RawSocketReport> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const report = await read();
    if (report.close) return report;
    if (Date.now() > deadline) throw new Error(`the raw socket did not close within ${timeout} ms: ${JSON.stringify(report)}`);
    await sleep(25);
  }
}

describe('libhv-style close: reason bytes where the status code belongs', () => {
  test('ASCII reason "idle too long": Chromium reads "id" as close code 26980 and reason "le too long"; the client rebuilds the text and reconnects', async () => {
    const server = await useFaultServer();
    closeEveryConnectionWith(server, 'idle too long');
    const fixture = await useBrowserPage({ browser });

    // The bare browser WebSocket: 0x69 0x64 ("id") = 26980, an out-of-range code Chromium passes on.
    const report = await rawReport(await openRawSocket(fixture.page, `${server.url}/raw-ascii`));
    expect(report.events).toEqual(['open', 'close']);
    expect(report.close).toEqual({ code: 26980, reason: 'le too long', wasClean: true });

    const client = await startPageClient(fixture.page, { url: `${server.url}/client-ascii`, heartbeat: false, retry: { initialDelay: 200 }, random: 0.5 });
    const [first] = await client.until('the first close', (r) => closes(r));
    expect(first!.close).toEqual({
      code: 1005,
      reason: 'idle too long',
      wasClean: true,
      initiatedBy: 'server',
      category: 'malformed-close',
      action: 'reconnect',
      message: 'The server closed the connection. Reconnecting…',
      duringConnect: false,
      via: 'rebuilt',
      reported: { code: 26980, reason: 'le too long', wasClean: true },
    });
    await client.until('the reconnection', (r) => opens(r).length >= 2);
    expect(fixture.pageErrors).toEqual([]);
  });

  test('Chinese reason: the cut UTF-8 is invalid, Chromium fails the connection (1006) and the client reconnects', async () => {
    const server = await useFaultServer();
    const reason = '连接超时,请重新登录';
    closeEveryConnectionWith(server, reason);
    const fixture = await useBrowserPage({ browser });

    // 0xE8 0xBF become the code; the reason then starts with a continuation byte: invalid UTF-8.
    const report = await rawReport(await openRawSocket(fixture.page, `${server.url}/raw-zh`));
    expect(report.events).toEqual(['open', 'error', 'close']);
    expect(report.close).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(fixture.consoleLines.join('\n')).toContain('Received a broken close frame containing invalid UTF-8');
    // Chromium answers with its own Close 1002 before dropping the connection.
    const rawServerClose = await server.waitFor((e) => e.kind === 'close' && e.id === 1);
    expect(rawServerClose.code).toBe(1002);

    const client = await startPageClient(fixture.page, { url: `${server.url}/client-zh`, heartbeat: false, retry: { initialDelay: 200 }, random: 0.5 });
    const [first] = await client.until('the first close', (r) => closes(r));
    expect(first!.close).toEqual({
      code: 1006,
      reason: '',
      wasClean: false,
      initiatedBy: 'network',
      category: 'network',
      action: 'reconnect',
      message: 'The connection was lost. Reconnecting…',
      duringConnect: false,
    });
    await client.until('the reconnection', (r) => opens(r).length >= 2);
    expect(fixture.pageErrors).toEqual([]);
  });

  test.each([
    ['ASCII', 'idle too long'],
    ['Chinese', '连接超时,请重新登录'],
  ])('a server that closes every connection that way (%s) gets growing backoff, not a storm', async (_name, reason) => {
    const server = await useFaultServer();
    closeEveryConnectionWith(server, reason);
    const { page, pageErrors } = await useBrowserPage({ browser });
    const client = await startPageClient(page, { url: `${server.url}/storm`, heartbeat: false, retry: { initialDelay: 200 }, random: 0.5 });

    // Wait for what the client scheduled, not for a wall-clock window (a busy machine makes fewer
    // attempts per second): four retries, then no storm: one connection per scheduled attempt.
    await client.until('four retries scheduled', (r) => retries(r).length >= 4, 10_000);
    const recs = await client.records();
    const connects = server.log.filter((e) => e.kind === 'connect').length; // read after: ≥ the opens seen
    // Each connection opens and is closed at once; at most the next one is on its way.
    expect(connects).toBeGreaterThanOrEqual(retries(recs).length);
    expect(connects).toBeLessThanOrEqual(retries(recs).length + 1);
    // Every connection opened in the page (the last one may still be on its way when sampled).
    expect(connects - opens(recs).length).toBeGreaterThanOrEqual(0);
    expect(connects - opens(recs).length).toBeLessThanOrEqual(1);
    // The short-lived opens never reset the attempt counter (minUptime), so the delays keep growing.
    const scheduled = retries(recs);
    expect(scheduled.map((r) => r.attempt)).toEqual(scheduled.map((_, i) => i + 1));
    expect(scheduled.map((r) => r.delay).slice(0, 4)).toEqual([100, 200, 400, 800]);
    expect(closes(recs).every((c) => c.close.action === 'reconnect')).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});

describe('a ws server closing idle clients with 1000 "idle too long"', () => {
  test('the client stays closed and says why', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('close-after', { ms: 300, code: 1000, reason: 'idle too long' });
    const { page } = await useBrowserPage({ browser });
    const client = await startPageClient(page, { url: `${server.url}/idle`, heartbeat: false, retry: { initialDelay: 100 } });

    const [close] = await client.until('the close', (r) => closes(r));
    expect(close!.close).toEqual({
      code: 1000,
      reason: 'idle too long',
      wasClean: true,
      initiatedBy: 'server',
      category: 'normal',
      action: 'stop',
      message: 'The server ended the connection.',
      duringConnect: false,
    });
    await sleep(1_000);
    const snap = await client.snapshot();
    expect(snap.status).toBe('closed');
    expect(snap.lastClose).toMatchObject({ code: 1000, reason: 'idle too long', action: 'stop' });
    // A normal close is not an error.
    expect(snap.lastError).toBeNull();
    expect(errors(await client.records())).toEqual([]);
    expect(server.log.filter((e) => e.kind === 'connect')).toHaveLength(1);
  });

  test('in lazy mode it goes idle and reconnects on the next send()', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('close-after', { ms: 300, code: 1000, reason: 'idle too long' });
    const { page } = await useBrowserPage({ browser });
    // lazy: the first send (or message listener) connects; the recorder's message listener does.
    const client = await startPageClient(page, { url: `${server.url}/lazy`, lazy: true, heartbeat: false });

    const [close] = await client.until('the idle close', (r) => closes(r));
    expect(close!.close).toMatchObject({ code: 1000, reason: 'idle too long', category: 'normal', action: 'stop', initiatedBy: 'server' });
    await sleep(500);
    expect((await client.snapshot()).status).toBe('idle');
    expect(server.log.filter((e) => e.kind === 'connect')).toHaveLength(1);

    expect(await client.send('are you there?')).toBe('queued');
    const recs = await client.until('the echo on a new connection', (r) => messages(r).some((m) => m.data === 'are you there?') && r);
    expect(opens(recs)).toHaveLength(2);
    expect(server.log.filter((e) => e.kind === 'connect')).toHaveLength(2);
    expect(server.log.filter((e) => e.kind === 'message' && e.data === 'are you there?')).toHaveLength(1);
    expect(statuses(recs).map((s) => s.status)).toContain('idle');
  });
});

describe('closing handshake timeout', () => {
  test('a server that never answers our Close frame: the client reports closed after closeTimeout', async () => {
    const server = await useFaultServer();
    const { page } = await useBrowserPage({ browser });
    const client = await startPageClient(page, { url: `${server.url}/blackhole`, heartbeat: false, closeTimeout: 1_000 });
    await client.until('open', (r) => opens(r));

    expect(server.blackholeAll()).toBe(1);
    const started = await client.now();
    await client.close(1000, 'bye');
    expect((await client.snapshot()).status).toBe('closing');

    const [close] = await client.until('the close', (r) => closes(r), 5_000);
    const tookMs = close!.t - started;
    // A lower bound only (the wait above is bounded): it was the timeout that ended it.
    expect(tookMs).toBeGreaterThanOrEqual(990);
    expect(close!.close).toMatchObject({ code: 1006, wasClean: false, initiatedBy: 'client', category: 'client', action: 'stop' });
    const snap = await client.snapshot();
    expect(snap.status).toBe('closed');
    expect(snap.lastError?.name).toBe('CloseTimeoutError');
    // The server never read the Close frame.
    expect(server.log.filter((e) => e.kind === 'message' || e.kind === 'close')).toEqual([]);
  });
});
