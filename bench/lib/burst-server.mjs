// @ts-check
/**
 * A plain `ws` server on 127.0.0.1:0 for the message benchmarks. Protocol (text frames):
 * - `down:N` → N 16-byte messages, then `end`: the frames are built once per N and written to the
 *   TCP socket in one write, so the server's own per-frame work (and its jitter) stays out of the
 *   figures and every round receives byte-identical data;
 * - `up:N` → counts the next N messages, then answers `done`;
 * - `ping` → `pong`.
 */
import { WebSocketServer } from 'ws';

/** @param {number} i */
export const payload = (i) => 'm' + String(i).padStart(15, '0');

/**
 * N unmasked text frames (`payload(0)`…`payload(N-1)`) followed by `end`, as one buffer.
 * @param {number} n
 */
function burstFrames(n) {
  /** @param {string} text */
  const frame = (text) => {
    const body = Buffer.from(text);
    if (body.length > 125) throw new Error('burst frames are small');
    return Buffer.concat([Buffer.from([0x81, body.length]), body]);
  };
  const frames = [];
  for (let i = 0; i < n; i++) frames.push(frame(payload(i)));
  frames.push(frame('end'));
  return Buffer.concat(frames);
}

export async function startBurstServer() {
  /** @type {Map<number, Buffer>} */
  const bursts = new Map();
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', () => r(undefined)));
  wss.on('connection', (ws) => {
    let expect = 0;
    ws.on('message', (data) => {
      if (expect > 0) {
        if (--expect === 0) ws.send('done');
        return;
      }
      const text = data.toString();
      if (text === 'ping') ws.send('pong');
      else if (text.startsWith('down:')) {
        const n = Number(text.slice(5));
        let burst = bursts.get(n);
        if (!burst) bursts.set(n, (burst = burstFrames(n)));
        // ws keeps its TCP socket as `_socket`; nothing else is being sent on it at this point.
        const socket = /** @type {{ _socket: import('node:net').Socket }} */ (/** @type {unknown} */ (ws))._socket;
        socket.write(burst);
      } else if (text.startsWith('up:')) expect = Number(text.slice(3));
    });
  });
  const address = /** @type {import('node:net').AddressInfo} */ (wss.address());
  return {
    url: `ws://127.0.0.1:${address.port}`,
    /** @returns {Promise<void>} */
    close: () =>
      new Promise((r) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => r());
      }),
  };
}
