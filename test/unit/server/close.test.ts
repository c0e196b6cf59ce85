// @vitest-environment node
/**
 * `resilient-ws/server`'s closeWith, closeNotice and cutReason against a scripted socket with fake
 * timers: the frames in order, the exact notice text, the reason cut at a character boundary, the
 * closeTimeout (and that its timer is gone once the socket closes), and the typed errors.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { isResilientWsError, parseCloseNotice, utf8Length } from '../../../src/index';
import { toNotice } from '../../../src/core/server-close';
import { closeNotice, closeWith, cutReason, isServerCloseCode, MAX_REASON_BYTES, SERVER_DEFAULTS, type CloseOutcome } from '../../../src/server/index';
import { FakeServerSocket } from '../../support/fake-server-socket';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Records whether (and with what) a promise has settled, for checks between timer steps. */
function track(p: Promise<CloseOutcome>) {
  const state: { done: boolean; value?: CloseOutcome } = { done: false };
  void p.then((value) => Object.assign(state, { done: true, value }));
  return state;
}

describe('isServerCloseCode', () => {
  test.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])('%s may be sent by a server', (code) => {
    expect(isServerCloseCode(code)).toBe(true);
  });
  test.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535, 1000.5, NaN, Infinity, '1000', undefined, null])('%s may not', (code) => {
    expect(isServerCloseCode(code)).toBe(false);
  });
});

describe('cutReason', () => {
  test('leaves a reason within 123 UTF-8 bytes as it is', () => {
    expect(cutReason('a'.repeat(123))).toBe('a'.repeat(123));
    expect(cutReason('连接超时,请重新登录')).toBe('连接超时,请重新登录');
    expect(MAX_REASON_BYTES).toBe(123);
  });

  test('cuts ASCII at 123 bytes and never splits a 3-byte Chinese character', () => {
    expect(cutReason('a'.repeat(200))).toBe('a'.repeat(123));
    // 1 + 3·40 = 121 bytes; the 41st character would make 124.
    expect(cutReason(`a${'连'.repeat(50)}`)).toBe(`a${'连'.repeat(40)}`);
  });

  test('never splits a surrogate pair', () => {
    // 2 + 4·30 = 122 bytes; a lone high surrogate of the 31st emoji would still "fit" 3 bytes.
    const cut = cutReason(`ab${'😀'.repeat(40)}`);
    expect(cut).toBe(`ab${'😀'.repeat(30)}`);
  });

  test('never splits a grapheme: a flag (two regional indicators) or an accented letter stays whole', () => {
    // 4 + 8·14 = 116 bytes; half a flag (4 bytes) would fit, the whole one does not.
    expect(cutReason(`abcd${'🇨🇳'.repeat(20)}`)).toBe(`abcd${'🇨🇳'.repeat(14)}`);
    // "é" as e + U+0301: the base letter alone would fit.
    expect(cutReason(`${'x'.repeat(121)}e\u0301`)).toBe('x'.repeat(121));
  });

  test('a single character longer than the limit is cut at its last code point that fits', () => {
    expect(cutReason(`e${'\u0301'.repeat(100)}`)).toBe(`e${'\u0301'.repeat(61)}`);
  });

  test('lone surrogates become U+FFFD (what UTF-8 encoding makes of them)', () => {
    expect(cutReason('a\uD800b\uDC00')).toBe('a\uFFFDb\uFFFD');
  });

  test('takes another byte limit', () => {
    expect(cutReason('连接超时', 7)).toBe('连接');
  });

  test('refuses what it cannot cut: a reason that is not a string, a byte limit that is not a non-negative integer', () => {
    expect(() => cutReason(5 as unknown as string)).toThrow(expect.objectContaining({ name: 'InvalidCloseReasonError', message: 'cutReason() reason must be a string; got number.' }));
    for (const bad of [NaN, -1, 1.5, Infinity, '7']) {
      // NaN used to return the text uncut; -1 and 1.5 cut silently.
      expect(() => cutReason('连接超时', bad as number), String(bad)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    }
    expect(cutReason('连接超时', 0)).toBe('');
  });

  test('any string: within the limit, a prefix of its well-formed form, no lone surrogate, unchanged when it fits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const well = s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
        const cut = cutReason(s);
        expect(utf8Length(cut)).toBeLessThanOrEqual(123);
        expect(well.startsWith(cut)).toBe(true);
        expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        if (utf8Length(well) <= 123) {
          expect(cut).toBe(well);
          return;
        }
        // Cut as late as possible: the next character (or, inside one oversized character, the
        // next code point) would not fit.
        const next = [...new Intl.Segmenter().segment(well)].find((g) => g.index + g.segment.length > cut.length)!;
        const more = next.index === cut.length ? next.segment : String.fromCodePoint(well.codePointAt(cut.length)!);
        expect(utf8Length(cut + more)).toBeGreaterThan(123);
      }),
    );
  });
});

