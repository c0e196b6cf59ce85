import mitt from 'mitt';
import { MAX_DELAY } from './backoff.js';
import { textCodec, type Codec, type RawMessage, type WireData } from './codec.js';
import { fail, isResilientWsError, type ResilientWsError } from './errors.js';
import type { Feature, FeatureContext, FeatureHooks, OwnedTimer } from './feature.js';
import { deadlineOf, initialState, sockOf, transition, type Ctx, type Effect, type Input, type MachineConfig, type State } from './machine.js';
import type { Clock, Logger, Provider } from './options.js';
import { initialSnapshot, transition as snapshot, type CloseInfo, type Snapshot } from './state.js';
import type { Link, Transport } from './transport.js';
import { checkNumber, normalizeProtocols, normalizeUrl, maskUrl, validateClose } from './validate.js';
import type { Client, ClientEvents, SendOptions, SendResult } from './api.js';

/**
 * The effect runner: the only place with mutable state. Every input goes through `dispatch`,
 * which runs one step at a time: the pure transition settles the new state, the engine commits
 * it, then runs the effects (sockets first, then the timer, the features, the subscribers and
 * the events). A call made from a handler while a step runs is queued behind it, so handlers
 * always see a settled client and can call any method.
 */

/** Resolved settings of the engine (see `ClientOptions` for each). */
export interface EngineConfig<Incoming, Outgoing> {
  readonly url: Provider<string | URL>;
  readonly protocols: Provider<string | string[] | undefined>;
  readonly transport: Transport;
  readonly codec: Codec<Incoming, Outgoing>;
  readonly machine: Omit<MachineConfig, 'canRefresh' | 'lazy' | 'refreshTimeout' | 'maxRefreshes' | 'policy'>;
  readonly policy: MachineConfig['policy'];
  readonly autoConnect: boolean;
  readonly clock: Clock;
  readonly defaultClock: boolean;
  readonly random: () => number;
  readonly logger: Logger | undefined;
  readonly mask: (url: string) => string;
}

type Handlers = Map<string, ((e: unknown) => void)[]>;

