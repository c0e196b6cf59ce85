import http from 'node:http';
import { describe, expect, onTestFinished, test } from 'vitest';
import { WebSocket } from 'undici';
import { useFaultServer } from '../support/fixtures';
import type { FaultServer, LogEntry } from '../support/fault-server.mjs';

/**
 * Self-tests for the fault-injecting server, driven by undici's spec-like WebSocket.
 * Everything waits on events with bounded timeouts; fixed windows are only used where the point
 * is that nothing happens.
 */

type Received =
  | { type: 'open'; at: number }
  | { type: 'message'; at: number; data: unknown }
  | { type: 'error'; at: number; error: unknown }
  | { type: 'close'; at: number; code: number; reason: string; wasClean: boolean };

interface Client {
  ws: WebSocket;
  events: Received[];
  /** Resolves with the first (or `n`-th, counting from the start) event of `type`. */
  next<T extends Received['type']>(type: T, opts?: { timeout?: number; nth?: number }): Promise<Extract<Received, { type: T }>>;
  messages(): unknown[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Opens an undici WebSocket that is force-closed when the test finishes. */
function connect(url: string, init?: { protocols?: string | string[]; headers?: Record<string, string> }): Client {
  const ws = new WebSocket(url, init as ConstructorParameters<typeof WebSocket>[1]);
  ws.binaryType = 'arraybuffer';
  const events: Received[] = [];
  const waiters = new Set<() => void>();
  const push = (e: Received) => {
    events.push(e);
    for (const w of [...waiters]) w();
  };
  ws.addEventListener('open', () => push({ type: 'open', at: performance.now() }));
  ws.addEventListener('message', (e) => push({ type: 'message', at: performance.now(), data: e.data }));
  ws.addEventListener('error', (e) => push({ type: 'error', at: performance.now(), error: (e as ErrorEvent).error }));
  ws.addEventListener('close', (e) =>
    push({ type: 'close', at: performance.now(), code: e.code, reason: e.reason, wasClean: e.wasClean }),
  );
  onTestFinished(() => {
    if (ws.readyState === ws.CONNECTING || ws.readyState === ws.OPEN) ws.close();
  });
  return {
    ws,
    events,
    next(type, { timeout = 2000, nth = 1 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = events.filter((e) => e.type === type);
          if (found.length >= nth) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found[nth - 1] as Extract<Received, { type: typeof type }>);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`client: no ${type} event #${nth} within ${timeout} ms; got ${JSON.stringify(events)}`));
        }, timeout);
        if (!check()) waiters.add(check);
      });
    },
    messages() {
      return events.flatMap((e) => (e.type === 'message' ? [e.data] : []));
    },
  };
}

async function open(server: FaultServer, path = '/', init?: Parameters<typeof connect>[1]) {
  const c = connect(server.url + path, init);
  await c.next('open');
  return c;
}

const since = (server: FaultServer, mark: number) => server.log.filter((e: LogEntry) => e.seq >= mark);

const CHINESE_REASON = '服务端维护中,请稍后重连';

