/**
 * A qcow2 image as a lazily read block device: the header and the L1 table are read at open;
 * L2 tables and compressed clusters are read on demand and kept in bounded LRU caches.
 */
import { ImageFormatError, type ErrorCode } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import type { DiskImage, ImageContext } from '../disk-image.js';
import type { HostFile } from '../host-file.js';
import { MappedImage, type Extent } from '../mapped-image.js';
import { decompressGroup, makeDecompressor, type ClusterDecompressor } from './compression.js';
import { MAX_L1_BYTES, readQcow2Header, type Qcow2Header } from './header.js';

/** What one cluster (or subcluster, with extended L2 entries) reads as. */
const UNALLOCATED = 0; // from the backing image, or zeros without one
const ZERO = 1;
const DATA = 2;
const COMPRESSED = 3;

const TWO_32 = 2 ** 32;
/** Memory for cached L2 tables; a 64 KiB-cluster image covers 64 GiB of guest space with this. */
const L2_CACHE_BYTES = 8 * 1024 * 1024;
const MIN_L2_TABLES = 4;
const DEFAULT_CACHE_BYTES = 32 * 1024 * 1024;
/** Largest single host read of back-to-back compressed clusters. */
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
/**
 * A batch decoding to this much (a bulk read) goes to the worker pool; smaller ones (filesystem
 * metadata) decode inline, where starting a worker would cost more than it saves.
 */
const PARALLEL_MIN_BYTES = 1024 * 1024;
/** Decoded bytes per worker job: enough to amortise a message, small enough to spread a batch over the workers. */
const GROUP_BYTES = 512 * 1024;

interface L2Table {
  view: DataView;
  /** Host offset of the table, for error messages. */
  offset: number;
}

export class Qcow2Image extends MappedImage implements DiskImage {
  readonly format = 'qcow2' as const;
  readonly size: number;
  readonly name: string;
  declare backing: DiskImage | undefined;
  /** The image file, then the external data file if there is one. */
  readonly files: readonly HostFile[];
  /** Non-fatal findings, e.g. QEMU's corrupt flag. */
  readonly warnings: readonly string[];

  private readonly clusterSize: number;
  /** Allocation granularity: a subcluster with extended L2 entries, else a cluster. */
  private readonly unitSize: number;
  private readonly unitsPerCluster: number;
  private readonly entryBytes: number;
  private readonly l2Entries: number;
  private readonly external: boolean;
  // Compressed-descriptor layout depends on cluster_bits: x = 62 - (cluster_bits - 8).
  private readonly csizeShift: bigint;
  private readonly csizeMask: bigint;
  private readonly coffsetMask: bigint;

  private readonly l2Cache: LruCache<number, L2Table>;
  private readonly l2Pending = new Map<number, Promise<L2Table>>();
  /** Most L2 tables loaded ahead at once: half the cache, so prefetching never evicts what it loads. */
  private readonly maxL2Prefetch: number;
  private readonly clusterCache: LruCache<bigint, Uint8Array>;
  private readonly clusterPending = new Map<bigint, Promise<Uint8Array>>();
  /** Most compressed clusters started at once: half the cache, so a batch never evicts itself. */
  private readonly maxBatch: number;
  /** Host offset of the unit last classified as DATA (avoids allocating per unit). */
  private unitHost = 0;
  private closed = false;

