/** Block devices for tests: in-memory bytes, patched bytes over a real image, read counting. */
import type { BlockDevice } from '../../disk/block-device.js';
import { checkRange } from '../../disk/range.js';

/** A device over bytes in memory (corruption tests mutate the bytes between opens). */
export class MemoryDevice implements BlockDevice {
  readonly size: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly name = 'memory',
  ) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.bytes.slice(offset, offset + length);
  }
  async close(): Promise<void> {}
}

/** A real image with a few byte ranges replaced (hand-made damage or attribute changes). */
export class PatchedDevice implements BlockDevice {
  readonly size: number;
  readonly name: string;
  constructor(
    readonly inner: BlockDevice,
    readonly patches: { offset: number; bytes: Uint8Array }[],
  ) {
    this.size = inner.size;
    this.name = `${inner.name} (patched)`;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const b = new Uint8Array(await this.inner.read(offset, length));
    for (const p of this.patches) {
      const from = Math.max(offset, p.offset);
      const to = Math.min(offset + length, p.offset + p.bytes.length);
      if (from < to) b.set(p.bytes.subarray(from - p.offset, to - p.offset), from - offset);
    }
    return b;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Counts the requests that reach the device below (to check read coalescing). */
export class CountingDevice implements BlockDevice {
  reads = 0;
  bytes = 0;
  readonly size: number;
  readonly name: string;
  constructor(readonly inner: BlockDevice) {
    this.size = inner.size;
    this.name = inner.name;
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    this.reads++;
    this.bytes += length;
    return this.inner.read(offset, length);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