describe('fault server: data path', () => {
  test('connect entry records path with query, subprotocol and Origin; echo keeps text/binary', async () => {
    const server = await useFaultServer();
    const c = connect(`${server.url}/chat?token=s3cr3t&v=1`, {
      protocols: ['chat.v2', 'chat.v1'],
      headers: { origin: 'http://app.example.test' },
    });
    const entry = await server.nextConnection();
    await c.next('open');
    expect(entry).toMatchObject({
      kind: 'connect',
      path: '/chat?token=s3cr3t&v=1',
      protocol: 'chat.v2',
      origin: 'http://app.example.test',
    });
    expect(typeof entry.t).toBe('number');
    expect(typeof entry.mono).toBe('number');
    expect(c.ws.protocol).toBe('chat.v2');
    expect(server.connectionCount()).toBe(1);
    expect(server.connections()[0]).toMatchObject({ id: entry.id, path: '/chat?token=s3cr3t&v=1', protocol: 'chat.v2' });

    c.ws.send('hello 你好');
    c.ws.send(new Uint8Array([0, 1, 2, 255]));
    await c.next('message', { nth: 2 });
    const [text, bin] = c.messages();
    expect(text).toBe('hello 你好');
    expect(bin).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(bin as ArrayBuffer)]).toEqual([0, 1, 2, 255]);
    expect(server.log.filter((e) => e.kind === 'message').map((e) => [e.data, e.binary])).toEqual([
      ['hello 你好', false],
      ['000102ff', true],
    ]);

    server.setEcho(false);
    c.ws.send('not echoed');
    c.ws.send('ping'); // app pings are still answered with echo off
    await c.next('message', { nth: 3 });
    expect(c.messages()[2]).toBe('pong');
  });

  test('accepts only configured subprotocols; default is the first offered', async () => {
    const server = await useFaultServer({ protocols: ['v3', 'v2'] });
    const a = await open(server, '/', { protocols: ['v1', 'v2', 'v3'] });
    expect(a.ws.protocol).toBe('v2'); // first offered that the server accepts
    server.setProtocols(['v9']);
    const b = connect(server.url, { protocols: ['v1'] });
    const closed = await b.next('close');
    expect(closed.code).toBe(1006); // undici fails the connection when no subprotocol is selected
    expect(b.events.some((e) => e.type === 'open')).toBe(false);
    server.setProtocols(undefined);
    const d = await open(server, '/', { protocols: ['x', 'y'] });
    expect(d.ws.protocol).toBe('x');
  });

  test('app ping/pong: "ping" -> "pong", JSON ping keeps its fields, pings are never echoed', async () => {
    const server = await useFaultServer();
    const c = await open(server);
    c.ws.send('ping');
    c.ws.send(JSON.stringify({ type: 'ping', id: 42, ts: 1234567890123 }));
    c.ws.send('marker');
    await c.next('message', { nth: 3 });
    const [first, second, third] = c.messages();
    expect(first).toBe('pong');
    expect(JSON.parse(second as string)).toEqual({ type: 'pong', id: 42, ts: 1234567890123 });
    expect(third).toBe('marker');

    server.setAnswerPings(false);
    c.ws.send('ping');
    c.ws.send(JSON.stringify({ type: 'ping', id: 43 }));
    c.ws.send('after');
    await c.next('message', { nth: 4 });
    expect(c.messages()[3]).toBe('after'); // ordering proves the pings were swallowed
    expect(c.messages()).toHaveLength(4);
  });

  test('server ping: one timer per connection, configurable message, stoppable', async () => {
    const server = await useFaultServer({ serverPing: { interval: 40 } });
    const c = await open(server);
    await c.next('message', { nth: 3 });
    expect(c.messages().slice(0, 3)).toEqual(['ping', 'ping', 'ping']);

    server.setServerPing({ interval: 30, message: '{"type":"hb"}' });
    const before = c.messages().length;
    await c.next('message', { nth: before + 2 });
    expect(c.messages().at(-1)).toBe('{"type":"hb"}');

    server.setServerPing(null);
    c.ws.send('marker');
    await server.waitFor((e) => e.kind === 'send' && e.data === 'marker');
    const count = c.messages().length;
    await sleep(150); // nothing should arrive
    expect(c.messages().length).toBeLessThanOrEqual(count + 1); // at most one already in flight
  });

  test('send() to one connection by id or to all', async () => {
    const server = await useFaultServer();
    const a = await open(server, '/a');
    const b = await open(server, '/b');
    const ids = server.connections().map((x) => x.id);
    expect(ids).toHaveLength(2);
    const idB = server.connections().find((x) => x.path === '/b')!.id;
    expect(server.send('only b', idB)).toBe(1);
    expect(server.send(new Uint8Array([7]))).toBe(2);
    await a.next('message');
    await b.next('message', { nth: 2 });
    expect(a.messages()).toHaveLength(1);
    expect(b.messages()[0]).toBe('only b');
    expect([...new Uint8Array(b.messages()[1] as ArrayBuffer)]).toEqual([7]);
  });
});

