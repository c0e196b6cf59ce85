import mitt from 'mitt';
import { MAX_DELAY } from './backoff.js';
import type { OwnedTimer } from './feature.js';
import type { Clock, Logger } from './options.js';

/**
 * Where the app's code is called: event handlers, snapshot subscribers and the logger, each
 * guarded; and the timers features own. Nothing here decides anything.
 */

type Handler = (event: unknown) => void;

/** Event delivery and the app's listeners. */
export interface Bus {
  /** Deliver an event to its handlers; stops between handlers once the client is disposed. */
  deliver(name: string, payload: unknown): void;
  /** Add a guarded handler; returns the remover. */
  on(name: string, handler: Handler): () => void;
  /** Add a guarded snapshot subscriber; returns the remover (true when it was there). */
  subscribe(listener: () => void): () => boolean;
  /** Call every subscriber. */
  notify(): void;
  readonly subscribers: number;
  log(level: keyof Logger, message: string, data?: unknown): void;
  /** Events raised while `createClient()` runs are held until this is called (a microtask later). */
  release(): void;
  /** Nothing is delivered or logged any more; every listener is dropped. */
  close(): void;
}

export function createBus(logger: Logger | undefined): Bus {
  const emitter = mitt<Record<string, unknown>>();
  const all = emitter.all as unknown as Map<string, Handler[]>;
  const subscribers = new Set<() => void>();
  let closed = false;
  // Events raised while createClient() runs (a refused first attempt) are held for a microtask,
  // so handlers attached right after createClient() still hear them.
  let held: (() => void)[] | null = [];
  const log = (level: keyof Logger, message: string, data?: unknown) => {
    if (closed) return;
    try {
      logger?.[level]?.(message, data);
    } catch {
      // a logger that throws cannot be told about it
    }
  };
  const failed = (err: unknown) => {
    const g = globalThis as { reportError?: (e: unknown) => void };
    // Node has no reportError: rethrowing there would be an uncaughtException per failure.
    if (typeof g.reportError === 'function') g.reportError(err);
    else if (logger?.error) log('error', 'A resilient-ws event handler threw.', err);
    else console.error('resilient-ws: an event handler threw', err);
  };
  const guarded = <A>(fn: (arg: A) => void) => (arg: A) => {
    // One argument, no rest/spread: this wraps every message handler, so it must not allocate.
    try {
      fn(arg);
    } catch (err) {
      failed(err);
    }
  };
  const bus: Bus = {
    deliver(name, payload) {
      if (held) return void held.push(() => bus.deliver(name, payload));
      const list = all.get(name);
      if (!list || closed) return;
      if (list.length === 1) list[0]!(payload);
      else for (const h of list.slice()) if (!closed) h(payload);
    },
    on(name, handler) {
      const h = guarded(handler);
      emitter.on(name, h);
      return () => emitter.off(name, h);
    },
    subscribe(listener) {
      const l = guarded<void>(listener);
      subscribers.add(l);
      return () => subscribers.delete(l);
    },
    notify() {
      for (const l of [...subscribers]) if (!closed) l();
    },
    get subscribers() {
      return subscribers.size;
    },
    log,
    release() {
      const pending = held ?? [];
      held = null;
      if (pending.length) queueMicrotask(() => pending.forEach((f) => f()));
    },
    close() {
      closed = true;
      all.clear();
      subscribers.clear();
    },
  };
  return bus;
}

/** Longer delays fire at once in browsers and Node: wait in steps of the longest a timer holds. */
export const clampDelay = (ms: number): number => (ms > MAX_DELAY ? MAX_DELAY : ms > 0 ? ms : 0);

/** Timers owned by features: clamped, guarded by `alive`, all cancelled by `cancelAll`. */
export function createTimers(clock: Clock, alive: () => boolean) {
  const owned = new Set<OwnedTimer>();
  return {
    timer(callback: () => void): OwnedTimer {
      let handle: unknown;
      let due = Infinity;
      let stepped = false; // the delay was longer than a timer holds: the callback waits for `due`
      const set = (at: number) => {
        clock.clearTimeout(handle);
        handle = undefined;
        due = at;
        if (at === Infinity || !alive()) return;
        const ms = Math.max(0, at - clock.now());
        stepped = ms > MAX_DELAY;
        handle = clock.setTimeout(() => {
          handle = undefined;
          if (!alive()) return;
          if (stepped) return set(due);
          due = Infinity;
          callback();
        }, clampDelay(ms));
      };
      const t: OwnedTimer = {
        at: set,
        in: (ms) => set(clock.now() + ms),
        cancel: () => set(Infinity),
        get pending() {
          return due !== Infinity;
        },
      };
      owned.add(t);
      return t;
    },
    cancelAll: () => owned.forEach((t) => t.cancel()),
  };
}
