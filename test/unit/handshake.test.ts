import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  createClient,
  describeClose,
  en,
  isResilientWsError,
  type CloseAction,
  type CloseInfo,
  type ClientOptions,
  type MessageKey,
  type ProbeFetch,
  type ResilientWsError,
} from '../../src/index';
import { createCore, handshakeProbe, refresh } from '../../src/core/index';
import { zhCN } from '../../src/i18n/zh-CN';
import { decideProbe, probeStatus, probeUrl, probeVerdict, reduceHandshake } from '../../src/features/handshake';
import { initialState, type Ctx, type Effect, type MachineConfig, type State } from '../../src/core/machine';
import { initialSnapshot } from '../../src/core/state';
import { fakeWebSocket } from '../support/fake-socket';
import { settle, setup as setupClient, UNIT_URL } from '../support/unit-client';

/**
 * Handshake diagnosis (`probeHandshake`): after failed attempts, one HTTP request to the endpoint
 * tells a 401/403/404 apart from a network that is down. A scripted socket, fake timers and a
 * fake `fetch` whose every call the test answers (or not) by hand.
 */

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const text = (key: MessageKey, code = 1006) => {
  const t = en[key];
  return typeof t === 'function' ? t({ code, attempts: 0 }) : t;
};

interface Call {
  url: string;
  init: RequestInit;
  at: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A `fetch` that records each call and leaves it pending until the test settles it. */
function fakeFetch() {
  const calls: Call[] = [];
  const fetch: ProbeFetch = (url, init) =>
    new Promise((resolve, reject) => calls.push({ url, init, at: Date.now(), resolve, reject })) as ReturnType<ProbeFetch>;
  /** Answer the latest call with an HTTP status (a CORS-readable response unless `type` says otherwise). */
  const answer = async (status: number, type = 'cors') => {
    calls.at(-1)!.resolve({ status, type });
    await settle();
  };
  return { fetch, calls, answer };
}

/** A unit client (random 0.5: retries after 500, 1000, 2000… ms) with the probe on, probing with a fake fetch. */
function setup(probe: Exclude<ClientOptions['probeHandshake'], boolean | undefined> = {}, opts: Partial<ClientOptions> = {}) {
  const f = fakeFetch();
  const s = setupClient({ probeHandshake: { fetch: f.fetch, ...probe }, ...opts });
  const closes: CloseInfo[] = [];
  s.client.on('close', (c) => closes.push(c));
  return { ...s, ...f, closes, snap: () => s.client.getSnapshot() };
}

/** Fail the current attempt's handshake, then let the probe (deferred to a microtask) go out. */
async function failAttempt(fake: ReturnType<typeof fakeWebSocket>) {
  fake.last.failHandshake();
  await settle();
}

/** Fail `n` attempts in a row, waiting out each retry delay in between (not after the last). */
async function failAttempts(s: ReturnType<typeof setup>, n: number) {
  for (let i = 0; i < n; i++) {
    if (i) vi.advanceTimersByTime(s.snap().retryDelay!);
    await failAttempt(s.fake);
  }
}

const errorNames = (errors: unknown[]) => errors.map((e) => (e as ResilientWsError).name);

// ---------------------------------------------------------------------------------------------

describe('what a probe answer says (pure)', () => {
  it.each<[number, string | null]>([
    [401, 'unauthorized'],
    [403, 'forbidden'],
    [404, 'not-found'],
    ...[0, 101, 200, 204, 301, 302, 400, 405, 410, 426, 429, 500, 502, 503, 504].map((s): [number, null] => [s, null]),
  ])('HTTP %i → %s', (status, verdict) => {
    expect(probeVerdict(status)).toBe(verdict);
  });

  it.each([
    ['ws://example.test/live', 'http://example.test/live'],
    ['wss://example.test/live?token=abc&v=2', 'https://example.test/live?token=abc&v=2'],
    ['wss://example.test:8443/a/b?x=1', 'https://example.test:8443/a/b?x=1'],
    ['ws://example.test:80/live', 'http://example.test/live'],
    ['wss://user:secret@example.test/live?t=1', 'https://example.test/live?t=1'],
    ['ws://127.0.0.1:9/x', 'http://127.0.0.1:9/x'],
  ])('probes %s at %s: same host, path and query; no userinfo', (ws, http) => {
    expect(probeUrl(ws)).toBe(http);
  });

  it.each(['https://example.test/live', 'ftp://example.test/', 'not a url', ''])('does not probe %j', (href) => {
    expect(probeUrl(href)).toBeNull();
  });

  it('reads a status only from a real, readable HTTP answer', () => {
    expect(probeStatus({ status: 401, type: 'cors' })).toBe(401);
    expect(probeStatus({ status: 503 })).toBe(503);
    for (const nonsense of [
      undefined,
      null,
      401,
      'HTTP 401',
      {},
      { status: '401' },
      { status: 401.5 },
      { status: Number.NaN },
      { status: 99 },
      { status: 600 },
      { status: 0, type: 'opaque' },
      { status: 401, type: 'opaque' },
      { status: 0, type: 'opaqueredirect' },
      {
        get status(): number {
          throw new Error('getter');
        },
      },
    ]) {
      expect(probeStatus(nonsense), String(nonsense)).toBeNull();
    }
  });

  const close = { code: 1006, reason: '', wasClean: false, duringConnect: true } as CloseInfo;
  it.each([
    // status, refresh hook, policy answer → category, action
    [401, false, undefined, 'unauthorized', 'stop'],
    [401, true, undefined, 'unauthorized', 'refresh'],
    [403, false, undefined, 'forbidden', 'stop'],
    [403, true, undefined, 'forbidden', 'refresh'],
    [404, false, undefined, 'not-found', 'stop'],
    [404, true, undefined, 'not-found', 'stop'],
    [401, true, 'stop', 'unauthorized', 'stop'],
    [401, false, 'reconnect', 'unauthorized', 'reconnect'],
    [404, false, 'reconnect', 'not-found', 'reconnect'],
    [404, true, 'refresh', 'not-found', 'refresh'],
    [404, false, 'refresh', 'not-found', 'stop'],
  ] as const)('HTTP %i, refresh hook %s, policy %s → %s, %s', (status, canRefresh, answer, category, action) => {
    const seen: unknown[] = [];
    const policy = (c: unknown) => (seen.push(c), answer as CloseAction | undefined);
    expect(decideProbe(status, close, { policy, canRefresh })).toEqual({ category, action });
    expect(seen).toEqual([{ code: 1006, reason: '', wasClean: false, category, duringConnect: true }]);
  });

  it.each([500, 503, 426, 200, 0])('HTTP %i decides nothing and asks no policy', (status) => {
    const policy = vi.fn(() => 'stop' as const);
    expect(decideProbe(status, close, { policy, canRefresh: true })).toBeNull();
    expect(policy).not.toHaveBeenCalled();
  });
});

describe('the reducer re-decides only the attempt it probed, while it waits (pure)', () => {
  const failed: CloseInfo = {
    code: 1006,
    reason: '',
    wasClean: false,
    initiatedBy: 'network',
    category: 'connect-failed',
    action: 'reconnect',
    message: 'Could not connect to the server. Reconnecting…',
    messageKey: 'connect-failed',
    attempts: 1,
    duringConnect: true,
    at: 5,
  };
  const base = initialState(initialSnapshot(true));
  const waiting: State = { ...base, attempt: 2, failures: 2, active: true, phase: { t: 'waiting', until: 1000 }, snap: { ...base.snap, status: 'reconnecting', url: 'wss://x.test/a', lastClose: failed } };
  const ctx = (cfg: Partial<MachineConfig> = {}): Ctx =>
    ({ now: 10, wall: 20, random: () => 0.5, cfg: { policy: () => undefined, canRefresh: false, messages: en, reducers: [], ...cfg } as unknown as MachineConfig });
  const run = (s: State, input: Parameters<typeof reduceHandshake>[1], c = ctx()) => {
    const fx: Effect[] = [];
    return { next: reduceHandshake(s, input, c, fx), fx };
  };

  it('ignores inputs that are not its own', () => {
    expect(run(waiting, { type: 'tick' }).next).toBeUndefined();
  });

  it.each<[string, State, number]>([
    ['another attempt', waiting, 1],
    ['not waiting any more', { ...waiting, phase: { t: 'connecting', sock: 3, until: 2000 } }, 2],
    ['stopped', { ...waiting, phase: { t: 'closed' } }, 2],
    ['parked offline', { ...waiting, phase: { t: 'offline' } }, 2],
    ['the last close was not a failed handshake', { ...waiting, snap: { ...waiting.snap, lastClose: { ...failed, category: 'connect-timeout' } } }, 2],
  ])('a 401 changes nothing when %s', (_, s, attempt) => {
    const { next, fx } = run(s, { type: 'handshake', attempt, status: 401 });
    expect(next).toBe(s);
    expect(fx).toEqual([]);
  });

  it('a 401 for the attempt it probed stops, reporting the error then the close', () => {
    const { next, fx } = run(waiting, { type: 'handshake', attempt: 2, status: 401 });
    expect(next!.phase).toEqual({ t: 'closed' });
    expect(next!.active).toBe(false);
    expect(fx.filter((e) => e.type === 'emit').map((e) => (e as { name: string }).name)).toEqual(['error', 'close']);
    expect(next!.snap.lastClose).toEqual({ ...failed, initiatedBy: 'server', category: 'unauthorized', action: 'stop', httpStatus: 401, messageKey: 'unauthorized', message: text('unauthorized') });
  });

  it('a 503 changes nothing', () => {
    const { next, fx } = run(waiting, { type: 'handshake', attempt: 2, status: 503 });
    expect(next).toBe(waiting);
    expect(fx).toEqual([]);
  });
});

describe('when the probe goes', () => {
  it('after `after` failed attempts in a row, while waiting, to the same endpoint without credentials it would not send', async () => {
    const s = setup({}, { url: 'wss://user:pw@example.test/live?token=abc' });
    await failAttempt(s.fake);
    expect(s.calls).toHaveLength(0); // one failure: not yet (after: 2 by default)
    vi.advanceTimersByTime(500);
    await failAttempt(s.fake);
    expect(s.calls).toHaveLength(1);
    expect(s.snap()).toMatchObject({ status: 'reconnecting', attempt: 2, retryDelay: 1000 });
    const [call] = s.calls;
    expect(call!.url).toBe('https://example.test/live?token=abc');
    expect(call!.init).toMatchObject({ method: 'GET', credentials: 'same-origin', cache: 'no-store', redirect: 'manual', mode: 'cors' });
    expect(call!.init.signal).toBeInstanceOf(AbortSignal);
    expect(call!.init.signal!.aborted).toBe(false);
  });

  it('honours `after`; an attempt that opened starts the count again', async () => {
    const s = setup({ after: 3 });
    await failAttempts(s, 2);
    expect(s.calls).toHaveLength(0);
    vi.advanceTimersByTime(s.snap().retryDelay!);
    s.fake.last.open();
    s.fake.last.drop(); // 1006 after open: a lost connection, not a failed attempt
    await settle();
    for (let i = 0; i < 3; i++) {
      expect(s.calls).toHaveLength(0);
      vi.advanceTimersByTime(s.snap().retryDelay!);
      await failAttempt(s.fake);
    }
    expect(s.fake.sockets).toHaveLength(6);
    expect(s.calls).toHaveLength(1);
  });

  it('only after failed handshakes: attempts that time out never probe', async () => {
    const s = setup({ after: 1 }, { connectTimeout: 1000 });
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(1000); // the socket stays CONNECTING until connectTimeout
      expect(s.snap().lastClose?.category).toBe('connect-timeout');
      await settle();
      vi.advanceTimersByTime(s.snap().retryDelay!);
    }
    expect(s.fake.sockets.length).toBeGreaterThanOrEqual(5);
    expect(s.calls).toHaveLength(0);
  });

  it('at most one per minInterval, counted from the start of the last one', async () => {
    // The single-phase schedule of a 10 s window (two-phase backoff has its own tests).
    const s = setup({ minInterval: 30_000 }, { retry: { fastPhase: 0, maxDelay: 10_000 } });
    const start = Date.now();
    for (let i = 0; i < 12; i++) {
      if (i) vi.advanceTimersByTime(s.snap().retryDelay!);
      await failAttempt(s.fake);
      if (s.calls.length && s.calls.at(-1)!.at === Date.now()) await s.answer(503);
    }
    // Failures at 0, 500, 1500, 3500, 7500, then every 5000 ms (the 10 s window at random 0.5).
    expect(s.calls.map((c) => c.at - start)).toEqual([500, 32_500]);
    expect(s.snap().status).toBe('reconnecting');
  });

  it('never two in flight: a probe whose attempt is over is aborted before the next one goes', async () => {
    const s = setup({ minInterval: 0, timeout: 60_000 });
    await failAttempts(s, 5);
    expect(s.calls).toHaveLength(4);
    const signals = s.calls.map((c) => c.init.signal!);
    expect(signals.map((x) => x.aborted)).toEqual([true, true, true, false]);
  });

  it('reads fetch from globalThis when it probes, not when the client is created', async () => {
    const f = fakeFetch();
    const { fake, client } = setupClient({ probeHandshake: true });
    vi.stubGlobal('fetch', f.fetch);
    fake.last.failHandshake();
    vi.advanceTimersByTime(500);
    fake.last.failHandshake();
    await settle();
    expect(f.calls.map((c) => c.url)).toEqual([UNIT_URL.replace('wss:', 'https:')]);
    await f.answer(404);
    expect(client.getSnapshot()).toMatchObject({ status: 'closed', lastClose: { category: 'not-found', httpStatus: 404 } });
  });

  it('without any fetch, nothing is probed and the retries go on', async () => {
    vi.stubGlobal('fetch', undefined);
    const { fake, client, errors } = setupClient({ probeHandshake: { after: 1 } });
    for (let i = 0; i < 3; i++) {
      fake.last.failHandshake();
      await settle();
      vi.advanceTimersByTime(client.getSnapshot().retryDelay!);
    }
    expect(fake.sockets).toHaveLength(4);
    expect(errorNames(errors)).toEqual(['ConnectionError', 'ConnectionError', 'ConnectionError']);
  });

  it('is off by default', async () => {
    const f = fakeFetch();
    vi.stubGlobal('fetch', f.fetch);
    const { fake, client } = setupClient();
    for (let i = 0; i < 4; i++) {
      fake.last.failHandshake();
      await settle();
      vi.advanceTimersByTime(client.getSnapshot().retryDelay!);
    }
    expect(f.calls).toHaveLength(0);
  });
});

