import type { CloseAction, CloseCategory } from '../core/close-codes.js';
import { fail } from '../core/errors.js';
import type { Feature } from '../core/feature.js';
import { patch, refresh, report, stop, type Ctx, type Effect, type Input, type State } from '../core/machine.js';
import { closeMessage, renderMessage } from '../core/messages.js';
import { PROBE_DEFAULTS, type ProbeFetch, type ProbeHandshakeOptions } from '../core/options.js';
import type { CloseInfo } from '../core/state.js';
import { checkFunction, checkObject, numbersOf } from '../core/validate.js';

/**
 * Handshake diagnosis. Browsers report every rejected handshake (HTTP 401, 403, 404, 5xx) exactly
 * like a network that is down: `error`, then close 1006. After a few failed attempts in a row, one
 * plain HTTP request to the same endpoint asks what the server says: 401/403 take the `authCodes`
 * path (refresh, or stop), 404 stops (a wrong URL), anything else — 5xx, 426 Upgrade Required, an
 * opaque cross-origin answer, a network error, a timeout — keeps the backoff going.
 *
 * The request runs while the client waits for its next attempt and never delays it; its answer
 * comes back as a `handshake` input, decided by {@link reduceHandshake} only if the client still
 * waits after the same attempt.
 */

/** Resolved probe settings. */
export interface ProbeSettings {
  readonly after: number;
  readonly timeout: number;
  readonly minInterval: number;
  readonly fetch: ProbeFetch | undefined;
}

/** What a probe's HTTP status says about the endpoint: a category to decide with, or `null` (nothing learned). */
export function probeVerdict(status: number): Extract<CloseCategory, 'unauthorized' | 'forbidden' | 'not-found'> | null {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  return null;
}

/**
 * The HTTP URL to probe for a WebSocket URL: `ws:` → `http:`, `wss:` → `https:`, the same host,
 * path and query (the socket sends those anyway), never userinfo or a fragment. `null` when
 * `href` is not a WebSocket URL.
 */
export function probeUrl(href: string): string | null {
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return null;
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return null;
  u.protocol = u.protocol === 'ws:' ? 'http:' : 'https:';
  u.username = '';
  u.password = '';
  u.hash = '';
  return u.href;
}

/**
 * The status of whatever `fetch` resolved with, if it is a real HTTP answer: an integer in
 * 100–599 on an object that is not an opaque (cross-origin without CORS) or opaque-redirect
 * response. Anything else — nonsense, a throwing getter, status 0 — is `null`.
 */
export function probeStatus(response: unknown): number | null {
  try {
    if (!response || typeof response !== 'object') return null;
    const { status, type } = response as { status?: unknown; type?: unknown };
    if (type === 'opaque' || type === 'opaqueredirect') return null;
    return typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599 ? status : null;
  } catch {
    return null;
  }
}

/** Consecutive failed attempts that never opened, after a step (`streak` before it). */
export function nextStreak(streak: number, next: State, prev: State): number {
  const t = next.phase.t;
  if (t === 'open' || t === 'closed' || t === 'idle') return 0;
  const close = next.snap.lastClose;
  if (!close || close === prev.snap.lastClose) return streak;
  return close.category === 'connect-failed' ? streak + 1 : 0;
}

/**
 * Whether this step calls for a probe: it just scheduled a retry after a failed attempt that
 * never opened, that makes `after` in a row, none is in flight and the last one started at least
 * `minInterval` ago.
 */
export function probeDue(streak: number, next: State, prev: State, p: Pick<ProbeSettings, 'after' | 'minInterval'>, sinceLast: number, inFlight: boolean): boolean {
  const close = next.snap.lastClose;
  return (
    !inFlight &&
    next.phase.t === 'waiting' &&
    close !== prev.snap.lastClose &&
    close?.category === 'connect-failed' &&
    streak >= p.after &&
    sinceLast >= p.minInterval
  );
}

/**
 * What to do about a probe's answer: `null` when it says nothing. Otherwise the category the
 * close becomes and the action: the app's `closePolicy` first (it sees the category), then the
 * `authCodes` rule for 401/403 (refresh when a refresh hook exists, else stop), and stop for 404.
 */
export function decideProbe(status: number, close: CloseInfo, cfg: Pick<Ctx['cfg'], 'policy' | 'canRefresh'>): { category: CloseCategory; action: CloseAction } | null {
  const category = probeVerdict(status);
  if (!category) return null;
  let action = cfg.policy({ code: close.code, reason: close.reason, wasClean: close.wasClean, category, duringConnect: close.duringConnect });
  action ??= category === 'not-found' ? 'stop' : 'refresh';
  if (action === 'refresh' && !cfg.canRefresh) action = 'stop';
  return { category, action };
}

/**
 * The feature's reducer: a probe's answer re-decides the failed attempt's close, only while the
 * client still waits after that same attempt. A stop or a refresh is reported like any close
 * (`close` event, then `error` for a stop); a `closePolicy` that says reconnect keeps the retry
 * schedule and records what was learned in `lastClose`.
 */
