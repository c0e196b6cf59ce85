/**
 * The model-based check of issue 13: random sequences of API calls, socket events, timer advances,
 * browser signals and (optionally) re-entrant handlers, run against the public API on a scripted
 * socket and vitest's fake timers, with the client's invariants checked after every step.
 *
 * Used by test/unit/model.test.ts. Each invariant has a name so a run can check a subset
 * (`MODEL_INVARIANTS=one-live-socket,no-event-after-dispose`) to find a minimal counterexample
 * for each; `MODEL_REENTRANT=0` turns the re-entrant handlers off; `MODEL_HOSTILE=0` the
 * throwing app callbacks (logger, message texts).
 */
import fc from 'fast-check';
import { vi } from 'vitest';
import {
  createClient,
  isResilientWsError,
  type Client,
  type ClientEvents,
  type ClientOptions,
  type OverflowPolicy,
  type RawMessage,
  type WebSocketConstructor,
} from '../../src/index';
import { fakeWebSocket, type FakeSocket } from './fake-socket';
import { liveSockets, signals } from './probes';

type Events = ClientEvents<RawMessage, unknown>;
type EventType = keyof Events;
const EVENT_TYPES: readonly EventType[] = ['status', 'open', 'message', 'close', 'reconnecting', 'error', 'rtt', 'drop'];
const CALLS = ['close', 'reconnect', 'connect', 'dispose', 'send'] as const;
type Call = (typeof CALLS)[number];
const SIGNALS = ['online', 'offline', 'visible', 'hidden', 'freeze', 'resume', 'pagehide', 'pageshow'] as const;
// 26980: a reason-only close frame ("id…" read as the code).
const CLOSE_CODES = [1000, 1001, 1006, 1008, 1011, 1012, 1013, 3000, 4000, 4999, 26980] as const;
/** In-band close notices (README "Close notices"): one that stops, one that waits. */
const NOTICES = { notice4001: '{"type":"close","code":4001,"reason":"token expired"}', notice1013: '{"type":"close","code":1013,"reason":"busy","retryAfter":2}' } as const;

/** The invariants, by name. */
export const INVARIANTS = [
  'one-live-socket',
  'no-socket-after-dispose',
  'no-timer-after-dispose',
  'no-event-after-dispose',
  'sends-accounted',
  'order-no-duplicates',
  'no-early-attempt',
  'stop-stays-stopped',
  'snapshot-identity',
  'no-escaping-exception',
] as const;
export type Invariant = (typeof INVARIANTS)[number];

export type Action =
  | { t: 'connect' | 'reconnect' | 'send' | 'dispose' | 'subscribe' | 'unsubscribe' | 'clearOutbox' | 'onMessage' | 'offMessage' }
  | { t: 'close'; code: 1000 | 4000 }
  | { t: 'open' | 'error' | 'failHandshake' | 'drop' | 'echoClose' | 'staleClose' }
  | { t: 'message'; data: 'data' | 'pong' | 'ping' | keyof typeof NOTICES }
  | { t: 'serverClose'; code: (typeof CLOSE_CODES)[number] }
  | { t: 'advance'; ms: number }
  | { t: 'signal'; s: (typeof SIGNALS)[number] }
  | { t: 'arm'; on: EventType | 'subscriber'; call: Call };

export interface Config {
  heartbeat: boolean;
  lazy: boolean;
  maxMessages: number;
  overflow: OverflowPolicy;
  ttl: number;
  random: number;
  /** App callbacks that throw: a logger whose every method throws, a throwing message text. */
  hostile: boolean;
}

const HOSTILE = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.MODEL_HOSTILE !== '0';

const boom = () => {
  throw new Error('hostile app callback');
};

