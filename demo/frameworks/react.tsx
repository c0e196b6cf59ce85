/// <reference types="vite/client" />
/**
 * The React hook in use: three small components, each calling `useWebSocket` with the same
 * options, so they share one connection. Bundled by Vite (TSX through its own oxc transform,
 * automatic JSX runtime; no React plugin) and rendered with `react-dom/client`.
 */
import { StrictMode, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { ClientOptions } from '../../src/index'; // in an app: from 'resilient-ws'
import { useWebSocket } from '../../src/react/index'; // in an app: from 'resilient-ws/react'
import { FAULTS, demoOptions, fault, loadConfig, serverConnections } from './shared';
import { segments } from '../timeline.js';
import source from './react.tsx?raw';
import '../style.css';
import './frameworks.css';

type Options = ClientOptions<string, string>;

/** Re-renders only when the status changes (`select`). */
function StatusBadge({ options }: { options: Options }) {
  const { state: status, reconnect, close } = useWebSocket(options, { select: (s) => s.status });
  return (
    <div className="status-row">
      <span id="status" className="badge" data-status={status}>
        {status}
      </span>
      <button type="button" id="reconnect" onClick={reconnect}>
        Reconnect
      </button>
      <button type="button" id="close" onClick={() => close(1000, 'user clicked close')}>
        Close
      </button>
    </div>
  );
}

/**
 * Untrusted text as text children (React escapes them), direction isolated, control and format
 * characters shown as escapes (segments() in ../timeline.js).
 */
function Untrusted({ text }: { text: string }) {
  return (
    <code className="untrusted" dir="auto">
      {segments(text).map((s, i) =>
        s.hidden ? (
          <span key={i} className="hidden-char" title={s.hidden.name}>
            {s.text}
          </span>
        ) : (
          s.text
        ),
      )}
    </code>
  );
}

/** The last close and the decision taken. The server's reason is untrusted text: see Untrusted. */
function LastClose({ options }: { options: Options }) {
  const { state: close } = useWebSocket(options, { select: (s) => s.lastClose });
  if (!close) return <p className="muted">No close yet: press a fault button.</p>;
  return (
    <dl id="last-close" className="close-details" data-code={close.code} data-category={close.category}>
      <dt>Code</dt>
      <dd className="code">{close.code}</dd>
      <dt>Category</dt>
      <dd className="category">{close.category}</dd>
      <dt>Decision</dt>
      <dd className="decision">{close.action}</dd>
      <dt>Message for users</dt>
      <dd className="message">{close.message}</dd>
      <dt>Server reason (raw, untrusted)</dt>
      <dd className="reason">{close.reason === '' ? <code>(empty)</code> : <Untrusted text={close.reason} />}</dd>
    </dl>
  );
}

/** Sends and shows the echo; `onMessage` does not re-render on its own, the state update does. */
function Echo({ options }: { options: Options }) {
  const [received, setReceived] = useState<string[]>([]);
  const [text, setText] = useState('hello from React');
  const { state: queued, send } = useWebSocket(options, {
    select: (s) => s.queued,
    onMessage: (m) => setReceived((list) => [String(m), ...list].slice(0, 5)),
  });
  return (
    <form
      className="custom"
      onSubmit={(e) => {
        e.preventDefault();
        send(text);
      }}
    >
      <label className="grow">
        Message <input id="send-text" value={text} onChange={(e) => setText(e.target.value)} />
      </label>
      <button type="submit" id="send">
        Send
      </button>
      <span className="muted">outbox: {queued}</span>
      <ol id="received" className="received">
        {received.map((m, i) => (
          <li key={i}>
            <Untrusted text={m} />
          </li>
        ))}
      </ol>
    </form>
  );
}

function ServerConnections() {
  const [n, setN] = useState<number | null>(null);
  useEffect(() => {
    const tick = () => void serverConnections().then(setN, () => setN(null));
    tick();
    const id = setInterval(tick, 1000);
    return () => clearInterval(id);
  }, []);
  return (
    <p className="muted">
      The server sees <strong id="server-connections">{n ?? '?'}</strong> connection(s) from this page: the three components share one.
    </p>
  );
}

function App({ wsUrl }: { wsUrl: string }) {
  const options = useMemo(() => demoOptions(wsUrl, '/react'), [wsUrl]);
  return (
    <>
      <header className="top">
        <h1>
          resilient-ws <span className="sub">React: useWebSocket</span>
        </h1>
        <nav className="links">
          <a href="/">Main demo</a>
          <a href="/vue.html">Vue composable</a>
        </nav>
      </header>
      <main className="fw-grid">
        <section className="panel">
          <h2>Connection</h2>
          <StatusBadge options={options} />
          <ServerConnections />
          <h2>Last close</h2>
          <LastClose options={options} />
          <h2>Echo</h2>
          <Echo options={options} />
          <h2>Server faults</h2>
          <div className="buttons">
            {FAULTS.map((f) => (
              <button type="button" key={f.id} data-fault={f.id} onClick={() => void fault(f.id)}>
                {f.label}
              </button>
            ))}
          </div>
        </section>
        <section className="panel source">
          <h2>This page's code (demo/frameworks/react.tsx)</h2>
          <pre>
            <code>{source}</code>
          </pre>
        </section>
      </main>
    </>
  );
}

const { wsUrl } = await loadConfig();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App wsUrl={wsUrl} />
  </StrictMode>,
);
document.body.dataset.ready = '1';
