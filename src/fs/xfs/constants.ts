/** On-disk constants of XFS (all multi-byte fields are big-endian). */

export const XFS_SB_MAGIC = 0x58465342; // "XFSB"
export const XFS_DINODE_MAGIC = 0x494e; // "IN"

// Superblock sb_versionnum bits.
export const SB_VERSION_NUMBITS = 0x000f;
export const SB_VERSION_SHAREDBIT = 0x0200;
export const SB_VERSION_DIRV2BIT = 0x2000;
export const SB_VERSION_BORGBIT = 0x4000; // ASCII-only case-insensitive names
export const SB_VERSION_MOREBITSBIT = 0x8000;
export const SB_VERSION_NLINKBIT = 0x0020;
// sb_features2 bits (v4).
export const SB_VERSION2_FTYPE = 0x0200;
export const SB_VERSION2_CRCBIT = 0x0100;
export const SB_VERSION2_OKBITS = 0x0002 | 0x0008 | 0x0080 | SB_VERSION2_FTYPE;

// v5 incompatible features.
export const INCOMPAT_FTYPE = 0x1;
export const INCOMPAT_SPINODES = 0x2;
export const INCOMPAT_META_UUID = 0x4;
export const INCOMPAT_BIGTIME = 0x8;
export const INCOMPAT_NEEDSREPAIR = 0x10;
export const INCOMPAT_NREXT64 = 0x20;
export const INCOMPAT_EXCHRANGE = 0x40;
export const INCOMPAT_PARENT = 0x80;
export const INCOMPAT_NAMES: Record<number, string> = {
  0x1: 'ftype',
  0x2: 'spinodes',
  0x4: 'meta_uuid',
  0x8: 'bigtime',
  0x10: 'needsrepair',
  0x20: 'nrext64',
  0x40: 'exchrange',
  0x80: 'parent',
  0x100: 'metadir',
  0x200: 'zoned',
};
/** Features that change nothing a reader of files sees, or that this driver decodes. */
export const INCOMPAT_SUPPORTED =
  INCOMPAT_FTYPE | INCOMPAT_SPINODES | INCOMPAT_META_UUID | INCOMPAT_BIGTIME | INCOMPAT_NEEDSREPAIR | INCOMPAT_NREXT64 | INCOMPAT_EXCHRANGE | INCOMPAT_PARENT;

// Inode data/attr fork formats.
export const FMT_DEV = 0;
export const FMT_LOCAL = 1;
export const FMT_EXTENTS = 2;
export const FMT_BTREE = 3;

// di_flags / di_flags2.
export const DIFLAG_REALTIME = 0x1;
export const DIFLAG_NAMES: [number, string][] = [
  [0x1, 'realtime'],
  [0x8, 'immutable'],
  [0x10, 'append'],
  [0x20, 'sync'],
  [0x40, 'noatime'],
  [0x80, 'nodump'],
];
export const DIFLAG2_DAX = 0x1;
export const DIFLAG2_REFLINK = 0x2;
export const DIFLAG2_BIGTIME = 0x8;
export const DIFLAG2_NREXT64 = 0x10;

// B+tree block magics.
export const BMAP_MAGIC = 0x424d4150; // "BMAP"
export const BMAP_CRC_MAGIC = 0x424d4133; // "BMA3"
export const BMBT_HDR_V4 = 24;
export const BMBT_HDR_V5 = 72;
/** Deep enough for 2^64 extents with the smallest blocks; anything deeper is corrupt. */
export const BMBT_MAX_LEVELS = 12;

// Directory v2/v3 blocks.
export const DIR2_BLOCK_MAGIC = 0x58443242; // "XD2B"
export const DIR2_DATA_MAGIC = 0x58443244; // "XD2D"
export const DIR3_BLOCK_MAGIC = 0x58444233; // "XDB3"
export const DIR3_DATA_MAGIC = 0x58444433; // "XDD3"
export const DIR2_LEAF1_MAGIC = 0xd2f1;
export const DIR2_LEAFN_MAGIC = 0xd2ff;
export const DIR3_LEAF1_MAGIC = 0x3df1;
export const DIR3_LEAFN_MAGIC = 0x3dff;
export const DA_NODE_MAGIC = 0xfebe;
export const DA3_NODE_MAGIC = 0x3ebe;
export const ATTR_LEAF_MAGIC = 0xfbee;
export const ATTR3_LEAF_MAGIC = 0x3bee;
export const ATTR3_RMT_MAGIC = 0x5841524d; // "XARM"
export const SYMLINK_MAGIC = 0x58534c4d; // "XSLM"

export const DIR2_DATA_FREE_TAG = 0xffff;
/** Byte offset in a directory's logical space where the hash index ("leaf") segment begins. */
export const DIR2_LEAF_OFFSET = 2 ** 35;
/** DA B-trees never exceed this depth (XFS_DA_NODE_MAXDEPTH). */
export const DA_NODE_MAXDEPTH = 5;

// Attribute entry flags.
export const ATTR_LOCAL = 0x1;
export const ATTR_ROOT = 0x2;
export const ATTR_SECURE = 0x4;
export const ATTR_PARENT = 0x8;
export const ATTR_INCOMPLETE = 0x80;
/** XFS_XATTR_SIZE_MAX: values are limited to 64 KiB. */
export const XATTR_SIZE_MAX = 65536;

export const SYMLINK_MAXLEN = 1024;
/** Size of the per-block header of v5 remote symlink and attribute-value blocks. */
export const REMOTE_HDR_V5 = 56;

// Directory entry file types.
export const FTYPE_NAMES = [undefined, 'file', 'dir', 'chardev', 'blockdev', 'fifo', 'socket', 'symlink'] as const;
