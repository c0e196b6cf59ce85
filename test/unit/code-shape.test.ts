import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'rolldown/utils';
import { describe, expect, test } from 'vitest';

/**
 * The shape budgets of issue 13, as tests: no function in `src` longer than 80 lines, and the
 * engine (the effect runner) under 450 lines. Functions are found by parsing each file (oxc,
 * through rolldown), so an arrow function assigned to a const counts like a declaration.
 */
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MAX_FUNCTION_LINES = 80;
const MAX_ENGINE_LINES = 450;

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));

interface Span {
  readonly start: number;
  readonly end: number;
}

/** Every function-like node (declarations, expressions, arrows, methods) with its line span. */
function functions(file: string): { name: string; lines: number; line: number }[] {
  const source = readFileSync(file, 'utf8');
  const lineAt = (offset: number) => source.slice(0, offset).split('\n').length;
  const { program } = parseSync(file, source);
  const out: { name: string; lines: number; line: number }[] = [];
  const visit = (node: unknown, name: string) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, name));
    const n = node as Span & { type?: string; id?: { name?: string }; key?: { name?: string } };
    let here = name;
    if (n.type === 'VariableDeclarator' || n.type === 'MethodDefinition' || n.type === 'Property') here = n.id?.name ?? n.key?.name ?? name;
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression') {
      const line = lineAt(n.start);
      out.push({ name: n.id?.name ?? here, line, lines: lineAt(n.end) - line + 1 });
    }
    for (const [k, v] of Object.entries(n)) if (k !== 'parent') visit(v, here);
  };
  visit(program, '(top)');
  return out;
}

describe('code shape budgets', () => {
  const all = files(join(root, 'src'));

  test('the scan finds functions (it works)', () => {
    expect(functions(join(root, 'src/core/engine.ts')).some((f) => f.name === 'createEngine')).toBe(true);
  });

  test(`no function in src is longer than ${MAX_FUNCTION_LINES} lines`, () => {
    const long = all.flatMap((file) =>
      functions(file)
        .filter((f) => f.lines > MAX_FUNCTION_LINES)
        .map((f) => `${relative(root, file)}:${f.line} ${f.name} (${f.lines} lines)`),
    );
    expect(long).toEqual([]);
  });

  test(`the engine file is under ${MAX_ENGINE_LINES} lines`, () => {
    expect(readFileSync(join(root, 'src/core/engine.ts'), 'utf8').split('\n').length).toBeLessThan(MAX_ENGINE_LINES);
  });
});
