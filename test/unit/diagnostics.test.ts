/**
 * `client.diagnostics()`: the connection history a user pastes into a support ticket. What it
 * records (and in which order), how it stays bounded (entries, bytes, text lengths, RTT samples
 * and drops merged), what it never holds (tokens, message contents, causes), and that it keeps
 * working on a disposed client, on a lean core without the feature, and under hostile handlers.
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, DEFAULTS, isResilientWsError, utf8Length, type Client, type DiagnosticsEntry, type DiagnosticsReport } from '../../src/index';
import { createCore, diagnostics, heartbeat, lifecycle, outbox } from '../../src/core/index';
import { VERSION } from '../../src/core/report';
import { MAX_ENTRY_BYTES } from '../../src/features/diagnostics';
import { fakeWebSocket } from '../support/fake-socket';
import { signals, strings } from '../support/probes';
import { setup, settle, UNIT_URL } from '../support/unit-client';

const START = Date.UTC(2030, 0, 2, 3, 4, 5);

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

const kinds = (r: DiagnosticsReport) => r.entries.map((e) => e.kind);
const ofKind = <K extends DiagnosticsEntry['kind']>(r: DiagnosticsReport, kind: K) =>
  r.entries.filter((e): e is Extract<DiagnosticsEntry, { kind: K }> => e.kind === kind);

describe('what the report records', () => {
  it('open, server close 1012, retry, open: each entry in order, with its details and times', () => {
    const { fake, client } = setup({ url: `${UNIT_URL}?token=SECRET&v=2`, retry: { restartDelay: 2000 } });
    const closes: unknown[] = [];
    const retries: { attempt: number; delay: number }[] = [];
    client.on('close', (c) => closes.push(c));
    client.on('reconnecting', (r) => retries.push(r));
    vi.advanceTimersByTime(40);
    fake.last.open('chat.v1', 'permessage-deflate');
    vi.advanceTimersByTime(1000);
    fake.last.serverClose(1012, 'deploy');
    vi.advanceTimersByTime(retries[0]!.delay);
    fake.last.open('chat.v1');

    const r = client.diagnostics();
    expect(kinds(r)).toEqual(['connecting', 'open', 'close', 'reconnecting', 'connecting', 'open']);
    const [c1, o1, close, retry, c2, o2] = r.entries as DiagnosticsEntry[];
    expect(c1).toMatchObject({ kind: 'connecting', attempt: 0, url: 'wss://example.test/live?token=***&v=2', t: 0 });
    expect(o1).toMatchObject({ kind: 'open', protocol: 'chat.v1', extensions: 'permessage-deflate', t: 40 });
    // The whole CloseInfo, as the close event carried it (so fields added to it later flow through).
    expect(close).toEqual({ kind: 'close', at: new Date(START + 1040).toISOString(), t: 1040, close: closes[0] });
    expect(close).toMatchObject({ close: { code: 1012, reason: 'deploy', category: 'service-restart', action: 'reconnect', initiatedBy: 'server' } });
    expect(retry).toMatchObject({ kind: 'reconnecting', attempt: 1, delay: retries[0]!.delay, t: 1040 });
    expect(c2).toMatchObject({ kind: 'connecting', attempt: 1, t: 1040 + retries[0]!.delay });
    expect(o2).toMatchObject({ kind: 'open', protocol: 'chat.v1', extensions: '' });
    expect(c1!.at).toBe(new Date(START).toISOString());

    expect(r).toMatchObject({
      format: 'resilient-ws/diagnostics',
      version: VERSION,
      recording: true,
      createdAt: new Date(START).toISOString(),
      reportedAt: new Date(START + 1040 + retries[0]!.delay).toISOString(),
      uptime: 1040 + retries[0]!.delay,
      status: 'open',
      url: 'wss://example.test/live?token=***&v=2',
      attempt: 1,
      online: true,
      limit: DEFAULTS.diagnostics.limit,
      dropped: 0,
      lastError: null,
    });
    expect(r.userAgent).toBe(navigator.userAgent);
    expect(JSON.stringify(r)).not.toContain('SECRET');
  });

  it('a failed handshake: the error (name and message) and the retry', () => {
    const { fake, client } = setup({ url: `${UNIT_URL}?token=SECRET` });
    fake.last.failHandshake();
    const r = client.diagnostics();
    expect(kinds(r)).toEqual(['connecting', 'error', 'close', 'reconnecting']);
    const error = ofKind(r, 'error')[0]!;
    expect(Object.keys(error).sort()).toEqual(['at', 'kind', 'message', 'name', 't']);
    expect(error).toMatchObject({ name: 'ConnectionError', message: expect.stringContaining('wss://example.test/live?token=***') });
    expect(ofKind(r, 'close')[0]!.close).toMatchObject({ code: 1006, category: 'connect-failed', duringConnect: true });
    expect(ofKind(r, 'reconnecting')[0]).toMatchObject({ attempt: 1, delay: 500 });
    expect(r.lastError).toEqual({ name: 'ConnectionError', message: client.getSnapshot().lastError!.message });
    expect(JSON.stringify(r)).not.toContain('SECRET');
  });

  it('browser signals, in order, with `persisted` for page transitions', () => {
    const sig = signals();
    const { fake, client } = setup({ lifecycle: { target: sig.target } });
    fake.last.open();
    sig.offline();
    sig.online();
    sig.hidden();
    sig.visible();
    sig.freeze();
    sig.resume();
    sig.pagehide(true);
    sig.pageshow(true);
    const r = client.diagnostics();
    expect(ofKind(r, 'signal').map(({ name, persisted }) => (persisted === undefined ? name : `${name}(${persisted})`))).toEqual([
      'offline',
      'online',
      'hidden',
      'visible',
      'freeze',
      'resume',
      'pagehide(true)',
      'pageshow(true)',
    ]);
    // The signal comes before what it caused: pagehide, then the close it made.
    const i = kinds(r).lastIndexOf('close');
    expect(r.entries[i - 1]).toMatchObject({ kind: 'signal', name: 'pagehide' });
    expect(r.entries[i]).toMatchObject({ close: { initiatedBy: 'browser', category: 'suspended' } });
  });

  it('heartbeat RTTs: consecutive samples within a minute share one entry (count, min, avg, max)', () => {
    const { fake, client } = setup({ heartbeat: { interval: 10_000, timeout: 5000 } });
    fake.last.open();
    const pong = (ms: number) => {
      vi.advanceTimersByTime(10_000);
      vi.advanceTimersByTime(ms);
      fake.last.receive('pong');
    };
    [100, 40, 70].forEach(pong); // pongs at 10.1 s, 20.14 s, 30.21 s
    expect(ofKind(client.diagnostics(), 'rtt')).toEqual([expect.objectContaining({ samples: 3, min: 40, avg: 70, max: 100, t: 10_100 })]);
    [20, 30, 31, 32].forEach(pong); // pongs at 40.23 s, 50.26 s, 60.291 s, 70.323 s
    const merged = ofKind(client.diagnostics(), 'rtt');
    // 70.323 s is more than a minute after the entry's first sample (10.1 s): a new entry.
    expect(merged.map(({ samples, min, avg, max, t }) => ({ samples, min, avg, max, t }))).toEqual([
      { samples: 6, min: 20, avg: 48.5, max: 100, t: 10_100 },
      { samples: 1, min: 32, avg: 32, max: 32, t: 70_323 },
    ]);
    // Another entry in between starts a new RTT entry.
    fake.last.serverClose(1011, 'oops');
    vi.advanceTimersByTime(500);
    fake.last.open();
    pong(15);
    expect(fake.sockets).toHaveLength(2);
    const r = client.diagnostics();
    expect(kinds(r).slice(-5)).toEqual(['close', 'reconnecting', 'connecting', 'open', 'rtt']);
    expect(r.entries.at(-1)).toMatchObject({ samples: 1, min: 15, max: 15 });
    expect(r.rtt).toBe(15);
  });

  it('a long steady session: one RTT entry per minute, not one per sample', () => {
    const { fake, client } = setup({ heartbeat: { interval: 1000, timeout: 500 } });
    const ws = fake.last;
    ws.open();
    for (let i = 0; i < 3600; i++) {
      vi.advanceTimersByTime(1000);
      vi.advanceTimersByTime(5);
      ws.receive('pong');
    }
    const rtt = ofKind(client.diagnostics(), 'rtt');
    expect(rtt.reduce((n, e) => n + e.samples, 0)).toBe(3600);
    // 3600 samples 1005 ms apart take ~60 minutes: about one entry a minute.
    expect(rtt.length).toBeGreaterThanOrEqual(60);
    expect(rtt.length).toBeLessThanOrEqual(62);
  });

  it('drops: reason and count, merged while consecutive; never the message', () => {
    const { client } = setup({ outbox: false, autoConnect: false });
    for (let i = 0; i < 3; i++) expect(client.send(`SECRET payload ${i}`)).toBe('rejected');
    const r = client.diagnostics();
    expect(r.entries).toEqual([expect.objectContaining({ kind: 'drop', reason: 'disabled', count: 3 })]);
    expect(JSON.stringify(r)).not.toContain('SECRET');
  });

  it('drops of another reason, or after another entry, get an entry of their own', () => {
    const { fake, client } = setup({ outbox: { maxMessages: 1 } });
    client.send('a'); // queued
    client.send('b'); // rejected: overflow
    client.send('c'); // overflow
    expect(client.clearOutbox()).toEqual(['a']);
    fake.last.open();
    client.dispose();
    expect(kinds(client.diagnostics())).toEqual(['connecting', 'drop', 'drop', 'open', 'dispose']);
    expect(ofKind(client.diagnostics(), 'drop').map((d) => [d.reason, d.count])).toEqual([
      ['overflow', 2],
      ['cleared', 1],
    ]);
  });

  it('received messages and sent ones are not recorded', () => {
    const { fake, client } = setup();
    client.on('message', () => undefined);
    fake.last.open();
    client.send('SECRET out');
    fake.last.receive('SECRET in');
    const r = client.diagnostics();
    expect(kinds(r)).toEqual(['connecting', 'open']);
    expect(JSON.stringify(r)).not.toContain('SECRET');
  });
});

describe('what the report never holds', () => {
  it('a token in the URL query, in a close reason or in an error: masked everywhere', async () => {
    const { fake, client } = setup({ url: () => `${UNIT_URL}?token=SECRET`, codec: 'json' });
    await settle();
    const ws = fake.last;
    ws.open();
    ws.receive('{"not json SECRET');
    ws.serverClose(4000, 'moved to wss://other.example/live?token=SECRET');
    const r = client.diagnostics();
    expect(strings(r).filter((s) => s.includes('SECRET'))).toEqual([]);
    expect(JSON.stringify(r)).not.toContain('SECRET');
    expect(ofKind(r, 'error').map((e) => e.name)).toEqual(['DecodeError', 'FatalCloseError']);
    expect(ofKind(r, 'close')[0]!.close.reason).toBe('moved to wss://other.example/live?token=***');
  });

  it('a URL provider whose error names the URL: the cause stays out', async () => {
    const { client } = setup({
      url: () => {
        throw new Error(`cannot reach ${UNIT_URL}?token=SECRET`);
      },
    });
    await settle();
    const r = client.diagnostics();
    expect(ofKind(r, 'error')[0]).toMatchObject({ name: 'UrlProviderError' });
    expect(JSON.stringify(r)).not.toContain('SECRET');
    expect(JSON.stringify(r)).not.toContain('cannot reach');
  });

  it('every text is capped at 200 characters (no split surrogate pair)', () => {
    const { fake, client } = setup();
    fake.last.open();
    fake.last.serverClose(1011, `${'x'.repeat(198)}😀${'y'.repeat(5000)}`);
    const reason = ofKind(client.diagnostics(), 'close')[0]!.close.reason;
    expect(reason).toHaveLength(199);
    expect(reason).toBe(`${'x'.repeat(198)}…`);
    vi.runOnlyPendingTimers();
    fake.last.open();
    fake.last.serverClose(1011, '中'.repeat(500));
    expect(ofKind(client.diagnostics(), 'close')[1]!.close.reason).toBe(`${'中'.repeat(199)}…`);
  });
});

describe('bounds', () => {
  /** One open + server close + retry cycle (4 entries). */
  const cycle = (fake: ReturnType<typeof fakeWebSocket>, reason = 'bye') => {
    fake.last.open();
    vi.advanceTimersByTime(10);
    fake.last.serverClose(1011, reason);
    vi.runOnlyPendingTimers();
  };

  it('a ring of `limit` entries: the oldest go, counted in `dropped`', () => {
    const { fake, client } = setup({ diagnostics: { limit: 10 }, retry: { minUptime: 0 } });
    for (let i = 0; i < 5; i++) cycle(fake, `bye ${i}`);
    const r = client.diagnostics();
    // 1 connecting, then 5 × (open, close, reconnecting, connecting) = 21 entries.
    expect(r.entries).toHaveLength(10);
    expect(r.dropped).toBe(11);
    expect(r.limit).toBe(10);
    expect(kinds(r)).toEqual(['reconnecting', 'connecting', 'open', 'close', 'reconnecting', 'connecting', 'open', 'close', 'reconnecting', 'connecting']);
    expect(ofKind(r, 'close').map((e) => e.close.reason)).toEqual(['bye 3', 'bye 4']);
    const ts = r.entries.map((e) => e.t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
  });

  it(`at most ${MAX_ENTRY_BYTES} bytes of entries however many are allowed: the JSON stays well under 64 kB`, () => {
    const { fake, client } = setup({ diagnostics: { limit: 1000 }, retry: { minUptime: 0 } });
    for (let i = 0; i < 300; i++) cycle(fake, `${i} ${'原因'.repeat(60)}`);
    const r = client.diagnostics();
    expect(r.dropped).toBeGreaterThan(0);
    expect(r.entries.length).toBeLessThan(1000);
    expect(utf8Length(JSON.stringify(r.entries))).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    expect(utf8Length(JSON.stringify(r))).toBeLessThan(MAX_ENTRY_BYTES + 2000);
    expect(utf8Length(JSON.stringify(r, null, 2))).toBeLessThan(48_000);
    // The newest are kept.
    expect(ofKind(r, 'close').at(-1)!.close.reason.startsWith('299 ')).toBe(true);
    expect(r.entries.length + r.dropped).toBe(1 + 300 * 4);
  });

  it('many small entries (browser signals) up to the byte bound: pretty-printed, still well under 64 kB', () => {
    const sig = signals();
    const { client } = setup({ diagnostics: { limit: 1000 }, lifecycle: { target: sig.target } });
    for (let i = 0; i < 2000; i++) sig.visible();
    const r = client.diagnostics();
    expect(r.dropped).toBeGreaterThan(0);
    expect(utf8Length(JSON.stringify(r.entries))).toBeLessThanOrEqual(MAX_ENTRY_BYTES);
    const sizes = { compact: utf8Length(JSON.stringify(r)), pretty: utf8Length(JSON.stringify(r, null, 2)) };
    expect(sizes.pretty).toBeLessThan(56_000);
    expect(r.entries.length + r.dropped).toBe(1 + 2000);
  });

  it('limit must be an integer from 1 to 1000', () => {
    for (const limit of [0, -1, 1.5, 1001, Infinity, NaN, '10']) {
      let thrown: unknown;
      try {
        createClient({ url: UNIT_URL, autoConnect: false, diagnostics: { limit: limit as number } });
      } catch (e) {
        thrown = e;
      }
      expect(isResilientWsError(thrown, 'InvalidOptionError'), String(limit)).toBe(true);
      expect((thrown as Error).message).toContain('diagnostics.limit');
    }
    expect(() => diagnostics(7 as never)).toThrow(/diagnostics must be an object/);
    expect(createClient({ url: UNIT_URL, autoConnect: false, diagnostics: { limit: 1000 } }).diagnostics().limit).toBe(1000);
  });
});

