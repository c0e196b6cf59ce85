/**
 * What the React and Vue demo pages share: the demo server's config, the client options, and
 * the fault buttons' requests. The hook and the composable themselves are in react.tsx / vue.ts.
 */
import type { ClientOptions } from '../../src/index';

/**
 * This page's id, sent in the WebSocket URL (`?page=…`) so the demo server can count the
 * connections of this page alone, not of every page and tab it serves.
 */
export const PAGE_ID = crypto.randomUUID();

/** Where the demo WebSocket server listens (from the page server). */
export async function loadConfig(): Promise<{ wsUrl: string }> {
  const res = await fetch('/api/config');
  return (await res.json()) as { wsUrl: string };
}

/**
 * Client options of a page. Plain data, so every component passing equal options shares one
 * connection (the adapters key connections by their options).
 */
export const demoOptions = (wsUrl: string, path: string): ClientOptions<string, string> => ({
  url: `${wsUrl}${path}?page=${PAGE_ID}`,
  heartbeat: { interval: 5000, timeout: 3000 },
  retry: { initialDelay: 1000, maxDelay: 4000, restartDelay: 3000 },
});

/** Fault buttons of the framework pages (the full set is on the main page). */
export const FAULTS = [
  { id: 'close-1012', label: '1012 service restart', api: 'close', body: { code: 1012, reason: 'restarting for deploy' } },
  { id: 'close-1008', label: '1008 policy violation', api: 'close', body: { code: 1008, reason: 'message rate limit exceeded' } },
  { id: 'kill', label: 'Kill TCP', api: 'kill', body: {} },
] as const;

export type FaultId = (typeof FAULTS)[number]['id'];

/** Asks the demo server for a fault. */
export async function fault(id: FaultId): Promise<void> {
  const f = FAULTS.find((x) => x.id === id);
  if (!f) return;
  await fetch(`/api/fault/${f.api}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(f.body),
  });
}

/** How many WebSocket connections the demo server has open from this page (shows that components share one). */
export async function serverConnections(): Promise<number> {
  const res = await fetch(`/api/state?page=${encodeURIComponent(PAGE_ID)}`);
  return ((await res.json()) as { pageConnections: number }).pageConnections;
}
