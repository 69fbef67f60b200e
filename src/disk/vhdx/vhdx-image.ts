/**
 * VHDX (Hyper-V generation 2) images: fixed, dynamic and differencing, with in-memory log replay.
 *
 * The BAT interleaves payload block entries with sector bitmap entries: after every
 * `chunkRatio` payload entries comes one sector bitmap entry, where
 * chunkRatio = 2^23 * logicalSectorSize / blockSize (one 1 MiB bitmap block covers 2^23 sectors).
 */
import { GuestguardError, ImageFormatError } from '../../errors.js';
import type { DiskImage, ImageContext } from '../disk-image.js';
import type { HostFile } from '../host-file.js';
import { MappedImage, type Extent } from '../mapped-image.js';
import { bitRun } from '../bitmap-run.js';
import { LoadingCache, PagedTable } from '../paged-table.js';
import { parentCandidates } from '../vhd/parent-locator.js';
import { VhdxFileView } from './file-view.js';
import { MiB, logIsDirty, readCurrentHeader, readRegions, type Regions, type VhdxHeader } from './headers.js';
import { replayLog } from './log.js';
import { readMetadata, type VhdxMetadata } from './metadata.js';

export const PAYLOAD_BLOCK_NOT_PRESENT = 0;
export const PAYLOAD_BLOCK_UNDEFINED = 1;
export const PAYLOAD_BLOCK_ZERO = 2;
export const PAYLOAD_BLOCK_UNMAPPED = 3;
/** UNMAPPED's value in the 0.95 draft; qemu reads it as zeros too. */
const PAYLOAD_BLOCK_UNMAPPED_V095 = 5;
export const PAYLOAD_BLOCK_FULLY_PRESENT = 6;
export const PAYLOAD_BLOCK_PARTIALLY_PRESENT = 7;
const SB_BLOCK_PRESENT = 6;

const BITMAP_CACHE_BYTES = 2 * 1024 * 1024;

export type VhdxKind = 'fixed' | 'dynamic' | 'differencing';

export class VhdxImage extends MappedImage implements DiskImage {
  readonly format = 'vhdx' as const;
  readonly size: number;
  readonly name: string;
  readonly files: readonly HostFile[];
  override backing: DiskImage | undefined = undefined;
  readonly kind: VhdxKind;
  readonly blockSize: number;
  readonly chunkRatio: number;
  /** The current header's DataWriteGuid: what a child's parent_linkage names. */
  readonly dataWriteGuid: string;
  /** Log entries replayed in memory at open (0 when the log was clean). */
  readonly replayedLogEntries: number;

  private readonly bat: PagedTable;
  private readonly bitmaps: LoadingCache<number, Uint8Array>;
  private readonly sectorsPerBlock: number;

  private constructor(
    private readonly view: VhdxFileView,
    header: VhdxHeader,
    readonly regions: Regions,
    readonly metadata: VhdxMetadata,
    replayed: number,
  ) {
    super();
    const host = view.host;
    this.name = host.path;
    this.files = [host];
    this.size = metadata.virtualSize;
    this.blockSize = metadata.blockSize;
    this.dataWriteGuid = header.dataWriteGuid;
    this.replayedLogEntries = replayed;
    this.kind = metadata.hasParent ? 'differencing' : metadata.leaveBlocksAllocated ? 'fixed' : 'dynamic';
    this.chunkRatio = (2 ** 23 * metadata.logicalSectorSize) / metadata.blockSize;
    this.sectorsPerBlock = metadata.blockSize / metadata.logicalSectorSize;

    const dataBlocks = Math.ceil(this.size / this.blockSize);
    const bitmapBlocks = Math.ceil(dataBlocks / this.chunkRatio);
    const entries = metadata.hasParent
      ? bitmapBlocks * (this.chunkRatio + 1)
      : dataBlocks === 0
        ? 0
        : dataBlocks + Math.floor((dataBlocks - 1) / this.chunkRatio);
    if (entries * 8 > regions.bat.length) {
      throw new ImageFormatError('CORRUPT_IMAGE', `VHDX BAT region holds ${regions.bat.length / 8} entries but the disk needs ${entries}`, {
        path: host.path,
        structure: 'VHDX BAT',
        offset: regions.bat.offset,
      });
    }
    this.bat = new PagedTable({
      read: (o, l, s) => view.read(o, l, s),
      offset: regions.bat.offset,
      entries,
      entrySize: 8,
      structure: 'VHDX BAT',
    });
    this.bitmaps = new LoadingCache(Math.max(16, Math.floor(BITMAP_CACHE_BYTES / (this.sectorsPerBlock / 8))));
  }

