import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, isResilientWsError, type ClientOptions, type ReconnectingEvent } from '../../src/index';
import type { FakeSocket } from '../support/fake-socket';
import { setup as setupClient } from '../support/unit-client';

/**
 * The engine's side of two-phase backoff: the outage starts at the first failure since the
 * connection was last stable, the delay of every retry is read from how long it has lasted, and a
 * stable connection (or a fresh start) ends it. `jitter: 'none'` makes every delay the window.
 */

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Windows of an outage where every attempt is refused at once (jitter none, defaults): 1, 2, 4, 4, 4 s, then a third of the time gone, up to 60 s. */
const OUTAGE = [1000, 2000, 4000, 4000, 4000, 5000, 6666, 8888, 11_851, 15_801, 21_068, 28_091, 37_455, 49_940, 60_000, 60_000];

function setup(opts: Partial<ClientOptions> = {}) {
  const s = setupClient({ ...opts, retry: { jitter: 'none', ...(opts.retry as object) } });
  const retries: ReconnectingEvent[] = [];
  s.client.on('reconnecting', (e) => retries.push(e));
  return { ...s, retries, delays: () => retries.map((e) => e.delay) };
}

/** Refuse `n` attempts in a row, each as soon as it starts; returns the sockets' start times. */
function refuse(fake: { readonly last: FakeSocket; readonly sockets: FakeSocket[] }, n: number): void {
  for (let i = 0; i < n; i++) {
    const before = fake.sockets.length;
    fake.last.failHandshake();
    vi.advanceTimersToNextTimer();
    if (fake.sockets.length !== before + 1) throw new Error(`no retry after failure ${i + 1}`);
  }
}

describe('two-phase backoff in the engine', () => {
  it('reports each delay in `reconnecting` and the snapshot, and waits exactly that long', () => {
    const { fake, client, retries, delays } = setup();
    for (const [i, delay] of OUTAGE.entries()) {
      fake.last.failHandshake();
      expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: i + 1, retryDelay: delay });
      expect(retries.at(-1)).toMatchObject({ attempt: i + 1, delay, at: Date.now() + delay });
      vi.advanceTimersByTime(delay - 1);
      expect(fake.sockets).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
      expect(fake.sockets).toHaveLength(i + 2);
    }
    expect(delays()).toEqual(OUTAGE);
  });

  it('counts the outage across connections that close before minUptime', () => {
    const { fake, delays } = setup();
    refuse(fake, 3); // 1000 + 2000 + 4000: 7 s into the outage
    fake.last.open();
    vi.advanceTimersByTime(4999);
    fake.last.serverClose(1011, 'crash'); // 11 999 ms: still the fast phase
    vi.advanceTimersByTime(4000);
    fake.last.open();
    vi.advanceTimersByTime(4999);
    fake.last.drop(); // 20 998 ms: 4000 × 20998 / 12000
    expect(delays()).toEqual([1000, 2000, 4000, 4000, 6999]);
  });

  it('ends the outage once a connection stays up for minUptime: the next drop starts over in the fast phase', () => {
    const { fake, client, delays } = setup();
    refuse(fake, 10); // 62 s into the outage, window 15.8 s
    fake.last.open();
    vi.advanceTimersByTime(5000);
    expect(client.getSnapshot().attempt).toBe(0);
    vi.advanceTimersByTime(600_000); // a long healthy connection: no outage is running
    fake.last.drop();
    refuse(fake, 3);
    fake.last.failHandshake();
    expect(delays()).toEqual([...OUTAGE.slice(0, 10), 1000, 2000, 4000, 4000]);
  });

  it('starts a new outage on reconnect() and on connect() after close()', () => {
    const { fake, client, delays } = setup();
    refuse(fake, 8); // past the fast phase
    client.reconnect();
    fake.last.failHandshake();
    vi.advanceTimersToNextTimer();
    refuse(fake, 7);
    client.close();
    client.connect();
    fake.last.failHandshake();
    expect(delays()).toEqual([...OUTAGE.slice(0, 8), ...OUTAGE.slice(0, 8), 1000]);
  });

  it('after 1013 late in an outage waits tryAgainLaterDelay plus the grown window', () => {
    const { fake, delays } = setup();
    refuse(fake, 9); // 47 405 ms into the outage
    fake.last.open();
    fake.last.serverClose(1013, 'busy'); // window 4000 × 47405 / 12000 = 15801.67
    expect(delays().at(-1)).toBe(10_000 + 15_801);
  });

  it('after a 1012 within an outage backs off by phase (only the first retry of an outage is the restart spread)', () => {
    const { fake, delays } = setup({ random: () => 0.5 });
    fake.last.open();
    fake.last.serverClose(1012, 'restart'); // first failure: uniform 0–restartDelay
    vi.advanceTimersToNextTimer();
    refuse(fake, 3); // 2500 + 2000 + 4000 + 4000: 12.5 s into the outage
    fake.last.open();
    fake.last.serverClose(1012, 'restart again'); // 5th failure: window 4000 × 12500 / 12000
    expect(delays()).toEqual([2500, 2000, 4000, 4000, 4166]);
  });

  it('lets a server hint replace a grown window', () => {
    const { fake, delays } = setup({ random: () => 0 });
    refuse(fake, 12); // window 28 s by now
    fake.last.open();
    fake.last.serverClose(1011, 'retry-after=2');
    expect(delays().at(-1)).toBe(2000);
  });

  it('does not count time spent offline: after a long offline spell the clock restarts at the next failure', () => {
    const window = new EventTarget();
    const navigator = { onLine: true };
    const { fake, delays } = setup({ lifecycle: { target: { window, navigator } } });
    const signal = (type: 'online' | 'offline') => {
      navigator.onLine = type === 'online';
      window.dispatchEvent(new Event(type));
    };
    refuse(fake, 6); // 20 s into the outage, the 7th attempt under way
    signal('offline');
    vi.advanceTimersByTime(3_600_000); // the attempt times out (7th failure): the client waits offline
    signal('online'); // attempts at once
    fake.last.failHandshake(); // 8th failure, the first on a new phase clock: capped at fastMaxDelay, not 60 s
    vi.advanceTimersToNextTimer();
    fake.last.failHandshake();
    expect(delays()).toEqual([...OUTAGE.slice(0, 6), 4000, 4000]);
  });

  it('with fastPhase 0 backs off in one phase, as before two phases existed', () => {
    const { fake, delays } = setup({ retry: { jitter: 'none', fastPhase: 0, maxDelay: 10_000 } });
    refuse(fake, 6);
    expect(delays()).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });
});

