import { describe, expect, test } from 'vitest';
import { en, isResilientWsError, type ClientOptions, type MessageKey } from '../../src/index';
import { FAST_RETRY, connects, useFaultServer, type FaultServer } from '../support/fixtures';
import { isOpen, startNodeClient } from '../support/node-client';
import { recordEvents, sleep, waitForEvent, waitForSnapshot } from '../support/wait';

/**
 * The client (Node, undici 7's WebSocket) against the real fault-injecting server: what it does
 * after each kind of close and each kind of failed attempt. Delays are injected through the
 * options so every test finishes in well under 3 s; waits are bounded and event-driven, except
 * where the point is that nothing happens (then a fixed window several retry delays long).
 */

const CHINESE_REASON = '服务端维护中,请稍后重连';
/** Longer than several retry windows at FAST_RETRY: if a reconnect were coming, it would be here. */
const NOTHING_HAPPENS_MS = 500;
/** Node timers may fire up to ~1 ms early measured against performance.now(). */
const TIMER_SLACK_MS = 2;

/** Every client in this file connects to `/core`. */
const startClient = (server: FaultServer, options?: Partial<ClientOptions>) => startNodeClient(server, '/core', options);

const render = (key: MessageKey, code: number) => {
  const text = en[key];
  return typeof text === 'function' ? text({ code, attempts: 0 }) : text;
};

describe('server closes', () => {
  test('stops after 1000 and keeps the Chinese reason byte for byte; never reconnects', async () => {
    const server = await useFaultServer();
    const client = startClient(server);
    await waitForSnapshot(client, isOpen);

    expect(server.closeAll(1000, CHINESE_REASON)).toBe(1);
    const s = await waitForSnapshot(client, (x) => x.status === 'closed');
    expect(s.lastClose).toMatchObject({
      code: 1000,
      reason: CHINESE_REASON,
      wasClean: true,
      initiatedBy: 'server',
      category: 'normal',
      action: 'stop',
      duringConnect: false,
      message: render('normal', 1000),
    });
    expect(s.lastError).toBeNull();

    await sleep(NOTHING_HAPPENS_MS); // the point is that nothing happens
    expect(connects(server)).toHaveLength(1);
    expect(client.getSnapshot().status).toBe('closed');
  });

  test.each([
    [1001, 'going-away'],
    [1011, 'server-error'],
  ] as const)('reconnects with backoff after %i (%s)', async (code, category) => {
    const server = await useFaultServer();
    const client = startClient(server);
    await waitForSnapshot(client, isOpen);
    const mark = server.mark();

    const reconnecting = waitForEvent(client, 'reconnecting');
    server.closeAll(code, 'bye');
    const r = await reconnecting;
    expect(r.attempt).toBe(1);
    expect(r.delay).toBeGreaterThanOrEqual(0);
    expect(r.delay).toBeLessThan(FAST_RETRY.initialDelay);
    expect(r.close).toMatchObject({ code, reason: 'bye', wasClean: true, initiatedBy: 'server', category, action: 'reconnect' });

    await server.waitFor('connect', { since: mark, timeout: 2000 });
    const s = await waitForSnapshot(client, isOpen);
    expect(s.lastClose).toMatchObject({ code, category, action: 'reconnect' });
    expect(connects(server)).toHaveLength(2);
  });

  test('reconnects after a dropped TCP connection (1006, initiated by the network)', async () => {
    const server = await useFaultServer();
    const client = startClient(server);
    await waitForSnapshot(client, isOpen);
    const mark = server.mark();

    expect(server.killAll()).toBe(1);
    const close = await waitForEvent(client, 'close');
    expect(close).toMatchObject({
      code: 1006,
      wasClean: false,
      initiatedBy: 'network',
      category: 'network',
      action: 'reconnect',
      duringConnect: false,
    });
    await server.waitFor('connect', { since: mark, timeout: 2000 });
    await waitForSnapshot(client, isOpen);
    expect(connects(server)).toHaveLength(2);
  });

  test.each([
    [1008, 'policy-violation'],
    [4001, 'private'],
  ] as const)('stops after %i (%s) and surfaces a user-facing message, not the raw reason', async (code, category) => {
    const server = await useFaultServer();
    const client = startClient(server);
    const closes = recordEvents(client, ['close']);
    await waitForSnapshot(client, isOpen);

    server.closeAll(code, 'internal: banned by rule 42');
    const s = await waitForSnapshot(client, (x) => x.status === 'closed');
    expect(s.lastClose).toMatchObject({
      code,
      reason: 'internal: banned by rule 42',
      wasClean: true,
      initiatedBy: 'server',
      category,
      action: 'stop',
      message: render(category, code),
    });
    expect(s.lastClose!.message).not.toContain('banned');
    expect(closes.map((c) => c.event.code)).toEqual([code]);

    await sleep(NOTHING_HAPPENS_MS); // the point is that nothing happens
    expect(connects(server)).toHaveLength(1);
  });

  test('after 1012 the first retry waits at most restartDelay, not the regular backoff', async () => {
    const server = await useFaultServer();
    // With random 0.999 the regular backoff would wait ~999 ms; the restart rule allows ≤ 200.
    const client = startClient(server, {
      retry: { initialDelay: 1000, maxDelay: 1000, restartDelay: 200 },
      random: () => 0.999,
    });
    await waitForSnapshot(client, isOpen);
    const mark = server.mark();

    const reconnecting = waitForEvent(client, 'reconnecting');
    server.closeAll(1012, 'restarting');
    const r = await reconnecting;
    expect(r.close).toMatchObject({ code: 1012, category: 'service-restart', action: 'reconnect' });
    expect(r.delay).toBeGreaterThan(0);
    expect(r.delay).toBeLessThanOrEqual(200);

    const sent = await server.waitFor('close-sent', { since: mark });
    const next = await server.waitFor('connect', { since: mark, timeout: 2000 });
    const gap = next.mono - sent.mono;
    expect(gap).toBeGreaterThanOrEqual(r.delay - TIMER_SLACK_MS);
    expect(gap).toBeLessThan(800); // sanity: well below the ~999 ms the regular backoff would give
    await waitForSnapshot(client, isOpen);
  });

  test('after 1013 every retry waits at least tryAgainLaterDelay (server log timestamps)', async () => {
    const server = await useFaultServer();
    const client = startClient(server, { retry: { tryAgainLaterDelay: 300 }, random: () => 0.5 });
    await waitForSnapshot(client, isOpen);
    const mark = server.mark();

    const reconnecting = waitForEvent(client, 'reconnecting');
    server.closeAll(1013, 'overloaded');
    const r = await reconnecting;
    expect(r.close).toMatchObject({ code: 1013, category: 'try-again-later', action: 'reconnect' });
    expect(r.delay).toBeGreaterThanOrEqual(300);

    const sent = await server.waitFor('close-sent', { since: mark });
    const next = await server.waitFor('connect', { since: mark, timeout: 2000 });
    expect(next.mono - sent.mono).toBeGreaterThanOrEqual(300 - TIMER_SLACK_MS);
    expect(next.mono - sent.mono).toBeLessThan(1500); // sanity
    await waitForSnapshot(client, isOpen);
  });
});

