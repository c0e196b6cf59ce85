import type { OverflowPolicy } from './options';
import type { WireData } from './codec';

/** Why a message left the outbox without being sent. */
export type DropReason = 'overflow' | 'expired' | 'cleared' | 'disposed' | 'disabled';

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
