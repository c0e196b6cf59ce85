/**
 * resilient-ws: a typed browser WebSocket client that reads every close code, runs its own
 * heartbeat, survives the real browser lifecycle and never silently loses a message.
 * @packageDocumentation
 */
export { createClient } from './core/client.js';
export type { Client, ClientEvents, DropEvent, DropReason, ReconnectingEvent, SendOptions, SendResult } from './core/api.js';
export { DEFAULTS, RETRY_DEFAULTS, HEARTBEAT_DEFAULTS, OUTBOX_DEFAULTS, LIFECYCLE_DEFAULTS, CLOSE_NOTICE_DEFAULTS, PROBE_DEFAULTS } from './core/options.js';
export type { ProbeFetch, ProbeHandshakeOptions } from './core/options.js';
export type {
  ClientOptions,
  Clock,
  CloseNoticeOptions,
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
} from './core/options.js';
export { CloseCode, CLOSE_TABLE, classifyCode, isServerCode } from './core/close-codes.js';
export type { CloseAction, CloseCategory, ClosePolicyCategory, ClosePolicyTable, CloseRule } from './core/close-codes.js';
export { backoffDelay, backoffWindow, parseServerHint, retryDelay } from './core/backoff.js';
export type { Jitter, Outage, RetrySettings, ServerHint } from './core/backoff.js';
export type { CloseInfo, CloseInitiator, ConnectionStatus, ReportedClose, Snapshot } from './core/state.js';
export { ERROR_NAMES, ResilientWsError, isResilientWsError } from './core/errors.js';
export type { ResilientWsErrorName } from './core/errors.js';
export { DIAGNOSTICS_DEFAULTS, type DiagnosticsOptions } from './core/options.js';
export type { DiagnosticsEntry, DiagnosticsEntryBase, DiagnosticsReport } from './core/report.js';
export { closeMessage, describeClose, en, renderMessage } from './core/messages.js';
export type { MessageCatalog, MessageContext, MessageKey, MessageText } from './core/messages.js';
export { binaryCodec, jsonCodec, textCodec, utf8Length } from './core/codec.js';
export type { Codec, CodecName, RawMessage, WireData } from './core/codec.js';
export { isPing, isPong } from './features/heartbeat.js';
export { maskUrl } from './core/validate.js';
export { capReason, parseCloseNotice, rebuildReason } from './core/server-close.js';
export type { CloseNotice, NoticeFields } from './core/server-close.js';
