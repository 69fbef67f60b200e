/** CRC-32C (Castagnoli), as btrfs uses for superblock/node checksums and directory name hashes. */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** The raw CRC register update (no pre/post inversion), like the kernel's crc32c(seed, ...). */
export function crc32cUpdate(seed: number, data: Uint8Array): number {
  let c = seed >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** Standard CRC-32C of a buffer (initial ~0, final inversion). */
export function crc32c(data: Uint8Array): number {
  return ~crc32cUpdate(0xffffffff, data) >>> 0;
}

/** btrfs_name_hash(): the key offset of DIR_ITEM and XATTR_ITEM entries. */
export function btrfsNameHash(name: Uint8Array): number {
  return crc32cUpdate(0xfffffffe, name);
}
