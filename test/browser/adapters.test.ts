/**
 * Issue 5 in real Chromium: the React hook and the Vue composable, bundled the way an app would
 * bundle them (Vite, with React/Vue inside), render the connection status into the DOM, and the
 * DOM follows the client through a server close 1011 and the reconnect.
 *
 * The pages are test/browser/pages/react-status.{html,tsx} and vue-status.{html,ts}; beforeAll
 * builds them with Vite's JS API into a temp dir, which the static server then serves. Each page
 * records every text its `#status` element shows (MutationObserver), so a state rendered only
 * briefly still counts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { launchChromium, REPO_ROOT, useBrowserPage, waitForPage, type Browser, type Page } from '../support/chromium';
import { useFaultServer } from '../support/fixtures';
import type { FaultServer } from '../support/fault-server.mjs';

const PAGES = {
  react: 'test/browser/pages/react-status.html',
  vue: 'test/browser/pages/vue-status.html',
} as const;

let browser: Browser;
let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'rws-adapter-pages-'));
  const [launched] = await Promise.all([
    launchChromium(),
    build({
      configFile: false,
      root: REPO_ROOT,
      logLevel: 'error',
      // React's CommonJS entry points pick their build from process.env.NODE_ENV.
      define: {
        'process.env.NODE_ENV': '"production"',
        __VUE_OPTIONS_API__: 'false',
        __VUE_PROD_DEVTOOLS__: 'false',
        __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      },
      mode: 'production',
      oxc: { jsx: { runtime: 'automatic', importSource: 'react', development: false } },
      build: {
        outDir,
        emptyOutDir: true,
        target: 'es2022',
        minify: false,
        modulePreload: false,
        copyPublicDir: false,
        reportCompressedSize: false,
        rolldownOptions: { input: Object.values(PAGES).map((p) => join(REPO_ROOT, p)) },
      },
    }),
  ]);
  browser = launched;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

interface StatusWindow {
  __statusHistory?: string[];
}

const history = (page: Page): Promise<string[]> => page.evaluate(() => [...((window as unknown as StatusWindow).__statusHistory ?? [])]);

async function openAdapterPage(kind: keyof typeof PAGES, server: FaultServer) {
  const fixture = await useBrowserPage({
    browser,
    root: outDir,
    path: `/${PAGES[kind]}?ws=${encodeURIComponent(server.url)}`,
    waitForLibrary: false,
  });
  onTestFinished(() => {
    expect(fixture.pageErrors).toEqual([]);
  });
  const describePage = () => `page errors: ${JSON.stringify(fixture.pageErrors)}\nconsole: ${JSON.stringify(fixture.consoleLines)}`;
  await waitForPage(fixture.page, () => document.body.dataset.ready === '1', { message: describePage });
  return { ...fixture, describePage };
}

async function statusFollowsServerClose(kind: keyof typeof PAGES) {
  const server = await useFaultServer();
  const { page, describePage } = await openAdapterPage(kind, server);
  const status = page.locator('#status');

  await waitForPage(page, () => document.querySelector('#status')?.textContent === 'open', { message: describePage });
  const first = await server.waitFor('connect');
  expect(first.path).toBe(`/${kind}`);
  const before = await history(page);
  // Rendered before the first effect as idle, then the connection's own statuses.
  expect(before).toEqual(['idle', 'connecting', 'open']);
  const mark = server.mark();

  expect(server.closeAll(1011, 'internal error')).toBe(1);
  const next = await server.waitFor('connect', { since: mark, timeout: 5000 });
  expect(next.id).not.toBe(first.id);
  await waitForPage(page, () => (window as unknown as StatusWindow).__statusHistory!.filter((s) => s === 'open').length >= 2, {
    message: describePage,
  }).catch(async (err: Error) => {
    throw new Error(`${err.message}\n#status history: ${JSON.stringify(await history(page))}`);
  });

  const after = await history(page);
  console.info(`[adapters] ${kind}: #status showed ${after.join(' → ')}`);
  expect(after).toEqual([...before, 'reconnecting', 'connecting', 'open']);
  expect(await status.textContent()).toBe('open');
  expect(server.log.filter((e) => e.kind === 'connect')).toHaveLength(2); // one shared connection, even under StrictMode
}

describe('framework adapters in Chromium', () => {
  test('React useWebSocket renders open → reconnecting → connecting → open when the server closes with 1011', async () => {
    await statusFollowsServerClose('react');
  });

  test('Vue useWebSocket renders open → reconnecting → connecting → open when the server closes with 1011', async () => {
    await statusFollowsServerClose('vue');
  });
});
