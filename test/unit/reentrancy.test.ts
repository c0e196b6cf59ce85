/**
 * Handlers that call back into the client (issue 13, defects 1–4). A handler must see a settled
 * client and may call any method; what it asks for is what happens, and nothing armed before it
 * ran may undo it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ClientEvents, ClientOptions, RawMessage } from '../../src/index';
import { leakedSockets, liveSockets } from '../support/probes';
import { setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

type Events = ClientEvents<RawMessage, unknown>;

/** Runs `fn` on the first call only. */
const once = <A extends unknown[]>(fn: (...a: A) => void) => {
  let done = false;
  return (...a: A) => {
    if (done) return;
    done = true;
    fn(...a);
  };
};

const describeSockets = (sockets: readonly { readyState: number; closeCalls: unknown[] }[]) =>
  JSON.stringify(sockets.map((s, i) => ({ i, readyState: s.readyState, closeCalls: s.closeCalls.length })));

describe('giving up from a handler (defect 1)', () => {
  it('close() from a reconnecting handler stops for good: no timer, no new socket', () => {
    const { fake, client } = setup();
    fake.last.open();
    client.on('reconnecting', () => client.close());
    fake.last.drop();
    expect(client.getSnapshot().status).toBe('closed');
    expect(client.getSnapshot().lastClose?.action).toBe('stop');
    expect(vi.getTimerCount(), 'a timer is still pending after close()').toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets, 'a socket was constructed after close()').toHaveLength(1);
    expect(client.getSnapshot().status).toBe('closed');
  });

  it('close() from a close handler stops for good: no timer, no new socket', () => {
    const { fake, client } = setup();
    fake.last.open();
    client.on('close', once(() => client.close()));
    fake.last.drop();
    expect(client.getSnapshot().status).toBe('closed');
    expect(vi.getTimerCount(), 'a timer is still pending after close()').toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets, 'a socket was constructed after close()').toHaveLength(1);
    expect(client.getSnapshot().status).toBe('closed');
    expect(client.getSnapshot().lastClose?.action).toBe('stop');
  });

  it('a healthy socket opened after close() + connect() from a close handler is never released by a stale timer', () => {
    const { fake, client } = setup();
    fake.last.open();
    client.on('close', once(() => {
      client.close();
      client.connect();
    }));
    fake.last.drop();
    vi.advanceTimersByTime(1000);
    const live = fake.last;
    expect(fake.sockets).toHaveLength(2);
    live.open();
    expect(client.getSnapshot().status).toBe('open');
    vi.advanceTimersByTime(10_000);
    expect(client.getSnapshot().status, 'the healthy socket was released').toBe('open');
    expect(fake.last).toBe(live);
    expect(live.closeCalls).toEqual([]);
    client.send('still here');
    expect(live.sent).toEqual(['still here']);
  });

  it('connect() from a close handler after a stop opens once and keeps that socket', () => {
    const { fake, client } = setup();
    fake.last.open();
    client.close();
    client.on('close', once(() => client.connect()));
    fake.last.echoClose();
    vi.advanceTimersByTime(1000);
    expect(fake.sockets).toHaveLength(2);
    const live = fake.last;
    live.open();
    vi.advanceTimersByTime(10_000);
    expect(client.getSnapshot().status).toBe('open');
    expect(fake.sockets).toHaveLength(2);
    expect(live.closeCalls).toEqual([]);
  });

  it('connect() from a close handler after a drop opens once (the pending retry does not open another)', () => {
    const { fake, client } = setup();
    fake.last.open();
    client.on('close', once(() => client.connect()));
    fake.last.drop();
    vi.advanceTimersByTime(1000);
    const live = fake.last;
    live.open();
    vi.advanceTimersByTime(10_000);
    expect(client.getSnapshot().status).toBe('open');
    expect(fake.sockets, describeSockets(fake.sockets)).toHaveLength(2);
    expect(live.closeCalls).toEqual([]);
  });
});

