import { MAX_DELAY } from '../core/backoff.js';
import { fail } from '../core/errors.js';

/**
 * A received frame's payload as `ws` hands it to `'message'` listeners: a `Buffer` (a
 * `Uint8Array`), an `ArrayBuffer` or an array of `Buffer`s, depending on the socket's `binaryType`.
 */
export type ServerFrameData = Uint8Array | ArrayBuffer | readonly Uint8Array[];

/**
 * The parts of a server-side WebSocket the companion uses. The `ws` package's `WebSocket` (what
 * `WebSocketServer` hands to `'connection'` listeners) fits as it is; the type is structural so
 * that projects without `@types/ws` type-check too. Listeners are added with `on` and removed with
 * `off` (Node's `EventEmitter` style, which `ws` implements).
 */
export interface ServerSocketLike {
  /** 0 CONNECTING, 1 OPEN, 2 CLOSING, 3 CLOSED (as `WebSocket.readyState`). */
  readonly readyState: number;
  /** Sends a text frame. */
  send(data: string): void;
  /** Starts the closing handshake with this code and reason. */
  close(code?: number, reason?: string): void;
  /** Destroys the connection at once, without a closing handshake. */
  terminate(): void;
  /** Adds a listener for received frames (`isBinary` false: a text frame, UTF-8 bytes). */
  on(event: 'message', listener: (data: ServerFrameData, isBinary: boolean) => void): unknown;
  /** Adds a listener for the end of the connection. */
  on(event: 'close', listener: () => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: 'message', listener: (data: ServerFrameData, isBinary: boolean) => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: 'close', listener: () => void): unknown;
}

/** `readyState` values. */
export const OPEN = 1;
export const CLOSED = 3;

const METHODS = ['send', 'close', 'terminate', 'on', 'off'] as const;

/** Checks (for JavaScript callers) that `socket` is a socket the companion can drive. */
export function checkSocket(fn: string, socket: unknown): asserts socket is ServerSocketLike {
  const s = socket as Record<string, unknown> | null;
  if (!s || typeof s !== 'object' || typeof s.readyState !== 'number' || !METHODS.every((m) => typeof s[m] === 'function')) {
    throw fail(
      'InvalidOptionError',
      `${fn} needs a server-side WebSocket of the ws package (readyState, send, close, terminate, on, off); got ${s === null ? 'null' : typeof s}.`,
    );
  }
}

/** Adds `listener` for `event` and returns the function that removes it. */
export function listen(socket: ServerSocketLike, event: 'message', listener: (data: ServerFrameData, isBinary: boolean) => void): () => void;
export function listen(socket: ServerSocketLike, event: 'close', listener: () => void): () => void;
export function listen(socket: ServerSocketLike, event: 'message' | 'close', listener: (data: ServerFrameData, isBinary: boolean) => void): () => void {
  socket.on(event as 'message', listener);
  return () => {
    socket.off(event as 'message', listener);
  };
}

/**
 * Text frames longer than this many bytes are never a default ping, pong or heartbeat: the
 * client's matchers read at most 512 characters, and 512 UTF-16 code units take at most 1536
 * UTF-8 bytes. Such frames are not decoded just to be refused.
 */
export const MATCHER_MAX_BYTES = 1536;

/** The payload's size in bytes, as `ws` hands it over. */
export function frameBytes(data: ServerFrameData): number {
  if (!Array.isArray(data)) return (data as Uint8Array | ArrayBuffer).byteLength;
  return (data as readonly Uint8Array[]).reduce((n, part) => n + part.byteLength, 0);
}

let decoder: TextDecoder | undefined;

/** The text of a text frame (`ws` has already checked that it is valid UTF-8). */
export function frameText(data: ServerFrameData): string {
  decoder ??= new TextDecoder();
  if (!Array.isArray(data)) return decoder.decode(data as Uint8Array | ArrayBuffer);
  const parts = data as readonly Uint8Array[];
  let text = '';
  parts.forEach((part, i) => {
    text += decoder!.decode(part, { stream: i < parts.length - 1 });
  });
  return text;
}

/**
 * Runs `fn` once after `ms` (clamped to what a timer can hold). The timer never keeps the process
 * alive (`unref`): a server that has stopped listening may exit while a socket is still closing.
 * @returns cancels the timer
 */
export function later(fn: () => void, ms: number): () => void {
  const handle: unknown = setTimeout(fn, Math.min(ms, MAX_DELAY));
  (handle as { unref?: () => void }).unref?.();
  return () => clearTimeout(handle as ReturnType<typeof setTimeout>);
}

/** Runs `fn` every `ms` until cancelled; like {@link later}, never keeps the process alive. */
export function every(fn: () => void, ms: number): () => void {
  const handle: unknown = setInterval(fn, Math.min(ms, MAX_DELAY));
  (handle as { unref?: () => void }).unref?.();
  return () => clearInterval(handle as ReturnType<typeof setInterval>);
}

/** Sends a text frame when the socket is open; a socket that throws is treated as gone. */
export function sendIfOpen(socket: ServerSocketLike, text: string): boolean {
  if (socket.readyState !== OPEN) return false;
  try {
    socket.send(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Calls an app-provided function. A throw is logged (`console.error`) and `fallback` returned, so
 * it can never escape into the socket's event emitter (where it would become an uncaught exception).
 */
export function guard<A extends unknown[], R>(what: string, fn: (...args: A) => R, fallback: R, ...args: A): R {
  try {
    return fn(...args);
  } catch (error) {
    console.error(`resilient-ws/server: ${what} threw`, error);
    return fallback;
  }
}
