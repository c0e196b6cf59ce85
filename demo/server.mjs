// @ts-check
/**
 * The resilient-ws demo: one command starts
 *  1. the fault-injecting WebSocket server (test/support/fault-server.mjs) on 127.0.0.1, and
 *  2. the page server on 127.0.0.1: the plain demo page (demo/index.html + demo/main.js, served
 *     as they are, importing the self-contained dist/browser/resilient-ws.min.js with no bundler),
 *     the React and Vue pages (bundled by Vite at start-up), and a small JSON control API that
 *     drives the fault server.
 *
 * Usage: `npm run demo` (builds first), or `node demo/server.mjs [--port N] [--ws-port N]`.
 * Ports also come from `PORT` / `WS_PORT`. Port 0 picks a free port. When a default port is taken
 * a free one is used instead (and the console says so); an explicitly requested port that is
 * taken is an error. The first lines printed are machine-readable:
 *   DEMO_URL=http://127.0.0.1:PORT/
 *   DEMO_WS_URL=ws://127.0.0.1:WS_PORT
 *
 * Control API (JSON in, JSON out; same-origin only):
 *   GET  /api/config             → { wsUrl, pages }   pages: the framework pages built ('react', 'vue')
 *   POST /api/token              → { token }   a fresh demo token (the refresh flow)
 *   GET  /api/state[?page=ID]    → { connections, pageConnections?, handshakeMode, down }
 *                                  pageConnections: open connections whose URL has ?page=ID
 *   GET  /api/events             → text/event-stream of the fault server's log
 *   POST /api/fault/close        { code, reason }      clean close of every connection
 *   POST /api/fault/kill                               destroy every TCP connection (→ 1006)
 *   POST /api/fault/blackhole                          stop reading and writing (half-open)
 *   POST /api/fault/down         { ms }                refuse all connections for ms (≤ 60 s)
 *   POST /api/fault/raw-close    { payload }           a close frame whose payload is only text
 *   POST /api/fault/notice       { code, reason, retryAfter }  the in-band close notice, then a
 *                                                      TCP close with no close frame (what a libhv
 *                                                      server does): the client reports the notice
 *   POST /api/fault/reject       { status, count }     answer the next handshake(s) with HTTP status
 *   POST /api/fault/accept                             back to accepting handshakes
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isServerCode } from '../dist/index.js';
import { startFaultServer } from '../test/support/fault-server.mjs';

const DEMO_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(DEMO_DIR, '..');
const HOST = '127.0.0.1';
const DEFAULT_PORT = 8080;
const DEFAULT_WS_PORT = 8081;
/** Temporary build directories, removed on exit. @type {Set<string>} */
const tempDirs = new Set();

/** The page's Content-Security-Policy (also in each page's meta tag; the header adds frame-ancestors). */
export const CSP =
  "default-src 'self'; script-src 'self'; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; " +
  "style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'";

const MIME = /** @type {Record<string, string>} */ ({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json; charset=utf-8',
});

/**
 * Files of the plain page, served verbatim: URL path → file. No bundler touches them; the
 * library is exactly the self-contained build.
 */
const PLAIN_FILES = /** @type {Record<string, string>} */ ({
  '/': join(DEMO_DIR, 'index.html'),
  '/index.html': join(DEMO_DIR, 'index.html'),
  '/main.js': join(DEMO_DIR, 'main.js'),
  '/timeline.js': join(DEMO_DIR, 'timeline.js'),
  '/style.css': join(DEMO_DIR, 'style.css'),
  '/resilient-ws.min.js': join(ROOT, 'dist', 'browser', 'resilient-ws.min.js'),
  '/i18n/zh-CN.min.js': join(ROOT, 'dist', 'browser', 'i18n', 'zh-CN.min.js'),
});

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/**
 * @param {string} name  flag name without dashes
 * @param {string} env   environment variable
 * @param {number} fallback
 * @returns {{ port: number, explicit: boolean }}
 */
