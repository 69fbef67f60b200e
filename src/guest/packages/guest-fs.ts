/** Small helpers over the guest view that tell "missing" apart from real read errors. */
import { isMissingPath } from '../../errors.js';
import type { Stat } from '../../fs/types.js';
import type { GuestFileSystem } from '../../fs/vfs.js';

/** stat() that returns undefined for a missing path (symlinks followed). */
export async function statIfExists(view: GuestFileSystem, path: string): Promise<Stat | undefined> {
  try {
    return await view.stat(path);
  } catch (err) {
    if (isMissingPath(err)) return undefined;
    throw err;
  }
}

export async function isFile(view: GuestFileSystem, path: string): Promise<boolean> {
  return (await statIfExists(view, path))?.type === 'file';
}

export async function isDir(view: GuestFileSystem, path: string): Promise<boolean> {
  return (await statIfExists(view, path))?.type === 'dir';
}

/** Directory entry names, or [] when the directory does not exist. */
export async function listDir(view: GuestFileSystem, path: string): Promise<{ name: string; type?: string }[]> {
  try {
    return await view.readdir(path);
  } catch (err) {
    if (isMissingPath(err)) return [];
    throw err;
  }
}

/**
 * mtimes of the regular files in one directory, by name, found with one readdir and one
 * inode read per wanted entry (cheaper than resolving each path from the root).
 */
export async function mtimesIn(view: GuestFileSystem, dir: string, wanted: (name: string) => boolean): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let r;
  try {
    r = await view.resolve(dir, true);
  } catch (err) {
    if (isMissingPath(err)) return out;
    throw err;
  }
  const st = await r.mount.fs.stat(r.node);
  if (st.type !== 'dir') return out;
  for (const e of await r.mount.fs.readdir(r.node)) {
    if (!wanted(e.name)) continue;
    const s = await r.mount.fs.stat(e.node);
    if (s.type === 'file') out.set(e.name, s.mtime);
  }
  return out;
}
