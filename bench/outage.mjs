// @ts-check
/**
 * Outage recovery: the server goes away for 10 s (`refuseFor(10000)`: every connection killed,
 * the port refuses connections) and comes back. For each client with its defaults: how many
 * connection attempts it made while the server was down, and how long after the server was back
 * it was connected again.
 *
 * Every client lives in the same Chromium page with its own URL path, and the page's
 * `WebSocket` is replaced (before any client is created) by a subclass that stamps every
 * construction and every `open` per path — the same instrument for every library, including the
 * ones that take no `WebSocket` option. TRIALS independent trials run at once, each with its own
 * page and fault server (its own port, so Chromium's per-host handshake queue is not shared).
 * A client not connected 35 s after the server is back is reported as not recovered.
 *
 * Env: BENCH_OUTAGE_TRIALS (default 5), BENCH_OUTAGE_MS (default 10000).
 */
import { startFaultServer } from '../test/support/fault-server.mjs';
import { buildBundle, launchChromium, openPage, startStaticServer } from './lib/browser.mjs';
import { median, sleep, writeResult } from './lib/common.mjs';

const TRIALS = Number(process.env.BENCH_OUTAGE_TRIALS ?? 5);
const OUTAGE_MS = Number(process.env.BENCH_OUTAGE_MS ?? 10_000);
const WAIT_AFTER_UP_MS = 35_000;

const LIBS = /** @type {const} */ ([
  'resilient-ws',
  'reconnecting-websocket',
  'partysocket',
  'sockette',
  'robust-websocket',
  'websocket-ts',
  'raw',
]);
/** @typedef {typeof LIBS[number]} Lib */

/**
 * In the page: stamp constructions and opens per URL path, then start one client per library.
 * @param {{ url: string, libs: readonly Lib[] }} args
 */
async function startClients({ url, libs }) {
  const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (/** @type {any} */ (window).bench);
  const now = () => performance.timeOrigin + performance.now();
  /** @type {Record<string, { made: number[], opened: number[] }>} */
  const log = {};
  /** @type {any} */ (window).outage = log;
  const Native = WebSocket;
  class Stamped extends Native {
    /** @param {string | URL} u @param {string | string[]} [p] */
    constructor(u, p) {
      super(u, p);
      const entry = (log[new URL(String(u)).pathname.slice(1)] ??= { made: [], opened: [] });
      entry.made.push(now());
      this.addEventListener('open', () => entry.opened.push(now()));
    }
  }
  /** @type {any} */ (window).WebSocket = Stamped;
  for (const lib of libs) {
    const u = `${url}/${lib}`;
    if (lib === 'resilient-ws') B.rws.createClient({ url: u });
    else if (lib === 'reconnecting-websocket') new B.ReconnectingWebSocket(u);
    else if (lib === 'partysocket') new B.PartySocketWS(u);
    else if (lib === 'sockette') new B.Sockette(u);
    else if (lib === 'robust-websocket') new B.RobustWebSocket(u);
    else if (lib === 'websocket-ts') new B.websocketTs.WebsocketBuilder(u).build();
    else new WebSocket(u);
  }
  const deadline = performance.now() + 15_000;
  while (!libs.every((l) => (log[l]?.opened.length ?? 0) > 0)) {
    if (performance.now() > deadline) throw new Error(`not every client opened: ${JSON.stringify(log)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * @param {import('./lib/browser.mjs').Browser} browser
 * @param {string} origin
 */
async function trial(browser, origin) {
  const server = await startFaultServer();
  const page = await openPage(browser, origin, 'clients');
  try {
    await page.evaluate(startClients, { url: server.url, libs: LIBS });
    await sleep(6000); // past every library's "stable connection" threshold (5 s), so counters reset
    const downAt = Date.now();
    await server.refuseFor(OUTAGE_MS);
    const upAt = /** @type {{ t: number }} */ (server.log.findLast((e) => e.kind === 'refused-window')).t;
    /** @type {Record<string, { made: number[], opened: number[] }>} */
    let log = {};
    const deadline = upAt + WAIT_AFTER_UP_MS;
    for (;;) {
      log = await page.evaluate(() => /** @type {any} */ (window).outage);
      const waiting = LIBS.filter((l) => l !== 'raw' && l !== 'websocket-ts' && !log[l]?.opened.some((t) => t >= upAt));
      if (waiting.length === 0 || Date.now() > deadline) break;
      await sleep(200);
    }
    return Object.fromEntries(
      LIBS.map((lib) => {
        const entry = log[lib] ?? { made: [], opened: [] };
        const back = entry.opened.find((t) => t >= upAt);
        return [
          lib,
          {
            attemptsWhileDown: entry.made.filter((t) => t >= downAt && t < upAt).length,
            recoveryMs: back === undefined ? null : Math.round(back - upAt),
          },
        ];
      }),
    );
  } finally {
    await page.close();
    await server.close();
  }
}

async function main() {
  await buildBundle('clients');
  const web = await startStaticServer();
  const browser = await launchChromium();
  /** @type {Awaited<ReturnType<typeof trial>>[]} */
  let trials;
  try {
    trials = await Promise.all(Array.from({ length: TRIALS }, () => trial(browser, web.origin)));
  } finally {
    await browser.close();
    await web.close();
  }
  const clients = LIBS.map((lib) => {
    const runs = trials.map((t) => /** @type {{ attemptsWhileDown: number, recoveryMs: number | null }} */ (t[lib]));
    const rec = runs.map((r) => r.recoveryMs).filter((x) => x !== null);
    return {
      client: lib,
      attemptsWhileDown: median(runs.map((r) => r.attemptsWhileDown)),
      attemptsRange: [Math.min(...runs.map((r) => r.attemptsWhileDown)), Math.max(...runs.map((r) => r.attemptsWhileDown))],
      recoveredTrials: rec.length,
      medianRecoveryMs: rec.length ? Math.round(median(rec)) : null,
      maxRecoveryMs: rec.length ? Math.max(...rec) : null,
      runs,
    };
  });
  const ours = /** @type {(typeof clients)[number]} */ (clients[0]);
  await writeResult(
    'outage',
    `after a ${OUTAGE_MS / 1000} s outage resilient-ws made ${ours.attemptsWhileDown} attempts while down and was back ` +
      `${ours.medianRecoveryMs === null ? 'never' : `${(ours.medianRecoveryMs / 1000).toFixed(2)} s`} (median of ${TRIALS}, max ` +
      `${ours.maxRecoveryMs === null ? '–' : `${(ours.maxRecoveryMs / 1000).toFixed(2)} s`}) after the server came back`,
    { outageMs: OUTAGE_MS, trials: TRIALS, waitAfterUpMs: WAIT_AFTER_UP_MS, clients },
  );
}

await main();
