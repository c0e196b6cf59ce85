/**
 * The interop fixtures never skip: a missing server binary is installed with apt-get, or the
 * setup fails saying what to install.
 */
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { ensureDebianPackage, freePort } from '../support/interop/system';

describe('interop setup', () => {
  test('a missing server binary without apt-get fails and says which package to install', async () => {
    await expect(ensureDebianPackage('/nonexistent/rws-interop-server', 'rws-interop-package', { aptGet: null })).rejects.toThrow(
      /\/nonexistent\/rws-interop-server is missing and apt-get is not available.*sudo apt-get install -y rws-interop-package/,
    );
  });

  test('a binary that is present needs no apt-get at all', async () => {
    await expect(ensureDebianPackage(process.execPath, 'nodejs', { aptGet: null })).resolves.toBeUndefined();
  });

  test('freePort() hands out a port that a server can listen on at once', async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    expect((server.address() as AddressInfo).port).toBe(port);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
