import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, onTestFinished, test } from 'vitest';
import { WebSocket } from 'undici';
import { createClient, en, type MessageKey, type ProbeFetch, type WebSocketConstructor } from '../../src/index';
import { FAST_RETRY, connects, useFaultServer, type FaultServer, type LogEntry } from '../support/fixtures';
import { isOpen, startNodeClient } from '../support/node-client';
import { sleep, waitForSnapshot } from '../support/wait';

/**
 * Handshake diagnosis (`probeHandshake`) in Node: undici's WebSocket, Node's own `fetch`, and the
 * real fault server rejecting upgrades — and, in reject mode, the plain GET the same way, as an
 * auth middleware in front of the WebSocket route does. The socket sees only error + 1006 every
 * time; the probe tells the client whether to stop (401, 403, 404) or keep retrying (503, or a
 * server that is down).
 */

/** Longer than several retry windows at FAST_RETRY: if another attempt were coming, it would be here. */
const NOTHING_HAPPENS_MS = 600;
/** Probe after 2 failures; minInterval 0 so an answer that lost the race with the next attempt is asked again at once. */
const PROBE = { after: 2, minInterval: 0, timeout: 2000 };

const render = (key: MessageKey) => {
  const text = en[key];
  return typeof text === 'function' ? text({ code: 1006, attempts: 0 }) : text;
};

/** Node's fetch, every probe recorded with what came of it. */
function recordingFetch() {
  const probes: { url: string; init: RequestInit; outcome?: number | 'error' }[] = [];
  const fetch: ProbeFetch = async (url, init) => {
    const probe: (typeof probes)[number] = { url, init };
    probes.push(probe);
    try {
      const response = await globalThis.fetch(url, init);
      probe.outcome = response.status;
      return response;
    } catch (error) {
      probe.outcome = 'error';
      throw error;
    }
  };
  return { fetch, probes };
}

const of = (server: FaultServer, kind: LogEntry['kind']) => server.log.filter((e) => e.kind === kind);

describe('a server that rejects the handshake', () => {
  test.each([
    [401, 'unauthorized', 'unauthorized', 'FatalCloseError'],
    [403, 'forbidden', 'forbidden', 'FatalCloseError'],
    [404, 'not-found', 'configuration', 'ConfigurationError'],
  ] as const)('HTTP %i: the probe finds out and the client stops (%s) with the right message', async (status, category, messageKey, errorName) => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status });
    const { fetch, probes } = recordingFetch();
    const client = startNodeClient(server, '/probe?token=abc', { probeHandshake: { ...PROBE, fetch } });

    const s = await waitForSnapshot(client, (x) => x.status === 'closed', 5000);
    expect(s.lastClose).toMatchObject({
      code: 1006,
      wasClean: false,
      duringConnect: true,
      initiatedBy: 'server',
      category,
      action: 'stop',
      httpStatus: status,
      messageKey,
      message: render(messageKey),
    });
    expect(s.lastError?.name).toBe(errorName);
    expect(s.lastError?.message).toContain(String(status));
    expect(s.lastError?.message).not.toContain('abc');

    // The probe asked the endpoint the socket asked (same path and query), as a plain GET.
    expect(probes.at(-1)).toMatchObject({ url: `${server.httpUrl}/probe?token=abc`, outcome: status });
    expect(probes.at(-1)!.init).toMatchObject({ method: 'GET', credentials: 'same-origin', redirect: 'manual' });
    const rejects = of(server, 'reject');
    expect(rejects.length).toBeGreaterThanOrEqual(PROBE.after);
    expect(rejects.every((e) => e.path === '/probe?token=abc' && e.status === status)).toBe(true);
    expect(of(server, 'http').at(-1)).toMatchObject({ path: '/probe?token=abc', status });

    await sleep(NOTHING_HAPPENS_MS); // the point is that nothing happens: no attempt after the stop
    expect(of(server, 'reject')).toHaveLength(rejects.length);
    expect(client.getSnapshot().status).toBe('closed');
  });

  test('HTTP 401 with a refresh hook: refresh, then connect with the new token', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status: 401 });
    let token = 'expired';
    const { fetch, probes } = recordingFetch();
    const client = createClient({
      url: () => `${server.url}/probe?token=${token}`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      connectTimeout: 1000,
      retry: FAST_RETRY,
      probeHandshake: { ...PROBE, fetch },
      refresh: async (close) => {
        expect(close).toMatchObject({ category: 'unauthorized', action: 'refresh', httpStatus: 401 });
        token = 'renewed';
        server.setHandshakeMode('accept'); // the new token is good
      },
    });
    onTestFinished(() => client.dispose());

    await waitForSnapshot(client, isOpen, 5000);
    expect(probes.at(-1)).toMatchObject({ url: `${server.httpUrl}/probe?token=expired`, outcome: 401 });
    expect(connects(server).map((c) => c.path)).toEqual(['/probe?token=renewed']);
  });

  test('HTTP 503: nothing learned, the client keeps retrying', async () => {
    const server = await useFaultServer();
    server.setHandshakeMode('reject', { status: 503 });
    const { fetch, probes } = recordingFetch();
    const client = startNodeClient(server, '/probe', { probeHandshake: { ...PROBE, fetch } });

    const answered = await server.waitFor((e) => e.kind === 'http' && e.status === 503, { timeout: 5000 });
    // Attempts go on after the answer.
    await server.waitForAll('reject', 3, { since: answered.seq + 1, timeout: 5000 });
    expect(probes.some((p) => p.outcome === 503)).toBe(true);
    const s = client.getSnapshot();
    expect(s.status).not.toBe('closed');
    expect(s.lastClose).toMatchObject({ category: 'connect-failed', action: 'reconnect' });
    expect(s.lastClose?.httpStatus).toBeUndefined();
    expect(s.lastError?.name).toBe('ConnectionError');

    // And it connects once the server accepts again.
    server.setHandshakeMode('accept');
    await waitForSnapshot(client, isOpen, 5000);
  });
});

describe('a server that is down', () => {
  test('connection refused for the socket and the probe alike: the network, the client keeps retrying', async () => {
    const port = await closedPort();
    const { fetch, probes } = recordingFetch();
    const client = createClient({
      url: `ws://127.0.0.1:${port}/probe`,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      connectTimeout: 1000,
      retry: FAST_RETRY,
      probeHandshake: { ...PROBE, fetch },
    });
    onTestFinished(() => client.dispose());

    // Several probes, each refused, and attempts after each.
    const s = await waitForSnapshot(client, (x) => probes.filter((p) => p.outcome === 'error').length >= 2 && x.attempt > PROBE.after + 2, 5000);
    expect(probes[0]!.url).toBe(`http://127.0.0.1:${port}/probe`);
    expect(probes.every((p) => p.outcome === 'error' || p.outcome === undefined)).toBe(true);
    expect(s.status).not.toBe('closed');
    expect(s.lastClose).toMatchObject({ category: 'connect-failed', action: 'reconnect' });
    expect(s.lastClose?.httpStatus).toBeUndefined();
  });
});

/** A loopback port nothing listens on (bound once to find it, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
