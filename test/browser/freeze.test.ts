/**
 * Page Lifecycle freeze/resume in Chromium, the only engine whose driver can freeze a page (CDP
 * `Page.setWebLifecycleState`; WebDriver and WebDriver BiDi have no such command, so this file runs
 * in the `browser-chromium` project only). A connection lost while the page is frozen, or dropped
 * by Chromium at resume, is replaced promptly after resume and nothing is shown as an error.
 *
 * The client's backoff is ~10 s (`initialDelay` 10 000 with a jitter draw of 0.999), and the tests
 * assert that no retry was scheduled: the reconnect came from the lifecycle handling. Wall-clock
 * gaps are logged, not asserted. Needs `npm run build` first.
 */
import { describe, expect, test } from 'vitest';
import { freezePage, resumePage } from '../support/chromium';
import { connects, useFaultServer } from '../support/fixtures';
import { describeRecords, of, opened, PROMPT_WAIT_MS, signalAt, startStableClient, useCheckedPage } from '../support/page-client';
import { sleep } from '../support/wait';

/** A page of a freezable Chromium (no Playwright focus emulation: see chromium.ts). */
const openPage = () => useCheckedPage({ freezable: true });

describe('freeze and resume in Chromium', () => {
  test('freeze: a connection killed while the page is frozen is replaced promptly after resume (page still hidden)', async () => {
    const server = await useFaultServer();
    const { page, cdp } = await openPage();
    const client = await startStableClient(page, `${server.url}/freeze`, { grace: 1000 });
    const session = await cdp();
    const mark = server.mark();

    // No page.evaluate while frozen: nothing runs in the page, the call would hang until resume.
    await freezePage(session);
    await sleep(300); // the freeze takes effect asynchronously
    expect(server.killAll()).toBe(1);
    await sleep(500);
    // Resumed but still hidden (a background tab): no visibilitychange to 'visible', so only the
    // `resume` handler can make the reconnect prompt.
    await resumePage(session, { visible: false });

    const log = await client.until('reopened after resume', opened(2), PROMPT_WAIT_MS).catch(async (err: Error) => {
      const s = await client.snapshot();
      throw new Error(`${err.message}\nsnapshot: status ${s.status}, retryDelay ${String(s.retryDelay)} ms, lastClose ${JSON.stringify(s.lastClose)}`);
    });
    const resume = signalAt(log, 'resume')!;
    const freeze = signalAt(log, 'freeze')!;
    const reopen = of(log, 'open')[1]!;
    console.info(`[liveness] freeze (resumed hidden): reconnected ${(reopen.t - resume.t).toFixed(0)} ms after resume`);
    expect(freeze.t).toBeLessThan(resume.t);
    expect(log.filter((r) => r.type !== 'signal' && r.t > freeze.t && r.t < resume.t)).toEqual([]); // nothing ran while frozen
    expect(signalAt(log, 'visibilitychange')?.visibility).toBe('hidden');
    expect(log.filter((r) => r.type === 'signal' && r.signal === 'visibilitychange' && r.visibility === 'visible')).toEqual([]);
    // Reconnected by the resume handling, not the ~10 s backoff: no retry was ever scheduled.
    expect(of(log, 'reconnecting'), describeRecords(log)).toEqual([]);
    await server.waitFor('connect', { since: mark, timeout: 1000 });
    expect((await client.snapshot()).status).toBe('open');
  });

  test('freeze: the socket Chromium drops at resume is replaced promptly when the page is visible again', async () => {
    const server = await useFaultServer();
    const { page, cdp } = await openPage();
    const client = await startStableClient(page, `${server.url}/freeze-visible`, { grace: 1000 });
    const session = await cdp();
    const mark = server.mark();

    await freezePage(session);
    await sleep(500);
    expect(server.connectionCount()).toBe(1); // the freeze itself keeps the TCP connection
    await resumePage(session); // and visible again, as when the user comes back to the tab

    const log = await client.until('reopened after resume', opened(2), PROMPT_WAIT_MS);
    const resume = signalAt(log, 'resume')!;
    const reopen = of(log, 'open')[1]!;
    const closes = of(log, 'close').map((r) => r.close);
    // Chromium closes the old socket on resume (the server sees 1001).
    const serverClose = await server.waitFor((e) => e.kind === 'close' && e.id === connects(server)[0]!.id, { timeout: 2000 });
    console.info(
      `[liveness] freeze (resumed visible): server saw ${String(serverClose.code)}; client saw ` +
        `${JSON.stringify(closes.map((c) => ({ code: c.code, initiatedBy: c.initiatedBy, category: c.category })))}; ` +
        `reconnected ${(reopen.t - resume.t).toFixed(0)} ms after resume`,
    );
    // Reconnected by the resume handling, not the ~10 s backoff: no retry was ever scheduled.
    expect(of(log, 'reconnecting'), describeRecords(log)).toEqual([]);
    expect(closes.every((c) => c.action === 'reconnect')).toBe(true);
    await server.waitFor('connect', { since: mark, timeout: 1000 });
    const s = await client.snapshot();
    expect(s).toMatchObject({ status: 'open', lastError: null });
  });
});
