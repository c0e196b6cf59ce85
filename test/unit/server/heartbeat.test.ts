// @vitest-environment node
/**
 * `resilient-ws/server`'s answerPings against a scripted socket with fake timers: the answer to
 * each form of the client's ping, server-mode pings and the silent-peer verdict, stop/close
 * cleanup, hostile callbacks, and option validation at the call.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { isPing as isClientPing, isPong as isClientPong, utf8Length } from '../../../src/index';
import { answerPings, isPing, isPong, pongFor, SERVER_DEFAULTS } from '../../../src/server/index';
import { FakeServerSocket } from '../../support/fake-server-socket';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('answering the client', () => {
  test('answers "ping" with "pong" and a JSON ping with the same object as a pong', () => {
    const socket = new FakeServerSocket();
    answerPings(socket);
    socket.receive('ping');
    socket.receive('{"type":"ping","id":7}');
    expect(socket.sent).toEqual(['pong', '{"type":"pong","id":7}']);
    // What it sends is what the client's default isPong recognises.
    expect(socket.sent.every((s) => isClientPong(s))).toBe(true);
  });

  test('ignores application messages, binary frames and JSON that is not a ping', () => {
    const socket = new FakeServerSocket();
    answerPings(socket);
    for (const text of ['hello', 'pingpong', '{"type":"chat","text":"ping"}', '["ping"]', '{"type":"ping"']) socket.receive(text);
    socket.receiveBinary([0x70, 0x69, 0x6e, 0x67]); // "ping" as bytes
    expect(socket.sent).toEqual([]);
  });

  test('reads fragmented text frames (binaryType "fragments") and ArrayBuffers', () => {
    const socket = new FakeServerSocket();
    answerPings(socket);
    socket.emit('message', [Buffer.from('pi'), Buffer.from('ng')], false);
    socket.emit('message', new TextEncoder().encode('ping').buffer, false);
    expect(socket.sent).toEqual(['pong', 'pong']);
  });

  test('a large text frame is not decoded just to learn it is no ping (the default matcher reads 512 characters at most)', () => {
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    const socket = new FakeServerSocket();
    answerPings(socket);
    socket.receive(`{"type":"ping","pad":"${'x'.repeat(1_000_000)}"}`);
    socket.receive('{"type":"ping","pad":"' + 'x'.repeat(1490) + '"}'); // 1513 bytes: still read, and too long to be a ping
    expect(decode).toHaveBeenCalledTimes(1);
    expect(socket.sent).toEqual([]);
    // A matcher of your own gets every frame's text, however long.
    const seen: number[] = [];
    const own = new FakeServerSocket();
    answerPings(own, { isPing: (t) => (seen.push(t.length), false) });
    own.receive('y'.repeat(100_000));
    expect(seen).toEqual([100_000]);
  });

  test('why skipping frames over 1536 bytes changes no answer: such a text has over 512 characters, which the default matchers refuse', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 700 }), (t) => {
        expect(utf8Length(t)).toBeLessThanOrEqual(3 * t.length);
      }),
    );
    const ping = `{"type":"ping","pad":"${'x'.repeat(490)}"}`; // 513 characters
    expect([isPing(ping), isPong(ping.replace('ping', 'pong')), isPing(ping.slice(0, 480) + '"}')]).toEqual([false, false, true]);
  });

  test('takes its own matcher and reply (a string or a function of the ping)', () => {
    const a = new FakeServerSocket();
    answerPings(a, { isPing: (t) => t === 'hb', reply: 'hb-ack' });
    a.receive('hb');
    a.receive('ping');
    expect(a.sent).toEqual(['hb-ack']);
    const b = new FakeServerSocket();
    answerPings(b, { reply: (ping) => `pong:${ping.length}` });
    b.receive('ping');
    expect(b.sent).toEqual(['pong:4']);
  });

  test('the default matchers are the client’s', () => {
    for (const text of ['ping', 'pong', '{"type":"ping"}', '{"type":"pong","n":1}', 'x', '{"type":"ping"', '']) {
      expect(isPing(text), text).toBe(isClientPing(text));
      expect(isPong(text), text).toBe(isClientPong(text));
    }
    expect(pongFor('ping')).toBe('pong');
    expect(pongFor('{"type":"ping","at":1}')).toBe('{"type":"pong","at":1}');
    expect(pongFor('{not json')).toBe('pong');
    expect(SERVER_DEFAULTS.answerPings.reply).toBe(pongFor);
    expect(SERVER_DEFAULTS.answerPings.isPing).toBe(isPing);
  });

  test('a matcher or reply that throws is logged; nothing escapes into the socket’s emitter', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const a = new FakeServerSocket();
    answerPings(a, {
      isPing: () => {
        throw new Error('bad matcher');
      },
    });
    expect(() => a.receive('ping')).not.toThrow();
    const b = new FakeServerSocket();
    answerPings(b, {
      reply: () => {
        throw new Error('bad reply');
      },
    });
    expect(() => b.receive('ping')).not.toThrow();
    expect(a.sent).toEqual([]);
    expect(b.sent).toEqual([]);
    expect(error.mock.calls.map((c) => String(c[0]))).toEqual(['resilient-ws/server: answerPings() isPing threw', 'resilient-ws/server: answerPings() reply threw']);
  });

  test('a reply that closes the socket (re-entry) is not followed by a send on the closed socket', () => {
    const socket = new FakeServerSocket();
    answerPings(socket, {
      reply: () => {
        socket.close(1000, 'bye');
        return 'pong';
      },
    });
    socket.receive('ping');
    expect(socket.calls).toEqual([{ t: 'close', code: 1000, reason: 'bye' }]);
  });

  test('stop() and the socket’s close remove every listener', () => {
    const a = new FakeServerSocket();
    const stop = answerPings(a);
    expect(a.listening).toBe(2);
    stop();
    stop(); // idempotent
    expect(a.listening).toBe(0);
    a.receive('ping');
    expect(a.sent).toEqual([]);
    const b = new FakeServerSocket();
    answerPings(b, { interval: 100 });
    b.finish();
    expect(b.listening).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('server-mode pings', () => {
  /** Advances the fake clock to `ms` after the test started. */
  const clock = () => {
    let now = 0;
    return async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms - now);
      now = ms;
    };
  };
  const terminations = (socket: FakeServerSocket) => socket.calls.filter((c) => c.t === 'terminate').length;

  test('sends "ping" every interval; a client that answers is never terminated', async () => {
    const socket = new FakeServerSocket();
    const at = clock();
    answerPings(socket, { interval: 1000, timeout: 500 });
    for (let i = 1; i <= 5; i++) {
      await at(1000 * i - 1);
      expect(socket.sent).toHaveLength(i - 1);
      await at(1000 * i);
      expect(socket.sent).toHaveLength(i);
      await at(1000 * i + 100);
      socket.receive('pong');
    }
    await at(5999);
    expect(socket.sent).toEqual(['ping', 'ping', 'ping', 'ping', 'ping']);
    expect(terminations(socket)).toBe(0);
  });

  test('terminates a client from which nothing arrives within timeout of a ping', async () => {
    const socket = new FakeServerSocket();
    const at = clock();
    answerPings(socket, { interval: 1000, timeout: 500 });
    await at(1499);
    expect(socket.sent).toEqual(['ping']);
    expect(terminations(socket)).toBe(0);
    await at(1500);
    expect(terminations(socket)).toBe(1);
    // Everything of answerPings is gone with it.
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listening).toBe(0);
  });

  test('any frame from the client proves it alive, not only a pong', async () => {
    const socket = new FakeServerSocket();
    const at = clock();
    answerPings(socket, { interval: 1000, timeout: 500 });
    await at(1200);
    socket.receive('{"type":"chat","text":"hi"}');
    await at(2200);
    socket.receiveBinary([1, 2, 3]);
    await at(2999);
    expect(terminations(socket)).toBe(0);
    await at(3500); // the third ping went unanswered
    expect(terminations(socket)).toBe(1);
  });

  test('a timeout longer than the interval: each silent stretch is still caught', async () => {
    const socket = new FakeServerSocket();
    const at = clock();
    answerPings(socket, { interval: 100, timeout: 250 });
    await at(349);
    expect(socket.sent).toHaveLength(3);
    expect(terminations(socket)).toBe(0);
    await at(350);
    expect(terminations(socket)).toBe(1);
  });

  test(`sends its own message; no pings at all by default (interval ${SERVER_DEFAULTS.answerPings.interval})`, async () => {
    const quiet = new FakeServerSocket();
    answerPings(quiet);
    const loud = new FakeServerSocket();
    answerPings(loud, { interval: 1000, message: '{"type":"ping"}' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(quiet.calls).toEqual([]);
    expect(loud.sent[0]).toBe('{"type":"ping"}');
    expect(terminations(loud)).toBe(1); // nobody answered within the default 10 s
  });

  test('no pings to a socket that is not open; stop() ends them', async () => {
    const socket = new FakeServerSocket();
    const stop = answerPings(socket, { interval: 100 });
    socket.readyState = 2;
    await vi.advanceTimersByTimeAsync(500);
    expect(socket.sent).toEqual([]);
    stop();
    expect(vi.getTimerCount()).toBe(0);
  });

  test('a closed socket: nothing armed, nothing listened to', () => {
    const socket = new FakeServerSocket();
    socket.readyState = 3;
    answerPings(socket, { interval: 100 });
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listening).toBe(0);
  });
});

describe('options are checked at the call', () => {
  test.each([
    ['interval -1', { interval: -1 }],
    ['interval NaN', { interval: NaN }],
    ['timeout Infinity', { timeout: Infinity }],
    ['isPing not a function', { isPing: 'ping' }],
    ['reply a number', { reply: 5 }],
    ['message not a string', { message: 5 }],
    ['options not an object', 'ping'],
  ])('%s → InvalidOptionError, nothing armed', (_label, options) => {
    const socket = new FakeServerSocket();
    expect(() => answerPings(socket, options as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listening).toBe(0);
  });

  test('something that is not a ws socket → InvalidOptionError', () => {
    expect(() => answerPings({} as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError', message: expect.stringContaining('answerPings() needs a server-side WebSocket') }));
  });
});
