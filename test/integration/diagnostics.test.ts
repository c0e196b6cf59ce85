import { describe, expect, test } from 'vitest';
import type { DiagnosticsEntry, DiagnosticsReport, ReconnectingEvent } from '../../src/index';
import { connects, useFaultServer } from '../support/fixtures';
import { isOpen, startNodeClient } from '../support/node-client';
import { waitForEvent, waitForSnapshot } from '../support/wait';

/**
 * `client.diagnostics()` after a realistic history against the real fault server (Node, undici's
 * WebSocket): open with heartbeats, a server close 1012 (restart), the retry, open again. The
 * report is what a user would paste into a support ticket: it must tell that story, in order,
 * with the server's code and reason, the delay the client chose, and no token.
 */

const SECRET = 's3cr3t-token';
const ofKind = <K extends DiagnosticsEntry['kind']>(r: DiagnosticsReport, kind: K) =>
  r.entries.filter((e): e is Extract<DiagnosticsEntry, { kind: K }> => e.kind === kind);

describe('the diagnostics report against the fault server', () => {
  test('open, heartbeats, server close 1012, retry, open: the whole story, in order, with no token', async () => {
    const server = await useFaultServer();
    const client = startNodeClient(server, `/diag?token=${SECRET}&v=1`, {
      heartbeat: { interval: 50, timeout: 1000 },
      retry: { restartDelay: 200 },
    });
    await waitForSnapshot(client, isOpen);
    await waitForEvent(client, 'rtt');
    await waitForEvent(client, 'rtt');

    const retry = waitForEvent(client, 'reconnecting');
    const mark = server.mark();
    expect(server.closeAll(1012, 'deploy 42')).toBe(1);
    const r1: ReconnectingEvent = await retry;
    await server.waitFor('connect', { since: mark, timeout: 3000 });
    await waitForSnapshot(client, isOpen);
    expect(connects(server)).toHaveLength(2);

    const report = client.diagnostics();
    const text = JSON.stringify(report);
    expect(text).not.toContain(SECRET);
    expect(JSON.parse(text)).toEqual(report);

    // The story, with the RTT entries (aggregated) left out.
    const story = report.entries.filter((e) => e.kind !== 'rtt').map((e) => e.kind);
    expect(story).toEqual(['connecting', 'open', 'close', 'reconnecting', 'connecting', 'open']);
    const [first, second] = ofKind(report, 'connecting');
    expect(first).toMatchObject({ attempt: 0, url: `${server.url}/diag?token=***&v=1` });
    expect(second).toMatchObject({ attempt: 1, url: `${server.url}/diag?token=***&v=1` });
    expect(ofKind(report, 'close')).toEqual([
      expect.objectContaining({
        close: expect.objectContaining({ code: 1012, reason: 'deploy 42', wasClean: true, initiatedBy: 'server', category: 'service-restart', action: 'reconnect' }),
      }),
    ]);
    expect(ofKind(report, 'reconnecting')).toEqual([expect.objectContaining({ attempt: 1, delay: r1.delay })]);

    // At least the two round trips we waited for, before the close, merged into one entry.
    const rtt = ofKind(report, 'rtt');
    expect(rtt.length).toBeGreaterThanOrEqual(1);
    expect(report.entries.indexOf(rtt[0]!)).toBe(2);
    expect(rtt[0]!.samples).toBeGreaterThanOrEqual(2);
    expect(rtt[0]!.min).toBeGreaterThanOrEqual(0);
    expect(rtt[0]!.min).toBeLessThanOrEqual(rtt[0]!.avg);
    expect(rtt[0]!.avg).toBeLessThanOrEqual(rtt[0]!.max);

    // Times: monotonic offsets never go back; the second attempt started no earlier than the
    // retry said it would (`at`: the decision's time plus the delay; entries are stamped when
    // recorded, a little after the decision).
    const ts = report.entries.map((e) => e.t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(Date.parse(second!.at!)).toBeGreaterThanOrEqual(r1.at - 2);
    for (const e of report.entries) expect(Number.isNaN(Date.parse(e.at!))).toBe(false);

    expect(report).toMatchObject({ recording: true, status: 'open', attempt: 1, url: `${server.url}/diag?token=***&v=1`, dropped: 0, lastError: null });
    expect(Date.parse(report.reportedAt!)).toBeGreaterThanOrEqual(Date.parse(report.createdAt!));
    expect(report.uptime).toBeGreaterThanOrEqual(second!.t);
  });

  test('a refused attempt: the error is reported by name and message; the report survives dispose()', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status: 503, count: 1 });
    const client = startNodeClient(server, `/diag?token=${SECRET}`);
    await waitForSnapshot(client, isOpen, 3000);
    client.dispose();
    const report = client.diagnostics();
    expect(report.entries.map((e) => e.kind)).toEqual(['connecting', 'error', 'close', 'reconnecting', 'connecting', 'open', 'dispose']);
    expect(ofKind(report, 'error')[0]).toMatchObject({ name: 'ConnectionError' });
    expect(ofKind(report, 'close')[0]!.close).toMatchObject({ code: 1006, category: 'connect-failed', duringConnect: true });
    expect(report.status).toBe('closed');
    expect(JSON.stringify(report)).not.toContain(SECRET);
  });
});
