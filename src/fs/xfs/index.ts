import type { BlockDevice } from '../../disk/block-device.js';
import type { ContentProbe } from '../../volume/types.js';
import type { FileSystemDriver, FsOpenOptions } from '../types.js';
import { hasXfsMagic, parseSuperblock } from './superblock.js';
import { XfsFileSystem } from './xfs.js';

export { XfsFileSystem } from './xfs.js';
export { parseSuperblock, hasXfsMagic, type Superblock } from './superblock.js';

/** Opens an XFS filesystem (v4 or v5) for reading. */
export async function openXfs(dev: BlockDevice, _opts?: FsOpenOptions): Promise<FileSystemDriver> {
  return XfsFileSystem.open(dev);
}

/**
 * blkid-style probe: returns label/UUID when the device starts with a valid XFS superblock,
 * undefined when it is not XFS. A superblock with the XFS magic that fails validation is
 * still reported as xfs (with the problem in details) so that the user sees why it won't open.
 */
export async function probeXfs(dev: BlockDevice): Promise<ContentProbe | undefined> {
  if (dev.size < 512) return undefined;
  return probeXfsHead(await dev.read(0, 512));
}

/** Same as probeXfs, from the first 512 bytes of the device. */
export function probeXfsHead(head: Uint8Array): ContentProbe | undefined {
  if (!hasXfsMagic(head)) return undefined;
  try {
    const sb = parseSuperblock(head);
    const probe: ContentProbe = { fs: 'xfs', uuid: sb.uuid, details: { version: String(sb.version), blockSize: String(sb.blockSize) } };
    if (sb.label) probe.label = sb.label;
    return probe;
  } catch (err) {
    return { fs: 'xfs', details: { error: err instanceof Error ? err.message : String(err) } };
  }
}
