import { DEFAULTS, type Client, type ClientOptions, type Snapshot } from '../index.js';
import { createClientWith } from '../core/client.js';
import type { Feature } from '../core/feature.js';
import { initialSnapshot } from '../core/state.js';
import { connectionKey, DEFAULT_GRACE, identity, sharedRegistry, type Lease } from './registry.js';

/** What an adapter connects through: an existing client, or options for a shared one. */
export type Target<Incoming, Outgoing> = Client<Incoming, Outgoing> | ClientOptions<Incoming, Outgoing>;

/** How a connection created from options is shared. */
export interface ShareOptions {
  /** Share the connection under this key instead of one derived from the options. @default connectionKey(options) */
  key?: string;
  /** How long (ms) the connection outlives its last user, so remounts reuse it; ≤ 0 closes at once. @default 1000 */
  grace?: number;
}

/** The snapshot shown before a connection exists, and on the server. */
export const IDLE_SNAPSHOT: Snapshot = initialSnapshot(true);

/** Where an adapter gets its client from. Creating a source does nothing; `acquire` does. */
export interface Source<Incoming, Outgoing> {
  readonly key: string;
  /** Take a hold on the client (created and connected on first hold). */
  acquire(): Lease<Client<Incoming, Outgoing>>;
  /** The client, if it exists. */
  peek(): Client<Incoming, Outgoing> | undefined;
  /** Call `fn` with the client; if nobody holds it yet it is created and lives for the grace period. */
  use<R>(fn: (client: Client<Incoming, Outgoing>) => R): R;
}

/** Whether `target` is a client rather than options. */
export const isClient = <I, O>(target: Target<I, O>): target is Client<I, O> =>
  typeof (target as Client<I, O>).getSnapshot === 'function' && typeof (target as Client<I, O>).subscribe === 'function';

/** The sharing key of a target: a client by identity, options by `key` or their content. */
export const keyOf = <I, O>(target: Target<I, O>, share: ShareOptions = {}): string =>
  isClient(target) ? `client#${identity(target)}` : share.key ?? connectionKey(target);

/**
 * A source over `target`. A client passed in is used as is (the caller owns it). Options go
 * through the shared registry: the client is created with `autoConnect: false` and connected
 * when the first hold is taken, so nothing happens during a (server) render.
 */
export function toSource<I, O>(target: Target<I, O>, share: ShareOptions = {}): Source<I, O> {
  const key = keyOf(target, share);
  let acquire: () => Lease<Client<I, O>>;
  let peek: () => Client<I, O> | undefined;
  if (isClient(target)) {
    acquire = () => ({ client: target, release() {} });
    peek = () => target;
  } else {
    const registry = sharedRegistry();
    const create = (keep: Feature<never, never>) => {
      const client = createClientWith<I, O>({ ...target, autoConnect: false }, [keep as unknown as Feature<I, O>]);
      if ((target.autoConnect ?? DEFAULTS.autoConnect) && !(target.lazy ?? DEFAULTS.lazy)) client.connect();
      return client;
    };
    acquire = () => registry.acquire(key, create, share.grace ?? DEFAULT_GRACE);
    peek = () => registry.peek(key);
  }
  return {
    key,
    acquire,
    peek,
    use(fn) {
      const lease = acquire();
      try {
        return fn(lease.client);
      } finally {
        lease.release();
      }
    },
  };
}
