/**
 * Drive resilient-ws clients that live inside a Chromium page (the harness page, which sets
 * `window.RWS` from the built `dist/browser/resilient-ws.min.js`), and record everything they say.
 * Used by the browser tests (`test/browser/`) and the interop tests (`test/interop/`).
 *
 * Options cross into the page as JSON, so function-valued options are described by data:
 * `random: 0.5` becomes `random: () => 0.5` (a fixed jitter draw, for reproducible schedules), and
 * `tokenAuth: true` stands for a URL provider plus a `refresh` that renews the token.
 *
 * Every call is its own `page.evaluate`: functions cross over CDP (no eval in the page, whose CSP
 * forbids it).
 */
import { expect, onTestFinished } from 'vitest';
import { useBrowserPage, type BrowserPage, type BrowserPageOptions, type Page } from './chromium';
import { useEnginePage, type EnginePage, type EnginePageFixture, type EnginePageOptions } from './browsers';
import type { CloseAction, CloseInfo, ClientOptions, ConnectionStatus, SendResult, Snapshot } from '../../src/index';

/** JSON-able client options (`random` as a constant), plus what the recorder itself should do. */
export type PageClientOptions = Omit<
  ClientOptions,
  'url' | 'protocols' | 'closePolicy' | 'random' | 'WebSocket' | 'clock' | 'logger' | 'refresh' | 'codec' | 'messages'
> & {
  url: string;
  protocols?: string | string[];
  closePolicy?: Readonly<Record<string, CloseAction>>;
  /** A constant in [0, 1): every jitter draw returns it. */
  random?: number;
  /**
   * Also record the browser signals the lifecycle handling listens to (`online`, `offline`,
   * `freeze`, `resume`, `visibilitychange`) as `signal` records. The listeners are registered
   * before the client exists, so a signal's record precedes what the client did about it.
   */
  recordSignals?: boolean;
  /**
   * Token auth: the URL becomes a provider returning `${url}?token=${token}` (starting with
   * `old-token`), and `refresh` records the close (a `refresh` record), waits 20 ms like a token
   * endpoint round trip, and sets the token to `new-token`.
   */
  tokenAuth?: boolean;
  /** Default timeout of {@link PageClient.until}, in ms (Node side only); default 10 000. */
  waitTimeout?: number;
};

/** The JSON form of a close, as recorded in the page. */
export type RecordedClose = Pick<CloseInfo, 'code' | 'reason' | 'wasClean' | 'initiatedBy' | 'category' | 'action' | 'message' | 'duringConnect'> & {
  serverMessage?: string;
  retryAfter?: number;
  via?: CloseInfo['via'];
  reported?: CloseInfo['reported'];
  httpStatus?: number;
};

/** One thing the client reported (or, with `recordSignals`, the browser signalled), with `performance.now()` in the page. */
export type Rec =
  | { t: number; type: 'status'; status: ConnectionStatus; attempt: number }
  | { t: number; type: 'open'; url: string; protocol: string; extensions: string }
  | { t: number; type: 'message'; data: string }
  | { t: number; type: 'close'; close: RecordedClose }
  | { t: number; type: 'reconnecting'; attempt: number; delay: number; close: RecordedClose | null }
  | { t: number; type: 'error'; name: string; message: string }
  | { t: number; type: 'drop'; message: string; reason: string }
  | { t: number; type: 'rtt'; rtt: number; smoothedRtt: number }
  | { t: number; type: 'refresh'; close: RecordedClose }
  | { t: number; type: 'signal'; signal: string; onLine: boolean; visibility: string };

/** The JSON form of a snapshot: the last close as recorded, errors as `{ name, message }`. */
export type RecordedSnapshot = Omit<Snapshot, 'lastClose' | 'lastError'> & {
  lastClose: RecordedClose | null;
  lastError: { name: string; message: string } | null;
};

interface PageEntry {
  client: import('../../src/index').Client<unknown, unknown>;
  recs: Rec[];
  /** URL of every WebSocket the client constructed, in order. */
  sockets: string[];
  token: string;
}