describe('fault server: closes', () => {
  test('closeAll with a Chinese reason: exact code and reason, wasClean', async () => {
    expect(Buffer.byteLength(CHINESE_REASON)).toBe(34);
    const server = await useFaultServer();
    const c = await open(server);
    expect(server.closeAll(4001, CHINESE_REASON)).toBe(1);
    const closed = await c.next('close');
    expect(closed).toMatchObject({ code: 4001, reason: CHINESE_REASON, wasClean: true });
    expect(c.events.some((e) => e.type === 'error')).toBe(false);
    // The server's 'close' entry is what the peer answered: undici echoes the code only.
    const entry = await server.waitFor('close');
    expect(entry.code).toBe(4001);
    expect(server.log.find((e) => e.kind === 'close-sent')).toMatchObject({ code: 4001, reason: CHINESE_REASON });
    expect(server.connectionCount()).toBe(0);
  });

  test('close reasons over 123 UTF-8 bytes are refused', async () => {
    const server = await useFaultServer();
    expect(() => server.closeAll(4000, 'x'.repeat(124))).toThrow(RangeError);
    expect(() => server.closeAll(4000, '中'.repeat(42))).toThrow(RangeError); // 126 bytes
    const c = await open(server);
    server.closeOne(server.connections()[0]!.id, 4000, '中'.repeat(41)); // 123 bytes
    expect(await c.next('close')).toMatchObject({ code: 4000, reason: '中'.repeat(41), wasClean: true });
  });

  test('closeEmpty sends a close frame without a body: client sees 1005', async () => {
    const server = await useFaultServer();
    const c = await open(server);
    expect(server.closeEmpty()).toBe(1);
    expect(await c.next('close')).toMatchObject({ code: 1005, reason: '', wasClean: true });
  });

  test('killAll destroys TCP without a close frame: client sees 1006, not clean', async () => {
    const server = await useFaultServer();
    const c = await open(server);
    expect(server.killAll()).toBe(1);
    const closed = await c.next('close');
    expect(closed).toMatchObject({ code: 1006, wasClean: false });
    expect(c.events.some((e) => e.type === 'error')).toBe(true);
    await server.waitFor((e) => e.kind === 'close' && e.code === 1006);
    expect(server.log.some((e) => e.kind === 'kill')).toBe(true);
  });

  test('blackholeAll: closing handshake never completes, pings unanswered; close() still frees it', async () => {
    const server = await useFaultServer();
    const c = await open(server);
    const mark = server.mark();
    expect(server.blackholeAll()).toBe(1);
    c.ws.send('ping');
    c.ws.close(1000, 'bye');
    await sleep(1000); // the point is that nothing happens
    expect(c.events.map((e) => e.type)).toEqual(['open']);
    expect(c.ws.readyState).toBe(c.ws.CLOSING);
    expect(since(server, mark).map((e) => e.kind)).toEqual(['blackhole']);
    expect(server.connections()).toMatchObject([{ blackholed: true }]);

    await server.close();
    const closed = await c.next('close');
    expect(closed).toMatchObject({ code: 1006, wasClean: false });
  });

  test('sendRawClose with a valid status code is a normal close', async () => {
    const server = await useFaultServer();
    const c = await open(server);
    expect(server.sendRawClose(Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from('hi')]))).toBe(1);
    expect(await c.next('close')).toMatchObject({ code: 4001, reason: 'hi', wasClean: true });
  });

  test('sendRawClose with a reason-only payload (libhv style): undici fails the connection', async () => {
    const server = await useFaultServer();
    const c = await open(server);
    expect(server.sendRawClose(CHINESE_REASON)).toBe(1);
    const raw = await server.waitFor('raw-close');
    expect(raw.reason).toBe(CHINESE_REASON);
    expect(raw.data).toBe(Buffer.from(CHINESE_REASON).toString('hex'));
    // First two bytes 0xE6 0x9C read as status code 59036: invalid, so undici fails the
    // connection: error event, then close 1006 with an empty reason.
    const closed = await c.next('close');
    expect(closed).toMatchObject({ code: 1006, reason: '', wasClean: false });
    expect(c.events.map((e) => e.type)).toEqual(['open', 'error', 'close']);
    // The server sees the connection go away (undici answers with 1002 "Invalid status code"
    // before dropping TCP; do not depend on that detail).
    const serverClose = await server.waitFor('close');
    expect([1002, 1006]).toContain(serverClose.code);
  });
});

