import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { en, isResilientWsError, type ClientOptions, type CloseInfo, type Codec } from '../../src/index';
import { settle, setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('codecs', () => {
  it('json: objects out and in', () => {
    const { fake, client } = setup<unknown, unknown>({ codec: 'json' });
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    fake.last.open();
    client.send({ type: 'hello', n: 1 });
    expect(fake.last.sent).toEqual(['{"type":"hello","n":1}']);
    fake.last.receive('{"type":"news","items":[1,2]}');
    expect(got).toEqual([{ type: 'news', items: [1, 2] }]);
  });

  it('json: an invalid frame is a DecodeError carrying the raw frame; the connection stays and the next message arrives', () => {
    const { fake, client, errors } = setup<unknown, unknown>({ codec: 'json' });
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    fake.last.open();
    fake.last.receive('{oops');
    expect(errors).toHaveLength(1);
    expect(isResilientWsError(errors[0], 'DecodeError')).toBe(true);
    expect((errors[0] as { data: unknown }).data).toBe('{oops');
    expect(client.getSnapshot().status).toBe('open');
    expect(fake.last.closeCalls).toEqual([]);
    fake.last.receive('{"ok":true}');
    expect(got).toEqual([{ ok: true }]);
  });

  it('json: a binary frame is a DecodeError', () => {
    const { fake, client, errors } = setup<unknown, unknown>({ codec: 'json' });
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    fake.last.open();
    const buf = new ArrayBuffer(2);
    fake.last.receive(buf);
    expect(got).toEqual([]);
    expect(isResilientWsError(errors[0], 'DecodeError')).toBe(true);
    expect((errors[0] as { data: unknown }).data).toBe(buf);
  });

  it('text (default): strings through unchanged; objects cannot be sent', () => {
    const { fake, client } = setup();
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    fake.last.open();
    expect(client.send('héllo')).toBe('sent');
    expect(fake.last.sent).toEqual(['héllo']);
    fake.last.receive('{"not":"parsed"}');
    expect(got).toEqual(['{"not":"parsed"}']);
    expect(() => client.send({ a: 1 })).toThrow(expect.objectContaining({ name: 'EncodeError' }));
    expect(fake.last.sent).toEqual(['héllo']);
  });

  it('binary: ArrayBuffer in and out; a text frame is a DecodeError', () => {
    const { fake, client, errors } = setup<ArrayBuffer | Blob, ArrayBuffer | ArrayBufferView | Blob>({ codec: 'binary' });
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    fake.last.open();
    const out = new Uint8Array([1, 2, 3]);
    client.send(out);
    expect(fake.last.sent).toEqual([out]);
    const buf = new Uint8Array([9, 8]).buffer;
    fake.last.receive(buf);
    expect(got).toEqual([buf]);
    expect(got[0]).toBe(buf);
    fake.last.receive('text!');
    expect(got).toHaveLength(1);
    expect(isResilientWsError(errors[0], 'DecodeError')).toBe(true);
    expect((errors[0] as { data: unknown }).data).toBe('text!');
    expect(client.getSnapshot().status).toBe('open');
  });

  it('a custom codec encodes, decodes and chooses binaryType', () => {
    const codec: Codec<{ raw: string }, { n: number }> = {
      encode: (m) => `n=${m.n}`,
      decode: (d) => ({ raw: String(d).toUpperCase() }),
      binaryType: 'blob',
    };
    const { fake, client } = setup({ codec });
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    expect(fake.last.binaryType).toBe('blob');
    fake.last.open();
    client.send({ n: 7 });
    expect(fake.last.sent).toEqual(['n=7']);
    fake.last.receive('abc');
    expect(got).toEqual([{ raw: 'ABC' }]);
  });

  it.each(['text', 'json', 'binary'] as const)('sets binaryType "arraybuffer" on every socket by default (%s)', (codec) => {
    const { fake } = setup({ codec });
    expect(fake.last.binaryType).toBe('arraybuffer');
    fake.last.open();
    fake.last.drop();
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
    expect(fake.last.binaryType).toBe('arraybuffer');
  });

  it('an unencodable message throws EncodeError synchronously and is neither sent nor queued', () => {
    const { fake, client, drops } = setup<unknown, unknown>({ codec: 'json' });
    expect(() => client.send(() => 1)).toThrow(expect.objectContaining({ name: 'EncodeError' }));
    let thrown: unknown;
    try {
      client.send({ big: 10n });
    } catch (e) {
      thrown = e;
    }
    expect(isResilientWsError(thrown, 'EncodeError')).toBe(true);
    expect((thrown as Error).cause).toBeInstanceOf(TypeError);
    expect(client.getSnapshot().queued).toBe(0);
    fake.last.open();
    expect(() => client.send(undefined)).toThrow(expect.objectContaining({ name: 'EncodeError' }));
    expect(fake.last.sent).toEqual([]);
    expect(drops).toEqual([]);
  });
});

describe('how frames are received', () => {
  it('on a socket with addEventListener: each frame is delivered once, and nothing from a released socket', () => {
    const { fake, client } = setup({}, { listeners: true });
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    const first = fake.last;
    first.open();
    first.receive('a');
    expect(got).toEqual(['a']); // once: not through both onmessage and a listener
    first.drop(); // 1006: released, reconnect in 500 ms
    first.receive('late from the released socket');
    vi.advanceTimersByTime(500);
    fake.last.open();
    fake.last.receive('b');
    expect(got).toEqual(['a', 'b']);
    client.dispose();
    fake.last.receive('after dispose');
    first.receive('late again');
    expect(got).toEqual(['a', 'b']);
  });

  it('on a socket without addEventListener (onmessage only): frames are delivered, and nothing from a released socket', () => {
    const { fake, client } = setup();
    const got: unknown[] = [];
    client.on('message', (m) => got.push(m));
    fake.last.open();
    fake.last.receive('a');
    expect(got).toEqual(['a']);
    fake.last.drop();
    fake.sockets[0]!.receive('late from the released socket');
    expect(got).toEqual(['a']);
  });
});

describe('lazy connections', () => {
  it('opens no socket until the first send(), then delivers it', () => {
    const { fake, client } = setup({ lazy: true });
    client.on('status', () => {}); // not a reason to connect
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(0);
    expect(client.getSnapshot().status).toBe('idle');
    expect(client.send('hi')).toBe('queued');
    expect(fake.sockets).toHaveLength(1);
    fake.last.open();
    expect(fake.last.sent).toEqual(['hi']);
  });

  it('connects on the first subscribe()', () => {
    const { fake, client } = setup({ lazy: true });
    expect(fake.sockets).toHaveLength(0);
    client.subscribe(() => {});
    expect(fake.sockets).toHaveLength(1);
  });

  it('connects on the first on("message")', () => {
    const { fake, client } = setup({ lazy: true });
    expect(fake.sockets).toHaveLength(0);
    client.on('message', () => {});
    expect(fake.sockets).toHaveLength(1);
  });

  it('closes after idleTimeout once the last subscriber leaves and the outbox is empty; status "idle"', () => {
    const { fake, client } = setup({ lazy: { idleTimeout: 1000 } });
    const offA = client.subscribe(() => {});
    const offB = client.on('message', () => {});
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(60_000);
    expect(ws.closeCalls).toEqual([]);
    offA();
    vi.advanceTimersByTime(60_000);
    expect(ws.closeCalls).toEqual([]); // a message listener is still there
    offB();
    vi.advanceTimersByTime(999);
    expect(ws.closeCalls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ws.closeCalls).toEqual([{ code: 1000, reason: 'idle' }]);
    ws.echoClose();
    expect(client.getSnapshot().status).toBe('idle');
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(1);

    // A new subscriber wakes it.
    client.subscribe(() => {});
    expect(fake.sockets).toHaveLength(2);
  });

  it('a send postpones the idle close', () => {
    const { fake, client } = setup({ lazy: { idleTimeout: 1000 } });
    client.send('first');
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(800);
    expect(client.send('again')).toBe('sent');
    vi.advanceTimersByTime(800);
    expect(ws.closeCalls).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(ws.closeCalls).toEqual([{ code: 1000, reason: 'idle' }]);
  });

  it('an idle close is bounded by closeTimeout when the server never answers', () => {
    const { fake, client } = setup({ lazy: { idleTimeout: 1000 }, closeTimeout: 2000 });
    client.send('x');
    fake.last.open();
    vi.advanceTimersByTime(1000);
    expect(fake.last.closeCalls).toHaveLength(1);
    vi.advanceTimersByTime(2000);
    expect(client.getSnapshot().status).toBe('idle');
  });

  it('a send while the idle close is under way is not written to the closing socket', () => {
    const { fake, client } = setup({ lazy: { idleTimeout: 1000 } });
    client.send('x');
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(1000);
    expect(ws.closeCalls).toHaveLength(1);
    expect(client.send('late')).toBe('queued');
    expect(ws.sent).toEqual(['x']);
    ws.echoClose();
    expect(fake.sockets).toHaveLength(2);
    fake.last.open();
    expect(fake.last.sent).toEqual(['late']);
  });

  it('a server 1000 close goes "idle" (not "closed"), and the next send reconnects', () => {
    const { fake, client } = setup({ lazy: true });
    client.send('a');
    fake.last.open();
    fake.last.serverClose(1000, 'bye');
    expect(client.getSnapshot()).toMatchObject({ status: 'idle', lastClose: { code: 1000, category: 'normal' } });
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(1);
    expect(client.send('b')).toBe('queued');
    expect(fake.sockets).toHaveLength(2);
    fake.last.open();
    expect(fake.last.sent).toEqual(['b']);
  });
});

describe('credentials', () => {
  it('refreshes once after an auth close, then reconnects at once with the fresh url', async () => {
    let token = 'old';
    const refresh = vi.fn(async (_close: CloseInfo) => {
      token = 'new';
    });
    const { fake, client } = setup({ url: () => `wss://example.test/live?token=${token}`, authCodes: [4401], refresh });
    expect(fake.last.url).toContain('token=old');
    fake.last.open();
    fake.last.serverClose(4401, 'token expired');
    await settle();
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh.mock.calls[0]![0]).toMatchObject({ code: 4401, action: 'refresh' });
    expect(fake.sockets).toHaveLength(2); // no timer needed
    expect(fake.last.url).toContain('token=new');
    expect(client.getSnapshot().status).toBe('connecting');
    fake.last.open();
    expect(client.getSnapshot().status).toBe('open');
  });

  it('stops with RefreshError when refresh rejects', async () => {
    const refresh = vi.fn(() => Promise.reject(new Error('session gone')));
    const { fake, client, errors } = setup({ authCodes: [4401], refresh });
    fake.last.open();
    fake.last.serverClose(4401);
    await settle();
    const s = client.getSnapshot();
    expect(s.status).toBe('closed');
    expect(isResilientWsError(s.lastError, 'RefreshError')).toBe(true);
    expect((s.lastError!.cause as Error).message).toBe('session gone');
    expect(s.lastClose).toMatchObject({ code: 4401, action: 'stop', message: en['refresh-failed'] });
    expect(errors.some((e) => isResilientWsError(e, 'RefreshError'))).toBe(true);
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it('bounds a refresh loop at maxRefreshes (default 3), then stops with RefreshError', async () => {
    const refresh = vi.fn(async () => {});
    const { fake, client } = setup({ authCodes: [4401], refresh });
    for (let i = 0; i < 4; i++) {
      fake.last.open();
      fake.last.serverClose(4401);
      await settle();
    }
    expect(refresh).toHaveBeenCalledTimes(3);
    expect(fake.sockets).toHaveLength(4);
    const s = client.getSnapshot();
    expect(s.status).toBe('closed');
    expect(isResilientWsError(s.lastError, 'RefreshError')).toBe(true);
    expect(s.lastClose).toMatchObject({ action: 'stop', message: en['refresh-failed'] });
  });

  it('honours a custom maxRefreshes', async () => {
    const refresh = vi.fn(async () => {});
    const { fake, client } = setup({ authCodes: [4401], refresh, maxRefreshes: 1 });
    for (let i = 0; i < 2; i++) {
      fake.last.open();
      fake.last.serverClose(4401);
      await settle();
    }
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(client.getSnapshot().status).toBe('closed');
  });

  it.each([
    [3000, 'unauthorized'],
    [3003, 'forbidden'],
  ] as const)('without refresh, %i stops', (code, category) => {
    const { fake, client } = setup();
    fake.last.open();
    fake.last.serverClose(code);
    expect(client.getSnapshot()).toMatchObject({ status: 'closed', lastClose: { code, category, action: 'stop', message: en[category] } });
    vi.advanceTimersByTime(10 * 60_000);
    expect(fake.sockets).toHaveLength(1);
  });
});

describe('server hints in the close reason', () => {
  const closeWith = (reason: string, random = 0.5, opts: Partial<ClientOptions> = {}) => {
    const s = setup({ random: () => random, ...opts });
    const reconnecting: { delay: number }[] = [];
    s.client.on('reconnecting', (e) => reconnecting.push(e));
    s.fake.last.open();
    s.fake.last.serverClose(1013, reason);
    return { ...s, reconnecting };
  };

  it.each([
    [0, 30_000],
    [0.5, 33_000],
    [0.999, 35_994],
  ])('1013 {"retryAfter":30,"message":"维护中"} waits 30–36 s (random %f → %i ms)', (random, delay) => {
    const { fake, client, reconnecting } = closeWith('{"retryAfter":30,"message":"维护中"}', random);
    const s = client.getSnapshot();
    expect(s.retryDelay).toBe(delay);
    expect(reconnecting).toEqual([expect.objectContaining({ delay })]);
    expect(s.lastClose).toMatchObject({ code: 1013, retryAfter: 30_000, serverMessage: '维护中', category: 'try-again-later' });
    vi.advanceTimersByTime(delay - 1);
    expect(fake.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(fake.sockets).toHaveLength(2);
  });

  it('reads "retry-after=2" from a text reason', () => {
    const { client } = closeWith('overloaded; retry-after=2');
    // 1013: the 2000 ms hint is lifted to tryAgainLaterDelay (10 s), plus jitter of up to
    // max(20 %, 1 s) of that, drawn at 0.5
    expect(client.getSnapshot().retryDelay).toBe(11_000);
    expect(client.getSnapshot().lastClose?.retryAfter).toBe(2000);
  });

  it.each([
    ['bad JSON', '{"retryAfter":30'],
    ['a negative value', '{"retryAfter":-5}'],
    ['a non-numeric value', '{"retryAfter":"soon"}'],
  ])('ignores %s (1013 falls back to tryAgainLaterDelay + backoff)', (_what, reason) => {
    const { client } = closeWith(reason);
    const s = client.getSnapshot();
    expect(s.retryDelay).toBe(10_000 + 500);
    expect(s.lastClose?.retryAfter).toBeUndefined();
  });

  it('caps a huge hint (1e9 s) at maxHintDelay (plus up to 20 % jitter)', () => {
    expect(closeWith('{"retryAfter":1e9}').client.getSnapshot().retryDelay).toBe(300_000 * 1.1);
    expect(closeWith('{"retryAfter":1e9}', 0.5, { retry: { maxHintDelay: 60_000 } }).client.getSnapshot().retryDelay).toBe(66_000);
  });
});

describe('binaryType', () => {
  it('sets arraybuffer by default, blob on request, and rejects anything else', () => {
    const a = setup();
    expect(a.fake.last.binaryType).toBe('arraybuffer');
    const b = setup({ codec: 'binary', binaryType: 'blob' });
    expect(b.fake.last.binaryType).toBe('blob');
    let error: unknown;
    try {
      setup({ binaryType: 'nodebuffer' as BinaryType });
    } catch (e) {
      error = e;
    }
    expect(isResilientWsError(error, 'InvalidOptionError')).toBe(true);
  });
});

describe('a credential refresh in progress', () => {
  it('is not cut short by the browser coming back online', async () => {
    const window = new EventTarget();
    let token = 'old';
    let finish: () => void = () => {};
    const s = setup({
      url: () => `wss://example.test/live?token=${token}`,
      authCodes: [4401],
      refresh: () =>
        new Promise<void>((resolve) => {
          finish = () => {
            token = 'new';
            resolve();
          };
        }),
      lifecycle: { target: { window, navigator: { onLine: true } } },
    });
    s.fake.last.open();
    s.fake.last.serverClose(4401, 'token expired');
    expect(s.client.getSnapshot().status).toBe('reconnecting');
    window.dispatchEvent(new Event('online'));
    await settle();
    expect(s.fake.sockets).toHaveLength(1);
    finish();
    await settle();
    expect(s.fake.sockets).toHaveLength(2);
    expect(s.fake.last.url).toContain('token=new');
  });
});

describe('lazy mode after a stop', () => {
  it('a fatal close stays closed: a later send() queues but does not reconnect', () => {
    const s = setup({ lazy: true });
    expect(s.client.send('first')).toBe('queued');
    s.fake.last.open();
    s.fake.last.serverClose(1008, 'policy');
    expect(s.client.getSnapshot().status).toBe('closed');
    expect(s.client.send('second')).toBe('queued');
    vi.advanceTimersByTime(60_000);
    expect(s.fake.sockets).toHaveLength(1);
  });
});

describe('send() options', () => {
  it('rejects a bad ttl at the call site even when the message could be sent at once', () => {
    const s = setup();
    s.fake.last.open();
    let error: unknown;
    try {
      s.client.send('x', { ttl: -1 });
    } catch (e) {
      error = e;
    }
    expect(isResilientWsError(error, 'InvalidOptionError')).toBe(true);
    expect(s.fake.last.sent).toEqual([]);
  });
});