interface PageWindow {
  RWS: typeof import('../../src/index');
  __pageClients?: {
    next: number;
    clients: Record<number, PageEntry>;
    closeJson: (c: CloseInfo) => RecordedClose;
  };
}

export interface PageClient {
  readonly id: number;
  /** Everything recorded so far, in order. */
  records(): Promise<Rec[]>;
  snapshot(): Promise<RecordedSnapshot>;
  send(message: string): Promise<SendResult>;
  /** `client.send()` for each message, in one page task; returns what each call said. */
  sendAll(messages: string[]): Promise<SendResult[]>;
  close(code?: number, reason?: string): Promise<void>;
  connect(): Promise<void>;
  /** URL of every WebSocket the client constructed, in order. */
  sockets(): Promise<string[]>;
  /**
   * Poll the records until `predicate` holds (bounded; the error shows the records). A predicate
   * returning `true` resolves with the records; one returning another value resolves with it once
   * it is truthy and not an empty array.
   */
  until(what: string, predicate: (recs: Rec[]) => boolean, timeout?: number): Promise<Rec[]>;
  until<T>(what: string, predicate: (recs: Rec[]) => T | undefined | false | null, timeout?: number): Promise<T>;
  /** Page-side `performance.now()`. */
  now(): Promise<number>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A page of any engine ({@link EnginePage}), or a Playwright page (Chromium-only tests, interop). */
export type AnyPage = Page | EnginePage;

/** What this module needs of a page: evaluate a function with one JSON-able argument. */
interface Evaluator {
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
}

function evaluator(page: AnyPage): Evaluator {
  if ('engine' in page) return { evaluate: (fn, arg) => page.evaluate(fn, arg) };
  return { evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => never, arg as unknown) };
}

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
 * Create a client in the page with `createClient(options)`, through a WebSocket subclass that
 * records every URL it is constructed with, and start recording its events. `dispose()` is
 * registered with `onTestFinished`.
 */
