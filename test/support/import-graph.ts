import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const SPECIFIER = /(?:^|[\s;])(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g;

/**
 * Every module reachable from `entries` (absolute paths of src/ TypeScript files) through relative
 * imports, as paths relative to the repo root, and every bare import among them (specifier → first
 * importer). `import type` counts: a type-only import still ties the declarations together.
 */
export function importGraph(entries: string[]) {
  const files = new Set<string>();
  const bare = new Map<string, string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    // Comments (TSDoc @example blocks show imports) are not code.
    const source = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    for (const m of source.matchAll(SPECIFIER)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.endsWith('.ts') ? spec : `${spec.replace(/\.js$/, '')}.ts`));
      else if (!bare.has(spec)) bare.set(spec, relative(REPO_ROOT, file));
    }
  };
  entries.forEach(visit);
  return { files: [...files].map((f) => relative(REPO_ROOT, f)), bare };
}
