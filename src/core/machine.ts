import { MAX_DELAY, retryDelay, type RetrySettings, type ServerHint } from './backoff.js';
import type { CloseAction, CloseCategory } from './close-codes.js';
import { decideClose, type Ending } from './decide.js';
import { fail, type ResilientWsError } from './errors.js';
import { closeMessage, renderMessage, type MessageCatalog, type MessageKey } from './messages.js';
import { isLostClose, rebuildReason, type CloseNotice } from './server-close.js';
import { transition as snapshot, type CloseInfo, type LiveFields, type Snapshot, type StateEvent } from './state.js';

/**
 * The pure half of the engine: `transition(state, input, ctx) → { state, effects }`. Nothing here
 * touches a socket, a timer or an application callback except through the guarded functions in
 * `ctx`; the engine commits the new state, then runs the effects.
 *
 * Every phase is explicit, with the deadline it waits for as a field: the engine keeps one timer
 * armed for the earliest deadline of the state (see {@link deadlineOf}), so no timer can outlive
 * the phase that owns it.
 */

export type { Ending } from './decide.js';

/** Where the engine is. `until` fields are monotonic deadlines (`Infinity`: none). */
export type Phase =
  | { readonly t: 'idle' }
  | { readonly t: 'closed' }
  | { readonly t: 'offline' }
  | { readonly t: 'suspended' }
  /** An attempt: `sock` is 0 while the url/protocols providers run. */
  | { readonly t: 'connecting'; readonly sock: number; readonly until: number }
  /** `stableAt`: when the attempt counter resets (minUptime); `failAt`: give up on a socket that reported `error` but never closed. */
  | { readonly t: 'open'; readonly sock: number; readonly stableAt: number; readonly failAt: number }
  /** Our closing handshake, bounded by closeTimeout. */
  | { readonly t: 'closing'; readonly sock: number; readonly until: number; readonly how: Ending }
  /** Waiting for the next attempt. */
  | { readonly t: 'waiting'; readonly until: number }
  /** The app's `refresh()` runs, bounded. */
  | { readonly t: 'refreshing'; readonly until: number; readonly close: CloseInfo };

/** The whole engine state. Immutable: every change makes a new object. */
export interface State {
  readonly phase: Phase;
  readonly snap: Snapshot;
  /** Consecutive failed attempts since the connection was last stable. */
  readonly failures: number;
  /** Consecutive credential refreshes without a stable connection. */
  readonly refreshes: number;
  /** Id of the latest attempt: provider results for an older one are ignored. */
  readonly attempt: number;
  /** Id of the latest socket: events of an older one are ignored. */
  readonly sock: number;
  /** Browser signals are wanted (from `connect()` until a stop). */
  readonly active: boolean;
  /** The page is frozen: no timer runs until `resume`. */
  readonly frozen: boolean;
  /** After a bfcache restore or a resume, a 1006 of the socket that predates it is not a failure, until this time. */
  readonly quietUntil: number;
  /** The server's in-band close notice on socket `sock`, valid until `until`: what a lost or mangled close that follows meant. */
  readonly told: (CloseNotice & { readonly sock: number; readonly until: number }) | null;
  /** Monotonic time of the first failure since the connection was last stable (`null`: none); the backoff's phase is read from it. Reset with `failures`, and when the client parks offline or suspended (time without attempts is not outage time). */
  readonly outageSince: number | null;
}

