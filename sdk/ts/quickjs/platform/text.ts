/**
 * @module rusm/guest/quickjs/platform/text
 * UTF-8 both ways, `TextEncoder` and `TextDecoder` (utf-8 only).
 */
import { g } from "./global.js";

export function utf8(s: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new Uint8Array(out);
}
export function fromUtf8(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length;) {
    const c = b[i++]!;
    let cp = 0xfffd;
    if (c < 0x80) cp = c;
    else if (c >= 0xc0 && c < 0xe0 && i < b.length) cp = ((c & 31) << 6) | (b[i++]! & 63);
    else if (c >= 0xe0 && c < 0xf0 && i + 1 < b.length)
      cp = ((c & 15) << 12) | ((b[i++]! & 63) << 6) | (b[i++]! & 63);
    else if (c >= 0xf0 && i + 2 < b.length)
      cp = ((c & 7) << 18) | ((b[i++]! & 63) << 12) | ((b[i++]! & 63) << 6) | (b[i++]! & 63);
    s += String.fromCodePoint(cp);
  }
  return s;
}
class PTextEncoder {
  readonly encoding = "utf-8";
  encode(s = ""): Uint8Array {
    return utf8(String(s));
  }
}
class PTextDecoder {
  readonly encoding = "utf-8";
  decode(b?: ArrayBuffer | ArrayBufferView): string {
    if (b === undefined) return "";
    const bytes = ArrayBuffer.isView(b)
      ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength)
      : new Uint8Array(b);
    return fromUtf8(bytes);
  }
}
g["TextEncoder"] = PTextEncoder;
g["TextDecoder"] = PTextDecoder;
