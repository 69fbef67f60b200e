/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), used by VHDX, ext4/jbd2 and btrfs.
 * Slicing-by-4 keeps 64 KiB region tables, log scans and metadata blocks cheap.
 */
const TABLES: Uint32Array[] = (() => {
  const t0 = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t0[i] = c >>> 0;
  }
  const tables = [t0];
  for (let s = 1; s < 4; s++) {
    const prev = tables[s - 1]!;
    const t = new Uint32Array(256);
    for (let i = 0; i < 256; i++) t[i] = (prev[i]! >>> 8) ^ t0[prev[i]! & 0xff]!;
    tables.push(t);
  }
  return tables;
})();

/**
 * Continues a CRC-32C over `data`. `crc` is the running value as returned by a previous call
 * (start with 0); the result is final (already inverted), so calls chain naturally.
 */
export function crc32c(data: Uint8Array, crc = 0): number {
  const [t0, t1, t2, t3] = TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = ~crc >>> 0;
  let i = 0;
  const n4 = data.length & ~3;
  for (; i < n4; i += 4) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c = t3[c & 0xff]! ^ t2[(c >>> 8) & 0xff]! ^ t1[(c >>> 16) & 0xff]! ^ t0[c >>> 24]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32C of a structure whose 4-byte little-endian checksum field at `fieldOffset` counts as zero. */
export function crc32cWithZeroedField(data: Uint8Array, fieldOffset: number): number {
  let crc = crc32c(data.subarray(0, fieldOffset));
  crc = crc32c(new Uint8Array(4), crc);
  return crc32c(data.subarray(fieldOffset + 4), crc);
}

/**
 * The raw register update with no implicit inversion, as ext4, jbd2 and btrfs define their
 * checksums (the caller passes the seed, usually ~0).
 */
export function crc32cUpdate(seed: number, data: Uint8Array): number {
  return ~crc32c(data, ~seed >>> 0) >>> 0;
}
