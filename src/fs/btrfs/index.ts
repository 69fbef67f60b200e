/**
 * Read-only btrfs: superblock mirrors, chunk profiles, B-trees, subvolumes and snapshots,
 * inline/regular/prealloc extents and holes, zlib/lzo/zstd compression.
 */
import type { BlockDevice } from '../../disk/block-device.js';
import type { FsOpenOptions } from '../types.js';
import type { ContentProbe } from '../../volume/types.js';
import { GuestguardError } from '../../errors.js';
import { FS_TREE_OBJECTID } from './constants.js';
import { BtrfsDriver } from './driver.js';
import { readSuperblock, hasBtrfsMagic } from './superblock.js';
import { resolveSubvolume } from './subvolumes.js';
import { BtrfsVolume, type VolumeOptions } from './volume.js';

export { BtrfsDriver } from './driver.js';
export type { SubvolumeInfo } from './subvolumes.js';

export interface BtrfsOpenOptions extends FsOpenOptions, VolumeOptions {}

/** Opens a btrfs filesystem showing the requested subvolume (default: the default subvolume). */
export async function openBtrfs(dev: BlockDevice, opts: BtrfsOpenOptions = {}): Promise<BtrfsDriver> {
  const vol = await BtrfsVolume.open(dev, opts);
  let defaultId = await vol.defaultSubvolume();
  if (defaultId !== FS_TREE_OBJECTID && !(await vol.fsTree(defaultId))) {
    // The kernel would refuse to mount; showing the top level is more useful to an inspector.
    vol.warnings.push(`default subvolume ${defaultId} does not exist; using the top level`);
    defaultId = FS_TREE_OBJECTID;
  }
  const id = opts.subvolume !== undefined && opts.subvolume !== '' ? await resolveSubvolume(vol, opts.subvolume, defaultId) : defaultId;
  return new BtrfsDriver(vol, await vol.requireFsTree(id), defaultId);
}

/** blkid-style probe: undefined when the device holds no valid btrfs superblock. */
export async function probeBtrfs(dev: BlockDevice): Promise<ContentProbe | undefined> {
  if (!(await hasBtrfsMagic(dev))) return undefined;
  try {
    const { sb } = await readSuperblock(dev);
    const probe: ContentProbe = {
      fs: 'btrfs',
      uuid: sb.fsid,
      details: { UUID_SUB: sb.devItem.uuid, devid: String(sb.devItem.devid), devices: String(sb.numDevices), generation: String(sb.generation) },
    };
    if (sb.label.length > 0) probe.label = sb.label;
    return probe;
  } catch (err) {
    if (err instanceof GuestguardError) return undefined;
    throw err;
  }
}
