/**
 * Observers for unit tests of issue 13's invariants: a Clock that records every delay the client
 * hands to its timers, an injectable browser-signal target, and socket bookkeeping. They only
 * watch through public seams (`clock`, `lifecycle.target`, `WebSocket`); nothing reads internals.
 */
import { vi } from 'vitest';
import type { Clock } from '../../src/index';
import type { FakeSocket } from './fake-socket';

/** The largest delay a browser or Node timer holds; anything above fires after ~1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A Clock on vitest's fake timers that records every delay the client asks for and counts the
 * callbacks that ran. (vitest's fake timers, like browsers, fire a delay above 2^31−1 after 1 ms.)
 */
export function recordingClock() {
  const delays: number[] = [];
  const stats = { fired: 0 };
  const clock: Clock = {
    now: () => performance.now(),
    wallNow: () => Date.now(),
    setTimeout(fn, ms) {
      delays.push(ms);
      return setTimeout(() => {
        stats.fired++;
        fn();
      }, ms);
    },
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
  return {
    clock,
    /** Every `ms` passed to `clock.setTimeout`, in order. */
    delays,
    /** Number of timer callbacks that ran. */
    get fired() {
      return stats.fired;
    },
  };
}

/**
 * Advance fake time by `ms` in 1 s steps, stopping early once `tooMany()` says the client is
 * spinning (so a runaway timer loop makes the test fail fast instead of hanging).
 */
export function advanceBounded(ms: number, tooMany: () => boolean, step = 1000): void {
  for (let left = ms; left > 0 && !tooMany(); left -= step) vi.advanceTimersByTime(Math.min(step, left));
}

/** A browser-signal target to inject as `lifecycle.target`, with helpers to fire each signal. */
export function signals(onLine = true) {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' as DocumentVisibilityState });
  const navigator = { onLine };
  const fire = (t: EventTarget, type: string, init: Record<string, unknown> = {}) => t.dispatchEvent(Object.assign(new Event(type), init));
  return {
    target: { window, document, navigator },
    offline() {
      navigator.onLine = false;
      fire(window, 'offline');
    },
    online() {
      navigator.onLine = true;
      fire(window, 'online');
    },
    hidden() {
      document.visibilityState = 'hidden';
      fire(document, 'visibilitychange');
    },
    visible() {
      document.visibilityState = 'visible';
      fire(document, 'visibilitychange');
    },
    freeze: () => fire(document, 'freeze'),
    resume: () => fire(document, 'resume'),
    pagehide: (persisted = true) => fire(window, 'pagehide', { persisted }),
    pageshow: (persisted = true) => fire(window, 'pageshow', { persisted }),
  };
}

/**
 * Sockets the client still holds open without having closed them: not CLOSED and no `close()`
 * call. The client must never have more than one (a replaced socket must be closed, not leaked).
 */
export const liveSockets = (sockets: readonly FakeSocket[]) => sockets.filter((s) => s.readyState !== 3 && s.closeCalls.length === 0);

/** Sockets replaced by a newer one and never closed by anyone: leaked. */
export const leakedSockets = (sockets: readonly FakeSocket[]) =>
  sockets.slice(0, -1).filter((s) => s.readyState !== 3 && s.closeCalls.length === 0);

/** Every string reachable from `value` (own properties, incl. non-enumerable `message`, `stack`, `cause`), bounded in depth. */
export function strings(value: unknown, depth = 6, seen = new Set<unknown>()): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value !== 'object' || value === null || depth === 0 || seen.has(value)) return [];
  seen.add(value);
  const out: string[] = [];
  for (const key of Object.getOwnPropertyNames(value)) {
    let v: unknown;
    try {
      v = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    out.push(...strings(v, depth - 1, seen));
  }
  if (value instanceof Error && !Object.getOwnPropertyNames(value).includes('cause') && 'cause' in value) out.push(...strings(value.cause, depth - 1, seen));
  return out;
}
