/**
 * A network change with a dead link (issue 13, defect 13): after an `offline`, the `online` that
 * follows must not restart the liveness deadline. The old TCP connection is almost always dead,
 * so the client settles its fate quickly: replaced within 1.5 s of `online`. A link that
 * answers at once is kept.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { signals } from '../support/probes';
import { setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** An open client with the default heartbeat and settings, one ping/pong done (RTT 50 ms). */
function openWithHeartbeat() {
  const sig = signals();
  const s = setup({ heartbeat: {}, lifecycle: { target: sig.target } });
  const ws = s.fake.last;
  ws.open();
  vi.advanceTimersByTime(20_000);
  vi.advanceTimersByTime(50);
  ws.receive('pong');
  expect(s.client.getSnapshot().rtt).toBe(50);
  vi.advanceTimersByTime(1000); // quiet, healthy
  return { ...s, sig, ws };
}

describe('offline, silence, then online', () => {
  it.each([5000, 4000, 4900, 3000, 1000])('offline for %i ms with nothing received: a new socket within 1500 ms of online', (offlineMs) => {
    const { fake, sig, ws } = openWithHeartbeat();
    sig.offline();
    vi.advanceTimersByTime(offlineMs);
    const after = fake.sockets.length;
    sig.online();
    let waited = 0;
    while (fake.sockets.length === after && waited < 1500) {
      vi.advanceTimersByTime(10);
      waited += 10;
    }
    expect(fake.sockets.length, `no new socket within 1500 ms of online (offline ${offlineMs} ms)`).toBeGreaterThan(after);
    expect(fake.sockets.length).toBe(2);
    expect(ws.closeCalls.length, 'the dead socket was not closed').toBeGreaterThan(0);
  });

  it('a pong right after online keeps the connection', () => {
    const { fake, client, sig, ws } = openWithHeartbeat();
    sig.offline();
    vi.advanceTimersByTime(4000);
    sig.online();
    ws.receive('pong');
    vi.advanceTimersByTime(10_000);
    expect(fake.sockets).toHaveLength(1);
    expect(client.getSnapshot().status).toBe('open');
    expect(ws.closeCalls).toEqual([]);
  });
});
