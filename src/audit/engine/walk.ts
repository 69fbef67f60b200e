/**
 * One bounded walk of a guest subtree, keeping only what the permission checks need
 * (world-writable and setuid/setgid entries). Several rules over /usr, /etc, /var share the
 * walks of one run through AuditFacts.
 *
 * Unlike GuestFileSystem.walk, which stops at the first problem, this walk skips what it
 * cannot read (a subtree deeper than the limit, a corrupt directory, a directory seen twice)
 * and goes on with the rest, noting that the result is incomplete: a rule may still fail on
 * what was found, but cannot pass.
 */
import { GuestguardError, isMissingPath } from '../../errors.js';
import type { FileSystemDriver, FileType, NodeRef } from '../../fs/types.js';
import type { GuestFileSystem, Mount } from '../../fs/vfs.js';

/** Entries visited per walk before it stops. */
export const WALK_MAX_ENTRIES = 200_000;
/** Directory depth below the walk's start. */
export const WALK_MAX_DEPTH = 64;
/** Problems named in `incomplete` (the rest are counted). */
const MAX_PROBLEMS = 5;

export interface WalkEntry {
  path: string;
  type: FileType;
  /** mode & 0o7777 */
  mode: number;
}

export interface WalkResult {
  /** Real (symlink-free) path the walk started from; undefined when the start does not exist. */
  root: string | undefined;
  /** Entries with o+w, setuid or setgid set (symlinks excluded), in walk order. */
  entries: WalkEntry[];
  visited: number;
  /** Why parts of the subtree were not seen; undefined when the walk saw all of it. */
  incomplete?: string;
}

export interface WalkLimits {
  entries: number;
  depth: number;
}

const INTERESTING = 0o6002;
/** Entries of one directory whose inodes are read at once. */
const STAT_BATCH = 64;
/** Directories read at once. */
const WALK_LANES = 8;

interface Frame {
  fs: FileSystemDriver;
  mountPath: string;
  node: NodeRef;
  path: string;
  depth: number;
}

const join = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);

/** True when the (normalised) guest path `path` is `dir` or lies below it. */
export function isWithin(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/** Depth-first walk order: a directory before what is in it, siblings by name (code units). */
function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // "/" ends a component, so it sorts before every other character of a name.
    if (x === 0x2f) return -1;
    if (y === 0x2f) return 1;
    return x - y;
  }
  return a.length - b.length;
}

