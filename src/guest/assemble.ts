import { GuestguardError } from '../errors.js';
import { GuestFileSystem, normalize, type Mount } from '../fs/vfs.js';
import { resolveSpec } from './device-names.js';
import type { FilesystemCatalog, GuestFilesystemInfo } from './filesystems.js';
import { optionValue, parseFstab, type FstabEntry } from './fstab.js';

export type RootKind = 'linux' | 'windows' | 'freebsd' | 'unknown';

export interface RootCandidate {
  fs: GuestFilesystemInfo;
  kind: RootKind;
}

/** Filesystem types an fstab line can mount that guestguard skips (virtual or network). */
const VIRTUAL_FS = new Set(['proc', 'sysfs', 'tmpfs', 'devpts', 'devtmpfs', 'swap', 'nfs', 'nfs4', 'cifs', 'none', 'cgroup', 'cgroup2', 'securityfs', 'debugfs', 'efivarfs', 'hugetlbfs', 'mqueue', 'fuse', 'squashfs', 'overlay', 'bind']);

/** Decides whether a filesystem looks like an OS root, like libguestfs' inspection does. */
export async function classifyRoot(catalog: FilesystemCatalog, fs: GuestFilesystemInfo): Promise<RootKind | undefined> {
  let view: GuestFileSystem;
  try {
    view = new GuestFileSystem([{ path: '/', fs: await catalog.open(fs), device: fs.device }]);
  } catch {
    return undefined;
  }
  const isDir = async (p: string) => {
    try {
      return (await view.stat(p)).type === 'dir';
    } catch {
      return false;
    }
  };
  const exists = async (p: string) => {
    try {
      await view.stat(p);
      return true;
    } catch {
      return false;
    }
  };
  if (fs.type === 'ntfs' || fs.type === 'vfat' || fs.type === 'exfat') {
    if ((await isDir('/Windows/System32')) || (await isDir('/WINNT/System32'))) return 'windows';
    return undefined;
  }
  if (await isDir('/etc')) {
    const hasBin = (await exists('/bin')) || (await isDir('/usr/bin')) || (await isDir('/sbin'));
    const hasIdentity =
      (await exists('/etc/fstab')) || (await exists('/etc/os-release')) || (await exists('/usr/lib/os-release'));
    if (hasIdentity && (hasBin || (await exists('/etc/fstab')))) {
      if (await exists('/etc/rc.conf')) {
        if (await exists('/boot/kernel/kernel')) return 'freebsd';
      }
      return 'linux';
    }
  }
  return undefined;
}

/** Every filesystem that looks like an operating system root, in device order. */
export async function findRoots(catalog: FilesystemCatalog): Promise<RootCandidate[]> {
  const out: RootCandidate[] = [];
  for (const fs of catalog.readable) {
    // A btrfs volume whose default subvolume is a root shows up twice (plain and as btrfsvol:);
    // libguestfs reports the subvolume name when the root is not the top-level subvolume.
    const kind = await classifyRoot(catalog, fs);
    if (kind) out.push({ fs, kind });
  }
  return dedupeBtrfs(out);
}

/** When /dev/sda2 (default subvolume) and btrfsvol:/dev/sda2/@ are the same tree, keep the subvolume name. */
function dedupeBtrfs(roots: RootCandidate[]): RootCandidate[] {
  return roots.filter((r) => {
    if (r.fs.type !== 'btrfs' || r.fs.subvolume !== undefined) return true;
    return !roots.some((o) => o.fs.subvolume !== undefined && o.fs.volume === r.fs.volume && o.fs.subvolumeId === r.fs.defaultSubvolumeId);
  });
}

export interface AssembledGuest {
  root: RootCandidate;
  mounts: Mount[];
  /** Guest mount point → device, as libguestfs reports "mountpoints". */
  mountpoints: Record<string, string>;
  /** fstab lines the assembly could not honour (unknown device, unreadable type...). */
  warnings: string[];
  fstab: FstabEntry[];
  view: GuestFileSystem;
}

/**
 * Mounts what the guest itself would mount: the root, then its /etc/fstab entries, matched to
 * the filesystems found on the disks by UUID, LABEL, PARTUUID, device name or btrfs subvolume.
 */
