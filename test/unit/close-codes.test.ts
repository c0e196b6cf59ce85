import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  classifyCode,
  createClient,
  isResilientWsError,
  type CloseAction,
  type CloseCategory,
  type ClosePolicy,
  type ClosePolicyCategory,
  type ClosePolicyTable,
  type CloseInfo,
} from '../../src/index';
import { CLOSE_CATEGORIES, matchClosePolicy, parseClosePolicy } from '../../src/core/close-codes';
import { decideClose, type CloseFacts, type ClosePolicyInput, type Ending } from '../../src/core/decide';
import { decideProbe } from '../../src/features/handshake';
import { fakeWebSocket } from '../support/fake-socket';

/** The whole built-in table, written out once so every row is checked on its own. */
const ROWS: [code: number, category: CloseCategory, action: CloseAction][] = [
  [1000, 'normal', 'stop'],
  [1001, 'going-away', 'reconnect'],
  [1002, 'protocol-error', 'stop'],
  [1003, 'protocol-error', 'stop'],
  [1005, 'no-status', 'reconnect'],
  [1006, 'network', 'reconnect'],
  [1007, 'protocol-error', 'stop'],
  [1008, 'policy-violation', 'stop'],
  [1009, 'protocol-error', 'stop'],
  [1010, 'protocol-error', 'stop'],
  [1011, 'server-error', 'reconnect'],
  [1012, 'service-restart', 'reconnect'],
  [1013, 'try-again-later', 'reconnect'],
  [1014, 'bad-gateway', 'reconnect'],
  [1015, 'tls', 'stop'],
  [3000, 'unauthorized', 'stop'],
  [3003, 'forbidden', 'stop'],
  [3008, 'timeout', 'reconnect'],
  // other registered (3000–3999) codes: the application's business, retried
  [3001, 'application', 'reconnect'],
  [3002, 'application', 'reconnect'],
  [3500, 'application', 'reconnect'],
  [3999, 'application', 'reconnect'],
  // private (4000–4999): meaning unknown to us, so we do not hammer the server
  [4000, 'private', 'stop'],
  [4001, 'private', 'stop'],
  [4999, 'private', 'stop'],
  // everything else: unknown, retried
  [0, 'malformed-close', 'reconnect'],
  [999, 'malformed-close', 'reconnect'],
  [1004, 'unknown', 'reconnect'],
  [1016, 'unknown', 'reconnect'],
  [2000, 'unknown', 'reconnect'],
  [2999, 'unknown', 'reconnect'],
  [5000, 'malformed-close', 'reconnect'],
  [65535, 'malformed-close', 'reconnect'],
];

describe('classifyCode', () => {
  it.each(ROWS)('classifies %i as %s → %s', (code, category, action) => {
    expect(classifyCode(code)).toEqual({ category, action });
  });
});