/** The signals a feature or the API feeds in. Socket inputs carry the id of the socket they concern. */
export type Input =
  | { readonly type: 'connect' }
  | { readonly type: 'reconnect' }
  | { readonly type: 'close'; readonly code?: number; readonly reason?: string }
  | { readonly type: 'tick' }
  | { readonly type: 'resolved'; readonly attempt: number; readonly url: string; readonly masked: string; readonly protocols: string[] }
  | { readonly type: 'provider-failed'; readonly attempt: number; readonly cause: unknown }
  | { readonly type: 'misconfigured'; readonly attempt: number; readonly error: ResilientWsError }
  | { readonly type: 'opened'; readonly sock: number; readonly protocol: string; readonly extensions: string }
  | { readonly type: 'errored'; readonly sock: number }
  | { readonly type: 'closed'; readonly sock: number; readonly code: number; readonly reason: string; readonly wasClean: boolean }
  /** A feature ends the current link now (heartbeat: dead; lifecycle: page hidden). */
  | { readonly type: 'end'; readonly how: Ending }
  /** A lazy client's idle close (graceful). */
  | { readonly type: 'idle-close' }
  | { readonly type: 'refreshed'; readonly phase: Phase; readonly error?: ResilientWsError }
  | { readonly type: 'patch'; readonly patch: Partial<LiveFields> }
  | { readonly type: 'report'; readonly error: ResilientWsError; readonly inSnapshot: boolean }
  | { readonly type: 'signal'; readonly name: string; readonly persisted?: boolean }
  /** The server announced its close in band (the close-notice feature), valid for `window` ms. */
  | { readonly type: 'notice'; readonly sock: number; readonly notice: CloseNotice; readonly window: number }
  /** The handshake probe's HTTP answer for the failed attempt `attempt` (features/handshake.ts). */
  | { readonly type: 'handshake'; readonly attempt: number; readonly status: number }
  /** Engine-internal: call the url/protocols providers for this attempt, if it is still current. */
  | { readonly type: 'providers'; readonly attempt: number };

/** Events the engine emits (payloads are built here; the engine delivers them). */
export type EventName = 'open' | 'close' | 'reconnecting' | 'error' | 'rtt' | 'drop';

/** What the engine does after committing a state. */
export type Effect =
  | { readonly type: 'resolve'; readonly attempt: number }
  | { readonly type: 'open'; readonly sock: number; readonly url: string; readonly protocols: string[] }
  /** The one way to end a socket: `detach` stops listening at once; otherwise its close event is awaited. */
  | { readonly type: 'end'; readonly sock: number; readonly code?: number; readonly reason?: string; readonly detach: boolean }
  | { readonly type: 'emit'; readonly name: EventName; readonly payload: unknown }
  | { readonly type: 'log'; readonly level: 'debug' | 'warn'; readonly message: string; readonly data?: unknown }
  /** Ask the features (heartbeat: `probe`, `probe-fast`). */
  | { readonly type: 'notify'; readonly name: string };

/** Resolved settings the transition reads. */
export interface MachineConfig {
  readonly retry: RetrySettings;
  readonly connectTimeout: number;
  readonly closeTimeout: number;
  readonly refreshTimeout: number;
  readonly maxRefreshes: number;
  readonly canRefresh: boolean;
  readonly lazy: boolean;
  readonly authCodes: readonly number[];
  readonly messages: MessageCatalog;
  /** The app's close policy, already guarded: returns a valid action or `undefined`. */
  readonly policy: (close: Pick<CloseInfo, 'code' | 'reason' | 'wasClean' | 'category' | 'duringConnect'>) => CloseAction | undefined;
  /** Reducers contributed by features, tried in order for inputs the core does not know. */
  readonly reducers: readonly Reducer[];
}

/** What a transition may read besides the state: time, randomness, settings, feature reducers. */
export interface Ctx {
  readonly now: number;
  readonly wall: number;
  readonly cfg: MachineConfig;
  /** A validated draw in [0, 1). */
  random(): number;
}

/** A feature's pure reducer: returns the next state, or `undefined` when the input is not its own. */
export type Reducer = (s: State, input: Input, ctx: Ctx, fx: Effect[]) => State | undefined;

/** The state before anything happened. */
export const initialState = (snap: Snapshot): State => ({
  phase: { t: 'idle' },
  snap,
  failures: 0,
  refreshes: 0,
  attempt: 0,
  sock: 0,
  active: false,
  frozen: false,
  quietUntil: -Infinity,
  told: null,
  outageSince: null,
});

