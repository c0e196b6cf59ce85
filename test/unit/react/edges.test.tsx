/**
 * The React hook's sharing rules at their edges: components passing the same url provider share
 * one connection, and a grace change alone keeps it.
 */
import { act, cleanup, render } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { DEFAULT_GRACE, useWebSocket } from '../../../src/react/index';
import { fakeWebSocket, type FakeSocket } from '../../support/fake-socket';

const live = (sockets: FakeSocket[]) => sockets.filter((s) => s.readyState !== 3 && s.closeCalls.length === 0);

let fake: ReturnType<typeof fakeWebSocket>;
let n = 0;
let url: string;
beforeEach(() => {
  vi.useFakeTimers();
  fake = fakeWebSocket();
  url = `ws://test.invalid/review-${++n}`;
});
afterEach(() => {
  cleanup();
  act(() => vi.advanceTimersByTime(10 * DEFAULT_GRACE));
  vi.useRealTimers();
});

test('components passing the same url provider function share one connection', () => {
  const provider = () => url; // one module-level provider, e.g. one that adds a fresh token
  function Status() {
    const { state } = useWebSocket({ url: provider, WebSocket: fake.WebSocket }, { select: (s) => s.status });
    return <p>{state}</p>;
  }
  const view = render(
    <StrictMode>
      <Status />
      <Status />
    </StrictMode>,
  );
  expect(fake.sockets).toHaveLength(1);
  act(() => fake.last.open());
  expect(view.container.textContent).toBe('openopen');
});

test('changing only grace keeps the connection', () => {
  function Status({ grace }: { grace: number }) {
    const { state } = useWebSocket({ url, WebSocket: fake.WebSocket }, { grace, select: (s) => s.status, onMessage: () => {} });
    return <p>{state}</p>;
  }
  const view = render(<Status grace={1000} />);
  act(() => fake.last.open());
  view.rerender(<Status grace={5000} />);
  expect(fake.sockets).toHaveLength(1);
  expect(live(fake.sockets)).toHaveLength(1);
  expect(view.container.textContent).toBe('open');
});
