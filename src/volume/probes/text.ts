/** String decoding shared by the superblock probes, matching how blkid prints labels. */

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes up to the first NUL. */
export function untilNul(b: Uint8Array): Uint8Array {
  const end = b.indexOf(0);
  return end < 0 ? b : b.subarray(0, end);
}

/** blkid strips trailing whitespace from labels; an empty label is no label. */
export function cleanLabel(s: string): string | undefined {
  const t = s.replace(/[\s\0]+$/u, '');
  return t.length > 0 ? t : undefined;
}

/** A NUL-terminated byte label: UTF-8 when valid, else Latin-1 (blkid passes raw bytes). */
export function byteLabel(b: Uint8Array): string | undefined {
  const raw = untilNul(b);
  let s: string;
  try {
    s = utf8.decode(raw);
  } catch {
    s = Array.from(raw, (c) => String.fromCharCode(c)).join('');
  }
  return cleanLabel(s);
}

/** A UTF-16 label (LE or BE), cut at the first NUL code unit. */
export function utf16Label(b: Uint8Array, bigEndian = false): string | undefined {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) {
    const u = bigEndian ? (b[i]! << 8) | b[i + 1]! : b[i]! | (b[i + 1]! << 8);
    if (u === 0) break;
    s += String.fromCharCode(u);
  }
  return cleanLabel(s);
}

/** Uppercase hex of bytes in the given order. */
export function hexUpper(bytes: ArrayLike<number>): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('').toUpperCase();
}
