// @ts-check
// The copy-paste snippet of docs/demo.md, as a file: the self-contained build imported by path.
// Served from the repo root by the test's static server; `?ws=ws://127.0.0.1:PORT` says where to connect.
// @ts-ignore -- a URL path resolved by the browser (the static server serves the repo root).
import { createClient } from '/dist/browser/resilient-ws.min.js';

/** @type {{ createClient: typeof import('../../src/index').createClient }} */
const lib = { createClient };
const server = new URLSearchParams(location.search).get('ws') ?? 'ws://127.0.0.1:8081';
/** @type {{ status: string[], messages: string[], closes: unknown[] }} */
const seen = { status: [], messages: [], closes: [] };
/** @type {any} */ (window).__standalone = seen;

const client = lib.createClient({ url: `${server}/standalone` });
const status = /** @type {HTMLOutputElement} */ (document.getElementById('status'));
const list = /** @type {HTMLOListElement} */ (document.getElementById('messages'));

const showStatus = () => {
  const s = client.getSnapshot();
  if (seen.status.at(-1) !== s.status) seen.status.push(s.status);
  status.textContent = s.status;
};
client.subscribe(showStatus);
showStatus();
client.on('message', (m) => {
  seen.messages.push(String(m));
  const li = document.createElement('li');
  li.textContent = String(m); // server data is text, never HTML
  list.append(li);
});
client.on('close', (c) => {
  seen.closes.push({ code: c.code, category: c.category, action: c.action, message: c.message });
});
// Sent before the socket is open: waits in the outbox, then goes out on open.
client.send('hello from a plain <script type=module>');
