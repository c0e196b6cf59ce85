// @vitest-environment node
/**
 * The companion's timers never keep a Node process alive (`unref`), with real Node timers: a
 * server that has stopped listening may exit while a socket is still closing or being pinged.
 */
import { afterEach, expect, test, vi } from 'vitest';
import { answerPings, closeWhenIdle, closeWith } from '../../../src/server/index';
import { FakeServerSocket } from '../../support/fake-server-socket';

afterEach(() => {
  vi.restoreAllMocks();
});

/** The Node timers `run` created, as the handles setTimeout/setInterval returned. */
function timersCreatedBy(run: () => void): NodeJS.Timeout[] {
  const timeouts = vi.spyOn(globalThis, 'setTimeout');
  const intervals = vi.spyOn(globalThis, 'setInterval');
  run();
  const handles = [...timeouts.mock.results, ...intervals.mock.results].map((r) => r.value as NodeJS.Timeout);
  timeouts.mockRestore();
  intervals.mockRestore();
  return handles;
}

test('closeWith’s closeTimeout timer is unref’d, and cleared when the socket closes', async () => {
  const socket = new FakeServerSocket();
  let done: Promise<unknown> = Promise.resolve();
  const [timer, ...rest] = timersCreatedBy(() => {
    done = closeWith(socket, 1000, 'bye', { closeTimeout: 60_000 });
  });
  expect(rest).toEqual([]);
  expect(timer!.hasRef()).toBe(false);
  const cleared = vi.spyOn(globalThis, 'clearTimeout');
  socket.finish();
  await done;
  expect(cleared).toHaveBeenCalledWith(timer);
});

test('answerPings’ interval and ping deadline are unref’d', async () => {
  const socket = new FakeServerSocket();
  const [interval] = timersCreatedBy(() => answerPings(socket, { interval: 20, timeout: 60_000 }));
  expect(interval!.hasRef()).toBe(false);
  const deadline = vi.spyOn(globalThis, 'setTimeout');
  await new Promise((r) => setTimeout(r, 60)); // the first ping arms the deadline
  const handle = deadline.mock.results.map((r) => r.value as NodeJS.Timeout).find((h) => h !== undefined && !h.hasRef());
  expect(handle).toBeDefined();
  expect(socket.sent[0]).toBe('ping');
  socket.finish();
});

test('closeWhenIdle’s timer is unref’d', () => {
  const socket = new FakeServerSocket();
  const [timer, ...rest] = timersCreatedBy(() => closeWhenIdle(socket, { timeout: 60_000 }));
  expect(rest).toEqual([]);
  expect(timer!.hasRef()).toBe(false);
  socket.finish();
});
