import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { en, type ClientOptions, type LifecycleOptions } from '../../src/index';
import type { FakeSocket } from '../support/fake-socket';
import { setup as setupClient } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Injected browser signals: a window, a document with a settable visibilityState, a navigator. */
function browser(onLine = true) {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
  const navigator = { onLine };
  return {
    target: { window, document, navigator },
    fire(on: 'window' | 'document', type: string, init: Record<string, unknown> = {}) {
      (on === 'window' ? window : document).dispatchEvent(Object.assign(new Event(type), init));
    },
    offline() {
      navigator.onLine = false;
      this.fire('window', 'offline');
    },
    online() {
      navigator.onLine = true;
      this.fire('window', 'online');
    },
    visibility(state: DocumentVisibilityState) {
      document.visibilityState = state;
      this.fire('document', 'visibilitychange');
    },
  };
}

type Browser = ReturnType<typeof browser>;

/** The shared unit client with the default heartbeat, its lifecycle handling listening to `b`. */
function setup(opts: Partial<ClientOptions> = {}, lifecycle: Omit<LifecycleOptions, 'target'> = {}, b: Browser = browser()) {
  return { ...setupClient({ heartbeat: {}, lifecycle: { ...lifecycle, target: b.target }, ...opts }), b };
}

const pings = (ws: FakeSocket) => ws.sent.filter((d) => d === 'ping').length;

/** Open the first socket, then lose it: the client waits 500 ms to retry. */
function openThenDrop({ fake, client }: ReturnType<typeof setup>) {
  fake.last.open();
  fake.last.drop();
  expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', retryDelay: 500 });
}

/** Spies on add/removeEventListener of both targets. */
function spyListeners(b: Browser) {
  const spies = [b.target.window, b.target.document].map((t) => ({
    add: vi.spyOn(t, 'addEventListener'),
    remove: vi.spyOn(t, 'removeEventListener'),
  }));
  return {
    added: () => spies.flatMap((s) => s.add.mock.calls.map((c) => [c[0], c[1]])),
    removed: () => spies.flatMap((s) => s.remove.mock.calls.map((c) => [c[0], c[1]])),
  };
}

describe('listeners attach only while the client is active', () => {
  it('attaches nothing before connect(), every signal on connect(), and removes them all on dispose()', () => {
    const b = browser();
    const spy = spyListeners(b);
    const { client } = setup({ autoConnect: false }, {}, b);
    expect(spy.added()).toEqual([]);

    client.connect();
    const types = spy.added().map(([t]) => t);
    expect(new Set(types)).toEqual(new Set(['online', 'offline', 'visibilitychange', 'freeze', 'resume', 'pagehide', 'pageshow']));

    client.dispose();
    expect(spy.removed()).toHaveLength(spy.added().length);
    expect(new Set(spy.removed())).toEqual(new Set(spy.added()));
  });

  it('removes every listener after a final close()', () => {
    const b = browser();
    const spy = spyListeners(b);
    const { fake, client } = setup({}, {}, b);
    fake.last.open();
    client.close();
    fake.last.echoClose();
    expect(client.getSnapshot().status).toBe('closed');
    expect(spy.added().length).toBeGreaterThan(0);
    expect(new Set(spy.removed())).toEqual(new Set(spy.added()));
  });

  it('removes every listener after close() while waiting to retry', () => {
    const b = browser();
    const spy = spyListeners(b);
    const s = setup({}, {}, b);
    openThenDrop(s);
    s.client.close();
    expect(s.client.getSnapshot().status).toBe('closed');
    expect(new Set(spy.removed())).toEqual(new Set(spy.added()));
  });

  it('removes every listener after a fatal close (1008)', () => {
    const b = browser();
    const spy = spyListeners(b);
    const { fake, client } = setup({}, {}, b);
    fake.last.open();
    fake.last.serverClose(1008, 'nope');
    expect(client.getSnapshot().status).toBe('closed');
    expect(new Set(spy.removed())).toEqual(new Set(spy.added()));
  });
});

