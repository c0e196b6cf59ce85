/**
 * Browser-test support: launch Debian's Chromium through playwright-core, serve the repo root
 * over HTTP on 127.0.0.1 (port 0), and open the harness page that loads the built
 * `dist/browser/resilient-ws.min.js`.
 *
 * Browser tests are never skipped: if Chromium is missing, launching throws an error that says
 * how to install it. No browser is ever downloaded (`npx playwright install` is not used).
 *
 * Two ways to get a browser:
 * - {@link launchChromium}: plain `chromium.launch()`. Playwright turns on CDP focus emulation for
 *   every page it creates, which keeps the page "visibly captured": Chromium then ignores
 *   `Page.setWebLifecycleState({ state: 'frozen' })` (no visibilitychange, no `freeze`, timers keep
 *   running). Fine for everything except freeze tests.
 * - {@link launchFreezableChromium}: spawns Chromium with `--remote-debugging-port=0` and attaches
 *   with `connectOverCDP(..., { noDefaults: true })`; pages of its default context have no focus
 *   emulation, so {@link freezePage}/{@link resumePage} really freeze and resume them.
 *   `useBrowserPage({ freezable: true })` uses it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants, createReadStream } from 'node:fs';
import { access, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo, Socket } from 'node:net';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type CDPSession, type Page } from 'playwright-core';
import { onTestFinished } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumNotFoundMessage } from './chromium-config.mjs';

export { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumNotFoundMessage };

export type { Browser, BrowserContext, CDPSession, Page };

/** The repository root (this file lives in `test/support/`). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Path (relative to the served repo root) of the self-contained library build. */
export const LIBRARY_PATH = '/dist/browser/resilient-ws.min.js';

/** Default page opened by {@link useBrowserPage}: loads the library and sets `window.RWS`. */
export const HARNESS_PATH = '/test/browser/harness.html';

/** Page that loads nothing but sets `document.body.dataset.ready = '1'` (harness self-test). */
export const RAW_PATH = '/test/browser/raw.html';

/**
 * Launch headless Chromium from an explicit path. Throws a how-to-fix error when the binary is
 * missing or not executable. Exported so the missing-binary message can be tested without
 * touching `process.env`.
 */
export async function launchChromiumAt(executablePath: string): Promise<Browser> {
  try {
    await access(executablePath, fsConstants.X_OK);
  } catch {
    throw new Error(chromiumNotFoundMessage(executablePath));
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    timeout: 30_000,
  });
}

/** Launch headless Chromium from {@link CHROMIUM_PATH}. */
export async function launchChromium(): Promise<Browser> {
  return launchChromiumAt(CHROMIUM_PATH);
}

export interface FreezableChromium {
  browser: Browser;
  /** The browser's default context: no Playwright focus emulation, so pages in it can be frozen. */
  context: BrowserContext;
  /** Close the browser, wait for the process to exit (SIGKILL after 5 s), remove its profile. */
  close(): Promise<void>;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Spawned Chromium processes still running; killed if the test process exits without closing them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

/**
 * Spawn headless Chromium (`--remote-debugging-port=0`, fresh temp user-data-dir, same flags as
 * {@link launchChromiumAt}) and attach with `connectOverCDP(endpoint, { noDefaults: true })`.
 * The DevTools endpoint listens on 127.0.0.1 only.
 */
export async function launchFreezableChromiumAt(executablePath: string): Promise<FreezableChromium> {
  try {
    await access(executablePath, fsConstants.X_OK);
  } catch {
    throw new Error(chromiumNotFoundMessage(executablePath));
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'rws-chromium-'));
  const child = spawn(
    executablePath,
    ['--headless', '--remote-debugging-port=0', `--user-data-dir=${userDataDir}`, ...CHROMIUM_ARGS, 'about:blank'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  trackChild(child);
  const exited = new Promise<void>((r) => {
    child.once('exit', () => r());
    child.once('error', () => r());
  });
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null;
  let stderr = '';
  // Keep draining stderr for the whole life of the process (a full pipe would block Chromium).
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });

