// The core entry: values and types a consumer reaches for first.
import {
  createClient,
  DEFAULTS,
  isResilientWsError,
  type Client,
  type CloseInfo,
  type ConnectionStatus,
  type ResilientWsError,
  type Snapshot,
} from 'resilient-ws';
import type { Equal, Expect, Extends, IsAny, NotAny } from './assert.js';

interface ServerMsg {
  kind: 'tick';
  n: number;
}
interface ClientMsg {
  kind: 'ping';
}

const client = createClient<ServerMsg, ClientMsg>({ url: 'ws://127.0.0.1:9/', codec: 'json', autoConnect: false });
const snapshot = client.getSnapshot();

export type CoreChecks = [
  Expect<NotAny<typeof createClient>>,
  Expect<NotAny<typeof client>>,
  Expect<Equal<typeof client, Client<ServerMsg, ClientMsg>>>,
  Expect<NotAny<Snapshot>>,
  Expect<Equal<typeof snapshot, Snapshot>>,
  Expect<NotAny<Snapshot['status']>>,
  Expect<Equal<Snapshot['status'], ConnectionStatus>>,
  // A string-literal union, not `string`.
  Expect<Extends<'open', ConnectionStatus>>,
  Expect<Equal<Extends<string, ConnectionStatus>, false>>,
  Expect<NotAny<CloseInfo>>,
  Expect<NotAny<ResilientWsError>>,
  Expect<Equal<IsAny<typeof DEFAULTS>, false>>,
  Expect<NotAny<typeof DEFAULTS.autoConnect>>,
  Expect<Extends<typeof DEFAULTS.autoConnect, boolean>>,
];

// @ts-expect-error status is a string union, not a number (unused directive if it were `any`)
const n: number = snapshot.status;

// @ts-expect-error the client sends ClientMsg only
client.send({ kind: 'tick', n: 1 });

client.on('message', (message) => {
  const tick: number = message.n;
  // @ts-expect-error message is ServerMsg, which has no `text`
  const text: string = message.text;
  void tick;
  void text;
});

client.on('error', (error) => {
  if (isResilientWsError(error)) {
    const name: string = error.name;
    void name;
  }
});

// @ts-expect-error no such event
client.on('no-such-event', () => {});

// @ts-expect-error unknown option
createClient({ url: 'ws://127.0.0.1:9/', noSuchOption: true });

// closePolicy tables: codes, ranges and category names; a misspelt category is an error.
createClient({ url: 'ws://127.0.0.1:9/', autoConnect: false, closePolicy: { 'malformed-close': 'stop', 4000: 'reconnect', '4100-4199': 'stop' } });
// @ts-expect-error not a close code, a range or a category (unused directive if the keys were `string`)
createClient({ url: 'ws://127.0.0.1:9/', autoConnect: false, closePolicy: { 'malformd-close': 'stop' } });

void n;
