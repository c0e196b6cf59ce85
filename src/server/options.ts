import { isPing as isClientPing, isPong as isClientPong } from '../features/heartbeat.js';

// The client's own matchers, typed for text so that this entry's declarations never reach the
// browser client's types (a Node project without the DOM library type-checks it).
/** The client's default ping: the text `ping`, or a JSON object with `"type": "ping"`. */
export const isPing: (text: string) => boolean = isClientPing;
/** The client's default pong: the text `pong`, or a JSON object with `"type": "pong"`. */
export const isPong: (text: string) => boolean = isClientPong;

/** Options of {@link closeWith}. */
export interface CloseWithOptions {
  /** Seconds the client should wait before reconnecting; sent in the notice (finite, ≥ 0). @default undefined (not sent) */
  retryAfter?: number;
  /** Milliseconds the client gets to complete the closing handshake; then the socket is terminated. @default 5000 */
  closeTimeout?: number;
}

/** Options of {@link answerPings}. */
export interface AnswerPingsOptions {
  /** Recognises the client's ping among received text frames (binary frames are never pings). @default isPing — the text "ping", or a JSON object with "type": "ping" */
  isPing?: (text: string) => boolean;
  /** The answer to a ping (a function gets the ping's text). @default pongFor — "pong", or the ping's JSON object with "type": "pong" */
  reply?: string | ((ping: string) => string);
  /** Server-mode pings: send `message` every this many ms (for clients with `heartbeat: { mode: 'server' }`); `0` sends none. @default 0 */
  interval?: number;
  /** Server-mode pings: a client from which no message (text or binary) arrives within this many ms of a ping is terminated. @default 10000 */
  timeout?: number;
  /** Server-mode pings: the ping to send. @default 'ping' */
  message?: string;
}

/** Options of {@link closeWhenIdle}. */
export interface CloseWhenIdleOptions {
  /** Close after this many ms without an application message from the client (required). */
  timeout: number;
  /** The reason sent with the close (1000) and its notice. @default 'idle timeout' */
  reason?: string;
  /** Recognises heartbeat frames, which do not count as activity. @default isHeartbeat — the default ping or pong */
  isHeartbeat?: (text: string) => boolean;
  /** The `closeTimeout` of the close. @default 5000 */
  closeTimeout?: number;
}

/**
 * The default answer to a ping: `"pong"` for the text `"ping"` (or any other text), and for a JSON
 * object the same object with `"type": "pong"` (`{"type":"ping","id":7}` → `{"type":"pong","id":7}`),
 * which is what the client's default `isPong` recognises.
 */
export function pongFor(ping: string): string {
  if (ping.charCodeAt(0) === 123 /* { */) {
    try {
      const value: unknown = JSON.parse(ping);
      if (value && typeof value === 'object' && !Array.isArray(value)) return JSON.stringify({ ...value, type: 'pong' });
    } catch {
      // not JSON: answered as text
    }
  }
  return 'pong';
}

/** The default heartbeat matcher of {@link closeWhenIdle}: the client's default ping or pong. */
export const isHeartbeat = (text: string): boolean => isPing(text) || isPong(text);

const CLOSE_WITH_DEFAULTS = { retryAfter: undefined as number | undefined, closeTimeout: 5000 };

/** Every default of the server companion, written once (one section per function). */
export const SERVER_DEFAULTS = {
  closeWith: CLOSE_WITH_DEFAULTS,
  answerPings: {
    isPing,
    reply: pongFor as string | ((ping: string) => string),
    interval: 0,
    timeout: 10_000,
    message: 'ping',
  },
  closeWhenIdle: { reason: 'idle timeout', isHeartbeat, closeTimeout: CLOSE_WITH_DEFAULTS.closeTimeout },
};
