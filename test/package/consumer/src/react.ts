// The React binding, typed against the consumer's own @types/react.
import { useWebSocket, type UseWebSocketResult } from 'resilient-ws/react';
import type { ConnectionStatus, SendResult, Snapshot } from 'resilient-ws';
import type { Equal, Expect, NotAny } from './assert.js';

interface ServerMsg {
  kind: 'tick';
  n: number;
}
interface ClientMsg {
  kind: 'ping';
}

export function useStatus(url: string) {
  const result = useWebSocket<ServerMsg, ClientMsg, ConnectionStatus>({ url, codec: 'json' }, { select: (s) => s.status });
  const whole = useWebSocket({ url });
  type _Checks = [
    Expect<NotAny<typeof useWebSocket>>,
    Expect<NotAny<typeof result>>,
    Expect<Equal<typeof result, UseWebSocketResult<ServerMsg, ClientMsg, ConnectionStatus>>>,
    Expect<Equal<typeof result.state, ConnectionStatus>>,
    Expect<Equal<typeof whole.state, Snapshot>>,
    Expect<Equal<ReturnType<typeof result.send>, SendResult>>,
  ];
  // @ts-expect-error the selected state is a ConnectionStatus, not a number
  const n: number = result.state;
  // @ts-expect-error Outgoing is ClientMsg
  result.send({ kind: 'tick', n: 1 });
  return { status: result.state, n, checks: null as unknown as _Checks };
}