describe('closeNotice', () => {
  test('is exactly JSON.stringify({ type, code, reason, retryAfter }), retryAfter left out when not given', () => {
    expect(closeNotice(4001, 'token expired', 30)).toBe('{"type":"close","code":4001,"reason":"token expired","retryAfter":30}');
    expect(closeNotice(1012, 'restart')).toBe('{"type":"close","code":1012,"reason":"restart"}');
    expect(closeNotice(1000)).toBe('{"type":"close","code":1000,"reason":""}');
    expect(closeNotice(1013, 'busy', 0)).toBe('{"type":"close","code":1013,"reason":"busy","retryAfter":0}');
  });

  test('carries the cut reason', () => {
    expect(JSON.parse(closeNotice(4000, 'a'.repeat(300))).reason).toBe('a'.repeat(123));
  });

  test('refuses what closeWith refuses', () => {
    expect(() => closeNotice(1006)).toThrow(expect.objectContaining({ name: 'InvalidCloseCodeError' }));
    expect(() => closeNotice(1000, 5 as unknown as string)).toThrow(expect.objectContaining({ name: 'InvalidCloseReasonError' }));
    expect(() => closeNotice(1000, '', -1)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
  });
});

describe('the notice round trip: what closeNotice writes is what the client reads', () => {
  const serverCode = fc.oneof(fc.integer({ min: 1000, max: 1003 }), fc.integer({ min: 1007, max: 1014 }), fc.integer({ min: 3000, max: 4999 }));
  const seconds = fc.option(fc.double({ min: 0, max: 1e12, noNaN: true }), { nil: undefined });

  test('any code a server may send, any reason, any retryAfter: the client’s parser and validator give them back (the reason as cut)', () => {
    fc.assert(
      fc.property(serverCode, fc.string({ unit: 'binary', maxLength: 300 }), seconds, (code, reason, retryAfter) => {
        const fields = parseCloseNotice(closeNotice(code, reason, retryAfter));
        expect(fields).not.toBeNull();
        const expected = retryAfter === undefined ? { code, reason: cutReason(reason) } : { code, reason: cutReason(reason), retryAfter };
        expect(toNotice(fields)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  test('the longest notice (123 control characters, each escaped to six) is still within what the client parses', () => {
    const text = closeNotice(4999, '\u0001'.repeat(200), 0.1 + 0.2);
    expect(text.length).toBeGreaterThan(800);
    expect(toNotice(parseCloseNotice(text))).toEqual({ code: 4999, reason: '\u0001'.repeat(123), retryAfter: 0.1 + 0.2 });
  });
});

describe('closeWith', () => {
  test('sends the notice, then the close frame with the same code and reason; resolves when the socket closes, timer gone', async () => {
    const socket = new FakeServerSocket();
    const done = track(closeWith(socket, 4001, 'token expired', { retryAfter: 30 }));
    expect(socket.calls).toEqual([
      { t: 'send', data: '{"type":"close","code":4001,"reason":"token expired","retryAfter":30}' },
      { t: 'close', code: 4001, reason: 'token expired' },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    expect(done.done).toBe(false);

    socket.finish(4001);
    await vi.advanceTimersByTimeAsync(0);
    expect(done.value).toEqual({ code: 4001, reason: 'token expired', sent: true, terminated: false });
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listening).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(socket.calls.filter((c) => c.t === 'terminate')).toEqual([]);
  });

  test('cuts the reason (Chinese, 3 bytes each) the same way in the notice and the close frame', () => {
    const socket = new FakeServerSocket();
    const reason = `a${'连接超时请重新登录'.repeat(6)}`; // 1 + 162 bytes
    void closeWith(socket, 4000, reason);
    const cut = cutReason(reason);
    expect(utf8Length(cut)).toBe(121);
    expect(JSON.parse(socket.sent[0]!)).toEqual({ type: 'close', code: 4000, reason: cut });
    expect(socket.calls[1]).toEqual({ t: 'close', code: 4000, reason: cut });
  });

  test(`terminates a socket whose closing handshake is not done within closeTimeout (default ${SERVER_DEFAULTS.closeWith.closeTimeout} ms)`, async () => {
    const socket = new FakeServerSocket();
    const done = track(closeWith(socket, 1001, 'going away'));
    await vi.advanceTimersByTimeAsync(4999);
    expect(socket.calls.map((c) => c.t)).toEqual(['send', 'close']);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.calls.map((c) => c.t)).toEqual(['send', 'close', 'terminate']);
    expect(done.done).toBe(false); // resolves on the socket's close event, which ws emits after terminate()
    socket.finish(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(done.value).toEqual({ code: 1001, reason: 'going away', sent: true, terminated: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  test('takes its own closeTimeout', async () => {
    const socket = new FakeServerSocket();
    void closeWith(socket, 1000, '', { closeTimeout: 250 });
    await vi.advanceTimersByTimeAsync(249);
    expect(socket.calls.at(-1)!.t).toBe('close');
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.calls.at(-1)!.t).toBe('terminate');
  });

  test('a closing socket gets no frames, only the closeTimeout', async () => {
    const socket = new FakeServerSocket();
    socket.readyState = 2;
    const done = track(closeWith(socket, 4000, 'x', { closeTimeout: 100 }));
    expect(socket.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(100);
    expect(socket.calls).toEqual([{ t: 'terminate' }]);
    socket.finish(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(done.value).toEqual({ code: 4000, reason: 'x', sent: false, terminated: true });
  });

  test('a closed socket: resolves at once, sends nothing, arms nothing', async () => {
    const socket = new FakeServerSocket();
    socket.readyState = 3;
    await expect(closeWith(socket, 1000, 'bye')).resolves.toEqual({ code: 1000, reason: 'bye', sent: false, terminated: false });
    expect(socket.calls).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listening).toBe(0);
  });

  test('a connecting socket is closed without a notice', () => {
    const socket = new FakeServerSocket();
    socket.readyState = 0;
    void closeWith(socket, 1001, 'bye');
    expect(socket.calls).toEqual([{ t: 'close', code: 1001, reason: 'bye' }]);
  });

  test('a socket whose close() throws is terminated at once', () => {
    const socket = new FakeServerSocket();
    socket.close = () => {
      throw new Error('broken');
    };
    void closeWith(socket, 1000);
    expect(socket.calls.map((c) => c.t)).toEqual(['send', 'terminate']);
  });

  test('a socket whose send() throws still gets the close frame; the outcome says the notice did not go', async () => {
    const socket = new FakeServerSocket();
    socket.send = () => {
      throw new Error('broken');
    };
    const done = track(closeWith(socket, 4000, 'x'));
    expect(socket.calls).toEqual([{ t: 'close', code: 4000, reason: 'x' }]);
    socket.finish(4000);
    await vi.advanceTimersByTimeAsync(0);
    expect(done.value).toEqual({ code: 4000, reason: 'x', sent: false, terminated: false });
  });

  test('a socket whose close() throws: terminated at once, and the outcome says the frames did not go', async () => {
    const socket = new FakeServerSocket();
    socket.close = () => {
      throw new Error('broken');
    };
    const done = track(closeWith(socket, 1000));
    socket.finish(1006);
    await vi.advanceTimersByTimeAsync(0);
    expect(done.value).toEqual({ code: 1000, reason: '', sent: false, terminated: true });
  });

  test('a code of the wrong type is named as such in the message', () => {
    expect(() => closeWith(new FakeServerSocket(), '4000' as unknown as number)).toThrow(expect.objectContaining({ name: 'InvalidCloseCodeError', message: expect.stringContaining('got "4000" (a string)') }));
  });

  test.each([1004, 1005, 1006, 1015, 999, 2000, 5000, 1000.5, NaN])('throws InvalidCloseCodeError for %s and sends nothing', (code) => {
    const socket = new FakeServerSocket();
    let error: unknown;
    try {
      void closeWith(socket, code, 'bye');
    } catch (e) {
      error = e;
    }
    expect(isResilientWsError(error, 'InvalidCloseCodeError')).toBe(true);
    expect((error as Error).message).toContain(`got ${code}`);
    expect((error as Error).message).toContain('4000–4999');
    expect(socket.calls).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listening).toBe(0);
  });

  test.each([
    ['retryAfter -1', { retryAfter: -1 }],
    ['retryAfter NaN', { retryAfter: NaN }],
    ['retryAfter Infinity', { retryAfter: Infinity }],
    ['retryAfter "30"', { retryAfter: '30' }],
    ['retryAfter null', { retryAfter: null }],
    ['closeTimeout -1', { closeTimeout: -1 }],
    ['closeTimeout Infinity', { closeTimeout: Infinity }],
    ['options not an object', 5],
  ])('throws InvalidOptionError for %s and sends nothing', (_label, options) => {
    const socket = new FakeServerSocket();
    expect(() => closeWith(socket, 1000, '', options as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    expect(socket.calls).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test('names the bad option and the unit', () => {
    expect(() => closeWith(new FakeServerSocket(), 1000, '', { retryAfter: -1 })).toThrow('closeWith() retryAfter (seconds) must be a non-negative finite number; got -1.');
  });

  test('throws InvalidCloseReasonError for a reason that is not a string', () => {
    expect(() => closeWith(new FakeServerSocket(), 1000, 42 as unknown as string)).toThrow(expect.objectContaining({ name: 'InvalidCloseReasonError' }));
  });

  test('throws InvalidOptionError when given something that is not a ws socket', () => {
    for (const bad of [null, undefined, {}, { readyState: 1, send() {} }]) {
      expect(() => closeWith(bad as never, 1000)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    }
  });
});
