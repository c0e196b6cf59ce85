/**
 * A minimal RFC 6455 client over a raw TCP socket, to see exactly which frames a real server
 * writes (browsers hide protocol violations behind close 1006). Test-only: unfragmented frames
 * with 7-bit or 16-bit lengths, which is all the test servers send here.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

/** A frame as the server wrote it: text frames carry `text`, Close frames `code` and `reason`, others `bytes` (hex). */
export interface WireFrame {
  opcode: number;
  text?: string;
  code?: number | null;
  reason?: string;
  bytes?: string;
}

export interface WireTranscript {
  /** The HTTP status line of the handshake response. */
  status: string;
  /** Every frame the server wrote, in order, until it closed the TCP connection. */
  frames: WireFrame[];
}

function maskedFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new RangeError('wire: test frames are at most 125 bytes');
  const mask = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, body]);
}

function parseFrames(buf: Buffer): { frames: WireFrame[]; rest: Buffer } {
  const frames: WireFrame[] = [];
  let o = 0;
  for (;;) {
    if (buf.length - o < 2) break;
    const opcode = buf[o]! & 0x0f;
    let len = buf[o + 1]! & 0x7f;
    let head = 2;
    if (len === 126) {
      if (buf.length - o < 4) break;
      len = buf.readUInt16BE(o + 2);
      head = 4;
    } else if (len === 127) throw new Error('wire: 64-bit frame lengths are not supported');
    if (buf.length - o < head + len) break;
    const p = buf.subarray(o + head, o + head + len);
    if (opcode === 1) frames.push({ opcode, text: p.toString('utf8') });
    else if (opcode === 8) frames.push({ opcode, code: p.length >= 2 ? p.readUInt16BE(0) : null, reason: p.subarray(2).toString('utf8') });
    else frames.push({ opcode, bytes: p.toString('hex') });
    o += head + len;
  }
  return { frames, rest: buf.subarray(o) };
}

/**
 * Open a WebSocket on 127.0.0.1:`port` offering `protocol`, send `message` as a text frame
 * `sendAfterMs` after the handshake, and record what the server writes. When the server's Close
 * frame arrives the close is acknowledged `ackAfterMs` later (echoing its code), so frames the
 * server writes after its Close are seen. Resolves when the server closes TCP (or `timeout`).
 */
export function wireTranscript({
  port,
  path = '/',
  protocol,
  message,
  sendAfterMs = 100,
  ackAfterMs = 200,
  timeout = 8_000,
}: {
  port: number;
  path?: string;
  protocol?: string;
  message: string;
  sendAfterMs?: number;
  ackAfterMs?: number;
  timeout?: number;
}): Promise<WireTranscript> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buf: Buffer = Buffer.alloc(0);
    let status = '';
    const frames: WireFrame[] = [];
    let acked = false;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const done = (err?: Error) => {
      timers.forEach(clearTimeout);
      socket.destroy();
      if (err) reject(err);
      else resolve({ status, frames });
    };
    timers.push(setTimeout(() => done(new Error(`wire: no TCP close from 127.0.0.1:${port} within ${timeout} ms; frames so far: ${JSON.stringify(frames)}`)), timeout));
    socket.on('error', (err) => done(err));
    socket.on('close', () => done());
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!status) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        status = buf.subarray(0, end).toString('latin1').split('\r\n')[0]!;
        buf = buf.subarray(end + 4);
        if (!/^HTTP\/1\.1 101 /.test(status)) return done();
        timers.push(setTimeout(() => socket.write(maskedFrame(1, Buffer.from(message, 'utf8'))), sendAfterMs));
      }
      const parsed = parseFrames(buf);
      buf = parsed.rest;
      for (const frame of parsed.frames) {
        frames.push(frame);
        if (frame.opcode === 8 && !acked) {
          acked = true;
          const code = Buffer.alloc(2);
          code.writeUInt16BE(frame.code ?? 1000);
          timers.push(setTimeout(() => socket.writable && socket.write(maskedFrame(8, code)), ackAfterMs));
        }
      }
    });
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        (protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : '') +
        '\r\n',
    );
  });
}
