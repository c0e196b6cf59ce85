import { utf8Length } from './codec';
import { fail } from './errors';

/**
 * Call-site validation shared by options and methods. Every failure throws a typed error whose
 * message says what to do.
 */

/**
 * Resolves and checks a WebSocket URL the way browsers do (WHATWG WebSockets constructor), but
 * up front and with a clear message: http(s) becomes ws(s), relative URLs resolve against the
 * page, fragments and other schemes are refused.
 */
export function normalizeUrl(input: string | URL): string {
  const raw = String(input);
  const base = (globalThis as { location?: { href?: string } }).location?.href;
  let url: URL;
  try {
    url = base ? new URL(raw, base) : new URL(raw);
  } catch (cause) {
    throw fail(
      'InvalidUrlError',
      `"${maskUrl(raw)}" is not a valid URL${base ? '' : ' (relative URLs need a page to resolve against; pass an absolute ws:// or wss:// URL)'}.`,
      { cause },
    );
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw fail('InvalidUrlError', `WebSocket URLs must use ws:, wss:, http: or https:, not "${url.protocol}".`);
  }
  if (url.hash || url.href.endsWith('#')) {
    throw fail('InvalidUrlError', `WebSocket URLs cannot have a fragment ("#…"): remove it from "${maskUrl(url.href)}".`);
  }
  return url.href;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Checks subprotocols: RFC 7230 tokens, no duplicates (compared case-insensitively, as WPT expects). */
export function normalizeProtocols(input: string | readonly string[] | undefined): string[] {
  const list = input === undefined ? [] : typeof input === 'string' ? [input] : [...input];
  const seen = new Set<string>();
  for (const p of list) {
    if (typeof p !== 'string' || !TOKEN.test(p)) {
      throw fail('InvalidProtocolError', `Subprotocol ${JSON.stringify(p)} is not a valid token (letters, digits and !#$%&'*+-.^_\`|~ only).`);
    }
    const key = p.toLowerCase();
    if (seen.has(key)) throw fail('InvalidProtocolError', `Subprotocol "${p}" is listed twice.`);
    seen.add(key);
  }
  return list;
}

/** `close()` arguments as browsers accept them: code 1000 or 3000–4999, reason ≤ 123 UTF-8 bytes. */
export function validateClose(code: unknown, reason: unknown): void {
  if (code !== undefined && (code !== 1000 && !(Number.isInteger(code) && (code as number) >= 3000 && (code as number) <= 4999))) {
    throw fail(
      'InvalidCloseCodeError',
      `close() code must be 1000 or 3000–4999 (browsers reject the others); got ${String(code)}. Use 4000–4999 for your own reasons.`,
    );
  }
  if (reason !== undefined) {
    if (typeof reason !== 'string') throw fail('InvalidCloseReasonError', 'close() reason must be a string.');
    const bytes = utf8Length(reason);
    if (bytes > 123) {
      throw fail(
        'InvalidCloseReasonError',
        `close() reason is ${bytes} UTF-8 bytes; the limit is 123 (non-ASCII characters take 2–4 bytes). Shorten it.`,
      );
    }
  }
}

/** A non-negative number (Infinity allowed when `infinite`). */
export function checkNumber(name: string, value: unknown, infinite = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!infinite && !Number.isFinite(value))) {
    throw fail('InvalidOptionError', `${name} must be a non-negative${infinite ? '' : ' finite'} number; got ${String(value)}.`);
  }
  return value;
}

const SECRET_KEY = /token|auth|key|secret|pass|sig|session|jwt|credential|code|ticket/i;

/** Masks credentials in a URL for anything the client prints: userinfo and sensitive query values. */
export function maskUrl(input: string): string {
  try {
    const url = new URL(input);
    if (url.password) url.password = '***';
    if (url.username) url.username = '***';
    for (const key of [...url.searchParams.keys()]) if (SECRET_KEY.test(key)) url.searchParams.set(key, '***');
    return url.href.replace(/%2A%2A%2A/g, '***');
  } catch {
    return input.replace(/([?&][^=&#]*(?:token|auth|key|secret|pass|sig|session|jwt|credential|code|ticket)[^=&#]*=)[^&#]*/gi, '$1***');
  }
}
