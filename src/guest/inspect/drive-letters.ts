/**
 * Windows drive letters → partitions on the inspected disks, as libguestfs resolves
 * SYSTEM\MountedDevices: an MBR value names the disk by its signature and the partition by its
 * byte offset; a GPT value ("DMIO:ID:" + GUID) names the partition by its unique GUID.
 */
import { flatten } from '../filesystems.js';
import type { WindowsDriveMapping } from '../windows/index.js';
import type { DiskLayout, Volume } from '../../volume/types.js';
import type { DriveMapping } from './types.js';

/** Adds the device each mapping names (null when the volume is not on these disks). */
export function resolveDriveMappings(mappings: WindowsDriveMapping[], layouts: DiskLayout[]): DriveMapping[] {
  return mappings.map((m) => ({ ...m, device: resolveOne(m, layouts)?.name ?? null }));
}

function resolveOne(m: WindowsDriveMapping, layouts: DiskLayout[]): Volume | undefined {
  if (m.kind === 'mbr' && m.mbr_signature !== undefined && m.partition_offset !== undefined) {
    const id = `0x${m.mbr_signature.toLowerCase()}`;
    for (const l of layouts) {
      if (l.scheme !== 'mbr' || l.diskId?.toLowerCase() !== id) continue;
      // Logical partitions sit inside the extended one: search the whole partition tree.
      return flatten(l.volumes).find((v) => v.partition !== undefined && v.start === m.partition_offset);
    }
    return undefined;
  }
  if (m.kind === 'gpt' && m.gpt_partition_guid !== undefined) {
    const guid = m.gpt_partition_guid.toLowerCase();
    for (const l of layouts) {
      if (l.scheme !== 'gpt') continue;
      const v = l.volumes.find((p) => p.partition?.scheme === 'gpt' && p.partition.uuid?.toLowerCase() === guid);
      if (v) return v;
    }
  }
  return undefined;
}

/**
 * Drive letter → device, the JSON "mountpoints" of a Windows OS. The system drive (the letter
 * of SystemRoot, "C:" in "C:\Windows") always names the root filesystem: Windows itself says
 * so, even when MountedDevices is missing or names a disk that was not given.
 */
export function windowsMountpoints(
  mappings: DriveMapping[],
  root: string,
  systemRoot: string | undefined,
  warn: (m: string) => void,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of mappings) if (m.device !== null) out[m.drive] = m.device;
  const drive = /^([A-Za-z]:)/.exec(systemRoot ?? '')?.[1]?.toUpperCase() ?? 'C:';
  const mapped = out[drive];
  if (mapped === undefined) out[drive] = root;
  else if (mapped !== root) warn(`MountedDevices maps the system drive ${drive} to ${mapped}, but Windows was found on ${root}`);
  return sortDrives(out);
}

function sortDrives(m: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(m).sort()) out[k] = m[k]!;
  return out;
}
