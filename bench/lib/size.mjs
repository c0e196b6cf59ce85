// @ts-check
/**
 * Bundle sizes measured the way a consumer's bundler sees the package: each entry is a tiny
 * module that imports from the published specifier (`resilient-ws`, `resilient-ws/react`, a
 * peer's package name…), bundled with its dependencies by rolldown (Vite 8's bundler), minified
 * by rolldown's minifier (oxc), ESM, tree-shaken, then gzipped at level 9. Framework peers
 * (react, react-dom, vue) are external: the app pays for them anyway.
 *
 * Adapter entries are measured on top of the core: bytes(core + adapter) − bytes(core), so the
 * figure is what adding the adapter costs an app that already uses the client.
 *
 * Used by `bench/size.mjs` (the benchmark, peers and the per-module breakdown) and by
 * `test/unit/budget.test.ts` (the budget that fails `npm test`).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { rolldown } from 'rolldown';
import { minifySync, parseSync } from 'rolldown/utils';

/** The repository root. */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** Where entry files are written (inside the repo, so `node_modules` resolution and the package's self-reference work). */
const ENTRY_DIR = join(REPO_ROOT, 'node_modules', '.cache', 'resilient-ws-size');

/** Framework peers an app already has; never counted. */
const FRAMEWORKS = [/^react($|\/)/, /^react-dom($|\/)/, /^vue($|\/)/];

/**
 * @typedef {object} SizeSpec
 * @property {string} id           stable key (budget file, JSON results)
 * @property {string} label        what the row is called in tables
 * @property {string} [code]       entry module source (imports by published specifier)
 * @property {string} [file]       instead of `code`: a file (relative to the repo root) taken as shipped (already minified), only gzipped
 * @property {string} [base]       id of a spec whose bytes are subtracted (cost on top of it)
 * @property {string} [note]       shown beside the row
 */

/**
 * @typedef {object} SizeResult
 * @property {string} id
 * @property {string} label
 * @property {number} min          minified bytes (on top of `base` when set)
 * @property {number} gzip         minified + gzip -9 bytes (on top of `base` when set)
 * @property {string} [base]
 * @property {string} [note]
 */

/** The package's own entry points. The ones with a budget are in `size-budget.json`. */
export const OWN_SPECS = /** @type {const} @satisfies {readonly SizeSpec[]} */ ([
  { id: 'core', label: '`resilient-ws` (everything exported)', code: "export * from 'resilient-ws';" },
  {
    id: 'core-createClient',
    label: '`resilient-ws` (`createClient` only)',
    code: "export { createClient } from 'resilient-ws';",
    note: 'what an app that imports only the client pays',
  },
  {
    id: 'lean',
    label: '`resilient-ws/core` (`createCore` only)',
    code: "export { createCore } from 'resilient-ws/core';",
    note: 'the engine: close policy, backoff, states, typed errors, English texts, text codec',
  },
  ...['heartbeat', 'outbox', 'lifecycle', 'lazy', 'refresh', 'closeNotice', 'handshakeProbe', 'diagnostics'].map((name) => ({
    id: `lean+${name}`,
    label: `\`${name}()\` on top of \`createCore\``,
    code: `export { createCore, ${name} } from 'resilient-ws/core';`,
    base: 'lean',
  })),
  {
    id: 'react',
    label: '`resilient-ws/react` on top of the core',
    code: "export * from 'resilient-ws'; export * from 'resilient-ws/react';",
    base: 'core',
  },
  {
    id: 'vue',
    label: '`resilient-ws/vue` on top of the core',
    code: "export * from 'resilient-ws'; export * from 'resilient-ws/vue';",
    base: 'core',
  },
  { id: 'zh-CN', label: '`resilient-ws/i18n/zh-CN`', code: "export * from 'resilient-ws/i18n/zh-CN';" },
  {
    id: 'browser',
    label: '`resilient-ws/browser` (self-contained, as shipped)',
    file: 'dist/browser/resilient-ws.min.js',
    note: 'dist/browser/resilient-ws.min.js gzipped as is, mitt inlined',
  },
]);

/** Peers, bundled the same way (their main class or hook, as their READMEs import it). */
export const PEER_SPECS = /** @type {const} @satisfies {readonly SizeSpec[]} */ ([
  { id: 'reconnecting-websocket', label: 'reconnecting-websocket', code: "export { default } from 'reconnecting-websocket';" },
  { id: 'partysocket/ws', label: 'partysocket (`partysocket/ws`)', code: "export { default } from 'partysocket/ws';" },
  { id: 'partysocket', label: 'partysocket (`partysocket`, with PartySocket)', code: "export * from 'partysocket';" },
  { id: 'sockette', label: 'sockette', code: "export { default } from 'sockette';" },
  { id: 'websocket-ts', label: 'websocket-ts (everything exported)', code: "export * from 'websocket-ts';" },
  { id: 'robust-websocket', label: 'robust-websocket', code: "export { default } from 'robust-websocket';" },
  { id: 'react-use-websocket', label: 'react-use-websocket (React hook)', code: "export { default } from 'react-use-websocket';" },
  { id: 'partysocket/use-ws', label: 'partysocket/use-ws (React hook, with its socket)', code: "export { default } from 'partysocket/use-ws';" },
  { id: '@vueuse/core#useWebSocket', label: '@vueuse/core `useWebSocket` (tree-shaken)', code: "export { useWebSocket } from '@vueuse/core';" },
]);

/**
 * Bundle `code` as an app would and return the minified output.
 * @param {string} code entry module source
 * @param {{ input?: string }} [opts] `input`: bundle this file instead of `code`
 * @returns {Promise<{ code: string, modules: Record<string, { renderedLength: number, code: string | null }> }>}
 */
export async function bundle(code, opts = {}) {
  let input = opts.input;
  if (!input) {
    await mkdir(ENTRY_DIR, { recursive: true });
    input = join(ENTRY_DIR, `entry-${hash(code)}.js`);
    await writeFile(input, code + '\n');
  }
  const build = await rolldown({
    input,
    cwd: REPO_ROOT,
    platform: 'browser',
    external: FRAMEWORKS,
    logLevel: 'silent',
    transform: { define: { 'process.env.NODE_ENV': '"production"' } },
  });
  try {
    const { output } = await build.generate({ format: 'esm', minify: true });
    const chunk = output.find((o) => o.type === 'chunk' && o.isEntry);
    if (!chunk || chunk.type !== 'chunk') throw new Error('rolldown produced no entry chunk');
    if (output.filter((o) => o.type === 'chunk').length > 1) throw new Error(`entry ${input} was split into several chunks`);
    /** @type {Record<string, { renderedLength: number, code: string | null }>} */
    const modules = {};
    for (const [id, m] of Object.entries(chunk.modules)) modules[id] = { renderedLength: m.renderedLength, code: m.code };
    return { code: chunk.code, modules };
  } finally {
    await build.close();
  }
}

/** @param {string | Uint8Array} data */
export const gzipSize = (data) => gzipSync(data, { level: 9 }).length;

/** @param {string} s */
function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0).toString(36);
}

