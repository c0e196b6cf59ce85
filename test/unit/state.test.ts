import { describe, expect, it } from 'vitest';
import { isResilientWsError, ResilientWsError, type CloseInfo, type ConnectionStatus, type Snapshot } from '../../src/index';
// transition() is internal (not part of the public surface); it is the pure reducer every
// snapshot change goes through, so it is table-tested directly.
import { initialSnapshot, transition, type StateEvent } from '../../src/core/state';

const close = (over: Partial<CloseInfo> = {}): CloseInfo => ({
  code: 1006,
  reason: '',
  wasClean: false,
  initiatedBy: 'network',
  category: 'network',
  action: 'reconnect',
  message: 'The connection was lost. Reconnecting…',
  messageKey: 'network',
  attempts: 0,
  duringConnect: false,
  at: 1_700_000_000_000,
  ...over,
});

const idle = initialSnapshot(true);
const connecting = transition(idle, { type: 'connect', attempt: 0, url: 'ws://example.test/' });
const open = transition(connecting, { type: 'open', protocol: 'chat', extensions: 'permessage-deflate', at: 1000 });
const closing = transition(open, { type: 'closing' });
const reconnecting = transition(open, { type: 'retry', attempt: 1, close: close(), delay: 500, at: 2000 });
const closed = transition(open, { type: 'stop', close: close({ action: 'stop' }), error: null });
const offline = transition(reconnecting, { type: 'wait', status: 'offline' });
const suspended = transition(open, { type: 'wait', status: 'suspended' });

const BY_STATUS: Record<ConnectionStatus, Snapshot> = {
  idle,
  connecting,
  open,
  closing,
  reconnecting,
  offline,
  suspended,
  closed,
};

