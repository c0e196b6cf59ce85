/// <reference types="vite/client" />
/**
 * The Vue composable in use: small components written with `h()` render functions (no SFC
 * compiler), each calling `useWebSocket` with the same options, so they share one connection.
 * Bundled by Vite with Vue's runtime-only build: no template compilation, no eval.
 */
import { createApp, defineComponent, h, onMounted, onScopeDispose, ref, type PropType } from 'vue';
import type { ClientOptions } from '../../src/index'; // in an app: from 'resilient-ws'
import { useWebSocket } from '../../src/vue/index'; // in an app: from 'resilient-ws/vue'
import { FAULTS, demoOptions, fault, loadConfig, serverConnections } from './shared';
import { segments } from '../timeline.js';
import source from './vue.ts?raw';
import '../style.css';
import './frameworks.css';

type Options = ClientOptions<string, string>;
const props = { options: { type: Object as PropType<Options>, required: true } } as const;

const StatusBadge = defineComponent({
  props,
  setup(p) {
    const { status, reconnect, close } = useWebSocket<string, string>(p.options);
    return () =>
      h('div', { class: 'status-row' }, [
        h('span', { id: 'status', class: 'badge', 'data-status': status.value }, status.value),
        h('button', { type: 'button', id: 'reconnect', onClick: () => reconnect() }, 'Reconnect'),
        h('button', { type: 'button', id: 'close', onClick: () => close(1000, 'user clicked close') }, 'Close'),
      ]);
  },
});

/**
 * Untrusted text as text children (Vue escapes them), direction isolated, control and format
 * characters shown as escapes (segments() in ../timeline.js).
 */
const untrusted = (text: string) =>
  h(
    'code',
    { class: 'untrusted', dir: 'auto' },
    segments(text).map((s) => (s.hidden ? h('span', { class: 'hidden-char', title: s.hidden.name }, s.text) : s.text)),
  );

/** The last close and the decision taken. Text children are escaped by Vue: the reason stays text. */
const LastClose = defineComponent({
  props,
  setup(p) {
    const { lastClose } = useWebSocket<string, string>(p.options);
    return () => {
      const c = lastClose.value;
      if (!c) return h('p', { class: 'muted' }, 'No close yet: press a fault button.');
      const row = (label: string, cls: string, text: string) => [h('dt', label), h('dd', { class: cls }, text)];
      return h('dl', { id: 'last-close', class: 'close-details', 'data-code': c.code, 'data-category': c.category }, [
        ...row('Code', 'code', String(c.code)),
        ...row('Category', 'category', c.category),
        ...row('Decision', 'decision', c.action),
        ...row('Message for users', 'message', c.message),
        h('dt', 'Server reason (raw, untrusted)'),
        h('dd', { class: 'reason' }, [c.reason === '' ? h('code', '(empty)') : untrusted(c.reason)]),
      ]);
    };
  },
});

const Echo = defineComponent({
  props,
  setup(p) {
    const received = ref<string[]>([]);
    const text = ref('hello from Vue');
    const { queued, send } = useWebSocket<string, string>(p.options, {
      onMessage: (m) => (received.value = [String(m), ...received.value].slice(0, 5)),
    });
    return () =>
      h('form', { class: 'custom', onSubmit: (e: Event) => (e.preventDefault(), send(text.value)) }, [
        h('label', { class: 'grow' }, [
          'Message ',
          h('input', { id: 'send-text', value: text.value, onInput: (e: Event) => (text.value = (e.target as HTMLInputElement).value) }),
        ]),
        h('button', { type: 'submit', id: 'send' }, 'Send'),
        h('span', { class: 'muted' }, `outbox: ${queued.value}`),
        h('ol', { id: 'received', class: 'received' }, received.value.map((m, i) => h('li', { key: i }, [untrusted(m)]))),
      ]);
  },
});

const ServerConnections = defineComponent({
  setup() {
    const n = ref<number | null>(null);
    const tick = () => void serverConnections().then((v) => (n.value = v), () => (n.value = null));
    let id: ReturnType<typeof setInterval> | undefined;
    onMounted(() => {
      tick();
      id = setInterval(tick, 1000);
    });
    onScopeDispose(() => clearInterval(id));
    return () =>
      h('p', { class: 'muted' }, [
        'The server sees ',
        h('strong', { id: 'server-connections' }, String(n.value ?? '?')),
        ' connection(s) from this page: the three components share one.',
      ]);
  },
});

const App = defineComponent({
  props: { wsUrl: { type: String, required: true } },
  setup(p) {
    const options = demoOptions(p.wsUrl, '/vue');
    return () => [
      h('header', { class: 'top' }, [
        h('h1', ['resilient-ws ', h('span', { class: 'sub' }, 'Vue: useWebSocket')]),
        h('nav', { class: 'links' }, [h('a', { href: '/' }, 'Main demo'), h('a', { href: '/react.html' }, 'React hook')]),
      ]),
      h('main', { class: 'fw-grid' }, [
        h('section', { class: 'panel' }, [
          h('h2', 'Connection'),
          h(StatusBadge, { options }),
          h(ServerConnections),
          h('h2', 'Last close'),
          h(LastClose, { options }),
          h('h2', 'Echo'),
          h(Echo, { options }),
          h('h2', 'Server faults'),
          h(
            'div',
            { class: 'buttons' },
            FAULTS.map((f) => h('button', { type: 'button', key: f.id, 'data-fault': f.id, onClick: () => void fault(f.id) }, f.label)),
          ),
        ]),
        h('section', { class: 'panel source' }, [h('h2', "This page's code (demo/frameworks/vue.ts)"), h('pre', [h('code', source)])]),
      ]),
    ];
  },
});

const { wsUrl } = await loadConfig();
createApp(App, { wsUrl }).mount('#app');
document.body.dataset.ready = '1';