  private constructor(
    readonly header: Qcow2Header,
    readonly file: HostFile,
    private readonly dataFile: HostFile,
    /** The first ceil(size / L2 coverage) entries of the active L1 table. */
    private readonly l1: DataView,
    private readonly decompress: ClusterDecompressor,
    backing: DiskImage | undefined,
    cacheBytes: number,
    warnings: string[],
  ) {
    super();
    this.size = header.size;
    this.name = file.path;
    this.backing = backing;
    this.files = dataFile === file ? [file] : [file, dataFile];
    this.warnings = warnings;
    this.clusterSize = header.clusterSize;
    this.unitsPerCluster = header.extendedL2 ? 32 : 1;
    this.unitSize = header.clusterSize / this.unitsPerCluster;
    this.entryBytes = header.extendedL2 ? 16 : 8;
    this.l2Entries = header.clusterSize / this.entryBytes;
    this.external = dataFile !== file;
    this.csizeShift = BigInt(62 - (header.clusterBits - 8));
    this.csizeMask = (1n << BigInt(header.clusterBits - 8)) - 1n;
    this.coffsetMask = (1n << this.csizeShift) - 1n;
    this.l2Cache = new LruCache(Math.max(MIN_L2_TABLES, Math.floor(L2_CACHE_BYTES / header.clusterSize)));
    this.maxL2Prefetch = Math.min(64, Math.floor(this.l2Cache.capacity / 2));
    this.clusterCache = new LruCache(Math.max(2, Math.floor(cacheBytes / header.clusterSize)));
    this.maxBatch = Math.max(1, Math.floor(this.clusterCache.capacity / 2));
  }

  static async open(file: HostFile, ctx: ImageContext): Promise<Qcow2Image> {
    const h = await readQcow2Header(file);
    const warnings: string[] = [];
    if (h.corrupt) warnings.push(`${file.path} is flagged corrupt by QEMU; its data may be inconsistent`);

    const l1 = await readL1(file, h);
    const decompress = await makeDecompressor(h.compressionType);
    const dataFile = h.dataFile === undefined ? file : await ctx.openSibling(h.dataFile);
    let backing: DiskImage | undefined;
    try {
      if (h.backingFile !== undefined && !ctx.options.ignoreBacking) backing = await ctx.openBacking(h.backingFile, h.backingFormat);
    } catch (err) {
      if (dataFile !== file) await dataFile.close().catch(() => undefined);
      throw err;
    }
    return new Qcow2Image(h, file, dataFile, l1, decompress, backing, ctx.options.cacheBytes ?? DEFAULT_CACHE_BYTES, warnings);
  }

  protected async map(offset: number, maxLength: number): Promise<Extent> {
    const cs = this.clusterSize;
    const cluster = Math.floor(offset / cs);
    const l1Index = Math.floor(cluster / this.l2Entries);
    const l2Index = cluster - l1Index * this.l2Entries;
    const inCluster = offset - cluster * cs;
    if (maxLength > (this.l2Entries - l2Index) * cs) this.prefetchL2(l1Index + 1, offset + maxLength);
    const l2 = await this.l2Table(l1Index);
    if (l2 === undefined) {
      // No L2 table: the whole range it would cover is unallocated; skip further empty L1 entries too.
      let length = (this.l2Entries - l2Index) * cs - inCluster;
      for (let i = l1Index + 1; length < maxLength && this.l2Offset(i) === 0; i++) length += this.l2Entries * cs;
      return { kind: this.unallocatedKind(), length: Math.min(length, maxLength) };
    }
    return this.walk(l2, l2Index, inCluster, maxLength);
  }

  /** Merges consecutive units of the same kind (and, for data, physically contiguous) in one L2 table. */
  private async walk(l2: L2Table, l2Index: number, inCluster: number, maxLength: number): Promise<Extent> {
    const u = this.unitSize;
    const upc = this.unitsPerCluster;
    const sub = Math.floor(inCluster / u);
    const type = this.classify(l2, l2Index, sub);
    if (type === COMPRESSED) return this.compressedExtent(l2, l2Index, inCluster, maxLength);
    const host = this.unitHost + (inCluster - sub * u);
    const clusterHost = this.unitHost - sub * u;

    let length = u - (inCluster - sub * u);
    let nextHost = this.unitHost + u;
    let unit = l2Index * upc + sub + 1;
    const endUnit = this.l2Entries * upc;
    while (length < maxLength && unit < endUnit) {
      const entry = Math.floor(unit / upc);
      const t = this.classify(l2, entry, unit - entry * upc);
      if (t !== type || (t === DATA && this.unitHost !== nextHost)) break;
      length += u;
      nextHost += u;
      unit++;
    }
    length = Math.min(length, maxLength);

    if (type === ZERO) return { kind: 'zero', length };
    if (type === UNALLOCATED) return { kind: this.unallocatedKind(), length };
    const f = this.dataFile;
    if (clusterHost >= f.size) {
      throw this.error('TRUNCATED_IMAGE', `data cluster at host offset ${clusterHost} lies beyond the end of the ${f.size}-byte file`, l2, l2Index);
    }
    // A final cluster cut short by the end of the file reads as zeros past it, as in QEMU.
    if (host >= f.size) return { kind: 'zero', length: Math.min(length, this.clusterSize - inCluster) };
    return { kind: 'host', file: f, offset: host, length: Math.min(length, f.size - host) };
  }

