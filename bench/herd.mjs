// @ts-check
/**
 * Thundering herd: how a fleet dropped at once comes back.
 *
 * (a) Simulation, 100,000 clients, fake clock, the package's real backoff (`retryDelay` and
 *     `RETRY_DEFAULTS` from dist/index.js, called as the client calls it: retry n at time t after a
 *     close of category c → `retryDelay({ retry: n, elapsed: t }, c, null, RETRY_DEFAULTS,
 *     Math.random)`, t counted from the drop (the outage's first failure); a refused attempt is a
 *     1006 `network` close). Every client is dropped at t = 0.
 *     Uniform spread: the fleet's first attempts spread evenly over the policy's first-retry
 *     window W (1006: [0, initialDelay) = 1 s; 1012: [0, restartDelay) = 5 s), i.e. N / W per
 *     second. Measured: attempts counted in buckets of W / 10, peak bucket turned into a rate.
 *     Target: peak ≤ 1.2 × uniform. A third scenario keeps the server down 10 s after a 1012
 *     (failed attempts back off) and reports the peak second.
 *     Peers (same fake clock, one client per page as on a real fleet): reconnecting-websocket's
 *     delay min·1.3^(n−1) capped at 10 s, where min = 1000 + random·4000 is drawn once per page
 *     load (so a page's sockets share it); partysocket's 3000·1.3^(n−1), no jitter.
 * (b) Chromium: 100 clients in one page against the fault server, `killAll()`, and the time of
 *     every reconnection *attempt* recorded in the page (the `WebSocket` option is a constructor
 *     that stamps `performance.now()` per construction), plus arrivals at the server. Chromium
 *     serialises WebSocket handshakes per host, so arrivals alone would hide a herd.
 *
 * Env: BENCH_HERD_N (simulated clients, default 100000), BENCH_HERD_CLIENTS (browser, default 100).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startFaultServer } from '../test/support/fault-server.mjs';
import { buildBundle, launchChromium, openPage, startStaticServer } from './lib/browser.mjs';
import { REPO_ROOT, quantile, round, sleep, writeResult } from './lib/common.mjs';

const N = Number(process.env.BENCH_HERD_N ?? 100_000);
const CLIENTS = Number(process.env.BENCH_HERD_CLIENTS ?? 100);

/** @type {typeof import('../src/index')} */
const rws = await import(pathToFileURL(join(REPO_ROOT, 'dist', 'index.js')).href);

// ---------------------------------------------------------------------------------------------
// (a) Simulation
// ---------------------------------------------------------------------------------------------

/**
 * A client model: the delay before retry `n` (1-based) after a close of `category`, `elapsed` ms
 * after the drop; `page` is the client's per-page state (drawn once).
 * @typedef {{ name: string, page: () => number, delay: (n: number, category: import('../src/index').CloseCategory, page: number, elapsed: number) => number }} Model
 */

/** @type {Model} */
const OURS = {
  name: 'resilient-ws',
  page: () => 0,
  delay: (n, category, _page, elapsed) => rws.retryDelay({ retry: n, elapsed }, category, null, rws.RETRY_DEFAULTS, Math.random),
};
/** @type {Model} */
const RECONNECTING_WEBSOCKET = {
  name: 'reconnecting-websocket',
  page: () => 1000 + Math.random() * 4000,
  delay: (n, _category, min) => Math.min(10_000, min * 1.3 ** (n - 1)),
};
/** @type {Model} */
const PARTYSOCKET = {
  name: 'partysocket',
  page: () => 3000,
  delay: (n, _category, min) => Math.min(10_000, min * 1.3 ** (n - 1)),
};

/**
 * Simulate N clients dropped at t = 0 with `category`; attempts before `downUntil` fail and back
 * off as a 1006. Returns every attempt time.
 * @param {Model} model
 * @param {import('../src/index').CloseCategory} category
 * @param {number} downUntil
 */
function simulate(model, category, downUntil) {
  /** @type {number[]} */
  const attempts = [];
  /** @type {number[]} */
  const connected = [];
  for (let i = 0; i < N; i++) {
    const page = model.page();
    let t = model.delay(1, category, page, 0);
    let n = 1;
    for (;;) {
      attempts.push(t);
      if (t >= downUntil) break;
      n++;
      t += model.delay(n, 'network', page, t);
    }
    connected.push(t);
  }
  return { attempts, connected };
}