export const configArb: fc.Arbitrary<Config> = fc.record({
  heartbeat: fc.boolean(),
  lazy: fc.boolean(),
  maxMessages: fc.constantFrom(2, 5, 1000),
  overflow: fc.constantFrom<OverflowPolicy>('reject', 'drop-oldest', 'drop-newest'),
  ttl: fc.constantFrom(Infinity, 3000),
  random: fc.constantFrom(0, 0.5, 0.999),
  hostile: HOSTILE ? fc.boolean() : fc.constant(false),
});

export function actionArb(reentrant: boolean): fc.Arbitrary<Action> {
  const api = fc.constantFrom<Action>(
    { t: 'connect' },
    { t: 'reconnect' },
    { t: 'send' },
    { t: 'send' },
    { t: 'dispose' },
    { t: 'subscribe' },
    { t: 'unsubscribe' },
    { t: 'clearOutbox' },
    { t: 'onMessage' },
    { t: 'offMessage' },
    { t: 'close', code: 1000 },
    { t: 'close', code: 4000 },
  );
  const socket = fc.constantFrom<Action>(
    { t: 'open' },
    { t: 'open' },
    { t: 'error' },
    { t: 'failHandshake' },
    { t: 'drop' },
    { t: 'echoClose' },
    { t: 'staleClose' },
    { t: 'message', data: 'data' },
    { t: 'message', data: 'pong' },
    { t: 'message', data: 'ping' },
    { t: 'message', data: 'notice4001' },
    { t: 'message', data: 'notice1013' },
  );
  const serverClose = fc.constantFrom(...CLOSE_CODES).map((code): Action => ({ t: 'serverClose', code }));
  const advance = fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 2000, max: 120_000 })).map((ms): Action => ({ t: 'advance', ms }));
  const signal = fc.constantFrom(...SIGNALS).map((s): Action => ({ t: 'signal', s }));
  const arm = fc
    .record({ on: fc.constantFrom<EventType | 'subscriber'>(...EVENT_TYPES, 'subscriber'), call: fc.constantFrom(...CALLS) })
    .map((r): Action => ({ t: 'arm', ...r }));
  // Socket events and time are what drive the client: weight them up.
  return fc.oneof(
    { arbitrary: api, weight: 4 },
    { arbitrary: socket, weight: 5 },
    { arbitrary: serverClose, weight: 2 },
    { arbitrary: advance, weight: 4 },
    { arbitrary: signal, weight: 1 },
    ...(reentrant ? [{ arbitrary: arm, weight: 2 }] : []),
  );
}

class Violation extends Error {
  constructor(
    readonly invariant: Invariant,
    message: string,
  ) {
    super(`[${invariant}] ${message}`);
  }
}

/**
 * Runs one sequence; throws a {@link Violation} naming the first invariant (of `check`) that
 * fails, with a trace of the steps so far.
 */
