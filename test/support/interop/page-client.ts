/**
 * Drive a resilient-ws client that lives inside a Chromium page (the harness page, which sets
 * `window.RWS` from the built `dist/browser/resilient-ws.min.js`), and record everything it says.
 *
 * Options cross into the page as JSON, so function-valued options are described by data:
 * `random: 0.5` becomes `random: () => 0.5` (a fixed jitter draw, for reproducible schedules).
 */
import { onTestFinished } from 'vitest';
import type { Page } from '../chromium';
import type { CloseInfo, ConnectionStatus } from '../../../src/index';

/** JSON-able subset of `ClientOptions`, plus `random` as a constant. */
export interface PageClientOptions {
  url: string;
  protocols?: string | string[];
  autoConnect?: boolean;
  lazy?: boolean | { idleTimeout?: number };
  retry?: boolean | number | Record<string, number | string>;
  closePolicy?: Record<string, 'reconnect' | 'refresh' | 'stop'>;
  connectTimeout?: number;
  closeTimeout?: number;
  heartbeat?: false | Record<string, number | string | boolean>;
  outbox?: false | Record<string, number | string>;
  lifecycle?: false | Record<string, boolean>;
  /** A constant in [0, 1): every jitter draw returns it. */
  random?: number;
}

/** The JSON form of a close, as recorded in the page. */
export type RecordedClose = Pick<CloseInfo, 'code' | 'reason' | 'wasClean' | 'initiatedBy' | 'category' | 'action' | 'message' | 'duringConnect'> & {
  serverMessage?: string;
  retryAfter?: number;
};

/** One thing the client reported, with `performance.now()` in the page. */
export type Rec =
  | { t: number; type: 'status'; status: ConnectionStatus; attempt: number }
  | { t: number; type: 'open'; protocol: string; extensions: string }
  | { t: number; type: 'message'; data: string }
  | { t: number; type: 'close'; close: RecordedClose }
  | { t: number; type: 'reconnecting'; attempt: number; delay: number }
  | { t: number; type: 'error'; name: string; message: string }
  | { t: number; type: 'drop'; reason: string };

/** The JSON form of a snapshot (errors as `{ name, message }`). */
export interface RecordedSnapshot {
  status: ConnectionStatus;
  attempt: number;
  protocol: string;
  extensions: string;
  url: string | null;
  retryDelay: number | null;
  lastClose: RecordedClose | null;
  lastError: { name: string; message: string } | null;
  queued: number;
}

interface PageWindow {
  RWS: typeof import('../../../src/index');
  __interop?: {
    next: number;
    clients: Record<number, { client: import('../../../src/index').Client<unknown, unknown>; recs: Rec[] }>;
  };
}

