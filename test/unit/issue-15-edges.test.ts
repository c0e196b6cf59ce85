/**
 * Edges of the issue-15 client code (close notices, the outage clock, hints, observe hooks, the
 * diagnostics bound): each test pins a defect that was found and fixed (it failed before its fix).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, utf8Length, type Client, type CloseInfo, type ReconnectingEvent } from '../../src/index';
import { createCore, diagnostics } from '../../src/core/index';
import { MAX_ENTRY_BYTES } from '../../src/features/diagnostics';
import { fakeWebSocket, type FakeSocket } from '../support/fake-socket';
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

describe('two-phase backoff: time suspended is not outage time', () => {
  it('a page hidden (bfcache) while an attempt of an outage connects: after the restore the clock starts over', () => {
    const sig = signals();
    const { fake, client } = setup({ lifecycle: { target: sig.target }, retry: { jitter: 'none' } });
    const delays: number[] = [];
    client.on('reconnecting', (e: ReconnectingEvent) => delays.push(e.delay));
    for (let i = 0; i < 6; i++) {
      fake.last.failHandshake();
      vi.advanceTimersToNextTimer();
    }
    // 20 s into the outage, the 7th attempt connects: the page goes into the back/forward cache.
    sig.pagehide();
    expect(client.getSnapshot().status).toBe('suspended');
    vi.advanceTimersByTime(3_600_000);
    sig.pageshow();
    expect(fake.sockets).toHaveLength(8);
    fake.last.failHandshake(); // the first failure on a new phase clock: capped at fastMaxDelay, not grown by the hour away
    expect(delays).toEqual([1000, 2000, 4000, 4000, 4000, 5000, 4000]);
  });

  it('a page frozen while an attempt of an outage connects: after the resume the clock starts over', () => {
    const sig = signals();
    const { fake, client } = setup({ lifecycle: { target: sig.target }, retry: { jitter: 'none' } });
    const delays: number[] = [];
    client.on('reconnecting', (e: ReconnectingEvent) => delays.push(e.delay));
    for (let i = 0; i < 6; i++) {
      fake.last.failHandshake();
      vi.advanceTimersToNextTimer();
    }
    sig.freeze();
    vi.advanceTimersByTime(3_600_000);
    sig.resume();
    fake.last.failHandshake(); // the browser dropped the attempt while the page was frozen
    expect(delays).toEqual([1000, 2000, 4000, 4000, 4000, 5000, 4000]);
  });
});

describe('closeNotice.parse is app code: what it returns is hostile too', () => {
  it('an answer whose fields throw when read: the frame is the app message, the error an event, nothing escapes the socket listener', () => {
    const parse = () => ({
      get code(): number {
        throw new Error('getter');
      },
    });
    const { fake, client, errors } = setup({ closeNotice: { parse } });
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    fake.last.open();
    expect(() => fake.last.receive('hello')).not.toThrow();
    expect(messages).toEqual(['hello']);
    expect(errors).toHaveLength(1);
    expect(client.getSnapshot().status).toBe('open');
  });
});

describe('the diagnostics ring stays bounded whatever it is handed', () => {
  it('a close event with huge keys and wide nested objects (a third-party feature in plain JS): the entries stay under the byte bound', () => {
    const fake = fakeWebSocket();
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`n${i}`, '中'.repeat(300)]));
    const hostile = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`${'k'.repeat(50_000)}${i}`, wide]));
    const core = createCore({
      url: UNIT_URL,
      WebSocket: fake.WebSocket,
      // `emit` is typed for drop/rtt/error; plain JS can pass any name.
      features: [diagnostics(), { name: 'hostile', attach: (ctx) => ({ observe: (name) => void (name === 'open' && ctx.emit('close' as 'drop', hostile)) }) }],
    });
    try {
      fake.last.open();
      const r = core.diagnostics();
      expect(utf8Length(JSON.stringify(r.entries))).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
      expect(core.getSnapshot().status).toBe('open');
    } finally {
      core.dispose();
    }
  });
});

describe('a close notice, then a socket that errors and never reports its close', () => {
  it('the notice still explains the close when the error comes a little after it (the client gave up waiting past the window)', () => {
    const { fake, client } = setup();
    const closes: unknown[] = [];
    client.on('close', (c) => closes.push(c));
    fake.last.open();
    fake.last.receive(JSON.stringify({ type: 'close', code: 1012, reason: 'restart' }));
    vi.advanceTimersByTime(50);
    fake.last.onerror?.(new Event('error'));
    vi.advanceTimersByTime(5000);
    expect(closes[0]).toMatchObject({ code: 1012, category: 'service-restart', via: 'notice', initiatedBy: 'server' });
  });
});

describe('retryAfter extremes', () => {
  it.each([
    ['a close notice', (s: FakeSocket) => (s.receive(JSON.stringify({ type: 'close', code: 1013, reason: 'later', retryAfter: 1e306 })), s.drop())],
    ['a close reason', (s: FakeSocket) => s.serverClose(1013, '{"retryAfter":1e306}')],
  ])('a huge one in %s: a finite retryAfter in the close (JSON keeps it), the wait capped by maxHintDelay', (_, end) => {
    const { fake, client } = setup();
    const closes: CloseInfo[] = [];
    client.on('close', (c) => closes.push(c));
    fake.last.open();
    end(fake.last);
    expect(Number.isFinite(closes[0]!.retryAfter)).toBe(true);
    expect(JSON.parse(JSON.stringify(closes[0])).retryAfter).toBe(closes[0]!.retryAfter);
    expect(closes[0]!.retryAfter).toBeGreaterThanOrEqual(300_000);
    expect(client.getSnapshot().retryDelay).toBe(300_000 + 0.5 * 60_000);
  });
});

describe("the engine's observe hook", () => {
  it('a hook that throws on an event raised outside a step (a drop from send()) is reported once, then left out', () => {
    const fake = fakeWebSocket();
    let calls = 0;
    const core = createCore({
      url: UNIT_URL,
      WebSocket: fake.WebSocket,
      autoConnect: false,
      features: [
        {
          name: 'broken',
          attach: () => ({
            observe: () => {
              calls++;
              throw new Error('observer broke');
            },
          }),
        },
      ],
    });
    const errors: string[] = [];
    core.on('error', (e) => errors.push(e.message));
    try {
      expect(core.send('x')).toBe('rejected');
      expect(errors).toEqual(["The broken feature's observe hook threw."]);
      expect(calls).toBe(1);
    } finally {
      core.dispose();
    }
  });
});