export function createEngine<Incoming = RawMessage, Outgoing = unknown>(
  o: EngineConfig<Incoming, Outgoing>,
  features: readonly Feature<Incoming, Outgoing>[] = [],
): Client<Incoming, Outgoing> {
  const { clock, codec } = o;
  const emitter = mitt<ClientEvents<Incoming, Outgoing>>();
  const all = emitter.all as unknown as Handlers;
  const subscribers = new Set<() => void>();
  const owned = new Set<OwnedTimer>();
  let state = initialState(initialSnapshot(true));
  let disposing = false;
  let disposed = false;
  let busy = false;
  const queue: Input[] = [];
  let link: Link | null = null;
  let linkId = 0;
  let timer: unknown;
  let timerAt = Infinity;
  let messageHandlers = 0;
  let randomReported = false;
  // Events raised while createClient() runs (a refused first attempt) are held for a microtask,
  // so handlers attached right after createClient() still hear them.
  let held: (() => void)[] | null = [];

  const log = (level: keyof Logger, message: string, data?: unknown) => {
    if (disposed) return;
    try {
      o.logger?.[level]?.(message, data);
    } catch {
      // a logger that throws cannot be told about it
    }
  };
  const listenerFailed = (err: unknown) => {
    const g = globalThis as { reportError?: (e: unknown) => void };
    // Node has no reportError: rethrowing there would be an uncaughtException per failure.
    if (typeof g.reportError === 'function') g.reportError(err);
    else if (o.logger?.error) log('error', 'A resilient-ws event handler threw.', err);
    else console.error('resilient-ws: an event handler threw', err);
  };
  const deliver = (name: string, payload: unknown) => {
    if (held) return void held.push(() => deliver(name, payload));
    const list = all.get(name);
    if (!list || disposed) return;
    if (list.length === 1) list[0]!(payload);
    else for (const h of list.slice()) if (!disposed) h(payload);
  };
  const guard = <T>(what: string, fn: () => T, fallback: T): T => {
    try {
      return fn();
    } catch (cause) {
      dispatch({ type: 'report', error: isResilientWsError(cause) ? cause : fail('InvalidOptionError', `${what} threw.`, { cause }), inSnapshot: false });
      return fallback;
    }
  };

  // ---- the step ---------------------------------------------------------------------------

  const hooks: FeatureHooks<Outgoing>[] = [];
  let cfg: MachineConfig;
  const ctx = (): Ctx => ({ now: clock.now(), wall: clock.wallNow(), cfg, random: draw, reducers });
  const reducers: NonNullable<FeatureHooks['reduce']>[] = [];

  function dispatch(input: Input): void {
    if (disposed) return;
    queue.push(input);
    if (busy) return;
    busy = true;
    try {
      for (let next = queue.shift(); next && !disposed; next = queue.shift()) step(next);
    } finally {
      busy = false;
      queue.length = 0;
    }
  }

  function step(input: Input): void {
    if (input.type === 'providers') {
      const p = state.phase;
      if (p.t === 'connecting' && !p.sock && state.attempt === input.attempt) resolve(input.attempt);
      return;
    }
    const prev = state;
    const { state: next, effects } = transition(prev, input, ctx());
    state = next;
    for (const e of effects) if (e.type === 'open' || e.type === 'end') io(e);
    // A link the state no longer refers to is done with: stop listening to it.
    if (link && sockOf(next.phase) !== linkId) drop(undefined, undefined);
    arm();
    for (const h of hooks) if (h.changed && !disposed) h.changed(next, prev);
    if (next.snap !== prev.snap) for (const l of [...subscribers]) if (!disposed) l();
    // The events that explain a change (close, reconnecting, error…) come first, then `status`.
    let resolving = 0;
    for (const e of effects) {
      if (disposed) return;
      if (e.type === 'emit') deliver(e.name, e.payload);
      else if (e.type === 'log') log(e.level, e.message, e.data);
      else if (e.type === 'resolve') resolving = e.attempt;
      else if (e.type === 'notify') for (const h of hooks) h.notify?.(e.name);
    }
    if (next.snap.status !== prev.snap.status && !disposed) {
      log('debug', `status ${prev.snap.status} → ${next.snap.status}`, { url: next.snap.url, attempt: next.snap.attempt });
      deliver('status', next.snap);
    }
    // The providers are app code too: called after whatever the handlers asked for, and only if
    // the attempt is still the current one.
    if (resolving) queue.push({ type: 'providers', attempt: resolving });
  }

  function io(e: Extract<Effect, { type: 'open' | 'end' }>): void {
    if (e.type === 'end') {
      if (e.sock !== linkId || !link) return;
      if (e.detach) drop(e.code, e.reason);
      else link.end(e.code, e.reason, false);
      return;
    }
    if (link) drop(undefined, undefined); // never two sockets at once
    const sock = e.sock;
    const live = () => sock === linkId && !disposed;
    try {
      link = o.transport.connect(e.url, e.protocols, {
        open: (protocol, extensions, stamp) => {
          if (!live()) return;
          // With the default clock, a frame's arrival time is its event's timeStamp (same origin
          // as performance.now() in browsers and Node), checked once per socket against the clock.
          stamped = o.defaultClock && typeof stamp === 'number' && Math.abs(stamp - clock.now()) < STAMP_SKEW_MS;
          dispatch({ type: 'opened', sock, protocol, extensions });
        },
        frame: (data, event) => live() && received(data, event),
        error: () => live() && dispatch({ type: 'errored', sock }),
        close: (code, reason, wasClean) => live() && dispatch({ type: 'closed', sock, code, reason, wasClean }),
      });
      linkId = sock;
    } catch (cause) {
      const name = (cause as Error)?.name ?? 'Error';
      const error = fail('ConfigurationError', `The browser refused to open ${state.snap.url} (${name}); this will not be retried.`, {
        cause: sanitize(cause),
      });
      dispatch({ type: 'misconfigured', attempt: state.attempt, error });
    }
  }

  /** The one way to let go of the current socket: detach, then close it (or abort the attempt). */
  function drop(code: number | undefined, reason: string | undefined): void {
    const l = link;
    link = null;
    linkId = 0;
    l?.end(code, reason, true);
  }

  function arm(): void {
    const at = deadlineOf(state);
    if (at === timerAt) return;
    clock.clearTimeout(timer);
    timer = undefined;
    timerAt = at;
    if (at === Infinity || disposed) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      dispatch({ type: 'tick' });
      arm();
    }, clampDelay(at - clock.now()));
  }

  function draw(): number {
    let r: unknown;
    try {
      r = o.random();
    } catch {
      r = NaN;
    }
    if (typeof r === 'number' && r >= 0 && r < 1) return r;
    if (!randomReported) {
      randomReported = true;
      dispatch({ type: 'report', error: fail('InvalidOptionError', `random() must return a number in [0, 1); got ${String(r)}. Clamped into range.`), inSnapshot: false });
    }
    return typeof r === 'number' && r >= 1 ? 1 - Number.EPSILON : 0;
  }

  // ---- connecting --------------------------------------------------------------------------

  function resolve(attempt: number): void {
    const settle = (url: unknown, protocols: unknown) => {
      if (attempt !== state.attempt) return;
      let href: string;
      let list: string[];
      try {
        href = normalizeUrl(url as string | URL);
        list = normalizeProtocols(protocols as string[]);
      } catch (error) {
        return dispatch({ type: 'misconfigured', attempt, error: error as ResilientWsError });
      }
      dispatch({ type: 'resolved', attempt, url: href, masked: o.mask(href), protocols: list });
    };
    const failed = (cause: unknown) => dispatch({ type: 'provider-failed', attempt, cause: sanitize(cause) });
    let url: unknown;
    let protocols: unknown;
    try {
      url = typeof o.url === 'function' ? o.url() : o.url;
      protocols = typeof o.protocols === 'function' ? o.protocols() : o.protocols;
    } catch (cause) {
      return failed(cause);
    }
    if (isThenable(url) || isThenable(protocols)) Promise.all([url, protocols]).then(([u, p]) => settle(u, p), failed);
    else settle(url, protocols);
  }

  // ---- receiving (the hot path: no step, no allocation) --------------------------------------

  let frameHook: FeatureHooks['frame'];
  let stamped = false; // the current socket's event timeStamps can stand in for clock.now()
  const plain = codec === (textCodec as unknown);
  function received(data: RawMessage, event: { readonly timeStamp?: number } | undefined): void {
    if (frameHook && frameHook(data, stamped ? event : undefined)) return;
    let decoded: Incoming;
    try {
      decoded = plain ? (data as Incoming) : codec.decode(data);
    } catch (cause) {
      dispatch({ type: 'report', error: fail('DecodeError', 'A received message could not be decoded; the connection stays open.', { cause, data }), inSnapshot: false });
      return;
    }
    deliver('message', decoded);
  }

  // ---- features ----------------------------------------------------------------------------

  const fctx: FeatureContext<Incoming, Outgoing> = {
    clock,
    codec,
    state: () => state,
    snapshot: () => state.snap,
    dispatch,
    link: () => link,
    sendFrame(data) {
      if (!link?.writable) return false;
      try {
        link.send(data);
        return true;
      } catch {
        return false;
      }
    },
    emit: (name, payload) => deliver(name, payload),
    report: (error, inSnapshot = true) => dispatch({ type: 'report', error, inSnapshot }),
    log,
    timer: ownedTimer,
    users: () => subscribers.size + messageHandlers,
    guard,
  };
  let refresh: { timeout: number; max: number } | undefined;
  let lazy = false;
  for (const f of features) {
    const h = f.attach(fctx);
    hooks.push(h);
    if (h.reduce) reducers.push(h.reduce);
    if (h.frame) frameHook = frameHook ? chain(frameHook, h.frame) : h.frame;
    refresh ??= h.provides?.refresh;
    lazy ||= !!h.provides?.lazy;
    if (h.provides?.online === false) state = { ...state, snap: { ...state.snap, online: false } };
  }
  cfg = {
    ...o.machine,
    policy: (close) => guard('closePolicy', () => o.policy(close), undefined),
    canRefresh: !!refresh,
    refreshTimeout: refresh?.timeout ?? 0,
    maxRefreshes: refresh?.max ?? 0,
    lazy,
  };
  const sender = hooks.find((h) => h.send);
  const usageHooks = hooks.filter((h) => h.usage);
  const usage = () => {
    for (const h of usageHooks) if (!disposed) h.usage!();
  };

  function ownedTimer(callback: () => void): OwnedTimer {
    let handle: unknown;
    let due = Infinity;
    let stepped = false; // the delay was longer than a timer holds: the callback waits for `due`
    const fire = () => {
      handle = undefined;
      if (disposed) return;
      if (stepped) return set(due);
      due = Infinity;
      callback();
    };
    const set = (at: number) => {
      clock.clearTimeout(handle);
      handle = undefined;
      due = at;
      if (at === Infinity || disposed) return;
      const ms = Math.max(0, at - clock.now());
      stepped = ms > MAX_DELAY;
      handle = clock.setTimeout(fire, clampDelay(ms));
    };
    const t: OwnedTimer = {
      at: set,
      in: (ms) => set(clock.now() + ms),
      cancel: () => set(Infinity),
      get pending() {
        return due !== Infinity;
      },
    };
    owned.add(t);
    return t;
  }

  // ---- public API --------------------------------------------------------------------------

  const alive = (method: string) => {
    if (disposing) throw fail('DisposedError', `${method}() was called after dispose(); create a new client instead.`);
  };

  const client: Client<Incoming, Outgoing> = {
    connect() {
      alive('connect');
      dispatch({ type: 'connect' });
    },
    close(code, reason) {
      alive('close');
      validateClose(code, reason);
      dispatch({ type: 'close', code, reason });
    },
    reconnect() {
      alive('reconnect');
      dispatch({ type: 'reconnect' });
    },
    send(message: Outgoing, options?: SendOptions): SendResult {
      alive('send');
      const ttl = options?.ttl === undefined ? undefined : checkNumber('send() ttl', options.ttl, true);
      let data: WireData;
      try {
        data = codec.encode(message);
      } catch (cause) {
        throw isResilientWsError(cause, 'EncodeError') ? cause : fail('EncodeError', 'The codec could not encode the message.', { cause, data: message });
      }
      let result: SendResult;
      if (sender) result = sender.send!(message, data, ttl);
      else if (state.snap.status === 'open' && fctx.sendFrame(data)) result = 'sent';
      else {
        deliver('drop', { message, reason: 'disabled' });
        result = 'rejected';
      }
      usage();
      return result;
    },
    subscribe(listener) {
      if (disposing) return () => {};
      const l = guarded<void>(listener, listenerFailed);
      subscribers.add(l);
      usage();
      return () => {
        if (subscribers.delete(l)) usage();
      };
    },
    getSnapshot: () => state.snap,
    on(type, handler) {
      if (disposing) return () => {};
      const h = guarded(handler as (e: unknown) => void, listenerFailed);
      emitter.on(type, h);
      const counts = type === 'message';
      if (counts) messageHandlers++, usage();
      let on = true;
      return () => {
        if (!on) return;
        on = false;
        emitter.off(type, h);
        if (counts) messageHandlers--, usage();
      };
    },
    clearOutbox: () => (disposing ? [] : sender?.clear?.() ?? []),
    get bufferedAmount() {
      return link?.bufferedAmount ?? 0;
    },
    dispose() {
      if (disposing) return;
      disposing = true; // from here every method throws DisposedError, but `drop` events still go out
      for (const h of hooks) h.dispose?.();
      drop(1000, 'dispose');
      disposed = true;
      clock.clearTimeout(timer);
      for (const t of owned) t.cancel();
      state = { ...state, phase: { t: 'closed' }, active: false, snap: snapshot(state.snap, { type: 'stop', close: null, error: null }) };
      state = { ...state, snap: snapshot(state.snap, { type: 'update', patch: { queued: 0, queuedBytes: 0, bufferedAmount: 0 } }) };
      queue.length = 0;
      all.clear();
      subscribers.clear();
    },
  };

  if (o.autoConnect) client.connect();
  const pending = held;
  held = null;
  if (pending.length) queueMicrotask(() => pending.forEach((f) => f()));
  return client;
}

