import { describe, expect, it } from 'vitest';
import { createWatchdog, isPing, isPong } from '../../src/features/heartbeat';
import { timerOn } from '../support/owned-timer';

function manualClock() {
  let t = 0, seq = 0;
  const pending = new Map<number, { fn: () => void; due: number }>();
  const next = (limit: number) => [...pending.entries()].filter(([, x]) => x.due <= limit).sort((a, b) => a[1].due - b[1].due || a[0] - b[0])[0];
  const fire = ([h, x]: [number, { fn: () => void }]) => { pending.delete(h); x.fn(); };
  return {
    get now() { return t; },
    setTimeout(fn: () => void, ms: number) { const h = ++seq; pending.set(h, { fn, due: t + ms }); return h; },
    clearTimeout(h: unknown) { pending.delete(h as number); },
    advance(ms: number) { const end = t + ms; for (let n = next(end); n; n = next(end)) { t = Math.max(t, n[1].due); fire(n); } t = end; },
    sleep(ms: number) { t += ms; for (let n = next(t); n; n = next(t)) fire(n); },
  };
}

describe('heartbeat: a probe whose timer fires late', () => {
  for (const mode of ['client', 'server'] as const) {
    it(`${mode}: a probe's timer that fires late (sleep) does not kill at once; it allows grace`, () => {
      const m = manualClock();
      const log: string[] = [];
      const t = timerOn({ now: () => m.now, setTimeout: (f, ms) => m.setTimeout(f, ms), clearTimeout: (h) => m.clearTimeout(h) });
      const hb = createWatchdog(
        { mode, interval: 20_000, timeout: 10_000, grace: 5000, anyMessageIsAlive: true, deliverPongs: false, isPong, isPing },
        {
          now: () => m.now, timer: t.timer,
          sendPing: () => log.push(`ping@${m.now}`), sendReply: () => {}, dead: () => log.push(`dead@${m.now}`), rtt: () => {},
        },
      );
      t.onFire(() => hb.check());
      hb.start();
      m.advance(1000);
      hb.probe(); // page became visible / came online
      m.sleep(100_000); // lid closed 1 s later; the probe timer fires 95 s late
      expect(log.some((l) => l.startsWith('dead'))).toBe(false);
    });
  }
});
