import type { RawMessage } from '../core/codec.js';
import { fail } from '../core/errors.js';
import type { Feature, OwnedTimer } from '../core/feature.js';
import { checkFunction, checkNumber, checkOneOf } from '../core/validate.js';
import { HEARTBEAT_DEFAULTS, type HeartbeatOptions } from '../core/options.js';

/** Resolved heartbeat settings. */
export interface HeartbeatSettings {
  readonly mode: 'client' | 'server';
  readonly interval: number;
  readonly timeout: number;
  readonly grace: number;
  readonly anyMessageIsAlive: boolean;
  readonly deliverPongs: boolean;
  readonly isPong: (data: RawMessage) => boolean;
  readonly isPing: (data: RawMessage) => boolean;
}

/** What the watchdog needs from the client. */
export interface HeartbeatHooks {
  now(): number;
  /** The watchdog's one timer (it calls the watchdog's check when it fires). */
  readonly timer: OwnedTimer;
  sendPing(): void;
  sendReply(ping: RawMessage): void;
  /** The connection is dead: nothing received for `silentFor` ms. */
  dead(silentFor: number): void;
  rtt(ms: number): void;
}

/**
 * A received frame that knows when it arrived on the `now()` clock: the browser's message event,
 * whose `timeStamp` is fixed when the frame is queued and is the same value whenever it is read.
 */
export interface Stamped {
  readonly timeStamp: number;
}

/** The longest text frame whose event the watchdog holds to read its time later (≤ 128 KiB). */
const HOLD_MAX_CHARS = 65_536;

/** A timer that fires this much later than asked was delayed by sleep, freeze or throttling. */
export const LATE_FIRE_MS = 1000;

// Runs for every received frame: the common case (not `{`…) returns after two cheap checks.
const typed = (data: RawMessage, type: string): boolean => {
  if (typeof data !== 'string' || data.charCodeAt(0) !== 123 /* { */) return data === type;
  if (data.length > 512 || !data.includes(type)) return false;
  try {
    return (JSON.parse(data) as { type?: unknown } | null)?.type === type;
  } catch {
    return false;
  }
};

/** Default pong matcher: the text `pong`, or a JSON object with `"type": "pong"`. */
export const isPong = (data: RawMessage): boolean => typed(data, 'pong');
/** Default server-ping matcher: the text `ping`, or a JSON object with `"type": "ping"`. */
export const isPing = (data: RawMessage): boolean => typed(data, 'ping');

/**
 * The liveness watchdog. Decides from elapsed monotonic time since the last received frame,
 * never from counting ticks, so a throttled or frozen timer cannot cause a false verdict:
 * - one timer at a time, due when the connection has been idle for `interval` (client mode:
 *   then it pings and waits `timeout` for the pong) or silent for `timeout` (server mode);
 * - a timer that fires more than {@link LATE_FIRE_MS} late does not kill the connection from a
 *   stale deadline (a ping's or a probe's): it sends a fresh probe (client mode) and allows
 *   `grace` ms; only a probe sent after a late fire that also goes unanswered is fatal;
 * - when a frame arrives and the pending timer was armed from a timer callback, it is re-armed
 *   from the network task, which keeps Chrome's timer chain short (intensive throttling only
 *   applies to chains of 5+ nested timers);
 * - an ordinary frame's arrival time is read only when a decision needs it: `inbound` keeps the
 *   latest frame (its event) and the next check reads its `timeStamp` (see {@link Stamped}).
 * @returns start/stop, `inbound` (true when the frame is heartbeat traffic to swallow), `probe`.
 */
