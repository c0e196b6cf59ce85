/**
 * Vue binding: `useWebSocket` over the client's `subscribe`/`getSnapshot` contract.
 * @packageDocumentation
 */
import {
  computed,
  getCurrentInstance,
  getCurrentScope,
  onMounted,
  onScopeDispose,
  shallowRef,
  toRaw,
  toValue,
  watch,
  type MaybeRefOrGetter,
  type Ref,
} from 'vue';
import type { CloseInfo, ConnectionStatus, RawMessage, ResilientWsError, SendOptions, SendResult, Snapshot } from '../index.js';
import { IDLE_SNAPSHOT, isClient, toSource, type ShareOptions, type Target } from '../shared/source.js';

export type { ShareOptions, Target } from '../shared/source.js';
export { connectionKey, DEFAULT_GRACE } from '../shared/registry.js';

/** Options of {@link useWebSocket} (the composable's own; client options go in the first argument). */
export interface UseWebSocketOptions<Incoming> extends ShareOptions {
  /** Called for every message. Read at each message, so replacing it on this object takes effect. @default undefined */
  onMessage?: (message: Incoming) => void;
}

/** What {@link useWebSocket} returns: readonly refs, and functions that work from anywhere. */
export interface UseWebSocketReturn<Incoming, Outgoing> {
  /** The whole snapshot. `idle` on the server and before mount. */
  readonly snapshot: Readonly<Ref<Snapshot>>;
  readonly status: Readonly<Ref<ConnectionStatus>>;
  readonly lastClose: Readonly<Ref<CloseInfo | null>>;
  readonly lastError: Readonly<Ref<ResilientWsError | null>>;
  readonly rtt: Readonly<Ref<number | null>>;
  readonly smoothedRtt: Readonly<Ref<number | null>>;
  readonly queued: Readonly<Ref<number>>;
  readonly online: Readonly<Ref<boolean>>;
  /** The last message received on the current connection. */
  readonly lastMessage: Readonly<Ref<Incoming | undefined>>;
  send(message: Outgoing, options?: SendOptions): SendResult;
  connect(): void;
  close(code?: number, reason?: string): void;
  reconnect(): void;
}

/**
 * Connects a component (or an `effectScope`) to a WebSocket. `target` is an existing client (you
 * own it) or client options, either possibly a ref or a getter: when the URL or another
 * key-relevant option changes, it moves to the new connection. Equal options (or the same `key`)
 * share one connection, closed `grace` ms after the last user's scope is disposed. In a
 * component it connects on mount, so server rendering stays `idle` and touches nothing.
 *
 * @example
 * const room = ref('lobby');
 * const { status, lastMessage, send } = useWebSocket<ServerMsg, ClientMsg>(
 *   () => ({ url: `wss://example.com/rooms/${room.value}`, codec: 'json' }),
 * );
 */
export function useWebSocket<Incoming = RawMessage, Outgoing = unknown>(
  target: MaybeRefOrGetter<Target<Incoming, Outgoing>>,
  options: UseWebSocketOptions<Incoming> = {},
): UseWebSocketReturn<Incoming, Outgoing> {
  if (!getCurrentScope()) throw new Error('useWebSocket() must be called in setup() or inside an effectScope(), which releases the connection.');
  const source = computed(() => {
    const t = toValue(target);
    return toSource(isClient(t) ? toRaw(t) : t, options);
  });
  const snapshot = shallowRef<Snapshot>(source.value.peek()?.getSnapshot() ?? IDLE_SNAPSHOT);
  const lastMessage = shallowRef<Incoming | undefined>(undefined);

  let release: ((grace?: number) => void) | null = null;
  const hold = () => {
    release?.(0); // moved to another connection: the old one goes at once unless others hold it
    const lease = source.value.acquire();
    const c = lease.client;
    const offs = [
      c.subscribe(() => (snapshot.value = c.getSnapshot())),
      c.on('message', (message) => {
        lastMessage.value = message;
        options.onMessage?.(message);
      }),
    ];
    snapshot.value = c.getSnapshot();
    lastMessage.value = undefined;
    release = (grace) => {
      release = null;
      offs.forEach((off) => off());
      lease.release(grace);
    };
  };
  let stop: (() => void) | undefined;
  const start = () => (stop = watch(() => source.value.key, hold, { immediate: true }));
  // Components connect on mount (never during server rendering); bare scopes only in a browser.
  if (getCurrentInstance()) onMounted(start);
  else if (typeof window !== 'undefined') start();
  onScopeDispose(() => {
    stop?.();
    release?.();
  });

  const field = <K extends keyof Snapshot>(k: K) => computed(() => snapshot.value[k]);
  return {
    snapshot: computed(() => snapshot.value),
    status: field('status'),
    lastClose: field('lastClose'),
    lastError: field('lastError'),
    rtt: field('rtt'),
    smoothedRtt: field('smoothedRtt'),
    queued: field('queued'),
    online: field('online'),
    lastMessage: computed(() => lastMessage.value),
    send: (message, opts) => source.value.use((c) => c.send(message, opts)),
    connect: () => source.value.use((c) => c.connect()),
    close: (code, reason) => source.value.peek()?.close(code, reason),
    reconnect: () => source.value.use((c) => c.reconnect()),
  };
}
