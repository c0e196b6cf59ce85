// @ts-check
/**
 * Throughput: N small text messages (16 bytes) server→page and page→server through each client
 * in real Chromium against a real `ws` server on 127.0.0.1, compared with the raw `WebSocket`
 * in the same run. Clients run in alternating order (rotated every round), after warm-up rounds;
 * the figure per client is its median rate ÷ raw's median rate over the same rounds.
 *
 * Down: the page asks for N messages and times until the last one reached its message handler.
 * Up: the page calls `send()` N times in a loop and times until the server acknowledges the Nth.
 * Connection setup is not timed. Every client keeps its defaults (heartbeat, outbox…).
 *
 * `raw (control)` is a second, identical raw `WebSocket` measured like the others: its ratio to
 * `raw` is the noise floor of the run (how far from 1.00× two identical clients land).
 *
 * Env: BENCH_N (messages per run, default 16000), BENCH_ROUNDS (default 15), BENCH_WARMUP (2).
 */
import { startBurstServer } from './lib/burst-server.mjs';
import { buildBundle, launchChromium, openPage, startStaticServer } from './lib/browser.mjs';
import { median, quantile, round, writeResult } from './lib/common.mjs';

const N = Number(process.env.BENCH_N ?? 16000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const LIBS = /** @type {const} */ (['raw', 'raw (control)', 'resilient-ws', 'partysocket', 'reconnecting-websocket']);
/** @typedef {typeof LIBS[number]} Lib */

/**
 * Runs in the page: open a connection with `lib`, time N messages down then N up, close.
 * @param {{ lib: Lib, url: string, n: number }} args
 * @returns {Promise<{ down: number, up: number, loop: number }>} milliseconds (`loop`: the synchronous `send()` loop alone)
 */
async function runInPage({ lib, url, n }) {
  const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (/** @type {any} */ (window).bench);
  /** @type {(data: unknown) => void} */
  let onData = () => {};
  /** @type {{ send(s: string): unknown, close(): void }} */
  let conn = { send: () => undefined, close: () => undefined };
  await new Promise((resolveOpen, rejectOpen) => {
    setTimeout(() => rejectOpen(new Error(`${lib}: no open within 10 s`)), 10_000);
    if (lib === 'resilient-ws') {
      const client = B.rws.createClient({ url });
      client.on('message', (m) => onData(m));
      const off = client.subscribe(() => {
        if (client.getSnapshot().status === 'open') {
          off();
          resolveOpen(undefined);
        }
      });
      conn = { send: (s) => client.send(s), close: () => client.dispose() };
    } else {
      /** @type {WebSocket} */
      const ws =
        lib === 'raw' || lib === 'raw (control)' ? new WebSocket(url) : lib === 'partysocket' ? new B.PartySocketWS(url) : new B.ReconnectingWebSocket(url);
      ws.addEventListener('message', (e) => onData(e.data));
      ws.addEventListener('open', () => resolveOpen(undefined), { once: true });
      conn = { send: (s) => ws.send(s), close: () => ws.close() };
    }
  });
  const timed = (/** @type {string} */ last, /** @type {() => void} */ start) =>
    new Promise((resolveRun) => {
      let count = 0;
      const t0 = performance.now();
      onData = (d) => {
        count++;
        if (d === last) resolveRun({ ms: performance.now() - t0, count });
      };
      start();
    });
  const down = /** @type {{ ms: number, count: number }} */ (await timed('end', () => conn.send(`down:${n}`)));
  if (down.count !== n + 1) throw new Error(`${lib}: received ${down.count - 1} of ${n} messages`);
  let loop = 0;
  const up = /** @type {{ ms: number, count: number }} */ (
    await timed('done', () => {
      conn.send(`up:${n}`);
      const t = performance.now();
      for (let i = 0; i < n; i++) conn.send('u' + String(i).padStart(15, '0'));
      loop = performance.now() - t;
    })
  );
  conn.close();
  return { down: down.ms, up: up.ms, loop };
}

/**
 * In the page: the library's own cost per received message, without the network. Each client
 * gets a stand-in socket (an EventTarget that fires `open`, then M `message` events as fast as a
 * loop can); `raw` is a bare `onmessage` handler on the same stand-in. Returns µs per message.
 * @param {{ lib: Lib, m: number }} args
 */
async function dispatchCost({ lib, m }) {
  const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (/** @type {any} */ (window).bench);
  class Stand extends EventTarget {
    static CONNECTING = 0;
    static OPEN = 1;
    static CLOSING = 2;
    static CLOSED = 3;
    CONNECTING = 0;
    OPEN = 1;
    CLOSING = 2;
    CLOSED = 3;
    readyState = 0;
    protocol = '';
    extensions = '';
    bufferedAmount = 0;
    binaryType = 'blob';
    /** @type {((e: Event) => void) | null} */ onopen = null;
    /** @type {((e: MessageEvent) => void) | null} */ onmessage = null;
    /** @type {((e: Event) => void) | null} */ onerror = null;
    /** @type {((e: CloseEvent) => void) | null} */ onclose = null;
    /** @param {string} url */
    constructor(url) {
      super();
      this.url = url;
      /** @type {any} */ (window).stand = this;
      queueMicrotask(() => {
        this.readyState = 1;
        const e = new Event('open');
        this.onopen?.(e);
        this.dispatchEvent(e);
      });
    }
    send() {}
    close() {}
    /** @param {string} data */
    emit(data) {
      const e = new MessageEvent('message', { data });
      this.onmessage?.(e);
      this.dispatchEvent(e);
    }
  }
  let count = 0;
  const cb = (/** @type {unknown} */ _message) => void count++;
  /** @type {() => void} */
  let dispose = () => {};
  if (lib === 'raw' || lib === 'raw (control)') {
    const s = new Stand('ws://x/');
    s.onmessage = (e) => cb(/** @type {unknown} */ (e.data));
  } else if (lib === 'resilient-ws') {
    const c = B.rws.createClient({ url: 'ws://127.0.0.1/', WebSocket: /** @type {any} */ (Stand) });
    c.on('message', cb);
    dispose = () => c.dispose();
  } else {
    const Ctor = lib === 'partysocket' ? B.PartySocketWS : B.ReconnectingWebSocket;
    const s = new Ctor('ws://127.0.0.1/', [], { WebSocket: Stand });
    s.addEventListener('message', cb);
    dispose = () => s.close();
  }
  await new Promise((r) => setTimeout(r, 20));
  const stand = /** @type {Stand} */ (/** @type {any} */ (window).stand);
  const payloads = Array.from({ length: 1000 }, (_, i) => 'm' + String(i).padStart(15, '0'));
  const t0 = performance.now();
  for (let i = 0; i < m; i++) stand.emit(/** @type {string} */ (payloads[i % 1000]));
  const us = ((performance.now() - t0) * 1000) / m;
  dispose();
  if (count !== m) throw new Error(`${lib}: ${count} of ${m} messages delivered`);
  return us;
}

async function main() {
  await buildBundle('clients');
  const server = await startBurstServer();
  const web = await startStaticServer();
  const browser = await launchChromium();
  try {
    const page = await openPage(browser, web.origin, 'clients');
    /** @type {Record<Lib, { down: number[], up: number[] }>} */
    const rates = /** @type {any} */ (Object.fromEntries(LIBS.map((l) => [l, { down: [], up: [] }])));
    /** @type {Record<Lib, { down: number[], up: number[] }>} */
    const ratios = /** @type {any} */ (Object.fromEntries(LIBS.map((l) => [l, { down: [], up: [] }])));
    /** @type {Record<Lib, number[]>} */
    const loops = /** @type {any} */ (Object.fromEntries(LIBS.map((l) => [l, []])));
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      const order = LIBS.map((_, i) => /** @type {Lib} */ (LIBS[(i + r) % LIBS.length]));
      /** @type {Partial<Record<Lib, { down: number, up: number, loop: number }>>} */
      const round_ = {};
      for (const lib of order) {
        const ms = await page.evaluate(runInPage, { lib, url: server.url, n: N });
        round_[lib] = { down: (N / ms.down) * 1000, up: (N / ms.up) * 1000, loop: ms.loop };
      }
      if (r < WARMUP) continue;
      const raw = /** @type {{ down: number, up: number, loop: number }} */ (round_.raw);
      for (const lib of LIBS) {
        const x = /** @type {{ down: number, up: number, loop: number }} */ (round_[lib]);
        loops[lib].push(x.loop);
        rates[lib].down.push(x.down);
        rates[lib].up.push(x.up);
        ratios[lib].down.push(x.down / raw.down);
        ratios[lib].up.push(x.up / raw.up);
      }
    }
    // The receive path alone, M stand-in messages per library, alternating, 7 repetitions.
    /** @type {Record<Lib, number[]>} */
    const dispatch = /** @type {any} */ (Object.fromEntries(LIBS.map((l) => [l, []])));
    for (let r = 0; r < 8; r++) {
      for (const lib of LIBS) {
        const us = await page.evaluate(dispatchCost, { lib, m: 20_000 });
        if (r > 0) dispatch[lib].push(us);
      }
    }
    /** @param {number[]} xs */
    const iqr = (xs) => [round(quantile(xs, 0.25), 3), round(quantile(xs, 0.75), 3)];
    const clients = LIBS.map((lib) => ({
      client: lib,
      downMsgPerSec: Math.round(median(rates[lib].down)),
      upMsgPerSec: Math.round(median(rates[lib].up)),
      // The ratio of the medians over alternating runs; the interquartile range of the paired
      // per-round ratios shows how much single runs scatter on this machine.
      downRatio: round(median(rates[lib].down) / median(rates.raw.down), 3),
      upRatio: round(median(rates[lib].up) / median(rates.raw.up), 3),
      downRatioRange: iqr(ratios[lib].down),
      upRatioRange: iqr(ratios[lib].up),
      // The library's own cost on the way up: the synchronous loop of N send() calls.
      sendLoopMsPer1000: round((median(loops[lib]) / N) * 1000, 2),
      // …and on the way down: µs per message from the socket's event to the app's callback.
      receiveUsPerMessage: round(median(dispatch[lib]), 2),
    }));
    const ours = /** @type {(typeof clients)[number]} */ (clients.find((c) => c.client === 'resilient-ws'));
    const meets = ours.downRatio >= 0.97 && ours.upRatio >= 0.97;
    await writeResult(
      'throughput',
      `resilient-ws ${ours.downRatio}× raw down, ${ours.upRatio}× raw up (${N} msgs × ${ROUNDS} rounds; target ≥ 0.97×: ${meets ? 'met' : 'NOT met'})`,
      { n: N, rounds: ROUNDS, warmup: WARMUP, messageBytes: 16, target: 0.97, meets, clients },
    );
  } finally {
    await browser.close();
    await web.close();
    await server.close();
  }
}

await main();
