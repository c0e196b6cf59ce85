// Regression tests from an independent review of src/core: each reproduced a real defect.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CloseInfo, ClientOptions } from '../../src/index';
import { setup, settle } from '../support/unit-client';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function browser() {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
  const navigator = { onLine: true };
  return {
    target: { window, document, navigator },
    fire(on: 'window' | 'document', type: string, init: Record<string, unknown> = {}) {
      (on === 'window' ? window : document).dispatchEvent(Object.assign(new Event(type), init));
    },
  };
}

describe('edge cases: transitions that race with listeners, lifecycle signals and lazy/refresh flows', () => {
  it('dispose() from a close listener leaves no retry timer and opens no new socket', () => {
    const { fake, client } = setup();
    fake.last.open();
    client.on('close', () => client.dispose());
    fake.last.drop(); // 1006 -> reconnect path, listener disposes
    const statusAfterDispose = client.getSnapshot().status;
    vi.advanceTimersByTime(60_000);
    expect(statusAfterDispose).toBe('closed');
    expect(client.getSnapshot().status).toBe('closed');
    expect(fake.sockets).toHaveLength(1);
  });

  it('dispose() from a message handler: later handlers do not get that message', () => {
    const { fake, client } = setup();
    const seen: string[] = [];
    client.on('message', (m) => {
      seen.push(`first ${String(m)}`);
      client.dispose();
    });
    client.on('message', (m) => seen.push(`second ${String(m)}`));
    fake.last.open();
    fake.last.receive('hello');
    expect(seen).toEqual(['first hello']);
  });

  it('a message handler that unsubscribes another does not stop it getting the current message', () => {
    const { fake, client } = setup();
    const seen: string[] = [];
    let offSecond = () => {};
    client.on('message', (m) => {
      seen.push(`first ${String(m)}`);
      offSecond();
    });
    offSecond = client.on('message', (m) => seen.push(`second ${String(m)}`));
    fake.last.open();
    fake.last.receive('a');
    fake.last.receive('b');
    expect(seen).toEqual(['first a', 'second a', 'first b']);
  });

  it('dispose() from an error listener during a failed handshake opens no new socket', () => {
    const { fake, client } = setup();
    client.on('error', () => client.dispose());
    fake.last.failHandshake();
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it('close() then pagehide/pageshow during the closing handshake stays closed', () => {
    const b = browser();
    const { fake, client } = setup({ lifecycle: { target: b.target } });
    fake.last.open();
    client.close(1000, 'bye');
    expect(client.getSnapshot().status).toBe('closing');
    b.fire('window', 'pagehide', { persisted: true });
    b.fire('window', 'pageshow', { persisted: true });
    expect(client.getSnapshot().status).toBe('closed');
    expect(fake.sockets).toHaveLength(1);
  });

  it('close() during a lazy idle close ends closed, and a later send does not reconnect', () => {
    const { fake, client } = setup({ lazy: { idleTimeout: 1000 } });
    const off = client.on('message', () => {});
    fake.last.open();
    off();
    vi.advanceTimersByTime(1000);
    expect(client.getSnapshot().status).toBe('closing');
    client.close();
    fake.last.echoClose();
    expect(client.getSnapshot().status).toBe('closed');
    client.send('x');
    expect(fake.sockets).toHaveLength(1);
  });

  it('a message listener added during a lazy idle close reconnects once it completes', () => {
    const { fake, client } = setup({ lazy: { idleTimeout: 1000 } });
    const off = client.on('message', () => {});
    fake.last.open();
    off();
    vi.advanceTimersByTime(1000);
    expect(client.getSnapshot().status).toBe('closing');
    client.on('message', () => {});
    fake.last.echoClose();
    expect(client.getSnapshot().status).toBe('connecting');
    expect(fake.sockets).toHaveLength(2);
  });

  it('when refreshes run out, no close event promises a refresh; a stop close is emitted', async () => {
    const refresh = vi.fn(async () => {});
    const { fake, client } = setup({ refresh, maxRefreshes: 1 });
    const closes: CloseInfo[] = [];
    client.on('close', (c) => closes.push(c));
    fake.last.open();
    fake.last.serverClose(3000, 'expired');
    await settle();
    expect(fake.sockets).toHaveLength(2);
    fake.last.open();
    fake.last.serverClose(3000, 'expired');
    await settle();
    expect(client.getSnapshot().status).toBe('closed');
    const last = closes.at(-1)!;
    expect(last.action).toBe('stop');
  });

  it('a rejected refresh emits a close event with action stop', async () => {
    const { fake, client } = setup({ refresh: () => Promise.reject(new Error('no')) });
    const closes: CloseInfo[] = [];
    client.on('close', (c) => closes.push(c));
    fake.last.open();
    fake.last.serverClose(3000, 'expired');
    await settle();
    expect(client.getSnapshot().status).toBe('closed');
    expect(closes.map((c) => c.action)).toContain('stop');
  });

  it('a lazy client with no users still idles out after freeze/resume', () => {
    const b = browser();
    const { fake, client } = setup({ lazy: { idleTimeout: 1000 }, lifecycle: { target: b.target } });
    const off = client.on('message', () => {});
    fake.last.open();
    off();
    vi.advanceTimersByTime(500);
    b.fire('document', 'freeze');
    b.fire('document', 'resume');
    vi.advanceTimersByTime(10_000);
    expect(client.getSnapshot().status).not.toBe('open');
  });

  it('offline during a credential refresh does not reconnect with unrefreshed credentials', async () => {
    const b = browser();
    let resolve!: () => void;
    const refresh = vi.fn(() => new Promise<void>((r) => (resolve = r)));
    const { fake, client } = setup({ refresh, lifecycle: { target: b.target } });
    fake.last.open();
    fake.last.serverClose(3000, 'expired');
    await settle();
    expect(refresh).toHaveBeenCalledTimes(1);
    b.target.navigator.onLine = false;
    b.fire('window', 'offline');
    b.target.navigator.onLine = true;
    b.fire('window', 'online');
    const socketsAfterOnline = fake.sockets.length;
    resolve();
    await settle();
    // the reconnect should happen only after the refresh completes (or refresh be re-run)
    expect(socketsAfterOnline).toBe(1);
    expect(fake.sockets).toHaveLength(2);
  });

  it('send() while the socket is CLOSING (server close frame in, close event pending) is not reported as sent', () => {
    const { fake, client } = setup();
    fake.last.open();
    (fake.last as { readyState: number }).readyState = 2; // a browser discards send() in CLOSING
    expect(client.getSnapshot().status).toBe('open');
    expect(client.send('hello')).not.toBe('sent');
  });

  it('pagehide while an async url provider is pending leaves no connect timer', async () => {
    const b = browser();
    const { fake, client } = setup({ url: () => new Promise<string>(() => {}), lifecycle: { target: b.target }, connectTimeout: 1000 });
    b.fire('window', 'pagehide', { persisted: true });
    expect(client.getSnapshot().status).toBe('suspended');
    vi.advanceTimersByTime(5_000);
    expect(client.getSnapshot().status).toBe('suspended');
    expect(fake.sockets).toHaveLength(0);
  });
});
