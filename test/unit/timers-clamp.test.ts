/**
 * Delays and random values the timers cannot hold (issue 13, defect 5). Browsers and Node fire a
 * delay above 2^31−1 ms after ~1 ms (so do vitest's fake timers): the client must clamp every
 * delay it hands to `clock.setTimeout`, treat larger settings as that cap, and never spin.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, isResilientWsError, type ClientOptions } from '../../src/index';
import { fakeWebSocket } from '../support/fake-socket';
import { advanceBounded, MAX_TIMER_MS, recordingClock } from '../support/probes';
import { setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const DAY = 86_400_000;

/** A unit client on a recording clock. */
function clamped(opts: Partial<ClientOptions> = {}) {
  const rec = recordingClock();
  const s = setup({ clock: rec.clock, ...opts });
  return { ...s, rec };
}

const overCap = (delays: number[]) => delays.filter((d) => !(d >= 0 && d <= MAX_TIMER_MS));

/** Fail `n` handshakes in a row, letting each retry timer fire. */
function failRepeatedly(fake: ReturnType<typeof fakeWebSocket>, n: number) {
  for (let i = 0; i < n; i++) {
    const before = fake.sockets.length;
    fake.last.failHandshake();
    // Fire timers until the retry constructs the next socket (bounded).
    for (let k = 0; k < 5 && fake.sockets.length === before; k++) vi.advanceTimersToNextTimer();
    if (fake.sockets.length === before) throw new Error(`no retry after failure ${i + 1}`);
  }
}

describe('retry delays stay within what timers hold', () => {
  it.each([
    ['Infinity', Infinity],
    ['1e12', 1e12],
  ])('retry.maxDelay %s: every delay handed to the clock is ≤ 2^31−1 after many failures', (_name, maxDelay) => {
    // One phase (fastPhase 0): the window doubles per failure, so 40 failures pass the timer limit.
    const { fake, rec } = clamped({ retry: { maxDelay, fastPhase: 0 } });
    failRepeatedly(fake, 40);
    expect(overCap(rec.delays)).toEqual([]);
  });

  it.each([
    ['Infinity', Infinity],
    ['1e12', 1e12],
  ])('retry.maxDelay %s: once the window passes 24.9 days the client does not spin (a few attempts per simulated day)', (_name, maxDelay) => {
    const { fake, client } = clamped({ retry: { maxDelay, fastPhase: 0 } });
    failRepeatedly(fake, 40);
    const t0 = Date.now();
    const before = fake.sockets.length;
    for (let i = 0; i < 200 && Date.now() - t0 < DAY; i++) {
      const n = fake.sockets.length;
      fake.last.failHandshake();
      for (let k = 0; k < 5 && fake.sockets.length === n && Date.now() - t0 < DAY; k++) vi.advanceTimersToNextTimer();
    }
    expect(fake.sockets.length - before, `attempts within one day (last delay ${client.getSnapshot().retryDelay})`).toBeLessThanOrEqual(5);
  });
});

describe('outbox ttl beyond the cap', () => {
  it('send(x, { ttl: 30 days }) arms no delay above 2^31−1, does not spin, and the message is still queued after an hour', () => {
    const { client, rec, drops } = clamped({ autoConnect: false });
    expect(client.send('later', { ttl: 30 * DAY })).toBe('queued');
    advanceBounded(3_600_000, () => rec.fired > 100);
    expect(overCap(rec.delays)).toEqual([]);
    expect(rec.fired, 'timer callbacks in one hour').toBeLessThanOrEqual(5);
    expect(client.getSnapshot().queued).toBe(1);
    expect(drops).toEqual([]);
  });
});

describe('connectTimeout beyond the cap', () => {
  it('connectTimeout 3e9 is treated as the cap: the attempt is not abandoned after 1 ms', () => {
    const { fake, client, rec, errors } = clamped({ connectTimeout: 3e9 });
    expect(overCap(rec.delays)).toEqual([]);
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(1);
    expect(fake.last.closeCalls, 'the attempt was abandoned').toEqual([]);
    expect(client.getSnapshot().status).toBe('connecting');
    expect(errors).toEqual([]);
    fake.last.open();
    expect(client.getSnapshot().status).toBe('open');
  });
});

describe('heartbeat interval beyond the cap', () => {
  it('heartbeat.interval 1e10 arms no delay above 2^31−1, does not spin and sends no ping within a day', () => {
    const { fake, client, rec } = clamped({ heartbeat: { interval: 1e10 } });
    fake.last.open();
    advanceBounded(DAY, () => rec.fired > 100, 60_000);
    expect(overCap(rec.delays)).toEqual([]);
    expect(rec.fired, 'timer callbacks in one day').toBeLessThanOrEqual(10);
    expect(fake.last.sent.filter((d) => d === 'ping')).toEqual([]);
    expect(client.getSnapshot().status).toBe('open');
  });
});

describe('the random source', () => {
  it('random must be a function: InvalidOptionError at createClient, naming the option', () => {
    const fake = fakeWebSocket();
    let thrown: unknown;
    try {
      createClient({ url: 'wss://example.test/', WebSocket: fake.WebSocket, random: 0.5 as unknown as () => number, autoConnect: false });
    } catch (e) {
      thrown = e;
    }
    expect(isResilientWsError(thrown, 'InvalidOptionError'), `got ${String(thrown)}`).toBe(true);
    expect((thrown as Error).message).toMatch(/random/);
  });

  it.each([
    ['NaN', NaN],
    ['2', 2],
    ['-1', -1],
  ])('a random returning %s: the retry delay stays within [0, window) and an InvalidOptionError is reported', (_n, value) => {
    const { fake, client, errors } = clamped({ random: () => value });
    fake.last.failHandshake(); // first retry: window = initialDelay = 1000
    const delay = client.getSnapshot().retryDelay;
    expect(delay).not.toBeNaN();
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThan(1000);
    expect(errors.some((e) => isResilientWsError(e, 'InvalidOptionError')), `errors: ${errors.map(String).join('; ')}`).toBe(true);
  });
});

describe('no tight loop when every window is 0', () => {
  it('retry.initialDelay 0 against a server that accepts and closes at once: fewer than 20 attempts per 1000 ms', () => {
    const { fake } = clamped({ retry: { initialDelay: 0 } });
    const t0 = Date.now();
    for (let i = 0; i < 500 && Date.now() - t0 < 1000; i++) {
      const ws = fake.last;
      if (ws.readyState === 0) {
        ws.open();
        ws.drop(); // accepted, then closed at once
      }
      if (vi.getTimerCount() === 0 && fake.last.readyState !== 0) break;
      vi.advanceTimersToNextTimer();
    }
    const elapsed = Math.max(1, Date.now() - t0);
    expect(fake.sockets.length, `${fake.sockets.length} attempts in ${elapsed} ms of fake time`).toBeLessThan(20 * Math.ceil(elapsed / 1000));
  });
});
