import { fail } from './errors.js';

/** What can go on the wire: the types `WebSocket.send()` accepts. */
export type WireData = string | ArrayBuffer | ArrayBufferView | Blob;

/** What arrives from the wire. */
export type RawMessage = string | ArrayBuffer | Blob;

/**
 * Turns application messages into frames and back. `decode` may throw: the client reports a
 * `DecodeError` (with the raw data) and keeps the connection.
 */
export interface Codec<Incoming, Outgoing> {
  encode(message: Outgoing): WireData;
  decode(data: RawMessage): Incoming;
  /** `binaryType` to set on each socket (the client's `binaryType` option wins). */
  readonly binaryType?: BinaryType;
}

/** Built-in codec names. */
export type CodecName = 'text' | 'json' | 'binary';

const isBinary = (d: unknown): d is ArrayBuffer | ArrayBufferView | Blob =>
  d instanceof ArrayBuffer ||
  ArrayBuffer.isView(d) ||
  (typeof Blob !== 'undefined' && d instanceof Blob);

/** Text frames as strings, binary frames passed through; sends strings and binary as given. */
export const textCodec: Codec<RawMessage, WireData> = {
  encode(m) {
    if (typeof m === 'string' || isBinary(m)) return m;
    throw fail('EncodeError', 'The text codec sends strings and binary data only; use codec: "json" for objects.', {
      data: m,
    });
  },
  decode: (d) => d,
};

/** JSON: objects in, objects out (text frames). A binary frame is a decode error. */
export const jsonCodec: Codec<unknown, unknown> = {
  encode(m) {
    let text: string | undefined;
    try {
      text = JSON.stringify(m);
    } catch (cause) {
      throw fail('EncodeError', 'The message could not be encoded as JSON.', { cause, data: m });
    }
    if (text === undefined) throw fail('EncodeError', 'The message has no JSON form (undefined or a function).', { data: m });
    return text;
  },
  decode(d) {
    if (typeof d !== 'string') throw new TypeError('Received a binary frame; the JSON codec expects text.');
    return JSON.parse(d) as unknown;
  },
};

/** Binary only: `ArrayBuffer` (or `Blob` with `binaryType: 'blob'`) in and out. */
export const binaryCodec: Codec<ArrayBuffer | Blob, ArrayBuffer | ArrayBufferView | Blob> = {
  encode(m) {
    if (isBinary(m)) return m;
    throw fail('EncodeError', 'The binary codec sends ArrayBuffer, typed arrays or Blob only.', { data: m });
  },
  decode(d) {
    if (typeof d === 'string') throw new TypeError('Received a text frame; the binary codec expects binary frames.');
    return d;
  },
};

export const CODECS: Readonly<Record<CodecName, Codec<unknown, unknown>>> = {
  text: textCodec as Codec<unknown, unknown>,
  json: jsonCodec,
  binary: binaryCodec as Codec<unknown, unknown>,
};

/** UTF-8 length of a string without allocating (lone surrogates count 3 bytes, as U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The longest prefix of `items` (a string's code points, or its grapheme clusters) whose UTF-8
 * length is at most `budget` bytes: never cut inside an item.
 */
export function fitUtf8(items: Iterable<string>, budget: number): string {
  let out = '';
  let bytes = 0;
  for (const item of items) {
    const n = utf8Length(item);
    if (bytes + n > budget) break;
    out += item;
    bytes += n;
  }
  return out;
}

/** Bytes a frame will carry (payload only, as `bufferedAmount` counts). */
export const byteLength = (d: WireData): number =>
  typeof d === 'string' ? utf8Length(d) : d instanceof ArrayBuffer || ArrayBuffer.isView(d) ? d.byteLength : d.size;