export function createWatchdog(s: HeartbeatSettings, h: HeartbeatHooks) {
  let due = 0;
  let chained = false;
  let running = false;
  let lastAlive = 0;
  // The latest ordinary frame whose arrival time has not been read yet. Reading a clock (or an
  // event's timeStamp) for every frame costs more than the rest of the receive path in a browser,
  // and only the latest frame's time is ever needed: check() reads it once. Holding the event
  // keeps its data reachable until the next frame or check, so only small text frames are held
  // (see HOLD_MAX_CHARS); binary and large frames are timed at once.
  let pending: Stamped | null = null;
  let pingAt: number | null = null;
  let probing = false;
  let lateProbe = false; // the current probe was sent because a timer fired late
  let probeUntil = 0; // a probe's deadline: the link is dead if nothing arrives by then

  const arm = (ms: number, fromTimer: boolean) => {
    due = h.now() + ms;
    chained = fromTimer;
    h.timer.at(due);
  };

  // A ping sent while another is unanswered (a probe, a late fire): the next pong may answer
  // either, so it proves liveness but is not timed.
  let untimed = false;
  const ping = (t: number) => {
    untimed = pingAt !== null && lastAlive < pingAt;
    pingAt = t;
    h.sendPing();
  };

  const alive = (t: number) => {
    lastAlive = t;
    pending = null;
    probing = false;
    lateProbe = false;
  };

  // Count the pending frame as alive. Runs before every decision and before every ping or
  // probe, so a pending frame is always older than the ping in flight.
  const settle = (t: number) => {
    if (pending) {
      const at = pending.timeStamp;
      pending = null;
      if (at > lastAlive) alive(at);
    }
    if (lastAlive > t) lastAlive = t; // an event timeStamp ahead of the clock counts as now
  };

  function check(): void {
    if (!running) return;
    const t = h.now();
    settle(t);
    const late = t - due > LATE_FIRE_MS;
    if (s.mode === 'server') {
      const silent = t - lastAlive;
      if (silent < s.timeout) arm(s.timeout - silent, true);
      else if (late && !lateProbe) {
        probing = lateProbe = true;
        probeUntil = t + s.grace;
        arm(s.grace, true);
      } else if (!probing || t >= probeUntil) h.dead(silent);
      else arm(probeUntil - t, true);
      return;
    }
    if (pingAt === null || lastAlive >= pingAt) {
      const idle = t - lastAlive;
      if (idle >= s.interval) {
        ping(t);
        arm(s.timeout, true);
      } else arm(s.interval - idle, true);
      return;
    }
    const waited = t - pingAt;
    if (late && !lateProbe) {
      probing = lateProbe = true;
      probeUntil = t + s.grace;
      ping(t);
      arm(s.grace, true);
    } else if (probing ? t >= probeUntil : waited >= s.timeout) h.dead(t - lastAlive);
    else arm(probing ? probeUntil - t : s.timeout - waited, true);
  }

  return {
    start(): void {
      running = true;
      pingAt = null;
      alive(h.now());
      arm(s.mode === 'client' ? s.interval : s.timeout, false);
    },
    stop(): void {
      running = false;
      pending = null;
      h.timer.cancel();
    },
    /** The timer fired. */
    check,
    /**
     * Feed every received frame. Returns true when it is a pong/ping to keep from the app.
     * `frame`: the frame's event, when its `timeStamp` is on the `now()` clock; without it the
     * clock is read for every frame.
     */
    inbound(data: RawMessage, frame?: Stamped): boolean {
      if (!running) return false;
      const beat = s.mode === 'client' ? s.isPong(data) : s.isPing(data);
      const counts = beat || s.anyMessageIsAlive;
      const awaiting = counts && s.mode === 'client' && pingAt !== null && lastAlive < pingAt;
      if (counts) {
        if (!beat && !awaiting && frame && typeof data === 'string' && data.length <= HOLD_MAX_CHARS) {
          pending = frame; // the common case, once per ordinary frame: check() reads its time
        } else {
          const stamp = frame ? frame.timeStamp : 0;
          const t = stamp > 0 ? stamp : h.now();
          if (beat && s.mode === 'server') h.sendReply(data);
          else if (beat && pingAt !== null) {
            if (!untimed) h.rtt(Math.max(0, t - pingAt));
            pingAt = null;
          }
          alive(t);
        }
      }
      // The ping was answered: the next one is due `interval` after this frame, not at the old
      // pong deadline. Otherwise, if the pending timer came from a timer callback, re-arm it from
      // this network task to keep the chain short.
      if (awaiting) arm(s.interval, false);
      else if (chained) arm(Math.max(0, due - h.now()), false);
      return beat && !s.deliverPongs;
    },
    /**
     * Check liveness now (page became visible, resumed, came online): ping and allow `grace`.
     * With `within`, a probe already waiting keeps its deadline (never restarted) and the link
     * gets at most `within` ms more: after a network change the old path is almost always dead.
     */
    probe(within?: number): void {
      if (!running) return;
      const t = h.now();
      settle(t);
      probeUntil = within === undefined ? t + s.grace : Math.min(probing ? probeUntil : Infinity, t + within);
      probing = true;
      lateProbe = false;
      if (s.mode === 'client') ping(t);
      arm(Math.max(0, probeUntil - t), false);
    },
  };
}

/** The watchdog's public shape. */
export type Watchdog = ReturnType<typeof createWatchdog>;

/** After a network change an unanswered probe gets this many smoothed RTTs (within the bounds below). */
const FAST_RTTS = 4;
const FAST_MIN_MS = 250;
const FAST_MAX_MS = 1000;