  static async open(file: HostFile, ctx: ImageContext): Promise<VhdxImage> {
    const header = await readCurrentHeader(file);
    let view = new VhdxFileView(file, undefined, file.size);
    let replayed = 0;
    if (logIsDirty(header)) {
      const r = await replayLog(file, header);
      if (r) {
        view = new VhdxFileView(file, r.overlay, r.size);
        replayed = r.entries;
      }
    }
    const regions = await readRegions(view, header);
    const metadata = await readMetadata(view, regions.metadata);
    const img = new VhdxImage(view, header, regions, metadata, replayed);
    if (metadata.hasParent && !ctx.options.ignoreBacking) img.backing = await openParent(file.path, metadata, ctx);
    return img;
  }

  /** Decodes BAT entry `index` into its state and file offset. */
  private async entry(index: number): Promise<{ state: number; offset: number }> {
    const { lo, hi } = await this.bat.u64le(index);
    const state = lo & 7;
    // FileOffsetMB is bits 20..63; byte offsets must stay safe integers (< 2^33 MiB).
    if (hi >= 2 ** 21) {
      throw new ImageFormatError('CORRUPT_IMAGE', `VHDX BAT entry ${index} points beyond any plausible file size`, {
        path: this.name,
        structure: `VHDX BAT entry ${index}`,
        offset: this.regions.bat.offset + index * 8,
      });
    }
    return { state, offset: (hi * 4096 + (lo >>> 20)) * MiB };
  }

  private corrupt(message: string, batIndex: number): ImageFormatError {
    return new ImageFormatError('CORRUPT_IMAGE', message, {
      path: this.name,
      structure: `VHDX BAT entry ${batIndex}`,
      offset: this.regions.bat.offset + batIndex * 8,
    });
  }

  protected async map(offset: number, maxLength: number): Promise<Extent> {
    const bs = this.blockSize;
    const block = Math.floor(offset / bs);
    const within = offset - block * bs;
    const n = Math.min(maxLength, bs - within);
    const batIndex = block + Math.floor(block / this.chunkRatio);
    const { state, offset: fileOffset } = await this.entry(batIndex);
    const diff = this.metadata.hasParent;
    switch (state) {
      case PAYLOAD_BLOCK_NOT_PRESENT:
        return { kind: diff ? 'backing' : 'zero', length: n };
      case PAYLOAD_BLOCK_UNDEFINED:
      case PAYLOAD_BLOCK_ZERO:
      case PAYLOAD_BLOCK_UNMAPPED:
      case PAYLOAD_BLOCK_UNMAPPED_V095:
        return { kind: 'zero', length: n };
      case PAYLOAD_BLOCK_FULLY_PRESENT:
        return this.payload(fileOffset, within, n, batIndex);
      case PAYLOAD_BLOCK_PARTIALLY_PRESENT: {
        if (!diff) throw this.corrupt(`VHDX block ${block} is partially present in a disk without a parent`, batIndex);
        const bits = await this.sectorBitmap(block);
        const lss = this.metadata.logicalSectorSize;
        const first = Math.floor(within / lss);
        const run = bitRun(bits, first, Math.ceil((within + n) / lss) - first, false);
        const len = Math.min(n, (first + run.count) * lss - within);
        return run.set ? this.payload(fileOffset, within, len, batIndex) : { kind: 'backing', length: len };
      }
      default:
        throw this.corrupt(`VHDX block ${block} has reserved state ${state}`, batIndex);
    }
  }

