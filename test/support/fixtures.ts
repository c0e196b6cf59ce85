import { onTestFinished } from 'vitest';
import { startFaultServer, type FaultServer, type FaultServerOptions, type LogEntry } from './fault-server.mjs';

export type { FaultServer, FaultServerOptions, LogEntry, LogKind, ConnectionInfo } from './fault-server.mjs';

/** Anything with Vitest's `onTestFinished` (the test context has one; use it in concurrent tests). */
export interface TestFinishedRegistrar {
  onTestFinished: (fn: () => unknown, timeout?: number) => void;
}

/**
 * Starts a fault server for the current test and registers its teardown with
 * `onTestFinished` before anything is awaited, so the server is always closed — also when the
 * test fails or times out. Pass the test context as `ctx` in `test.concurrent` tests.
 */
export async function useFaultServer(
  options?: FaultServerOptions,
  ctx?: TestFinishedRegistrar,
): Promise<FaultServer> {
  const started = startFaultServer(options);
  const register = ctx ? ctx.onTestFinished.bind(ctx) : onTestFinished;
  register(async () => {
    const server = await started.catch(() => undefined);
    await server?.close();
  });
  return started;
}

/**
 * Retry settings for clients against the fault server: the first retry within 50 ms, none later
 * than 400 ms, and a connection counts as stable after 300 ms.
 */
export const FAST_RETRY = { initialDelay: 50, maxDelay: 400, minUptime: 300 };

/** The connections the server accepted so far, in order. */
export const connects = (server: FaultServer): LogEntry[] => server.log.filter((e: LogEntry) => e.kind === 'connect');
