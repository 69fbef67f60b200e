/**
 * Name handling shared by the FAT and exFAT drivers: OEM (code page 437) short names, the VFAT
 * long-name checksum, UTF-16 unit decoding and case folding for lookups.
 */

/** Code page 437 bytes 0x80-0xFF, the kernel's default "codepage=437" for short names. */
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

export function decodeCp437(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80]!;
  return s;
}

/** NT "lowercase" flags in byte 12 of a short entry (how Windows keeps "readme.txt" without an LFN). */
export const NT_LOWER_BASE = 0x08;
export const NT_LOWER_EXT = 0x10;

/**
 * Formats an 11-byte 8.3 name ("README  TXT" → "README.TXT"), honouring the NT lowercase flags.
 * A leading 0x05 stands for 0xE5 (0xE5 itself marks deleted entries).
 */
export function formatShortName(raw: Uint8Array, ntFlags: number): string {
  const bytes = Uint8Array.from(raw.subarray(0, 11));
  if (bytes[0] === 0x05) bytes[0] = 0xe5;
  let base = decodeCp437(bytes.subarray(0, 8)).replace(/ +$/, '');
  let ext = decodeCp437(bytes.subarray(8, 11)).replace(/ +$/, '');
  if (ntFlags & NT_LOWER_BASE) base = base.toLowerCase();
  if (ntFlags & NT_LOWER_EXT) ext = ext.toLowerCase();
  return ext.length > 0 ? `${base}.${ext}` : base;
}

/** The checksum of the 11 stored short-name bytes that every LFN entry of its set repeats. */
export function lfnChecksum(raw: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < 11; i++) sum = (((sum & 1) << 7) + (sum >> 1) + raw[i]!) & 0xff;
  return sum;
}

/** UTF-16 code units → string; unpaired surrogates become U+FFFD as they would in UTF-8 output. */
export function utf16UnitsToString(units: ArrayLike<number>, count = units.length): string {
  let s = '';
  for (let i = 0; i < count; i++) {
    const u = units[i]!;
    if (u >= 0xd800 && u <= 0xdbff) {
      const next = i + 1 < count ? units[i + 1]! : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        s += String.fromCharCode(u, next);
        i++;
        continue;
      }
      s += '\ufffd';
    } else if (u >= 0xdc00 && u <= 0xdfff) {
      s += '\ufffd';
    } else {
      s += String.fromCharCode(u);
    }
  }
  return s;
}

/**
 * Upper-cases one UTF-16 unit with a simple (one unit to one unit) mapping, as the FAT and
 * exFAT up-case rules do; characters whose upper case would change length stay as they are.
 */
export function simpleUpperUnit(u: number): number {
  if (u < 0x61) return u;
  if (u <= 0x7a) return u - 0x20;
  if (u < 0x80 || (u >= 0xd800 && u <= 0xdfff)) return u;
  const up = String.fromCharCode(u).toUpperCase();
  return up.length === 1 ? up.charCodeAt(0) : u;
}

/** The key lookups compare: the name upper-cased unit by unit. */
export function foldName(name: string, upper: (unit: number) => number = simpleUpperUnit): string {
  let s = '';
  for (let i = 0; i < name.length; i++) s += String.fromCharCode(upper(name.charCodeAt(i)));
  return s;
}

/** Names a directory may not hand to path walking: empty, ".", "..", or containing "/" or NUL. */
export function isUsableName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}