describe('network: offline and online', () => {
  it('offline while waiting to retry cancels the retry and spends no attempts until online', () => {
    const s = setup();
    openThenDrop(s);
    s.b.offline();
    expect(s.client.getSnapshot()).toMatchObject({ status: 'offline', online: false, nextRetryAt: null });
    vi.advanceTimersByTime(10 * 60_000);
    expect(s.fake.sockets).toHaveLength(1);

    s.b.online();
    // At once: no backoff wait.
    expect(s.fake.sockets).toHaveLength(2);
    expect(s.client.getSnapshot()).toMatchObject({ status: 'connecting', online: true });
  });

  it('a close while offline waits in "offline" with no retry timer', () => {
    const s = setup();
    s.fake.last.open();
    s.b.offline();
    s.fake.last.drop();
    expect(s.client.getSnapshot()).toMatchObject({ status: 'offline', online: false, nextRetryAt: null, retryDelay: null });
    vi.advanceTimersByTime(10 * 60_000);
    expect(s.fake.sockets).toHaveLength(1);
    s.b.online();
    expect(s.fake.sockets).toHaveLength(2);
  });

  it('reads navigator.onLine when created', () => {
    const { client } = setup({ autoConnect: false }, {}, browser(false));
    expect(client.getSnapshot().online).toBe(false);
  });

  it('offline while open sends a probe ping', () => {
    const s = setup();
    const ws = s.fake.last;
    ws.open();
    vi.advanceTimersByTime(1000);
    expect(pings(ws)).toBe(0);
    s.b.offline();
    expect(pings(ws)).toBe(1);
    expect(s.client.getSnapshot()).toMatchObject({ status: 'open', online: false });
  });
});

describe('visibility', () => {
  it('becoming visible probes an open connection', () => {
    const s = setup();
    const ws = s.fake.last;
    ws.open();
    s.b.visibility('hidden');
    expect(pings(ws)).toBe(0);
    s.b.visibility('visible');
    expect(pings(ws)).toBe(1);
  });

  it('becoming visible cuts a retry wait short', () => {
    const s = setup({ retry: { initialDelay: 60_000, maxDelay: 30_000 } });
    s.fake.last.open();
    s.fake.last.drop();
    expect(s.client.getSnapshot()).toMatchObject({ status: 'reconnecting', retryDelay: 15_000 });
    s.b.visibility('hidden');
    expect(s.fake.sockets).toHaveLength(1);
    s.b.visibility('visible');
    expect(s.fake.sockets).toHaveLength(2);
    expect(s.client.getSnapshot().status).toBe('connecting');
  });
});

describe('freeze and resume', () => {
  it('freeze stops the heartbeat; resume on an open connection probes', () => {
    const s = setup();
    const ws = s.fake.last;
    ws.open();
    s.b.fire('document', 'freeze');
    vi.advanceTimersByTime(5 * 60_000);
    expect(pings(ws)).toBe(0);
    expect(s.client.getSnapshot().status).toBe('open');

    s.b.fire('document', 'resume');
    expect(pings(ws)).toBe(1);
    vi.advanceTimersByTime(4000);
    ws.receive('pong');
    vi.advanceTimersByTime(10_000);
    expect(s.client.getSnapshot().status).toBe('open');
  });

  it('freeze stops the retry timer; resume while reconnecting attempts at once', () => {
    const s = setup();
    openThenDrop(s);
    s.b.fire('document', 'freeze');
    vi.advanceTimersByTime(60_000);
    expect(s.fake.sockets).toHaveLength(1);
    s.b.fire('document', 'resume');
    expect(s.fake.sockets).toHaveLength(2);
    expect(s.client.getSnapshot().status).toBe('connecting');
  });
});

describe('freeze and resume: the socket Chromium drops at resume', () => {
  it('reconnects quietly and at once, without counting a failure', () => {
    const env = setup({ heartbeat: false, retry: { initialDelay: 10_000 } });
    const { fake, client, b } = env;
    fake.last.open();
    b.fire('document', 'freeze');
    b.fire('document', 'resume');
    // Chromium drops a frozen page's socket at resume: the page gets close 1006 right after.
    fake.last.drop();
    const s = client.getSnapshot();
    expect(s.status).toBe('connecting');
    expect(fake.sockets).toHaveLength(2);
    expect(s.lastClose).toMatchObject({ category: 'suspended', initiatedBy: 'browser', action: 'reconnect' });
    expect(s.lastError).toBeNull();
    expect(s.attempt).toBe(0);
  });

  it('a drop long after resume is an ordinary network loss with backoff', () => {
    const { fake, client, b } = setup({ heartbeat: false });
    fake.last.open();
    b.fire('document', 'freeze');
    b.fire('document', 'resume');
    vi.advanceTimersByTime(10_000);
    fake.last.drop();
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', retryDelay: 500 });
    expect(client.getSnapshot().lastClose?.category).toBe('network');
  });
});

