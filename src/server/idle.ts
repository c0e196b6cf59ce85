import { checkFunction, checkNumber, checkObject } from '../core/validate.js';
import { checkReason, closeWith } from './close.js';
import { SERVER_DEFAULTS, isHeartbeat as defaultIsHeartbeat, type CloseWhenIdleOptions } from './options.js';
import { CLOSED, MATCHER_MAX_BYTES, checkSocket, frameBytes, frameText, guard, later, listen, type ServerSocketLike } from './socket.js';

/**
 * Closes a `ws` socket with 1000 and `reason` (through {@link closeWith}, so the notice is sent
 * too) once `timeout` ms have passed without an application message from the client. Heartbeat
 * frames (`isHeartbeat`) and what the server sends do not count as activity, so a client whose
 * heartbeat keeps the connection alive is still closed when the app has nothing to say. A client
 * of resilient-ws treats 1000 from the server as final (`lazy` clients go `idle` and reconnect on
 * their next `send()`).
 * @returns stops watching (the socket stays open); everything also stops when the socket closes
 * @throws InvalidOptionError for a missing or bad `timeout` or another bad option,
 *   InvalidCloseReasonError for a `reason` that is not a string (at the call)
 */
export function closeWhenIdle(socket: ServerSocketLike, options: CloseWhenIdleOptions): () => void {
  checkSocket('closeWhenIdle()', socket);
  checkObject('closeWhenIdle() options', options);
  const d = SERVER_DEFAULTS.closeWhenIdle;
  const timeout = checkNumber('closeWhenIdle() timeout', options.timeout);
  const reason = checkReason('closeWhenIdle()', options.reason === undefined ? d.reason : options.reason);
  const isHeartbeat = checkFunction('closeWhenIdle() isHeartbeat', options.isHeartbeat === undefined ? d.isHeartbeat : options.isHeartbeat);
  const closeTimeout = checkNumber('closeWhenIdle() closeTimeout', options.closeTimeout === undefined ? d.closeTimeout : options.closeTimeout);
  if (socket.readyState === CLOSED) return () => {};

  // One timer; activity only moves `last`, and the timer re-arms for what is left when it fires.
  let last = performance.now();
  const check = () => {
    const left = last + timeout - performance.now();
    if (left > 0) {
      cancel = later(check, left);
      return;
    }
    stop();
    void closeWith(socket, 1000, reason, { closeTimeout });
  };
  let cancel = later(check, timeout);
  const offMessage = listen(socket, 'message', (data, isBinary) => {
    const long = isHeartbeat === defaultIsHeartbeat && frameBytes(data) > MATCHER_MAX_BYTES;
    if (isBinary || long || !guard('closeWhenIdle() isHeartbeat', isHeartbeat, false, frameText(data))) last = performance.now();
  });
  const stop = () => {
    cancel();
    offMessage();
    offClose();
  };
  const offClose = listen(socket, 'close', stop);
  return stop;
}