/** The single entry point: the next state and what to do about it. */
export function transition(s: State, input: Input, ctx: Ctx): { state: State; effects: Effect[] } {
  const fx: Effect[] = [];
  return { state: reduce(s, input, ctx, fx), effects: fx };
}

/** The earliest deadline the state waits for (the engine arms one timer for it). */
export function deadlineOf(s: State): number {
  const p = s.phase;
  if (s.frozen) return Infinity;
  if (p.t === 'open') return Math.min(p.stableAt, p.failAt);
  return 'until' in p ? p.until : Infinity;
}

/** Snapshot reducer shorthand. */
export const set = (s: State, e: StateEvent): State => {
  const snap = snapshot(s.snap, e);
  return snap === s.snap ? s : { ...s, snap };
};

/** Update fields of the snapshot that change without a status change. */
export const patch = (s: State, fields: Partial<LiveFields>): State => set(s, { type: 'update', patch: fields });

/** An event for the app (delivered after the state is committed). */
export const emit = (fx: Effect[], name: EventName, payload: unknown): void => void fx.push({ type: 'emit', name, payload });

/** The current socket id, if the phase has one. */
export const sockOf = (p: Phase): number => ('sock' in p ? p.sock : 0);

export const report = (s: State, fx: Effect[], error: ResilientWsError, inSnapshot = true): State => {
  fx.push({ type: 'log', level: 'warn', message: error.message }, { type: 'emit', name: 'error', payload: error });
  return inSnapshot ? patch(s, { lastError: error }) : s;
};

function reduce(s: State, input: Input, ctx: Ctx, fx: Effect[]): State {
  const p = s.phase;
  switch (input.type) {
    case 'connect':
      if (p.t === 'connecting' || p.t === 'open') return s;
      // A fresh start from a stop (or our own closing handshake) forgets past failures.
      if (p.t === 'idle' || p.t === 'closed' || p.t === 'closing') s = { ...s, failures: 0, refreshes: 0, outageSince: null };
      return attempt(release(s, fx), ctx, fx);
    case 'reconnect':
      return attempt(release({ ...s, failures: 0, refreshes: 0, outageSince: null }, fx, 1000, 'reconnect'), ctx, fx);
    case 'close':
      return close(s, ctx, fx, input.code, input.reason);
    case 'tick':
      return tick(s, ctx, fx);
    case 'resolved':
      if (p.t !== 'connecting' || p.sock || input.attempt !== s.attempt) return s;
      fx.push({ type: 'open', sock: s.sock + 1, url: input.url, protocols: input.protocols });
      fx.push({ type: 'log', level: 'debug', message: `connecting to ${input.masked}` });
      return patch({ ...s, sock: s.sock + 1, phase: { ...p, sock: s.sock + 1 } }, { url: input.masked });
    case 'provider-failed':
      if (p.t !== 'connecting' || p.sock || input.attempt !== s.attempt) return s;
      return afterClose(report(s, fx, fail('UrlProviderError', 'The url or protocols provider failed; retrying.', { cause: input.cause })), null, 'connect-failed', null, ctx, fx);
    case 'misconfigured':
      if (p.t !== 'connecting' || input.attempt !== s.attempt) return s;
      return misconfigured(report(s, fx, input.error), input.error, ctx, fx);
    case 'opened':
      return p.t === 'connecting' && p.sock === input.sock && input.sock ? opened(s, input, ctx, fx) : s;
    case 'errored':
      return input.sock && input.sock === sockOf(p) ? errored(s, ctx, fx) : s;
    case 'closed':
      if (!input.sock || input.sock !== sockOf(p)) return s;
      return finalize(s, input.code, input.reason, input.wasClean, p.t === 'closing' ? p.how : null, ctx, fx);
    case 'end':
      return p.t === 'connecting' || p.t === 'open' ? endNow(s, input.how, ctx, fx) : s;
    case 'idle-close':
      return p.t === 'open' ? closeGracefully(s, { by: 'client', category: 'client', then: 'idle' }, 1000, 'idle', ctx, fx) : s;
    case 'refreshed':
      // The refresh is known by its close (a resume may have given its phase a new deadline).
      if (p.t !== 'refreshing' || input.phase.t !== 'refreshing' || p.close !== input.phase.close) return s;
      return input.error ? stopRefresh(s, p.close, input.error, ctx, fx) : attempt(s, ctx, fx);
    case 'patch':
      return patch(s, input.patch);
    case 'report':
      return report(s, fx, input.error, input.inSnapshot);
    case 'notice':
      if (p.t !== 'open' || p.sock !== input.sock) return s;
      fx.push({ type: 'log', level: 'debug', message: `close notice ${input.notice.code}` });
      return { ...s, told: { ...input.notice, sock: input.sock, until: ctx.now + input.window } };
    default:
      for (const r of ctx.cfg.reducers) {
        const next = r(s, input, ctx, fx);
        if (next) return next;
      }
      return s;
  }
}

