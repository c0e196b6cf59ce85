import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, backoffWindow, parseServerHint, retryDelay, RETRY_DEFAULTS, type Outage, type RetrySettings } from '../../src/index';
import { sequence } from '../support/fake-socket';

const settings = (over: Partial<RetrySettings> = {}): RetrySettings => ({ ...RETRY_DEFAULTS, ...over });
/** One phase only (`fastPhase: 0`) with a 10 s cap: the plain exponential window and its jitter. */
const plain = (over: Partial<RetrySettings> = {}): RetrySettings => settings({ fastPhase: 0, maxDelay: 10_000, ...over });
const half = () => 0.5;
/** The `retry`-th consecutive failure, `elapsed` ms into the outage. */
const at = (retry: number, elapsed = 0): Outage => ({ retry, elapsed });

/** Delays of retries 1..n, all at the start of an outage. */
const schedule = (n: number, s: RetrySettings, random: () => number) =>
  Array.from({ length: n }, (_, i) => backoffDelay(at(i + 1), s, random));

describe('backoffDelay (one phase: the exponential window and its jitter)', () => {
  it('uses full jitter by default: uniform over a window that doubles up to maxDelay', () => {
    expect(schedule(8, plain(), half)).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });

  it('spans the whole window with full jitter', () => {
    expect(backoffDelay(at(3), plain(), () => 0)).toBe(0);
    const top = backoffDelay(at(3), plain(), () => 0.999_999);
    expect(top).toBeGreaterThan(3999);
    expect(top).toBeLessThan(4000);
  });

  it('keeps equal jitter in the upper half of the window', () => {
    expect(schedule(7, plain({ jitter: 'equal' }), half)).toEqual([750, 1500, 3000, 6000, 7500, 7500, 7500]);
    expect(backoffDelay(at(2), plain({ jitter: 'equal' }), () => 0)).toBe(1000);
  });

  it('returns the window itself without jitter and never draws a random number', () => {
    const random = vi.fn(half);
    expect(schedule(7, plain({ jitter: 'none' }), random)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(random).not.toHaveBeenCalled();
  });

  it('grows the window by factor', () => {
    expect(schedule(5, plain({ jitter: 'none', factor: 3 }), half)).toEqual([1000, 3000, 9000, 10_000, 10_000]);
    expect(schedule(3, plain({ jitter: 'none', factor: 1, initialDelay: 250 }), half)).toEqual([250, 250, 250]);
  });

  it('honours initialDelay and maxDelay', () => {
    expect(schedule(5, plain({ jitter: 'none', initialDelay: 100, maxDelay: 500 }), half)).toEqual([100, 200, 400, 500, 500]);
  });

  it('draws a fresh random value for every attempt', () => {
    const random = vi.fn(sequence(0.1, 0.9, 0.25));
    expect(schedule(3, plain(), random)).toEqual([100, 1800, 1000]);
    expect(random).toHaveBeenCalledTimes(3);
  });
});

describe('two-phase backoff: a small cap early in an outage, then a cap that grows with it', () => {
  const s = settings();
  const window = (retry: number, elapsed: number, over: Partial<RetrySettings> = {}) => backoffWindow(at(retry, elapsed), settings(over));

  it('has the documented defaults: windows up to 4 s for the first 12 s, up to 60 s later', () => {
    expect(RETRY_DEFAULTS).toMatchObject({ initialDelay: 1000, factor: 2, fastMaxDelay: 4000, fastPhase: 12_000, maxDelay: 60_000 });
  });

  it('fast phase: the window doubles from initialDelay up to fastMaxDelay and stays there', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => window(n, 11_999))).toEqual([1000, 2000, 4000, 4000, 4000, 4000, 4000, 4000]);
    expect(window(30, 0)).toBe(4000);
  });

  it('reads the phase from the time the outage has lasted, not from the failure count', () => {
    const elapsed = [0, 11_999, 12_000, 15_000, 24_000, 36_000, 90_000, 179_999, 180_000, 3_600_000];
    expect(elapsed.map((e) => Math.round(window(30, e)))).toEqual([4000, 4000, 4000, 5000, 8000, 12_000, 30_000, 60_000, 60_000, 60_000]);
    // the exponential part still applies: two failures late in an outage (a long connect timeout) keep a small window
    expect(window(2, 60_000)).toBe(2000);
    expect(window(5, 60_000)).toBe(16_000);
  });

  it('walks a whole outage without jitter: 1, 2, 4, 4, 4 s, then a third of the time gone, up to maxDelay', () => {
    const delays: number[] = [];
    let t = 0;
    for (let n = 1; t < 300_000; n++) {
      const d = backoffDelay(at(n, t), settings({ jitter: 'none' }), half);
      delays.push(Math.round(d));
      t += d;
    }
    expect(delays).toEqual([1000, 2000, 4000, 4000, 4000, 5000, 6667, 8889, 11_852, 15_802, 21_070, 28_093, 37_458, 49_944, 60_000, 60_000]);
  });

  it('uses full jitter in both phases: uniform in [0, window)', () => {
    expect(backoffDelay(at(3, 5000), s, half)).toBe(2000);
    expect(backoffDelay(at(30, 24_000), s, half)).toBe(4000);
    expect(backoffDelay(at(30, 24_000), s, () => 0)).toBe(0);
    const top = backoffDelay(at(30, 24_000), s, () => 0.999_999);
    expect(top).toBeGreaterThan(7999);
    expect(top).toBeLessThan(8000);
    expect(backoffDelay(at(30, 24_000), settings({ jitter: 'equal' }), () => 0)).toBe(4000);
  });

  it('grows after the fast phase at the rate fastMaxDelay / fastPhase', () => {
    const over = { fastMaxDelay: 1000, fastPhase: 5000 };
    expect([4999, 5000, 20_000, 400_000].map((e) => window(30, e, over))).toEqual([1000, 1000, 4000, 60_000]);
  });

  it('turns the phases off with fastPhase 0 and keeps the fast cap for good with fastPhase Infinity', () => {
    expect([1, 3, 5, 7, 9].map((n) => window(n, 0, { fastPhase: 0 }))).toEqual([1000, 4000, 16_000, 60_000, 60_000]);
    expect(window(30, 1e9, { fastPhase: Infinity })).toBe(4000);
  });

  it('never cuts the window below initialDelay, and never lets it exceed maxDelay', () => {
    expect([1, 2, 3].map((n) => window(n, 0, { initialDelay: 10_000, maxDelay: 10_000 }))).toEqual([10_000, 10_000, 10_000]);
    expect([1, 2].map((n) => window(n, 0, { initialDelay: 8000 }))).toEqual([8000, 8000]);
    expect(window(2, 30_000, { initialDelay: 8000 })).toBe(10_000);
    expect([3, 30].map((n) => window(n, 100_000, { maxDelay: 3000 }))).toEqual([3000, 3000]);
  });

  it('keeps at least 1 ms with zero delays, and treats a meaningless elapsed time as the fast phase', () => {
    expect(window(1, 0, { initialDelay: 0, fastMaxDelay: 0 })).toBe(1);
    expect(window(30, Number.NaN)).toBe(4000);
    expect(window(30, -5000)).toBe(4000);
  });
});

