/**
 * The message path under hostile conditions: a socket that refuses a frame mid-flush, app code
 * (codecs, heartbeat matchers, drop handlers) that throws or calls back into the client. Every
 * message is delivered, reported by a `drop` event, or refused loudly, never lost in silence.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isResilientWsError, type Codec } from '../../src/index';
import type { FakeSocket } from '../support/fake-socket';
import { setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Make `sock.send` throw for the frames `refuse` picks (as a broken or custom socket may). */
const refusing = (sock: FakeSocket, refuse: (data: unknown) => boolean) => {
  const send = sock.send.bind(sock);
  sock.send = (data: unknown) => {
    if (refuse(data)) throw new DOMException('refused', 'InvalidStateError');
    send(data);
  };
};

describe('a frame the socket refuses during a flush', () => {
  it('stays queued, in order, and goes out on the next connection', () => {
    const { fake, client, drops } = setup();
    for (const m of ['1', '2', '3']) expect(client.send(m)).toBe('queued');
    let refused = false;
    refusing(fake.last, (d) => d === '2' && !refused && (refused = true));
    fake.last.open();
    expect(fake.last.sent).toEqual(['1']);
    expect(client.getSnapshot().queued, 'the refused frame left the outbox without a drop event').toBe(2);
    fake.last.drop();
    vi.advanceTimersByTime(1000);
    fake.last.open();
    expect(fake.last.sent).toEqual(['2', '3']);
    expect(drops).toEqual([]);
  });

  it('an expired-drop handler that calls reconnect() mid-flush: the rest of the queue is kept', () => {
    const { fake, client, drops } = setup();
    fake.last.open();
    fake.last.bufferedAmount = 1e9; // the socket is backed up: sends wait, polled every 25 ms
    for (const m of ['a', 'b']) expect(client.send(m)).toBe('queued');
    vi.advanceTimersByTime(5);
    client.send('short', { ttl: 20 }); // expires at the next drain poll
    client.on('drop', (d) => d.reason === 'expired' && client.reconnect());
    fake.last.bufferedAmount = 0;
    vi.advanceTimersByTime(20); // the poll flushes: 'short' expires first, and its handler reconnects
    expect(drops.map((d) => d.message)).toEqual(['short']);
    fake.last.open();
    expect(fake.last.sent).toEqual(['a', 'b']);
  });
});

describe('a codec that calls back into the client', () => {
  it('encode() that disposes the client: send() throws DisposedError instead of queuing into a dead outbox', () => {
    let client!: ReturnType<typeof setup<unknown, string>>['client'];
    const codec: Codec<unknown, string> = {
      encode(m) {
        if (m === 'bye') client.dispose();
        return m;
      },
      decode: (d) => d,
    };
    ({ client } = setup<unknown, string>({ codec, autoConnect: false }));
    let result: unknown;
    try {
      result = client.send('bye');
    } catch (e) {
      result = e;
    }
    expect(isResilientWsError(result, 'DisposedError'), `send() returned ${String(result)}`).toBe(true);
  });
});

describe('a heartbeat matcher that throws', () => {
  it.each(['client', 'server'] as const)('mode %s: the throw is an error event and the frame still reaches the app', (mode) => {
    const matcher = () => {
      throw new Error('matcher broke');
    };
    const { fake, client, errors } = setup({ heartbeat: { mode, isPong: matcher, isPing: matcher } });
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    fake.last.open();
    expect(() => fake.last.receive('hello'), 'the matcher exception escaped the socket listener').not.toThrow();
    expect(got).toEqual(['hello']);
    expect(errors.some((e) => isResilientWsError(e) && /heartbeat\.is(Pong|Ping)/.test(e.message))).toBe(true);
    expect(client.getSnapshot().status).toBe('open');
  });
});

describe('heartbeat callbacks that close the client', () => {
  it('the ping message function calls close(): once closed, no heartbeat timer is left pending', () => {
    let client!: ReturnType<typeof setup>['client'];
    const message = () => {
      client.close();
      return 'ping';
    };
    const s = setup({ heartbeat: { interval: 1000, timeout: 500, message } });
    client = s.client;
    s.fake.last.open();
    vi.advanceTimersByTime(1000); // the ping is due: its message function closes
    s.fake.last.echoClose();
    expect(client.getSnapshot().status).toBe('closed');
    expect(vi.getTimerCount(), 'a timer is still pending on a closed client').toBe(0);
  });

  it('an rtt handler calls close(): once closed, no heartbeat timer is left pending', () => {
    const { fake, client } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    client.on('rtt', () => client.close());
    fake.last.open();
    vi.advanceTimersByTime(1000);
    expect(fake.last.sent).toEqual(['ping']);
    fake.last.receive('pong');
    fake.last.echoClose();
    expect(client.getSnapshot().status).toBe('closed');
    expect(vi.getTimerCount(), 'a timer is still pending on a closed client').toBe(0);
  });
});

describe('binary data the app reuses after send() returned', () => {
  it('a queued ArrayBuffer or view goes out with the bytes it had when send() was called, as WebSocket.send() would', () => {
    const { fake, client } = setup();
    const buf = new Uint8Array([1, 2, 3, 4]);
    const raw = new ArrayBuffer(2);
    expect(client.send(buf.subarray(1, 3))).toBe('queued');
    expect(client.send(raw)).toBe('queued');
    buf.fill(9);
    new Uint8Array(raw).fill(7);
    fake.last.open();
    const bytes = fake.last.sent.map((d) => [...new Uint8Array(ArrayBuffer.isView(d) ? d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength) : (d as ArrayBuffer))]);
    expect(bytes).toEqual([
      [2, 3],
      [0, 0],
    ]);
  });
});