/** Start an attempt now, cancelling any wait (a pending provider result becomes stale). */
export function attempt(s: State, ctx: Ctx, fx: Effect[]): State {
  const id = s.attempt + 1;
  const until = ctx.cfg.connectTimeout > 0 ? ctx.now + ctx.cfg.connectTimeout : Infinity;
  fx.push({ type: 'resolve', attempt: id });
  // Only a socket that predates a restore gets the quiet path.
  const next: State = { ...s, attempt: id, active: true, quietUntil: -Infinity, phase: { t: 'connecting', sock: 0, until } };
  return set(next, { type: 'connect', attempt: s.failures, url: s.snap.url ?? '' });
}

/** Drop the current socket (if any) without deciding anything: the caller moves on. */
function release(s: State, fx: Effect[], code?: number, reason?: string): State {
  const sock = sockOf(s.phase);
  if (sock) fx.push({ type: 'end', sock, code: s.phase.t === 'open' ? code : undefined, reason, detach: true });
  return s;
}

/** Wait in `status` for a browser signal instead of retrying (a pending attempt is abandoned). Time parked is not outage time: the backoff's phase clock restarts at the next failure. */
export const park = (s: State, status: 'offline' | 'suspended'): State =>
  set({ ...s, phase: { t: status }, outageSince: null }, { type: 'wait', status });

function close(s: State, ctx: Ctx, fx: Effect[], code?: number, reason?: string): State {
  const p = s.phase;
  const how: Ending = { by: 'client', category: 'client', then: 'stop' };
  if (p.t === 'open') return closeGracefully(s, how, code ?? 1000, reason, ctx, fx);
  if (p.t === 'connecting' && p.sock) return endNow(s, how, ctx, fx);
  // A lazy idle close under way becomes a stop.
  if (p.t === 'closing') return { ...s, phase: { ...p, how } };
  if (p.t === 'closed') return s;
  const info = closeInfo(s, ctx, code ?? 1000, reason ?? '', true, 'client', 'client', 'stop', true);
  return stop(s, info, null, fx);
}

/** Our closing handshake (status `closing` meanwhile: sends queue). */
export function closeGracefully(s: State, how: Ending, code: number, reason: string | undefined, ctx: Ctx, fx: Effect[]): State {
  const p = s.phase as Extract<Phase, { t: 'open' }>;
  fx.push({ type: 'end', sock: p.sock, code, reason, detach: false });
  return set({ ...s, phase: { t: 'closing', sock: p.sock, until: ctx.now + ctx.cfg.closeTimeout, how } }, { type: 'closing' });
}

/** End the current socket ourselves and decide at once (dead peer, timeouts, page hide: no handshake to wait for). */
export function endNow(s: State, how: Ending, ctx: Ctx, fx: Effect[]): State {
  const sock = sockOf(s.phase);
  const sent = s.phase.t === 'open' ? how.code : undefined;
  if (sock) fx.push({ type: 'end', sock, code: sent, reason: sent === undefined ? undefined : how.reason, detach: true });
  // A page hide closes a healthy link: the server gets our clean close, so that is what is
  // reported (the browser would say 1006, unclean, for a socket we stopped listening to). A dead
  // or timed-out link got no close frame through: 1006.
  const told = how.then === 'suspend' && sent !== undefined;
  return finalize(s, told ? sent : 1006, told ? how.reason ?? '' : '', told, how, ctx, fx);
}

