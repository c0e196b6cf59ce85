// @ts-check
// Loaded by lifecycle.html. An "app" page that creates its own client when it loads (so a
// reload starts a new one, and a page restored from the back/forward cache keeps the old one),
// with a long backoff (~10 s) so that a prompt reconnect can only come from a lifecycle handler.
// `?ws=ws://127.0.0.1:PORT/path` says where to connect. Records into `window.__lifecycle`; the
// page transitions are also kept in sessionStorage so they survive a reload.
// @ts-ignore -- a URL path resolved by the browser (the static server serves the repo root).
import * as RWS from '/dist/browser/resilient-ws.min.js';
import { recordPageErrors } from '../page-errors.js';

recordPageErrors();

/** @typedef {import('../../../src/index').Client<unknown, unknown>} Client */
/** @typedef {{ t: number, type: string } & Record<string, unknown>} Rec */

const lib = /** @type {typeof import('../../../src/index')} */ (RWS);
const url = new URLSearchParams(location.search).get('ws') ?? 'ws://127.0.0.1:9/none';
const nav = /** @type {PerformanceNavigationTiming | undefined} */ (performance.getEntriesByType('navigation')[0]);
const KEY = 'rws-lifecycle-transitions';

/** @type {Rec[]} */
const log = [];
/** @type {Rec[]} */
const transitions = JSON.parse(sessionStorage.getItem(KEY) ?? '[]');
const now = () => performance.now();
/** @param {Rec} rec */
const remember = (rec) => {
  transitions.push({ ...rec, wall: Date.now() });
  sessionStorage.setItem(KEY, JSON.stringify(transitions));
};

/** @type {Client} */
const client = lib.createClient({
  url,
  retry: { initialDelay: 10_000, maxDelay: 10_000, minUptime: 300 },
  heartbeat: { interval: 1000, timeout: 1000 },
  random: () => 0.999,
});
const status = /** @type {HTMLOutputElement} */ (document.getElementById('status'));
client.subscribe(() => {
  status.textContent = client.getSnapshot().status;
});
client.on('status', (s) => log.push({ t: now(), type: 'status', status: s.status }));
client.on('open', () => log.push({ t: now(), type: 'open' }));
client.on('close', (c) => {
  const rec = { t: now(), type: 'close', close: { ...c } };
  log.push(rec);
  remember(rec);
});
client.on('reconnecting', (e) => log.push({ t: now(), type: 'reconnecting', attempt: e.attempt, delay: e.delay }));
client.on('error', (e) => log.push({ t: now(), type: 'error', name: e.name, message: e.message }));
for (const type of ['pagehide', 'pageshow']) {
  window.addEventListener(type, (e) => {
    const rec = { t: now(), type, persisted: /** @type {PageTransitionEvent} */ (e).persisted };
    log.push(rec);
    remember(rec);
  });
}

// `?raw=ws://…`: also a plain WebSocket, closed (1000) at pagehide like the client's, whose
// events are recorded as `raw` entries: what the engine itself does with such a socket later.
const rawUrl = new URLSearchParams(location.search).get('raw');
if (rawUrl) {
  const raw = new WebSocket(rawUrl);
  for (const type of ['open', 'error', 'close']) {
    raw.addEventListener(type, (e) => {
      const c = /** @type {CloseEvent} */ (e);
      log.push({ t: now(), type: 'raw', event: type, ...(type === 'close' ? { code: c.code, wasClean: c.wasClean } : {}) });
    });
  }
  window.addEventListener('pagehide', () => {
    log.push({ t: now(), type: 'raw', event: 'closed-at-pagehide', readyState: raw.readyState });
    if (raw.readyState === WebSocket.OPEN) raw.close(1000, 'page hidden');
  });
}

Object.assign(window, {
  RWS: lib,
  client,
  __lifecycle: { log, transitions, navigationType: nav?.type ?? 'unknown', loadedAt: Date.now() },
});
document.body.dataset.ready = '1';
