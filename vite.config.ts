import type { BuildEnvironmentOptions } from 'vite';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * One config, two library builds and six test projects.
 *
 * - `vite build` (default mode): the npm package. ESM, one file per entry, every dependency
 *   external (mitt, the optional React/Vue peers, and `ws` and Node builtins for the Node-only
 *   `resilient-ws/server`), not minified so consumers' bundlers can tree-shake and read it.
 * - `vite build --mode browser`: the self-contained file for `<script type=module>` with no
 *   bundler: mitt inlined, minified, no bare imports. Written to `dist/browser/`.
 *
 * Test projects (`vitest run` runs all seven; `--project NAME` picks one):
 * - unit: happy-dom + fake timers, pure policy and the orchestrator against a scripted socket.
 * - integration: Node, the real fault server (`ws`) on port 0, undici's spec-like WebSocket.
 * - browser-chromium, browser-firefox, browser-webkit: Node drives Debian's Chromium
 *   (playwright-core), Firefox ESR (puppeteer-core over WebDriver BiDi) or WebKitGTK
 *   (WebKitWebDriver under Xvfb) against the built files; see test/support/browsers.ts.
 * - interop: the same, against libwebsockets' test server and nginx (Debian packages).
 * - package: the packed tarball (publint, attw, a TypeScript consumer), against the built files.
 */
/** Browser engines of the browser test projects (test/support/browsers.ts reads `RWS_BROWSER`). */
const ENGINES = ['chromium', 'firefox', 'webkit'] as const;

/**
 * The browser suites that run in every engine. The other files in test/browser drive Chromium
 * through Playwright or CDP only (page freezing, the harness self-test, the full demo and adapter
 * pages) and run in the `browser-chromium` project.
 */
const CROSS_ENGINE_FILES = [
  'test/browser/core.test.ts',
  'test/browser/messages.test.ts',
  'test/browser/liveness.test.ts',
  'test/browser/standalone.test.ts',
  'test/browser/engines.test.ts',
  'test/browser/demo-smoke.test.ts',
  'test/browser/server-close.test.ts',
  'test/browser/handshake.test.ts',
];

const external = [/^mitt$/, /^react($|\/)/, /^react-dom($|\/)/, /^vue($|\/)/, /^resilient-ws($|\/)/];
/** The Node-only `resilient-ws/server` entry's peers: `ws` and Node's builtins are never bundled. */
const serverExternal = [/^ws($|\/)/, /^node:/];

const browserBuild: BuildEnvironmentOptions = {
  outDir: 'dist/browser',
  emptyOutDir: true,
  minify: true,
  target: 'es2022',
  lib: {
    entry: { 'resilient-ws': 'src/index.ts', 'i18n/zh-CN': 'src/i18n/zh-CN.ts' },
    formats: ['es'],
    fileName: (_format, name) => `${name}.min.js`,
  },
  // Library mode keeps whitespace in ES output by default; this file is for direct use, so
  // minify it fully.
  rolldownOptions: { output: { minify: true } },
};

const packageBuild: BuildEnvironmentOptions = {
  outDir: 'dist',
  emptyOutDir: true,
  minify: false,
  target: 'es2022',
  lib: {
    entry: { index: 'src/index.ts', core: 'src/core/index.ts', 'i18n/zh-CN': 'src/i18n/zh-CN.ts', react: 'src/react/index.ts', vue: 'src/vue/index.ts', server: 'src/server/index.ts' },
    formats: ['es'],
    fileName: (_format, name) => `${name}.js`,
  },
  rolldownOptions: { external: [...external, ...serverExternal] },
};

export default defineConfig(({ mode }) => ({
  build: mode === 'browser' ? browserBuild : packageBuild,
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          environment: 'happy-dom',
          include: ['test/unit/**/*.test.{ts,tsx}'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          environment: 'node',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      ...ENGINES.map((engine, i): TestProjectInlineConfiguration => ({
        extends: true,
        test: {
          name: `browser-${engine}`,
          environment: 'node',
          include: engine === 'chromium' ? ['test/browser/**/*.test.ts'] : CROSS_ENGINE_FILES,
          env: { RWS_BROWSER: engine },
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // One engine at a time, after the Node projects: two browsers at once on a 2-core CI
          // machine measure the machine.
          sequence: { groupOrder: 1 + i },
        },
      })),
      {
        extends: true,
        test: {
          // The npm tarball as users get it: publint, attw, Node imports, and a TypeScript consumer
          // under bundler/node16/nodenext. Reads dist, so it runs after `npm run build`.
          name: 'package',
          environment: 'node',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // Real third-party servers (libwebsockets, nginx) in front of Chromium. The long hook
          // timeout leaves room for installing a missing Debian package.
          name: 'interop',
          environment: 'node',
          include: ['test/interop/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 + ENGINES.length },
        },
      },
    ],
  },
}));
