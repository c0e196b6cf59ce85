// @ts-check
/**
 * Throughput: N small text messages (16 bytes) server→page and page→server through each client
 * in real Chromium against a real `ws` server on 127.0.0.1, compared with the raw `WebSocket`
 * in the same run. Every client keeps one open connection for the whole run, and each round
 * times one burst per client in a random order (seeded; down for all, then up for all), so the bursts
 * compared in a round run within about a second of each other. The figure per client is the
 * median over rounds of its rate ÷ raw's rate in the same round, with a 95 % bootstrap
 * confidence interval (rounds resampled with replacement, 2,000 times). Pairing within a round
 * matters on a shared machine: the whole machine's speed drifts by ±30 % from second to second,
 * and the pairs drift together.
 *
 * Down: the page asks for N messages and times until the last one reached its message handler
 * (the server writes N pre-built frames in one write). Up: the page calls `send()` N times in a
 * loop and times until the server acknowledges the Nth. Every client keeps its defaults
 * (heartbeat, outbox…).
 *
 * Noise control: on a machine with ≥ 2 CPUs (and `taskset`), this process (the `ws` server) runs
 * on CPU 0 and every Chromium process on the others, so the two sides do not take turns on one
 * core at random; `BENCH_PIN=0` turns that off. `raw (control)` is a second, identical raw
 * `WebSocket` measured like the others: its ratio to `raw` is the noise floor of the run.
 * Beside the wall-clock rates, the renderer's main-thread CPU time per message (CDP
 * `Performance.getMetrics` `TaskDuration`, thread ticks) shows each client's own cost with far
 * less scatter.
 *
 * Env: BENCH_N (messages per burst, default 2000), BENCH_ROUNDS (default 60), BENCH_WARMUP (3),
 * BENCH_LIBS (comma-separated subset; raw is always measured; `raw (onmessage)`, a raw socket
 * read through `onmessage` instead of a listener, only when named), BENCH_PIN (default 1),
 * BENCH_VERBOSE (print every round).
 */
import { execFileSync } from 'node:child_process';
import { startBurstServer } from './lib/burst-server.mjs';
import { buildBundle, launchChromium, openPage, startStaticServer } from './lib/browser.mjs';
import { machine, median, quantile, round, seededRandom, writeResult } from './lib/common.mjs';

