import { utf8Length } from '../core/codec.js';
import { fail } from '../core/errors.js';
import type { Feature } from '../core/feature.js';
import { sockOf } from '../core/machine.js';
import { DIAGNOSTICS_DEFAULTS, type Clock, type DiagnosticsOptions } from '../core/options.js';
import { iso, reportOf, tenth, text, type DiagnosticsEntry, type Recording } from '../core/report.js';
import { checkObject } from '../core/validate.js';

/**
 * The diagnostics feature: a recorder of what the connection did, for `client.diagnostics()`.
 * It listens through the engine's `observe` hook (events and browser signals, never messages)
 * and `changed` (a socket being opened), and keeps a ring bounded in entries and in bytes, so a
 * long session costs a few dozen kB at most. Nothing it records is a message's contents, an
 * error's `cause` or an unmasked URL.
 */

/** The entries' JSON stays under this many UTF-8 bytes (the oldest go first). */
export const MAX_ENTRY_BYTES = 32_000;
/** Consecutive RTT samples (or drops of one reason) within this window share an entry. */
export const MERGE_WINDOW_MS = 60_000;
const MAX_LIMIT = 1000;

/** An entry before it is stamped. */
type Fields = DiagnosticsEntry extends infer E ? (E extends unknown ? Omit<E, 'at' | 't'> : never) : never;

interface Slot {
  e: Record<string, unknown>;
  bytes: number;
  /** Monotonic time of the first sample (for merging). */
  since: number;
  /** Sum of the RTT samples (for the average). */
  sum: number;
}

/** The ring: bounded by `limit` entries and {@link MAX_ENTRY_BYTES}. */
function createRecorder(clock: Clock, limit: number) {
  const created = { mono: clock.now(), wall: clock.wallNow() };
  const ring: Slot[] = [];
  let bytes = 0;
  let dropped = 0;
  const size = (e: object) => utf8Length(JSON.stringify(e)) + 1;
  const trim = () => {
    // An entry over the bound on its own (only a hostile payload makes one) goes too.
    while (ring.length > limit || bytes > MAX_ENTRY_BYTES) {
      bytes -= ring.shift()!.bytes;
      dropped++;
    }
  };
  const rec = {
    created,
    limit,
    get dropped() {
      return dropped;
    },
    entries: () => ring.map((s) => s.e) as unknown as DiagnosticsEntry[],
    add(fields: Fields): Slot {
      const now = clock.now();
      // `kind` first, then the times, then the rest: how a person reads it.
      const e: Record<string, unknown> = Object.assign({ kind: fields.kind, at: iso(clock.wallNow()), t: Math.round(now - created.mono) }, fields);
      const slot: Slot = { e, bytes: size(e), since: now, sum: 0 };
      ring.push(slot);
      bytes += slot.bytes;
      trim();
      return slot;
    },
    /** The newest entry, if it is a `kind` entry that `same` accepts and that is recent enough to merge into. */
    mergeable(kind: string, same: (e: Record<string, unknown>) => boolean): Slot | undefined {
      const last = ring.at(-1);
      return last && last.e.kind === kind && same(last.e) && clock.now() - last.since < MERGE_WINDOW_MS ? last : undefined;
    },
    /** A merged entry changed: account for its new size. */
    resized(slot: Slot) {
      const b = size(slot.e);
      bytes += b - slot.bytes;
      slot.bytes = b;
      trim();
    },
  };
  return rec satisfies Recording;
}

type Recorder = ReturnType<typeof createRecorder>;

/** A copy of a plain record (a `CloseInfo`): texts capped and URLs masked, numbers, booleans, one level of nesting; nothing else. */
function plain(v: unknown, depth = 1): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!v || typeof v !== 'object') return out;
  for (const k of Object.keys(v).slice(0, 32)) {
    const x = (v as Record<string, unknown>)[k];
    if (typeof x === 'string') out[k] = text(x);
    else if (typeof x === 'number') out[k] = Number.isFinite(x) ? x : null;
    else if (typeof x === 'boolean' || x === null) out[k] = x;
    else if (depth > 0 && typeof x === 'object' && !Array.isArray(x)) out[k] = plain(x, depth - 1);
  }
  return out;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** One observed event or signal, as an entry (or merged into the newest one). */
