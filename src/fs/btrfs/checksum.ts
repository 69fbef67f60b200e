import { createHash } from 'node:crypto';
import { CSUM_CRC32C, CSUM_SHA256, CSUM_XXHASH } from './constants.js';
import { crc32c } from './crc32c.js';
import { xxhash64 } from './xxhash64.js';

export const CSUM_NAMES: Record<number, string> = { 0: 'crc32c', 1: 'xxhash64', 2: 'sha256', 3: 'blake2b' };

/** True when this reader can verify checksums of the given type (blake2b is not implemented). */
export function canVerify(csumType: number): boolean {
  return csumType === CSUM_CRC32C || csumType === CSUM_XXHASH || csumType === CSUM_SHA256;
}

/**
 * Checks the checksum in the first 32 bytes of a superblock or tree block against the rest.
 * Returns true when it matches (or the type cannot be verified).
 */
export function checksumMatches(csumType: number, block: Uint8Array): boolean {
  const body = block.subarray(32);
  const stored = block.subarray(0, 32);
  const dv = new DataView(block.buffer, block.byteOffset, 32);
  switch (csumType) {
    case CSUM_CRC32C:
      return dv.getUint32(0, true) === crc32c(body);
    case CSUM_XXHASH:
      return dv.getBigUint64(0, true) === xxhash64(body);
    case CSUM_SHA256: {
      const h = createHash('sha256').update(body).digest();
      for (let i = 0; i < 32; i++) if (h[i] !== stored[i]) return false;
      return true;
    }
    default:
      return true;
  }
}