const N = Number(process.env.BENCH_N ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const ALL_LIBS = /** @type {const} */ (['raw', 'raw (control)', 'resilient-ws', 'partysocket', 'reconnecting-websocket', 'raw (onmessage)']);
/** @typedef {typeof ALL_LIBS[number]} Lib */
/** Measured only when BENCH_LIBS names them. */
const OPT_IN = ['raw (onmessage)'];
const LIBS = /** @type {Lib[]} */ (
  ALL_LIBS.filter((l) =>
    l === 'raw' || (process.env.BENCH_LIBS ? process.env.BENCH_LIBS.split(',').includes(l) : !OPT_IN.includes(l)),
  )
);

/**
 * Pin this process (all its threads) to CPU 0 and return the CPU list for Chromium, or undefined
 * when pinning is off or impossible.
 * @returns {string | undefined}
 */
function pinCpus() {
  const n = machine().nproc;
  if (process.env.BENCH_PIN === '0' || n < 2) return undefined;
  try {
    execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
  } catch {
    console.warn('throughput: taskset failed; running unpinned');
    return undefined;
  }
  return n === 2 ? '1' : `1-${n - 1}`;
}

/**
 * In the page: open a connection with `lib` and keep it in `window.conns[lib]` for the timed bursts.
 * @param {{ lib: Lib, url: string }} args
 */
async function openInPage({ lib, url }) {
  const w = /** @type {any} */ (window);
  const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (w.bench);
  /** @type {{ send(s: string): unknown, close(): void, onData: (data: unknown) => void }} */
  const conn = { send: () => undefined, close: () => undefined, onData: () => {} };
  await new Promise((resolveOpen, rejectOpen) => {
    setTimeout(() => rejectOpen(new Error(`${lib}: no open within 10 s`)), 10_000);
    if (lib === 'resilient-ws') {
      const client = B.rws.createClient({ url });
      client.on('message', (m) => conn.onData(m));
      const off = client.subscribe(() => {
        if (client.getSnapshot().status === 'open') {
          off();
          resolveOpen(undefined);
        }
      });
      conn.send = (s) => client.send(s);
      conn.close = () => client.dispose();
    } else {
      /** @type {WebSocket} */
      const ws = lib.startsWith('raw') ? new WebSocket(url) : lib === 'partysocket' ? new B.PartySocketWS(url) : new B.ReconnectingWebSocket(url);
      // `raw (onmessage)`: the event-handler attribute instead of a listener (what it costs).
      if (lib === 'raw (onmessage)') ws.onmessage = (e) => conn.onData(e.data);
      else ws.addEventListener('message', (e) => conn.onData(e.data));
      ws.addEventListener('open', () => resolveOpen(undefined), { once: true });
      conn.send = (s) => ws.send(s);
      conn.close = () => ws.close();
    }
  });
  (w.conns ??= {})[lib] = conn;
}

/**
 * In the page: time a burst of N messages down (`up: false`) or up through `lib`'s connection.
 * @param {{ lib: Lib, n: number, up: boolean }} args
 * @returns {Promise<{ ms: number, loop: number }>} milliseconds (`loop`: the synchronous `send()` loop alone)
 */
function timeInPage({ lib, n, up }) {
  const conn = /** @type {any} */ (window).conns[lib];
  return new Promise((resolveRun, rejectRun) => {
    let count = 0;
    let loop = 0;
    const last = up ? 'done' : 'end';
    const t0 = performance.now();
    conn.onData = (/** @type {unknown} */ d) => {
      count++;
      if (d !== last) return;
      const ms = performance.now() - t0;
      if (!up && count !== n + 1) rejectRun(new Error(`received ${count - 1} of ${n} messages`));
      else resolveRun({ ms, loop });
    };
    if (!up) conn.send(`down:${n}`);
    else {
      conn.send(`up:${n}`);
      const t = performance.now();
      for (let i = 0; i < n; i++) conn.send('u' + String(i).padStart(15, '0'));
      loop = performance.now() - t;
    }
  });
}

/**
 * In the page: the library's own cost per received message, without the network. Each client
 * gets a stand-in socket (an EventTarget that fires `open`, then M `message` events as fast as a
 * loop can); `raw` is a bare `message` listener on the same stand-in, as in the timed bursts.
 * Returns µs per message.
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
  if (lib.startsWith('raw')) {
    const s = new Stand('ws://x/');
    s.addEventListener('message', (e) => cb(/** @type {unknown} */ (/** @type {MessageEvent} */ (e).data)));
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

/**
 * Median of the per-round ratios a[i] ÷ b[i], and its 95 % bootstrap interval (rounds resampled
 * with replacement 2,000 times; seeded, so a rerun on the same data gives the same interval).
 * @param {number[]} a @param {number[]} b
 * @returns {{ ratio: number, ci: [number, number] }}
 */
function pairedRatio(a, b) {
  const ratios = a.map((x, i) => x / /** @type {number} */ (b[i]));
  const rand = seededRandom(12345);
  const medians = [];
  for (let k = 0; k < 2000; k++) medians.push(median(ratios.map(() => /** @type {number} */ (ratios[Math.floor(rand() * ratios.length)]))));
  return { ratio: round(median(ratios), 3), ci: [round(quantile(medians, 0.025), 3), round(quantile(medians, 0.975), 3)] };
}

