// @vitest-environment node
/**
 * Tokens never leak, in Node (issue 13, defect 12): Node's URL parser puts the raw input in the
 * TypeError it throws (`cause.input`), so an error must not keep it in its cause chain.
 */
import { describe, expect, it } from 'vitest';
import { createClient, isResilientWsError } from '../../src/index';
import { fakeWebSocket } from '../support/fake-socket';
import { strings } from '../support/probes';

describe('an unparseable URL with credentials, in Node', () => {
  it('InvalidUrlError keeps no raw URL anywhere in its cause chain (cause.input included)', () => {
    const fake = fakeWebSocket();
    let thrown: unknown;
    try {
      createClient({ url: 'wss://alice:SECRET@h.example:99999/?token=SECRET2', WebSocket: fake.WebSocket, autoConnect: false, lifecycle: false });
    } catch (e) {
      thrown = e;
    }
    expect(isResilientWsError(thrown, 'InvalidUrlError')).toBe(true);
    const cause = (thrown as Error).cause as { input?: unknown } | undefined;
    expect(cause?.input, 'cause.input holds the raw URL').toBeUndefined();
    expect(strings(thrown).filter((s) => s.includes('SECRET'))).toEqual([]);
  });
});
