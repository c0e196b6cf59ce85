// @ts-check
/**
 * Generates the README's reference tables from the single sources: option TSDoc (`@default`)
 * from src/core/options.ts, the close-code table and messages from the code itself, the errors
 * from `ERROR_NAMES` and the errors the source creates, the snapshot and close fields from the
 * TSDoc in src/core/state.ts, and the retry-delay examples from `retryDelay`. Used by
 * `npm run docs` (writes README.md from the built package) and by a unit test (checks README.md
 * against the sources, so a stale table fails `npm test`).
 */

const INTERFACES = [
  ['ClientOptions', ''],
  ['RetryOptions', 'retry.'],
  ['HeartbeatOptions', 'heartbeat.'],
  ['OutboxOptions', 'outbox.'],
  ['LifecycleOptions', 'lifecycle.'],
  ['CloseNoticeOptions', 'closeNotice.'],
  ['ProbeHandshakeOptions', 'probeHandshake.'],
  ['DiagnosticsOptions', 'diagnostics.'],
];

/**
 * Reads every documented property of the option interfaces.
 * @param {string} source text of src/core/options.ts (or src/server/options.ts)
 * @param {readonly (readonly string[])[]} [interfaces] the interfaces to read: the client's by default
 * @returns {{ iface: string, name: string, type: string, doc: string, default: string | undefined }[]}
 */
export function parseOptions(source, interfaces = INTERFACES) {
  /** @type {{ iface: string, name: string, type: string, doc: string, default: string | undefined }[]} */
  const out = [];
  for (const [iface = ''] of interfaces) {
    const start = source.indexOf(`export interface ${iface}`);
    if (start < 0) throw new Error(`interface ${iface} not found in the options source`);
    const body = source.slice(source.indexOf('{', start) + 1, source.indexOf('\n}', start));
    const re = /\/\*\*([\s\S]*?)\*\/\s*\n\s*(\w+)\??:\s*([^;]+);/g;
    for (let m; (m = re.exec(body)); ) {
      const raw = (m[1] ?? '').replace(/\n\s*\*\s?/g, ' ').trim();
      const def = /@default\s+(.+?)\s*$/.exec(raw);
      out.push({
        iface,
        name: m[2] ?? '',
        type: (m[3] ?? '').replace(/\s+/g, ' ').trim(),
        doc: raw.replace(/@default[\s\S]*$/, '').trim(),
        default: def?.[1],
      });
    }
  }
  return out;
}

const cell = (/** @type {string} */ s) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/**
 * @param {string} optionsSource
 * @returns {string}
 */
