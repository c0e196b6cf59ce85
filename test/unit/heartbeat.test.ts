import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { en, isPing, isPong, isResilientWsError, type ClientOptions, type Clock, type RawMessage } from '../../src/index';
import { createWatchdog, type HeartbeatSettings } from '../../src/features/heartbeat';
import { timerOn } from '../support/owned-timer';
import type { FakeSocket } from '../support/fake-socket';
import { setup as setupClient } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The shared unit client with the default heartbeat on; lifecycle off so only the heartbeat drives timers. */
const setup = <I = RawMessage, O = unknown>(opts: Partial<ClientOptions<I, O>> = {}) => setupClient<I, O>({ heartbeat: {}, ...opts });

const pings = (ws: FakeSocket) => ws.sent.filter((d) => d === 'ping').length;

/**
 * Monotonic time and timers under the test's full control: `advance` fires every timer exactly
 * when it is due; `sleep` jumps the clock without firing anything (a laptop lid, a frozen tab)
 * and then fires the overdue timers late, at the new time.
 */
function manualClock() {
  let t = 0;
  let seq = 0;
  const pending = new Map<number, { fn: () => void; due: number }>();
  /** `ms` of every setTimeout call, in order. */
  const calls: number[] = [];
  const clock: Clock = {
    now: () => t,
    wallNow: () => 1_700_000_000_000 + t,
    setTimeout(fn, ms) {
      const h = ++seq;
      pending.set(h, { fn, due: t + ms });
      calls.push(ms);
      return h;
    },
    clearTimeout(h) {
      pending.delete(h as number);
    },
  };
  const nextDue = (limit: number) =>
    [...pending.entries()].filter(([, x]) => x.due <= limit).sort((a, b) => a[1].due - b[1].due || a[0] - b[0])[0];
  const fire = ([h, x]: [number, { fn: () => void }]) => {
    pending.delete(h);
    x.fn();
  };
  return {
    clock,
    calls,
    get now() {
      return t;
    },
    advance(ms: number) {
      const end = t + ms;
      for (let n = nextDue(end); n; n = nextDue(end)) {
        t = Math.max(t, n[1].due);
        fire(n);
      }
      t = end;
    },
    sleep(ms: number) {
      t += ms;
      for (let n = nextDue(t); n; n = nextDue(t)) fire(n);
    },
  };
}

