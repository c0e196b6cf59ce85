import type { RawMessage, WireData } from './codec.js';
import type { WebSocketConstructor, WebSocketLike } from './options.js';

/**
 * The engine's only view of the wire. Today: the native `WebSocket` ({@link webSocketTransport});
 * the interface is what a cross-tab transport (one socket shared by all tabs) implements later.
 */

/** What a link tells the engine. Calls after `end(…, detach = true)` never arrive. */
export interface LinkEvents {
  /** `timeStamp`: the open event's, when the platform gives one. */
  open(protocol: string, extensions: string, timeStamp: number | undefined): void;
  /** A frame, with the event it came in (its `timeStamp` is the arrival time in browsers). */
  frame(data: RawMessage, event: { readonly timeStamp?: number } | undefined): void;
  error(): void;
  close(code: number, reason: string, wasClean: boolean): void;
}

/** One connection attempt and, once open, the connection. */
export interface Link {
  /** True while frames can be sent. */
  readonly writable: boolean;
  /** Bytes accepted by `send` and not yet on the wire. */
  readonly bufferedAmount: number;
  send(data: WireData): void;
  /**
   * The one way to end a link: start the closing handshake with `code`/`reason` (on an open
   * link) or abort the attempt. With `detach`, no event reaches the engine any more.
   */
  end(code: number | undefined, reason: string | undefined, detach: boolean): void;
}

/** Opens links. May throw (a refused URL): the engine reports it as a configuration error. */
export interface Transport {
  connect(url: string, protocols: readonly string[], events: LinkEvents): Link;
}

const OPEN = 1;
const CLOSED = 3;

/**
 * The browser's `WebSocket` (or undici's, or a test double) as a transport. `Ctor` is read when
 * connecting, never at import, so server rendering and late polyfills work.
 */
export function webSocketTransport(Ctor: () => WebSocketConstructor | undefined, binaryType: BinaryType): Transport {
  return {
    connect(url, protocols, on) {
      const C = Ctor();
      if (!C) throw new TypeError('No WebSocket implementation here: pass options.WebSocket (in Node, undici’s WebSocket).');
      const ws: WebSocketLike = protocols.length ? new C(url, [...protocols]) : new C(url);
      let live = true;
      ws.binaryType = binaryType;
      ws.onopen = (e) => live && on.open(ws.protocol, ws.extensions, e?.timeStamp);
      const onFrame = (e: MessageEvent) => live && on.frame(e.data as RawMessage, e);
      // A listener, not `onmessage`: Chromium runs an event-handler attribute through extra
      // steps (return-value handling) that cost ≈ 0.5 µs per frame (bench/README.md).
      const listens = typeof ws.addEventListener === 'function';
      if (listens) ws.addEventListener!('message', onFrame);
      else ws.onmessage = onFrame;
      ws.onerror = () => live && on.error();
      ws.onclose = (e) => live && on.close(e.code, e.reason, e.wasClean);
      const detach = () => {
        live = false;
        ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
        if (listens) ws.removeEventListener?.('message', onFrame);
      };
      return {
        get writable() {
          return ws.readyState === OPEN;
        },
        get bufferedAmount() {
          return ws.bufferedAmount;
        },
        send: (data) => ws.send(data),
        end(code, reason, off) {
          // Detach first: some runtimes (undici) fire error and close synchronously inside
          // close() on a CONNECTING socket.
          if (off) detach();
          if (ws.readyState === CLOSED) return;
          try {
            if (ws.readyState === OPEN && code !== undefined) ws.close(code, reason);
            else ws.close();
          } catch {
            // already closing or closed: nothing else to release
          }
        },
      };
    },
  };
}
