// `resilient-ws/browser` (the self-contained build) carries the same types as the main entry.
import * as browser from 'resilient-ws/browser';
import * as main from 'resilient-ws';
import type { Equal, Expect, NotAny } from './assert.js';

export type BrowserChecks = [
  Expect<NotAny<typeof browser>>,
  Expect<NotAny<typeof browser.createClient>>,
  Expect<Equal<typeof browser.createClient, typeof main.createClient>>,
  Expect<Equal<keyof typeof browser, keyof typeof main>>,
  Expect<Equal<browser.Snapshot, main.Snapshot>>,
];

// @ts-expect-error the browser build has no default export (named exports only)
import defaultExport from 'resilient-ws/browser';
void defaultExport;
