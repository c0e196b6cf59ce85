/**
 * Handshake diagnosis (`probeHandshake`) in a real page (Chromium, Firefox and WebKit: the project
 * says which, see test/support/browsers.ts): the built library in the harness page against the
 * real fault server, which rejects every upgrade — and, as an auth middleware would, the plain GET
 * the same way. The page is served from another origin (the static server's port), so the probe is
 * a cross-origin `fetch` that can read the status because the server allows any origin. The socket
 * itself only ever sees error + 1006; the probe is what tells a 401 or a 404 from a network that
 * is down. Needs `npm run build` first.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { en, type MessageKey } from '../../src/index';
import { ENGINE_TITLE, launchBrowser, type EngineBrowser } from '../support/browsers';
import { FAST_RETRY, useFaultServer, type FaultServer, type LogEntry } from '../support/fixtures';
import { describeRecords, of, startPageClient, statusIs, useCheckedEnginePage } from '../support/page-client';
import { sleep } from '../support/wait';

/** Longer than several retry windows at FAST_RETRY: if another attempt were coming, it would be here. */
const NOTHING_HAPPENS_MS = 600;
/** minInterval 0: an answer that lost the race with the next attempt is asked again at the next failure. */
const PROBE = { after: 2, minInterval: 0, timeout: 2000 };

const text = (key: MessageKey) => {
  const t = en[key];
  return typeof t === 'function' ? t({ code: 1006, attempts: 0 }) : t;
};

const entries = (server: FaultServer, kind: LogEntry['kind']) => server.log.filter((e) => e.kind === kind);

let browser: EngineBrowser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function setUp(status: number) {
  const server = await useFaultServer();
  server.setHandshakeMode('reject', { status });
  const { page } = await useCheckedEnginePage({ browser });
  const client = await startPageClient(page, {
    url: `${server.url}/probe?token=abc`,
    retry: FAST_RETRY,
    connectTimeout: 3000,
    probeHandshake: PROBE,
    waitTimeout: 15_000,
  });
  const pageOrigin = await page.evaluate(() => location.origin);
  return { server, client, pageOrigin };
}

describe(`handshake diagnosis in ${ENGINE_TITLE}`, () => {
  test.each([
    [401, 'unauthorized', 'unauthorized', 'FatalCloseError'],
    [404, 'not-found', 'configuration', 'ConfigurationError'],
  ] as const)('HTTP %i: the page probes the endpoint across origins and stops (%s) with the right message', async (status, category, messageKey, errorName) => {
    const { server, client, pageOrigin } = await setUp(status);
    const log = await client.until('stopped', statusIs('closed'));

    const closes = of(log, 'close').map((r) => r.close);
    const last = closes.at(-1)!;
    expect(last, describeRecords(log)).toMatchObject({
      code: 1006,
      wasClean: false,
      duringConnect: true,
      initiatedBy: 'server',
      category,
      action: 'stop',
      httpStatus: status,
      message: text(messageKey),
    });
    // Before the probe answered, every attempt was the browser's opaque failure.
    expect(closes.slice(0, -1).length).toBeGreaterThanOrEqual(PROBE.after);
    for (const c of closes.slice(0, -1)) expect(c).toMatchObject({ code: 1006, category: 'connect-failed', action: 'reconnect' });
    expect(of(log, 'error').at(-1)).toMatchObject({ name: errorName });
    expect((await client.snapshot()).lastClose).toEqual(last);

    // The probe: a cross-origin GET of the same path and query, answered with the same status.
    const http = entries(server, 'http');
    expect(http.length).toBeGreaterThanOrEqual(1);
    expect(http.at(-1)).toMatchObject({ path: '/probe?token=abc', status, origin: pageOrigin });
    expect(pageOrigin).not.toBe(server.httpUrl);
    expect(entries(server, 'reject').every((e) => e.path === '/probe?token=abc')).toBe(true);

    const rejects = entries(server, 'reject').length;
    await sleep(NOTHING_HAPPENS_MS); // the point is that nothing happens: no attempt after the stop
    expect(entries(server, 'reject')).toHaveLength(rejects);
    expect((await client.snapshot()).status).toBe('closed');
  });

  test('HTTP 503: nothing learned, the page keeps retrying', async () => {
    const { server, client } = await setUp(503);
    const answered = await server.waitFor((e) => e.kind === 'http' && e.status === 503, { timeout: 15_000 });
    await server.waitForAll('reject', 2, { since: answered.seq + 1, timeout: 15_000 });
    const s = await client.snapshot();
    expect(s.status).not.toBe('closed');
    expect(s.lastClose).toMatchObject({ category: 'connect-failed', action: 'reconnect' });
    expect(s.lastClose?.httpStatus).toBeUndefined();
  });
});