describe('the report as JSON', () => {
  it('round-trips through JSON unchanged, and is a new object each call', () => {
    const { fake, client } = setup({ heartbeat: {} });
    fake.last.open();
    vi.advanceTimersByTime(20_030);
    fake.last.receive('pong');
    fake.last.serverClose(1013, '{"retryAfter":2,"message":"busy"}');
    const r = client.diagnostics();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(kinds(r)).toEqual(['connecting', 'open', 'rtt', 'close', 'reconnecting']);
    (r.entries as DiagnosticsEntry[]).length = 0;
    expect(client.diagnostics().entries).toHaveLength(5);
    expect(client.diagnostics()).not.toBe(client.diagnostics());
    expect(ofKind(r, 'close')).toEqual([]); // the copy was emptied, not the ring
  });
});

describe('clients without it, disposed clients, hostile handlers', () => {
  it('after dispose(): still answers, with the history and a dispose entry before the outbox drops', () => {
    const { fake, client } = setup();
    fake.last.open();
    fake.last.serverClose(1011, 'x');
    client.send('queued 1');
    client.send('queued 2');
    client.dispose();
    const r = client.diagnostics();
    expect(kinds(r)).toEqual(['connecting', 'open', 'close', 'reconnecting', 'dispose', 'drop']);
    expect(r.entries.at(-1)).toMatchObject({ reason: 'disposed', count: 2 });
    expect(r.status).toBe('closed');
    expect(client.diagnostics()).toEqual(r);
  });

  it('a lean core without the feature: a report that says recording is off (no throw)', () => {
    const fake = fakeWebSocket();
    const client = createCore({ url: `${UNIT_URL}?token=SECRET`, WebSocket: fake.WebSocket, features: [heartbeat(), outbox(), lifecycle()] });
    fake.last.open();
    const r = client.diagnostics();
    expect(r).toMatchObject({ recording: false, createdAt: null, uptime: null, entries: [], limit: 0, dropped: 0, status: 'open' });
    expect(r.url).toBe('wss://example.test/live?token=***');
    expect(JSON.stringify(r)).not.toContain('SECRET');
    client.dispose();
    expect(client.diagnostics()).toMatchObject({ recording: false, status: 'closed' });
  });

  it('createClient with diagnostics: false records nothing', () => {
    const { fake, client } = setup({ diagnostics: false });
    fake.last.open();
    expect(client.diagnostics()).toMatchObject({ recording: false, entries: [] });
  });

  it('a lean core with diagnostics() records', () => {
    const fake = fakeWebSocket();
    const client: Client = createCore({ url: UNIT_URL, WebSocket: fake.WebSocket, features: [diagnostics({ limit: 3 })] });
    fake.last.open();
    fake.last.serverClose(1001);
    const r = client.diagnostics();
    expect(r).toMatchObject({ recording: true, limit: 3, dropped: 1 });
    expect(kinds(r)).toEqual(['open', 'close', 'reconnecting']);
    client.dispose();
  });

  it('handlers that throw or call back into the client do not break the recording', () => {
    const { fake, client } = setup();
    const seen: string[][] = [];
    client.on('close', () => {
      throw new Error('handler bug');
    });
    client.on('close', () => {
      seen.push(kinds(client.diagnostics()));
      client.reconnect();
    });
    client.on('reconnecting', () => {
      throw new Error('another');
    });
    client.on('open', () => seen.push(kinds(client.diagnostics())));
    const reportError = vi.fn();
    vi.stubGlobal('reportError', reportError);
    fake.last.open();
    fake.last.serverClose(1011, 'x');
    // The close handler saw the close already recorded; its reconnect() ran after the step.
    expect(seen[1]).toEqual(['connecting', 'open', 'close']);
    fake.last.open();
    expect(kinds(client.diagnostics())).toEqual(['connecting', 'open', 'close', 'reconnecting', 'connecting', 'open']);
    expect(seen).toHaveLength(3);
    expect(reportError).toHaveBeenCalledTimes(2);
  });

  it('a recorder handed a hostile payload keeps the engine running', () => {
    const fake = fakeWebSocket();
    const hostile = {
      get reason(): string {
        throw new Error('getter');
      },
    };
    // A drop whose reason cannot be read (only a third-party feature could emit one): the entry is lost, nothing else.
    const core = createCore({
      url: UNIT_URL,
      WebSocket: fake.WebSocket,
      features: [diagnostics(), { name: 'hostile', attach: (ctx) => (ctx.emit('drop', hostile), {}) }],
    });
    fake.last.open();
    expect(core.getSnapshot().status).toBe('open');
    expect(kinds(core.diagnostics())).toEqual(['connecting', 'open']);
    core.dispose();
  });

  it("the engine's observe hook: every event but message and status, and the browser signals, before the handlers", () => {
    const fake = fakeWebSocket();
    const sig = signals();
    const seen: string[] = [];
    const client = createCore({
      url: UNIT_URL,
      WebSocket: fake.WebSocket,
      features: [lifecycle({ target: sig.target }), { name: 'spy', attach: () => ({ observe: (name) => void seen.push(name) }) }],
    });
    for (const type of ['status', 'open', 'message', 'close', 'reconnecting', 'error', 'drop'] as const) client.on(type, () => seen.push(`handler:${type}`));
    fake.last.open();
    fake.last.receive('hello');
    sig.offline();
    fake.last.failHandshake();
    client.send('x');
    client.dispose();
    expect(seen).toEqual([
      'open',
      'handler:open',
      'handler:status',
      'handler:message',
      'signal',
      'close',
      'handler:close',
      'handler:status',
      'drop',
      'handler:drop',
    ]);
  });

  it('VERSION is the package version', () => {
    expect(VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
