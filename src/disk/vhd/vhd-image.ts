/**
 * VHD (Virtual PC / Hyper-V generation 1) images: fixed, dynamic and differencing.
 *
 * Dynamic and differencing disks are split into blocks located through the BAT; each block
 * starts with a sector bitmap. A set bit means the sector's data is in the block; a clear bit
 * means "never written": zeros for a dynamic disk (as the spec and Windows read it), the
 * parent's data for a differencing disk.
 */
import { GuestguardError, ImageFormatError } from '../../errors.js';
import { guidToString } from '../../util/binary.js';
import type { DiskImage, ImageContext } from '../disk-image.js';
import type { HostFile } from '../host-file.js';
import { MappedImage, type Extent } from '../mapped-image.js';
import { bitRun } from '../bitmap-run.js';
import { DYNAMIC_HEADER_SIZE, hasParentId, parseDynamicHeader, type DynamicHeader } from './dynamic-header.js';
import {
  DISK_DIFFERENCING,
  DISK_FIXED,
  FOOTER_SIZE,
  LEGACY_FOOTER_SIZE,
  hasCookie,
  parseFooter,
  vhdVirtualSize,
  type VhdFooter,
} from './footer.js';
import { LoadingCache, PagedTable } from '../paged-table.js';
import { parentCandidates, readLocatorPaths } from './parent-locator.js';

const UNALLOCATED = 0xffffffff;
/** Bytes of sector bitmaps kept per image. */
const BITMAP_CACHE_BYTES = 2 * 1024 * 1024;

interface Bitmap {
  bits: Uint8Array;
  allSet: boolean;
}

export type VhdKind = 'fixed' | 'dynamic' | 'differencing';

export class VhdImage extends MappedImage implements DiskImage {
  readonly format = 'vhd' as const;
  readonly size: number;
  readonly name: string;
  readonly files: readonly HostFile[];
  override backing: DiskImage | undefined = undefined;
  readonly kind: VhdKind;
  /** The footer's unique id: what a child's dynamic header names as its parent. */
  readonly uniqueId: Uint8Array;
  readonly blockSize: number;

  private readonly bat: PagedTable | undefined;
  private readonly bitmaps: LoadingCache<number, Bitmap>;
  private readonly bitmapSize: number;

  private constructor(
    private readonly file: HostFile,
    readonly footer: VhdFooter,
    readonly header: DynamicHeader | undefined,
  ) {
    super();
    this.name = file.path;
    this.files = [file];
    this.size = vhdVirtualSize(footer);
    this.uniqueId = footer.uniqueId;
    this.kind = footer.diskType === DISK_FIXED ? 'fixed' : footer.diskType === DISK_DIFFERENCING ? 'differencing' : 'dynamic';
    const ctx = { path: file.path, structure: 'VHD footer', offset: footer.fileOffset };
    if (!Number.isSafeInteger(this.size) || this.size < 0) throw new ImageFormatError('CORRUPT_IMAGE', `invalid VHD size ${this.size}`, ctx);

    if (!header) {
      // Fixed: the data is the file up to the footer.
      if (this.size > footer.fileOffset) {
        throw new ImageFormatError(
          'TRUNCATED_IMAGE',
          `fixed VHD holds ${footer.fileOffset} data bytes but declares a ${this.size}-byte disk`,
          ctx,
        );
      }
      this.blockSize = 0;
      this.bitmapSize = 0;
      this.bat = undefined;
    } else {
      this.blockSize = header.blockSize;
      const blocks = Math.ceil(this.size / header.blockSize);
      const hctx = { path: file.path, structure: 'VHD dynamic header', offset: footer.dataOffset };
      if (header.maxTableEntries < blocks) {
        throw new ImageFormatError('CORRUPT_IMAGE', `VHD BAT has ${header.maxTableEntries} entries but the disk needs ${blocks}`, hctx);
      }
      if (header.tableOffset + blocks * 4 > file.size) {
        throw new ImageFormatError('TRUNCATED_IMAGE', `VHD BAT (${blocks} entries at ${header.tableOffset}) lies beyond the end of the file`, {
          ...hctx,
          structure: 'VHD BAT',
          offset: header.tableOffset,
        });
      }
      // One bit per 512-byte sector, padded to whole sectors.
      this.bitmapSize = Math.ceil(header.blockSize / 512 / 8 / 512) * 512;
      this.bat = new PagedTable({
        read: (o, l, s) => file.read(o, l, s),
        offset: header.tableOffset,
        entries: blocks,
        entrySize: 4,
        structure: 'VHD BAT',
      });
    }
    this.bitmaps = new LoadingCache(Math.max(16, Math.floor(BITMAP_CACHE_BYTES / Math.max(512, this.bitmapSize))));
  }

  static async open(file: HostFile, ctx: ImageContext): Promise<VhdImage> {
    const footer = await readFooter(file);
    let header: DynamicHeader | undefined;
    if (footer.diskType !== DISK_FIXED) {
      const at = footer.dataOffset;
      if (at === undefined || at + DYNAMIC_HEADER_SIZE > file.size) {
        throw new ImageFormatError('TRUNCATED_IMAGE', `VHD dynamic header offset ${String(at)} lies outside the file`, {
          path: file.path,
          structure: 'VHD footer',
          offset: footer.fileOffset + 16,
        });
      }
      header = parseDynamicHeader(await file.read(at, DYNAMIC_HEADER_SIZE, 'VHD dynamic header'), at, file.path);
    }
    const img = new VhdImage(file, footer, header);
    if (img.kind === 'differencing' && header && !ctx.options.ignoreBacking) {
      img.backing = await openParent(file, header, ctx);
    }
    return img;
  }

