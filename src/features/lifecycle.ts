import { attempt, endNow, finalize, park, patch, type Ctx, type Effect, type Input, type State } from '../core/machine.js';
import type { Feature } from '../core/feature.js';
import { LIFECYCLE_DEFAULTS, type LifecycleOptions, type LifecycleTarget } from '../core/options.js';
import { checkObject } from '../core/validate.js';

/**
 * The browser lifecycle feature: online/offline, visibility, Page Lifecycle freeze/resume and
 * the back/forward cache. Listeners are attached only while the client is active (from
 * `connect()` until a stop) and removed with it; each signal becomes an engine input, decided by
 * {@link reduceSignal} below.
 */

/** Which signals to attach. */
export interface LifecycleFlags {
  readonly network: boolean;
  readonly visibility: boolean;
  readonly freeze: boolean;
  readonly bfcache: boolean;
}

/** After a bfcache restore or a resume, the browser may still drop the old socket (1006): that is not a failure for this long. */
export const RESTORE_WINDOW_MS = 3000;

/**
 * The default target: this realm's window/document/navigator, read when attaching (never at
 * import). In a worker, online/offline fire at the global scope itself.
 */
export const globalTarget = (): LifecycleTarget => {
  const g = globalThis as { window?: EventTarget; document?: LifecycleTarget['document']; navigator?: { onLine?: boolean }; addEventListener?: unknown };
  const scope = typeof g.addEventListener === 'function' ? (globalThis as unknown as EventTarget) : undefined;
  return { window: g.window ?? scope, document: g.document, navigator: g.navigator };
};

/**
 * Whether the browser says it is online: true where nobody can tell, and where no `online` event
 * can be heard (an offline hint nobody could ever lift would park the client for good).
 */
export const onlineHint = (target: LifecycleTarget | undefined): boolean => {
  const t = target ?? globalTarget();
  return typeof t.window?.addEventListener !== 'function' || t.navigator?.onLine !== false;
};

/**
 * Attaches the enabled listeners and returns the function that removes every one of them.
 * Targets that do not exist (SSR, Node, a worker's document) are skipped.
 */
export function attachLifecycle(target: LifecycleTarget, flags: LifecycleFlags, signal: (name: string, persisted?: boolean) => void): () => void {
  const undo: (() => void)[] = [];
  const on = (t: EventTarget | undefined, type: string, fn: (e: Event) => void) => {
    if (!t?.addEventListener) return;
    t.addEventListener(type, fn);
    undo.push(() => t.removeEventListener(type, fn));
  };
  const { window: w, document: d } = target;
  const pass = (name: string) => () => signal(name);
  if (flags.network) {
    on(w, 'online', pass('online'));
    on(w, 'offline', pass('offline'));
  }
  if (flags.visibility) on(d, 'visibilitychange', () => signal(d?.visibilityState === 'visible' ? 'visible' : 'hidden'));
  if (flags.freeze) {
    on(d, 'freeze', pass('freeze'));
    on(d, 'resume', pass('resume'));
  }
  if (flags.bfcache) {
    on(w, 'pagehide', (e) => signal('pagehide', !!(e as PageTransitionEvent).persisted));
    on(w, 'pageshow', (e) => signal('pageshow', !!(e as PageTransitionEvent).persisted));
  }
  return () => undo.splice(0).forEach((f) => f());
}

/**
 * What each browser signal does to the connection. Pure, like the engine's transition.
 * - `online`: cut a retry wait short (never a credential refresh), or probe an open link fast:
 *   after a network change the old TCP path is almost always dead.
 * - `offline`: stop spending attempts; probe an open link.
 * - `visible`: probe an open link, or cut a retry wait short. (`hidden` changes nothing; the
 *   diagnostics report records it.)
 * - `freeze`/`resume`: no timers while frozen; on resume, a socket Chromium dropped is reconnected quietly.
 * - `pagehide`/`pageshow`: close cleanly so the page stays cacheable; reconnect on restore.
 */
