/**
 * Options that are called later are validated up front (issue 13, defect 10): a wrong type
 * throws a typed error from createClient, with a message naming the option, instead of a raw
 * TypeError later (or never).
 */
import { describe, expect, it } from 'vitest';
import { createClient, isResilientWsError, type ClientOptions, type ResilientWsErrorName } from '../../src/index';
import { fakeWebSocket } from '../support/fake-socket';
import { UNIT_URL } from '../support/unit-client';

function thrownBy(opts: Record<string, unknown>): unknown {
  const fake = fakeWebSocket();
  try {
    const c = createClient({ url: UNIT_URL, WebSocket: fake.WebSocket, autoConnect: false, lifecycle: false, ...opts } as ClientOptions);
    c.dispose();
  } catch (e) {
    return e;
  }
  return undefined;
}

const cases: [string, Record<string, unknown>, ResilientWsErrorName, RegExp][] = [
  ['protocols: 123', { protocols: 123 }, 'InvalidProtocolError', /protocol/i],
  ['retry: null', { retry: null }, 'InvalidOptionError', /retry/],
  ['clock: {}', { clock: {} }, 'InvalidOptionError', /clock/],
  ['logger: { debug: 5 }', { logger: { debug: 5 } }, 'InvalidOptionError', /logger/],
  ['WebSocket: 5', { WebSocket: 5 }, 'InvalidOptionError', /WebSocket/],
  ['heartbeat.isPong: "pong"', { heartbeat: { isPong: 'pong' } }, 'InvalidOptionError', /isPong/],
  ['random: 0.5', { random: 0.5 }, 'InvalidOptionError', /random/],
];

describe('options checked by createClient', () => {
  it.each(cases)('%s → %s naming the option', (_name, opts, errorName, names) => {
    const e = thrownBy(opts);
    expect(isResilientWsError(e, errorName), `expected ${errorName}, got ${e === undefined ? 'no throw' : String(e)}`).toBe(true);
    expect((e as Error).message).toMatch(names);
  });

  it('a complete Clock and a logger with only some methods are accepted', () => {
    const clock = { now: () => 0, wallNow: () => 0, setTimeout: () => 0, clearTimeout: () => {} };
    expect(thrownBy({ clock, logger: { warn: () => {} } })).toBeUndefined();
  });
});

describe('a number given as a string', () => {
  it('is named as a string in the error, so "5" is not mistaken for 5', () => {
    expect(() => createClient({ url: 'ws://127.0.0.1:1/', autoConnect: false, closeTimeout: '5' as unknown as number })).toThrow(
      /closeTimeout must be a non-negative (finite )?number; got "5" \(a string\)\./,
    );
  });
});
