/**
 * `resilient-ws/server` in front of real Chromium: a client in a page (the built
 * `dist/browser/resilient-ws.min.js`) against a `ws` server on 127.0.0.1 that uses the companion.
 * What the page's client reports for `closeWith` (code, reason cut at 123 bytes, decision), and
 * that `answerPings` answers its heartbeat. Runs in the browser-chromium project; needs
 * `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { answerPings, closeWith, cutReason } from '../../src/server/index';
import { launchBrowser, type EngineBrowser, type EnginePage } from '../support/browsers';
import { useCompanionServer } from '../support/companion-server';
import { FAST_RETRY } from '../support/fixtures';
import { of, opened, startPageClient, statusIs, useCheckedEnginePage, type PageClientOptions } from '../support/page-client';

let browser: EngineBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

const startClient = (page: EnginePage, options: PageClientOptions) =>
  startPageClient(page, { waitTimeout: 5000, retry: FAST_RETRY, connectTimeout: 2000, closeTimeout: 500, heartbeat: false, ...options });

describe('resilient-ws/server in Chromium', () => {
  test('the page’s client sees closeWith’s code, reason and decision (4001 stops; 1013 waits and reconnects)', async () => {
    const server = await useCompanionServer();
    const { page } = await useCheckedEnginePage({ browser });
    const client = await startClient(page, { url: server.url, retry: { ...FAST_RETRY, tryAgainLaterDelay: 300 } });
    await client.until('open', opened(1));

    const retry = await closeWith(await server.connection(0), 1013, 'busy');
    expect(retry).toEqual({ code: 1013, reason: 'busy', sent: true, terminated: false }); // Chromium answered the close
    const log = await client.until('reopened', opened(2));
    expect(of(log, 'reconnecting')[0]!.close).toMatchObject({ code: 1013, reason: 'busy', wasClean: true, initiatedBy: 'server', category: 'try-again-later', action: 'reconnect' });

    const stop = await closeWith(await server.connection(1), 4001, 'token expired', { retryAfter: 30 });
    expect(stop.terminated).toBe(false);
    await client.until('closed', statusIs('closed'));
    expect((await client.snapshot()).lastClose).toMatchObject({ code: 4001, reason: 'token expired', wasClean: true, initiatedBy: 'server', action: 'stop' });
    // Both notices went to the client, not to the app.
    expect(of(await client.records(), 'message')).toEqual([]);
  });

  test('a long Chinese reason arrives cut at a character boundary, byte for byte', async () => {
    const reason = `a${'服务端维护中,请稍后重连'.repeat(6)}`;
    const server = await useCompanionServer();
    const { page } = await useCheckedEnginePage({ browser });
    const client = await startClient(page, { url: server.url });
    await client.until('open', opened(1));
    const outcome = await closeWith(await server.connection(0), 4000, reason);
    expect(outcome.reason).toBe(cutReason(reason));
    expect(outcome.reason.length).toBeLessThan(reason.length);
    await client.until('closed', statusIs('closed'));
    expect((await client.snapshot()).lastClose).toMatchObject({ code: 4000, reason: outcome.reason, wasClean: true });
  });

  test('answerPings answers the page client’s heartbeat: rtt is measured, the connection stays up', async () => {
    const server = await useCompanionServer((socket) => answerPings(socket));
    const { page } = await useCheckedEnginePage({ browser });
    const client = await startClient(page, { url: server.url, heartbeat: { interval: 200, timeout: 1000 } });
    const log = await client.until('three round trips', (l) => of(l, 'rtt').length >= 3);
    expect(of(log, 'rtt').every((r) => r.rtt >= 0)).toBe(true);
    expect(of(log, 'close')).toEqual([]);
    expect(server.connections).toHaveLength(1);
  });
});
