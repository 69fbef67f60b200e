/**
 * Lazy, bounded access to on-disk lookup tables (VHD/VHDX BATs, VDI block maps, bitmaps).
 * Shared by the vhd, vhdx and vdi readers: open() reads no table up front; pages are read on
 * first use and kept in a bounded LRU, and concurrent misses on one page share a single read.
 */
import { ImageFormatError } from '../errors.js';
import { LruCache } from '../util/lru.js';

/** Reads exactly `length` bytes of the container at `offset` (typed errors on failure). */
export type ReadFn = (offset: number, length: number, structure: string) => Promise<Uint8Array>;

/** An LRU whose misses are filled by an async loader, with in-flight deduplication. */
export class LoadingCache<K, V> {
  private readonly lru: LruCache<K, V>;
  private readonly inflight = new Map<K, Promise<V>>();

  constructor(capacity: number) {
    this.lru = new LruCache(Math.max(1, Math.floor(capacity)));
  }

  get(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.lru.get(key);
    if (hit !== undefined) return Promise.resolve(hit);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = load().then(
      (v) => {
        this.inflight.delete(key);
        this.lru.set(key, v);
        return v;
      },
      (e: unknown) => {
        this.inflight.delete(key);
        throw e;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  clear(): void {
    this.lru.clear();
  }
}

export interface PagedTableOptions {
  read: ReadFn;
  /** File offset of entry 0. */
  offset: number;
  entries: number;
  entrySize: 4 | 8;
  structure: string;
  /** Bytes per cached page (default 64 KiB). */
  pageBytes?: number;
  /** Total bytes of pages kept (default 4 MiB). */
  cacheBytes?: number;
}

/** A fixed-width entry table read page by page. */
export class PagedTable {
  readonly entries: number;
  private readonly pageEntries: number;
  private readonly pages: LoadingCache<number, DataView>;

  constructor(private readonly o: PagedTableOptions) {
    this.entries = o.entries;
    const pageBytes = o.pageBytes ?? 64 * 1024;
    this.pageEntries = Math.max(1, Math.floor(pageBytes / o.entrySize));
    this.pages = new LoadingCache(Math.max(4, Math.floor((o.cacheBytes ?? 4 * 1024 * 1024) / pageBytes)));
  }

  /** The page holding entry `index` and the entry's byte position inside it. */
  private async locate(index: number): Promise<[DataView, number]> {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.entries) {
      throw new ImageFormatError('CORRUPT_IMAGE', `entry ${index} is outside the ${this.entries}-entry table`, {
        structure: this.o.structure,
        offset: this.o.offset,
      });
    }
    const page = Math.floor(index / this.pageEntries);
    const view = await this.pages.get(page, async () => {
      const first = page * this.pageEntries;
      const count = Math.min(this.pageEntries, this.entries - first);
      const bytes = await this.o.read(this.o.offset + first * this.o.entrySize, count * this.o.entrySize, this.o.structure);
      return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    });
    return [view, (index % this.pageEntries) * this.o.entrySize];
  }

  async u32be(index: number): Promise<number> {
    const [v, pos] = await this.locate(index);
    return v.getUint32(pos, false);
  }

  async u32le(index: number): Promise<number> {
    const [v, pos] = await this.locate(index);
    return v.getUint32(pos, true);
  }

  /** A 64-bit little-endian entry as its low and high 32-bit halves (no BigInt on the hot path). */
  async u64le(index: number): Promise<{ lo: number; hi: number }> {
    const [v, pos] = await this.locate(index);
    return { lo: v.getUint32(pos, true), hi: v.getUint32(pos + 4, true) };
  }

  clear(): void {
    this.pages.clear();
  }
}