export function reduceSignal(s: State, input: Input, ctx: Ctx, fx: Effect[]): State | undefined {
  if (input.type !== 'signal') return undefined;
  const p = s.phase;
  const probe = (name = 'probe') => (p.t === 'open' && fx.push({ type: 'notify', name }), s);
  switch (input.name) {
    case 'online': {
      const wasOffline = !s.snap.online;
      s = patch(s, { online: true });
      if (p.t === 'offline' || p.t === 'waiting') return attempt(s, ctx, fx);
      return probe(wasOffline ? 'probe-fast' : 'probe');
    }
    case 'offline':
      s = patch(s, { online: false });
      return p.t === 'waiting' ? park(s, 'offline') : probe();
    case 'visible':
      return p.t === 'waiting' ? attempt(s, ctx, fx) : probe();
    case 'freeze':
      // Time frozen is not outage time, whatever the phase (an attempt under way fails at resume).
      s = { ...s, frozen: true, outageSince: null };
      return p.t === 'waiting' ? park(s, 'suspended') : s;
    case 'resume':
      // Chromium drops sockets of a frozen page at resume (close 1006 right after): like a
      // back/forward-cache restore, that is not a failure; reconnect quietly and at once.
      s = { ...s, frozen: false, quietUntil: ctx.now + RESTORE_WINDOW_MS };
      return p.t === 'suspended' ? attempt(s, ctx, fx) : rearm(s, ctx);
    case 'pagehide':
      // Our own closing handshake: finish it now as what it was (a stop, or a lazy idle close).
      // A lazy idle close ends suspended, not idle: a send queued or a handler added meanwhile
      // would otherwise open a socket as the page goes into the cache; the restore connects.
      if (p.t === 'closing') {
        fx.push({ type: 'end', sock: p.sock, detach: true });
        return finalize(s, 1006, '', false, p.how.then === 'idle' ? { ...p.how, then: 'suspend' } : p.how, ctx, fx);
      }
      if ((p.t === 'connecting' && p.sock) || p.t === 'open') {
        return endNow(s, { by: 'browser', category: 'suspended', then: 'suspend', code: 1000, reason: 'page hidden' }, ctx, fx);
      }
      // Waiting to retry (or an async provider in flight): wait for pageshow instead. A refresh
      // in progress is left to finish.
      return p.t === 'connecting' || p.t === 'waiting' ? park(s, 'suspended') : s;
    case 'pageshow':
      if (!input.persisted) return s;
      s = rearm({ ...s, quietUntil: ctx.now + RESTORE_WINDOW_MS }, ctx);
      return p.t === 'suspended' ? attempt(s, ctx, fx) : probe();
    default:
      return s;
  }
}

/**
 * A refresh() or our closing handshake under way when the page froze (or went into the
 * back/forward cache, where no JS runs) gets its whole timeout again from the resume: the time
 * the page sat still is not time it had (its answer is only read after the resume), and running
 * out stops the client for good (refresh) or reports a close timeout that did not happen.
 */
function rearm(s: State, ctx: Ctx): State {
  const p = s.phase;
  if (p.t === 'refreshing') return { ...s, phase: { ...p, until: ctx.now + ctx.cfg.refreshTimeout } };
  return p.t === 'closing' ? { ...s, phase: { ...p, until: ctx.now + ctx.cfg.closeTimeout } } : s;
}

/** The lifecycle feature. */
export function lifecycle<Incoming = unknown, Outgoing = unknown>(options: LifecycleOptions = {}): Feature<Incoming, Outgoing> {
  checkObject('lifecycle', options);
  const flags = { ...LIFECYCLE_DEFAULTS, ...options };
  return {
    name: 'lifecycle',
    attach(ctx) {
      let detach: (() => void) | null = null;
      const off = () => {
        detach?.();
        detach = null;
      };
      return {
        // The online hint only gates attempts when the client also listens for `online`.
        provides: { online: !flags.network || onlineHint(flags.target) },
        reduce: reduceSignal,
        changed(next) {
          if (next.active && !detach) {
            const target = flags.target ?? globalTarget();
            // The network may have come or gone unheard: while nobody listened (inactive), or
            // while the page was frozen or cached. Then the hint says what happened.
            const sync = () => {
              const online = onlineHint(target);
              if (flags.network && online !== ctx.snapshot().online) ctx.dispatch({ type: 'signal', name: online ? 'online' : 'offline' });
            };
            detach = attachLifecycle(target, flags, (name, persisted) => {
              ctx.dispatch({ type: 'signal', name, persisted });
              if (name === 'resume' || name === 'pageshow') sync();
            });
            sync();
          } else if (!next.active) off();
        },
        dispose: off,
      };
    },
  };
}
