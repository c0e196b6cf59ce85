import type { MessageCatalog } from '../core/messages.js';

/**
 * Simplified Chinese user-facing messages. Shipped as its own entry point
 * (`resilient-ws/i18n/zh-CN`) so the core stays small:
 *
 * @example
 * import { createClient } from 'resilient-ws';
 * import { zhCN } from 'resilient-ws/i18n/zh-CN';
 * const client = createClient({ url, messages: zhCN });
 */
export const zhCN: MessageCatalog = {
  normal: '服务器已结束连接。',
  'going-away': '服务器正在下线。',
  'protocol-error': '由于协议错误,连接已关闭。',
  'no-status': '连接已关闭,未说明原因。',
  network: '连接已断开。',
  'policy-violation': '服务器拒绝了此连接(违反策略)。',
  'server-error': '服务器发生错误。',
  'service-restart': '服务器正在重启。',
  'try-again-later': '服务器繁忙。',
  'bad-gateway': '网关无法连接到服务器。',
  tls: '无法建立安全连接。',
  unauthorized: '您尚未登录,或会话已过期。',
  forbidden: '您无权访问此连接。',
  timeout: '服务器超时。',
  application: ({ code }) => `服务器关闭了连接(代码 ${code})。`,
  private: ({ code }) => `服务器关闭了连接(代码 ${code})。`,
  unknown: ({ code }) => `连接意外关闭(代码 ${code})。`,
  'malformed-close': '服务器关闭了连接。',
  client: '已断开连接。',
  'connect-failed': '无法连接到服务器。',
  'not-found': '此地址没有可用的连接端点。',
  'connect-timeout': '连接超时。',
  'heartbeat-timeout': '连接无响应。',
  suspended: '页面在后台时连接已暂停。',
  'retries-exhausted': ({ attempts }) => `重试 ${attempts} 次后仍无法连接。`,
  'refresh-failed': '无法续期会话,请重新登录。',
  configuration: '连接配置有误,无法建立连接。',
  offline: '您已离线,正在等待网络恢复…',
  'action-reconnect': '正在重新连接…',
  'action-refresh': '正在续期会话…',
  separator: '',
};
