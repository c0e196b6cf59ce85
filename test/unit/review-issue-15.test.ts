/**
 * Review of the issue-15 client code: each test pins a defect found by the adversarial review
 * (it failed before its fix).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, type CloseInfo, type Client } from '../../src/index';
import { fakeWebSocket } from '../support/fake-socket';
import { signals } from '../support/probes';
import { setup, UNIT_URL } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('dispose() from an app callback that runs while the client decides', () => {
  it('from closePolicy: the client stays disposed (closed), no retry is scheduled', () => {
    let client!: Client;
    const fake = fakeWebSocket();
    client = createClient({
      url: UNIT_URL,
      WebSocket: fake.WebSocket,
      heartbeat: false,
      lifecycle: false,
      closePolicy: () => {
        client.dispose();
        return undefined;
      },
    });
    fake.last.open();
    fake.last.serverClose(1011, 'boom');
    expect(client.getSnapshot().status).toBe('closed');
    vi.advanceTimersByTime(120_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it('from random() while the backoff is drawn: the client stays disposed', () => {
    let client!: Client;
    let armed = false;
    const fake = fakeWebSocket();
    client = createClient({
      url: UNIT_URL,
      WebSocket: fake.WebSocket,
      heartbeat: false,
      lifecycle: false,
      random: () => {
        if (armed) client.dispose();
        return 0.5;
      },
    });
    fake.last.open();
    armed = true;
    fake.last.drop();
    expect(client.getSnapshot().status).toBe('closed');
    vi.advanceTimersByTime(120_000);
    expect(fake.sockets).toHaveLength(1);
  });
});
