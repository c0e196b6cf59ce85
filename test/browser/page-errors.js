// @ts-check
// Records uncaught errors and unhandled rejections of the page in `window.__rwsPageErrors`, for
// drivers that do not report them as events (WebKitWebDriver). Chromium and Firefox report them
// through their drivers as well; test/support/browsers.ts reads whichever applies.
export function recordPageErrors() {
  const w = /** @type {{ __rwsPageErrors?: string[] }} */ (/** @type {unknown} */ (window));
  if (w.__rwsPageErrors) return;
  const errors = (w.__rwsPageErrors = /** @type {string[]} */ ([]));
  /** @param {unknown} e */
  const text = (e) => (e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e));
  window.addEventListener('error', (e) => errors.push(text(e.error ?? e.message)));
  window.addEventListener('unhandledrejection', (e) => errors.push(`unhandled rejection: ${text(e.reason)}`));
}
