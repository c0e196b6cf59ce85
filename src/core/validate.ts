import { utf8Length } from './codec.js';
import { fail } from './errors.js';

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
  } catch {
    // No cause: Node's TypeError keeps the raw URL (credentials and all) in `input`.
    throw fail(
      'InvalidUrlError',
      `"${maskUrl(raw)}" is not a valid URL${base ? '' : ' (relative URLs need a page to resolve against; pass an absolute ws:// or wss:// URL)'}.`,
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
  if (input !== undefined && typeof input !== 'string' && !Array.isArray(input)) {
    throw fail('InvalidProtocolError', `protocols must be a string, an array of strings, or a function returning one; got ${typeof input}.`);
  }
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
      `close() code must be 1000 or 3000–4999 (browsers reject the others); got ${shown(code)}. Use 4000–4999 for your own reasons.`,
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

/** A bad value as an error message shows it: a string quoted, so `'5'` is not mistaken for `5`. */
export const shown = (value: unknown): string => (typeof value === 'string' ? `${JSON.stringify(value)} (a string)` : String(value));

/** A non-negative number (Infinity allowed when `infinite`). */
export function checkNumber(name: string, value: unknown, infinite = false): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!infinite && !Number.isFinite(value))) {
    throw fail('InvalidOptionError', `${name} must be a non-negative${infinite ? '' : ' finite'} number; got ${shown(value)}.`);
  }
  return value;
}

/**
 * The number settings of one options object, read by key: a setting left out is its default, a
 * given one is checked by {@link checkNumber} and named `prefix` + key in the message
 * (`retry.maxDelay`).
 */
export const numbersOf =
  <T extends object>(prefix: string, given: Partial<Record<keyof T, unknown>>, defaults: T) =>
  (key: NumberKey<T>, infinite = false): number =>
    given[key] === undefined ? (defaults[key] as number) : checkNumber(prefix + key, given[key], infinite);

/** The keys of `T` whose values are numbers. */
type NumberKey<T> = { [K in keyof T]-?: T[K] extends number ? K : never }[keyof T] & string;

/** A function option (called later, so checked now). */
export function checkFunction<F>(name: string, value: F): F {
  if (typeof value !== 'function') throw fail('InvalidOptionError', `${name} must be a function; got ${typeof value}.`);
  return value;
}

/** One of the listed strings. */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw fail('InvalidOptionError', `${name} must be ${allowed.map((a) => `"${a}"`).join(', ')}; got ${String(value)}.`);
  return value as T;
}

/** A plain settings object. */
export function checkObject(name: string, value: unknown): void {
  if (!value || typeof value !== 'object') throw fail('InvalidOptionError', `${name} must be an object of settings; got ${value === null ? 'null' : typeof value}.`);
}

/**
 * Query and matrix parameters shown as they are in masked URLs: names that never carry a
 * credential. Everything else is masked by default.
 */
const HARMLESS = new Set(['v', 'version', 'vsn', 'eio', 'transport', 'encoding', 'format', 'compress', 'compression', 'lang', 'locale', 'protocol']);

const maskParams = (text: string, sep: RegExp) =>
  text.replace(sep, (all, lead: string, name: string) => (HARMLESS.has(name.toLowerCase()) ? all : `${lead}${name}=***`));

/**
 * Masks credentials in a URL for anything the client prints: userinfo, the fragment (OAuth's
 * implicit flow puts `#access_token=…` there), and the value of every query and matrix
 * (`;name=value`) parameter except plainly harmless ones (`v`, `version`, `lang`…). Works on
 * unparseable input too.
 */
export function maskUrl(input: string): string {
  let s = String(input);
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(0, hash) + (hash < s.length - 1 ? '#***' : '#');
  s = s.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1***@');
  const q = s.indexOf('?');
  const path = q < 0 ? s : s.slice(0, q);
  const query = q < 0 ? '' : s.slice(q);
  return maskParams(path, /(;)([^;=/?#]+)=[^;/?#]*/g) + maskParams(query, /([?&])([^&=#]+)=[^&#]*/g);
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;

/** Free text with every URL in it masked as {@link maskUrl} does. */
export const maskUrlsIn = (text: string): string => text.replace(URL_IN_TEXT, maskUrl);

/**
 * An error from a provider or the platform, fit for `lastError`, events and logs: the same object
 * when it carries no URL; otherwise a copy (same `name`) whose message has its URLs masked and
 * without the raw URL some runtimes attach (Node's `TypeError: Invalid URL` keeps it in `input`;
 * a browser's `SyntaxError` may quote the URL it refused).
 */
export function maskCause(cause: unknown): unknown {
  if (!cause || typeof cause !== 'object') return cause;
  const e = cause as Error;
  const message = typeof e.message === 'string' ? maskUrlsIn(e.message) : '';
  if (!('input' in cause) && message === e.message) return cause;
  const copy = new Error(message || 'Invalid URL');
  copy.name = e.name;
  return copy;
}