  /**
   * Classifies unit `sub` of L2 entry `entry`; for DATA sets this.unitHost to the unit's host
   * offset. Mirrors QEMU's qcow2_get_subcluster_type, including its corruption checks.
   */
  private classify(l2: L2Table, entry: number, sub: number): number {
    const e = entry * this.entryBytes;
    const hi = l2.view.getUint32(e);
    const lo = l2.view.getUint32(e + 4);
    if (hi & 0x40000000) return COMPRESSED;
    const host = (hi & 0x00ffffff) * TWO_32 + (lo - (lo & 0x1ff));
    // Offset 0 is a valid host offset only in an external data file, marked by the COPIED bit.
    const allocated = host !== 0 || (this.external && (hi & 0x80000000) !== 0);
    if (this.unitsPerCluster === 1) {
      if (lo & 1) return ZERO;
      if (!allocated) return UNALLOCATED;
      this.checkAligned(host, l2, entry);
      this.unitHost = host;
      return DATA;
    }
    const zeroBits = l2.view.getUint32(e + 8);
    const allocBits = l2.view.getUint32(e + 12);
    if (!allocated) {
      if (allocBits !== 0) throw this.error('CORRUPT_IMAGE', 'unallocated cluster has allocated subclusters', l2, entry);
      return (zeroBits >>> sub) & 1 ? ZERO : UNALLOCATED;
    }
    if ((zeroBits & allocBits) !== 0) throw this.error('CORRUPT_IMAGE', 'subcluster marked both allocated and zero', l2, entry);
    if ((zeroBits >>> sub) & 1) return ZERO;
    if (!((allocBits >>> sub) & 1)) return UNALLOCATED;
    this.checkAligned(host, l2, entry);
    this.unitHost = host + sub * this.unitSize;
    return DATA;
  }

  private checkAligned(host: number, l2: L2Table, entry: number): void {
    if (host % this.clusterSize !== 0) {
      throw this.error('CORRUPT_IMAGE', `data cluster offset 0x${host.toString(16)} is not cluster-aligned`, l2, entry);
    }
  }

  private async compressedExtent(l2: L2Table, entry: number, inCluster: number, maxLength: number): Promise<Extent> {
    if (this.external) throw this.error('CORRUPT_IMAGE', 'compressed cluster in an image with an external data file', l2, entry);
    const key = this.descriptor(l2, entry);
    let bytes = this.clusterCache.get(key);
    if (bytes === undefined) {
      if (!this.clusterPending.has(key)) this.startCompressedBatch(l2, entry, maxLength);
      bytes = await this.clusterPending.get(key)!;
    }
    return { kind: 'bytes', bytes, start: inCluster, length: Math.min(this.clusterSize - inCluster, maxLength) };
  }

  /** The 62-bit compressed cluster descriptor of an L2 entry (also the decompressed-cluster cache key). */
  private descriptor(l2: L2Table, entry: number): bigint {
    const e = entry * this.entryBytes;
    return (BigInt(l2.view.getUint32(e) & 0x3fffffff) << 32n) | BigInt(l2.view.getUint32(e + 4));
  }

