import type { BlockDevice } from './block-device.js';
import { checkRange } from './range.js';
import { LruCache } from '../util/lru.js';
import { GuestguardError } from '../errors.js';

/**
 * A bounded LRU block cache in front of any device. Filesystem drivers issue many small,
 * repeated metadata reads; this turns them into few aligned reads of the layer below.
 */
export class CachedDevice implements BlockDevice {
  readonly size: number;
  readonly name: string;
  private readonly cache: LruCache<number, Uint8Array>;
  private readonly inflight = new Map<number, Promise<Uint8Array>>();

  constructor(
    readonly inner: BlockDevice,
    readonly blockSize = 64 * 1024,
    maxBytes = 64 * 1024 * 1024,
  ) {
    this.size = inner.size;
    this.name = inner.name;
    this.cache = new LruCache(Math.max(4, Math.floor(maxBytes / blockSize)));
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const bs = this.blockSize;
    const first = Math.floor(offset / bs);
    const last = Math.floor((offset + length - 1) / bs);
    // Large reads bypass the cache so streaming a big file does not evict all metadata.
    if (length >= 4 * bs) return this.inner.read(offset, length);
    if (first === last) {
      const blk = await this.block(first);
      const s = offset - first * bs;
      return blk.slice(s, s + length);
    }
    const out = new Uint8Array(length);
    let pos = 0;
    for (let b = first; b <= last; b++) {
      const blk = await this.block(b);
      const s = b === first ? offset - first * bs : 0;
      const n = Math.min(blk.length - s, length - pos);
      out.set(blk.subarray(s, s + n), pos);
      pos += n;
    }
    return out;
  }

  private block(index: number): Promise<Uint8Array> {
    const hit = this.cache.get(index);
    if (hit) return Promise.resolve(hit);
    const pending = this.inflight.get(index);
    if (pending) return pending;
    const start = index * this.blockSize;
    const p = this.inner.read(start, Math.min(this.blockSize, this.size - start)).then(
      (b) => {
        this.inflight.delete(index);
        this.cache.set(index, b);
        return b;
      },
      (e: unknown) => {
        this.inflight.delete(index);
        throw e;
      },
    );
    this.inflight.set(index, p);
    return p;
  }

  close(): Promise<void> {
    this.cache.clear();
    return this.inner.close();
  }
}

/** A window [start, start+size) of another device: partitions and LV segments. */
export class SliceDevice implements BlockDevice {
  constructor(
    readonly inner: BlockDevice,
    readonly start: number,
    readonly size: number,
    readonly name: string,
  ) {
    if (start < 0 || size < 0 || start + size > inner.size) {
      throw new GuestguardError('CORRUPT_VOLUME', `${name} (${start}+${size}) extends beyond ${inner.name} (${inner.size} bytes)`, { offset: start });
    }
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.inner.read(this.start + offset, length);
  }
  /** Slices do not own their parent. */
  async close(): Promise<void> {}
}
