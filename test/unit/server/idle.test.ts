// @vitest-environment node
/**
 * `resilient-ws/server`'s closeWhenIdle against a scripted socket with fake timers: the close (with
 * its notice) after `timeout` ms without an application message, what counts as activity, and
 * cleanup and validation.
 */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { closeWhenIdle, SERVER_DEFAULTS } from '../../../src/server/index';
import { FakeServerSocket } from '../../support/fake-server-socket';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const IDLE_NOTICE = `{"type":"close","code":1000,"reason":"${SERVER_DEFAULTS.closeWhenIdle.reason}"}`;

describe('closeWhenIdle', () => {
  test('closes with 1000 "idle timeout" and its notice after timeout ms with no message', async () => {
    const socket = new FakeServerSocket();
    closeWhenIdle(socket, { timeout: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(socket.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.calls).toEqual([
      { t: 'send', data: IDLE_NOTICE },
      { t: 'close', code: 1000, reason: 'idle timeout' },
    ]);
  });

  test('every application message restarts the wait; the close comes timeout ms after the last one', async () => {
    const socket = new FakeServerSocket();
    closeWhenIdle(socket, { timeout: 1000, reason: 'bye for now' });
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(600);
      socket.receive(`message ${i}`);
    }
    socket.receiveBinary([1, 2]); // binary frames are application messages too
    await vi.advanceTimersByTimeAsync(999);
    expect(socket.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.calls[1]).toEqual({ t: 'close', code: 1000, reason: 'bye for now' });
  });

  test('heartbeat frames (the client’s pings and pongs, text or JSON) are not activity', async () => {
    const socket = new FakeServerSocket();
    closeWhenIdle(socket, { timeout: 1000 });
    for (const text of ['ping', 'pong', '{"type":"ping","id":1}', '{"type":"pong"}']) {
      await vi.advanceTimersByTimeAsync(200);
      socket.receive(text);
    }
    await vi.advanceTimersByTimeAsync(200);
    expect(socket.calls.map((c) => c.t)).toEqual(['send', 'close']);
  });

  test('a large text frame counts as activity without being decoded (the default matcher reads 512 characters at most)', async () => {
    const decode = vi.spyOn(TextDecoder.prototype, 'decode');
    const socket = new FakeServerSocket();
    closeWhenIdle(socket, { timeout: 1000 });
    await vi.advanceTimersByTimeAsync(900);
    socket.receive(`{"type":"ping","pad":"${'x'.repeat(1_000_000)}"}`);
    expect(decode).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(999);
    expect(socket.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.calls.map((c) => c.t)).toEqual(['send', 'close']);
  });

  test('takes its own heartbeat matcher; one that throws counts the frame as activity (logged)', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const socket = new FakeServerSocket();
    closeWhenIdle(socket, {
      timeout: 1000,
      isHeartbeat: (t) => {
        if (t === 'boom') throw new Error('bad matcher');
        return t === 'hb';
      },
    });
    await vi.advanceTimersByTimeAsync(500);
    socket.receive('hb');
    await vi.advanceTimersByTimeAsync(400);
    socket.receive('boom');
    await vi.advanceTimersByTimeAsync(999);
    expect(socket.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.calls.map((c) => c.t)).toEqual(['send', 'close']);
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });

  test('passes its closeTimeout to the close: a client that never answers is terminated', async () => {
    const socket = new FakeServerSocket();
    closeWhenIdle(socket, { timeout: 100, closeTimeout: 300 });
    await vi.advanceTimersByTimeAsync(100 + 299);
    expect(socket.calls.map((c) => c.t)).toEqual(['send', 'close']);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.calls.map((c) => c.t)).toEqual(['send', 'close', 'terminate']);
  });

  test('stop() keeps the socket open; the socket’s close ends the watch too', async () => {
    const a = new FakeServerSocket();
    const stop = closeWhenIdle(a, { timeout: 100 });
    stop();
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.calls).toEqual([]);
    expect(a.listening).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
    const b = new FakeServerSocket();
    closeWhenIdle(b, { timeout: 100 });
    b.finish();
    expect(b.listening).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  test.each([
    ['timeout missing', {}],
    ['timeout -1', { timeout: -1 }],
    ['timeout Infinity', { timeout: Infinity }],
    ['isHeartbeat not a function', { timeout: 100, isHeartbeat: true }],
    ['closeTimeout NaN', { timeout: 100, closeTimeout: NaN }],
    ['options missing', undefined],
  ])('%s → InvalidOptionError at the call', (_label, options) => {
    const socket = new FakeServerSocket();
    expect(() => closeWhenIdle(socket, options as never)).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    expect(vi.getTimerCount()).toBe(0);
    expect(socket.listening).toBe(0);
  });

  test('a reason that is not a string → InvalidCloseReasonError at the call, not when the timer fires', () => {
    expect(() => closeWhenIdle(new FakeServerSocket(), { timeout: 100, reason: 5 as unknown as string })).toThrow(
      expect.objectContaining({ name: 'InvalidCloseReasonError' }),
    );
  });
});
