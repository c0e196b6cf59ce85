import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { classifyCode, DEFAULTS, en, ERROR_NAMES, parseServerHint, RETRY_DEFAULTS, retryDelay } from '../../src/index';
import {
  closeCodeTable,
  createdErrorNames,
  ERROR_DOCS,
  errorsTable,
  fieldsTable,
  optionsTable,
  parseOptions,
  replaceBlock,
  retryDelayTable,
} from '../../scripts/docs-tables.mjs';

const optionsSource = readFileSync('src/core/options.ts', 'utf8');
const readme = readFileSync('README.md', 'utf8');
const stateSource = readFileSync('src/core/state.ts', 'utf8');
const sources = readdirSync('src', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ path: join('src', f), text: readFileSync(join('src', f), 'utf8') }));
const created = createdErrorNames(sources, ERROR_NAMES);

/** Where each interface's defaults live in the single DEFAULTS object. */
const SECTIONS: Record<string, Record<string, unknown>> = {
  ClientOptions: DEFAULTS as unknown as Record<string, unknown>,
  RetryOptions: DEFAULTS.retry as unknown as Record<string, unknown>,
  HeartbeatOptions: DEFAULTS.heartbeat as unknown as Record<string, unknown>,
  OutboxOptions: DEFAULTS.outbox as unknown as Record<string, unknown>,
  LifecycleOptions: DEFAULTS.lifecycle as unknown as Record<string, unknown>,
  CloseNoticeOptions: DEFAULTS.closeNotice as unknown as Record<string, unknown>,
  ProbeHandshakeOptions: DEFAULTS.probe as unknown as Record<string, unknown>,
  DiagnosticsOptions: DEFAULTS.diagnostics as unknown as Record<string, unknown>,
};

/** @default texts that name a value instead of spelling it. */
const SYMBOLIC: Record<string, unknown> = {
  RETRY_DEFAULTS: DEFAULTS.retry,
  HEARTBEAT_DEFAULTS: DEFAULTS.heartbeat,
  OUTBOX_DEFAULTS: DEFAULTS.outbox,
  LIFECYCLE_DEFAULTS: DEFAULTS.lifecycle,
  CLOSE_NOTICE_DEFAULTS: DEFAULTS.closeNotice,
  PROBE_DEFAULTS: DEFAULTS.probe,
  DIAGNOSTICS_DEFAULTS: DEFAULTS.diagnostics,
};

const literal = (text: string): { ok: true; value: unknown } | { ok: false } => {
  if (text === 'Infinity') return { ok: true, value: Infinity };
  if (text in SYMBOLIC) return { ok: true, value: SYMBOLIC[text] };
  try {
    return { ok: true, value: JSON.parse(text.replace(/'/g, '"')) };
  } catch {
    return { ok: false };
  }
};

describe('documentation is generated from, and checked against, the single sources', () => {
  const rows = parseOptions(optionsSource) as { iface: string; name: string; default?: string; doc: string }[];

  test('every public option has TSDoc and a @default', () => {
    expect(rows.length).toBeGreaterThan(30);
    for (const r of rows) {
      expect(r.doc, `${r.iface}.${r.name} has no description`).not.toBe('');
      if (r.iface === 'ClientOptions' && r.name === 'url') continue; // the one required option
      expect(r.default, `${r.iface}.${r.name} has no @default`).toBeDefined();
    }
  });

  test('every literal @default equals the DEFAULTS object', () => {
    let checked = 0;
    for (const r of rows) {
      const parsed = literal(r.default!);
      const section = SECTIONS[r.iface]!;
      if (!parsed.ok || !(r.name in section)) continue;
      expect(section[r.name], `${r.iface}.${r.name}: @default ${r.default}`).toEqual(parsed.value);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
  });

  test('README tables match the generated ones (run `npm run docs` to refresh)', () => {
    let expected = replaceBlock(readme, 'options', optionsTable(optionsSource));
    expected = replaceBlock(expected, 'close-codes', closeCodeTable({ classifyCode, en }));
    expected = replaceBlock(expected, 'retry-delays', retryDelayTable({ retryDelay, parseServerHint, RETRY_DEFAULTS } as never));
    expected = replaceBlock(expected, 'snapshot-fields', fieldsTable(stateSource, 'Snapshot'));
    expected = replaceBlock(expected, 'close-fields', fieldsTable(stateSource, 'CloseInfo'));
    expected = replaceBlock(expected, 'errors', errorsTable(ERROR_NAMES, created));
    expect(readme).toBe(expected);
  });

  test('the errors table lists exactly the errors the source creates, FatalCloseError included', () => {
    // Names come from ERROR_NAMES; the ones some file in src creates must all be documented.
    expect(created.has('FatalCloseError')).toBe(true);
    expect(created.size).toBeGreaterThan(15);
    expect(Object.keys(ERROR_DOCS).sort()).toEqual([...created].sort());
    const block = readme.slice(readme.indexOf('<!-- BEGIN errors -->'), readme.indexOf('<!-- END errors -->'));
    for (const name of created) expect(block, name).toContain(`| \`${name}\` |`);
    // A declared name nothing creates (dead code) is not documented as emitted.
    for (const name of ERROR_NAMES.filter((n) => !created.has(n))) expect(block).not.toContain(name);
  });

  test('the snapshot and close tables list every field of Snapshot and CloseInfo, messageKey and attempts included', () => {
    const fields = (iface: string) => {
      const start = stateSource.indexOf(`export interface ${iface} `);
      const body = stateSource.slice(stateSource.indexOf('{', start), stateSource.indexOf('\n}', start));
      return [...body.matchAll(/readonly (\w+)\??:/g)].map((m) => m[1]);
    };
    for (const [iface, block] of [
      ['Snapshot', 'snapshot-fields'],
      ['CloseInfo', 'close-fields'],
    ] as const) {
      const table = readme.slice(readme.indexOf(`<!-- BEGIN ${block} -->`), readme.indexOf(`<!-- END ${block} -->`));
      const rows = [...table.matchAll(/^\| `(\w+)\??` \|/gm)].map((m) => m[1]);
      expect(rows, iface).toEqual(fields(iface));
    }
    expect(readme).toMatch(/^\| `messageKey` \| `MessageKey` \| .+ \|$/m);
    expect(readme).toMatch(/^\| `attempts` \| `number` \| .+ \|$/m);
  });

  test('the README states the 1013 / server-hint rule once, and its examples come from retryDelay', () => {
    // The rule's one statement, in "When the next attempt comes"; other places link to it.
    const statement = 'A server hint replaces the backoff';
    expect(readme.split(statement)).toHaveLength(2);
    const section = readme.slice(readme.indexOf('### When the next attempt comes'));
    expect(section.indexOf(statement)).toBeGreaterThan(0);
    expect(section.indexOf(statement)).toBeLessThan(section.indexOf('<!-- BEGIN retry-delays -->'));
    // The wording that contradicted the code before (a 1047 ms wait with tryAgainLaterDelay 4000).
    expect(readme).not.toMatch(/hint replaces the backoff delay, capped/);
    // The example the rule was decided on, as the generated table shows it.
    expect(readme).toContain('| 1013 with `retry-after=1`, `tryAgainLaterDelay: 4000` | 4000 ≤ wait < 5000 |');
  });
});
