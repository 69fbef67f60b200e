/**
 * A minimal read-only Berkeley DB hash-database reader: enough to iterate every key/value
 * pair of rpm's /var/lib/rpm/Packages. Page 0 is the hash meta page (page size, last page,
 * bucket masks, and the "spares" table mapping buckets to pages); each bucket is a chain of
 * hash pages holding alternating key and data items, with large items moved to chains of
 * overflow pages. Files are written in the creating host's byte order, told apart by the
 * magic. Every page number, offset and length is checked and every chain is bounded.
 */
import { LruCache } from '../../util/lru.js';
import type { RandomAccess } from './source.js';
import { corruptDb, dbError, describe, LIMITS, warn } from './types.js';

const HASH_MAGIC = 0x00061561;
const P_HASH_UNSORTED = 2;
const P_OVERFLOW = 7;
const P_HASHMETA = 8;
const P_HASH = 13;
const H_KEYDATA = 1;
const H_DUPLICATE = 2;
const H_OFFPAGE = 3;
const H_OFFDUP = 4;
/** Page header size; checksummed databases add 6 bytes (PG_CHKSUM) before the item index. */
const SIZEOF_PAGE = 26;
const DBMETA_CHKSUM = 0x01;

export interface BdbRecord {
  key: Uint8Array;
  value: Uint8Array;
  /** Page the pair was found on (for messages). */
  page: number;
}

export interface BdbHashMeta {
  littleEndian: boolean;
  version: number;
  pageSize: number;
  lastPage: number;
  maxBucket: number;
  spares: number[];
  /** Byte offset of the item index on hash pages and of data on overflow pages. */
  overhead: number;
  recordCount: number;
}

export class BdbHashReader {
  private readonly cache = new LruCache<number, Uint8Array>(256);

  private constructor(
    readonly src: RandomAccess,
    readonly meta: BdbHashMeta,
  ) {}

