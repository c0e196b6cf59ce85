/**
 * `resilient-ws/server` on a real `ws` WebSocketServer (127.0.0.1, port 0), against our client
 * (Node, undici 7's WebSocket), a raw `ws` client, and a raw TCP peer that never answers: what the
 * client reports for each close, the exact frames on the wire, the reason cut at 123 bytes, the
 * closing-handshake timeout, both heartbeat directions and the idle close. Timing is asserted as
 * lower bounds on what the server saw, never as upper bounds.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket as UndiciWebSocket } from 'undici';
import { describe, expect, onTestFinished, test } from 'vitest';
import { WebSocket } from 'ws';
import { createClient, isResilientWsError, utf8Length, type ClientOptions, type WebSocketConstructor } from '../../src/index';
import { answerPings, closeNotice, closeWhenIdle, closeWith, isHeartbeat } from '../../src/server/index';
import { closed, parseFrames, rawClient, silentPeer, useCompanionServer } from '../support/companion-server';
import { FAST_RETRY } from '../support/fixtures';
import { isOpen } from '../support/node-client';
import { recordEvents, sleep, waitForEvent, waitForSnapshot } from '../support/wait';

/** Node timers may fire up to ~1 ms early measured against performance.now(). */
const TIMER_SLACK_MS = 2;

/** Our client on undici's WebSocket, fast retries; disposed when the test finishes. */
function startClient(url: string, options: Partial<ClientOptions> = {}) {
  const client = createClient({
    url,
    WebSocket: UndiciWebSocket as unknown as WebSocketConstructor,
    connectTimeout: 1000,
    closeTimeout: 300,
    retry: FAST_RETRY,
    heartbeat: false,
    ...options,
  });
  onTestFinished(() => client.dispose());
  return client;
}

const closedStatus = (s: { status: string }) => s.status === 'closed';

