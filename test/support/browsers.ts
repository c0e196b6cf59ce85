/**
 * One driver layer for the three engines the browser tests run in. Which engine a test process
 * drives comes from `RWS_BROWSER` (`chromium` | `firefox` | `webkit`), which each vitest project
 * (`browser-chromium`, `browser-firefox`, `browser-webkit`) sets; the tests themselves are the
 * same files for every engine.
 *
 * - Chromium: Debian's `/usr/bin/chromium` through playwright-core (flags from chromium-config.mjs),
 *   launched without Playwright's `--disable-back-forward-cache` so back/forward behaves as in a
 *   user's browser.
 * - Firefox ESR: `/usr/bin/firefox-esr` through puppeteer-core over WebDriver BiDi (headless).
 * - WebKitGTK: `/usr/bin/WebKitWebDriver` (plain W3C WebDriver over HTTP; the small client below)
 *   driving MiniBrowser under an Xvfb this module starts on a free display. Each page is its own
 *   WebDriver session (its own MiniBrowser).
 *
 * Everything a test starts is stopped in `onTestFinished`/`close()`; the processes this module
 * spawns (Xvfb, WebKitWebDriver and the MiniBrowsers under it) are killed by PID, also when the
 * test process exits early. A missing browser makes the test FAIL with the `apt-get` line that
 * installs it; browser tests are never skipped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, readdir, readFile, stat } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser as PwBrowser, type BrowserContext as PwContext, type Page as PwPage } from 'playwright-core';
import { onTestFinished } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium-config.mjs';
import { HARNESS_PATH, LIBRARY_PATH, REPO_ROOT, startStaticServer } from './chromium';

export type EngineName = 'chromium' | 'firefox' | 'webkit';
export const ENGINE_NAMES: readonly EngineName[] = ['chromium', 'firefox', 'webkit'];

/** What the driver of an engine can do to a page (not what the engine does: that is observed). */
export interface EngineCapabilities {
  /** The driver can emulate being offline (`offline`/`online` events, `navigator.onLine`). WebDriver has no such command. */
  readonly canGoOffline: boolean;
  /** The driver can freeze and resume a page (CDP `Page.setWebLifecycleState`): Chromium only, see freeze.test.ts. */
  readonly canFreeze: boolean;
  /** The driver reports uncaught page errors as events (WebKit: read from the page's own `error` listener instead). */
  readonly pageErrorEvents: boolean;
}

export const CAPABILITIES: Readonly<Record<EngineName, EngineCapabilities>> = {
  chromium: { canGoOffline: true, canFreeze: true, pageErrorEvents: true },
  firefox: { canGoOffline: true, canFreeze: false, pageErrorEvents: true },
  webkit: { canGoOffline: false, canFreeze: false, pageErrorEvents: false },
};

/** The engine of this test process: `RWS_BROWSER`, default `chromium`. */
export const ENGINE: EngineName = parseEngine(process.env.RWS_BROWSER);
export const CAN: EngineCapabilities = CAPABILITIES[ENGINE];

function parseEngine(value: string | undefined): EngineName {
  if (value === undefined || value === '') return 'chromium';
  if ((ENGINE_NAMES as readonly string[]).includes(value)) return value as EngineName;
  throw new Error(`RWS_BROWSER=${value}: expected one of ${ENGINE_NAMES.join(', ')}`);
}

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB_PATH = process.env.XVFB_PATH ?? '/usr/bin/Xvfb';

/** The binaries each engine needs and the Debian package that ships each. */
export const REQUIREMENTS: Readonly<Record<EngineName, readonly { path: string; pkg: string }[]>> = {
  chromium: [{ path: CHROMIUM_PATH, pkg: 'chromium' }],
  firefox: [{ path: FIREFOX_PATH, pkg: 'firefox-esr' }],
  webkit: [
    { path: WEBKIT_DRIVER_PATH, pkg: 'webkit2gtk-driver' },
    { path: MINIBROWSER_PATH, pkg: 'webkit2gtk-driver' },
    { path: XVFB_PATH, pkg: 'xvfb' },
  ],
};