  /** Where a compressed cluster's data lies in the file; throws if it lies outside. */
  private compressedRange(desc: bigint, l2: L2Table, entry: number): { offset: number; length: number } {
    const coffset = desc & this.coffsetMask;
    if (coffset >= BigInt(this.file.size)) {
      throw this.error('CORRUPT_IMAGE', `compressed cluster offset ${coffset} lies beyond the end of the file`, l2, entry);
    }
    const offset = Number(coffset);
    const sectors = Number((desc >> this.csizeShift) & this.csizeMask) + 1;
    // The data runs from `offset` to the end of the last of its 512-byte sectors; the file may end earlier.
    return { offset, length: Math.min(sectors * 512 - (offset % 512), this.file.size - offset) };
  }

  /**
   * Starts decompressing the compressed cluster at `entry` together with the following ones this
   * read will need, when their data is stored back to back (as qemu-img writes it): a few large
   * host reads, then the clusters decompress concurrently (on the worker pool for a bulk read).
   * Each lands in clusterPending.
   */
  private startCompressedBatch(l2: L2Table, entry: number, maxLength: number): void {
    const first = this.compressedRange(this.descriptor(l2, entry), l2, entry);
    const batch = [{ key: this.descriptor(l2, entry), ...first }];
    let end = first.offset + first.length;
    const limit = Math.min(this.l2Entries, entry + Math.ceil(maxLength / this.clusterSize), entry + this.maxBatch);
    for (let e = entry + 1; e < limit; e++) {
      if (!(l2.view.getUint32(e * this.entryBytes) & 0x40000000)) break;
      const key = this.descriptor(l2, e);
      if (this.clusterCache.has(key) || this.clusterPending.has(key)) break;
      let r: { offset: number; length: number };
      try {
        r = this.compressedRange(key, l2, e);
      } catch {
        break; // reported when that cluster itself is read
      }
      // The next stream may start inside the previous one's last sector, but not before it or after a gap.
      if (r.offset < batch[batch.length - 1]!.offset || r.offset > end || r.offset + r.length - first.offset > MAX_BATCH_BYTES) break;
      batch.push({ key, ...r });
      end = Math.max(end, r.offset + r.length);
    }
    // Groups of clusters, each one host read and one decode job, so the workers share a batch.
    const parallel = batch.length >= 2 && batch.length * this.clusterSize >= PARALLEL_MIN_BYTES;
    const perGroup = parallel ? Math.max(1, Math.floor(GROUP_BYTES / this.clusterSize)) : batch.length;
    for (let g = 0; g < batch.length; g += perGroup) {
      const group = batch.slice(g, g + perGroup);
      const from = group[0]!.offset;
      const to = group.reduce((m, c) => Math.max(m, c.offset + c.length), 0);
      const data = this.file.read(from, to - from, 'qcow2 compressed cluster');
      const items = group.map((c) => ({ start: c.offset - from, length: c.length, at: { offset: c.offset, path: this.file.path } }));
      const decoded = decompressGroup(this.header.compressionType, this.decompress, data, items, this.clusterSize, parallel);
      group.forEach((c, i) => {
        const p = decoded[i]!.then(
          (out) => {
            this.clusterPending.delete(c.key);
            this.clusterCache.set(c.key, out);
            return out;
          },
          (err: unknown) => {
            this.clusterPending.delete(c.key);
            throw err;
          },
        );
        p.catch(() => undefined); // a prefetched cluster nobody reads must not be an unhandled rejection
        this.clusterPending.set(c.key, p);
      });
    }
  }

  /** Host offset of the L2 table for L1 entry `i`, or 0 when unallocated (or past the table). */
  private l2Offset(i: number): number {
    if (i * 8 >= this.l1.byteLength) return 0;
    const hi = this.l1.getUint32(i * 8);
    const lo = this.l1.getUint32(i * 8 + 4);
    return (hi & 0x00ffffff) * TWO_32 + (lo - (lo & 0x1ff));
  }

