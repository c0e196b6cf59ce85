import { describe, expect, test } from 'vitest';
import type { CloseInfo, ClientOptions } from '../../src/index';
import { FAST_RETRY, useFaultServer, type FaultServer, type LogEntry } from '../support/fixtures';
import { isOpen, startNodeClient } from '../support/node-client';
import { recordEvents, sleep, waitForEvent, waitForSnapshot } from '../support/wait';

/**
 * Messages across outages against the real fault server: the outbox delivers what was sent
 * while disconnected in order and exactly once, drops exactly what its overflow policy says
 * (and says so), auth closes refresh the credentials in the URL, and server retry hints are
 * honoured.
 */

/** Node timers may fire up to ~1 ms early measured against performance.now(). */
const TIMER_SLACK_MS = 2;

/** Every client in this file connects to `/msg`. */
const startClient = (server: FaultServer, options?: Partial<ClientOptions>) => startNodeClient(server, '/msg', options);

const numbered = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `msg-${from + i}`);
const isNumbered = (e: LogEntry) => e.kind === 'message' && !!e.data?.startsWith('msg-');

/**
 * Takes the server down, waits until the client has noticed, and sends `messages` while it is
 * down. Returns what `send()` said for each and a promise for the server being back.
 */
async function sendDuringOutage(client: ReturnType<typeof startClient>, server: FaultServer, outageMs: number, messages: string[]) {
  const back = server.refuseFor(outageMs);
  await waitForSnapshot(client, (s) => s.status !== 'open' && s.status !== 'connecting');
  const results = messages.map((m) => client.send(m));
  return { results, back };
}

/** Sends a marker once open and waits for the server to get it: everything sent before it has arrived. */
async function settle(client: ReturnType<typeof startClient>, server: FaultServer) {
  await waitForSnapshot(client, isOpen, 3000);
  expect(client.send('marker')).toBe('sent');
  await server.waitFor((e) => e.kind === 'message' && e.data === 'marker', { timeout: 2000 });
}

describe('outbox across an outage', () => {
  test('messages sent during an outage all arrive after the reconnect, in order, exactly once', async () => {
    const server = await useFaultServer();
    const client = startClient(server);
    const drops = recordEvents(client, ['drop']);
    await waitForSnapshot(client, isOpen);

    // A 10 s outage, one message about every 900 ms while the server is down (and the client
    // keeps failing attempts at the 50–400 ms backoff).
    const sent = numbered(1, 10);
    const { results, back } = await sendDuringOutage(client, server, 10_000, sent.slice(0, 1));
    for (const m of sent.slice(1)) {
      await sleep(900);
      expect(server.down).toBe(true);
      results.push(client.send(m));
    }
    expect(results).toEqual(sent.map(() => 'queued'));
    expect(client.getSnapshot().queued).toBe(10);
    await back;

    const got = await server.waitForAll(isNumbered, 10, { timeout: 3000 });
    expect(got.map((e) => e.data)).toEqual(sent);
    await settle(client, server);
    expect(server.log.filter(isNumbered).map((e) => e.data)).toEqual(sent); // no duplicates
    expect(new Set(got.map((e) => e.id)).size).toBe(1); // all on the new connection
    expect(got[0]!.id).not.toBe(server.log.find((e) => e.kind === 'connect')!.id);
    expect(drops).toHaveLength(0);
    expect(client.getSnapshot()).toMatchObject({ queued: 0, queuedBytes: 0 });
  });

  test("overflow 'reject': messages past maxMessages are rejected and reported; the first five arrive", async () => {
    const server = await useFaultServer();
    const client = startClient(server, { outbox: { maxMessages: 5, overflow: 'reject' } });
    const drops = recordEvents(client, ['drop']);
    await waitForSnapshot(client, isOpen);

    const { results, back } = await sendDuringOutage(client, server, 500, numbered(1, 8));
    expect(results).toEqual(['queued', 'queued', 'queued', 'queued', 'queued', 'rejected', 'rejected', 'rejected']);
    expect(drops.map((d) => d.event)).toEqual(numbered(6, 8).map((message) => ({ message, reason: 'overflow' })));
    expect(client.getSnapshot().queued).toBe(5);
    await back;

    await settle(client, server);
    expect(server.log.filter(isNumbered).map((e) => e.data)).toEqual(numbered(1, 5));
    expect(drops).toHaveLength(3);
  });

  test("overflow 'drop-oldest': the oldest queued messages make room and are reported; the newest five arrive", async () => {
    const server = await useFaultServer();
    const client = startClient(server, { outbox: { maxMessages: 5, overflow: 'drop-oldest' } });
    const drops = recordEvents(client, ['drop']);
    await waitForSnapshot(client, isOpen);

    const { results, back } = await sendDuringOutage(client, server, 500, numbered(1, 8));
    expect(results).toEqual(numbered(1, 8).map(() => 'queued'));
    expect(drops.map((d) => d.event)).toEqual(numbered(1, 3).map((message) => ({ message, reason: 'overflow' })));
    expect(client.getSnapshot().queued).toBe(5);
    await back;

    await settle(client, server);
    expect(server.log.filter(isNumbered).map((e) => e.data)).toEqual(numbered(4, 8));
    expect(drops).toHaveLength(3);
  });
});

describe('server instructions', () => {
  test('an auth close (4401 in authCodes) refreshes, and the next connect carries the new token', async () => {
    const server = await useFaultServer();
    let token = 'old-token';
    const refreshed: CloseInfo[] = [];
    const client = startClient(server, {
      url: () => `${server.url}/auth?token=${token}`,
      authCodes: [4401],
      refresh: async (close) => {
        refreshed.push(close);
        await new Promise((r) => setTimeout(r, 20)); // a token endpoint round trip
        token = 'new-token';
      },
    });
    await waitForSnapshot(client, isOpen);
    expect(server.log.find((e) => e.kind === 'connect')!.path).toBe('/auth?token=old-token');
    const mark = server.mark();

    server.closeAll(4401, 'token expired');
    const next = await server.waitFor('connect', { since: mark, timeout: 2000 });
    expect(next.path).toBe('/auth?token=new-token');
    const s = await waitForSnapshot(client, isOpen);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({ code: 4401, reason: 'token expired', action: 'refresh' });
    expect(s.lastClose).toMatchObject({ code: 4401, action: 'refresh' });
    expect(s.url).not.toContain('new-token'); // the snapshot masks credentials
    expect(server.log.filter((e) => e.kind === 'connect')).toHaveLength(2);
  });

  test('a retryAfter hint in the close reason sets the delay before the next connect', async () => {
    const server = await useFaultServer();
    // tryAgainLaterDelay 50: without the hint the retry would come after ~50 ms, not 400.
    const client = startClient(server, { retry: { ...FAST_RETRY, tryAgainLaterDelay: 50 }, random: () => 0 });
    await waitForSnapshot(client, isOpen);
    const mark = server.mark();

    const reconnecting = waitForEvent(client, 'reconnecting');
    server.closeAll(1013, '{"retryAfter":0.4}');
    const r = await reconnecting;
    expect(r.close).toMatchObject({ code: 1013, retryAfter: 400, action: 'reconnect' });
    expect(r.delay).toBeGreaterThanOrEqual(400);

    const sent = await server.waitFor('close-sent', { since: mark });
    const next = await server.waitFor('connect', { since: mark, timeout: 2000 });
    expect(next.mono - sent.mono).toBeGreaterThanOrEqual(400 - TIMER_SLACK_MS);
    expect(next.mono - sent.mono).toBeLessThan(400 * 1.2 + 1500); // sanity
    await waitForSnapshot(client, isOpen);
  });
});
