// @ts-check
/**
 * A WebSocket server that writes the frames libhv writes, byte for byte, for the closes libhv
 * can make: libhv (`hv::WebSocketServer`) has no API to close with a code or a reason.
 * `WebSocketChannel::close()` is a TCP close, and the pattern people use to say why,
 * `channel->send(reason, WS_OPCODE_CLOSE)`, writes a Close frame whose whole payload is the text
 * (no status code). Hand-written on `node:http` (no `ws`), so nothing tidies the frames up.
 *
 * Each connection does what its path says, `after` ms (default 100) after the handshake:
 * - `/notice-then-close?code=4001&reason=…&retryAfter=30`: a text frame with the in-band close
 *   notice (`{"type":"close",…}`, README "Close notices"), then a TCP close;
 * - `/reason-only?text=…`: a Close frame whose payload is the raw UTF-8 text, then a TCP close;
 * - `/notice-then-reason-only?code=…&reason=…&text=…`: the notice, then the reason-only frame;
 * - `/tcp-close`: a TCP close and nothing else.
 * Every other path stays open. Only listens on 127.0.0.1, port 0.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/**
 * An unmasked server frame (FIN set), as libhv's `ws_build_frame` writes it.
 * @param {number} opcode
 * @param {Buffer} payload
 */
export function frame(opcode, payload) {
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, n]) : Buffer.from([0x80 | opcode, 126, n >> 8, n & 0xff]);
  if (n > 0xffff) throw new RangeError('frame too long for this test server');
  return Buffer.concat([head, payload]);
}

/**
 * The in-band close notice, exactly as `resilient-ws/server` and the README's C++ snippet write it.
 * @param {number} code
 * @param {string} reason
 * @param {number} [retryAfter]
 */
export const noticeText = (code, reason, retryAfter) => JSON.stringify({ type: 'close', code, reason, retryAfter });

/**
 * @returns {Promise<{ url: string, connections: number, close(): Promise<void> }>}
 */
export async function startLibhvServer() {
  const sockets = new Set();
  const timers = new Set();
  let connections = 0;
  const server = http.createServer((_req, res) => res.writeHead(426).end());
  server.on('upgrade', (req, socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    // Whatever the browser sends (its close answer, pings) is read and ignored, as libhv would after close.
    socket.on('data', () => {});
    const key = req.headers['sec-websocket-key'];
    if (typeof key !== 'string') return void socket.destroy();
    const accept = createHash('sha1').update(key + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
    connections++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const q = (/** @type {string} */ name) => url.searchParams.get(name) ?? '';
    /** @type {Buffer[]} */
    const out = [];
    const code = Number(q('code'));
    const retryAfter = url.searchParams.has('retryAfter') ? Number(q('retryAfter')) : undefined;
    if (url.pathname.startsWith('/notice')) out.push(frame(0x1, Buffer.from(noticeText(code, q('reason'), retryAfter))));
    if (url.pathname.endsWith('reason-only')) out.push(frame(0x8, Buffer.from(q('text'))));
    if (!out.length && url.pathname !== '/tcp-close' && !url.pathname.endsWith('-then-close')) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      for (const f of out) socket.write(f);
      // libhv's close(): the fd is closed; what was written goes out, then FIN.
      socket.end();
    }, Number(q('after') || 100));
    timers.add(timer);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `ws://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
