import type { DiskImage } from '../disk-image.js';
import type { HostFile } from '../host-file.js';
import { MappedImage, type Extent } from '../mapped-image.js';
import type { VmdkDescriptor } from './descriptor.js';
import type { SparseExtent } from './sparse-extent.js';

/** One piece of the virtual disk, in descriptor order. Offsets and lengths are in bytes. */
export type LayoutPart =
  | { kind: 'zero'; start: number; length: number }
  | { kind: 'flat'; start: number; length: number; file: HostFile; fileOffset: number }
  | { kind: 'sparse'; start: number; length: number; extent: SparseExtent };

/** What `disk --json`-style callers may want to show about each extent. */
export interface VmdkExtentInfo {
  kind: 'zero' | 'flat' | 'sparse';
  start: number;
  length: number;
  path?: string;
  compressed?: boolean;
}

export interface VmdkImageInit {
  name: string;
  createType: string;
  descriptor: VmdkDescriptor | undefined;
  parts: LayoutPart[];
  files: HostFile[];
  backing: DiskImage | undefined;
}

/** A VMDK disk (any create type): a list of flat, sparse and zero extents over one address space. */
export class VmdkImage extends MappedImage implements DiskImage {
  readonly format = 'vmdk' as const;
  readonly size: number;
  readonly name: string;
  readonly createType: string;
  readonly descriptor: VmdkDescriptor | undefined;
  readonly files: readonly HostFile[];
  declare backing: DiskImage | undefined;
  private readonly parts: LayoutPart[];
  private closed = false;

  constructor(init: VmdkImageInit) {
    super();
    this.name = init.name;
    this.createType = init.createType;
    this.descriptor = init.descriptor;
    this.parts = init.parts;
    this.files = init.files;
    this.backing = init.backing;
    const last = init.parts[init.parts.length - 1];
    this.size = last ? last.start + last.length : 0;
  }

  /** CID of this disk (parent disks must match a child's parentCID). */
  get cid(): number | undefined {
    return this.descriptor?.cid;
  }

  get extents(): VmdkExtentInfo[] {
    return this.parts.map((p) => {
      const base = { kind: p.kind, start: p.start, length: p.length };
      if (p.kind === 'flat') return { ...base, path: p.file.path };
      if (p.kind === 'sparse') return { ...base, path: p.extent.file.path, compressed: p.extent.geo.compressed };
      return base;
    });
  }

  protected async map(offset: number, maxLength: number): Promise<Extent> {
    const part = this.partAt(offset);
    const rel = offset - part.start;
    const limit = Math.min(maxLength, part.length - rel);
    switch (part.kind) {
      case 'zero':
        return { kind: 'zero', length: limit };
      case 'flat':
        return { kind: 'host', file: part.file, offset: part.fileOffset + rel, length: limit };
      case 'sparse':
        return part.extent.map(rel, limit);
    }
  }

  /** Binary search: parts are sorted, contiguous and non-empty. */
  private partAt(offset: number): LayoutPart {
    let lo = 0;
    let hi = this.parts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.parts[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return this.parts[lo]!;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.files.map((f) => f.close()));
    await this.backing?.close();
  }
}
