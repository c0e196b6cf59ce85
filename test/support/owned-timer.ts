import type { OwnedTimer } from '../../src/core/feature';

/**
 * An {@link OwnedTimer} over a bare clock, for testing the pure heartbeat watchdog alone (the
 * engine gives features the same kind of timer). `onFire` sets what the timer calls.
 */
export function timerOn(clock: { now(): number; setTimeout(fn: () => void, ms: number): unknown; clearTimeout(h: unknown): void }) {
  let handle: unknown;
  let due = Infinity;
  let fire = () => {};
  const timer: OwnedTimer = {
    at(at) {
      clock.clearTimeout(handle);
      due = at;
      if (at === Infinity) return;
      handle = clock.setTimeout(() => {
        due = Infinity;
        fire();
      }, Math.max(0, at - clock.now()));
    },
    in: (ms) => timer.at(clock.now() + ms),
    cancel: () => timer.at(Infinity),
    get pending() {
      return due !== Infinity;
    },
  };
  return { timer, onFire: (f: () => void) => void (fire = f) };
}
