import { canOpen, openFileSystem } from '../fs/open-fs.js';
import type { FileSystemDriver } from '../fs/types.js';
import type { DiskLayout, Volume } from '../volume/types.js';

/**
 * A filesystem guestguard found on the disks: a volume with a readable filesystem, or one
 * btrfs subvolume (named as libguestfs names them: btrfsvol:/dev/sda2/@home).
 */
export interface GuestFilesystemInfo {
  device: string;
  type: string;
  label?: string;
  uuid?: string;
  size: number;
  /** btrfs subvolume path ("@home") when this is a subvolume. */
  subvolume?: string;
  subvolumeId?: number;
  /** btrfs: the subvolume a plain mount of the volume shows. */
  defaultSubvolumeId?: number;
  volume: Volume;
}

export class FilesystemCatalog {
  private readonly drivers = new Map<string, Promise<FileSystemDriver>>();
  readonly warnings: string[] = [];

  private constructor(readonly filesystems: GuestFilesystemInfo[], readonly volumes: Volume[]) {}

  /** Lists every filesystem on the disks, including btrfs subvolumes. Opens btrfs volumes to list them. */
  static async build(layouts: DiskLayout[]): Promise<FilesystemCatalog> {
    const volumes = layouts.flatMap((l) => flatten(l.volumes));
    const found: GuestFilesystemInfo[] = [];
    const cat = new FilesystemCatalog(found, volumes);
    for (const v of volumes) {
      const c = v.content;
      if (!c) continue;
      const info: GuestFilesystemInfo = { device: v.name, type: c.fs, size: v.size, volume: v };
      if (c.label !== undefined) info.label = c.label;
      if (c.uuid !== undefined) info.uuid = c.uuid;
      found.push(info);
      if (c.fs === 'btrfs') {
        try {
          const drv = (await cat.open(info)) as FileSystemDriver & {
            listSubvolumes?: () => Promise<{ id: number; path: string }[]>;
            defaultSubvolumeId?: number;
          };
          if (drv.defaultSubvolumeId !== undefined) info.defaultSubvolumeId = drv.defaultSubvolumeId;
          for (const sv of (await drv.listSubvolumes?.()) ?? []) {
            found.push({ ...info, device: `btrfsvol:${v.name}/${sv.path}`, subvolume: sv.path, subvolumeId: sv.id });
          }
        } catch (err) {
          cat.warnings.push(`${v.name}: cannot list btrfs subvolumes: ${(err as Error).message}`);
        }
      }
    }
    return cat;
  }

  /** Opens (once) the driver for a filesystem or subvolume. */
  open(fs: GuestFilesystemInfo): Promise<FileSystemDriver> {
    let p = this.drivers.get(fs.device);
    if (!p) {
      p = openFileSystem(fs.volume.device, fs.type, fs.subvolumeId !== undefined ? { subvolume: `subvolid=${fs.subvolumeId}` } : undefined);
      p.catch(() => this.drivers.delete(fs.device));
      this.drivers.set(fs.device, p);
    }
    return p;
  }

  /** Filesystems whose files can be read (not swap, LUKS, PVs...). */
  get readable(): GuestFilesystemInfo[] {
    return this.filesystems.filter((f) => canOpen(f.type));
  }

  byDevice(device: string): GuestFilesystemInfo | undefined {
    return this.filesystems.find((f) => f.device === device);
  }
}

export function flatten(vols: Volume[]): Volume[] {
  const out: Volume[] = [];
  const stack = [...vols].reverse();
  while (stack.length > 0) {
    const v = stack.pop()!;
    out.push(v);
    for (let i = v.children.length - 1; i >= 0; i--) stack.push(v.children[i]!);
  }
  return out;
}
