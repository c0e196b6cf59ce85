// The lean entry: createCore with only the features passed.
import { createCore, heartbeat, lazy, lifecycle, outbox, refresh, type Client, type CoreOptions, type Feature } from 'resilient-ws/core';
import type { Snapshot } from 'resilient-ws';
import type { Equal, Expect, NotAny } from './assert.js';

const features: Feature<string, string>[] = [heartbeat(), outbox({ maxMessages: 10 }), lifecycle(), lazy({ idleTimeout: 1000 }), refresh(async () => {})];
const options: CoreOptions<string, string> = { url: 'ws://127.0.0.1:9/', autoConnect: false, features };
const client = createCore<string, string>(options);
const snapshot = client.getSnapshot();

export type LeanChecks = [
  Expect<NotAny<typeof createCore>>,
  Expect<Equal<typeof client, Client<string, string>>>,
  Expect<Equal<typeof snapshot, Snapshot>>,
  Expect<NotAny<ReturnType<typeof heartbeat>>>,
];

// @ts-expect-error: a feature option is not a CoreOptions field (features are passed instead)
createCore({ url: 'ws://127.0.0.1:9/', heartbeat: false });
// @ts-expect-error: send() takes the Outgoing type
client.send(42);
