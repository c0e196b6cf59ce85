import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { OverflowPolicy } from '../../src/index';
import type { fakeWebSocket } from '../support/fake-socket';
import { setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Every frame sent on every socket, in order. */
const allSent = (fake: ReturnType<typeof fakeWebSocket>) => fake.sockets.flatMap((s) => s.sent);

describe('send() results', () => {
  it('"sent" when open, "queued" while connecting and while reconnecting', () => {
    const { fake, client } = setup();
    expect(client.send('a')).toBe('queued');
    fake.last.open();
    expect(fake.last.sent).toEqual(['a']);
    expect(client.send('b')).toBe('sent');
    expect(fake.last.sent).toEqual(['a', 'b']);
    fake.last.drop();
    expect(client.getSnapshot().status).toBe('reconnecting');
    expect(client.send('c')).toBe('queued');
    expect(client.getSnapshot().queued).toBe(1);
  });

  it('"rejected" with a drop event (reason "disabled") when the outbox is off and the socket is not open', () => {
    const { fake, client, drops } = setup({ outbox: false });
    expect(client.send('a')).toBe('rejected');
    expect(drops).toEqual([{ message: 'a', reason: 'disabled' }]);
    fake.last.open();
    expect(fake.last.sent).toEqual([]);
    expect(client.send('b')).toBe('sent');
    expect(fake.last.sent).toEqual(['b']);
  });
});

describe('overflow policies', () => {
  const fill = (policy: OverflowPolicy) => {
    const s = setup({ outbox: { maxMessages: 3, overflow: policy } });
    for (const m of ['1', '2', '3']) expect(s.client.send(m)).toBe('queued');
    return s;
  };

  it('reject: the new message is refused and reported', () => {
    const { fake, client, drops } = fill('reject');
    expect(client.send('4')).toBe('rejected');
    expect(drops).toEqual([{ message: '4', reason: 'overflow' }]);
    expect(client.getSnapshot().queued).toBe(3);
    fake.last.open();
    expect(fake.last.sent).toEqual(['1', '2', '3']);
  });

  it('drop-oldest: the oldest queued message makes room', () => {
    const { fake, client, drops } = fill('drop-oldest');
    expect(client.send('4')).toBe('queued');
    expect(drops).toEqual([{ message: '1', reason: 'overflow' }]);
    fake.last.open();
    expect(fake.last.sent).toEqual(['2', '3', '4']);
  });

  it('drop-newest: the newest already-queued message makes room', () => {
    const { fake, client, drops } = fill('drop-newest');
    expect(client.send('4')).toBe('queued');
    expect(drops).toEqual([{ message: '3', reason: 'overflow' }]);
    fake.last.open();
    expect(fake.last.sent).toEqual(['1', '2', '4']);
  });

  it('counts bytes in UTF-8 and tracks queued/queuedBytes', () => {
    const { client, drops } = setup({ outbox: { maxBytes: 10 } });
    expect(client.send('ab')).toBe('queued'); // 2 bytes
    expect(client.send('维护')).toBe('queued'); // 6 bytes
    expect(client.getSnapshot()).toMatchObject({ queued: 2, queuedBytes: 8 });
    expect(client.send('é')).toBe('queued'); // 2 bytes: exactly full
    expect(client.getSnapshot()).toMatchObject({ queued: 3, queuedBytes: 10 });
    expect(client.send('x')).toBe('rejected');
    expect(drops).toEqual([{ message: 'x', reason: 'overflow' }]);
    expect(client.getSnapshot()).toMatchObject({ queued: 3, queuedBytes: 10 });
  });

  it('drop-oldest by bytes evicts as many old messages as needed', () => {
    const { fake, client, drops } = setup({ outbox: { maxBytes: 10, overflow: 'drop-oldest' } });
    client.send('ab'); // 2
    client.send('维护'); // 6
    client.send('é'); // 2
    expect(client.send('😀😀')).toBe('queued'); // 8 bytes: needs 'ab' and '维护' gone
    expect(drops).toEqual([
      { message: 'ab', reason: 'overflow' },
      { message: '维护', reason: 'overflow' },
    ]);
    expect(client.getSnapshot()).toMatchObject({ queued: 2, queuedBytes: 10 });
    fake.last.open();
    expect(fake.last.sent).toEqual(['é', '😀😀']);
    expect(client.getSnapshot()).toMatchObject({ queued: 0, queuedBytes: 0 });
  });

  it.each(['reject', 'drop-oldest', 'drop-newest'] as const)('%s: a message bigger than maxBytes is rejected and evicts nothing', (overflow) => {
    const { fake, client, drops } = setup({ outbox: { maxBytes: 10, overflow } });
    client.send('abc');
    expect(client.send('维护维护')).toBe('rejected'); // 12 bytes
    expect(drops).toEqual([{ message: '维护维护', reason: 'overflow' }]);
    expect(client.getSnapshot()).toMatchObject({ queued: 1, queuedBytes: 3 });
    fake.last.open();
    expect(fake.last.sent).toEqual(['abc']);
  });
});

describe('time-to-live', () => {
  it('drops messages at the default outbox.ttl deadline, never sending them late', () => {
    const { fake, client, drops } = setup({ outbox: { ttl: 1000 } });
    client.send('old');
    vi.advanceTimersByTime(600);
    client.send('new');
    vi.advanceTimersByTime(399);
    expect(drops).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(drops).toEqual([{ message: 'old', reason: 'expired' }]);
    expect(client.getSnapshot().queued).toBe(1);
    fake.last.open();
    expect(fake.last.sent).toEqual(['new']);
  });

  it('honours a per-message ttl and flushes the unexpired ones in order', () => {
    const { fake, client, drops } = setup();
    client.send('1');
    client.send('2', { ttl: 500 });
    client.send('3');
    client.send('4', { ttl: 2000 });
    client.send('5', { ttl: 100 });
    vi.advanceTimersByTime(100);
    expect(drops).toEqual([{ message: '5', reason: 'expired' }]);
    vi.advanceTimersByTime(400);
    expect(drops).toEqual([
      { message: '5', reason: 'expired' },
      { message: '2', reason: 'expired' },
    ]);
    vi.advanceTimersByTime(1000);
    fake.last.open();
    expect(fake.last.sent).toEqual(['1', '3', '4']);
    expect(drops).toHaveLength(2);
  });

  it('expires messages queued across a reconnect wait', () => {
    const { fake, client, drops } = setup({ outbox: { ttl: 300 } });
    fake.last.open();
    fake.last.drop(); // retry in 500 ms
    client.send('stale');
    vi.advanceTimersByTime(300);
    expect(drops).toEqual([{ message: 'stale', reason: 'expired' }]);
    vi.advanceTimersByTime(200);
    fake.last.open();
    expect(fake.last.sent).toEqual([]);
  });
});

describe('ordering', () => {
  it('keeps order across several reconnects, with no duplicates', () => {
    const { fake, client } = setup();
    for (const m of ['1', '2', '3', '4', '5']) client.send(m);
    fake.last.open();
    expect(client.send('6')).toBe('sent');

    fake.last.drop();
    for (const m of ['7', '8', '9']) expect(client.send(m)).toBe('queued');
    vi.advanceTimersByTime(500);
    expect(fake.sockets).toHaveLength(2);
    fake.last.failHandshake(); // one failed attempt in between
    vi.advanceTimersByTime(1000);
    expect(fake.sockets).toHaveLength(3);
    fake.last.open();
    client.send('10');

    expect(fake.sockets[0]!.sent).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(fake.sockets[1]!.sent).toEqual([]);
    expect(fake.sockets[2]!.sent).toEqual(['7', '8', '9', '10']);
    expect(allSent(fake)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  });

  it('a message sent from an open or status listener goes after the queued ones', () => {
    const { fake, client } = setup();
    client.on('open', () => client.send('from-open'));
    let sentFromStatus = false;
    client.subscribe(() => {
      if (client.getSnapshot().status !== 'open' || sentFromStatus) return;
      sentFromStatus = true;
      client.send('from-status');
    });
    client.send('q1');
    client.send('q2');
    fake.last.open();
    expect(fake.last.sent.slice(0, 2)).toEqual(['q1', 'q2']);
    expect(new Set(fake.last.sent)).toEqual(new Set(['q1', 'q2', 'from-open', 'from-status']));
    expect(fake.last.sent).toHaveLength(4);
  });
});

describe('outbox after a stop, clear and dispose', () => {
  it('keeps queued messages after a fatal close (1008); clearOutbox() returns and reports them', () => {
    const { fake, client, drops } = setup();
    client.send('a');
    client.send('b');
    fake.last.serverClose(1008, 'policy');
    expect(client.getSnapshot()).toMatchObject({ status: 'closed', queued: 2, lastClose: { code: 1008, action: 'stop' } });
    expect(drops).toEqual([]);

    expect(client.clearOutbox()).toEqual(['a', 'b']);
    expect(drops).toEqual([
      { message: 'a', reason: 'cleared' },
      { message: 'b', reason: 'cleared' },
    ]);
    expect(client.getSnapshot()).toMatchObject({ queued: 0, queuedBytes: 0 });
  });

  it('queued messages survive the stop and go out after connect()', () => {
    const { fake, client } = setup();
    client.send('a');
    fake.last.serverClose(1008, 'policy');
    client.connect();
    fake.last.open();
    expect(fake.last.sent).toEqual(['a']);
  });

  it('dispose() reports queued messages as dropped ("disposed"), then goes silent', () => {
    const { fake, client, drops } = setup({ outbox: { ttl: 1000 } });
    client.send('a');
    client.send('b');
    client.dispose();
    expect(drops).toEqual([
      { message: 'a', reason: 'disposed' },
      { message: 'b', reason: 'disposed' },
    ]);
    vi.advanceTimersByTime(10_000);
    expect(drops).toHaveLength(2);
    expect(() => client.send('c')).toThrow(expect.objectContaining({ name: 'DisposedError' }));
    expect(fake.last.closeCalls.length).toBe(1);
  });
});

describe('backpressure', () => {
  it('queues while bufferedAmount is above highWaterMark and drains in order on the next poll', () => {
    const { fake, client } = setup({ outbox: { highWaterMark: 1000 } });
    const ws = fake.last;
    ws.open();
    expect(client.send('1')).toBe('sent');
    ws.bufferedAmount = 5000;
    expect(client.send('2')).toBe('queued');
    expect(client.send('3')).toBe('queued');
    expect(client.getSnapshot()).toMatchObject({ bufferedAmount: 5000, queued: 2 });
    expect(client.bufferedAmount).toBe(5000);

    vi.advanceTimersByTime(100); // still above: nothing moves
    expect(ws.sent).toEqual(['1']);

    ws.bufferedAmount = 0;
    expect(client.send('4')).toBe('queued'); // order: behind the waiting ones
    vi.advanceTimersByTime(25);
    expect(ws.sent).toEqual(['1', '2', '3', '4']);
    expect(client.getSnapshot()).toMatchObject({ bufferedAmount: 0, queued: 0 });
    expect(client.send('5')).toBe('sent');
  });
});
