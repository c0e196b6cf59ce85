// `resilient-ws/server`, as a Node server without `@types/ws` (and, under tsconfig.server-node.json,
// without the DOM library) uses it: a socket that has the `ws` shape type-checks structurally.
import {
  answerPings,
  closeNotice,
  closeWhenIdle,
  closeWith,
  cutReason,
  isServerCloseCode,
  SERVER_DEFAULTS,
  type AnswerPingsOptions,
  type CloseOutcome,
  type CloseWhenIdleOptions,
  type CloseWithOptions,
  type ServerFrameData,
  type ServerSocketLike,
} from 'resilient-ws/server';
import type { Equal, Expect, NotAny } from './assert.js';

type Listener = (data: ServerFrameData, isBinary: boolean) => void;

// What `ws` hands to a 'connection' listener, reduced to what the companion uses.
declare const socket: {
  readyState: 0 | 1 | 2 | 3;
  send(data: string | Uint8Array, cb?: (err?: Error) => void): void;
  close(code?: number, data?: string | Uint8Array): void;
  terminate(): void;
  ping(data?: unknown): void;
  on(event: 'message', listener: Listener): unknown;
  on(event: 'close', listener: (code: number, reason: Uint8Array) => void): unknown;
  on(event: string, listener: (...args: never[]) => void): unknown;
  off(event: 'message', listener: Listener): unknown;
  off(event: 'close', listener: (code: number, reason: Uint8Array) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
};

const outcome = closeWith(socket, 4001, 'token expired', { retryAfter: 30 });
const stopPings: () => void = answerPings(socket, { interval: 5000, timeout: 10_000 });
const stopIdle: () => void = closeWhenIdle(socket, { timeout: 60_000, reason: 'idle' });
const notice: string = closeNotice(1012, 'restart');
const cut: string = cutReason('连接超时', 7);
const timeout: number = SERVER_DEFAULTS.closeWith.closeTimeout;

export type ServerChecks = [
  Expect<NotAny<typeof closeWith>>,
  Expect<Equal<typeof outcome, Promise<CloseOutcome>>>,
  Expect<NotAny<CloseOutcome>>,
  Expect<Equal<CloseOutcome['terminated'], boolean>>,
  Expect<NotAny<ServerSocketLike>>,
  Expect<NotAny<CloseWithOptions>>,
  Expect<NotAny<AnswerPingsOptions>>,
  Expect<NotAny<CloseWhenIdleOptions>>,
  Expect<Equal<CloseWithOptions['retryAfter'], number | undefined>>,
];

if (isServerCloseCode(1013)) void 0;

// @ts-expect-error closeWhenIdle needs its timeout
closeWhenIdle(socket, {});
// @ts-expect-error the code is a number
closeWith(socket, '4001');
// @ts-expect-error not a socket: no terminate, no on/off
closeWith({ readyState: 1, send() {}, close() {} }, 1000);
// @ts-expect-error unknown option
answerPings(socket, { pingEvery: 1000 });

void stopPings;
void stopIdle;
void notice;
void cut;
void timeout;
