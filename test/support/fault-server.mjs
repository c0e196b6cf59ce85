// @ts-check
/**
 * A fault-injecting WebSocket test server.
 *
 * Plain ESM JavaScript (no build step) so it can be imported from Vitest TypeScript tests and
 * from `node demo/server.mjs` alike. Built on a Node `http` server that we control plus
 * `ws`'s `WebSocketServer({ noServer: true })`, so every upgrade request is handled according
 * to the current handshake mode, and every established connection can be closed cleanly,
 * killed, black-holed or sent hand-made frames.
 *
 * Only ever listens on loopback by default (`127.0.0.1`, port 0).
 *
 * @example
 * const server = await startFaultServer();
 * const ws = new WebSocket(server.url + '/chat?token=abc');
 * const conn = await server.nextConnection();
 * server.closeAll(4001, '服务端维护中,请稍后重连');
 * await server.close();
 */

import { EventEmitter } from 'node:events';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';

/** @typedef {import('ws').WebSocket} WsSocket */
/** @typedef {import('node:stream').Duplex} Duplex */

/**
 * What the server does with NEW upgrade requests.
 * @typedef {'accept' | 'reject' | 'blackhole' | 'crash' | 'close-after'} HandshakeMode
 */

/**
 * Options for {@link FaultServer.setHandshakeMode}. Which fields matter depends on the mode:
 * - `reject`: `status` (default 503), `count` (number of rejections before going back to
 *   `accept`; omitted = until changed), `body` (short text body). A plain (non-upgrade) HTTP
 *   request gets the same answer, as from an auth middleware that rejects before it looks for an
 *   upgrade; it does not use up `count`.
 * - `crash`: `code`/`reason` (if no code, the TCP socket is destroyed → client sees 1006).
 * - `close-after`: `ms` (default 0), `code` (omitted = destroy TCP → 1006), `reason`.
 * @typedef {{
 *   status?: number,
 *   count?: number,
 *   body?: string,
 *   code?: number,
 *   reason?: string,
 *   ms?: number,
 * }} HandshakeOptions
 */

/**
 * @typedef {{ interval: number, message?: string }} ServerPingOptions
 */

/**
 * @typedef {{
 *   host?: string,
 *   port?: number,
 *   echo?: boolean,
 *   answerPings?: boolean,
 *   protocols?: string[],
 *   serverPing?: ServerPingOptions | null,
 * }} FaultServerOptions
 */

/**
 * Kinds of log entries:
 * - `listening`: the HTTP server is (again) listening.
 * - `connect`: a WebSocket connection was established (`id`, `path`, `protocol`, `origin`).
 * - `message`: a message from the client (`data`; binary payloads are hex with `binary: true`).
 * - `send`: anything the server sent as a data message (echo, pong, server ping, `send()`).
 * - `close`: a connection closed, as seen by `ws` (`code`, `reason`).
 * - `close-sent`: the server initiated a proper close handshake (`code`, `reason`; no code =
 *   empty close frame).
 * - `reject`: an upgrade was answered with an HTTP error (`status`, `path`).
 * - `blackhole-handshake`: an upgrade request was swallowed (`path`).
 * - `blackhole`: an established connection was black-holed.
 * - `kill`: a connection's TCP socket was destroyed without a close frame.
 * - `crash`: crash mode closed a freshly accepted connection (`code` if a close frame was sent).
 * - `close-after`: close-after mode fired (`code`/`reason`, or none = TCP destroyed).
 * - `refused-window`: `phase: 'start' | 'end'`, `ms`.
 * - `raw-close`: a hand-made close frame was written (`data` = payload hex, `reason` = payload
 *   as UTF-8).
 * - `error`: a socket or server error (`message`).
 * - `http`: a plain (non-upgrade) HTTP request (`path`, the `status` answered, `origin`). Every
 *   plain answer allows any origin to read it (`Access-Control-Allow-Origin: *`: a page's
 *   credential-less `fetch`, such as the client's handshake probe).
 * @typedef {'listening' | 'connect' | 'message' | 'send' | 'close' | 'close-sent' | 'reject'
 *   | 'blackhole-handshake' | 'blackhole' | 'kill' | 'crash' | 'close-after' | 'refused-window'
 *   | 'raw-close' | 'error' | 'http'} LogKind
 */

