// @ts-check
/**
 * The plain demo page: a native ES module, no bundler. It imports exactly the self-contained
 * build (`dist/browser/resilient-ws.min.js`, served as `/resilient-ws.min.js`) and the Chinese
 * catalogue (`dist/browser/i18n/zh-CN.min.js`), and shows everything the client knows.
 *
 * Query parameters (handy for tests and experiments):
 *   ?hb=INTERVAL,TIMEOUT   heartbeat in ms (default 5000,3000)
 *   ?lang=zh-CN            start in Chinese
 */
// @ts-ignore -- a URL served by demo/server.mjs: dist/browser/resilient-ws.min.js, as built
import * as RWS from '/resilient-ws.min.js';
// @ts-ignore -- a URL served by demo/server.mjs: dist/browser/i18n/zh-CN.min.js, as built
import { zhCN as ZH } from '/i18n/zh-CN.min.js';
import { LABELS, clock, closeText, el, renderEntry, renderText, reportSummary, reportText, untrusted } from './timeline.js';

/** @typedef {import('./timeline.js').Entry} Entry */
/** @typedef {import('./timeline.js').NewEntry} NewEntry */
/** @typedef {import('./timeline.js').Lang} Lang */
/** @typedef {import('../src/index').Snapshot} Snapshot */
/** @typedef {import('../src/index').CloseInfo} CloseInfo */
/** @typedef {import('../src/index').MessageCatalog} MessageCatalog */

/** @type {typeof import('../src/index')} */
const lib = RWS;
/** @type {MessageCatalog} */
const zhCN = ZH;

/**
 * @template {HTMLElement} [T=HTMLElement]
 * @param {string} id
 * @returns {T}
 */
const $ = (id) => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`demo: #${id} is missing from index.html`);
  return /** @type {T} */ (node);
};

const params = new URL(location.href).searchParams;
const [hbInterval, hbTimeout] = (params.get('hb') ?? '5000,3000').split(',').map(Number);
/** @type {Lang} */
let lang = params.get('lang') === 'zh-CN' ? 'zh-CN' : 'en';
const catalog = () => (lang === 'en' ? lib.en : zhCN);

// ---- timeline ---------------------------------------------------------------------------------

const MAX_ENTRIES = 400;
/** @type {Entry[]} */
const entries = [];
/** @type {Map<number, HTMLLIElement>} */
const rendered = new Map();
const timeline = $('timeline');
let nextId = 1;

const renderCtx = () => ({ lang, catalog: catalog(), describeClose: lib.describeClose, closeCodes: /** @type {Record<string, number>} */ (lib.CloseCode) });

/**
 * Adds an entry (stamped now) and shows it at the top.
 * @param {NewEntry} data
 * @returns {Entry}
 */
function add(data) {
  const entry = /** @type {Entry} */ ({ t: Date.now(), ...data, id: nextId++ });
  entries.push(entry);
  const li = renderEntry(entry, renderCtx());
  rendered.set(entry.id, li);
  timeline.prepend(li);
  while (entries.length > MAX_ENTRIES) {
    const old = /** @type {Entry} */ (entries.shift());
    rendered.get(old.id)?.remove();
    rendered.delete(old.id);
  }
  return entry;
}

/** Re-renders one entry in place (after it learned more, e.g. the retry delay). @param {Entry} entry */
function update(entry) {
  const old = rendered.get(entry.id);
  if (!old) return;
  const li = renderEntry(entry, renderCtx());
  old.replaceWith(li);
  rendered.set(entry.id, li);
}

function rerenderAll() {
  for (const entry of entries) update(entry);
  renderSnapshot(client.getSnapshot());
}

/** The close entry of the most recent close, if it is the latest close. @type {Extract<Entry, { kind: 'close' }> | null} */
let lastCloseEntry = null;

// ---- browser signals we can simulate ---------------------------------------------------------

// The client listens to this target instead of `window`, so the page can fake offline/online.
// Real window events are forwarded, so the demo still reacts to the real network and bfcache.
const fakeWindow = new EventTarget();
const fakeNavigator = { onLine: navigator.onLine };
for (const type of ['online', 'offline']) {
  window.addEventListener(type, () => {
    fakeNavigator.onLine = navigator.onLine;
    fakeWindow.dispatchEvent(new Event(type));
  });
}
for (const type of ['pagehide', 'pageshow']) {
  window.addEventListener(type, (e) => {
    fakeWindow.dispatchEvent(new PageTransitionEvent(type, { persisted: /** @type {PageTransitionEvent} */ (e).persisted }));
  });
}

/** @param {boolean} online */
function simulateNetwork(online) {
  fakeNavigator.onLine = online;
  add({ kind: 'network', online });
  fakeWindow.dispatchEvent(new Event(online ? 'online' : 'offline'));
}

// ---- the client -------------------------------------------------------------------------------

