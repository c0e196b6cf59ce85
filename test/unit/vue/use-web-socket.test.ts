import { mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, onTestFinished, test, vi } from 'vitest';
import { createSSRApp, defineComponent, effectScope, h, nextTick, onMounted, ref, type PropType } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { createClient, type ClientOptions } from '../../../src/index';
import { DEFAULT_GRACE, useWebSocket } from '../../../src/vue/index';
import { fakeWebSocket, type FakeSocket } from '../../support/fake-socket';

/** A live socket: created and not closed. */
const live = (sockets: FakeSocket[]) => sockets.filter((s) => s.readyState !== 3 && s.closeCalls.length === 0);

let fake: ReturnType<typeof fakeWebSocket>;
let n = 0;
/** Fresh options per test (a new URL, so no test sees another's shared connection). */
let options: ClientOptions<string, string>;
const unmounts: (() => void)[] = [];

beforeEach(() => {
  vi.useFakeTimers();
  fake = fakeWebSocket();
  options = { url: `ws://test.invalid/room-${++n}`, WebSocket: fake.WebSocket };
});

afterEach(() => {
  unmounts.splice(0).forEach((u) => u());
  vi.advanceTimersByTime(DEFAULT_GRACE);
  vi.useRealTimers();
});

const Status = defineComponent({
  props: { opts: { type: Object as PropType<ClientOptions<string, string>>, required: false } },
  setup(props) {
    const { status } = useWebSocket(props.opts ?? options);
    return () => h('p', status.value);
  },
});

function mounted<T extends Parameters<typeof mount>[0]>(component: T) {
  const wrapper = mount(component);
  unmounts.push(() => wrapper.unmount());
  return wrapper;
}