export function optionsTable(optionsSource) {
  const rows = parseOptions(optionsSource);
  const lines = ['| option | type | default | what it does |', '|---|---|---|---|'];
  for (const [iface = '', prefix = ''] of INTERFACES) {
    for (const r of rows.filter((x) => x.iface === iface)) {
      lines.push(`| \`${prefix}${r.name}\` | \`${cell(r.type)}\` | ${r.default === undefined ? '—' : `\`${cell(r.default)}\``} | ${cell(r.doc)} |`);
    }
  }
  return lines.join('\n');
}

/** The option interfaces of `resilient-ws/server` (src/server/options.ts) and the function each belongs to. */
export const SERVER_INTERFACES = [
  ['CloseWithOptions', 'closeWith'],
  ['AnswerPingsOptions', 'answerPings'],
  ['CloseWhenIdleOptions', 'closeWhenIdle'],
];

/**
 * The options table of `resilient-ws/server`.
 * @param {string} serverOptionsSource text of src/server/options.ts
 * @returns {string}
 */
export function serverOptionsTable(serverOptionsSource) {
  const rows = parseOptions(serverOptionsSource, SERVER_INTERFACES);
  const lines = ['| function | option | type | default | what it does |', '|---|---|---|---|---|'];
  for (const [iface = '', fn = ''] of SERVER_INTERFACES) {
    for (const r of rows.filter((x) => x.iface === iface)) {
      lines.push(`| \`${fn}()\` | \`${r.name}\` | \`${cell(r.type)}\` | ${r.default === undefined ? 'required' : `\`${cell(r.default)}\``} | ${cell(r.doc)} |`);
    }
  }
  return lines.join('\n');
}

/**
 * @param {{ classifyCode: (code: number) => { category: string, action: string }, en: Record<string, string | ((c: { code: number, attempts: number }) => string)> }} api
 * @returns {string}
 */
export function closeCodeTable(api) {
  const groups = [
    ['1000 (from the server)', 1000],
    ['1001', 1001],
    ['1002, 1003, 1007, 1009, 1010', 1002],
    ['1005 (no status)', 1005],
    ['1006 after open (no close frame)', 1006],
    ['1008', 1008],
    ['1011', 1011],
    ['1012', 1012],
    ['1013', 1013],
    ['1014', 1014],
    ['1015', 1015],
    ['3000', 3000],
    ['3003', 3003],
    ['3008', 3008],
    ['other 3000–3999', 3001],
    ['4000–4999', 4000],
    ['anything else (1004, 1016–2999)', 2000],
    ['< 1000, ≥ 5000 (a close frame without a status code: its text read as a code)', 26980],
  ];
  /** @type {Record<string, string>} */
  const notes = {
    1000: 'surface the server’s reason (`lastClose.reason`)',
    1006: '1006 **before** open is a failed attempt: category `connect-failed` (refused, unreachable, HTTP 4xx/5xx — browsers hide which)',
    1012: 'first retry drawn uniformly from 0–`retry.restartDelay` (RFC 6455 §7.2.3) so a restart does not cause a stampede',
    1013: 'never sooner than `retry.tryAgainLaterDelay`, even when the server suggests less: see [When the next attempt comes](#when-the-next-attempt-comes)',
    3000: 'with a `refresh` hook: refresh credentials, then reconnect at once (`authCodes`)',
    3003: 'with a `refresh` hook: refresh credentials, then reconnect at once (`authCodes`)',
    4000: 'one line of `closePolicy` turns any code or range into `reconnect`',
    26980: 'the text is rebuilt into `reason` and the close reported as code 1005 (`via: \'rebuilt\'`, `reported` keeps what the browser said); see [Close notices](#close-notices-when-the-close-frame-cannot-say-it)',
  };
  const msg = (/** @type {string} */ key, /** @type {number} */ code) => {
    const t = api.en[key];
    return typeof t === 'function' ? t({ code, attempts: 0 }) : (t ?? '');
  };
  const lines = ['| code | category | default action | user-facing message (en) | notes |', '|---|---|---|---|---|'];
  for (const [label, code] of groups) {
    const r = api.classifyCode(/** @type {number} */ (code));
    lines.push(`| ${label} | \`${r.category}\` | **${r.action}** | ${cell(msg(r.category, /** @type {number} */ (code)))} | ${notes[String(code)] ?? ''} |`);
  }
  lines.push(`| 1000 after our own \`close()\` | \`client\` | stop (silently) | ${msg('client', 1000)} | |`);
  return lines.join('\n');
}

/**
 * Examples of the one delay rule (`retryDelay` in src/core/backoff.ts), computed by the code
 * itself with the lowest and the highest random draw, so the README cannot state another rule.
 * Each row is a retry at a point of an outage (the failure count and the time since the first
 * failure), so the two phases of the backoff show.
 * @param {{
 *   retryDelay: (outage: { retry: number, elapsed: number }, category: string, hint: { retryAfter?: number } | null, s: object, random: () => number) => number,
 *   parseServerHint: (reason: string) => { retryAfter?: number } | null,
 *   RETRY_DEFAULTS: Record<string, unknown>,
 * }} api
 * @returns {string}
 */
