// @ts-check
/**
 * Leaks: forced reconnect cycles in Chromium, the heap's growth per cycle as a least-squares
 * slope, then `dispose()`.
 *
 * Before the library loads, an init script counts, in the page, every listener added to (and
 * removed from) a non-WebSocket target (window, document…) and every pending timer
 * (setTimeout/setInterval not yet fired or cleared). Each subject gets a fresh page and goes
 * through WARMUP + CYCLES reconnect cycles, alternating a reconnect the page asks for
 * (`client.reconnect()`) and a server kill (`killAll()`; the subject reconnects by itself):
 * - `resilient-ws`: `createClient({ url, retry: { initialDelay: DELAY } })`, everything else
 *   default;
 * - `partysocket`: `partysocket/ws` with DELAY ms reconnection delays;
 * - `raw`: a hand-written raw `WebSocket` reconnect loop (DELAY ms), so Chromium's own per-socket
 *   cost is visible.
 * After the warm-up and at SAMPLES + 1 evenly spaced points of the run the heap is measured
 * after forced GC (CDP `HeapProfiler.collectGarbage` twice, then `Runtime.getHeapUsage`); the
 * figure reported is the least-squares slope of heap against cycle number (B/cycle, with its
 * standard error, and the slopes of the first and second halves to show whether growth levels
 * off), not one end point. Live WebSocket objects and live JS objects are counted before and
 * after (CDP `Runtime.queryObjects` on `WebSocket.prototype`, `Object.prototype`). After
 * `dispose()` the listener and timer counts must be back to what they were before the subject
 * was created.
 *
 * Env: BENCH_LEAK_CYCLES (default 3000), BENCH_LEAK_SAMPLES (default 12), BENCH_LEAK_SUBJECTS
 * (default `resilient-ws,partysocket,raw`), BENCH_LEAK_JS_FLAGS (V8 flags for Chromium, e.g.
 * `--no-opt --no-maglev` to see how much of the growth is optimised code). Diagnosis: BENCH_LEAK_SNAPSHOTS=500,2500 takes a
 * heap snapshot (CDP `HeapProfiler.takeHeapSnapshot`) at those cycles of each subject, prints
 * the objects allocated between the first and the last that are still alive, grouped by
 * constructor with their retainers (bench/lib/heap-diff.mjs), and writes no result.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFaultServer } from '../test/support/fault-server.mjs';
import { buildBundle, launchChromium, openPage, startStaticServer } from './lib/browser.mjs';
import { REPO_ROOT, round, sleep, writeResult } from './lib/common.mjs';
import { diffSnapshots, formatDiff } from './lib/heap-diff.mjs';

const CYCLES = Number(process.env.BENCH_LEAK_CYCLES ?? 3000);
const SAMPLES = Number(process.env.BENCH_LEAK_SAMPLES ?? 12);
const WARMUP = 50;
/** Reconnect delay of every subject (ms): short, so 3 000 cycles take about a minute each. */
const DELAY = 5;
const JS_FLAGS = process.env.BENCH_LEAK_JS_FLAGS ?? '';
/** @typedef {'resilient-ws' | 'partysocket' | 'raw'} Subject */
const SUBJECTS = /** @type {Subject[]} */ ((process.env.BENCH_LEAK_SUBJECTS ?? 'resilient-ws,partysocket,raw').split(',').filter(Boolean));
const SNAPSHOTS = (process.env.BENCH_LEAK_SNAPSHOTS ?? '')
  .split(',')
  .filter(Boolean)
  .map(Number)
  .sort((a, b) => a - b);
for (const s of SUBJECTS) if (!['resilient-ws', 'partysocket', 'raw'].includes(s)) throw new Error(`unknown subject ${s}`);
if (!(CYCLES >= 2 && SAMPLES >= 2 && SAMPLES <= CYCLES)) throw new Error('need BENCH_LEAK_CYCLES >= BENCH_LEAK_SAMPLES >= 2');
if (SNAPSHOTS.some((c) => !(c >= 0 && c <= CYCLES)) || SNAPSHOTS.length === 1) throw new Error('BENCH_LEAK_SNAPSHOTS: two or more cycle numbers within the run');

/**
 * Least-squares line through the points, with the slope's standard error.
 * @param {{ x: number, y: number }[]} pts
 */
