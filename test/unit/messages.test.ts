import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { closeMessage, describeClose, en, type CloseInfo } from '../../src/index';
import { zhCN } from '../../src/i18n/zh-CN';
import { setup } from '../support/unit-client';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('user-facing messages', () => {
  it('keys every catalogue the same way', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });

  it('says what happened and what the client does next, never a retry that will not come', () => {
    expect(closeMessage(en, 'network', 'reconnect', { code: 1006, attempts: 0 })).toBe('The connection was lost. Reconnecting…');
    expect(closeMessage(en, 'network', 'stop', { code: 1006, attempts: 0 })).toBe('The connection was lost.');
    expect(closeMessage(en, 'unauthorized', 'refresh', { code: 3000, attempts: 0 })).toBe(
      'You are not signed in, or your session has expired. Renewing your session…',
    );
  });

  it('joins Chinese sentences without a space (the catalogue carries the separator)', () => {
    expect(closeMessage(zhCN, 'network', 'reconnect', { code: 1006, attempts: 0 })).toBe('连接已断开。正在重新连接…');
  });

  it('re-renders a close in another language exactly as the client built it', () => {
    const { fake, client } = setup();
    fake.last.open();
    fake.last.serverClose(1011, 'boom');
    const close = client.getSnapshot().lastClose as CloseInfo;
    expect(describeClose(close, en)).toBe(close.message);
    expect(describeClose(close, zhCN)).toBe('服务器发生错误。正在重新连接…');
  });

  it('re-renders client outcomes (retries exhausted) with their attempt count', () => {
    const { fake, client } = setup({ retry: { limit: 2, initialDelay: 10 } });
    fake.last.failHandshake();
    vi.advanceTimersByTime(100);
    fake.last.failHandshake();
    vi.advanceTimersByTime(100);
    fake.last.failHandshake();
    const close = client.getSnapshot().lastClose as CloseInfo;
    expect(close).toMatchObject({ messageKey: 'retries-exhausted', attempts: 2, action: 'stop' });
    expect(close.message).toBe('Could not reconnect after 2 attempts.');
    expect(describeClose(close, zhCN)).toBe('重试 2 次后仍无法连接。');
  });

  it('uses the catalogue passed in `messages`', () => {
    const { fake, client } = setup({ messages: zhCN });
    fake.last.open();
    fake.last.serverClose(1008, '');
    expect(client.getSnapshot().lastClose?.message).toBe('服务器拒绝了此连接(违反策略)。');
  });
});
