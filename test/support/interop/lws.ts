/**
 * The libwebsockets test server (Debian package `libwebsockets-test-server`) as a test fixture.
 *
 * `libwebsockets-test-server --port=N --interface=lo` listens on 127.0.0.1:N only (lws binds to
 * the address of the named interface) and serves, among others:
 * - `dumb-increment-protocol`: sends "0", "1", "2", … every 50 ms; a received `reset\n` restarts
 *   the count, and `closeme\n` makes it call `lws_close_reason(wsi, LWS_CLOSE_STATUS_GOINGAWAY,
 *   "seeya", 5)` and close (plugins/protocol_dumb_increment.c);
 * - `lws-mirror-protocol`: every message is sent to every client of the same mirror instance,
 *   the sender included.
 * An offered subprotocol it does not serve is refused: it drops the TCP connection during the
 * handshake (its log says `No supported protocol "…"`). `--help` only shows `--port`, `--ssl`
 * and `-d`; the other options are in test-apps/test-server.c.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { ensureDebianPackage, freePort, httpGet, run, spawnServer, waitUntil, type ServerProcess } from './system';

export const LWS_BIN = '/usr/bin/libwebsockets-test-server';
export const LWS_PACKAGE = 'libwebsockets-test-server';

export interface LwsServer {
  readonly port: number;
  /** `ws://127.0.0.1:PORT` */
  readonly url: string;
  /** Everything the current process printed (its log). */
  output(): string;
  readonly running: boolean;
  /** Kill the process (default SIGKILL: no close frames, like a crash) and wait for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start it again on the same port (after {@link kill}). */
  restart(): Promise<void>;
  /** Stop it for good and remove its working directory. Idempotent. */
  close(): Promise<void>;
}

/** Installed package version and the library version the server prints, e.g. `4.1.6-3` / `4.1.6-`. */
export async function lwsVersion(): Promise<{ package: string; library: string }> {
  await ensureDebianPackage(LWS_BIN, LWS_PACKAGE);
  const pkg = await run('dpkg-query', ['-W', '-f=${Version}', LWS_PACKAGE]);
  // The library version is only printed at startup: start one on a free port and read it.
  const server = await startLwsServer({ register: false });
  try {
    const library = /LWS: ([^\s,]+)/.exec(server.output())?.[1] ?? 'unknown';
    return { package: pkg.code === 0 ? pkg.stdout.trim() : 'unknown', library };
  } finally {
    await server.close();
  }
}

const COLLISION = /ERROR on binding|Address already in use/;

/**
 * Start `libwebsockets-test-server` on a free 127.0.0.1 port, retrying with another port on a
 * collision. Ready when `GET /` answers with the lws test page. Stopped in `onTestFinished`
 * (unless `register: false`; then call `close()`).
 */
export async function startLwsServer({ register = true }: { register?: boolean } = {}): Promise<LwsServer> {
  await ensureDebianPackage(LWS_BIN, LWS_PACKAGE);
  // cwd: the test server writes /tmp/post-file on form posts only, but keep anything relative out of the repo.
  const cwd = await mkdtemp(join(tmpdir(), 'rws-lws-'));
  let proc: ServerProcess | undefined;
  let port = 0;
  let closed = false;

  const launch = async (): Promise<'ok' | 'collision'> => {
    const p = spawnServer(LWS_BIN, [`--port=${port}`, '--interface=lo'], { cwd });
    proc = p;
    try {
      await waitUntil(
        `libwebsockets-test-server on 127.0.0.1:${port}`,
        async () => {
          const res = await httpGet(`http://127.0.0.1:${port}/`, 1_000);
          return res.status === 200 && res.body.includes('libwebsockets');
        },
        { timeout: 10_000, failed: () => (p.running ? undefined : `exited early:\n${p.output()}`) },
      );
      return 'ok';
    } catch (err) {
      await p.stop('SIGKILL');
      if (COLLISION.test(p.output())) return 'collision';
      throw err;
    }
  };

  const api: LwsServer = {
    get port() {
      return port;
    },
    get url() {
      return `ws://127.0.0.1:${port}`;
    },
    output: () => proc?.output() ?? '',
    get running() {
      return proc?.running ?? false;
    },
    async kill(signal = 'SIGKILL') {
      await proc?.stop(signal);
    },
    async restart() {
      if (closed) throw new Error('lws server is closed');
      if (proc?.running) throw new Error('lws server is still running; kill() it first');
      // Same port: the client's URL is fixed. A collision here (someone took the port while it
      // was down) is retried briefly, then reported.
      for (let i = 0; ; i++) {
        if ((await launch()) === 'ok') return;
        if (i >= 20) throw new Error(`port ${port} was taken while the lws server was down`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await proc?.stop('SIGTERM');
      await rm(cwd, { recursive: true, force: true }).catch(() => undefined);
    },
  };
  if (register) onTestFinished(() => api.close());

  try {
    for (let tries = 1; ; tries++) {
      port = await freePort();
      if ((await launch()) === 'ok') return api;
      if (tries >= 5) throw new Error(`libwebsockets-test-server: 5 port collisions in a row; last output:\n${api.output()}`);
    }
  } catch (err) {
    await api.close();
    throw err;
  }
}