/**
 * @typedef {{
 *   seq: number,
 *   t: number,
 *   mono: number,
 *   kind: LogKind,
 *   id?: number,
 *   path?: string,
 *   protocol?: string,
 *   origin?: string,
 *   data?: string,
 *   binary?: boolean,
 *   code?: number,
 *   reason?: string,
 *   status?: number,
 *   phase?: 'start' | 'end',
 *   ms?: number,
 *   message?: string,
 * }} LogEntry
 */

/**
 * A currently open server-side connection.
 * @typedef {{
 *   id: number,
 *   path: string,
 *   protocol: string,
 *   origin: string | undefined,
 *   ws: WsSocket,
 *   blackholed: boolean,
 * }} ConnectionInfo
 */

/**
 * @typedef {(entry: LogEntry, log: readonly LogEntry[]) => boolean} LogPredicate
 */

/**
 * @typedef {{ timeout?: number, since?: number }} WaitOptions
 */

/**
 * @typedef {{
 *   readonly url: string,
 *   readonly httpUrl: string,
 *   readonly port: number,
 *   readonly host: string,
 *   readonly down: boolean,
 *   readonly closed: boolean,
 *   readonly log: LogEntry[],
 *   readonly events: EventEmitter,
 *   connections(): ConnectionInfo[],
 *   connectionCount(): number,
 *   pendingHandshakeCount(): number,
 *   setEcho(on: boolean): void,
 *   setAnswerPings(on: boolean): void,
 *   setServerPing(opts: ServerPingOptions | null): void,
 *   setProtocols(protocols: string[] | undefined): void,
 *   setHandshakeMode(mode: HandshakeMode, opts?: HandshakeOptions): void,
 *   readonly handshakeMode: HandshakeMode,
 *   send(data: string | Uint8Array, id?: number): number,
 *   closeAll(code?: number, reason?: string): number,
 *   closeOne(id: number, code?: number, reason?: string): boolean,
 *   closeEmpty(id?: number): number,
 *   killAll(): number,
 *   killOne(id: number): boolean,
 *   blackholeAll(): number,
 *   blackholeOne(id: number): boolean,
 *   refuseFor(ms: number): Promise<void>,
 *   sendRawClose(payload: Uint8Array | string, id?: number): number,
 *   mark(): number,
 *   waitFor(predicate: LogPredicate | LogKind, opts?: WaitOptions): Promise<LogEntry>,
 *   waitForAll(predicate: LogPredicate | LogKind, count: number, opts?: WaitOptions): Promise<LogEntry[]>,
 *   nextConnection(opts?: { timeout?: number }): Promise<LogEntry>,
 *   clearLog(): void,
 *   close(): Promise<void>,
 * }} FaultServer
 */

/**
 * @typedef {{
 *   id: number,
 *   path: string,
 *   protocol: string,
 *   origin: string | undefined,
 *   ws: WsSocket,
 *   socket: Duplex,
 *   blackholed: boolean,
 *   pingTimer: ReturnType<typeof setInterval> | undefined,
 *   closeTimer: ReturnType<typeof setTimeout> | undefined,
 * }} Conn
 */

const MAX_REASON_BYTES = 123;
const MAX_CONTROL_PAYLOAD = 125;

/**
 * Throws unless `reason` fits in a close frame (≤ 123 UTF-8 bytes).
 * @param {string} reason
 */
function assertReason(reason) {
  const bytes = Buffer.byteLength(reason, 'utf8');
  if (bytes > MAX_REASON_BYTES) {
    throw new RangeError(`close reason is ${bytes} UTF-8 bytes; the maximum is ${MAX_REASON_BYTES}`);
  }
}

/**
 * @param {string | Uint8Array} data
 * @returns {{ text: string, binary: boolean }}
 */