export function runModel(cfg: Config, actions: readonly Action[], check: ReadonlySet<Invariant>): void {
  vi.clearAllTimers();
  const fake = fakeWebSocket();
  const sig = signals();
  const trace: string[] = [];
  const constructedAt: number[] = [];
  let stepRevives = false; // connect()/reconnect() was called in this step
  let cut = false;
  // A connect()/reconnect() not yet carried out: a call from a handler runs after the step that
  // raised the event (run to completion), so a `reconnecting` event of that same step does not
  // bind the attempt it will start.
  let revivePending = false;
  let pendingRetryAt: number | null = null;
  const early: string[] = [];
  const escaped: string[] = [];

  const Ctor = class extends (fake.WebSocket as unknown as new (u: string, p?: string | string[]) => FakeSocket) {
    constructor(u: string, p?: string | string[]) {
      super(u, p);
      const now = Date.now();
      constructedAt.push(now);
      if (pendingRetryAt !== null && !cut && now < pendingRetryAt) early.push(`socket ${fake.sockets.length - 1} at +${now - t0} ms, retry scheduled for +${pendingRetryAt - t0} ms`);
      pendingRetryAt = null;
      revivePending = false;
    }
  } as unknown as WebSocketConstructor;

  const t0 = Date.now();
  const opts: ClientOptions = {
    url: 'wss://example.test/model',
    WebSocket: Ctor,
    heartbeat: cfg.heartbeat ? {} : false,
    lazy: cfg.lazy,
    outbox: { maxMessages: cfg.maxMessages, overflow: cfg.overflow, ttl: cfg.ttl },
    lifecycle: { target: sig.target },
    random: () => cfg.random,
    ...(cfg.hostile ? { logger: { debug: boom, info: boom, warn: boom, error: boom }, messages: { network: boom, 'connect-failed': boom } } : {}),
  };

  // ---- bookkeeping of sends ---------------------------------------------------------------
  let nextId = 0;
  const results = new Map<string, string>(); // id → 'sent' | 'queued' | 'rejected'
  const dropped = new Map<string, number>();
  let disposedDone = false;
  let inDispose = false;
  let socketsAtDispose = -1;
  const afterDispose: string[] = [];
  const handlerErrors: string[] = [];

  let client!: Client;
  const doSend = (from: string) => {
    const id = `m${nextId++}`;
    try {
      results.set(id, client.send(id));
    } catch (e) {
      if (!isResilientWsError(e, 'DisposedError')) handlerErrors.push(`${from} send() threw ${String(e)}`);
    }
  };
  const call = (what: Call, from: string) => {
    if (what === 'connect' || what === 'reconnect') {
      cut = true;
      revivePending = true;
      stepRevives = true;
    }
    if (what === 'send' && cfg.lazy) cut = true; // a lazy client connects on send()
    try {
      if (what === 'send') doSend(from);
      else if (what === 'close') client.close();
      else if (what === 'dispose') {
        // dispose() from a `drop` handler while dispose() reports the queued messages is a no-op:
        // those `disposed` drops are part of the outer dispose, which is done only when it returns.
        if (inDispose) return client.dispose();
        inDispose = true;
        try {
          client.dispose();
        } finally {
          inDispose = false;
        }
        markDisposed();
      } else client[what]();
    } catch (e) {
      if (!isResilientWsError(e, 'DisposedError')) handlerErrors.push(`${from} ${what}() threw ${String(e)}`);
    }
  };
  const markDisposed = () => {
    if (disposedDone) return;
    disposedDone = true;
    socketsAtDispose = fake.sockets.length;
  };

  try {
    client = createClient(opts);
  } catch (e) {
    if (check.has('no-escaping-exception')) throw new Violation('no-escaping-exception', `createClient threw ${String(e)}`);
    return; // nothing else can be checked without a client
  }
  const armed: { on: EventType | 'subscriber'; call: Call }[] = [];
  const fireArmed = (on: EventType | 'subscriber') => {
    const i = armed.findIndex((a) => a.on === on);
    if (i < 0) return;
    const [a] = armed.splice(i, 1);
    call(a!.call, `a ${on} handler`);
  };
  for (const type of EVENT_TYPES) {
    if (type === 'message') continue; // a message listener makes a lazy client connect: see onMessage
    // First handler: bookkeeping, then the armed re-entrant call.
    client.on(type, (ev) => {
      if (disposedDone) afterDispose.push(`${type} event after dispose`);
      if (type === 'reconnecting') {
        const r = ev as Events['reconnecting'];
        pendingRetryAt = r.at;
        cut = revivePending;
      }
      if (type === 'status' && ['closed', 'idle'].includes((ev as Events['status']).status)) pendingRetryAt = null; // a stop cancels the wait
      if (type === 'drop') {
        const m = String((ev as Events['drop']).message);
        dropped.set(m, (dropped.get(m) ?? 0) + 1);
      }
      fireArmed(type);
    });
    // Second handler: must not run once the first one disposed the client.
    client.on(type, () => {
      if (disposedDone) afterDispose.push(`${type} event reached a second handler after dispose`);
    });
  }
  let unsubscribe: (() => void) | null = null;
  let offMessage: (() => void) | null = null;

  // ---- invariants ---------------------------------------------------------------------------
  const fail = (inv: Invariant, msg: string) => {
    if (check.has(inv)) throw new Violation(inv, `${msg}\n  after steps:\n    ${trace.join('\n    ')}`);
  };
  const wire = () => fake.sockets.flatMap((s) => s.sent.filter((d): d is string => typeof d === 'string' && d.startsWith('m')));

  let prevStatus = client.getSnapshot().status;
  const verify = () => {
    const live = liveSockets(fake.sockets);
    if (live.length > 1) fail('one-live-socket', `${live.length} sockets neither CLOSED nor closed by the client`);
    if (escaped.length) fail('no-escaping-exception', escaped.join('; '));
    if (handlerErrors.length) fail('no-escaping-exception', handlerErrors.join('; '));
    if (disposedDone) {
      if (fake.sockets.length > socketsAtDispose) fail('no-socket-after-dispose', `${fake.sockets.length - socketsAtDispose} socket(s) constructed after dispose()`);
      if (vi.getTimerCount() > 0) fail('no-timer-after-dispose', `${vi.getTimerCount()} timer(s) pending after dispose()`);
      if (afterDispose.length) fail('no-event-after-dispose', afterDispose.join('; '));
    }
    if (early.length) fail('no-early-attempt', early.join('; '));
    // Every send is sent, queued, or dropped exactly once.
    const onWire = wire();
    const wireCount = new Map<string, number>();
    for (const m of onWire) wireCount.set(m, (wireCount.get(m) ?? 0) + 1);
    let unresolved = 0;
    for (const [id, result] of results) {
      const w = wireCount.get(id) ?? 0;
      const d = dropped.get(id) ?? 0;
      if (w + d > 1) fail('sends-accounted', `${id} (send → ${result}) was sent ${w}× and dropped ${d}×`);
      if (result === 'sent' && w !== 1) fail('sends-accounted', `${id}: send() said sent, on the wire ${w}×`);
      if (result === 'rejected' && d !== 1) fail('sends-accounted', `${id}: send() said rejected, dropped ${d}×`);
      if (result === 'queued' && w + d === 0) unresolved++;
    }
    const queued = client.getSnapshot().queued;
    if (disposedDone && unresolved > 0) fail('sends-accounted', `${unresolved} queued message(s) neither sent nor dropped after dispose()`);
    if (queued !== unresolved) fail('sends-accounted', `snapshot.queued is ${queued}, but ${unresolved} message(s) are queued`);
    // Order kept, no duplicates.
    const ids = onWire.map((m) => Number(m.slice(1)));
    for (let i = 1; i < ids.length; i++) if (ids[i]! <= ids[i - 1]!) fail('order-no-duplicates', `wire order ${onWire.join(',')}`);
    // A stop never reconnects by itself.
    const status = client.getSnapshot().status;
    if (prevStatus === 'closed' && !stepRevives && !disposedDone && status !== 'closed') fail('stop-stays-stopped', `closed → ${status} without connect()/reconnect()`);
    prevStatus = status;
    const a = client.getSnapshot();
    if (a !== client.getSnapshot()) fail('snapshot-identity', 'getSnapshot() returned two objects with nothing in between');
  };

  const guard = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      escaped.push(`${what} threw ${String(e)}`);
    }
  };

  // ---- steps --------------------------------------------------------------------------------
  const api = (fn: () => void, revives = false) => {
    if (revives) {
      cut = true;
      stepRevives = true;
    }
    try {
      fn();
    } catch (e) {
      if (!isResilientWsError(e, 'DisposedError')) handlerErrors.push(`the test's call threw ${String(e)}`);
    }
  };

  for (const [n, act] of actions.entries()) {
    const last = fake.sockets.at(-1);
    stepRevives = false;
    const before = client.getSnapshot().status;
    try {
      step(act, last);
    } catch (e) {
      if (!isResilientWsError(e, 'DisposedError')) handlerErrors.push(`${act.t} threw ${String(e)}`);
    }
    trace.push(`${n}: ${JSON.stringify(act)}  (${before} → ${client.getSnapshot().status}, ${fake.sockets.length} sockets, +${Date.now() - t0} ms)`);
    verify();
  }
  try {
    client.dispose();
  } catch {
    // already disposed
  }
  vi.clearAllTimers();

  function step(act: Action, last: FakeSocket | undefined): void {
    switch (act.t) {
      case 'connect':
        api(() => client.connect(), true);
        break;
      case 'reconnect':
        api(() => client.reconnect(), true);
        break;
      case 'close':
        api(() => client.close(act.code));
        break;
      case 'send':
        if (cfg.lazy) cut = true; // a lazy client connects on send()
        api(() => doSend('the test'));
        break;
      case 'dispose':
        api(() => call('dispose', 'the test'));
        break;
      case 'subscribe':
        if (!unsubscribe) {
          if (cfg.lazy) cut = true;
          unsubscribe = client.subscribe(() => {
            if (disposedDone) afterDispose.push('subscriber called after dispose');
            fireArmed('subscriber');
          });
        }
        break;
      case 'unsubscribe':
        unsubscribe?.();
        unsubscribe = null;
        break;
      case 'onMessage':
        if (!offMessage) {
          if (cfg.lazy) cut = true;
          offMessage = client.on('message', () => {
            if (disposedDone) afterDispose.push('message event after dispose');
            fireArmed('message');
          });
        }
        break;
      case 'offMessage':
        offMessage?.();
        offMessage = null;
        break;
      case 'clearOutbox':
        api(() => void client.clearOutbox());
        break;
      case 'open':
        if (last?.readyState === 0) guard('socket open', () => last.open());
        break;
      case 'message':
        if (last?.readyState === 1) guard('socket message', () => last.receive(act.data in NOTICES ? NOTICES[act.data as keyof typeof NOTICES] : act.data));
        break;
      case 'serverClose':
        if (last && (last.readyState === 1 || last.readyState === 2)) guard('socket close', () => last.serverClose(act.code, '', act.code !== 1006));
        break;
      case 'error':
        if (last?.readyState === 1) guard('socket error', () => last.onerror?.(new Event('error')));
        break;
      case 'failHandshake':
        if (last?.readyState === 0) guard('socket handshake failure', () => last.failHandshake());
        break;
      case 'drop':
        if (last && (last.readyState === 1 || last.readyState === 2)) guard('socket drop', () => last.drop());
        break;
      case 'echoClose':
        if (last?.readyState === 2) guard('socket echoClose', () => last.echoClose());
        break;
      case 'staleClose': {
        const old = fake.sockets.slice(0, -1).find((s) => s.readyState !== 3);
        if (old) guard('stale socket close', () => (old.readyState === 0 ? old.failHandshake() : old.serverClose(1006, '', false)));
        break;
      }
      case 'advance':
        guard('a timer', () => vi.advanceTimersByTime(act.ms));
        break;
      case 'signal':
        if (['online', 'visible', 'resume', 'pageshow'].includes(act.s)) cut = true;
        guard(`the ${act.s} signal`, () => sig[act.s]());
        break;
      case 'arm':
        armed.push({ on: act.on, call: act.call });
        break;
    }
  }
}

/** Which invariants to check, from MODEL_INVARIANTS (comma list; default all). */
export function selectedInvariants(): Set<Invariant> {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.MODEL_INVARIANTS;
  if (!env) return new Set(INVARIANTS);
  return new Set(env.split(',').map((s) => s.trim()).filter((s): s is Invariant => (INVARIANTS as readonly string[]).includes(s)));
}
