/**
 * Interop: resilient-ws in real Chromium behind a real nginx (Debian package `nginx`) acting as
 * a WebSocket reverse proxy for the fault server, with `proxy_read_timeout 3s` — the idle cut
 * every production proxy applies to WebSockets.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium, useBrowserPage, type Browser } from '../support/chromium';
import { useFaultServer } from '../support/fixtures';
import { nginxVersion, startNginx } from '../support/interop/nginx';
import { closes, errors, opens, retries, startPageClient } from '../support/page-client';
import { sleep } from '../support/wait';

let browser: Browser;
let versions: { package: string; binary: string };

beforeAll(async () => {
  // Installs the package with apt-get when it is missing (or fails saying what to install).
  versions = await nginxVersion();
  browser = await launchChromium();
  console.info(`[interop] ${versions.binary} (Debian package nginx ${versions.package}), Chromium ${browser.version()}`);
}, 300_000);

afterAll(async () => {
  await browser?.close();
});

const UPSTREAM_TIMEOUT = 'upstream timed out (110: Connection timed out) while proxying upgraded connection';

describe('nginx reverse proxy (proxy_read_timeout 3s)', () => {
  test('runs against the Debian package, whose versions are recorded', () => {
    expect(versions.binary).toMatch(/^nginx\/\d+\.\d+\.\d+$/);
    expect(versions.package).toMatch(/^\d+\.\d+/);
  });

  test('without a heartbeat, nginx cuts the idle connection after its read timeout and the client reconnects', async () => {
    const upstream = await useFaultServer();
    const nginx = await startNginx({ upstreamPort: upstream.port, readTimeout: '3s' });
    const { page } = await useBrowserPage({ browser });
    const client = await startPageClient(page, { url: `${nginx.url}/idle`, heartbeat: false, retry: { initialDelay: 200 }, random: 0.5 });

    const [open] = await client.until('open', (r) => opens(r));
    const [cut] = await client.until('the idle cut', (r) => closes(r), 10_000);
    // nginx closes TCP without a close frame: the browser reports 1006.
    expect(cut!.close).toMatchObject({ code: 1006, wasClean: false, initiatedBy: 'network', category: 'network', action: 'reconnect', duringConnect: false });
    const idleFor = cut!.t - open!.t;
    // A lower bound only (the wait above is bounded); nginx's error log says it was its timeout.
    expect(idleFor).toBeGreaterThanOrEqual(2_500);
    expect(await nginx.errorLog()).toContain(UPSTREAM_TIMEOUT);

    const recs = await client.until('the reconnection', (r) => opens(r).length === 2 && r, 5_000);
    expect(retries(recs).map((r) => r.delay)).toEqual([100]);
    await upstream.waitForAll('connect', 2);
    expect((await client.snapshot()).status).toBe('open');
  });

  test.each([
    ['heartbeat.timeout 1.5 s', { interval: 1_000, timeout: 1_500 }],
    // The default pong timeout (10 s) is longer than nginx's read timeout: the pings must still come every idle second.
    ['the default heartbeat.timeout', { interval: 1_000 }],
  ])('a heartbeat interval (1 s) below the read timeout keeps the connection up for the whole test (7 s), with %s', async (_name, heartbeat) => {
    const upstream = await useFaultServer();
    const nginx = await startNginx({ upstreamPort: upstream.port, readTimeout: '3s' });
    const { page } = await useBrowserPage({ browser });
    const client = await startPageClient(page, { url: `${nginx.url}/live`, heartbeat });

    await client.until('open', (r) => opens(r));
    await sleep(7_000);
    const recs = await client.records();
    expect(closes(recs)).toEqual([]);
    expect(opens(recs)).toHaveLength(1);
    const snap = await client.snapshot();
    expect(snap.status).toBe('open');
    expect(upstream.log.filter((e) => e.kind === 'connect')).toHaveLength(1);
    // Pings crossed the proxy and were answered, often enough to beat the 3 s read timeout.
    const pings = upstream.log.filter((e) => e.kind === 'message' && e.data === 'ping').map((e) => e.mono);
    expect(pings.length).toBeGreaterThanOrEqual(3);
    expect(pings.length).toBeLessThanOrEqual(8);
    // No gap reached the read timeout (nginx would have cut the connection: asserted above).
    for (let i = 1; i < pings.length; i++) expect(pings[i]! - pings[i - 1]!).toBeLessThan(3_000);
    expect(await nginx.errorLog()).not.toContain(UPSTREAM_TIMEOUT);
  });

  test('stopping nginx (upstream still up) cuts the connection; started again, the client reconnects', async () => {
    const upstream = await useFaultServer();
    const nginx = await startNginx({ upstreamPort: upstream.port });
    const { page } = await useBrowserPage({ browser });
    const client = await startPageClient(page, {
      url: `${nginx.url}/restart`,
      heartbeat: { interval: 1_000, timeout: 1_500 },
      retry: { initialDelay: 200, maxDelay: 1_000 },
      random: 0.5,
    });
    await client.until('open', (r) => opens(r));

    await nginx.stop();
    const [cut] = await client.until('the cut', (r) => closes(r));
    expect(cut!.close).toMatchObject({ code: 1006, category: 'network', action: 'reconnect', duringConnect: false });
    // Proxy down: refused attempts back off; the client schedules 100, 200, 400, 500, 500… ms
    // (asserted as reported, not as counts in a wall-clock window).
    const downRecs = await client.until('two failed attempts while down', (r) => closes(r).length >= 3 && r, 10_000);
    const whileDown = closes(downRecs).slice(1);
    expect(retries(downRecs).map((r) => r.delay)).toEqual([100, 200, 400, 500, 500, 500, 500].slice(0, retries(downRecs).length));
    expect(whileDown.every((c) => c.close.category === 'connect-failed' && c.close.action === 'reconnect')).toBe(true);

    await nginx.start();
    await client.until('the reconnection', (r) => opens(r).length === 2, 5_000);
    await upstream.waitForAll('connect', 2);
    expect((await client.snapshot()).status).toBe('open');
  });

  test('nginx answering 502 while the upstream is down is a failed handshake with growing backoff, not a tight loop', async () => {
    const upstream = await useFaultServer();
    const nginx = await startNginx({ upstreamPort: upstream.port });
    const fixture = await useBrowserPage({ browser });
    const refusing = upstream.refuseFor(2_500);

    const client = await startPageClient(fixture.page, { url: `${nginx.url}/bad-gateway`, heartbeat: false, retry: { initialDelay: 200 }, random: 0.5 });
    // Attempts at about 0, 0.1, 0.3, 0.7, 1.5 s fail; the one at about 3.1 s finds the upstream back.
    const recs = await client.until('the connection once the upstream is back', (r) => opens(r).length === 1 && r, 10_000);
    await refusing;

    const failed = closes(recs);
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed.length).toBeLessThanOrEqual(7);
    for (const c of failed) expect(c.close).toMatchObject({ code: 1006, category: 'connect-failed', action: 'reconnect', duringConnect: true });
    expect(errors(recs).filter((e) => e.name === 'ConnectionError')).toHaveLength(failed.length);
    const delays = retries(recs).map((r) => r.delay);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    for (let i = 1; i < delays.length; i++) expect(delays[i]!).toBeGreaterThan(delays[i - 1]!);

    // Every failed attempt was a handshake nginx answered with 502 (not a refused connection).
    const access = await nginx.accessLog();
    expect(access.filter((l) => l.startsWith('502 /bad-gateway'))).toHaveLength(failed.length);
    expect(fixture.consoleLines.join('\n')).toContain('Unexpected response code: 502');
    expect((await client.snapshot()).status).toBe('open');
  });
});
