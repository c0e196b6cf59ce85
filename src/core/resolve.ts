import type { RetrySettings } from './backoff.js';
import { matchClosePolicy, parseClosePolicy, type CloseAction } from './close-codes.js';
import { textCodec, type Codec, type CodecName } from './codec.js';
import type { EngineConfig } from './engine.js';
import { fail } from './errors.js';
import { en, type MessageCatalog } from './messages.js';
import type { CoreOptions } from './api.js';
import { ENGINE_DEFAULTS, RETRY_DEFAULTS, type ClientOptions, type Clock, type Logger, type WebSocketConstructor } from './options.js';
import { webSocketTransport } from './transport.js';
import { checkFunction, checkObject, checkOneOf, maskUrl, normalizeProtocols, normalizeUrl, numbersOf } from './validate.js';

/**
 * Resolves and checks the options the engine itself reads (everything but the features').
 * Every option that is called later (providers, policy, clock, logger, random) is checked now,
 * so a mistake throws here, at the call site, with a message naming the option.
 */
export function resolveCore<Incoming, Outgoing>(
  options: CoreOptions<Incoming, Outgoing>,
  codecs: Partial<Record<CodecName, Codec<unknown, unknown>>> = { text: textCodec as Codec<unknown, unknown> },
): Omit<EngineConfig<Incoming, Outgoing>, 'online'> {
  if (!options || typeof options !== 'object') throw fail('InvalidOptionError', 'The client needs an options object with a url.');
  const { url, protocols } = options;
  if (url === undefined || url === null || url === '') {
    throw fail('InvalidOptionError', 'The client needs a url: a ws:// or wss:// URL, or a function returning one.');
  }
  if (typeof url !== 'function') normalizeUrl(url);
  if (typeof protocols !== 'function') normalizeProtocols(protocols);
  const num = numbersOf('', options, ENGINE_DEFAULTS);
  if (options.WebSocket !== undefined) checkFunction('WebSocket', options.WebSocket);
  const clock = options.clock === undefined ? defaultClock() : checkClock(options.clock);
  const codec = resolveCodec(options.codec, codecs);
  if (options.binaryType !== undefined) checkOneOf('binaryType', options.binaryType, ['arraybuffer', 'blob']);
  const binaryType = options.binaryType ?? codec.binaryType ?? ENGINE_DEFAULTS.binaryType;
  const Ctor = () => options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  const authCodes = options.authCodes ?? ENGINE_DEFAULTS.authCodes;
  if (!Array.isArray(authCodes) || authCodes.some((n) => !Number.isInteger(n))) throw fail('InvalidOptionError', 'authCodes must be an array of close codes.');
  return {
    url,
    protocols,
    transport: webSocketTransport(Ctor, binaryType),
    codec,
    machine: {
      retry: resolveRetry(options.retry),
      connectTimeout: num('connectTimeout', true),
      closeTimeout: num('closeTimeout', true),
      authCodes,
      messages: resolveMessages(options.messages),
    },
    policy: resolvePolicy(options.closePolicy),
    autoConnect: options.autoConnect ?? ENGINE_DEFAULTS.autoConnect,
    clock,
    defaultClock: options.clock === undefined,
    random: options.random === undefined ? Math.random : checkFunction('random', options.random),
    logger: checkLogger(options.logger),
    mask: maskUrl,
  };
}

function resolveRetry(r0: ClientOptions['retry']): RetrySettings {
  if (r0 === null || (typeof r0 !== 'undefined' && typeof r0 !== 'boolean' && typeof r0 !== 'number' && typeof r0 !== 'object')) {
    throw fail('InvalidOptionError', `retry must be true, false, a number of retries, or an object of retry settings; got ${String(r0)}.`);
  }
  const r = r0 === undefined || r0 === true ? {} : r0 === false ? { limit: 0 } : typeof r0 === 'number' ? { limit: r0 } : r0;
  const R = RETRY_DEFAULTS;
  const num = numbersOf('retry.', r, R);
  const maxDelay = num('maxDelay', true);
  const retry: RetrySettings = {
    limit: num('limit', true),
    initialDelay: num('initialDelay'),
    maxDelay,
    // The default fast cap yields to a lower maxDelay; an explicit one above it throws (below).
    fastMaxDelay: r.fastMaxDelay === undefined ? Math.min(R.fastMaxDelay, maxDelay) : num('fastMaxDelay', true),
    fastPhase: num('fastPhase', true),
    factor: num('factor'),
    jitter: r.jitter === undefined ? R.jitter : checkOneOf('retry.jitter', r.jitter, ['full', 'equal', 'none']),
    minUptime: num('minUptime'),
    restartDelay: num('restartDelay'),
    tryAgainLaterDelay: num('tryAgainLaterDelay'),
    maxHintDelay: num('maxHintDelay'),
  };
  if (retry.factor < 1) throw fail('InvalidOptionError', `retry.factor must be at least 1; got ${retry.factor}.`);
  if (retry.fastMaxDelay > maxDelay) {
    throw fail('InvalidOptionError', `retry.fastMaxDelay (${retry.fastMaxDelay}) must not exceed retry.maxDelay (${maxDelay}): lower fastMaxDelay or raise maxDelay.`);
  }
  return retry;
}

