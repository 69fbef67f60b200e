/**
 * Reading cluster numbers out of a File Allocation Table (FAT12/16/32 and exFAT's 32-bit FAT).
 * The table is read in aligned chunks kept in a small LRU, so walking a chain is mostly
 * synchronous array access rather than one device read per cluster.
 */
import type { BlockDevice } from '../../disk/block-device.js';
import { LruCache } from '../../util/lru.js';
import { corrupt, hex } from './errors.js';

export type FatKind = 'fat12' | 'fat16' | 'fat32' | 'exfat';

/** Returned by next() at the end-of-chain marker. */
export const END_OF_CHAIN = -1;

const CHUNK = 64 * 1024;

interface KindInfo {
  /** First value meaning "end of chain". */
  eoc: number;
  /** "Bad cluster" marker. */
  bad: number;
  mask: number;
}

const KINDS: Record<FatKind, KindInfo> = {
  fat12: { eoc: 0xff8, bad: 0xff7, mask: 0xfff },
  fat16: { eoc: 0xfff8, bad: 0xfff7, mask: 0xffff },
  fat32: { eoc: 0x0ffffff8, bad: 0x0ffffff7, mask: 0x0fffffff },
  exfat: { eoc: 0xfffffff8, bad: 0xfffffff7, mask: 0xffffffff },
};

export class FatTable {
  private readonly chunks = new LruCache<number, Uint8Array>(64);
  private readonly info: KindInfo;
  readonly structure: string;

  constructor(
    private readonly dev: BlockDevice,
    readonly kind: FatKind,
    /** Byte offset of the FAT on the device. */
    readonly offset: number,
    /** Byte length of the FAT. */
    readonly length: number,
    /** Highest valid cluster number (cluster count + 1). */
    readonly maxCluster: number,
  ) {
    this.info = KINDS[kind];
    this.structure = kind === 'exfat' ? 'exFAT FAT' : `${kind.toUpperCase()} table`;
  }

  /** Byte position of a cluster's entry inside the FAT. */
  private entryPos(cluster: number): number {
    if (this.kind === 'fat12') return cluster + (cluster >> 1);
    return cluster * (this.kind === 'fat16' ? 2 : 4);
  }

  private entryLen(): number {
    return this.kind === 'fat12' || this.kind === 'fat16' ? 2 : 4;
  }

  /** The raw entry of `cluster`, or undefined when its chunk is not loaded yet. */
  rawSync(cluster: number): number | undefined {
    const pos = this.entryPos(cluster);
    const n = this.entryLen();
    const first = Math.floor(pos / CHUNK);
    const last = Math.floor((pos + n - 1) / CHUNK);
    const a = this.chunks.get(first);
    if (!a) return undefined;
    const b = last === first ? a : this.chunks.get(last);
    if (!b) return undefined;
    let v = 0;
    for (let i = n - 1; i >= 0; i--) {
      const p = pos + i;
      const byte = (Math.floor(p / CHUNK) === first ? a : b)[p % CHUNK];
      if (byte === undefined) return undefined;
      v = v * 256 + byte;
    }
    if (this.kind === 'fat12') v = cluster & 1 ? v >> 4 : v & 0xfff;
    return v;
  }

  async raw(cluster: number): Promise<number> {
    if (!Number.isInteger(cluster) || cluster < 0 || cluster > this.maxCluster) {
      throw corrupt(`cluster ${cluster} is outside 0..${this.maxCluster}`, this.structure, this.offset);
    }
    const hit = this.rawSync(cluster);
    if (hit !== undefined) return hit;
    const pos = this.entryPos(cluster);
    if (pos + this.entryLen() > this.length) {
      throw corrupt(`entry of cluster ${cluster} lies beyond the ${this.length}-byte FAT`, this.structure, this.offset + pos);
    }
    await this.load(Math.floor(pos / CHUNK));
    await this.load(Math.floor((pos + this.entryLen() - 1) / CHUNK));
    return this.rawSync(cluster)!;
  }

  private async load(chunk: number): Promise<void> {
    if (this.chunks.has(chunk)) return;
    const start = chunk * CHUNK;
    const len = Math.min(CHUNK, this.length - start);
    this.chunks.set(chunk, await this.dev.read(this.offset + start, len));
  }

  /**
   * The cluster after `cluster` in its chain, or END_OF_CHAIN. Free, reserved, bad and
   * out-of-range values inside a chain are corruption.
   */
  async next(cluster: number): Promise<number> {
    if (!(cluster >= 2 && cluster <= this.maxCluster)) {
      throw corrupt(`cluster ${cluster} is outside 2..${this.maxCluster}`, this.structure, this.offset);
    }
    const v = (this.rawSync(cluster) ?? (await this.raw(cluster))) & this.info.mask;
    return this.classify(cluster, v >>> 0);
  }

  private classify(cluster: number, v: number): number {
    if (v >= this.info.eoc) return END_OF_CHAIN;
    if (v >= 2 && v <= this.maxCluster) return v;
    const at = this.offset + this.entryPos(cluster);
    if (v === this.info.bad) throw corrupt(`cluster chain runs into bad cluster marker after cluster ${cluster}`, this.structure, at);
    if (v === 0) throw corrupt(`cluster chain runs into free cluster after cluster ${cluster}`, this.structure, at);
    throw corrupt(`cluster ${cluster} links to invalid cluster ${hex(v)}`, this.structure, at);
  }

  /** Counts free (zero) entries for clusters 2..maxCluster, reading the FAT in large sequential pieces. */
  async countFree(): Promise<number> {
    const max = this.maxCluster;
    let free = 0;
    if (this.kind === 'fat12') {
      // At most 4086 entries (6 KiB): read the used part at once.
      const bytes = await this.dev.read(this.offset, Math.min(this.length, this.entryPos(max) + 2));
      for (let c = 2; c <= max; c++) {
        const p = this.entryPos(c);
        const v = bytes[p]! | (bytes[p + 1]! << 8);
        if ((c & 1 ? v >> 4 : v & 0xfff) === 0) free++;
      }
      return free;
    }
    const size = this.entryLen();
    const end = (max + 1) * size;
    if (end > this.length) throw corrupt(`FAT of ${this.length} bytes cannot hold ${max + 1} entries`, this.structure, this.offset);
    const piece = 1 << 20;
    for (let start = 2 * size; start < end; start += piece) {
      const bytes = await this.dev.read(this.offset + start, Math.min(piece, end - start));
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let p = 0; p < bytes.length; p += size) {
        const v = size === 2 ? dv.getUint16(p, true) : dv.getUint32(p, true) & this.info.mask;
        if (v === 0) free++;
      }
    }
    return free;
  }
}
