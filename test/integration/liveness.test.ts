import { describe, expect, test } from 'vitest';
import { isResilientWsError, type ClientOptions } from '../../src/index';
import { connects, useFaultServer, type FaultServer } from '../support/fixtures';
import { isOpen, startNodeClient } from '../support/node-client';
import { recordEvents, waitForEvent, waitForSnapshot } from '../support/wait';

/**
 * Liveness against the real fault server: the app-level heartbeat finds a connection that is
 * open but dead (black-holed), keeps its own traffic out of the `message` stream, measures RTT,
 * and in server-ping mode answers the server and notices when the server goes quiet.
 */

/** Slack on top of the heartbeat's own budget for a loaded 2-core machine. */
const DETECTION_SLACK_MS = 1500;
/** Node timers may fire up to ~1 ms early measured against performance.now(). */
const TIMER_SLACK_MS = 2;

/** Every client in this file connects to `/live`. */
const startClient = (server: FaultServer, options?: Partial<ClientOptions>) => startNodeClient(server, '/live', options);

describe('client heartbeat', () => {
  test('detects a black-holed open connection and reconnects on a new one', async () => {
    const server = await useFaultServer();
    const heartbeat = { interval: 200, timeout: 200 };
    const client = startClient(server, { heartbeat });
    const errors = recordEvents(client, ['error']);
    await waitForSnapshot(client, isOpen);
    await waitForEvent(client, 'rtt'); // the heartbeat works while the server answers
    const mark = server.mark();

    const t0 = performance.now();
    expect(server.blackholeAll()).toBe(1);
    const close = await waitForEvent(client, 'close', undefined, heartbeat.interval + heartbeat.timeout + DETECTION_SLACK_MS);
    const detection = performance.now() - t0;
    console.info(
      `[liveness] black-holed connection detected after ${detection.toFixed(1)} ms ` +
        `(interval ${heartbeat.interval} + timeout ${heartbeat.timeout} ms)`,
    );

    expect(close).toMatchObject({
      code: 1006,
      wasClean: false,
      initiatedBy: 'heartbeat',
      category: 'heartbeat-timeout',
      action: 'reconnect',
      duringConnect: false,
    });
    // Never before a ping went unanswered for `timeout`; never much after interval + timeout.
    expect(detection).toBeGreaterThanOrEqual(heartbeat.timeout - TIMER_SLACK_MS);
    expect(detection).toBeLessThan(heartbeat.interval + heartbeat.timeout + DETECTION_SLACK_MS);
    expect(errors.map((e) => e.event.name)).toContain('HeartbeatTimeoutError');

    const next = await server.waitFor('connect', { since: mark, timeout: 2000 });
    const s = await waitForSnapshot(client, isOpen);
    expect(next.id).not.toBe(connects(server)[0]!.id);
    expect(s.lastClose).toMatchObject({ initiatedBy: 'heartbeat' });
    expect(connects(server)).toHaveLength(2);
  });

  test('pongs stay out of the message stream while echoed messages arrive; RTT is measured', async () => {
    const server = await useFaultServer();
    const client = startClient(server, { heartbeat: { interval: 100, timeout: 500 } });
    const messages = recordEvents(client, ['message']);
    const rtts = recordEvents(client, ['rtt']);
    await waitForSnapshot(client, isOpen);

    client.send('hello');
    await waitForEvent(client, 'rtt'); // a pong arrived and was matched to our ping
    expect(server.log.some((e) => e.kind === 'message' && e.data === 'ping')).toBe(true);
    expect(server.log.some((e) => e.kind === 'send' && e.data === 'pong')).toBe(true);
    client.send('after');
    await waitForEvent(client, 'message', (m) => m === 'after');

    expect(messages.map((m) => m.event)).toEqual(['hello', 'after']);
    const s = client.getSnapshot();
    expect(s.rtt).not.toBeNull();
    expect(s.rtt!).toBeGreaterThanOrEqual(0);
    expect(s.rtt!).toBeLessThan(1000);
    expect(s.smoothedRtt).not.toBeNull();
    expect(s.smoothedRtt!).toBeGreaterThanOrEqual(0);
    expect(s.smoothedRtt!).toBeLessThan(1000);
    expect(rtts[0]!.event.rtt).toBeGreaterThanOrEqual(0);
    expect(rtts[0]!.event.rtt).toBeLessThan(1000);
    expect(rtts[0]!.event.smoothedRtt).toBe(rtts[0]!.event.rtt); // the first sample seeds the average
    expect(isResilientWsError(s.lastError)).toBe(false);
  });
});

describe('server-driven heartbeat', () => {
  test('answers server pings with pong and stays open; declares the connection dead when pings stop', async () => {
    // Echo off: the client's own pongs must not come back and count as traffic.
    const server = await useFaultServer({ serverPing: { interval: 100 }, echo: false });
    const timeout = 300;
    const client = startClient(server, { heartbeat: { mode: 'server', timeout } });
    const messages = recordEvents(client, ['message']);
    await waitForSnapshot(client, isOpen);

    // Five answered pings span ~500 ms, longer than `timeout`: only the pings keep it open.
    const pongs = await server.waitForAll((e) => e.kind === 'message' && e.data === 'pong', 5, { timeout: 2000 });
    expect(new Set(pongs.map((p) => p.id))).toEqual(new Set([connects(server)[0]!.id]));
    expect(client.getSnapshot().status).toBe('open');
    expect(connects(server)).toHaveLength(1);
    expect(messages).toHaveLength(0); // server pings are heartbeat traffic, not messages

    const t0 = performance.now();
    server.setServerPing(null);
    const close = await waitForEvent(client, 'close', undefined, timeout + DETECTION_SLACK_MS);
    const silence = performance.now() - t0;
    console.info(`[liveness] server-ping silence detected ${silence.toFixed(1)} ms after the pings stopped (timeout ${timeout} ms)`);
    expect(close).toMatchObject({ initiatedBy: 'heartbeat', category: 'heartbeat-timeout', action: 'reconnect' });
    // The last ping came at most one interval (100 ms) before they stopped.
    expect(silence).toBeGreaterThanOrEqual(timeout - 100 - TIMER_SLACK_MS);
    expect(silence).toBeLessThan(timeout + DETECTION_SLACK_MS);
  });
});
