// @ts-check
// Regenerates README.md's reference tables from the sources (run `npm run docs` after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { closeCodeTable, optionsTable, replaceBlock } from './docs-tables.mjs';
import { browsersTable } from './browsers-table.mjs';

const api = await import('../dist/index.js');
let readme = readFileSync('README.md', 'utf8');
readme = replaceBlock(readme, 'options', optionsTable(readFileSync('src/core/options.ts', 'utf8')));
readme = replaceBlock(readme, 'close-codes', closeCodeTable(/** @type {any} */ (api)));
readme = replaceBlock(readme, 'browsers', browsersTable(JSON.parse(readFileSync('test/browser/results/engines.json', 'utf8'))));
writeFileSync('README.md', readme);
console.log('README.md tables regenerated');