  protected async map(offset: number, maxLength: number): Promise<Extent> {
    if (!this.bat) return { kind: 'host', file: this.file, offset, length: maxLength };
    const bs = this.blockSize;
    const block = Math.floor(offset / bs);
    const within = offset - block * bs;
    const n = Math.min(maxLength, bs - within);
    const absent: Extent['kind'] = this.kind === 'differencing' ? 'backing' : 'zero';
    const entry = await this.bat.u32be(block);
    if (entry === UNALLOCATED) return { kind: absent, length: n };

    const bitmapStart = entry * 512;
    const dataStart = bitmapStart + this.bitmapSize;
    if (dataStart + within + n > this.file.size) {
      throw new ImageFormatError('TRUNCATED_IMAGE', `VHD block ${block} (sector ${entry}) lies beyond the end of the file`, {
        path: this.file.path,
        structure: `VHD BAT entry ${block}`,
        offset: (this.header?.tableOffset ?? 0) + block * 4,
      });
    }
    const bm = await this.bitmaps.get(block, async () => {
      const bits = await this.file.read(bitmapStart, this.bitmapSize, `VHD sector bitmap of block ${block}`);
      const spb = bs / 512;
      const head = bitRun(bits, 0, spb, true);
      return { bits, allSet: head.set && head.count >= spb };
    });
    if (bm.allSet) return { kind: 'host', file: this.file, offset: dataStart + within, length: n };

    const firstSector = Math.floor(within / 512);
    const lastSector = Math.ceil((within + n) / 512);
    const run = bitRun(bm.bits, firstSector, lastSector - firstSector, true);
    const len = Math.min(n, (firstSector + run.count) * 512 - within);
    return run.set ? { kind: 'host', file: this.file, offset: dataStart + within, length: len } : { kind: absent, length: len };
  }

  async close(): Promise<void> {
    this.bat?.clear();
    this.bitmaps.clear();
    const parent = this.backing;
    this.backing = undefined;
    await this.file.close();
    if (parent) await parent.close();
  }
}

/**
 * Finds the footer: the copy at offset 0 (dynamic/differencing), else the one ending the file
 * (fixed, or a damaged first copy), else a legacy 511-byte footer.
 */
async function readFooter(file: HostFile): Promise<VhdFooter> {
  const errors: unknown[] = [];
  const attempt = async (offset: number, length: number, allowFixed: boolean): Promise<VhdFooter | undefined> => {
    if (offset < 0 || offset + length > file.size) return undefined;
    const bytes = await file.read(offset, length, 'VHD footer');
    if (!hasCookie(bytes)) return undefined;
    try {
      const f = parseFooter(bytes, offset, file.path);
      return allowFixed || f.diskType !== DISK_FIXED ? f : undefined;
    } catch (err) {
      errors.push(err);
      return undefined;
    }
  };
  const found =
    (await attempt(0, FOOTER_SIZE, false)) ??
    (await attempt(file.size - FOOTER_SIZE, FOOTER_SIZE, true)) ??
    (await attempt(file.size - LEGACY_FOOTER_SIZE, LEGACY_FOOTER_SIZE, true));
  if (found) return found;
  if (errors[0]) throw errors[0];
  throw new ImageFormatError('CORRUPT_IMAGE', 'no VHD footer found at the start or end of the file', { path: file.path, structure: 'VHD footer' });
}

/** Opens the parent through the locators in order; the first that exists and carries the expected unique id wins. */
async function openParent(file: HostFile, header: DynamicHeader, ctx: ImageContext): Promise<DiskImage> {
  const candidates = parentCandidates(await readLocatorPaths(file, header), header.parentName);
  const expected = hasParentId(header) ? guidToString(header.parentUniqueId) : undefined;
  const problems: string[] = [];
  for (const name of candidates) {
    let parent: DiskImage;
    try {
      parent = await ctx.openBacking(name, 'vhd');
    } catch (err) {
      if (err instanceof GuestguardError && err.code === 'BACKING_FILE_MISSING') {
        problems.push(`${name}: not found`);
        continue;
      }
      throw err;
    }
    const got = parent instanceof VhdImage ? guidToString(parent.uniqueId) : undefined;
    if (expected !== undefined && got !== undefined && got !== expected) {
      problems.push(`${parent.name}: unique id ${got}, expected ${expected}`);
      await parent.close();
      continue;
    }
    return parent;
  }
  const missing = problems.every((p) => p.endsWith('not found'));
  throw new ImageFormatError(
    missing ? 'BACKING_FILE_MISSING' : 'CORRUPT_IMAGE',
    candidates.length === 0
      ? 'differencing VHD names no usable parent (no parent locator or parent name)'
      : `no parent of differencing VHD matched: ${problems.join('; ')}; pass --backing-dir DIR`,
    { path: file.path, structure: 'VHD parent locators' },
  );
}
