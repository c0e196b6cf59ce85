/**
 * Interop: resilient-ws in real Chromium against the libwebsockets test server (Debian package
 * `libwebsockets-test-server`), a server nobody on this project wrote.
 *
 * What lws does, as observed (lws 4.1.6, plugins/protocol_dumb_increment.c):
 * - `dumb-increment-protocol` sends "0", "1", "2", … every 50 ms from the moment it accepts;
 * - on the text message `closeme\n` it calls `lws_close_reason(wsi, 1001, "seeya")` and closes,
 *   but keeps writing numbers after its Close frame, so Chromium fails the connection ("Data
 *   frame received after close", 1006) and the 1001/"seeya" never reach the page;
 * - it echoes a client's Close, cutting the reason to the protocol's receive buffer (10 bytes of
 *   payload for dumb-increment);
 * - an offered subprotocol it does not serve makes it drop the TCP connection mid-handshake
 *   (log: `No supported protocol "…"`), which Chromium reports as error + close 1006.
 */
import { WebSocket as UndiciWebSocket } from 'undici';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { createClient, type WebSocketConstructor } from '../../src/index';
import { waitForSnapshot } from '../support/wait';
import { launchChromium, useBrowserPage, type Browser } from '../support/chromium';
import { startLwsServer, lwsVersion } from '../support/interop/lws';
import { closes, errors, messages, openRawSocket, opens, retries, startPageClient, type Rec } from '../support/page-client';
import { wireTranscript } from '../support/interop/wire';

let browser: Browser;
let versions: { package: string; library: string };

