import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  createClient,
  isResilientWsError,
  type CloseAction,
  type CloseCategory,
  type ClientEvents,
  type ClientOptions,
  type Client,
  type RawMessage,
  type ResilientWsErrorName,
  type WebSocketConstructor,
} from '../../src/index';
import { fakeWebSocket, sequence } from '../support/fake-socket';
import { settle, setup as setupClient } from '../support/unit-client';

const URL_ = 'wss://example.test/live';
const ZH_REASON = '服务端维护中,请稍后重连';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

type Events = ClientEvents<RawMessage, unknown>;
const EVENT_TYPES = ['status', 'open', 'message', 'close', 'reconnecting', 'error', 'rtt', 'drop'] as const;

/** Every event the client emits, in order. */
function record(client: Client) {
  const all: { type: keyof Events; event: unknown }[] = [];
  for (const type of EVENT_TYPES) client.on(type, (event) => all.push({ type, event }));
  return {
    all,
    of: <K extends keyof Events>(type: K) => all.filter((e) => e.type === type).map((e) => e.event as Events[K]),
  };
}

/** The shared unit client (heartbeat and browser signals off, random 0.5), with every event recorded. */
function setup(opts: Partial<ClientOptions> = {}) {
  const s = setupClient(opts);
  return { ...s, events: record(s.client), snap: () => s.client.getSnapshot() };
}

/** The error a synchronous call throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function expectTyped(fn: () => unknown, name: ResilientWsErrorName, message?: RegExp) {
  const e = thrown(fn);
  expect(isResilientWsError(e, name), `expected ${name}, got ${String(e)}`).toBe(true);
  expect((e as Error).message.length).toBeGreaterThan(20);
  if (message) expect((e as Error).message).toMatch(message);
}

// ---------------------------------------------------------------------------------------------
// Close codes through the client
// ---------------------------------------------------------------------------------------------

interface Row {
  code: number;
  category: CloseCategory;
  action: CloseAction;
  /** Delay of the first retry with random 0.5 (reconnect rows). */
  delay?: number;
  /** 1006 and 1015 are never sent in a frame: the close is not clean and carries no reason. */
  network?: boolean;
}

const ROWS: Row[] = [
  { code: 1000, category: 'normal', action: 'stop' },
  { code: 1001, category: 'going-away', action: 'reconnect', delay: 500 },
  { code: 1002, category: 'protocol-error', action: 'stop' },
  { code: 1003, category: 'protocol-error', action: 'stop' },
  { code: 1005, category: 'no-status', action: 'reconnect', delay: 500 },
  { code: 1006, category: 'network', action: 'reconnect', delay: 500, network: true },
  { code: 1007, category: 'protocol-error', action: 'stop' },
  { code: 1008, category: 'policy-violation', action: 'stop' },
  { code: 1009, category: 'protocol-error', action: 'stop' },
  { code: 1010, category: 'protocol-error', action: 'stop' },
  { code: 1011, category: 'server-error', action: 'reconnect', delay: 500 },
  { code: 1012, category: 'service-restart', action: 'reconnect', delay: 2500 },
  { code: 1013, category: 'try-again-later', action: 'reconnect', delay: 10_500 },
  { code: 1014, category: 'bad-gateway', action: 'reconnect', delay: 500 },
  { code: 1015, category: 'tls', action: 'stop', network: true },
  { code: 3000, category: 'unauthorized', action: 'stop' },
  { code: 3001, category: 'application', action: 'reconnect', delay: 500 },
  { code: 3003, category: 'forbidden', action: 'stop' },
  { code: 3008, category: 'timeout', action: 'reconnect', delay: 500 },
  { code: 3999, category: 'application', action: 'reconnect', delay: 500 },
  { code: 4000, category: 'private', action: 'stop' },
  { code: 4001, category: 'private', action: 'stop' },
  { code: 4999, category: 'private', action: 'stop' },
  { code: 1004, category: 'unknown', action: 'reconnect', delay: 500 },
  { code: 2999, category: 'unknown', action: 'reconnect', delay: 500 },
];