describe('closePolicy table', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Open a client with `closePolicy`, close the socket with `code`, report the decision and whether it reconnected 500 ms later. */
  function closeWith(closePolicy: ClosePolicy, code: number) {
    const ws = fakeWebSocket();
    const client = createClient({
      url: 'ws://example.test/live',
      WebSocket: ws.WebSocket,
      closePolicy,
      heartbeat: false,
      lifecycle: false,
      random: () => 0.5,
    });
    onTestFinished(() => client.dispose());
    ws.last.open();
    ws.last.serverClose(code, 'bye');
    const { lastClose, status } = client.getSnapshot();
    // the first retry window with random 0.5 (none of the codes used here has a special delay)
    vi.advanceTimersByTime(500);
    return { action: lastClose?.action, status, sockets: ws.sockets.length };
  }

  it('turns a private range into reconnects', () => {
    expect(closeWith({ '4000-4999': 'reconnect' }, 4001)).toEqual({ action: 'reconnect', status: 'reconnecting', sockets: 2 });
  });

  it('turns a retryable code into a stop', () => {
    expect(closeWith({ 1011: 'stop' }, 1011)).toEqual({ action: 'stop', status: 'closed', sockets: 1 });
  });

  it('leaves codes outside the table to the built-in rules', () => {
    expect(closeWith({ '4000-4999': 'reconnect' }, 1008)).toEqual({ action: 'stop', status: 'closed', sockets: 1 });
    expect(closeWith({ 1008: 'reconnect' }, 1011)).toEqual({ action: 'reconnect', status: 'reconnecting', sockets: 2 });
  });

  it('lets a single code beat a range that contains it', () => {
    const table = { '4000-4999': 'reconnect', 4001: 'stop' } as const;
    expect(closeWith(table, 4001).action).toBe('stop');
    expect(closeWith(table, 4002).action).toBe('reconnect');
  });

  it('lets the narrower range win whatever order the keys are written in', () => {
    const wideFirst = { '4000-4999': 'reconnect', '4000-4099': 'stop' } as const;
    const narrowFirst = { '4000-4099': 'stop', '4000-4999': 'reconnect' } as const;
    for (const table of [wideFirst, narrowFirst]) {
      expect(closeWith(table, 4050).action).toBe('stop');
      expect(closeWith(table, 4500).action).toBe('reconnect');
    }
  });

  it('matches a category key last: an exact code beats a range, a range beats the category', () => {
    const table = { private: 'reconnect', '4000-4099': 'stop', 4050: 'reconnect' } as const;
    expect(closeWith(table, 4050)).toEqual({ action: 'reconnect', status: 'reconnecting', sockets: 2 });
    expect(closeWith(table, 4051)).toEqual({ action: 'stop', status: 'closed', sockets: 1 });
    expect(closeWith(table, 4100)).toEqual({ action: 'reconnect', status: 'reconnecting', sockets: 2 });
    expect(closeWith({ 'try-again-later': 'stop' }, 1013)).toEqual({ action: 'stop', status: 'closed', sockets: 1 });
  });

  it('accepts spaces around a range', () => {
    expect(closeWith({ ' 4000 - 4010 ': 'reconnect' }, 4005).action).toBe('reconnect');
  });

  it.each([
    ['a key that is not a code', { abc: 'stop' }, /abc/],
    ['a range with a missing end', { '4000-': 'stop' }, /4000-/],
    ['a negative code', { '-1': 'stop' }, /-1/],
    ['a reversed range', { '4999-4000': 'reconnect' }, /ends before it starts/],
    ['an unknown action', { 4001: 'retry' }, /"reconnect", "refresh" or "stop"/],
    ['a non-string action', { 4001: true }, /"reconnect", "refresh" or "stop"/],
    ['an unknown action for a category', { 'malformed-close': 'retry' }, /closePolicy\["malformed-close"\] must be "reconnect", "refresh" or "stop"/],
    ['a misspelt category', { 'malformd-close': 'stop' }, /"malformd-close" is not a close code, a range like "4000-4499" or a close category \("normal", .*"malformed-close".*"not-found"/],
    ['a category in another case', { 'Not-Found': 'stop' }, /"Not-Found" is not/],
    ['the category of our own close()', { client: 'stop' }, /"client" would never match: that close is decided before the policy/],
    ['the category of a page in the back/forward cache', { suspended: 'stop' }, /"suspended" would never match/],
  ])('rejects %s at createClient with InvalidOptionError', (_name, table, message) => {
    const ws = fakeWebSocket();
    let thrown: unknown;
    try {
      createClient({ url: 'ws://example.test/', WebSocket: ws.WebSocket, closePolicy: table as unknown as ClosePolicy });
    } catch (e) {
      thrown = e;
    }
    expect(isResilientWsError(thrown, 'InvalidOptionError')).toBe(true);
    expect((thrown as Error).message).toMatch(message);
    expect(ws.sockets).toHaveLength(0);
  });
});

/** The table as the engine asks it (what resolve.ts builds from `closePolicy`). */
function tablePolicy(table: ClosePolicyTable): ClosePolicyInput['policy'] {
  const parsed = parseClosePolicy(table);
  if (typeof parsed === 'string') throw new Error(parsed);
  return (close) => matchClosePolicy(parsed, close);
}

const input = (table: ClosePolicyTable): ClosePolicyInput => ({ authCodes: [3000, 3003], canRefresh: true, retry: { limit: Infinity }, policy: tablePolicy(table) });
const facts = (f: Partial<CloseFacts>): CloseFacts => ({ code: 1006, reason: '', wasClean: true, duringConnect: false, how: null, quiet: false, ...f });
const ended = (by: Ending['by'], category: Ending['category']): Ending => ({ by, category, then: 'decide' });

/**
 * The close each category is decided with when decideClose consults the policy: the facts the
 * machine passes (a rebuilt reason-only frame is code 1005 with `via: 'rebuilt'`; a failed
 * handshake 1006 before open; our timeouts carry their own category).
 */
const DECIDED: [ClosePolicyCategory, Partial<CloseFacts>][] = [
  ['normal', { code: 1000 }],
  ['going-away', { code: 1001 }],
  ['protocol-error', { code: 1002 }],
  ['no-status', { code: 1005 }],
  ['network', { code: 1006, wasClean: false }],
  ['policy-violation', { code: 1008 }],
  ['server-error', { code: 1011 }],
  ['service-restart', { code: 1012 }],
  ['try-again-later', { code: 1013 }],
  ['bad-gateway', { code: 1014 }],
  ['tls', { code: 1015 }],
  ['unauthorized', { code: 3000 }],
  ['forbidden', { code: 3003 }],
  ['timeout', { code: 3008 }],
  ['application', { code: 3001 }],
  ['private', { code: 4001, reason: 'token expired', via: 'notice' }],
  ['unknown', { code: 2000 }],
  ['malformed-close', { code: 1005, reason: 'idle too long', via: 'rebuilt' }],
  ['connect-failed', { code: 1006, wasClean: false, duringConnect: true }],
  ['connect-timeout', { code: 1006, wasClean: false, duringConnect: true, how: ended('timeout', 'connect-timeout') }],
  ['heartbeat-timeout', { code: 1006, wasClean: false, how: ended('heartbeat', 'heartbeat-timeout') }],
];
/** Decided by the handshake probe's answer instead (HTTP status → category). */
const PROBED: [ClosePolicyCategory, number][] = [
  ['unauthorized', 401],
  ['forbidden', 403],
  ['not-found', 404],
];