/**
 * Measure every spec (bases first). Returns results in the order given.
 * @param {readonly SizeSpec[]} specs
 * @returns {Promise<SizeResult[]>}
 */
export async function measure(specs) {
  /** @type {Map<string, { min: number, gzip: number }>} */
  const absolute = new Map();
  /** @param {SizeSpec} spec */
  const abs = async (spec) => {
    const known = absolute.get(spec.id);
    if (known) return known;
    let size;
    if (spec.file) {
      const data = await readFile(join(REPO_ROOT, spec.file));
      size = { min: data.length, gzip: gzipSize(data) };
    } else if (spec.code) {
      const out = await bundle(spec.code);
      size = { min: Buffer.byteLength(out.code), gzip: gzipSize(out.code) };
    } else throw new Error(`size spec ${spec.id} has neither code nor file`);
    absolute.set(spec.id, size);
    return size;
  };
  /** @type {SizeResult[]} */
  const results = [];
  for (const spec of specs) {
    const size = await abs(spec);
    /** @type {SizeResult} */
    const result = { id: spec.id, label: spec.label, min: size.min, gzip: size.gzip };
    if (spec.base) {
      const baseSpec = specs.find((s) => s.id === spec.base);
      if (!baseSpec) throw new Error(`size spec ${spec.id}: unknown base ${spec.base}`);
      const base = await abs(baseSpec);
      result.min = size.min - base.min;
      result.gzip = size.gzip - base.gzip;
      result.base = spec.base;
    }
    if (spec.note) result.note = spec.note;
    results.push(result);
  }
  return results;
}

/** The entries whose bytes the breakdown attributes, bundled from `src/` so every module is a source file. */
export const BREAKDOWN_SPECS = /** @type {const} */ ([
  { id: 'lean', label: '`createCore`', code: `export { createCore } from ${JSON.stringify(join(REPO_ROOT, 'src', 'core', 'index.ts'))};` },
  { id: 'core-createClient', label: '`createClient`', code: `export { createClient } from ${JSON.stringify(join(REPO_ROOT, 'src', 'index.ts'))};` },
]);

/**
 * @typedef {object} ModuleShare
 * @property {string} module                  path relative to the repo root
 * @property {Record<string, number>} min     per entry id: the module's code, minified on its own (after tree-shaking)
 * @property {Record<string, number>} gzip    per entry id: the bundle's gzip size attributed by the module's share of the summed `min` (an estimate: gzip does not add up per module)
 */