export function reduceHandshake(s: State, input: Input, ctx: Ctx, fx: Effect[]): State | undefined {
  if (input.type !== 'handshake') return undefined;
  const close = s.snap.lastClose;
  if (s.phase.t !== 'waiting' || input.attempt !== s.attempt || close?.category !== 'connect-failed') return s;
  const d = decideProbe(input.status, close, ctx.cfg);
  if (!d) return s;
  const { category, action } = d;
  const context = { code: close.code, attempts: close.attempts };
  const info: CloseInfo = {
    ...close,
    initiatedBy: 'server',
    category,
    action,
    httpStatus: input.status,
    messageKey: category,
    message: closeMessage(ctx.cfg.messages, category, action, context),
  };
  if (action === 'reconnect') return patch(s, { lastClose: info });
  if (action === 'refresh') return refresh(s, info, ctx, fx);
  const url = s.snap.url || 'the server';
  if (category === 'not-found') {
    const error = fail('ConfigurationError', `${url} answered HTTP 404: there is no WebSocket endpoint at this URL. Not retrying; check the URL.`);
    const final: CloseInfo = { ...info, messageKey: 'configuration', message: renderMessage(ctx.cfg.messages, 'configuration', context) };
    return stop(report(s, fx, error, false), final, error, fx);
  }
  const error = fail('FatalCloseError', `${url} refused the WebSocket handshake with HTTP ${input.status} (${category}); not retrying.`);
  return stop(report(s, fx, error, false), info, error, fx);
}

/** Checks the options of {@link handshakeProbe} (named as `createClient`'s `probeHandshake`). */
export function resolveProbe(options: ProbeHandshakeOptions): ProbeSettings {
  checkObject('probeHandshake', options);
  const num = numbersOf('probeHandshake.', options, PROBE_DEFAULTS);
  const after = num('after');
  if (!Number.isInteger(after) || after < 1) throw fail('InvalidOptionError', `probeHandshake.after must be a whole number of attempts, at least 1; got ${after}.`);
  const timeout = num('timeout');
  if (timeout <= 0) throw fail('InvalidOptionError', 'probeHandshake.timeout must be more than 0 ms.');
  const fetch = options.fetch === undefined ? undefined : checkFunction('probeHandshake.fetch', options.fetch);
  return { after, timeout, minInterval: num('minInterval', true), fetch };
}

/** The request: never with credentials the socket would not send, never cached, never followed. */
const REQUEST: RequestInit = { method: 'GET', credentials: 'same-origin', cache: 'no-store', redirect: 'manual', mode: 'cors' };

/**
 * Handshake diagnosis as a feature (`createClient`'s `probeHandshake` option attaches it): after
 * `after` failed attempts in a row that never opened, one HTTP GET to the endpoint — at most one
 * in flight and one per `minInterval`, abandoned after `timeout` — decides 401/403 like an auth
 * close, 404 as a wrong URL, and anything else as nothing learned.
 *
 * @example
 * import { createCore, handshakeProbe, refresh } from 'resilient-ws/core';
 * const client = createCore({ url, features: [handshakeProbe({ after: 2 }), refresh(renewToken)] });
 */
export function handshakeProbe<Incoming = unknown, Outgoing = unknown>(options: ProbeHandshakeOptions = {}): Feature<Incoming, Outgoing> {
  const settings = resolveProbe(options);
  return {
    name: 'handshakeProbe',
    attach(ctx) {
      let streak = 0;
      let lastAt = -Infinity;
      let flight: { readonly attempt: number; readonly abort: AbortController | null } | null = null;
      const end = () => {
        const f = flight;
        flight = null;
        timeout.cancel();
        try {
          f?.abort?.abort();
        } catch {
          // a polyfilled AbortController may throw: the answer is ignored anyway
        }
      };
      const timeout = ctx.timer(end);
      const send = (mine: NonNullable<typeof flight>, url: string) => {
        // Read lazily (a polyfill may arrive late); called without a receiver (`fetch` needs none).
        const f = settings.fetch ?? (globalThis as { fetch?: ProbeFetch }).fetch;
        if (flight !== mine || typeof f !== 'function') return end();
        Promise.resolve()
          .then(() => (flight === mine ? f(url, mine.abort ? { ...REQUEST, signal: mine.abort.signal } : REQUEST) : undefined))
          .then(
            (response) => {
              if (flight !== mine) return;
              const status = probeStatus(response);
              end(); // also releases the response body
              if (status !== null) ctx.dispatch({ type: 'handshake', attempt: mine.attempt, status });
            },
            () => flight === mine && end(),
          );
      };
      return {
        reduce: reduceHandshake,
        changed(next, prev) {
          streak = nextStreak(streak, next, prev);
          // An answer for an attempt that is over (a new one started, the client stopped) is stale.
          if (flight && (next.phase.t !== 'waiting' || next.attempt !== flight.attempt)) end();
          if (!probeDue(streak, next, prev, settings, ctx.clock.now() - lastAt, !!flight)) return;
          const href = ctx.socketUrl();
          const url = href && probeUrl(href);
          if (!url) return;
          lastAt = ctx.clock.now();
          flight = { attempt: next.attempt, abort: typeof AbortController === 'function' ? new AbortController() : null };
          timeout.in(settings.timeout);
          send(flight, url);
        },
        dispose: end,
      };
    },
  };
}
