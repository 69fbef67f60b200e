import type { BlockDevice } from '../disk/block-device.js';
import { FileSystemError } from '../errors.js';
import type { FileSystemDriver, FsOpenOptions } from './types.js';
import { openExt4 } from './ext4/index.js';
import { openXfs } from './xfs/index.js';
import { openBtrfs } from './btrfs/index.js';
import { openFat } from './fat/index.js';
import { openExfat } from './exfat/index.js';
import { openNtfs } from './ntfs/index.js';

type Opener = (dev: BlockDevice, opts?: FsOpenOptions) => Promise<FileSystemDriver>;

/** blkid type name → driver. */
const OPENERS: Record<string, Opener> = {
  ext2: openExt4,
  ext3: openExt4,
  ext4: openExt4,
  xfs: openXfs,
  btrfs: openBtrfs,
  vfat: openFat,
  exfat: openExfat,
  ntfs: openNtfs,
};

/** Filesystem types guestguard can read files from. */
export const READABLE_FILESYSTEMS = Object.keys(OPENERS);

export function canOpen(fsType: string | undefined): boolean {
  return fsType !== undefined && fsType in OPENERS;
}

/** Opens a filesystem whose type a superblock probe already named. */
export async function openFileSystem(dev: BlockDevice, fsType: string, opts?: FsOpenOptions): Promise<FileSystemDriver> {
  const opener = OPENERS[fsType];
  if (!opener) {
    throw new FileSystemError('UNSUPPORTED_FILESYSTEM', `cannot read files from a ${fsType} volume (${dev.name})`, { path: dev.name });
  }
  return opener(dev, opts);
}