  private payload(fileOffset: number, within: number, n: number, batIndex: number): Extent {
    // Payload blocks live past the 1 MiB header section; the last one may end short of the file end.
    if (fileOffset < MiB) throw this.corrupt(`VHDX payload block at ${fileOffset} lies inside the header section`, batIndex);
    if (fileOffset + within + n > this.view.size) {
      throw new ImageFormatError('TRUNCATED_IMAGE', `VHDX payload block at ${fileOffset} lies beyond the end of the file`, {
        path: this.name,
        structure: `VHDX BAT entry ${batIndex}`,
        offset: this.regions.bat.offset + batIndex * 8,
      });
    }
    return this.view.extent(fileOffset + within, n);
  }

  /** The slice of a chunk's 1 MiB sector bitmap block that covers payload block `block`. */
  private sectorBitmap(block: number): Promise<Uint8Array> {
    return this.bitmaps.get(block, async () => {
      const chunk = Math.floor(block / this.chunkRatio);
      const sbIndex = chunk * (this.chunkRatio + 1) + this.chunkRatio;
      const sb = await this.entry(sbIndex);
      if (sb.state !== SB_BLOCK_PRESENT) throw this.corrupt(`VHDX sector bitmap block for chunk ${chunk} is not present`, sbIndex);
      const bytes = this.sectorsPerBlock / 8;
      const at = sb.offset + (block % this.chunkRatio) * bytes;
      if (sb.offset < MiB || sb.offset + MiB > this.view.size) throw this.corrupt(`VHDX sector bitmap block at ${sb.offset} lies outside the file`, sbIndex);
      return this.view.read(at, bytes, `VHDX sector bitmap of block ${block}`);
    });
  }

  async close(): Promise<void> {
    this.bat.clear();
    this.bitmaps.clear();
    const parent = this.backing;
    this.backing = undefined;
    await this.view.host.close();
    if (parent) await parent.close();
  }
}

/** "{GUID}" as stored in parent_linkage → the canonical upper-case form. */
function normalizeGuid(s: string | undefined): string | undefined {
  return s?.replace(/[{}]/g, '').trim().toUpperCase();
}

/**
 * Opens the parent named by the locator: relative_path, then volume_path, then
 * absolute_win32_path (the spec's order), then bare file names. A VHDX parent must carry the
 * DataWriteGuid named by parent_linkage (or parent_linkage2).
 */
async function openParent(path: string, md: VhdxMetadata, ctx: ImageContext): Promise<DiskImage> {
  const loc = md.parentLocator ?? new Map<string, string>();
  const paths = ['relative_path', 'volume_path', 'absolute_win32_path'].map((k) => loc.get(k)).filter((p): p is string => !!p);
  const candidates = parentCandidates(paths, '');
  const linkage = [normalizeGuid(loc.get('parent_linkage')), normalizeGuid(loc.get('parent_linkage2'))].filter((g): g is string => !!g);
  const problems: string[] = [];
  for (const name of candidates) {
    let parent: DiskImage;
    try {
      parent = await ctx.openBacking(name, 'vhdx');
    } catch (err) {
      if (err instanceof GuestguardError && err.code === 'BACKING_FILE_MISSING') {
        problems.push(`${name}: not found`);
        continue;
      }
      throw err;
    }
    if (parent instanceof VhdxImage && linkage.length > 0 && !linkage.includes(parent.dataWriteGuid)) {
      problems.push(`${parent.name}: DataWriteGuid ${parent.dataWriteGuid}, expected ${linkage[0]}`);
      await parent.close();
      continue;
    }
    return parent;
  }
  const missing = problems.every((p) => p.endsWith('not found'));
  throw new ImageFormatError(
    missing ? 'BACKING_FILE_MISSING' : 'CORRUPT_IMAGE',
    candidates.length === 0
      ? 'differencing VHDX parent locator names no path'
      : `no parent of differencing VHDX matched: ${problems.join('; ')}; pass --backing-dir DIR`,
    { path, structure: 'VHDX parent locator' },
  );
}
