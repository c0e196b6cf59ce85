import type { Client, SendOptions, SendResult } from './api.js';
import { createBus, createTimers, type Bus } from './bus.js';
import { textCodec, type Codec, type RawMessage, type WireData } from './codec.js';
import { fail, isResilientWsError, type ResilientWsError } from './errors.js';
import type { Feature, FeatureContext, FeatureHooks, OwnedTimer } from './feature.js';
import { reportOf } from './report.js';
import { deadlineOf, initialState, sockOf, transition, type Effect, type Input, type MachineConfig, type State } from './machine.js';
import type { Clock, Logger, Provider } from './options.js';
import { initialSnapshot, transition as snapshot } from './state.js';
import type { Link, Transport } from './transport.js';
import { checkNumber, maskCause, normalizeProtocols, normalizeUrl, validateClose } from './validate.js';

/**
 * The effect runner: the only place with mutable state. Every input goes through `dispatch`,
 * which runs one step at a time: the pure transition settles the new state, the engine commits
 * it, then runs the effects (sockets first, then the timer, the features, the subscribers, the
 * events, and last the `status` event). A call made from a handler while a step runs is queued
 * behind it, so handlers always see a settled client and can call any method.
 */

/** Resolved settings of the engine (see `ClientOptions` for each). */
export interface EngineConfig<Incoming, Outgoing> {
  readonly url: Provider<string | URL>;
  readonly protocols: Provider<string | string[] | undefined>;
  readonly transport: Transport;
  readonly codec: Codec<Incoming, Outgoing>;
  readonly machine: Pick<MachineConfig, 'retry' | 'connectTimeout' | 'closeTimeout' | 'authCodes' | 'messages'>;
  readonly policy: MachineConfig['policy'];
  readonly autoConnect: boolean;
  readonly clock: Clock;
  readonly defaultClock: boolean;
  readonly random: () => number;
  readonly logger: Logger | undefined;
  readonly mask: (url: string) => string;
}

/** A socket's events' `timeStamp`s are taken to share `performance.now()`'s origin when its open event's is this close to it. */
const STAMP_SKEW_MS = 1000;

/** The runner's shared record: what the API and the feature context read. */
interface Run {
  state: State;
  link: Link | null;
  /** Set by `dispose()`: methods throw from here on, but `drop` events still go out. */
  disposing: boolean;
  disposed: boolean;
  hooks: FeatureHooks[];
  /** The features' `observe` hooks, with their names; `threw`: left out from then on. */
  observers: { name: string; see: NonNullable<FeatureHooks['observe']>; threw?: true }[];
  cfg: MachineConfig;
  /** Id of the socket `link` is (0: none). */
  linkId: number;
  /** The unmasked URL of the latest socket (features' `socketUrl()`). */
  href: string | null;
  /** Inputs waiting for the current step to finish. */
  readonly queue: Input[];
  dispatch(input: Input): void;
  /** Stop listening to the current socket and close it. */
  drop(code?: number, reason?: string): void;
  /** Re-arm the engine timer for the state's earliest deadline. */
  arm(): void;
  /** A validated random draw. */
  draw(): number;
  /** Deliver an event (never `message` or `status`) to the features' `observe` hooks, then the app's handlers. */
  tell(name: string, payload: unknown): void;
  /** Show an event or input to the features' `observe` hooks; a hook that throws is reported, never rethrown. */
  observe(name: string, payload: unknown): void;
}

