import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { capReason, createClient, isResilientWsError, parseCloseNotice, rebuildReason, type CloseInfo, type RawMessage } from '../../src/index';
import { closeNotice, createCore } from '../../src/core/index';
import { fakeWebSocket } from '../support/fake-socket';
import { setup as setupClient, UNIT_URL } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const notice = (code: number, reason: string, retryAfter?: number) => JSON.stringify({ type: 'close', code, reason, retryAfter });
const ZH = '连接超时,请重新登录';

function setup(opts: Parameters<typeof setupClient>[0] = {}) {
  const s = setupClient(opts);
  const messages: RawMessage[] = [];
  s.client.on('message', (m) => messages.push(m as RawMessage));
  const closes: CloseInfo[] = [];
  s.client.on('close', (c) => closes.push(c));
  const delays: number[] = [];
  s.client.on('reconnecting', (r) => delays.push(r.delay));
  s.fake.last.open();
  return { ...s, messages, closes, delays, snap: () => s.client.getSnapshot() };
}

describe('the close notice recogniser', () => {
  it('reads the documented frame exactly', () => {
    expect(parseCloseNotice('{"type":"close","code":4001,"reason":"token expired","retryAfter":30}')).toEqual({
      type: 'close',
      code: 4001,
      reason: 'token expired',
      retryAfter: 30,
    });
  });

  it.each([
    ['not JSON', '{"type":"close",'],
    ['another type', '{"type":"chat","text":"close"}'],
    ['an array', '["close"]'],
    ['plain text', 'close'],
    ['a frame over 1024 characters', `{"type":"close","code":4001,"reason":"${'x'.repeat(1100)}"}`],
  ])('ignores %s', (_name, frame) => {
    expect(parseCloseNotice(frame)).toBeNull();
  });

  it('ignores binary frames', () => {
    expect(parseCloseNotice(new TextEncoder().encode(notice(4001, 'x')).buffer)).toBeNull();
  });
});

describe('reason-only close frames', () => {
  it('rebuilds the text whose first two bytes the browser read as the code', () => {
    // "idle too long": 'i' 'd' = 0x69 0x64 = 26980, and the browser's reason is the rest.
    expect(rebuildReason(26980, 'le too long')).toBe('idle too long');
    expect(rebuildReason(0x6964, '连接')).toBe('id连接');
  });

  it('leaves real codes alone and refuses bytes that are not UTF-8', () => {
    expect(rebuildReason(1000, 'bye')).toBeNull();
    expect(rebuildReason(4999, '')).toBeNull();
    expect(rebuildReason(5000, '')).toBeNull(); // 0x13 0x88: a lone continuation byte
    expect(rebuildReason(70000, '')).toBeNull();
  });

  it('caps reasons at 123 UTF-8 bytes on a character boundary', () => {
    expect(capReason('a'.repeat(123))).toBe('a'.repeat(123));
    expect(capReason('a'.repeat(124))).toBe('a'.repeat(123));
    expect(capReason('连'.repeat(42))).toBe('连'.repeat(41)); // 126 bytes → 123
    const emoji = 'a' + '😀'.repeat(31); // 1 + 124 bytes
    expect(capReason(emoji)).toBe('a' + '😀'.repeat(30));
  });
});

