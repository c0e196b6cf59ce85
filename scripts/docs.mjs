// @ts-check
// Regenerates README.md's reference tables from the sources (run `npm run docs` after `npm run build`).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeCodeTable, createdErrorNames, errorsTable, fieldsTable, optionsTable, replaceBlock, retryDelayTable, serverOptionsTable } from './docs-tables.mjs';
import { browsersTable } from './browsers-table.mjs';

const api = await import('../dist/index.js');
let readme = readFileSync('README.md', 'utf8');
readme = replaceBlock(readme, 'options', optionsTable(readFileSync('src/core/options.ts', 'utf8')));
readme = replaceBlock(readme, 'close-codes', closeCodeTable(/** @type {any} */ (api)));
readme = replaceBlock(readme, 'retry-delays', retryDelayTable(/** @type {any} */ (api)));
const state = readFileSync('src/core/state.ts', 'utf8');
readme = replaceBlock(readme, 'snapshot-fields', fieldsTable(state, 'Snapshot'));
readme = replaceBlock(readme, 'close-fields', fieldsTable(state, 'CloseInfo'));
const sources = readdirSync('src', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts'))
  .map((f) => ({ path: join('src', f), text: readFileSync(join('src', f), 'utf8') }));
readme = replaceBlock(readme, 'errors', errorsTable(api.ERROR_NAMES, createdErrorNames(sources, api.ERROR_NAMES)));
readme = replaceBlock(readme, 'server-options', serverOptionsTable(readFileSync('src/server/options.ts', 'utf8')));
readme = replaceBlock(readme, 'browsers', browsersTable(JSON.parse(readFileSync('test/browser/results/engines.json', 'utf8'))));
writeFileSync('README.md', readme);
console.log('README.md tables regenerated');
