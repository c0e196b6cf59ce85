/**
 * Every app-provided callback is hostile (issue 13, defects 6, 7 and part of 10): loggers,
 * message functions, refresh hooks, close policies and codecs may throw or never settle; the
 * client keeps its promises anyway.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, isResilientWsError, type ClientOptions, type Logger } from '../../src/index';
import { createCore, diagnostics, type Feature } from '../../src/core/index';
import { fakeWebSocket } from '../support/fake-socket';
import { liveSockets } from '../support/probes';
import { settle, setup, UNIT_URL } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('a throwing logger', () => {
  it('logger.warn that throws once: the client still makes progress after a failed handshake', () => {
    let thrown = false;
    const logger: Logger = {
      warn() {
        if (thrown) return;
        thrown = true;
        throw new Error('logger broke');
      },
    };
    const { fake, client } = setup({ logger });
    expect(() => fake.last.failHandshake(), 'the logger exception escaped the socket listener').not.toThrow();
    expect(thrown).toBe(true);
    const s = client.getSnapshot().status;
    expect(s === 'connecting' && vi.getTimerCount() === 0, 'stuck in connecting with no timer').toBe(false);
    vi.advanceTimersByTime(20_000);
    expect(fake.sockets.length, `status ${client.getSnapshot().status}`).toBeGreaterThanOrEqual(2);
    fake.last.open();
    expect(client.getSnapshot().status).toBe('open');
  });

  it('logger.debug that throws: createClient() does not throw and its socket is the one the client uses', () => {
    const fake = fakeWebSocket();
    const logger: Logger = {
      debug() {
        throw new Error('debug broke');
      },
    };
    let client!: ReturnType<typeof createClient>;
    expect(() => {
      client = createClient({ url: UNIT_URL, WebSocket: fake.WebSocket, heartbeat: false, lifecycle: false, logger });
    }).not.toThrow();
    try {
      expect(fake.sockets).toHaveLength(1);
      fake.last.open();
      expect(client.getSnapshot().status).toBe('open');
      expect(liveSockets(fake.sockets)).toHaveLength(1);
    } finally {
      client?.dispose();
    }
  });

  it('logger.debug that throws: connect() does not throw and wastes no socket', () => {
    const logger: Logger = {
      debug() {
        throw new Error('debug broke');
      },
    };
    const { fake, client } = setup({ logger, autoConnect: false });
    expect(() => client.connect()).not.toThrow();
    expect(fake.sockets).toHaveLength(1);
    fake.last.open();
    expect(client.getSnapshot().status).toBe('open');
  });
});

describe('a throwing message function', () => {
  it('messages.network that throws: the close is still handled (reconnecting, retry scheduled, no socket left)', () => {
    const { fake, client } = setup({
      messages: {
        network: () => {
          throw new Error('catalogue broke');
        },
      },
    });
    const first = fake.last;
    first.open();
    expect(() => first.drop(), 'the exception escaped the socket listener').not.toThrow();
    expect(client.getSnapshot().status).toBe('reconnecting');
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    expect(liveSockets(fake.sockets)).toEqual([]);
    vi.advanceTimersByTime(1000);
    expect(fake.sockets).toHaveLength(2);
  });
});

describe('heartbeat matchers must be functions', () => {
  it.each(['isPong', 'isPing'] as const)('heartbeat.%s given a string: InvalidOptionError from createClient, naming it', (key) => {
    const fake = fakeWebSocket();
    let thrown: unknown;
    try {
      createClient({ url: UNIT_URL, WebSocket: fake.WebSocket, autoConnect: false, heartbeat: { [key]: 'pong' } as never });
    } catch (e) {
      thrown = e;
    }
    expect(isResilientWsError(thrown, 'InvalidOptionError'), `got ${String(thrown)}`).toBe(true);
    expect((thrown as Error).message).toContain(key);
  });

  it('heartbeat.message given data (not a function) is accepted and sent', () => {
    const { fake } = setup<unknown, unknown>({ codec: 'json', heartbeat: { message: { type: 'ping' }, interval: 1000 } });
    fake.last.open();
    vi.advanceTimersByTime(1000);
    expect(fake.last.sent).toEqual(['{"type":"ping"}']);
  });
});

describe('a refresh that never settles (defect 6)', () => {
  it('is abandoned after connectTimeout: RefreshError reported, stopped with refresh-failed, no socket leaked', async () => {
    const { fake, client, errors } = setup({ refresh: () => new Promise<void>(() => {}), connectTimeout: 10_000 });
    fake.last.open();
    fake.last.serverClose(3000, 'token expired');
    await settle();
    expect(client.getSnapshot().status).toBe('reconnecting');
    vi.advanceTimersByTime(10_000);
    await settle();
    const snap = client.getSnapshot();
    expect(snap.status, 'still waiting for refresh()').toBe('closed');
    expect(isResilientWsError(snap.lastError, 'RefreshError'), `lastError ${String(snap.lastError)}`).toBe(true);
    expect(errors.some((e) => isResilientWsError(e, 'RefreshError'))).toBe(true);
    expect(snap.lastClose).toMatchObject({ action: 'stop', messageKey: 'refresh-failed' });
    expect(fake.sockets).toHaveLength(1);
    expect(liveSockets(fake.sockets)).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('closePolicy returning nonsense', () => {
  it.each([
    [1008, 'stop'],
    [1006, 'reconnect'],
  ] as const)("a closePolicy function returning 'banana' after %i: built-in decision (%s) and an InvalidOptionError", (code, action) => {
    const { fake, client, errors } = setup({ closePolicy: (() => 'banana') as unknown as ClientOptions['closePolicy'] });
    fake.last.open();
    if (code === 1006) fake.last.drop();
    else fake.last.serverClose(code);
    expect(client.getSnapshot().lastClose?.action).toBe(action);
    expect(errors.some((e) => isResilientWsError(e, 'InvalidOptionError')), `errors: ${errors.map(String).join('; ')}`).toBe(true);
  });
});

describe('a custom codec whose encode throws', () => {
  it('send() throws EncodeError with the codec error as cause', () => {
    const boom = new Error('cannot encode');
    const { fake, client } = setup<unknown, unknown>({
      codec: {
        encode: () => {
          throw boom;
        },
        decode: (d) => d,
      },
    });
    fake.last.open();
    let thrown: unknown;
    try {
      client.send({ x: 1 });
    } catch (e) {
      thrown = e;
    }
    expect(isResilientWsError(thrown, 'EncodeError'), `got ${String(thrown)}`).toBe(true);
    expect((thrown as Error).cause).toBe(boom);
    expect(fake.last.sent).toEqual([]);
  });
});

describe('a heartbeat message the codec cannot encode', () => {
  it('is reported as an EncodeError (not thrown from the timer) and the connection stays', () => {
    // The text codec sends strings and binary only: an object ping cannot be encoded.
    const { fake, client, errors } = setup({ heartbeat: { interval: 1000, timeout: 500, message: { type: 'ping' } } });
    fake.last.open();
    expect(() => vi.advanceTimersByTime(1000)).not.toThrow();
    expect(errors.filter((e) => isResilientWsError(e, 'EncodeError'))).toHaveLength(1);
    expect(fake.last.sent).toEqual([]);
    expect(client.getSnapshot().status).toBe('open');
  });
});

describe("a feature whose observe hook throws", () => {
  it('is reported once as an error event, left out from then on, and the connection goes on', () => {
    const fake = fakeWebSocket();
    let calls = 0;
    const broken: Feature = {
      name: 'broken',
      attach: () => ({
        observe() {
          calls++;
          throw new Error('observer broke');
        },
      }),
    };
    const errors: string[] = [];
    const client = createCore({ url: UNIT_URL, WebSocket: fake.WebSocket, features: [broken, diagnostics()] });
    client.on('error', (e) => errors.push(e.message));
    try {
      expect(() => fake.last.open()).not.toThrow();
      expect(client.getSnapshot().status).toBe('open');
      expect(errors).toEqual(["The broken feature's observe hook threw."]);
      expect(calls).toBe(1);
      fake.last.serverClose(1012, 'restart');
      expect(client.getSnapshot().status).toBe('reconnecting');
      expect(calls, 'a hook that threw is not called again').toBe(1);
      // The feature after it still sees everything.
      const kinds = client.diagnostics().entries.map((e) => e.kind);
      expect(kinds).toEqual(expect.arrayContaining(['connecting', 'open', 'error', 'close', 'reconnecting']));
    } finally {
      client.dispose();
    }
    expect(liveSockets(fake.sockets)).toHaveLength(0);
  });
});
