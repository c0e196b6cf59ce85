import { act, cleanup, render } from '@testing-library/react';
import { StrictMode, useEffect, useState } from 'react';
import { renderToString } from 'react-dom/server';
import { afterEach, beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import { createClient, type ClientOptions, type ConnectionStatus, type Snapshot } from '../../../src/index';
import { connectionKey, DEFAULT_GRACE, useWebSocket } from '../../../src/react/index';
import { fakeWebSocket, type FakeSocket } from '../../support/fake-socket';

/** A live socket: created and not closed. */
const live = (sockets: FakeSocket[]) => sockets.filter((s) => s.readyState !== 3 && s.closeCalls.length === 0);

let fake: ReturnType<typeof fakeWebSocket>;
let n = 0;
/** Fresh options per test (a new URL, so no test sees another's shared connection). */
let options: ClientOptions<string, string>;

beforeEach(() => {
  vi.useFakeTimers();
  fake = fakeWebSocket();
  options = { url: `ws://test.invalid/room-${++n}`, WebSocket: fake.WebSocket };
});

afterEach(() => {
  cleanup();
  act(() => vi.advanceTimersByTime(DEFAULT_GRACE));
  vi.useRealTimers();
});

function Status({ opts = options }: { opts?: ClientOptions<string, string> }) {
  const { state } = useWebSocket(opts, { select: (s) => s.status });
  return <p>{state}</p>;
}

describe('useWebSocket (React)', () => {
  test('opens exactly one socket under StrictMode and leaves none live after unmount', () => {
    const view = render(
      <StrictMode>
        <Status />
      </StrictMode>,
    );
    expect(fake.sockets).toHaveLength(1);
    expect(live(fake.sockets)).toHaveLength(1);
    expect(view.container.textContent).toBe('connecting');

    act(() => fake.last.open());
    expect(view.container.textContent).toBe('open');

    view.unmount();
    // Kept for the grace period so a remount (route change, StrictMode) reuses it…
    act(() => vi.advanceTimersByTime(DEFAULT_GRACE - 1));
    expect(live(fake.sockets)).toHaveLength(1);
    // …then closed normally.
    act(() => vi.advanceTimersByTime(1));
    expect(live(fake.sockets)).toHaveLength(0);
    expect(fake.last.closeCalls).toEqual([{ code: 1000, reason: 'dispose' }]);
    expect(fake.sockets).toHaveLength(1);
  });

  test('reuses the connection when a component remounts within the grace period', () => {
    const first = render(<Status />);
    act(() => fake.last.open());
    first.unmount();
    act(() => vi.advanceTimersByTime(DEFAULT_GRACE / 2));
    const second = render(<Status />);
    expect(second.container.textContent).toBe('open');
    act(() => vi.advanceTimersByTime(DEFAULT_GRACE * 5));
    expect(fake.sockets).toHaveLength(1);
    expect(live(fake.sockets)).toHaveLength(1);
  });

  test('closes at once after unmount with grace 0', () => {
    function NoGrace() {
      const { state } = useWebSocket(options, { grace: 0, select: (s) => s.status });
      return <p>{state}</p>;
    }
    const view = render(<NoGrace />);
    act(() => fake.last.open());
    view.unmount();
    expect(live(fake.sockets)).toHaveLength(0);
  });

  test('renders idle on the server without touching WebSocket or timers', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
    onTestFinished(() => {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    });
    const { WebSocket: _injected, ...withGlobalSocket } = options;
    function Page() {
      const a = useWebSocket(options, { select: (s) => s.status, onMessage: () => {}, lastMessage: true });
      const b = useWebSocket(withGlobalSocket); // would need globalThis.WebSocket if it connected
      return (
        <p>
          {a.state}/{b.state.status}/{String(b.state.url)}
        </p>
      );
    }

    const html = renderToString(<Page />);

    expect(html).toBe('<p>idle<!-- -->/<!-- -->idle<!-- -->/<!-- -->null</p>');
    expect(fake.sockets).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    expect('WebSocket' in globalThis).toBe(false);
  });

  test('shares one connection across three components', () => {
    function App() {
      return (
        <>
          <Status opts={{ ...options }} />
          <Status opts={{ ...options }} />
          <Status opts={{ ...options }} />
        </>
      );
    }
    const view = render(<App />);
    expect(fake.sockets).toHaveLength(1);
    act(() => fake.last.open());
    expect(view.container.textContent).toBe('openopenopen');
    view.unmount();
    act(() => vi.advanceTimersByTime(DEFAULT_GRACE));
    expect(live(fake.sockets)).toHaveLength(0);
  });

  test('keeps the shared connection while any user is mounted', () => {
    function App({ count }: { count: number }) {
      return (
        <>
          {Array.from({ length: count }, (_, i) => (
            <Status key={i} />
          ))}
        </>
      );
    }
    const view = render(<App count={3} />);
    act(() => fake.last.open());
    view.rerender(<App count={1} />);
    act(() => vi.advanceTimersByTime(DEFAULT_GRACE * 3));
    expect(live(fake.sockets)).toHaveLength(1);
    expect(view.container.textContent).toBe('open');
    view.rerender(<App count={0} />);
    act(() => vi.advanceTimersByTime(DEFAULT_GRACE));
    expect(live(fake.sockets)).toHaveLength(0);
  });

  test('separates connections with different keys or options', () => {
    render(
      <>
        <Status />
        <Status opts={{ ...options, codec: 'json' } as ClientOptions<string, string>} />
        <KeyedStatus />
      </>,
    );
    function KeyedStatus() {
      return <p>{useWebSocket(options, { key: 'mine', select: (s) => s.status }).state}</p>;
    }
    expect(fake.sockets).toHaveLength(3);
  });

  test('a status-only component renders 0 extra times while 1,000 messages and an RTT update arrive', () => {
    const renders = { status: 0, snapshot: 0 };
    const received: string[] = [];
    function StatusOnly() {
      renders.status++;
      return <p>{useWebSocket(options, { select: (s) => s.status }).state}</p>;
    }
    function WholeSnapshot() {
      renders.snapshot++;
      return <p>{String(useWebSocket(options).state.rtt)}</p>;
    }
    function Feed() {
      useWebSocket(options, { onMessage: (m) => received.push(m) });
      return null;
    }
    render(
      <>
        <StatusOnly />
        <WholeSnapshot />
        <Feed />
      </>,
    );
    act(() => fake.last.open());
    const before = { ...renders };

    act(() => {
      for (let i = 0; i < 1000; i++) fake.last.receive(`m${i}`);
    });
    expect(received).toHaveLength(1000);
    expect(received.at(-1)).toBe('m999');
    expect(renders).toEqual(before);

    // An RTT sample changes the snapshot (not the status): only the whole-snapshot reader renders.
    act(() => vi.advanceTimersByTime(20_000)); // idle interval: the client pings
    expect(fake.last.sent).toEqual(['ping']);
    act(() => vi.advanceTimersByTime(30));
    act(() => fake.last.receive('pong'));
    expect(renders.status).toBe(before.status);
    expect(renders.snapshot).toBe(before.snapshot + 1);
  });

  test('an equality function keeps an object selection from re-rendering on unrelated changes', () => {
    const renders = { shallow: 0, identity: 0 };
    const pick = (s: Snapshot) => ({ status: s.status, queued: s.queued });
    const shallow = (a: ReturnType<typeof pick>, b: ReturnType<typeof pick>) => a.status === b.status && a.queued === b.queued;
    function Shallow() {
      renders.shallow++;
      return <p>{useWebSocket(options, { select: pick, equals: shallow }).state.status}</p>;
    }
    function Identity() {
      renders.identity++;
      return <p>{useWebSocket(options, { select: pick }).state.status}</p>;
    }
    render(
      <>
        <Shallow />
        <Identity />
      </>,
    );
    act(() => fake.last.open());
    const before = { ...renders };
    act(() => vi.advanceTimersByTime(20_000));
    act(() => fake.last.receive('pong')); // an RTT sample: a new snapshot, same status and queue
    expect(renders).toEqual({ shallow: before.shallow, identity: before.identity + 1 });
  });

  test('calls the latest onMessage closure without resubscribing or reconnecting', () => {
    const seen: string[] = [];
    function Feed({ label }: { label: string }) {
      useWebSocket(options, { onMessage: (m) => seen.push(`${label}:${m}`) });
      return null;
    }
    const view = render(<Feed label="first" />);
    act(() => fake.last.open());
    act(() => fake.last.receive('a'));
    view.rerender(<Feed label="second" />);
    act(() => fake.last.receive('b'));
    view.rerender(<Feed label="third" />);
    act(() => fake.last.receive('c'));
    expect(seen).toEqual(['first:a', 'second:b', 'third:c']);
    expect(fake.sockets).toHaveLength(1);
  });

  test('keeps the last message when asked to', () => {
    function Last() {
      const { lastMessage } = useWebSocket(options, { lastMessage: true });
      return <p>{lastMessage ?? 'none'}</p>;
    }
    const view = render(<Last />);
    expect(view.container.textContent).toBe('none');
    act(() => fake.last.open());
    act(() => fake.last.receive('hello'));
    expect(view.container.textContent).toBe('hello');
    act(() => fake.last.receive('again'));
    expect(view.container.textContent).toBe('again');
  });

  test('send, connect, close and reconnect are stable and act on the connection', () => {
    const seen: ReturnType<typeof useWebSocket<string, string>>[] = [];
    function Chat() {
      const ws = useWebSocket<string, string>(options);
      seen.push(ws);
      return <p>{ws.state.status}</p>;
    }
    const view = render(<Chat />);
    act(() => fake.last.open());
    const [first, last] = [seen[0]!, seen.at(-1)!];
    expect(seen.length).toBeGreaterThan(1);
    expect(last.send).toBe(first.send);
    expect(last.close).toBe(first.close);
    expect(last.reconnect).toBe(first.reconnect);
    expect(last.connect).toBe(first.connect);

    expect(last.send('hi')).toBe('sent');
    expect(fake.last.sent).toEqual(['hi']);

    act(() => last.reconnect());
    expect(fake.sockets).toHaveLength(2);
    expect(fake.sockets[0]!.closeCalls).toEqual([{ code: 1000, reason: 'reconnect' }]);
    expect(view.container.textContent).toBe('connecting');
    act(() => fake.last.open());

    act(() => last.close(4000, 'bye'));
    expect(fake.last.closeCalls).toEqual([{ code: 4000, reason: 'bye' }]);
    act(() => fake.last.echoClose());
    expect(view.container.textContent).toBe('closed');
    act(() => last.connect());
    expect(fake.sockets).toHaveLength(3);
  });

  test('a child can send from its mount effect, before the parent has subscribed', () => {
    function Child({ send }: { send: (m: string) => unknown }) {
      useEffect(() => {
        send('hello');
      }, [send]);
      return null;
    }
    function Parent() {
      const { state, send } = useWebSocket<string, string, ConnectionStatus>(options, { select: (s) => s.status });
      return (
        <>
          <p>{state}</p>
          <Child send={send} />
        </>
      );
    }
    render(
      <StrictMode>
        <Parent />
      </StrictMode>,
    );
    expect(fake.sockets).toHaveLength(1);
    act(() => fake.last.open());
    // StrictMode runs the child's effect twice: both messages go out, in order, on one socket.
    expect(fake.last.sent).toEqual(['hello', 'hello']);
  });

  test('moves to the new URL when the url changes and closes the old socket at once', () => {
    function Room({ room }: { room: string }) {
      const { state } = useWebSocket({ ...options, url: `ws://test.invalid/${room}-${n}` }, { select: (s) => s.url });
      return <p>{state}</p>;
    }
    const view = render(<Room room="a" />);
    act(() => fake.last.open());
    view.rerender(<Room room="b" />);
    expect(fake.sockets.map((s) => s.url)).toEqual([`ws://test.invalid/a-${n}`, `ws://test.invalid/b-${n}`]);
    expect(live(fake.sockets)).toEqual([fake.last]);
    expect(view.container.textContent).toBe(`ws://test.invalid/b-${n}`);
  });

  test('uses a client passed in and never disposes it', () => {
    const client = createClient<string, string>({ ...options, autoConnect: false });
    onTestFinished(() => client.dispose());
    function Owned() {
      const { state } = useWebSocket(client, { select: (s: Snapshot) => s.status });
      return <p>{state}</p>;
    }
    const view = render(<Owned />);
    expect(view.container.textContent).toBe('idle');
    expect(fake.sockets).toHaveLength(0);
    act(() => client.connect());
    act(() => fake.last.open());
    expect(view.container.textContent).toBe('open');
    view.unmount();
    act(() => vi.advanceTimersByTime(DEFAULT_GRACE * 2));
    expect(live(fake.sockets)).toHaveLength(1);
    expect(client.send('still here')).toBe('sent');
  });

  test('does not connect on mount with autoConnect: false, until connect()', () => {
    let api: ReturnType<typeof useWebSocket<string, string>> | undefined;
    function Manual() {
      api = useWebSocket({ ...options, autoConnect: false });
      return <p>{api.state.status}</p>;
    }
    const view = render(<Manual />);
    expect(fake.sockets).toHaveLength(0);
    expect(view.container.textContent).toBe('idle');
    act(() => api!.connect());
    expect(fake.sockets).toHaveLength(1);
    expect(view.container.textContent).toBe('connecting');
  });
});

describe('connectionKey', () => {
  test('is the same for equal options in any order and leaves behaviour out', () => {
    const a = connectionKey({ url: 'ws://x/', retry: { limit: 3, initialDelay: 5 }, codec: 'json', logger: console });
    const b = connectionKey({ codec: 'json', retry: { initialDelay: 5, limit: 3 }, url: 'ws://x/', refresh: async () => {} });
    expect(a).toBe(b);
  });

  test('differs by URL, protocols, data options and URL provider identity', () => {
    const base = connectionKey({ url: 'ws://x/' });
    const provider = () => 'ws://x/';
    expect(connectionKey({ url: 'ws://y/' })).not.toBe(base);
    expect(connectionKey({ url: 'ws://x/', protocols: ['v1'] })).not.toBe(base);
    expect(connectionKey({ url: 'ws://x/', retry: Infinity })).not.toBe(connectionKey({ url: 'ws://x/', retry: 5 }));
    expect(connectionKey({ url: provider })).toBe(connectionKey({ url: provider }));
    expect(connectionKey({ url: provider })).not.toBe(connectionKey({ url: () => 'ws://x/' }));
    expect(connectionKey({ url: new URL('ws://x/') })).toBe(base);
  });
});