export function createEngine<Incoming = RawMessage, Outgoing = unknown>(
  o: EngineConfig<Incoming, Outgoing>,
  features: readonly Feature<Incoming, Outgoing>[] = [],
): Client<Incoming, Outgoing> {
  const bus = createBus(o.logger);
  // The engine's own timer is one of these too: clamped, and cancelled with the features' ones.
  const timers = createTimers(o.clock, () => !run.disposed);
  const run = createRunner(o, bus, timers.timer);
  let messageHandlers = 0;
  const ctx: FeatureContext<Incoming, Outgoing> = {
    clock: o.clock,
    codec: o.codec,
    state: () => run.state,
    snapshot: () => run.state.snap,
    dispatch: run.dispatch,
    link: () => run.link,
    socketUrl: () => run.href,
    sendFrame(data) {
      if (!run.link?.writable) return false;
      try {
        run.link.send(data);
        return true;
      } catch {
        return false;
      }
    },
    emit: run.tell,
    report: (error, inSnapshot = true) => run.dispatch({ type: 'report', error, inSnapshot }),
    timer: timers.timer,
    users: () => bus.subscribers + messageHandlers,
    guard: (what, fn, fallback) => guard(run, what, fn, fallback),
  };
  let refresh: { timeout: number; max: number } | undefined;
  let lazy = false;
  const reducers: NonNullable<FeatureHooks['reduce']>[] = [];
  for (const f of features) {
    const h = f.attach(ctx) as FeatureHooks;
    run.hooks.push(h);
    if (h.observe) run.observers.push({ name: f.name, see: h.observe });
    if (h.reduce) reducers.push(h.reduce);
    refresh ??= h.provides?.refresh;
    lazy ||= !!h.provides?.lazy;
    if (h.provides?.online === false) run.state = { ...run.state, snap: { ...run.state.snap, online: false } };
  }
  run.cfg = {
    ...o.machine,
    policy: (close) => guard(run, 'closePolicy', () => o.policy(close), undefined),
    canRefresh: !!refresh,
    refreshTimeout: refresh?.timeout ?? 0,
    maxRefreshes: refresh?.max ?? 0,
    lazy,
    reducers,
  };
  const client = createApi(o, run, bus, ctx, {
    cancelTimers: timers.cancelAll,
    usersChanged: (delta) => (messageHandlers += delta),
  });
  if (o.autoConnect) client.connect();
  bus.release();
  return client;
}

/** Call an app callback; a throw becomes an `error` event (never rethrown). */
function guard<T>(run: Run, what: string, fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch (cause) {
    run.dispatch({ type: 'report', error: isResilientWsError(cause) ? cause : fail('InvalidOptionError', `${what} threw.`, { cause }), inSnapshot: false });
    return fallback;
  }
}

function createRunner<Incoming, Outgoing>(o: EngineConfig<Incoming, Outgoing>, bus: Bus, timer: (callback: () => void) => OwnedTimer): Run {
  let busy = false;
  let timerAt = Infinity;
  const tick = timer(() => {
    timerAt = Infinity;
    run.dispatch({ type: 'tick' });
    run.arm();
  });
  let randomReported = false;
  const run: Run = {
    state: initialState(initialSnapshot(true)),
    link: null,
    linkId: 0,
    href: null,
    queue: [],
    disposing: false,
    disposed: false,
    hooks: [],
    observers: [],
    cfg: undefined as unknown as MachineConfig,
    dispatch(input) {
      if (run.disposed) return;
      run.queue.push(input);
      if (busy) return;
      busy = true;
      try {
        for (let next = run.queue.shift(); next && !run.disposed; next = run.queue.shift()) step(o, bus, run, next);
      } finally {
        busy = false;
        run.queue.length = 0;
      }
    },
    drop(code, reason) {
      const l = run.link;
      run.link = null;
      run.linkId = 0;
      l?.end(code, reason, true);
    },
    arm() {
      const at = deadlineOf(run.state);
      if (at === timerAt) return;
      timerAt = at;
      tick.at(at);
    },
    tell(name, payload) {
      run.observe(name, payload);
      bus.deliver(name, payload);
    },
    observe(name, payload) {
      // A hook that throws is left out before it is reported: the report is an event it would observe (at once, outside a step).
      const see = (w: Run['observers'][number]) => () => {
        try {
          w.see(name, payload);
        } catch (cause) {
          w.threw = true;
          throw cause;
        }
      };
      for (const w of run.observers) if (!w.threw) guard(run, `The ${w.name} feature's observe hook`, see(w), undefined);
    },
    draw() {
      let r: unknown;
      try {
        r = o.random();
      } catch {
        r = NaN;
      }
      if (typeof r === 'number' && r >= 0 && r < 1) return r;
      if (!randomReported) {
        randomReported = true;
        const error = fail('InvalidOptionError', `random() must return a number in [0, 1); got ${String(r)}. Clamped into range.`);
        run.dispatch({ type: 'report', error, inSnapshot: false });
      }
      return typeof r === 'number' && r >= 1 ? 1 - Number.EPSILON : 0;
    },
  };
  return run;
}