describe('back/forward cache', () => {
  it('pagehide closes the socket cleanly with 1000 and suspends without scheduling a retry', () => {
    const s = setup();
    const ws = s.fake.last;
    ws.open();
    s.b.fire('window', 'pagehide', { persisted: true });
    expect(ws.closeCalls).toEqual([{ code: 1000, reason: 'page hidden' }]);
    expect(s.client.getSnapshot()).toMatchObject({
      status: 'suspended',
      nextRetryAt: null,
      lastClose: { category: 'suspended', initiatedBy: 'browser', message: en.suspended },
    });
    vi.advanceTimersByTime(10 * 60_000);
    expect(s.fake.sockets).toHaveLength(1);
  });

  it('reports the pagehide close as what it sent (1000 "page hidden", clean), not as the 1006 a detached socket would show', () => {
    const s = setup();
    s.fake.last.open();
    s.b.fire('window', 'pagehide', { persisted: true });
    expect(s.client.getSnapshot().lastClose).toMatchObject({ code: 1000, reason: 'page hidden', wasClean: true, action: 'reconnect' });
  });

  it('a socket still connecting at pagehide is aborted and recorded as 1006 (no close frame was sent)', () => {
    const s = setup();
    s.b.fire('window', 'pagehide', { persisted: true });
    expect(s.client.getSnapshot().lastClose).toMatchObject({ code: 1006, wasClean: false, category: 'suspended' });
  });

  it('pageshow (persisted) reconnects at once without counting a failure', () => {
    const s = setup();
    s.fake.last.open();
    vi.advanceTimersByTime(5000); // stable: attempt counter back to 0
    expect(s.client.getSnapshot().attempt).toBe(0);
    s.b.fire('window', 'pagehide', { persisted: true });
    s.b.fire('window', 'pageshow', { persisted: true });
    expect(s.fake.sockets).toHaveLength(2);
    expect(s.client.getSnapshot()).toMatchObject({ status: 'connecting', attempt: 0 });

    // The next loss is the first failure: first-retry delay (0.5 × 1000 ms).
    s.fake.last.open();
    vi.advanceTimersByTime(3000);
    s.fake.last.drop();
    expect(s.client.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1, retryDelay: 500 });
  });

  it('a new connection that drops right after a restore is an ordinary failure (backoff applies)', () => {
    const s = setup();
    s.fake.last.open();
    vi.advanceTimersByTime(5000);
    s.b.fire('window', 'pagehide', { persisted: true });
    s.b.fire('window', 'pageshow', { persisted: true });
    expect(s.fake.sockets).toHaveLength(2);
    // The server accepts, then drops at once: this socket was never in the cache.
    s.fake.last.open();
    vi.advanceTimersByTime(100);
    s.fake.last.drop();
    expect(s.fake.sockets).toHaveLength(2);
    expect(s.client.getSnapshot()).toMatchObject({ status: 'reconnecting', attempt: 1, retryDelay: 500, lastClose: { category: 'network' } });
  });

  it('pageshow that is not a restore (persisted=false) does nothing', () => {
    const s = setup();
    s.fake.last.open();
    s.b.fire('window', 'pagehide', { persisted: true });
    s.b.fire('window', 'pageshow', { persisted: false });
    expect(s.client.getSnapshot().status).toBe('suspended');
    vi.advanceTimersByTime(60_000);
    expect(s.fake.sockets).toHaveLength(1);
  });

  it('pagehide while waiting to retry cancels the retry and suspends', () => {
    const s = setup();
    openThenDrop(s);
    s.b.fire('window', 'pagehide', { persisted: true });
    expect(s.client.getSnapshot().status).toBe('suspended');
    vi.advanceTimersByTime(60_000);
    expect(s.fake.sockets).toHaveLength(1);
    s.b.fire('window', 'pageshow', { persisted: true });
    expect(s.fake.sockets).toHaveLength(2);
  });

  it('a socket the browser killed while the page was cached (Chrome 149+) reconnects silently after restore', () => {
    const s = setup({}, { bfcache: true });
    const { errors } = s;
    const reconnecting: unknown[] = [];
    s.client.on('reconnecting', (e) => reconnecting.push(e));
    const ws = s.fake.last;
    ws.open();
    vi.advanceTimersByTime(5000);
    // No pagehide reached us; the page is restored with the socket still "open"…
    s.b.fire('window', 'pageshow', { persisted: true });
    vi.advanceTimersByTime(100);
    // …and the browser now reports it dead: error, then close 1006.
    ws.failHandshake();

    expect(s.fake.sockets).toHaveLength(2); // at once
    const snap = s.client.getSnapshot();
    expect(snap).toMatchObject({ status: 'connecting', attempt: 0, lastError: null });
    expect(snap.lastClose).toMatchObject({ code: 1006, category: 'suspended', initiatedBy: 'browser' });
    expect(errors).toEqual([]);
    expect(reconnecting).toEqual([]);

    // Failures were not counted: the next loss (outside the restore window) waits the first-retry delay.
    s.fake.last.open();
    vi.advanceTimersByTime(3000);
    s.fake.last.drop();
    expect(s.client.getSnapshot()).toMatchObject({ attempt: 1, retryDelay: 500 });
  });

  it('long after a restore, a 1006 is an ordinary network loss again', () => {
    const s = setup();
    const ws = s.fake.last;
    ws.open();
    s.b.fire('window', 'pageshow', { persisted: true });
    ws.receive('pong');
    vi.advanceTimersByTime(10_000);
    ws.failHandshake();
    expect(s.fake.sockets).toHaveLength(1);
    expect(s.client.getSnapshot()).toMatchObject({ status: 'reconnecting', lastClose: { category: 'network' } });
  });
});

