// @ts-check
/**
 * React renders: a status-only component while 10,000 messages arrive, in Chromium (React 19
 * production build, `createRoot`) against a real `ws` server.
 *
 * resilient-ws: `useWebSocket(options, { select: (s) => s.status })` in the status component, and
 * a sibling that counts messages with `onMessage` (which does not render), sharing the one
 * connection. Target: 0 renders of either while the messages arrive.
 * react-use-websocket (the peer): `useWebSocket(url, { share: true })` reading only `readyState`
 * in the status component, and a sibling counting messages through `onMessage`.
 * Renders are counted in the component bodies, from the moment the status shows `open`.
 *
 * Env: BENCH_REACT_N (default 10000).
 */
import { startBurstServer } from './lib/burst-server.mjs';
import { buildBundle, launchChromium, openPage, startStaticServer } from './lib/browser.mjs';
import { writeResult } from './lib/common.mjs';

const N = Number(process.env.BENCH_REACT_N ?? 10_000);

/**
 * In the page: mount the two components for `lib`, wait for open, request N messages, wait
 * until all arrived (plus two frames), and return the render counts.
 * @param {{ lib: 'resilient-ws' | 'react-use-websocket', url: string, n: number }} args
 */
async function runInPage({ lib, url, n }) {
  const B = /** @type {import('./lib/browser.mjs').BenchGlobals} */ (/** @type {any} */ (window).bench);
  const { React, ReactDOMClient } = B;
  const h = React.createElement;
  const counts = { statusRenders: 0, counterRenders: 0, messages: 0, open: false };
  /** @type {(s: string) => void} */
  let send = () => {};
  const onMessage = () => counts.messages++;

  /** @type {() => import('react').ReactElement} */
  let Status;
  /** @type {() => import('react').ReactElement} */
  let Counter;
  if (lib === 'resilient-ws') {
    const options = { url };
    Status = function Status() {
      const { state, send: s } = B.useWebSocket(options, { select: (snap) => snap.status });
      counts.statusRenders++;
      send = (text) => void s(text);
      if (state === 'open') counts.open = true;
      return h('p', null, state);
    };
    Counter = function Counter() {
      B.useWebSocket(options, { select: (snap) => snap.status, onMessage });
      counts.counterRenders++;
      return h('span', null, 'counter');
    };
  } else {
    Status = function Status() {
      const { readyState, sendMessage } = B.useReactUseWebSocket(url, { share: true });
      counts.statusRenders++;
      send = sendMessage;
      if (readyState === 1) counts.open = true;
      return h('p', null, String(readyState));
    };
    Counter = function Counter() {
      B.useReactUseWebSocket(url, { share: true, onMessage });
      counts.counterRenders++;
      return h('span', null, 'counter');
    };
  }
  const container = document.createElement('div');
  document.body.append(container);
  const root = ReactDOMClient.createRoot(container);
  root.render(h(React.Fragment, null, h(Status), h(Counter)));
  const until = async (/** @type {() => boolean} */ f, /** @type {string} */ what) => {
    const deadline = performance.now() + 30_000;
    while (!f()) {
      if (performance.now() > deadline) throw new Error(`${lib}: ${what} within 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await until(() => counts.open, 'no open');
  await new Promise((r) => setTimeout(r, 100));
  counts.statusRenders = 0;
  counts.counterRenders = 0;
  counts.messages = 0;
  const t0 = performance.now();
  send(`down:${n}`);
  await until(() => counts.messages >= n + 1, `only ${counts.messages} of ${n + 1} messages`);
  const ms = performance.now() - t0;
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  await new Promise((r) => setTimeout(r, 100));
  const result = { statusRenders: counts.statusRenders, counterRenders: counts.counterRenders, messages: counts.messages - 1, ms };
  root.unmount();
  container.remove();
  return result;
}

async function main() {
  await buildBundle('react');
  const server = await startBurstServer();
  const web = await startStaticServer();
  const browser = await launchChromium();
  try {
    const rows = [];
    for (const lib of /** @type {const} */ (['resilient-ws', 'react-use-websocket'])) {
      const page = await openPage(browser, web.origin, 'react');
      const r = await page.evaluate(runInPage, { lib, url: server.url, n: N });
      rows.push({ client: lib, ...r, ms: Math.round(r.ms) });
      await page.close();
    }
    const ours = /** @type {(typeof rows)[number]} */ (rows[0]);
    const peer = /** @type {(typeof rows)[number]} */ (rows[1]);
    const meets = ours.statusRenders === 0 && ours.messages === N;
    await writeResult(
      'react',
      `${N} messages: status-only component rendered ${ours.statusRenders} times with resilient-ws/react ` +
        `(target 0: ${meets ? 'met' : 'NOT met'}), ${peer.statusRenders} times with react-use-websocket`,
      { n: N, target: 0, meets, rows },
    );
  } finally {
    await browser.close();
    await web.close();
    await server.close();
  }
}

await main();
