/**
 * Unit-test clients: resilient-ws on a scripted socket ({@link fakeWebSocket}), driven by fake
 * timers.
 */
import { onTestFinished } from 'vitest';
import { createClient, type ClientOptions, type DropEvent, type RawMessage } from '../../src/index';
import { fakeWebSocket } from './fake-socket';

/** The URL unit-test clients connect to unless a test gives another. */
export const UNIT_URL = 'wss://example.test/live';

/**
 * A client on a scripted socket, disposed when the test finishes. Unless `opts` says otherwise:
 * the heartbeat and browser signals are off (they have their own tests; pass `heartbeat: {}` for
 * the default heartbeat), and `random` is fixed at 0.5 so every delay is exact (full jitter: first
 * retry 500 ms, second 1000 ms…).
 *
 * `socket.listeners` gives the scripted sockets `addEventListener` (browsers' path) instead of only
 * `onmessage`.
 *
 * `errors` and `drops` record every `error` and `drop` event from the start. (Nothing listens for
 * `message`: a message listener is what makes a lazy client connect.)
 */
export function setup<I = RawMessage, O = unknown>(opts: Partial<ClientOptions<I, O>> = {}, socket: { listeners?: boolean } = {}) {
  const fake = fakeWebSocket(socket);
  const client = createClient<I, O>({
    url: UNIT_URL,
    WebSocket: fake.WebSocket,
    heartbeat: false,
    lifecycle: false,
    random: () => 0.5,
    ...opts,
  });
  onTestFinished(() => client.dispose());
  const errors: unknown[] = [];
  client.on('error', (e) => errors.push(e));
  const drops: DropEvent<O>[] = [];
  client.on('drop', (d) => drops.push(d));
  return { fake, client, errors, drops };
}

/** Let pending promise callbacks (providers, refresh) run, without moving time. */
export const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};