  static async open(src: RandomAccess): Promise<BdbHashReader> {
    if (src.size < 512) throw corruptDb(`file of ${src.size} bytes is too small for a Berkeley DB`, 'bdb meta page', 0, src.name);
    const m = await src.read(0, 512, 'bdb meta page');
    const dv = new DataView(m.buffer, m.byteOffset, m.byteLength);
    let le: boolean;
    if (dv.getUint32(12, true) === HASH_MAGIC) le = true;
    else if (dv.getUint32(12, false) === HASH_MAGIC) le = false;
    else throw dbError('UNSUPPORTED_FILESYSTEM', `${src.name} is not a Berkeley DB hash database`, { structure: 'bdb meta page', offset: 12, path: src.name });
    const u32 = (off: number) => dv.getUint32(off, le);
    const version = u32(16);
    const pageSize = u32(20);
    if (version < 8 || version > 10) throw dbError('UNSUPPORTED_FILESYSTEM', `unsupported Berkeley DB hash version ${version}`, { structure: 'bdb meta page', offset: 16, path: src.name });
    if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) throw corruptDb(`invalid page size ${pageSize}`, 'bdb meta page', 20, src.name);
    if (m[24] !== 0) throw dbError('UNSUPPORTED_FILESYSTEM', 'encrypted Berkeley DB databases are not supported', { structure: 'bdb meta page', offset: 24, path: src.name });
    if (m[25] !== P_HASHMETA) throw corruptDb(`meta page has type ${m[25]}, expected ${P_HASHMETA}`, 'bdb meta page', 25, src.name);
    // Pages past the end of a truncated file are reported when a chain reaches them.
    const lastPage = u32(32);
    const maxBucket = u32(72);
    // Every bucket owns at least one page, so the bucket count is bounded by the file itself.
    const filePages = Math.ceil(src.size / pageSize);
    if (maxBucket > lastPage || maxBucket >= filePages) {
      throw corruptDb(`max bucket ${maxBucket} does not fit ${Math.min(lastPage, filePages - 1)} pages`, 'bdb meta page', 72, src.name);
    }
    const spares: number[] = [];
    for (let i = 0; i < 32; i++) spares.push(u32(96 + i * 4));
    const overhead = SIZEOF_PAGE + ((m[26]! & DBMETA_CHKSUM) !== 0 ? 6 : 0);
    return new BdbHashReader(src, { littleEndian: le, version, pageSize, lastPage, maxBucket, spares, overhead, recordCount: u32(44) });
  }

  /** First page of a bucket: bucket + spares[ceil(log2(bucket + 1))]. */
  bucketPage(bucket: number): number {
    let bits = 0;
    for (let b = bucket; b > 0; b >>>= 1) bits++;
    return bucket + this.meta.spares[bits]!;
  }

  /**
   * Every key/value pair, bucket by bucket. A damaged bucket chain or item is reported in
   * `warnings` and skipped; the rest of the database is still read.
   */
  async *records(warnings: string[]): AsyncGenerator<BdbRecord> {
    const seen = new Set<number>();
    for (let bucket = 0; bucket <= this.meta.maxBucket; bucket++) {
      let pgno = this.bucketPage(bucket);
      try {
        while (pgno !== 0) {
          if (seen.has(pgno)) throw corruptDb(`page ${pgno} is linked twice (cycle)`, `bdb bucket ${bucket}`, pgno * this.meta.pageSize, this.src.name);
          seen.add(pgno);
          const page = await this.page(pgno, `bdb bucket ${bucket} page ${pgno}`);
          const type = page[25]!;
          if (type === 0 && this.pgnoOf(page) === 0) break; // never-written bucket page: empty
          if (type !== P_HASH && type !== P_HASH_UNSORTED) {
            throw corruptDb(`page has type ${type}, expected a hash page`, `bdb page ${pgno}`, pgno * this.meta.pageSize + 25, this.src.name);
          }
          yield* this.pagePairs(page, pgno, warnings);
          pgno = this.u32(page, 16);
        }
      } catch (err) {
        warn(warnings, `Berkeley DB bucket ${bucket} skipped: ${describe(err)}`);
      }
    }
  }

  private async *pagePairs(page: Uint8Array, pgno: number, warnings: string[]): AsyncGenerator<BdbRecord> {
    const { pageSize, overhead } = this.meta;
    const entries = this.u16(page, 20);
    const where = `bdb page ${pgno}`;
    const base = pgno * pageSize;
    if (overhead + entries * 2 > pageSize) throw corruptDb(`${entries} items do not fit the page`, where, base + 20, this.src.name);
    const offsets: number[] = [];
    for (let i = 0; i < entries; i++) {
      const off = this.u16(page, overhead + i * 2);
      if (off < overhead + entries * 2 || off >= pageSize) throw corruptDb(`item ${i} offset ${off} is outside the page`, where, base + overhead + i * 2, this.src.name);
      offsets.push(off);
    }
    for (let i = 0; i + 1 < entries; i += 2) {
      try {
        const key = await this.item(page, offsets, i, pgno);
        const value = await this.item(page, offsets, i + 1, pgno);
        yield { key, value, page: pgno };
      } catch (err) {
        warn(warnings, `Berkeley DB item ${i / 2} on page ${pgno} skipped: ${describe(err)}`);
      }
    }
  }

  /** Items are packed from the page end downwards: each one ends where the previous starts. */
  private async item(page: Uint8Array, offsets: number[], i: number, pgno: number): Promise<Uint8Array> {
    const where = `bdb page ${pgno} item ${i}`;
    const off = offsets[i]!;
    const end = i === 0 ? this.meta.pageSize : offsets[i - 1]!;
    if (end <= off) throw corruptDb('item has no bytes', where, pgno * this.meta.pageSize + off, this.src.name);
    const type = page[off]!;
    if (type === H_KEYDATA) return page.slice(off + 1, end);
    if (type === H_OFFPAGE) {
      if (end - off < 12) throw corruptDb('off-page item is truncated', where, pgno * this.meta.pageSize + off, this.src.name);
      return this.overflow(this.u32(page, off + 4), this.u32(page, off + 8), where);
    }
    if (type === H_DUPLICATE || type === H_OFFDUP) throw dbError('UNSUPPORTED_FILESYSTEM', 'duplicate-key items are not supported', { structure: where });
    throw corruptDb(`unknown item type ${type}`, where, pgno * this.meta.pageSize + off, this.src.name);
  }

  /** Reassembles an item stored on a chain of overflow pages. */
  private async overflow(first: number, total: number, where: string): Promise<Uint8Array> {
    const { pageSize, overhead } = this.meta;
    if (total === 0 || total > LIMITS.headerBytes || total > this.src.size) throw corruptDb(`overflow item claims ${total} bytes`, where);
    const out = new Uint8Array(total);
    const maxPages = Math.ceil(total / (pageSize - overhead)) + 1;
    let pgno = first;
    let pos = 0;
    for (let n = 0; pos < total; n++) {
      if (n >= maxPages || pgno === 0) throw corruptDb(`overflow chain ends after ${pos} of ${total} bytes`, where);
      const page = await this.page(pgno, `bdb overflow page ${pgno}`);
      if (page[25] !== P_OVERFLOW) throw corruptDb(`page ${pgno} has type ${page[25]}, expected overflow`, where, pgno * pageSize + 25, this.src.name);
      const len = this.u16(page, 22);
      if (len === 0 || overhead + len > pageSize || pos + len > total) throw corruptDb(`overflow page ${pgno} holds ${len} bytes`, where, pgno * pageSize + 22, this.src.name);
      out.set(page.subarray(overhead, overhead + len), pos);
      pos += len;
      pgno = this.u32(page, 16);
    }
    return out;
  }

  private async page(pgno: number, structure: string): Promise<Uint8Array> {
    const { pageSize, lastPage } = this.meta;
    if (pgno < 1 || pgno > lastPage) throw corruptDb(`page number ${pgno} is outside 1..${lastPage}`, structure, undefined, this.src.name);
    const hit = this.cache.get(pgno);
    if (hit) return hit;
    const page = await this.src.read(pgno * pageSize, pageSize, structure);
    const stored = this.pgnoOf(page);
    if (stored !== pgno && !(stored === 0 && page[25] === 0)) throw corruptDb(`page ${pgno} says it is page ${stored}`, structure, pgno * pageSize + 8, this.src.name);
    this.cache.set(pgno, page);
    return page;
  }

  private pgnoOf(page: Uint8Array): number {
    return this.u32(page, 8);
  }
  private u32(b: Uint8Array, off: number): number {
    return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off, this.meta.littleEndian);
  }
  private u16(b: Uint8Array, off: number): number {
    return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint16(off, this.meta.littleEndian);
  }

  /** Reads a 4-byte record key (rpm's header instance number) in the database's byte order. */
  keyNumber(key: Uint8Array): number | undefined {
    if (key.length !== 4) return undefined;
    return this.u32(key, 0);
  }
}
