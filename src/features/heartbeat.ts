import type { RawMessage, WireData } from '../core/codec.js';
import { fail, isResilientWsError } from '../core/errors.js';
import type { Feature, OwnedTimer } from '../core/feature.js';
import { checkFunction, checkOneOf, numbersOf } from '../core/validate.js';
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
  /** The socket's `bufferedAmount`: bytes sent and not yet on the wire (a ping may wait behind them). */
  backlog?(): number;
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
  const w: WatchState = { s, h, due: 0, chained: false, running: false, lastAlive: 0, pending: null, pingAt: null, backlog: 0, untimed: false, probing: false, lateProbe: false, probeUntil: 0 };
  return {
    start(): void {
      w.running = true;
      w.pingAt = null;
      alive(w, h.now());
      arm(w, s.mode === 'client' ? s.interval : s.timeout, false);
    },
    stop(): void {
      w.running = false;
      w.pending = null;
      h.timer.cancel();
    },
    /** The timer fired. */
    check: () => check(w),
    /**
     * Feed every received frame. Returns true when it is a pong/ping to keep from the app.
     * `frame`: the frame's event, when its `timeStamp` is on the `now()` clock; without it the
     * clock is read for every frame.
     */
    inbound(data: RawMessage, frame?: Stamped): boolean {
      if (!w.running) return false;
      const beat = s.mode === 'client' ? s.isPong(data) : s.isPing(data);
      const counts = beat || s.anyMessageIsAlive;
      const awaiting = counts && s.mode === 'client' && w.pingAt !== null && w.lastAlive < w.pingAt;
      if (counts) {
        if (!beat && !awaiting && frame && typeof data === 'string' && data.length <= HOLD_MAX_CHARS) {
          w.pending = frame; // the common case, once per ordinary frame: check() reads its time
        } else {
          const stamp = frame ? frame.timeStamp : 0;
          const t = stamp > 0 ? stamp : h.now();
          if (beat && s.mode === 'server') h.sendReply(data);
          else if (beat && w.pingAt !== null) {
            if (!w.untimed) h.rtt(Math.max(0, t - w.pingAt));
            w.pingAt = null;
          }
          alive(w, t);
        }
      }
      // The ping was answered: the next one is due `interval` after this frame, not at the old
      // pong deadline. Otherwise, if the pending timer came from a timer callback, re-arm it from
      // this network task to keep the chain short.
      if (awaiting) arm(w, s.interval, false);
      else if (w.chained) arm(w, Math.max(0, w.due - h.now()), false);
      return beat && !s.deliverPongs;
    },
    /**
     * Check liveness now (page became visible, resumed, came online): ping and allow `grace`.
     * With `within`, a probe already waiting keeps its deadline (never restarted) and the link
     * gets at most `within` ms more: after a network change the old path is almost always dead.
     */
    probe(within?: number): void {
      if (!w.running) return;
      const t = h.now();
      settle(w, t);
      w.probeUntil = within === undefined ? t + s.grace : Math.min(w.probing ? w.probeUntil : Infinity, t + within);
      w.probing = true;
      w.lateProbe = false;
      if (s.mode === 'client') ping(w, t);
      arm(w, Math.max(0, w.probeUntil - t), false);
    },
  };
}

/** The watchdog's state. */
interface WatchState {
  readonly s: HeartbeatSettings;
  readonly h: HeartbeatHooks;
  /** When the pending timer is due, and whether it was armed from a timer callback. */
  due: number;
  chained: boolean;
  running: boolean;
  lastAlive: number;
  /**
   * The latest ordinary frame whose arrival time has not been read yet. Reading a clock (or an
   * event's timeStamp) for every frame costs more than the rest of the receive path in a browser,
   * and only the latest frame's time is ever needed: check() reads it once. Holding the event
   * keeps its data reachable until the next frame or check, so only small text frames are held
   * (see HOLD_MAX_CHARS); binary and large frames are timed at once.
   */
  pending: Stamped | null;
  pingAt: number | null;
  /** `bufferedAmount` after the ping went in (or at the last extension): less at the deadline means the upload is moving. */
  backlog: number;
  /** A ping sent while another is unanswered (a probe, a late fire): the next pong may answer either, so it proves liveness but is not timed. */
  untimed: boolean;
  probing: boolean;
  /** The current probe was sent because a timer fired late. */
  lateProbe: boolean;
  /** A probe's deadline: the link is dead if nothing arrives by then. */
  probeUntil: number;
}

const arm = (w: WatchState, ms: number, fromTimer: boolean) => {
  if (!w.running) return; // app code run on the way here (a message function, an rtt handler) stopped the watchdog
  w.due = w.h.now() + ms;
  w.chained = fromTimer;
  w.h.timer.at(w.due);
};

