import type { CloseCategory } from './close-codes';

/** Keys of the user-facing message catalogue: one per close category plus client outcomes. */
export type MessageKey = CloseCategory | 'retries-exhausted' | 'refresh-failed' | 'configuration' | 'offline';

/** What a message function may use. `code` is the close code; `attempts` the attempts made. */
export interface MessageContext {
  readonly code: number;
  readonly attempts: number;
}

/** A user-facing text, or a function producing one. */
export type MessageText = string | ((context: MessageContext) => string);

/** A complete catalogue. Pass a `Partial` in the `messages` option to override some texts. */
export type MessageCatalog = Readonly<Record<MessageKey, MessageText>>;

/**
 * The built-in English catalogue. Written for end users: they say what happened and what the
 * app is doing about it, never the server's raw reason (RFC 6455 §5.5.1: reasons are not for
 * end users; the raw text stays in `lastClose.reason`).
 */
export const en: MessageCatalog = {
  normal: 'The server ended the connection.',
  'going-away': 'The server is going away. Reconnecting…',
  'protocol-error': 'The connection was closed because of a protocol error.',
  'no-status': 'The connection was closed without a reason. Reconnecting…',
  network: 'The connection was lost. Reconnecting…',
  'policy-violation': 'The server refused this connection (policy violation).',
  'server-error': 'The server ran into an error. Reconnecting…',
  'service-restart': 'The server is restarting. Reconnecting shortly…',
  'try-again-later': 'The server is busy. Trying again later…',
  'bad-gateway': 'A gateway could not reach the server. Reconnecting…',
  tls: 'A secure connection could not be established.',
  unauthorized: 'You are not signed in, or your session has expired.',
  forbidden: 'You do not have access to this connection.',
  timeout: 'The server timed out. Reconnecting…',
  application: ({ code }) => `The server closed the connection (code ${code}). Reconnecting…`,
  private: ({ code }) => `The server closed the connection (code ${code}).`,
  unknown: ({ code }) => `The connection closed unexpectedly (code ${code}). Reconnecting…`,
  client: 'Disconnected.',
  'connect-failed': 'Could not connect to the server. Retrying…',
  'connect-timeout': 'Connecting took too long. Retrying…',
  'heartbeat-timeout': 'The connection stopped responding. Reconnecting…',
  suspended: 'Paused while the page is in the background.',
  'retries-exhausted': ({ attempts }) => `Could not reconnect after ${attempts} attempts.`,
  'refresh-failed': 'Your session could not be renewed. Please sign in again.',
  configuration: 'The connection is misconfigured and cannot be opened.',
  offline: 'You are offline. Waiting for the network…',
};

/** Renders a catalogue entry. */
export const renderMessage = (catalog: MessageCatalog, key: MessageKey, context: MessageContext): string => {
  const text = catalog[key];
  return typeof text === 'function' ? text(context) : text;
};