describe('what the answer decides', () => {
  it.each([
    [401, 'unauthorized', 'FatalCloseError'],
    [403, 'forbidden', 'FatalCloseError'],
  ] as const)('HTTP %i: stops with the %s message (no refresh hook), reported like an auth close', async (status, category, errorName) => {
    const s = setup();
    await failAttempts(s, 2);
    await s.answer(status);
    const close = s.snap().lastClose!;
    expect(close).toMatchObject({
      code: 1006,
      wasClean: false,
      duringConnect: true,
      initiatedBy: 'server',
      category,
      action: 'stop',
      httpStatus: status,
      messageKey: category,
      message: text(category),
    });
    expect(s.snap().status).toBe('closed');
    expect(s.closes.map((c) => [c.category, c.action])).toEqual([
      ['connect-failed', 'reconnect'],
      ['connect-failed', 'reconnect'],
      [category, 'stop'],
    ]);
    expect(s.closes.at(-1)).toEqual(close);
    expect(errorNames(s.errors)).toEqual(['ConnectionError', 'ConnectionError', errorName]);
    expect(s.snap().lastError).toBe(s.errors.at(-1));
    expect((s.errors.at(-1) as Error).message).toContain(`HTTP ${status}`);
    vi.advanceTimersByTime(300_000);
    expect(s.fake.sockets).toHaveLength(2);
  });

  it('HTTP 404: stops with the configuration message (a wrong URL), in any language', async () => {
    const s = setup({}, { url: 'wss://example.test/wrong?token=secret' });
    await failAttempts(s, 2);
    await s.answer(404);
    const close = s.snap().lastClose!;
    expect(close).toMatchObject({ category: 'not-found', action: 'stop', httpStatus: 404, messageKey: 'configuration', message: text('configuration') });
    expect(describeClose(close, zhCN)).toBe(zhCN.configuration);
    const error = s.snap().lastError!;
    expect(isResilientWsError(error, 'ConfigurationError')).toBe(true);
    expect(error.message).toContain('404');
    expect(error.message).toContain('token=***');
    expect(error.message).not.toContain('secret');
    vi.advanceTimersByTime(300_000);
    expect(s.fake.sockets).toHaveLength(2);
    expect(s.snap().status).toBe('closed');
  });

  it.each([500, 502, 503, 426, 200, 204, 400, 429])('HTTP %i: nothing learned, the retry schedule goes on untouched', async (status) => {
    const s = setup();
    await failAttempts(s, 2);
    const before = s.snap();
    await s.answer(status);
    expect(s.snap()).toBe(before); // not even a new snapshot
    expect(s.closes).toHaveLength(2);
    vi.advanceTimersByTime(999);
    expect(s.fake.sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(s.fake.sockets).toHaveLength(3);
  });

  it('an opaque answer (cross-origin, no CORS) says nothing, even one that claims 401', async () => {
    const s = setup();
    await failAttempts(s, 2);
    const before = s.snap();
    await s.answer(0, 'opaque');
    expect(s.snap()).toBe(before);
    s.calls[0]!.resolve({ status: 401, type: 'opaque' }); // settled already: ignored anyway
    await settle();
    expect(s.snap()).toBe(before);
  });

  it('a network error (fetch rejects) is the network: the retries go on', async () => {
    const s = setup();
    await failAttempts(s, 2);
    const before = s.snap();
    s.calls[0]!.reject(new TypeError('Failed to fetch'));
    await settle();
    expect(s.snap()).toBe(before);
    vi.advanceTimersByTime(1000);
    expect(s.fake.sockets).toHaveLength(3);
    expect(errorNames(s.errors)).toEqual(['ConnectionError', 'ConnectionError']);
  });

  it('a closePolicy still decides: it sees the category, and "reconnect" keeps the schedule', async () => {
    const seen: unknown[] = [];
    const closePolicy = (c: { category: string }) => (seen.push(c), c.category === 'unauthorized' ? ('reconnect' as const) : undefined);
    const s = setup({}, { closePolicy });
    await failAttempts(s, 2);
    const { retryDelay, nextRetryAt } = s.snap();
    await s.answer(401);
    expect(seen.at(-1)).toEqual({ code: 1006, reason: '', wasClean: false, category: 'unauthorized', duringConnect: true });
    expect(s.snap()).toMatchObject({
      status: 'reconnecting',
      retryDelay,
      nextRetryAt,
      lastClose: { category: 'unauthorized', action: 'reconnect', httpStatus: 401, message: `${text('unauthorized')} ${text('action-reconnect')}` },
    });
    expect(s.closes).toHaveLength(2); // the close was announced already; only what was learned is new
    vi.advanceTimersByTime(retryDelay!);
    expect(s.fake.sockets).toHaveLength(3);
  });

  it('a closePolicy can also stop on what a plain failure would retry', async () => {
    const s = setup({}, { closePolicy: (c) => (c.category === 'not-found' ? 'stop' : undefined), refresh: async () => undefined });
    await failAttempts(s, 2);
    await s.answer(404);
    expect(s.snap()).toMatchObject({ status: 'closed', lastClose: { category: 'not-found', action: 'stop' } });
  });

  it("a closePolicy table matches the probe's category: { 'not-found': 'reconnect' } keeps retrying after a 404", async () => {
    const s = setup({}, { closePolicy: { 'not-found': 'reconnect' } });
    await failAttempts(s, 2);
    const { retryDelay } = s.snap();
    await s.answer(404);
    expect(s.snap()).toMatchObject({ status: 'reconnecting', lastClose: { category: 'not-found', action: 'reconnect', httpStatus: 404 } });
    vi.advanceTimersByTime(retryDelay!);
    expect(s.fake.sockets).toHaveLength(3);
  });

  it("a closePolicy table's code beats its category: { 1006: 'reconnect', 'not-found': 'stop' } keeps retrying after a 404", async () => {
    const s = setup({}, { closePolicy: { 1006: 'reconnect', 'not-found': 'stop' } });
    await failAttempts(s, 2);
    await s.answer(404);
    expect(s.snap()).toMatchObject({ status: 'reconnecting', lastClose: { category: 'not-found', action: 'reconnect' } });
  });

  it('HTTP 401 with a refresh hook: refresh (it gets the close), then reconnect at once with the new token', async () => {
    let token = 'old';
    const seen: CloseInfo[] = [];
    const s = setup(
      {},
      {
        url: () => `wss://example.test/live?token=${token}`,
        refresh: async (close) => {
          seen.push(close);
          token = 'new';
        },
      },
    );
    await settle();
    await failAttempts(s, 2);
    expect(s.calls[0]!.url).toBe('https://example.test/live?token=old');
    await s.answer(401);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ category: 'unauthorized', action: 'refresh', httpStatus: 401, message: `${text('unauthorized')} ${text('action-refresh')}` });
    expect(s.closes.at(-1)).toBe(seen[0]);
    expect(s.fake.sockets).toHaveLength(3); // no backoff wait: the refresh reconnects at once
    expect(s.fake.last.url).toBe('wss://example.test/live?token=new');
    expect(s.snap().status).toBe('connecting');
    s.fake.last.open();
    expect(s.snap().status).toBe('open');
  });

  it('HTTP 403 with a refresh hook that fails: stops with the refresh-failed message', async () => {
    const s = setup({}, { refresh: () => Promise.reject(new Error('no session')) });
    await failAttempts(s, 2);
    await s.answer(403);
    expect(s.snap()).toMatchObject({ status: 'closed', lastClose: { category: 'forbidden', action: 'stop', httpStatus: 403, messageKey: 'refresh-failed' } });
  });

  it('works the same through createCore with handshakeProbe() and refresh()', async () => {
    const f = fakeFetch();
    const fake = fakeWebSocket();
    const renew = vi.fn(async () => undefined);
    const client = createCore({ url: UNIT_URL, WebSocket: fake.WebSocket, random: () => 0.5, features: [handshakeProbe({ fetch: f.fetch, after: 1 }), refresh(renew)] });
    onTestFinished(() => client.dispose());
    fake.last.failHandshake();
    await settle();
    await f.answer(401);
    expect(renew).toHaveBeenCalledTimes(1);
    expect(fake.sockets).toHaveLength(2);
  });
});