describe('closeWith', () => {
  test('our client sees the code, the reason and the decision (4001 stops, 1012 reconnects)', async () => {
    const server = await useCompanionServer();
    const client = startClient(server.url);
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    await waitForSnapshot(client, isOpen);

    const outcome = await closeWith(await server.connection(0), 4001, 'token expired', { retryAfter: 30 });
    expect(outcome).toEqual({ code: 4001, reason: 'token expired', sent: true, terminated: false });
    const s = await waitForSnapshot(client, closedStatus);
    expect(s.lastClose).toMatchObject({ code: 4001, reason: 'token expired', wasClean: true, initiatedBy: 'server', action: 'stop' });
    // The notice is the client's, not a message; a proper close frame followed, so it decided from that.
    expect(messages).toEqual([]);
    expect(s.lastClose!.via).toBeUndefined();

    const other = startClient(server.url, { retry: { ...FAST_RETRY, restartDelay: 200 } });
    await waitForSnapshot(other, isOpen);
    const reconnecting = waitForEvent(other, 'reconnecting');
    await closeWith(await server.connection(1), 1012, 'restart');
    const r = await reconnecting;
    expect(r.close).toMatchObject({ code: 1012, reason: 'restart', wasClean: true, initiatedBy: 'server', category: 'service-restart', action: 'reconnect' });
    expect(r.delay).toBeLessThan(200); // the restart spread (restartDelay) applies
    await waitForSnapshot(other, isOpen); // and it is back
  });

  test('when the close frame is lost after the notice (the TCP connection ends), our client reports the notice', async () => {
    const server = await useCompanionServer();
    const client = startClient(server.url);
    const messages: unknown[] = [];
    client.on('message', (m) => messages.push(m));
    await waitForSnapshot(client, isOpen);
    const socket = await server.connection(0);
    socket.send(closeNotice(4000, 'bye'));
    await sleep(50);
    socket.terminate(); // what a libhv server's close() does: no close frame
    const s = await waitForSnapshot(client, closedStatus);
    expect(s.lastClose).toMatchObject({ code: 4000, reason: 'bye', wasClean: false, initiatedBy: 'server', action: 'stop', via: 'notice', reported: { code: 1006 } });
    expect(messages).toEqual([]);
  });

  test('a raw client receives exactly the notice text frame, then the close frame with the same code and reason', async () => {
    const server = await useCompanionServer();
    const raw = await rawClient(server.url);
    await closeWith(await server.connection(0), 4001, 'token expired', { retryAfter: 30 });
    await raw.closed;
    expect(raw.frames).toEqual([
      { t: 'message', data: Buffer.from('{"type":"close","code":4001,"reason":"token expired","retryAfter":30}'), isBinary: false },
      { t: 'close', code: 4001, reason: Buffer.from('token expired') },
    ]);

    const second = await rawClient(server.url);
    await closeWith(await server.connection(1), 1012, 'restart');
    await second.closed;
    expect(second.frames).toEqual([
      { t: 'message', data: Buffer.from('{"type":"close","code":1012,"reason":"restart"}'), isBinary: false },
      { t: 'close', code: 1012, reason: Buffer.from('restart') },
    ]);
  });

  test('a long Chinese reason is cut to 123 UTF-8 bytes at a character boundary, the same in both frames', async () => {
    const reason = `a${'连接超时,请重新登录'.repeat(8)}`; // "a" + 3-byte characters and ASCII commas
    expect(utf8Length(reason)).toBeGreaterThan(123);
    const server = await useCompanionServer();
    const raw = await rawClient(server.url);
    const outcome = await closeWith(await server.connection(0), 4000, reason);
    await raw.closed;
    expect(raw.frames.map((f) => f.t)).toEqual(['message', 'close']);
    const [notice, close] = raw.frames as unknown as [{ data: Buffer }, { code: number; reason: Buffer }];
    const sent = close.reason.toString('utf8');
    expect(close.reason.length).toBeLessThanOrEqual(123);
    expect(reason.startsWith(sent)).toBe(true);
    expect(utf8Length(reason.slice(0, sent.length + 1))).toBeGreaterThan(123); // the next character would not fit
    expect(sent).not.toContain('\uFFFD');
    expect(JSON.parse(notice.data.toString('utf8'))).toEqual({ type: 'close', code: 4000, reason: sent });
    expect(outcome.reason).toBe(sent);

    // Our client reports the same cut text.
    const client = startClient(server.url);
    await waitForSnapshot(client, isOpen);
    await closeWith(await server.connection(1), 4000, reason);
    expect((await waitForSnapshot(client, closedStatus)).lastClose).toMatchObject({ code: 4000, reason: sent });
  });

  test('a code a server may not send throws InvalidCloseCodeError and nothing goes out', async () => {
    const server = await useCompanionServer();
    const raw = await rawClient(server.url);
    const socket = await server.connection(0);
    for (const code of [1004, 1005, 1006, 1015, 999, 5000]) {
      let error: unknown;
      try {
        void closeWith(socket, code, 'no');
      } catch (e) {
        error = e;
      }
      expect(isResilientWsError(error, 'InvalidCloseCodeError'), String(code)).toBe(true);
    }
    expect(() => closeWith(socket, 1000, 'no', { retryAfter: -5 })).toThrow(expect.objectContaining({ name: 'InvalidOptionError' }));
    expect(socket.readyState).toBe(WebSocket.OPEN);
    // The first frames the client sees are those of the valid close that follows.
    await closeWith(socket, 1000, 'done');
    await raw.closed;
    expect(raw.frames).toEqual([
      { t: 'message', data: Buffer.from(closeNotice(1000, 'done')), isBinary: false },
      { t: 'close', code: 1000, reason: Buffer.from('done') },
    ]);
  });

  test('a TCP peer that never answers the close is terminated after closeTimeout; the exact bytes it was sent', async () => {
    const server = await useCompanionServer();
    const peer = await silentPeer(server.port);
    const socket = await server.connection(0);
    const started = performance.now();
    const outcome = await closeWith(socket, 4000, 'bye', { closeTimeout: 400 });
    const waited = performance.now() - started;

    expect(outcome).toEqual({ code: 4000, reason: 'bye', sent: true, terminated: true });
    expect(waited).toBeGreaterThanOrEqual(400 - TIMER_SLACK_MS);
    expect(socket.readyState).toBe(WebSocket.CLOSED);
    expect(server.wss.clients.size).toBe(0);
    await peer.ended; // the server side destroyed the TCP connection
    const notice = Buffer.from(closeNotice(4000, 'bye'));
    expect(peer.bytes()).toEqual(Buffer.concat([Buffer.from([0x81, notice.length]), notice, Buffer.from([0x88, 5, 0x0f, 0xa0]), Buffer.from('bye')]));
    expect(parseFrames(peer.bytes()).map((f) => [f.fin, f.opcode])).toEqual([
      [true, 1],
      [true, 8],
    ]);
  });
});

