// @ts-check
/**
 * Leaks: forced reconnect cycles in Chromium, then `dispose()`.
 *
 * Before the library loads, an init script counts, in the page, every listener added to (and
 * removed from) a non-WebSocket target (window, document…) and every pending timer
 * (setTimeout/setInterval not yet fired or cleared). One client (`retry.initialDelay` 20 ms so
 * the cycles are quick; everything else default) goes through CYCLES reconnect cycles: half
 * `client.reconnect()`, half server kills (`killAll()`, the client reconnects by itself). After
 * warm-up cycles, and again after the run, the heap is measured after forced GC (CDP
 * `HeapProfiler.collectGarbage`, `Runtime.getHeapUsage`) and the live WebSocket objects are
 * counted (CDP `Runtime.queryObjects` on `WebSocket.prototype`). After `dispose()` the listener
 * and timer counts must be back to what they were before the client was created.
 *
 * Env: BENCH_LEAK_CYCLES (default 300).
 */
import { startFaultServer } from '../test/support/fault-server.mjs';
import { buildBundle, launchChromium, openPage, startStaticServer } from './lib/browser.mjs';
import { sleep, writeResult } from './lib/common.mjs';

const CYCLES = Number(process.env.BENCH_LEAK_CYCLES ?? 300);
const WARMUP = 20;

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
    listeners.get(this)?.delete(keyOf(type, fn, opts));
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
  const browser = await launchChromium();
  const server = await startFaultServer();
  try {
    const page = await openPage(browser, web.origin, 'clients', { initScript: instrument });
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

    await sleep(200);
    const baseline = { ...(await counts()), sockets: await liveSockets() };

    /**
     * Create the subject in the page: the client, or (control) a hand-written raw WebSocket
     * reconnect loop with the same interface, so Chromium's own per-socket cost is visible.
     * @param {'resilient-ws' | 'raw'} kind
     */
    const create = (kind) =>
      page.evaluate(
        ({ url, kind }) => {
          const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (/** @type {any} */ (window).bench);
          const w = /** @type {any} */ (window);
          w.opens = 0;
          if (kind === 'resilient-ws') {
            const client = B.rws.createClient({ url, retry: { initialDelay: 20 } });
            w.subject = client;
            let was = '';
            client.subscribe(() => {
              const s = client.getSnapshot().status;
              if (s === 'open' && was !== 'open') w.opens++;
              was = s;
            });
            return;
          }
          /** @type {WebSocket | null} */
          let ws = null;
          let disposed = false;
          const open = () => {
            const sock = (ws = new WebSocket(url));
            sock.onopen = () => w.opens++;
            sock.onclose = () => {
              if (ws === sock && !disposed) setTimeout(open, 20);
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
        { url: server.url, kind },
      );
    const opens = () => page.evaluate(() => /** @type {number} */ (/** @type {any} */ (window).opens));
    /** @param {number} n */
    const waitOpens = async (n) => {
      const deadline = Date.now() + 15_000;
      while ((await opens()) < n) {
        if (Date.now() > deadline) throw new Error(`did not reopen (${await opens()} < ${n})`);
        await sleep(5);
      }
    };
    /** @param {number} n */
    const cycle = async (n) => {
      for (let i = 0; i < n; i++) {
        const before = await opens();
        if (i % 2 === 0) await page.evaluate(() => /** @type {any} */ (window).subject.reconnect());
        else server.killAll();
        await waitOpens(before + 1);
      }
    };

    /** @param {'resilient-ws' | 'raw'} kind */
    const run = async (kind) => {
      const baseline = { ...(await counts()), sockets: await liveSockets() };
      await create(kind);
      await waitOpens(1);
      const t0 = Date.now();
      await cycle(WARMUP);
      const heapBefore = await heap();
      const socketsBefore = await liveSockets();
      const objectsBefore = await liveObjects('Object.prototype');
      await cycle(CYCLES);
      const cyclesMs = Date.now() - t0;
      const heapAfter = await heap();
      const socketsAfter = await liveSockets();
      const objectsAfter = await liveObjects('Object.prototype');
      const whileOpen = await counts();
      await page.evaluate(() => /** @type {any} */ (window).subject.dispose());
      await page.evaluate(() => delete (/** @type {any} */ (window).subject));
      await sleep(500); // the closing handshake finishes
      const afterDispose = { ...(await counts()), sockets: await liveSockets(), heap: await heap() };
      return {
        subject: kind,
        cyclesMs,
        heapBefore,
        heapAfter,
        heapGrowth: heapAfter - heapBefore,
        heapGrowthPerCycle: Math.round((heapAfter - heapBefore) / CYCLES),
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
    };

    await sleep(200);
    const ours = await run('resilient-ws');
    const raw = await run('raw');
    const b = ours.baseline;
    const d = ours.afterDispose;
    await writeResult(
      'leaks',
      `${CYCLES} reconnect cycles: heap ${sign(ours.heapGrowth)} B (${sign(ours.heapGrowthPerCycle)} B/cycle; raw WebSocket loop ` +
        `${sign(raw.heapGrowthPerCycle)} B/cycle), live JS objects ${sign(ours.objectsAfter - ours.objectsBefore)}, live WebSockets ${ours.socketsBefore}→${ours.socketsAfter}; after dispose(): ` +
        `listeners ${d.listeners}/${b.listeners}, timers ${d.timers}/${b.timers}, sockets ${d.sockets}/${b.sockets} (now/baseline) — ` +
        `${ours.backToBaseline ? 'back to baseline' : 'NOT back to baseline'}`,
      { cycles: CYCLES, warmup: WARMUP, kinds: 'alternating reconnect() and server killAll()', rows: [ours, raw] },
    );
  } finally {
    await browser.close();
    await web.close();
    await server.close();
  }
}

/** @param {number} n */
const sign = (n) => (n >= 0 ? `+${n}` : String(n));

await main();
