import type { DropReason } from '../core/api.js';
import { byteLength, type WireData } from '../core/codec.js';
import type { Feature } from '../core/feature.js';
import { OUTBOX_DEFAULTS, type OutboxOptions, type OverflowPolicy } from '../core/options.js';
import { checkObject, checkOneOf, numbersOf } from '../core/validate.js';

export type { DropReason };

/** A queued message: the application's value and its encoded frame. */
export interface OutboxEntry<Outgoing> {
  readonly message: Outgoing;
  readonly data: WireData;
  readonly bytes: number;
  /** Monotonic deadline, or Infinity. */
  readonly expiresAt: number;
}

/** Resolved outbox limits. */
export interface OutboxLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
  readonly overflow: OverflowPolicy;
}

/**
 * A bounded FIFO. `push` returns whether the entry was queued and which entries it pushed out;
 * it never drops anything without saying so, and never reorders.
 */
export function createOutbox<Outgoing>(limits: OutboxLimits) {
  let items: OutboxEntry<Outgoing>[] = [];
  let bytes = 0;
  const fits = (e: OutboxEntry<Outgoing>) => items.length < limits.maxMessages && bytes + e.bytes <= limits.maxBytes;

  return {
    get size() {
      return items.length;
    },
    get bytes() {
      return bytes;
    },
    /** Queue `e`; returns `{ queued, dropped }` (dropped: entries evicted, or `e` itself when rejected). */
    push(e: OutboxEntry<Outgoing>): { queued: boolean; dropped: OutboxEntry<Outgoing>[] } {
      const dropped: OutboxEntry<Outgoing>[] = [];
      if (e.bytes > limits.maxBytes || limits.maxMessages === 0 || limits.overflow === 'reject') {
        if (!fits(e)) return { queued: false, dropped: [e] };
      } else {
        while (!fits(e) && items.length) {
          const out = limits.overflow === 'drop-oldest' ? items.shift()! : items.pop()!;
          bytes -= out.bytes;
          dropped.push(out);
        }
      }
      items.push(e);
      bytes += e.bytes;
      return { queued: true, dropped };
    },
    /** The oldest entry, left in place: flush takes it out only once the socket accepted it. */
    peek: (): OutboxEntry<Outgoing> | undefined => items[0],
    shift(): OutboxEntry<Outgoing> | undefined {
      const e = items.shift();
      if (e) bytes -= e.bytes;
      return e;
    },
    /** Remove and return every entry whose deadline has passed. */
    expire(now: number): OutboxEntry<Outgoing>[] {
      const gone = items.filter((e) => e.expiresAt <= now);
      if (gone.length) {
        items = items.filter((e) => e.expiresAt > now);
        bytes = items.reduce((n, e) => n + e.bytes, 0);
      }
      return gone;
    },
    /** Earliest deadline, or Infinity. */
    nextExpiry: (): number => items.reduce((t, e) => Math.min(t, e.expiresAt), Infinity),
    /** Remove and return everything. */
    clear(): OutboxEntry<Outgoing>[] {
      const all = items;
      items = [];
      bytes = 0;
      return all;
    },
  };
}

/** The outbox's public shape. */
export type Outbox<Outgoing> = ReturnType<typeof createOutbox<Outgoing>>;

/** A queued frame's own bytes: the app may reuse its buffer once send() returns (`WebSocket.send()` copies too). Blobs are immutable. */
const own = (d: WireData): WireData =>
  d instanceof ArrayBuffer ? d.slice(0) : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice() : d;

/** The backpressure poll while `bufferedAmount` is above the high-water mark. */
const DRAIN_POLL_MS = 25;

/** Resolves outbox options against {@link OUTBOX_DEFAULTS}; throws `InvalidOptionError` for bad ones. */
export function resolveOutbox(ob: OutboxOptions): Required<OutboxOptions> {
  checkObject('outbox', ob);
  const B = OUTBOX_DEFAULTS;
  const num = numbersOf('outbox.', ob, B);
  return {
    maxMessages: num('maxMessages', true),
    maxBytes: num('maxBytes', true),
    overflow: ob.overflow === undefined ? B.overflow : checkOneOf('outbox.overflow', ob.overflow, ['reject', 'drop-oldest', 'drop-newest']),
    ttl: num('ttl', true),
    highWaterMark: num('highWaterMark', true),
  };
}

/**
 * The outbox feature: `send()` goes straight to an open socket with room, and waits here
 * otherwise; queued messages go out in order when a connection opens (and the socket drains),
 * expire by their ttl, and every message that leaves unsent is reported by one `drop` event.
 */
export function outbox<Incoming = unknown, Outgoing = unknown>(options: OutboxOptions = {}): Feature<Incoming, Outgoing> {
  const o = resolveOutbox(options);
  return {
    name: 'outbox',
    attach(ctx) {
      const q = createOutbox<Outgoing>(o);
      const ttl = ctx.timer(() => {
        expire();
        sync();
        scheduleTtl();
      });
      let draining = false; // waiting for bufferedAmount to fall below the high-water mark
      const drain = ctx.timer(() => {
        draining = false;
        flush();
      });
      // Drops waiting to be reported, in order. A `drop` handler may dispose the client while a
      // batch is being reported: dispose() reports the rest of the batch before its own drops.
      const reports: [Outgoing, DropReason][] = [];
      const drop = (entries: OutboxEntry<Outgoing>[], reason: DropReason) => {
        for (const e of entries) reports.push([e.message, reason]);
        for (let r = reports.shift(); r; r = reports.shift()) ctx.emit('drop', { message: r[0], reason: r[1] });
      };
      const expire = () => drop(q.expire(ctx.clock.now()), 'expired');
      const sync = () => ctx.dispatch({ type: 'patch', patch: { queued: q.size, queuedBytes: q.bytes, bufferedAmount: ctx.link()?.bufferedAmount ?? 0 } });
      const scheduleTtl = () => ttl.at(ctx.state().frozen ? Infinity : q.nextExpiry());
      const writable = () => {
        const s = ctx.state();
        return s.phase.t === 'open' && !s.frozen && !!ctx.link()?.writable;
      };
      function flush(): void {
        if (draining || !writable()) return;
        expire();
        const link = ctx.link()!;
        while (q.size) {
          if (link.bufferedAmount > o.highWaterMark) {
            draining = true;
            drain.in(DRAIN_POLL_MS);
            break;
          }
          if (!ctx.sendFrame(q.peek()!.data)) break;
          q.shift();
        }
        sync();
        scheduleTtl();
      }
      return {
        send(message, data, ttlMs) {
          if (writable() && !q.size && ctx.link()!.bufferedAmount <= o.highWaterMark && ctx.sendFrame(data)) return 'sent';
          const entry = { message, data: own(data), bytes: byteLength(data), expiresAt: ctx.clock.now() + (ttlMs ?? o.ttl) };
          const { queued, dropped } = q.push(entry);
          drop(dropped, 'overflow');
          sync();
          if (queued) {
            scheduleTtl();
            flush();
          }
          return queued ? 'queued' : 'rejected';
        },
        changed(next, prev) {
          if (next.frozen !== prev.frozen) {
            draining = false;
            drain.cancel();
            scheduleTtl();
          }
          const p = next.phase;
          if (p.t === 'open' && (prev.phase.t !== 'open' || prev.frozen || prev.phase.sock !== p.sock)) flush();
        },
        clear() {
          const all = q.clear();
          drop(all, 'cleared');
          sync();
          ttl.cancel();
          return all.map((e) => e.message);
        },
        dispose: () => drop(q.clear(), 'disposed'),
      };
    },
  };
}
