import type { RawMessage } from './codec';

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
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
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
export function createHeartbeat(s: HeartbeatSettings, h: HeartbeatHooks) {
  let timer: unknown;
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
  let probeAt = 0;

  const arm = (ms: number, fromTimer: boolean) => {
    h.clearTimeout(timer);
    due = h.now() + ms;
    chained = fromTimer;
    timer = h.setTimeout(check, ms);
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
        probeAt = t;
        arm(s.grace, true);
      } else if (!probing || t - probeAt >= s.grace) h.dead(silent);
      else arm(s.grace - (t - probeAt), true);
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
      ping(t);
      arm(s.grace, true);
    } else if (waited >= (probing ? s.grace : s.timeout)) h.dead(t - lastAlive);
    else arm((probing ? s.grace : s.timeout) - waited, true);
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
      h.clearTimeout(timer);
      timer = undefined;
    },
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
    /** Check liveness now (page became visible, resumed, came online): ping and allow `grace`. */
    probe(): void {
      if (!running) return;
      const t = h.now();
      settle(t);
      probing = true;
      lateProbe = false;
      probeAt = t;
      if (s.mode === 'client') ping(t);
      arm(s.grace, false);
    },
  };
}

/** The watchdog's public shape. */
export type Heartbeat = ReturnType<typeof createHeartbeat>;
