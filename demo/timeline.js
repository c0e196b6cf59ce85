// @ts-check
/**
 * Rendering of the demo timeline. Everything that came from the server (close reasons, JSON
 * messages, echoed data) is put into the page with textContent only: never as HTML.
 *
 * User-facing messages are rendered from a catalogue at display time (by category/code), so
 * switching the language re-renders every entry.
 */

/** @typedef {import('../src/index').CloseInfo} CloseInfo */
/** @typedef {import('../src/index').MessageCatalog} MessageCatalog */
/** @typedef {import('../src/index').MessageKey} MessageKey */

/**
 * @typedef {{ id: number, t: number } & (
 *   | { kind: 'status', status: string, attempt: number, retryDelay: number | null }
 *   | { kind: 'open', url: string, protocol: string }
 *   | { kind: 'close', close: CloseInfo, delay?: number, waiting?: 'offline' | 'suspended' | 'now' }
 *   | { kind: 'retry', attempt: number, delay: number }
 *   | { kind: 'error', name: string, message: string }
 *   | { kind: 'message', direction: 'in' | 'out', text: string, result?: string }
 *   | { kind: 'refresh', token?: string, error?: string }
 *   | { kind: 'fault', label: string, detail?: string, error?: string }
 *   | { kind: 'network', online: boolean }
 *   | { kind: 'drop', reason: string, text: string }
 * )} Entry
 */

/** An entry before it is stamped. @typedef {Entry extends infer E ? (E extends unknown ? Omit<E, 'id' | 't'> : never) : never} NewEntry */

/** @typedef {'en' | 'zh-CN'} Lang */

/** Labels of the timeline itself, per language. */
export const LABELS = {
  en: {
    status: 'status',
    attempt: 'attempt',
    retryIn: 'next attempt in',
    open: 'open',
    close: 'close',
    decision: 'Decision',
    message: 'Message for users',
    reason: 'Server reason (raw, untrusted)',
    serverMessage: 'Server message (from JSON reason)',
    retryAfter: 'Server retry hint',
    via: 'Carried by',
    viaNotice: "the server's close notice (the close frame was lost or mangled)",
    viaRebuilt: 'a close frame without a status code: its text, rebuilt',
    reported: 'What the browser reported (code, reason)',
    details: 'Details',
    empty: '(empty)',
    stop: 'stop',
    refresh: 'refresh credentials, then reconnect',
    reconnect: 'reconnect',
    reconnectIn: (/** @type {number} */ ms) => `reconnect in ${ms} ms`,
    reconnectNow: 'reconnect now',
    whenOnline: 'reconnect when back online',
    whenShown: 'reconnect when the page is shown again',
    initiatedBy: 'initiated by',
    clean: 'clean',
    unclean: 'not clean',
    duringConnect: 'while connecting',
    retry: 'retry',
    error: 'error',
    sent: 'sent',
    received: 'received',
    refreshed: 'credentials refreshed, new token',
    refreshFailed: 'credential refresh failed',
    fault: 'asked the server to',
    online: 'browser online',
    offline: 'browser offline',
    drop: 'dropped from outbox',
    noRetry: '—',
    reportCopied: 'report copied',
    reportSelected: 'no clipboard here: the report below is selected, press Ctrl+C',
    reportEntries: (/** @type {number} */ n) => `${n} entries`,
    reportDropped: (/** @type {number} */ n) => `${n} older dropped`,
  },
  'zh-CN': {
    status: '状态',
    attempt: '尝试次数',
    retryIn: '下次尝试',
    open: '已连接',
    close: '关闭',
    decision: '决定',
    message: '给用户的提示',
    reason: '服务器原始原因(不可信)',
    serverMessage: '服务器消息(来自 JSON 原因)',
    retryAfter: '服务器建议的重试等待',
    via: '来源',
    viaNotice: '服务器的关闭通知(关闭帧丢失或损坏)',
    viaRebuilt: '不含状态码的关闭帧:已还原其文本',
    reported: '浏览器报告的内容(代码、原因)',
    details: '详情',
    empty: '(空)',
    stop: '停止',
    refresh: '刷新凭据后重连',
    reconnect: '重连',
    reconnectIn: (/** @type {number} */ ms) => `${ms} 毫秒后重连`,
    reconnectNow: '立即重连',
    whenOnline: '网络恢复后重连',
    whenShown: '页面重新显示后重连',
    initiatedBy: '发起方',
    clean: '正常关闭握手',
    unclean: '非正常关闭',
    duringConnect: '连接过程中',
    retry: '重试',
    error: '错误',
    sent: '已发送',
    received: '已收到',
    refreshed: '凭据已刷新,新令牌',
    refreshFailed: '凭据刷新失败',
    fault: '请求服务器',
    online: '浏览器在线',
    offline: '浏览器离线',
    drop: '已从发送队列丢弃',
    noRetry: '—',
    reportCopied: '报告已复制',
    reportSelected: '无法使用剪贴板:已选中下方的报告,请按 Ctrl+C',
    reportEntries: (/** @type {number} */ n) => `${n} 条记录`,
    reportDropped: (/** @type {number} */ n) => `已丢弃 ${n} 条较早记录`,
  },
};

