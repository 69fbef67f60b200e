/**
 * Update sequence array ("multi-sector transfer protection") of MFT and index records: the
 * last two bytes of every 512-byte stride hold the update sequence number, and the real bytes
 * live in the array. A stride whose number does not match was torn or damaged.
 */
import { latin1 } from '../../util/binary.js';
import { FIXUP_STRIDE } from './constants.js';
import { corrupt, view } from './errors.js';

/**
 * Checks the magic and applies the fixups to `buf` in place (callers pass a private copy).
 * `structure` names the record for errors ("MFT record 42"), `offset` is its device offset.
 */
export function applyFixups(buf: Uint8Array, magic: string, structure: string, offset: number): void {
  const v = view(buf, structure, offset);
  const found = latin1(v.slice(0, 4));
  if (found !== magic) {
    const what = found === 'BAAD' ? 'is marked bad ("BAAD")' : `has magic ${JSON.stringify(found)}, expected "${magic}"`;
    throw corrupt(`record ${what}`, structure, offset);
  }
  const usaOffset = v.u16le(4);
  const usaCount = v.u16le(6);
  const strides = buf.length / FIXUP_STRIDE;
  if (usaCount !== strides + 1) {
    throw corrupt(`update sequence array has ${usaCount} entries; a ${buf.length}-byte record needs ${strides + 1}`, structure, offset + 6);
  }
  if (usaOffset & 1 || usaOffset < 8 || usaOffset + usaCount * 2 > FIXUP_STRIDE - 2) {
    throw corrupt(`update sequence array offset ${usaOffset} is invalid`, structure, offset + 4);
  }
  const usn = v.u16le(usaOffset);
  for (let i = 0; i < strides; i++) {
    const end = (i + 1) * FIXUP_STRIDE - 2;
    if (v.u16le(end) !== usn) {
      throw corrupt(`update sequence number mismatch in sector ${i} (torn or damaged write)`, structure, offset + end);
    }
    buf[end] = buf[usaOffset + 2 + i * 2]!;
    buf[end + 1] = buf[usaOffset + 3 + i * 2]!;
  }
}