/** Resolves heartbeat options against {@link HEARTBEAT_DEFAULTS}; throws `InvalidOptionError` for bad ones. */
export function resolveHeartbeat<Outgoing>(h: HeartbeatOptions<Outgoing>): HeartbeatSettings & {
  readonly message: unknown;
  readonly reply: unknown;
} {
  const H = HEARTBEAT_DEFAULTS;
  if (!h || typeof h !== 'object') throw fail('InvalidOptionError', 'heartbeat must be false or an object of heartbeat settings.');
  const num = (name: keyof typeof H & keyof HeartbeatOptions, d: number) => (h[name] === undefined ? d : checkNumber(`heartbeat.${name}`, h[name]));
  return {
    mode: h.mode === undefined ? H.mode : checkOneOf('heartbeat.mode', h.mode, ['client', 'server']),
    interval: num('interval', H.interval),
    timeout: num('timeout', H.timeout),
    grace: num('grace', H.grace),
    message: h.message ?? H.message,
    reply: h.reply ?? H.reply,
    isPong: h.isPong === undefined ? isPong : checkFunction('heartbeat.isPong', h.isPong),
    isPing: h.isPing === undefined ? isPing : checkFunction('heartbeat.isPing', h.isPing),
    anyMessageIsAlive: h.anyMessageIsAlive ?? H.anyMessageIsAlive,
    deliverPongs: h.deliverPongs ?? H.deliverPongs,
  };
}

/**
 * The heartbeat feature: runs the watchdog while a connection is open (and the page not
 * frozen), answers probes from the lifecycle feature, and ends a dead link through the engine.
 */
export function heartbeat<Incoming = unknown, Outgoing = unknown>(options: HeartbeatOptions<Outgoing> = {}): Feature<Incoming, Outgoing> {
  const s = resolveHeartbeat(options);
  return {
    name: 'heartbeat',
    attach(ctx) {
      const { clock } = ctx;
      let sock = 0;
      let fast = false; // the running probe follows a network change
      const send = (value: unknown, what: string) => {
        const v = typeof value === 'function' ? ctx.guard(`The heartbeat ${what} function`, value as () => unknown, undefined) : value;
        if (v === undefined) return;
        const data = typeof v === 'string' ? v : ctx.guard(`Encoding the heartbeat ${what}`, () => ctx.codec.encode(v as Outgoing), undefined);
        if (data !== undefined) ctx.sendFrame(data);
      };
      const dog = createWatchdog(s, {
        now: () => clock.now(),
        timer: ctx.timer(() => dog.check()),
        sendPing: () => send(s.message, 'message'),
        sendReply: (ping) => send(typeof s.reply === 'function' ? () => (s.reply as (p: RawMessage) => unknown)(ping) : s.reply, 'reply'),
        dead(silentFor) {
          const error = fail('HeartbeatTimeoutError', `No answer from the server for ${Math.round(silentFor)} ms: the connection is dead.`);
          ctx.dispatch({ type: 'end', how: { by: 'heartbeat', category: 'heartbeat-timeout', then: 'decide', error, code: 3008, reason: 'heartbeat timeout', urgent: fast } });
        },
        rtt(ms) {
          const prev = ctx.snapshot().smoothedRtt;
          const smoothedRtt = prev === null ? ms : prev + (ms - prev) / 8;
          ctx.dispatch({ type: 'patch', patch: { rtt: ms, smoothedRtt } });
          ctx.emit('rtt', { rtt: ms, smoothedRtt });
        },
      });
      let running = false;
      return {
        changed(next, prev) {
          const p = next.phase;
          const run = p.t === 'open' && !next.frozen;
          if (run && (!running || p.sock !== sock)) {
            const resumed = running === false && prev.frozen && prev.phase === p;
            sock = p.sock;
            fast = false;
            running = true;
            dog.start();
            if (resumed) dog.probe();
          } else if (!run && running) {
            running = false;
            dog.stop();
          }
        },
        frame(data, event) {
          if (!running) return false;
          fast = false;
          return dog.inbound(data, event as Stamped | undefined);
        },
        notify(name) {
          if (!running) return;
          if (name === 'probe') dog.probe();
          else if (name === 'probe-fast') {
            const srtt = ctx.snapshot().smoothedRtt;
            fast = true;
            dog.probe(Math.min(FAST_MAX_MS, Math.max(FAST_MIN_MS, (srtt ?? FAST_MAX_MS) * FAST_RTTS)));
          }
        },
        dispose: () => dog.stop(),
      };
    },
  };
}
