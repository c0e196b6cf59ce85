// The Vue adapter in a real page: a component that renders the connection status.
import { createApp, defineComponent, h } from 'vue';
import { useWebSocket } from '../../../src/vue/index';
import { random, recordStatusHistory, RETRY, serverUrl } from './status-history';

const Status = defineComponent({
  setup() {
    const { status } = useWebSocket<string, string>({ url: serverUrl('/vue'), retry: RETRY, random });
    return () => h('p', ['Vue status: ', h('output', { id: 'status' }, status.value)]);
  },
});

const root = document.getElementById('root')!;
recordStatusHistory(root);
createApp(Status).mount(root);
document.body.dataset.ready = '1';
