import type { BlockDevice } from './block-device.js';
import { checkRange } from './range.js';
import { RawImage } from './raw.js';

export interface StreamOptions {
  /** Bytes per chunk (default 2 MiB: small enough to stay in the CPU cache for the consumer). */
  chunkSize?: number;
  /** Reads kept in flight at once; chunks are still yielded in order (default 4). */
  readAhead?: number;
  start?: number;
  end?: number;
  /**
   * Read into a fixed ring of readAhead + 1 buffers instead of a fresh buffer per chunk. A
   * yielded chunk is then valid only until the consumer asks for the next one (hash it, write
   * it synchronously, or copy it). Fresh multi-MiB buffers cost a page fault per 4 KiB and a
   * GC of external memory, which is most of the time of an uncached sequential read.
   */
  reuseBuffers?: boolean;
}

/** A device that can read straight into a caller's buffer (MappedImage formats). */
export interface ReadIntoDevice extends BlockDevice {
  /** Reads exactly `length` bytes at device `offset` into `buf` at `bufOffset`. */
  readInto(buf: Uint8Array, bufOffset: number, length: number, offset: number): Promise<void>;
}

type IntoReader = (buf: Uint8Array, length: number, offset: number) => Promise<void>;

/** How to read `dev` into a buffer without an intermediate copy, if it can. */
function intoReader(dev: BlockDevice): IntoReader | undefined {
  if (typeof (dev as Partial<ReadIntoDevice>).readInto === 'function') {
    const d = dev as ReadIntoDevice;
    return (buf, length, offset) => d.readInto(buf, 0, length, offset);
  }
  if (dev instanceof RawImage) {
    return async (buf, length, offset) => {
      checkRange(dev, offset, length);
      await dev.file.readInto(buf, 0, length, offset, 'raw data');
    };
  }
  return undefined;
}

/**
 * Streams a device's bytes in order with a few reads in flight, so decompression, host I/O
 * and the consumer (a hash, a socket) overlap. At most readAhead reads are in flight, and
 * memory stays at chunkSize × (readAhead + 1).
 */
export async function* streamDevice(dev: BlockDevice, opts: StreamOptions = {}): AsyncGenerator<Uint8Array> {
  const chunk = Math.max(4096, opts.chunkSize ?? 2 * 1024 * 1024);
  const ahead = Math.max(1, Math.min(64, opts.readAhead ?? 4));
  const end = Math.min(dev.size, opts.end ?? dev.size);
  let next = Math.max(0, opts.start ?? 0);
  const into = opts.reuseBuffers ? intoReader(dev) : undefined;
  // The ring: one buffer held by the consumer plus one per read in flight.
  const free: Uint8Array[] = [];
  if (into) {
    const slots = Math.min(ahead + 1, Math.ceil(Math.max(0, end - next) / chunk));
    for (let i = 0; i < slots; i++) free.push(new Uint8Array(chunk));
  }
  const queue: { data: Promise<Uint8Array>; buf: Uint8Array | undefined }[] = [];
  const issue = () => {
    while (queue.length < ahead && next < end && (!into || free.length > 0)) {
      const n = Math.min(chunk, end - next);
      const buf = into ? free.pop()! : undefined;
      const data = buf ? into!(buf, n, next).then(() => buf.subarray(0, n)) : dev.read(next, n);
      data.catch(() => undefined); // surfaced when awaited below; avoids an unhandled rejection meanwhile
      queue.push({ data, buf });
      next += n;
    }
  };
  try {
    issue();
    while (queue.length > 0) {
      const { data, buf } = queue.shift()!;
      const bytes = await data;
      issue();
      yield bytes;
      // The consumer asked for more, so the chunk it held goes back to the ring.
      if (buf) free.push(buf);
    }
  } finally {
    // On an early exit or an error, let reads still in flight end before the caller closes the device.
    await Promise.allSettled(queue.map((q) => q.data));
  }
}