beforeAll(async () => {
  // Installs the package with apt-get when it is missing (or fails saying what to install).
  versions = await lwsVersion();
  browser = await launchChromium();
  console.info(`[interop] libwebsockets-test-server ${versions.package} (LWS ${versions.library}), Chromium ${browser.version()}`);
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

const page = async () => (await useBrowserPage({ browser })).page;

/** The numbers received on the current connection (since the last open). */
const numbersSinceLastOpen = (recs: readonly Rec[]): number[] => {
  const lastOpen = recs.map((r) => r.type).lastIndexOf('open');
  return messages(recs.slice(lastOpen + 1)).map((m) => Number(m.data));
};

/** Poll a Node-side async condition (bounded). */
async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeout = 5_000): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const countOf = (text: string, needle: string): number => text.split(needle).length - 1;

describe('libwebsockets test server', () => {
  test('"closeme": through a spec-compliant client that tolerates lws\'s frames after Close (undici, Node), the client surfaces 1001 "seeya" and reconnects', async () => {
    const lws = await startLwsServer();
    const client = createClient({
      url: lws.url,
      protocols: ['dumb-increment-protocol'],
      WebSocket: UndiciWebSocket as unknown as WebSocketConstructor,
      heartbeat: false,
      lifecycle: false,
      retry: { initialDelay: 50, maxDelay: 200 },
    });
    onTestFinished(() => client.dispose());
    await waitForSnapshot(client, (s) => s.status === 'open', 5000);
    expect(client.getSnapshot().protocol).toBe('dumb-increment-protocol');
    client.send('closeme\n');
    await waitForSnapshot(client, (s) => s.lastClose !== null, 5000);
    expect(client.getSnapshot().lastClose).toMatchObject({
      code: 1001,
      reason: 'seeya',
      wasClean: true,
      initiatedBy: 'server',
      category: 'going-away',
      action: 'reconnect',
      message: 'The server is going away. Reconnecting…',
    });
    await waitForSnapshot(client, (s) => s.status === 'open', 5000);
  });

  test('runs against the Debian package, whose versions are recorded', () => {
    expect(versions.package).toMatch(/^\d+\.\d+/);
    expect(versions.library).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('the snapshot reports the subprotocol the server chose', async () => {
    const lws = await startLwsServer();
    const p = await page();

    const mirror = await startPageClient(p, { url: lws.url, protocols: ['lws-mirror-protocol'], heartbeat: false });
    await mirror.until('open', (recs) => opens(recs)[0]);
    expect((await mirror.snapshot()).protocol).toBe('lws-mirror-protocol');
    // The mirror protocol sends every message to all its clients, the sender included.
    await expect(mirror.send('hello from resilient-ws')).resolves.toBe('sent');
    await mirror.until('the mirrored message', (recs) => messages(recs).some((m) => m.data === 'hello from resilient-ws'));

    // lws picks the first offered protocol it serves.
    const counter = await startPageClient(p, { url: lws.url, protocols: ['no-such-protocol', 'dumb-increment-protocol'] });
    const [open] = await counter.until('open', (recs) => opens(recs));
    expect(open!.protocol).toBe('dumb-increment-protocol');
    expect((await counter.snapshot()).protocol).toBe('dumb-increment-protocol');
    await counter.until('dumb-increment numbers', (recs) => messages(recs).length >= 3);
  });

  test('delivers the periodic dumb-increment numbers in order', async () => {
    const lws = await startLwsServer();
    const client = await startPageClient(await page(), { url: lws.url, protocols: 'dumb-increment-protocol' });
    const recs = await client.until('20 numbers', (r) => messages(r).length >= 20 && r);
    const numbers = messages(recs).map((m) => Number(m.data));
    expect(numbers.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(closes(recs)).toEqual([]);
    expect((await client.snapshot()).status).toBe('open');
  });

  test('"closeme": lws sends Close 1001 "seeya" then more data frames; Chromium fails the connection (1006) and the client reconnects', async () => {
    const lws = await startLwsServer();

    // On the wire: lws_close_reason() writes Close(1001, "seeya"), but the protocol's writable
    // callback keeps writing numbers after it (RFC 6455 §5.5.1: no data after a Close frame).
    const wire = await wireTranscript({ port: lws.port, protocol: 'dumb-increment-protocol', message: 'closeme\n' });
    expect(wire.status).toMatch(/^HTTP\/1\.1 101 /);
    const closeAt = wire.frames.findIndex((f) => f.opcode === 8);
    expect(wire.frames[closeAt]).toEqual({ opcode: 8, code: 1001, reason: 'seeya' });
    expect(wire.frames.slice(closeAt + 1).filter((f) => f.opcode === 1).length).toBeGreaterThanOrEqual(1);
    expect(lws.output()).toContain('dumb_inc: closing as requested');

    // What Chromium itself reports for that connection.
    const fixture = await useBrowserPage({ browser });
    const raw = await openRawSocket(fixture.page, lws.url, { protocols: ['dumb-increment-protocol'], sendOnOpen: 'closeme\n' });
    const report = await until('Chromium to close the raw socket', async () => {
      const r = await raw();
      return r.close && r;
    });
    expect(report.events).toEqual(['open', 'error', 'close']);
    expect(report.close).toEqual({ code: 1006, reason: '', wasClean: false });
    expect(fixture.consoleLines.join('\n')).toContain('Data frame received after close');

    // What resilient-ws makes of it: a lost connection (no code or reason reached the page), retried.
    const client = await startPageClient(fixture.page, {
      url: lws.url,
      protocols: 'dumb-increment-protocol',
      retry: { initialDelay: 200 },
      random: 0.5,
    });
    await client.until('a few numbers', (r) => messages(r).length >= 3);
    await client.send('closeme\n');
    const [close] = await client.until('the close', (r) => closes(r));
    expect(close!.close).toEqual({
      code: 1006,
      reason: '',
      wasClean: false,
      initiatedBy: 'network',
      category: 'network',
      action: 'reconnect',
      message: 'The connection was lost. Reconnecting…',
      duringConnect: false,
    });
    // A fresh connection, whose counter starts again at 0.
    const recs = await client.until('the second connection and its numbers', (r) => opens(r).length === 2 && numbersSinceLastOpen(r).length >= 3 && r);
    expect(retries(recs).map((r) => r.delay)).toEqual([100]); // full jitter, random 0.5, first window 200 ms
    expect(numbersSinceLastOpen(recs).slice(0, 3)).toEqual([0, 1, 2]);
    expect((await client.snapshot()).status).toBe('open');
  });

  test('client.close() completes the closing handshake with lws: closed, clean, the code and reason echoed', async () => {
    const lws = await startLwsServer();
    const client = await startPageClient(await page(), { url: lws.url, protocols: 'dumb-increment-protocol' });
    await client.until('a few numbers', (r) => messages(r).length >= 3);
    await client.close(4000, 'bye');
    const [close] = await client.until('the close', (r) => closes(r));
    expect(close!.close).toMatchObject({ code: 4000, reason: 'bye', wasClean: true, initiatedBy: 'client', category: 'client', action: 'stop', message: 'Disconnected.' });
    const snap = await client.snapshot();
    expect(snap.status).toBe('closed');
    expect(snap.lastError).toBeNull();
  });

  test('an unsupported subprotocol fails every handshake; a retry limit ends it with RetriesExhaustedError', async () => {
    const lws = await startLwsServer();
    const client = await startPageClient(await page(), {
      url: lws.url,
      protocols: 'no-such-protocol',
      retry: { limit: 3, initialDelay: 100, jitter: 'none' },
    });
    const recs = await client.until('the client to give up', (r) => r.some((x) => x.type === 'status' && x.status === 'closed') && r);

    // 1 attempt + 3 retries, each a failed handshake (Chromium: error, then close 1006).
    expect(countOf(lws.output(), 'No supported protocol "no-such-protocol"')).toBe(4);
    expect(opens(recs)).toEqual([]);
    expect(errors(recs).filter((e) => e.name === 'ConnectionError')).toHaveLength(4);
    expect(retries(recs).map((r) => r.delay)).toEqual([100, 200, 400]);
    const all = closes(recs).map((c) => c.close);
    expect(all.map((c) => [c.code, c.category, c.action, c.duringConnect])).toEqual([
      [1006, 'connect-failed', 'reconnect', true],
      [1006, 'connect-failed', 'reconnect', true],
      [1006, 'connect-failed', 'reconnect', true],
      [1006, 'connect-failed', 'stop', true],
    ]);
    expect(all[3]!.message).toBe('Could not reconnect after 3 attempts.');
    const snap = await client.snapshot();
    expect(snap.status).toBe('closed');
    expect(snap.lastError?.name).toBe('RetriesExhaustedError');
  });

  test('without a retry limit, an unsupported subprotocol backs off (default delays) instead of storming', async () => {
    const lws = await startLwsServer();
    // Default retry settings; only the jitter draw is fixed (0.5 of each window: 500, 1000, 2000 ms…).
    const client = await startPageClient(await page(), { url: lws.url, protocols: 'no-such-protocol', random: 0.5 });
    // Wait for what the client scheduled (three retries), not for a wall-clock window.
    await client.until('three retries scheduled', (r) => retries(r).length >= 3, 15_000);
    const refused = () => countOf(lws.output(), 'No supported protocol "no-such-protocol"');
    const deadline = Date.now() + 5_000;
    while (refused() < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50)); // lws logs a little later
    const recs = await client.records();
    const attempts = refused();
    // One refused handshake per scheduled attempt (the next may be on its way); a tight loop would make hundreds.
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(attempts).toBeLessThanOrEqual(retries(recs).length + 1);
    const delays = retries(recs).map((r) => r.delay);
    expect(delays.slice(0, 3)).toEqual([500, 1000, 2000]);
    expect(opens(recs)).toEqual([]);
    expect((await client.snapshot()).status).toMatch(/^(reconnecting|connecting)$/);
  });

  test('reconnects after the lws process is killed and started again', async () => {
    const lws = await startLwsServer();
    const client = await startPageClient(await page(), {
      url: lws.url,
      protocols: 'dumb-increment-protocol',
      retry: { initialDelay: 200, maxDelay: 1_000 },
      random: 0.5,
    });
    await client.until('numbers on the first connection', (r) => messages(r).length >= 3);

    await lws.kill('SIGKILL');
    const [lost] = await client.until('the lost connection', (r) => closes(r));
    expect(lost!.close).toMatchObject({ code: 1006, wasClean: false, initiatedBy: 'network', category: 'network', action: 'reconnect', duringConnect: false });
    // While the server is down, attempts fail and back off: the client schedules 100, 200, 400,
    // 500, 500… ms (asserted as reported, not as counts in a wall-clock window).
    const downRecs = await client.until('two failed attempts while down', (r) => closes(r).length >= 3 && r, 10_000);
    const whileDown = closes(downRecs).slice(1);
    expect(retries(downRecs).map((r) => r.delay)).toEqual([100, 200, 400, 500, 500, 500, 500].slice(0, retries(downRecs).length));
    expect(whileDown.every((c) => c.close.category === 'connect-failed' && c.close.action === 'reconnect')).toBe(true);

    await lws.restart();
    const recs = await client.until('the second connection and its numbers', (r) => opens(r).length === 2 && numbersSinceLastOpen(r).length >= 3 && r, 5_000);
    expect(numbersSinceLastOpen(recs).slice(0, 3)).toEqual([0, 1, 2]);
    const snap = await client.snapshot();
    expect(snap.status).toBe('open');
    expect(snap.protocol).toBe('dumb-increment-protocol');
  });
});