export async function walkPermissions(view: GuestFileSystem, start: string, limits: WalkLimits = { entries: WALK_MAX_ENTRIES, depth: WALK_MAX_DEPTH }): Promise<WalkResult> {
  let top;
  try {
    // A symlinked start (/bin → usr/bin on merged-/usr systems) is walked where it points.
    top = await view.resolve(start, true);
  } catch (err) {
    if (isMissingPath(err)) return { root: undefined, entries: [], visited: 0 };
    throw err;
  }
  const mounts = new Map<string, Mount>(view.mountList.map((m) => [m.path, m]));
  const out: WalkResult = { root: top.path, entries: [], visited: 0 };
  const problems: string[] = [];
  let problemCount = 0;
  const problem = (m: string) => {
    if (problemCount++ < MAX_PROBLEMS) problems.push(m);
  };
  const seenDirs = new Set<string>();
  const note = (path: string, type: FileType, mode: number) => {
    if (type !== 'symlink' && (mode & INTERESTING) !== 0) out.entries.push({ path, type, mode: mode & 0o7777 });
  };

  const st0 = await top.mount.fs.stat(top.node);
  out.visited = 1;
  note(top.path, st0.type, st0.mode);
  // Depth-first with an explicit stack, so hostile depth cannot exhaust ours. Several
  // directories are read at once: a cold walk is bound by the latency of many small image
  // reads, not by CPU. Entries are sorted into walk order (parents first, names in byte order)
  // at the end, so the result does not depend on which read finished first.
  const stack: Frame[] = st0.type === 'dir' ? [{ fs: top.mount.fs, mountPath: top.mount.path, node: top.node, path: top.path, depth: 0 }] : [];
  if (st0.type === 'dir') seenDirs.add(`${top.mount.path}\0${String(top.node)}`);
  let stopped = false;
  let claimed = 1;

  const visitDir = async (dir: Frame): Promise<void> => {
    if (dir.depth >= limits.depth) {
      problem(`${dir.path} is deeper than ${limits.depth} levels`);
      return;
    }
    let entries;
    try {
      entries = await dir.fs.readdir(dir.node);
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
      problem(`${dir.path}: ${err.message}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: Frame[] = [];
    for (let i = 0; i < entries.length && !stopped; i += STAT_BATCH) {
      const batch: { path: string; fs: FileSystemDriver; mountPath: string; node: NodeRef }[] = [];
      for (const e of entries.slice(i, i + STAT_BATCH)) {
        // Entries are claimed before their reads start, so concurrent directories cannot overshoot the limit.
        if (claimed >= limits.entries) {
          stopped = true;
          break;
        }
        if (e.name === '' || e.name === '.' || e.name === '..' || e.name.includes('/') || e.name.includes('\0')) {
          problem(`${dir.path} holds an invalid name ${JSON.stringify(e.name)}`);
          continue;
        }
        const path = join(dir.path, e.name);
        const sub = mounts.get(path);
        // Symlinks carry no permissions that matter; the directory entry already says what they are.
        claimed++;
        if (e.type === 'symlink' && !sub) {
          out.visited++;
          continue;
        }
        batch.push(sub ? { path, fs: sub.fs, mountPath: sub.path, node: e.node } : { path, fs: dir.fs, mountPath: dir.mountPath, node: e.node });
      }
      // Inode reads of one directory overlap: each is an independent small read of the image.
      const stats = await Promise.all(
        batch.map(async (b) => {
          try {
            const sub = mounts.get(b.path);
            const node = sub ? await sub.fs.root() : b.node;
            return { node, st: await b.fs.stat(node) };
          } catch (err) {
            if (!(err instanceof GuestguardError)) throw err;
            problem(`${b.path}: ${err.message}`);
            return undefined;
          }
        }),
      );
      batch.forEach((b, k) => {
        const got = stats[k];
        if (!got) return;
        out.visited++;
        note(b.path, got.st.type, got.st.mode);
        if (got.st.type !== 'dir') return;
        const id = `${b.mountPath}\0${String(got.node)}`;
        if (seenDirs.has(id)) {
          problem(`${b.path} is a directory already seen (a cycle in the directory tree)`);
          return;
        }
        seenDirs.add(id);
        subdirs.push({ fs: b.fs, mountPath: b.mountPath, node: got.node, path: b.path, depth: dir.depth + 1 });
      });
    }
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  };

  // Up to WALK_LANES directories are read at once, taken from the top of the stack.
  const inflight = new Set<Promise<void>>();
  try {
    while (stack.length > 0 || inflight.size > 0) {
      while (stack.length > 0 && inflight.size < WALK_LANES && !stopped) {
        const p: Promise<void> = visitDir(stack.pop()!).finally(() => inflight.delete(p));
        inflight.add(p);
      }
      if (inflight.size === 0) break;
      await Promise.race(inflight);
    }
  } catch (err) {
    await Promise.allSettled(inflight);
    throw err;
  }
  if (stopped) problem(`stopped after ${limits.entries} entries`);
  out.entries.sort((a, b) => comparePaths(a.path, b.path));
  if (problemCount > 0) out.incomplete = `walk of ${top.path} incomplete: ${problems.join('; ')}${problemCount > problems.length ? ` (and ${problemCount - problems.length} more)` : ''}`;
  return out;
}

/** The part of a walk below `path` (a real path), for a rule asking about a subtree of a walked root. */
export function subtree(w: WalkResult, path: string): WalkResult {
  if (w.root === undefined || path === w.root) return w;
  return {
    root: path,
    entries: w.entries.filter((e) => isWithin(e.path, path)),
    visited: w.visited,
    ...(w.incomplete !== undefined && { incomplete: w.incomplete }),
  };
}