export function retryDelayTable(api) {
  /** @type {[label: string, category: string, retry: number, elapsed: number, reason: string, over?: Record<string, number>][]} */
  const rows = [
    ['1006 (network), first retry', 'network', 1, 0, ''],
    ['1006, 3rd failure in a row, 3 s into the outage', 'network', 3, 3000, ''],
    ['1006, 6th failure, 11 s into the outage (fast phase: `fastMaxDelay`)', 'network', 6, 11_000, ''],
    ['1006, 9th failure, 30 s into the outage (a third of the time gone)', 'network', 9, 30_000, ''],
    ['1006, 20th failure, 2 min into the outage', 'network', 20, 120_000, ''],
    ['1006, 5 min into the outage (`maxDelay`)', 'network', 30, 300_000, ''],
    ['1006, 9th failure, 30 s in, `fastPhase: 0` (one phase)', 'network', 9, 30_000, '', { fastPhase: 0 }],
    ['1012 (service restart), first retry', 'service-restart', 1, 0, ''],
    ['1012, second retry', 'service-restart', 2, 2000, ''],
    ['1013 (try again later), first retry', 'try-again-later', 1, 0, ''],
    ['1013, 4th retry, 40 s into the outage', 'try-again-later', 4, 40_000, ''],
    ['1013 with `retry-after=1`', 'try-again-later', 1, 0, 'retry-after=1'],
    ['1013 with `retry-after=1`, `tryAgainLaterDelay: 4000`', 'try-again-later', 1, 0, 'retry-after=1', { tryAgainLaterDelay: 4000 }],
    ['1013 with `{"retryAfter":30}`', 'try-again-later', 1, 0, '{"retryAfter":30}'],
    ['1013 with `{"retryAfter":3600}`', 'try-again-later', 1, 0, '{"retryAfter":3600}'],
    ['1011 (server error) with `retry-after=1`, 2 min into the outage', 'server-error', 20, 120_000, 'retry-after=1'],
  ];
  const lines = ['| close, retry | wait (ms; defaults unless shown) |', '|---|---|'];
  for (const [label, category, retry, elapsed, reason, over] of rows) {
    const s = { ...api.RETRY_DEFAULTS, ...over };
    const hint = reason ? api.parseServerHint(reason) : null;
    const lo = Math.floor(api.retryDelay({ retry, elapsed }, category, hint, s, () => 0));
    const hi = Math.floor(api.retryDelay({ retry, elapsed }, category, hint, s, () => 1));
    lines.push(`| ${cell(label)} | ${lo === hi ? `${lo}` : `${lo} ≤ wait < ${hi}`} |`);
  }
  return lines.join('\n');
}

/**
 * Where each error comes from and when, for the README's errors table. The table lists every
 * name in `ERROR_NAMES` that the source creates; {@link errorsTable} throws when one of those has
 * no entry here, or when an entry names an error that is never created.
 * @type {Record<string, [where: string, when: string]>}
 */
export const ERROR_DOCS = {
  InvalidUrlError: ['thrown', 'the URL is unparseable, has a wrong scheme or a fragment, or is relative where there is no page'],
  InvalidProtocolError: ['thrown', 'a subprotocol is not a valid token, or is listed twice'],
  InvalidOptionError: [
    'thrown; background',
    'an option is wrong (negative or NaN numbers, unknown enum values, a bad `closePolicy`); in the background when your `closePolicy` function throws (the built-in table is used)',
  ],
  InvalidCloseCodeError: ['thrown', '`close()` got a code other than 1000 or 3000–4999; `closeWith()` (`resilient-ws/server`) got one a server may not send'],
  InvalidCloseReasonError: ['thrown', '`close()` got a reason that is not a string or is over 123 UTF-8 bytes; `closeWith()` got one that is not a string (it cuts long ones)'],
  DisposedError: ['thrown', 'a method was called after `dispose()`'],
  EncodeError: [
    'thrown; background',
    '`send()`: the codec cannot encode the message; in the background when the heartbeat message cannot be encoded or its function throws',
  ],
  DecodeError: ['background', 'a received frame could not be decoded (the raw frame is in `data`); the connection stays open'],
  ConfigurationError: [
    'background',
    'there is no WebSocket implementation, or its constructor threw `SyntaxError`/`SecurityError`, or (with `probeHandshake`) the endpoint answered HTTP 404: never retried',
  ],
  UrlProviderError: ['background', 'your `url` or `protocols` function threw or rejected: retried'],
  ConnectionError: ['background', 'the handshake failed (refused, unreachable, HTTP 4xx/5xx: browsers hide which)'],
  ConnectTimeoutError: ['background', 'a socket was still CONNECTING after `connectTimeout`'],
  CloseTimeoutError: ['background', 'the server did not complete our closing handshake within `closeTimeout`'],
  HeartbeatTimeoutError: ['background', 'the heartbeat found the connection dead'],
  RetriesExhaustedError: ['background', 'more consecutive failures than `retry.limit` (`cause`: the last failure’s error)'],
  RefreshError: ['background', 'the `refresh` hook rejected, or `maxRefreshes` refreshes in a row found no stable connection'],
  FatalCloseError: [
    'background',
    'a close the client stops on: the table’s **stop** codes (1002, 1003, 1007–1010, 1015, 1008, 4000–4999), auth codes without a `refresh` hook, a handshake probe answered 401/403 without one (`probeHandshake`), a `closePolicy` that says stop, any close after open with `retry: false` / `retry.limit: 0` — except 1000 from the server and your own `close()` (a failed handshake reports its `ConnectionError` instead); the `close` event tells which',
  ],
};

