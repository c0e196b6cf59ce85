import type { Clock } from './options.js';
import type { CloseInfo, ConnectionStatus, Snapshot } from './state.js';
import { maskUrlsIn } from './validate.js';

/**
 * The diagnostics report (`client.diagnostics()`): its types, and the header every report has.
 * The recorder that fills `entries` is a feature (`src/features/diagnostics.ts`); a client
 * without it still answers, with `recording: false` and no entries.
 */

/** The package version, as reports show it (a unit test keeps it equal to package.json's). */
export const VERSION = '0.1.0';

/** The longest text a report keeps (UTF-16 code units); longer text is cut and ends with `…`. */
export const MAX_TEXT = 200;

/** What every entry has. */
export interface DiagnosticsEntryBase {
  /** Wall-clock time (ISO 8601), or `null` when the clock gave no valid time. */
  readonly at: string | null;
  /** Monotonic ms since the client was created: orders entries even when the wall clock jumps. */
  readonly t: number;
}

/**
 * One entry of the report. Every text in it is capped at 200 characters with URLs masked; no
 * entry holds a message's contents or an error's `cause`.
 * - `connecting`: a socket is being opened (`url` masked).
 * - `open`: it opened.
 * - `close`: a close and the decision taken: the whole `CloseInfo`.
 * - `reconnecting`: a retry was scheduled `delay` ms ahead.
 * - `rtt`: heartbeat round trips, aggregated: consecutive samples within a minute share one entry.
 * - `signal`: a browser signal the lifecycle feature passed on (`online`, `offline`, `visible`,
 *   `hidden`, `freeze`, `resume`, `pagehide`, `pageshow`).
 * - `notice`: the server's in-band close notice (its code, reason and `retryAfter`); the close
 *   that follows says whether it was used (`via: 'notice'`).
 * - `error`: a background failure (`name` and `message` only).
 * - `drop`: messages that left unsent, by reason; consecutive drops within a minute share one entry.
 * - `event`: an event of another feature (its name only).
 * - `dispose`: `dispose()` was called.
 */
export type DiagnosticsEntry = DiagnosticsEntryBase &
  (
    | { readonly kind: 'connecting'; readonly attempt: number; readonly url: string | null }
    | { readonly kind: 'open'; readonly protocol: string; readonly extensions: string }
    | { readonly kind: 'close'; readonly close: CloseInfo }
    | { readonly kind: 'reconnecting'; readonly attempt: number; readonly delay: number }
    | { readonly kind: 'rtt'; readonly samples: number; readonly min: number; readonly avg: number; readonly max: number }
    | { readonly kind: 'signal'; readonly name: string; readonly persisted?: boolean }
    | { readonly kind: 'notice'; readonly code: number; readonly reason: string; readonly retryAfter?: number }
    | { readonly kind: 'error'; readonly name: string; readonly message: string }
    | { readonly kind: 'drop'; readonly reason: string; readonly count: number }
    | { readonly kind: 'event'; readonly name: string }
    | { readonly kind: 'dispose' }
  );

/** What `client.diagnostics()` returns: plain JSON, for a support ticket. */
export interface DiagnosticsReport {
  readonly format: 'resilient-ws/diagnostics';
  /** Version of resilient-ws. */
  readonly version: string;
  /** False when the client has no diagnostics feature (`diagnostics: false`, or `createCore` without `diagnostics()`). */
  readonly recording: boolean;
  /** When the client was created (ISO 8601); `null` when not recording. */
  readonly createdAt: string | null;
  /** When this report was made (ISO 8601). */
  readonly reportedAt: string | null;
  /** Monotonic ms from `createdAt` to `reportedAt`; `null` when not recording. */
  readonly uptime: number | null;
  /** `navigator.userAgent`, where there is one. */
  readonly userAgent: string | null;
  /** The current snapshot, in short (`url` masked). */
  readonly status: ConnectionStatus;
  readonly url: string | null;
  readonly attempt: number;
  readonly online: boolean;
  readonly rtt: number | null;
  readonly smoothedRtt: number | null;
  readonly queued: number;
  readonly lastError: { readonly name: string; readonly message: string } | null;
  /** Most entries kept (the `diagnostics.limit` option; 0 when not recording). */
  readonly limit: number;
  /** Entries dropped from the front to stay within `limit` entries and 32 kB. */
  readonly dropped: number;
  /** Oldest first. */
  readonly entries: readonly DiagnosticsEntry[];
}

/** What a recorder gives the report. */
export interface Recording {
  readonly created: { readonly mono: number; readonly wall: number };
  readonly limit: number;
  readonly dropped: number;
  entries(): readonly DiagnosticsEntry[];
}

/** An ISO 8601 time, or `null` for a time no `Date` can hold. */
export const iso = (ms: number): string | null => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : null);

/** Text as a report keeps it: any URL in it masked (as `maskUrl` does), cut to `max` characters. */
export function text(value: unknown, max = MAX_TEXT): string {
  const s = maskUrlsIn(String(value));
  if (s.length <= max) return s;
  // Never cut a surrogate pair in half.
  const end = (s.charCodeAt(max - 2) & 0xfc00) === 0xd800 ? max - 2 : max - 1;
  return `${s.slice(0, end)}…`;
}

/** A number to 0.1 ms (`null` stays `null`). */
export const tenth = (n: number | null): number | null => (n === null || !Number.isFinite(n) ? null : Math.round(n * 10) / 10);

/** The report: the header from the snapshot and the clock, the entries (copied) from the recording. */
export function reportOf(snap: Snapshot, clock: Clock, rec: Recording | null): DiagnosticsReport {
  const now = clock.now();
  const ua = (globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent;
  const err = snap.lastError;
  return {
    format: 'resilient-ws/diagnostics',
    version: VERSION,
    recording: !!rec,
    createdAt: rec ? iso(rec.created.wall) : null,
    reportedAt: iso(clock.wallNow()),
    uptime: rec ? Math.round(now - rec.created.mono) : null,
    userAgent: typeof ua === 'string' ? text(ua, 300) : null,
    status: snap.status,
    url: snap.url === null ? null : text(snap.url, 300),
    attempt: snap.attempt,
    online: snap.online,
    rtt: tenth(snap.rtt),
    smoothedRtt: tenth(snap.smoothedRtt),
    queued: snap.queued,
    lastError: err ? { name: text(err.name, 64), message: text(err.message) } : null,
    limit: rec?.limit ?? 0,
    dropped: rec?.dropped ?? 0,
    // A deep copy: the caller may keep or change it; the ring is not theirs.
    entries: rec ? (JSON.parse(JSON.stringify(rec.entries())) as DiagnosticsEntry[]) : [],
  };
}
