import type { Feature } from '../core/feature.js';
import { ENGINE_DEFAULTS } from '../core/options.js';
import { checkNumber } from '../core/validate.js';

/** Options of {@link lazy}. */
export interface LazyOptions {
  /** Close (1000 "idle") after this many ms with no subscriber, no `message` handler and nothing queued. @default 30000 */
  idleTimeout?: number;
}

/**
 * Lazy mode: connect on the first `send()`, subscriber or `message` handler instead of at once,
 * and close after `idleTimeout` ms without any. Only an `idle` client wakes: one that was closed
 * (by `close()`, or by a fatal close) stays closed. A normal close (1000) also returns to `idle`.
 */
export function lazy<Incoming = unknown, Outgoing = unknown>(options: LazyOptions = {}): Feature<Incoming, Outgoing> {
  const idleTimeout = options.idleTimeout === undefined ? ENGINE_DEFAULTS.lazyIdleTimeout : checkNumber('lazy.idleTimeout', options.idleTimeout);
  return {
    name: 'lazy',
    attach(ctx) {
      const idle = ctx.timer(() => ctx.dispatch({ type: 'idle-close' }));
      const unused = () => {
        const s = ctx.state();
        return s.phase.t === 'open' && !s.frozen && !ctx.users() && !s.snap.queued;
      };
      const wake = () => {
        const s = ctx.state();
        if (s.phase.t === 'idle' && (ctx.users() || s.snap.queued)) ctx.dispatch({ type: 'connect' });
      };
      return {
        provides: { lazy: true },
        // Any use restarts the idle countdown.
        usage() {
          wake();
          if (unused()) idle.in(idleTimeout);
          else idle.cancel();
        },
        changed(next, prev) {
          // Our idle close is done: sends or users that arrived meanwhile connect again. (A
          // server's normal close leaves the client idle until the next use.)
          if (next.phase.t === 'idle' && prev.phase.t === 'closing') wake();
          if (!unused()) idle.cancel();
          else if (!idle.pending) idle.in(idleTimeout);
        },
      };
    },
  };
}