describe('answers that come too late, or never, or as nonsense', () => {
  it('times out after `timeout` ms (aborting the request); a later answer is ignored', async () => {
    const s = setup({ timeout: 300 });
    await failAttempts(s, 2);
    const signal = s.calls[0]!.init.signal!;
    vi.advanceTimersByTime(299);
    expect(signal.aborted).toBe(false);
    vi.advanceTimersByTime(1);
    expect(signal.aborted).toBe(true);
    const before = s.snap();
    await s.answer(401);
    expect(s.snap()).toBe(before);
    vi.advanceTimersByTime(700); // the retry is due 1000 ms after the failure, probe or not
    expect(s.fake.sockets).toHaveLength(3);
  });

  it('an answer for an attempt that is over is stale: the next attempt started', async () => {
    const s = setup();
    await failAttempts(s, 2);
    vi.advanceTimersByTime(1000);
    expect(s.fake.sockets).toHaveLength(3);
    expect(s.calls[0]!.init.signal!.aborted).toBe(true);
    await s.answer(401);
    expect(s.snap().status).toBe('connecting');
    s.fake.last.open();
    expect(s.snap()).toMatchObject({ status: 'open', lastClose: { category: 'connect-failed' } });
  });

  it('an answer after close() or dispose() is ignored', async () => {
    const s = setup();
    await failAttempts(s, 2);
    s.client.close();
    expect(s.calls[0]!.init.signal!.aborted).toBe(true);
    await s.answer(401);
    expect(s.snap()).toMatchObject({ status: 'closed', lastClose: { category: 'client' } });

    const t = setup();
    await failAttempts(t, 2);
    t.client.dispose();
    expect(t.calls[0]!.init.signal!.aborted).toBe(true);
    await t.answer(404);
    expect(t.snap()).toMatchObject({ status: 'closed', lastClose: { category: 'connect-failed' } });
    expect(t.closes).toHaveLength(2);
  });

  it('a fetch that throws is a network error; the next probe waits for minInterval', async () => {
    const fetch = vi.fn(() => {
      throw new Error('fetch exploded');
    });
    const { fake, client, errors } = setupClient({ probeHandshake: { fetch, minInterval: 10_000 }, retry: { fastPhase: 0, maxDelay: 10_000 } });
    const failures: number[] = [];
    for (let i = 0; i < 8; i++) {
      if (i) vi.advanceTimersByTime(client.getSnapshot().retryDelay!);
      fake.last.failHandshake();
      await settle();
      failures.push(fetch.mock.calls.length);
    }
    // Failures at 0, 500, 1500, 3500, 7500, 12 500, 17 500, 22 500 ms: probes at 500, 12 500 and 22 500.
    expect(failures).toEqual([0, 1, 1, 1, 1, 2, 2, 3]);
    expect(client.getSnapshot().status).toBe('reconnecting');
    expect(errorNames(errors).every((n) => n === 'ConnectionError')).toBe(true);
  });

  it('a fetch that never settles is abandoned at the timeout, freeing the way for the next probe', async () => {
    const fetch = vi.fn(() => new Promise<never>(() => undefined));
    const { fake, client } = setupClient({ probeHandshake: { fetch, timeout: 100, minInterval: 0 } });
    for (let i = 0; i < 4; i++) {
      if (i) vi.advanceTimersByTime(client.getSnapshot().retryDelay!);
      fake.last.failHandshake();
      await settle();
    }
    expect(fetch).toHaveBeenCalledTimes(3);
    const signals = fetch.mock.calls.map((c) => (c as unknown as [string, RequestInit])[1].signal!);
    expect(signals.map((x) => x.aborted)).toEqual([true, true, false]);
    vi.advanceTimersByTime(100);
    expect(signals[2]!.aborted).toBe(true);
    expect(client.getSnapshot().status).toBe('reconnecting');
  });

  it.each([
    ['a non-promise', () => 401],
    ['null', () => null],
    ['a string status', () => Promise.resolve({ status: '401' })],
    ['a throwing status getter', () => Promise.resolve({ get status(): number { throw new Error('no'); } })],
    ['a thenable whose then throws', () => ({ then: () => { throw new Error('then'); } })],
  ])('a fetch that returns nonsense (%s) decides nothing', async (_, impl) => {
    const fetch = vi.fn(impl) as unknown as ProbeFetch;
    const { fake, client } = setupClient({ probeHandshake: { fetch } });
    fake.last.failHandshake();
    vi.advanceTimersByTime(500);
    fake.last.failHandshake();
    await settle();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', lastClose: { category: 'connect-failed' } });
    vi.advanceTimersByTime(1000);
    expect(fake.sockets).toHaveLength(3);
  });

  it('a fetch that calls back into the client is queued behind the step', async () => {
    let client!: ReturnType<typeof createClient>;
    const fetch: ProbeFetch = () => {
      client.reconnect();
      return Promise.resolve({ status: 401 });
    };
    const s = setupClient({ probeHandshake: { fetch } });
    client = s.client;
    s.fake.last.failHandshake();
    vi.advanceTimersByTime(500);
    s.fake.last.failHandshake();
    await settle();
    // reconnect() started a new attempt, so the 401 (for the attempt before) is stale.
    expect(s.fake.sockets).toHaveLength(3);
    expect(client.getSnapshot().status).toBe('connecting');
  });
});

