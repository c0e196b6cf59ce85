import type { CloseCategory } from './close-codes.js';

/** Keys of the user-facing message catalogue: one per close category plus client outcomes. */
export type MessageKey =
  | CloseCategory
  | 'retries-exhausted'
  | 'refresh-failed'
  | 'configuration'
  | 'offline'
  | 'action-reconnect'
  | 'action-refresh'
  | 'separator';

/** What a message function may use. `code` is the close code; `attempts` the attempts made. */
export interface MessageContext {
  readonly code: number;
  readonly attempts: number;
}

/** A user-facing text, or a function producing one. */
export type MessageText = string | ((context: MessageContext) => string);

/** A complete catalogue. Pass a `Partial` in the `messages` option to override some texts. */
export type MessageCatalog = Readonly<Record<MessageKey, MessageText>>;

/** The `application` and `private` text: the same sentence for 3000–3999 and 4000–4999. */
const closedWithCode = ({ code }: MessageContext): string => `The server closed the connection (code ${code}).`;

/**
 * The built-in English catalogue. Written for end users: they say what happened and what the
 * app is doing about it, never the server's raw reason (RFC 6455 §5.5.1: reasons are not for
 * end users; the raw text stays in `lastClose.reason`).
 */
export const en: MessageCatalog = {
  normal: 'The server ended the connection.',
  'going-away': 'The server is going away.',
  'protocol-error': 'The connection was closed because of a protocol error.',
  'no-status': 'The connection was closed without a reason.',
  network: 'The connection was lost.',
  'policy-violation': 'The server refused this connection (policy violation).',
  'server-error': 'The server ran into an error.',
  'service-restart': 'The server is restarting.',
  'try-again-later': 'The server is busy.',
  'bad-gateway': 'A gateway could not reach the server.',
  tls: 'A secure connection could not be established.',
  unauthorized: 'You are not signed in, or your session has expired.',
  forbidden: 'You do not have access to this connection.',
  timeout: 'The server timed out.',
  application: closedWithCode,
  private: closedWithCode,
  unknown: ({ code }) => `The connection closed unexpectedly (code ${code}).`,
  'malformed-close': 'The server closed the connection.',
  client: 'Disconnected.',
  'connect-failed': 'Could not connect to the server.',
  'not-found': 'There is no connection endpoint at this address.',
  'connect-timeout': 'Connecting took too long.',
  'heartbeat-timeout': 'The connection stopped responding.',
  suspended: 'Paused while the page is in the background.',
  'retries-exhausted': ({ attempts }) => `Could not reconnect after ${attempts} attempts.`,
  'refresh-failed': 'Your session could not be renewed. Please sign in again.',
  configuration: 'The connection is misconfigured and cannot be opened.',
  offline: 'You are offline. Waiting for the network…',
  'action-reconnect': 'Reconnecting…',
  'action-refresh': 'Renewing your session…',
  separator: ' ',
};

/** Renders a catalogue entry. */
export const renderMessage = (catalog: MessageCatalog, key: MessageKey, context: MessageContext): string => {
  const text = catalog[key];
  return typeof text === 'function' ? text(context) : text;
};

/**
 * The user-facing sentence for a close: what happened, then what the client is doing about it
 * (`action-reconnect` / `action-refresh`), so the text never promises a retry that will not come.
 */
export const closeMessage = (
  catalog: MessageCatalog,
  category: CloseCategory,
  action: 'reconnect' | 'refresh' | 'stop',
  context: MessageContext,
): string => {
  const what = renderMessage(catalog, category, context);
  if (action === 'stop' || category === 'client' || category === 'suspended') return what;
  const next = renderMessage(catalog, action === 'refresh' ? 'action-refresh' : 'action-reconnect', context);
  return next ? what + renderMessage(catalog, 'separator', context) + next : what;
};

/**
 * Renders a close's user-facing sentence from any catalogue — e.g. after the user switches
 * language — exactly as the client built `close.message` from its own.
 *
 * @example
 * import { zhCN } from 'resilient-ws/i18n/zh-CN';
 * banner.textContent = describeClose(client.getSnapshot().lastClose!, zhCN);
 */
export const describeClose = (
  close: { readonly code: number; readonly category: CloseCategory; readonly action: 'reconnect' | 'refresh' | 'stop'; readonly messageKey: MessageKey; readonly attempts: number },
  catalog: MessageCatalog,
): string => {
  const context = { code: close.code, attempts: close.attempts };
  return close.messageKey === close.category
    ? closeMessage(catalog, close.category, close.action, context)
    : renderMessage(catalog, close.messageKey, context);
};