describe('transition', () => {
  it('builds the fixture statuses it claims to', () => {
    for (const [status, s] of Object.entries(BY_STATUS)) expect(s.status).toBe(status);
  });

  it('starts idle with nothing known', () => {
    expect(idle).toMatchObject({ status: 'idle', attempt: 0, url: null, lastClose: null, lastError: null, online: true });
    expect(initialSnapshot(false).online).toBe(false);
  });

  describe('returns the same object when nothing changes', () => {
    it('for an update with equal values', () => {
      expect(transition(open, { type: 'update', patch: {} })).toBe(open);
      expect(transition(open, { type: 'update', patch: { queued: 0, rtt: null, online: true, attempt: 0 } })).toBe(open);
      expect(transition(reconnecting, { type: 'update', patch: { lastClose: reconnecting.lastClose } })).toBe(reconnecting);
    });

    it('for a connect that repeats the attempt in flight', () => {
      expect(transition(connecting, { type: 'connect', attempt: 0, url: 'ws://example.test/' })).toBe(connecting);
    });

    it('for a stop when already closed with nothing new', () => {
      expect(transition(closed, { type: 'stop', close: null, error: null })).toBe(closed);
    });

    it('for a wait in the status it is already in', () => {
      expect(transition(offline, { type: 'wait', status: 'offline' })).toBe(offline);
    });
  });

  it('makes a new object, leaving the old one untouched, when a value changes', () => {
    const next = transition(open, { type: 'update', patch: { queued: 2, queuedBytes: 10 } });
    expect(next).not.toBe(open);
    expect(next).toMatchObject({ status: 'open', queued: 2, queuedBytes: 10 });
    expect(open.queued).toBe(0);
  });

  it('compares values with Object.is, so a repeated NaN is no change', () => {
    const withNaN = transition(open, { type: 'update', patch: { rtt: Number.NaN } });
    expect(transition(withNaN, { type: 'update', patch: { rtt: Number.NaN } })).toBe(withNaN);
  });

  it.each(['idle', 'open', 'closing', 'reconnecting', 'offline', 'suspended', 'closed'] as const)(
    'ignores open while %s',
    (status) => {
      const s = BY_STATUS[status];
      expect(transition(s, { type: 'open', protocol: 'x', extensions: '', at: 1 })).toBe(s);
    },
  );

  it('opens from connecting: records protocol, extensions, time, and clears the error and retry fields', () => {
    const failed = transition(reconnecting, { type: 'update', patch: { lastError: new ResilientWsError('ConnectionError', 'x') } });
    const again = transition(failed, { type: 'connect', attempt: 1, url: 'ws://example.test/' });
    const s = transition(again, { type: 'open', protocol: 'chat', extensions: 'permessage-deflate', at: 5000 });
    expect(s).toMatchObject({
      status: 'open',
      protocol: 'chat',
      extensions: 'permessage-deflate',
      openedAt: 5000,
      lastError: null,
      nextRetryAt: null,
      retryDelay: null,
    });
    expect(s.lastClose).toBe(reconnecting.lastClose);
  });

  it.each(['connecting', 'open'] as const)('allows closing from %s', (status) => {
    expect(transition(BY_STATUS[status], { type: 'closing' }).status).toBe('closing');
  });

  it.each(['idle', 'closing', 'reconnecting', 'offline', 'suspended', 'closed'] as const)('ignores closing while %s', (status) => {
    const s = BY_STATUS[status];
    expect(transition(s, { type: 'closing' })).toBe(s);
  });

  it('connect starts a fresh attempt: no retry schedule and nothing left from an earlier connection', () => {
    const s = transition(open, { type: 'connect', attempt: 0, url: 'ws://example.test/2' });
    expect(s).toMatchObject({
      status: 'connecting',
      attempt: 0,
      url: 'ws://example.test/2',
      nextRetryAt: null,
      retryDelay: null,
      openedAt: null,
      protocol: '',
      extensions: '',
    });
    const fromWait = transition(reconnecting, { type: 'connect', attempt: 1, url: 'ws://example.test/' });
    expect(fromWait).toMatchObject({ status: 'connecting', attempt: 1, nextRetryAt: null, retryDelay: null });
  });

  it('retry schedules the next attempt and resets the connection fields', () => {
    const c = close({ code: 1011, category: 'server-error' });
    const s = transition(open, { type: 'retry', attempt: 3, close: c, delay: 4000, at: 10_000 });
    expect(s).toMatchObject({
      status: 'reconnecting',
      attempt: 3,
      nextRetryAt: 14_000,
      retryDelay: 4000,
      openedAt: null,
      protocol: '',
      extensions: '',
    });
    expect(s.lastClose).toBe(c);
  });

  it('retry keeps the last close when it has none, and the error unless one is given', () => {
    const err = new ResilientWsError('UrlProviderError', 'provider failed');
    const withError = transition(reconnecting, { type: 'update', patch: { lastError: err } });
    const kept = transition(withError, { type: 'retry', attempt: 2, close: null, delay: 1000, at: 0 });
    expect(kept.lastClose).toBe(reconnecting.lastClose);
    expect(kept.lastError).toBe(err);
    const other = new ResilientWsError('ConnectTimeoutError', 'slow');
    const replaced = transition(withError, { type: 'retry', attempt: 2, close: null, delay: 1000, at: 0, error: other });
    expect(isResilientWsError(replaced.lastError, 'ConnectTimeoutError')).toBe(true);
  });

  it.each(['offline', 'suspended', 'idle'] as const)('wait(%s) clears the retry schedule and the connection fields', (status) => {
    const c = close({ category: 'suspended', initiatedBy: 'browser' });
    const s = transition(reconnecting, { type: 'wait', status, close: c });
    expect(s).toMatchObject({ status, nextRetryAt: null, retryDelay: null, openedAt: null, protocol: '', extensions: '' });
    expect(s.lastClose).toBe(c);
    const fromOpen = transition(open, { type: 'wait', status });
    expect(fromOpen).toMatchObject({ status, openedAt: null, protocol: '', extensions: '' });
    expect(fromOpen.lastClose).toBe(open.lastClose);
  });

  it('stop closes for good: clears the schedule and connection fields, records close and error', () => {
    const c = close({ code: 1008, category: 'policy-violation', action: 'stop' });
    const err = new ResilientWsError('RetriesExhaustedError', 'gave up');
    const fromWait = transition(reconnecting, { type: 'stop', close: c, error: err });
    expect(fromWait).toMatchObject({ status: 'closed', nextRetryAt: null, retryDelay: null, openedAt: null, protocol: '', extensions: '' });
    expect(fromWait.lastClose).toBe(c);
    expect(fromWait.lastError).toBe(err);
    const fromOpen = transition(open, { type: 'stop', close: null, error: null });
    expect(fromOpen).toMatchObject({ status: 'closed', openedAt: null, protocol: '', extensions: '' });
  });

  it('stop keeps an earlier error and close when given none', () => {
    const err = new ResilientWsError('ConnectionError', 'refused');
    const withError = transition(reconnecting, { type: 'update', patch: { lastError: err } });
    const s = transition(withError, { type: 'stop', close: null, error: null });
    expect(s.lastError).toBe(err);
    expect(s.lastClose).toBe(reconnecting.lastClose);
  });

  it('never mutates its input', () => {
    const before = structuredClone(open);
    const events: StateEvent[] = [
      { type: 'closing' },
      { type: 'retry', attempt: 1, close: close(), delay: 1, at: 1 },
      { type: 'wait', status: 'offline' },
      { type: 'stop', close: null, error: null },
      { type: 'update', patch: { queued: 5 } },
      { type: 'connect', attempt: 2, url: 'ws://x.test/' },
    ];
    for (const e of events) transition(open, e);
    expect(open).toEqual(before);
  });
});
