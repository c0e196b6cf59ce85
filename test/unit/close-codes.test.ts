import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  classifyCode,
  createClient,
  isResilientWsError,
  type CloseAction,
  type CloseCategory,
  type ClosePolicy,
} from '../../src/index';
import { fakeWebSocket } from '../support/fake-socket';

/** The whole built-in table, written out once so every row is checked on its own. */
const ROWS: [code: number, category: CloseCategory, action: CloseAction][] = [
  [1000, 'normal', 'stop'],
  [1001, 'going-away', 'reconnect'],
  [1002, 'protocol-error', 'stop'],
  [1003, 'protocol-error', 'stop'],
  [1005, 'no-status', 'reconnect'],
  [1006, 'network', 'reconnect'],
  [1007, 'protocol-error', 'stop'],
  [1008, 'policy-violation', 'stop'],
  [1009, 'protocol-error', 'stop'],
  [1010, 'protocol-error', 'stop'],
  [1011, 'server-error', 'reconnect'],
  [1012, 'service-restart', 'reconnect'],
  [1013, 'try-again-later', 'reconnect'],
  [1014, 'bad-gateway', 'reconnect'],
  [1015, 'tls', 'stop'],
  [3000, 'unauthorized', 'stop'],
  [3003, 'forbidden', 'stop'],
  [3008, 'timeout', 'reconnect'],
  // other registered (3000–3999) codes: the application's business, retried
  [3001, 'application', 'reconnect'],
  [3002, 'application', 'reconnect'],
  [3500, 'application', 'reconnect'],
  [3999, 'application', 'reconnect'],
  // private (4000–4999): meaning unknown to us, so we do not hammer the server
  [4000, 'private', 'stop'],
  [4001, 'private', 'stop'],
  [4999, 'private', 'stop'],
  // everything else: unknown, retried
  [0, 'malformed-close', 'reconnect'],
  [999, 'malformed-close', 'reconnect'],
  [1004, 'unknown', 'reconnect'],
  [1016, 'unknown', 'reconnect'],
  [2000, 'unknown', 'reconnect'],
  [2999, 'unknown', 'reconnect'],
  [5000, 'malformed-close', 'reconnect'],
  [65535, 'malformed-close', 'reconnect'],
];

describe('classifyCode', () => {
  it.each(ROWS)('classifies %i as %s → %s', (code, category, action) => {
    expect(classifyCode(code)).toEqual({ category, action });
  });
});

describe('closePolicy table', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Open a client with `closePolicy`, close the socket with `code`, report the decision and whether it reconnected 500 ms later. */
  function closeWith(closePolicy: ClosePolicy, code: number) {
    const ws = fakeWebSocket();
    const client = createClient({
      url: 'ws://example.test/live',
      WebSocket: ws.WebSocket,
      closePolicy,
      heartbeat: false,
      lifecycle: false,
      random: () => 0.5,
    });
    onTestFinished(() => client.dispose());
    ws.last.open();
    ws.last.serverClose(code, 'bye');
    const { lastClose, status } = client.getSnapshot();
    // the first retry window with random 0.5 (none of the codes used here has a special delay)
    vi.advanceTimersByTime(500);
    return { action: lastClose?.action, status, sockets: ws.sockets.length };
  }

  it('turns a private range into reconnects', () => {
    expect(closeWith({ '4000-4999': 'reconnect' }, 4001)).toEqual({ action: 'reconnect', status: 'reconnecting', sockets: 2 });
  });

  it('turns a retryable code into a stop', () => {
    expect(closeWith({ 1011: 'stop' }, 1011)).toEqual({ action: 'stop', status: 'closed', sockets: 1 });
  });

  it('leaves codes outside the table to the built-in rules', () => {
    expect(closeWith({ '4000-4999': 'reconnect' }, 1008)).toEqual({ action: 'stop', status: 'closed', sockets: 1 });
    expect(closeWith({ 1008: 'reconnect' }, 1011)).toEqual({ action: 'reconnect', status: 'reconnecting', sockets: 2 });
  });

  it('lets a single code beat a range that contains it', () => {
    const table = { '4000-4999': 'reconnect', 4001: 'stop' } as const;
    expect(closeWith(table, 4001).action).toBe('stop');
    expect(closeWith(table, 4002).action).toBe('reconnect');
  });

  it('lets the narrower range win whatever order the keys are written in', () => {
    const wideFirst = { '4000-4999': 'reconnect', '4000-4099': 'stop' } as const;
    const narrowFirst = { '4000-4099': 'stop', '4000-4999': 'reconnect' } as const;
    for (const table of [wideFirst, narrowFirst]) {
      expect(closeWith(table, 4050).action).toBe('stop');
      expect(closeWith(table, 4500).action).toBe('reconnect');
    }
  });

  it('accepts spaces around a range', () => {
    expect(closeWith({ ' 4000 - 4010 ': 'reconnect' }, 4005).action).toBe('reconnect');
  });

  it.each([
    ['a key that is not a code', { abc: 'stop' }, /abc/],
    ['a range with a missing end', { '4000-': 'stop' }, /4000-/],
    ['a negative code', { '-1': 'stop' }, /-1/],
    ['a reversed range', { '4999-4000': 'reconnect' }, /ends before it starts/],
    ['an unknown action', { 4001: 'retry' }, /"reconnect", "refresh" or "stop"/],
    ['a non-string action', { 4001: true }, /"reconnect", "refresh" or "stop"/],
  ])('rejects %s at createClient with InvalidOptionError', (_name, table, message) => {
    const ws = fakeWebSocket();
    let thrown: unknown;
    try {
      createClient({ url: 'ws://example.test/', WebSocket: ws.WebSocket, closePolicy: table as unknown as ClosePolicy });
    } catch (e) {
      thrown = e;
    }
    expect(isResilientWsError(thrown, 'InvalidOptionError')).toBe(true);
    expect((thrown as Error).message).toMatch(message);
    expect(ws.sockets).toHaveLength(0);
  });
});
