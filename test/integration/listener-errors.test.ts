/**
 * A throwing listener in Node (issue 13, defect 11). Node 20 has no `reportError`; rethrowing a
 * listener's exception from a timer makes it an `uncaughtException`, which kills a Node process
 * that has no handler. The client reports it to `logger.error` (or `console.error` without a
 * logger) instead. Real `ws` server on port 0, undici's WebSocket.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { WebSocket } from 'undici';
import { WebSocketServer } from 'ws';
import { createClient, type Logger, type WebSocketConstructor } from '../../src/index';
import { sleep } from '../support/wait';

/** A server on 127.0.0.1:0 that sends `count` numbered messages, then `done`, to each client. */
async function floodServer(count: number) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => {
    for (let i = 0; i < count; i++) ws.send(String(i));
    ws.send('done');
  });
  const { port } = wss.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/flood`,
    close: () => new Promise<void>((r) => {
      for (const c of wss.clients) c.terminate();
      wss.close(() => r());
    }),
  };
}

const uncaught: unknown[] = [];
const onUncaught = (e: unknown) => void uncaught.push(e);

afterEach(() => {
  process.off('uncaughtException', onUncaught);
  vi.restoreAllMocks();
});

async function flood(count: number, logger?: Logger) {
  uncaught.length = 0;
  process.on('uncaughtException', onUncaught);
  const server = await floodServer(count);
  const client = createClient({
    url: server.url,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    heartbeat: false,
    lifecycle: false,
    ...(logger ? { logger } : {}),
  });
  let received = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`flood not received in 20 s (${received} messages)`)), 20_000);
    client.on('message', (m) => {
      if (m === 'done') {
        clearTimeout(timer);
        resolve();
        return;
      }
      received++;
      if (received % 100 === 0) throw new Error(`handler failed on message ${received}`);
    });
  });
  try {
    await done;
    await sleep(200); // room for anything rethrown from a timer
  } finally {
    client.dispose();
    await server.close();
  }
  return { received, uncaught: [...uncaught] };
}

describe('a message handler that throws every 100th message', () => {
  test('50 000 messages: no uncaughtException; each error reaches logger.error', async () => {
    const errors: unknown[] = [];
    const logger: Logger = { error: (message, data) => void errors.push({ message, data }) };
    const r = await flood(50_000, logger);
    expect(r.received).toBe(50_000);
    expect(r.uncaught.length, 'listener exceptions became uncaughtExceptions').toBe(0);
    expect(errors).toHaveLength(500);
  });

  test('without a logger: no uncaughtException; each error goes to console.error', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const r = await flood(1000);
    expect(r.uncaught.length, 'listener exceptions became uncaughtExceptions').toBe(0);
    const mentions = spy.mock.calls.filter((args) => args.some((a) => String(a instanceof Error ? a.message : a).includes('handler failed')));
    expect(mentions).toHaveLength(10);
  });
});
