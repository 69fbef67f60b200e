/** On-disk constants of NTFS 1.2–3.1 (names follow the Linux-NTFS documentation). */

/** Fixed-up blocks ("multi-sector transfer") are protected in 512-byte strides whatever the sector size. */
export const FIXUP_STRIDE = 512;

// Well-known MFT record numbers.
export const MFT_RECORD_MFT = 0;
export const MFT_RECORD_VOLUME = 3;
export const MFT_RECORD_ROOT = 5;
export const MFT_RECORD_BITMAP = 6;
export const MFT_RECORD_UPCASE = 10;
/** Records below this are metadata files; ntfs-3g hides them from directory listings. */
export const FIRST_USER_RECORD = 16;

// MFT record header flags.
export const MFT_RECORD_IN_USE = 0x0001;
export const MFT_RECORD_IS_DIRECTORY = 0x0002;

// Attribute types.
export const AT_STANDARD_INFORMATION = 0x10;
export const AT_ATTRIBUTE_LIST = 0x20;
export const AT_FILE_NAME = 0x30;
export const AT_OBJECT_ID = 0x40;
export const AT_SECURITY_DESCRIPTOR = 0x50;
export const AT_VOLUME_NAME = 0x60;
export const AT_VOLUME_INFORMATION = 0x70;
export const AT_DATA = 0x80;
export const AT_INDEX_ROOT = 0x90;
export const AT_INDEX_ALLOCATION = 0xa0;
export const AT_BITMAP = 0xb0;
export const AT_REPARSE_POINT = 0xc0;
export const AT_EA_INFORMATION = 0xd0;
export const AT_EA = 0xe0;
export const AT_END = 0xffffffff;

// Attribute header flags.
export const ATTR_COMPRESSION_MASK = 0x00ff;
export const ATTR_IS_ENCRYPTED = 0x4000;
export const ATTR_IS_SPARSE = 0x8000;

// File attribute flags ($STANDARD_INFORMATION, $FILE_NAME, index keys).
export const FILE_ATTR_READONLY = 0x0001;
export const FILE_ATTR_HIDDEN = 0x0002;
export const FILE_ATTR_SYSTEM = 0x0004;
export const FILE_ATTR_ARCHIVE = 0x0020;
export const FILE_ATTR_TEMPORARY = 0x0100;
export const FILE_ATTR_SPARSE_FILE = 0x0200;
export const FILE_ATTR_REPARSE_POINT = 0x0400;
export const FILE_ATTR_COMPRESSED = 0x0800;
export const FILE_ATTR_OFFLINE = 0x1000;
export const FILE_ATTR_NOT_CONTENT_INDEXED = 0x2000;
export const FILE_ATTR_ENCRYPTED = 0x4000;
/** Set in $FILE_NAME / index keys of directories ("has an $I30 index"). */
export const FILE_ATTR_I30_INDEX_PRESENT = 0x10000000;

// $FILE_NAME namespaces.
export const FILE_NAME_POSIX = 0;
export const FILE_NAME_WIN32 = 1;
export const FILE_NAME_DOS = 2;
export const FILE_NAME_WIN32_AND_DOS = 3;

// Index entry flags and index header flags.
export const INDEX_ENTRY_NODE = 0x01;
export const INDEX_ENTRY_END = 0x02;
export const INDEX_NODE_LARGE = 0x01;
export const COLLATION_FILE_NAME = 0x01;

// $VOLUME_INFORMATION flags.
export const VOLUME_IS_DIRTY = 0x0001;

// Reparse tags.
export const IO_REPARSE_TAG_MOUNT_POINT = 0xa0000003;
export const IO_REPARSE_TAG_SYMLINK = 0xa000000c;
export const IO_REPARSE_TAG_LX_SYMLINK = 0xa000001d;
export const IO_REPARSE_TAG_AF_UNIX = 0x80000023;
export const IO_REPARSE_TAG_LX_FIFO = 0x80000024;
export const IO_REPARSE_TAG_LX_CHR = 0x80000025;
export const IO_REPARSE_TAG_LX_BLK = 0x80000026;
/** SYMLINK_REPARSE_DATA flag: the target is relative. */
export const SYMLINK_FLAG_RELATIVE = 1;

/** NTFS timestamps count 100 ns intervals since 1601-01-01; this many lie before 1970. */
export const NTFS_EPOCH_OFFSET = 116444736000000000n;

// Sanity limits for untrusted sizes.
export const MAX_CLUSTER_SIZE = 2 * 1024 * 1024;
export const MAX_RECORD_SIZE = 64 * 1024;
/** ntfs-3g refuses larger attribute lists too. */
export const MAX_ATTRIBUTE_LIST = 256 * 1024;
/** Extension records one file may use. */
export const MAX_EXTENSION_RECORDS = 4096;
/** Runs one attribute may have in total (all extents). */
export const MAX_RUNS = 2_000_000;
/** B+tree depth of a directory index (real trees stay below ~6). */
export const MAX_INDEX_DEPTH = 32;
/** Entries a single directory listing may hold. */
export const MAX_DIR_ENTRIES = 20_000_000;
/** Reparse data is limited to 16 KiB by Windows. */
export const MAX_REPARSE_SIZE = 16 * 1024;
/** $EA values are limited to 64 KiB by Windows. */
export const MAX_EA_SIZE = 64 * 1024;
