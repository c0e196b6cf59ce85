// @ts-check
/**
 * Compares two V8 heap snapshots of the same page (CDP `HeapProfiler.takeHeapSnapshot`): the
 * objects of the later snapshot whose ids the earlier one does not have were allocated in
 * between and are still alive. They are grouped by node type and constructor name, with the
 * retainers that hold them (retainer's type:name and the edge's name) and one retaining path
 * towards the GC roots, so a per-cycle leak can be traced to the object that keeps it.
 * Used by bench/leaks.mjs (BENCH_LEAK_SNAPSHOTS).
 */

/**
 * @typedef {{
 *   snapshot: { meta: { node_fields: string[], node_types: [string[], ...unknown[]], edge_fields: string[], edge_types: [string[], ...unknown[]] } },
 *   nodes: number[], edges: number[], strings: string[],
 * }} HeapSnapshot
 */

/** @param {HeapSnapshot} s */
function index(s) {
  const m = s.snapshot.meta;
  const nf = m.node_fields.length;
  const ef = m.edge_fields.length;
  const f = (/** @type {string} */ name) => m.node_fields.indexOf(name);
  const e = (/** @type {string} */ name) => m.edge_fields.indexOf(name);
  const [T, N, ID, SIZE, EC] = [f('type'), f('name'), f('id'), f('self_size'), f('edge_count')];
  const [ET, EN, TO] = [e('type'), e('name_or_index'), e('to_node')];
  const count = s.nodes.length / nf;
  /** first edge of each node */
  const firstEdge = new Uint32Array(count + 1);
  for (let i = 0, acc = 0; i < count; i++) {
    firstEdge[i] = acc;
    acc += /** @type {number} */ (s.nodes[i * nf + EC]) * ef;
    firstEdge[i + 1] = acc;
  }
  const nodeTypes = m.node_types[0];
  const edgeTypes = m.edge_types[0];
  const type = (/** @type {number} */ i) => nodeTypes[/** @type {number} */ (s.nodes[i * nf + T])] ?? '?';
  const name = (/** @type {number} */ i) => s.strings[/** @type {number} */ (s.nodes[i * nf + N])] ?? '?';
  const id = (/** @type {number} */ i) => /** @type {number} */ (s.nodes[i * nf + ID]);
  const size = (/** @type {number} */ i) => /** @type {number} */ (s.nodes[i * nf + SIZE]);
  /** @param {number} i @param {(to: number, edgeType: string, edgeName: string) => void} fn */
  const eachEdge = (i, fn) => {
    for (let k = /** @type {number} */ (firstEdge[i]); k < /** @type {number} */ (firstEdge[i + 1]); k += ef) {
      const et = edgeTypes[/** @type {number} */ (s.edges[k + ET])] ?? '?';
      const raw = /** @type {number} */ (s.edges[k + EN]);
      const en = et === 'element' || et === 'hidden' ? `[${raw}]` : (s.strings[raw] ?? '?');
      fn(/** @type {number} */ (s.edges[k + TO]) / nf, et, en);
    }
  };
  return { count, type, name, id, size, eachEdge };
}

/** A short label for a node: `type:name` (strings are cut). */
const label = (/** @type {string} */ type, /** @type {string} */ name) => `${type}:${name.length > 60 ? `${name.slice(0, 57)}…` : name}`;

/**
 * Objects alive in `after` that were allocated after `before` was taken.
 * @param {HeapSnapshot} before
 * @param {HeapSnapshot} after
 */
