// The React adapter in a real page: a component that renders the connection status.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { ConnectionStatus } from '../../../src/index';
import { useWebSocket } from '../../../src/react/index';
import { random, recordStatusHistory, RETRY, serverUrl } from './status-history';

const options = { url: serverUrl('/react'), retry: RETRY, random };
const selectStatus = (s: { status: ConnectionStatus }) => s.status;

function Status() {
  const { state } = useWebSocket<string, string, ConnectionStatus>(options, { select: selectStatus });
  return (
    <p>
      React status: <output id="status">{state}</output>
    </p>
  );
}

const root = document.getElementById('root')!;
recordStatusHistory(root);
createRoot(root).render(
  <StrictMode>
    <Status />
  </StrictMode>,
);
document.body.dataset.ready = '1';