describe('reconnecting from a handler never leaks a socket (defect 2)', () => {
  const cases: { name: string; arm: (c: ReturnType<typeof setup>['client']) => void }[] = [
    { name: 'reconnect() from a close handler', arm: (c) => c.on('close', once(() => c.reconnect())) },
    { name: 'connect() from a close handler', arm: (c) => c.on('close', once(() => c.connect())) },
    { name: 'reconnect() from a status handler (reconnecting)', arm: (c) => c.on('status', once((s: Events['status']) => s.status === 'reconnecting' && c.reconnect())) },
    {
      name: 'connect() from a status handler (reconnecting)',
      arm: (c) => {
        let done = false;
        c.on('status', (s) => {
          if (done || s.status !== 'reconnecting') return;
          done = true;
          c.connect();
        });
      },
    },
    {
      name: 'reconnect() from a status handler (connecting)',
      arm: (c) => {
        let done = false;
        c.on('status', (s) => {
          if (done || s.status !== 'connecting') return;
          done = true;
          c.reconnect();
        });
      },
    },
  ];

  it.each(cases)('$name: at most one live socket, every replaced socket closed', ({ arm }) => {
    const { fake, client } = setup();
    fake.last.open();
    arm(client);
    fake.last.drop();
    for (let i = 0; i < 20; i++) {
      expect(liveSockets(fake.sockets).length, `step ${i}: ${describeSockets(fake.sockets)}`).toBeLessThanOrEqual(1);
      vi.advanceTimersByTime(250);
    }
    expect(leakedSockets(fake.sockets), describeSockets(fake.sockets)).toEqual([]);
    // The survivor is the client's: opening it opens the client.
    fake.last.open();
    expect(client.getSnapshot().status).toBe('open');
    vi.advanceTimersByTime(10_000);
    expect(liveSockets(fake.sockets).length, describeSockets(fake.sockets)).toBe(1);
  });
});

describe('dispose() from a handler releases everything (defect 3)', () => {
  it('from a subscriber when the status becomes connecting: no WebSocket is constructed after dispose', () => {
    const { fake, client } = setup({ autoConnect: false });
    let atDispose = -1;
    client.subscribe(() => {
      if (client.getSnapshot().status === 'connecting' && atDispose < 0) {
        atDispose = fake.sockets.length;
        client.dispose();
      }
    });
    client.connect();
    expect(atDispose).toBe(0);
    expect(fake.sockets, 'a WebSocket was constructed after dispose()').toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(0);
  });

  it('from a status: open handler with the heartbeat on: no timer afterwards and no log after dispose', () => {
    const calls: { level: string; message: string; afterDispose: boolean }[] = [];
    let disposed = false;
    const rec = (level: string) => (message: string) => void calls.push({ level, message, afterDispose: disposed });
    const { fake, client } = setup({
      heartbeat: {},
      logger: { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') },
    });
    client.on('status', (s) => {
      if (s.status === 'open') {
        disposed = true;
        client.dispose();
      }
    });
    fake.last.open();
    expect(vi.getTimerCount(), 'a timer was armed after dispose()').toBe(0);
    vi.advanceTimersByTime(120_000);
    expect(calls.filter((c) => c.afterDispose)).toEqual([]);
  });

  it('from an rtt handler: no timer stays pending', () => {
    const { fake, client } = setup({ heartbeat: {} });
    client.on('rtt', () => client.dispose());
    fake.last.open();
    vi.advanceTimersByTime(20_000); // ping
    vi.advanceTimersByTime(40);
    fake.last.receive('pong');
    expect(vi.getTimerCount(), 'a timer is pending after dispose()').toBe(0);
  });
});

describe('after a handler disposes, the other handlers of that event do not run (defect 4)', () => {
  type Trigger = { type: keyof Events; opts?: Partial<ClientOptions>; run: (s: ReturnType<typeof setup>) => void };
  const triggers: Trigger[] = [
    { type: 'status', opts: { autoConnect: false }, run: ({ client }) => client.connect() },
    { type: 'open', run: ({ fake }) => fake.last.open() },
    { type: 'close', run: ({ fake }) => (fake.last.open(), fake.last.serverClose(1000)) },
    { type: 'reconnecting', run: ({ fake }) => (fake.last.open(), fake.last.drop()) },
    { type: 'error', run: ({ fake }) => fake.last.failHandshake() },
    { type: 'message', run: ({ fake }) => (fake.last.open(), fake.last.receive('hi')) },
    { type: 'drop', opts: { outbox: false }, run: ({ client }) => client.send('x') },
    {
      type: 'rtt',
      opts: { heartbeat: {} },
      run: ({ fake }) => {
        fake.last.open();
        vi.advanceTimersByTime(20_040);
        fake.last.receive('pong');
      },
    },
  ];

  it.each(triggers)('$type', ({ type, opts, run }) => {
    const s = setup(opts);
    const after: string[] = [];
    let first = true;
    s.client.on(type, () => {
      if (!first) return;
      first = false;
      s.client.dispose();
    });
    s.client.on(type, () => void after.push(`second ${type} handler`));
    // A subscriber may legitimately run before the event (the status changed first), never after dispose.
    s.client.subscribe(() => void (!first && after.push('subscriber after dispose')));
    run(s);
    expect(first, `no ${type} event was emitted`).toBe(false);
    expect(after).toEqual([]);
  });
});