/** The error for missing binaries: what is missing and the apt-get line that installs it. */
export function missingBrowserMessage(engine: EngineName, missing: readonly { path: string; pkg: string }[]): string {
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  if (engine === 'webkit' && !pkgs.includes('xauth')) pkgs.push('xauth');
  const flags = engine === 'webkit' ? '--no-install-recommends ' : '';
  return (
    `${engine} browser tests need ${missing.map((m) => m.path).join(', ')} (not found or not executable). ` +
    `Install with: sudo apt-get install -y ${flags}${pkgs.join(' ')}. Browser tests are never skipped.`
  );
}

/** Throws {@link missingBrowserMessage} unless every binary in `requirements` is executable. */
export async function checkBinaries(engine: EngineName, requirements = REQUIREMENTS[engine]): Promise<void> {
  const missing: { path: string; pkg: string }[] = [];
  for (const r of requirements) {
    try {
      await access(r.path, fsConstants.X_OK);
    } catch {
      missing.push(r);
    }
  }
  if (missing.length) throw new Error(missingBrowserMessage(engine, missing));
}

// ---------------------------------------------------------------------------------------------
// The interface the tests use
// ---------------------------------------------------------------------------------------------

/** A function sent to the page: it is serialised (toString), so it may use only its argument and page globals. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

export interface EnginePage {
  readonly engine: EngineName;
  /** Run `fn(arg)` in the page and resolve with its (awaited, JSON-like) result. */
  evaluate<R, A = undefined>(fn: PageFunction<A, R>, arg?: A): Promise<R>;
  /** Navigate and wait for `load`. */
  goto(url: string): Promise<void>;
  /** History back (resolves once the navigation committed; poll the page for what happened). */
  goBack(): Promise<void>;
  /** Emulate offline/online. Throws in an engine whose driver cannot ({@link EngineCapabilities.canGoOffline}). */
  setOffline(offline: boolean): Promise<void>;
  /**
   * Uncaught errors and unhandled rejections in the page so far. In WebKit they are what the
   * page's own listeners recorded (`window.__rwsPageErrors`, installed by the test pages).
   */
  pageErrors(): Promise<string[]>;
  /** Console lines (`[type] text`) where the driver reports them; WebKit: none. */
  readonly consoleLines: string[];
  /** Chromium only: the Playwright page, for Chromium-specific checks. */
  readonly playwright?: { page: PwPage; context: PwContext };
  close(): Promise<void>;
}

