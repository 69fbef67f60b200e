/**
 * Sector-bitmap run scanning, shared by VHD (most significant bit first) and VHDX (least
 * significant bit first). Returns how many bits starting at `start` have the same value, so a
 * read maps to one extent per run instead of one per sector.
 */
export function bitRun(bitmap: Uint8Array, start: number, maxBits: number, msbFirst: boolean): { set: boolean; count: number } {
  const bit = (i: number): boolean => {
    const byte = bitmap[i >>> 3] ?? 0;
    return ((msbFirst ? byte >>> (7 - (i & 7)) : byte >>> (i & 7)) & 1) === 1;
  };
  const set = bit(start);
  const end = Math.min(start + maxBits, bitmap.length * 8);
  const whole = set ? 0xff : 0x00;
  let i = start + 1;
  while (i < end) {
    // Skip whole bytes of the same value; the common case is long runs.
    if ((i & 7) === 0 && i + 8 <= end && bitmap[i >>> 3] === whole) {
      i += 8;
      continue;
    }
    if (bit(i) !== set) break;
    i++;
  }
  return { set, count: Math.max(1, i - start) };
}