describe('two-phase options are checked at the call site', () => {
  const make = (retry: ClientOptions['retry']) => () => createClient({ url: 'wss://example.test/', autoConnect: false, retry });
  const error = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it.each([
    ['retry.fastMaxDelay: -1', { fastMaxDelay: -1 }, /retry\.fastMaxDelay/],
    ['retry.fastMaxDelay: NaN', { fastMaxDelay: Number.NaN }, /retry\.fastMaxDelay/],
    ['retry.fastPhase: -5', { fastPhase: -5 }, /retry\.fastPhase/],
    ['retry.fastPhase: "10s"', { fastPhase: '10s' as unknown as number }, /retry\.fastPhase/],
    ['retry.fastMaxDelay above retry.maxDelay', { fastMaxDelay: 20_000, maxDelay: 10_000 }, /retry\.fastMaxDelay \(20000\) must not exceed retry\.maxDelay \(10000\)/],
    ['retry.fastMaxDelay above the default maxDelay', { fastMaxDelay: 90_000 }, /retry\.fastMaxDelay \(90000\) must not exceed retry\.maxDelay \(60000\)/],
  ])('%s throws InvalidOptionError naming the option', (_name, retry, message) => {
    const e = error(make(retry));
    expect(isResilientWsError(e, 'InvalidOptionError'), `got ${String(e)}`).toBe(true);
    expect((e as Error).message).toMatch(message);
  });

  it('accepts Infinity for both, and fastMaxDelay equal to maxDelay', () => {
    expect(error(make({ fastPhase: Infinity, fastMaxDelay: Infinity, maxDelay: Infinity }))).toBeUndefined();
    expect(error(make({ fastMaxDelay: 10_000, maxDelay: 10_000 }))).toBeUndefined();
  });

  it('cuts the default fast cap to a lower maxDelay instead of throwing', () => {
    const { fake, delays } = setup({ retry: { jitter: 'none', maxDelay: 2500 } });
    refuse(fake, 4);
    expect(delays()).toEqual([1000, 2000, 2500, 2500]);
  });
});