export interface EngineBrowser {
  readonly engine: EngineName;
  /** e.g. `Chromium 156.0…`, `Firefox 153.8.0`, `WebKitGTK 2.50.6`. */
  readonly version: string;
  newPage(): Promise<EnginePage>;
  close(): Promise<void>;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const bounded = <T>(p: Promise<T>, ms: number): Promise<T | undefined> => Promise.race([p, delay(ms).then(() => undefined)]);

/** Launch the engine of this process (or `engine`). Fails, with how to install it, if it is missing. */
export async function launchBrowser(engine: EngineName = ENGINE): Promise<EngineBrowser> {
  await checkBinaries(engine);
  if (engine === 'chromium') return launchChromiumEngine();
  if (engine === 'firefox') return launchFirefoxEngine();
  return launchWebKitEngine();
}

// ---------------------------------------------------------------------------------------------
// Chromium: playwright-core
// ---------------------------------------------------------------------------------------------

async function launchChromiumEngine(): Promise<EngineBrowser> {
  const browser: PwBrowser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    // Playwright turns the back/forward cache off by default; users have it on.
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
    timeout: 30_000,
  });
  return {
    engine: 'chromium',
    version: `Chromium ${browser.version()}`,
    async newPage() {
      const context = await browser.newContext();
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const errors: string[] = [];
      const consoleLines: string[] = [];
      page.on('pageerror', (err) => errors.push(err.stack ?? err.message));
      page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
      return {
        engine: 'chromium',
        consoleLines,
        playwright: { page, context },
        evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) => page.evaluate(fn as (a: unknown) => R, arg as unknown) as Promise<R>,
        async goto(url) {
          const res = await page.goto(url, { waitUntil: 'load' });
          if (res && !res.ok()) throw new Error(`GET ${url} answered ${res.status()}`);
        },
        async goBack() {
          await page.goBack({ waitUntil: 'commit' });
        },
        setOffline: (offline) => context.setOffline(offline),
        pageErrors: async () => [...errors],
        async close() {
          await bounded(context.close(), 10_000);
        },
      };
    },
    async close() {
      await bounded(browser.close(), 10_000);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Firefox: puppeteer-core over WebDriver BiDi
// ---------------------------------------------------------------------------------------------

/** Firefox reports failed network connections through the page's error channel; they are not page errors. */
const FIREFOX_NETWORK_NOISE = /can.t establish a connection|connection to .* was interrupted|NS_ERROR_/i;

async function launchFirefoxEngine(): Promise<EngineBrowser> {
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    protocol: 'webDriverBiDi',
    timeout: 60_000,
    // Keep Firefox from dialling out on this closed network.
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'browser.safebrowsing.malware.enabled': false,
      'browser.safebrowsing.phishing.enabled': false,
      'network.captive-portal-service.enabled': false,
      'network.connectivity-service.enabled': false,
    },
  });
  const version = await browser.version(); // "firefox/153.8.0"
  return {
    engine: 'firefox',
    version: `Firefox ${version.replace(/^firefox\//i, '')}`,
    async newPage() {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const errors: string[] = [];
      const consoleLines: string[] = [];
      page.on('pageerror', (err) => {
        const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
        if (!FIREFOX_NETWORK_NOISE.test(text)) errors.push(text);
      });
      page.on('console', (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
      return {
        engine: 'firefox',
        consoleLines,
        evaluate: <R, A>(fn: PageFunction<A, R>, arg?: A) => page.evaluate(fn as (a: unknown) => R, arg as unknown) as Promise<R>,
        async goto(url) {
          const res = await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
          if (res && !res.ok()) throw new Error(`GET ${url} answered ${res.status()}`);
        },
        async goBack() {
          await page.goBack({ timeout: 15_000 });
        },
        setOffline: (offline) => page.setOfflineMode(offline),
        pageErrors: async () => [...errors],
        async close() {
          await bounded(context.close(), 10_000);
        },
      };
    },
    async close() {
      await bounded(browser.close(), 15_000);
      const proc = browser.process();
      if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

// ---------------------------------------------------------------------------------------------
// WebKitGTK: WebKitWebDriver (W3C WebDriver over HTTP) + MiniBrowser under Xvfb
// ---------------------------------------------------------------------------------------------

const live = new Set<ChildProcess>();
let exitHook = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const c of live) {
        for (const pid of descendantsSync.get(c) ?? []) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // gone
          }
        }
        c.kill('SIGKILL');
      }
    });
  }
}
/** Last known descendants (MiniBrowser and its web processes) of each driver, for the exit hook. */
const descendantsSync = new WeakMap<ChildProcess, number[]>();

/** PIDs of every descendant of `pid`, from /proc (children first listed last). */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const walk = async (p: number, depth: number): Promise<void> => {
    if (depth > 6) return;
    const tasks = await readdir(`/proc/${p}/task`).catch(() => [] as string[]);
    for (const t of tasks) {
      const text = await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
      for (const c of text.split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        await walk(c, depth + 1);
      }
    }
  };
  await walk(pid, 0);
  return out;
}

async function stopChild(child: ChildProcess, extraPids: readonly number[] = []): Promise<void> {
  const exited = new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    child.once('exit', () => r());
  });
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await bounded(exited, 3000);
  for (const pid of extraPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await bounded(exited, 3000);
  }
}

/** Start Xvfb on a display it picks itself (`-displayfd`); resolves with `:N`. */
async function startXvfb(): Promise<{ display: string; child: ChildProcess }> {
  const child = spawn(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp', '-noreset'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  try {
    const display = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('Xvfb did not report a display within 15 s')), 15_000);
      const fd3 = child.stdio[3] as NodeJS.ReadableStream;
      fd3.setEncoding('utf8');
      fd3.on('data', (d: string) => {
        out += d;
        const m = /^(\d+)\n/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(`:${m[1]}`);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Xvfb exited (${String(code)}) before it was ready`));
      });
    });
    return { display, child };
  } catch (err) {
    await stopChild(child);
    throw new Error(`${(err as Error).message}\nXvfb stderr:\n${stderr}`);
  }
}

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

interface WdResponse {
  value: unknown;
}
class WebDriverError extends Error {
  constructor(readonly error: string, message: string) {
    super(`WebDriver ${error}: ${message}`);
  }
}

/** A WebKitWebDriver process on `display`, answering on a free 127.0.0.1 port. */
async function startWebKitDriver(display: string): Promise<{ base: string; child: ChildProcess }> {
  let stderr = '';
  for (let tries = 0; tries < 3; tries++) {
    const port = await freePort();
    const child = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`, '--host=127.0.0.1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DISPLAY: display },
    });
    track(child);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
    const base = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await fetch(`${base}/status`).then((r) => r.ok, () => false)) return { base, child };
      await delay(50);
    }
    await stopChild(child);
  }
  throw new Error(`WebKitWebDriver did not answer /status within 10 s (3 tries).\nstderr:\n${stderr}`);
}