describe('a close announced in band', () => {
  it('decides and reports from the notice when the close that follows is lost (TCP close)', () => {
    const { fake, messages, closes, snap } = setup();
    fake.last.receive('hello');
    fake.last.receive(notice(4001, 'token expired'));
    fake.last.drop();
    expect(messages).toEqual(['hello']);
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({
      code: 4001,
      reason: 'token expired',
      wasClean: false,
      initiatedBy: 'server',
      category: 'private',
      action: 'stop',
      via: 'notice',
      reported: { code: 1006, reason: '', wasClean: false },
    });
    expect(snap().status).toBe('closed');
  });

  it('records the notice, and the close it explains, in the diagnostics report', () => {
    const { fake, client } = setup();
    fake.last.receive(notice(1013, 'overloaded', 2));
    fake.last.drop();
    const kinds = client.diagnostics().entries.map((e) => e.kind);
    expect(kinds.slice(kinds.indexOf('notice'))).toEqual(['notice', 'close', 'reconnecting']);
    const entries = client.diagnostics().entries;
    expect(entries.find((e) => e.kind === 'notice')).toMatchObject({ code: 1013, reason: 'overloaded', retryAfter: 2 });
    expect(entries.find((e) => e.kind === 'close')).toMatchObject({ close: { code: 1013, via: 'notice', reported: { code: 1006 } } });
  });

  it('keeps the try-again-later wait when WebKit turns 1013 into error + 1006', () => {
    const { fake, closes, delays, snap } = setup();
    fake.last.receive(notice(1013, 'overloaded'));
    fake.last.onerror?.(new Event('error'));
    fake.last.serverClose(1006, '', false);
    expect(closes[0]).toMatchObject({ code: 1013, category: 'try-again-later', action: 'reconnect', via: 'notice' });
    // tryAgainLaterDelay 10 000 + the first backoff window's half (random 0.5).
    expect(delays).toEqual([10_500]);
    expect(snap().retryDelay).toBe(10_500);
  });

  it('uses the notice when the socket errors and never reports a close', () => {
    const { fake, closes } = setup();
    fake.last.receive(notice(1012, 'restart'));
    fake.last.onerror?.(new Event('error'));
    vi.advanceTimersByTime(5000);
    expect(closes[0]).toMatchObject({ code: 1012, category: 'service-restart', via: 'notice', initiatedBy: 'server' });
  });

  it("waits as long as the notice's retryAfter says (plus jitter)", () => {
    const { fake, closes, delays } = setup();
    fake.last.receive(notice(1012, 'deploy', 30));
    fake.last.drop();
    expect(closes[0]).toMatchObject({ code: 1012, retryAfter: 30_000 });
    expect(delays).toEqual([30_000 + 0.5 * 6000]);
  });

  it('rebuilds a reason-only frame after a notice from the notice, not the mangled bytes', () => {
    const { fake, closes } = setup();
    fake.last.receive(notice(4401, ZH));
    fake.last.serverClose(26980, 'le too long', true);
    expect(closes[0]).toMatchObject({ code: 4401, reason: ZH, via: 'notice', reported: { code: 26980, reason: 'le too long', wasClean: true } });
  });

  it('lets a proper close frame win over the notice, taking only its retryAfter for the same code', () => {
    const a = setup();
    a.fake.last.receive(notice(4001, 'token expired'));
    a.fake.last.serverClose(1012, 'restart');
    expect(a.closes[0]).toMatchObject({ code: 1012, reason: 'restart', category: 'service-restart' });
    expect(a.closes[0]!.via).toBeUndefined();

    const b = setup();
    b.fake.last.receive(notice(1012, 'restart', 2));
    b.fake.last.serverClose(1012, 'restart');
    expect(b.closes[0]).toMatchObject({ code: 1012, retryAfter: 2000 });
    expect(b.delays).toEqual([2000 + 500]);
  });

  it('a proper close frame with the same code and its own hint keeps its hint over the notice’s retryAfter', () => {
    const { fake, closes, delays } = setup();
    fake.last.receive(notice(1012, 'restart', 30));
    fake.last.serverClose(1012, 'restart, retry-after=5');
    expect(closes[0]).toMatchObject({ code: 1012, retryAfter: 5000 });
    expect(closes[0]!.via).toBeUndefined();
    expect(delays).toEqual([5000 + 0.5 * 1000]);
  });

  it('a notice’s own retryAfter beats a hint in its reason text when the close is lost', () => {
    const { fake, closes } = setup();
    fake.last.receive(notice(1012, 'retry-after=5', 30));
    fake.last.drop();
    expect(closes[0]).toMatchObject({ code: 1012, via: 'notice', retryAfter: 30_000 });
  });

  it('forgets a notice the close did not follow within the window', () => {
    const { fake, closes } = setup({ closeNotice: { window: 1000 } });
    fake.last.receive(notice(4001, 'token expired'));
    vi.advanceTimersByTime(1001);
    fake.last.drop();
    expect(closes[0]).toMatchObject({ code: 1006, category: 'network', action: 'reconnect' });
    expect(closes[0]!.via).toBeUndefined();
  });

  it("never applies one socket's notice to the next socket's close", () => {
    const { fake, closes } = setup();
    fake.last.receive(notice(4001, 'token expired'));
    fake.last.serverClose(1012, 'restart');
    vi.advanceTimersByTime(10_000);
    fake.last.open();
    fake.last.drop();
    expect(closes.map((c) => [c.code, c.via])).toEqual([
      [1012, undefined],
      [1006, undefined],
    ]);
  });

  it('lets our own close win over a notice', () => {
    const { fake, client, closes } = setup();
    fake.last.receive(notice(4001, 'token expired'));
    client.close(1000, 'bye');
    fake.last.echoClose();
    expect(closes[0]).toMatchObject({ code: 1000, initiatedBy: 'client', action: 'stop' });
  });

  it('delivers frames that are not valid notices as messages', () => {
    const { fake, messages, closes } = setup();
    const frames = [notice(1006, 'x'), notice(1015, 'x'), notice(5000, 'x'), '{"type":"close","code":"4001"}', '{"type":"close"}'];
    for (const f of frames) fake.last.receive(f);
    expect(messages).toEqual(frames);
    fake.last.drop();
    expect(closes[0]).toMatchObject({ code: 1006, category: 'network' });
  });

  it('validates the notice like a close: the reason capped, a bad retryAfter ignored', () => {
    const { fake, closes, delays } = setup();
    fake.last.receive(JSON.stringify({ type: 'close', code: 1012, reason: '连'.repeat(60), retryAfter: -5 }));
    fake.last.drop();
    expect(closes[0]!.reason).toBe('连'.repeat(41));
    expect(closes[0]!.retryAfter).toBeUndefined();
    expect(delays).toEqual([2500]); // the 1012 spread (restartDelay 5000 × 0.5), no hint
  });

  it('with closeNotice: false, delivers the notice as a message and ignores it', () => {
    const { fake, messages, closes } = setup({ closeNotice: false });
    fake.last.receive(notice(4001, 'token expired'));
    fake.last.drop();
    expect(messages).toEqual([notice(4001, 'token expired')]);
    expect(closes[0]).toMatchObject({ code: 1006, category: 'network' });
  });

  it('takes a custom recogniser, and a recogniser that throws only costs an error event', () => {
    const parse = vi.fn((data: RawMessage) => (typeof data === 'string' && data.startsWith('BYE ') ? { code: Number(data.slice(4)), reason: 'custom' } : null));
    const a = setup({ closeNotice: { parse } });
    a.fake.last.receive('BYE 4003');
    a.fake.last.drop();
    expect(a.messages).toEqual([]);
    expect(a.closes[0]).toMatchObject({ code: 4003, reason: 'custom', via: 'notice' });

    const b = setup({
      closeNotice: {
        parse: () => {
          throw new Error('boom');
        },
      },
    });
    b.fake.last.receive('hello');
    expect(b.messages).toEqual(['hello']);
    expect(b.errors).toHaveLength(1);
    expect(b.snap().status).toBe('open');
  });

  it('rejects bad options at the call site', () => {
    const { WebSocket } = fakeWebSocket();
    for (const closeNotice of [{ window: -1 }, { window: Number.NaN }, { parse: 'x' }, 'yes']) {
      let error: unknown;
      try {
        createClient({ url: UNIT_URL, WebSocket, closeNotice: closeNotice as never, autoConnect: false });
      } catch (e) {
        error = e;
      }
      expect(isResilientWsError(error, 'InvalidOptionError'), JSON.stringify(closeNotice)).toBe(true);
    }
  });

  it('is a separate feature of the lean core', () => {
    const run = (features: ReturnType<typeof closeNotice>[]) => {
      const fake = fakeWebSocket();
      const client = createCore({ url: UNIT_URL, WebSocket: fake.WebSocket, random: () => 0.5, features });
      const messages: RawMessage[] = [];
      client.on('message', (m) => messages.push(m as RawMessage));
      fake.last.open();
      fake.last.receive(notice(4001, 'token expired'));
      fake.last.drop();
      const out = { messages, close: client.getSnapshot().lastClose };
      client.dispose();
      return out;
    };
    expect(run([closeNotice()])).toMatchObject({ messages: [], close: { code: 4001, via: 'notice' } });
    expect(run([])).toMatchObject({ messages: [notice(4001, 'token expired')], close: { code: 1006 } });
  });
});