const config = /** @type {{ wsUrl: string, pages: string[] }} */ (await (await fetch('/api/config')).json());
// Links to the React/Vue pages only when the server built them.
for (const name of ['react', 'vue']) $(`link-${name}`).hidden = !config.pages.includes(name);
let token = 'demo-1';

/** @param {string} path @param {unknown} body */
async function postJson(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  const data = /** @type {Record<string, unknown>} */ (await res.json().catch(() => ({})));
  if (!res.ok) throw new Error(typeof data.error === 'string' ? data.error : `HTTP ${res.status}`);
  return data;
}

const client = lib.createClient({
  url: () => `${config.wsUrl}/live?token=${encodeURIComponent(token)}`,
  autoConnect: false,
  // 4001 means "token expired" in this demo: refresh it, then reconnect at once.
  authCodes: [4001],
  async refresh() {
    try {
      const { token: fresh } = await postJson('/api/token', {});
      token = String(fresh);
      add({ kind: 'refresh', token });
    } catch (err) {
      add({ kind: 'refresh', error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  },
  // Short heartbeat so a half-open connection is detected while you watch.
  heartbeat: { interval: hbInterval ?? 5000, timeout: hbTimeout ?? 3000 },
  // The 1013 button's server asks for 2 s: with tryAgainLaterDelay 2000 the hint is what sets
  // the wait (1013 never comes back sooner than tryAgainLaterDelay, whatever the hint says).
  retry: { initialDelay: 1000, maxDelay: 4000, restartDelay: 3000, tryAgainLaterDelay: 2000, minUptime: 3000 },
  lifecycle: { target: { window: fakeWindow, document, navigator: fakeNavigator } },
});
/** @type {any} */ (window).demo = { client, lib };

client.on('status', (s) => {
  add({ kind: 'status', status: s.status, attempt: s.attempt, retryDelay: s.retryDelay });
  if (lastCloseEntry && lastCloseEntry.close === s.lastClose && lastCloseEntry.delay === undefined) {
    if (s.status === 'offline' || s.status === 'suspended') {
      lastCloseEntry.waiting = s.status;
      update(lastCloseEntry);
    }
  }
});
client.on('open', (o) => add({ kind: 'open', url: o.url, protocol: o.protocol }));
client.on('close', (close) => {
  lastCloseEntry = /** @type {Extract<Entry, { kind: 'close' }>} */ (add({ kind: 'close', close }));
});
client.on('reconnecting', (r) => {
  if (lastCloseEntry && r.close && lastCloseEntry.close === r.close) {
    lastCloseEntry.delay = r.delay;
    update(lastCloseEntry);
  } else add({ kind: 'retry', attempt: r.attempt, delay: r.delay });
});
client.on('error', (e) => add({ kind: 'error', name: e.name, message: e.message }));
client.on('message', (m) => add({ kind: 'message', direction: 'in', text: typeof m === 'string' ? m : String(m) }));
client.on('drop', (d) => add({ kind: 'drop', reason: d.reason, text: String(d.message) }));
client.on('rtt', ({ rtt }) => pushRtt(rtt));
client.subscribe(() => renderSnapshot(client.getSnapshot()));

// ---- connection panel -------------------------------------------------------------------------

const statusBadge = $('status');
const onlinePill = $('online');
const banner = $('banner');
const countdown = $('countdown');
const countdownBar = /** @type {HTMLProgressElement} */ ($('countdown-bar'));
$('heartbeat-config').textContent = `ping after ${hbInterval} ms idle, dead after ${hbTimeout} ms without pong`;

/** @param {Snapshot} s */
function renderSnapshot(s) {
  statusBadge.textContent = s.status;
  statusBadge.dataset.status = s.status;
  onlinePill.textContent = s.online ? 'online' : 'offline';
  onlinePill.dataset.online = String(s.online);
  $('attempt').textContent = String(s.attempt);
  $('rtt').textContent = s.rtt === null ? '—' : `${Math.round(s.rtt)} ms`;
  $('srtt').textContent = s.smoothedRtt === null ? '—' : `${Math.round(s.smoothedRtt)} ms`;
  $('queued').textContent = String(s.queued);
  $('queued-bytes').textContent = String(s.queuedBytes);
  $('url').textContent = s.url ?? '—';
  renderBanner(s);
  renderCountdown(s);
}

/** The sentence an app would show its users right now. @param {Snapshot} s */
function renderBanner(s) {
  const cat = catalog();
  let text = '';
  if (s.status === 'offline') text = renderText(cat, 'offline', { code: 0, attempts: 0 }) ?? '';
  else if (s.status !== 'open' && s.status !== 'connecting' && s.status !== 'idle' && s.lastClose) {
    text = closeText(lib.describeClose, cat, s.lastClose);
  }
  banner.textContent = text;
  banner.hidden = text === '';
  banner.dataset.status = s.status;
}

/** @param {Snapshot} s */
function renderCountdown(s) {
  if (s.nextRetryAt === null || s.retryDelay === null) {
    countdown.textContent = '—';
    countdownBar.hidden = true;
    return;
  }
  const left = Math.max(0, s.nextRetryAt - Date.now());
  countdown.textContent = `${(left / 1000).toFixed(1)} s`;
  countdownBar.hidden = false;
  countdownBar.max = Math.max(1, s.retryDelay);
  countdownBar.value = Math.max(0, s.retryDelay - left);
}
setInterval(() => renderCountdown(client.getSnapshot()), 100);

// RTT chart: an SVG polyline of the last 60 heartbeat round trips, newest on the right.
const SVG = 'http://www.w3.org/2000/svg';
const RTT_SLOTS = 60;
/** @type {number[]} */
const rtts = [];
/** @param {number} rtt */
function pushRtt(rtt) {
  rtts.push(rtt);
  if (rtts.length > RTT_SLOTS) rtts.shift();
  const max = Math.max(1, ...rtts);
  const step = 292 / (RTT_SLOTS - 1);
  const xy = rtts.map((v, i) => [296 - (rtts.length - 1 - i) * step, 66 - (v / max) * 50]);
  $('rtt-line').setAttribute('points', xy.map(([x, y]) => `${x?.toFixed(1)},${y?.toFixed(1)}`).join(' '));
  const dots = $('rtt-dots');
  dots.replaceChildren(
    ...xy.map(([x, y]) => {
      const c = document.createElementNS(SVG, 'circle');
      c.setAttribute('cx', String(x));
      c.setAttribute('cy', String(y));
      c.setAttribute('r', '2');
      return c;
    }),
  );
  $('rtt-max').textContent = `max ${Math.round(max)} ms · last ${Math.round(rtt)} ms`;
}

// ---- language ---------------------------------------------------------------------------------

/** @param {Lang} next */
function setLang(next) {
  lang = next;
  document.documentElement.lang = next;
  for (const id of ['lang-en', 'lang-zh']) {
    const b = $(id);
    b.setAttribute('aria-pressed', String(b.dataset.lang === next));
  }
  rerenderAll();
}
$('lang-en').addEventListener('click', () => setLang('en'));
$('lang-zh').addEventListener('click', () => setLang('zh-CN'));

// ---- faults -----------------------------------------------------------------------------------

/**
 * What each fault button asks the server for. `then` runs after the server said yes.
 * @type {Record<string, { api: string, body?: Record<string, unknown>, label: string, then?: () => void }>}
 */
const FAULTS = {
  'close-1000': { api: 'close', body: { code: 1000, reason: 'Bye: the session is over' }, label: 'close 1000' },
  'close-1001': { api: 'close', body: { code: 1001, reason: 'server going away' }, label: 'close 1001' },
  'close-1008': { api: 'close', body: { code: 1008, reason: 'message rate limit exceeded' }, label: 'close 1008' },
  'close-1011': { api: 'close', body: { code: 1011, reason: 'unexpected condition: db timeout' }, label: 'close 1011' },
  'close-1012': { api: 'close', body: { code: 1012, reason: 'restarting for deploy' }, label: 'close 1012' },
  'close-1013': {
    api: 'close',
    body: { code: 1013, reason: JSON.stringify({ retryAfter: 2, message: 'Server busy, back in 2 s' }) },
    label: 'close 1013',
  },
  'close-4001': { api: 'close', body: { code: 4001, reason: 'token expired' }, label: 'close 4001' },
  'close-zh': { api: 'close', body: { code: 1012, reason: '服务端维护中,请稍后重连' }, label: 'close 1012' },
  kill: { api: 'kill', label: 'kill the TCP connection' },
  blackhole: { api: 'blackhole', label: 'go half-open (black-hole)' },
  down: { api: 'down', body: { ms: 10_000 }, label: 'refuse connections for 10 s' },
  'raw-close': { api: 'raw-close', body: { payload: 'server shutting down' }, label: 'send a close frame with only text' },
  notice: {
    api: 'notice',
    body: { code: 1013, reason: 'busy, come back in 3 s', retryAfter: 3 },
    label: 'announce 1013 in band, then end the TCP connection without a close frame (what a libhv server does)',
  },
  'reject-403': {
    api: 'reject',
    body: { status: 403, count: 1 },
    label: 'reject the next handshake with HTTP 403',
    then: () => client.reconnect(),
  },
};

/**
 * @param {string} api
 * @param {Record<string, unknown> | undefined} body
 * @param {string} label
 * @param {() => void} [then]
 */
async function fault(api, body, label, then) {
  const entry = /** @type {Extract<Entry, { kind: 'fault' }>} */ (
    add({ kind: 'fault', label, ...(body ? { detail: JSON.stringify(body) } : {}) })
  );
  const result = $('fault-result');
  try {
    const data = await postJson(`/api/fault/${api}`, body);
    result.textContent = `${label}: ${JSON.stringify(data)}`;
    then?.();
  } catch (err) {
    entry.error = err instanceof Error ? err.message : String(err);
    update(entry);
    result.textContent = `${label}: ${entry.error}`;
  }
}

for (const button of document.querySelectorAll('[data-fault]')) {
  const f = FAULTS[/** @type {HTMLElement} */ (button).dataset.fault ?? ''];
  if (!f) continue;
  button.addEventListener('click', () => void fault(f.api, f.body, f.label, f.then));
}

$('custom-close').addEventListener('submit', (e) => {
  e.preventDefault();
  const code = Number(/** @type {HTMLInputElement} */ ($('custom-code')).value);
  const reason = /** @type {HTMLInputElement} */ ($('custom-reason')).value;
  void fault('close', { code, reason }, `close ${code}`);
});

// ---- client controls --------------------------------------------------------------------------

$('send-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = /** @type {HTMLInputElement} */ ($('send-text')).value;
  const result = client.send(text);
  add({ kind: 'message', direction: 'out', text, result });
});
$('connect').addEventListener('click', () => client.connect());
$('reconnect').addEventListener('click', () => client.reconnect());
$('close').addEventListener('click', () => client.close(1000, 'user clicked close'));
$('go-offline').addEventListener('click', () => simulateNetwork(false));
$('go-online').addEventListener('click', () => simulateNetwork(true));
$('clear').addEventListener('click', () => {
  entries.length = 0;
  rendered.clear();
  timeline.replaceChildren();
  lastCloseEntry = null;
});

// ---- diagnostics report -----------------------------------------------------------------------

// What a user would paste into a support ticket: client.diagnostics() as JSON, copied to the
// clipboard, or (no clipboard: insecure context, refused permission) selected in a read-only
// textarea for Ctrl+C. Text only: the report holds server text (close reasons).
const reportBox = /** @type {HTMLTextAreaElement} */ ($('report'));
const CLIPBOARD_WAIT_MS = 2000;
async function copyReport() {
  const L = LABELS[lang];
  const report = client.diagnostics();
  const text = reportText(report);
  reportBox.value = text;
  reportBox.hidden = false;
  const summary = reportSummary(L, report, text);
  const result = $('report-result');
  try {
    const write = navigator.clipboard?.writeText(text);
    if (!write) throw new Error('no clipboard');
    // A clipboard that never answers (a permission prompt nobody sees) counts as none.
    await Promise.race([write, new Promise((_, reject) => setTimeout(() => reject(new Error('no answer')), CLIPBOARD_WAIT_MS))]);
    reportBox.dataset.copied = 'clipboard';
    result.textContent = `${L.reportCopied}: ${summary}`;
  } catch {
    reportBox.dataset.copied = 'selected';
    reportBox.focus();
    reportBox.select();
    result.textContent = `${L.reportSelected} (${summary})`;
  }
}
$('copy-report').addEventListener('click', () => void copyReport());

// ---- what the server did (its own log, streamed) ----------------------------------------------

const serverLog = $('server-log');
const events = new EventSource('/api/events');
events.onmessage = (e) => {
  /** @type {Record<string, unknown>} */
  let entry;
  try {
    entry = JSON.parse(e.data);
  } catch {
    return;
  }
  const li = el('li', `log log-${String(entry.kind)}`);
  li.dataset.kind = String(entry.kind);
  li.append(el('time', 'at', clock(Number(entry.t))), ' ', el('span', 'label', String(entry.kind)));
  const bits = [];
  if (entry.id !== undefined) bits.push(`#${entry.id}`);
  if (entry.kind === 'connect' || entry.kind === 'reject') bits.push(String(entry.path));
  if (entry.status !== undefined) bits.push(`HTTP ${entry.status}`);
  if (entry.code !== undefined) bits.push(`code ${entry.code}`);
  if (entry.phase !== undefined) bits.push(`${entry.phase} (${entry.ms} ms)`);
  if (entry.kind === 'raw-close' && entry.data !== undefined) bits.push(`payload hex ${entry.data}`);
  li.append(' ', el('span', 'mono', bits.join(' · ')));
  if (entry.message !== undefined) li.append(' ', untrusted('span', 'mono', String(entry.message)));
  if (typeof entry.reason === 'string') li.append(' ', entry.reason === '' ? el('code', 'reason', '(no reason)') : untrusted('code', 'reason', entry.reason));
  serverLog.prepend(li);
  while (serverLog.childElementCount > 100) serverLog.lastElementChild?.remove();
};

// ---- go ----------------------------------------------------------------------------------------

setLang(lang);
client.connect();
document.body.dataset.ready = '1';