function opened(s: State, e: Extract<Input, { type: 'opened' }>, ctx: Ctx, fx: Effect[]): State {
  const stableAt = ctx.now + ctx.cfg.retry.minUptime;
  let next = set({ ...s, phase: { t: 'open', sock: e.sock, stableAt, failAt: Infinity } }, {
    type: 'open',
    protocol: e.protocol,
    extensions: e.extensions,
    at: ctx.wall,
  });
  if (ctx.cfg.retry.minUptime <= 0) next = stable(next);
  emit(fx, 'open', { url: s.snap.url ?? '', protocol: e.protocol, extensions: e.extensions });
  return next;
}

const stable = (s: State): State => {
  const p = s.phase as Extract<Phase, { t: 'open' }>;
  return patch({ ...s, failures: 0, refreshes: 0, outageSince: null, phase: { ...p, stableAt: Infinity } }, { attempt: 0 });
};

function errored(s: State, ctx: Ctx, fx: Effect[]): State {
  const p = s.phase;
  if (p.t === 'connecting') {
    // Browsers hide why a handshake failed (refused, unreachable, HTTP 4xx/5xx, TLS): it is
    // always error + close 1006. Some runtimes never fire that close, so decide now.
    const url = s.snap.url || 'the server';
    const error = fail('ConnectionError', `Could not connect to ${url} (refused, unreachable, rejected by the server, or TLS failed; browsers do not say which).`);
    return endNow(report(s, fx, error), { by: 'network', category: 'connect-failed', then: 'decide' }, ctx, fx);
  }
  // An error on an open socket is followed by close; never wait for it forever.
  if (p.t !== 'open' || p.failAt !== Infinity) return s;
  const failAt = ctx.now + (ctx.cfg.closeTimeout || 1000);
  // The link failed within a close notice's window: the notice explains the close we stop waiting for at failAt.
  const t = s.told;
  const told = t && t.sock === p.sock && ctx.now <= t.until ? { ...t, until: Math.max(t.until, failAt) } : t;
  return { ...s, told, phase: { ...p, failAt } };
}

function tick(s: State, ctx: Ctx, fx: Effect[]): State {
  const p = s.phase;
  const due = (t: number) => t <= ctx.now;
  switch (p.t) {
    case 'connecting':
      if (!due(p.until)) return s;
      return endNow(s, {
        by: 'timeout',
        category: 'connect-timeout',
        then: 'decide',
        error: fail('ConnectTimeoutError', `Connecting to ${s.snap.url || 'the server'} took longer than ${ctx.cfg.connectTimeout} ms.`),
      }, ctx, fx);
    case 'open':
      if (due(p.failAt)) return endNow(s, { by: 'network', category: 'network', then: 'decide' }, ctx, fx);
      return due(p.stableAt) ? stable(s) : s;
    case 'closing':
      if (!due(p.until)) return s;
      fx.push({ type: 'end', sock: p.sock, detach: true });
      return finalize(s, 1006, '', false, {
        ...p.how,
        error: fail('CloseTimeoutError', `The server did not complete the closing handshake within ${ctx.cfg.closeTimeout} ms.`),
      }, ctx, fx);
    case 'waiting':
      return due(p.until) ? attempt(s, ctx, fx) : s;
    case 'refreshing':
      if (!due(p.until)) return s;
      return stopRefresh(s, p.close, fail('RefreshError', `Refreshing credentials took longer than ${ctx.cfg.refreshTimeout} ms.`), ctx, fx);
    default:
      return s;
  }
}