function record(rec: Recorder, name: string, payload: unknown): void {
  const p = (payload ?? {}) as Record<string, unknown>;
  switch (name) {
    case 'open':
      return void rec.add({ kind: 'open', protocol: text(p.protocol ?? ''), extensions: text(p.extensions ?? '') });
    case 'close':
      return void rec.add({ kind: 'close', close: plain(p) as never });
    case 'reconnecting':
      return void rec.add({ kind: 'reconnecting', attempt: num(p.attempt), delay: num(p.delay) });
    case 'error':
      // Name and message only: `cause` and `data` (a raw frame, a message) stay out.
      return void rec.add({ kind: 'error', name: text(p.name, 64), message: text(p.message) });
    case 'signal': {
      const persisted = typeof p.persisted === 'boolean' ? { persisted: p.persisted } : {};
      return void rec.add({ kind: 'signal', name: text(p.name, 32), ...persisted });
    }
    case 'notice': {
      const n = (p.notice ?? {}) as Record<string, unknown>;
      const after = typeof n.retryAfter === 'number' ? { retryAfter: n.retryAfter } : {};
      return void rec.add({ kind: 'notice', code: num(n.code), reason: text(n.reason ?? ''), ...after });
    }
    case 'rtt':
      return rtt(rec, tenth(num(p.rtt)) ?? 0);
    case 'drop': {
      const reason = text(p.reason, 32);
      const slot = rec.mergeable('drop', (e) => e.reason === reason);
      if (!slot) return void rec.add({ kind: 'drop', reason, count: 1 });
      (slot.e.count as number)++;
      return rec.resized(slot);
    }
    default:
      return void rec.add({ kind: 'event', name: text(name, 32) });
  }
}

/** An RTT sample: a new entry, or merged into the newest one (count, min, average, max). */
function rtt(rec: Recorder, ms: number): void {
  const slot = rec.mergeable('rtt', () => true);
  if (!slot) {
    rec.add({ kind: 'rtt', samples: 1, min: ms, avg: ms, max: ms }).sum = ms;
    return;
  }
  const e = slot.e as { samples: number; min: number; avg: number; max: number };
  slot.sum += ms;
  e.samples++;
  e.min = Math.min(e.min, ms);
  e.max = Math.max(e.max, ms);
  e.avg = tenth(slot.sum / e.samples) ?? 0;
  rec.resized(slot);
}

/**
 * The diagnostics feature (`createClient` attaches it unless `diagnostics: false`): records the
 * recent connection history for `client.diagnostics()`.
 *
 * @example
 * import { createCore, diagnostics, heartbeat } from 'resilient-ws/core';
 * const client = createCore({ url, features: [heartbeat(), diagnostics({ limit: 100 })] });
 * const report = JSON.stringify(client.diagnostics(), null, 2);
 */
export function diagnostics<Incoming = unknown, Outgoing = unknown>(options: DiagnosticsOptions = {}): Feature<Incoming, Outgoing> {
  checkObject('diagnostics', options);
  const limit = options.limit ?? DIAGNOSTICS_DEFAULTS.limit;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw fail('InvalidOptionError', `diagnostics.limit must be an integer from 1 to ${MAX_LIMIT}; got ${String(limit)}.`);
  }
  return {
    name: 'diagnostics',
    attach(ctx) {
      const rec = createRecorder(ctx.clock, limit);
      // A recorder must never break the engine, whatever it is handed.
      const safely = (fn: () => void) => {
        try {
          fn();
        } catch {
          // the entry is lost; the connection is not
        }
      };
      return {
        observe: (name, payload) => safely(() => record(rec, name, payload)),
        changed(next, prev) {
          const p = next.phase;
          if (p.t !== 'connecting' || !p.sock || p.sock === sockOf(prev.phase)) return;
          const url = next.snap.url;
          safely(() => rec.add({ kind: 'connecting', attempt: next.snap.attempt, url: url === null ? null : text(url, 300) }));
        },
        diagnostics: () => reportOf(ctx.snapshot(), ctx.clock, rec),
        dispose: () => safely(() => rec.add({ kind: 'dispose' })),
      };
    },
  };
}
