import type { BlockDevice } from '../../disk/block-device.js';
import { checkRange } from '../../disk/range.js';
import { JBD2_MAGIC_BYTES, type ReplayedBlock } from './journal.js';

/**
 * The filesystem as it would be after journal recovery, without writing anything: reads of
 * blocks that the journal replaced are patched with the journal's copies.
 */
export class JournalOverlayDevice implements BlockDevice {
  readonly size: number;
  readonly name: string;
  private readonly sorted: number[];

  constructor(
    private readonly inner: BlockDevice,
    private readonly blockSize: number,
    private readonly blocks: Map<number, ReplayedBlock>,
  ) {
    this.size = inner.size;
    this.name = inner.name;
    this.sorted = [...blocks.keys()].sort((a, b) => a - b);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const data = await this.inner.read(offset, length);
    if (length === 0 || this.sorted.length === 0) return data;
    const bs = this.blockSize;
    const firstBlock = Math.floor(offset / bs);
    const lastBlock = Math.floor((offset + length - 1) / bs);
    let i = lowerBound(this.sorted, firstBlock);
    let out: Uint8Array | undefined;
    for (; i < this.sorted.length && this.sorted[i]! <= lastBlock; i++) {
      const blk = this.sorted[i]!;
      const rep = this.blocks.get(blk)!;
      let copy = await this.inner.read(rep.pblk * bs, bs);
      if (rep.escaped) {
        copy = copy.slice();
        copy.set(JBD2_MAGIC_BYTES, 0);
      }
      // Never patch the inner device's buffer in place: a cache below may own it.
      out ??= data.slice();
      const s = Math.max(offset, blk * bs);
      const e = Math.min(offset + length, (blk + 1) * bs);
      out.set(copy.subarray(s - blk * bs, e - blk * bs), s - offset);
    }
    return out ?? data;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