describe('client-mode heartbeat (defaults)', () => {
  it('pings after 20 s idle and declares the connection dead at once when no pong comes within 10 s', () => {
    const { fake, client, errors } = setup();
    const ws = fake.last;
    ws.open();

    vi.advanceTimersByTime(19_999);
    expect(ws.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ws.sent).toEqual(['ping']);

    vi.advanceTimersByTime(9_999);
    expect(client.getSnapshot().status).toBe('open');
    vi.advanceTimersByTime(1);

    // Dead now: no close event from the socket was needed.
    const s = client.getSnapshot();
    expect(ws.closeCalls).toHaveLength(1);
    expect(s.status).toBe('reconnecting');
    expect(s.lastClose).toMatchObject({
      initiatedBy: 'heartbeat',
      category: 'heartbeat-timeout',
      action: 'reconnect',
      message: `${en['heartbeat-timeout']} ${en['action-reconnect']}`,
    });
    expect(isResilientWsError(s.lastError, 'HeartbeatTimeoutError')).toBe(true);
    expect(errors.some((e) => isResilientWsError(e, 'HeartbeatTimeoutError'))).toBe(true);

    // First retry per backoff: full jitter, random 0.5 of the 1000 ms window.
    expect(s.retryDelay).toBe(500);
    vi.advanceTimersByTime(499);
    expect(fake.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(fake.sockets).toHaveLength(2);
  });

  it('ignores the dead socket’s late close event', () => {
    const { fake, client } = setup();
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(30_000);
    expect(client.getSnapshot().status).toBe('reconnecting');
    const closes: unknown[] = [];
    client.on('close', (c) => closes.push(c));
    ws.echoClose();
    expect(closes).toEqual([]);
    expect(client.getSnapshot().status).toBe('reconnecting');
  });

  it('consumes a "pong" and measures the round trip from ping to pong', () => {
    const { fake, client } = setup();
    const messages: unknown[] = [];
    const rtts: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    client.on('rtt', (r) => rtts.push(r));
    const ws = fake.last;
    ws.open();

    vi.advanceTimersByTime(20_000);
    vi.advanceTimersByTime(120);
    ws.receive('pong');
    expect(messages).toEqual([]);
    expect(client.getSnapshot()).toMatchObject({ rtt: 120, smoothedRtt: 120 });
    expect(rtts).toEqual([{ rtt: 120, smoothedRtt: 120 }]);

    // The pong keeps the connection: well past the 10 s pong deadline it is still open.
    vi.advanceTimersByTime(15_000);
    expect(client.getSnapshot().status).toBe('open');
  });

  it('consumes a JSON pong ({"type":"pong","id":1})', () => {
    const { fake, client } = setup();
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(20_000 + 80);
    ws.receive('{"type":"pong","id":1}');
    expect(messages).toEqual([]);
    expect(client.getSnapshot().rtt).toBe(80);
  });

  it('delivers pongs as messages with deliverPongs: true (and still measures RTT)', () => {
    const { fake, client } = setup({ heartbeat: { deliverPongs: true } });
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(20_050);
    ws.receive('pong');
    expect(messages).toEqual(['pong']);
    expect(client.getSnapshot().rtt).toBe(50);
  });

  it('smooths the RTT with an EWMA of α = 1/8 across pongs', () => {
    const { fake, client } = setup();
    const ws = fake.last;
    ws.open();
    const samples = [120, 200, 40, 400];
    let expected: number | null = null;
    for (const rtt of samples) {
      vi.advanceTimersByTime(20_000); // idle since the last pong
      vi.advanceTimersByTime(rtt);
      ws.receive('pong');
      expected = expected === null ? rtt : expected + (rtt - expected) / 8;
      expect(client.getSnapshot().rtt).toBe(rtt);
      expect(client.getSnapshot().smoothedRtt).toBeCloseTo(expected, 10);
    }
    expect(pings(ws)).toBe(samples.length);
    // 120 → 130 → 118.75 → 153.90625
    expect(client.getSnapshot().smoothedRtt).toBeCloseTo(153.90625, 10);
  });
});

describe('liveness from ordinary traffic', () => {
  it('never pings a connection that receives a message every 5 s', () => {
    const { fake, client } = setup();
    const ws = fake.last;
    ws.open();
    for (let i = 0; i < 24; i++) {
      vi.advanceTimersByTime(5000);
      ws.receive(`tick ${i}`);
    }
    expect(pings(ws)).toBe(0);
    expect(client.getSnapshot().status).toBe('open');
  });

  it('pings anyway with anyMessageIsAlive: false, and dies without a pong despite traffic', () => {
    const { fake, client } = setup({ heartbeat: { anyMessageIsAlive: false } });
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    const ws = fake.last;
    ws.open();
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(5000);
      ws.receive(`tick ${i}`);
    }
    expect(pings(ws)).toBe(1); // at 20 s
    for (let i = 4; i < 5; i++) {
      vi.advanceTimersByTime(5000);
      ws.receive(`tick ${i}`);
    }
    expect(client.getSnapshot().status).toBe('open');
    vi.advanceTimersByTime(5000); // 30 s: 10 s after the ping, no pong
    expect(client.getSnapshot().lastClose?.category).toBe('heartbeat-timeout');
    expect(messages).toHaveLength(5);
  });
});

