/**
 * The close-code table: what each WebSocket close code means and what the client does about it.
 * Pure data and one pure function, table-tested without sockets or timers.
 */

/** Named close codes (RFC 6455 §7.4.1, the IANA registry, and the registered 3xxx codes). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatus: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  TlsHandshake: 1015,
  Unauthorized: 3000,
  Forbidden: 3003,
  Timeout: 3008,
} as const;

/**
 * What kind of close it was. Server and network categories come from the code; the
 * client-side ones (`client`, `connect-failed`, `connect-timeout`, `heartbeat-timeout`,
 * `suspended`) describe closes the client detected or caused itself;
 * `malformed-close` is a close frame without a status code whose text the client rebuilt
 * (libhv's reason-only frames).
 * With `probeHandshake`, a failed attempt whose endpoint answered the probe with HTTP 401, 403 or
 * 404 becomes `unauthorized`, `forbidden` or `not-found`.
 */
export type CloseCategory =
  | 'normal'
  | 'going-away'
  | 'protocol-error'
  | 'no-status'
  | 'network'
  | 'policy-violation'
  | 'server-error'
  | 'service-restart'
  | 'try-again-later'
  | 'bad-gateway'
  | 'tls'
  | 'unauthorized'
  | 'forbidden'
  | 'timeout'
  | 'application'
  | 'private'
  | 'unknown'
  | 'malformed-close'
  | 'client'
  | 'connect-failed'
  | 'not-found'
  | 'connect-timeout'
  | 'heartbeat-timeout'
  | 'suspended';

/** What the client does after a close: try again, refresh credentials then try again, or stop. */
export type CloseAction = 'reconnect' | 'refresh' | 'stop';

/** A row of the built-in table. */
export interface CloseRule {
  readonly category: CloseCategory;
  readonly action: CloseAction;
}

const rule = (category: CloseCategory, action: CloseAction): CloseRule => ({ category, action });

/** Built-in rules for single codes. Anything not listed falls to {@link classifyCode}'s ranges. */
export const CLOSE_TABLE: Readonly<Record<number, CloseRule>> = {
  1000: rule('normal', 'stop'),
  1001: rule('going-away', 'reconnect'),
  1002: rule('protocol-error', 'stop'),
  1003: rule('protocol-error', 'stop'),
  1005: rule('no-status', 'reconnect'),
  1006: rule('network', 'reconnect'),
  1007: rule('protocol-error', 'stop'),
  1008: rule('policy-violation', 'stop'),
  1009: rule('protocol-error', 'stop'),
  1010: rule('protocol-error', 'stop'),
  1011: rule('server-error', 'reconnect'),
  1012: rule('service-restart', 'reconnect'),
  1013: rule('try-again-later', 'reconnect'),
  1014: rule('bad-gateway', 'reconnect'),
  1015: rule('tls', 'stop'),
  3000: rule('unauthorized', 'stop'),
  3003: rule('forbidden', 'stop'),
  3008: rule('timeout', 'reconnect'),
};

/**
 * The built-in decision for a close code, before the application's `closePolicy` and the
 * credential-refresh rule are applied.
 */
export function classifyCode(code: number): CloseRule {
  const row = CLOSE_TABLE[code];
  if (row) return row;
  if (code >= 3000 && code <= 3999) return rule('application', 'reconnect');
  if (code >= 4000 && code <= 4999) return rule('private', 'stop');
  // Not a code at all: a close frame without one, its text read as a code (see rebuildReason).
  if (code < 1000 || code > 4999) return rule('malformed-close', 'reconnect');
  return rule('unknown', 'reconnect');
}

/** `closePolicy` in table form: keys are a code (`4001`) or an inclusive range (`'4000-4499'`). */
export type ClosePolicyTable = Readonly<Record<string, CloseAction>>;

/** A parsed `closePolicy` table entry. */
export interface CloseRange {
  readonly from: number;
  readonly to: number;
  readonly action: CloseAction;
}

const ACTIONS: readonly string[] = ['reconnect', 'refresh', 'stop'];

/**
 * Parses a `closePolicy` table. Returns an error message (for the caller to throw) or the
 * ranges, narrowest first so a single code beats a range that contains it.
 */
export function parseClosePolicy(table: ClosePolicyTable): CloseRange[] | string {
  const out: CloseRange[] = [];
  for (const [key, action] of Object.entries(table)) {
    const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(key);
    if (!m) return `closePolicy key "${key}" is not a close code or a range like "4000-4499".`;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) return `closePolicy range "${key}" ends before it starts.`;
    if (!ACTIONS.includes(action)) {
      return `closePolicy["${key}"] must be "reconnect", "refresh" or "stop", got ${JSON.stringify(action)}.`;
    }
    out.push({ from, to, action });
  }
  return out.sort((a, b) => a.to - a.from - (b.to - b.from));
}

/** The action of the narrowest matching range, if any. */
export function matchClosePolicy(ranges: readonly CloseRange[], code: number): CloseAction | undefined {
  for (const r of ranges) if (code >= r.from && code <= r.to) return r.action;
  return undefined;
}

/** Codes a server may send in a close frame: 1000–1003, 1007–1014, 3000–4999 (RFC 6455 §7.4 and the IANA registry; 1004–1006 and 1015 are never sent). */
export function isServerCode(code: unknown): code is number {
  if (typeof code !== 'number' || !Number.isInteger(code)) return false;
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