  const stopProcess = async (): Promise<void> => {
    if (isRunning()) {
      child.kill('SIGTERM');
      await Promise.race([exited, delay(5_000)]);
    }
    if (isRunning()) {
      child.kill('SIGKILL');
      await Promise.race([exited, delay(5_000)]);
    }
    await rm(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }).catch(() => undefined);
  };

  try {
    const endpoint = await new Promise<string>((resolveEndpoint, rejectEndpoint) => {
      const timer = setTimeout(() => fail(new Error('no "DevTools listening on" line within 30 s')), 30_000);
      const onData = (): void => {
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
        if (match?.[1]) {
          cleanupListeners();
          resolveEndpoint(match[1]);
        }
      };
      const onExit = (): void => fail(new Error('Chromium exited before it was ready'));
      const cleanupListeners = (): void => {
        clearTimeout(timer);
        child.stderr.off('data', onData);
        child.off('exit', onExit);
        child.off('error', fail);
      };
      function fail(err: Error): void {
        cleanupListeners();
        rejectEndpoint(new Error(`${err.message}\nChromium stderr:\n${stderr}`));
      }
      child.stderr.on('data', onData);
      child.once('exit', onExit);
      child.once('error', fail);
      onData();
    });
    const browser = await chromium.connectOverCDP(endpoint, { noDefaults: true, isLocal: true, timeout: 30_000 });
    const context = browser.contexts()[0];
    if (!context) throw new Error('connectOverCDP: Chromium has no default context');
    let closing: Promise<void> | undefined;
    return {
      browser,
      context,
      close() {
        closing ??= (async () => {
          try {
            const session = await browser.newBrowserCDPSession();
            await Promise.race([session.send('Browser.close'), delay(5_000)]);
          } catch {
            // already gone; stopProcess() makes sure
          }
          await Promise.race([exited, delay(5_000)]);
          await Promise.race([browser.close().catch(() => undefined), delay(5_000)]);
          await stopProcess();
        })();
        return closing;
      },
    };
  } catch (err) {
    await stopProcess();
    throw err;
  }
}

/** {@link launchFreezableChromiumAt} with {@link CHROMIUM_PATH}. */
export async function launchFreezableChromium(): Promise<FreezableChromium> {
  return launchFreezableChromiumAt(CHROMIUM_PATH);
}

/**
 * Freeze a page like Chrome's tab freezing does: the page turns `hidden` (visibilitychange), then
 * `freeze` fires on `document` and its task queues stop (no timers, no events, no JS) until
 * {@link resumePage}. Only works on pages of a {@link launchFreezableChromium} browser.
 * Turns off this session's focus emulation first (it would keep the page visible).
 * Do not `page.evaluate`/`waitForPage` while frozen: nothing runs, the call hangs until resume.
 */
export async function freezePage(cdp: CDPSession): Promise<void> {
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
  await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
}

/**
 * Resume a frozen page: `resume` fires on `document`. Chromium leaves the page `hidden` after
 * `state: 'active'`; with `visible` (default true) focus emulation is turned on for this session,
 * which makes it `visible` again (visibilitychange). `{ visible: false }` leaves a page that runs
 * but stays hidden (a background tab).
 */
export async function resumePage(cdp: CDPSession, { visible = true }: { visible?: boolean } = {}): Promise<void> {
  await cdp.send('Page.setWebLifecycleState', { state: 'active' });
  if (visible) await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
}

// ---------------------------------------------------------------------------------------------
// Static server
// ---------------------------------------------------------------------------------------------

const MIME_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