describe('options', () => {
  it.each([
    [5, /probeHandshake must be an object/],
    ['yes', /probeHandshake must be an object/],
    [null, /probeHandshake must be an object/],
    [{ after: 0 }, /probeHandshake.after/],
    [{ after: 1.5 }, /probeHandshake.after/],
    [{ after: -1 }, /probeHandshake.after/],
    [{ timeout: 0 }, /probeHandshake.timeout/],
    [{ timeout: Infinity }, /probeHandshake.timeout/],
    [{ minInterval: -1 }, /probeHandshake.minInterval/],
    [{ minInterval: Number.NaN }, /probeHandshake.minInterval/],
    [{ fetch: 'fetch' }, /probeHandshake.fetch must be a function/],
  ])('createClient({ probeHandshake: %j }) throws InvalidOptionError', (value, message) => {
    const fake = fakeWebSocket();
    let error: unknown;
    try {
      createClient({ url: UNIT_URL, WebSocket: fake.WebSocket, probeHandshake: value as never });
    } catch (e) {
      error = e;
    }
    expect(isResilientWsError(error, 'InvalidOptionError')).toBe(true);
    expect((error as Error).message).toMatch(message);
    expect(fake.sockets).toHaveLength(0);
  });

  it('handshakeProbe() checks the same at the call site; minInterval may be Infinity (one probe ever)', () => {
    expect(() => handshakeProbe({ after: 0 })).toThrow(/probeHandshake.after/);
    expect(() => handshakeProbe({ minInterval: Infinity })).not.toThrow();
    expect(() => createClient({ url: UNIT_URL, probeHandshake: false, autoConnect: false }).dispose()).not.toThrow();
  });
});