describe('retryDelay', () => {
  const s = settings();

  it('uses plain backoff for ordinary categories', () => {
    expect(retryDelay(at(1), 'network', null, s, half)).toBe(500);
    expect(retryDelay(at(3), 'server-error', null, s, half)).toBe(2000);
  });

  it('spreads the first retry after 1012 uniformly over 0–restartDelay, then backs off normally', () => {
    expect(retryDelay(at(1), 'service-restart', null, s, half)).toBe(2500);
    expect(retryDelay(at(1), 'service-restart', null, s, () => 0)).toBe(0);
    expect(retryDelay(at(1), 'service-restart', null, s, () => 0.999_999)).toBeLessThan(5000);
    expect(retryDelay(at(1), 'service-restart', null, settings({ restartDelay: 2000 }), half)).toBe(1000);
    expect(retryDelay(at(2), 'service-restart', null, s, half)).toBe(1000);
    expect(retryDelay(at(3), 'service-restart', null, s, half)).toBe(2000);
  });

  it('waits tryAgainLaterDelay plus the jittered backoff after 1013', () => {
    expect(retryDelay(at(1), 'try-again-later', null, s, half)).toBe(10_500);
    expect(retryDelay(at(2), 'try-again-later', null, s, half)).toBe(11_000);
    expect(retryDelay(at(1), 'try-again-later', null, s, () => 0)).toBe(10_000);
    expect(retryDelay(at(1), 'try-again-later', null, settings({ tryAgainLaterDelay: 3000 }), half)).toBe(3500);
  });

  it('follows a server hint and adds at most 20 % (at least up to 1 s) jitter to it', () => {
    const hint = { retryAfter: 5000 };
    expect(retryDelay(at(4), 'network', hint, s, () => 0)).toBe(5000);
    expect(retryDelay(at(4), 'network', hint, s, half)).toBe(5500);
    const top = retryDelay(at(1), 'network', hint, s, () => 0.999_999);
    expect(top).toBeGreaterThan(5999);
    expect(top).toBeLessThan(6000);
    expect(retryDelay(at(1), 'server-error', { retryAfter: 30_000 }, s, half)).toBe(33_000);
  });

  it('caps a huge server hint at maxHintDelay', () => {
    const hint = parseServerHint('{"retryAfter": 1e9}');
    expect(hint?.retryAfter).toBe(1e12);
    expect(retryDelay(at(1), 'try-again-later', hint, s, () => 0)).toBe(300_000);
    expect(retryDelay(at(1), 'try-again-later', hint, settings({ maxHintDelay: 60_000 }), () => 0)).toBe(60_000);
    expect(retryDelay(at(1), 'try-again-later', hint, s, () => 0.999_999)).toBeLessThan(300_000 * 1.2);
  });

  it('backs off in two phases for ordinary categories', () => {
    expect(retryDelay(at(4, 7000), 'network', null, s, half)).toBe(2000);
    expect(retryDelay(at(12, 36_000), 'connect-failed', null, s, half)).toBe(6000);
    expect(retryDelay(at(20, 600_000), 'server-error', null, s, half)).toBe(30_000);
  });

  it('draws the first retry after 1012 from restartDelay whatever the phase, and backs off in phases after it', () => {
    expect(retryDelay(at(1, 0), 'service-restart', null, s, () => 0.999_999)).toBeLessThan(5000);
    expect(retryDelay(at(2, 2500), 'service-restart', null, s, half)).toBe(1000);
    expect(retryDelay(at(6, 11_000), 'service-restart', null, s, half)).toBe(2000);
    expect(retryDelay(at(9, 48_000), 'service-restart', null, s, half)).toBe(8000);
  });

  it('adds the phase backoff to tryAgainLaterDelay after 1013', () => {
    expect(retryDelay(at(4, 5000), 'try-again-later', null, s, half)).toBe(10_000 + 2000);
    expect(retryDelay(at(8, 120_000), 'try-again-later', null, s, half)).toBe(10_000 + 20_000);
    expect(retryDelay(at(8, 900_000), 'try-again-later', null, s, () => 0)).toBe(10_000);
  });

  it('lets a server hint replace the backoff in either phase', () => {
    expect(retryDelay(at(9, 120_000), 'network', { retryAfter: 5000 }, s, half)).toBe(5500);
    expect(retryDelay(at(3, 2000), 'network', { retryAfter: 30_000 }, s, half)).toBe(33_000);
    expect(retryDelay(at(9, 120_000), 'try-again-later', { retryAfter: 1000 }, s, half)).toBe(11_000);
  });

  it('ignores a hint that only carries a message', () => {
    expect(retryDelay(at(1), 'network', { message: 'Back soon' }, s, half)).toBe(500);
  });
});