describe('answerPings', () => {
  test('answers the client’s heartbeat (text and JSON pings): the client’s rtt event fires', async () => {
    const pings: string[] = [];
    const server = await useCompanionServer((socket) => {
      answerPings(socket);
      socket.on('message', (data) => pings.push(String(data)));
    });
    const text = startClient(server.url, { heartbeat: { interval: 100, timeout: 1000 } });
    const rtt = await waitForEvent(text, 'rtt');
    expect(rtt.rtt).toBeGreaterThanOrEqual(0);

    const json = startClient(server.url, { codec: 'json', heartbeat: { interval: 100, timeout: 1000, message: { type: 'ping', n: 1 } } });
    await waitForEvent(json, 'rtt');
    expect(pings).toEqual(expect.arrayContaining(['ping', '{"type":"ping","n":1}']));
    expect(text.getSnapshot().status).toBe('open');
    expect(json.getSnapshot().status).toBe('open');
  });

  test('server-mode pings keep a heartbeat: { mode: "server" } client alive; without them it gives up', async () => {
    const pongs: number[] = [];
    const server = await useCompanionServer((socket) => {
      answerPings(socket, { interval: 100, timeout: 500 });
      socket.on('message', (data) => String(data) === 'pong' && pongs.push(performance.now()));
    });
    const client = startClient(server.url, { heartbeat: { mode: 'server', timeout: 400 } });
    await waitForSnapshot(client, isOpen);
    const events = recordEvents(client, ['close', 'error']);
    await sleep(1500); // several client timeouts long: the point is that nothing happens
    expect(events).toEqual([]);
    expect(client.getSnapshot().status).toBe('open');
    expect(server.connections).toHaveLength(1);
    expect(pongs.length).toBeGreaterThanOrEqual(5);

    // The control: a server that does not ping.
    const quiet = await useCompanionServer((socket) => answerPings(socket));
    const control = startClient(quiet.url, { heartbeat: { mode: 'server', timeout: 400 } });
    const close = await waitForEvent(control, 'close');
    expect(close).toMatchObject({ initiatedBy: 'heartbeat', category: 'heartbeat-timeout' });
  });

  test('terminates a peer that answers no ping within the timeout', async () => {
    const server = await useCompanionServer((socket) => answerPings(socket, { interval: 100, timeout: 300 }));
    const raw = await rawClient(server.url); // a bare ws client answers protocol pings, not these
    const socket = await server.connection(0);
    const openedAt = server.connections[0]!.at;
    await closed(socket);
    const gone = performance.now() - openedAt;
    await raw.closed;

    expect(gone).toBeGreaterThanOrEqual(100 + 300 - TIMER_SLACK_MS);
    expect(raw.frames[0]).toEqual({ t: 'message', data: Buffer.from('ping'), isBinary: false });
    expect(raw.frames.at(-1)).toMatchObject({ t: 'close', code: 1006 }); // terminated: no close frame
    expect(server.wss.clients.size).toBe(0);
  });
});

describe('closeWhenIdle', () => {
  test('gives the client close 1000 with the reason after timeout ms without an application message; heartbeats do not count', async () => {
    const seen: { text: string; at: number }[] = [];
    const server = await useCompanionServer((socket) => {
      answerPings(socket);
      closeWhenIdle(socket, { timeout: 600, reason: 'idle for too long' });
      socket.on('message', (data) => seen.push({ text: String(data), at: performance.now() }));
    });
    const client = startClient(server.url, { heartbeat: { interval: 150, timeout: 1000 } });
    await waitForSnapshot(client, isOpen);
    expect(client.send('hello')).toBe('sent');

    const s = await waitForSnapshot(client, closedStatus, 5000);
    const socket = await server.connection(0);
    await closed(socket);
    const closedAt = performance.now();
    expect(s.lastClose).toMatchObject({ code: 1000, reason: 'idle for too long', wasClean: true, initiatedBy: 'server', category: 'normal', action: 'stop' });
    const app = seen.filter((m) => !isHeartbeat(m.text));
    expect(app.map((m) => m.text)).toEqual(['hello']);
    expect(closedAt - app[0]!.at).toBeGreaterThanOrEqual(600 - TIMER_SLACK_MS);
    // The client's pings flowed meanwhile and did not keep the connection "busy".
    expect(seen.filter((m) => m.text === 'ping').length).toBeGreaterThanOrEqual(2);
  });
});