export async function startPageClient(target: AnyPage, options: PageClientOptions): Promise<PageClient> {
  const page = evaluator(target);
  const { waitTimeout = 10_000, ...pageOptions } = options;
  const id = await page.evaluate((opts) => {
    const w = window as unknown as PageWindow;
    const state = (w.__pageClients ??= {
      next: 1,
      clients: {},
      closeJson: (c) => ({
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
        // A copy: an object seen twice in one answer does not survive WebDriver BiDi's serialisation.
        ...(c.via === undefined ? {} : { via: c.via, reported: { ...c.reported! } }),
        ...(c.httpStatus === undefined ? {} : { httpStatus: c.httpStatus }),
      }),
    });
    const { closeJson } = state;
    const recs: Rec[] = [];
    const sockets: string[] = [];
    const now = () => performance.now();
    const { random, recordSignals, tokenAuth, url, ...rest } = opts;
    const entry = { recs, sockets, token: 'old-token' } as PageEntry;
    class RecordingWebSocket extends WebSocket {
      constructor(u: string | URL, protocols?: string | string[]) {
        sockets.push(String(u));
        super(u, protocols);
      }
    }
    if (recordSignals) {
      const signal = (name: string) => recs.push({ t: now(), type: 'signal', signal: name, onLine: navigator.onLine, visibility: document.visibilityState });
      for (const name of ['online', 'offline']) window.addEventListener(name, () => signal(name));
      for (const name of ['freeze', 'resume', 'visibilitychange']) document.addEventListener(name, () => signal(name));
    }
    const client = w.RWS.createClient({
      ...(rest as Omit<ClientOptions, 'url'>),
      url: tokenAuth ? () => `${url}?token=${entry.token}` : url,
      WebSocket: RecordingWebSocket,
      ...(tokenAuth
        ? {
            refresh: async (close: CloseInfo) => {
              recs.push({ t: now(), type: 'refresh', close: closeJson(close) });
              await new Promise((r) => setTimeout(r, 20));
              entry.token = 'new-token';
            },
          }
        : {}),
      ...(random === undefined ? {} : { random: () => random }),
    });
    entry.client = client;
    client.on('status', (s) => recs.push({ t: now(), type: 'status', status: s.status, attempt: s.attempt }));
    client.on('open', (e) => recs.push({ t: now(), type: 'open', url: e.url, protocol: e.protocol, extensions: e.extensions }));
    client.on('message', (m) => recs.push({ t: now(), type: 'message', data: typeof m === 'string' ? m : `[${Object.prototype.toString.call(m)}]` }));
    client.on('close', (c) => recs.push({ t: now(), type: 'close', close: closeJson(c) }));
    client.on('reconnecting', (e) => recs.push({ t: now(), type: 'reconnecting', attempt: e.attempt, delay: e.delay, close: e.close && closeJson(e.close) }));
    client.on('error', (e) => recs.push({ t: now(), type: 'error', name: e.name, message: e.message }));
    client.on('drop', (e) => recs.push({ t: now(), type: 'drop', message: String(e.message), reason: e.reason }));
    client.on('rtt', (e) => recs.push({ t: now(), type: 'rtt', rtt: e.rtt, smoothedRtt: e.smoothedRtt }));
    const cid = state.next++;
    state.clients[cid] = entry;
    return cid;
  }, pageOptions);

  type Win = PageWindow;
  const records = () => page.evaluate((cid) => (window as unknown as Win).__pageClients!.clients[cid]!.recs, id);
  async function until(what: string, predicate: (recs: Rec[]) => unknown, timeout = waitTimeout): Promise<unknown> {
    const deadline = Date.now() + timeout;
    for (;;) {
      const recs = await records();
      const value = predicate(recs);
      if (value === true) return recs;
      if (value && !(Array.isArray(value) && value.length === 0)) return value;
      if (Date.now() > deadline) {
        throw new Error(`page client #${id}: ${what} did not happen within ${timeout} ms. Records:\n${describeRecords(recs)}`);
      }
      await sleep(25);
    }
  }

  const client: PageClient = {
    id,
    records,
    snapshot: () =>
      page.evaluate((cid) => {
        const { clients, closeJson } = (window as unknown as Win).__pageClients!;
        const s = clients[cid]!.client.getSnapshot();
        // Errors do not survive structured cloning with their name; send the parts we assert on.
        return {
          ...s,
          lastClose: s.lastClose && closeJson(s.lastClose),
          lastError: s.lastError && { name: s.lastError.name, message: s.lastError.message },
        };
      }, id),
    send: (message) => page.evaluate(([cid, m]) => (window as unknown as Win).__pageClients!.clients[cid]!.client.send(m), [id, message] as const),
    sendAll: (messages) =>
      page.evaluate(([cid, list]) => list.map((m) => (window as unknown as Win).__pageClients!.clients[cid]!.client.send(m)), [id, messages] as const),
    close: (code, reason) =>
      page.evaluate(
        ([cid, c, r]) => (window as unknown as Win).__pageClients!.clients[cid]!.client.close(c ?? undefined, r ?? undefined),
        [id, code ?? null, reason ?? null] as const,
      ),
    connect: () => page.evaluate((cid) => (window as unknown as Win).__pageClients!.clients[cid]!.client.connect(), id),
    sockets: () => page.evaluate((cid) => (window as unknown as Win).__pageClients!.clients[cid]!.sockets, id),
    now: () => page.evaluate(() => performance.now(), undefined),
    until: until as PageClient['until'],
  };

  onTestFinished(async () => {
    await page.evaluate((cid) => (window as unknown as Win).__pageClients?.clients[cid]?.client.dispose(), id).catch(() => undefined);
  });
  return client;
}

/**
 * {@link useBrowserPage}, and the test fails if the page threw an uncaught error: a library error
 * thrown inside a page task would otherwise pass unnoticed.
 */
export async function useCheckedPage(options: BrowserPageOptions): Promise<BrowserPage> {
  const fixture = await useBrowserPage(options);
  onTestFinished(() => {
    expect(fixture.pageErrors).toEqual([]);
  });
  return fixture;
}

/**
 * {@link useEnginePage} for the engine of this test process, and the test fails if the page threw
 * an uncaught error (read at the end of the test).
 */