function describeData(data) {
  if (typeof data === 'string') return { text: data, binary: false };
  return { text: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex'), binary: true };
}

/**
 * `ws` hands us Buffer | ArrayBuffer | Buffer[] depending on binaryType; normalise to Buffer.
 * @param {import('ws').RawData} raw
 * @returns {Buffer}
 */
function toBuffer(raw) {
  if (Buffer.isBuffer(raw)) return raw;
  if (Array.isArray(raw)) return Buffer.concat(raw);
  return Buffer.from(raw);
}

/**
 * Runs `fn` once everything written so far to `socket` has been handed to the kernel.
 * @param {Duplex} socket
 * @param {() => void} fn
 */
function afterFlush(socket, fn) {
  if (socket.destroyed || socket.writableLength === 0) {
    fn();
    return;
  }
  let done = false;
  const run = () => {
    if (done) return;
    done = true;
    socket.off('drain', run);
    socket.off('close', run);
    fn();
  };
  socket.once('drain', run);
  socket.once('close', run);
}

/**
 * Listens on `port`/`host`, retrying a bounded number of times on EADDRINUSE (can happen
 * briefly when re-listening on the same port after `refuseFor`).
 * @param {http.Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<void>}
 */
async function listen(server, port, host) {
  const attempts = port === 0 ? 1 : 40;
  for (let i = 0; ; i++) {
    try {
      await new Promise((resolve, reject) => {
        /** @param {Error} err */
        const onError = (err) => {
          server.off('listening', onListening);
          reject(err);
        };
        const onListening = () => {
          server.off('error', onError);
          resolve(undefined);
        };
        server.once('error', onError);
        server.once('listening', onListening);
        server.listen(port, host);
      });
      return;
    } catch (err) {
      const code = /** @type {NodeJS.ErrnoException} */ (err).code;
      if (code !== 'EADDRINUSE' || i + 1 >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/**
 * Starts a fault-injecting WebSocket server.
 * @param {FaultServerOptions} [options]
 * @returns {Promise<FaultServer>}
 */
export async function startFaultServer(options = {}) {
  const host = options.host ?? '127.0.0.1';
  let echo = options.echo ?? true;
  let answerPings = options.answerPings ?? true;
  /** @type {string[] | undefined} */
  let acceptedProtocols = options.protocols ? [...options.protocols] : undefined;
  /** @type {ServerPingOptions | null} */
  let serverPing = options.serverPing ?? null;
  if (serverPing) validateServerPing(serverPing);

  /** @type {HandshakeMode} */
  let handshakeMode = 'accept';
  /** @type {HandshakeOptions} */
  let handshakeOpts = {};
  /** @type {number | undefined} */
  let rejectsLeft;

  let down = false;
  let closed = false;
  /** @type {Promise<void> | undefined} */
  let closing;
  let nextId = 1;
  let seq = 0;

  const events = new EventEmitter();
  events.setMaxListeners(0);
  /** @type {LogEntry[]} */
  const log = [];
  /** @type {Map<number, Conn>} */
  const conns = new Map();
  /** @type {Set<Duplex>} every raw socket the HTTP server has seen (incl. stuck handshakes) */
  const sockets = new Set();
  /** @type {Set<Duplex>} upgrade requests that were black-holed */
  const pendingHandshakes = new Set();
  /** @type {Set<ReturnType<typeof setTimeout>>} */
  const timers = new Set();
  /** @type {(() => void) | undefined} resolves the pending refuseFor() early on close() */
  let cancelRefuse;

  /**
   * @param {LogKind} kind
   * @param {Omit<Partial<LogEntry>, 'kind' | 't' | 'mono' | 'seq'>} [fields]
   * @returns {LogEntry}
   */
  function record(kind, fields = {}) {
    /** @type {LogEntry} */
    const entry = { seq: seq++, t: Date.now(), mono: performance.now(), kind, ...fields };
    log.push(entry);
    events.emit('log', entry);
    return entry;
  }

  /**
   * @param {() => void} fn
   * @param {number} ms
   */
  function later(fn, ms) {
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
    return timer;
  }

  /** The HTTP answer of reject mode: status line text and body. */
  function rejection() {
    const status = handshakeOpts.status ?? 503;
    const text = http.STATUS_CODES[status] ?? 'Error';
    return { status, text, body: handshakeOpts.body ?? `${status} ${text} (fault-server)\n` };
  }

  const httpServer = http.createServer((req, res) => {
    const path = req.url ?? '';
    const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
    if (handshakeMode === 'reject') {
      const { status, body } = rejection();
      record('http', { path, status, origin: req.headers.origin });
      res.writeHead(status, { ...cors, 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body) });
      res.end(body);
      return;
    }
    record('http', { path, status: 200, origin: req.headers.origin });
    const body = JSON.stringify({ ok: true, connections: conns.size, handshakeMode });
    res.writeHead(200, { ...cors, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  // Node's default keep-alive/headers timeouts would not matter for tests, but a swallowed
  // handshake must not be timed out by Node itself.
  httpServer.requestTimeout = 0;
  httpServer.headersTimeout = 0;

  httpServer.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  httpServer.on('error', (err) => record('error', { message: err.message }));

  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    handleProtocols: (offered) => {
      if (!acceptedProtocols) {
        for (const p of offered) return p;
        return false;
      }
      for (const p of offered) if (acceptedProtocols.includes(p)) return p;
      return false;
    },
  });
  wss.on('error', (err) => record('error', { message: err.message }));

  httpServer.on('upgrade', (req, socket, head) => {
    const path = req.url ?? '';
    socket.on('error', (err) => record('error', { path, message: err.message }));
    if (closed || down) {
      socket.destroy();
      return;
    }
    if (handshakeMode === 'reject') {
      const { status, text, body } = rejection();
      record('reject', { path, status, origin: req.headers.origin });
      if (rejectsLeft !== undefined && --rejectsLeft <= 0) {
        handshakeMode = 'accept';
        handshakeOpts = {};
        rejectsLeft = undefined;
      }
      socket.once('finish', () => socket.destroy());
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\n` +
          'Connection: close\r\n' +
          'Content-Type: text/plain; charset=utf-8\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          '\r\n' +
          body,
      );
      return;
    }
    if (handshakeMode === 'blackhole') {
      record('blackhole-handshake', { path, origin: req.headers.origin });
      pendingHandshakes.add(socket);
      socket.on('close', () => pendingHandshakes.delete(socket));
      socket.pause();
      return;
    }
    const mode = handshakeMode;
    const opts = handshakeOpts;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closed || down) {
        ws.terminate();
        return;
      }
      const conn = setUpConnection(ws, socket, req);
      if (mode === 'crash') {
        record('crash', { id: conn.id, code: opts.code, reason: opts.code === undefined ? undefined : opts.reason ?? '' });
        if (opts.code === undefined) afterFlush(socket, () => ws.terminate());
        else closeConn(conn, opts.code, opts.reason ?? '', false);
      } else if (mode === 'close-after') {
        conn.closeTimer = later(() => {
          conn.closeTimer = undefined;
          if (!conns.has(conn.id) || conn.blackholed) return;
          record('close-after', { id: conn.id, code: opts.code, reason: opts.code === undefined ? undefined : opts.reason ?? '' });
          if (opts.code === undefined) ws.terminate();
          else closeConn(conn, opts.code, opts.reason ?? '', false);
        }, opts.ms ?? 0);
      }
    });
  });

  /**
   * @param {WsSocket} ws
   * @param {Duplex} socket
   * @param {http.IncomingMessage} req
   * @returns {Conn}
   */
  function setUpConnection(ws, socket, req) {
    /** @type {Conn} */
    const conn = {
      id: nextId++,
      path: req.url ?? '',
      protocol: ws.protocol,
      origin: req.headers.origin,
      ws,
      socket,
      blackholed: false,
      pingTimer: undefined,
      closeTimer: undefined,
    };
    conns.set(conn.id, conn);
    record('connect', { id: conn.id, path: conn.path, protocol: conn.protocol, origin: conn.origin });

    ws.on('message', (raw, isBinary) => {
      if (conn.blackholed) return;
      const buf = toBuffer(raw);
      const text = isBinary ? buf.toString('hex') : buf.toString('utf8');
      record('message', { id: conn.id, data: text, binary: isBinary });
      if (!isBinary) {
        const pong = appPong(text);
        if (pong !== undefined) {
          if (answerPings) sendTo(conn, pong);
          return;
        }
      }
      if (echo) sendTo(conn, isBinary ? buf : text);
    });
    ws.on('close', (code, reason) => {
      clearConnTimers(conn);
      conns.delete(conn.id);
      record('close', { id: conn.id, code, reason: reason.toString('utf8') });
    });
    ws.on('error', (err) => record('error', { id: conn.id, message: err.message }));
    if (serverPing) startPing(conn, serverPing);
    return conn;
  }

  /**
   * Returns the reply for an application-level ping, or undefined if `text` is not one.
   * @param {string} text
   * @returns {string | undefined}
   */
  function appPong(text) {
    if (text === 'ping') return 'pong';
    const trimmed = text.trimStart();
    if (!trimmed.startsWith('{')) return undefined;
    try {
      /** @type {unknown} */
      const obj = JSON.parse(text);
      if (obj && typeof obj === 'object' && !Array.isArray(obj) && /** @type {{type?: unknown}} */ (obj).type === 'ping') {
        return JSON.stringify({ ...obj, type: 'pong' });
      }
    } catch {
      // not JSON: not a ping
    }
    return undefined;
  }

  /**
   * @param {Conn} conn
   * @param {string | Uint8Array} data
   * @returns {boolean}
   */
  function sendTo(conn, data) {
    if (conn.blackholed || conn.ws.readyState !== conn.ws.OPEN) return false;
    const { text, binary } = describeData(data);
    record('send', { id: conn.id, data: text, binary });
    conn.ws.send(data, { binary: typeof data !== 'string' });
    return true;
  }

  /**
   * @param {Conn} conn
   * @param {ServerPingOptions} opts
   */
  function startPing(conn, opts) {
    stopPing(conn);
    const message = opts.message ?? 'ping';
    conn.pingTimer = setInterval(() => {
      if (!sendTo(conn, message)) stopPing(conn);
    }, opts.interval);
  }

  /** @param {Conn} conn */
  function stopPing(conn) {
    if (conn.pingTimer !== undefined) clearInterval(conn.pingTimer);
    conn.pingTimer = undefined;
  }

  /** @param {Conn} conn */
  function clearConnTimers(conn) {
    stopPing(conn);
    if (conn.closeTimer !== undefined) {
      clearTimeout(conn.closeTimer);
      timers.delete(conn.closeTimer);
      conn.closeTimer = undefined;
    }
  }

  /** @param {ServerPingOptions} opts */
  function validateServerPing(opts) {
    if (!(Number.isFinite(opts.interval) && opts.interval > 0)) {
      throw new RangeError(`serverPing.interval must be a positive number of ms, got ${opts.interval}`);
    }
  }

  /**
   * Starts a proper closing handshake. `code === undefined` sends an empty close frame.
   * @param {Conn} conn
   * @param {number | undefined} code
   * @param {string} reason
   * @param {boolean} [logIt]
   */
  function closeConn(conn, code, reason, logIt = true) {
    if (conn.blackholed) return false;
    const state = conn.ws.readyState;
    if (state !== conn.ws.OPEN) return false;
    if (logIt || code !== undefined) record('close-sent', { id: conn.id, code, reason: code === undefined ? undefined : reason });
    stopPing(conn);
    if (code === undefined) conn.ws.close();
    else conn.ws.close(code, reason);
    return true;
  }

  /** @param {Conn} conn */
  function killConn(conn) {
    record('kill', { id: conn.id });
    clearConnTimers(conn);
    conn.ws.terminate();
    conn.socket.destroy();
  }

  /** @param {Conn} conn */
  function blackholeConn(conn) {
    if (conn.blackholed) return false;
    conn.blackholed = true;
    clearConnTimers(conn);
    record('blackhole', { id: conn.id });
    // Stop reading: nothing the client sends (data, pings, close frames) reaches `ws`, and
    // with the socket paused the kernel does not even deliver EOF/RST to us.
    conn.socket.pause();
    conn.socket.removeAllListeners('data');
    return true;
  }

  /**
   * @param {number | undefined} id
   * @returns {Conn[]}
   */
  function targets(id) {
    if (id === undefined) return [...conns.values()];
    const conn = conns.get(id);
    return conn ? [conn] : [];
  }

  /** Destroys every socket we know of (connections, stuck handshakes, idle HTTP). */
  function destroyAllSockets() {
    for (const conn of [...conns.values()]) {
      clearConnTimers(conn);
      conn.ws.terminate();
      conn.socket.destroy();
    }
    for (const socket of [...pendingHandshakes]) socket.destroy();
    for (const socket of [...sockets]) socket.destroy();
  }

  /** @returns {Promise<void>} */
  function stopListening() {
    return new Promise((resolve) => {
      if (!httpServer.listening) {
        resolve();
        return;
      }
      httpServer.close(() => resolve());
      httpServer.closeAllConnections();
    });
  }

  /**
   * @param {LogPredicate | LogKind} predicate
   * @returns {LogPredicate}
   */
  function toPredicate(predicate) {
    return typeof predicate === 'string' ? (e) => e.kind === predicate : predicate;
  }

  /**
   * @param {LogPredicate | LogKind} predicate
   * @param {number} count
   * @param {WaitOptions} opts
   * @returns {Promise<LogEntry[]>}
   */
  function waitForEntries(predicate, count, { timeout = 5000, since = 0 } = {}) {
    const pred = toPredicate(predicate);
    return new Promise((resolve, reject) => {
      /** @type {LogEntry[]} */
      const found = [];
      for (const entry of log) {
        if (entry.seq >= since && pred(entry, log)) found.push(entry);
        if (found.length >= count) {
          resolve(found.slice(0, count));
          return;
        }
      }
      /** @param {LogEntry} entry */
      const onLog = (entry) => {
        if (entry.seq < since) return;
        let ok = false;
        try {
          ok = pred(entry, log);
        } catch (err) {
          finish();
          reject(err);
          return;
        }
        if (!ok) return;
        found.push(entry);
        if (found.length >= count) {
          finish();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        finish();
        const tail = log
          .slice(-15)
          .map((e) => '  ' + JSON.stringify(e))
          .join('\n');
        reject(
          new Error(
            `fault-server waitFor timed out after ${timeout} ms (found ${found.length}/${count} matching entries; ` +
              `predicate: ${String(predicate).slice(0, 200)}).\nLast log entries:\n${tail || '  (log is empty)'}`,
          ),
        );
      }, timeout);
      const finish = () => {
        clearTimeout(timer);
        events.off('log', onLog);
      };
      events.on('log', onLog);
    });
  }

  await listen(httpServer, options.port ?? 0, host);
  const address = httpServer.address();
  if (!address || typeof address === 'string') throw new Error('fault-server: unexpected server address');
  const port = address.port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  record('listening', { ms: 0 });

  /** @type {FaultServer} */
  const api = {
    url: `ws://${urlHost}:${port}`,
    httpUrl: `http://${urlHost}:${port}`,
    port,
    host,
    get down() {
      return down;
    },
    get closed() {
      return closed;
    },
    log,
    events,
    get handshakeMode() {
      return handshakeMode;
    },

    connections() {
      return [...conns.values()].map((c) => ({
        id: c.id,
        path: c.path,
        protocol: c.protocol,
        origin: c.origin,
        ws: c.ws,
        blackholed: c.blackholed,
      }));
    },
    connectionCount() {
      return conns.size;
    },
    pendingHandshakeCount() {
      return pendingHandshakes.size;
    },

    setEcho(on) {
      echo = on;
    },
    setAnswerPings(on) {
      answerPings = on;
    },
    setServerPing(opts) {
      if (opts) validateServerPing(opts);
      serverPing = opts ? { ...opts } : null;
      for (const conn of conns.values()) {
        if (conn.blackholed) continue;
        if (serverPing) startPing(conn, serverPing);
        else stopPing(conn);
      }
    },
    setProtocols(protocols) {
      acceptedProtocols = protocols ? [...protocols] : undefined;
    },
    setHandshakeMode(mode, opts = {}) {
      if (!['accept', 'reject', 'blackhole', 'crash', 'close-after'].includes(mode)) {
        throw new TypeError(`unknown handshake mode ${JSON.stringify(mode)}`);
      }
      if (opts.reason !== undefined) assertReason(opts.reason);
      if (opts.count !== undefined && !(Number.isInteger(opts.count) && opts.count > 0)) {
        throw new RangeError(`count must be a positive integer, got ${opts.count}`);
      }
      handshakeMode = mode;
      handshakeOpts = { ...opts };
      rejectsLeft = mode === 'reject' ? opts.count : undefined;
    },

    send(data, id) {
      let n = 0;
      for (const conn of targets(id)) if (sendTo(conn, data)) n++;
      return n;
    },
    closeAll(code = 1000, reason = '') {
      assertReason(reason);
      let n = 0;
      for (const conn of targets(undefined)) if (closeConn(conn, code, reason)) n++;
      return n;
    },
    closeOne(id, code = 1000, reason = '') {
      assertReason(reason);
      const conn = conns.get(id);
      return conn ? closeConn(conn, code, reason) : false;
    },
    closeEmpty(id) {
      let n = 0;
      for (const conn of targets(id)) if (closeConn(conn, undefined, '')) n++;
      return n;
    },
    killAll() {
      const list = targets(undefined);
      for (const conn of list) killConn(conn);
      return list.length;
    },
    killOne(id) {
      const conn = conns.get(id);
      if (!conn) return false;
      killConn(conn);
      return true;
    },
    blackholeAll() {
      let n = 0;
      for (const conn of targets(undefined)) if (blackholeConn(conn)) n++;
      return n;
    },
    blackholeOne(id) {
      const conn = conns.get(id);
      return conn ? blackholeConn(conn) : false;
    },

    async refuseFor(ms) {
      if (closed) throw new Error('fault-server is closed');
      if (down) throw new Error('fault-server is already refusing connections');
      down = true;
      record('refused-window', { phase: 'start', ms });
      const stopped = stopListening();
      for (const conn of [...conns.values()]) killConn(conn);
      destroyAllSockets();
      await stopped;
      const cancelled = await new Promise((resolve) => {
        const timer = later(() => {
          cancelRefuse = undefined;
          resolve(false);
        }, ms);
        cancelRefuse = () => {
          clearTimeout(timer);
          timers.delete(timer);
          cancelRefuse = undefined;
          resolve(true);
        };
      });
      if (cancelled || closed) return;
      await listen(httpServer, port, host);
      down = false;
      record('refused-window', { phase: 'end', ms });
      record('listening', { ms });
    },

    sendRawClose(payload, id) {
      const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload);
      if (bytes.length > MAX_CONTROL_PAYLOAD) {
        throw new RangeError(`close payload is ${bytes.length} bytes; control frames carry at most ${MAX_CONTROL_PAYLOAD}`);
      }
      let n = 0;
      for (const conn of targets(id)) {
        if (conn.blackholed || conn.socket.destroyed || !conn.socket.writable) continue;
        if (conn.ws.readyState !== conn.ws.OPEN) continue;
        clearConnTimers(conn);
        record('raw-close', { id: conn.id, data: bytes.toString('hex'), reason: bytes.toString('utf8') });
        // FIN + opcode 8, unmasked, 7-bit length, payload; then FIN the TCP stream. Whatever the
        // client answers is still read by `ws` (and logged as its 'close' entry).
        conn.socket.write(Buffer.concat([Buffer.from([0x88, bytes.length]), bytes]));
        conn.socket.end();
        n++;
      }
      return n;
    },

    mark() {
      return seq;
    },
    async waitFor(predicate, opts) {
      const [entry] = await waitForEntries(predicate, 1, opts);
      return /** @type {LogEntry} */ (entry);
    },
    waitForAll(predicate, count, opts) {
      return waitForEntries(predicate, count, opts);
    },
    nextConnection({ timeout = 5000 } = {}) {
      return api.waitFor('connect', { timeout, since: seq });
    },
    clearLog() {
      log.length = 0;
    },

    close() {
      if (closing) return closing;
      closed = true;
      closing = (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        cancelRefuse?.();
        const stopped = stopListening();
        destroyAllSockets();
        await stopped;
        await new Promise((resolve) => wss.close(() => resolve(undefined)));
      })();
      return closing;
    },
  };
  return api;
}
