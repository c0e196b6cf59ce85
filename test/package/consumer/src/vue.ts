// The Vue binding, typed against the consumer's own `vue`.
import type { Ref } from 'vue';
import { useWebSocket, type UseWebSocketReturn } from 'resilient-ws/vue';
import type { ConnectionStatus } from 'resilient-ws';
import type { Equal, Expect, NotAny } from './assert.js';

interface ServerMsg {
  kind: 'tick';
  n: number;
}

export function setupLive(url: () => string) {
  const live = useWebSocket<ServerMsg, string>(() => ({ url: url(), codec: 'json' }));
  type _Checks = [
    Expect<NotAny<typeof useWebSocket>>,
    Expect<NotAny<typeof live>>,
    Expect<Equal<typeof live, UseWebSocketReturn<ServerMsg, string>>>,
    Expect<NotAny<typeof live.status>>,
    Expect<Equal<typeof live.status, Readonly<Ref<ConnectionStatus>>>>,
    Expect<Equal<typeof live.lastMessage.value, ServerMsg | undefined>>,
  ];
  // @ts-expect-error status is a ref of a string union, not a number
  const n: number = live.status.value;
  // @ts-expect-error Outgoing is string
  live.send(42);
  return { live, n, checks: null as unknown as _Checks };
}