describe('custom ping and pong', () => {
  it('sends an object ping through the json codec', () => {
    const { fake } = setup({ codec: 'json', heartbeat: { message: { type: 'ping' } } });
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(20_000);
    expect(ws.sent).toEqual(['{"type":"ping"}']);
  });

  it('calls a message function per ping (an incrementing id)', () => {
    let id = 0;
    const { fake } = setup({ codec: 'json', heartbeat: { message: () => ({ type: 'ping', id: ++id }) } });
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(20_010);
    ws.receive('{"type":"pong","id":1}');
    vi.advanceTimersByTime(20_000);
    expect(ws.sent).toEqual(['{"type":"ping","id":1}', '{"type":"ping","id":2}']);
  });

  it('recognises pongs with a custom isPong (and nothing else counts as one)', () => {
    const { fake, client } = setup({ heartbeat: { isPong: (d) => d === 'PONG!', anyMessageIsAlive: false } });
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    const ws = fake.last;
    ws.open();

    vi.advanceTimersByTime(20_030);
    ws.receive('PONG!');
    expect(messages).toEqual([]);
    expect(client.getSnapshot().rtt).toBe(30);

    // Next ping at 40 030; a plain "pong" is an ordinary message now and does not answer it.
    vi.advanceTimersByTime(20_000);
    ws.receive('pong');
    expect(messages).toEqual(['pong']);
    vi.advanceTimersByTime(10_000);
    expect(client.getSnapshot().lastClose?.category).toBe('heartbeat-timeout');
  });

  it('the default matchers accept the text and the JSON forms only', () => {
    expect(isPong('pong')).toBe(true);
    expect(isPong('{"type":"pong","id":1}')).toBe(true);
    expect(isPong('{"type":"ping"}')).toBe(false);
    expect(isPong('pongs')).toBe(false);
    expect(isPong('{"type":"pong"')).toBe(false);
    expect(isPing('ping')).toBe(true);
    expect(isPing('{"type":"ping"}')).toBe(true);
    expect(isPing(new ArrayBuffer(4))).toBe(false);
  });
});

describe('heartbeat: false', () => {
  it('never pings and never declares a silent connection dead', () => {
    const { fake, client } = setup({ heartbeat: false });
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(10 * 60_000);
    expect(ws.sent).toEqual([]);
    expect(client.getSnapshot().status).toBe('open');
  });
});

describe('server-mode heartbeat', () => {
  it('answers a server ping with "pong" and keeps the ping from the app', () => {
    const { fake, client } = setup({ heartbeat: { mode: 'server' } });
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    const ws = fake.last;
    ws.open();
    for (let i = 0; i < 6; i++) {
      vi.advanceTimersByTime(9000);
      ws.receive('ping');
    }
    expect(ws.sent).toEqual(['pong', 'pong', 'pong', 'pong', 'pong', 'pong']);
    expect(messages).toEqual([]);
    expect(client.getSnapshot().status).toBe('open');
  });

  it('declares the connection dead when no server ping arrives within timeout', () => {
    const { fake, client } = setup({ heartbeat: { mode: 'server' } });
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(4000);
    ws.receive('ping');
    vi.advanceTimersByTime(9_999);
    expect(client.getSnapshot().status).toBe('open');
    vi.advanceTimersByTime(1);
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', lastClose: { category: 'heartbeat-timeout', initiatedBy: 'heartbeat' } });
    expect(ws.sent).toEqual(['pong']); // the client never pings in server mode
  });
});