/**
 * The diagnostics report as the text a user pastes into a support ticket.
 * @param {import('../src/index').DiagnosticsReport} report
 */
export const reportText = (report) => JSON.stringify(report, null, 2);

/**
 * One line about a report: how many entries, how big, how many older ones it no longer has.
 * @param {typeof LABELS['en']} L
 * @param {import('../src/index').DiagnosticsReport} report
 * @param {string} text the report's text
 */
export function reportSummary(L, report, text) {
  const bits = [L.reportEntries(report.entries.length), `${(new TextEncoder().encode(text).length / 1000).toFixed(1)} kB`];
  if (report.dropped) bits.push(L.reportDropped(report.dropped));
  return bits.join(' · ');
}

/**
 * Name of a close code: the library's `CloseCode` name, or the range it falls in.
 * @param {Record<string, number>} closeCodes the library's `CloseCode` object
 * @param {number} code
 */
export function codeName(closeCodes, code) {
  for (const [name, value] of Object.entries(closeCodes)) if (value === code) return name;
  if (code >= 3000 && code <= 3999) return 'Registered (3000–3999)';
  if (code >= 4000 && code <= 4999) return 'Private use (4000–4999)';
  return 'Unknown';
}

/**
 * @param {MessageCatalog} catalog
 * @param {string} key
 * @param {{ code: number, attempts: number }} context
 * @returns {string | undefined} undefined when the catalogue has no such key
 */
export function renderText(catalog, key, context) {
  const text = /** @type {Record<string, import('../src/index').MessageText | undefined>} */ (catalog)[key];
  return typeof text === 'function' ? text(context) : text;
}

/**
 * The user-facing sentence for `close` in `catalog`, rendered at display time with the
 * library's own `describeClose`, so a language switch re-renders it exactly.
 * @param {(close: CloseInfo, catalog: MessageCatalog) => string} describeClose
 * @param {MessageCatalog} catalog
 * @param {CloseInfo} close
 */
export function closeText(describeClose, catalog, close) {
  return describeClose(close, catalog);
}

