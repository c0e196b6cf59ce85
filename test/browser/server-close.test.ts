/**
 * What the server meant, in Chromium, Firefox and WebKit, against servers that cannot send a
 * proper close: a server that writes libhv's exact frames (test/support/libhv-server.mjs: an
 * in-band close notice then a TCP close; reason-only close frames, ASCII and Chinese), and the
 * `ws` fault server closing with 1013 after a notice (WebKit drops 1012–1014). The user sees the
 * server's reason and the right decision in each engine. Needs `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { en } from '../../src/index';
import { ENGINE, ENGINE_TITLE, launchBrowser, type EngineBrowser } from '../support/browsers';
import { FAST_RETRY, useFaultServer } from '../support/fixtures';
import { noticeText, startLibhvServer } from '../support/libhv-server.mjs';
import { describeRecords, of, opened, startPageClient, statusIs, useCheckedEnginePage, type PageClientOptions } from '../support/page-client';

const ZH = '连接超时,请重新登录';

let browser: EngineBrowser;
let libhv: Awaited<ReturnType<typeof startLibhvServer>>;
beforeAll(async () => {
  [browser, libhv] = await Promise.all([launchBrowser(), startLibhvServer()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), libhv?.close()]);
});

async function client(path: string, options: Partial<PageClientOptions> = {}) {
  const { page } = await useCheckedEnginePage({ browser });
  return startPageClient(page, { url: `${libhv.url}${path}`, retry: FAST_RETRY, random: 0.5, closeTimeout: 500, waitTimeout: 8000, ...options });
}

const q = (params: Record<string, string | number>) => new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)])).toString();

describe(`a libhv server in ${ENGINE_TITLE}`, () => {
  test('a notice then a TCP close: the server\'s code and reason decide (4001 stops), and the notice is no message', async () => {
    const c = await client(`/notice-then-close?${q({ code: 4001, reason: 'token expired' })}`);
    const log = await c.until('stopped', statusIs('closed'));
    const [close] = of(log, 'close');
    expect(close!.close, describeRecords(log)).toMatchObject({
      code: 4001,
      reason: 'token expired',
      initiatedBy: 'server',
      category: 'private',
      action: 'stop',
      via: 'notice',
      reported: { code: 1006, wasClean: false },
      message: (en.private as (c: { code: number; attempts: number }) => string)({ code: 4001, attempts: 0 }),
    });
    expect(of(log, 'message')).toEqual([]);
  });

  test('a notice with retryAfter then a TCP close: the wait is what the server asked', async () => {
    const c = await client(`/notice-then-close?${q({ code: 1012, reason: 'deploy', retryAfter: 1 })}`);
    const log = await c.until('a retry', (l) => of(l, 'reconnecting')[0]);
    expect(log.close).toMatchObject({ code: 1012, category: 'service-restart', retryAfter: 1000, via: 'notice' });
    // retryAfter 1000 ms + jitter 0.5 × max(20 %, 1000 ms).
    expect(log.delay).toBe(1500);
  });

  test('a Chinese reason-only close frame after a notice: the notice says it (every engine fails such a frame)', async () => {
    const c = await client(`/notice-then-reason-only?${q({ code: 4401, reason: ZH, text: ZH })}`);
    const log = await c.until('stopped', statusIs('closed'));
    expect(of(log, 'close')[0]!.close).toMatchObject({ code: 4401, reason: ZH, via: 'notice', action: 'stop', initiatedBy: 'server' });
  });

  test('a Chinese reason-only close frame without a notice: a lost connection in every engine', async () => {
    const c = await client(`/reason-only?${q({ text: ZH })}`);
    const r = await c.until('a retry', (l) => of(l, 'reconnecting')[0]);
    expect(r.close).toMatchObject({ code: 1006, category: 'network', action: 'reconnect' });
  });

  test('an ASCII reason-only close frame: the text rebuilt (WebKit: a lost connection)', async () => {
    const c = await client(`/reason-only?${q({ text: 'idle too long' })}`);
    const r = await c.until('a retry', (l) => of(l, 'reconnecting')[0]);
    if (ENGINE === 'webkit') expect(r.close).toMatchObject({ code: 1006, category: 'network', action: 'reconnect' });
    else {
      expect(r.close).toMatchObject({ code: 1005, reason: 'idle too long', category: 'malformed-close', action: 'reconnect', via: 'rebuilt', initiatedBy: 'server' });
      expect(r.close!.reported).toMatchObject({ code: 26980, reason: 'le too long' });
      expect(r.close!.message).toBe(`${en['malformed-close'] as string} ${en['action-reconnect'] as string}`);
    }
  });

  test("an ASCII reason-only close frame with closePolicy { 'malformed-close': 'stop' }: stops on the rebuilt text (WebKit: a lost connection, retried)", async () => {
    const c = await client(`/reason-only?${q({ text: 'idle too long' })}`, { closePolicy: { 'malformed-close': 'stop' } });
    if (ENGINE === 'webkit') {
      // WebKit fails the connection on such a frame: nothing to rebuild, so the category key cannot match.
      const r = await c.until('a retry', (l) => of(l, 'reconnecting')[0]);
      expect(r.close).toMatchObject({ code: 1006, category: 'network', action: 'reconnect' });
      return;
    }
    const log = await c.until('stopped', statusIs('closed'));
    expect(of(log, 'close').map((r) => r.close), describeRecords(log)).toMatchObject([
      { code: 1005, reason: 'idle too long', category: 'malformed-close', action: 'stop', via: 'rebuilt', initiatedBy: 'server', message: en['malformed-close'] },
    ]);
    expect(of(log, 'reconnecting')).toEqual([]);
    expect(of(log, 'error').map((e) => e.name)).toEqual(['FatalCloseError']);
  });
});

describe(`1013 with a notice in ${ENGINE_TITLE}`, () => {
  test('waits as for 1013 in every engine (WebKit turns the close into 1006; the notice keeps it)', async () => {
    const server = await useFaultServer();
    const retry = { ...FAST_RETRY, tryAgainLaterDelay: 1200 };
    const { page } = await useCheckedEnginePage({ browser });
    const c = await startPageClient(page, { url: `${server.url}/busy`, retry, random: 0.5, closeTimeout: 500, waitTimeout: 8000 });
    await c.until('open', opened(1));
    server.send(noticeText(1013, 'overloaded'));
    await server.waitFor('send', { timeout: 3000 });
    server.closeAll(1013, 'overloaded');
    const r = await c.until('a retry', (l) => of(l, 'reconnecting')[0]);
    expect(r.close).toMatchObject({ code: 1013, reason: 'overloaded', category: 'try-again-later', action: 'reconnect', initiatedBy: 'server' });
    expect(r.close!.via).toBe(ENGINE === 'webkit' ? 'notice' : undefined);
    expect(r.delay).toBe(retry.tryAgainLaterDelay + Math.floor(0.5 * FAST_RETRY.initialDelay));
    expect(of(await c.records(), 'message')).toEqual([]);
  });
});