describe('late timers (sleep, freeze, throttling)', () => {
  /** A client with the default heartbeat on a {@link manualClock}, its socket open. */
  const openOnManualClock = () => {
    const m = manualClock();
    const { fake, client } = setup({ clock: m.clock });
    const ws = fake.last;
    ws.open();
    return { m, client, ws };
  };

  it('an on-time fire with the ping unanswered is fatal', () => {
    const { m, client, ws } = openOnManualClock();
    m.advance(20_000);
    expect(pings(ws)).toBe(1);
    m.advance(9_999);
    expect(client.getSnapshot().status).toBe('open');
    m.advance(1);
    expect(client.getSnapshot().lastClose?.category).toBe('heartbeat-timeout');
  });

  it('a late fire with the ping unanswered sends a fresh probe instead of declaring death', () => {
    const { m, client, ws } = openOnManualClock();
    m.advance(20_000);
    expect(pings(ws)).toBe(1);
    m.sleep(60_000); // the pong deadline (30 s) passes while asleep
    expect(client.getSnapshot().status).toBe('open');
    expect(pings(ws)).toBe(2);

    // The probe is answered within grace: the connection stays.
    m.advance(4_000);
    ws.receive('pong');
    m.advance(10_000);
    expect(client.getSnapshot().status).toBe('open');
    expect(ws.closeCalls).toEqual([]);
  });

  it('a late fire whose probe goes unanswered for grace (5 s) is fatal', () => {
    const { m, client, ws } = openOnManualClock();
    m.advance(20_000);
    m.sleep(60_000);
    expect(pings(ws)).toBe(2);
    m.advance(4_999);
    expect(client.getSnapshot().status).toBe('open');
    m.advance(1);
    expect(client.getSnapshot()).toMatchObject({ status: 'reconnecting', lastClose: { category: 'heartbeat-timeout' } });
  });

  it('re-arms the timer from the network task when a frame arrives after a timer-armed wait', () => {
    const { m, ws } = openOnManualClock();
    m.advance(1000);
    let before = m.calls.length;
    ws.receive('early'); // the pending timer was armed by start(), not by a timer callback
    expect(m.calls.length).toBe(before);

    m.advance(19_000); // fires at 20 s: idle only 19 s, so it re-arms itself for 1 s (a chain)
    before = m.calls.length;
    ws.receive('a');
    expect(m.calls.slice(before)).toEqual([1000]); // same deadline, armed from the message

    before = m.calls.length;
    ws.receive('b'); // no longer chained: nothing to re-arm
    expect(m.calls.length).toBe(before);
  });
});

describe('createWatchdog (the heartbeat watchdog alone)', () => {
  const settings = (over: Partial<HeartbeatSettings> = {}): HeartbeatSettings => ({
    mode: 'client',
    interval: 20_000,
    timeout: 10_000,
    grace: 5000,
    anyMessageIsAlive: true,
    deliverPongs: false,
    isPong,
    isPing,
    ...over,
  });
  const hooks = (m: ReturnType<typeof manualClock>) => {
    const log: string[] = [];
    const t = timerOn(m.clock);
    return {
      log,
      onFire: t.onFire,
      h: {
        now: () => m.clock.now(),
        timer: t.timer,
        sendPing: () => log.push(`ping@${m.now}`),
        sendReply: (p: RawMessage) => log.push(`reply(${String(p)})@${m.now}`),
        dead: (silentFor: number) => log.push(`dead(${silentFor})@${m.now}`),
        rtt: (ms: number) => log.push(`rtt(${ms})`),
      },
    };
  };

  /** A started watchdog on a {@link manualClock}; `log` records what it asked for. */
  const startWatchdog = (over: Partial<HeartbeatSettings> = {}) => {
    const m = manualClock();
    const { log, h, onFire } = hooks(m);
    const hb = createWatchdog(settings(over), h);
    onFire(() => hb.check());
    hb.start();
    return { m, log, hb };
  };

  it('client mode: ping at interval, rtt on pong, dead after timeout', () => {
    const { m, log, hb } = startWatchdog();
    m.advance(20_000);
    m.advance(250);
    expect(hb.inbound('pong')).toBe(true);
    expect(hb.inbound('hello')).toBe(false);
    m.advance(20_000 + 10_000);
    expect(log).toEqual(['ping@20000', 'rtt(250)', 'ping@40250', 'dead(30000)@50250']);
  });

  it('a late fire probes and allows grace; only the unanswered probe is fatal', () => {
    const { m, log, hb } = startWatchdog();
    m.advance(20_000);
    m.sleep(100_000);
    expect(log).toEqual(['ping@20000', 'ping@120000']);
    m.advance(5000);
    expect(log).toEqual(['ping@20000', 'ping@120000', 'dead(125000)@125000']);
  });

  it('server mode: a late fire allows grace for a server ping before declaring death', () => {
    const { m, log, hb } = startWatchdog({ mode: 'server' });
    m.sleep(60_000);
    expect(log).toEqual([]);
    m.advance(2000);
    expect(hb.inbound('ping')).toBe(true);
    m.advance(9_999);
    expect(log).toEqual(['reply(ping)@62000']);
    m.advance(1);
    expect(log).toEqual(['reply(ping)@62000', 'dead(10000)@72000']);
  });

  /** A frame event stamped `stamp` (when the browser received it). */
  const frameAt = (stamp: number) => ({ timeStamp: stamp });

  it('does not time a pong when a probe was sent while a ping was unanswered (it may answer either)', () => {
    const { m, log, hb } = startWatchdog();
    m.advance(20_000); // ping, unanswered
    m.advance(4000);
    hb.probe(); // a second ping at 24 000
    m.advance(50);
    expect(hb.inbound('pong')).toBe(true); // 4050 ms after the first, 50 ms after the probe
    expect(log).toEqual(['ping@20000', 'ping@24000']);
    m.advance(20_000); // the next ping is answered alone and timed again
    m.advance(30);
    hb.inbound('pong');
    expect(log).toEqual(['ping@20000', 'ping@24000', 'ping@44050', 'rtt(30)']);
  });

  it('a frame received before a probe does not turn the probe\'s grace into the full timeout', () => {
    const { m, log, hb } = startWatchdog();
    m.advance(5000);
    hb.inbound('data', frameAt(5000)); // pending when the page becomes visible
    m.advance(100);
    hb.probe(); // ping at 5100, grace 5000 (timeout would be 10 000)
    m.advance(4999);
    expect(log).toEqual(['ping@5100']);
    m.advance(1);
    expect(log).toEqual(['ping@5100', 'dead(5100)@10100']);
  });

  it('server mode: a frame after a late fire ends the grace window and the late-probe state', () => {
    const { m, log, hb } = startWatchdog({ mode: 'server' });
    m.sleep(60_000); // fires late: grace 5000 from 60 000
    m.advance(1000);
    hb.inbound('data', frameAt(61_000));
    m.advance(4000); // the grace check finds the frame: silent 4000 → wait for the timeout
    expect(log).toEqual([]);
    m.sleep(60_000); // late again at 125 000: a fresh grace window, not an immediate verdict
    expect(log).toEqual([]);
    m.advance(4999);
    expect(log).toEqual([]);
    m.advance(1);
    expect(log).toEqual(['dead(69000)@130000']);
  });

  it('stop() silences it: no ping, no verdict', () => {
    const { m, log, hb } = startWatchdog();
    m.advance(20_000);
    hb.stop();
    m.advance(120_000);
    expect(log).toEqual(['ping@20000']);
    expect(hb.inbound('pong')).toBe(false);
  });
});