export function diffSnapshots(before, after) {
  const a = index(before);
  const b = index(after);
  const old = new Set();
  for (let i = 0; i < a.count; i++) old.add(a.id(i));
  const isNew = new Uint8Array(b.count);
  for (let i = 0; i < b.count; i++) if (!old.has(b.id(i))) isNew[i] = 1;
  /** retainers of new nodes: node → [parent, edgeType, edgeName][] */
  /** @type {Map<number, [number, string, string][]>} */
  const retainers = new Map();
  /** every node's first strong retainer, for paths */
  const parent = new Int32Array(b.count).fill(-1);
  const parentEdge = /** @type {string[]} */ (new Array(b.count));
  for (let i = 0; i < b.count; i++) {
    b.eachEdge(i, (to, et, en) => {
      if (et === 'weak') return;
      if (parent[to] === -1) {
        parent[to] = i;
        parentEdge[to] = en;
      }
      if (isNew[to]) {
        let list = retainers.get(to);
        if (!list) retainers.set(to, (list = []));
        list.push([i, et, en]);
      }
    });
  }
  /** @type {Map<string, { group: string, count: number, size: number, retainedBy: Map<string, number>, example: number }>} */
  const groups = new Map();
  for (let i = 0; i < b.count; i++) {
    if (!isNew[i]) continue;
    const group = label(b.type(i), b.type(i) === 'string' || b.type(i) === 'concatenated string' ? '(text)' : b.name(i));
    let g = groups.get(group);
    if (!g) groups.set(group, (g = { group, count: 0, size: 0, retainedBy: new Map(), example: i }));
    g.count++;
    g.size += b.size(i);
    for (const [p, , en] of retainers.get(i) ?? []) {
      const key = `${label(b.type(p), b.name(p))} .${en}${isNew[p] ? ' (new)' : ''}`;
      g.retainedBy.set(key, (g.retainedBy.get(key) ?? 0) + 1);
    }
  }
  /** Path from a node up its first strong retainers (at most 12 steps). @param {number} i */
  const path = (i) => {
    const steps = [];
    const seen = new Set();
    for (let n = i, k = 0; n !== -1 && k < 12 && !seen.has(n); k++) {
      seen.add(n);
      steps.push(`${label(b.type(n), b.name(n))}${isNew[n] ? '*' : ''}`);
      const p = parent[n] ?? -1;
      if (p !== -1) steps.push(`.${parentEdge[n]} of`);
      n = p;
    }
    return steps.join(' ');
  };
  const list = [...groups.values()].sort((x, y) => y.size - x.size);
  // Net change per group over all objects (DevTools' "Comparison" view: new minus deleted).
  /** @type {Map<string, { group: string, count: number, size: number }>} */
  const net = new Map();
  for (const [s, sign] of /** @type {const} */ ([[a, -1], [b, 1]])) {
    for (let i = 0; i < s.count; i++) {
      const t = s.type(i);
      const group = label(t, t === 'string' || t === 'concatenated string' || t === 'sliced string' ? '(text)' : s.name(i));
      let g = net.get(group);
      if (!g) net.set(group, (g = { group, count: 0, size: 0 }));
      g.count += sign;
      g.size += sign * s.size(i);
    }
  }
  let totalBefore = 0;
  let totalAfter = 0;
  for (let i = 0; i < a.count; i++) totalBefore += a.size(i);
  for (let i = 0; i < b.count; i++) totalAfter += b.size(i);
  return {
    totalBefore,
    totalAfter,
    net: [...net.values()].filter((g) => g.count !== 0 || g.size !== 0).sort((x, y) => y.size - x.size),
    newObjects: list.reduce((acc, g) => acc + g.count, 0),
    newBytes: list.reduce((acc, g) => acc + g.size, 0),
    groups: list.map((g) => ({
      group: g.group,
      count: g.count,
      size: g.size,
      retainedBy: [...g.retainedBy.entries()].sort((x, y) => y[1] - x[1]).slice(0, 4),
      path: path(g.example),
    })),
  };
}

/**
 * @param {ReturnType<typeof diffSnapshots>} d
 * @param {number} cycles cycles between the snapshots
 * @param {number} [top]
 */
export function formatDiff(d, cycles, top = 15) {
  const lines = [
    `all objects: ${d.totalBefore} → ${d.totalAfter} B self size (${((d.totalAfter - d.totalBefore) / cycles).toFixed(1)} B/cycle over ${cycles} cycles); largest net changes:`,
    ...d.net.slice(0, top).map((g) => `  ${g.size >= 0 ? '+' : ''}${g.size} B, ${g.count >= 0 ? '+' : ''}${g.count} objects  ${g.group}`),
    ...d.net.slice(-3).map((g) => `  ${g.size} B, ${g.count} objects  ${g.group}`),
    'allocated in between and still alive:',
    `${d.newObjects} new live objects, ${d.newBytes} B self size (${(d.newBytes / cycles).toFixed(1)} B/cycle over ${cycles} cycles)`];
  for (const g of d.groups.slice(0, top)) {
    lines.push(`  ${g.group}: ${g.count} objects, ${g.size} B (${(g.count / cycles).toFixed(2)}/cycle)`);
    for (const [by, n] of g.retainedBy) lines.push(`      ← ${n}× ${by}`);
    lines.push(`      path: ${g.path}`);
  }
  return lines.join('\n');
}
