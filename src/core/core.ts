import type { Client, CoreOptions } from './api.js';
import type { RawMessage } from './codec.js';
import { createEngine } from './engine.js';

import { fail } from './errors.js';
import { resolveCore } from './resolve.js';

/**
 * Creates a client with only the features you pass: the engine (close policy, backoff, states,
 * typed errors, English messages, text/JSON/binary codecs) plus `options.features`. Without an
 * outbox, `send()` rejects (with a `drop` event) whenever the socket is not open; without the
 * lifecycle feature, browser signals are ignored. Same `Client` as `createClient`.
 *
 * @example
 * import { createCore, heartbeat, outbox } from 'resilient-ws/core';
 * const client = createCore({ url: 'wss://example.com/live', features: [heartbeat(), outbox()] });
 */
export function createCore<Incoming = RawMessage, Outgoing = unknown>(options: CoreOptions<Incoming, Outgoing>): Client<Incoming, Outgoing> {
  const config = resolveCore(options);
  const features = options.features ?? [];
  if (!Array.isArray(features) || features.some((f) => !f || typeof f.attach !== 'function')) {
    throw fail('InvalidOptionError', 'features must be an array of features, e.g. [heartbeat(), outbox()].');
  }
  return createEngine(config, features);
}