function fit(pts) {
  const n = pts.length;
  const mx = pts.reduce((a, p) => a + p.x, 0) / n;
  const my = pts.reduce((a, p) => a + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const p of pts) {
    sxx += (p.x - mx) ** 2;
    sxy += (p.x - mx) * (p.y - my);
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const sse = pts.reduce((a, p) => a + (p.y - intercept - slope * p.x) ** 2, 0);
  const stderr = n > 2 ? Math.sqrt(sse / (n - 2) / sxx) : NaN;
  return { slope, intercept, stderr };
}

/** Runs in the page before any script: listener and timer accounting. */
function instrument() {
  /** @type {Map<EventTarget, Set<string>>} */
  const listeners = new Map();
  /** @type {WeakMap<object, number>} */
  const ids = new WeakMap();
  let nextId = 0;
  /** @param {unknown} fn */
  const idOf = (fn) => {
    if (typeof fn !== 'function' && (typeof fn !== 'object' || fn === null)) return 'x';
    let id = ids.get(fn);
    if (id === undefined) ids.set(fn, (id = ++nextId));
    return String(id);
  };
  /** @param {string} type @param {unknown} fn @param {unknown} opts */
  const keyOf = (type, fn, opts) => `${type}|${idOf(fn)}|${typeof opts === 'boolean' ? opts : !!(/** @type {{ capture?: boolean } | undefined} */ (opts)?.capture)}`;
  const proto = EventTarget.prototype;
  const add = proto.addEventListener;
  const remove = proto.removeEventListener;
  /** @this {EventTarget} @param {string} type @param {any} fn @param {any} [opts] */
  proto.addEventListener = function (type, fn, opts) {
    if (!(this instanceof WebSocket) && fn) {
      let set = listeners.get(this);
      if (!set) listeners.set(this, (set = new Set()));
      const key = keyOf(type, fn, opts);
      set.add(key);
      if (opts && typeof opts === 'object' && opts.once) {
        // a once-listener goes away after it fires
        const target = this;
        add.call(this, type, () => target.removeEventListener(type, fn, opts), { once: true });
      }
    }
    return add.call(this, type, fn, opts);
  };
  /** @this {EventTarget} @param {string} type @param {any} fn @param {any} [opts] */
  proto.removeEventListener = function (type, fn, opts) {
    const set = listeners.get(this);
    set?.delete(keyOf(type, fn, opts));
    if (set?.size === 0) listeners.delete(this); // the accounting must not keep the target alive
    return remove.call(this, type, fn, opts);
  };
  /** @type {Set<unknown>} */
  const timers = new Set();
  const st = window.setTimeout;
  const ct = window.clearTimeout;
  const si = window.setInterval;
  const ci = window.clearInterval;
  /** @type {any} */ (window).setTimeout = (/** @type {any} */ fn, /** @type {any} */ ms, /** @type {any[]} */ ...args) => {
    const id = st(
      (/** @type {any[]} */ ...a) => {
        timers.delete(id);
        if (typeof fn === 'function') fn(...a);
      },
      ms,
      ...args,
    );
    timers.add(id);
    return id;
  };
  /** @type {any} */ (window).clearTimeout = (/** @type {any} */ id) => {
    timers.delete(id);
    ct(id);
  };
  /** @type {any} */ (window).setInterval = (/** @type {any} */ fn, /** @type {any} */ ms, /** @type {any[]} */ ...args) => {
    const id = si(fn, ms, ...args);
    timers.add(id);
    return id;
  };
  /** @type {any} */ (window).clearInterval = (/** @type {any} */ id) => {
    timers.delete(id);
    ci(id);
  };
  /** @type {any} */ (window).leakCounts = () => ({
    listeners: [...listeners.values()].reduce((a, s) => a + s.size, 0),
    timers: timers.size,
  });
}

async function main() {
  await buildBundle('clients');
  const web = await startStaticServer();
  const browser = await launchChromium(JS_FLAGS ? [`--js-flags=${JS_FLAGS}`] : []);
  try {
    /** @type {any[]} */
    const rows = [];
    // The subjects run side by side, each in its own page against its own server: a cycle is
    // mostly waiting (handshakes, page round trips), and each page's heap is its own.
    rows.push(...(await Promise.all(SUBJECTS.map((subject) => run(subject)))));
    for (const r of rows) console.log(`${r.subject}: ${slopeText(r)} (first half ${r.slopeFirstHalf}, second half ${r.slopeSecondHalf}) in ${r.cyclesMs} ms`);
    if (SNAPSHOTS.length || JS_FLAGS) return; // diagnosis runs: printed, not recorded
    const by = Object.fromEntries(rows.map((r) => [r.subject, r]));
    const ours = by['resilient-ws'];
    const d = ours?.afterDispose;
    const b = ours?.baseline;
    const peers = rows.filter((r) => r !== ours).map((r) => `${r.subject} ${slopeText(r)}`);
    await writeResult(
      'leaks',
      `${CYCLES} reconnect cycles, heap slope (least squares over ${SAMPLES + 1} points after forced GC): ` +
        (ours
          ? `resilient-ws ${slopeText(ours)}` +
            (peers.length ? ` (${peers.join(', ')})` : '') +
            `, live JS objects ${sign(ours.objectsAfter - ours.objectsBefore)}, live WebSockets ${ours.socketsBefore}→${ours.socketsAfter}; after dispose(): ` +
            `listeners ${d.listeners}/${b.listeners}, timers ${d.timers}/${b.timers}, sockets ${d.sockets}/${b.sockets} (now/baseline) — ` +
            `${ours.backToBaseline ? 'back to baseline' : 'NOT back to baseline'}`
          : peers.join(', ')),
      { cycles: CYCLES, warmup: WARMUP, samples: SAMPLES, delay: DELAY, jsFlags: JS_FLAGS, kinds: 'alternating reconnect() and server killAll()', rows },
    );
  } finally {
    await browser.close();
    await web.close();
  }

  /** @param {Subject} subject */
  async function run(subject) {
    const server = await startFaultServer();
    const page = await openPage(browser, web.origin, 'clients', { initScript: instrument });
    try {
      return await measure(page, server, subject);
    } finally {
      await page.context().close();
      await server.close();
    }
  }

  /**
   * @param {import('./lib/browser.mjs').Page} page
   * @param {Awaited<ReturnType<typeof startFaultServer>>} server
   * @param {Subject} subject
   */
  async function measure(page, server, subject) {
    const cdp = await page.context().newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    /** Live objects whose prototype chain contains `protoExpr` (CDP queryObjects). @param {string} protoExpr */
    const liveObjects = async (protoExpr) => {
      const proto = await cdp.send('Runtime.evaluate', { expression: protoExpr, objectGroup: 'leaks' });
      const found = await cdp.send('Runtime.queryObjects', { prototypeObjectId: /** @type {string} */ (proto.result.objectId), objectGroup: 'leaks' });
      const n = await cdp.send('Runtime.callFunctionOn', {
        objectId: /** @type {string} */ (found.objects.objectId),
        functionDeclaration: 'function () { return this.length; }',
        returnByValue: true,
      });
      await cdp.send('Runtime.releaseObjectGroup', { objectGroup: 'leaks' });
      return /** @type {number} */ (n.result.value);
    };
    const liveSockets = () => liveObjects('WebSocket.prototype');
    /** @returns {Promise<{ listeners: number, timers: number }>} */
    const counts = () => page.evaluate(() => /** @type {any} */ (window).leakCounts());
    /** @param {number} cycle */
    const snapshot = async (cycle) => {
      let text = '';
      /** @param {{ chunk: string }} e */
      const onChunk = (e) => (text += e.chunk);
      cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
      await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
      cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
      const file = join(REPO_ROOT, 'bench', '.build', `leaks-${subject}-${cycle}.heapsnapshot`);
      await writeFile(file, text);
      return { cycle, file, text };
    };

    await sleep(200);
    const baseline = { ...(await counts()), sockets: await liveSockets() };
    await page.evaluate(
      ({ url, subject, delay }) => {
        const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (/** @type {any} */ (window).bench);
        const w = /** @type {any} */ (window);
        w.opens = 0;
        /** @type {{ n: number, resolve: () => void } | null} */
        let waiter = null;
        const opened = () => {
          w.opens++;
          if (waiter && w.opens >= waiter.n) {
            const { resolve } = waiter;
            waiter = null;
            resolve();
          }
        };
        /** Resolves once `n` connections have opened in all. @param {number} n */
        w.waitOpens = (/** @type {number} */ n) =>
          w.opens >= n ? undefined : new Promise((resolve) => (waiter = { n, resolve: () => resolve(undefined) }));
        if (subject === 'resilient-ws') {
          const client = B.rws.createClient({ url, retry: { initialDelay: delay } });
          w.subject = client;
          let was = '';
          client.subscribe(() => {
            const s = client.getSnapshot().status;
            if (s === 'open' && was !== 'open') opened();
            was = s;
          });
          return;
        }
        if (subject === 'partysocket') {
          const ws = new B.PartySocketWS(url, [], { minReconnectionDelay: delay, maxReconnectionDelay: delay });
          ws.addEventListener('open', opened);
          w.subject = {
            reconnect: () => ws.reconnect(),
            dispose: () => {
              ws.removeEventListener('open', opened);
              ws.close();
            },
          };
          return;
        }
        /** @type {WebSocket | null} */
        let ws = null;
        let disposed = false;
        const open = () => {
          const sock = (ws = new WebSocket(url));
          sock.onopen = opened;
          sock.onclose = () => {
            if (ws === sock && !disposed) setTimeout(open, delay);
          };
        };
        open();
        w.subject = {
          reconnect() {
            const old = ws;
            open();
            old?.close();
          },
          dispose() {
            disposed = true;
            ws?.close();
            ws = null;
          },
        };
      },
      { url: server.url, subject, delay: DELAY },
    );
    /** @param {number} n */
    const waitOpens = (n) =>
      Promise.race([
        page.evaluate((n) => /** @type {any} */ (window).waitOpens(n), n),
        sleep(15_000).then(() => Promise.reject(new Error(`${subject} did not reopen within 15 s (want ${n} opens)`))),
      ]);
    let done = 0;
    // Every cycle opens exactly one connection: the count is kept here (one page round trip per
    // cycle) and checked against the page's own count at the end.
    let expected = 1;
    /** @param {number} n */
    const cycle = async (n) => {
      for (let i = 0; i < n; i++, done++) {
        expected++;
        if (done % 2 === 0) {
          await page.evaluate((n) => {
            const w = /** @type {any} */ (window);
            const wait = w.waitOpens(n);
            w.subject.reconnect();
            return wait;
          }, expected);
        } else {
          server.killAll();
          await waitOpens(expected);
        }
      }
    };

    await waitOpens(1);
    await cycle(WARMUP);
    const t0 = Date.now();
    const socketsBefore = await liveSockets();
    const objectsBefore = await liveObjects('Object.prototype');
    const points = [...new Set([...Array.from({ length: SAMPLES + 1 }, (_, i) => Math.round((i * CYCLES) / SAMPLES)), ...SNAPSHOTS])].sort((a, b) => a - b);
    /** @type {{ cycle: number, heap: number }[]} */
    const samples = [];
    /** @type {{ cycle: number, file: string, text: string }[]} */
    const snaps = [];
    let at = 0;
    for (const p of points) {
      await cycle(p - at);
      at = p;
      if (SNAPSHOTS.includes(p)) snaps.push(await snapshot(p));
      else samples.push({ cycle: p, heap: await heap() });
    }
    const cyclesMs = Date.now() - t0;
    const opened = await page.evaluate(() => /** @type {number} */ (/** @type {any} */ (window).opens));
    if (opened !== expected) throw new Error(`${subject} opened ${opened} connections in ${done} cycles (expected ${expected})`);
    const socketsAfter = await liveSockets();
    const objectsAfter = await liveObjects('Object.prototype');
    const whileOpen = await counts();
    await page.evaluate(() => /** @type {any} */ (window).subject.dispose());
    await page.evaluate(() => delete (/** @type {any} */ (window).subject));
    // The closing handshake finishes (bounded: a socket still alive after 5 s is reported).
    for (const deadline = Date.now() + 5_000; Date.now() < deadline && (await liveSockets()) > baseline.sockets; ) await sleep(100);
    const afterDispose = { ...(await counts()), sockets: await liveSockets(), heap: await heap() };
    if (snaps.length >= 2) {
      const first = /** @type {(typeof snaps)[number]} */ (snaps[0]);
      const last = /** @type {(typeof snaps)[number]} */ (snaps[snaps.length - 1]);
      console.log(`\n${subject}: objects allocated between cycle ${first.cycle} and ${last.cycle} and still alive (${first.file}, ${last.file})`);
      console.log(formatDiff(diffSnapshots(JSON.parse(first.text), JSON.parse(last.text)), last.cycle - first.cycle));
    }
    const line = fit(samples.map((s) => ({ x: s.cycle, y: s.heap })));
    const mid = CYCLES / 2;
    const half = (/** @type {(s: { cycle: number }) => boolean} */ f) => {
      const pts = samples.filter(f).map((s) => ({ x: s.cycle, y: s.heap }));
      return pts.length >= 2 ? round(fit(pts).slope, 1) : null;
    };
    const first = /** @type {{ cycle: number, heap: number }} */ (samples[0]);
    const last = /** @type {{ cycle: number, heap: number }} */ (samples[samples.length - 1]);
    return {
      subject,
      cyclesMs,
      samples,
      slope: round(line.slope, 1),
      slopeStderr: round(line.stderr, 1),
      slopeFirstHalf: half((s) => s.cycle <= mid),
      slopeSecondHalf: half((s) => s.cycle >= mid),
      heapBefore: first.heap,
      heapAfter: last.heap,
      endPointPerCycle: round((last.heap - first.heap) / (last.cycle - first.cycle), 1),
      socketsBefore,
      socketsAfter,
      // Every live JS object (prototype chain through Object.prototype): a per-cycle leak of
      // objects shows here even when the heap figure is blurred by engine-internal memory.
      objectsBefore,
      objectsAfter,
      baseline,
      whileOpen,
      afterDispose,
      backToBaseline:
        afterDispose.listeners === baseline.listeners && afterDispose.timers === baseline.timers && afterDispose.sockets === baseline.sockets,
    };
  }
}

/** @param {{ slope: number, slopeStderr: number }} r */
const slopeText = (r) => `${sign(r.slope)} ± ${r.slopeStderr} B/cycle`;

/** @param {number} n */
const sign = (n) => (n >= 0 ? `+${n}` : String(n));

await main();
