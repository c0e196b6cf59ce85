/**
 * resilient-ws: a typed browser WebSocket client that reads every close code, runs its own
 * heartbeat, survives the real browser lifecycle and never silently loses a message.
 * @packageDocumentation
 */
export { createClient } from './core/client';
export type { Client, ClientEvents, DropEvent, ReconnectingEvent, SendOptions, SendResult } from './core/client';
export { DEFAULTS, RETRY_DEFAULTS, HEARTBEAT_DEFAULTS, OUTBOX_DEFAULTS, LIFECYCLE_DEFAULTS } from './core/options';
export type {
  ClientOptions,
  Clock,
  ClosePolicy,
  HeartbeatOptions,
  LifecycleOptions,
  LifecycleTarget,
  Logger,
  OutboxOptions,
  OverflowPolicy,
  Provider,
  RetryOptions,
  WebSocketConstructor,
  WebSocketLike,
} from './core/options';
export { CloseCode, CLOSE_TABLE, classifyCode } from './core/close-codes';
export type { CloseAction, CloseCategory, ClosePolicyTable, CloseRule } from './core/close-codes';
export { backoffDelay, parseServerHint, retryDelay } from './core/backoff';
export type { Jitter, RetrySettings, ServerHint } from './core/backoff';
export type { CloseInfo, CloseInitiator, ConnectionStatus, Snapshot } from './core/state';
export { ERROR_NAMES, ResilientWsError, isResilientWsError } from './core/errors';
export type { ResilientWsErrorName } from './core/errors';
export { closeMessage, describeClose, en, renderMessage } from './core/messages';
export type { MessageCatalog, MessageContext, MessageKey, MessageText } from './core/messages';
export { binaryCodec, jsonCodec, textCodec, utf8Length } from './core/codec';
export type { Codec, CodecName, RawMessage, WireData } from './core/codec';
export { isPing, isPong } from './core/heartbeat';
export type { DropReason } from './core/outbox';
export { maskUrl } from './core/validate';
