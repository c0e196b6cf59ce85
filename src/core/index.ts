/**
 * `resilient-ws/core`: the lean entry. The engine and only the features you import and pass to
 * `createCore`, so an app pays for what it uses. Everything else (`CloseCode`, errors, messages,
 * codecs, types) is exported from `resilient-ws` as well.
 * @packageDocumentation
 */
export { createCore } from './core.js';
export type { CoreOptions } from './api.js';
export type { Client, ClientEvents, DropEvent, DropReason, ReconnectingEvent, SendOptions, SendResult } from './api.js';
export type { Feature, FeatureContext, FeatureHooks, OwnedTimer } from './feature.js';
export { diagnostics } from '../features/diagnostics.js';
export type { DiagnosticsOptions } from './options.js';
export type { DiagnosticsEntry, DiagnosticsEntryBase, DiagnosticsReport } from './report.js';
export { heartbeat } from '../features/heartbeat.js';
export { outbox } from '../features/outbox.js';
export { lifecycle } from '../features/lifecycle.js';
export { lazy, type LazyOptions } from '../features/lazy.js';
export { refresh, type RefreshOptions } from '../features/refresh.js';
export { closeNotice } from '../features/close-notice.js';
export { handshakeProbe } from '../features/handshake.js';
export type { ProbeFetch, ProbeHandshakeOptions } from './options.js';