describe('fault server: handshake modes', () => {
  test('reject 403 once: error + close 1006, then back to accept', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status: 403, count: 1 });
    const c = connect(`${server.url}/secure?token=bad`);
    const closed = await c.next('close');
    expect(closed).toMatchObject({ code: 1006, reason: '', wasClean: false });
    expect(c.events.map((e) => e.type)).toEqual(['error', 'close']);
    expect(server.log.find((e) => e.kind === 'reject')).toMatchObject({ status: 403, path: '/secure?token=bad' });
    expect(server.handshakeMode).toBe('accept');
    await open(server, '/secure?token=good');
  });

  test('reject without count persists; raw HTTP sees the status and body', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status: 503 });
    for (let i = 0; i < 2; i++) {
      const c = connect(server.url);
      expect(await c.next('close')).toMatchObject({ code: 1006 });
    }
    expect(server.log.filter((e) => e.kind === 'reject')).toHaveLength(2);
    expect(server.handshakeMode).toBe('reject');

    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(server.httpUrl + '/raw', {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
        timeout: 2000,
      });
      req.on('response', (r) => {
        let body = '';
        r.setEncoding('utf8');
        r.on('data', (d: string) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('unexpected upgrade')));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(503);
    expect(res.body).toContain('503');
  });

  test('reject mode answers a plain GET with the same status (count untouched); accept answers 200; both readable cross-origin', async () => {
    const server = await useFaultServer();
    const get = async (path: string) => {
      const r = await fetch(server.httpUrl + path, { headers: { origin: 'http://127.0.0.1:1' } });
      return { status: r.status, cors: r.headers.get('access-control-allow-origin'), body: await r.text() };
    };
    expect(await get('/plain')).toMatchObject({ status: 200, cors: '*' });
    // 403: undici's WebSocket repeats an upgrade answered 401 once (its fetch's 401 handling).
    server.setHandshakeMode('reject', { status: 403, count: 1 });
    expect(await get('/plain?token=x')).toMatchObject({ status: 403, cors: '*', body: expect.stringContaining('403') });
    expect(await get('/plain?token=x')).toMatchObject({ status: 403 });
    expect(server.handshakeMode).toBe('reject'); // a GET does not use up `count`; the upgrade does
    const c = connect(server.url + '/plain');
    expect(await c.next('close')).toMatchObject({ code: 1006 });
    expect(server.handshakeMode).toBe('accept');
    expect(await get('/plain')).toMatchObject({ status: 200 });
    expect(server.log.filter((e) => e.kind === 'http').map((e) => [e.path, e.status, e.origin])).toEqual([
      ['/plain', 200, 'http://127.0.0.1:1'],
      ['/plain?token=x', 403, 'http://127.0.0.1:1'],
      ['/plain?token=x', 403, 'http://127.0.0.1:1'],
      ['/plain', 200, 'http://127.0.0.1:1'],
    ]);
  });

  test('handshake blackhole: client stays CONNECTING; close() releases it', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('blackhole');
    const c = connect(`${server.url}/stuck`);
    await server.waitFor('blackhole-handshake');
    await sleep(500); // the point is that nothing happens
    expect(c.ws.readyState).toBe(c.ws.CONNECTING);
    expect(c.events).toEqual([]);
    expect(server.pendingHandshakeCount()).toBe(1);
    expect(server.connectionCount()).toBe(0);

    server.setHandshakeMode('accept');
    await open(server, '/ok');

    await server.close();
    expect(await c.next('close')).toMatchObject({ code: 1006, wasClean: false });
  });

  test('crash mode without code: every connect is dropped right after the upgrade (1006)', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('crash');
    for (let i = 0; i < 3; i++) {
      const c = connect(`${server.url}/crash?n=${i}`);
      expect(await c.next('close')).toMatchObject({ code: 1006, wasClean: false });
      // The 101 is flushed before the socket is destroyed, so the client does open first.
      expect(c.events.map((e) => e.type)).toEqual(['open', 'error', 'close']);
    }
    expect(server.log.filter((e) => e.kind === 'crash')).toHaveLength(3);
    expect(server.log.filter((e) => e.kind === 'connect').map((e) => e.path)).toEqual([
      '/crash?n=0',
      '/crash?n=1',
      '/crash?n=2',
    ]);
    expect(server.connectionCount()).toBe(0);
  });

  test('crash mode with a code closes cleanly with it', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('crash', { code: 1011, reason: 'boom' });
    for (let i = 0; i < 2; i++) {
      const c = connect(server.url);
      expect(await c.next('close')).toMatchObject({ code: 1011, reason: 'boom', wasClean: true });
      expect(c.events[0]?.type).toBe('open');
    }
  });

  test('close-after: accepted, then closed with the code after ms', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('close-after', { ms: 150, code: 4002, reason: 'later' });
    const c = await open(server);
    const opened = c.events[0]!.at;
    const closed = await c.next('close');
    expect(closed).toMatchObject({ code: 4002, reason: 'later', wasClean: true });
    expect(closed.at - opened).toBeGreaterThanOrEqual(100);
  });
});

