/**
 * Interop-test plumbing shared by the real-server fixtures: Debian packages that must be
 * present, free loopback ports, and child processes that are always reaped.
 *
 * Nothing here skips a test. A missing server binary is installed with apt-get when the tests
 * run as root (or with password-less sudo); otherwise the setup fails with the exact command to
 * run. `.ci/run` installs the same packages before `npm test`.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command without a shell; never rejects (the exit code and output are returned). */
export function run(file: string, args: readonly string[], opts: { timeout?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { timeout: opts.timeout ?? 30_000, env: opts.env ?? process.env, maxBuffer: 8 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : null) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + (err && code === null ? `\n${err.message}` : '') });
      },
    );
  });
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

/** Absolute path of `name` on PATH (or `name` itself when it is already a path), if executable. */
export async function which(name: string): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutable(name)) ? name : undefined;
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (dir && (await isExecutable(`${dir}/${name}`))) return `${dir}/${name}`;
  }
  return undefined;
}

const tail = (text: string, lines = 15): string => text.trim().split('\n').slice(-lines).join('\n');

/**
 * Make sure the Debian package `pkg` providing the executable `bin` (absolute path) is installed.
 * Installs it with `apt-get install -y` (after `apt-get update` when the first try fails) if we are
 * root or have password-less sudo; otherwise throws an error that says what to install.
 * `aptGet`: path of apt-get, `null` for "not available" (tests); default: looked up on PATH.
 */
export async function ensureDebianPackage(
  bin: string,
  pkg: string,
  { aptGet = undefined as string | null | undefined } = {},
): Promise<void> {
  if (await isExecutable(bin)) return;
  const howTo = `Install it with "sudo apt-get install -y ${pkg}" (Debian/Ubuntu package ${pkg}); .ci/run does this on CI. Interop tests are never skipped.`;
  if (aptGet === undefined) aptGet = (await which('apt-get')) ?? null;
  if (!aptGet) throw new Error(`${bin} is missing and apt-get is not available on this machine. ${howTo}`);

  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  let prefix: string[] = [];
  if (!isRoot) {
    const sudo = await which('sudo');
    const probe = sudo ? await run(sudo, ['-n', 'true'], { timeout: 10_000 }) : undefined;
    if (!sudo || probe?.code !== 0) {
      throw new Error(`${bin} is missing and the tests cannot install it (not root, no password-less sudo). ${howTo}`);
    }
    prefix = [sudo, '-n'];
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (args: string[]) => {
    const [file, ...rest] = [...prefix, aptGet as string, ...args];
    return run(file!, rest, { timeout: 300_000, env });
  };
  console.info(`[interop] ${bin} is missing: installing Debian package ${pkg} with apt-get`);
  let result = await apt(['install', '-y', pkg]);
  if (result.code !== 0) {
    const update = await apt(['update']);
    if (update.code !== 0) {
      throw new Error(`apt-get update failed while installing ${pkg} for ${bin}:\n${tail(update.stderr || update.stdout)}\n${howTo}`);
    }
    result = await apt(['install', '-y', pkg]);
  }
  if (result.code !== 0 || !(await isExecutable(bin))) {
    throw new Error(`apt-get could not install ${pkg} (${bin} still missing):\n${tail(result.stderr || result.stdout)}\n${howTo}`);
  }
}

/** A port that was free on 127.0.0.1 a moment ago (bind port 0, read it, release it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A spawned server process in its own process group, with its output kept for diagnostics. */
export interface ServerProcess {
  readonly child: ChildProcess;
  /** stdout + stderr so far (last 64 KiB). */
  output(): string;
  readonly running: boolean;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Send `signal` to the whole process group and wait for the exit (SIGKILL after `timeout`). */
  stop(signal?: NodeJS.Signals, timeout?: number): Promise<void>;
}

export function spawnServer(file: string, args: readonly string[], opts: { cwd?: string } = {}): ServerProcess {
  // detached: own process group, so stop() also reaches nginx's workers.
  const child = spawn(file, [...args], { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString('utf8')).slice(-65_536);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', (err) => {
      out += `\n[spawn error] ${err.message}`;
      resolve();
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null && child.pid !== undefined;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is gone already
    }
  };
  return {
    child,
    output: () => out,
    get running() {
      return running();
    },
    exited,
    async stop(signal = 'SIGTERM', timeout = 5_000) {
      if (running()) {
        signalGroup(signal);
        await Promise.race([exited, delay(timeout)]);
      }
      // Leftovers (the process, or a worker whose master died) get SIGKILL.
      signalGroup('SIGKILL');
      await Promise.race([exited, delay(timeout)]);
    },
  };
}

/** Poll `probe` until it resolves true; fail early when `failed()` returns a message. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  { timeout = 10_000, interval = 50, failed }: { timeout?: number; interval?: number; failed?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const why = failed?.();
    if (why) throw new Error(`${what}: ${why}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready within ${timeout} ms`);
    await delay(interval);
  }
}

/** GET `url` (plain HTTP on loopback, no connection reuse); rejects on a network error or timeout. */
export function httpGet(url: string, timeout = 2_000): Promise<{ status: number; body: string; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { agent: false, timeout }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 1_000_000) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeout} ms`)));
    req.on('error', reject);
    req.end();
  });
}
