import type { RawMessage } from './codec.js';
import type { ResilientWsError } from './errors.js';
import type { Feature } from './feature.js';
import type { ClientOptions, FeatureOptionKeys } from './options.js';
import type { DiagnosticsReport } from './report.js';
import type { CloseInfo, Snapshot } from './state.js';

/**
 * The public client interface and its event payloads: what `createClient` (the full client)
 * and `createCore` (the lean entry) both return.
 */

/** Payload of the `reconnecting` event. */
export interface ReconnectingEvent {
  /** Number of this retry since the connection was last stable (1 = first retry). */
  readonly attempt: number;
  /** Delay before it, in ms. */
  readonly delay: number;
  /** Wall-clock time it will start. */
  readonly at: number;
  /** The close that caused it (`null` when a provider or refresh failed before any socket). */
  readonly close: CloseInfo | null;
}

/** Why a message left the client without being sent. */
export type DropReason = 'overflow' | 'expired' | 'cleared' | 'disposed' | 'disabled';

/** Payload of the `drop` event: a message that will never be sent, and why. */
export interface DropEvent<Outgoing> {
  readonly message: Outgoing;
  readonly reason: DropReason;
}

/** Every event the client emits, by name. */
export type ClientEvents<Incoming, Outgoing> = {
  /** The status changed; carries the new snapshot. */
  status: Snapshot;
  /** A connection opened. */
  open: { readonly url: string; readonly protocol: string; readonly extensions: string };
  /** A decoded application message (pongs are consumed unless `heartbeat.deliverPongs`). */
  message: Incoming;
  /** A connection closed; carries the decision taken. */
  close: CloseInfo;
  /** A retry was scheduled. */
  reconnecting: ReconnectingEvent;
  /** A background failure (never thrown). */
  error: ResilientWsError;
  /** A heartbeat round trip completed. */
  rtt: { readonly rtt: number; readonly smoothedRtt: number };
  /** A message left the outbox unsent. */
  drop: DropEvent<Outgoing>;
};

/** What `send()` did with the message. */
export type SendResult = 'sent' | 'queued' | 'rejected';

/** Per-message send options. */
export interface SendOptions {
  /** Time-to-live in the outbox (ms). @default outbox.ttl */
  ttl?: number;
}

/** A resilient WebSocket connection. */
export interface Client<Incoming = RawMessage, Outgoing = unknown> {
  /** Start connecting (no-op while connecting or open; skips a pending retry wait). */
  connect(): void;
  /** Close for good with `code` (1000 or 3000–4999) and `reason` (≤ 123 UTF-8 bytes). Stops retries. */
  close(code?: number, reason?: string): void;
  /** Drop the current connection (if any) and connect again now, with a fresh backoff. */
  reconnect(): void;
  /**
   * Send now if open; otherwise queue in the outbox (or reject). Returns what happened; every
   * message that is not sent is reported by a `drop` event. Throws `EncodeError` for a message
   * the codec cannot encode and `DisposedError` after `dispose()`.
   */
  send(message: Outgoing, options?: SendOptions): SendResult;
  /** Listen for snapshot changes (the `useSyncExternalStore` contract). Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** The current snapshot: the same object until something changes. */
  getSnapshot(): Snapshot;
  /** Listen for an event. Returns the unsubscribe function. */
  on<K extends keyof ClientEvents<Incoming, Outgoing>>(
    type: K,
    handler: (event: ClientEvents<Incoming, Outgoing>[K]) => void,
  ): () => void;
  /** Discard every queued message (each reported by a `drop` event with reason `cleared`). Returns them. */
  clearOutbox(): Outgoing[];
  /**
   * The recent connection history, as plain JSON for a support ticket
   * (`JSON.stringify(client.diagnostics(), null, 2)`): a header (version, creation and report
   * times, user agent, the current status, masked URL, attempt and RTT) and, oldest first, up to
   * `diagnostics.limit` entries (default 200, at most 32 kB): attempts and their delays, sockets
   * connecting (masked URL) and opening, closes with their decisions, heartbeat RTTs (aggregated
   * per minute), browser signals, errors (name and message) and drops (reason and count). Never
   * message contents, error causes or unmasked URLs; every text is capped at 200 characters.
   * Works after `dispose()` (the history is kept). Without the diagnostics feature
   * (`diagnostics: false`, or `createCore` without `diagnostics()`) the report has
   * `recording: false` and no entries. A new object on every call.
   *
   * @example
   * copyButton.onclick = () => navigator.clipboard.writeText(JSON.stringify(client.diagnostics(), null, 2));
   */
  diagnostics(): DiagnosticsReport;
  /** Live `bufferedAmount` of the socket (0 when there is none). */
  readonly bufferedAmount: number;
  /**
   * Release everything: close the socket, clear every timer and listener, report queued
   * messages as dropped (`disposed`). Afterwards nothing fires; `send`/`connect`/`close`/
   * `reconnect` throw `DisposedError`; `getSnapshot` keeps working; `dispose` is a no-op.
   */
  dispose(): void;
}

/** Options of `createCore` (`resilient-ws/core`): the engine's own, plus the features to attach. */
export interface CoreOptions<Incoming = RawMessage, Outgoing = unknown> extends Omit<ClientOptions<Incoming, Outgoing>, FeatureOptionKeys> {
  /** Features to attach, e.g. `[heartbeat(), outbox(), lifecycle()]`. @default [] */
  features?: readonly Feature<Incoming, Outgoing>[];
}
