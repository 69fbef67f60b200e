import { ImageFormatError } from '../../errors.js';
import type { HostFile } from '../host-file.js';
import type { Extent } from '../mapped-image.js';
import { readCompressedGrain } from './grain.js';
import { LoadingCache } from './loading-cache.js';
import { ReadAhead } from './read-ahead.js';
import { MAX_GD_BYTES, SECTOR, type SparseGeometry } from './sparse-header.js';
import { INVALID, UNALLOCATED, ZERO, decodeTable } from './tables.js';

/** Decoded grain tables kept per extent: 4 MiB covers 32 GiB of a 64 KiB-grain disk. */
const GT_CACHE_BYTES = 4 * 1024 * 1024;

/**
 * One sparse extent file (hosted KDMV, ESX COWD or seSparse): the grain directory is read at open, grain
 * tables on demand through a bounded LRU, and runs of physically contiguous grains are returned
 * as one host extent so large reads become few host reads.
 */
export class SparseExtent {
  private readonly grainBytes: number;
  private readonly gtCache: LoadingCache<Float64Array>;
  private readonly grainCache: LoadingCache<Uint8Array>;
  private readonly source: ReadAhead;

  private constructor(
    readonly file: HostFile,
    readonly geo: SparseGeometry,
    private readonly gd: Float64Array,
    private readonly gdOffset: number,
    cacheBytes: number,
    share: number,
  ) {
    this.grainBytes = geo.grainSectors * SECTOR;
    this.gtCache = new LoadingCache(Math.max(16, Math.floor(GT_CACHE_BYTES / share / (geo.gtEntries * 8))));
    this.grainCache = new LoadingCache(Math.max(2, Math.floor(cacheBytes / this.grainBytes)));
    this.source = new ReadAhead(file);
  }

  /** Extent size in bytes as the header records it. */
  get capacityBytes(): number {
    return this.geo.capacity * SECTOR;
  }

  /**
   * `cacheBytes` is this extent's share of the image's decoded-grain budget; `share` divides the
   * grain-table budget the same way, so a descriptor with thousands of extents stays bounded.
   */
  static async open(file: HostFile, geo: SparseGeometry, cacheBytes: number, share = 1): Promise<SparseExtent> {
    const n = geo.gdEntries;
    const bytes = n * geo.codec.entryBytes;
    if (bytes > MAX_GD_BYTES) {
      throw new ImageFormatError('LIMIT_EXCEEDED', `grain directory of ${n} entries is larger than ${MAX_GD_BYTES} bytes`, {
        structure: 'VMDK grain directory',
        path: file.path,
      });
    }
    // Primary first; the redundant copy only when the primary does not fit in the file.
    const at = geo.gdOffsets.find((o) => o + bytes <= file.size);
    if (at === undefined) {
      throw new ImageFormatError('CORRUPT_IMAGE', `grain directory (${bytes} bytes) lies beyond the end of the ${file.size}-byte file`, {
        structure: 'VMDK grain directory',
        offset: geo.gdOffsets[0] ?? 0,
        path: file.path,
      });
    }
    const gd = n === 0 ? new Float64Array(0) : decodeTable(await file.read(at, bytes, 'VMDK grain directory'), n, geo.codec.gde);
    return new SparseExtent(file, geo, gd, at, cacheBytes, share);
  }

  /**
   * Maps `rel` (byte offset inside this extent) to at most `limit` bytes. The caller bounds
   * `limit` by the extent's virtual length, which never exceeds the header capacity.
   */
  async map(rel: number, limit: number): Promise<Extent> {
    const gb = this.grainBytes;
    const n = this.geo.gtEntries;
    const grain = Math.floor(rel / gb);
    const within = rel - grain * gb;
    const gdIndex = Math.floor(grain / n);
    if (gdIndex >= this.gd.length) {
      throw new ImageFormatError('CORRUPT_IMAGE', `offset ${rel} is beyond the grain directory`, {
        structure: 'VMDK grain directory',
        offset: this.gdOffset,
        path: this.file.path,
      });
    }
    const gde = this.gd[gdIndex]!;
    const entry = this.geo.codec.entryBytes;
    if (gde === UNALLOCATED) {
      // A whole grain table's span is unallocated.
      return { kind: 'backing', length: Math.min(limit, (gdIndex + 1) * n * gb - rel) };
    }
    if (gde === INVALID) throw this.badEntry('invalid grain directory entry', `VMDK grain directory entry ${gdIndex}`, this.gdOffset + gdIndex * entry);
    const gt = await this.table(gde, gdIndex);
    let i = grain % n;
    const gte = gt[i]!;
    const gteOffset = gde * SECTOR + i * entry;
    if (gte === INVALID) throw this.badEntry('invalid grain table entry', 'VMDK grain table entry', gteOffset);
    if (this.geo.compressed && gte > 0) return this.compressed(gte, grain, within, limit, gteOffset);

    // Extend the run over following entries of the same kind (and, for data, the same host run).
    let length = gb - within;
    const first = i;
    while (length < limit && i + 1 < n) {
      const next = gt[i + 1]!;
      const same = gte <= 0 ? next === gte : next === gte + (i + 1 - first) * this.geo.grainSectors;
      if (!same) break;
      i++;
      length += gb;
    }
    length = Math.min(length, limit);
    if (gte === UNALLOCATED) return { kind: 'backing', length };
    if (gte === ZERO) return { kind: 'zero', length };
    const hostOffset = gte * SECTOR + within;
    if (hostOffset + length > this.file.size) {
      throw this.badEntry(`grain at sector ${gte} lies beyond the end of the ${this.file.size}-byte file`, 'VMDK grain table entry', gteOffset);
    }
    return { kind: 'host', file: this.file, offset: hostOffset, length };
  }

  private async compressed(gte: number, grain: number, within: number, limit: number, gteOffset: number): Promise<Extent> {
    const gb = this.grainBytes;
    const hostOffset = gte * SECTOR;
    const bytes = await this.grainCache.get(hostOffset, () =>
      readCompressedGrain({
        file: this.file,
        source: this.source,
        hostOffset,
        grainBytes: gb,
        lba: grain * this.geo.grainSectors,
        expectedBytes: Math.min(gb, this.capacityBytes - grain * gb),
        markers: this.geo.markers,
        gteOffset,
      }),
    );
    return { kind: 'bytes', bytes, start: within, length: Math.min(limit, gb - within) };
  }

  private badEntry(msg: string, structure: string, offset: number): ImageFormatError {
    return new ImageFormatError('CORRUPT_IMAGE', msg, { structure, offset, path: this.file.path });
  }

  private table(gde: number, gdIndex: number): Promise<Float64Array> {
    return this.gtCache.get(gde, async () => {
      const bytes = this.geo.gtEntries * this.geo.codec.entryBytes;
      const at = gde * SECTOR;
      if (at + bytes > this.file.size) {
        throw new ImageFormatError('CORRUPT_IMAGE', `grain table at sector ${gde} lies beyond the end of the ${this.file.size}-byte file`, {
          structure: `VMDK grain directory entry ${gdIndex}`,
          offset: this.gdOffset + gdIndex * this.geo.codec.entryBytes,
          path: this.file.path,
        });
      }
      return decodeTable(await this.file.read(at, bytes, 'VMDK grain table'), this.geo.gtEntries, this.geo.codec.gte);
    });
  }
}
