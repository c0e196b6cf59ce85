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
  readonly factor: number;
  readonly jitter: Jitter;
  readonly minUptime: number;
  readonly restartDelay: number;
  readonly tryAgainLaterDelay: number;
  readonly maxHintDelay: number;
}

/**
 * Exponential delay for the `retry`-th consecutive retry (1-based), capped at `maxDelay`, with a
 * jitter value drawn for this attempt from `random` (never one value per page: every client and
 * every attempt draws its own, so a fleet dropped at once spreads out).
 * - `full`: uniform in [0, cap) — AWS "full jitter", the best spread for herds.
 * - `equal`: cap/2 + uniform in [0, cap/2).
 * - `none`: exactly the cap (deterministic; for tests and special cases).
 */
export function backoffDelay(retry: number, s: RetrySettings, random: () => number): number {
  // The window starts at 1 ms at least, so `initialDelay: 0` still grows (no tight loop against a
  // server that accepts and closes at once), and never exceeds what a timer can hold.
  const cap = Math.min(s.maxDelay, MAX_DELAY, Math.max(1, s.initialDelay) * s.factor ** Math.max(0, retry - 1));
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
  if (typeof n === 'number' && Number.isFinite(n) && n >= 0) hint.retryAfter = n * 1000;
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
 * - Everything else: {@link backoffDelay}.
 */
export function retryDelay(
  retry: number,
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
  if (category === 'service-restart' && retry === 1) return random() * s.restartDelay;
  const delay = backoffDelay(retry, s, random);
  return category === 'try-again-later' ? s.tryAgainLaterDelay + delay : delay;
}
