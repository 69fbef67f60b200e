/**
 * Registry name comparison: Windows compares key and value names case-insensitively by
 * upper-casing each UTF-16 code unit; lh subkey lists store a hash of that upper-cased name.
 */

const ASCII = /^[\x00-\x7f]*$/;

export function upcase(name: string): string {
  // ASCII upper-cases one unit to one unit (only a-z change): the built-in does exactly that.
  if (ASCII.test(name)) return name.toUpperCase();
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x80) {
      out += c >= 0x61 && c <= 0x7a ? String.fromCharCode(c - 32) : name[i];
    } else {
      // One unit in, one unit out (no "ß" → "SS"), like a per-character upcase table.
      const u = name[i]!.toUpperCase();
      out += u.length === 1 ? u : name[i];
    }
  }
  return out;
}

export function namesEqual(a: string, b: string): boolean {
  return a.length === b.length && (a === b || upcase(a) === upcase(b));
}

/** The lh list hash: h = 37 * h + code unit, over the upper-cased name. */
export function lhHash(name: string): number {
  const up = upcase(name);
  let h = 0;
  for (let i = 0; i < up.length; i++) h = (Math.imul(h, 37) + up.charCodeAt(i)) >>> 0;
  return h;
}

export function isAscii(s: string): boolean {
  return ASCII.test(s);
}

const UTF16 = new TextDecoder('utf-16le');
/** Code units per String.fromCharCode call (well below engines' argument limits). */
const LATIN1_CHUNK = 4096;

/** Names stored with the "compressed" flag are one byte per character (Latin-1), else UTF-16LE. */
export function decodeName(bytes: Uint8Array, compressed: boolean): string {
  if (compressed) {
    if (bytes.length <= LATIN1_CHUNK) return String.fromCharCode.apply(null, bytes as unknown as number[]);
    let s = '';
    for (let i = 0; i < bytes.length; i += LATIN1_CHUNK) s += String.fromCharCode.apply(null, bytes.subarray(i, i + LATIN1_CHUNK) as unknown as number[]);
    return s;
  }
  return UTF16.decode(bytes.subarray(0, bytes.length & ~1));
}
