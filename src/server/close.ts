import { isServerCode } from '../core/close-codes.js';
import { fitUtf8, utf8Length } from '../core/codec.js';
import { fail } from '../core/errors.js';
import { checkNumber, checkObject, shown } from '../core/validate.js';
import { SERVER_DEFAULTS, type CloseWithOptions } from './options.js';
import { CLOSED, OPEN, checkSocket, later, listen, sendIfOpen, type ServerSocketLike } from './socket.js';

/** The longest close reason the protocol allows: 125 payload bytes minus the 2-byte code. */
export const MAX_REASON_BYTES = 123;

/** What {@link closeWith} did. */
export interface CloseOutcome {
  /** The code sent. */
  readonly code: number;
  /** The reason sent: at most 123 UTF-8 bytes, cut at a character boundary. */
  readonly reason: string;
  /** This call sent the notice and the close frame (false when the socket was not open, or its `send()` or `close()` threw). */
  readonly sent: boolean;
  /** The closing handshake did not complete within `closeTimeout`, so the socket was terminated. */
  readonly terminated: boolean;
}

/**
 * True for the codes a server may send in a close frame: 1000–1003, 1007–1014 (RFC 6455 and the
 * IANA registry) and 3000–4999 (registered and private codes). 1004 is reserved; 1005, 1006 and
 * 1015 only ever describe a close that carried no such frame. The same rule the client applies to
 * a close notice.
 */
export const isServerCloseCode: (code: unknown) => code is number = isServerCode;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

let segmenter: Intl.Segmenter | undefined | null;

/** Characters as people see them (grapheme clusters) where `Intl.Segmenter` exists, else code points. */
const characters = (text: string): Iterable<string> => {
  if (segmenter === undefined) segmenter = typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function' ? new Intl.Segmenter() : null;
  if (!segmenter) return text;
  return Array.from(segmenter.segment(text), (s) => s.segment);
};

/**
 * Cuts `reason` to at most `maxBytes` UTF-8 bytes at a character boundary: never inside a
 * multi-byte character or a surrogate pair, and (where `Intl.Segmenter` exists, as in Node)
 * never inside a grapheme cluster such as a flag or an accented letter, unless a single cluster
 * is longer than the limit (then at the last code point that fits). Lone surrogates become U+FFFD,
 * as UTF-8 encoding would make them.
 * @throws InvalidCloseReasonError for a reason that is not a string, InvalidOptionError for a
 *   `maxBytes` that is not a non-negative integer
 */
export function cutReason(reason: string, maxBytes = MAX_REASON_BYTES): string {
  if (!Number.isInteger(maxBytes) || maxBytes < 0) throw fail('InvalidOptionError', `cutReason() maxBytes must be a non-negative integer; got ${shown(maxBytes)}.`);
  const text = checkReason('cutReason()', reason).replace(LONE_SURROGATE, '\uFFFD');
  if (utf8Length(text) <= maxBytes) return text;
  const cut = fitUtf8(characters(text), maxBytes);
  return cut !== '' ? cut : fitUtf8(text, maxBytes);
}

function checkCode(fn: string, code: unknown): number {
  if (!isServerCloseCode(code)) {
    throw fail(
      'InvalidCloseCodeError',
      `${fn} code must be 1000–1003, 1007–1014 or 3000–4999 (the codes a server may send; 1004–1006 and 1015 are reserved); got ${shown(code)}. Use 4000–4999 for your own reasons.`,
    );
  }
  return code;
}

/** A reason must be a string (long ones are cut, not refused). */
export function checkReason(fn: string, reason: unknown): string {
  if (typeof reason !== 'string') throw fail('InvalidCloseReasonError', `${fn} reason must be a string; got ${typeof reason}.`);
  return reason;
}

const checkRetryAfter = (fn: string, value: unknown): number | undefined =>
  value === undefined ? undefined : checkNumber(`${fn} retryAfter (seconds)`, value);

/** The notice's text from checked parts (`JSON.stringify` leaves out an undefined `retryAfter`). */
const notice = (code: number, reason: string, retryAfter: number | undefined): string => JSON.stringify({ type: 'close', code, reason, retryAfter });

/**
 * The in-band close notice: exactly `JSON.stringify({ type: 'close', code, reason, retryAfter })`,
 * with `retryAfter` left out when not given and the reason cut as {@link cutReason} does, e.g.
 * `{"type":"close","code":4001,"reason":"token expired","retryAfter":30}`. For servers that send
 * the frames themselves; {@link closeWith} sends it for you.
 * @throws InvalidCloseCodeError, InvalidCloseReasonError, InvalidOptionError (bad `retryAfter`)
 */
export function closeNotice(code: number, reason = '', retryAfter?: number): string {
  const c = checkCode('closeNotice()', code);
  const r = cutReason(checkReason('closeNotice()', reason));
  return notice(c, r, checkRetryAfter('closeNotice()', retryAfter));
}

/**
 * Closes a `ws` socket so that the client knows why, whatever the path in between does to the
 * close frame: sends the in-band notice (see {@link closeNotice}), then the close frame with the
 * same code and reason (cut to 123 UTF-8 bytes at a character boundary), and terminates the socket
 * if the client has not completed the closing handshake within `closeTimeout` (`ws` would
 * otherwise keep the half-closed socket for 30 s).
 *
 * A socket that is already closing gets no frames, only the `closeTimeout`; a closed one resolves
 * at once; a connecting one is closed without a notice (nothing can be sent before it opens).
 * The timer is cleared when the socket closes and never keeps the process alive.
 * @returns resolves (never rejects) when the socket has emitted `close`
 * @throws InvalidCloseCodeError for a code a server may not send, InvalidCloseReasonError for a
 *   reason that is not a string, InvalidOptionError for a bad `retryAfter` or `closeTimeout`;
 *   nothing is sent then
 */
export function closeWith(socket: ServerSocketLike, code: number, reason = '', options: CloseWithOptions = {}): Promise<CloseOutcome> {
  checkSocket('closeWith()', socket);
  checkObject('closeWith() options', options);
  const d = SERVER_DEFAULTS.closeWith;
  const retryAfter = checkRetryAfter('closeWith()', options.retryAfter === undefined ? d.retryAfter : options.retryAfter);
  const closeTimeout = checkNumber('closeWith() closeTimeout', options.closeTimeout === undefined ? d.closeTimeout : options.closeTimeout);
  const c = checkCode('closeWith()', code);
  const r = cutReason(checkReason('closeWith()', reason));
  const outcome = (sent: boolean, terminated: boolean): CloseOutcome => ({ code: c, reason: r, sent, terminated });
  if (socket.readyState === CLOSED) return Promise.resolve(outcome(false, false));

  return new Promise((resolve) => {
    let sent = false;
    let terminated = false;
    const terminate = () => {
      terminated = true;
      try {
        socket.terminate();
      } catch {
        // already gone
      }
    };
    const cancel = later(terminate, closeTimeout);
    const off = listen(socket, 'close', () => {
      cancel();
      off();
      resolve(outcome(sent, terminated));
    });
    if (socket.readyState > OPEN) return; // closing already: only the timeout applies
    if (socket.readyState === OPEN) sent = sendIfOpen(socket, notice(c, r, retryAfter));
    try {
      socket.close(c, r);
    } catch {
      sent = false;
      terminate();
    }
  });
}
