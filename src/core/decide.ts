import { parseServerHint, type ServerHint } from './backoff.js';
import { classifyCode, type CloseAction, type CloseCategory } from './close-codes.js';
import type { ResilientWsError } from './errors.js';
import type { CloseInfo, CloseInitiator } from './state.js';

/** How the client is ending the current socket, when it is the one ending it. */
export interface Ending {
  readonly by: CloseInitiator;
  readonly category: CloseCategory;
  /** `decide`: run the close policy (reconnect per backoff); the rest are fixed outcomes. */
  readonly then: 'stop' | 'idle' | 'suspend' | 'decide';
  readonly error?: ResilientWsError;
  /** The close code and reason we send on an open socket (reported as the close when we do not wait for the handshake). */
  readonly code?: number;
  readonly reason?: string;
  /** The link died right after a network change: the next attempt goes at once. */
  readonly urgent?: boolean;
}

/** Everything known about a close when it is decided. */
export interface CloseFacts {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  /** The connection never opened. */
  readonly duringConnect: boolean;
  /** How we ended it, when we did. */
  readonly how: Ending | null;
  /** The page was just restored (bfcache, resume): a 1006 of the old socket is the browser's doing. */
  readonly quiet: boolean;
  /** The code and reason came from the server's close notice, or were rebuilt from a reason-only close frame. */
  readonly via?: 'notice' | 'rebuilt';
  /** Seconds before reconnecting, from the server's close notice. */
  readonly retryAfter?: number;
}

/** The parts of the settings a decision reads. */
export interface ClosePolicyInput {
  readonly authCodes: readonly number[];
  readonly canRefresh: boolean;
  readonly retry: { readonly limit: number };
  /** The app's policy, guarded: a valid action, or `undefined` to fall through (also when it threw or answered nonsense). */
  readonly policy: (close: Pick<CloseInfo, 'code' | 'reason' | 'wasClean' | 'category' | 'duringConnect'>) => CloseAction | undefined;
}

/** What to do after a close. */
export interface Decision {
  readonly category: CloseCategory;
  readonly action: CloseAction;
  readonly initiatedBy: CloseInitiator;
  /** A retry hint or user text from the server's reason. */
  readonly hint: ServerHint | null;
}

/**
 * The one place that decides after a close. Pure: the close, how we ended it, and the policy in;
 * category, action and who ended it out. Order: our own outcomes (a stop, an idle close, a page
 * hide) are fixed; then the app's `closePolicy`; then `authCodes` (refresh when a `refresh` hook
 * exists, else stop); then the built-in table. A refresh without a hook becomes a stop, and a
 * reconnect with `retry.limit: 0` too.
 */
export function decideClose(f: CloseFacts, p: ClosePolicyInput): Decision {
  const { code, reason, wasClean, duringConnect, how } = f;
  if (how && how.then !== 'decide') {
    const fixed = how.then === 'suspend';
    return { category: fixed ? 'suspended' : 'client', action: fixed ? 'reconnect' : 'stop', initiatedBy: fixed ? 'browser' : 'client', hint: null };
  }
  if (!how && f.quiet && code === 1006) return { category: 'suspended', action: 'reconnect', initiatedBy: 'browser', hint: null };
  let category: CloseCategory;
  let builtIn: CloseAction;
  if (how) (category = how.category), (builtIn = 'reconnect');
  else if (duringConnect && code === 1006) (category = 'connect-failed'), (builtIn = 'reconnect');
  else if (f.via === 'rebuilt') (category = 'malformed-close'), (builtIn = 'reconnect');
  else ({ category, action: builtIn } = classifyCode(code));
  let action = p.policy({ code, reason, wasClean, category, duringConnect });
  if (action === undefined && p.authCodes.includes(code)) action = p.canRefresh ? 'refresh' : 'stop';
  action ??= builtIn;
  if (action === 'refresh' && !p.canRefresh) action = 'stop';
  if (action === 'reconnect' && p.retry.limit === 0) action = 'stop';
  const parsed = reason ? parseServerHint(reason) : null;
  // The notice's retryAfter: what a lost close would have said; after a proper close frame of the same code, only when its reason has no hint.
  const hint = f.retryAfter === undefined || (!f.via && parsed?.retryAfter !== undefined) ? parsed : { ...parsed, retryAfter: Math.min(f.retryAfter * 1000, Number.MAX_VALUE) };
  return { category, action, initiatedBy: how?.by ?? (wasClean || f.via ? 'server' : 'network'), hint };
}
