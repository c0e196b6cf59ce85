import type { Jitter, RetrySettings } from './backoff.js';
import type { CloseAction, ClosePolicyTable } from './close-codes.js';
import type { Codec, CodecName, RawMessage } from './codec.js';
import type { MessageCatalog } from './messages.js';
import type { CloseInfo } from './state.js';

/** The parts of the browser `WebSocket` the client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  readonly extensions: string;
  readonly bufferedAmount: number;
  binaryType: BinaryType;
  onopen: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  /** Used for `message` when present (cheaper per frame than `onmessage` in Chromium). */
  addEventListener?(type: 'message', listener: (ev: MessageEvent) => void): void;
  removeEventListener?(type: 'message', listener: (ev: MessageEvent) => void): void;
  send(data: string | ArrayBufferLike | ArrayBufferView | Blob): void;
  close(code?: number, reason?: string): void;
}

/** A `WebSocket` constructor: the browser's, undici's, or a test double. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** A value, or a (sync or async) function called before every attempt. */
export type Provider<T> = T | (() => T | Promise<T>);

/** Monotonic time and timers. Inject for tests; defaults read `performance`/`Date`/timers lazily. */
export interface Clock {
  /** Monotonic ms (`performance.now()`): used for every elapsed-time decision. */
  now(): number;
  /** Wall-clock ms since epoch (`Date.now()`): used only for timestamps shown to people. */
  wallNow(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Where the client logs. Messages never contain credentials (URLs are masked). */
export interface Logger {
  debug?(message: string, data?: unknown): void;
  info?(message: string, data?: unknown): void;
  warn?(message: string, data?: unknown): void;
  error?(message: string, data?: unknown): void;
}

/** Reconnection settings. A number for `retry` means `{ limit: number }`. */
export interface RetryOptions {
  /** Retries after consecutive failures before giving up with `RetriesExhaustedError`: `limit: 2` allows 3 failed connections (the first plus 2 retries) and stops at the 3rd; a connection that closes before `minUptime` counts as failed; `0` never retries. @default Infinity */
  limit?: number;
  /** Cap of the first retry's delay window, in ms. @default 1000 */
  initialDelay?: number;
  /** Largest delay window, in ms, reached only in a long outage (see `fastPhase`). With full jitter the mean wait at the cap is half of it: 60 s costs a server that stays down one attempt per client every ~30 s. @default 60000 */
  maxDelay?: number;
  /** Largest delay window during the fast phase of an outage (see `fastPhase`), in ms; never below `initialDelay`. Small, so a short outage is over for the app soon after the server is back: with full jitter, half the clients of a 10 s outage are back within about 1 s (bench/outage.mjs). Setting it above `maxDelay` throws; left at its default it is cut to a lower `maxDelay`. @default 4000 */
  fastMaxDelay?: number;
  /** How long (ms) the fast phase of an outage lasts, counted from its first failure (an outage lasts until a connection stays up `minUptime`; time waiting offline or suspended does not count). After it the window cap grows in proportion to the outage, `fastMaxDelay × elapsed / fastPhase` (a third of the elapsed time with the defaults), up to `maxDelay`. `0` turns the phases off (plain exponential backoff up to `maxDelay`); `Infinity` keeps the fast cap for good. @default 12000 */
  fastPhase?: number;
  /** Growth of the delay window per consecutive failure. @default 2 */
  factor?: number;
  /** Jitter drawn per attempt: `'full'` uniform [0, window), `'equal'` [window/2, window), `'none'`. @default 'full' */
  jitter?: Jitter;
  /** A connection must stay open this long (ms) before the attempt counter resets, so accept-then-close servers cannot cause a tight loop. @default 5000 */
  minUptime?: number;
  /** After 1012 (service restart) the first retry waits uniform 0–this many ms (RFC 6455 §7.2.3). @default 5000 */
  restartDelay?: number;
  /** After 1013 (try again later) every retry waits at least this long (ms): plus the jittered backoff, or as long as a server hint asks if that is longer. @default 10000 */
  tryAgainLaterDelay?: number;
  /** Largest server-suggested delay (`retryAfter` in the close reason) honoured, in ms, before up to 20 % (at least 1 s) jitter is added. @default 300000 */
  maxHintDelay?: number;
}

/** Application-level ping/pong. */
export interface HeartbeatOptions<Outgoing = unknown> {
  /** `'client'`: the client pings when the connection is idle. `'server'`: the server pings, the client answers and watches. @default 'client' */
  mode?: 'client' | 'server';
  /** Idle time (ms) with nothing received before the client sends a ping. @default 20000 */
  interval?: number;
  /** Client mode: time (ms) to wait for the pong (another one while the socket is still sending what was queued before the ping). Server mode: the longest silence (ms) accepted between server pings. @default 10000 */
  timeout?: number;
  /** When a timer fires late (sleep, freeze, throttled tab), a fresh probe gets this long (ms) before the connection is declared dead. @default 5000 */
  grace?: number;
  /** The ping to send: a string is sent as is; anything else goes through the codec; a function is called per ping. @default 'ping' */
  message?: string | Outgoing | (() => string | Outgoing);
  /** Recognises a pong. Gets the raw frame. @default isPong — `"pong"` or a JSON object with `type: "pong"` */
  isPong?: (data: RawMessage) => boolean;
  /** Server mode: recognises the server's ping. @default isPing — `"ping"` or a JSON object with `type: "ping"` */
  isPing?: (data: RawMessage) => boolean;
  /** Server mode: the answer to a server ping (a function gets the raw ping). @default 'pong' */
  reply?: string | Outgoing | ((ping: RawMessage) => string | Outgoing);
  /** Any received message proves the connection alive (so a busy connection never pings). @default true */
  anyMessageIsAlive?: boolean;
  /** Deliver pongs (client mode) and server pings (server mode) as `message` events too. @default false */
  deliverPongs?: boolean;
}

/** What happens to a message the outbox cannot take. */
export type OverflowPolicy = 'reject' | 'drop-oldest' | 'drop-newest';

/** The bounded send buffer. */
export interface OutboxOptions {
  /** Most messages held. @default 1000 */
  maxMessages?: number;
  /** Most bytes held (UTF-8 bytes for text). @default 1048576 */
  maxBytes?: number;
  /** When full: `'reject'` the new message, `'drop-oldest'` queued message, or `'drop-newest'` queued message to make room. @default 'reject' */
  overflow?: OverflowPolicy;
  /** Default time-to-live (ms) of a queued message; expired messages are dropped with a `drop` event, never sent late. @default Infinity */
  ttl?: number;
  /** While the socket's `bufferedAmount` is above this many bytes, sends wait in the outbox. @default 1048576 */
  highWaterMark?: number;
}

/** The connection history `client.diagnostics()` reports. */
export interface DiagnosticsOptions {
  /** Most entries kept (an integer from 1 to 1000); the oldest go first. The entries also stay under 32 kB of JSON. @default 200 */
  limit?: number;
}

/** Event targets for browser lifecycle signals (inject for tests). */
export interface LifecycleTarget {
  readonly window?: EventTarget;
  readonly document?: EventTarget & { readonly visibilityState?: DocumentVisibilityState };
  readonly navigator?: { readonly onLine?: boolean };
}

/** Which browser signals the client reacts to. */
export interface LifecycleOptions {
  /** `offline` pauses attempts; `online` reconnects at once without backoff penalty. @default true */
  network?: boolean;
  /** Becoming visible probes an open connection and cuts a retry wait short. @default true */
  visibility?: boolean;
  /** Page Lifecycle `freeze` stops timers; `resume` probes or reconnects. @default true */
  freeze?: boolean;
  /** Close cleanly on `pagehide` so the page stays cacheable; reconnect on `pageshow` restore. @default true */
  bfcache?: boolean;
  /** Where to listen. @default globalThis (window, document, navigator), read when the client activates */
  target?: LifecycleTarget;
}

/** The server's in-band close notice (see `closeNotice`). */
export interface CloseNoticeOptions {
  /** A notice counts for the close that follows within this many ms; later, it is forgotten. @default 5000 */
  window?: number;
  /** Recognises a notice in a received frame (raw, before decoding) and returns its fields, or `null` for an ordinary message. The answer is validated like a close (a code a server may send; the reason capped at 123 UTF-8 bytes; `retryAfter` in seconds, finite, ≥ 0); an invalid one is delivered as a message. @default parseCloseNotice — a JSON text frame with `type: "close"` */
  parse?: (data: RawMessage) => { code: unknown; reason?: unknown; retryAfter?: unknown } | null | undefined;
}

/** What the handshake probe needs of `fetch`: the status of the answer (and its `type`: `opaque`/`opaqueredirect` say nothing). */
export type ProbeFetch = (url: string, init: RequestInit) => PromiseLike<{ readonly status: number; readonly type?: string }>;

/** Handshake diagnosis: one HTTP request to the endpoint after consecutive failed attempts. */
export interface ProbeHandshakeOptions {
  /** Consecutive failed attempts that never opened (category `connect-failed`) before the probe, which goes while the client waits for the next attempt. @default 2 */
  after?: number;
  /** The probe is abandoned (nothing learned) after this many ms. @default 5000 */
  timeout?: number;
  /** At most one probe per this many ms (counted from its start). @default 30000 */
  minInterval?: number;
  /** The `fetch` to probe with (tests, polyfills). @default globalThis.fetch, read when probing */
  fetch?: ProbeFetch;
}

/** How to answer a close: a table by code, range or category (a code beats a range, a range beats a category), or a function (return `undefined` to fall through to the built-in table). */
export type ClosePolicy = ClosePolicyTable | ((close: Pick<CloseInfo, 'code' | 'reason' | 'wasClean' | 'category' | 'duringConnect'>) => CloseAction | undefined);

/** Options of {@link createClient}. Only `url` is required. */
export interface ClientOptions<Incoming = RawMessage, Outgoing = unknown> {
  /** Where to connect: `ws:`, `wss:`, `http:`, `https:` or (in a page) a relative URL. A function is called before every attempt (fresh tokens). */
  url: Provider<string | URL>;
  /** Subprotocols to offer; a function is called before every attempt. @default undefined */
  protocols?: Provider<string | string[] | undefined>;
  /** The WebSocket constructor. @default globalThis.WebSocket, read when connecting */
  WebSocket?: WebSocketConstructor;
  /** Connect as soon as the client is created. @default true */
  autoConnect?: boolean;
  /** Connect on the first `send()` or subscriber instead; close after `idleTimeout` ms with neither. `true` = `{ idleTimeout: 30000 }`. @default false */
  lazy?: boolean | { idleTimeout?: number };
  /** Reconnection: `false` never, a number = `{ limit }`, or settings. @default RETRY_DEFAULTS */
  retry?: boolean | number | RetryOptions;
  /** Overrides of the close-code table, by code, range or category (`{ 'malformed-close': 'stop', '4000-4099': 'reconnect' }`; a code beats a range, a range beats a category), or a function. @default {} */
  closePolicy?: ClosePolicy;
  /** A CONNECTING socket older than this (ms) is abandoned and counted as a failed attempt. Keep it above 5 s: after many failed attempts Chromium holds each new WebSocket of a page for up to 5 s before connecting. @default 10000 */
  connectTimeout?: number;
  /** Our closing handshake gets this long (ms); then the socket is released and `closed` reported with `wasClean: false`. @default 5000 */
  closeTimeout?: number;
  /** Application ping/pong. `false` turns it off. @default HEARTBEAT_DEFAULTS */
  heartbeat?: false | HeartbeatOptions<Outgoing>;
  /** Message encoding. @default 'text' */
  codec?: CodecName | Codec<Incoming, Outgoing>;
  /** How binary frames arrive: `'arraybuffer'` or `'blob'` (overrides the codec's own `binaryType`). @default 'arraybuffer' */
  binaryType?: BinaryType;
  /** The bounded send buffer; `false` makes `send()` reject whenever the socket is not open. @default OUTBOX_DEFAULTS */
  outbox?: false | OutboxOptions;
  /** Browser lifecycle handling; `false` ignores every browser signal. @default LIFECYCLE_DEFAULTS */
  lifecycle?: false | LifecycleOptions;
  /** The server's in-band close notice, used when the close frame after it is lost or mangled; `false` delivers such frames as messages. @default CLOSE_NOTICE_DEFAULTS */
  closeNotice?: false | CloseNoticeOptions;
  /** Close codes that mean "credentials expired": with `refresh` set they refresh then reconnect, otherwise they stop. @default [3000, 3003] */
  authCodes?: readonly number[];
  /** Called after an auth close (see `authCodes`) before reconnecting at once; reject (or take longer than `connectTimeout`) to stop. @default undefined */
  refresh?: (close: CloseInfo) => void | Promise<void>;
  /** Consecutive refreshes without a stable connection before giving up. @default 3 */
  maxRefreshes?: number;
  /** Handshake diagnosis: after failed attempts, one HTTP request to the endpoint tells a 401/403 (the `authCodes` path), a 404 (stop: wrong URL) or anything else (keep retrying) apart. `true` = `PROBE_DEFAULTS`. @default false */
  probeHandshake?: boolean | ProbeHandshakeOptions;
  /** User-facing texts (English built in; `resilient-ws/i18n/zh-CN` ships Chinese). @default en */
  messages?: Partial<MessageCatalog>;
  /** Diagnostics sink. @default undefined (silent) */
  logger?: Logger;
  /** Time source and timers (tests). @default performance.now, Date.now, setTimeout */
  clock?: Clock;
  /** Random source in [0, 1) for jitter (tests). @default Math.random */
  random?: () => number;
  /** Record the connection history for `client.diagnostics()` (a bounded ring of entries; no message contents, URLs masked). `false` records nothing. @default DIAGNOSTICS_DEFAULTS */
  diagnostics?: false | DiagnosticsOptions;
}

/** Options of the features `createClient` attaches by itself (the lean `createCore` takes features instead). */
export type FeatureOptionKeys = 'lazy' | 'heartbeat' | 'outbox' | 'lifecycle' | 'refresh' | 'maxRefreshes' | 'closeNotice' | 'probeHandshake' | 'diagnostics';

/** Default retry settings. */
export const RETRY_DEFAULTS: RetrySettings = {
  limit: Infinity,
  initialDelay: 1000,
  maxDelay: 60_000,
  fastMaxDelay: 4000,
  fastPhase: 12_000,
  factor: 2,
  jitter: 'full',
  minUptime: 5000,
  restartDelay: 5000,
  tryAgainLaterDelay: 10_000,
  maxHintDelay: 300_000,
};

/** Default heartbeat settings (the functions are the built-in matchers). */
export const HEARTBEAT_DEFAULTS = {
  mode: 'client' as 'client' | 'server',
  interval: 20_000,
  timeout: 10_000,
  grace: 5000,
  message: 'ping' as unknown,
  reply: 'pong' as unknown,
  anyMessageIsAlive: true,
  deliverPongs: false,
};

/** Default outbox settings. */
export const OUTBOX_DEFAULTS: Required<OutboxOptions> = {
  maxMessages: 1000,
  maxBytes: 1_048_576,
  overflow: 'reject',
  ttl: Infinity,
  highWaterMark: 1_048_576,
};

/** Default close-notice settings. */
export const CLOSE_NOTICE_DEFAULTS = { window: 5000 };

/** Default lifecycle settings. */
export const LIFECYCLE_DEFAULTS = { network: true, visibility: true, freeze: true, bfcache: true };

/** Default handshake-probe settings (`fetch` is read from `globalThis` when probing). */
export const PROBE_DEFAULTS = { after: 2, timeout: 5000, minInterval: 30_000 };

/** Default diagnostics settings. */
export const DIAGNOSTICS_DEFAULTS = { limit: 200 };

/**
 * The engine's own top-level defaults, written once here. `DEFAULTS` spreads them and adds the
 * features' settings objects; the engine reads this object, so `createCore` does not carry the
 * defaults of features it was not given.
 * @internal
 */
export const ENGINE_DEFAULTS = {
  autoConnect: true,
  lazy: false,
  lazyIdleTimeout: 30_000,
  connectTimeout: 10_000,
  closeTimeout: 5000,
  codec: 'text' as CodecName,
  binaryType: 'arraybuffer' as BinaryType,
  authCodes: [3000, 3003] as readonly number[],
  maxRefreshes: 3,
  probeHandshake: false,
} as const;

/** Every top-level default, with the features' settings objects. */
export const DEFAULTS = {
  ...ENGINE_DEFAULTS,
  probe: PROBE_DEFAULTS,
  retry: RETRY_DEFAULTS,
  diagnostics: DIAGNOSTICS_DEFAULTS,
  heartbeat: HEARTBEAT_DEFAULTS,
  outbox: OUTBOX_DEFAULTS,
  lifecycle: LIFECYCLE_DEFAULTS,
  closeNotice: CLOSE_NOTICE_DEFAULTS,
} as const;
