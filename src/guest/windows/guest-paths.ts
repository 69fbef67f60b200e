/**
 * Case-insensitive path lookup inside a guest. NTFS and FAT drivers already match names
 * case-insensitively, but a Windows tree copied onto a case-sensitive filesystem (or a driver
 * that is exact) needs "windows/system32/CONFIG" to find "Windows/System32/config".
 */
import { GuestPathError } from '../../errors.js';
import type { GuestFileSystem } from '../../fs/vfs.js';
import { upcase } from './regf/names.js';

/** The real guest path of `relative` (components separated by "/") under `base`, or undefined. */
export async function findPath(view: GuestFileSystem, base: string, relative: string): Promise<string | undefined> {
  let cur = base === '/' ? '' : base.replace(/\/+$/, '');
  for (const part of relative.split('/').filter((p) => p.length > 0)) {
    const exact = `${cur}/${part}`;
    if (await exists(view, exact)) {
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
    const hit = entries.find((e) => upcase(e.name) === want);
    if (!hit) return undefined;
    cur = `${cur}/${hit.name}`;
  }
  return cur === '' ? '/' : cur;
}

async function exists(view: GuestFileSystem, path: string): Promise<boolean> {
  try {
    await view.stat(path);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  return err instanceof GuestPathError && (err.code === 'NOT_FOUND' || err.code === 'NOT_A_DIRECTORY');
}