/** One input: the transition, the commit, then the effects in their fixed order. */
function step<Incoming, Outgoing>(o: EngineConfig<Incoming, Outgoing>, bus: Bus, run: Run, input: Input): void {
  if (input.type === 'providers') {
    const p = run.state.phase;
    if (p.t === 'connecting' && !p.sock && run.state.attempt === input.attempt) callProviders(o, input.attempt, run);
    return;
  }
  if (input.type === 'signal' || input.type === 'notice') run.observe(input.type, input);
  const prev = run.state;
  const { state: next, effects } = transition(prev, input, { now: o.clock.now(), wall: o.clock.wallNow(), cfg: run.cfg, random: run.draw });
  // App code the transition calls (closePolicy, random, message functions) may have disposed.
  if (run.disposed) return;
  run.state = next;
  for (const e of effects) if (e.type === 'open' || e.type === 'end') io(o, bus, run, e);
  // A link the state no longer refers to is done with: stop listening to it.
  if (run.link && sockOf(next.phase) !== run.linkId) run.drop();
  run.arm();
  for (const h of run.hooks) if (h.changed && !run.disposed) h.changed(next, prev);
  if (next.snap !== prev.snap) bus.notify();
  // The events that explain a change (close, reconnecting, error…) come first, then `status`.
  let resolving = 0;
  for (const e of effects) {
    if (run.disposed) return;
    if (e.type === 'emit') run.tell(e.name, e.payload);
    else if (e.type === 'log') bus.log(e.level, e.message, e.data);
    else if (e.type === 'resolve') resolving = e.attempt;
    else if (e.type === 'notify') for (const h of run.hooks) h.notify?.(e.name);
  }
  if (next.snap.status !== prev.snap.status && !run.disposed) {
    bus.log('debug', `status ${prev.snap.status} → ${next.snap.status}`, { url: next.snap.url, attempt: next.snap.attempt });
    bus.deliver('status', next.snap);
  }
  // The providers are app code too: called after whatever the handlers asked for, and only if
  // the attempt is still the current one.
  if (resolving) run.queue.push({ type: 'providers', attempt: resolving });
}

/** The socket effects: end the current link, or open a new one (never two at once). */
function io<Incoming, Outgoing>(o: EngineConfig<Incoming, Outgoing>, bus: Bus, run: Run, e: Extract<Effect, { type: 'open' | 'end' }>): void {
  if (e.type === 'end') {
    if (e.sock !== run.linkId || !run.link) return;
    if (e.detach) run.drop(e.code, e.reason);
    else run.link.end(e.code, e.reason, false);
    return;
  }
  if (run.link) run.drop();
  const sock = e.sock;
  const live = () => sock === run.linkId && !run.disposed;
  run.href = e.url;
  let stamped = false; // this socket's event timeStamps can stand in for clock.now()
  const frame = frameReader(o, run, bus);
  try {
    run.link = o.transport.connect(e.url, e.protocols, {
      open(protocol, extensions, stamp) {
        if (!live()) return;
        // With the default clock, a frame's arrival time is its event's timeStamp (same origin
        // as performance.now() in browsers and Node), checked once per socket against the clock.
        stamped = o.defaultClock && typeof stamp === 'number' && Math.abs(stamp - o.clock.now()) < STAMP_SKEW_MS;
        run.dispatch({ type: 'opened', sock, protocol, extensions });
      },
      frame: (data, event) => live() && frame(data, stamped ? event : undefined),
      error: () => live() && run.dispatch({ type: 'errored', sock }),
      close: (code, reason, wasClean) => live() && run.dispatch({ type: 'closed', sock, code, reason, wasClean }),
    });
    run.linkId = sock;
  } catch (cause) {
    const name = (cause as Error)?.name ?? 'Error';
    const error = fail('ConfigurationError', `The browser refused to open ${run.state.snap.url} (${name}); this will not be retried.`, { cause: maskCause(cause) });
    run.dispatch({ type: 'misconfigured', attempt: run.state.attempt, error });
  }
}

/**
 * The receive path, per socket: the features' frame hooks (heartbeat), then decode and deliver.
 * No step, no allocation: an ordinary frame never pays for the effect queue.
 */
function frameReader<Incoming, Outgoing>(o: EngineConfig<Incoming, Outgoing>, run: Run, bus: Bus) {
  const hooks = run.hooks.filter((h) => h.frame).map((h) => h.frame!);
  const [a, b] = hooks;
  // The common sets (heartbeat, close notice) are called directly: this runs per frame.
  const hook =
    hooks.length > 2 ? (d: RawMessage, e?: { timeStamp?: number }) => hooks.some((h) => h(d, e)) : b ? (d: RawMessage, e?: { timeStamp?: number }) => a!(d, e) || b(d, e) : a ?? null;
  const plain = o.codec === (textCodec as unknown);
  return (data: RawMessage, event: { readonly timeStamp?: number } | undefined): void => {
    if (hook && hook(data, event)) return;
    let decoded: unknown;
    try {
      decoded = plain ? data : o.codec.decode(data);
    } catch (cause) {
      const error = fail('DecodeError', 'A received message could not be decoded; the connection stays open.', { cause, data });
      return run.dispatch({ type: 'report', error, inSnapshot: false });
    }
    bus.deliver('message', decoded);
  };
}