describe('each signal can be turned off', () => {
  it('network: false — offline does not pause retries', () => {
    const s = setup({}, { network: false });
    openThenDrop(s);
    s.b.offline();
    expect(s.client.getSnapshot().status).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    expect(s.fake.sockets).toHaveLength(2);
  });

  it('network: false — a browser that starts offline does not block retries forever', () => {
    const s = setup({}, { network: false }, browser(false));
    s.fake.last.open();
    s.fake.last.drop();
    expect(s.client.getSnapshot().status).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    expect(s.fake.sockets).toHaveLength(2);
  });

  it('visibility: false — becoming visible neither probes nor cuts a retry short', () => {
    const s = setup({}, { visibility: false });
    const ws = s.fake.last;
    ws.open();
    s.b.visibility('hidden');
    s.b.visibility('visible');
    expect(pings(ws)).toBe(0);
    ws.drop();
    s.b.visibility('visible');
    expect(s.fake.sockets).toHaveLength(1);
  });

  it('freeze: false — freeze does not stop the heartbeat', () => {
    const s = setup({}, { freeze: false });
    const ws = s.fake.last;
    ws.open();
    s.b.fire('document', 'freeze');
    vi.advanceTimersByTime(20_000);
    expect(pings(ws)).toBe(1);
  });

  it('bfcache: false — pagehide leaves the socket alone', () => {
    const s = setup({}, { bfcache: false });
    const ws = s.fake.last;
    ws.open();
    s.b.fire('window', 'pagehide', { persisted: true });
    expect(ws.closeCalls).toEqual([]);
    expect(s.client.getSnapshot().status).toBe('open');
  });

  it('lifecycle: false attaches nothing to the page and ignores its signals', () => {
    const types = ['online', 'offline', 'visibilitychange', 'freeze', 'resume', 'pagehide', 'pageshow'];
    const addWin = vi.spyOn(window, 'addEventListener');
    const addDoc = vi.spyOn(document, 'addEventListener');
    onTestFinished(() => {
      addWin.mockRestore();
      addDoc.mockRestore();
    });
    const { fake, client } = setup({ lifecycle: false });
    fake.last.open();
    const attached = [...addWin.mock.calls, ...addDoc.mock.calls].map((c) => c[0]).filter((t) => types.includes(t));
    expect(attached).toEqual([]);

    window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted: true }));
    window.dispatchEvent(new Event('offline'));
    expect(fake.last.closeCalls).toEqual([]);
    expect(client.getSnapshot()).toMatchObject({ status: 'open', online: true });
  });
});
