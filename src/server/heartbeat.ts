import { checkFunction, checkNumber, checkObject } from '../core/validate.js';
import { fail } from '../core/errors.js';
import { SERVER_DEFAULTS, isPing, type AnswerPingsOptions } from './options.js';
import { CLOSED, MATCHER_MAX_BYTES, OPEN, checkSocket, every, frameBytes, frameText, guard, later, listen, sendIfOpen, type ServerSocketLike } from './socket.js';

interface PingSettings {
  readonly isPing: (text: string) => boolean;
  readonly reply: string | ((ping: string) => string);
  readonly interval: number;
  readonly timeout: number;
  readonly message: string;
}

function resolvePings(options: AnswerPingsOptions): PingSettings {
  checkObject('answerPings() options', options);
  const d = SERVER_DEFAULTS.answerPings;
  const pick = <K extends keyof PingSettings>(key: K): PingSettings[K] => (options[key] === undefined ? d[key] : options[key]) as PingSettings[K];
  const reply = pick('reply');
  if (typeof reply !== 'string') checkFunction('answerPings() reply (a string or a function)', reply);
  const message = pick('message');
  if (typeof message !== 'string') throw fail('InvalidOptionError', `answerPings() message must be a string; got ${typeof message}.`);
  return {
    isPing: checkFunction('answerPings() isPing', pick('isPing')),
    reply,
    interval: checkNumber('answerPings() interval', pick('interval')),
    timeout: checkNumber('answerPings() timeout', pick('timeout')),
    message,
  };
}

/**
 * The server side of the client's heartbeat, for one `ws` socket:
 * - answers the client's pings (by default the text `"ping"` → `"pong"`, a JSON
 *   `{"type":"ping",…}` → the same object with `"type":"pong"`), so a client with the default
 *   `heartbeat` measures its round-trip time and never declares a live connection dead;
 * - with `interval`, also sends `message` every `interval` ms, for clients with
 *   `heartbeat: { mode: 'server' }` (keep `interval` below the client's `heartbeat.timeout`), and
 *   terminates the socket when no message at all (text or binary; protocol-level ping and pong
 *   frames do not count) arrives from the client within `timeout` ms of a ping: a peer that
 *   answers no ping will not answer a closing handshake either.
 *
 * Your own `'message'` listeners still see the pings and pongs (`isHeartbeat` tells them apart).
 * Everything stops when the socket closes; app callbacks that throw are logged and ignored.
 * @returns stops answering and pinging
 * @throws InvalidOptionError for a bad option (at the call)
 */
export function answerPings(socket: ServerSocketLike, options: AnswerPingsOptions = {}): () => void {
  checkSocket('answerPings()', socket);
  const s = resolvePings(options);
  if (socket.readyState === CLOSED) return () => {};
  // Whether anything arrived since the ping being timed was sent.
  let heard = true;
  let cancelDeadline: (() => void) | null = null;
  let cancelPings = () => {};
  const offMessage = listen(socket, 'message', (data, isBinary) => {
    heard = true;
    if (isBinary || (s.isPing === isPing && frameBytes(data) > MATCHER_MAX_BYTES)) return;
    const text = frameText(data);
    if (!guard('answerPings() isPing', s.isPing, false, text)) return;
    const answer = typeof s.reply === 'string' ? s.reply : guard('answerPings() reply', s.reply, undefined, text);
    if (typeof answer === 'string') sendIfOpen(socket, answer);
  });
  const stop = () => {
    offMessage();
    offClose();
    cancelPings();
    cancelDeadline?.();
    cancelDeadline = null;
  };
  const offClose = listen(socket, 'close', stop);
  if (s.interval > 0) {
    cancelPings = every(() => {
      if (socket.readyState !== OPEN) return;
      // One ping is timed at a time; a later one sent within its timeout is answered by the same silence.
      if (!cancelDeadline) {
        heard = false;
        cancelDeadline = later(() => {
          cancelDeadline = null;
          if (heard) return;
          stop();
          guard('terminate()', () => socket.terminate(), undefined);
        }, s.timeout);
      }
      sendIfOpen(socket, s.message);
    }, s.interval);
  }
  return stop;
}