export async function useCheckedEnginePage(options: EnginePageOptions = {}): Promise<EnginePageFixture> {
  const fixture = await useEnginePage(options);
  onTestFinished(async () => {
    expect(await fixture.page.pageErrors()).toEqual([]);
  });
  return fixture;
}

type Of<K extends Rec['type']> = Extract<Rec, { type: K }>;
/** The records of one type, narrowed. */
export const of = <K extends Rec['type']>(recs: readonly Rec[], type: K): Of<K>[] => recs.filter((r): r is Of<K> => r.type === type);
export const closes = (recs: readonly Rec[]) => of(recs, 'close');
export const opens = (recs: readonly Rec[]) => of(recs, 'open');
export const messages = (recs: readonly Rec[]) => of(recs, 'message');
export const retries = (recs: readonly Rec[]) => of(recs, 'reconnecting');
export const errors = (recs: readonly Rec[]) => of(recs, 'error');
export const statuses = (recs: readonly Rec[]) => of(recs, 'status');

/** Predicate for {@link PageClient.until}: at least `n` opens so far. */
export const opened = (n: number) => (recs: readonly Rec[]) => opens(recs).length >= n;
/** Predicate for {@link PageClient.until}: the last status reported is `status`. */
export const statusIs = (status: ConnectionStatus) => (recs: readonly Rec[]) => statuses(recs).at(-1)?.status === status;

/** What the browser's own `WebSocket` reported, with no library in between. */
export interface RawSocketReport {
  events: string[];
  protocol: string;
  close: { code: number; reason: string; wasClean: boolean } | null;
}

interface RawWindow {
  __rawSockets?: Record<number, RawSocketReport>;
  __rawSocketsNext?: number;
}

/**
 * Open a plain `new WebSocket(url, protocols)` in the page and record open/error/close (sending
 * `sendOnOpen` once open). Returns a function that reads the report so far.
 */
export async function openRawSocket(
  target: AnyPage,
  url: string,
  { protocols, sendOnOpen }: { protocols?: string[]; sendOnOpen?: string } = {},
): Promise<() => Promise<RawSocketReport>> {
  const page = evaluator(target);
  const rid = await page.evaluate(
    ([u, p, m]) => {
      const w = window as unknown as RawWindow;
      w.__rawSockets ??= {};
      const rid = (w.__rawSocketsNext = (w.__rawSocketsNext ?? 0) + 1);
      const report: RawSocketReport = { events: [], protocol: '', close: null };
      w.__rawSockets[rid] = report;
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
  return () => page.evaluate((n) => (window as unknown as RawWindow).__rawSockets![n]!, rid);
}

/** ~10 s before any retry: only a lifecycle handler can reconnect sooner (lifecycle tests). */
export const SLOW_RETRY = { initialDelay: 10_000, maxDelay: 10_000, minUptime: 300 };
export const SLOW_RANDOM = 0.999;
/** Long enough to wait for a lifecycle reconnect, shorter than the ~10 s backoff. */
export const PROMPT_WAIT_MS = 8000;

/**
 * A client in the page that also records the browser signals it hears; its waits give up after
 * 5 s unless a test says otherwise.
 */
export const startSignalClient = (page: AnyPage, options: PageClientOptions) => startPageClient(page, { waitTimeout: 5000, recordSignals: true, ...options });

/** The first record of the browser signal `name`. */
export const signalAt = (log: readonly Rec[], name: string) => of(log, 'signal').find((r) => r.signal === name);

/**
 * For the lifecycle tests: a client whose backoff is ~10 s, its heartbeat allowing `grace` ms, open
 * and stable (the attempt counter is back to 0).
 */
export async function startStableClient(page: AnyPage, url: string, { grace }: { grace: number }) {
  const client = await startSignalClient(page, {
    url,
    retry: SLOW_RETRY,
    random: SLOW_RANDOM,
    heartbeat: { interval: 1000, timeout: 1000, grace },
    closeTimeout: 500,
  });
  await client.until('open', opened(1));
  await sleep(SLOW_RETRY.minUptime + 100); // stable: the attempt counter is back to 0
  return client;
}
