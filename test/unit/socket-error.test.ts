/**
 * An `error` on an OPEN socket that is never followed by `close` (issue 13, defect 8): after
 * closeTimeout the client gives up on that socket, and it closes it (ws.close()) rather than
 * letting it go untracked while a new one connects.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { leakedSockets, liveSockets } from '../support/probes';
import { setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('an error on an open socket with no close after it', () => {
  it('after closeTimeout the client closes that socket and connects a new one', () => {
    const { fake, client } = setup({ closeTimeout: 5000 });
    const first = fake.last;
    first.open();
    first.onerror?.(new Event('error')); // no close event follows
    vi.advanceTimersByTime(5000);
    expect(first.closeCalls.length, 'the errored socket was released without ws.close()').toBeGreaterThan(0);
    vi.advanceTimersByTime(1000);
    expect(fake.sockets.length).toBe(2);
    expect(leakedSockets(fake.sockets)).toEqual([]);
    expect(liveSockets(fake.sockets)).toEqual([fake.last]);
    fake.last.open();
    expect(client.getSnapshot().status).toBe('open');
  });
});
