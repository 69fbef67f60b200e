/**
 * VDI (VirtualBox) images, normal (dynamic) and fixed. The block map gives each virtual block's
 * index in the data area; 0xffffffff (never written) and 0xfffffffe (discarded to zero) read
 * as zeros.
 */
import { ImageFormatError } from '../../errors.js';
import type { DiskImage } from '../disk-image.js';
import type { HostFile } from '../host-file.js';
import { MappedImage, type Extent } from '../mapped-image.js';
import { PagedTable } from '../paged-table.js';
import { VDI_HEADER_READ, VDI_TYPE_FIXED, parseVdiHeader, type VdiHeader } from './header.js';

const BLOCK_FREE = 0xffffffff;
const BLOCK_ZERO = 0xfffffffe;

export class VdiImage extends MappedImage implements DiskImage {
  readonly format = 'vdi' as const;
  readonly size: number;
  readonly name: string;
  readonly files: readonly HostFile[];
  readonly fixed: boolean;
  /** VDI differencing images are refused, so there is never a parent. */
  override backing: DiskImage | undefined = undefined;
  private readonly map_: PagedTable;
  private readonly stride: number;

  private constructor(
    private readonly file: HostFile,
    readonly header: VdiHeader,
  ) {
    super();
    this.name = file.path;
    this.files = [file];
    this.size = header.diskSize;
    this.fixed = header.type === VDI_TYPE_FIXED;
    this.stride = header.blockSize + header.blockExtra;
    // Only entries that cover the disk are ever consulted.
    const entries = Math.ceil(header.diskSize / header.blockSize);
    if (header.blocksOffset + entries * 4 > file.size) {
      throw new ImageFormatError('TRUNCATED_IMAGE', `VDI block map (${entries} entries) lies beyond the end of the file`, {
        path: file.path,
        structure: 'VDI block map',
        offset: header.blocksOffset,
      });
    }
    this.map_ = new PagedTable({
      read: (o, l, s) => file.read(o, l, s),
      offset: header.blocksOffset,
      entries,
      entrySize: 4,
      structure: 'VDI block map',
    });
  }

  static async open(file: HostFile): Promise<VdiImage> {
    const head = await file.read(0, Math.min(VDI_HEADER_READ, file.size), 'VDI header');
    return new VdiImage(file, parseVdiHeader(head, file.path));
  }

  protected async map(offset: number, maxLength: number): Promise<Extent> {
    const bs = this.header.blockSize;
    const block = Math.floor(offset / bs);
    const within = offset - block * bs;
    const n = Math.min(maxLength, bs - within);
    const entry = await this.map_.u32le(block);
    if (entry === BLOCK_FREE || entry === BLOCK_ZERO) return { kind: 'zero', length: n };
    const host = this.header.dataOffset + entry * this.stride + this.header.blockExtra + within;
    if (entry >= this.header.blocks || host + n > this.file.size) {
      throw new ImageFormatError('CORRUPT_IMAGE', `VDI block ${block} maps to data block ${entry}, outside the file`, {
        path: this.file.path,
        structure: `VDI block map entry ${block}`,
        offset: this.header.blocksOffset + block * 4,
      });
    }
    return { kind: 'host', file: this.file, offset: host, length: n };
  }

  async close(): Promise<void> {
    this.map_.clear();
    await this.file.close();
  }
}
