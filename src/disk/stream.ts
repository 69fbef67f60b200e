import type { BlockDevice } from './block-device.js';

export interface StreamOptions {
  /** Bytes per chunk (default 4 MiB). */
  chunkSize?: number;
  /** Reads kept in flight at once; chunks are still yielded in order (default 4). */
  readAhead?: number;
  start?: number;
  end?: number;
}

/**
 * Streams a device's bytes in order with a few reads in flight, so decompression, host I/O
 * and the consumer (a hash, a socket) overlap. Memory stays at chunkSize × readAhead.
 */
export async function* streamDevice(dev: BlockDevice, opts: StreamOptions = {}): AsyncGenerator<Uint8Array> {
  const chunk = Math.max(4096, opts.chunkSize ?? 4 * 1024 * 1024);
  const ahead = Math.max(1, Math.min(64, opts.readAhead ?? 4));
  const end = Math.min(dev.size, opts.end ?? dev.size);
  let next = Math.max(0, opts.start ?? 0);
  const queue: Promise<Uint8Array>[] = [];
  const issue = () => {
    while (queue.length < ahead && next < end) {
      const n = Math.min(chunk, end - next);
      const p = dev.read(next, n);
      p.catch(() => undefined); // surfaced when awaited below; avoids an unhandled rejection meanwhile
      queue.push(p);
      next += n;
    }
  };
  issue();
  while (queue.length > 0) {
    const data = await queue.shift()!;
    issue();
    yield data;
  }
}