describe('closePolicy table keys naming a category', () => {
  it('cover every category a close can be decided with (all but "client" and "suspended")', () => {
    const covered = new Set([...DECIDED, ...PROBED].map(([c]) => c));
    expect([...covered].sort()).toEqual(CLOSE_CATEGORIES.filter((c) => c !== 'client' && c !== 'suspended').sort());
  });

  it.each(DECIDED)('decideClose matches %s by its category key', (category, f) => {
    const builtIn = decideClose(facts(f), input({}));
    expect(builtIn.category).toBe(category);
    const other: CloseAction = builtIn.action === 'stop' ? 'reconnect' : 'stop';
    expect(decideClose(facts(f), input({ [category]: other }))).toMatchObject({ category, action: other });
    // a key for some other category leaves it alone
    const elsewhere = category === 'normal' ? 'going-away' : 'normal';
    expect(decideClose(facts(f), input({ [elsewhere]: other })).action).toBe(builtIn.action);
  });

  it.each(PROBED)('decideProbe matches %s (HTTP %i) by its category key', (category, status) => {
    const close = { code: 1006, reason: '', wasClean: false, duringConnect: true } as CloseInfo;
    const cfg = (table: ClosePolicyTable) => ({ policy: tablePolicy(table), canRefresh: false });
    expect(decideProbe(status, close, cfg({}))).toEqual({ category, action: 'stop' });
    const reconnect: CloseAction = 'reconnect';
    expect(decideProbe(status, close, cfg({ [category]: reconnect }))).toEqual({ category, action: 'reconnect' });
  });

  it('rebuilt reason-only closes are code 1005: "malformed-close" stops them, a real 1005 keeps its rule', () => {
    const rebuilt = facts({ code: 1005, reason: 'idle too long', via: 'rebuilt' });
    const real = facts({ code: 1005 });
    const p = input({ 'malformed-close': 'stop' });
    expect(decideClose(rebuilt, p)).toMatchObject({ category: 'malformed-close', action: 'stop', initiatedBy: 'server' });
    expect(decideClose(real, p)).toMatchObject({ category: 'no-status', action: 'reconnect' });
  });

  it('an exact code beats a range, and a range beats a category', () => {
    const p = input({ private: 'refresh', '4000-4099': 'reconnect', 4001: 'stop' });
    const action = (code: number) => decideClose(facts({ code }), p).action;
    expect([action(4001), action(4050), action(4500)]).toEqual(['stop', 'reconnect', 'refresh']);
    // whatever order the keys are written in
    const reversed = input({ 4001: 'stop', '4000-4099': 'reconnect', private: 'refresh' });
    expect([4001, 4050, 4500].map((code) => decideClose(facts({ code }), reversed).action)).toEqual(['stop', 'reconnect', 'refresh']);
    // a rebuilt close is code 1005: a key for 1005 (or a range holding it) beats "malformed-close"
    const rebuilt = facts({ code: 1005, reason: 'idle too long', via: 'rebuilt' });
    expect(decideClose(rebuilt, input({ 1005: 'reconnect', 'malformed-close': 'stop' })).action).toBe('reconnect');
    expect(decideClose(rebuilt, input({ '1000-1015': 'reconnect', 'malformed-close': 'stop' })).action).toBe('reconnect');
  });

  it('a category key wins over authCodes, like any closePolicy answer', () => {
    expect(decideClose(facts({ code: 3000 }), input({})).action).toBe('refresh');
    expect(decideClose(facts({ code: 3000 }), input({ unauthorized: 'stop' })).action).toBe('stop');
  });

  it('types its keys: codes, ranges and the category names, nothing else', () => {
    const table: ClosePolicyTable = { 'malformed-close': 'stop', 4000: 'reconnect', '4100-4199': 'stop', '4200': 'refresh', 'not-found': 'reconnect' };
    // a table read from elsewhere (JSON, a config object) is still a table; the client checks its keys
    const loose: Record<string, CloseAction> = { 'malformed-close': 'stop' };
    const fromElsewhere: ClosePolicyTable = loose;
    // @ts-expect-error a misspelt category is not a key
    const misspelt: ClosePolicyTable = { 'malformd-close': 'stop' };
    // @ts-expect-error "client" is decided before the policy
    const fixed: ClosePolicyTable = { client: 'stop' };
    // @ts-expect-error the action is checked for category keys too
    const action: ClosePolicyTable = { 'not-found': 'retry' };
    expect(parseClosePolicy(table)).toEqual({
      ranges: [
        { from: 4000, to: 4000, action: 'reconnect' },
        { from: 4200, to: 4200, action: 'refresh' },
        { from: 4100, to: 4199, action: 'stop' },
      ],
      categories: { 'malformed-close': 'stop', 'not-found': 'reconnect' },
    });
    expect([misspelt, fixed, action].map((t) => typeof parseClosePolicy(t))).toEqual(['string', 'string', 'string']);
    expect(parseClosePolicy(fromElsewhere)).toEqual({ ranges: [], categories: { 'malformed-close': 'stop' } });
  });
});