function portSetting(name, env, fallback) {
  const args = process.argv.slice(2);
  /** @type {string | undefined} */
  let raw;
  for (let i = 0; i < args.length; i++) {
    const a = /** @type {string} */ (args[i]);
    if (a === `--${name}`) raw = args[++i];
    else if (a.startsWith(`--${name}=`)) raw = a.slice(name.length + 3);
  }
  raw ??= process.env[env];
  if (raw === undefined || raw === '') return { port: fallback, explicit: false };
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`error: --${name} / ${env} must be a port number 0–65535, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return { port, explicit: true };
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  console.log('usage: node demo/server.mjs [--port N] [--ws-port N]   (or PORT / WS_PORT; 0 = any free port)');
  process.exit(0);
}

/** @param {unknown} err */
const inUse = (err) => /** @type {NodeJS.ErrnoException} */ (err)?.code === 'EADDRINUSE';

// ---------------------------------------------------------------------------------------------
// Framework pages (React / Vue), bundled by Vite at start-up
// ---------------------------------------------------------------------------------------------

/**
 * Builds demo/frameworks/*.html with Vite into a temporary directory. Skipped (with a note) when
 * the adapters are not there.
 * @returns {Promise<{ dir: string | null, pages: string[] }>}
 */
async function buildFrameworkPages() {
  const inputs = /** @type {Record<string, string>} */ ({});
  for (const [name, adapter] of [
    ['react', 'src/react/index.ts'],
    ['vue', 'src/vue/index.ts'],
  ]) {
    const page = join(DEMO_DIR, 'frameworks', `${name}.html`);
    const ok = (await exists(join(ROOT, /** @type {string} */ (adapter)))) && (await exists(page));
    if (ok) inputs[/** @type {string} */ (name)] = page;
  }
  if (Object.keys(inputs).length === 0) return { dir: null, pages: [] };
  const dir = await mkdtemp(join(tmpdir(), 'resilient-ws-demo-'));
  tempDirs.add(dir);
  const { build } = await import('vite');
  await build({
    configFile: false,
    root: join(DEMO_DIR, 'frameworks'),
    base: '/',
    logLevel: 'warn',
    clearScreen: false,
    publicDir: false,
    mode: 'production',
    // TSX with React's automatic runtime through Vite's own oxc transform: no React plugin.
    // `development: false` even when NODE_ENV says otherwise (e.g. started from a test runner):
    // the production React build has no jsxDEV.
    oxc: { jsx: { runtime: 'automatic', importSource: 'react', development: false } },
    define: {
      'process.env.NODE_ENV': JSON.stringify('production'),
      __VUE_OPTIONS_API__: 'false',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    build: {
      outDir: dir,
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      // No inline module-preload polyfill script: the pages run under script-src 'self'.
      modulePreload: { polyfill: false },
      assetsInlineLimit: 0,
      // (bundlerTimings: no "plugin timings" chatter when a busy machine makes the build slow.)
      rolldownOptions: { input: inputs, checks: { bundlerTimings: false } },
    },
  });
  return { dir, pages: Object.keys(inputs) };
}

/** @param {string} file */
async function exists(file) {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers
// ---------------------------------------------------------------------------------------------

/** @param {http.ServerResponse} res */
function securityHeaders(res) {
  res.setHeader('Content-Security-Policy', `${CSP}; frame-ancestors 'none'`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-store');
}

/**
 * @param {http.ServerResponse} res
 * @param {number} status
 * @param {unknown} body
 */
function json(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Reads a small JSON body (≤ 4 KB). Empty body → {}.
 * @param {http.IncomingMessage} req
 * @returns {Promise<Record<string, unknown>>}
 */
async function readJson(req) {
  /** @type {Buffer[]} */
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += /** @type {Buffer} */ (chunk).length;
    if (size > 4096) throw new RangeError('request body larger than 4 KB');
    chunks.push(/** @type {Buffer} */ (chunk));
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  const value = JSON.parse(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TypeError('body must be a JSON object');
  return value;
}

/**
 * @param {http.ServerResponse} res
 * @param {string} file
 * @param {http.IncomingMessage} req
 */
async function sendFile(res, file, req) {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    json(res, 404, { error: 'not found' });
    return;
  }
  res.writeHead(200, {
    'Content-Type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': info.size,
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res);
}

/**
 * @param {unknown} v
 * @param {string} name
 * @returns {number}
 */
function int(v, name) {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TypeError(`${name} must be an integer`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Start
// ---------------------------------------------------------------------------------------------

async function main() {
  for (const file of ['/resilient-ws.min.js', '/i18n/zh-CN.min.js']) {
    if (!(await exists(/** @type {string} */ (PLAIN_FILES[file])))) {
      console.error(`error: ${PLAIN_FILES[file]} is missing. Run "npm run build" first (or use "npm run demo").`);
      process.exit(1);
    }
  }

  const pagePort = portSetting('port', 'PORT', DEFAULT_PORT);
  const wsPort = portSetting('ws-port', 'WS_PORT', DEFAULT_WS_PORT);

  // 1. The fault server.
  /** @type {Awaited<ReturnType<typeof startFaultServer>>} */
  let fault;
  try {
    fault = await startFaultServer({ host: HOST, port: wsPort.port });
  } catch (err) {
    if (!inUse(err)) throw err;
    if (wsPort.explicit) {
      console.error(`error: WebSocket port ${wsPort.port} is already in use. Choose another with --ws-port or WS_PORT (0 = any free port).`);
      process.exit(1);
    }
    fault = await startFaultServer({ host: HOST, port: 0 });
    console.log(`note: the default WebSocket port ${wsPort.port} is in use; using free port ${fault.port} instead.`);
  }

  /** The React/Vue pages, once built (after the page server listens, so port errors come first). */
  /** @type {{ dir: string | null, pages: string[] }} */
  let frameworks = { dir: null, pages: [] };

  let tokenSeq = 1;
  /** @type {Set<http.ServerResponse>} */
  const streams = new Set();
  let origin = '';

  /** @type {Record<string, (body: Record<string, unknown>) => unknown>} */
  const faults = {
    close(body) {
      const code = int(body.code ?? 1000, 'code');
      const reason = typeof body.reason === 'string' ? body.reason : '';
      if (!isServerCode(code)) {
        throw new RangeError(`close code ${code} cannot be sent in a close frame (1000–1003, 1007–1014, 3000–4999)`);
      }
      return { closed: fault.closeAll(code, reason) };
    },
    kill: () => ({ killed: fault.killAll() }),
    blackhole: () => ({ blackholed: fault.blackholeAll() }),
    down(body) {
      const ms = int(body.ms ?? 10_000, 'ms');
      if (ms < 0 || ms > 60_000) throw new RangeError('ms must be 0–60000');
      if (fault.down) throw new Error('the server is already down');
      fault.refuseFor(ms).catch((err) => console.error(`refuseFor failed: ${String(err)}`));
      return { downFor: ms };
    },
    notice(body) {
      const code = int(body.code ?? 4001, 'code');
      if (!isServerCode(code)) {
        throw new RangeError(`close code ${code} cannot be announced (1000–1003, 1007–1014, 3000–4999)`);
      }
      const reason = typeof body.reason === 'string' ? body.reason : 'token expired';
      const retryAfter = body.retryAfter === undefined ? undefined : int(body.retryAfter, 'retryAfter');
      const sent = fault.send(JSON.stringify({ type: 'close', code, reason, retryAfter }));
      // libhv's close(): the TCP connection ends without a close frame (the page sees 1006).
      setTimeout(() => fault.killAll(), 50);
      return { sent };
    },
    'raw-close'(body) {
      const payload = typeof body.payload === 'string' ? body.payload : 'server shutting down';
      return { sent: fault.sendRawClose(payload) };
    },
    reject(body) {
      const status = int(body.status ?? 403, 'status');
      if (status < 400 || status > 599) throw new RangeError('status must be 400–599');
      const count = int(body.count ?? 1, 'count');
      fault.setHandshakeMode('reject', { status, count });
      return { rejecting: count, status };
    },
    accept() {
      fault.setHandshakeMode('accept');
      return { handshakeMode: 'accept' };
    },
  };

  /**
   * Open connections whose URL carries `?page=<page>` (the framework pages send their own id).
   * @param {string} page
   */
  function pageConnections(page) {
    return fault.connections().filter((c) => new URL(c.path, 'ws://x').searchParams.get('page') === page).length;
  }

  /**
   * @param {http.IncomingMessage} req
   * @param {http.ServerResponse} res
   */
  async function handle(req, res) {
    securityHeaders(res);
    // Only our own host names (no DNS rebinding), and writes only from our own pages.
    const host = req.headers.host ?? '';
    const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) return json(res, 421, { error: 'unknown host' });
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;

    if (path.startsWith('/api/')) {
      if (req.method === 'POST') {
        const from = req.headers.origin;
        if (from !== undefined && from !== `http://${host}`) return json(res, 403, { error: 'cross-origin request refused' });
        if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) {
          return json(res, 415, { error: 'send Content-Type: application/json' });
        }
      }
      if (path === '/api/config' && req.method === 'GET') return json(res, 200, { wsUrl: fault.url, pages: frameworks.pages });
      if (path === '/api/state' && req.method === 'GET') {
        const page = url.searchParams.get('page');
        return json(res, 200, {
          connections: fault.connectionCount(),
          ...(page === null ? {} : { pageConnections: pageConnections(page) }),
          handshakeMode: fault.handshakeMode,
          down: fault.down,
        });
      }
      if (path === '/api/token' && req.method === 'POST') {
        await readJson(req).catch(() => ({}));
        return json(res, 200, { token: `demo-${++tokenSeq}` });
      }
      if (path === '/api/events' && req.method === 'GET') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
        res.write(': resilient-ws demo server log\n\n');
        streams.add(res);
        req.on('close', () => streams.delete(res));
        return;
      }
      const m = /^\/api\/fault\/([a-z-]+)$/.exec(path);
      const run = m && faults[/** @type {string} */ (m[1])];
      if (run && req.method === 'POST') {
        try {
          const body = await readJson(req);
          return json(res, 200, { ok: true, ...(/** @type {object} */ (run(body))) });
        } catch (err) {
          return json(res, 400, { ok: false, error: err instanceof Error ? err.message : String(err) });
        }
      }
      return json(res, 404, { error: 'no such API' });
    }

    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' });
    if (path === '/favicon.ico') {
      res.writeHead(204);
      return res.end();
    }
    const plain = PLAIN_FILES[path];
    if (plain) return sendFile(res, plain, req);
    if (frameworks.dir) {
      const name = path.replace(/^\/+/, '');
      const file = resolve(frameworks.dir, name);
      if (name && !name.split('/').some((s) => s.startsWith('.')) && file.startsWith(frameworks.dir + sep)) {
        return sendFile(res, file, req);
      }
    }
    return json(res, 404, { error: 'not found' });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) json(res, 500, { error: String(err) });
      else res.destroy();
    });
  });

  let stopping = false;
  const stop = async (/** @type {string} */ signal) => {
    if (stopping) {
      console.log('forced exit');
      process.exit(1);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the demo…`);
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    for (const s of streams) s.end();
    await Promise.all([
      new Promise((ok) => {
        server.close(() => ok(undefined));
        server.closeAllConnections();
      }),
      fault.close(),
    ]);
    for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
    console.log('stopped.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  /** @param {number} port */
  const listen = (port) =>
    new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen(port, HOST, () => {
        server.off('error', fail);
        ok(undefined);
      });
    });
  try {
    await listen(pagePort.port);
  } catch (err) {
    if (!inUse(err)) throw err;
    if (pagePort.explicit) {
      console.error(`error: page port ${pagePort.port} is already in use. Choose another with --port or PORT (0 = any free port).`);
      await fault.close();
      process.exit(1);
    }
    await listen(0);
    const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
    console.log(`note: the default page port ${pagePort.port} is in use; using free port ${port} instead.`);
  }
  const port = /** @type {import('node:net').AddressInfo} */ (server.address()).port;
  origin = `http://${HOST}:${port}`;

  // 2. The React/Vue pages.
  try {
    frameworks = await buildFrameworkPages();
  } catch (err) {
    console.error(`warning: building the React/Vue pages failed; serving the plain page only.\n${String(err)}`);
  }

  // Forward the fault server's log (minus the chatter of data frames) to the pages.
  fault.events.on('log', (/** @type {import('../test/support/fault-server.mjs').LogEntry} */ entry) => {
    if (entry.kind === 'message' || entry.kind === 'send' || entry.kind === 'http' || entry.kind === 'listening') return;
    const data = `data: ${JSON.stringify(entry)}\n\n`;
    for (const s of streams) s.write(data);
  });

  console.log(`DEMO_URL=${origin}/`);
  console.log(`DEMO_WS_URL=${fault.url}`);
  console.log('');
  console.log('resilient-ws demo');
  console.log(`  page:        ${origin}/`);
  for (const p of frameworks.pages) console.log(`  ${(p + ' page:').padEnd(12)} ${origin}/${p}.html`);
  if (!frameworks.pages.length) console.log('  (no React/Vue pages: src/react, src/vue or demo/frameworks is missing)');
  console.log(`  websocket:   ${fault.url}/live`);
  console.log('Press Ctrl-C to stop.');

}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
