/** On-disk constants of btrfs (see the kernel's include/uapi/linux/btrfs_tree.h). */

export const SUPERBLOCK_SIZE = 4096;
/** Primary superblock and its mirrors: 64 KiB, 64 MiB, 256 GiB. */
export const SUPERBLOCK_OFFSETS = [0x10000, 0x4000000, 0x4000000000] as const;
export const MAGIC = '_BHRfS_M';
export const HEADER_SIZE = 101;
export const KEY_SIZE = 17;
export const LEAF_ITEM_SIZE = 25;
export const KEY_PTR_SIZE = 33;
export const MAX_LEVEL = 8;

// Item key types.
export const INODE_ITEM_KEY = 1;
export const INODE_REF_KEY = 12;
export const INODE_EXTREF_KEY = 13;
export const XATTR_ITEM_KEY = 24;
export const DIR_ITEM_KEY = 84;
export const DIR_INDEX_KEY = 96;
export const EXTENT_DATA_KEY = 108;
export const ROOT_ITEM_KEY = 132;
export const ROOT_BACKREF_KEY = 144;
export const ROOT_REF_KEY = 156;
export const DEV_ITEM_KEY = 216;
export const CHUNK_ITEM_KEY = 228;

// Object ids.
export const ROOT_TREE_OBJECTID = 1n;
export const CHUNK_TREE_OBJECTID = 3n;
export const DEV_ITEMS_OBJECTID = 1n;
export const FS_TREE_OBJECTID = 5n;
export const ROOT_TREE_DIR_OBJECTID = 6n;
/** The inode number the kernel shows for a subvolume a snapshot did not include. */
export const EMPTY_SUBVOL_DIR_OBJECTID = 2n;
export const FIRST_FREE_OBJECTID = 256n;
export const LAST_FREE_OBJECTID = 2n ** 64n - 256n;
export const FIRST_CHUNK_TREE_OBJECTID = 256n;
export const U64_MAX = 2n ** 64n - 1n;

// Chunk type / profile bits.
export const BLOCK_GROUP_DATA = 1n << 0n;
export const BLOCK_GROUP_SYSTEM = 1n << 1n;
export const BLOCK_GROUP_METADATA = 1n << 2n;
export const BLOCK_GROUP_RAID0 = 1n << 3n;
export const BLOCK_GROUP_RAID1 = 1n << 4n;
export const BLOCK_GROUP_DUP = 1n << 5n;
export const BLOCK_GROUP_RAID10 = 1n << 6n;
export const BLOCK_GROUP_RAID5 = 1n << 7n;
export const BLOCK_GROUP_RAID6 = 1n << 8n;
export const BLOCK_GROUP_RAID1C3 = 1n << 9n;
export const BLOCK_GROUP_RAID1C4 = 1n << 10n;

// Incompat feature bits this reader understands.
export const INCOMPAT_METADATA_UUID = 1n << 10n;
export const INCOMPAT_EXTENT_TREE_V2 = 1n << 13n;
export const INCOMPAT_RAID_STRIPE_TREE = 1n << 14n;
export const INCOMPAT_KNOWN =
  (1n << 0n) | // mixed backref
  (1n << 1n) | // default subvol
  (1n << 2n) | // mixed groups
  (1n << 3n) | // lzo
  (1n << 4n) | // zstd
  (1n << 5n) | // big metadata
  (1n << 6n) | // extended iref
  (1n << 7n) | // raid56
  (1n << 8n) | // skinny metadata
  (1n << 9n) | // no holes
  INCOMPAT_METADATA_UUID |
  (1n << 11n) | // raid1c34
  (1n << 12n) | // zoned (layout of trees and chunks is unchanged for reading)
  (1n << 16n); // simple quota

// Checksum types.
export const CSUM_CRC32C = 0;
export const CSUM_XXHASH = 1;
export const CSUM_SHA256 = 2;
export const CSUM_BLAKE2 = 3;

// File extent types and compression.
export const FILE_EXTENT_INLINE = 0;
export const FILE_EXTENT_REG = 1;
export const FILE_EXTENT_PREALLOC = 2;
export const COMPRESS_NONE = 0;
export const COMPRESS_ZLIB = 1;
export const COMPRESS_LZO = 2;
export const COMPRESS_ZSTD = 3;
/** The kernel never compresses more than 128 KiB into one extent. */
export const MAX_UNCOMPRESSED = 128 * 1024;

// Root item flags.
export const ROOT_SUBVOL_RDONLY = 1n << 0n;
