// @ts-check
/**
 * Regenerates the generated blocks (`<!-- BEGIN name -->` … `<!-- END name -->`) of
 * docs/bench.md and bench/README.md — and of README.md, where it has such a block — from
 * bench/results/*.json. Nothing here measures; a bench that has not run leaves its rows out.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { REPO_ROOT, readResult } from './lib/common.mjs';
import { kB, readBlock, readBudget, replaceBlock, sizeTable } from './lib/size.mjs';

/** @param {number | null | undefined} ms */
const s = (ms) => (ms === null || ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);
/** @param {number | null | undefined} x */
const x = (x) => (x === null || x === undefined ? '–' : `${x.toFixed(2)}×`);
/** @param {boolean | null | undefined} ok */
const mark = (ok) => (ok === null || ok === undefined ? '' : ok ? ' ✅' : ' ❌');

/** @param {number} n */
const signed = (n) => (n >= 0 ? `+${n}` : String(n));

/** @param {any} r @param {string} id */
const byId = (r, id) => r.find((/** @type {any} */ e) => e.id === id || e.client === id);

async function main() {
  const size = await readResult('size');
  const throughput = await readResult('throughput');
  const heartbeat = await readResult('heartbeat');
  const outage = await readResult('outage');
  const herd = await readResult('herd');
  const leaks = await readResult('leaks');
  const react = await readResult('react');
  const budget = await readBudget();
  /** @type {Record<string, string>} */
  const blocks = {};

  const summary = ['| benchmark | resilient-ws | peers, same run | target |', '|---|---|---|---|'];
  if (size) {
    const core = byId(size.own, 'core');
    const reactA = byId(size.own, 'react');
    const vueA = byId(size.own, 'vue');
    const peer = (/** @type {string} */ id) => `${byId(size.peers, id).label.split(' (')[0]} ${kB(byId(size.peers, id).gzip)}`;
    summary.push(
      `| Size: core, everything exported (min+gzip) | ${kB(core.gzip)} | ${['reconnecting-websocket', 'partysocket', 'sockette', 'websocket-ts', 'robust-websocket'].map(peer).join(', ')} | ≤ 3.20 kB${mark(core.gzip <= 3200)} |`,
      `| Size: React adapter on top of the core | +${kB(reactA.gzip)} | react-use-websocket ${kB(byId(size.peers, 'react-use-websocket').gzip)}, partysocket/use-ws ${kB(byId(size.peers, 'partysocket/use-ws').gzip)} (hook + its socket code) | ≤ 0.60 kB${mark(reactA.gzip <= 600)} |`,
      `| Size: Vue adapter on top of the core | +${kB(vueA.gzip)} | @vueuse/core useWebSocket ${kB(byId(size.peers, '@vueuse/core#useWebSocket').gzip)} (composable + its socket code) | ≤ 0.60 kB${mark(vueA.gzip <= 600)} |`,
    );
    blocks['sizes'] = sizeTable(size.own, budget);
    blocks['peer-sizes'] = [
      '| library | min | min+gzip |',
      '|---|---:|---:|',
      ...size.peers.map((/** @type {any} */ p) => `| ${p.label} | ${kB(p.min)} | ${kB(p.gzip)} |`),
    ].join('\n');
    const parts = size.modules.entries;
    const cell = (/** @type {number | undefined} */ b) => (b === undefined ? '–' : `${b} B`);
    blocks['size-breakdown'] = [
      `Bundled from \`src/\` as the entries above: ${parts.map((/** @type {any} */ e) => `${e.label} ${kB(e.min)} min, ${kB(e.gzip)} min+gzip`).join('; ')}. ` +
        'Per module: its tree-shaken code minified alone, as a share of the bundle\'s gzip size (an estimate: gzip does not add up per module).',
      '',
      `| module | ${parts.map((/** @type {any} */ e) => `${e.label} ≈ gzip`).join(' | ')} |`,
      `|---|${parts.map(() => '---:').join('|')}|`,
      ...size.modules.modules.map((/** @type {any} */ m) => `| \`${m.module}\` | ${parts.map((/** @type {any} */ e) => cell(m.gzip[e.id])).join(' | ')} |`),
      '',
      'Per construct: the bundle re-gzipped without it (each measured alone; rows overlap the modules above and do not add up).',
      '',
      `| construct | ${parts.map((/** @type {any} */ e) => e.label).join(' | ')} |`,
      `|---|${parts.map(() => '---:').join('|')}|`,
      ...size.constructs.map((/** @type {any} */ c) => `| ${c.label} | ${parts.map((/** @type {any} */ e) => cell(c.bytes[e.id])).join(' | ')} |`),
      '',
      `Prose in the whole core (\`resilient-ws\`, everything exported): ${size.prose.strings} string/template literals of ≥ 20 characters (${size.prose.chars} characters) are ` +
        `${kB(size.prose.gzip - size.prose.gzipWithout)} of the ${kB(size.prose.gzip)} gzip ` +
        `(${(((size.prose.gzip - size.prose.gzipWithout) / size.prose.gzip) * 100).toFixed(0)} %): replacing each with a 2-character code gives ${kB(size.prose.gzipWithout)}.`,
    ].join('\n');
  }
  if (throughput) {
    const x3 = (/** @type {number} */ v) => `${v.toFixed(3)}×`;
    const ci = (/** @type {number[]} */ r) => r.map((v) => v.toFixed(3)).join('–');
    const how = `median of ${throughput.rounds} paired rounds, ${throughput.n} msgs per burst${throughput.pinned ? ', server and Chromium on separate CPUs' : ''}; 95 % CI; \`raw (control)\` = a second raw client: the noise floor`;
    const row = (/** @type {'down' | 'up'} */ d) => {
      const ours = byId(throughput.clients, 'resilient-ws');
      const peers = throughput.clients
        .filter((/** @type {any} */ c) => c.client !== 'resilient-ws' && c.client !== 'raw')
        .map((/** @type {any} */ c) => `${c.client} ${x3(c[`${d}Ratio`])} (${ci(c[`${d}RatioCI`])})`)
        .join(', ');
      return `| Throughput ${d === 'down' ? 'server→page' : 'page→server'}, × raw \`WebSocket\` (${how}) | ${x3(ours[`${d}Ratio`])} (CI ${ci(ours[`${d}RatioCI`])}) | ${peers} | ≥ 0.97×${mark(ours[`${d}Ratio`] >= 0.97)} |`;
    };
    summary.push(row('down'), row('up'));
    blocks['throughput'] = [
      `${throughput.n}-message bursts of ${throughput.messageBytes}-byte text frames, one open connection per client, ${throughput.rounds} rounds after ${throughput.warmup} warm-up rounds, clients in a fresh random order each round${throughput.pinned ? `; the \`ws\` server on CPU ${throughput.pinned.server}, every Chromium process on CPU ${throughput.pinned.chromium}` : ''}. × raw = median over rounds of (client's rate ÷ raw's rate in the same round), with its 95 % bootstrap confidence interval. Load average during the run: ${throughput.loadAverage1m}.`,
      '',
      '| client | server→page msg/s | × raw | 95 % CI | page→server msg/s | × raw | 95 % CI | main thread, µs CPU per message down | receive path, µs per message | `send()` loop, µs per message |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...throughput.clients.map(
        (/** @type {any} */ c) =>
          `| ${c.client} | ${c.downMsgPerSec} | ${x3(c.downRatio)} | ${ci(c.downRatioCI)} | ${c.upMsgPerSec} | ${x3(c.upRatio)} | ${ci(c.upRatioCI)} | ${c.mainThreadUsPerMessageDown} | ${c.receiveUsPerMessage ?? '–'} | ${c.sendLoopUsPerMessage} |`,
      ),
    ].join('\n');
  }
  if (heartbeat) {
    const rows = heartbeat.rows;
    const def = rows[0];
    const shorts = rows.filter((/** @type {any} */ r) => r.client.includes('short'));
    const none = rows.filter((/** @type {any} */ r) => r.heartbeat === 'none').map((/** @type {any} */ r) => r.client);
    const ok = (/** @type {any} */ r) => r.detectedAfterLastFrameMs !== null && r.detectedAfterLastFrameMs <= r.expectedMs * 1.05;
    summary.push(
      `| Half-open (blackholed) detection, default heartbeat 20 s + 10 s | ${s(def.detectedAfterLastFrameMs)} after the last frame | ${none.join(', ')}: not detected in ${Math.round(heartbeat.observedMs / 1000)} s | ≈ interval + timeout${mark(ok(def))} |`,
      `| Half-open detection, heartbeat ${shorts[0]?.heartbeat ?? ''} | ${shorts.map((/** @type {any} */ r) => s(r.detectedAfterLastFrameMs)).join(' / ')} | – | ≈ interval + timeout${mark(shorts.every(ok))} |`,
    );
    blocks['heartbeat'] = [
      '| client | heartbeat | expected (interval + timeout) | detected after blackhole | after last frame received | ÷ expected |',
      '|---|---|---:|---:|---:|---:|',
      ...rows.map(
        (/** @type {any} */ r) =>
          `| ${r.client} | ${r.heartbeat} | ${s(r.expectedMs)} | ${r.detectedAfterBlackholeMs === null ? `not in ${Math.round(heartbeat.observedMs / 1000)} s` : s(r.detectedAfterBlackholeMs)} | ${s(r.detectedAfterLastFrameMs)} | ${r.ratioToExpected === null ? '–' : r.ratioToExpected.toFixed(3)} |`,
      ),
    ].join('\n');
  }
  if (outage) {
    const fmt = (/** @type {any} */ c) =>
      c.recoveredTrials === 0 ? `${c.attemptsWhileDown} attempts, never back` : `${c.attemptsWhileDown} attempts, back ${s(c.medianRecoveryMs)}`;
    const ours = byId(outage.clients, 'resilient-ws');
    const T = outage.targets;
    const target10 = T ? `≤ ${T.attempts10s} attempts${mark(outage.meets.attempts10s)}, median ≤ ${s(T.medianRecoveryMs10s)}${mark(outage.meets.medianRecovery10s)}` : '–';
    summary.push(
      `| Outage ${outage.outageMs / 1000} s then up: attempts while down, back after up (median of ${outage.trials}) | ${fmt(ours)} (max ${s(ours.maxRecoveryMs)}) | ${outage.clients
        .filter((/** @type {any} */ c) => c.client !== 'resilient-ws')
        .map((/** @type {any} */ c) => `${c.client}: ${fmt(c)}`)
        .join('; ')} | ${target10} |`,
    );
    /** @type {any[]} */
    const sims = outage.simulated ?? [];
    const long = sims.find((r) => r.outageMs !== outage.outageMs);
    if (long && T) {
      summary.push(
        `| Outage ${long.outageMs / 60_000} min then up, the real engine on a fake clock: attempts while down, median of ${long.trials} (p95, max); back after up (median) | ${long.attempts.median} attempts (p95 ${long.attempts.p95}, max ${long.attempts.max}), back ${s(long.recoveryMs.median)} | – | ≤ ${T.attempts5min}${mark(outage.meets.attempts5min)} |`,
      );
    }
    blocks['outage'] = [
      `Chromium: server refusing connections for ${outage.outageMs / 1000} s, every client with its defaults, ${outage.trials} trials${outage.parallel ? `, ${outage.parallel} at a time` : ' at once'} (own page and server each). A client not connected ${outage.waitAfterUpMs / 1000} s after the server is back counts as not recovered.`,
      '',
      '| client | attempts while down (median, range) | recovered | back after the server is up (median) | max |',
      '|---|---:|---:|---:|---:|',
      ...outage.clients.map(
        (/** @type {any} */ c) =>
          `| ${c.client} | ${c.attemptsWhileDown} (${c.attemptsRange.join('–')}) | ${c.recoveredTrials}/${outage.trials} | ${s(c.medianRecoveryMs)} | ${s(c.maxRecoveryMs)} |`,
      ),
      ...(sims.length
        ? [
            '',
            'resilient-ws alone, the real engine (`createClient` with its defaults) on a fake clock: injected `clock`, `random` and a scripted `WebSocket` refused 1 ms after each attempt while the server is down (the 5-minute outage is simulated, not waited):',
            '',
            '| outage | trials | attempts while down: median | p95 | max | back after the server is up: median | p95 | max |',
            '|---|---:|---:|---:|---:|---:|---:|---:|',
            ...sims.map(
              (r) =>
                `| ${r.outageMs >= 60_000 ? `${r.outageMs / 60_000} min` : `${r.outageMs / 1000} s`} | ${r.trials} | ${r.attempts.median} | ${r.attempts.p95} | ${r.attempts.max} | ${s(r.recoveryMs.median)} | ${s(r.recoveryMs.p95)} | ${s(r.recoveryMs.max)} |`,
            ),
          ]
        : []),
    ].join('\n');
  }
  if (herd) {
    const sim = herd.simulation;
    const cell = (/** @type {string} */ sc, /** @type {string} */ cl) => byId(sim.filter((/** @type {any} */ r) => r.scenario === sc), cl);
    for (const sc of ['1006 drop, server up', '1012 restart, server up']) {
      const o = cell(sc, 'resilient-ws');
      const r = cell(sc, 'reconnecting-websocket');
      const p = cell(sc, 'partysocket');
      summary.push(
        `| Herd, ${o.clients} simulated clients, ${sc}: peak ÷ uniform (${o.bucketMs} ms buckets) | ${x(o.peakOverUniform)} (${o.peakPerSec}/s vs ${o.uniformPerSec}/s over ${o.bucketMs * 10 / 1000} s) | reconnecting-websocket ${x(r.peakOverUniform)} over its 1–5 s window (${r.peakPerSec}/s); partysocket: all at ${s(p.firstAttemptMs)} (${p.peakPerSec}/s) | ≤ 1.20×${mark(o.peakOverUniform <= 1.2)} |`,
      );
    }
    const b = byId(herd.chromium, 'resilient-ws');
    summary.push(
      `| Herd in Chromium, ${b.clients} clients killed at once: attempt times, peak per 100 ms | ${b.firstAttemptMs}–${b.lastAttemptMs} ms, peak ${b.peakAttemptsPer100ms} | ${herd.chromium
        .filter((/** @type {any} */ c) => c.client !== 'resilient-ws')
        .map((/** @type {any} */ c) => `${c.client}: ${c.firstAttemptMs}–${c.lastAttemptMs} ms, peak ${c.peakAttemptsPer100ms}`)
        .join('; ')} | – |`,
    );
    blocks['herd'] = [
      `Simulation (${sim[0].clients} clients, fake clock, the package's \`retryDelay\`/\`RETRY_DEFAULTS\`):`,
      '',
      '| scenario | client | attempts | first attempt | median back | all back | peak/s | peak bucket, share of fleet | uniform/s | peak ÷ uniform |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...sim.map(
        (/** @type {any} */ r) =>
          `| ${r.scenario} | ${r.client} | ${r.attempts} | ${s(r.firstAttemptMs)} | ${s(r.medianBackMs)} | ${s(r.allBackMs)} | ${r.peakPerSec} (${r.bucketMs} ms buckets) | ${(r.peakBucketShareOfFleet * 100).toFixed(1)} % | ${r.uniformPerSec ?? '–'} | ${r.peakOverUniform === null ? '–' : r.peakOverUniform.toFixed(3)} |`,
      ),
      '',
      `Chromium (${b.clients} clients in one page, fault server \`killAll()\`; times from the kill):`,
      '',
      '| client | attempts | first–last attempt | median attempt | peak attempts / 100 ms | arrivals at server | last arrival | all reconnected |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...herd.chromium.map(
        (/** @type {any} */ c) =>
          `| ${c.client} | ${c.attempts} | ${c.firstAttemptMs}–${c.lastAttemptMs} ms | ${c.p50AttemptMs} ms | ${c.peakAttemptsPer100ms} | ${c.arrivals} | ${c.lastArrivalMs} ms | ${c.allBackMs === null ? `no (${c.reopened}/${c.clients} in 10 s)` : `${c.allBackMs} ms`} |`,
      ),
    ].join('\n');
  }
  if (leaks) {
    const by = Object.fromEntries(leaks.rows.map((/** @type {any} */ r) => [r.subject, r]));
    const o = by['resilient-ws'];
    const raw = by['raw'];
    const party = by['partysocket'];
    const slope = (/** @type {any} */ r) => `${signed(r.slope)} ± ${r.slopeStderr} B/cycle (halves ${signed(r.slopeFirstHalf)} / ${signed(r.slopeSecondHalf)})`;
    if (o && raw) {
      summary.push(
        `| Leaks: ${leaks.cycles} forced reconnect cycles in Chromium, heap after forced GC at ${leaks.samples + 1} points: least-squares slope ± standard error (first / second half); live objects; listeners/timers after \`dispose()\` | heap ${slope(o)}, live JS objects ${signed(o.objectsAfter - o.objectsBefore)}, ${o.socketsBefore}→${o.socketsAfter} sockets, ${o.backToBaseline ? 'back to baseline' : 'NOT back to baseline'} | raw \`WebSocket\` loop ${slope(raw)}${party ? `; partysocket ${slope(party)}` : ''} | ≤ raw + 20 B/cycle${mark(o.slope <= raw.slope + 20)}; baseline after dispose${mark(o.backToBaseline)} |`,
      );
    }
    blocks['leaks'] = [
      '| subject | cycles | heap at first → last sample (forced GC) | slope ± s.e. | first half / second half | end points ÷ cycles | live JS objects before → after | live WebSockets before → after | listeners / timers while open | after dispose: listeners, timers, sockets (baseline) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...leaks.rows.map(
        (/** @type {any} */ r) =>
          `| ${r.subject === 'raw' ? 'raw WebSocket loop (control)' : r.subject} | ${leaks.cycles} | ${r.heapBefore} → ${r.heapAfter} B | ${signed(r.slope)} ± ${r.slopeStderr} B | ${signed(r.slopeFirstHalf)} / ${signed(r.slopeSecondHalf)} B | ${signed(r.endPointPerCycle)} B | ${r.objectsBefore} → ${r.objectsAfter} | ${r.socketsBefore} → ${r.socketsAfter} | ${r.whileOpen.listeners} / ${r.whileOpen.timers} | ${r.afterDispose.listeners}, ${r.afterDispose.timers}, ${r.afterDispose.sockets} (${r.baseline.listeners}, ${r.baseline.timers}, ${r.baseline.sockets}) |`,
      ),
    ].join('\n');
  }
  if (react) {
    const [o, p] = react.rows;
    summary.push(
      `| React: renders of a status-only component while ${react.n} messages arrive | ${o.statusRenders} | react-use-websocket ${p.statusRenders} | 0${mark(o.statusRenders === 0)} |`,
    );
    blocks['react'] = [
      '| client | status component renders | message-counting sibling renders | messages counted | time |',
      '|---|---:|---:|---:|---:|',
      ...react.rows.map((/** @type {any} */ r) => `| ${r.client} | ${r.statusRenders} | ${r.counterRenders} | ${r.messages} | ${s(r.ms)} |`),
    ].join('\n');
  }
  blocks['results'] = summary.join('\n');
  const m = (size ?? throughput ?? heartbeat ?? outage ?? herd ?? leaks ?? react)?.machine;
  if (m) {
    const dates = [size, throughput, heartbeat, outage, herd, leaks, react].filter(Boolean).map((r) => r.date.slice(0, 10));
    const loads = [throughput, heartbeat, outage, herd, leaks, react].filter(Boolean).map((r) => r.loadAverage1m);
    blocks['machine'] = [
      `- CPU: ${m.cpu}, ${m.nproc} cores (\`nproc\`); ${m.os}`,
      `- ${m.chromium}; Node ${m.node}`,
      `- Run on ${[...new Set(dates)].join(', ')}; 1-minute load average at the end of each browser bench: ${loads.join(', ')} (the machine is shared; wall-clock figures are noisy, ratios are measured in the same run)`,
    ].join('\n');
  }

  for (const file of ['docs/bench.md', 'bench/README.md', 'README.md']) {
    const path = join(REPO_ROOT, file);
    let text;
    try {
      text = await readFile(path, 'utf8');
    } catch {
      continue;
    }
    let changed = text;
    for (const [name, body] of Object.entries(blocks)) if (readBlock(changed, name) !== undefined) changed = replaceBlock(changed, name, body);
    if (changed !== text) {
      await writeFile(path, changed);
      console.log(`report: updated ${file}`);
    }
  }
}

await main();