export interface StaticServer {
  /** e.g. `http://127.0.0.1:41234` */
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serve the files under `root` on 127.0.0.1 (port 0). GET/HEAD only, `Cache-Control: no-store`
 * on every response, 404 for anything missing, outside `root` (`..`, encoded or not, and
 * symlinks leading out) or inside a dot-directory (`.git`, `.ci`).
 */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const realRoot = await realpath(resolve(root));
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      send(res, 405, 'Method Not Allowed');
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      send(res, 400, 'Bad Request');
      return;
    }
    if (pathname === '/favicon.ico') {
      // Browsers ask for it on every page; answer so the 404 does not pollute consoleLines.
      res.writeHead(204, { 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    const segments = pathname.split(/[\\/]+/).filter((s) => s.length > 0);
    if (pathname.includes('\0') || segments.some((s) => s.startsWith('.'))) {
      send(res, 404, 'Not Found');
      return;
    }
    const candidate = resolve(realRoot, ...segments);
    let file: string;
    try {
      file = await realpath(candidate);
    } catch {
      send(res, 404, 'Not Found');
      return;
    }
    if (file !== realRoot && !file.startsWith(realRoot + sep)) {
      send(res, 404, 'Not Found');
      return;
    }
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      send(res, 404, 'Not Found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': info.size,
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', rejectListen);
      resolveListen();
    });
  });
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    origin: `http://127.0.0.1:${port}`,
    close() {
      closed ??= new Promise<void>((resolveClose) => {
        server.close(() => resolveClose());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closed;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Page helpers
// ---------------------------------------------------------------------------------------------

export interface WaitForPageOptions {
  /** Milliseconds; default 10 000. */
  timeout?: number;
  /** Polling interval in ms (interval polling keeps working in hidden pages); default 20. */
  interval?: number;
  /** Extra context appended to the timeout error (a function is called when the wait fails). */
  message?: string | (() => string);
}

/**
 * Poll `fn` (a function or an expression string, evaluated in the page) until it returns a truthy
 * value, and return that value. Throws a descriptive error after `timeout` ms.
 */
export async function waitForPage<T>(
  page: Page,
  fn: string | (() => T),
  { timeout = 10_000, interval = 20, message }: WaitForPageOptions = {},
): Promise<T> {
  // A string predicate would be eval'ed inside the page, which a CSP without 'unsafe-eval' (our
  // harness pages) forbids; as a function it is sent over CDP, which CSP does not govern.
  const predicate = typeof fn === 'string' ? (new Function(`return (${fn});`) as () => T) : fn;
  try {
    const handle = await page.waitForFunction(predicate, undefined, { timeout, polling: interval });
    try {
      return (await handle.jsonValue()) as T;
    } finally {
      await handle.dispose().catch(() => undefined);
    }
  } catch (err) {
    const what = typeof fn === 'string' ? fn : fn.toString();
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const extra = typeof message === 'function' ? message() : message;
    throw new Error(
      `waitForPage: page predicate not truthy within ${timeout} ms: ${what}` +
        (extra ? `\n${extra}` : '') +
        `\n(cause: ${reason})`,
      { cause: err },
    );
  }
}

export interface BrowserPageOptions {
  /** Page path on the static server; default {@link HARNESS_PATH}. */
  path?: string;
  /**
   * Wait until `window.RWS` (the library module) is set; default true. Set false for pages that
   * do not load the library (e.g. the harness self-test) — then only the `load` event is awaited.
   */
  waitForLibrary?: boolean;
  /**
   * Use a {@link launchFreezableChromium} browser and a page of its default context, so that
   * {@link freezePage}/{@link resumePage} work. Incompatible with `browser` and `contextOptions`.
   */
  freezable?: boolean;
  /** Reuse an already-launched browser (not closed by the fixture). Default: launch one per call. */
  browser?: Browser;
  /** Options for `browser.newContext()`. */
  contextOptions?: BrowserContextOptions;
  /** Directory to serve; default the repo root. */
  root?: string;
  /** Timeout (ms) for navigation and the library wait; default 15 000. */
  timeout?: number;
}

export interface BrowserPage {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Static server origin, e.g. `http://127.0.0.1:41234`. */
  origin: string;
  /** A CDP session attached to `page` (created once, on first call). */
  cdp: () => Promise<CDPSession>;
  /** Uncaught page errors (`pageerror`), in order. */
  pageErrors: string[];
  /** Console output as `[type] text`, plus failed requests as `[requestfailed] url: reason`. */
  consoleLines: string[];
}

/**
 * Vitest fixture; call inside a test. Launches Chromium (unless `opts.browser` is given), starts a
 * static server on the repo root, opens the harness page and waits for the library. Everything it
 * started is closed in `onTestFinished`, in reverse order.
 */
export async function useBrowserPage(opts: BrowserPageOptions = {}): Promise<BrowserPage> {
  const timeout = opts.timeout ?? 15_000;
  const waitForLibrary = opts.waitForLibrary ?? true;
  const root = opts.root ?? REPO_ROOT;
  const teardown: Array<() => Promise<unknown>> = [];
  onTestFinished(async () => {
    // Bounded: a step that hangs (e.g. a page left frozen) must not eat the hook timeout.
    for (const step of teardown.reverse()) await Promise.race([step().catch(() => undefined), delay(10_000)]);
  });

  if (waitForLibrary) {
    const libraryFile = join(root, ...LIBRARY_PATH.split('/'));
    const exists = await stat(libraryFile).then((s) => s.isFile(), () => false);
    if (!exists) {
      throw new Error(
        `${libraryFile} does not exist. Browser tests run against the built file: ` +
          `run "npx vite build --mode browser" first.`,
      );
    }
  }

  const server = await startStaticServer(root);
  teardown.push(() => server.close());

  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  if (opts.freezable) {
    if (opts.browser || opts.contextOptions) {
      throw new Error('useBrowserPage: `freezable` cannot be combined with `browser` or `contextOptions`');
    }
    const freezable = await launchFreezableChromium();
    teardown.push(() => freezable.close());
    browser = freezable.browser;
    context = freezable.context;
    page = context.pages()[0] ?? (await context.newPage());
  } else {
    if (opts.browser) {
      browser = opts.browser;
    } else {
      const owned = await launchChromium();
      teardown.push(() => owned.close());
      browser = owned;
    }
    const ownContext = await browser.newContext(opts.contextOptions);
    teardown.push(() => ownContext.close());
    context = ownContext;
    page = await context.newPage();
  }
  const ownPage = page;
  teardown.push(() => ownPage.close());
  page.setDefaultTimeout(timeout);

  const pageErrors: string[] = [];
  const consoleLines: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.stack ?? err.message));
  page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
  page.on('requestfailed', (req) =>
    consoleLines.push(`[requestfailed] ${req.url()}: ${req.failure()?.errorText ?? 'unknown'}`),
  );

  let session: Promise<CDPSession> | undefined;
  const cdp = (): Promise<CDPSession> => {
    session ??= context.newCDPSession(page).then((s) => {
      teardown.push(() => s.detach());
      return s;
    });
    return session;
  };

  const path = opts.path ?? HARNESS_PATH;
  const response = await page.goto(server.origin + path, { waitUntil: 'load', timeout });
  if (!response || !response.ok()) {
    throw new Error(`GET ${server.origin + path} answered ${response?.status() ?? 'nothing'}`);
  }
  if (waitForLibrary) {
    await waitForPage(page, () => (window as unknown as { RWS?: unknown }).RWS !== undefined, {
      timeout,
      message: () =>
        `${LIBRARY_PATH} did not load (is it built and free of bare imports?).\n` +
        `page errors: ${JSON.stringify(pageErrors)}\nconsole: ${JSON.stringify(consoleLines)}`,
    });
  }

  return { browser, context, page, origin: server.origin, cdp, pageErrors, consoleLines };
}