describe('ping cadence after a pong', () => {
  it('pings `interval` after the pong, even when `timeout` is longer than `interval`', () => {
    const { fake } = setup({ heartbeat: { interval: 1000, timeout: 10_000 } });
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(1000);
    expect(ws.sent.filter((d) => d === 'ping')).toHaveLength(1);
    vi.advanceTimersByTime(50);
    ws.receive('pong');
    vi.advanceTimersByTime(999);
    expect(ws.sent.filter((d) => d === 'ping')).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(ws.sent.filter((d) => d === 'ping')).toHaveLength(2);
  });
});


describe('arrival time from the message event (default clock)', () => {
  /** Deliver `data` as a message event whose timeStamp is `stamp` (what the browser recorded). */
  const receiveAt = (ws: FakeSocket, data: string | ArrayBuffer, stamp: number) => {
    const e = new MessageEvent('message', { data });
    Object.defineProperty(e, 'timeStamp', { value: stamp });
    ws.onmessage?.(e);
  };

  it('times a pong by its event timeStamp, not by when the handler ran', () => {
    const { fake, client } = setup();
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(20_000); // ping sent at performance.now() = P
    const pingAt = performance.now();
    vi.advanceTimersByTime(300); // the handler runs 300 ms later (a busy main thread)…
    receiveAt(ws, 'pong', pingAt + 40); // …but the pong arrived 40 ms after the ping
    expect(client.getSnapshot().rtt).toBe(40);
  });

  it('counts a frame as alive from its timeStamp: the next ping is due interval after it', () => {
    const { fake } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    const ws = fake.last;
    ws.open();
    vi.advanceTimersByTime(900);
    receiveAt(ws, 'data', performance.now() - 400); // arrived at 500, handled at 900
    vi.advanceTimersByTime(100); // 1000: the open-time deadline; idle only 500 → re-armed
    expect(pings(ws)).toBe(0);
    vi.advanceTimersByTime(499);
    expect(pings(ws)).toBe(0);
    vi.advanceTimersByTime(1); // 1500 = 500 + interval
    expect(pings(ws)).toBe(1);
  });

  it('after a burst of frames handled late, the next ping is due interval after the latest frame arrived', () => {
    const { fake } = setup();
    const ws = fake.last;
    ws.open();
    const p0 = performance.now();
    vi.advanceTimersByTime(2000); // a busy main thread: 1000 frames that arrived at +1000…+1999 are handled now
    for (let i = 0; i < 1000; i++) receiveAt(ws, `m${i}`, p0 + 1000 + i);
    vi.advanceTimersByTime(18_000); // +20 000: the open-time deadline; idle only 18 001 ms
    expect(pings(ws)).toBe(0);
    vi.advanceTimersByTime(1998);
    expect(pings(ws)).toBe(0);
    vi.advanceTimersByTime(1); // +21 999 = last arrival + interval
    expect(pings(ws)).toBe(1);
  });

  it.each([
    ['a binary frame', () => new ArrayBuffer(8)],
    ['a large text frame', () => 'x'.repeat(65_537)],
    ['a small text frame', () => 'x'],
  ])('%s is timed by its arrival: the next ping is due interval after it', (_name, frame) => {
    const { fake } = setup();
    const ws = fake.last;
    ws.open();
    const p0 = performance.now();
    vi.advanceTimersByTime(1000);
    receiveAt(ws, frame(), p0 + 900); // arrived at +900, handled at +1000
    vi.advanceTimersByTime(19_899);
    expect(pings(ws)).toBe(0);
    vi.advanceTimersByTime(1); // +20 900
    expect(pings(ws)).toBe(1);
  });

  it('the answer to an outstanding ping restarts the cadence from when it was handled', () => {
    const { fake } = setup();
    const ws = fake.last;
    ws.open();
    const p0 = performance.now();
    vi.advanceTimersByTime(20_000); // ping
    expect(pings(ws)).toBe(1);
    vi.advanceTimersByTime(300);
    receiveAt(ws, 'data', p0 + 20_120); // any frame answers it; handled at +20 300
    vi.advanceTimersByTime(19_999);
    expect(pings(ws)).toBe(1);
    vi.advanceTimersByTime(1); // interval after it was handled (+40 300), not after its stamp
    expect(pings(ws)).toBe(2);
  });

  it('ignores timeStamps from another time origin (open event far from performance.now())', () => {
    const { fake, client } = setup();
    const ws = fake.last;
    const open = new Event('open');
    Object.defineProperty(open, 'timeStamp', { value: Date.now() }); // epoch-based, as old engines did
    ws.readyState = 1;
    ws.onopen?.(open);
    vi.advanceTimersByTime(20_000);
    vi.advanceTimersByTime(120);
    receiveAt(ws, 'pong', Date.now());
    expect(client.getSnapshot().rtt).toBe(120); // measured on the clock instead
  });

  it('ignores timeStamps when the application supplies its own clock', () => {
    const m = manualClock();
    const { fake, client } = setup({ clock: m.clock });
    const ws = fake.last;
    ws.open();
    m.advance(20_000);
    m.advance(70);
    receiveAt(ws, 'pong', 5); // a stamp on a clock the client does not use
    expect(client.getSnapshot().rtt).toBe(70);
  });

  it('treats a timeStamp ahead of the clock as now, never as the future', () => {
    const { fake } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    const ws = fake.last;
    ws.open();
    receiveAt(ws, 'data', performance.now() + 1500); // stamped ahead of the clock
    vi.advanceTimersByTime(1000); // check at 1000: the frame counts as "now" → a full interval more
    vi.advanceTimersByTime(999);
    expect(pings(ws)).toBe(0);
    vi.advanceTimersByTime(1); // 2000 (taken at face value, the ping would wait until 2500)
    expect(pings(ws)).toBe(1);
  });
});