describe('re-entrant calls during a flush (checked clean)', () => {
  /** Open with two messages and a backed-up socket, queue 'short' to expire at the next drain poll. */
  const backlog = () => {
    const s = setup();
    s.fake.last.open();
    s.fake.last.bufferedAmount = 1e9;
    for (const m of ['a', 'b']) s.client.send(m);
    vi.advanceTimersByTime(5);
    s.client.send('short', { ttl: 20 });
    s.fake.last.bufferedAmount = 0;
    return s;
  };

  it('an open handler that sends: the queue goes first, then the new message', () => {
    const { fake, client } = setup();
    for (const m of ['1', '2']) client.send(m);
    client.on('open', () => client.send('3'));
    fake.last.open();
    expect(fake.last.sent).toEqual(['1', '2', '3']);
  });

  it('an expired-drop handler that sends: after the queue, in order', () => {
    const { fake, client } = backlog();
    client.on('drop', (d) => d.reason === 'expired' && client.send('again'));
    vi.advanceTimersByTime(20);
    expect(fake.last.sent).toEqual(['a', 'b', 'again']);
  });

  it('an expired-drop handler that clears the outbox: each message reported once, nothing sent', () => {
    const { fake, client, drops } = backlog();
    client.on('drop', (d) => d.reason === 'expired' && client.clearOutbox());
    vi.advanceTimersByTime(20);
    expect(drops).toEqual([
      { message: 'short', reason: 'expired' },
      { message: 'a', reason: 'cleared' },
      { message: 'b', reason: 'cleared' },
    ]);
    expect(fake.last.sent).toEqual([]);
  });

  it('an expired-drop handler that disposes: the rest are reported as disposed, in order', () => {
    const { client, drops } = backlog();
    client.on('drop', (d) => d.reason === 'expired' && client.dispose());
    expect(() => vi.advanceTimersByTime(20)).not.toThrow();
    expect(drops.map((d) => `${d.message}:${d.reason}`)).toEqual(['short:expired', 'a:disposed', 'b:disposed']);
  });
});

describe('outbox limits at the exact byte count (checked clean)', () => {
  it('multi-byte text, views and Blobs count their UTF-8/byte length: exactly maxBytes fits, one more byte overflows', () => {
    const { client, drops } = setup({ autoConnect: false, outbox: { maxBytes: 16 } });
    expect(client.send('é€😀')).toBe('queued'); // 2 + 3 + 4 bytes
    expect(client.send(new Uint16Array(2))).toBe('queued'); // 4 bytes
    expect(client.send(new Blob(['abc']))).toBe('queued'); // 3 bytes: 16 in all
    expect(client.getSnapshot().queuedBytes).toBe(16);
    expect(client.send(new DataView(new ArrayBuffer(8), 7))).toBe('rejected');
    expect(drops.map((d) => d.reason)).toEqual(['overflow']);
  });
});

describe('heartbeat pongs that come too late (checked clean)', () => {
  it('a pong on the timed-out socket is ignored; the new socket is timed from its own ping', () => {
    const { fake, client } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    const rtts: number[] = [];
    const got: unknown[] = [];
    client.on('rtt', (r) => rtts.push(r.rtt));
    client.on('message', (m) => got.push(m));
    fake.last.open();
    const first = fake.last;
    vi.advanceTimersByTime(1500); // ping at 1000, dead at 1500
    expect(first.closeCalls.at(-1)?.code).toBe(3008);
    first.receive('pong');
    expect(client.getSnapshot().status).toBe('reconnecting');
    vi.advanceTimersByTime(500);
    fake.last.open();
    vi.advanceTimersByTime(1000);
    expect(fake.last.sent).toEqual(['ping']);
    vi.advanceTimersByTime(40);
    fake.last.receive('pong');
    expect(rtts).toEqual([40]);
    expect(got).toEqual([]);
    expect(client.getSnapshot()).toMatchObject({ status: 'open', rtt: 40 });
  });
});

describe('a ping queued behind a large upload', () => {
  it('is not a timeout while the socket is still draining; a stalled socket is', () => {
    const { fake, client, errors } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    fake.last.open();
    fake.last.bufferedAmount = 3_000_000; // a slow uplink: the ping waits behind these bytes
    vi.advanceTimersByTime(1000);
    expect(fake.last.sent).toEqual(['ping']);
    fake.last.bufferedAmount = 2_000_000;
    vi.advanceTimersByTime(500); // the pong deadline: bytes are still leaving, the ping has not
    expect(client.getSnapshot().status, 'a healthy connection was declared dead behind its own upload').toBe('open');
    fake.last.bufferedAmount = 0;
    vi.advanceTimersByTime(500); // drained since: the ping left at some point, allow one more timeout
    expect(client.getSnapshot().status).toBe('open');
    vi.advanceTimersByTime(100);
    fake.last.receive('pong');
    vi.advanceTimersByTime(1000); // the next ping, on an idle socket: an ordinary timeout applies
    fake.last.bufferedAmount = 500;
    vi.advanceTimersByTime(500);
    expect(client.getSnapshot().status).toBe('reconnecting');
    expect(errors.some((e) => isResilientWsError(e, 'HeartbeatTimeoutError'))).toBe(true);
  });

  it('a backlog that stops draining is a dead link', () => {
    const { fake, client } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    fake.last.open();
    fake.last.bufferedAmount = 3_000_000;
    vi.advanceTimersByTime(1000);
    vi.advanceTimersByTime(500);
    expect(client.getSnapshot().status).toBe('reconnecting');
  });
});
