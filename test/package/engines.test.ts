/**
 * `npm install` on the oldest Node that `engines` accepts prints no EBADENGINE warning: every
 * package in the lockfile (dev dependencies included) declares support for that Node version.
 */
import { readFile } from 'node:fs/promises';
import semver from 'semver';
import { expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(await readFile(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string; engines?: Record<string, string> | string[] }>;
};

it('every locked package supports the oldest Node that package.json promises', () => {
  const oldest = semver.minVersion(manifest.engines.node);
  expect(oldest).not.toBeNull();
  const unsupported = Object.entries(lock.packages)
    .filter(([path]) => path !== '')
    .flatMap(([path, entry]) => {
      // npm ignores the old array form of `engines`, and so does this check.
      const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
      return range && !semver.satisfies(oldest!, range) ? [`${path.replace(/^.*node_modules\//, '')}@${entry.version}: node ${range}`] : [];
    });
  expect(unsupported, `needs a Node newer than ${oldest}; pick a version that supports it or raise "engines"`).toEqual([]);
});
