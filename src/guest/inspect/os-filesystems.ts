/**
 * The mount points and filesystems libguestfs attributes to a Linux root
 * (daemon/inspect_fs_unix_fstab.ml): every /etc/fstab line whose device is found — swap
 * included — with "/" always the root itself. Lines libguestfs ignores are ignored here too
 * (floppies, CD-ROMs, pseudo filesystems, /proc, /sys, /dev, /media/*, /selinux).
 */
import { resolveSpec } from '../device-names.js';
import type { FilesystemCatalog, GuestFilesystemInfo } from '../filesystems.js';
import { optionValue, type FstabEntry } from '../fstab.js';
import type { OsFilesystem } from './types.js';

export interface FstabMountable {
  device: string;
  /** Mount point, or the fstab file field as written for swap ("none", "swap"). */
  file: string;
  fs: GuestFilesystemInfo | undefined;
}

const IGNORED_SPEC = /^\/dev\/(fd\d|cd\d|floppy$|cdrom$|iso9660\/)/;

function ignoredMountpoint(mp: string): boolean {
  return ['/dev', '/proc', '/sys', '/selinux'].some((p) => mp === p || mp.startsWith(p + '/')) || mp.startsWith('/media/');
}

/** "///usr//local/" → "/usr/local" (libguestfs unix_canonical_path). */
export function canonicalPath(p: string): string {
  if (!p.startsWith('/')) return p;
  const parts = p.split('/').filter((s) => s !== '');
  return '/' + parts.join('/');
}

/** fstab lines as libguestfs resolves them, root first; unresolvable lines go to `warn`. */
export function fstabMountables(catalog: FilesystemCatalog, root: GuestFilesystemInfo, fstab: FstabEntry[], warn: (m: string) => void): FstabMountable[] {
  const out: FstabMountable[] = [{ device: root.device, file: '/', fs: root }];
  for (const e of fstab) {
    if (IGNORED_SPEC.test(e.spec)) continue;
    const mp = canonicalPath(e.file);
    if (mp === '/' || ignoredMountpoint(mp)) continue;
    // Pseudo filesystems (proc, tmpfs), network and bind sources are not devices on these disks.
    if (!/^(UUID|LABEL|PARTUUID|PARTLABEL)=/.test(e.spec) && !e.spec.startsWith('/dev/')) continue;
    const base = resolveSpec(e.spec, catalog);
    if (!base) {
      warn(`/etc/fstab line ${e.line}: ${e.spec} (${e.file}) is not on the disks`);
      continue;
    }
    const fs = e.vfstype === 'btrfs' ? btrfsSubvolume(catalog, base, e) : base;
    const device = fs === base && e.vfstype === 'btrfs' ? btrfsName(base, e) : fs.device;
    if (out.some((m) => m.file === mp && m.device === device)) continue;
    // A subvolume the catalog does not list still has its volume's type, label and UUID.
    out.push({ device, file: mp, fs });
  }
  return out;
}

/** The subvolume named by subvol= (or subvolid=), when the catalog lists it. */
function btrfsSubvolume(catalog: FilesystemCatalog, base: GuestFilesystemInfo, e: FstabEntry): GuestFilesystemInfo {
  const subvol = optionValue(e.options, 'subvol')?.replace(/^\/+/, '');
  const subvolid = optionValue(e.options, 'subvolid');
  if (subvol === undefined && subvolid === undefined) return base;
  return (
    catalog.filesystems.find(
      (f) => f.volume === base.volume && f.subvolume !== undefined && ((subvol !== undefined && f.subvolume === subvol) || (subvol === undefined && String(f.subvolumeId) === subvolid)),
    ) ?? base
  );
}

/** libguestfs names a subvol= it cannot list btrfsvol:DEVICE/SUBVOL all the same. */
function btrfsName(base: GuestFilesystemInfo, e: FstabEntry): string {
  const subvol = optionValue(e.options, 'subvol')?.replace(/^\/+/, '');
  return subvol ? `btrfsvol:${base.device}/${subvol}` : base.device;
}

/** Mount point → device for the entries mounted at a path, ordered as virt-inspector prints them. */
export function mountpointMap(entries: FstabMountable[]): Record<string, string> {
  const pairs = entries.filter((e) => e.file.startsWith('/'));
  const seen = new Set<string>();
  const out: Record<string, string> = {};
  for (const p of sortMountpoints(pairs.map((e) => [e.file, e.device] as [string, string]))) {
    if (seen.has(p[0])) continue;
    seen.add(p[0]);
    out[p[0]] = p[1];
  }
  return out;
}

/** virt-inspector's order: shorter mount point first, then byte order. */
export function sortMountpoints(pairs: [string, string][]): [string, string][] {
  return [...pairs].sort((a, b) => a[0].length - b[0].length || cmp(a[0], b[0]));
}

/** Distinct filesystems of the entries, sorted by device name (byte order, as virt-inspector). */
export function osFilesystems(entries: { device: string; fs: GuestFilesystemInfo | undefined }[]): OsFilesystem[] {
  const byDevice = new Map<string, OsFilesystem>();
  for (const e of entries) {
    if (byDevice.has(e.device)) continue;
    byDevice.set(e.device, {
      device: e.device,
      type: e.fs?.type ?? 'unknown',
      label: e.fs?.label ?? null,
      uuid: e.fs?.uuid ?? null,
    });
  }
  return [...byDevice.values()].sort((a, b) => cmp(a.device, b.device));
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
