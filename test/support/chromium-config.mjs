// @ts-check
/**
 * Where Chromium is and how it is started: shared by the browser tests
 * (test/support/chromium.ts) and the benchmarks (bench/lib/browser.mjs), which run in plain Node.
 */

/** Debian's Chromium (`apt-get install -y chromium`), or `CHROMIUM_PATH`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Chromium flags. `--no-sandbox` because CI runs as root; the background-networking / component /
 * sync flags keep Chromium from dialling out on this closed network (which otherwise makes it
 * refuse or stall connections); `--disable-quic` keeps every connection plain TCP.
 * @type {readonly string[]}
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/**
 * The error for a missing Chromium: says how to install it (tests are never skipped).
 * @param {string} executablePath
 */
export function chromiumNotFoundMessage(executablePath) {
  return (
    `Chromium not found at ${executablePath}. Browser tests need Debian's Chromium: ` +
    `run "sudo apt-get install -y chromium" (or set CHROMIUM_PATH). They are never skipped.`
  );
}