/** @param {readonly number[]} xs */
const maxOf = (xs) => xs.reduce((a, b) => Math.max(a, b), -Infinity);
/** @param {readonly number[]} xs */
const minOf = (xs) => xs.reduce((a, b) => Math.min(a, b), Infinity);

/**
 * Peak rate (attempts/s) over buckets of `bucketMs` from 0.
 * @param {readonly number[]} times
 * @param {number} bucketMs
 */
function peakRate(times, bucketMs) {
  /** @type {Map<number, number>} */
  const buckets = new Map();
  for (const t of times) {
    const b = Math.floor(t / bucketMs);
    buckets.set(b, (buckets.get(b) ?? 0) + 1);
  }
  let peak = 0;
  let at = 0;
  for (const [b, c] of buckets) if (c > peak) [peak, at] = [c, b];
  return { perSec: (peak * 1000) / bucketMs, bucketStartMs: at * bucketMs };
}

/**
 * @param {Model} model
 * @param {{ name: string, category: import('../src/index').CloseCategory, downUntil: number, windowMs: number }} sc
 */
function scenario(model, sc) {
  const { attempts, connected } = simulate(model, sc.category, sc.downUntil);
  const bucketMs = sc.downUntil > 0 ? 1000 : sc.windowMs / 10;
  const peak = peakRate(attempts, bucketMs);
  // Uniform: the fleet's attempts spread evenly over the policy's window (server up at once), or
  // over the whole recovery (server down: attempts / time until the last client is back).
  // Uniform: the fleet's first attempts spread evenly over the policy's first-retry window. With
  // the server down, failed attempts are retried by design, so only the peak is reported there
  // (and its share of the fleet).
  const uniformPerSec = sc.downUntil > 0 ? NaN : (attempts.length * 1000) / sc.windowMs;
  return {
    scenario: sc.name,
    client: model.name,
    clients: N,
    attempts: attempts.length,
    bucketMs,
    firstAttemptMs: Math.round(minOf(attempts)),
    allBackMs: Math.round(maxOf(connected)),
    medianBackMs: Math.round(quantile(connected, 0.5)),
    peakPerSec: Math.round(peak.perSec),
    peakAtMs: peak.bucketStartMs,
    peakBucketShareOfFleet: round((peak.perSec * bucketMs) / 1000 / N, 3),
    uniformPerSec: Number.isNaN(uniformPerSec) ? null : Math.round(uniformPerSec),
    peakOverUniform: Number.isNaN(uniformPerSec) ? null : round(peak.perSec / uniformPerSec, 3),
  };
}

