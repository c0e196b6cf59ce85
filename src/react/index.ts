/**
 * React binding: `useWebSocket` over the client's `subscribe`/`getSnapshot` contract.
 * @packageDocumentation
 */
import { useCallback, useEffect, useInsertionEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { ClientOptions, RawMessage, SendOptions, SendResult, Snapshot } from '../index.js';
import { IDLE_SNAPSHOT, isClient, keyOf, toSource, type ShareOptions, type Source, type Target } from '../shared/source.js';

export type { ShareOptions, Target } from '../shared/source.js';
export { connectionKey, DEFAULT_GRACE } from '../shared/registry.js';

/** Options of {@link useWebSocket} (the hook's own; client options go in the first argument). */
export interface UseWebSocketOptions<Incoming, Selected> extends ShareOptions {
  /** Picks the part of the snapshot the component renders; it re-renders only when that part changes. @default the whole snapshot */
  select?: (snapshot: Snapshot) => Selected;
  /** Compares two selections. @default Object.is */
  equals?: (a: Selected, b: Selected) => boolean;
  /** Called for every message, without re-rendering. Always the latest function passed. @default undefined */
  onMessage?: (message: Incoming) => void;
  /** Keep the last message in `lastMessage` (re-renders on every message). @default false */
  lastMessage?: boolean;
}

/** What {@link useWebSocket} returns. The functions are stable for the component's lifetime. */
export interface UseWebSocketResult<Incoming, Outgoing, Selected> {
  /** The snapshot, or the selected part of it. `idle` on the server and before the first effect. */
  readonly state: Selected;
  /** The last message received (only with `lastMessage: true`). */
  readonly lastMessage: Incoming | undefined;
  send(message: Outgoing, options?: SendOptions): SendResult;
  connect(): void;
  close(code?: number, reason?: string): void;
  reconnect(): void;
}

/**
 * Connects a component to a WebSocket. Pass an existing client (you own it), or client options:
 * components passing equal options (or the same `key`) share one connection, opened after the
 * first mounts and closed `grace` ms after the last unmounts. Nothing happens during render, so
 * it is safe on the server (status `idle`). Options are read when the connection is created; a
 * change of URL or of any key-relevant option moves to a new connection.
 *
 * @example
 * const { state: status, send } = useWebSocket<ServerMsg, ClientMsg, ConnectionStatus>(
 *   { url: 'wss://example.com/live', codec: 'json' },
 *   { select: (s) => s.status, onMessage: (m) => addToList(m) },
 * );
 */
export function useWebSocket<Incoming = RawMessage, Outgoing = unknown, Selected = Snapshot>(
  target: Target<Incoming, Outgoing>,
  options: UseWebSocketOptions<Incoming, Selected> = {},
): UseWebSocketResult<Incoming, Outgoing, Selected> {
  const { key, grace, select, equals = Object.is, onMessage, lastMessage: keepLast = false } = options;
  const [effective, keyed] = useStableProviders(target);
  const id = keyOf(keyed, { key });
  // The source is identified by its key, not by the options object's identity.
  const source = useMemo(() => toSource(effective, { key: id, grace }), [id, grace]);

  // Latest refs, set before any effect: the handler and the source the functions act on.
  const handler = useRef(onMessage);
  const current = useRef(source);
  useInsertionEffect(() => {
    handler.current = onMessage;
    current.current = source;
  });
  // On unmount (or StrictMode's simulated one) the connection waits out the grace period; when the
  // component moved to another connection, the old one is released at once.
  // (A new source under the same key, e.g. after a `grace` change, is not a move.)
  const release = (lease: { release(grace?: number): void }) => lease.release(current.current.key === source.key ? undefined : 0);

  const subscribe = useCallback(
    (onChange: () => void) => {
      const lease = source.acquire();
      const off = lease.client.subscribe(onChange);
      return () => {
        off();
        release(lease);
      };
    },
    [source],
  );
  const read = useMemo(() => {
    // Memoise the selection so an equal selection keeps its identity and skips the render.
    let memo: { snap: Snapshot; value: Selected } | null = null;
    const pick = select ?? ((s: Snapshot) => s as unknown as Selected);
    const selected = (snap: Snapshot) => {
      if (memo?.snap === snap) return memo.value;
      const value = pick(snap);
      memo = { snap, value: memo && equals(memo.value, value) ? memo.value : value };
      return memo.value;
    };
    return {
      client: () => selected(source.peek()?.getSnapshot() ?? IDLE_SNAPSHOT),
      server: () => selected(IDLE_SNAPSHOT),
    };
  }, [source, select, equals]);
  const state = useSyncExternalStore(subscribe, read.client, read.server);

  // The message subscription never changes when the handler does (latest-ref pattern).
  const lastMessage = useMessages(source, handler, !!onMessage || keepLast, keepLast, release);

  const actions = useMemo(
    () => ({
      send: (message: Outgoing, opts?: SendOptions) => current.current.use((c) => c.send(message, opts)),
      connect: () => current.current.use((c) => c.connect()),
      close: (code?: number, reason?: string) => current.current.peek()?.close(code, reason),
      reconnect: () => current.current.use((c) => c.reconnect()),
    }),
    [],
  );
  return useMemo(() => ({ state, lastMessage, ...actions }), [state, lastMessage, actions]);
}

/**
 * An inline `url`/`protocols` provider is a new function on every render. Give the component one
 * stable provider that calls the latest one, so its key (and its connection) stays put. The key
 * is that of the first provider the component passed (the second value returned), so components
 * passing the same provider function share one connection.
 */
function useStableProviders<Incoming, Outgoing>(target: Target<Incoming, Outgoing>): [Target<Incoming, Outgoing>, Target<Incoming, Outgoing>] {
  const providers = useRef<Pick<ClientOptions<Incoming, Outgoing>, 'url' | 'protocols'>>({ url: '' });
  const first = useRef<Pick<ClientOptions<Incoming, Outgoing>, 'url' | 'protocols'>>({ url: '' });
  const stable = useMemo(
    () => ({
      url: () => (providers.current.url as () => string | URL | Promise<string | URL>)(),
      protocols: () => (providers.current.protocols as () => string | string[] | undefined)(),
    }),
    [],
  );
  useInsertionEffect(() => {
    if (!isClient(target)) providers.current = { url: target.url, protocols: target.protocols };
  });
  if (isClient(target) || (typeof target.url !== 'function' && typeof target.protocols !== 'function')) return [target, target];
  const seen = first.current;
  if (typeof target.url === 'function' && typeof seen.url !== 'function') seen.url = target.url;
  if (typeof target.protocols === 'function' && typeof seen.protocols !== 'function') seen.protocols = target.protocols;
  const pick = <K extends 'url' | 'protocols'>(k: K, fn: unknown) => (typeof target[k] === 'function' ? fn : target[k]) as ClientOptions<Incoming, Outgoing>[K];
  return [
    { ...target, url: pick('url', stable.url), protocols: pick('protocols', stable.protocols) },
    { ...target, url: pick('url', seen.url), protocols: pick('protocols', seen.protocols) },
  ];
}

/** Listens for messages while `listen`; keeps the last one in state when `keep`. */
function useMessages<Incoming, Outgoing>(
  source: Source<Incoming, Outgoing>,
  handler: { readonly current: ((message: Incoming) => void) | undefined },
  listen: boolean,
  keep: boolean,
  release: (lease: { release(grace?: number): void }) => void,
): Incoming | undefined {
  const [lastMessage, setLastMessage] = useState<Incoming | undefined>(undefined);
  useEffect(() => {
    if (!listen) return;
    const lease = source.acquire();
    const off = lease.client.on('message', (message) => {
      handler.current?.(message);
      if (keep) setLastMessage(() => message);
    });
    return () => {
      off();
      release(lease);
    };
  }, [source, listen, keep]);
  return lastMessage;
}