/**
 * Error names the source creates: `'XxxError'` string literals in src/**, errors.ts excepted
 * (where `ERROR_NAMES` declares them).
 * @param {{ path: string, text: string }[]} files
 * @param {readonly string[]} errorNames
 * @returns {Set<string>}
 */
export function createdErrorNames(files, errorNames) {
  const known = new Set(errorNames);
  const out = new Set();
  for (const f of files) {
    if (/(^|\/)errors\.ts$/.test(f.path)) continue;
    for (const m of f.text.matchAll(/['"`]([A-Z]\w*Error)['"`]/g)) if (known.has(/** @type {string} */ (m[1]))) out.add(m[1]);
  }
  return out;
}

/**
 * @param {readonly string[]} errorNames `ERROR_NAMES`, in its order
 * @param {Set<string>} created {@link createdErrorNames}
 * @returns {string}
 */
export function errorsTable(errorNames, created) {
  const stale = Object.keys(ERROR_DOCS).filter((n) => !created.has(n));
  if (stale.length) throw new Error(`ERROR_DOCS documents errors the source never creates: ${stale.join(', ')}`);
  const lines = ['| error | where | when |', '|---|---|---|'];
  for (const name of errorNames) {
    if (!created.has(name)) continue;
    const doc = ERROR_DOCS[name];
    if (!doc) throw new Error(`${name} is created in src but has no entry in ERROR_DOCS (scripts/docs-tables.mjs)`);
    lines.push(`| \`${name}\` | ${doc[0]} | ${cell(doc[1])} |`);
  }
  return lines.join('\n');
}

/** Descriptions for fields whose TSDoc is elsewhere (the type's own documentation). */
const FIELD_NOTES = /** @type {Record<string, string>} */ ({
  'Snapshot.status': 'Where the connection is: see [States](#states).',
});

/**
 * The fields of an interface in src/core/state.ts with their TSDoc, as a table. A field with
 * neither TSDoc nor a note in FIELD_NOTES makes it throw. String-literal unions declared in the
 * same file are spelled out.
 * @param {string} source text of src/core/state.ts
 * @param {string} iface
 * @returns {string}
 */
export function fieldsTable(source, iface) {
  const start = source.indexOf(`export interface ${iface} `);
  if (start < 0) throw new Error(`interface ${iface} not found in state.ts`);
  const body = source.slice(source.indexOf('{', start) + 1, source.indexOf('\n}', start));
  /** @type {Record<string, string>} */
  const unions = {};
  for (const m of source.matchAll(/export type (\w+) =([^;]+);/g)) {
    const t = (m[2] ?? '').replace(/\s+/g, ' ').trim().replace(/^\| /, '');
    if (/^'[\w-]+'( \| '[\w-]+')*$/.test(t) && t.length <= 90) unions[m[1] ?? ''] = t;
  }
  const lines = ['| field | type | what it is |', '|---|---|---|'];
  const re = /(?:\/\*\*([\s\S]*?)\*\/\s*)?\n\s*readonly (\w+)(\??):\s*([^;]+);/g;
  let n = 0;
  for (let m; (m = re.exec('\n' + body)); n++) {
    const name = m[2] ?? '';
    const doc = (m[1] ?? '').replace(/\n\s*\*\s?/g, ' ').trim() || FIELD_NOTES[`${iface}.${name}`];
    if (!doc) throw new Error(`${iface}.${name} has no TSDoc in state.ts (and no FIELD_NOTES entry)`);
    const type = (m[4] ?? '').replace(/\s+/g, ' ').trim();
    const shown = unions[type] ? `${type} = ${unions[type]}` : type;
    lines.push(`| \`${name}${m[3]}\` | \`${cell(shown)}\` | ${cell(doc.replace(/\{@link (\w+)\}/g, '`$1`'))} |`);
  }
  if (n === 0) throw new Error(`interface ${iface} has no fields`);
  return lines.join('\n');
}

/**
 * Replaces the text between `<!-- BEGIN name -->` and `<!-- END name -->`.
 * @param {string} doc
 * @param {string} name
 * @param {string} content
 */
export function replaceBlock(doc, name, content) {
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README has no ${begin} … ${end} block`);
  return `${doc.slice(0, i + begin.length)}\n${content}\n${doc.slice(j)}`;
}