describe('close codes through the client', () => {
  it.each(ROWS)('after $code from an open connection: $category → $action', (row) => {
    const { fake, client, events, snap } = setup();
    const reason = row.network ? '' : row.code % 2 ? ZH_REASON : 'maintenance';
    fake.last.open();
    fake.last.serverClose(row.code, reason, !row.network);

    const close = snap().lastClose!;
    expect(close).toMatchObject({
      code: row.code,
      reason,
      wasClean: !row.network,
      initiatedBy: row.network ? 'network' : 'server',
      category: row.category,
      action: row.action,
      duringConnect: false,
    });
    expect(close.message).toEqual(expect.any(String));
    expect(close.message.trim()).not.toBe('');
    expect(close.message).not.toBe(reason);
    expect(events.of('close')).toEqual([close]);

    if (row.action === 'stop') {
      expect(snap().status).toBe('closed');
      vi.advanceTimersByTime(120_000);
      expect(fake.sockets).toHaveLength(1);
      expect(client.getSnapshot().status).toBe('closed');
    } else {
      expect(snap()).toMatchObject({ status: 'reconnecting', attempt: 1, retryDelay: row.delay });
      vi.advanceTimersByTime(row.delay! - 1);
      expect(fake.sockets).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(fake.sockets).toHaveLength(2);
      expect(snap().status).toBe('connecting');
    }
  });

  it('stops and surfaces the reason after 1000 from the server', () => {
    const { fake, snap, events } = setup();
    fake.last.open();
    fake.last.serverClose(1000, 'session ended');
    expect(snap()).toMatchObject({ status: 'closed', lastError: null });
    expect(snap().lastClose).toMatchObject({ code: 1000, reason: 'session ended', initiatedBy: 'server', category: 'normal', action: 'stop' });
    expect(events.of('reconnecting')).toEqual([]);
  });

  it('stops as a client close after our own close() is echoed with 1000', () => {
    const { fake, client, snap } = setup();
    fake.last.open();
    client.close();
    expect(fake.last.closeCalls).toEqual([{ code: 1000, reason: undefined }]);
    fake.last.echoClose();
    expect(snap()).toMatchObject({ status: 'closed', lastError: null });
    expect(snap().lastClose).toMatchObject({ code: 1000, wasClean: true, initiatedBy: 'client', category: 'client', action: 'stop' });
    vi.advanceTimersByTime(120_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it('passes our close code and reason to the socket', () => {
    const { fake, client, snap } = setup();
    fake.last.open();
    client.close(4000, ZH_REASON);
    expect(fake.last.closeCalls).toEqual([{ code: 4000, reason: ZH_REASON }]);
    fake.last.echoClose();
    expect(snap().lastClose).toMatchObject({ code: 4000, reason: ZH_REASON, initiatedBy: 'client', category: 'client' });
  });

  it('treats 1006 before open as a failed attempt, reports a ConnectionError and retries', () => {
    const { fake, snap, events } = setup();
    expect(snap().status).toBe('connecting');
    fake.last.failHandshake();
    expect(snap().status).toBe('reconnecting');
    expect(snap().lastClose).toMatchObject({
      code: 1006,
      wasClean: false,
      initiatedBy: 'network',
      category: 'connect-failed',
      action: 'reconnect',
      duringConnect: true,
    });
    const errors = events.of('error');
    expect(errors).toHaveLength(1);
    expect(isResilientWsError(errors[0], 'ConnectionError')).toBe(true);
    expect(isResilientWsError(snap().lastError, 'ConnectionError')).toBe(true);
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
  });

  it('treats a bare close 1006 before open (no error event) as a failed attempt too', () => {
    const { fake, snap } = setup();
    fake.last.serverClose(1006, '', false);
    expect(snap().lastClose).toMatchObject({ category: 'connect-failed', duringConnect: true, action: 'reconnect' });
    expect(snap().status).toBe('reconnecting');
  });

  it('records a server hint from the close reason and waits what it says', () => {
    const { fake, snap } = setup();
    fake.last.open();
    fake.last.serverClose(1013, '{"retryAfter": 2, "message": "Back soon"}');
    expect(snap().lastClose).toMatchObject({ code: 1013, retryAfter: 2000, serverMessage: 'Back soon', action: 'reconnect' });
    // 2000 ms is below tryAgainLaterDelay (10 s), which 1013 never undercuts; plus jitter of up
    // to max(20 %, 1 s) of that, drawn at 0.5
    expect(snap().retryDelay).toBe(11_000);
    vi.advanceTimersByTime(10_999);
    expect(fake.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(fake.sockets).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Backoff schedule
// ---------------------------------------------------------------------------------------------

describe('backoff', () => {
  it('reconnects with two-phase backoff after repeated failures: capped at fastMaxDelay, then growing with the outage', () => {
    const { fake, snap, events } = setup();
    // random 0.5: half of each window. Windows 1, 2, 4, 4… s until 12 s into the outage (the 9th
    // failure is 13.5 s in: 4000 × 13500 / 12000 = 4500), then a third of the elapsed time.
    const expected = [500, 1000, 2000, 2000, 2000, 2000, 2000, 2000, 2250, 2625, 3062];
    const seen: { attempt: number; delay: number; at: number }[] = [];
    for (const [i, delay] of expected.entries()) {
      fake.last.failHandshake();
      const at = Date.now() + delay;
      expect(snap()).toMatchObject({ status: 'reconnecting', attempt: i + 1, retryDelay: delay, nextRetryAt: at });
      seen.push({ attempt: i + 1, delay, at });
      vi.advanceTimersByTime(delay - 1);
      expect(fake.sockets).toHaveLength(i + 1);
      vi.advanceTimersByTime(1);
      expect(fake.sockets).toHaveLength(i + 2);
      expect(snap()).toMatchObject({ status: 'connecting', attempt: i + 1, nextRetryAt: null, retryDelay: null });
    }
    expect(events.of('reconnecting').map(({ attempt, delay, at }) => ({ attempt, delay, at }))).toEqual(seen);
    for (const e of events.of('reconnecting')) expect(e.close?.category).toBe('connect-failed');
  });

  it('keeps a full-jitter delay inside [0, window) when it is made whole milliseconds', () => {
    const { fake, events } = setup({ random: () => 0.9999 });
    fake.last.failHandshake(); // window 1000 ms: 999.9 ms
    expect(events.of('reconnecting').map((e) => e.delay)).toEqual([999]);
  });

  it('draws jitter per attempt', () => {
    const random = vi.fn(sequence(0.1, 0.9, 0.25));
    const { fake, events } = setup({ random });
    for (let i = 0; i < 3; i++) {
      fake.last.failHandshake();
      vi.runOnlyPendingTimers();
    }
    expect(events.of('reconnecting').map((e) => e.delay)).toEqual([100, 1800, 1000]);
    expect(random).toHaveBeenCalledTimes(3);
  });

  it('keeps growing the delay when connections close before minUptime (crash loop)', () => {
    const { fake, snap, events } = setup();
    for (let i = 0; i < 4; i++) {
      fake.last.open();
      vi.advanceTimersByTime(4999);
      fake.last.serverClose(1011, 'crash');
      vi.runOnlyPendingTimers();
    }
    // The outage lasts across the short-lived connections: the 4th failure comes 18.5 s after the
    // first, past the fast phase (12 s), so its window is 4000 × 18497 / 12000 ≈ 6166, not 4000.
    expect(events.of('reconnecting').map((e) => [e.attempt, e.delay])).toEqual([
      [1, 500],
      [2, 1000],
      [3, 2000],
      [4, 3082],
    ]);
    expect(snap().attempt).toBe(4);
  });

  it('starts over from the first window once a connection stayed up for minUptime', () => {
    const { fake, snap, events } = setup({ retry: { minUptime: 2000 } });
    fake.last.failHandshake();
    vi.runOnlyPendingTimers();
    fake.last.failHandshake();
    vi.runOnlyPendingTimers();
    fake.last.open();
    expect(snap().attempt).toBe(2);
    vi.advanceTimersByTime(2000);
    expect(snap().attempt).toBe(0);
    fake.last.drop();
    expect(snap()).toMatchObject({ status: 'reconnecting', attempt: 1, retryDelay: 500 });
    expect(events.of('reconnecting').map((e) => e.delay)).toEqual([500, 1000, 500]);
  });

  it('gives up after retry.limit consecutive failures with RetriesExhaustedError', () => {
    const { fake, snap, events } = setup({ retry: { limit: 2 } });
    fake.last.failHandshake();
    vi.runOnlyPendingTimers();
    fake.last.failHandshake();
    vi.runOnlyPendingTimers();
    fake.last.failHandshake();
    expect(snap().status).toBe('closed');
    expect(snap().lastError?.name).toBe('RetriesExhaustedError');
    expect(snap().lastClose).toMatchObject({ action: 'stop', code: 1006 });
    expect(snap().lastClose!.message).toMatch(/2/);
    expect(events.of('error').some((e) => e.name === 'RetriesExhaustedError')).toBe(true);
    vi.advanceTimersByTime(300_000);
    expect(fake.sockets).toHaveLength(3);
  });

  it('never reconnects with retry: false', () => {
    const { fake, snap } = setup({ retry: false });
    fake.last.open();
    fake.last.drop();
    expect(snap().status).toBe('closed');
    expect(snap().lastClose).toMatchObject({ code: 1006, category: 'network', action: 'stop' });
    vi.advanceTimersByTime(300_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it('does not tell the user it is reconnecting when a close is turned into a stop', () => {
    const a = setup({ retry: false });
    a.fake.last.open();
    a.fake.last.drop();
    const b = setup({ closePolicy: { 1011: 'stop' } });
    b.fake.last.open();
    b.fake.last.serverClose(1011, 'oops');
    for (const close of [a.snap().lastClose!, b.snap().lastClose!]) {
      expect(close.action).toBe('stop');
      expect(close.message).not.toMatch(/reconnect|retry/i);
    }
  });

  it('spreads the first retry after 1012 over 0–restartDelay, then backs off normally', () => {
    const { fake, events } = setup();
    fake.last.open();
    fake.last.serverClose(1012, 'restarting');
    vi.runOnlyPendingTimers();
    fake.last.failHandshake();
    expect(events.of('reconnecting').map((e) => e.delay)).toEqual([2500, 1000]);
  });

  it('waits at least tryAgainLaterDelay after 1013', () => {
    const { fake, snap } = setup({ random: () => 0 });
    fake.last.open();
    fake.last.serverClose(1013, 'busy');
    expect(snap().retryDelay).toBe(10_000);
    vi.advanceTimersByTime(9999);
    expect(fake.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(fake.sockets).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------
// closePolicy
// ---------------------------------------------------------------------------------------------

describe('closePolicy', () => {
  it('a table can make private codes reconnect', () => {
    const { fake, snap } = setup({ closePolicy: { '4000-4999': 'reconnect' } });
    fake.last.open();
    fake.last.serverClose(4001, 'kicked');
    expect(snap().lastClose).toMatchObject({ category: 'private', action: 'reconnect' });
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
  });

  it('a table can stop a code that would reconnect', () => {
    const { fake, snap } = setup({ closePolicy: { 1011: 'stop' } });
    fake.last.open();
    fake.last.serverClose(1011, 'oops');
    expect(snap()).toMatchObject({ status: 'closed' });
    expect(snap().lastClose).toMatchObject({ category: 'server-error', action: 'stop' });
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it('a function decides, and undefined falls through to the built-in table', () => {
    const policy = vi.fn((c: { code: number }) => (c.code === 4001 ? ('reconnect' as const) : undefined));
    const { fake, snap } = setup({ closePolicy: policy });
    fake.last.open();
    fake.last.serverClose(4001, 'kicked');
    expect(snap().lastClose?.action).toBe('reconnect');
    expect(policy).toHaveBeenLastCalledWith({ code: 4001, reason: 'kicked', wasClean: true, category: 'private', duringConnect: false });
    vi.runOnlyPendingTimers();
    fake.last.open();
    fake.last.serverClose(1011, 'oops');
    expect(snap().lastClose?.action).toBe('reconnect');
    vi.runOnlyPendingTimers();
    fake.last.open();
    fake.last.serverClose(4002, 'banned');
    expect(snap()).toMatchObject({ status: 'closed' });
    expect(snap().lastClose?.action).toBe('stop');
  });
});

// ---------------------------------------------------------------------------------------------
// Timeouts
// ---------------------------------------------------------------------------------------------

describe('timeouts', () => {
  it('abandons a socket that never opens after connectTimeout and retries', () => {
    const { fake, snap, events } = setup({ connectTimeout: 3000 });
    const first = fake.last;
    vi.advanceTimersByTime(2999);
    expect(snap().status).toBe('connecting');
    expect(first.closeCalls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(first.closeCalls).toHaveLength(1);
    expect(snap().status).toBe('reconnecting');
    expect(snap().lastClose).toMatchObject({ category: 'connect-timeout', initiatedBy: 'timeout', duringConnect: true, action: 'reconnect' });
    expect(events.of('error').map((e) => e.name)).toEqual(['ConnectTimeoutError']);
    expect(snap().lastError?.name).toBe('ConnectTimeoutError');
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
    expect(fake.last).not.toBe(first);
  });

  it('counts connect timeouts as failed attempts', () => {
    const { events } = setup({ connectTimeout: 1000 });
    vi.advanceTimersByTime(1000 + 500 + 1000 + 1000 + 1000);
    expect(events.of('reconnecting').map((e) => [e.attempt, e.delay])).toEqual([
      [1, 500],
      [2, 1000],
      [3, 2000],
    ]);
  });

  it('gives the closing handshake closeTimeout, then reports closed with wasClean false', () => {
    const { fake, client, snap, events } = setup({ closeTimeout: 2000 });
    fake.last.open();
    client.close();
    expect(snap().status).toBe('closing');
    vi.advanceTimersByTime(1999);
    expect(snap().status).toBe('closing');
    vi.advanceTimersByTime(1);
    expect(snap().status).toBe('closed');
    expect(snap().lastClose).toMatchObject({ wasClean: false, initiatedBy: 'client', action: 'stop' });
    expect(snap().lastError?.name).toBe('CloseTimeoutError');
    expect(events.of('error').map((e) => e.name)).toEqual(['CloseTimeoutError']);
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(1);
    // a late echo changes nothing
    const before = snap();
    fake.last.echoClose();
    expect(snap()).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------
// connect() / reconnect()
// ---------------------------------------------------------------------------------------------

describe('connect and reconnect', () => {
  it('reconnect() drops the current socket, connects at once and resets the backoff', () => {
    const { fake, client, snap, events } = setup();
    for (let i = 0; i < 3; i++) {
      fake.last.failHandshake();
      vi.runOnlyPendingTimers();
    }
    fake.last.open();
    const old = fake.last;
    client.reconnect();
    expect(old.closeCalls).toHaveLength(1);
    expect(fake.sockets).toHaveLength(5);
    expect(snap()).toMatchObject({ status: 'connecting', attempt: 0 });
    fake.last.failHandshake();
    expect(events.of('reconnecting').map((e) => e.delay)).toEqual([500, 1000, 2000, 500]);
  });

  it('reconnect() during a retry wait connects now with a fresh backoff', () => {
    const { fake, client, events } = setup();
    fake.last.failHandshake();
    vi.runOnlyPendingTimers();
    fake.last.failHandshake();
    client.reconnect();
    expect(fake.sockets).toHaveLength(3);
    vi.advanceTimersByTime(1000); // the cancelled wait
    expect(fake.sockets).toHaveLength(3);
    fake.last.failHandshake();
    expect(events.of('reconnecting').map((e) => e.delay)).toEqual([500, 1000, 500]);
  });

  it('after reconnect() the snapshot describes the new attempt, not the old connection', () => {
    const { fake, client, snap } = setup();
    fake.last.open('chat', 'permessage-deflate');
    expect(snap()).toMatchObject({ protocol: 'chat', extensions: 'permessage-deflate' });
    client.reconnect();
    expect(snap()).toMatchObject({ status: 'connecting', openedAt: null, protocol: '', extensions: '' });
  });

  it('a handshake that fails after reconnect() is a failed attempt, not a dropped connection', () => {
    const { fake, client, snap } = setup();
    fake.last.open();
    client.reconnect();
    fake.last.serverClose(1006, '', false);
    expect(snap().lastClose).toMatchObject({ code: 1006, category: 'connect-failed', duringConnect: true, action: 'reconnect' });
  });

  it('connect() during a retry wait connects now', () => {
    const { fake, client, snap } = setup();
    fake.last.failHandshake();
    expect(snap().status).toBe('reconnecting');
    client.connect();
    expect(fake.sockets).toHaveLength(2);
    expect(snap().status).toBe('connecting');
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
  });

  it('connect() is a no-op while connecting or open', () => {
    const { fake, client } = setup();
    client.connect();
    expect(fake.sockets).toHaveLength(1);
    fake.last.open();
    client.connect();
    expect(fake.sockets).toHaveLength(1);
  });

  it('connect() after a stop starts again', () => {
    const { fake, client, snap } = setup();
    fake.last.open();
    fake.last.serverClose(1008, 'policy');
    expect(snap().status).toBe('closed');
    client.connect();
    expect(fake.sockets).toHaveLength(2);
    expect(snap()).toMatchObject({ status: 'connecting', attempt: 0 });
  });

  it('does not connect before connect() with autoConnect: false', () => {
    const { fake, client, snap } = setup({ autoConnect: false });
    expect(snap().status).toBe('idle');
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(0);
    client.connect();
    expect(fake.sockets).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------
// url and protocols providers
// ---------------------------------------------------------------------------------------------

describe('providers', () => {
  it('calls a sync url provider before every attempt', () => {
    let n = 0;
    const url = vi.fn(() => `wss://example.test/live?token=t${++n}`);
    const { fake, snap } = setup({ url });
    expect(fake.last.url).toBe('wss://example.test/live?token=t1');
    fake.last.failHandshake();
    vi.advanceTimersByTime(500);
    expect(fake.last.url).toBe('wss://example.test/live?token=t2');
    expect(url).toHaveBeenCalledTimes(2);
    expect(snap().url).toBe('wss://example.test/live?token=***');
  });

  it('awaits an async url provider before every attempt', async () => {
    let n = 0;
    const { fake, snap } = setup({ url: async () => `wss://example.test/live?token=a${++n}` });
    expect(snap().status).toBe('connecting');
    expect(fake.sockets).toHaveLength(0);
    await settle();
    expect(fake.last.url).toBe('wss://example.test/live?token=a1');
    fake.last.failHandshake();
    vi.advanceTimersByTime(500);
    await settle();
    expect(fake.sockets.map((s) => s.url)).toEqual(['wss://example.test/live?token=a1', 'wss://example.test/live?token=a2']);
  });

  it('calls sync and async protocols providers before every attempt', async () => {
    let n = 0;
    const sync = setup({ protocols: () => [`v${++n}`, 'chat'] });
    expect(sync.fake.last.protocols).toEqual(['v1', 'chat']);
    sync.fake.last.failHandshake();
    vi.advanceTimersByTime(500);
    expect(sync.fake.last.protocols).toEqual(['v2', 'chat']);

    let m = 0;
    const async_ = setup({ protocols: async () => `p${++m}` });
    await settle();
    expect(async_.fake.last.protocols).toEqual(['p1']);
    async_.fake.last.failHandshake();
    vi.advanceTimersByTime(500);
    await settle();
    expect(async_.fake.last.protocols).toEqual(['p2']);
  });

  it('retries with backoff when a url provider throws', () => {
    let calls = 0;
    const cause = new Error('token service down');
    const { fake, client, snap, events } = setup({
      autoConnect: false,
      url: () => {
        if (++calls <= 2) throw cause;
        return URL_;
      },
    });
    client.connect();
    expect(snap().status).toBe('reconnecting');
    expect(snap().lastError?.name).toBe('UrlProviderError');
    expect(snap().lastError?.cause).toBe(cause);
    expect(events.of('error').map((e) => e.name)).toEqual(['UrlProviderError']);
    vi.advanceTimersByTime(500);
    expect(calls).toBe(2);
    expect(snap().retryDelay).toBe(1000);
    vi.advanceTimersByTime(1000);
    expect(fake.sockets).toHaveLength(1);
    expect(events.of('reconnecting').map((e) => [e.attempt, e.delay, e.close])).toEqual([
      [1, 500, null],
      [2, 1000, null],
    ]);
  });

  it('retries with backoff when an async url provider rejects', async () => {
    let calls = 0;
    const { fake, snap } = setup({
      url: async () => {
        if (++calls === 1) throw new Error('401 from token endpoint');
        return URL_;
      },
    });
    await settle();
    expect(snap().status).toBe('reconnecting');
    expect(snap().lastError?.name).toBe('UrlProviderError');
    vi.advanceTimersByTime(500);
    await settle();
    expect(fake.sockets).toHaveLength(1);
    expect(snap().status).toBe('connecting');
  });

  it('stops without retrying when a provider returns an invalid URL', async () => {
    const url = vi.fn(async () => 'ftp://example.test/file');
    const { fake, snap, events } = setup({ url });
    await settle();
    expect(snap().status).toBe('closed');
    expect(isResilientWsError(snap().lastError, 'InvalidUrlError')).toBe(true);
    expect(snap().lastClose?.action).toBe('stop');
    expect(events.of('error')).toHaveLength(1);
    vi.advanceTimersByTime(300_000);
    await settle();
    expect(url).toHaveBeenCalledTimes(1);
    expect(fake.sockets).toHaveLength(0);
  });

  it('ignores a provider that settles after close()', async () => {
    let resolve!: (u: string) => void;
    const { fake, client, snap } = setup({ url: () => new Promise<string>((r) => (resolve = r)) });
    client.close();
    resolve(URL_);
    await settle();
    expect(fake.sockets).toHaveLength(0);
    expect(snap().status).toBe('closed');
  });
});

// ---------------------------------------------------------------------------------------------
// Configuration the browser refuses
// ---------------------------------------------------------------------------------------------

describe('a WebSocket constructor that throws', () => {
  it.each(['SyntaxError', 'SecurityError'])('%s stops with ConfigurationError and is never retried', (name) => {
    let calls = 0;
    const refused = new DOMException('refused', name);
    const Throwing = class {
      constructor() {
        calls++;
        throw refused;
      }
    } as unknown as WebSocketConstructor;
    const client = createClient({ url: URL_, WebSocket: Throwing, heartbeat: false, lifecycle: false });
    onTestFinished(() => client.dispose());
    const s = client.getSnapshot();
    expect(s.status).toBe('closed');
    expect(isResilientWsError(s.lastError, 'ConfigurationError')).toBe(true);
    expect(s.lastError?.cause).toBe(refused);
    expect(s.lastError?.message).toContain(name);
    expect(s.lastClose?.action).toBe('stop');
    vi.advanceTimersByTime(600_000);
    expect(calls).toBe(1);
  });
  it('a refusal that quotes the URL keeps no token: the cause is a masked copy with the same name', () => {
    const secret = `${URL_}?token=SECRET&room=SECRET`;
    const Throwing = class {
      constructor(url: string) {
        throw new DOMException(`Failed to construct 'WebSocket': The URL '${url}' is invalid.`, 'SyntaxError');
      }
    } as unknown as WebSocketConstructor;
    const logged: string[] = [];
    const logger = { error: (...a: unknown[]) => logged.push(a.map((x) => (x instanceof Error ? `${x.message} ${String((x as Error & { cause?: unknown }).cause)}` : JSON.stringify(x))).join(' ')) };
    const client = createClient({ url: secret, WebSocket: Throwing, heartbeat: false, lifecycle: false, logger });
    onTestFinished(() => client.dispose());
    const cause = client.getSnapshot().lastError?.cause as Error;
    expect(cause.name).toBe('SyntaxError');
    expect(cause.message).toContain('token=***');
    expect(cause.message).not.toContain('SECRET');
    expect(JSON.stringify(client.getSnapshot())).not.toContain('SECRET');
    expect(logged.join('\n')).not.toContain('SECRET');
  });
});

describe('the automatic first attempt', () => {
  it('reports a refusal to handlers attached right after createClient (the documented pattern)', async () => {
    const Refusing = class {
      constructor() {
        throw new DOMException('An insecure WebSocket connection may not be initiated from a page loaded over HTTPS.', 'SecurityError');
      }
    } as unknown as WebSocketConstructor;
    const client = createClient({ url: 'ws://example.test/live', WebSocket: Refusing, heartbeat: false, lifecycle: false });
    onTestFinished(() => client.dispose());
    const onClose = vi.fn();
    const onError = vi.fn();
    client.on('close', onClose);
    client.on('error', onError);
    await settle();
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onClose.mock.calls[0]![0]).toMatchObject({ action: 'stop' });
    expect(onError).toHaveBeenCalledTimes(1);
    expect(isResilientWsError(onError.mock.calls[0]![0], 'ConfigurationError')).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Credentials never leak
// ---------------------------------------------------------------------------------------------

describe('credentials', () => {
  it('masks the token in the snapshot url and never logs it', () => {
    const logged: unknown[][] = [];
    const sink = (level: string) => (...args: unknown[]) => logged.push([level, ...args]);
    const logger = { debug: sink('debug'), info: sink('info'), warn: sink('warn'), error: sink('error') };
    const { fake, client, snap, events } = setup({
      url: 'wss://alice:hunter2@example.test/live?token=s3cr3t&room=7',
      logger,
      connectTimeout: 1000,
    });
    expect(fake.last.url).toContain('token=s3cr3t');
    expect(snap().url).toBe('wss://***@example.test/live?token=***&room=***');
    fake.last.failHandshake(); // ConnectionError
    vi.advanceTimersByTime(500 + 1000); // connect timeout
    vi.runOnlyPendingTimers();
    fake.last.open();
    fake.last.serverClose(4001, 'bye');
    client.connect();
    fake.last.open();
    client.close();
    vi.runOnlyPendingTimers(); // close timeout

    const text = JSON.stringify([logged, events.all, snap()]);
    expect(logged.length).toBeGreaterThan(3);
    expect(text).toContain('example.test');
    expect(text).not.toContain('s3cr3t');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('alice');
    for (const e of events.of('error')) expect(e.message).not.toContain('s3cr3t');
    for (const e of events.of('open')) expect(e.url).not.toContain('s3cr3t');
  });
});

// ---------------------------------------------------------------------------------------------
// Snapshot, subscribe, on
// ---------------------------------------------------------------------------------------------

describe('snapshot and listeners', () => {
  it('getSnapshot() returns the same object until something changes', () => {
    const { fake, client } = setup();
    const a = client.getSnapshot();
    expect(client.getSnapshot()).toBe(a);
    fake.last.open();
    const b = client.getSnapshot();
    expect(b).not.toBe(a);
    expect(b.status).toBe('open');
    expect(client.getSnapshot()).toBe(b);
    vi.advanceTimersByTime(1000);
    expect(client.getSnapshot()).toBe(b);
  });

  it('subscribe() calls the listener on every change and unsubscribe stops it', () => {
    const { fake, client } = setup();
    const seen: unknown[] = [];
    const unsubscribe = client.subscribe(() => seen.push(client.getSnapshot()));
    fake.last.open();
    fake.last.drop();
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen).size).toBe(seen.length); // a new snapshot every call
    expect(seen.at(-1)).toBe(client.getSnapshot());
    expect(seen.map((s) => (s as { status: string }).status)).toContain('open');
    unsubscribe();
    const count = seen.length;
    vi.advanceTimersByTime(500);
    fake.last.open();
    expect(seen).toHaveLength(count);
  });

  it('on() returns a working unsubscribe', () => {
    const { fake, client } = setup();
    const opened = vi.fn();
    const off = client.on('open', opened);
    fake.last.open();
    expect(opened).toHaveBeenCalledTimes(1);
    expect(opened).toHaveBeenCalledWith({ url: URL_, protocol: '', extensions: '' });
    off();
    off();
    fake.last.drop();
    vi.advanceTimersByTime(500);
    fake.last.open();
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it('emits status with the new snapshot on every status change', () => {
    const { fake, events } = setup();
    fake.last.open();
    fake.last.drop();
    vi.advanceTimersByTime(500);
    expect(events.of('status').map((s) => s.status)).toEqual(['open', 'reconnecting', 'connecting']);
  });

  it('a throwing handler or listener does not break the client; the error is reported', () => {
    const reportError = vi.fn();
    vi.stubGlobal('reportError', reportError);
    const boom = new Error('handler bug');
    const { fake, client, snap } = setup();
    client.on('status', () => {
      throw boom;
    });
    client.subscribe(() => {
      throw boom;
    });
    const after = vi.fn();
    client.on('status', after);
    fake.last.open();
    expect(snap().status).toBe('open');
    expect(after).toHaveBeenCalledTimes(1);
    fake.last.drop();
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
    expect(after).toHaveBeenCalledTimes(3);
    expect(reportError).toHaveBeenCalledWith(boom);
    expect(reportError.mock.calls.length).toBeGreaterThanOrEqual(6);
  });
});

// ---------------------------------------------------------------------------------------------
// dispose()
// ---------------------------------------------------------------------------------------------

describe('dispose', () => {
  it('closes the socket, clears every timer, and nothing fires afterwards', () => {
    const { fake, client, events, snap } = setup({ heartbeat: {}, lifecycle: {} });
    fake.last.open();
    const listener = vi.fn();
    client.subscribe(listener);
    const old = fake.last;
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    client.dispose();
    expect(old.closeCalls).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
    const count = events.all.length;
    const calls = listener.mock.calls.length;
    old.receive('hello');
    old.serverClose(1006, '', false);
    old.open();
    window.dispatchEvent(new Event('offline'));
    window.dispatchEvent(new Event('online'));
    vi.advanceTimersByTime(600_000);
    expect(events.all).toHaveLength(count);
    expect(listener).toHaveBeenCalledTimes(calls);
    expect(fake.sockets).toHaveLength(1);
    expect(snap().status).toBe('closed');
  });

  it('clears a pending retry', () => {
    const { fake, client } = setup();
    fake.last.failHandshake();
    client.dispose();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(600_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it('ignores an async provider that settles afterwards', async () => {
    const { fake, client } = setup({ url: async () => URL_ });
    client.dispose();
    await settle();
    expect(fake.sockets).toHaveLength(0);
  });

  it('makes send/connect/close/reconnect throw DisposedError; getSnapshot and dispose keep working', () => {
    const { client } = setup();
    client.dispose();
    const calls: [string, () => unknown][] = [
      ['send', () => client.send('x')],
      ['connect', () => client.connect()],
      ['close', () => client.close()],
      ['reconnect', () => client.reconnect()],
    ];
    for (const [method, call] of calls) expectTyped(call, 'DisposedError', new RegExp(method));
    expect(client.getSnapshot().status).toBe('closed');
    expect(() => client.dispose()).not.toThrow();
    expect(typeof client.on('open', () => {})).toBe('function');
    expect(typeof client.subscribe(() => {})).toBe('function');
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input
// ---------------------------------------------------------------------------------------------

describe('bad input is rejected synchronously with a typed, helpful error', () => {
  const make = (opts: Partial<ClientOptions>) => () => {
    const fake = fakeWebSocket();
    const client = createClient({ url: URL_, WebSocket: fake.WebSocket, heartbeat: false, lifecycle: false, ...opts });
    onTestFinished(() => client.dispose());
    return { client, fake };
  };

  it('rejects a missing options object', () => {
    expectTyped(() => createClient(undefined as unknown as ClientOptions), 'InvalidOptionError', /url/);
  });

  it('rejects a missing url instead of connecting to "<page>/undefined"', () => {
    const fake = fakeWebSocket();
    for (const url of [undefined, null]) {
      const e = thrown(() => createClient({ url: url as unknown as string, WebSocket: fake.WebSocket, lifecycle: false, heartbeat: false }));
      expect(isResilientWsError(e, 'InvalidOptionError') || isResilientWsError(e, 'InvalidUrlError')).toBe(true);
    }
    expect(fake.sockets).toHaveLength(0);
  });

  it('rejects an unparseable URL', () => {
    expectTyped(make({ url: 'ws://[bad' }), 'InvalidUrlError', /ws:\/\/\[bad/);
  });

  it('rejects a URL with another scheme', () => {
    expectTyped(make({ url: 'ftp://example.test/' }), 'InvalidUrlError', /ws:.*wss:.*ftp:/);
  });

  it.each(['ws://a/#x', 'ws://a/#'])('rejects the fragment in %s', (url) => {
    expectTyped(make({ url }), 'InvalidUrlError', /fragment/);
  });

  it('turns http(s) into ws(s)', () => {
    expect(make({ url: 'http://example.test/a' })().fake.last.url).toBe('ws://example.test/a');
    expect(make({ url: 'https://example.test/a' })().fake.last.url).toBe('wss://example.test/a');
    expect(make({ url: new URL('wss://example.test/u') })().fake.last.url).toBe('wss://example.test/u');
  });

  it('resolves a relative URL against the page (http → ws, https → wss)', () => {
    expect(location.href).toBe('http://localhost:3000/');
    expect(make({ url: '/live?room=1' })().fake.last.url).toBe('ws://localhost:3000/live?room=1');
    vi.stubGlobal('location', { href: 'https://app.example.test/chat/index.html' });
    expect(make({ url: 'socket' })().fake.last.url).toBe('wss://app.example.test/chat/socket');
  });

  it('rejects a relative URL where there is no page to resolve it against', () => {
    vi.stubGlobal('location', undefined);
    expectTyped(make({ url: '/live' }), 'InvalidUrlError', /absolute/);
  });

  it('rejects duplicate subprotocols, compared case-insensitively', () => {
    expectTyped(make({ protocols: ['chat', 'Chat'] }), 'InvalidProtocolError', /Chat/);
  });

  it.each([['a b'], [''], ['chat,v2'], ['ü']])('rejects the invalid subprotocol %j', (p) => {
    expectTyped(make({ protocols: [p] }), 'InvalidProtocolError');
    expectTyped(make({ protocols: p }), 'InvalidProtocolError');
  });

  it.each([1001, 1005, 2999, 5000, 999, 3000.5, -1])('rejects close(%d)', (code) => {
    const { client, fake } = make({})();
    fake.last.open();
    expectTyped(() => client.close(code), 'InvalidCloseCodeError', new RegExp(String(code).replace('.', '\\.')));
    expect(client.getSnapshot().status).toBe('open');
    expect(fake.last.closeCalls).toEqual([]);
  });

  it.each([1000, 3000, 4999])('accepts close(%d)', (code) => {
    const { client, fake } = make({})();
    fake.last.open();
    client.close(code);
    expect(fake.last.closeCalls).toEqual([{ code, reason: undefined }]);
  });

  it('limits the close reason to 123 UTF-8 bytes', () => {
    const { client, fake } = make({})();
    fake.last.open();
    expectTyped(() => client.close(1000, 'x'.repeat(124)), 'InvalidCloseReasonError', /124/);
    expectTyped(() => client.close(1000, '维'.repeat(42)), 'InvalidCloseReasonError', /126/);
    expect(fake.last.closeCalls).toEqual([]);
    client.close(1000, '维'.repeat(41));
    expect(fake.last.closeCalls).toEqual([{ code: 1000, reason: '维'.repeat(41) }]);
    const other = make({})();
    other.fake.last.open();
    other.client.close(1000, 'x'.repeat(123));
    expect(other.fake.last.closeCalls).toHaveLength(1);
  });

  it.each<[string, Partial<ClientOptions>, RegExp]>([
    ['connectTimeout: -1', { connectTimeout: -1 }, /connectTimeout/],
    ['connectTimeout: NaN', { connectTimeout: Number.NaN }, /connectTimeout/],
    ['closeTimeout: -1', { closeTimeout: -1 }, /closeTimeout/],
    ['retry.initialDelay: NaN', { retry: { initialDelay: Number.NaN } }, /retry\.initialDelay/],
    ['retry.maxDelay: -5', { retry: { maxDelay: -5 } }, /retry\.maxDelay/],
    ['retry.limit: -1', { retry: -1 }, /retry\.limit/],
    ['retry.factor: 0.5', { retry: { factor: 0.5 } }, /retry\.factor/],
    ['retry.minUptime: "5s"', { retry: { minUptime: '5s' as unknown as number } }, /retry\.minUptime/],
    ['jitter "half"', { retry: { jitter: 'half' as 'full' } }, /jitter/],
    ['codec "xml"', { codec: 'xml' as 'json' }, /codec/],
    ['codec "toString"', { codec: 'toString' as 'json' }, /codec/],
    ['codec {}', { codec: {} as unknown as 'json' }, /codec/],
    ['codec without decode', { codec: { encode: () => '' } as unknown as 'json' }, /codec/],
  ])('rejects %s with InvalidOptionError', (_name, opts, message) => {
    expectTyped(make(opts), 'InvalidOptionError', message);
  });
});

describe('a url provider that never settles', () => {
  it('is bounded by connectTimeout: the attempt fails, is retried, and a late answer is ignored', async () => {
    vi.useFakeTimers();
    const fake = fakeWebSocket();
    const answers: ((url: string) => void)[] = [];
    const client = createClient({
      url: () => new Promise<string>((resolve) => answers.push(resolve)),
      WebSocket: fake.WebSocket,
      heartbeat: false,
      lifecycle: false,
      random: () => 0.5,
      connectTimeout: 1000,
    });
    onTestFinished(() => client.dispose());
    vi.advanceTimersByTime(1000);
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', lastClose: { category: 'connect-timeout' } });
    expect(isResilientWsError(client.getSnapshot().lastError, 'ConnectTimeoutError')).toBe(true);
    answers[0]!('ws://late.example/');
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(fake.sockets).toHaveLength(0);
    expect(client.getSnapshot().status).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    expect(answers).toHaveLength(2);
  });
});