describe('the 1013 / server-hint rule: a hint replaces the backoff, never below tryAgainLaterDelay after 1013', () => {
  const later = settings({ tryAgainLaterDelay: 4000 });

  it('lifts a shorter hint to tryAgainLaterDelay after 1013: retry-after=1 waits 4000–5000 ms, not 1000–2000', () => {
    const hint = parseServerHint('overloaded; retry-after=1');
    expect(hint).toEqual({ retryAfter: 1000 });
    expect(retryDelay(at(1), 'try-again-later', hint, later, () => 0)).toBe(4000);
    // the draw that gave 1047 ms before the rule was decided
    expect(retryDelay(at(1), 'try-again-later', hint, later, () => 0.047)).toBe(4047);
    expect(retryDelay(at(1), 'try-again-later', hint, later, half)).toBe(4500);
    expect(retryDelay(at(1), 'try-again-later', hint, later, () => 0.999_999)).toBeLessThan(5000);
    expect(retryDelay(at(1), 'try-again-later', { retryAfter: 0 }, later, () => 0)).toBe(4000);
  });

  it('keeps a longer hint as it is after 1013 (the floor only lifts), jitter 20 % of it', () => {
    expect(retryDelay(at(1), 'try-again-later', { retryAfter: 30_000 }, later, () => 0)).toBe(30_000);
    expect(retryDelay(at(1), 'try-again-later', { retryAfter: 30_000 }, later, half)).toBe(33_000);
    expect(retryDelay(at(1), 'try-again-later', { retryAfter: 4000 }, later, half)).toBe(4500);
  });

  it('replaces the backoff, not adds to it: the retry number does not matter with a hint', () => {
    const hint = { retryAfter: 1000 };
    expect(retryDelay(at(1), 'try-again-later', hint, later, half)).toBe(4500);
    expect(retryDelay(at(6), 'try-again-later', hint, later, half)).toBe(4500);
    // without a hint 1013 waits tryAgainLaterDelay plus the jittered backoff (window 1000 × 2^5,
    // capped at fastMaxDelay early in the outage, at a third of the outage later)
    expect(retryDelay(at(6), 'try-again-later', null, later, half)).toBe(4000 + 2000);
    expect(retryDelay(at(6, 60_000), 'try-again-later', null, later, half)).toBe(4000 + 10_000);
  });

  it('applies the floor to 1013 only: other codes follow a short hint', () => {
    const hint = { retryAfter: 1000 };
    expect(retryDelay(at(1), 'network', hint, later, () => 0)).toBe(1000);
    expect(retryDelay(at(1), 'server-error', hint, later, half)).toBe(1500);
    // 1012: the hint replaces the restart spread too
    expect(retryDelay(at(1), 'service-restart', hint, later, half)).toBe(1500);
  });

  it('lets tryAgainLaterDelay win over maxHintDelay when it is the larger one', () => {
    const s = settings({ tryAgainLaterDelay: 400_000, maxHintDelay: 300_000 });
    expect(retryDelay(at(1), 'try-again-later', { retryAfter: 1e12 }, s, () => 0)).toBe(400_000);
    expect(retryDelay(at(1), 'try-again-later', { retryAfter: 1000 }, s, half)).toBe(440_000);
  });
});