  /**
   * Starts loading, concurrently, the L2 tables a long read will need after the current one, so
   * small-cluster images (an L2 table per 32 KiB with 512-byte clusters) do not pay one host
   * round trip per table in sequence. Bad entries are skipped here and reported when reached.
   */
  private prefetchL2(fromL1: number, endOffset: number): void {
    const coverage = this.l2Entries * this.clusterSize;
    const last = Math.min(Math.ceil(endOffset / coverage), fromL1 + this.maxL2Prefetch, this.l1.byteLength / 8);
    for (let i = fromL1; i < last; i++) {
      const off = this.l2Offset(i);
      if (off === 0 || this.l2Cache.has(off) || this.l2Pending.has(off)) continue;
      this.l2Table(i).catch(() => undefined);
    }
  }

  private async l2Table(l1Index: number): Promise<L2Table | undefined> {
    const off = this.l2Offset(l1Index);
    if (off === 0) return undefined;
    const where = { structure: `qcow2 L1 entry ${l1Index}`, offset: this.header.l1TableOffset + l1Index * 8, path: this.file.path };
    if (off % this.clusterSize !== 0) throw new ImageFormatError('CORRUPT_IMAGE', `L2 table offset 0x${off.toString(16)} is not cluster-aligned`, where);
    if (off + this.clusterSize > this.file.size) {
      throw new ImageFormatError('TRUNCATED_IMAGE', `L2 table at ${off} lies beyond the end of the ${this.file.size}-byte file`, where);
    }
    return cachedLoad(this.l2Cache, this.l2Pending, off, async () => {
      const bytes = await this.file.read(off, this.clusterSize, 'qcow2 L2 table');
      return { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: off };
    });
  }

  private unallocatedKind(): 'backing' | 'zero' {
    return this.backing ? 'backing' : 'zero';
  }

  private error(code: ErrorCode, message: string, l2: L2Table, entry: number): ImageFormatError {
    return new ImageFormatError(code, message, {
      structure: `qcow2 L2 entry ${entry}`,
      offset: l2.offset + entry * this.entryBytes,
      path: this.file.path,
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.l2Cache.clear();
    this.clusterCache.clear();
    try {
      await this.file.close();
      if (this.dataFile !== this.file) await this.dataFile.close();
    } finally {
      await this.backing?.close();
    }
  }
}

/** Reads the part of the active L1 table that covers the virtual size, after bounds checks. */
async function readL1(file: HostFile, h: Qcow2Header): Promise<DataView> {
  const where = (structure: string, offset: number) => ({ structure, offset, path: file.path });
  const l2Entries = h.clusterSize / (h.extendedL2 ? 16 : 8);
  const needed = Math.ceil(h.size / (l2Entries * h.clusterSize));
  if (h.l1Size > MAX_L1_BYTES / 8) {
    throw new ImageFormatError('LIMIT_EXCEEDED', `L1 table of ${h.l1Size} entries exceeds the ${MAX_L1_BYTES}-byte limit`, where('qcow2 header l1_size', 36));
  }
  if (h.l1Size < needed) {
    throw new ImageFormatError('CORRUPT_IMAGE', `L1 table of ${h.l1Size} entries is too small for a ${h.size}-byte disk (needs ${needed})`, where('qcow2 header l1_size', 36));
  }
  if (needed === 0) return new DataView(new ArrayBuffer(0));
  if (h.l1TableOffset === 0 || h.l1TableOffset % h.clusterSize !== 0) {
    throw new ImageFormatError('CORRUPT_IMAGE', `L1 table offset ${h.l1TableOffset} is not a cluster-aligned offset`, where('qcow2 header l1_table_offset', 40));
  }
  if (h.l1TableOffset + needed * 8 > file.size) {
    throw new ImageFormatError('TRUNCATED_IMAGE', `L1 table at ${h.l1TableOffset} lies beyond the end of the ${file.size}-byte file`, where('qcow2 L1 table', h.l1TableOffset));
  }
  const bytes = await file.read(h.l1TableOffset, needed * 8, 'qcow2 L1 table');
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** LRU lookup with one in-flight load per key, so concurrent readers share a table read. */
async function cachedLoad<K, V>(cache: LruCache<K, V>, pending: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  let p = pending.get(key);
  if (!p) {
    p = load().finally(() => pending.delete(key));
    pending.set(key, p);
    const v = await p;
    cache.set(key, v);
    return v;
  }
  return p;
}