/**
 * One Xvfb per browser; one WebKitWebDriver per page, because WebKitWebDriver allows a single
 * active session ("Maximum number of active sessions") and each session is one MiniBrowser.
 */
async function launchWebKitEngine(): Promise<EngineBrowser> {
  const xvfb = await startXvfb();
  let version = 'WebKitGTK';
  const pages = new Set<EnginePage>();

  const newPage = async (): Promise<EnginePage> => {
    const { base, child: driver } = await startWebKitDriver(xvfb.display);
    const call = async (method: string, path: string, body?: unknown, timeout = 60_000): Promise<unknown> => {
      const res = await fetch(base + path, {
        method,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeout),
      });
      const json = (await res.json()) as WdResponse;
      const v = json.value as { error?: string; message?: string } | null;
      if (!res.ok || (v && typeof v === 'object' && typeof v.error === 'string')) {
        throw new WebDriverError(v?.error ?? String(res.status), v?.message ?? JSON.stringify(json));
      }
      return json.value;
    };
    let s = '';
    let closed: Promise<void> | undefined;
    const close = (): Promise<void> => {
      closed ??= (async () => {
        pages.delete(page);
        if (s) await call('DELETE', s, undefined, 10_000).catch(() => undefined);
        await stopChild(driver, await descendants(driver.pid!));
      })();
      return closed;
    };
    const page: EnginePage = {
      engine: 'webkit',
      consoleLines: [],
      async evaluate<R, A>(fn: PageFunction<A, R>, arg?: A): Promise<R> {
        // Execute Script awaits a returned promise. The function runs in a task of its own (a
        // zero timer), like a page script, so the microtasks it queues (the client's held first
        // events) run before any later event. Without it, one full run recorded 'open' before
        // 'connecting' in WebKit: most likely an automation script ends without a microtask
        // checkpoint there (not confirmed; not reproduced in 4 further runs).
        // The result crosses as JSON text, so that (as with the other drivers) properties holding
        // `undefined` are left out, not `null`.
        const script =
          `const fn = (${fn.toString()}); const arg = arguments[0];` +
          `return new Promise((resolve, reject) => setTimeout(() => { try { Promise.resolve(fn(arg)).then(resolve, reject); } catch (e) { reject(e); } }, 0))` +
          `.then((v) => (v === undefined ? '' : JSON.stringify({ v })));`;
        const out = (await call('POST', `${s}/execute/sync`, { script, args: [arg === undefined ? null : arg] })) as string;
        return (out === '' ? undefined : (JSON.parse(out) as { v: R }).v) as R;
      },
      async goto(url) {
        await call('POST', `${s}/url`, { url });
      },
      async goBack() {
        await call('POST', `${s}/back`, {});
      },
      async setOffline() {
        throw new Error('WebKitWebDriver has no offline command (W3C WebDriver defines none): check CAN.canGoOffline first.');
      },
      async pageErrors() {
        return page.evaluate(() => ((window as unknown as { __rwsPageErrors?: string[] }).__rwsPageErrors ?? []).slice()).catch(() => []);
      },
      close,
    };
    pages.add(page);
    try {
      const created = (await call(
        'POST',
        '/session',
        {
          capabilities: {
            alwaysMatch: {
              // Without --automation, POST /session hangs (MiniBrowser waits for a user).
              'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args: ['--automation'] },
              pageLoadStrategy: 'normal',
            },
          },
        },
        30_000,
      )) as { sessionId: string; capabilities: { browserVersion?: string } };
      s = `/session/${created.sessionId}`;
      version = `WebKitGTK ${created.capabilities.browserVersion ?? ''}`.trim();
      descendantsSync.set(driver, await descendants(driver.pid!));
      await call('POST', `${s}/timeouts`, { script: 60_000, pageLoad: 30_000, implicit: 0 });
    } catch (err) {
      await close();
      throw err;
    }
    return page;
  };

  // A first session tells the version (and proves the setup works before any test relies on it).
  try {
    await (await newPage()).close();
  } catch (err) {
    await stopChild(xvfb.child);
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    engine: 'webkit',
    get version() {
      return version;
    },
    newPage,
    close() {
      closing ??= (async () => {
        for (const p of [...pages]) await p.close();
        await stopChild(xvfb.child);
      })();
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

export interface EnginePageFixture {
  browser: EngineBrowser;
  page: EnginePage;
  /** Static server origin (repo root), e.g. `http://127.0.0.1:41234`. */
  origin: string;
}

export interface EnginePageOptions {
  /** Reuse a launched browser (not closed by the fixture). Default: launch one for this test. */
  browser?: EngineBrowser;
  /** Page to open on the static server; default the harness (`window.RWS`). `null`: open nothing. */
  path?: string | null;
  /** Wait for `window.RWS`; default true when `path` is the harness. */
  waitForLibrary?: boolean;
  /** Directory to serve; default the repo root. */
  root?: string;
}

/** Poll `fn` in the page until it returns something truthy (bounded); resolves with it. */
export async function waitInPage<T, A = undefined>(
  page: EnginePage,
  fn: PageFunction<A, T>,
  arg?: A,
  { timeout = 10_000, interval = 25, message }: { timeout?: number; interval?: number; message?: () => string | Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await page.evaluate(fn, arg);
      if (v) return v;
      last = v;
    } catch (err) {
      last = err; // e.g. the page is navigating
    }
    if (Date.now() > deadline) {
      const extra = message ? await message() : '';
      throw new Error(`waitInPage (${page.engine}): not truthy within ${timeout} ms: ${fn.toString().slice(0, 300)}\nlast: ${String(last)}${extra ? `\n${extra}` : ''}`);
    }
    await delay(interval);
  }
}

/**
 * Vitest fixture: a page of `opts.browser` (or of a browser launched for this test), a static
 * server on the repo root, and the harness page loaded with the library. Torn down in
 * `onTestFinished`, in reverse order, each step bounded.
 */
export async function useEnginePage(opts: EnginePageOptions = {}): Promise<EnginePageFixture> {
  const teardown: Array<() => Promise<unknown>> = [];
  onTestFinished(async () => {
    for (const step of teardown.reverse()) await bounded(step().catch(() => undefined), 15_000);
  });
  const path = opts.path === undefined ? HARNESS_PATH : opts.path;
  const waitForLibrary = opts.waitForLibrary ?? path === HARNESS_PATH;
  const root = opts.root ?? REPO_ROOT;
  if (waitForLibrary) {
    const libraryFile = join(root, ...LIBRARY_PATH.split('/'));
    if (!(await stat(libraryFile).then((s) => s.isFile(), () => false))) {
      throw new Error(`${libraryFile} does not exist. Browser tests run against the built file: run "npm run build" first.`);
    }
  }
  const server = await startStaticServer(root);
  teardown.push(() => server.close());
  let browser = opts.browser;
  if (!browser) {
    const owned = await launchBrowser();
    teardown.push(() => owned.close());
    browser = owned;
  }
  const page = await browser.newPage();
  teardown.push(() => page.close());
  if (path !== null) await page.goto(server.origin + path);
  if (waitForLibrary) {
    await waitInPage(page, () => (window as unknown as { RWS?: unknown }).RWS !== undefined, undefined, {
      timeout: 15_000,
      message: async () => `${LIBRARY_PATH} did not load.\npage errors: ${JSON.stringify(await page.pageErrors())}\nconsole: ${JSON.stringify(page.consoleLines)}`,
    });
  }
  return { browser, page, origin: server.origin };
}

/** A display name for test titles: `Chromium`, `Firefox`, `WebKit`. */
export const ENGINE_TITLE: string = { chromium: 'Chromium', firefox: 'Firefox', webkit: 'WebKit' }[ENGINE];
