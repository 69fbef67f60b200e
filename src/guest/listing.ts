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
}

async function entry(view: GuestFileSystem, path: string, st: Stat): Promise<ListingEntry> {
  const e: ListingEntry = { path, type: st.type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtime: st.mtime };
  if (st.type === 'symlink') e.target = await view.readlink(path);
  return e;
}

/**
 * Lists a guest path: a directory's entries (or the path itself when it is not a directory);
 * with `recursive`, the whole subtree including the path itself.
 */
export async function* listGuestPath(view: GuestFileSystem, path: string, recursive: boolean): AsyncGenerator<ListingEntry> {
  if (recursive) {
    for await (const { path: p, stat } of view.walk(path)) yield await entry(view, p, stat);
    return;
  }
  const st = await view.stat(path);
  if (st.type !== 'dir') {
    yield await entry(view, path, await view.lstat(path));
    return;
  }
  const base = path.endsWith('/') ? path : path + '/';
  for (const e of await view.readdir(path)) {
    const p = base + e.name;
    yield await entry(view, p, await view.lstat(p));
  }
}
