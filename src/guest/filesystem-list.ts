import { assembleGuest, findRoots } from './assemble.js';
import type { DiskSession } from './session.js';

export interface FilesystemRow {
  device: string;
  type: string;
  label?: string;
  uuid?: string;
  size: number;
  /** Where the guest mounts it, when an OS on the disks says so. */
  mountpoint?: string;
}

/** Every filesystem on the disks (btrfs subvolumes included), with guest mount points when known. */
export async function listFilesystems(session: DiskSession): Promise<FilesystemRow[]> {
  const mountOf = new Map<string, string>();
  for (const root of await findRoots(session.catalog)) {
    try {
      const g = await assembleGuest(session.catalog, root);
      for (const [mp, dev] of Object.entries(g.mountpoints)) if (!mountOf.has(dev)) mountOf.set(dev, mp);
    } catch {
      // An OS that cannot be assembled still leaves its filesystems listed, just without mount points.
    }
  }
  return session.catalog.filesystems.map((f) => {
    const row: FilesystemRow = { device: f.device, type: f.type, size: f.size };
    if (f.label !== undefined) row.label = f.label;
    if (f.uuid !== undefined) row.uuid = f.uuid;
    const mp = mountOf.get(f.device);
    if (mp !== undefined) row.mountpoint = mp;
    return row;
  });
}
