/**
 * Case-insensitive path lookup inside a guest. NTFS and FAT drivers already match names
 * case-insensitively, but a Windows tree copied onto a case-sensitive filesystem (or a driver
 * that is exact) needs "windows/system32/CONFIG" to find "Windows/System32/config".
 */
import { GuestPathError } from '../../errors.js';
import type { GuestFileSystem } from '../../fs/vfs.js';
import { upcase } from './regf/names.js';

/**
 * The real guest path of `relative` (components separated by "/") under `base`, spelt as the
 * names are stored (as libguestfs's case_sensitive_path answers), or undefined.
 */
export async function findPath(view: GuestFileSystem, base: string, relative: string): Promise<string | undefined> {
  let cur = base === '/' ? '' : base.replace(/\/+$/, '');
  for (const part of relative.split('/').filter((p) => p.length > 0)) {
    const exact = `${cur}/${part}`;
    const found = await lookup(view, exact);
    // An exact match on a case-sensitive filesystem is the stored name. A case-insensitive
    // driver (NTFS, FAT) also finds "WINDOWS" when "Windows" is stored, so its answer does not
    // tell the spelling: the directory listing does.
    if (found === 'exact') {
      cur = exact;
      continue;
    }
    let entries;
    try {
      entries = await view.readdir(cur === '' ? '/' : cur);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    const want = upcase(part);
    const hit = entries.find((e) => e.name === part) ?? entries.find((e) => upcase(e.name) === want);
    if (!hit) return undefined;
    cur = `${cur}/${hit.name}`;
  }
  return cur === '' ? '/' : cur;
}

/** Whether `path` exists (following symlinks), and whether that lookup matched case-insensitively. */
async function lookup(view: GuestFileSystem, path: string): Promise<'missing' | 'exact' | 'folded'> {
  try {
    const r = await view.resolve(path, true);
    return r.mount.fs.caseInsensitive === true ? 'folded' : 'exact';
  } catch (err) {
    if (isMissing(err)) return 'missing';
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  return err instanceof GuestPathError && (err.code === 'NOT_FOUND' || err.code === 'NOT_A_DIRECTORY');
}
