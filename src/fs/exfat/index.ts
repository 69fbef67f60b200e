/** exFAT filesystem: opener and blkid-style probe. */
import type { BlockDevice } from '../../disk/block-device.js';
import { GuestguardError } from '../../errors.js';
import type { ContentProbe } from '../../volume/types.js';
import type { FsOpenOptions } from '../types.js';
import { isExfatBootSector } from './boot.js';
import { ExfatFileSystem } from './driver.js';

export { ExfatFileSystem } from './driver.js';
export type { ExfatGeometry } from './boot.js';

export async function openExfat(dev: BlockDevice, _opts?: FsOpenOptions): Promise<ExfatFileSystem> {
  return ExfatFileSystem.open(dev);
}

/** Recognises exFAT and reports what blkid would: TYPE=exfat, LABEL, UUID "XXXX-XXXX", VERSION. */
export async function probeExfat(dev: BlockDevice): Promise<ContentProbe | undefined> {
  if (dev.size < 512) return undefined;
  try {
    if (!isExfatBootSector(await dev.read(0, 512))) return undefined;
    const fs = await ExfatFileSystem.open(dev);
    const rev = fs.geometry.revision;
    const probe: ContentProbe = { fs: 'exfat', uuid: fs.uuid, details: { version: `${rev >> 8}.${rev & 0xff}` } };
    if (fs.label !== undefined) probe.label = fs.label;
    return probe;
  } catch (err) {
    if (err instanceof GuestguardError) return undefined;
    throw err;
  }
}