/**
 * What costs the bytes, per source module: bundles each of {@link BREAKDOWN_SPECS} and minifies
 * each module's tree-shaken code on its own; a module's gzip figure is its share of the summed
 * minified sizes times the bundle's gzip size.
 * @returns {Promise<{ entries: Array<{ id: string, label: string, min: number, gzip: number }>, modules: ModuleShare[] }>}
 */
export async function breakdown() {
  const entries = [];
  /** @type {Map<string, ModuleShare>} */
  const modules = new Map();
  for (const spec of BREAKDOWN_SPECS) {
    const out = await bundle(spec.code);
    const total = { min: Buffer.byteLength(out.code), gzip: gzipSize(out.code) };
    entries.push({ id: spec.id, label: spec.label, ...total });
    const rows = [];
    for (const [id, m] of Object.entries(out.modules)) {
      if (!m.code || !m.code.trim()) continue;
      // Each module's rendered code is a fragment of the bundle's top-level scope; minifying it
      // as a module keeps its top-level names, which is close to what the bundle minifier does.
      const min = Buffer.byteLength(minifySync('m.js', m.code, { compress: true, mangle: { toplevel: false } }).code);
      rows.push({ module: id.startsWith(REPO_ROOT) ? id.slice(REPO_ROOT.length + 1) : id, min });
    }
    const sum = rows.reduce((a, r) => a + r.min, 0);
    for (const r of rows) {
      const row = modules.get(r.module) ?? { module: r.module, min: {}, gzip: {} };
      row.min[spec.id] = r.min;
      row.gzip[spec.id] = Math.round((r.min / sum) * total.gzip);
      modules.set(r.module, row);
    }
  }
  const last = BREAKDOWN_SPECS[1].id; // rows in the order of the `createClient` column
  return { entries, modules: [...modules.values()].sort((a, b) => (b.gzip[last] ?? 0) - (a.gzip[last] ?? 0)) };
}

/**
 * What a few constructs cost in each of {@link BREAKDOWN_SPECS}' minified bundles: the bundle
 * re-gzipped with the construct taken out (found with the parser), subtracted from the whole.
 * Each row is measured alone, so rows do not add up. `property names` is an upper bound: every
 * non-shorthand property name of 3+ characters (public ones too) replaced by a 2-character one.
 * @returns {Promise<Array<{ id: string, label: string, bytes: Record<string, number> }>>}
 */
export async function constructCost() {
  /** @type {Record<string, { label: string, bytes: Record<string, number> }>} */
  const rows = {
    catalogue: { label: 'English catalogue (`en`, user-facing texts)', bytes: {} },
    errors: { label: 'error-message texts (the message argument of every `fail(name, message)`)', bytes: {} },
    table: { label: 'close-code table (`CLOSE_TABLE`)', bytes: {} },
    names: { label: 'property names (upper bound: all of 3+ characters shortened)', bytes: {} },
  };
  for (const spec of BREAKDOWN_SPECS) {
    const { code } = await bundle(spec.code);
    const whole = gzipSize(code);
    /** @typedef {Array<[number, number, string]>} Cuts */
    /** @type {{ catalogue: Cuts, errors: Cuts, table: Cuts, names: Cuts }} */
    const cuts = { catalogue: [], errors: [], table: [], names: [] };
    /** @param {any} n */
    const keyName = (n) => (n.key?.type === 'Identifier' ? n.key.name : n.key?.value);
    /** A string literal's value (the minifier writes many as templates), else undefined. @param {any} n */
    const text = (n) => (n?.type === 'Literal' ? n.value : n?.type === 'TemplateLiteral' && n.expressions.length === 0 ? n.quasis[0].value.cooked : undefined);
    /** @param {unknown} node */
    const walk = (node) => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      const n = /** @type {any} */ (node);
      if (n.type === 'ObjectExpression') {
        const keys = n.properties.map(keyName);
        if (keys.includes('normal') && keys.includes('separator')) cuts.catalogue.push([n.start, n.end, '{}']);
        if (keys.includes(1000) && keys.includes(1006)) cuts.table.push([n.start, n.end, '{}']);
      }
      const [first, second] = n.type === 'CallExpression' || n.type === 'NewExpression' ? n.arguments : [];
      if (/^[A-Z]\w+Error$/.test(String(text(first))) && (second?.type === 'Literal' || second?.type === 'TemplateLiteral')) {
        cuts.errors.push([second.start, second.end, '``']);
      }
      if (n.type === 'MemberExpression' && !n.computed && n.property.name.length >= 3) cuts.names.push([n.property.start, n.property.end, n.property.name]);
      if (n.type === 'Property' && !n.computed && !n.shorthand && n.key.type === 'Identifier' && n.key.name.length >= 3) cuts.names.push([n.key.start, n.key.end, n.key.name]);
      for (const [k, v] of Object.entries(n)) if (k !== 'parent' && v && typeof v === 'object') walk(v);
    };
    walk(parseSync('bundle.js', code, { sourceType: 'module' }).program);
    /** @type {Map<string, string>} */
    const short = new Map();
    for (const [id, list] of Object.entries(cuts)) {
      list.sort((a, b) => a[0] - b[0]);
      let out = '';
      let at = 0;
      for (const [s, e, text] of list) {
        if (s < at) continue; // nested in a cut already made
        if (id === 'names' && !short.has(text)) short.set(text, `$${short.size.toString(36)}`);
        out += code.slice(at, s) + (id === 'names' ? short.get(text) : text);
        at = e;
      }
      /** @type {{ bytes: Record<string, number> }} */ (rows[id]).bytes[spec.id] = whole - gzipSize(out + code.slice(at));
    }
  }
  return Object.entries(rows).map(([id, r]) => ({ id, ...r }));
}

