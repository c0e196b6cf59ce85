import type { ClientOptions } from '../index.js';

/**
 * A framework-free, reference-counted table of shared connections, used by the React hook and
 * the Vue composable so several components reuse one client. Nothing here knows about
 * reconnecting, heartbeats or queues: it only decides when a client is created and disposed.
 */

/** What the registry needs from a client. */
export interface Disposable {
  dispose(): void;
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
   * Takes a hold on the client under `key`, creating it with `create` if there is none. A client
   * whose last hold is released is disposed `grace` ms later (at once when `grace` ≤ 0) unless
   * someone takes a hold again before, so an unmount followed by a mount (React StrictMode, a
   * route change) keeps the connection.
   */
  acquire<C extends Disposable>(key: string, create: () => C, grace: number): Lease<C>;
  /** The client under `key`, if one exists (held, or waiting out its grace period). */
  peek<C extends Disposable>(key: string): C | undefined;
  /** How many clients exist. */
  readonly size: number;
}

/** How long a shared connection outlives its last user, in ms. */
export const DEFAULT_GRACE = 1000;

interface Entry {
  readonly client: Disposable;
  users: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Creates an empty registry. Timers are read from the global scope when needed, never at import. */
export function createRegistry(): Registry {
  const entries = new Map<string, Entry>();

  const destroy = (key: string, entry: Entry) => {
    if (entry.users > 0 || entries.get(key) !== entry) return;
    entries.delete(key);
    entry.client.dispose();
  };

  return {
    acquire<C extends Disposable>(key: string, create: () => C, grace: number): Lease<C> {
      let entry = entries.get(key);
      if (!entry) {
        entry = { client: create(), users: 0, timer: undefined };
        entries.set(key, entry);
      }
      const held = entry;
      held.users++;
      clearTimeout(held.timer);
      held.timer = undefined;
      let released = false;
      return {
        client: held.client as C,
        release(after = grace) {
          if (released) return;
          released = true;
          if (--held.users > 0) return;
          if (after > 0) held.timer = setTimeout(() => destroy(key, held), after);
          else destroy(key, held);
        },
      };
    },
    peek: <C extends Disposable>(key: string) => entries.get(key)?.client as C | undefined,
    get size() {
      return entries.size;
    },
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
