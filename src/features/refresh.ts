import { fail } from '../core/errors.js';
import type { Feature } from '../core/feature.js';
import type { CloseInfo } from '../core/state.js';
import { ENGINE_DEFAULTS } from '../core/options.js';
import { checkFunction, checkNumber } from '../core/validate.js';

/** Options of {@link refresh}. */
export interface RefreshOptions {
  /** Consecutive refreshes without a stable connection before giving up. @default 3 */
  maxRefreshes?: number;
  /** The longest a refresh may take (ms) before it counts as failed. @default 10000 */
  timeout?: number;
}

/**
 * Credential refresh: after a close whose code is in `authCodes` (or that `closePolicy` maps to
 * `'refresh'`), call `fn` and reconnect at once when it resolves; a rejection, a throw or a
 * refresh that takes longer than `timeout` stops with `RefreshError` and the refresh-failed
 * message. Without this feature those closes stop.
 */
export function refresh<Incoming = unknown, Outgoing = unknown>(fn: (close: CloseInfo) => void | Promise<void>, options: RefreshOptions = {}): Feature<Incoming, Outgoing> {
  checkFunction('refresh', fn);
  const max = options.maxRefreshes === undefined ? ENGINE_DEFAULTS.maxRefreshes : checkNumber('maxRefreshes', options.maxRefreshes, true);
  const timeout = options.timeout === undefined ? ENGINE_DEFAULTS.connectTimeout : checkNumber('refresh timeout', options.timeout);
  return {
    name: 'refresh',
    attach(ctx) {
      return {
        provides: { refresh: { timeout, max } },
        changed(next, prev) {
          const phase = next.phase;
          // One call per refresh, known by its close (a resume re-arms the phase's deadline).
          if (phase.t !== 'refreshing' || (prev.phase.t === 'refreshing' && prev.phase.close === phase.close)) return;
          Promise.resolve()
            .then(() => fn(phase.close))
            .then(
              () => ctx.dispatch({ type: 'refreshed', phase }),
              (cause: unknown) => ctx.dispatch({ type: 'refreshed', phase, error: fail('RefreshError', 'Refreshing credentials failed.', { cause }) }),
            );
        },
      };
    },
  };
}
