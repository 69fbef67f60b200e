import type { BlockDevice } from '../../disk/block-device.js';

const BLOCK = 4096;
const MAX_CACHED_BLOCKS = 64;

/**
 * The read side of content probing: many probes look at the same first sectors, so 4 KiB
 * blocks are cached for the life of one probe run (bounded), and reads past the end of the
 * device return undefined instead of throwing — a small device simply cannot hold that
 * superblock.
 */
export class ProbeReader {
  private readonly blocks = new Map<number, Promise<Uint8Array>>();

  constructor(readonly dev: BlockDevice) {}

  get size(): number {
    return this.dev.size;
  }

  async read(offset: number, length: number): Promise<Uint8Array | undefined> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) return undefined;
    if (offset + length > this.dev.size) return undefined;
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((offset + length - 1) / BLOCK);
    if (length === 0) return new Uint8Array(0);
    if (last - first >= 8) return this.dev.read(offset, length);
    const out = new Uint8Array(length);
    for (let b = first; b <= last; b++) {
      const blk = await this.block(b);
      const bStart = b * BLOCK;
      const from = Math.max(offset, bStart);
      const to = Math.min(offset + length, bStart + blk.length);
      out.set(blk.subarray(from - bStart, to - bStart), from - offset);
    }
    return out;
  }

  private block(index: number): Promise<Uint8Array> {
    let p = this.blocks.get(index);
    if (!p) {
      if (this.blocks.size >= MAX_CACHED_BLOCKS) this.blocks.delete(this.blocks.keys().next().value!);
      const start = index * BLOCK;
      p = this.dev.read(start, Math.min(BLOCK, this.dev.size - start));
      p.catch(() => this.blocks.delete(index));
      this.blocks.set(index, p);
    }
    return p;
  }
}

/** A superblock probe: undefined when the device does not hold that format. */
export type Probe = (r: ProbeReader) => Promise<import('../types.js').ContentProbe | undefined>;
