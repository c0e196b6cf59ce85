// Loaded by harness.html. Exposes the built, self-contained library as `window.RWS`.
// The absolute URL is resolved by the browser against the static server (repo root), not by tsc.
// @ts-ignore -- '/dist/...' is a URL path; the file exists only after `vite build --mode browser`.
import * as RWS from '/dist/browser/resilient-ws.min.js';
import { recordPageErrors } from './page-errors.js';

recordPageErrors();
/** @type {any} */ (window).RWS = RWS;
/** @type {any} */ (window).__events = [];
document.body.dataset.ready = '1';
