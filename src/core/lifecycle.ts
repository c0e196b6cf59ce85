import type { LifecycleTarget } from './options';

/** What the client does on each browser signal. */
export interface LifecycleHandlers {
  online(): void;
  offline(): void;
  visible(): void;
  freeze(): void;
  resume(): void;
  pagehide(persisted: boolean): void;
  pageshow(persisted: boolean): void;
}

/** Which signals to attach. */
export interface LifecycleFlags {
  readonly network: boolean;
  readonly visibility: boolean;
  readonly freeze: boolean;
  readonly bfcache: boolean;
}

/** The default target: this realm's window/document/navigator, read when attaching (never at import). */
export const globalTarget = (): LifecycleTarget => {
  const g = globalThis as { window?: EventTarget; document?: LifecycleTarget['document']; navigator?: { onLine?: boolean } };
  return { window: g.window, document: g.document, navigator: g.navigator };
};

/**
 * Attaches the enabled listeners and returns the function that removes every one of them.
 * Targets that do not exist (SSR, workers, Node) are skipped.
 */
export function attachLifecycle(target: LifecycleTarget, flags: LifecycleFlags, h: LifecycleHandlers): () => void {
  const undo: (() => void)[] = [];
  const on = (t: EventTarget | undefined, type: string, fn: (e: Event) => void) => {
    if (!t?.addEventListener) return;
    t.addEventListener(type, fn);
    undo.push(() => t.removeEventListener(type, fn));
  };
  const { window: w, document: d } = target;
  if (flags.network) {
    on(w, 'online', () => h.online());
    on(w, 'offline', () => h.offline());
  }
  if (flags.visibility) on(d, 'visibilitychange', () => d?.visibilityState === 'visible' && h.visible());
  if (flags.freeze) {
    on(d, 'freeze', () => h.freeze());
    on(d, 'resume', () => h.resume());
  }
  if (flags.bfcache) {
    on(w, 'pagehide', (e) => h.pagehide(!!(e as PageTransitionEvent).persisted));
    on(w, 'pageshow', (e) => h.pageshow(!!(e as PageTransitionEvent).persisted));
  }
  return () => undo.splice(0).forEach((f) => f());
}
