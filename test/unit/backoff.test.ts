import { describe, expect, it, vi } from 'vitest';
import { backoffDelay, parseServerHint, retryDelay, RETRY_DEFAULTS, type RetrySettings } from '../../src/index';
import { sequence } from '../support/fake-socket';

const settings = (over: Partial<RetrySettings> = {}): RetrySettings => ({ ...RETRY_DEFAULTS, ...over });
const half = () => 0.5;

/** Delays of retries 1..n. */
const schedule = (n: number, s: RetrySettings, random: () => number) =>
  Array.from({ length: n }, (_, i) => backoffDelay(i + 1, s, random));

describe('backoffDelay', () => {
  it('uses full jitter by default: uniform over a window that doubles up to maxDelay', () => {
    expect(schedule(8, settings(), half)).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
  });

  it('spans the whole window with full jitter', () => {
    expect(backoffDelay(3, settings(), () => 0)).toBe(0);
    const top = backoffDelay(3, settings(), () => 0.999_999);
    expect(top).toBeGreaterThan(3999);
    expect(top).toBeLessThan(4000);
  });

  it('keeps equal jitter in the upper half of the window', () => {
    expect(schedule(7, settings({ jitter: 'equal' }), half)).toEqual([750, 1500, 3000, 6000, 7500, 7500, 7500]);
    expect(backoffDelay(2, settings({ jitter: 'equal' }), () => 0)).toBe(1000);
  });

  it('returns the window itself without jitter and never draws a random number', () => {
    const random = vi.fn(half);
    expect(schedule(7, settings({ jitter: 'none' }), random)).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000, 10_000]);
    expect(random).not.toHaveBeenCalled();
  });

  it('grows the window by factor', () => {
    expect(schedule(5, settings({ jitter: 'none', factor: 3 }), half)).toEqual([1000, 3000, 9000, 10_000, 10_000]);
    expect(schedule(3, settings({ jitter: 'none', factor: 1, initialDelay: 250 }), half)).toEqual([250, 250, 250]);
  });

  it('honours initialDelay and maxDelay', () => {
    expect(schedule(5, settings({ jitter: 'none', initialDelay: 100, maxDelay: 500 }), half)).toEqual([100, 200, 400, 500, 500]);
  });

  it('draws a fresh random value for every attempt', () => {
    const random = vi.fn(sequence(0.1, 0.9, 0.25));
    expect(schedule(3, settings(), random)).toEqual([100, 1800, 1000]);
    expect(random).toHaveBeenCalledTimes(3);
  });
});

describe('retryDelay', () => {
  const s = settings();

  it('uses plain backoff for ordinary categories', () => {
    expect(retryDelay(1, 'network', null, s, half)).toBe(500);
    expect(retryDelay(3, 'server-error', null, s, half)).toBe(2000);
  });

  it('spreads the first retry after 1012 uniformly over 0–restartDelay, then backs off normally', () => {
    expect(retryDelay(1, 'service-restart', null, s, half)).toBe(2500);
    expect(retryDelay(1, 'service-restart', null, s, () => 0)).toBe(0);
    expect(retryDelay(1, 'service-restart', null, s, () => 0.999_999)).toBeLessThan(5000);
    expect(retryDelay(1, 'service-restart', null, settings({ restartDelay: 2000 }), half)).toBe(1000);
    expect(retryDelay(2, 'service-restart', null, s, half)).toBe(1000);
    expect(retryDelay(3, 'service-restart', null, s, half)).toBe(2000);
  });

  it('waits tryAgainLaterDelay plus the jittered backoff after 1013', () => {
    expect(retryDelay(1, 'try-again-later', null, s, half)).toBe(10_500);
    expect(retryDelay(2, 'try-again-later', null, s, half)).toBe(11_000);
    expect(retryDelay(1, 'try-again-later', null, s, () => 0)).toBe(10_000);
    expect(retryDelay(1, 'try-again-later', null, settings({ tryAgainLaterDelay: 3000 }), half)).toBe(3500);
  });

  it('follows a server hint and adds at most 20 % (at least up to 1 s) jitter to it', () => {
    const hint = { retryAfter: 5000 };
    expect(retryDelay(4, 'network', hint, s, () => 0)).toBe(5000);
    expect(retryDelay(4, 'network', hint, s, half)).toBe(5500);
    const top = retryDelay(1, 'network', hint, s, () => 0.999_999);
    expect(top).toBeGreaterThan(5999);
    expect(top).toBeLessThan(6000);
    expect(retryDelay(1, 'server-error', { retryAfter: 30_000 }, s, half)).toBe(33_000);
  });

  it('caps a huge server hint at maxHintDelay', () => {
    const hint = parseServerHint('{"retryAfter": 1e9}');
    expect(hint?.retryAfter).toBe(1e12);
    expect(retryDelay(1, 'try-again-later', hint, s, () => 0)).toBe(300_000);
    expect(retryDelay(1, 'try-again-later', hint, settings({ maxHintDelay: 60_000 }), () => 0)).toBe(60_000);
    expect(retryDelay(1, 'try-again-later', hint, s, () => 0.999_999)).toBeLessThan(300_000 * 1.2);
  });

  it('ignores a hint that only carries a message', () => {
    expect(retryDelay(1, 'network', { message: 'Back soon' }, s, half)).toBe(500);
  });
});