describe('useWebSocket (Vue)', () => {
  test('opens one socket on mount and leaves none live after unmount and the grace period', async () => {
    const wrapper = mount(Status);
    expect(fake.sockets).toHaveLength(1);
    await nextTick();
    expect(wrapper.text()).toBe('connecting');
    fake.last.open();
    await nextTick();
    expect(wrapper.text()).toBe('open');

    wrapper.unmount();
    vi.advanceTimersByTime(DEFAULT_GRACE - 1);
    expect(live(fake.sockets)).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(live(fake.sockets)).toHaveLength(0);
    expect(fake.last.closeCalls).toEqual([{ code: 1000, reason: 'dispose' }]);
  });

  test('reuses the connection when a component remounts within the grace period', async () => {
    mount(Status).unmount();
    vi.advanceTimersByTime(DEFAULT_GRACE / 2);
    const again = mounted(Status);
    fake.last.open();
    await nextTick();
    expect(again.text()).toBe('open');
    expect(fake.sockets).toHaveLength(1);
  });

  test('renders idle on the server without touching WebSocket or timers', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
    onTestFinished(() => {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    });
    const { WebSocket: _injected, ...withGlobalSocket } = options;
    const Page = defineComponent({
      setup() {
        const a = useWebSocket(options);
        const b = useWebSocket(withGlobalSocket); // would need globalThis.WebSocket if it connected
        return () => h('p', `${a.status.value}/${b.status.value}/${String(b.snapshot.value.url)}`);
      },
    });

    const app = createSSRApp(Page); // Vue's dev build starts a devtools timer here, not ours
    const timers = vi.getTimerCount();
    const html = await renderToString(app);

    expect(html).toBe('<p>idle/idle/null</p>');
    expect(fake.sockets).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(timers);
    expect('WebSocket' in globalThis).toBe(false);
  });

  test('shares one connection across three components', async () => {
    const App = defineComponent({
      setup: () => () => [h(Status, { opts: { ...options } }), h(Status, { opts: { ...options } }), h(Status, { opts: { ...options } })],
    });
    const wrapper = mount(App);
    expect(fake.sockets).toHaveLength(1);
    fake.last.open();
    await nextTick();
    expect(wrapper.text()).toBe('openopenopen');
    wrapper.unmount();
    vi.advanceTimersByTime(DEFAULT_GRACE);
    expect(live(fake.sockets)).toHaveLength(0);
  });

  test('a status-only component renders 0 extra times while 1,000 messages and an RTT update arrive', async () => {
    const renders = { status: 0, rtt: 0 };
    const received: string[] = [];
    const StatusOnly = defineComponent({
      setup() {
        const { status } = useWebSocket(options);
        return () => (renders.status++, h('p', status.value));
      },
    });
    const Rtt = defineComponent({
      setup() {
        const { snapshot } = useWebSocket(options);
        return () => (renders.rtt++, h('p', String(snapshot.value.rtt)));
      },
    });
    const Feed = defineComponent({
      setup() {
        useWebSocket(options, { onMessage: (m) => received.push(m) });
        return () => null;
      },
    });
    mounted(defineComponent({ setup: () => () => [h(StatusOnly), h(Rtt), h(Feed)] }));
    fake.last.open();
    await nextTick();
    const before = { ...renders };

    for (let i = 0; i < 1000; i++) fake.last.receive(`m${i}`);
    await nextTick();
    expect(received).toHaveLength(1000);
    expect(renders).toEqual(before);

    vi.advanceTimersByTime(20_000); // idle interval: the client pings
    expect(fake.last.sent).toEqual(['ping']);
    fake.last.receive('pong');
    await nextTick();
    expect(renders).toEqual({ status: before.status, rtt: before.rtt + 1 });
  });

  test('exposes the last message and calls the handler read at each message', async () => {
    const seen: string[] = [];
    const hooks: { onMessage?: (m: string) => void } = { onMessage: (m) => seen.push(`first:${m}`) };
    const Last = defineComponent({
      setup() {
        const { lastMessage } = useWebSocket(options, hooks);
        return () => h('p', lastMessage.value ?? 'none');
      },
    });
    const wrapper = mounted(Last);
    expect(wrapper.text()).toBe('none');
    fake.last.open();
    fake.last.receive('a');
    await nextTick();
    expect(wrapper.text()).toBe('a');
    hooks.onMessage = (m) => seen.push(`second:${m}`);
    fake.last.receive('b');
    await nextTick();
    expect(wrapper.text()).toBe('b');
    expect(seen).toEqual(['first:a', 'second:b']);
  });

  test('reconnects to the new URL when a URL ref changes and closes the old socket', async () => {
    const room = ref('a');
    const url = (r: string) => `ws://test.invalid/${r}-${n}`;
    const Room = defineComponent({
      setup() {
        const { snapshot } = useWebSocket(() => ({ ...options, url: url(room.value) }));
        return () => h('p', String(snapshot.value.url));
      },
    });
    const wrapper = mounted(Room);
    fake.last.open();
    room.value = 'b';
    await nextTick();
    expect(fake.sockets.map((s) => s.url)).toEqual([url('a'), url('b')]);
    expect(live(fake.sockets)).toEqual([fake.last]);
    expect(wrapper.text()).toBe(url('b'));
  });

  test('works in an effectScope outside components and releases on stop', async () => {
    const scope = effectScope();
    const ws = scope.run(() => useWebSocket<string, string>(options))!;
    expect(fake.sockets).toHaveLength(1);
    expect(ws.status.value).toBe('connecting');
    fake.last.open();
    expect(ws.status.value).toBe('open');
    expect(ws.send('hi')).toBe('sent');
    expect(fake.last.sent).toEqual(['hi']);
    fake.last.receive('yo');
    expect(ws.lastMessage.value).toBe('yo');

    scope.stop();
    vi.advanceTimersByTime(DEFAULT_GRACE);
    expect(live(fake.sockets)).toHaveLength(0);
  });

  test('reports close, error and RTT through readonly refs', () => {
    const scope = effectScope();
    onTestFinished(() => scope.stop());
    const ws = scope.run(() => useWebSocket<string, string>({ ...options, retry: false }))!;
    fake.last.open();
    vi.advanceTimersByTime(20_000);
    vi.advanceTimersByTime(40);
    fake.last.receive('pong');
    expect(ws.rtt.value).toBe(40);
    fake.last.serverClose(1008, 'policy');
    expect(ws.status.value).toBe('closed');
    expect(ws.lastClose.value).toMatchObject({ code: 1008, reason: 'policy', action: 'stop' });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    onTestFinished(() => warn.mockRestore());
    // @ts-expect-error the refs are readonly
    ws.status.value = 'open';
    expect(ws.status.value).toBe('closed');
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('readonly'));
  });

  test('send, close and reconnect act on the shared connection', () => {
    const scope = effectScope();
    onTestFinished(() => scope.stop());
    const ws = scope.run(() => useWebSocket<string, string>(options))!;
    fake.last.open();
    ws.reconnect();
    expect(fake.sockets).toHaveLength(2);
    expect(fake.sockets[0]!.closeCalls).toEqual([{ code: 1000, reason: 'reconnect' }]);
    fake.last.open();
    ws.close(4000, 'bye');
    expect(fake.last.closeCalls).toEqual([{ code: 4000, reason: 'bye' }]);
    fake.last.echoClose();
    expect(ws.status.value).toBe('closed');
    ws.connect();
    expect(fake.sockets).toHaveLength(3);
  });

  test('a child can send from onMounted, before the parent has connected', async () => {
    const Child = defineComponent({
      props: { send: { type: Function as PropType<(m: string) => unknown>, required: true } },
      setup(props) {
        onMounted(() => props.send('hello')); // runs before the parent's onMounted
        return () => null;
      },
    });
    const Parent = defineComponent({
      setup() {
        const { status, send } = useWebSocket<string, string>(options);
        return () => [h('p', status.value), h(Child, { send })];
      },
    });
    mounted(Parent);
    expect(fake.sockets).toHaveLength(1);
    fake.last.open();
    expect(fake.last.sent).toEqual(['hello']);
  });

  test('uses a client passed in (also as a ref) and never disposes it', async () => {
    const client = createClient<string, string>({ ...options, autoConnect: false });
    onTestFinished(() => client.dispose());
    const target = ref(client);
    const Owned = defineComponent({
      setup() {
        const { status } = useWebSocket(target);
        return () => h('p', status.value);
      },
    });
    const wrapper = mount(Owned);
    expect(wrapper.text()).toBe('idle');
    client.connect();
    fake.last.open();
    await nextTick();
    expect(wrapper.text()).toBe('open');
    wrapper.unmount();
    vi.advanceTimersByTime(DEFAULT_GRACE * 2);
    expect(live(fake.sockets)).toHaveLength(1);
    expect(client.send('still here')).toBe('sent');
  });

  test('throws when called outside setup() or an effectScope', () => {
    expect(() => useWebSocket(options)).toThrow(/setup\(\) or inside an effectScope/);
    expect(fake.sockets).toHaveLength(0);
  });
});
