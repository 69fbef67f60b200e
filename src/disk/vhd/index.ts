/** VHD format module: probe + open. */
import type { FormatModule } from '../formats.js';
import { DISK_DIFFERENCING, DISK_DYNAMIC, DISK_FIXED, hasCookie } from './footer.js';
import { VhdImage } from './vhd-image.js';

export { VhdImage, type VhdKind } from './vhd-image.js';

function plausibleType(b: Uint8Array, at: number): boolean {
  if (b.length < at + 64) return false;
  const t = ((b[at + 60]! << 24) | (b[at + 61]! << 16) | (b[at + 62]! << 8) | b[at + 63]!) >>> 0;
  return t === DISK_FIXED || t === DISK_DYNAMIC || t === DISK_DIFFERENCING;
}

export const vhdFormat: FormatModule = {
  name: 'vhd',
  /**
   * Dynamic/differencing images start with a footer copy; fixed ones are raw data with the
   * footer in the last 512 bytes (or 511 for legacy Virtual PC). The tail signature alone could
   * occur in raw data, so there the disk type must be plausible too.
   */
  probe(head, tail) {
    if (hasCookie(head, 0)) return true;
    if (tail.length === 512 && hasCookie(tail, 0) && plausibleType(tail, 0)) return true;
    return tail.length === 512 && hasCookie(tail, 1) && plausibleType(tail, 1);
  },
  open: (file, ctx) => VhdImage.open(file, ctx),
};