export async function assembleGuest(catalog: FilesystemCatalog, root: RootCandidate): Promise<AssembledGuest> {
  const rootDriver = await catalog.open(root.fs);
  const rootView = new GuestFileSystem([{ path: '/', fs: rootDriver, device: root.fs.device }]);
  const mounts: Mount[] = [{ path: '/', fs: rootDriver, device: root.fs.device }];
  const mountpoints: Record<string, string> = { '/': root.fs.device };
  const warnings: string[] = [];
  let fstab: FstabEntry[] = [];
  if (root.kind === 'linux' || root.kind === 'freebsd') {
    const text = await rootView.readText('/etc/fstab').catch(() => undefined);
    fstab = text ? parseFstab(text) : [];
    for (const e of fstab) {
      const mp = normalize(e.file);
      if (!e.file.startsWith('/') || mp === '/' || VIRTUAL_FS.has(e.vfstype) || e.options.includes('bind')) continue;
      const fs = resolveFstabEntry(catalog, e);
      if (!fs) {
        warnings.push(`/etc/fstab line ${e.line}: ${e.spec} for ${e.file} not found on the disks`);
        continue;
      }
      try {
        mounts.push({ path: mp, fs: await catalog.open(fs), device: fs.device });
        mountpoints[mp] = fs.device;
      } catch (err) {
        warnings.push(`/etc/fstab line ${e.line}: cannot open ${fs.device} for ${mp}: ${(err as Error).message}`);
      }
    }
  }
  return { root, mounts, mountpoints, warnings, fstab, view: new GuestFileSystem(mounts) };
}

/** fstab entry → filesystem, honouring btrfs subvol=/subvolid=. */
function resolveFstabEntry(catalog: FilesystemCatalog, e: FstabEntry): GuestFilesystemInfo | undefined {
  const base = resolveSpec(e.spec, catalog);
  if (!base) return undefined;
  if (base.type !== 'btrfs') return base;
  const subvol = optionValue(e.options, 'subvol');
  const subvolid = optionValue(e.options, 'subvolid');
  if (subvol === undefined && subvolid === undefined) return base;
  const wanted = subvol?.replace(/^\/+/, '');
  return (
    catalog.filesystems.find(
      (f) =>
        f.volume === base.volume &&
        f.subvolume !== undefined &&
        ((wanted !== undefined && f.subvolume === wanted) || (subvolid !== undefined && String(f.subvolumeId) === subvolid)),
    ) ?? base
  );
}

/**
 * Builds a guest view from explicit -m DEVICE[:MOUNTPOINT] options (like guestfish), instead of
 * automatic assembly. A missing mount point means "/".
 */
export async function mountExplicit(catalog: FilesystemCatalog, specs: string[]): Promise<GuestFileSystem> {
  const mounts: Mount[] = [];
  for (const spec of specs) {
    const { device, mountpoint } = splitMountSpec(spec);
    const fs = catalog.byDevice(device) ?? resolveSpec(device, catalog);
    if (!fs) {
      const known = catalog.readable.map((f) => f.device).join(', ') || 'none';
      throw new GuestguardError('NOT_FOUND', `-m ${spec}: no filesystem ${device} (readable filesystems: ${known})`);
    }
    mounts.push({ path: normalize(mountpoint), fs: await catalog.open(fs), device: fs.device });
  }
  if (!mounts.some((m) => m.path === '/')) throw new GuestguardError('INVALID_ARGUMENT', 'one -m option must mount a filesystem at /');
  return new GuestFileSystem(mounts);
}

/** "btrfsvol:/dev/sda2/@home:/home" → device and mount point; the btrfsvol: prefix's own ":/" is skipped. */
export function splitMountSpec(spec: string): { device: string; mountpoint: string } {
  const from = spec.startsWith('btrfsvol:') ? 'btrfsvol:'.length : 0;
  const k = spec.indexOf(':/', from);
  if (k > from) return { device: spec.slice(0, k), mountpoint: spec.slice(k + 1) };
  return { device: spec, mountpoint: '/' };
}
