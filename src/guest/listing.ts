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
    for await (const { path: p, stat } of view.walk(path)) yield await entry(view, p, stat, sum);
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
