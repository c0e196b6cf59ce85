/**
 * Tokens never leak (issue 13, defect 12): not in errors (message or cause chain), not in the
 * logger, not in the `error` event, not in `snapshot.url`. The host and path stay readable.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient, isResilientWsError, maskUrl, type Logger } from '../../src/index';
import { fakeWebSocket } from '../support/fake-socket';
import { strings } from '../support/probes';
import { settle, setup } from '../support/unit-client';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const SECRET = 'SECRET';
const leaks = (value: unknown) => strings(value).filter((s) => s.includes(SECRET));

function recordingLogger() {
  const calls: unknown[] = [];
  const rec = (level: string) => (message: string, data?: unknown) => void calls.push({ level, message, data });
  const logger: Logger = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
  return { logger, calls };
}

/** What createClient throws for `url`. */
function creationError(url: string): unknown {
  try {
    createClient({ url, WebSocket: fakeWebSocket().WebSocket, autoConnect: false });
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('a fragment token (OAuth implicit flow)', () => {
  const URL_ = 'wss://h.example/x#access_token=SECRET';

  it('is not echoed by InvalidUrlError', () => {
    const thrown = creationError(URL_);
    expect(isResilientWsError(thrown, 'InvalidUrlError')).toBe(true);
    expect(leaks(thrown)).toEqual([]);
    expect((thrown as Error).message).toContain('h.example');
  });

  it('from a URL provider: not in lastError (and its cause chain), the logger or the error event', async () => {
    const { logger, calls } = recordingLogger();
    const { client, errors } = setup({ url: () => URL_, logger });
    await settle();
    const snap = client.getSnapshot();
    expect(snap.lastError, 'the bad URL was not reported').not.toBeNull();
    expect(leaks(snap.lastError)).toEqual([]);
    expect(leaks(errors)).toEqual([]);
    expect(leaks(calls)).toEqual([]);
    expect(leaks(snap)).toEqual([]);
  });
});

describe('userinfo in an unparseable URL', () => {
  const URL_ = 'wss://alice:SECRET@h.example:99999/';

  it('is masked by maskUrl', () => {
    expect(maskUrl(URL_)).not.toContain(SECRET);
  });

  it('is not in InvalidUrlError, its message or its cause chain (cause.input included)', () => {
    const thrown = creationError(URL_);
    expect(isResilientWsError(thrown, 'InvalidUrlError')).toBe(true);
    expect(leaks(thrown)).toEqual([]);
  });

  it('from a URL provider: not in lastError, the logger or the error event', async () => {
    const { logger, calls } = recordingLogger();
    const { client, errors } = setup({ url: () => URL_, logger });
    await settle();
    expect(client.getSnapshot().lastError).not.toBeNull();
    expect(leaks(client.getSnapshot())).toEqual([]);
    expect(leaks(errors)).toEqual([]);
    expect(leaks(calls)).toEqual([]);
  });
});

describe('query parameters and matrix parameters', () => {
  const names = ['pwd', 'bearer', 'sid', 'otp', 'hmac', 'nonce', 't', 'token', 'access_token', 'api_key'];

  it.each(names)('?%s=SECRET is masked by maskUrl; host and path stay readable', (name) => {
    const masked = maskUrl(`wss://h.example/live/room?${name}=${SECRET}`);
    expect(masked).not.toContain(SECRET);
    expect(masked).toContain('h.example/live/room');
  });

  it('a matrix parameter (;token=SECRET) is masked by maskUrl', () => {
    const masked = maskUrl(`wss://h.example/live;token=${SECRET}/x`);
    expect(masked).not.toContain(SECRET);
    expect(masked).toContain('h.example/live');
  });

  it.each([...names.map((n) => `?${n}=${SECRET}`), `;token=${SECRET}`, `?a=1&sid=${SECRET}&b=2`])(
    'snapshot.url for …%s carries no secret, only the readable host and path',
    (tail) => {
      const { fake, client } = setup({ url: `wss://h.example/live${tail}` });
      expect(fake.last.url).toContain(SECRET); // the real URL is what is dialled
      const url = client.getSnapshot().url ?? '';
      expect(url).not.toContain(SECRET);
      expect(url).toContain('h.example/live');
    },
  );
});