describe('the 1013 / server-hint rule: a hint replaces the backoff, never below tryAgainLaterDelay after 1013', () => {
  const later = settings({ tryAgainLaterDelay: 4000 });

  it('lifts a shorter hint to tryAgainLaterDelay after 1013: retry-after=1 waits 4000–5000 ms, not 1000–2000', () => {
    const hint = parseServerHint('overloaded; retry-after=1');
    expect(hint).toEqual({ retryAfter: 1000 });
    expect(retryDelay(1, 'try-again-later', hint, later, () => 0)).toBe(4000);
    // the draw that gave 1047 ms before the rule was decided
    expect(retryDelay(1, 'try-again-later', hint, later, () => 0.047)).toBe(4047);
    expect(retryDelay(1, 'try-again-later', hint, later, half)).toBe(4500);
    expect(retryDelay(1, 'try-again-later', hint, later, () => 0.999_999)).toBeLessThan(5000);
    expect(retryDelay(1, 'try-again-later', { retryAfter: 0 }, later, () => 0)).toBe(4000);
  });

  it('keeps a longer hint as it is after 1013 (the floor only lifts), jitter 20 % of it', () => {
    expect(retryDelay(1, 'try-again-later', { retryAfter: 30_000 }, later, () => 0)).toBe(30_000);
    expect(retryDelay(1, 'try-again-later', { retryAfter: 30_000 }, later, half)).toBe(33_000);
    expect(retryDelay(1, 'try-again-later', { retryAfter: 4000 }, later, half)).toBe(4500);
  });

  it('replaces the backoff, not adds to it: the retry number does not matter with a hint', () => {
    const hint = { retryAfter: 1000 };
    expect(retryDelay(1, 'try-again-later', hint, later, half)).toBe(4500);
    expect(retryDelay(6, 'try-again-later', hint, later, half)).toBe(4500);
    // without a hint 1013 waits tryAgainLaterDelay plus the jittered backoff (window 1000 × 2^5, capped at 10000)
    expect(retryDelay(6, 'try-again-later', null, later, half)).toBe(4000 + 5000);
  });

  it('applies the floor to 1013 only: other codes follow a short hint', () => {
    const hint = { retryAfter: 1000 };
    expect(retryDelay(1, 'network', hint, later, () => 0)).toBe(1000);
    expect(retryDelay(1, 'server-error', hint, later, half)).toBe(1500);
    // 1012: the hint replaces the restart spread too
    expect(retryDelay(1, 'service-restart', hint, later, half)).toBe(1500);
  });

  it('lets tryAgainLaterDelay win over maxHintDelay when it is the larger one', () => {
    const s = settings({ tryAgainLaterDelay: 400_000, maxHintDelay: 300_000 });
    expect(retryDelay(1, 'try-again-later', { retryAfter: 1e12 }, s, () => 0)).toBe(400_000);
    expect(retryDelay(1, 'try-again-later', { retryAfter: 1000 }, s, half)).toBe(440_000);
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
