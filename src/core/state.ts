import type { CloseAction, CloseCategory } from './close-codes.js';
import type { ResilientWsError } from './errors.js';
import type { MessageKey } from './messages.js';

/**
 * Where the connection is.
 * - `idle`: created, not connecting (before `connect()`, or a lazy client with nothing to do).
 * - `connecting`: an attempt is in flight.
 * - `open`: connected.
 * - `closing`: our closing handshake is in progress (bounded by `closeTimeout`).
 * - `reconnecting`: waiting for the next attempt (`nextRetryAt`) or refreshing credentials.
 * - `offline`: the browser says it is offline; no attempts are spent until it is back.
 * - `suspended`: the page is frozen or in the back/forward cache; resumes by itself.
 * - `closed`: stopped for good (`close()`, a fatal close, exhausted retries, bad configuration).
 */
export type ConnectionStatus =
  | 'idle'
  | 'connecting'
  | 'open'
  | 'closing'
  | 'reconnecting'
  | 'offline'
  | 'suspended'
  | 'closed';

/** Who ended a connection. */
export type CloseInitiator = 'server' | 'client' | 'network' | 'timeout' | 'heartbeat' | 'browser';

/** A close as the browser's close event reported it. */
export interface ReportedClose {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** Everything known about a close, and what the client decided. */
export interface CloseInfo {
  /** Close code as reported (1006 when no close frame arrived). */
  readonly code: number;
  /** The server's raw reason text. Untrusted; not for end users (RFC 6455 §5.5.1). */
  readonly reason: string;
  /** Whether the closing handshake completed. */
  readonly wasClean: boolean;
  /** Who ended it. */
  readonly initiatedBy: CloseInitiator;
  /** What kind of close it was. */
  readonly category: CloseCategory;
  /** What the client does next. */
  readonly action: CloseAction;
  /** A sentence for end users, from the message catalogue (`messages` option). */
  readonly message: string;
  /** The catalogue entry `message` was built from (re-render in another language with `describeClose`). */
  readonly messageKey: MessageKey;
  /** Consecutive failed attempts counted when the message was made (the `attempts` of the catalogue context). */
  readonly attempts: number;
  /** Text the server offered for users in a JSON close reason (`{"message": …}`), if any. */
  readonly serverMessage?: string;
  /** Delay the server suggested before reconnecting, in ms, if any. */
  readonly retryAfter?: number;
  /**
   * Where `code` and `reason` came from when not straight from the browser's close event:
   * `'notice'`, the server's in-band close notice (the close that followed was lost or mangled);
   * `'rebuilt'`, the text of a close frame without a status code (code 1005).
   */
  readonly via?: 'notice' | 'rebuilt';
  /** What the browser reported, when `via` is set. */
  readonly reported?: ReportedClose;
  /** HTTP status of the handshake probe (`probeHandshake`) that decided this close: 401, 403 or 404. */
  readonly httpStatus?: number;
  /** True when the connection never opened (a failed attempt). */
  readonly duringConnect: boolean;
  /** Wall-clock time of the close (ms since epoch). */
  readonly at: number;
}

/** An immutable picture of the client. `getSnapshot()` returns the same object until something changes. */
export interface Snapshot {
  readonly status: ConnectionStatus;
  /** Number of the current (or next) attempt since the connection was last stable; 0 when stable or idle. */
  readonly attempt: number;
  /** Wall-clock time (ms since epoch) of the next attempt while `reconnecting`, else `null`. */
  readonly nextRetryAt: number | null;
  /** Delay chosen for the next attempt, in ms, while `reconnecting`, else `null`. */
  readonly retryDelay: number | null;
  /** The URL of the current or last attempt, with credentials masked. `null` before the first. */
  readonly url: string | null;
  /** Subprotocol the server selected ('' if none). */
  readonly protocol: string;
  /** Extensions the server selected ('' if none). */
  readonly extensions: string;
  /** Wall-clock time the current connection opened, else `null`. */
  readonly openedAt: number | null;
  /** The browser's online hint (`navigator.onLine` and `online`/`offline` events). */
  readonly online: boolean;
  /** The last close, with the decision taken. */
  readonly lastClose: CloseInfo | null;
  /** The last background failure. Cleared when a connection opens. */
  readonly lastError: ResilientWsError | null;
  /** Last heartbeat round-trip time in ms. */
  readonly rtt: number | null;
  /** Smoothed round-trip time (EWMA, α = 1/8 like TCP's SRTT) in ms. */
  readonly smoothedRtt: number | null;
  /** Messages waiting in the outbox. */
  readonly queued: number;
  /** UTF-8/binary bytes waiting in the outbox. */
  readonly queuedBytes: number;
  /** The socket's `bufferedAmount` as of the last send-side backpressure check. */
  readonly bufferedAmount: number;
}

/** The snapshot before anything happened. */
export const initialSnapshot = (online: boolean): Snapshot => ({
  status: 'idle',
  attempt: 0,
  nextRetryAt: null,
  retryDelay: null,
  url: null,
  protocol: '',
  extensions: '',
  openedAt: null,
  online,
  lastClose: null,
  lastError: null,
  rtt: null,
  smoothedRtt: null,
  queued: 0,
  queuedBytes: 0,
  bufferedAmount: 0,
});

/** Fields that change without a status change. */
export type LiveFields = Pick<
  Snapshot,
  'online' | 'rtt' | 'smoothedRtt' | 'queued' | 'queuedBytes' | 'bufferedAmount' | 'lastError' | 'lastClose' | 'attempt' | 'url'
>;

/** Everything that can happen to the snapshot. */
export type StateEvent =
  | { type: 'connect'; attempt: number; url: string }
  | { type: 'open'; protocol: string; extensions: string; at: number }
  | { type: 'closing' }
  | { type: 'retry'; attempt: number; close: CloseInfo | null; delay: number; at: number; error?: ResilientWsError | null }
  | { type: 'wait'; status: 'offline' | 'suspended' | 'idle'; close?: CloseInfo | null }
  | { type: 'stop'; close: CloseInfo | null; error: ResilientWsError | null }
  | { type: 'update'; patch: Partial<LiveFields> };

/** Statuses an event may come from when it is restricted; absent = from anywhere. */
const FROM: Partial<Record<StateEvent['type'], readonly ConnectionStatus[]>> = {
  open: ['connecting'],
  closing: ['connecting', 'open'],
};

/**
 * The one transition function. Pure: returns a new snapshot, or the same object when the event
 * changes nothing or is not allowed from the current status (e.g. `open` while not connecting).
 */
export function transition(s: Snapshot, e: StateEvent): Snapshot {
  const from = FROM[e.type];
  if (from && !from.includes(s.status)) return s;
  const next = apply(s, e);
  for (const k in next) if (!Object.is(next[k as keyof Snapshot], s[k as keyof Snapshot])) return next;
  return s;
}

function apply(s: Snapshot, e: StateEvent): Snapshot {
  switch (e.type) {
    case 'connect':
      return { ...away(s, 'connecting', null), attempt: e.attempt, url: e.url };
    case 'open':
      return {
        ...s,
        status: 'open',
        protocol: e.protocol,
        extensions: e.extensions,
        openedAt: e.at,
        lastError: null,
        nextRetryAt: null,
        retryDelay: null,
      };
    case 'closing':
      return { ...s, status: 'closing' };
    case 'retry':
      return {
        ...away(s, 'reconnecting', e.close),
        attempt: e.attempt,
        nextRetryAt: e.at + e.delay,
        retryDelay: e.delay,
        lastError: e.error === undefined ? s.lastError : e.error,
      };
    case 'wait':
      return away(s, e.status, e.close);
    case 'stop':
      return { ...away(s, 'closed', e.close), lastError: e.error ?? s.lastError };
    case 'update':
      return { ...s, ...e.patch };
  }
}

/** What every status without an open connection shares (connecting too): no retry time, no open connection, the last close kept. */
const away = (s: Snapshot, status: ConnectionStatus, close: CloseInfo | null | undefined): Snapshot => ({
  ...s,
  status,
  nextRetryAt: null,
  retryDelay: null,
  openedAt: null,
  protocol: '',
  extensions: '',
  lastClose: close ?? s.lastClose,
});
