/**
 * Browser-signal listeners follow the client's activity (issue 13, defect 9): a client that
 * connects again, from any handler, listens again.
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

describe('connect() from a close handler after a stop', () => {
  it('connects with the lifecycle listeners attached (offline is heard)', () => {
    const sig = signals();
    const { fake, client } = setup({ lifecycle: { target: sig.target } });
    fake.last.open();
    client.close();
    let again = false;
    client.on('close', () => {
      if (again) return;
      again = true;
      client.connect();
    });
    fake.last.echoClose();
    expect(again).toBe(true);
    expect(fake.sockets).toHaveLength(2);
    fake.last.open();
    sig.offline();
    expect(client.getSnapshot().online, 'the offline event was not heard').toBe(false);
    fake.last.drop();
    expect(client.getSnapshot().status).toBe('offline');
  });

  it('after a fatal close (1008): connect() from the close handler still hears offline', () => {
    const sig = signals();
    const { fake, client } = setup({ lifecycle: { target: sig.target } });
    fake.last.open();
    let again = false;
    client.on('close', () => {
      if (again) return;
      again = true;
      client.connect();
    });
    fake.last.serverClose(1008, 'go away');
    vi.advanceTimersByTime(1000);
    fake.last.open();
    sig.offline();
    expect(client.getSnapshot().online).toBe(false);
  });
});
