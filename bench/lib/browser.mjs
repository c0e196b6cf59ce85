// @ts-check
/**
 * Browser side of the benchmarks: Debian's Chromium through playwright-core (as the browser
 * tests do, with the same flags from test/support/chromium-config.mjs), a static server for the repo root, and the page
 * bundles (the libraries under test, bundled by rolldown from their published entry points).
 */
import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { access, constants, mkdir, realpath, stat, writeFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { chromium } from 'playwright-core';
import { rolldown } from 'rolldown';
import { REPO_ROOT } from './common.mjs';
import { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumNotFoundMessage } from '../../test/support/chromium-config.mjs';

export { CHROMIUM_ARGS, CHROMIUM_PATH };

/** @typedef {import('playwright-core').Browser} Browser */
/** @typedef {import('playwright-core').Page} Page */
/** @typedef {import('playwright-core').CDPSession} CDPSession */

/**
 * Launch headless Chromium. `extraArgs` e.g. `--js-flags=--expose-gc`. `cpus` (a `taskset` CPU
 * list such as `1` or `1-3`) runs every Chromium process on those CPUs only.
 * @param {string[]} [extraArgs]
 * @param {{ cpus?: string }} [opts]
 * @returns {Promise<Browser>}
 */
export async function launchChromium(extraArgs = [], opts = {}) {
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(chromiumNotFoundMessage(CHROMIUM_PATH));
  }
  let executablePath = CHROMIUM_PATH;
  if (opts.cpus) {
    if (!/^[0-9,-]+$/.test(opts.cpus)) throw new Error(`launchChromium: bad CPU list ${opts.cpus}`);
    // Chromium's child processes inherit the affinity of the process taskset starts.
    await mkdir(BUILD_DIR, { recursive: true });
    executablePath = join(BUILD_DIR, `chromium-cpus-${opts.cpus}.sh`);
    await writeFile(executablePath, `#!/bin/sh\nexec taskset -c ${opts.cpus} ${JSON.stringify(CHROMIUM_PATH)} "$@"\n`, { mode: 0o755 });
  }
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 30_000 });
}

/**
 * Serve the repo root on 127.0.0.1 (port 0), GET only, no caching.
 * @returns {Promise<{ origin: string, close(): Promise<void> }>}
 */
export async function startStaticServer() {
  const root = await realpath(REPO_ROOT);
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = resolve(root, '.' + path);
    const info = file.startsWith(root + sep) ? await stat(file).catch(() => undefined) : undefined;
    if (req.method !== 'GET' || !info?.isFile()) {
      res.writeHead(404).end('Not Found');
      return;
    }
    const type = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html' }[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store', 'Content-Length': info.size });
    createReadStream(file).pipe(res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', () => r(undefined)));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('static server: no address');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((r) => {
        server.close(() => r(undefined));
        for (const s of sockets) s.destroy();
      }),
  };
}

/**
 * Page bundles: each is an entry module (kept here as text so that the repo's type-check does not
 * need `dist/` to exist) that puts the libraries on `window.bench`.
 */
const BUNDLES = {
  clients: `
    import * as rws from 'resilient-ws';
    import ReconnectingWebSocket from 'reconnecting-websocket';
    import PartySocketWS from 'partysocket/ws';
    import Sockette from 'sockette';
    import * as websocketTs from 'websocket-ts';
    import RobustWebSocket from 'robust-websocket';
    window.bench = { rws, ReconnectingWebSocket, PartySocketWS, Sockette, websocketTs, RobustWebSocket };
  `,
  react: `
    import * as React from 'react';
    import * as ReactDOMClient from 'react-dom/client';
    import * as rws from 'resilient-ws';
    import { useWebSocket } from 'resilient-ws/react';
    import * as ReactUseWebSocket from 'react-use-websocket';
    // CommonJS with __esModule: the hook is \`default\` or \`default.default\` depending on interop.
    const d = ReactUseWebSocket.default;
    const useReactUseWebSocket = typeof d === 'function' ? d : d.default;
    window.bench = { React, ReactDOMClient, rws, useWebSocket, useReactUseWebSocket };
  `,
};

/** @typedef {keyof typeof BUNDLES} BundleName */

/**
 * What `window.bench` holds in a page (peers are untyped here; their own types are not needed).
 * @typedef {{
 *   rws: typeof import('../../src/index'),
 *   ReconnectingWebSocket: any, PartySocketWS: any, Sockette: any, websocketTs: any, RobustWebSocket: any,
 *   React: typeof import('react'), ReactDOMClient: typeof import('react-dom/client'),
 *   useWebSocket: typeof import('../../src/react/index').useWebSocket, useReactUseWebSocket: any,
 * }} BenchGlobals
 */

const BUILD_DIR = join(REPO_ROOT, 'bench', '.build');

/**
 * Bundle the page libraries into `bench/.build/<name>.js` (production React, not minified).
 * @param {BundleName} name
 */
export async function buildBundle(name) {
  await mkdir(BUILD_DIR, { recursive: true });
  const input = join(BUILD_DIR, `${name}.entry.js`);
  await writeFile(input, BUNDLES[name]);
  const build = await rolldown({
    input,
    cwd: REPO_ROOT,
    platform: 'browser',
    logLevel: 'silent',
    transform: { define: { 'process.env.NODE_ENV': '"production"' } },
  });
  try {
    await build.write({ file: join(BUILD_DIR, `${name}.js`), format: 'esm', codeSplitting: false });
  } finally {
    await build.close();
  }
}

/**
 * Open `bench/page.html` with bundle `name` loaded (`window.bench` set). `initScript` runs in the
 * page before any of its scripts (instrumentation).
 * @param {Browser} browser
 * @param {string} origin
 * @param {BundleName} name
 * @param {{ initScript?: () => void }} [opts]
 * @returns {Promise<Page>}
 */
export async function openPage(browser, origin, name, opts = {}) {
  const page = await browser.newPage();
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  if (opts.initScript) await page.addInitScript(opts.initScript);
  await page.goto(`${origin}/bench/page.html?bundle=${name}`);
  await page.waitForFunction(() => document.body.dataset.ready === '1', undefined, { timeout: 30_000 });
  return page;
}