describe('fault server: refuseFor and lifecycle', () => {
  test('refuseFor: drops connections, refuses during the window, same port afterwards', async () => {
    const server = await useFaultServer();
    const port = server.port;
    const existing = await open(server);
    const back = server.refuseFor(400);
    expect(server.down).toBe(true);
    expect(await existing.next('close')).toMatchObject({ code: 1006, wasClean: false });
    await server.waitFor((e) => e.kind === 'refused-window' && e.phase === 'start');

    const mark = server.mark();
    const refused = connect(server.url);
    const closed = await refused.next('close');
    expect(closed).toMatchObject({ code: 1006, wasClean: false });
    expect(refused.events.map((e) => e.type)).toEqual(['error', 'close']);
    expect(since(server, mark).some((e) => e.kind === 'connect')).toBe(false);

    await back;
    expect(server.down).toBe(false);
    expect(server.port).toBe(port);
    expect(server.log.some((e) => e.kind === 'refused-window' && e.phase === 'end')).toBe(true);
    const again = await open(server, '/again');
    again.ws.send('hi');
    expect(await again.next('message')).toMatchObject({ data: 'hi' });
  });

  test('waitFor rejects with the recent log; close() is idempotent and stops everything', async () => {
    const server = await useFaultServer({ serverPing: { interval: 20 } });
    const c = await open(server, '/w?x=1');
    await expect(server.waitFor(() => false, { timeout: 50 })).rejects.toThrow(/timed out after 50 ms[\s\S]*Last log entries[\s\S]*\/w\?x=1/);
    const [a, b] = await server.waitForAll('send', 2);
    expect(a!.seq).toBeLessThan(b!.seq);
    server.clearLog();
    expect(server.log).toHaveLength(0);

    const p1 = server.close();
    const p2 = server.close();
    expect(p1).toBe(p2);
    await p1;
    expect(server.closed).toBe(true);
    expect(await c.next('close')).toMatchObject({ code: 1006 });
    const late = connect(server.url);
    expect(await late.next('close')).toMatchObject({ code: 1006 });
  });
});