/**
 * How many of the core's gzip bytes are prose: every string literal or template chunk of at
 * least `minLength` characters in the minified core (found with the parser, not a regex) is
 * replaced by a 2-character stand-in and the bundle re-gzipped. The difference is what turning
 * those texts into short codes (or moving them to an optional entry) would save at most.
 * @param {number} [minLength]
 */
export async function proseCost(minLength = 20) {
  const { code } = await bundle("export * from 'resilient-ws';");
  /** @type {Array<[number, number]>} */
  const ranges = [];
  /** @param {unknown} node */
  const walk = (node) => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const n = /** @type {{ type?: string, start: number, end: number, value?: unknown }} */ (node);
    if (n.type === 'Literal' && typeof n.value === 'string' && n.end - n.start - 2 >= minLength) ranges.push([n.start + 1, n.end - 1]);
    if (n.type === 'TemplateElement' && n.end - n.start >= minLength) ranges.push([n.start, n.end]);
    for (const [k, v] of Object.entries(n)) if (k !== 'parent' && v && typeof v === 'object') walk(v);
  };
  walk(parseSync('core.js', code, { sourceType: 'module' }).program);
  ranges.sort((a, b) => a[0] - b[0]);
  let stripped = '';
  let at = 0;
  let chars = 0;
  ranges.forEach(([s, e], i) => {
    stripped += code.slice(at, s) + (i % 1296).toString(36).padStart(2, '0');
    chars += e - s;
    at = e;
  });
  stripped += code.slice(at);
  return { strings: ranges.length, chars, min: Buffer.byteLength(code), gzip: gzipSize(code), gzipWithout: gzipSize(stripped) };
}

/**
 * @typedef {object} Budget
 * @property {number} margin                                   fraction added to the measured size when the budget was set
 * @property {Record<string, { gzip: number, target?: number }>} entries   `gzip`: the limit in bytes; `target`: the issue's goal (reported, not enforced)
 */

/** Path of the committed budget file. */
export const BUDGET_FILE = join(REPO_ROOT, 'size-budget.json');

/** @returns {Promise<Budget>} */
export async function readBudget() {
  return JSON.parse(await readFile(BUDGET_FILE, 'utf8'));
}

/** kB with two decimals (1 kB = 1000 B, as size-limit and bundlephobia print). @param {number} bytes */
export const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;

/**
 * The markdown size table (between `<!-- BEGIN sizes -->` markers in docs/bench.md and the
 * README), checked against the budget by test/unit/budget.test.ts.
 * @param {readonly SizeResult[]} own
 * @param {Budget} budget
 */
export function sizeTable(own, budget) {
  const lines = [
    '| entry point | min | min+gzip | budget (gzip) | issue target |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const r of own) {
    const b = budget.entries[r.id];
    lines.push(
      `| ${r.label} | ${kB(r.min)} | ${kB(r.gzip)} | ${b ? kB(b.gzip) : '–'} | ${b?.target ? `≤ ${kB(b.target)}` : '–'} |`,
    );
  }
  return lines.join('\n');
}

/**
 * Replace the text between `<!-- BEGIN name -->` and `<!-- END name -->` (markers kept).
 * @param {string} text
 * @param {string} name
 * @param {string} body
 */
export function replaceBlock(text, name, body) {
  const begin = `<!-- BEGIN ${name} -->`;
  const end = `<!-- END ${name} -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`no ${begin} … ${end} block`);
  return text.slice(0, i + begin.length) + '\n' + body.trim() + '\n' + text.slice(j);
}

/**
 * The text between the markers, or undefined.
 * @param {string} text
 * @param {string} name
 */
export function readBlock(text, name) {
  const begin = `<!-- BEGIN ${name} -->`;
  const i = text.indexOf(begin);
  const j = text.indexOf(`<!-- END ${name} -->`);
  return i < 0 || j < i ? undefined : text.slice(i + begin.length, j);
}
