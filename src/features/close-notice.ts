import type { RawMessage } from '../core/codec.js';
import type { Feature } from '../core/feature.js';
import { sockOf } from '../core/machine.js';
import { CLOSE_NOTICE_DEFAULTS, type CloseNoticeOptions } from '../core/options.js';
import { parseCloseNotice, toNotice } from '../core/server-close.js';
import { checkFunction, checkNumber, checkObject } from '../core/validate.js';

/**
 * The in-band close notice: a server may send `{"type":"close","code":4001,"reason":"…",
 * "retryAfter":30}` just before it closes. The notice is kept from the app's `message` handlers
 * and held for `window` ms; when the close that follows is lost or mangled (1005, 1006, a code
 * outside 1000–4999), the client decides and reports from the notice: its code, reason and
 * `retryAfter`, `initiatedBy: 'server'`, `via: 'notice'`. A proper close frame wins over it.
 */
export function closeNotice<Incoming = unknown, Outgoing = unknown>(options: CloseNoticeOptions = {}): Feature<Incoming, Outgoing> {
  checkObject('closeNotice', options);
  const window = options.window === undefined ? CLOSE_NOTICE_DEFAULTS.window : checkNumber('closeNotice.window', options.window);
  const custom = options.parse === undefined ? undefined : checkFunction('closeNotice.parse', options.parse);
  return {
    name: 'close-notice',
    attach(ctx) {
      // A custom answer is validated inside the guard too: its fields may be getters that throw.
      const read = custom ? (data: RawMessage) => ctx.guard('closeNotice.parse', () => toNotice(custom(data)), null) : (data: RawMessage) => toNotice(parseCloseNotice(data));
      return {
        frame(data) {
          const notice = read(data);
          // A frame that is not a valid notice is the app's message.
          if (!notice) return false;
          ctx.dispatch({ type: 'notice', sock: sockOf(ctx.state().phase), notice, window });
          return true;
        },
      };
    },
  };
}