/** A socket's events' `timeStamp`s are taken to share `performance.now()`'s origin when its open event's is this close to it. */
const STAMP_SKEW_MS = 1000;

/** Longer delays fire at once in browsers and Node: wait in steps of the longest a timer holds. */
const clampDelay = (ms: number): number => (ms > MAX_DELAY ? MAX_DELAY : ms > 0 ? ms : 0);

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

const chain = (a: NonNullable<FeatureHooks['frame']>, b: NonNullable<FeatureHooks['frame']>): NonNullable<FeatureHooks['frame']> => (d, e) => a(d, e) || b(d, e);

function guarded<A>(fn: (arg: A) => void, failed: (err: unknown) => void): (arg: A) => void {
  // One argument, no rest/spread: this wraps every message handler, so it must not allocate.
  return (arg) => {
    try {
      fn(arg);
    } catch (err) {
      failed(err);
    }
  };
}

/**
 * An error from a provider or the platform, without the raw URL some runtimes attach (Node's
 * `TypeError: Invalid URL` keeps it in `input`): causes end up in `lastError` and logs.
 */
function sanitize(cause: unknown): unknown {
  if (!cause || typeof cause !== 'object' || !('input' in cause)) return cause;
  const e = cause as Error & { input?: unknown };
  const copy = new Error(e.message ? maskUrl(String(e.message)) : 'Invalid URL');
  copy.name = e.name;
  return copy;
}

export { maskUrl };
export type { CloseInfo, Snapshot, State };
