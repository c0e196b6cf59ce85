/**
 * `resilient-ws/server` at the edges, on a real `ws` WebSocketServer (127.0.0.1, port 0): a second
 * `closeWith` on the same socket, a socket the peer is already closing, frames queued behind
 * backpressure and behind permessage-deflate, and the listeners the companion leaves on real `ws`
 * sockets (none, once stopped or closed). Timing is asserted as lower bounds only.
 */
import { connect, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { describe, expect, onTestFinished, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { answerPings, closeNotice, closeWhenIdle, closeWith } from '../../src/server/index';
import { closed, parseFrames, rawClient, useCompanionServer } from '../support/companion-server';

/** 60 kB frames queued at once: ~20 MB, more than loopback's kernel buffers hold (tcp_wmem + tcp_rmem), so most wait in `ws`. */
const CHUNKS = 340;

/** `message` and `close` listeners on a real ws socket. */
const counts = (socket: WebSocket) => ({ message: socket.listenerCount('message'), close: socket.listenerCount('close') });

/** A masked client frame (what a browser sends). */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
}

/** A TCP peer past the upgrade that reads only when told to (`resume`) and never closes by itself. */
async function manualPeer(port: number): Promise<{ socket: Socket; bytes: () => Buffer; length: () => number; resume: () => void; ended: Promise<void>; finished: Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  onTestFinished(() => {
    socket.destroy();
  });
  let head = Buffer.alloc(0);
  const body: Buffer[] = [];
  let length = 0;
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  // The server's FIN (or reset): with allowHalfOpen the peer's own half stays open.
  const finished = new Promise<void>((resolve) => {
    socket.on('end', () => resolve());
    socket.on('error', () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.pause();
      const keep = (c: Buffer) => {
        body.push(c);
        length += c.length;
      };
      keep(head.subarray(end + 4));
      socket.on('data', keep);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
    socket.once('connect', () => {
      socket.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
  return { socket, bytes: () => Buffer.concat(body), length: () => length, resume: () => socket.resume(), ended, finished };
}

describe('closeWith at the edges', () => {
  test('called twice: one notice, one close frame; the second call sends nothing and both resolve', async () => {
    const server = await useCompanionServer();
    const raw = await rawClient(server.url);
    const socket = await server.connection(0);
    const before = counts(socket);
    const [first, second] = await Promise.all([closeWith(socket, 4000, 'first'), closeWith(socket, 4001, 'second')]);
    await raw.closed;
    expect(first).toEqual({ code: 4000, reason: 'first', sent: true, terminated: false });
    expect(second).toEqual({ code: 4001, reason: 'second', sent: false, terminated: false });
    expect(raw.frames).toEqual([
      { t: 'message', data: Buffer.from(closeNotice(4000, 'first')), isBinary: false },
      { t: 'close', code: 4000, reason: Buffer.from('first') },
    ]);
    expect(counts(socket)).toEqual(before);
  });

  test('a lone surrogate and a flag at the cut: the notice and the close frame carry the same well-formed text', async () => {
    const server = await useCompanionServer();
    const raw = await rawClient(server.url);
    // 4 + 8·14 = 116 bytes of flags, then "x", a lone surrogate (→ U+FFFD, 3 bytes) and one more flag that does not fit.
    const reason = `abcd${'🇨🇳'.repeat(14)}x\uD800${'🇨🇳'}`;
    const outcome = await closeWith(await server.connection(0), 4000, reason);
    await raw.closed;
    const expected = `abcd${'🇨🇳'.repeat(14)}x\uFFFD`;
    expect(outcome.reason).toBe(expected);
    expect(raw.frames).toEqual([
      { t: 'message', data: Buffer.from(JSON.stringify({ type: 'close', code: 4000, reason: expected })), isBinary: false },
      { t: 'close', code: 4000, reason: Buffer.from(expected) },
    ]);
    expect(Buffer.byteLength(expected)).toBe(120);
  });

  test('a socket the peer is already closing (its close frame arrived, its TCP half stays open) gets no frames and is terminated after closeTimeout', async () => {
    const server = await useCompanionServer();
    const peer = await manualPeer(server.port);
    peer.resume();
    const socket = await server.connection(0);
    peer.socket.write(clientFrame(8, Buffer.from([0x03, 0xe8])));
    while (socket.readyState === WebSocket.OPEN) await new Promise((r) => setTimeout(r, 10));
    expect(socket.readyState).toBe(WebSocket.CLOSING);
    const outcome = await closeWith(socket, 4000, 'late', { closeTimeout: 200 });
    expect(outcome).toEqual({ code: 4000, reason: 'late', sent: false, terminated: true });
    await peer.finished;
    // Only ws's own echo of the peer's close: no notice, no second close frame.
    expect(parseFrames(peer.bytes()).map((f) => [f.opcode, f.payload])).toEqual([[8, Buffer.from([0x03, 0xe8])]]);
  });

  test('behind backpressure the notice and the close frame still go out after what was queued, in order', async () => {
    const server = await useCompanionServer();
    const peer = await manualPeer(server.port);
    const socket = await server.connection(0);
    const chunk = 'x'.repeat(60_000);
    for (let i = 0; i < CHUNKS; i++) socket.send(chunk);
    expect(socket.bufferedAmount).toBeGreaterThan(0);
    const done = closeWith(socket, 4000, 'after the backlog', { closeTimeout: 10_000 });
    peer.resume();
    // Read until the close frame has arrived, then answer it like a client would.
    const want = CHUNKS * (60_000 + 4) + (2 + closeNotice(4000, 'after the backlog').length) + (2 + 2 + 'after the backlog'.length);
    while (peer.length() < want) await new Promise((r) => setTimeout(r, 10));
    peer.socket.write(clientFrame(8, Buffer.from([0x0f, 0xa0])));
    peer.socket.end();
    expect(await done).toMatchObject({ sent: true, terminated: false });
    const bytes = peer.bytes();
    const tail = bytes.subarray(CHUNKS * (60_000 + 4));
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x81, 126, 0xea, 0x60]));
    expect(parseFrames(tail).map((f) => [f.opcode, f.payload])).toEqual([
      [1, Buffer.from(closeNotice(4000, 'after the backlog'))],
      [8, Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from('after the backlog')])],
    ]);
  });

  test('closeTimeout runs from the call: a peer that reads nothing of a large backlog in time is terminated before the notice reaches it', async () => {
    const server = await useCompanionServer();
    const peer = await manualPeer(server.port);
    const socket = await server.connection(0);
    const chunk = 'x'.repeat(60_000);
    for (let i = 0; i < CHUNKS; i++) socket.send(chunk);
    expect(await closeWith(socket, 4000, 'too late', { closeTimeout: 200 })).toEqual({ code: 4000, reason: 'too late', sent: true, terminated: true });
    peer.resume();
    await peer.finished;
    expect(peer.length()).toBeLessThan(CHUNKS * (60_000 + 4));
    expect(peer.bytes().includes(Buffer.from('too late'))).toBe(false);
  });

  test('with permessage-deflate the notice still comes before the close frame', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: { threshold: 0 } });
    onTestFinished(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    await new Promise((r) => wss.once('listening', r));
    const port = (wss.address() as { port: number }).port;
    const connected = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: true });
    onTestFinished(() => client.terminate());
    const frames: string[] = [];
    client.on('message', (data) => frames.push(String(data)));
    const gone = new Promise<[number, string]>((resolve) => client.on('close', (code, reason) => resolve([code, String(reason)])));
    const socket = await connected;
    socket.send('y'.repeat(200_000));
    await closeWith(socket, 4002, 'deflated');
    expect(await gone).toEqual([4002, 'deflated']);
    expect(frames).toEqual(['y'.repeat(200_000), closeNotice(4002, 'deflated')]);
  });
});