describe('failed attempts', () => {
  test('HTTP 403 on upgrade is a failed attempt, retried with backoff until the server accepts', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status: 403 });
    const client = startClient(server, { autoConnect: false });
    const reconnects = recordEvents(client, ['reconnecting']);
    const errors = recordEvents(client, ['error']);
    client.connect();

    const s = await waitForSnapshot(client, (x) => x.status === 'reconnecting');
    expect(s.lastClose).toMatchObject({
      code: 1006,
      wasClean: false,
      duringConnect: true,
      category: 'connect-failed',
      action: 'reconnect',
    });
    expect(isResilientWsError(s.lastError, 'ConnectionError')).toBe(true);
    expect(isResilientWsError(errors[0]?.event, 'ConnectionError')).toBe(true);

    // Three failed attempts, each followed by a backoff wait (the server logs a rejection
    // before the client has read it, so wait on the client's side).
    await waitForSnapshot(client, (x) => x.status === 'reconnecting' && x.attempt >= 3, 2000);
    expect(server.log.filter((e) => e.kind === 'reject').map((e) => e.status)).toEqual([403, 403, 403]);
    expect(reconnects.map((r) => r.event.attempt)).toEqual([1, 2, 3]);
    expect(reconnects.every((r) => r.event.close?.category === 'connect-failed')).toBe(true);
    expect(connects(server)).toHaveLength(0);

    server.setHandshakeMode('accept');
    const open = await waitForSnapshot(client, isOpen, 2000);
    expect(open.lastError).toBeNull();
    expect(connects(server)).toHaveLength(1);
  });

  test('a crash loop (accept, then drop) backs off further each time and never resets the attempt counter', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('crash');
    // random 0.999: each delay is ~the whole window, 50 → 100 → 200 → 400 ms.
    const client = startClient(server, { random: () => 0.999 });
    const reconnects = recordEvents(client, ['reconnecting']);
    const opens = recordEvents(client, ['open']);

    const entries = await server.waitForAll('connect', 5, { timeout: 2500 });
    const intervals = entries.slice(1).map((e, i) => e.mono - entries[i]!.mono);
    for (let i = 1; i < intervals.length; i++) expect(intervals[i]).toBeGreaterThan(intervals[i - 1]!);

    const delays = reconnects.slice(0, 4).map((r) => r.event.delay);
    expect(reconnects.slice(0, 4).map((r) => r.event.attempt)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
    intervals.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(delays[i]! - TIMER_SLACK_MS));
    expect(opens.length).toBeGreaterThanOrEqual(4); // every attempt did open: minUptime is what keeps counting
    expect(reconnects.every((r) => r.event.close?.duringConnect === false)).toBe(true);
    expect(client.getSnapshot().attempt).toBeGreaterThanOrEqual(4);
  });

  test('reconnects to the same port once a refused server is back', async () => {
    const server = await useFaultServer();
    const port = server.port;
    const client = startClient(server);
    const reconnects = recordEvents(client, ['reconnecting']);
    await waitForSnapshot(client, isOpen);

    const back = server.refuseFor(600);
    const down = await waitForSnapshot(client, (x) => x.status !== 'open');
    expect(down.lastClose).toMatchObject({ code: 1006, initiatedBy: 'network', action: 'reconnect' });
    await back;
    expect(server.port).toBe(port);

    const s = await waitForSnapshot(client, isOpen, 2000);
    expect(s.url).toBe(`ws://127.0.0.1:${port}/core`);
    expect(connects(server)).toHaveLength(2);
    // At least one attempt ran into the refused window (the first retry waits < 50 ms).
    expect(reconnects.some((r) => r.event.close?.category === 'connect-failed')).toBe(true);
  });

  test('abandons a handshake that hangs after connectTimeout and retries', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('blackhole');
    const t0 = performance.now();
    const client = startClient(server, { connectTimeout: 300 });
    const closes = recordEvents(client, ['close']);
    const reconnects = recordEvents(client, ['reconnecting']);
    const errors = recordEvents(client, ['error']);

    await server.waitFor('blackhole-handshake');
    const close = await waitForEvent(client, 'close');
    const waited = performance.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(300 - TIMER_SLACK_MS);
    expect(waited).toBeLessThan(1500); // sanity
    expect(close).toMatchObject({
      code: 1006,
      wasClean: false,
      initiatedBy: 'timeout',
      category: 'connect-timeout',
      action: 'reconnect',
      duringConnect: true,
    });
    const s = await waitForSnapshot(client, (x) => x.status === 'reconnecting');
    expect(isResilientWsError(s.lastError, 'ConnectTimeoutError')).toBe(true);
    expect(errors.map((e) => e.event.name)).toEqual(['ConnectTimeoutError']);

    await server.waitForAll('blackhole-handshake', 2, { timeout: 2000 });
    // One abandoned attempt = one close and one retry (the second attempt is still hanging).
    expect(closes).toHaveLength(1);
    expect(reconnects.map((r) => r.event.attempt)).toEqual([1]);
    server.setHandshakeMode('accept');
    await waitForSnapshot(client, isOpen, 2000);
  });
});