describe('a reason-only close frame (libhv)', () => {
  it('is reported as a malformed close with the rebuilt text, never the bogus code', () => {
    const { fake, closes, delays } = setup();
    fake.last.serverClose(26980, 'le too long', true);
    expect(closes[0]).toMatchObject({
      code: 1005,
      reason: 'idle too long',
      category: 'malformed-close',
      action: 'reconnect',
      initiatedBy: 'server',
      via: 'rebuilt',
      reported: { code: 26980, reason: 'le too long', wasClean: true },
    });
    expect(closes[0]!.message).not.toMatch(/26980/);
    expect(closes[0]!.message).toBe('The server closed the connection. Reconnecting…');
    expect(delays).toEqual([500]);
  });

  it('keeps the reported text when the bytes are not UTF-8', () => {
    const { fake, closes } = setup();
    fake.last.serverClose(5000, 'x', false);
    expect(closes[0]).toMatchObject({ code: 1005, reason: 'x', category: 'malformed-close', via: 'rebuilt' });
  });

  it("stops on closePolicy { 'malformed-close': 'stop' }: the rebuilt text, a stop message, a FatalCloseError", () => {
    const { fake, closes, snap, errors } = setup({ closePolicy: { 'malformed-close': 'stop' } });
    fake.last.serverClose(26980, 'le too long', true);
    expect(closes).toHaveLength(1);
    expect(closes[0]).toMatchObject({ code: 1005, reason: 'idle too long', category: 'malformed-close', action: 'stop', initiatedBy: 'server', via: 'rebuilt' });
    expect(closes[0]!.message).toBe('The server closed the connection.');
    expect(snap()).toMatchObject({ status: 'closed', lastClose: closes[0] });
    expect(errors.map((e) => (e as Error).name)).toEqual(['FatalCloseError']);
    vi.advanceTimersByTime(60_000);
    expect(fake.sockets).toHaveLength(1);
  });

  it('in a closePolicy table, a key for code 1005 beats the "malformed-close" key (a rebuilt close is code 1005)', () => {
    const { fake, closes, delays } = setup({ closePolicy: { 1005: 'reconnect', 'malformed-close': 'stop' } });
    fake.last.serverClose(26980, 'le too long', true);
    expect(closes[0]).toMatchObject({ code: 1005, category: 'malformed-close', action: 'reconnect' });
    expect(delays).toEqual([500]);
  });

  it('can be matched by closePolicy through its category', () => {
    const { fake, closes, snap } = setup({ closePolicy: (c) => (c.category === 'malformed-close' ? 'stop' : undefined) });
    fake.last.serverClose(26980, 'le too long', true);
    expect(closes[0]).toMatchObject({ category: 'malformed-close', action: 'stop' });
    expect(snap().status).toBe('closed');
  });
});
