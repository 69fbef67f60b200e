/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) and CRC-32C. GPT uses the standard form (initial
 * ~0, final inversion); LVM2 uses the same table with its own seed and no final inversion.
 */
function makeTable(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
const TABLE = makeTable(0xedb88320);
const TABLE_C = makeTable(0x82f63b78);

/** Feeds bytes into a running (non-inverted) CRC register. */
export function crc32Update(crc: number, data: Uint8Array): number {
  let c = crc >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** Standard CRC-32 as GPT headers and entry arrays store it. */
export function crc32(data: Uint8Array): number {
  return (crc32Update(0xffffffff, data) ^ 0xffffffff) >>> 0;
}

/** LVM2's calc_crc(): seed 0xf597a6cf, no final inversion. */
export const LVM_CRC_SEED = 0xf597a6cf;
export function lvmCrc(data: Uint8Array, seed = LVM_CRC_SEED): number {
  return crc32Update(seed, data);
}

/**
 * CRC-32C (Castagnoli) register after feeding `data`, no final inversion: ext4's
 * superblock checksum is crc32c(~0, sb[0..0x3fc]) stored as this raw register value.
 */
export function crc32cRaw(seed: number, data: Uint8Array): number {
  let c = seed >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE_C[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}