describe('our own close', () => {
  test('close() during a hanging handshake stops for good', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('blackhole');
    const client = startClient(server);
    const closes = recordEvents(client, ['close']);
    await server.waitFor('blackhole-handshake');
    expect(client.getSnapshot().status).toBe('connecting');

    client.close();
    const s = await waitForSnapshot(client, (x) => x.status === 'closed');
    expect(s.lastClose).toMatchObject({ initiatedBy: 'client', category: 'client', action: 'stop', duringConnect: true });
    expect(closes.map((c) => c.event.action)).toEqual(['stop']);

    server.setHandshakeMode('accept');
    await sleep(NOTHING_HAPPENS_MS); // the point is that nothing happens
    expect(server.log.filter((e) => e.kind === 'blackhole-handshake')).toHaveLength(1);
    expect(connects(server)).toHaveLength(0);
    expect(client.getSnapshot().status).toBe('closed');
  });

  test('a close handshake the server never answers ends after closeTimeout with wasClean false', async () => {
    const server = await useFaultServer();
    const client = startClient(server, { closeTimeout: 300 });
    await waitForSnapshot(client, isOpen);
    const statuses = recordEvents(client, ['status']);
    const errors = recordEvents(client, ['error']);

    expect(server.blackholeAll()).toBe(1);
    const t0 = performance.now();
    client.close(1000, 'bye');
    expect(client.getSnapshot().status).toBe('closing');

    const s = await waitForSnapshot(client, (x) => x.status === 'closed', 2000);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(300 - TIMER_SLACK_MS);
    expect(elapsed).toBeLessThan(1500);
    expect(statuses.map((e) => e.event.status)).toEqual(['closing', 'closed']);
    expect(s.lastClose).toMatchObject({ wasClean: false, initiatedBy: 'client', action: 'stop' });
    expect(isResilientWsError(s.lastError, 'CloseTimeoutError')).toBe(true);
    expect(errors.map((e) => e.event.name)).toEqual(['CloseTimeoutError']);

    await sleep(NOTHING_HAPPENS_MS); // stays closed
    expect(connects(server)).toHaveLength(1);
    expect(client.getSnapshot().status).toBe('closed');
  });
});