export interface PageClient {
  readonly id: number;
  /** Everything recorded so far, in order. */
  records(): Promise<Rec[]>;
  snapshot(): Promise<RecordedSnapshot>;
  send(message: string): Promise<string>;
  close(code?: number, reason?: string): Promise<void>;
  connect(): Promise<void>;
  /**
   * Poll until `predicate(records)` is truthy and not an empty array; returns its value. Bounded;
   * the error shows the records.
   */
  until<T>(what: string, predicate: (recs: Rec[]) => T | undefined | false | null, timeout?: number): Promise<T>;
  /** Page-side `performance.now()`. */
  now(): Promise<number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Compact one-line-per-record dump for failure messages. */
export function describeRecords(recs: readonly Rec[], last = 40): string {
  return recs
    .slice(-last)
    .map((r) => {
      const { t, type, ...rest } = r;
      return `  ${t.toFixed(0).padStart(7)} ${type} ${JSON.stringify(rest)}`;
    })
    .join('\n');
}

/**
 * Create a client in the page with `createClient(options)` and start recording its events.
 * `dispose()` is registered with `onTestFinished`.
 */
export async function startPageClient(page: Page, options: PageClientOptions): Promise<PageClient> {
  const id = await page.evaluate((opts) => {
    const w = window as unknown as PageWindow;
    w.__interop ??= { next: 1, clients: {} };
    const state = w.__interop;
    const { random, ...rest } = opts;
    const full: Record<string, unknown> = { ...rest };
    if (typeof random === 'number') full.random = () => random;
    const client = w.RWS.createClient(full as unknown as import('../../../src/index').ClientOptions);
    const recs: Rec[] = [];
    const now = () => performance.now();
    const closeJson = (c: import('../../../src/index').CloseInfo): RecordedClose => ({
      code: c.code,
      reason: c.reason,
      wasClean: c.wasClean,
      initiatedBy: c.initiatedBy,
      category: c.category,
      action: c.action,
      message: c.message,
      duringConnect: c.duringConnect,
      ...(c.serverMessage === undefined ? {} : { serverMessage: c.serverMessage }),
      ...(c.retryAfter === undefined ? {} : { retryAfter: c.retryAfter }),
    });
    client.on('status', (s) => recs.push({ t: now(), type: 'status', status: s.status, attempt: s.attempt }));
    client.on('open', (e) => recs.push({ t: now(), type: 'open', protocol: e.protocol, extensions: e.extensions }));
    client.on('message', (m) => recs.push({ t: now(), type: 'message', data: typeof m === 'string' ? m : `[${Object.prototype.toString.call(m)}]` }));
    client.on('close', (c) => recs.push({ t: now(), type: 'close', close: closeJson(c) }));
    client.on('reconnecting', (e) => recs.push({ t: now(), type: 'reconnecting', attempt: e.attempt, delay: e.delay }));
    client.on('error', (e) => recs.push({ t: now(), type: 'error', name: e.name, message: e.message }));
    client.on('drop', (e) => recs.push({ t: now(), type: 'drop', reason: e.reason }));
    const cid = state.next++;
    state.clients[cid] = { client, recs };
    return cid;
  }, options);

  // Every call is its own page.evaluate: functions cross over CDP (no eval in the page, whose CSP forbids it).
  type Win = PageWindow;
  const client: PageClient = {
    id,
    records: () => page.evaluate((cid) => (window as unknown as Win).__interop!.clients[cid]!.recs, id),
    snapshot: () =>
      page.evaluate((cid) => {
        const s = (window as unknown as Win).__interop!.clients[cid]!.client.getSnapshot();
        const err = s.lastError;
        const c = s.lastClose;
        return {
          status: s.status,
          attempt: s.attempt,
          protocol: s.protocol,
          extensions: s.extensions,
          url: s.url,
          retryDelay: s.retryDelay,
          lastClose: c && {
            code: c.code,
            reason: c.reason,
            wasClean: c.wasClean,
            initiatedBy: c.initiatedBy,
            category: c.category,
            action: c.action,
            message: c.message,
            duringConnect: c.duringConnect,
          },
          lastError: err && { name: err.name, message: err.message },
          queued: s.queued,
        };
      }, id),
    send: (message) => page.evaluate(([cid, m]) => (window as unknown as Win).__interop!.clients[cid]!.client.send(m), [id, message] as const),
    close: (code, reason) =>
      page.evaluate(([cid, c, r]) => (window as unknown as Win).__interop!.clients[cid]!.client.close(c ?? undefined, r ?? undefined), [id, code ?? null, reason ?? null] as const),
    connect: () => page.evaluate((cid) => (window as unknown as Win).__interop!.clients[cid]!.client.connect(), id),
    now: () => page.evaluate(() => performance.now()),
    async until(what, predicate, timeout = 10_000) {
      const deadline = Date.now() + timeout;
      let recs: Rec[] = [];
      for (;;) {
        recs = await client.records();
        const value = predicate(recs);
        if (value && !(Array.isArray(value) && value.length === 0)) return value as NonNullable<typeof value>;
        if (Date.now() > deadline) {
          throw new Error(`page client #${id}: ${what} did not happen within ${timeout} ms. Records:\n${describeRecords(recs)}`);
        }
        await sleep(50);
      }
    },
  };

  onTestFinished(async () => {
    await page.evaluate((cid) => (window as unknown as Win).__interop?.clients[cid]?.client.dispose(), id).catch(() => undefined);
  });
  return client;
}

/** Narrowing helpers for records. */
export const closes = (recs: readonly Rec[]) => recs.flatMap((r) => (r.type === 'close' ? [r] : []));
export const opens = (recs: readonly Rec[]) => recs.flatMap((r) => (r.type === 'open' ? [r] : []));
export const messages = (recs: readonly Rec[]) => recs.flatMap((r) => (r.type === 'message' ? [r] : []));
export const retries = (recs: readonly Rec[]) => recs.flatMap((r) => (r.type === 'reconnecting' ? [r] : []));
export const errors = (recs: readonly Rec[]) => recs.flatMap((r) => (r.type === 'error' ? [r] : []));
export const statuses = (recs: readonly Rec[]) => recs.flatMap((r) => (r.type === 'status' ? [r] : []));

/** What the browser's own `WebSocket` reported, with no library in between. */
export interface RawSocketReport {
  events: string[];
  protocol: string;
  close: { code: number; reason: string; wasClean: boolean } | null;
}

interface RawWindow {
  __interopRaw?: Record<number, RawSocketReport>;
  __interopRawNext?: number;
}

/**
 * Open a plain `new WebSocket(url, protocols)` in the page and record open/error/close (sending
 * `sendOnOpen` once open). Returns a function that reads the report so far.
 */
export async function openRawSocket(
  page: Page,
  url: string,
  { protocols, sendOnOpen }: { protocols?: string[]; sendOnOpen?: string } = {},
): Promise<() => Promise<RawSocketReport>> {
  const rid = await page.evaluate(
    ([u, p, m]) => {
      const w = window as unknown as RawWindow;
      w.__interopRaw ??= {};
      const rid = (w.__interopRawNext = (w.__interopRawNext ?? 0) + 1);
      const report: RawSocketReport = { events: [], protocol: '', close: null };
      w.__interopRaw[rid] = report;
      const ws = p ? new WebSocket(u, p) : new WebSocket(u);
      ws.onopen = () => {
        report.events.push('open');
        report.protocol = ws.protocol;
        if (m !== null) ws.send(m);
      };
      ws.onerror = () => report.events.push('error');
      ws.onmessage = () => undefined;
      ws.onclose = (e) => {
        report.events.push('close');
        report.close = { code: e.code, reason: e.reason, wasClean: e.wasClean };
      };
      return rid;
    },
    [url, protocols ?? null, sendOnOpen ?? null] as const,
  );
  return () => page.evaluate((n) => (window as unknown as RawWindow).__interopRaw![n]!, rid);
}
