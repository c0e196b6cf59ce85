// @ts-check
/**
 * A plain `ws` server on 127.0.0.1:0 for the message benchmarks. Protocol (text frames):
 * - `down:N` → N 16-byte messages, then `end` (written with one corked write, so the server's
 *   own per-frame cost stays out of the figures);
 * - `up:N` → counts the next N messages, then answers `done`;
 * - `ping` → `pong`.
 */
import { WebSocketServer } from 'ws';

/** @param {number} i */
export const payload = (i) => 'm' + String(i).padStart(15, '0');

export async function startBurstServer() {
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
        const socket = /** @type {{ _socket?: import('node:net').Socket }} */ (/** @type {unknown} */ (ws))._socket;
        socket?.cork();
        for (let i = 0; i < n; i++) ws.send(payload(i));
        ws.send('end');
        socket?.uncork();
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
