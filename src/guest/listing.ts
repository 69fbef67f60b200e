import { createHash, getHashes } from 'node:crypto';
import { GuestguardError } from '../errors.js';
import type { GuestFileSystem } from '../fs/vfs.js';
import type { FileType, Stat } from '../fs/types.js';

/** One row of `ls --json`: the stable shape tests and tools rely on. */
export interface ListingEntry {
  path: string;
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  target?: string;
  /** Hex digest of a regular file's content, when a checksum was asked for. */
  checksum?: string;
}

export interface ListOptions {
  recursive?: boolean;
  /** Node crypto hash name (sha256, sha1, md5, sha512...) to digest every regular file with. */
  checksum?: string;
  /**
   * Entries prepared at once in a recursive listing (default 16). Reading and hashing a file
   * waits on image I/O; overlapping several keeps the process busy. Output order is unchanged.
   */
  concurrency?: number;
}

async function entry(view: GuestFileSystem, path: string, st: Stat, checksum: string | undefined): Promise<ListingEntry> {
  const e: ListingEntry = { path, type: st.type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtime: st.mtime };
  if (st.type === 'symlink') e.target = await view.readlink(path);
  if (checksum && st.type === 'file') e.checksum = await hashGuestFile(view, path, checksum);
  return e;
}

/** Streams a guest file through a hash (never holding the whole file in memory). */
export async function hashGuestFile(view: GuestFileSystem, path: string, algorithm: string): Promise<string> {
  const h = createHash(algorithm);
  for await (const chunk of view.stream(path)) h.update(chunk);
  return h.digest('hex');
}

/**
 * Lists a guest path: a directory's entries (or the path itself when it is not a directory);
 * with `recursive`, the whole subtree including the path itself.
 */
export async function* listGuestPath(view: GuestFileSystem, path: string, opts: ListOptions = {}): AsyncGenerator<ListingEntry> {
  const sum = opts.checksum;
  if (sum !== undefined && !getHashes().includes(sum)) {
    throw new GuestguardError('INVALID_ARGUMENT', `unknown checksum type "${sum}" (try sha256, sha1, md5, sha512)`);
  }
  if (opts.recursive) {
    yield* inOrder(view.walk(path), ({ path: p, stat }) => entry(view, p, stat, sum), Math.max(1, opts.concurrency ?? 16));
    return;
  }
  const st = await view.stat(path);
  if (st.type !== 'dir') {
    yield await entry(view, path, await view.lstat(path), sum);
    return;
  }
  const base = path.endsWith('/') ? path : path + '/';
  for (const e of await view.readdir(path)) {
    const p = base + e.name;
    yield await entry(view, p, await view.lstat(p), sum);
  }
}

/**
 * Maps an async sequence through `fn` with up to `window` calls in flight, yielding results in
 * the input order. A failure of `fn` surfaces when its turn to be yielded comes, a failure of
 * the source after every result before it.
 */
async function* inOrder<T, R>(source: AsyncIterable<T>, fn: (item: T) => Promise<R>, window: number): AsyncGenerator<R> {
  const queue: Promise<R>[] = [];
  const start = (item: T): void => {
    const p = fn(item);
    // Handled when dequeued; this only stops an early rejection being reported as unhandled.
    p.catch(() => undefined);
    queue.push(p);
  };
  const it = source[Symbol.asyncIterator]();
  let failure: { error: unknown } | undefined;
  let sourceEnded = false;
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await it.next();
      } catch (error) {
        // The source failed (a corrupt directory, say): the entries before it still come out first.
        failure = { error };
        break;
      }
      if (next.done) break;
      start(next.value);
      if (queue.length >= window) yield await queue.shift()!;
    }
    sourceEnded = true;
    while (queue.length > 0) yield await queue.shift()!;
  } finally {
    // A consumer that stops early (or a failed entry) closes the source too.
    if (!sourceEnded) await it.return?.();
  }
  if (failure) throw failure.error;
}
