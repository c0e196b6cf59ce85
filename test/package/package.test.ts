/**
 * The package as users receive it: `npm pack`'s tarball (after `npm run build`, which `npm test`
 * runs first), linted by publint and attw, imported by Node, and type-checked by a TypeScript
 * consumer under moduleResolution bundler, node16 and nodenext with skipLibCheck off.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
/** Runs a command to completion (bounded by `timeout`), never throwing on a non-zero exit. */
function run(cmd: string, args: string[], cwd: string, timeout = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 16 << 20, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

interface PackInfo {
  filename: string;
  files: { path: string }[];
}
async function pack(cwd: string, destination: string, ...flags: string[]): Promise<PackInfo> {
  const r = await run('npm', ['pack', '--json', '--pack-destination', destination, ...flags], cwd);
  expect(r.code, r.stderr).toBe(0);
  // With a prepack script, its output (the build log) comes first on stdout; the JSON follows.
  const start = r.stdout.search(/^\[$/m);
  expect(start, r.stdout).toBeGreaterThanOrEqual(0);
  const [info] = JSON.parse(r.stdout.slice(start)) as PackInfo[];
  return info!;
}

const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  name: string;
  main: string;
  module: string;
  types: string;
  exports: Record<string, string | Record<string, string>>;
  typesVersions: Record<string, Record<string, string[]>>;
};

let work = '';
let tarball = '';
let files: string[] = [];
let consumer = '';

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'resilient-ws-package-'));
  // dist is already built; --ignore-scripts skips the prepack rebuild (tested on its own below).
  const info = await pack(root, work, '--ignore-scripts');
  tarball = join(work, info.filename);
  files = info.files.map((f) => f.path);

  // A consumer project with the tarball unpacked as node_modules/resilient-ws (what npm install
  // writes) and, so nothing is downloaded, the repo's own copies of mitt, React's types and Vue.
  consumer = join(work, 'consumer');
  await cp(join(root, 'test/package/consumer'), consumer, { recursive: true });
  const installed = join(consumer, 'node_modules', manifest.name);
  await mkdir(installed, { recursive: true });
  await mkdir(join(consumer, 'node_modules', '@types'), { recursive: true });
  const untar = await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], work);
  expect(untar.code, untar.stderr).toBe(0);
  for (const dep of ['mitt', 'react', 'vue', '@types/react']) {
    await symlink(join(root, 'node_modules', dep), join(consumer, 'node_modules', dep), 'dir');
  }
}, 60_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  it('holds every file package.json points at, the LICENSE and README, and no sources or tests', () => {
    const targets = new Set<string>([manifest.main, manifest.module, manifest.types]);
    for (const entry of Object.values(manifest.exports)) {
      for (const target of typeof entry === 'string' ? [entry] : Object.values(entry)) targets.add(target);
    }
    for (const map of Object.values(manifest.typesVersions)) for (const list of Object.values(map)) list.forEach((t) => targets.add(t));
    const missing = [...targets].map((t) => t.replace(/^\.\//, '')).filter((t) => !files.includes(t));
    expect(missing).toEqual([]);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    expect(files.filter((f) => /^(src|test|demo|bench|scripts)\//.test(f))).toEqual([]);
    // Every emitted JavaScript file has its declaration beside the entry that uses it.
    expect(files.filter((f) => f.endsWith('.d.ts')).length).toBeGreaterThan(4);
  });

  it('passes publint with nothing to report (strict: warnings count as errors)', async () => {
    const data = await readFile(tarball);
    const { messages, pkg } = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
      level: 'suggestion',
      strict: true,
    });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false })}`)).toEqual([]);
  });

  it('passes @arethetypeswrong/cli for every entry point and resolution mode', async () => {
    // One rule is ignored, on purpose: cjs-resolves-to-esm says a CommonJS `require` finds ESM.
    // The package is ESM-only ("type": "module", `import` conditions only); CommonJS code loads it
    // with `await import('resilient-ws')`, which attw checks as "node16 (from ESM)".
    // --no-definitely-typed: we ship our own types, and the check must not touch the network.
    const r = await run(bin('attw'), [tarball, '--ignore-rules', 'cjs-resolves-to-esm', '--no-definitely-typed', '--format', 'ascii', '--no-emoji'], work);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toContain('No problems found');
    for (const entry of Object.keys(manifest.exports).filter((e) => e !== './package.json')) {
      expect(r.stdout).toContain(`"${entry.replace(/^\./, manifest.name)}"`);
    }
  });

  it('imports in Node from every entry point, and the browser build has the main entry’s exports', async () => {
    // A real ESM consumer: resolution through "exports", the shipped chunks, mitt and the peers.
    const script = `
      const names = async (s) => Object.keys(await import(s)).sort();
      const out = {};
      for (const s of ${JSON.stringify(Object.keys(manifest.exports).filter((e) => e !== './package.json').map((e) => e.replace(/^\./, manifest.name)))}) out[s] = await names(s);
      console.log(JSON.stringify(out));`;
    const r = await run(process.execPath, ['--input-type=module', '-e', script], consumer);
    expect(r.code, r.stderr).toBe(0);
    const exported = JSON.parse(r.stdout) as Record<string, string[]>;
    expect(exported['resilient-ws']).toContain('createClient');
    expect(exported['resilient-ws/react']).toContain('useWebSocket');
    expect(exported['resilient-ws/vue']).toContain('useWebSocket');
    expect(exported['resilient-ws/i18n/zh-CN']).toEqual(['zhCN']);
    expect(exported['resilient-ws/server']).toEqual(expect.arrayContaining(['answerPings', 'closeNotice', 'closeWhenIdle', 'closeWith', 'cutReason']));
    // `./browser` reuses dist/index.d.ts for its types, which is right only while it exports
    // exactly what the main entry exports.
    expect(exported['resilient-ws/browser']).toEqual(exported['resilient-ws']);
  });
});

describe('a TypeScript consumer of the tarball (skipLibCheck: false, fails on any `any`)', () => {
  // test/package/consumer/src: imports of every entry, `Expect<NotAny<…>>` checks, and
  // `@ts-expect-error` lines that become "unused directive" errors if a type collapses to `any`.
  it.each(['bundler', 'node16', 'nodenext'])('type-checks with moduleResolution %s', async (resolution) => {
    const r = await run(bin('tsc'), ['-p', `tsconfig.${resolution}.json`, '--pretty', 'false'], consumer);
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('the server entry in a Node project (no DOM library, no @types/ws, skipLibCheck: false)', () => {
  // Its declarations never reach the browser client's (WebSocket, CloseEvent…), and its socket
  // type is structural.
  it('type-checks resilient-ws/server under nodenext with lib es2022 only', async () => {
    const r = await run(bin('tsc'), ['-p', 'tsconfig.server-node.json', '--pretty', 'false'], consumer);
    expect(`${r.stdout}${r.stderr}`.trim()).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('npm pack from a checkout without dist', () => {
  it('builds dist first (prepack) and ships it', async () => {
    // The files a fresh clone has that the build reads, with the repo's node_modules beside them.
    const checkout = join(work, 'checkout');
    await mkdir(checkout);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'tsconfig.json', 'tsconfig.build.json', 'vite.config.ts', 'src']) {
      await cp(join(root, f), join(checkout, f), { recursive: true });
    }
    await symlink(join(root, 'node_modules'), join(checkout, 'node_modules'), 'dir');
    const info = await pack(checkout, work, '--dry-run');
    const shipped = info.files.map((f) => f.path);
    expect(shipped).toEqual(expect.arrayContaining(files));
    expect(shipped.filter((f) => f.startsWith('dist/')).length).toBeGreaterThan(10);
  });
});
