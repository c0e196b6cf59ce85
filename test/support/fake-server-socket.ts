/**
 * A scripted server-side socket for the `resilient-ws/server` unit tests: the `ws` `WebSocket`
 * surface the companion uses (readyState, send, close, terminate, on/off), recording every call in
 * order. The test decides when the peer answers (`finish()`), so closing handshakes that never
 * complete can be tested with fake timers.
 */
import { EventEmitter } from 'node:events';
import type { ServerSocketLike } from '../../src/server/index';

export type SocketCall = { t: 'send'; data: string } | { t: 'close'; code: number | undefined; reason: string | undefined } | { t: 'terminate' };

export class FakeServerSocket extends EventEmitter implements ServerSocketLike {
  readyState = 1;
  readonly calls: SocketCall[] = [];

  send(data: string): void {
    this.calls.push({ t: 'send', data });
  }
  close(code?: number, reason?: string): void {
    this.calls.push({ t: 'close', code, reason });
    if (this.readyState < 2) this.readyState = 2;
  }
  terminate(): void {
    this.calls.push({ t: 'terminate' });
    if (this.readyState < 2) this.readyState = 2;
  }
  /** The connection ends (the peer answered the close, or the TCP socket went away). */
  finish(code = 1000): void {
    this.readyState = 3;
    this.emit('close', code, Buffer.alloc(0));
  }
  /** The client sent a text frame (as `ws` hands it over: a Buffer and `isBinary`). */
  receive(text: string): void {
    this.emit('message', Buffer.from(text), false);
  }
  receiveBinary(bytes: number[]): void {
    this.emit('message', Buffer.from(bytes), true);
  }
  get sent(): string[] {
    return this.calls.flatMap((c) => (c.t === 'send' ? [c.data] : []));
  }
  /** Listeners the companion still holds. */
  get listening(): number {
    return this.listenerCount('message') + this.listenerCount('close');
  }
}
