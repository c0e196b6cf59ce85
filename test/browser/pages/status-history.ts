/**
 * Shared by the adapter pages: records every text the `#status` element shows, in order, into
 * `window.__statusHistory` (a MutationObserver sees each committed DOM update, so a state that
 * was rendered even briefly is not missed by a test that polls).
 */
export function recordStatusHistory(root: HTMLElement): void {
  const history: string[] = [];
  (window as unknown as { __statusHistory: string[] }).__statusHistory = history;
  const read = () => {
    const text = root.querySelector('#status')?.textContent ?? null;
    if (text !== null && history.at(-1) !== text) history.push(text);
  };
  new MutationObserver(read).observe(root, { subtree: true, childList: true, characterData: true });
  read();
}

/** Where the page connects: `?ws=ws://127.0.0.1:PORT`, plus the page's own path. */
export function serverUrl(path: string): string {
  const ws = new URLSearchParams(location.search).get('ws');
  if (!ws) throw new Error('missing ?ws=ws://127.0.0.1:PORT');
  return `${ws}${path}`;
}

/**
 * Retry settings for the pages: a jitter draw of 0.999 makes each wait ~the whole window
 * (300 ms first), long enough that every status is rendered, short enough for a fast test.
 */
export const RETRY = { initialDelay: 300, maxDelay: 1000, minUptime: 300 };
export const random = (): number => 0.999;
