import type { CloseCategory } from './close-codes.js';

/** Jitter applied to the exponential delay. See {@link RetryOptions.jitter}. */
export type Jitter = 'full' | 'equal' | 'none';

/** The longest delay a timer can hold (2^31−1 ms, 24.8 days): longer ones fire at once in browsers and Node. */
export const MAX_DELAY = 2 ** 31 - 1;

/** Resolved retry settings (see `ClientOptions.retry` for each field's documentation). */
export interface RetrySettings {
  readonly limit: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly fastMaxDelay: number;
  readonly fastPhase: number;
  readonly factor: number;
  readonly jitter: Jitter;
  readonly minUptime: number;
  readonly restartDelay: number;
  readonly tryAgainLaterDelay: number;
  readonly maxHintDelay: number;
}

/** Where a retry falls in an outage (the failures since the connection was last stable). */
export interface Outage {
  /** Consecutive failures, this one included (1-based): the exponential part of the window. */
  readonly retry: number;
  /** Time since the outage began (its first failure), in ms; 0 at the first retry: the phase. */
  readonly elapsed: number;
}

/**
 * The delay window for a retry, before jitter. Two phases, so short outages recover fast and long
 * ones cost the server little:
 * - the window grows with the failures: `initialDelay × factor^(retry−1)`;
 * - during the fast phase (`elapsed < fastPhase`) it is capped at `fastMaxDelay`;
 * - after it, the cap grows in proportion to the outage: `fastMaxDelay × elapsed / fastPhase`
 *   (with the defaults a third of the time the server has been gone);
 * - never above `maxDelay` (nor what a timer holds); the phase cap never cuts below `initialDelay`.
 * `fastPhase: 0` turns the phases off (plain exponential backoff up to `maxDelay`).
 */
export function backoffWindow(o: Outage, s: RetrySettings): number {
  // At least 1 ms, so `initialDelay: 0` still grows (no tight loop against a server that accepts
  // and closes at once).
  const grown = Math.max(1, s.initialDelay) * s.factor ** Math.max(0, o.retry - 1);
  const ratio = o.elapsed / s.fastPhase; // NaN (0/0) or < 1: still the fast phase
  const phase = s.fastPhase > 0 ? s.fastMaxDelay * (ratio > 1 ? ratio : 1) : Infinity;
  return Math.min(s.maxDelay, MAX_DELAY, grown, Math.max(1, s.initialDelay, phase));
}

/**
 * The backoff delay for a retry: {@link backoffWindow} with a jitter value drawn for this attempt
 * from `random` (never one value per page: every client and every attempt draws its own, so a
 * fleet dropped at once spreads out).
 * - `full`: uniform in [0, window) — AWS "full jitter", the best spread for herds.
 * - `equal`: window/2 + uniform in [0, window/2).
 * - `none`: exactly the window (deterministic; for tests and special cases).
 */
export function backoffDelay(o: Outage, s: RetrySettings, random: () => number): number {
  const cap = backoffWindow(o, s);
  if (s.jitter === 'none') return cap;
  if (s.jitter === 'equal') return cap / 2 + random() * (cap / 2);
  return random() * cap;
}

/** What a server suggested in its close reason. */
export interface ServerHint {
  /** Suggested delay before reconnecting, in ms (already validated: finite, ≥ 0). */
  readonly retryAfter?: number;
  /** Server-supplied text for the user, shown beside the built-in message. */
  readonly message?: string;
}

/**
 * Reads a retry hint from a close reason: a small JSON object `{"retryAfter": seconds,
 * "message": "…"}` or text containing `retry-after=<seconds>` (`:` also accepted). Bad JSON,
 * negative, non-finite or non-numeric values are ignored; huge values are capped later by
 * `maxHintDelay`.
 */
export function parseServerHint(reason: string): ServerHint | null {
  let seconds: unknown;
  let message: unknown;
  const text = reason.trim();
  if (text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object') ({ retryAfter: seconds, message } = parsed as Record<string, unknown>);
    } catch {
      // not JSON: fall through to the text form
    }
  }
  if (seconds === undefined) seconds = /retry-after\s*[=:]\s*(-?\d+(?:\.\d+)?)/i.exec(text)?.[1];
  const n = typeof seconds === 'string' ? Number(seconds) : seconds;
  const hint: { retryAfter?: number; message?: string } = {};
  // Seconds that overflow to Infinity as ms stay finite (the wait is capped by maxHintDelay anyway).
  if (typeof n === 'number' && Number.isFinite(n) && n >= 0) hint.retryAfter = Math.min(n * 1000, Number.MAX_VALUE);
  if (typeof message === 'string' && message.trim()) hint.message = message.trim();
  return hint.retryAfter === undefined && hint.message === undefined ? null : hint;
}

/**
 * The delay before the next attempt after a close of `category` that is to be retried. The one
 * rule (README "When the next attempt comes"):
 * - A server hint replaces the backoff: `base = min(retryAfter, maxHintDelay)`, but after 1013
 *   (`try-again-later`) never below `tryAgainLaterDelay`: `base = max(base, tryAgainLaterDelay)`.
 *   The wait is `base` plus uniform jitter in [0, max(base × 0.2, 1000)) so clients told the same
 *   thing do not come back in the same millisecond.
 * - `service-restart` (1012) without a hint: the first retry waits uniform 0–`restartDelay`
 *   (RFC 6455 §7.2.3).
 * - `try-again-later` (1013) without a hint: `tryAgainLaterDelay` plus the jittered backoff.
 * - Everything else: {@link backoffDelay} (two phases by the outage's elapsed time).
 */
export function retryDelay(
  outage: Outage,
  category: CloseCategory,
  hint: ServerHint | null,
  s: RetrySettings,
  random: () => number,
): number {
  if (hint?.retryAfter !== undefined) {
    const capped = Math.min(hint.retryAfter, s.maxHintDelay);
    // The floor is the app's promise to a busy server; the hint is untrusted text and may say 0.
    const base = category === 'try-again-later' ? Math.max(capped, s.tryAgainLaterDelay) : capped;
    return base + random() * Math.max(base * 0.2, 1000);
  }
  if (category === 'service-restart' && outage.retry === 1) return random() * s.restartDelay;
  const delay = backoffDelay(outage, s, random);
  return category === 'try-again-later' ? s.tryAgainLaterDelay + delay : delay;
}
