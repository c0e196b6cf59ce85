import type { ClientOptions } from '../index.js';
import type { Feature } from '../core/feature.js';
import { keepAlive } from '../features/keep-alive.js';

/**
 * A framework-free table of shared connections, used by the React hook and
 * the Vue composable so several components reuse one client. Nothing here knows about
 * reconnecting, heartbeats or queues, nor keeps time: a client holds itself alive (its
 * keep-alive feature) and tells the registry when it is unused.
 */

/** What the registry needs from a client. */
export interface Disposable {
  dispose(): void;
  /** Holding a client is subscribing to it: its keep-alive counts subscribers. */
  subscribe(listener: () => void): () => void;
}

/** One user's hold on a shared client. `release()` is idempotent. */
export interface Lease<C> {
  readonly client: C;
  /** Give the hold back; `grace` overrides the acquirer's (0 when the user moved to another connection). */
  release(grace?: number): void;
}

/** A table of shared clients, keyed by string. */
export interface Registry {
  /**
   * Takes a hold on the client under `key`, creating it with `create` if there is none; `create`
   * gets the keep-alive feature to attach. The client's own keep-alive disposes it `grace` ms
   * after its last user leaves (at once when `grace` ≤ 0) unless someone takes a hold again
   * before, so an unmount followed by a mount (React StrictMode, a route change) keeps the
   * connection.
   */
  acquire<C extends Disposable>(key: string, create: (keep: Feature<never, never>) => C, grace: number): Lease<C>;
  /** The client under `key`, if one exists (held, or waiting out its grace period). */
  peek<C extends Disposable>(key: string): C | undefined;
}

/** How long a shared connection outlives its last user, in ms. */
export const DEFAULT_GRACE = 1000;

interface Entry {
  client: Disposable | undefined;
  /** The grace the next time the client becomes unused (a release may override the acquirer's). */
  next: number;
}

/** Creates an empty registry. The timing is the clients' own (their keep-alive). */
export function createRegistry(): Registry {
  const entries = new Map<string, Entry>();
  return {
    acquire<C extends Disposable>(key: string, create: (keep: Feature<never, never>) => C, grace: number): Lease<C> {
      let entry = entries.get(key);
      if (!entry?.client) {
        const fresh: Entry = { client: undefined, next: grace };
        entries.set(key, fresh);
        const keep = keepAlive<never, never>({
          grace: () => fresh.next,
          onUnused() {
            if (entries.get(key) === fresh) entries.delete(key);
            fresh.client?.dispose();
          },
        });
        fresh.client = create(keep);
        entry = fresh;
      }
      const held = entry;
      held.next = grace;
      const hold = held.client!.subscribe(() => {});
      let released = false;
      return {
        client: held.client as C,
        release(after = grace) {
          if (released) return;
          released = true;
          held.next = after;
          hold();
        },
      };
    },
    peek: <C extends Disposable>(key: string) => entries.get(key)?.client as C | undefined,
  };
}

let shared: Registry | undefined;

/** The registry the adapters share by default (created on first use). */
export const sharedRegistry = (): Registry => (shared ??= createRegistry());

const ids = new WeakMap<object, number>();
let nextId = 0;
/** A stable number per object identity (functions, clients). */
export const identity = (value: object): number => {
  let id = ids.get(value);
  if (id === undefined) ids.set(value, (id = ++nextId));
  return id;
};

/**
 * The sharing key of a set of client options: the URL and protocols (a provider function by
 * identity) plus every data-valued option (numbers, strings, booleans, arrays, plain objects).
 * Behaviour-valued options — functions and class instances such as `WebSocket`, `clock`,
 * `logger`, `refresh`, codec objects' methods — are left out: the first user's win. Two
 * components that need separate connections to the same address pass different `key`s.
 */
export function connectionKey<Incoming, Outgoing>(options: ClientOptions<Incoming, Outgoing>): string {
  const { url, protocols, ...rest } = options;
  const address = (v: unknown) =>
    typeof v === 'function' ? `fn#${identity(v)}` : v instanceof URL ? v.href : v === undefined ? null : data(v);
  return JSON.stringify([address(url), address(protocols), data(rest)]);
}

function data(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v !== 'object' || v === null) return typeof v === 'function' ? undefined : v;
  if (Array.isArray(v)) return v.map(data);
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) {
    const d = data((v as Record<string, unknown>)[k]);
    if (d !== undefined) out[k] = d;
  }
  return out;
}
