/** btrfs uses CRC-32C for superblock/node checksums and directory name hashes. */
import { crc32cUpdate } from '../../util/crc32c.js';

export { crc32c, crc32cUpdate } from '../../util/crc32c.js';

/** btrfs_name_hash(): the key offset of DIR_ITEM and XATTR_ITEM entries. */
export function btrfsNameHash(name: Uint8Array): number {
  return crc32cUpdate(0xfffffffe, name);
}
