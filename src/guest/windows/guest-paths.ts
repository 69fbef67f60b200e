/**
 * Case-insensitive path lookup inside a guest. NTFS and FAT drivers already match names
 * case-insensitively, but a Windows tree copied onto a case-sensitive filesystem (or a driver
 * that is exact) needs "windows/system32/CONFIG" to find "Windows/System32/config".
 */
import { isMissingPath } from '../../errors.js';
import type { DirEntry, FileSystemDriver, NodeRef } from '../../fs/types.js';
import type { GuestFileSystem } from '../../fs/vfs.js';
import { upcase } from './regf/names.js';

/**
 * A driver that can list just the entries matching a name case-insensitively (NTFS, through
 * its directory B+tree): the stored spelling of "System32/config" costs two lookups instead of
 * listings of /Windows and of System32's thousands of files.
 */
interface EntryLookup {
  lookupEntries(dir: NodeRef, name: string): Promise<DirEntry[]>;
}

function canLookupEntries(fs: FileSystemDriver): fs is FileSystemDriver & EntryLookup {
  return typeof (fs as Partial<EntryLookup>).lookupEntries === 'function';
}

/** A directory of the walk, resolved: the driver and node it is on. */
interface Dir {
  fs: FileSystemDriver;
  node: NodeRef;
}

/**
 * The real guest path of `relative` (components separated by "/") under `base`, spelt as the
 * names are stored (as libguestfs's case_sensitive_path answers), or undefined.
 */
export async function findPath(view: GuestFileSystem, base: string, relative: string): Promise<string | undefined> {
  let cur = base === '/' ? '' : base.replace(/\/+$/, '');
  const mountPoints = new Set(view.mountList.map((m) => m.path));
  /** `cur`, resolved, while the walk stays inside one directory tree of an EntryLookup driver. */
  let dir: Dir | undefined;
  for (const part of relative.split('/').filter((p) => p.length > 0)) {
    const exact = `${cur}/${part}`;
    if (!mountPoints.has(exact)) {
      dir ??= await resolveDir(view, cur === '' ? '/' : cur);
      if (dir && canLookupEntries(dir.fs)) {
        const hit = storedEntry(await dir.fs.lookupEntries(dir.node, part), part);
        // Plain files and directories only: a link may lead to another filesystem, whose
        // spelling rules the slow path below applies.
        if (hit && (hit.type === 'dir' || hit.type === 'file')) {
          cur = `${cur}/${hit.name}`;
          // The index's type can lag behind the file's own: the next step checks it with stat().
          dir = hit.type === 'dir' ? await ifDir(dir.fs, hit.node) : undefined;
          continue;
        }
      }
    }
    dir = undefined;
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
      if (isMissingPath(err)) return undefined;
      throw err;
    }
    const want = upcase(part);
    const hit = entries.find((e) => e.name === part) ?? entries.find((e) => upcase(e.name) === want);
    if (!hit) return undefined;
    cur = `${cur}/${hit.name}`;
  }
  return cur === '' ? '/' : cur;
}

/**
 * The entry a sorted listing would give for `part`: the exact name, else the first name in
 * code-unit order that equals it upper-cased.
 */
function storedEntry(candidates: DirEntry[], part: string): DirEntry | undefined {
  const exact = candidates.find((e) => e.name === part);
  if (exact) return exact;
  const want = upcase(part);
  let best: DirEntry | undefined;
  for (const e of candidates) if (upcase(e.name) === want && (best === undefined || e.name < best.name)) best = e;
  return best;
}

async function ifDir(fs: FileSystemDriver, node: NodeRef): Promise<Dir | undefined> {
  return (await fs.stat(node)).type === 'dir' ? { fs, node } : undefined;
}

/** The directory at `path` (following symlinks), or undefined when it is missing or not a directory. */
async function resolveDir(view: GuestFileSystem, path: string): Promise<Dir | undefined> {
  try {
    const r = await view.resolve(path, true);
    return await ifDir(r.mount.fs, r.node);
  } catch (err) {
    if (isMissingPath(err)) return undefined;
    throw err;
  }
}

/** Whether `path` exists (following symlinks), and whether that lookup matched case-insensitively. */
async function lookup(view: GuestFileSystem, path: string): Promise<'missing' | 'exact' | 'folded'> {
  try {
    const r = await view.resolve(path, true);
    return r.mount.fs.caseInsensitive === true ? 'folded' : 'exact';
  } catch (err) {
    if (isMissingPath(err)) return 'missing';
    throw err;
  }
}
