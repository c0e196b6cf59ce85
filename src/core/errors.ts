/**
 * Typed errors. Two families:
 * - thrown synchronously at the call site for programmer errors (bad options, bad close code,
 *   reason too long, use after dispose), so the stack points at the mistake;
 * - background failures (timeouts, failed handshakes, exhausted retries, decode failures) that
 *   are never thrown from timers: they land in `snapshot.lastError` and the `error` event.
 *
 * Every class has a literal `name`; use {@link isResilientWsError} rather than `instanceof`
 * (it also works across realms and duplicated bundles).
 */

/** Literal names of every error this package creates. */
export const ERROR_NAMES = [
  'InvalidUrlError',
  'InvalidProtocolError',
  'InvalidOptionError',
  'InvalidCloseCodeError',
  'InvalidCloseReasonError',
  'DisposedError',
  'EncodeError',
  'DecodeError',
  'ConfigurationError',
  'UrlProviderError',
  'ConnectionError',
  'ConnectTimeoutError',
  'CloseTimeoutError',
  'HeartbeatTimeoutError',
  'RetriesExhaustedError',
  'RefreshError',
  'FatalCloseError',
] as const;

/** Union of {@link ERROR_NAMES}. */
export type ResilientWsErrorName = (typeof ERROR_NAMES)[number];

/** Base class of every error created by resilient-ws. */
export class ResilientWsError<N extends ResilientWsErrorName = ResilientWsErrorName> extends Error {
  /** Literal error name: switch on it. */
  override readonly name: N;
  /** Data the error is about (for `DecodeError`, the raw frame; for `EncodeError`, the message). */
  readonly data?: unknown;
  constructor(name: N, message: string, options?: { cause?: unknown; data?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = name;
    if (options && 'data' in options) this.data = options.data;
  }
}

/**
 * True when `value` is an error made by resilient-ws (optionally of the given name).
 * Checks the literal name, so it works across realms and duplicated copies of the package.
 */
export function isResilientWsError<N extends ResilientWsErrorName>(
  value: unknown,
  name?: N,
): value is ResilientWsError<N> {
  if (typeof value !== 'object' || value === null) return false;
  const n = (value as { name?: unknown }).name;
  return typeof n === 'string' && (name === undefined ? (ERROR_NAMES as readonly string[]).includes(n) : n === name);
}

/** @internal shorthand used across the core. */
export const fail = <N extends ResilientWsErrorName>(
  name: N,
  message: string,
  options?: { cause?: unknown; data?: unknown },
): ResilientWsError<N> => new ResilientWsError(name, message, options);