const ping = (w: WatchState, t: number) => {
  w.untimed = w.pingAt !== null && w.lastAlive < w.pingAt;
  w.pingAt = t;
  w.h.sendPing();
  w.backlog = w.h.backlog?.() ?? 0;
};

const alive = (w: WatchState, t: number) => {
  w.lastAlive = t;
  w.pending = null;
  w.probing = false;
  w.lateProbe = false;
};

/** Count the pending frame as alive. Runs before every decision and every ping or probe, so a pending frame is always older than the ping in flight. */
const settle = (w: WatchState, t: number) => {
  if (w.pending) {
    const at = w.pending.timeStamp;
    w.pending = null;
    if (at > w.lastAlive) alive(w, at);
  }
  if (w.lastAlive > t) w.lastAlive = t; // an event timeStamp ahead of the clock counts as now
};

/**
 * The ping was queued behind an upload that is still leaving (`bufferedAmount` fell since the
 * ping, or since the last extension): its timeout has not really started, so allow another one.
 * A backlog that stops falling (a half-open link stops taking bytes) gets no more.
 */
const draining = (w: WatchState): boolean => {
  const b = w.h.backlog?.() ?? 0;
  if (b >= w.backlog) return false;
  w.backlog = b;
  return true;
};

/** The timer fired: decide from elapsed time, and re-arm. */
function check(w: WatchState): void {
  if (!w.running) return;
  const { s, h } = w;
  const t = h.now();
  settle(w, t);
  const late = t - w.due > LATE_FIRE_MS;
  if (s.mode === 'server') {
    const silent = t - w.lastAlive;
    if (silent < s.timeout) arm(w, s.timeout - silent, true);
    else if (late && !w.lateProbe) {
      w.probing = w.lateProbe = true;
      w.probeUntil = t + s.grace;
      arm(w, s.grace, true);
    } else if (!w.probing || t >= w.probeUntil) h.dead(silent);
    else arm(w, w.probeUntil - t, true);
    return;
  }
  if (w.pingAt === null || w.lastAlive >= w.pingAt) {
    const idle = t - w.lastAlive;
    if (idle >= s.interval) {
      ping(w, t);
      arm(w, s.timeout, true);
    } else arm(w, s.interval - idle, true);
    return;
  }
  const waited = t - w.pingAt;
  if (late && !w.lateProbe) {
    w.probing = w.lateProbe = true;
    w.probeUntil = t + s.grace;
    ping(w, t);
    arm(w, s.grace, true);
  } else if (!w.probing && waited >= s.timeout && draining(w)) arm(w, s.timeout, true);
  else if (w.probing ? t >= w.probeUntil : waited >= s.timeout) h.dead(t - w.lastAlive);
  else arm(w, w.probing ? w.probeUntil - t : s.timeout - waited, true);
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
  const num = numbersOf('heartbeat.', h, H);
  return {
    mode: h.mode === undefined ? H.mode : checkOneOf('heartbeat.mode', h.mode, ['client', 'server']),
    interval: num('interval'),
    timeout: num('timeout'),
    grace: num('grace'),
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
        let data = v as WireData;
        if (typeof v !== 'string') {
          try {
            data = ctx.codec.encode(v as Outgoing);
          } catch (cause) {
            return ctx.report(isResilientWsError(cause, 'EncodeError') ? cause : fail('EncodeError', `The heartbeat ${what} could not be encoded.`, { cause }), false);
          }
        }
        ctx.sendFrame(data);
      };
      // The app's matchers run in the socket's message listener: a throw is an error event and
      // the frame counts as not heartbeat traffic (the built-in ones cannot throw).
      const guarded = (name: 'isPong' | 'isPing', fn: (data: RawMessage) => boolean) =>
        fn === isPong || fn === isPing ? fn : (data: RawMessage) => ctx.guard(`heartbeat.${name}`, () => fn(data), false);
      const dog = createWatchdog({ ...s, isPong: guarded('isPong', s.isPong), isPing: guarded('isPing', s.isPing) }, {
        now: () => clock.now(),
        timer: ctx.timer(() => dog.check()),
        sendPing: () => send(s.message, 'message'),
        sendReply: (ping) => send(typeof s.reply === 'function' ? () => (s.reply as (p: RawMessage) => unknown)(ping) : s.reply, 'reply'),
        dead(silentFor) {
          const error = fail('HeartbeatTimeoutError', `No answer from the server for ${Math.round(silentFor)} ms: the connection is dead.`);
          ctx.dispatch({ type: 'end', how: { by: 'heartbeat', category: 'heartbeat-timeout', then: 'decide', error, code: 3008, reason: 'heartbeat timeout', urgent: fast } });
        },
        backlog: () => ctx.link()?.bufferedAmount ?? 0,
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
