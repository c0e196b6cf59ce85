// @ts-check
/**
 * Half-open detection: the fault server stops reading and answering every connection at once
 * (`blackholeAll()`: TCP stays up, nothing arrives, no close). How long until each client notices?
 *
 * In one Chromium page: resilient-ws with the default heartbeat (interval 20 s + timeout 10 s),
 * three with a short one (interval 2 s + timeout 1 s), and, for comparison, a raw `WebSocket`,
 * partysocket and reconnecting-websocket (no heartbeat). The server is blackholed right after
 * every client is open, so the time since the last frame received equals the time since the
 * blackhole, and the expected figure is interval + timeout. Detection = resilient-ws leaves
 * `open`; the others fire `close`. The run ends when every resilient-ws client detected it (or
 * after 45 s); clients without a heartbeat are reported as not detected in that time.
 *
 * Env: BENCH_HEARTBEAT_SHORT (interval ms of the short heartbeat, default 2000; timeout = half).
 */
import { startFaultServer } from '../test/support/fault-server.mjs';
import { buildBundle, launchChromium, openPage, startStaticServer } from './lib/browser.mjs';
import { round, sleep, writeResult } from './lib/common.mjs';

const SHORT = Number(process.env.BENCH_HEARTBEAT_SHORT ?? 2000);
const WAIT_MS = 45_000;

/**
 * @typedef {{ id: string, lib: 'resilient-ws' | 'raw' | 'partysocket' | 'reconnecting-websocket', heartbeat?: { interval: number, timeout: number } }} Spec
 */

/**
 * In the page: open every client; record the wall time of its last received frame and of the
 * moment it noticed the dead connection.
 * @param {{ url: string, specs: Spec[] }} args
 */
async function startClients({ url, specs }) {
  const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (/** @type {any} */ (window).bench);
  const now = () => performance.timeOrigin + performance.now();
  /** @type {Record<string, { open: boolean, lastRx: number, detected: number | null }>} */
  const state = {};
  /** @type {any} */ (window).hb = state;
  for (const spec of specs) {
    /** @type {{ open: boolean, lastRx: number, detected: number | null }} */
    const st = (state[spec.id] = { open: false, lastRx: 0, detected: null });
    // Frames on a later connection (after the client reconnected) do not count.
    const rx = () => {
      if (st.detected === null) st.lastRx = now();
    };
    // Stamps every frame received (and the open) on the real socket, whatever the library does.
    const Stamped = class extends WebSocket {
      /** @param {string | URL} u @param {string | string[]} [p] */
      constructor(u, p) {
        super(u, p);
        this.addEventListener('open', rx);
        this.addEventListener('message', rx);
      }
    };
    if (spec.lib === 'resilient-ws') {
      const c = B.rws.createClient({ url, WebSocket: Stamped, ...(spec.heartbeat ? { heartbeat: spec.heartbeat } : {}) });
      c.subscribe(() => {
        const s = c.getSnapshot().status;
        if (s === 'open') st.open = true;
        else if (st.open && st.detected === null) st.detected = now();
      });
    } else {
      const ws =
        spec.lib === 'raw'
          ? new Stamped(url)
          : new (spec.lib === 'partysocket' ? B.PartySocketWS : B.ReconnectingWebSocket)(url, [], { WebSocket: Stamped });
      ws.addEventListener('open', () => (st.open = true));
      ws.addEventListener('close', () => {
        if (st.open && st.detected === null) st.detected = now();
      });
    }
  }
  const deadline = performance.now() + 15_000;
  while (!Object.values(state).every((s) => s.open)) {
    if (performance.now() > deadline) throw new Error('not every client opened within 15 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function main() {
  await buildBundle('clients');
  const web = await startStaticServer();
  const browser = await launchChromium();
  const server = await startFaultServer();
  const defaults = { interval: 20_000, timeout: 10_000 };
  const short = { interval: SHORT, timeout: SHORT / 2 };
  /** @type {Spec[]} */
  const specs = [
    { id: 'resilient-ws default', lib: 'resilient-ws' },
    { id: 'resilient-ws short #1', lib: 'resilient-ws', heartbeat: short },
    { id: 'resilient-ws short #2', lib: 'resilient-ws', heartbeat: short },
    { id: 'resilient-ws short #3', lib: 'resilient-ws', heartbeat: short },
    { id: 'raw WebSocket', lib: 'raw' },
    { id: 'partysocket', lib: 'partysocket' },
    { id: 'reconnecting-websocket', lib: 'reconnecting-websocket' },
  ];
  try {
    const page = await openPage(browser, web.origin, 'clients');
    await page.evaluate(startClients, { url: server.url, specs });
    const blackholedAt = Date.now();
    server.blackholeAll();
    /** @type {Record<string, { open: boolean, lastRx: number, detected: number | null }>} */
    let state = {};
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      state = await page.evaluate(() => /** @type {any} */ (window).hb);
      const pending = specs.filter((s) => s.lib === 'resilient-ws' && state[s.id]?.detected === null);
      if (pending.length === 0 || Date.now() > deadline) break;
      await sleep(100);
    }
    const observedMs = Date.now() - blackholedAt;
    const rows = specs.map((s) => {
      const st = /** @type {{ lastRx: number, detected: number | null }} */ (state[s.id]);
      const hb = s.lib === 'resilient-ws' ? s.heartbeat ?? defaults : null;
      return {
        client: s.id,
        heartbeat: hb ? `${hb.interval / 1000} s + ${hb.timeout / 1000} s` : 'none',
        expectedMs: hb ? hb.interval + hb.timeout : null,
        detectedAfterBlackholeMs: st.detected === null ? null : Math.round(st.detected - blackholedAt),
        detectedAfterLastFrameMs: st.detected === null ? null : Math.round(st.detected - st.lastRx),
        ratioToExpected: st.detected === null || !hb ? null : round((st.detected - st.lastRx) / (hb.interval + hb.timeout), 3),
      };
    });
    const def = /** @type {(typeof rows)[number]} */ (rows[0]);
    const shorts = rows.filter((r) => r.client.includes('short'));
    const undetected = rows.filter((r) => r.detectedAfterBlackholeMs === null).map((r) => r.client);
    await writeResult(
      'heartbeat',
      `half-open detected after ${fmt(def.detectedAfterLastFrameMs)} with the default 20 s + 10 s heartbeat, ` +
        `${shorts.map((r) => fmt(r.detectedAfterLastFrameMs)).join('/')} with ${short.interval / 1000} s + ${short.timeout / 1000} s; ` +
        `not detected in ${Math.round(observedMs / 1000)} s: ${undetected.join(', ') || 'none'}`,
      { observedMs, rows },
    );
  } finally {
    await browser.close();
    await web.close();
    await server.close();
  }
}

/** @param {number | null} ms */
const fmt = (ms) => (ms === null ? 'never' : `${(ms / 1000).toFixed(2)} s`);

await main();