/** @param {number} t */
export function clock(t) {
  const d = new Date(t);
  const pad = (/** @type {number} */ n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * Creates an element with text content (never HTML).
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * The decision line of a close entry.
 * @param {typeof LABELS['en']} L
 * @param {Extract<Entry, { kind: 'close' }>} e
 */
export function decisionText(L, e) {
  const { action } = e.close;
  if (action === 'stop') return L.stop;
  if (action === 'refresh') return L.refresh;
  if (e.delay !== undefined) return L.reconnectIn(e.delay);
  if (e.waiting === 'offline') return L.whenOnline;
  if (e.waiting === 'suspended') return L.whenShown;
  if (e.waiting === 'now') return L.reconnectNow;
  return L.reconnect;
}

/**
 * Renders one timeline entry.
 * @param {Entry} e
 * @param {{ lang: Lang, catalog: MessageCatalog, describeClose: (close: CloseInfo, catalog: MessageCatalog) => string, closeCodes: Record<string, number> }} ctx
 * @returns {HTMLLIElement}
 */
export function renderEntry(e, ctx) {
  const L = LABELS[ctx.lang];
  const li = /** @type {HTMLLIElement} */ (el('li', `entry entry-${e.kind}`));
  li.dataset.kind = e.kind;
  li.dataset.id = String(e.id);
  li.append(el('time', 'at', clock(e.t)));
  const head = el('div', 'head');
  li.append(head);
  /** @param {string} cls @param {string} text */
  const tag = (cls, text) => {
    const span = el('span', cls, text);
    head.append(span, ' ');
    return span;
  };

  switch (e.kind) {
    case 'status': {
      li.dataset.status = e.status;
      tag('label', `${L.status} →`);
      tag('badge small', e.status).dataset.status = e.status;
      if (e.attempt) tag('muted', `${L.attempt} ${e.attempt}`);
      if (e.retryDelay !== null) tag('muted', `${L.retryIn} ${e.retryDelay} ms`);
      break;
    }
    case 'open':
      tag('label ok', L.open);
      tag('mono', e.url);
      break;
    case 'close': {
      const c = e.close;
      li.dataset.code = String(c.code);
      li.dataset.category = c.category;
      li.dataset.action = c.action;
      tag('label bad', L.close);
      tag('code', String(c.code));
      tag('code-name', codeName(ctx.closeCodes, c.code));
      tag('category tag', c.category);
      tag(`decision tag action-${c.action}`, decisionText(L, e));
      const dl = el('dl', 'close-details');
      /** @param {string} label @param {string} cls @param {string} text */
      const row = (label, cls, text) => {
        dl.append(el('dt', undefined, label));
        const dd = el('dd', cls);
        dd.append(['reason', 'server-message', 'reported'].includes(cls) ? untrusted('code', undefined, text) : el('span', undefined, text));
        dl.append(dd);
      };
      row(L.message, 'message', closeText(ctx.describeClose, ctx.catalog, c));
      row(L.reason, 'reason', c.reason === '' ? L.empty : c.reason);
      if (c.reason === '') dl.lastElementChild?.classList.add('empty');
      if (c.serverMessage !== undefined) row(L.serverMessage, 'server-message', c.serverMessage);
      if (c.retryAfter !== undefined) row(L.retryAfter, 'retry-after', `${c.retryAfter} ms`);
      // The client says when code and reason did not come straight from the close event.
      if (c.via) row(L.via, 'via', c.via === 'notice' ? L.viaNotice : L.viaRebuilt);
      if (c.reported) row(L.reported, 'reported', `${c.reported.code} ${JSON.stringify(c.reported.reason)}`);
      const details = [`${L.initiatedBy} ${c.initiatedBy}`, c.wasClean ? L.clean : L.unclean];
      if (c.duringConnect) details.push(L.duringConnect);
      row(L.details, 'details', details.join(' · '));
      li.append(dl);
      break;
    }
    case 'retry':
      tag('label', `${L.retry} #${e.attempt}`);
      tag('muted', L.reconnectIn(e.delay));
      break;
    case 'error':
      li.dataset.error = e.name;
      tag('label bad', L.error);
      tag('mono', e.name);
      li.append(el('p', 'error-text', e.message));
      break;
    case 'message':
      tag(e.direction === 'in' ? 'label ok' : 'label', e.direction === 'in' ? L.received : `${L.sent}${e.result ? ` (${e.result})` : ''}`);
      head.append(untrusted('code', 'payload', e.text));
      break;
    case 'refresh':
      if (e.error !== undefined) {
        tag('label bad', L.refreshFailed);
        head.append(el('span', 'mono', e.error));
      } else {
        tag('label ok', L.refreshed);
        head.append(el('code', 'token', e.token ?? ''));
      }
      break;
    case 'fault':
      tag('label fault', L.fault);
      tag('mono', e.label);
      if (e.detail) head.append(untrusted('code', 'fault-detail', e.detail));
      if (e.error) li.append(el('p', 'error-text', e.error));
      break;
    case 'network':
      li.dataset.online = String(e.online);
      tag(e.online ? 'label ok' : 'label bad', e.online ? L.online : L.offline);
      break;
    case 'drop':
      tag('label bad', L.drop);
      tag('mono', e.reason);
      head.append(untrusted('code', 'payload', e.text));
      break;
  }
  return li;
}

// ---- untrusted text -----------------------------------------------------------------------

/**
 * Untrusted text (close reasons, server messages, echoed data, server log entries) shown so it
 * cannot disguise itself: every control and format character — bidirectional overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F, U+061C), zero-width characters
 * (U+200B–U+200D, U+2060, U+FEFF), the soft hyphen, C0/C1 controls, line and paragraph
 * separators, and the invisible "filler" letters — becomes a visible escape such as ⟨U+202E⟩.
 * Without this, "abc\u202Egnp.exe" displays as "abcexe.png" and reverses the text around it.
 *
 * {@link segments} is pure (no DOM), so the React and Vue pages import it too and render the
 * segments as text children; the plain page uses {@link untrusted}. Never as HTML. The element
 * that holds them isolates its direction (`dir="auto"`, `unicode-bidi: isolate`), so
 * right-to-left text in a reason (Arabic, Hebrew) stays inside its box and cannot reorder the
 * labels beside it.
 */

/** Control (Cc), format (Cf), line/paragraph separators, and invisible letters used for spoofing. */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u034F\u115F\u1160\u17B4\u17B5\u180B-\u180F\u3164\uFFA0]/u;

/** Names of the characters people most often meet in spoofed text (shown as a tooltip). */
const NAMES = /** @type {Record<number, string>} */ ({
  0x00ad: 'SOFT HYPHEN',
  0x061c: 'ARABIC LETTER MARK',
  0x200b: 'ZERO WIDTH SPACE',
  0x200c: 'ZERO WIDTH NON-JOINER',
  0x200d: 'ZERO WIDTH JOINER',
  0x200e: 'LEFT-TO-RIGHT MARK',
  0x200f: 'RIGHT-TO-LEFT MARK',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2060: 'WORD JOINER',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
  0xfeff: 'ZERO WIDTH NO-BREAK SPACE (BOM)',
});

/**
 * @typedef {{ text: string, hidden?: undefined } | { text: string, hidden: { code: number, name: string } }} Segment
 */

/** `⟨U+202E⟩` for a code point. @param {number} code */
export const escapeOf = (code) => `⟨U+${code.toString(16).toUpperCase().padStart(4, '0')}⟩`;

/**
 * Splits untrusted text into plain runs and visible escapes of hidden characters.
 * @param {string} text
 * @returns {Segment[]}
 */
export function segments(text) {
  /** @type {Segment[]} */
  const out = [];
  let plain = '';
  for (const ch of text) {
    if (!HIDDEN.test(ch)) {
      plain += ch;
      continue;
    }
    if (plain) out.push({ text: plain });
    plain = '';
    const code = /** @type {number} */ (ch.codePointAt(0));
    out.push({ text: escapeOf(code), hidden: { code, name: NAMES[code] ?? 'control or format character' } });
  }
  if (plain) out.push({ text: plain });
  return out;
}

/**
 * The text as it is displayed: hidden characters replaced by their escapes.
 * @param {string} text
 */
export const visibleText = (text) =>
  segments(text)
    .map((s) => s.text)
    .join('');

/**
 * An element holding untrusted text: direction isolated (`dir="auto"`, `unicode-bidi: isolate`
 * in style.css) and every control or format character shown as a visible escape (⟨U+202E⟩, in
 * its own style, the character's name as a tooltip). Built with textContent only.
 * @param {string} tag
 * @param {string | undefined} className
 * @param {string} text
 */
export function untrusted(tag, className, text) {
  const node = el(tag, className ? `untrusted ${className}` : 'untrusted');
  node.dir = 'auto';
  for (const s of segments(text)) {
    if (!s.hidden) {
      node.append(s.text);
      continue;
    }
    const mark = el('span', 'hidden-char', s.text);
    mark.title = s.hidden.name;
    node.append(mark);
  }
  return node;
}
