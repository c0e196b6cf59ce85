import type { Client } from './api.js';
import { CODECS, type RawMessage } from './codec.js';
import { createEngine } from './engine.js';
import type { Feature } from './feature.js';
import { DEFAULTS, type ClientOptions } from './options.js';
import { resolveCore } from './resolve.js';
import { checkNumber } from './validate.js';
import { closeNotice } from '../features/close-notice.js';
import { heartbeat } from '../features/heartbeat.js';
import { lazy } from '../features/lazy.js';
import { lifecycle } from '../features/lifecycle.js';
import { outbox } from '../features/outbox.js';
import { refresh } from '../features/refresh.js';
import { handshakeProbe } from '../features/handshake.js';
import { diagnostics } from '../features/diagnostics.js';

export type { Client, ClientEvents, DropEvent, DropReason, ReconnectingEvent, SendOptions, SendResult } from './api.js';

/**
 * Creates a resilient WebSocket client with every feature its options ask for (heartbeat,
 * outbox, lifecycle, lazy mode, credential refresh). Throws `InvalidOptionError`,
 * `InvalidUrlError` or `InvalidProtocolError` synchronously for bad options. For a smaller
 * bundle that carries only the features you pass, use `createCore` from `resilient-ws/core`.
 *
 * @example
 * const client = createClient<ServerMsg, ClientMsg>({ url: 'wss://example.com/live', codec: 'json' });
 * client.on('message', (m) => render(m));
 * client.on('close', (c) => c.action === 'stop' && showBanner(c.message));
 * client.send({ type: 'hello' });
 */
export function createClient<Incoming = RawMessage, Outgoing = unknown>(options: ClientOptions<Incoming, Outgoing>): Client<Incoming, Outgoing> {
  return createClientWith(options, []);
}

/** @internal `createClient` with more features attached (the adapters' keep-alive). */
export function createClientWith<Incoming, Outgoing>(options: ClientOptions<Incoming, Outgoing>, extra: readonly Feature<Incoming, Outgoing>[]): Client<Incoming, Outgoing> {
  const config = resolveCore(options, CODECS);
  const features: Feature<Incoming, Outgoing>[] = [];
  const { heartbeat: hb, outbox: ob, lifecycle: lc, lazy: lz, closeNotice: cn } = options;
  if (hb !== false) features.push(heartbeat<Incoming, Outgoing>(hb ?? {}));
  if (cn !== false) features.push(closeNotice<Incoming, Outgoing>(cn ?? {}));
  if (ob !== false) features.push(outbox<Incoming, Outgoing>(ob ?? {}));
  if (lc !== false) features.push(lifecycle<Incoming, Outgoing>(lc ?? {}));
  if (lz !== undefined && lz !== false) features.push(lazy<Incoming, Outgoing>(typeof lz === 'object' ? lz : {}));
  if (options.refresh !== undefined) {
    const timeout = config.machine.connectTimeout || DEFAULTS.connectTimeout;
    features.push(refresh<Incoming, Outgoing>(options.refresh, { maxRefreshes: options.maxRefreshes, timeout }));
  } else if (options.maxRefreshes !== undefined) checkNumber('maxRefreshes', options.maxRefreshes, true);
  const ph = options.probeHandshake;
  if (ph !== undefined && ph !== false) features.push(handshakeProbe<Incoming, Outgoing>(ph === true ? {} : ph));
  // First, so its `dispose` entry comes before the drops the outbox reports at dispose.
  if (options.diagnostics !== false) features.unshift(diagnostics<Incoming, Outgoing>(options.diagnostics ?? {}));
  return createEngine({ ...config, autoConnect: config.autoConnect && !lz }, [...features, ...extra]);
}