function simulation() {
  const R = rws.RETRY_DEFAULTS;
  const scenarios = [
    { name: '1006 drop, server up', category: /** @type {const} */ ('network'), downUntil: 0, windowMs: R.initialDelay },
    { name: '1012 restart, server up', category: /** @type {const} */ ('service-restart'), downUntil: 0, windowMs: R.restartDelay },
    { name: '1012 restart, server down 10 s', category: /** @type {const} */ ('service-restart'), downUntil: 10_000, windowMs: R.restartDelay },
  ];
  const rows = [];
  for (const sc of scenarios) for (const m of [OURS, RECONNECTING_WEBSOCKET, PARTYSOCKET]) rows.push(scenario(m, sc));
  // The peers do not tell 1012 from 1006; their "window" is where their first attempts land.
  for (const r of rows) if (r.client !== OURS.name && !r.scenario.includes('down')) {
    const spread = r.client === PARTYSOCKET.name ? 0 : 4000;
    r.uniformPerSec = spread ? Math.round((N * 1000) / spread) : null;
    r.peakOverUniform = spread ? round(r.peakPerSec / (N * 1000 / spread), 3) : null;
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// (b) Chromium
// ---------------------------------------------------------------------------------------------

/**
 * In the page: `count` clients of `lib`, each constructing its sockets through a stamping
 * constructor; resolves when all are open.
 * @param {{ lib: string, url: string, count: number }} args
 */
async function startClients({ lib, url, count }) {
  const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (/** @type {any} */ (window).bench);
  const w = /** @type {any} */ (window);
  /** @type {number[]} */
  const stamps = (w.stamps = []);
  const Stamped = class extends WebSocket {
    /** @param {string | URL} u @param {string | string[]} [p] */
    constructor(u, p) {
      super(u, p);
      stamps.push(performance.timeOrigin + performance.now());
    }
  };
  /** @type {number[]} */
  const opens = (w.opens = []);
  const stampOpen = () => opens.push(performance.timeOrigin + performance.now());
  for (let i = 0; i < count; i++) {
    if (lib === 'resilient-ws') {
      const c = B.rws.createClient({ url, WebSocket: Stamped });
      let was = '';
      c.subscribe(() => {
        const now = c.getSnapshot().status;
        if (now === 'open' && was !== 'open') stampOpen();
        was = now;
      });
    } else {
      const Ctor = lib === 'partysocket' ? B.PartySocketWS : B.ReconnectingWebSocket;
      const s = new Ctor(url, [], { WebSocket: Stamped });
      s.addEventListener('open', stampOpen);
    }
  }
  const deadline = performance.now() + 30_000;
  while (opens.length < count) {
    if (performance.now() > deadline) throw new Error(`${lib}: not all ${count} clients open within 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  stamps.length = 0;
  opens.length = 0;
}

/**
 * @param {import('./lib/browser.mjs').Browser} browser
 * @param {string} origin
 * @param {string} lib
 * @param {number} waitMs
 */
async function browserHerd(browser, origin, lib, waitMs) {
  const server = await startFaultServer();
  const page = await openPage(browser, origin, 'clients');
  try {
    await page.evaluate(startClients, { lib, url: server.url, count: CLIENTS });
    await sleep(300);
    const since = server.mark();
    const killedAt = Date.now();
    server.killAll();
    const deadline = Date.now() + waitMs;
    const opened = () => page.evaluate(() => /** @type {number[]} */ (/** @type {any} */ (window).opens).length);
    while (Date.now() < deadline && (await opened()) < CLIENTS) await sleep(100);
    const { stamps, opens } = /** @type {{ stamps: number[], opens: number[] }} */ (
      await page.evaluate(() => ({ stamps: /** @type {any} */ (window).stamps, opens: /** @type {any} */ (window).opens }))
    );
    const allBackMs = opens.length >= CLIENTS ? Math.round(maxOf(opens) - killedAt) : null;
    const attempts = stamps.map((t) => t - killedAt).sort((a, b) => a - b);
    const arrivals = server.log.filter((e) => e.seq >= since && e.kind === 'connect').map((e) => e.t - killedAt);
    const peak = peakRate(attempts, 100);
    return {
      client: lib,
      clients: CLIENTS,
      attempts: attempts.length,
      firstAttemptMs: Math.round(attempts[0] ?? NaN),
      lastAttemptMs: Math.round(attempts.at(-1) ?? NaN),
      p50AttemptMs: Math.round(quantile(attempts, 0.5)),
      peakAttemptsPer100ms: Math.round(peak.perSec / 10),
      arrivals: arrivals.length,
      lastArrivalMs: Math.round(maxOf(arrivals)),
      reopened: opens.length,
      allBackMs,
    };
  } finally {
    await page.close();
    await server.close();
  }
}

async function main() {
  const sim = simulation();
  await buildBundle('clients');
  const web = await startStaticServer();
  const browser = await launchChromium();
  /** @type {Awaited<ReturnType<typeof browserHerd>>[]} */
  const chromium = [];
  try {
    chromium.push(await browserHerd(browser, web.origin, 'resilient-ws', 10_000));
    chromium.push(await browserHerd(browser, web.origin, 'reconnecting-websocket', 10_000));
    chromium.push(await browserHerd(browser, web.origin, 'partysocket', 10_000));
  } finally {
    await browser.close();
    await web.close();
  }
  const ours = sim.filter((r) => r.client === 'resilient-ws' && !r.scenario.includes('down'));
  const worst = Math.max(...ours.map((r) => r.peakOverUniform ?? Infinity));
  const b = /** @type {(typeof chromium)[number]} */ (chromium[0]);
  await writeResult(
    'herd',
    `simulated ${N} clients: peak ${ours.map((r) => `${r.peakOverUniform}× uniform after ${r.scenario.slice(0, 4)}`).join(', ')} ` +
      `(target ≤ 1.2×: ${worst <= 1.2 ? 'met' : 'NOT met'}); Chromium ${CLIENTS} clients: attempts ${b.firstAttemptMs}–${b.lastAttemptMs} ms after the kill, peak ${b.peakAttemptsPer100ms}/100 ms`,
    { target: 1.2, meets: worst <= 1.2, simulation: sim, chromium },
  );
}

await main();
