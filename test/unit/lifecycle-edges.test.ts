/**
 * The browser lifecycle at its edges: a refresh or closing handshake under way when the page froze
 * or entered the back/forward cache, the online hint read again on attach and at resume, workers,
 * and a lazy idle close racing pagehide.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signals } from '../support/probes';
import { settle, setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the online hint is read again when the listeners attach', () => {
  it('created offline, connected after the network came back unseen: a drop retries instead of parking offline for good', () => {
    const b = signals(false);
    const { fake, client } = setup({ autoConnect: false, lifecycle: { target: b.target } });
    expect(client.getSnapshot().online).toBe(false);
    // The network comes back while nothing listens (before connect()): no event reaches the client.
    b.target.navigator.onLine = true;
    client.connect();
    fake.last.open();
    expect(client.getSnapshot()).toMatchObject({ status: 'open', online: true });
    fake.last.drop();
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', online: true });
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
  });

  it('closed, then the network went away unseen: connect() knows it is offline', () => {
    const b = signals(true);
    const { fake, client } = setup({ lifecycle: { target: b.target } });
    fake.last.open();
    client.close();
    fake.last.echoClose();
    expect(client.getSnapshot().status).toBe('closed');
    b.target.navigator.onLine = false;
    client.connect();
    fake.last.failHandshake();
    expect(client.getSnapshot()).toMatchObject({ status: 'offline', online: false });
    b.online();
    expect(fake.sockets).toHaveLength(3);
  });
});

describe('a credential refresh across freeze/resume and the back/forward cache', () => {
  const expire = async (s: ReturnType<typeof setup>) => {
    s.fake.last.open();
    s.fake.last.serverClose(3000, 'expired');
    await settle();
    expect(s.client.getSnapshot().status).toBe('reconnecting');
  };

  it('time frozen does not count against the refresh timeout: a refresh that finishes after resume reconnects', async () => {
    const b = signals();
    let resolve!: () => void;
    const refresh = vi.fn(() => new Promise<void>((r) => (resolve = r)));
    const s = setup({ refresh, connectTimeout: 10_000, lifecycle: { target: b.target } });
    await expire(s);
    expect(refresh).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2000);
    b.freeze();
    vi.advanceTimersByTime(60_000); // the page sits frozen for a minute
    b.resume();
    vi.advanceTimersByTime(0);
    expect(s.client.getSnapshot()).toMatchObject({ status: 'reconnecting', lastError: null });
    resolve();
    await settle();
    expect(s.client.getSnapshot().status).toBe('connecting');
    expect(s.fake.sockets).toHaveLength(2);
  });

  it('still times out a refresh that hangs after resume', async () => {
    const b = signals();
    const s = setup({ refresh: () => new Promise<void>(() => {}), connectTimeout: 10_000, lifecycle: { target: b.target } });
    await expire(s);
    b.freeze();
    vi.advanceTimersByTime(60_000);
    b.resume();
    vi.advanceTimersByTime(9_999);
    expect(s.client.getSnapshot().status).toBe('reconnecting');
    vi.advanceTimersByTime(1);
    expect(s.client.getSnapshot()).toMatchObject({ status: 'closed', lastError: { name: 'RefreshError' } });
  });

  it('a page restored from the back/forward cache mid-refresh (no freeze event: Safari, Firefox) keeps the refresh running', async () => {
    const b = signals();
    let skew = 0; // no JS runs in the cache: time jumps at restore, and due timers fire late
    const clock = { now: () => performance.now() + skew, wallNow: () => Date.now() + skew, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    let resolve!: () => void;
    const refresh = vi.fn(() => new Promise<void>((r) => (resolve = r)));
    const s = setup({ clock, refresh, connectTimeout: 10_000, lifecycle: { target: b.target } });
    await expire(s);
    vi.advanceTimersByTime(1000);
    b.pagehide(true);
    skew += 60_000;
    b.pageshow(true);
    vi.advanceTimersByTime(9500); // the refresh deadline armed before the cache fires now, late
    expect(s.client.getSnapshot()).toMatchObject({ status: 'reconnecting', lastError: null });
    resolve();
    await settle();
    expect(s.client.getSnapshot().status).toBe('connecting');
    expect(refresh).toHaveBeenCalledTimes(1);
  });
});

describe('a lazy idle close under way when the page is hidden', () => {
  it('opens no socket during pagehide for a send queued meanwhile; the restore connects and flushes it', () => {
    const b = signals();
    const { fake, client } = setup({ lazy: true, lifecycle: { target: b.target } });
    client.send('a');
    fake.last.open();
    vi.advanceTimersByTime(30_000); // idle: our closing handshake starts
    expect(client.getSnapshot().status).toBe('closing');
    expect(client.send('b')).toBe('queued');
    b.pagehide(true);
    expect(client.getSnapshot()).toMatchObject({ status: 'suspended', queued: 1 });
    expect(fake.sockets).toHaveLength(1);
    b.pageshow(true);
    expect(fake.sockets).toHaveLength(2);
    fake.last.open();
    expect(fake.last.sent).toEqual(['b']);
  });

  it('opens no socket during pagehide for a message handler added meanwhile; the restore connects', () => {
    const b = signals();
    const { fake, client } = setup({ lazy: true, lifecycle: { target: b.target } });
    client.send('a');
    fake.last.open();
    vi.advanceTimersByTime(30_000);
    client.on('message', () => {});
    b.pagehide(true);
    expect(client.getSnapshot().status).toBe('suspended');
    expect(fake.sockets).toHaveLength(1);
    b.pageshow(true);
    expect(fake.sockets).toHaveLength(2);
  });
});

describe('where no online event can be heard', () => {
  it('a target with navigator.onLine false but no window to listen on does not park offline for good', () => {
    const navigator = { onLine: false };
    const { fake, client } = setup({ lifecycle: { target: { navigator } } });
    fake.last.open();
    fake.last.drop();
    expect(client.getSnapshot().status).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
  });
});

describe('our closing handshake across freeze/resume', () => {
  it('a close() under way when the page froze is not reported as a close timeout at resume', () => {
    const b = signals();
    const { fake, client, errors } = setup({ lifecycle: { target: b.target } });
    fake.last.open();
    client.close();
    expect(client.getSnapshot().status).toBe('closing');
    b.freeze();
    vi.advanceTimersByTime(60_000);
    b.resume();
    vi.advanceTimersByTime(0);
    fake.last.echoClose(); // the server's answer, delivered after resume
    expect(client.getSnapshot()).toMatchObject({ status: 'closed', lastError: null, lastClose: { code: 1000, wasClean: true } });
    expect(errors).toEqual([]);
  });

  it('still times out a handshake the server never completes after resume', () => {
    const b = signals();
    const { fake, client } = setup({ lifecycle: { target: b.target } });
    fake.last.open();
    client.close();
    b.freeze();
    vi.advanceTimersByTime(60_000);
    b.resume();
    vi.advanceTimersByTime(10_000);
    expect(client.getSnapshot()).toMatchObject({ status: 'closed', lastError: { name: 'CloseTimeoutError' } });
  });
});

describe('the network changed while the page sat in the back/forward cache or frozen', () => {
  it('parked offline, restored online with no online event: reconnects at pageshow', () => {
    const b = signals();
    const { fake, client } = setup({ lifecycle: { target: b.target } });
    fake.last.open();
    b.offline();
    fake.last.drop();
    expect(client.getSnapshot().status).toBe('offline');
    b.pagehide(true);
    b.target.navigator.onLine = true; // came back while cached: the page heard nothing
    b.pageshow(true);
    expect(client.getSnapshot()).toMatchObject({ status: 'connecting', online: true });
    expect(fake.sockets).toHaveLength(2);
  });

  it('parked offline, resumed online with no online event: reconnects at resume', () => {
    const b = signals();
    const { fake, client } = setup({ lifecycle: { target: b.target } });
    fake.last.open();
    b.offline();
    fake.last.drop();
    b.freeze();
    b.target.navigator.onLine = true;
    b.resume();
    expect(client.getSnapshot()).toMatchObject({ status: 'connecting', online: true });
  });

  it('went offline while cached: the snapshot says so after pageshow', () => {
    const b = signals();
    const { fake, client } = setup({ lifecycle: { target: b.target } });
    fake.last.open();
    b.pagehide(true);
    b.target.navigator.onLine = false;
    b.pageshow(true);
    expect(client.getSnapshot().online).toBe(false);
    fake.last.failHandshake();
    expect(client.getSnapshot().status).toBe('offline');
  });
});
