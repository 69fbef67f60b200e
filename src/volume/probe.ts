/**
 * blkid-like content identification: which filesystem, container or RAID/LVM/crypto member
 * a volume holds, with its label and UUID formatted exactly as `blkid -p -o export` prints
 * them. Probes run in priority order (RAID and containers before filesystems, as blkid
 * resolves overlaps) and only read the few sectors each superblock needs.
 */
import { VolumeError } from '../errors.js';
import type { BlockDevice } from '../disk/block-device.js';
import type { ContentProbe } from './types.js';
import { ProbeReader, type Probe } from './probes/reader.js';
import { probeMd } from './probes/md.js';
import { probeLvm } from './probes/lvm.js';
import { probeLuks } from './probes/luks.js';
import { probeBitLocker } from './probes/bitlocker.js';
import { probeSwap } from './probes/swap.js';
import { probeXfs } from './probes/xfs.js';
import { probeExt } from './probes/ext.js';
import { probeBtrfs } from './probes/btrfs.js';
import { probeNtfs } from './probes/ntfs.js';
import { probeExfat } from './probes/exfat.js';
import { probeFat } from './probes/fat.js';
import { probeIso9660 } from './probes/iso9660.js';

export const PROBES: readonly { name: string; probe: Probe }[] = [
  { name: 'linux_raid_member', probe: probeMd },
  { name: 'LVM2_member', probe: probeLvm },
  { name: 'crypto_LUKS', probe: probeLuks },
  { name: 'BitLocker', probe: probeBitLocker },
  { name: 'swap', probe: probeSwap },
  { name: 'xfs', probe: probeXfs },
  { name: 'ext', probe: probeExt },
  { name: 'btrfs', probe: probeBtrfs },
  { name: 'ntfs', probe: probeNtfs },
  { name: 'exfat', probe: probeExfat },
  { name: 'vfat', probe: probeFat },
  { name: 'iso9660', probe: probeIso9660 },
];

/** Filesystems that live in sector 0 and so can be mistaken for an MBR. */
export const BOOT_SECTOR_TYPES: ReadonlySet<string> = new Set(['vfat', 'exfat', 'ntfs', 'BitLocker']);

/**
 * Identifies what `dev` holds, or undefined when no probe matches. A superblock that is
 * malformed in a way a probe cannot read past counts as "not this type"; I/O errors from
 * the device propagate.
 */
export async function probeContent(dev: BlockDevice, only?: ReadonlySet<string>): Promise<ContentProbe | undefined> {
  const r = new ProbeReader(dev);
  for (const { name, probe } of PROBES) {
    if (only && !only.has(name)) continue;
    try {
      const found = await probe(r);
      if (found) {
        if (found.details && Object.keys(found.details).length === 0) delete found.details;
        return found;
      }
    } catch (e) {
      if (!(e instanceof VolumeError)) throw e;
    }
  }
  return undefined;
}