/** A close happened (or we decided one did): record it and move on per the decision. */
export function finalize(s: State, code: number, reason: string, wasClean: boolean, how: Ending | null, ctx: Ctx, fx: Effect[]): State {
  const duringConnect = s.snap.openedAt === null;
  if (how?.error) s = report(s, fx, how.error);
  const quiet = !how && ctx.now < s.quietUntil;
  const heard = hear(s, code, reason, wasClean, how, ctx);
  if (s.told) s = { ...s, told: null };
  const d = decideClose({ ...heard, wasClean, duringConnect, quiet }, ctx.cfg);
  const info = closeInfo(s, ctx, heard.code, heard.reason, wasClean, d.initiatedBy, d.category, d.action, duringConnect, d.hint, heard);
  if (how?.then === 'idle') {
    emit(fx, 'close', info);
    return set({ ...s, phase: { t: 'idle' } }, { type: 'wait', status: 'idle', close: info });
  }
  if (how?.then === 'suspend') {
    emit(fx, 'close', info);
    // Like `park`: time suspended is not outage time.
    return set({ ...s, phase: { t: 'suspended' }, outageSince: null }, { type: 'wait', status: 'suspended', close: info });
  }
  if (quiet && d.category === 'suspended') {
    // A socket the browser dropped while the page sat in the back/forward cache: reconnect quietly.
    emit(fx, 'close', info);
    return attempt(patch(s, { lastClose: info }), ctx, fx);
  }
  return afterClose(s, info, d.category, d.hint, ctx, fx, how?.error, how?.urgent);
}

/** What the server meant by a close: as reported, or what its notice or a rebuilt reason-only frame says instead. */
interface Heard {
  readonly code: number;
  readonly reason: string;
  readonly how: Ending | null;
  readonly via?: 'notice' | 'rebuilt';
  readonly reported?: CloseInfo['reported'];
  readonly retryAfter?: number;
}

function hear(s: State, code: number, reason: string, wasClean: boolean, how: Ending | null, ctx: Ctx): Heard {
  // A close we caused is what we did; a link we gave up on after an error is the network's.
  if (how && how.by !== 'network') return { code, reason, how };
  const t = s.told;
  const told = t && t.sock === sockOf(s.phase) && ctx.now <= t.until ? t : null;
  const reported = { code, reason, wasClean };
  if (told && isLostClose(code)) return { code: told.code, reason: told.reason, how: null, via: 'notice', reported, retryAfter: told.retryAfter };
  // A reason-only close frame: the browser read the text's first two bytes as the code.
  if (!how && (code < 1000 || code > 4999)) return { code: 1005, reason: rebuildReason(code, reason) ?? reason, how: null, via: 'rebuilt', reported };
  return { code, reason, how, retryAfter: told?.code === code ? told.retryAfter : undefined };
}

/** Apply the decision in `close` (or, with no close, the retry of a failed provider). */
function afterClose(s: State, close: CloseInfo | null, category: CloseCategory, hint: ServerHint | null, ctx: Ctx, fx: Effect[], error?: ResilientWsError, urgent = false): State {
  const action = close?.action ?? 'reconnect';
  if (action === 'stop') {
    if (close && !error && category !== 'normal' && category !== 'client') {
      error = fail('FatalCloseError', `The connection closed with ${close.code} (${category}) and will not be retried.`);
      s = report(s, fx, error, false);
    }
    if (ctx.cfg.lazy && category === 'normal') {
      if (close) emit(fx, 'close', close);
      return set({ ...s, phase: { t: 'idle' } }, { type: 'wait', status: 'idle', close });
    }
    return stop(s, close, error ?? null, fx);
  }
  if (action === 'refresh') return refresh(s, close!, ctx, fx);
  const failures = s.failures + 1;
  const outageSince = s.outageSince ?? ctx.now;
  s = { ...s, failures, outageSince };
  if (failures > ctx.cfg.retry.limit) {
    const exhausted = fail('RetriesExhaustedError', `Gave up after ${failures - 1} reconnection attempts.`, { cause: error });
    s = report(s, fx, exhausted, false);
    return stop(s, close && outcome(close, 'retries-exhausted', failures - 1, ctx), exhausted, fx);
  }
  // After a network change the next attempt goes at once; otherwise backoff (whole ms, rounded
  // down so a full-jitter delay stays inside its documented [0, window)).
  const outage = { retry: failures, elapsed: ctx.now - outageSince };
  const delay = urgent ? 0 : Math.min(MAX_DELAY, Math.floor(retryDelay(outage, category, hint, ctx.cfg.retry, () => ctx.random())));
  if (close) emit(fx, 'close', close);
  if (!s.snap.online) return set({ ...s, phase: { t: 'offline' }, outageSince: null }, { type: 'wait', status: 'offline', close });
  emit(fx, 'reconnecting', { attempt: failures, delay, at: ctx.wall + delay, close });
  return set({ ...s, phase: { t: 'waiting', until: ctx.now + delay } }, { type: 'retry', attempt: failures, close, delay, at: ctx.wall, error });
}

