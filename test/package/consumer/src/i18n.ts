// The zh-CN catalog entry point: a MessageCatalog that plugs into `messages`.
import { createClient, type MessageCatalog } from 'resilient-ws';
import { zhCN } from 'resilient-ws/i18n/zh-CN';
import type { Equal, Expect, NotAny } from './assert.js';

export type I18nChecks = [Expect<NotAny<typeof zhCN>>, Expect<Equal<typeof zhCN, MessageCatalog>>];

createClient({ url: 'ws://127.0.0.1:9/', messages: zhCN, autoConnect: false });

// @ts-expect-error a catalog is an object of texts, not a number
const notACatalog: number = zhCN;
void notACatalog;
