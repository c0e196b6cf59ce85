/**
 * The demo server (`node demo/server.mjs --port 0 --ws-port 0`) as a child process, for the demo
 * tests (demo.test.ts, demo-text.test.ts, and the smoke test in every engine). Stopped by the
 * caller with {@link stopDemoServer} (SIGTERM, then SIGKILL).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { REPO_ROOT } from './chromium';

export interface DemoServer {
  url: string;
  wsUrl: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `node demo/server.mjs ARGS` and resolves once it printed DEMO_URL and DEMO_WS_URL (bounded). */
export async function startDemoServer(args: string[] = ['--port', '0', '--ws-port', '0'], timeout = 90_000): Promise<DemoServer> {
  const env = { ...process.env };
  delete env.PORT;
  delete env.WS_PORT;
  const child = spawn(process.execPath, ['demo/server.mjs', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const deadline = Date.now() + timeout;
  for (;;) {
    const url = /^DEMO_URL=(\S+)$/m.exec(out)?.[1];
    const wsUrl = /^DEMO_WS_URL=(\S+)$/m.exec(out)?.[1];
    if (url && wsUrl && /Press Ctrl-C/.test(out)) return { url, wsUrl, child, output: () => out, exited };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`demo server did not start (exit ${child.exitCode}):\n${out}`);
    }
    await delay(25);
  }
}

/** `signal` (SIGTERM), then SIGKILL after 8 s, which fails the caller. Resolves with the exit code. */
export async function stopDemoServer(demo: DemoServer | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (!demo) return null;
  if (demo.child.exitCode === null) demo.child.kill(signal);
  const code = await Promise.race([demo.exited, delay(8_000).then(() => 'timeout' as const)]);
  if (code !== 'timeout') return code;
  demo.child.kill('SIGKILL');
  await Promise.race([demo.exited, delay(2_000)]);
  throw new Error(`demo server did not stop within 8 s of ${signal}:\n${demo.output()}`);
}
