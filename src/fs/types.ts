import type { BlockDevice } from '../disk/block-device.js';

export type FileType = 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket';

/** Opaque per-filesystem node reference (inode number, MFT record, "subvol:objectid"...). */
export type NodeRef = number | bigint | string;

export interface Stat {
  type: FileType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  /** Seconds since the epoch (integer part) and nanoseconds. */
  mtime: number;
  mtimeNs?: number;
  atime?: number;
  ctime?: number;
  /** Creation time where the filesystem records it. */
  btime?: number;
  /** Inode number or equivalent, for hard-link detection. */
  ino: number | bigint;
  /** Device numbers of char/block devices. */
  rdev?: { major: number; minor: number };
  /** Extra attributes a filesystem reports (NTFS reparse tag, compressed, ...). */
  flags?: string[];
}

export interface DirEntry {
  name: string;
  node: NodeRef;
  /** Type from the directory entry when the format records it (saves an inode read). */
  type?: FileType;
}

export interface StatFs {
  blockSize: number;
  totalBlocks: number;
  freeBlocks: number;
  totalInodes?: number;
  freeInodes?: number;
}

/**
 * A read-only filesystem driver, working on nodes. Path walking, symlink resolution and
 * mount assembly are done once, above the drivers (fs/vfs.ts), never in each driver.
 */
export interface FileSystemDriver {
  /** blkid-style type name: ext2|ext3|ext4|xfs|btrfs|vfat|exfat|ntfs. */
  readonly type: string;
  readonly label?: string | undefined;
  readonly uuid?: string | undefined;
  /** True for filesystems that compare names case-insensitively (NTFS, FAT, exFAT). */
  readonly caseInsensitive?: boolean;
  root(): Promise<NodeRef>;
  stat(node: NodeRef): Promise<Stat>;
  /** All entries except "." and "..". */
  readdir(dir: NodeRef): Promise<DirEntry[]>;
  /** Finds one name in a directory; drivers with indexed directories (htree, B-trees) do better than readdir. */
  lookup(dir: NodeRef, name: string): Promise<NodeRef | undefined>;
  /** Reads up to `length` bytes from `offset` (short only at end of file). Holes read as zeros. */
  read(node: NodeRef, offset: number, length: number): Promise<Uint8Array>;
  readlink(node: NodeRef): Promise<string>;
  statfs(): Promise<StatFs>;
  /** Extended attributes, name → value (empty when the filesystem has none). */
  xattrs(node: NodeRef): Promise<Map<string, Uint8Array>>;
  /** Problems found while opening that did not stop it (dirty journal, needs recovery...). */
  readonly warnings?: string[];
}

/** Options every driver accepts. */
export interface FsOpenOptions {
  /** btrfs: subvolume to use as root, by path ("@", "@home") or id ("subvolid=256"). */
  subvolume?: string;
}

export type FsOpener = (dev: BlockDevice, opts?: FsOpenOptions) => Promise<FileSystemDriver>;