async function main() {
  const cpus = pinCpus();
  await buildBundle('clients');
  const server = await startBurstServer();
  const web = await startStaticServer();
  const browser = await launchChromium([], { cpus });
  try {
    const page = await openPage(browser, web.origin, 'clients');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    /** Renderer main-thread busy time so far, seconds of thread CPU time. */
    const taskSeconds = async () => {
      const { metrics } = await cdp.send('Performance.getMetrics');
      return /** @type {number} */ (metrics.find((m) => m.name === 'TaskDuration')?.value);
    };
    /** @typedef {{ down: number[], up: number[], cpuDown: number[], cpuUp: number[], loop: number[] }} Series */
    /** @type {Record<string, Series>} */
    const series = Object.fromEntries(LIBS.map((l) => [l, { down: [], up: [], cpuDown: [], cpuUp: [], loop: [] }]));
    // Every client keeps one open connection for the whole run; bursts alternate between them
    // (in a random order each round), so the clients compared in a round run within a second of
    // each other on the same warmed-up page, and connection setup is never timed.
    for (const lib of LIBS) await page.evaluate(openInPage, { lib, url: server.url });
    // A fresh (seeded) random order every round: no client always runs right after another.
    const rand = seededRandom(20261121);
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      const order = [...LIBS];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [/** @type {Lib} */ (order[j]), /** @type {Lib} */ (order[i])];
      }
      for (const up of [false, true]) {
        for (const lib of order) {
          const c0 = await taskSeconds();
          const run = await page.evaluate(timeInPage, { lib, n: N, up });
          const c1 = await taskSeconds();
          if (r < WARMUP) continue;
          const x = /** @type {Series} */ (series[lib]);
          x[up ? 'up' : 'down'].push((N / run.ms) * 1000);
          x[up ? 'cpuUp' : 'cpuDown'].push(((c1 - c0) * 1e6) / N);
          if (up) x.loop.push(run.loop);
        }
      }
      if (process.env.BENCH_VERBOSE && r >= WARMUP)
        console.log(`round ${r - WARMUP}: ` + order.map((l) => `${l} ${Math.round(series[l]?.down.at(-1) ?? 0)}↓ ${Math.round(series[l]?.up.at(-1) ?? 0)}↑`).join(' · '));
    }
    await page.evaluate(() => Object.values(/** @type {any} */ (window).conns).forEach((c) => c.close()));
    // The receive path alone, M stand-in messages per library, alternating, 7 repetitions.
    /** @type {Record<string, number[]>} */
    const dispatch = Object.fromEntries(LIBS.map((l) => [l, []]));
    // (Not for `raw (onmessage)`: the stand-in's `onmessage` is a plain property, not an event
    // handler attribute, so it would measure nothing of what that row is about.)
    /** @type {Lib[]} */
    const STANDABLE = LIBS.filter((l) => l !== 'raw (onmessage)');
    for (let r = 0; r < 8; r++) {
      for (const lib of STANDABLE) {
        const us = await page.evaluate(dispatchCost, { lib, m: 20_000 });
        if (r > 0) dispatch[lib]?.push(us);
      }
    }
    const raw = /** @type {Series} */ (series.raw);
    const clients = LIBS.map((lib) => {
      const x = /** @type {Series} */ (series[lib]);
      const down = pairedRatio(x.down, raw.down);
      const up = pairedRatio(x.up, raw.up);
      return {
        client: lib,
        downMsgPerSec: Math.round(median(x.down)),
        upMsgPerSec: Math.round(median(x.up)),
        // The median of the per-round ratios (client ÷ raw, measured within a second of each
        // other), and its 95 % bootstrap interval.
        downRatio: down.ratio,
        upRatio: up.ratio,
        downRatioCI: down.ci,
        upRatioCI: up.ci,
        // Renderer main-thread CPU per message (median over rounds), and its excess over raw's.
        mainThreadUsPerMessageDown: round(median(x.cpuDown), 2),
        mainThreadUsPerMessageUp: round(median(x.cpuUp), 2),
        // The library's own cost on the way up: the synchronous loop of N send() calls…
        sendLoopUsPerMessage: round((median(x.loop) / N) * 1000, 2),
        // …and on the way down: µs per message from the socket's event to the app's callback.
        receiveUsPerMessage: STANDABLE.includes(lib) ? round(median(dispatch[lib] ?? []), 2) : null,
      };
    });
    const ours = clients.find((c) => c.client === 'resilient-ws');
    const meets = ours ? ours.downRatio >= 0.97 && ours.upRatio >= 0.97 : null;
    const run = `${N} msgs × ${ROUNDS} rounds${cpus ? ', pinned' : ''}`;
    await writeResult(
      'throughput',
      ours
        ? `resilient-ws ${ours.downRatio}× raw down (95 % CI ${ours.downRatioCI.join('–')}), ${ours.upRatio}× raw up (${ours.upRatioCI.join('–')}); main thread ${ours.mainThreadUsPerMessageDown} vs raw ${clients[0]?.mainThreadUsPerMessageDown} µs/msg down (${run}; target ≥ 0.97×: ${meets ? 'met' : 'NOT met'})`
        : `resilient-ws not measured (BENCH_LIBS); ${clients.map((c) => `${c.client} ${c.downRatio}× down, ${c.mainThreadUsPerMessageDown} µs/msg`).join(', ')} (${run})`,
      { n: N, rounds: ROUNDS, warmup: WARMUP, messageBytes: 16, pinned: cpus ? { server: '0', chromium: cpus } : null, target: 0.97, meets, clients },
    );
  } finally {
    await browser.close();
    await web.close();
    await server.close();
  }
}

await main();
