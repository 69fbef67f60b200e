import { openImage } from '../disk/open-image.js';
import type { DiskImage, OpenImageOptions } from '../disk/disk-image.js';
import { GuestguardError } from '../errors.js';
import type { GuestFileSystem } from '../fs/vfs.js';
import { scanDisks } from '../volume/scan.js';
import type { DiskLayout } from '../volume/types.js';
import { assembleGuest, findRoots, mountExplicit, type AssembledGuest } from './assemble.js';
import { FilesystemCatalog } from './filesystems.js';

/** Disks opened together (one guest may span several): images, volume trees and filesystems. */
export class DiskSession {
  private constructor(
    readonly images: DiskImage[],
    readonly layouts: DiskLayout[],
    readonly catalog: FilesystemCatalog,
  ) {}

  static async open(paths: string[], options: OpenImageOptions = {}): Promise<DiskSession> {
    if (paths.length === 0) throw new GuestguardError('INVALID_ARGUMENT', 'no disk image given');
    const images: DiskImage[] = [];
    try {
      for (const p of paths) images.push(await openImage(p, options));
      const layouts = await scanDisks(images);
      const catalog = await FilesystemCatalog.build(layouts);
      return new DiskSession(images, layouts, catalog);
    } catch (err) {
      await Promise.all(images.map((i) => i.close().catch(() => undefined)));
      throw err;
    }
  }

  get warnings(): string[] {
    return [...this.layouts.flatMap((l) => l.warnings), ...this.catalog.warnings];
  }

  async close(): Promise<void> {
    await Promise.all(this.images.map((i) => i.close()));
  }
}

export interface GuestViewOptions {
  /** Explicit -m DEVICE[:MOUNTPOINT] list; replaces automatic assembly. */
  mounts?: string[];
  /** Which root to use when the disks hold several operating systems. */
  root?: string;
}

/**
 * The guest's file view for ls/cat/copy-out: explicit mounts, else the inspected OS root with
 * its fstab mounts, else (no OS found) the only filesystem on the disks.
 */
export async function openGuestView(
  session: DiskSession,
  opts: GuestViewOptions = {},
): Promise<{ view: GuestFileSystem; assembled?: AssembledGuest }> {
  const { catalog } = session;
  if (opts.mounts && opts.mounts.length > 0) return { view: await mountExplicit(catalog, opts.mounts) };
  const roots = await findRoots(catalog);
  if (opts.root) {
    const chosen = roots.find((r) => r.fs.device === opts.root);
    if (!chosen) {
      throw new GuestguardError('NOT_FOUND', `--root ${opts.root} is not an operating system root (roots: ${roots.map((r) => r.fs.device).join(', ') || 'none'})`);
    }
    const assembled = await assembleGuest(catalog, chosen);
    return { view: assembled.view, assembled };
  }
  if (roots.length === 1) {
    const assembled = await assembleGuest(catalog, roots[0]!);
    return { view: assembled.view, assembled };
  }
  if (roots.length > 1) {
    throw new GuestguardError(
      'INVALID_ARGUMENT',
      `the disks hold ${roots.length} operating systems (${roots.map((r) => r.fs.device).join(', ')}): choose one with --root DEVICE or mount with -m`,
    );
  }
  const readable = catalog.readable;
  if (readable.length === 1) return { view: await mountExplicit(catalog, [readable[0]!.device]) };
  throw new GuestguardError(
    'NOT_FOUND',
    readable.length === 0
      ? 'no readable filesystem found on the disks'
      : `no operating system found and ${readable.length} filesystems present (${readable.map((f) => f.device).join(', ')}): choose one with -m DEVICE`,
  );
}
