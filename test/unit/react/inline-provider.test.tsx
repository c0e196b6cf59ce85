import { act, cleanup, render } from '@testing-library/react';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { DEFAULT_GRACE, useWebSocket } from '../../../src/react/index';
import { fakeWebSocket } from '../../support/fake-socket';

let fake: ReturnType<typeof fakeWebSocket>;
beforeEach(() => {
  vi.useFakeTimers();
  fake = fakeWebSocket();
});
afterEach(() => {
  cleanup();
  act(() => vi.advanceTimersByTime(DEFAULT_GRACE));
  vi.useRealTimers();
});

function Live() {
  // The documented fresh-token pattern (url provider), written inline as users do.
  const { state } = useWebSocket({ url: () => 'ws://test.invalid/token-room', WebSocket: fake.WebSocket }, { select: (s) => s.status });
  return <p>{state}</p>;
}

test('with an inline url provider the hook still shows the connection status', () => {
  const view = render(<Live />);
  expect(fake.sockets).toHaveLength(1);
  act(() => fake.last.open());
  expect(view.container.textContent).toBe('open');
  // Re-rendering with a new inline function keeps the same connection.
  view.rerender(<Live />);
  expect(fake.sockets).toHaveLength(1);
  expect(view.container.textContent).toBe('open');
});

function Token({ token }: { token: string }) {
  const { state } = useWebSocket({ url: () => `ws://test.invalid/room?token=${token}`, WebSocket: fake.WebSocket }, { select: (s) => s.status });
  return <p>{state}</p>;
}

test('an inline url provider always calls the latest closure at the next attempt', () => {
  const view = render(<Token token="a" />);
  act(() => fake.last.open());
  view.rerender(<Token token="b" />);
  act(() => fake.last.serverClose(1011, ''));
  act(() => vi.advanceTimersByTime(2000));
  expect(fake.sockets).toHaveLength(2);
  expect(fake.last.url).toContain('token=b');
});
