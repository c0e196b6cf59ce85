import { isServerCode } from './close-codes.js';
import { fitUtf8, utf8Length, type RawMessage } from './codec.js';

/**
 * What the server meant, whatever carried it. Pure functions over the close the browser
 * reported and an in-band close notice the server may have sent before it:
 * - a **close notice** is a text frame `{"type":"close","code":4001,"reason":"…","retryAfter":30}`
 *   sent just before the close. When the close that follows is missing or mangled (WebKit's 1006
 *   for 1012–1014, a TCP close, a proxy that drops the close frame, a reason-only frame), the
 *   notice says what the close would have said;
 * - a **reason-only close frame** (libhv's `send(reason, WS_OPCODE_CLOSE)`: no status code, the
 *   payload is the text) reaches the page as a bogus code made of the text's first two bytes;
 *   its text is rebuilt.
 */

/** An in-band close notice, validated. */
export interface CloseNotice {
  /** A close code a server may send: 1000–1003, 1007–1014 or 3000–4999. */
  readonly code: number;
  /** The server's reason: untrusted text, at most 123 UTF-8 bytes. */
  readonly reason: string;
  /** Seconds before reconnecting, when the server said. */
  readonly retryAfter?: number;
}

/** What a notice recogniser may return for a frame: the notice's fields, or `null`/`undefined` for an ordinary message. */
export type NoticeFields = { readonly code: unknown; readonly reason?: unknown; readonly retryAfter?: unknown };

/** The longest frame the default recogniser parses: a notice is short, anything longer is a message. */
const MAX_NOTICE_LENGTH = 1024;

/**
 * The default close-notice recogniser: a text frame that is a JSON object with `type: "close"`
 * and a `code`. Cheap for every other frame (one character check). Returns the fields for
 * {@link toNotice} to validate, or `null`.
 */
export function parseCloseNotice(data: RawMessage): NoticeFields | null {
  if (typeof data !== 'string' || data.charCodeAt(0) !== 123 /* { */ || data.length > MAX_NOTICE_LENGTH || !data.includes('"close"')) return null;
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  return v && typeof v === 'object' && (v as { type?: unknown }).type === 'close' ? (v as NoticeFields) : null;
}

/** Validates a recogniser's answer like a close: a code a server may send, the reason text capped at 123 UTF-8 bytes, `retryAfter` finite and ≥ 0. */
export function toNotice(f: NoticeFields | null | undefined): CloseNotice | null {
  if (!f || typeof f !== 'object' || !isServerCode(f.code)) return null;
  const reason = typeof f.reason === 'string' ? capReason(f.reason) : '';
  const r = f.retryAfter;
  return typeof r === 'number' && Number.isFinite(r) && r >= 0 ? { code: f.code, reason, retryAfter: r } : { code: f.code, reason };
}

/** Cuts text to at most 123 UTF-8 bytes (the most a close frame carries) at a character boundary. */
export function capReason(text: string): string {
  return text.length <= 41 || utf8Length(text) <= 123 ? text : fitUtf8(text, 123);
}

/**
 * A close code outside 1000–4999 is not a code at all: the browser read the first two bytes of
 * a reason-only close frame as one. Rebuilds the frame's text (those two bytes plus the reason)
 * when it is valid UTF-8; `null` when the code is a real one or the bytes are not text.
 */
export function rebuildReason(code: number, reason: string): string | null {
  if (code >= 1000 && code <= 4999) return null;
  if (!(code >= 0 && code <= 0xffff)) return null;
  const head = new Uint8Array([code >> 8, code & 0xff]);
  const tail = new TextEncoder().encode(reason);
  const bytes = new Uint8Array(head.length + tail.length);
  bytes.set(head);
  bytes.set(tail, head.length);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** A close the browser reported that says nothing about the server's intent: no code, an abnormal close, or a bogus code. */
export const isLostClose = (code: number): boolean => code === 1005 || code === 1006 || code < 1000 || code > 4999;
