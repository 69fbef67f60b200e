/**
 * Where hive bytes come from: an in-memory buffer, or a file inside a guest. A guest hive of
 * up to 16 MiB (a SYSTEM hive, a small SOFTWARE hive) is read whole, once, when it is opened:
 * every cell is then a synchronous view into one buffer. A larger one is read lazily in 64 KiB
 * chunks through a bounded LRU, so looking up a few keys in a 100 MiB SOFTWARE hive reads a
 * few hundred KiB rather than the whole file.
 */
import type { GuestFileSystem } from '../../../fs/vfs.js';
import { GuestPathError } from '../../../errors.js';
import { LruCache } from '../../../util/lru.js';
import { regError } from './errors.js';

export interface HiveSource {
  /** Bytes in the hive file. */
  readonly size: number;
  /** Guest path, for error messages. */
  readonly path?: string | undefined;
  /** Exactly `length` bytes at `offset`; callers keep the range inside `size`. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /**
   * The same bytes without waiting, when they are already in memory (a view, not a copy: never
   * modify it); undefined when they would have to be read. Optional: sources without it are
   * always read through read().
   */
  peek?(offset: number, length: number): Uint8Array | undefined;
  /** The whole file, when the source holds it in memory (read it, never modify it). */
  readonly whole?: Uint8Array;
}

export function bytesSource(input: Uint8Array, path?: string): HiveSource {
  // A plain view: Node Buffers have different slice() semantics.
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const check = (offset: number, length: number) => {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw regError('OUT_OF_RANGE', `read of ${length} bytes at ${offset} beyond the ${bytes.length}-byte hive`, 'hive file', offset, path);
    }
  };
  return {
    size: bytes.length,
    path,
    whole: bytes,
    read: async (offset, length) => {
      check(offset, length);
      return bytes.subarray(offset, offset + length);
    },
    peek: (offset, length) => {
      check(offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

const CHUNK = 64 * 1024;
/** 16 MiB of cached hive per open hive. */
const CACHE_CHUNKS = 256;
/** Hives up to this size are read whole when opened (no more memory than the chunk cache could hold). */
export const WHOLE_HIVE_MAX = CHUNK * CACHE_CHUNKS;

export interface GuestFileSourceOptions {
  /** Read the file whole when it is at most this many bytes (default WHOLE_HIVE_MAX); larger ones lazily. */
  wholeMax?: number;
}

/** Opens a hive file inside the guest: small ones read whole, large ones lazily. */
export async function guestFileSource(view: GuestFileSystem, path: string, opts: GuestFileSourceOptions = {}): Promise<HiveSource> {
  const r = await view.resolve(path, true);
  const st = await r.mount.fs.stat(r.node);
  if (st.type !== 'file') throw new GuestPathError('INVALID_ARGUMENT', `${path} is not a regular file (${st.type})`, { path });
  const size = st.size;
  const readExact = async (offset: number, length: number): Promise<Uint8Array> => {
    let out: Uint8Array | undefined;
    let done = 0;
    while (done < length) {
      const data = await r.mount.fs.read(r.node, offset + done, length - done);
      if (data.length === 0) throw new GuestPathError('IO_ERROR', `short read of ${path} at ${offset + done}`, { path });
      // The common case, one read returning everything, needs no copy.
      if (done === 0 && data.length === length) return data;
      out ??= new Uint8Array(length);
      out.set(data.subarray(0, length - done), done);
      done += Math.min(data.length, length - done);
    }
    return out ?? new Uint8Array(0);
  };
  if (size <= (opts.wholeMax ?? WHOLE_HIVE_MAX)) return bytesSource(await readExact(0, size), path);
  return new ChunkedSource(size, path, readExact);
}

/** Chunk cache over a random-access reader; reads spanning chunks are assembled from them. */
class ChunkedSource implements HiveSource {
  private readonly cache = new LruCache<number, Uint8Array>(CACHE_CHUNKS);

  constructor(
    readonly size: number,
    readonly path: string,
    private readonly readRaw: (offset: number, length: number) => Promise<Uint8Array>,
  ) {}

  private check(offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > this.size) {
      throw regError('OUT_OF_RANGE', `read of ${length} bytes at ${offset} beyond the ${this.size}-byte hive`, 'hive file', offset, this.path);
    }
  }

  peek(offset: number, length: number): Uint8Array | undefined {
    this.check(offset, length);
    const i = Math.floor(offset / CHUNK);
    if (offset + length > (i + 1) * CHUNK) return undefined;
    const c = this.cache.get(i);
    if (c === undefined) return undefined;
    const at = offset - i * CHUNK;
    return c.subarray(at, at + length);
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    this.check(offset, length);
    const first = Math.floor(offset / CHUNK);
    const last = Math.floor((offset + Math.max(length, 1) - 1) / CHUNK);
    if (first === last) {
      const c = await this.chunk(first);
      const at = offset - first * CHUNK;
      return c.subarray(at, at + length);
    }
    // Big values (up to the value-size cap) bypass the cache instead of flushing it.
    if (last - first > 4) return this.readRaw(offset, length);
    const out = new Uint8Array(length);
    for (let i = first; i <= last; i++) {
      const c = await this.chunk(i);
      const from = Math.max(offset, i * CHUNK);
      const to = Math.min(offset + length, i * CHUNK + c.length);
      out.set(c.subarray(from - i * CHUNK, to - i * CHUNK), from - offset);
    }
    return out;
  }

  private async chunk(i: number): Promise<Uint8Array> {
    let c = this.cache.get(i);
    if (c === undefined) {
      const start = i * CHUNK;
      c = await this.readRaw(start, Math.min(CHUNK, this.size - start));
      this.cache.set(i, c);
    }
    return c;
  }
}
