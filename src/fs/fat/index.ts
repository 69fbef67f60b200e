/** FAT12/16/32 (VFAT) filesystem: opener and blkid-style probe. */
import type { BlockDevice } from '../../disk/block-device.js';
import { GuestguardError } from '../../errors.js';
import type { ContentProbe } from '../../volume/types.js';
import type { FileSystemDriver, FsOpenOptions } from '../types.js';
import { looksLikeFat } from './bpb.js';
import { FatFileSystem } from './driver.js';

export { FatFileSystem } from './driver.js';
export type { FatGeometry, FatBits } from './bpb.js';
export type { ClusterMap, Run } from './chain.js';

export async function openFat(dev: BlockDevice, _opts?: FsOpenOptions): Promise<FileSystemDriver & FatFileSystem> {
  return FatFileSystem.open(dev);
}

/**
 * Recognises a FAT boot sector and reports what blkid would: TYPE=vfat, LABEL (root directory
 * label entry first, then the boot sector), UUID "XXXX-XXXX" and VERSION FAT12/FAT16/FAT32.
 */
export async function probeFat(dev: BlockDevice): Promise<ContentProbe | undefined> {
  if (dev.size < 512) return undefined;
  let head: Uint8Array;
  try {
    head = await dev.read(0, 512);
  } catch (err) {
    if (err instanceof GuestguardError) return undefined;
    throw err;
  }
  if (!looksLikeFat(head)) return undefined;
  let fs: FatFileSystem;
  try {
    fs = await FatFileSystem.open(dev);
  } catch (err) {
    if (err instanceof GuestguardError) return undefined;
    throw err;
  }
  const probe: ContentProbe = { fs: 'vfat', details: { version: `FAT${fs.fatBits}` } };
  if (fs.label !== undefined) probe.label = fs.label;
  if (fs.uuid !== undefined) probe.uuid = fs.uuid;
  return probe;
}
