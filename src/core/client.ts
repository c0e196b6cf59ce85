import mitt from 'mitt';
import { retryDelay, parseServerHint, type RetrySettings, type ServerHint } from './backoff';
import { classifyCode, matchClosePolicy, parseClosePolicy, type CloseAction, type CloseCategory } from './close-codes';
import { byteLength, CODECS, textCodec, type Codec, type RawMessage, type WireData } from './codec';
import { fail, isResilientWsError, type ResilientWsError } from './errors';
import { createHeartbeat, isPing, isPong, type Heartbeat } from './heartbeat';
import { attachLifecycle, globalTarget } from './lifecycle';
import { closeMessage, en, renderMessage, type MessageCatalog, type MessageKey } from './messages';
import {
  DEFAULTS,
  type ClientOptions,
  type Clock,
  type HeartbeatOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './options';
import { createOutbox, type DropReason, type OutboxEntry } from './outbox';
import { initialSnapshot, transition, type CloseInfo, type CloseInitiator, type Snapshot, type StateEvent } from './state';
import { checkNumber, maskUrl, normalizeProtocols, normalizeUrl, validateClose } from './validate';

/** Payload of the `reconnecting` event. */
export interface ReconnectingEvent {
  /** Number of this retry since the connection was last stable (1 = first retry). */
  readonly attempt: number;
  /** Delay before it, in ms. */
  readonly delay: number;
  /** Wall-clock time it will start. */
  readonly at: number;
  /** The close that caused it (`null` when a provider or refresh failed before any socket). */
  readonly close: CloseInfo | null;
}

/** Payload of the `drop` event: a message that will never be sent, and why. */
export interface DropEvent<Outgoing> {
  readonly message: Outgoing;
  readonly reason: DropReason;
}

/** Every event the client emits, by name. */
export type ClientEvents<Incoming, Outgoing> = {
  /** The status changed; carries the new snapshot. */
  status: Snapshot;
  /** A connection opened. */
  open: { readonly url: string; readonly protocol: string; readonly extensions: string };
  /** A decoded application message (pongs are consumed unless `heartbeat.deliverPongs`). */
  message: Incoming;
  /** A connection closed; carries the decision taken. */
  close: CloseInfo;
  /** A retry was scheduled. */
  reconnecting: ReconnectingEvent;
  /** A background failure (never thrown). */
  error: ResilientWsError;
  /** A heartbeat round trip completed. */
  rtt: { readonly rtt: number; readonly smoothedRtt: number };
  /** A message left the outbox unsent. */
  drop: DropEvent<Outgoing>;
};

/** What `send()` did with the message. */
export type SendResult = 'sent' | 'queued' | 'rejected';

/** Per-message send options. */
export interface SendOptions {
  /** Time-to-live in the outbox (ms). @default outbox.ttl */
  ttl?: number;
}

/** A resilient WebSocket connection. */
export interface Client<Incoming = RawMessage, Outgoing = unknown> {
  /** Start connecting (no-op while connecting or open; skips a pending retry wait). */
  connect(): void;
  /** Close for good with `code` (1000 or 3000–4999) and `reason` (≤ 123 UTF-8 bytes). Stops retries. */
  close(code?: number, reason?: string): void;
  /** Drop the current connection (if any) and connect again now, with a fresh backoff. */
  reconnect(): void;
  /**
   * Send now if open; otherwise queue in the outbox (or reject). Returns what happened; every
   * message that is not sent is reported by a `drop` event. Throws `EncodeError` for a message
   * the codec cannot encode and `DisposedError` after `dispose()`.
   */
  send(message: Outgoing, options?: SendOptions): SendResult;
  /** Listen for snapshot changes (the `useSyncExternalStore` contract). Returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** The current snapshot: the same object until something changes. */
  getSnapshot(): Snapshot;
  /** Listen for an event. Returns the unsubscribe function. */
  on<K extends keyof ClientEvents<Incoming, Outgoing>>(
    type: K,
    handler: (event: ClientEvents<Incoming, Outgoing>[K]) => void,
  ): () => void;
  /** Discard every queued message (each reported by a `drop` event with reason `cleared`). Returns them. */
  clearOutbox(): Outgoing[];
  /** Live `bufferedAmount` of the socket (0 when there is none). */
  readonly bufferedAmount: number;
  /**
   * Release everything: close the socket, clear every timer and listener, report queued
   * messages as dropped (`disposed`). Afterwards nothing fires; `send`/`connect`/`close`/
   * `reconnect` throw `DisposedError`; `getSnapshot` keeps working; `dispose` is a no-op.
   */
  dispose(): void;
}

/** How the client is ending the current socket, when it is the one ending it. */
interface Ending {
  readonly by: CloseInitiator;
  readonly category: CloseCategory;
  /** `decide`: run the close policy (reconnect per backoff); the rest are fixed outcomes. */
  readonly then: 'stop' | 'idle' | 'suspend' | 'decide';
  readonly error?: ResilientWsError;
  /**
   * Deciding at once after sending a close frame we stand by: record the close as what we sent
   * (the page is going away, there is no answer to wait for), not as the 1006 the browser would
   * report. Only the pagehide close uses it.
   */
  readonly reportSent?: boolean;
}

const OPEN = 1;
const DRAIN_POLL_MS = 25;
const RESTORE_WINDOW_MS = 3000;

const defaultClock = (): Clock => {
  const perf = globalThis.performance;
  return {
    now: perf ? () => perf.now() : () => Date.now(),
    wallNow: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
};

/** A socket's events' `timeStamp`s are taken to share `performance.now()`'s origin when its open event's is this close to it. */
const STAMP_SKEW_MS = 1000;

const reportListenerError = (err: unknown) => {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (g.reportError) g.reportError(err);
  else setTimeout(() => {
    throw err;
  });
};

/**
 * Creates a resilient WebSocket client. Throws `InvalidOptionError`, `InvalidUrlError` or
 * `InvalidProtocolError` synchronously for bad options.
 *
 * @example
 * const client = createClient<ServerMsg, ClientMsg>({ url: 'wss://example.com/live', codec: 'json' });
 * client.on('message', (m) => render(m));
 * client.on('close', (c) => c.action === 'stop' && showBanner(c.message));
 * client.send({ type: 'hello' });
 */
export function createClient<Incoming = RawMessage, Outgoing = unknown>(
  options: ClientOptions<Incoming, Outgoing>,
): Client<Incoming, Outgoing> {
  const o = resolveOptions(options);
  const clock = o.clock;
  const emitter = mitt<ClientEvents<Incoming, Outgoing>>();
  const listeners = new Set<() => void>();
  const outbox = createOutbox<Outgoing>(o.outbox);
  const log = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, data?: unknown) => o.logger?.[level]?.(msg, data);

  // The online hint only gates attempts when the client also listens for `online`.
  let snap = initialSnapshot(!o.lifecycle?.network || (o.lifecycleTarget ?? globalTarget()).navigator?.onLine !== false);
  let disposed = false;
  let socket: WebSocketLike | null = null;
  let ending: Ending | null = null;
  let failures = 0;
  let refreshes = 0;
  let epoch = 0; // bumps whenever pending async work (providers, refresh) becomes stale
  let openedAtMono = 0;
  let stamps = false; // the current socket's event timeStamps can stand in for clock.now()
  let unlisten: (() => void) | null = null; // removes the current socket's message listener
  let restoredAt = -Infinity;
  let messageHandlers = 0;
  let detachLifecycle: (() => void) | null = null;
  const timers: Record<'retry' | 'connect' | 'close' | 'stable' | 'drain' | 'ttl' | 'idle' | 'error', unknown> = {
    retry: undefined,
    connect: undefined,
    close: undefined,
    stable: undefined,
    drain: undefined,
    ttl: undefined,
    idle: undefined,
    error: undefined,
  };
  const later = (name: keyof typeof timers, fn: () => void, ms: number) => {
    clock.clearTimeout(timers[name]);
    if (disposed) return; // dispose() may run inside a listener, mid-transition
    timers[name] = clock.setTimeout(() => {
      timers[name] = undefined;
      fn();
    }, ms);
  };
  const cancel = (...names: (keyof typeof timers)[]) =>
    names.forEach((n) => {
      clock.clearTimeout(timers[n]);
      timers[n] = undefined;
    });

  // ---- state and events -------------------------------------------------------------------

  // Events raised while createClient() is still running (a refused first attempt) are held
  // for a microtask, so handlers attached right after createClient() still hear them.
  let held: (() => void)[] | null = [];
  const emit = <K extends keyof ClientEvents<Incoming, Outgoing>>(type: K, event: ClientEvents<Incoming, Outgoing>[K]) => {
    if (held) held.push(() => emit(type, event));
    else if (!disposed) emitter.emit(type, event);
  };

  const set = (event: StateEvent) => {
    if (disposed) return;
    const prev = snap;
    snap = transition(snap, event);
    if (snap === prev || disposed) return;
    for (const l of [...listeners]) l();
    if (prev.status !== snap.status) {
      log('debug', `status ${prev.status} → ${snap.status}`, { url: snap.url, attempt: snap.attempt });
      emit('status', snap);
    }
  };

  const syncOutbox = () =>
    set({ type: 'update', patch: { queued: outbox.size, queuedBytes: outbox.bytes, bufferedAmount: socket?.bufferedAmount ?? 0 } });

  /** `close` with its message replaced by a client outcome (retries exhausted, refresh failed…). */
  const outcome = (close: CloseInfo, key: MessageKey, attempts: number): CloseInfo => ({
    ...close,
    action: 'stop',
    messageKey: key,
    attempts,
    message: renderMessage(o.messages, key, { code: close.code, attempts }),
  });

  const report = (error: ResilientWsError, inSnapshot = true) => {
    log('warn', error.message);
    if (inSnapshot) set({ type: 'update', patch: { lastError: error } });
    emit('error', error);
  };

  // ---- lifecycle attachment (only while active) ---------------------------------------------

  const activate = () => {
    if (detachLifecycle || !o.lifecycle) return;
    detachLifecycle = attachLifecycle(o.lifecycleTarget ?? globalTarget(), o.lifecycle, {
      online() {
        set({ type: 'update', patch: { online: true } });
        // Cut a retry wait short, but never a credential refresh in progress (no retry timer).
        if (snap.status === 'offline' || (snap.status === 'reconnecting' && timers.retry !== undefined)) attempt();
        else if (snap.status === 'open') heartbeat?.probe();
      },
      offline() {
        set({ type: 'update', patch: { online: false } });
        if (snap.status === 'reconnecting' && timers.retry !== undefined) park('offline');
        else if (snap.status === 'open') heartbeat?.probe();
      },
      visible() {
        if (snap.status === 'open') heartbeat?.probe();
        else if (snap.status === 'reconnecting' && timers.retry !== undefined) attempt();
      },
      freeze() {
        heartbeat?.stop();
        if (timers.retry !== undefined) park('suspended');
        cancel('stable', 'drain', 'ttl', 'idle');
      },
      resume() {
        // Chromium drops sockets of a frozen page at resume (close 1006 right after): like a
        // back/forward-cache restore, that is not a failure; reconnect quietly and at once.
        restoredAt = clock.now();
        if (snap.status === 'open') {
          heartbeat?.start();
          heartbeat?.probe();
          startStableTimer();
          flush();
          checkIdle();
        } else if (snap.status === 'suspended') attempt();
        scheduleTtl();
      },
      pagehide() {
        const s = snap.status;
        // Our own closing handshake: finish it now as what it was (a stop, or a lazy idle close).
        if (s === 'closing') finalize(1006, '', false);
        else if (socket && (s === 'connecting' || s === 'open')) end({ by: 'browser', category: 'suspended', then: 'suspend', reportSent: true }, 1000, 'page hidden', true);
        // Waiting to retry (or an async provider in flight): wait for pageshow instead. A refresh
        // in progress (no retry timer, no socket) is left to finish.
        else if (s === 'connecting' || (s === 'reconnecting' && timers.retry !== undefined)) park('suspended');
      },
      pageshow(persisted) {
        if (!persisted) return;
        restoredAt = clock.now();
        if (snap.status === 'suspended') attempt();
        else if (snap.status === 'open') heartbeat?.probe();
      },
    });
  };

  /** Cancel a pending retry (and stale async work) and wait in `status` for a browser signal. */
  const park = (status: 'offline' | 'suspended') => {
    cancel('retry', 'connect');
    epoch++;
    set({ type: 'wait', status });
  };

  const deactivate = () => {
    detachLifecycle?.();
    detachLifecycle = null;
  };

  // ---- heartbeat ----------------------------------------------------------------------------

  const sendRaw = (value: unknown) => {
    if (!socket || socket.readyState !== OPEN) return;
    try {
      socket.send(typeof value === 'string' ? value : (o.codec.encode(value as Outgoing) as WireData));
    } catch (cause) {
      report(isResilientWsError(cause) ? cause : fail('EncodeError', 'The heartbeat message could not be sent.', { cause }), false);
    }
  };

  const heartbeat: Heartbeat | null = o.heartbeat
    ? createHeartbeat(o.heartbeat, {
        now: () => clock.now(),
        setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
        clearTimeout: (h) => clock.clearTimeout(h),
        sendPing() {
          const m = o.heartbeat!.message;
          sendRaw(typeof m === 'function' ? guardedCall(m as () => unknown) : m);
        },
        sendReply(ping) {
          const r = o.heartbeat!.reply;
          sendRaw(typeof r === 'function' ? guardedCall(() => (r as (p: RawMessage) => unknown)(ping)) : r);
        },
        dead(silentFor) {
          const error = fail('HeartbeatTimeoutError', `No answer from the server for ${Math.round(silentFor)} ms: the connection is dead.`);
          end({ by: 'heartbeat', category: 'heartbeat-timeout', then: 'decide', error }, 3008, 'heartbeat timeout', true);
        },
        rtt(ms) {
          const smoothedRtt = snap.smoothedRtt === null ? ms : snap.smoothedRtt + (ms - snap.smoothedRtt) / 8;
          set({ type: 'update', patch: { rtt: ms, smoothedRtt } });
          emit('rtt', { rtt: ms, smoothedRtt });
        },
      })
    : null;

  const guardedCall = (fn: () => unknown): unknown => {
    try {
      return fn();
    } catch (cause) {
      report(fail('EncodeError', 'The heartbeat message function threw.', { cause }), false);
      return undefined;
    }
  };

  // ---- connecting ---------------------------------------------------------------------------

  /** Start an attempt now (cancelling any wait). */
  function attempt(): void {
    if (disposed) return;
    cancel('retry');
    restoredAt = -Infinity; // only a socket that predates a restore gets the quiet path
    const my = ++epoch;
    set({ type: 'connect', attempt: failures, url: snap.url ?? '' });
    // The timeout covers the whole attempt, a slow async url/protocols provider included.
    if (o.connectTimeout > 0) {
      later('connect', () => {
        epoch++; // a provider that resolves from now on is too late
        const error = fail('ConnectTimeoutError', `Connecting to ${snap.url || 'the server'} took longer than ${o.connectTimeout} ms.`);
        end({ by: 'timeout', category: 'connect-timeout', then: 'decide', error }, undefined, undefined, true);
      }, o.connectTimeout);
    }
    let url: unknown;
    let protocols: unknown;
    try {
      url = typeof o.url === 'function' ? o.url() : o.url;
      protocols = typeof o.protocols === 'function' ? o.protocols() : o.protocols;
    } catch (cause) {
      return providerFailed(cause);
    }
    if (isThenable(url) || isThenable(protocols)) {
      Promise.all([url, protocols]).then(
        ([u, p]) => my === epoch && !disposed && open(u, p),
        (cause: unknown) => my === epoch && !disposed && providerFailed(cause),
      );
    } else open(url, protocols);
  }

  function providerFailed(cause: unknown): void {
    cancel('connect');
    const error = fail('UrlProviderError', 'The url or protocols provider failed; retrying.', { cause });
    report(error);
    retryOrStop(null, 'connect-failed', null, error);
  }

  function open(u: unknown, p: unknown): void {
    let href: string;
    let protocols: string[];
    try {
      href = normalizeUrl(u as string | URL);
      protocols = normalizeProtocols(p as string | string[] | undefined);
    } catch (cause) {
      return configError(cause as ResilientWsError);
    }
    const Ctor = o.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) {
      return configError(fail('ConfigurationError', 'No WebSocket implementation here: pass options.WebSocket (in Node, undici’s WebSocket).'));
    }
    const masked = maskUrl(href);
    set({ type: 'update', patch: { url: masked } });
    let ws: WebSocketLike;
    try {
      ws = protocols.length ? new Ctor(href, protocols) : new Ctor(href);
    } catch (cause) {
      const name = (cause as Error)?.name ?? 'Error';
      return configError(fail('ConfigurationError', `The browser refused to open ${masked} (${name}); this will not be retried.`, { cause }));
    }
    socket = ws;
    ending = null;
    ws.binaryType = o.binaryType;
    log('debug', `connecting to ${masked}`);
    ws.onopen = (e) => ws === socket && opened(ws, masked, e?.timeStamp);
    const onFrame = (e: MessageEvent) => {
      if (ws !== socket) return;
      const data = e.data as RawMessage;
      if (!heartbeat?.inbound(data, stamps ? e : undefined)) received(data);
    };
    // A listener, not `onmessage`: Chromium runs an event-handler attribute through extra
    // steps (return-value handling) that cost ≈ 0.5 µs per frame (bench/README.md).
    if (typeof ws.addEventListener === 'function') {
      ws.addEventListener('message', onFrame);
      unlisten = () => ws.removeEventListener?.('message', onFrame);
    } else ws.onmessage = onFrame;
    ws.onerror = () => ws === socket && errored(masked, protocols.length > 0);
    ws.onclose = (e) => ws === socket && finalize(e.code, e.reason, e.wasClean);
  }

  function configError(error: ResilientWsError): void {
    cancel('connect');
    report(error);
    const close = outcome(info(1006, '', false, 'client', 'client', 'stop', true), 'configuration', failures);
    set({ type: 'stop', close, error });
    emit('close', close);
    deactivate();
  }

  function opened(ws: WebSocketLike, url: string, stamp: unknown): void {
    cancel('connect');
    openedAtMono = clock.now();
    // With the default clock, a frame's arrival time is its event's timeStamp (same origin as
    // performance.now() in browsers and Node), checked once per socket against the clock.
    stamps = o.defaultClock && typeof stamp === 'number' && Math.abs(stamp - openedAtMono) < STAMP_SKEW_MS;
    set({ type: 'open', protocol: ws.protocol, extensions: ws.extensions, at: clock.wallNow() });
    startStableTimer();
    heartbeat?.start();
    emit('open', { url, protocol: ws.protocol, extensions: ws.extensions });
    flush();
    checkIdle();
  }

  function startStableTimer(): void {
    const left = o.retry.minUptime - (clock.now() - openedAtMono);
    const stable = () => {
      failures = 0;
      refreshes = 0;
      set({ type: 'update', patch: { attempt: 0 } });
    };
    if (left <= 0) stable();
    else later('stable', stable, left);
  }

  function received(data: RawMessage): void {
    let decoded: Incoming;
    try {
      decoded = o.codec === textCodec ? (data as Incoming) : o.codec.decode(data);
    } catch (cause) {
      report(fail('DecodeError', 'A received message could not be decoded; the connection stays open.', { cause, data }), false);
      return;
    }
    // The hot path: mitt's emit() copies the handler list twice per event; a message goes to
    // the registered handlers directly (copied only when there are several, as one may unsubscribe
    // another, and stopping if one disposes the client). Messages never arrive while
    // createClient() runs, so nothing is held here.
    const handlers = emitter.all.get('message') as ((m: Incoming) => void)[] | undefined;
    if (!handlers || disposed) return;
    if (handlers.length === 1) handlers[0]!(decoded);
    else for (const h of handlers.slice()) if (!disposed) h(decoded);
  }

  function errored(url: string, offeredProtocols: boolean): void {
    if (snap.status === 'connecting') {
      // Browsers hide why a handshake failed (refused, unreachable, HTTP 4xx/5xx, TLS): it is
      // always error + close 1006. Some runtimes never fire that close, so decide now.
      const why = offeredProtocols ? ', TLS failed, or none of the offered subprotocols was accepted' : ', or TLS failed';
      const error = fail('ConnectionError', `Could not connect to ${url} (refused, unreachable, rejected by the server${why}; browsers do not say which).`);
      report(error);
      end({ by: 'network', category: 'connect-failed', then: 'decide' }, undefined, undefined, true);
    } else {
      // An error on an open socket is followed by close; make sure we never wait forever.
      later('error', () => finalize(1006, '', false), o.closeTimeout || 1000);
    }
  }

  // ---- closing ------------------------------------------------------------------------------

  /**
   * End the current socket ourselves. With `now`, decide at once (dead peer, timeouts, page
   * hide: no point waiting for a handshake); otherwise wait for the close event or closeTimeout.
   */
  function end(how: Ending, code?: number, reason?: string, now = false): void {
    const ws = socket;
    ending = how;
    // Deciding now: detach first, because some runtimes (undici) fire error and close
    // synchronously inside close() on a CONNECTING socket. Detached, the socket's later events
    // never reach us (WebKit fires error and close for it after a back/forward restore).
    if (now) release();
    let sent = false;
    if (ws) {
      try {
        if (ws.readyState === OPEN && code !== undefined) {
          ws.close(code, reason);
          sent = true;
        } else ws.close();
      } catch {
        // already closing or closed: nothing else to release
      }
    }
    if (now) {
      if (sent && how.reportSent) finalize(code!, reason ?? '', true);
      else finalize(1006, '', false);
    }
  }

  /** Our closing handshake, bounded by closeTimeout (status `closing` meanwhile: sends queue). */
  function closeGracefully(how: Ending, code: number, reason?: string): void {
    end(how, code, reason);
    set({ type: 'closing' });
    later('close', () => {
      const error = fail('CloseTimeoutError', `The server did not complete the closing handshake within ${o.closeTimeout} ms.`);
      ending = { ...(ending ?? how), error };
      finalize(1006, '', false);
    }, o.closeTimeout);
  }

  function release(): void {
    const ws = socket;
    socket = null;
    if (ws) ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    unlisten?.();
    unlisten = null;
    heartbeat?.stop();
    cancel('connect', 'close', 'stable', 'drain', 'idle', 'error');
  }

  function finalize(code: number, reason: string, wasClean: boolean): void {
    const how = ending;
    ending = null;
    const duringConnect = snap.openedAt === null;
    release();
    if (how?.error) report(how.error);
    if (how?.then === 'stop' || how?.then === 'idle') {
      const close = info(code, reason, wasClean, 'client', 'client', 'stop', duringConnect);
      if (how.then === 'idle') set({ type: 'wait', status: 'idle', close });
      else set({ type: 'stop', close, error: how.error ?? null });
      emit('close', close);
      if (how.then === 'stop') deactivate();
      else if (outbox.size || hasUsers()) wake(); // sends or users that arrived during the idle close
      return;
    }
    if (how?.then === 'suspend') {
      const close = info(code, reason, wasClean, 'browser', 'suspended', 'reconnect', duringConnect);
      cancel('retry');
      set({ type: 'wait', status: 'suspended', close });
      emit('close', close);
      return;
    }
    // A socket the browser dropped while the page sat in the back/forward cache: reconnect quietly.
    if (!how && clock.now() - restoredAt < RESTORE_WINDOW_MS && code === 1006) {
      const close = info(code, reason, wasClean, 'browser', 'suspended', 'reconnect', duringConnect);
      set({ type: 'update', patch: { lastClose: close } });
      emit('close', close);
      return attempt();
    }
    let category: CloseCategory;
    let action: CloseAction;
    if (how) ({ category } = how), (action = 'reconnect');
    else if (duringConnect && code === 1006) (category = 'connect-failed'), (action = 'reconnect');
    else ({ category, action } = classifyCode(code));
    const by: CloseInitiator = how?.by ?? (wasClean ? 'server' : 'network');
    const hint = reason ? parseServerHint(reason) : null;
    action = decide(code, reason, wasClean, category, duringConnect, action);
    retryOrStop(info(code, reason, wasClean, by, category, action, duringConnect, hint), category, hint, how?.error);
  }

  function decide(code: number, reason: string, wasClean: boolean, category: CloseCategory, duringConnect: boolean, builtIn: CloseAction): CloseAction {
    let action: CloseAction | undefined;
    if (typeof o.closePolicy === 'function') {
      try {
        action = o.closePolicy({ code, reason, wasClean, category, duringConnect }) ?? undefined;
      } catch (cause) {
        report(fail('InvalidOptionError', 'closePolicy threw; using the built-in table.', { cause }), false);
      }
    } else action = matchClosePolicy(o.closePolicy, code);
    if (action === undefined && o.authCodes.includes(code)) action = o.refresh ? 'refresh' : 'stop';
    action ??= builtIn;
    if (action === 'refresh' && !o.refresh) action = 'stop';
    if (action === 'reconnect' && o.retry.limit === 0) action = 'stop';
    return action;
  }

  /** Apply the decision in `close` (or, with no close, the retry of a failed provider). */
  function retryOrStop(close: CloseInfo | null, category: CloseCategory, hint: ServerHint | null, error?: ResilientWsError): void {
    const action = close?.action ?? 'reconnect';
    if (action === 'stop') {
      if (close && !error && category !== 'normal') {
        error = fail('FatalCloseError', `The connection closed with ${close.code} (${category}) and will not be retried.`);
        report(error, false);
      }
      if (o.lazy && category === 'normal') set({ type: 'wait', status: 'idle', close });
      else {
        set({ type: 'stop', close, error: error ?? null });
        deactivate();
      }
      if (close) emit('close', close);
      return;
    }
    if (action === 'refresh') return refreshThenConnect(close!);
    failures++;
    if (failures > o.retry.limit) {
      const exhausted = fail('RetriesExhaustedError', `Gave up after ${failures - 1} reconnection attempts.`, { cause: error ?? undefined });
      const final = close ? outcome(close, 'retries-exhausted', failures - 1) : null;
      report(exhausted, false);
      set({ type: 'stop', close: final, error: exhausted });
      if (final) emit('close', final);
      deactivate();
      return;
    }
    // Whole ms, rounded down so a full-jitter delay stays inside its documented [0, window).
    const delay = Math.floor(retryDelay(failures, category, hint, o.retry, o.random));
    if (close) emit('close', close);
    if (!snap.online) {
      set({ type: 'wait', status: 'offline', close });
      return;
    }
    const at = clock.wallNow();
    set({ type: 'retry', attempt: failures, close, delay, at, error });
    emit('reconnecting', { attempt: failures, delay, at: at + delay, close });
    later('retry', attempt, delay);
  }

  function refreshThenConnect(close: CloseInfo): void {
    refreshes++;
    if (refreshes > o.maxRefreshes) {
      const error = fail('RefreshError', `Credentials were refreshed ${o.maxRefreshes} times without a stable connection; giving up.`);
      return stopRefresh(close, error);
    }
    emit('close', close);
    const my = ++epoch;
    set({ type: 'retry', attempt: failures, close, delay: 0, at: clock.wallNow() });
    Promise.resolve()
      .then(() => o.refresh!(close))
      .then(
        () => my === epoch && !disposed && attempt(),
        (cause: unknown) => my === epoch && !disposed && stopRefresh(close, fail('RefreshError', 'Refreshing credentials failed.', { cause })),
      );
  }

  /** Give up on credentials: the final close (action `stop`, the refresh-failed message) is emitted too. */
  function stopRefresh(close: CloseInfo, error: ResilientWsError): void {
    report(error, false);
    const final = outcome(close, 'refresh-failed', failures);
    set({ type: 'stop', close: final, error });
    emit('close', final);
    deactivate();
  }

  function info(
    code: number,
    reason: string,
    wasClean: boolean,
    initiatedBy: CloseInitiator,
    category: CloseCategory,
    action: CloseAction,
    duringConnect: boolean,
    hint?: ServerHint | null,
  ): CloseInfo {
    const close: { -readonly [K in keyof CloseInfo]: CloseInfo[K] } = {
      code,
      reason,
      wasClean,
      initiatedBy,
      category,
      action,
      message: closeMessage(o.messages, category, action, { code, attempts: failures }),
      messageKey: category,
      attempts: failures,
      duringConnect,
      at: clock.wallNow(),
    };
    if (hint?.message !== undefined) close.serverMessage = hint.message;
    if (hint?.retryAfter !== undefined) close.retryAfter = hint.retryAfter;
    return close;
  }

  // ---- outbox -------------------------------------------------------------------------------

  const dropAll = (entries: OutboxEntry<Outgoing>[], reason: DropReason) => {
    for (const e of entries) emit('drop', { message: e.message, reason });
  };

  function flush(): void {
    const ws = socket;
    if (ws?.readyState !== OPEN || snap.status !== 'open' || timers.drain !== undefined) return;
    dropAll(outbox.expire(clock.now()), 'expired');
    while (outbox.size) {
      if (ws.bufferedAmount > o.outbox.highWaterMark) {
        later('drain', flush, DRAIN_POLL_MS);
        break;
      }
      ws.send(outbox.shift()!.data);
    }
    syncOutbox();
    scheduleTtl();
  }

  function scheduleTtl(): void {
    const next = outbox.nextExpiry();
    if (next === Infinity) return cancel('ttl');
    later('ttl', () => {
      dropAll(outbox.expire(clock.now()), 'expired');
      syncOutbox();
      scheduleTtl();
    }, Math.max(0, next - clock.now()));
  }

  // ---- lazy mode ----------------------------------------------------------------------------

  const hasUsers = () => listeners.size > 0 || messageHandlers > 0;

  function checkIdle(): void {
    if (!o.lazy) return;
    if (snap.status === 'open' && !hasUsers() && !outbox.size) {
      later('idle', () => closeGracefully({ by: 'client', category: 'client', then: 'idle' }, 1000, 'idle'), o.lazyIdleTimeout);
    } else cancel('idle');
  }

  // Only from `idle`: a lazy client that was closed (by you, or by a fatal close) stays closed.
  const wake = () => {
    if (o.lazy && snap.status === 'idle' && !disposed) connect();
  };

  // ---- public API ---------------------------------------------------------------------------

  const alive = (method: string) => {
    if (disposed) throw fail('DisposedError', `${method}() was called after dispose(); create a new client instead.`);
  };

  function connect(): void {
    alive('connect');
    const s = snap.status;
    if (s === 'connecting' || s === 'open') return;
    if (s === 'closing') release();
    if (s === 'idle' || s === 'closed' || s === 'closing') {
      failures = 0;
      refreshes = 0;
    }
    activate();
    attempt();
  }

  const client: Client<Incoming, Outgoing> = {
    connect,
    close(code, reason) {
      alive('close');
      validateClose(code, reason);
      cancel('retry');
      epoch++;
      const s = snap.status;
      if (s === 'open') closeGracefully({ by: 'client', category: 'client', then: 'stop' }, code ?? 1000, reason);
      else if (s === 'connecting') end({ by: 'client', category: 'client', then: 'stop' }, undefined, undefined, true);
      else if (s === 'closing') {
        // A lazy idle close under way becomes a stop.
        if (ending) ending = { ...ending, by: 'client', category: 'client', then: 'stop' };
      } else if (s !== 'closed') {
        const close = info(code ?? 1000, reason ?? '', true, 'client', 'client', 'stop', true);
        set({ type: 'stop', close, error: null });
        emit('close', close);
        deactivate();
      }
    },
    reconnect() {
      alive('reconnect');
      if (socket) {
        const ws = socket;
        release();
        try {
          ws.close(1000, 'reconnect');
        } catch {
          // was still connecting: close() fails it, nothing else to release
        }
      }
      failures = 0;
      refreshes = 0;
      activate();
      attempt();
    },
    send(value, opts) {
      alive('send');
      const ttl = opts?.ttl === undefined ? o.outbox.ttl : checkNumber('send() ttl', opts.ttl, true);
      const data = o.codec.encode(value);
      const ws = socket;
      if (ws?.readyState === OPEN && snap.status === 'open' && !outbox.size && (ws.bufferedAmount <= o.outbox.highWaterMark || !o.outboxEnabled)) {
        ws.send(data);
        if (timers.idle !== undefined) checkIdle();
        return 'sent';
      }
      if (!o.outboxEnabled) {
        emit('drop', { message: value, reason: 'disabled' });
        return 'rejected';
      }
      const entry = { message: value, data, bytes: byteLength(data), expiresAt: clock.now() + ttl };
      const { queued, dropped } = outbox.push(entry);
      dropAll(dropped, 'overflow');
      syncOutbox();
      if (queued) {
        scheduleTtl();
        if (snap.status === 'open') flush();
        wake();
      }
      return queued ? 'queued' : 'rejected';
    },
    subscribe(listener) {
      if (disposed) return () => {};
      const l = guarded<void>(() => listener());
      listeners.add(l);
      wake();
      checkIdle();
      return () => {
        listeners.delete(l);
        checkIdle();
      };
    },
    getSnapshot: () => snap,
    on(type, handler) {
      if (disposed) return () => {};
      const h = guarded(handler);
      emitter.on(type, h);
      const counts = type === 'message';
      if (counts) {
        messageHandlers++;
        wake();
        checkIdle();
      }
      let on = true;
      return () => {
        if (!on) return;
        on = false;
        emitter.off(type, h);
        if (counts) {
          messageHandlers--;
          checkIdle();
        }
      };
    },
    clearOutbox() {
      const all = outbox.clear();
      dropAll(all, 'cleared');
      syncOutbox();
      cancel('ttl');
      return all.map((e) => e.message);
    },
    get bufferedAmount() {
      return socket?.bufferedAmount ?? 0;
    },
    dispose() {
      if (disposed) return;
      dropAll(outbox.clear(), 'disposed');
      const ws = socket;
      release();
      if (ws) {
        try {
          ws.close(1000, 'dispose');
        } catch {
          // still connecting: close() fails it
        }
      }
      for (const n of Object.keys(timers) as (keyof typeof timers)[]) cancel(n);
      deactivate();
      epoch++;
      snap = transition(snap, { type: 'stop', close: null, error: null });
      disposed = true;
      emitter.all.clear();
      listeners.clear();
    },
  };

  if (o.autoConnect && !o.lazy) connect();
  const pending = held;
  held = null;
  if (pending.length) queueMicrotask(() => pending.forEach((f) => f()));
  return client;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

function guarded<A>(fn: (arg: A) => void): (arg: A) => void {
  // One argument, no rest/spread: this wraps every message handler, so it must not allocate.
  return (arg) => {
    try {
      fn(arg);
    } catch (err) {
      reportListenerError(err);
    }
  };
}

// ---- options ----------------------------------------------------------------------------------

function resolveOptions<Incoming, Outgoing>(options: ClientOptions<Incoming, Outgoing>) {
  if (!options || typeof options !== 'object') throw fail('InvalidOptionError', 'createClient() needs an options object with a url.');
  const { url, protocols } = options;
  if (url === undefined || url === null || url === '') {
    throw fail('InvalidOptionError', 'createClient() needs a url: a ws:// or wss:// URL, or a function returning one.');
  }
  if (typeof url !== 'function') normalizeUrl(url);
  if (typeof protocols !== 'function') normalizeProtocols(protocols);
  const num = (name: string, v: number | undefined, d: number, inf = false) => (v === undefined ? d : checkNumber(name, v, inf));

  const r = options.retry === undefined || options.retry === true ? {} : options.retry === false ? { limit: 0 } : typeof options.retry === 'number' ? { limit: options.retry } : options.retry;
  const R = DEFAULTS.retry;
  if (r.jitter !== undefined && !['full', 'equal', 'none'].includes(r.jitter)) {
    throw fail('InvalidOptionError', `retry.jitter must be "full", "equal" or "none"; got ${String(r.jitter)}.`);
  }
  const retry: RetrySettings = {
    limit: num('retry.limit', r.limit, R.limit, true),
    initialDelay: num('retry.initialDelay', r.initialDelay, R.initialDelay),
    maxDelay: num('retry.maxDelay', r.maxDelay, R.maxDelay, true),
    factor: num('retry.factor', r.factor, R.factor),
    jitter: r.jitter ?? R.jitter,
    minUptime: num('retry.minUptime', r.minUptime, R.minUptime),
    restartDelay: num('retry.restartDelay', r.restartDelay, R.restartDelay),
    tryAgainLaterDelay: num('retry.tryAgainLaterDelay', r.tryAgainLaterDelay, R.tryAgainLaterDelay),
    maxHintDelay: num('retry.maxHintDelay', r.maxHintDelay, R.maxHintDelay),
  };
  if (retry.factor < 1) throw fail('InvalidOptionError', `retry.factor must be at least 1; got ${retry.factor}.`);

  const hbOpt: HeartbeatOptions<Outgoing> | false = options.heartbeat === undefined ? {} : options.heartbeat;
  const H = DEFAULTS.heartbeat;
  if (hbOpt && hbOpt.mode !== undefined && hbOpt.mode !== 'client' && hbOpt.mode !== 'server') {
    throw fail('InvalidOptionError', `heartbeat.mode must be "client" or "server"; got ${String(hbOpt.mode)}.`);
  }
  const heartbeat = hbOpt
    ? {
        mode: hbOpt.mode ?? H.mode,
        interval: num('heartbeat.interval', hbOpt.interval, H.interval),
        timeout: num('heartbeat.timeout', hbOpt.timeout, H.timeout),
        grace: num('heartbeat.grace', hbOpt.grace, H.grace),
        message: hbOpt.message ?? H.message,
        reply: hbOpt.reply ?? H.reply,
        isPong: hbOpt.isPong ?? isPong,
        isPing: hbOpt.isPing ?? isPing,
        anyMessageIsAlive: hbOpt.anyMessageIsAlive ?? H.anyMessageIsAlive,
        deliverPongs: hbOpt.deliverPongs ?? H.deliverPongs,
      }
    : null;

  const ob = options.outbox === false ? {} : options.outbox ?? {};
  const B = DEFAULTS.outbox;
  if (ob.overflow !== undefined && !['reject', 'drop-oldest', 'drop-newest'].includes(ob.overflow)) {
    throw fail('InvalidOptionError', `outbox.overflow must be "reject", "drop-oldest" or "drop-newest"; got ${String(ob.overflow)}.`);
  }
  const outbox = {
    maxMessages: num('outbox.maxMessages', ob.maxMessages, B.maxMessages, true),
    maxBytes: num('outbox.maxBytes', ob.maxBytes, B.maxBytes, true),
    overflow: ob.overflow ?? B.overflow,
    ttl: num('outbox.ttl', ob.ttl, B.ttl, true),
    highWaterMark: num('outbox.highWaterMark', ob.highWaterMark, B.highWaterMark, true),
  };

  const lc = options.lifecycle === false ? null : { ...DEFAULTS.lifecycle, ...options.lifecycle };

  let codec: Codec<Incoming, Outgoing>;
  const c = options.codec ?? DEFAULTS.codec;
  if (typeof c === 'string') {
    const builtIn = Object.hasOwn(CODECS, c) ? CODECS[c] : undefined;
    if (!builtIn) throw fail('InvalidOptionError', `codec must be "text", "json", "binary" or a codec object; got "${c}".`);
    codec = builtIn as Codec<Incoming, Outgoing>;
  } else if (c && typeof c.encode === 'function' && typeof c.decode === 'function') codec = c;
  else throw fail('InvalidOptionError', 'codec must be "text", "json", "binary" or an object with encode() and decode().');

  let closePolicy: Exclude<ClientOptions['closePolicy'], undefined | Record<string, unknown>> | ReturnType<typeof parseClosePolicy> & object = [];
  if (typeof options.closePolicy === 'function') closePolicy = options.closePolicy;
  else if (options.closePolicy) {
    const parsed = parseClosePolicy(options.closePolicy);
    if (typeof parsed === 'string') throw fail('InvalidOptionError', parsed);
    closePolicy = parsed;
  }
  const authCodes = options.authCodes ?? DEFAULTS.authCodes;
  if (!Array.isArray(authCodes) || authCodes.some((n) => !Number.isInteger(n))) {
    throw fail('InvalidOptionError', 'authCodes must be an array of close codes.');
  }
  if (options.refresh !== undefined && typeof options.refresh !== 'function') {
    throw fail('InvalidOptionError', 'refresh must be a function returning a promise.');
  }
  if (options.binaryType !== undefined && options.binaryType !== 'arraybuffer' && options.binaryType !== 'blob') {
    throw fail('InvalidOptionError', `binaryType must be "arraybuffer" or "blob"; got ${String(options.binaryType)}.`);
  }
  const lazy = options.lazy ?? DEFAULTS.lazy;

  return {
    url,
    protocols,
    WebSocket: options.WebSocket,
    autoConnect: options.autoConnect ?? DEFAULTS.autoConnect,
    lazy: !!lazy,
    lazyIdleTimeout: num('lazy.idleTimeout', typeof lazy === 'object' ? lazy.idleTimeout : undefined, DEFAULTS.lazyIdleTimeout),
    retry,
    closePolicy,
    connectTimeout: num('connectTimeout', options.connectTimeout, DEFAULTS.connectTimeout),
    closeTimeout: num('closeTimeout', options.closeTimeout, DEFAULTS.closeTimeout),
    heartbeat,
    codec,
    binaryType: options.binaryType ?? codec.binaryType ?? DEFAULTS.binaryType,
    outbox,
    outboxEnabled: options.outbox !== false,
    lifecycle: lc,
    lifecycleTarget: lc?.target,
    authCodes,
    refresh: options.refresh,
    maxRefreshes: num('maxRefreshes', options.maxRefreshes, DEFAULTS.maxRefreshes),
    messages: { ...en, ...options.messages } as MessageCatalog,
    logger: options.logger,
    clock: options.clock ?? defaultClock(),
    defaultClock: !options.clock,
    random: options.random ?? Math.random,
  };
}