describe('listeners on real ws sockets', () => {
  test('answerPings, closeWhenIdle and closeWith leave none behind: by their disposers, or when the socket closes (50 sockets)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    onTestFinished(() => {
      process.off('warning', onWarning);
    });
    const server = await useCompanionServer();
    const clients = await Promise.all(Array.from({ length: 50 }, () => rawClient(server.url)));
    const sockets = await Promise.all(clients.map((_, i) => server.connection(i)));
    const baseline = sockets.map(counts);

    // Disposers.
    for (const socket of sockets) {
      const a = answerPings(socket, { interval: 60_000 });
      const b = closeWhenIdle(socket, { timeout: 60_000 });
      expect(counts(socket).message).toBe(baseline[0]!.message + 2);
      a();
      b();
    }
    expect(sockets.map(counts)).toEqual(baseline);

    // The socket's close.
    for (const socket of sockets) {
      answerPings(socket, { interval: 60_000 });
      closeWhenIdle(socket, { timeout: 60_000 });
    }
    await Promise.all(sockets.map((s) => closeWith(s, 1001, 'bye')));
    await Promise.all(sockets.map((s) => closed(s)));
    expect(sockets.map(counts)).toEqual(baseline);
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

describe('answerPings on a real ws socket', () => {
  test('protocol-level pings from the client are not an answer: a client that sends only those is terminated', async () => {
    const server = await useCompanionServer((socket) => answerPings(socket, { interval: 100, timeout: 300 }));
    const raw = await rawClient(server.url);
    const pinger = setInterval(() => raw.socket.readyState === WebSocket.OPEN && raw.socket.ping(), 50);
    onTestFinished(() => clearInterval(pinger));
    const socket = await server.connection(0);
    let protocolPings = 0;
    socket.on('ping', () => protocolPings++);
    await closed(socket);
    await raw.closed;
    expect(protocolPings).toBeGreaterThanOrEqual(3);
    expect(raw.frames.at(-1)).toMatchObject({ t: 'close', code: 1006 });
  });
});