export function refresh(s: State, close: CloseInfo, ctx: Ctx, fx: Effect[]): State {
  const refreshes = s.refreshes + 1;
  if (refreshes > ctx.cfg.maxRefreshes) {
    const error = fail('RefreshError', `Credentials were refreshed ${ctx.cfg.maxRefreshes} times without a stable connection; giving up.`);
    return stopRefresh(s, close, error, ctx, fx);
  }
  emit(fx, 'close', close);
  const phase: Phase = { t: 'refreshing', until: ctx.now + ctx.cfg.refreshTimeout, close };
  return set({ ...s, refreshes, phase }, { type: 'retry', attempt: s.failures, close, delay: 0, at: ctx.wall });
}

/** Give up on credentials: the final close (action `stop`, the refresh-failed message) is emitted too. */
function stopRefresh(s: State, close: CloseInfo, error: ResilientWsError, ctx: Ctx, fx: Effect[]): State {
  return stop(report(s, fx, error, false), outcome(close, 'refresh-failed', s.failures, ctx), error, fx);
}

function misconfigured(s: State, error: ResilientWsError, ctx: Ctx, fx: Effect[]): State {
  const info = closeInfo(s, ctx, 1006, '', false, 'client', 'client', 'stop', true);
  return stop(s, outcome(info, 'configuration', s.failures, ctx), error, fx);
}

/** The one way to stop for good: status `closed`, browser signals released, the close reported. */
export function stop(s: State, close: CloseInfo | null, error: ResilientWsError | null, fx: Effect[]): State {
  if (close) emit(fx, 'close', close);
  return set({ ...s, phase: { t: 'closed' }, active: false }, { type: 'stop', close, error });
}

/** `close` with its message replaced by a client outcome (retries exhausted, refresh failed…). */
const outcome = (close: CloseInfo, key: MessageKey, attempts: number, ctx: Ctx): CloseInfo => ({
  ...close,
  action: 'stop',
  messageKey: key,
  attempts,
  message: renderMessage(ctx.cfg.messages, key, { code: close.code, attempts }),
});

function closeInfo(
  s: State,
  ctx: Ctx,
  code: number,
  reason: string,
  wasClean: boolean,
  initiatedBy: CloseInfo['initiatedBy'],
  category: CloseCategory,
  action: CloseAction,
  duringConnect: boolean,
  hint?: ServerHint | null,
  heard?: Heard,
): CloseInfo {
  const attempts = s.failures;
  const info: { -readonly [K in keyof CloseInfo]: CloseInfo[K] } = {
    code,
    reason,
    wasClean,
    initiatedBy,
    category,
    action,
    message: closeMessage(ctx.cfg.messages, category, action, { code, attempts }),
    messageKey: category,
    attempts,
    duringConnect,
    at: ctx.wall,
  };
  if (hint?.message !== undefined) info.serverMessage = hint.message;
  if (hint?.retryAfter !== undefined) info.retryAfter = hint.retryAfter;
  if (heard?.via) (info.via = heard.via), (info.reported = heard.reported);
  return info;
}