/** Call the url/protocols providers of an attempt; their results (or failure) come back as inputs. */
function callProviders<Incoming, Outgoing>(o: EngineConfig<Incoming, Outgoing>, attempt: number, run: Run): void {
  const settle = (url: unknown, protocols: unknown) => {
    if (attempt !== run.state.attempt) return;
    let href: string;
    let list: string[];
    try {
      href = normalizeUrl(url as string | URL);
      list = normalizeProtocols(protocols as string[]);
    } catch (error) {
      return run.dispatch({ type: 'misconfigured', attempt, error: error as ResilientWsError });
    }
    run.dispatch({ type: 'resolved', attempt, url: href, masked: o.mask(href), protocols: list });
  };
  const failed = (cause: unknown) => run.dispatch({ type: 'provider-failed', attempt, cause: maskCause(cause) });
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

/** The public methods, over the runner. */
function createApi<Incoming, Outgoing>(
  o: EngineConfig<Incoming, Outgoing>,
  run: Run,
  bus: Bus,
  ctx: FeatureContext<Incoming, Outgoing>,
  own: { cancelTimers(): void; usersChanged(delta: number): void },
): Client<Incoming, Outgoing> {
  const sender = run.hooks.find((h) => h.send) as FeatureHooks<Outgoing> | undefined;
  const usageHooks = run.hooks.filter((h) => h.usage);
  const usage = () => usageHooks.forEach((h) => !run.disposed && h.usage!());
  const alive = (method: string) => {
    if (run.disposing) throw fail('DisposedError', `${method}() was called after dispose(); create a new client instead.`);
  };
  const encode = (message: Outgoing): WireData => {
    try {
      return o.codec.encode(message);
    } catch (cause) {
      throw isResilientWsError(cause, 'EncodeError') ? cause : fail('EncodeError', 'The codec could not encode the message.', { cause, data: message });
    }
  };
  return {
    connect() {
      alive('connect');
      run.dispatch({ type: 'connect' });
    },
    close(code, reason) {
      alive('close');
      validateClose(code, reason);
      run.dispatch({ type: 'close', code, reason });
    },
    reconnect() {
      alive('reconnect');
      run.dispatch({ type: 'reconnect' });
    },
    send(message: Outgoing, options?: SendOptions): SendResult {
      alive('send');
      const ttl = options?.ttl === undefined ? undefined : checkNumber('send() ttl', options.ttl, true);
      const data = encode(message);
      alive('send'); // the codec may have disposed the client: nothing to queue into any more
      let result: SendResult;
      if (sender) result = sender.send!(message, data, ttl);
      else if (run.state.snap.status === 'open' && ctx.sendFrame(data)) result = 'sent';
      else {
        run.tell('drop', { message, reason: 'disabled' });
        result = 'rejected';
      }
      usage();
      return result;
    },
    subscribe(listener) {
      if (run.disposing) return () => {};
      const off = bus.subscribe(listener);
      usage();
      return () => void (off() && usage());
    },
    getSnapshot: () => run.state.snap,
    diagnostics: () => run.hooks.find((h) => h.diagnostics)?.diagnostics!() ?? reportOf(run.state.snap, o.clock, null),
    on(type, handler) {
      if (run.disposing) return () => {};
      const off = bus.on(type, handler as (e: unknown) => void);
      const counts = type === 'message';
      if (counts) own.usersChanged(1), usage();
      let on = true;
      return () => {
        if (!on) return;
        on = false;
        off();
        if (counts) own.usersChanged(-1), usage();
      };
    },
    clearOutbox: () => (run.disposing ? [] : sender?.clear?.() ?? []),
    get bufferedAmount() {
      return run.link?.bufferedAmount ?? 0;
    },
    dispose: () => dispose(run, bus, own.cancelTimers),
  };
}

/** Release everything; afterwards nothing fires and every method but `getSnapshot` throws. */
function dispose(run: Run, bus: Bus, cancelTimers: () => void): void {
  if (run.disposing) return;
  run.disposing = true; // `drop` events of the features' dispose still go out
  for (const h of run.hooks) h.dispose?.();
  run.drop(1000, 'dispose');
  run.disposed = true;
  cancelTimers();
  const snap = snapshot(run.state.snap, { type: 'stop', close: null, error: null });
  run.state = { ...run.state, phase: { t: 'closed' }, active: false, snap: { ...snap, queued: 0, queuedBytes: 0, bufferedAmount: 0 } };
  bus.close();
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
