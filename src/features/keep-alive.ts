import type { Feature } from '../core/feature.js';

/** Options of {@link keepAlive}. */
export interface KeepAliveOptions {
  /** How long (ms) the client outlives its last user, read each time it becomes unused; ≤ 0: at once. */
  grace: () => number;
  /** Called once, when the client has had no user for `grace` ms (the owner disposes it). */
  onUnused: () => void;
}

/**
 * Keep-alive, after nanostores' mount/unmount delay: a client whose last user (subscriber or
 * `message` handler) leaves stays for a grace period, so an unmount followed by a mount (React
 * StrictMode, a route change) keeps the connection; once the grace has passed with nobody back,
 * `onUnused` is called.
 * The adapters' shared connections are built on it, so each adapter is only a binding.
 */
export function keepAlive<Incoming = unknown, Outgoing = unknown>(options: KeepAliveOptions): Feature<Incoming, Outgoing> {
  return {
    name: 'keepAlive',
    attach(ctx) {
      let gone = false;
      const check = () => {
        if (gone || ctx.users() > 0) return;
        gone = true;
        ctx.guard('keepAlive onUnused', options.onUnused, undefined);
      };
      const timer = ctx.timer(check);
      const wait = () => {
        const ms = options.grace();
        if (ms > 0) timer.in(ms);
        else check();
      };
      // Created and never used, it goes after one grace period (with no grace: at its first release).
      if (options.grace() > 0) wait();
      return {
        usage() {
          if (ctx.users() > 0) timer.cancel();
          else if (!timer.pending) wait();
        },
      };
    },
  };
}
