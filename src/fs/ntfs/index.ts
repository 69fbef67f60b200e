/** NTFS (read-only): opener and blkid-style probe. */
import type { BlockDevice } from '../../disk/block-device.js';
import { GuestguardError } from '../../errors.js';
import type { ContentProbe } from '../../volume/types.js';
import type { FileSystemDriver, FsOpenOptions } from '../types.js';
import { looksLikeNtfs } from './boot.js';
import { NtfsFileSystem, type NtfsOpenOptions } from './driver.js';

export { NtfsFileSystem } from './driver.js';
export type { NtfsOpenOptions, NodeLayout } from './driver.js';
export type { NtfsBoot } from './boot.js';

export async function openNtfs(dev: BlockDevice, opts: FsOpenOptions & NtfsOpenOptions = {}): Promise<FileSystemDriver & NtfsFileSystem> {
  return NtfsFileSystem.open(dev, opts);
}

/**
 * Recognises NTFS and reports what blkid would: TYPE=ntfs, LABEL from $Volume and UUID = the
 * 64-bit volume serial as 16 uppercase hex digits. Undefined when the device is not (readable) NTFS.
 */
export async function probeNtfs(dev: BlockDevice): Promise<ContentProbe | undefined> {
  if (dev.size < 512) return undefined;
  try {
    if (!looksLikeNtfs(await dev.read(0, 512))) return undefined;
    const fs = await NtfsFileSystem.open(dev);
    const probe: ContentProbe = { fs: 'ntfs', uuid: fs.uuid };
    if (fs.label !== undefined && fs.label !== '') probe.label = fs.label;
    return probe;
  } catch (err) {
    if (err instanceof GuestguardError) return undefined;
    throw err;
  }
}
