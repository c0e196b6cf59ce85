// @vitest-environment node
/**
 * `resilient-ws/server`'s options are documented where users look: TSDoc with a `@default` equal
 * to `SERVER_DEFAULTS` on every option, and the README table generated from that TSDoc.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import * as server from '../../../src/server/index';
import { parseOptions, replaceBlock, SERVER_INTERFACES, serverOptionsTable } from '../../../scripts/docs-tables.mjs';

const source = readFileSync('src/server/options.ts', 'utf8');
const readme = readFileSync('README.md', 'utf8');
const rows = parseOptions(source, SERVER_INTERFACES) as { iface: string; name: string; default?: string; doc: string }[];

/** Which SERVER_DEFAULTS section each interface's defaults live in. */
const SECTIONS: Record<string, Record<string, unknown>> = {
  CloseWithOptions: server.SERVER_DEFAULTS.closeWith,
  AnswerPingsOptions: server.SERVER_DEFAULTS.answerPings,
  CloseWhenIdleOptions: server.SERVER_DEFAULTS.closeWhenIdle,
};

describe('resilient-ws/server documentation', () => {
  test('finds every option of the three functions', () => {
    expect(rows.map((r) => `${r.iface}.${r.name}`)).toEqual([
      'CloseWithOptions.retryAfter',
      'CloseWithOptions.closeTimeout',
      'AnswerPingsOptions.isPing',
      'AnswerPingsOptions.reply',
      'AnswerPingsOptions.interval',
      'AnswerPingsOptions.timeout',
      'AnswerPingsOptions.message',
      'CloseWhenIdleOptions.timeout',
      'CloseWhenIdleOptions.reason',
      'CloseWhenIdleOptions.isHeartbeat',
      'CloseWhenIdleOptions.closeTimeout',
    ]);
  });

  test('every option has TSDoc and a @default equal to SERVER_DEFAULTS (the one required option excepted)', () => {
    for (const r of rows) {
      expect(r.doc, `${r.iface}.${r.name} has no description`).not.toBe('');
      const section = SECTIONS[r.iface]!;
      if (r.iface === 'CloseWhenIdleOptions' && r.name === 'timeout') {
        expect(r.default).toBeUndefined();
        expect(section).not.toHaveProperty('timeout');
        continue;
      }
      expect(r.default, `${r.iface}.${r.name} has no @default`).toBeDefined();
      expect(section, `${r.iface}.${r.name} is not in SERVER_DEFAULTS`).toHaveProperty(r.name);
      const text = r.default!;
      const word = /^\w+/.exec(text)?.[0] ?? '';
      const value = section[r.name];
      if (typeof value === 'function') {
        // A function default is named by its export: `@default isPing — …`.
        expect(server[word as keyof typeof server], `${r.iface}.${r.name}: @default ${text}`).toBe(value);
      } else if (word === 'undefined') {
        expect(value).toBeUndefined();
      } else {
        expect(value, `${r.iface}.${r.name}: @default ${text}`).toEqual(JSON.parse(text.replace(/'/g, '"')));
      }
    }
  });

  test('the README table is the generated one (run `npm run docs` to refresh)', () => {
    expect(readme).toBe(replaceBlock(readme, 'server-options', serverOptionsTable(source)));
    expect(readme).toContain('| `closeWith()` | `closeTimeout` | `number` | `5000` |');
  });

  test('the README section sits just before "Tested against" and shows the notice’s exact text', () => {
    const at = readme.indexOf('## Server companion (`resilient-ws/server`)');
    expect(at).toBeGreaterThan(0);
    const next = readme.indexOf('\n## ', at + 1);
    expect(readme.slice(next + 1).startsWith('## Tested against')).toBe(true);
    const section = readme.slice(at, next);
    expect(section).toContain(server.closeNotice(4001, 'token expired', 30));
    expect(section).toContain(server.closeNotice(1012, 'restart'));
  });
});
