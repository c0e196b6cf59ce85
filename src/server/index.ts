/**
 * `resilient-ws/server`: the server side of resilient-ws's conventions, for Node's `ws` package
 * (an optional peer dependency; the socket is typed structurally, so `@types/ws` is not needed).
 * Never part of the browser entries.
 *
 * @example
 * ```ts
 * import { WebSocketServer } from 'ws';
 * import { answerPings, closeWhenIdle, closeWith } from 'resilient-ws/server';
 *
 * const wss = new WebSocketServer({ port: 8080 });
 * wss.on('connection', (socket) => {
 *   answerPings(socket);
 *   closeWhenIdle(socket, { timeout: 5 * 60_000 });
 *   // later: the token has expired
 *   void closeWith(socket, 4001, 'token expired', { retryAfter: 30 });
 * });
 * ```
 * @packageDocumentation
 */
export { closeWith, closeNotice, cutReason, isServerCloseCode, MAX_REASON_BYTES } from './close.js';
export type { CloseOutcome } from './close.js';
export { answerPings } from './heartbeat.js';
export { closeWhenIdle } from './idle.js';
export { SERVER_DEFAULTS, isHeartbeat, isPing, isPong, pongFor } from './options.js';
export type { AnswerPingsOptions, CloseWhenIdleOptions, CloseWithOptions } from './options.js';
export type { ServerFrameData, ServerSocketLike } from './socket.js';
