/**
 * What dispose() does to the outbox (issue 13, defect 10): nothing said 'queued' then vanishes,
 * and the snapshot tells the truth afterwards.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isResilientWsError } from '../../src/index';
import { setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('dispose() and the outbox', () => {
  it('send() from a drop handler during dispose() throws DisposedError (nothing is queued and lost)', () => {
    const { client } = setup({ autoConnect: false });
    client.send('a');
    const results: unknown[] = [];
    client.on('drop', (d) => {
      if (d.message !== 'a') return;
      try {
        results.push(client.send('b'));
      } catch (e) {
        results.push(e);
      }
    });
    client.dispose();
    expect(results).toHaveLength(1);
    expect(isResilientWsError(results[0], 'DisposedError'), `send() from the drop handler returned ${String(results[0])}`).toBe(true);
  });

  it("a drop handler's own throw during dispose() is reported, not rethrown to dispose()'s caller", () => {
    const { client } = setup({ autoConnect: false });
    client.send('a');
    client.on('drop', () => {
      client.send('b'); // throws DisposedError (on today's code: returns 'queued')
      throw new Error('handler broke');
    });
    const g = globalThis as { reportError?: (e: unknown) => void };
    const reported: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const original = g.reportError;
    g.reportError = (e) => void reported.push(e);
    try {
      expect(() => client.dispose()).not.toThrow();
    } finally {
      g.reportError = original;
      spy.mockRestore();
    }
    expect(reported.length + spy.mock.calls.length).toBeGreaterThan(0);
  });

  it('snapshot.queued and queuedBytes are 0 after dispose()', () => {
    const { client, drops } = setup({ autoConnect: false });
    client.send('one');
    client.send('two');
    expect(client.getSnapshot().queued).toBe(2);
    client.dispose();
    expect(drops.map((d) => d.reason)).toEqual(['disposed', 'disposed']);
    expect(client.getSnapshot()).toMatchObject({ queued: 0, queuedBytes: 0 });
  });
});
