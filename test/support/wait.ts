import type { Client, ClientEvents, Snapshot } from '../../src/index';

/** Resolves after `ms` ms of real time (where the point is that nothing happens). */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Anything with the client's `subscribe`/`getSnapshot` contract. */
type Observable = Pick<Client<unknown, unknown>, 'subscribe' | 'getSnapshot'>;
/** Anything with the client's `on`. */
type Emitter<I, O> = Pick<Client<I, O>, 'on'>;

/** A snapshot as JSON, errors reduced to `name: message` so failures read well. */
export function describeSnapshot(s: Snapshot): string {
  return JSON.stringify(
    s,
    (_key, value: unknown) => (value instanceof Error ? `${value.name}: ${value.message}` : value),
    2,
  );
}

/**
 * Resolves with the first snapshot (the current one included) for which `predicate` is true.
 * Subscribe-based, bounded: rejects after `timeout` ms with the current snapshot in the message.
 */
export function waitForSnapshot(
  client: Observable,
  predicate: (s: Snapshot) => boolean,
  timeout = 2000,
): Promise<Snapshot> {
  return new Promise((resolve, reject) => {
    const now = client.getSnapshot();
    if (predicate(now)) {
      resolve(now);
      return;
    }
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(
          `waitForSnapshot timed out after ${timeout} ms (predicate: ${String(predicate).slice(0, 200)}).\n` +
            `Current snapshot:\n${describeSnapshot(client.getSnapshot())}`,
        ),
      );
    }, timeout);
    unsubscribe = client.subscribe(() => {
      const s = client.getSnapshot();
      let ok = false;
      try {
        ok = predicate(s);
      } catch (err) {
        clearTimeout(timer);
        unsubscribe();
        reject(err);
        return;
      }
      if (!ok) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(s);
    });
  });
}

/**
 * Resolves with the next `type` event (from now on) for which `predicate` is true. Bounded:
 * rejects after `timeout` ms with the current snapshot in the message.
 */
export function waitForEvent<I, O, K extends keyof ClientEvents<I, O>>(
  client: Emitter<I, O> & Observable,
  type: K,
  predicate: (event: ClientEvents<I, O>[K]) => boolean = () => true,
  timeout = 2000,
): Promise<ClientEvents<I, O>[K]> {
  return new Promise((resolve, reject) => {
    let off = () => {};
    const timer = setTimeout(() => {
      off();
      reject(
        new Error(
          `waitForEvent('${String(type)}') timed out after ${timeout} ms (predicate: ${String(predicate).slice(0, 200)}).\n` +
            `Current snapshot:\n${describeSnapshot(client.getSnapshot())}`,
        ),
      );
    }, timeout);
    off = client.on(type, (event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

/** Records every event of the given types, in order, for assertions after the fact. */
export function recordEvents<I, O, K extends keyof ClientEvents<I, O>>(
  client: Emitter<I, O>,
  types: readonly K[],
): { type: K; event: ClientEvents<I, O>[K]; at: number }[] {
  const seen: { type: K; event: ClientEvents<I, O>[K]; at: number }[] = [];
  for (const type of types) client.on(type, (event) => seen.push({ type, event, at: performance.now() }));
  return seen;
}