/** A codec by name (from `codecs`: `createCore` knows only "text", so the others stay out of its bundle) or a codec object. */
function resolveCodec<Incoming, Outgoing>(c: ClientOptions<Incoming, Outgoing>['codec'], codecs: Partial<Record<CodecName, Codec<unknown, unknown>>>): Codec<Incoming, Outgoing> {
  const name = c ?? ENGINE_DEFAULTS.codec;
  if (typeof name === 'string') {
    const builtIn = Object.hasOwn(codecs, name) ? codecs[name] : undefined;
    const known = Object.keys(codecs).map((k) => `"${k}"`).join(', ');
    if (!builtIn) throw fail('InvalidOptionError', `codec must be ${known} or a codec object (jsonCodec, binaryCodec…); got "${name}".`);
    return builtIn as Codec<Incoming, Outgoing>;
  }
  if (name && typeof name.encode === 'function' && typeof name.decode === 'function') return name;
  throw fail('InvalidOptionError', 'codec must be "text", "json", "binary" or an object with encode() and decode().');
}

const ACTIONS: readonly unknown[] = ['reconnect', 'refresh', 'stop'];

/** The close policy as the engine calls it: never throws, always a valid action or `undefined`. */
function resolvePolicy(p: ClientOptions['closePolicy']): EngineConfig<unknown, unknown>['policy'] {
  if (p === undefined) return () => undefined;
  if (typeof p !== 'function') {
    checkObject('closePolicy', p);
    const table = parseClosePolicy(p);
    if (typeof table === 'string') throw fail('InvalidOptionError', table);
    return (close) => matchClosePolicy(table, close);
  }
  return (close) => {
    let action: unknown;
    try {
      action = p(close);
    } catch (cause) {
      throw fail('InvalidOptionError', 'closePolicy threw; using the built-in table.', { cause });
    }
    if (action === undefined || action === null || ACTIONS.includes(action)) return (action ?? undefined) as CloseAction | undefined;
    throw fail('InvalidOptionError', `closePolicy returned ${JSON.stringify(action)}; expected "reconnect", "refresh", "stop" or undefined. Using the built-in table.`);
  };
}

/** The catalogue with the app's texts, each function entry guarded (a throw falls back to English). */
function resolveMessages(m: Partial<MessageCatalog> | undefined): MessageCatalog {
  if (m === undefined) return en;
  checkObject('messages', m);
  const out: Record<string, MessageCatalog[keyof MessageCatalog]> = { ...en };
  for (const [key, text] of Object.entries(m)) {
    if (text === undefined) continue;
    if (typeof text !== 'string' && typeof text !== 'function') throw fail('InvalidOptionError', `messages["${key}"] must be a string or a function.`);
    const builtIn = en[key as keyof MessageCatalog];
    out[key] =
      typeof text === 'string'
        ? text
        : (context) => {
            try {
              const s = text(context);
              if (typeof s === 'string') return s;
            } catch {
              // the app's text failed: the built-in one stands in
            }
            return builtIn === undefined ? '' : typeof builtIn === 'function' ? builtIn(context) : builtIn;
          };
  }
  return out as MessageCatalog;
}

function checkClock(c: Clock): Clock {
  checkObject('clock', c);
  for (const k of ['now', 'wallNow', 'setTimeout', 'clearTimeout'] as const) checkFunction(`clock.${k}`, c[k]);
  return c;
}

function checkLogger(l: Logger | undefined): Logger | undefined {
  if (l === undefined) return l;
  checkObject('logger', l);
  for (const k of ['debug', 'info', 'warn', 'error'] as const) if (l[k] !== undefined) checkFunction(`logger.${k}`, l[k]);
  return l;
}

const defaultClock = (): Clock => {
  const perf = globalThis.performance;
  return {
    now: perf ? () => perf.now() : () => Date.now(),
    wallNow: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
};
