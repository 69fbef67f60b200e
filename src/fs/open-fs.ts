import type { BlockDevice } from '../disk/block-device.js';
import { FileSystemError } from '../errors.js';
import type { FileSystemDriver, FsOpenOptions } from './types.js';

type Opener = (dev: BlockDevice, opts?: FsOpenOptions) => Promise<FileSystemDriver>;

// Each driver loads when a volume of its type is first opened: a process reading one ext4 guest
// need not compile the other five drivers (~70 modules).
const openExt4: Opener = async (dev, opts) => (await import('./ext4/index.js')).openExt4(dev, opts);

/** blkid type name → driver. */
const OPENERS: Record<string, Opener> = {
  ext2: openExt4,
  ext3: openExt4,
  ext4: openExt4,
  xfs: async (dev, opts) => (await import('./xfs/index.js')).openXfs(dev, opts),
  btrfs: async (dev, opts) => (await import('./btrfs/index.js')).openBtrfs(dev, opts),
  vfat: async (dev, opts) => (await import('./fat/index.js')).openFat(dev, opts),
  exfat: async (dev, opts) => (await import('./exfat/index.js')).openExfat(dev, opts),
  ntfs: async (dev, opts) => (await import('./ntfs/index.js')).openNtfs(dev, opts),
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
