// @vitest-environment node
/**
 * In a worker there is no `window`: online/offline fire at the worker's global scope
 * (WorkerGlobalScope), which is what the default target listens on there.
 */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { setup } from '../support/unit-client';

let scope: EventTarget;
beforeEach(() => {
  vi.useFakeTimers();
  scope = new EventTarget();
  const g = globalThis as unknown as Record<string, unknown>;
  vi.stubGlobal('navigator', { onLine: true });
  const on = (...a: Parameters<EventTarget['addEventListener']>) => scope.addEventListener(...a);
  const off = (...a: Parameters<EventTarget['removeEventListener']>) => scope.removeEventListener(...a);
  vi.stubGlobal('addEventListener', on);
  vi.stubGlobal('removeEventListener', off);
  expect(g.window).toBeUndefined();
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

it('hears offline and online at the worker global scope', () => {
  const { fake, client } = setup({ lifecycle: {} });
  fake.last.open();
  scope.dispatchEvent(new Event('offline'));
  expect(client.getSnapshot().online).toBe(false);
  fake.last.drop();
  expect(client.getSnapshot().status).toBe('offline');
  scope.dispatchEvent(new Event('online'));
  expect(client.getSnapshot()).toMatchObject({ status: 'connecting', online: true });
  expect(fake.sockets).toHaveLength(2);
  client.dispose(); // before the globals are restored
});

it('removes its listeners from the worker global scope on dispose', () => {
  const added = vi.spyOn(scope, 'addEventListener');
  const removed = vi.spyOn(scope, 'removeEventListener');
  const { client } = setup({ lifecycle: {} });
  expect(added.mock.calls.length).toBeGreaterThan(0);
  client.dispose();
  expect(added.mock.calls.map((c) => c[0])).toEqual(expect.arrayContaining(['online', 'offline']));
  expect(removed.mock.calls.map((c) => c[0]).sort()).toEqual(added.mock.calls.map((c) => c[0]).sort());
});
