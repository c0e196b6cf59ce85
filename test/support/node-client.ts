/**
 * Integration-test clients: resilient-ws in Node on undici 7's WebSocket, against the fault server.
 */
import { onTestFinished } from 'vitest';
import { WebSocket } from 'undici';
import { createClient, type ClientOptions, type WebSocketConstructor } from '../../src/index';
import { FAST_RETRY, type FaultServer } from './fixtures';

/**
 * A client for `${server.url}${path}` with short connect (1 s) and close (300 ms) timeouts and
 * {@link FAST_RETRY}, which a `retry` object in `options` amends; disposed when the test finishes.
 */
export function startNodeClient(server: FaultServer, path: string, options: Partial<ClientOptions> = {}) {
  const { retry, ...rest } = options;
  const client = createClient({
    url: `${server.url}${path}`,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    connectTimeout: 1000,
    closeTimeout: 300,
    ...rest,
    retry: typeof retry === 'object' ? { ...FAST_RETRY, ...retry } : (retry ?? FAST_RETRY),
  });
  onTestFinished(() => client.dispose());
  return client;
}

/** Snapshot predicate (for `waitForSnapshot`): the connection is open. */
export const isOpen = (s: { status: string }) => s.status === 'open';
