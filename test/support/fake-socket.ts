import type { WebSocketConstructor, WebSocketLike } from '../../src/index';

/**
 * A scripted stand-in for the browser WebSocket, for unit tests with fake timers. It follows
 * the browser's event order (error then close on failure) and records what the client did.
 * Integration and browser tests use real sockets instead.
 */
export class FakeSocket implements WebSocketLike {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readyState = 0;
  protocol = '';
  extensions = '';
  bufferedAmount = 0;
  binaryType: BinaryType = 'blob';
  onopen: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  /** Frames the client sent. */
  readonly sent: unknown[] = [];
  /** Arguments of every close() call. */
  readonly closeCalls: { code?: number; reason?: string }[] = [];

  constructor(
    readonly url: string,
    readonly protocols?: string | string[],
  ) {}

  send(data: unknown): void {
    if (this.readyState === 0) throw new DOMException('Still in CONNECTING state.', 'InvalidStateError');
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    if (this.readyState === 0) {
      // Browsers fail a connecting socket: error + close 1006 (asynchronously).
      this.readyState = 3;
      queueMicrotask(() => {
        this.onerror?.(new Event('error'));
        this.onclose?.(closeEvent(1006, '', false));
      });
    } else if (this.readyState === 1) this.readyState = 2;
  }

  // ---- scripted server/network side ----
  /** The handshake succeeded. */
  open(protocol = '', extensions = ''): void {
    this.protocol = protocol;
    this.extensions = extensions;
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  /** `message` listeners (only sockets from `fakeWebSocket({ listeners: true })` take them). */
  readonly messageListeners = new Set<(ev: MessageEvent) => void>();
  /** A frame arrived. */
  receive(data: string | ArrayBuffer): void {
    const e = new MessageEvent('message', { data });
    this.onmessage?.(e);
    for (const l of this.messageListeners) l(e);
  }
  /** The server closed with a close frame (or, with wasClean false, the connection dropped). */
  serverClose(code: number, reason = '', wasClean = true): void {
    this.readyState = 3;
    this.onclose?.(closeEvent(code, reason, wasClean));
  }
  /** The handshake failed (refused, HTTP 4xx/5xx, unreachable): error, then close 1006. */
  failHandshake(): void {
    this.readyState = 3;
    this.onerror?.(new Event('error'));
    this.onclose?.(closeEvent(1006, '', false));
  }
  /** TCP died after open: close 1006 without error (what Chrome does). */
  drop(): void {
    this.serverClose(1006, '', false);
  }
  /** Server answered our closing handshake. */
  echoClose(): void {
    const last = this.closeCalls.at(-1);
    this.serverClose(last?.code ?? 1005, last?.reason ?? '', true);
  }
}

const closeEvent = (code: number, reason: string, wasClean: boolean) =>
  Object.assign(new Event('close'), { code, reason, wasClean }) as CloseEvent;

/** A FakeSocket that also has `addEventListener`/`removeEventListener` for `message`, as browsers do. */
class ListeningFakeSocket extends FakeSocket {
  addEventListener(type: 'message', listener: (ev: MessageEvent) => void): void {
    if (type === 'message') this.messageListeners.add(listener);
  }
  removeEventListener(type: 'message', listener: (ev: MessageEvent) => void): void {
    if (type === 'message') this.messageListeners.delete(listener);
  }
}

/**
 * A constructor that records every socket it makes. Pass `throws` to simulate
 * SyntaxError/SecurityError; `listeners: true` gives the sockets `addEventListener` (without it
 * the client can only use `onmessage`).
 */
export function fakeWebSocket(opts: { throws?: Error; listeners?: boolean } = {}) {
  const sockets: FakeSocket[] = [];
  const Base = opts.listeners ? ListeningFakeSocket : FakeSocket;
  const Ctor = class extends Base {
    constructor(url: string, protocols?: string | string[]) {
      if (opts.throws) throw opts.throws;
      super(url, protocols);
      sockets.push(this);
    }
  } as unknown as WebSocketConstructor;
  return {
    WebSocket: Ctor,
    sockets,
    /** The newest socket (throws if none). */
    get last(): FakeSocket {
      const s = sockets.at(-1);
      if (!s) throw new Error('no socket was created');
      return s;
    },
  };
}

/** A deterministic random source cycling through `values`. */
export const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};