describe('parseServerHint', () => {
  it('reads a JSON reason: retryAfter in seconds becomes ms, message is kept', () => {
    expect(parseServerHint('{"retryAfter": 30, "message": "Maintenance until 10:00"}')).toEqual({
      retryAfter: 30_000,
      message: 'Maintenance until 10:00',
    });
    expect(parseServerHint('  {"retryAfter": 0.25}  ')).toEqual({ retryAfter: 250 });
    expect(parseServerHint('{"message": "  服务端维护中  "}')).toEqual({ message: '服务端维护中' });
  });

  it('reads retry-after in text, with = or :, in any case, with decimals', () => {
    expect(parseServerHint('retry-after=5')).toEqual({ retryAfter: 5000 });
    expect(parseServerHint('Retry-After: 2.5')).toEqual({ retryAfter: 2500 });
    expect(parseServerHint('overloaded; RETRY-AFTER = 12')).toEqual({ retryAfter: 12_000 });
  });

  it('returns null when there is nothing to use', () => {
    expect(parseServerHint('')).toBeNull();
    expect(parseServerHint('going away')).toBeNull();
    expect(parseServerHint('{}')).toBeNull();
    expect(parseServerHint('{"message": "   "}')).toBeNull();
    expect(parseServerHint('null')).toBeNull();
  });

  it('ignores bad JSON', () => {
    expect(parseServerHint('{"retryAfter": 5')).toBeNull();
    expect(parseServerHint('{retryAfter: 5}')).toBeNull();
  });

  it('ignores negative, non-finite and non-numeric delays', () => {
    expect(parseServerHint('{"retryAfter": -1}')).toBeNull();
    expect(parseServerHint('retry-after=-3')).toBeNull();
    expect(parseServerHint('{"retryAfter": "abc"}')).toBeNull();
    expect(parseServerHint('{"retryAfter": "NaN"}')).toBeNull();
    expect(parseServerHint('{"retryAfter": null}')).toBeNull();
    expect(parseServerHint('{"retryAfter": true}')).toBeNull();
    expect(parseServerHint('{"retryAfter": 1e400}')).toBeNull();
    expect(parseServerHint('retry-after=abc')).toBeNull();
    expect(parseServerHint('retry-after=NaN')).toBeNull();
  });

  it('keeps the message when the delay is bad', () => {
    expect(parseServerHint('{"retryAfter": -5, "message": "Later"}')).toEqual({ message: 'Later' });
  });
});
