/**
 * Servers and peers for the `resilient-ws/server` tests: a real `ws` WebSocketServer on
 * 127.0.0.1, port 0, whose connections the test drives with the companion; a raw `ws` client that
 * records every frame it receives; and a raw TCP peer that completes the upgrade handshake by hand
 * and then never answers anything (the peer a closing handshake waits for in vain). Everything
 * started is stopped in `onTestFinished`.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { onTestFinished } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';

export interface CompanionServer {
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  readonly wss: WebSocketServer;
  /** Server-side sockets in the order they connected, with the time each opened. */
  readonly connections: { socket: WebSocket; at: number }[];
  /** The next (or, with `index`, the `index`-th) server-side socket (bounded wait). */
  connection(index?: number, timeout?: number): Promise<WebSocket>;
}

/** Resolves when `socket` emits `close` (at once when it is closed already); bounded. */
export function closed(socket: WebSocket, timeout = 5000): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`socket not closed within ${timeout} ms`)), timeout);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * A `ws` server for one test; `onConnection` runs for every connection (where the test attaches
 * the companion). Closed, with every connection terminated, when the test finishes.
 */
export async function useCompanionServer(onConnection: (socket: WebSocket) => void = () => {}): Promise<CompanionServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  onTestFinished(async () => {
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const connections: CompanionServer['connections'] = [];
  const waiting: (() => void)[] = [];
  wss.on('connection', (socket) => {
    connections.push({ socket, at: performance.now() });
    onConnection(socket);
    waiting.splice(0).forEach((wake) => wake());
  });
  const port = (wss.address() as { port: number }).port;
  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    wss,
    connections,
    async connection(index = connections.length, timeout = 5000) {
      const deadline = performance.now() + timeout;
      while (!connections[index]) {
        if (performance.now() > deadline) throw new Error(`connection #${index} did not arrive within ${timeout} ms`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 50);
        });
      }
      return connections[index]!.socket;
    },
  };
}

/** What a raw client received, in order. */
export type RawFrame = { t: 'message'; data: Buffer; isBinary: boolean } | { t: 'close'; code: number; reason: Buffer };

/** A `ws` client with no library in between, recording every frame; terminated at the end of the test. */
export async function rawClient(url: string): Promise<{ socket: WebSocket; frames: RawFrame[]; closed: Promise<void> }> {
  const socket = new WebSocket(url);
  onTestFinished(() => socket.terminate());
  const frames: RawFrame[] = [];
  socket.on('message', (data, isBinary) => frames.push({ t: 'message', data: Buffer.from(data as Buffer), isBinary }));
  const done = new Promise<void>((resolve) => socket.on('close', (code, reason) => (frames.push({ t: 'close', code, reason }), resolve())));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, frames, closed: done };
}

/**
 * A TCP peer that sends a valid upgrade request, reads the 101 answer, and from then on reads
 * every byte and answers nothing: no close frame, no FIN. Destroyed at the end of the test.
 */
export async function silentPeer(port: number): Promise<{ bytes: () => Buffer; ended: Promise<void>; socket: Socket }> {
  const socket = connect({ host: '127.0.0.1', port });
  onTestFinished(() => {
    socket.destroy();
  });
  let head = Buffer.alloc(0);
  let body = Buffer.alloc(0);
  let upgraded = false;
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        body = Buffer.concat([body, chunk]);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!head.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) reject(new Error(`upgrade refused: ${head.toString()}`));
      upgraded = true;
      body = head.subarray(end + 4);
      resolve();
    });
    socket.once('connect', () => {
      socket.write(
        'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  });
  return { bytes: () => body, ended, socket };
}

/** Server frames (unmasked, payloads under 64 KiB) in a byte stream: opcode and payload each. */
export function parseFrames(bytes: Buffer): { fin: boolean; opcode: number; payload: Buffer }[] {
  const out: { fin: boolean; opcode: number; payload: Buffer }[] = [];
  let i = 0;
  while (i + 2 <= bytes.length) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1]!;
    if (b1 & 0x80) throw new Error('a server frame must not be masked');
    let len = b1 & 0x7f;
    let at = i + 2;
    if (len === 126) {
      len = bytes.readUInt16BE(at);
      at += 2;
    } else if (len === 127) throw new Error('frame too long for this parser');
    if (at + len > bytes.length) break;
    out.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload: bytes.subarray(at, at + len) });
    i = at + len;
  }
  return out;
}
