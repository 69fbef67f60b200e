import { GuestPathError, isMissingPath } from '../errors.js';
import type { DirEntry, FileSystemDriver, NodeRef, Stat } from './types.js';

/** One filesystem mounted at a guest path. */
export interface Mount {
  /** Guest mount point, normalised: "/" or "/boot/efi". */
  path: string;
  fs: FileSystemDriver;
  /** Device name it came from (/dev/sda1, /dev/vg0/root, btrfsvol:/dev/sda2/@). */
  device: string;
}

interface Resolved {
  mount: Mount;
  node: NodeRef;
  /** Canonical guest path after symlink resolution. */
  path: string;
}

/** Linux's limit on symlinks followed while resolving one path. */
const MAX_SYMLINKS = 40;
const MAX_COMPONENTS = 4096;

/**
 * The guest's view of its files: filesystems stacked at mount points, with every path resolved
 * inside the guest. Absolute symlinks restart at the guest root, ".." stops at the root, and
 * nothing here ever touches the host filesystem.
 */
export class GuestFileSystem {
  private readonly mounts: Map<string, Mount>;

  constructor(mounts: Mount[]) {
    if (!mounts.some((m) => m.path === '/')) throw new GuestPathError('INVALID_ARGUMENT', 'no filesystem is mounted at /');
    this.mounts = new Map(mounts.map((m) => [normalize(m.path), { ...m, path: normalize(m.path) }]));
  }

  get mountList(): Mount[] {
    return [...this.mounts.values()].sort((a, b) => a.path.length - b.path.length || a.path.localeCompare(b.path));
  }

  /** Resolves a path; `followLast` decides whether a final symlink is followed (stat vs lstat). */
  async resolve(path: string, followLast = true): Promise<Resolved> {
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new GuestPathError('INVALID_ARGUMENT', `guest paths must be absolute: "${path}"`, { path });
    }
    const root = this.mounts.get('/')!;
    // Stack of resolved ancestors; the top is the current directory.
    let stack: Resolved[] = [{ mount: root, node: await root.fs.root(), path: '/' }];
    const pending = path.split('/').filter((c) => c.length > 0).reverse();
    let symlinks = 0;
    let steps = 0;
    while (pending.length > 0) {
      if (++steps > MAX_COMPONENTS * 4) throw new GuestPathError('LIMIT_EXCEEDED', `path resolution of ${path} took too many steps`, { path });
      const name = pending.pop()!;
      if (name === '.') continue;
      if (name === '..') {
        if (stack.length > 1) stack.pop();
        continue;
      }
      const dir = stack[stack.length - 1]!;
      const dirStat = await dir.mount.fs.stat(dir.node);
      if (dirStat.type !== 'dir') throw new GuestPathError('NOT_A_DIRECTORY', `${dir.path} is not a directory`, { path });
      const childPath = join(dir.path, name);
      let child: Resolved;
      const mounted = this.mounts.get(childPath);
      if (mounted) {
        child = { mount: mounted, node: await mounted.fs.root(), path: childPath };
      } else {
        const node = await dir.mount.fs.lookup(dir.node, name);
        if (node === undefined) throw new GuestPathError('NOT_FOUND', `no such file or directory: ${childPath}`, { path });
        child = { mount: dir.mount, node, path: childPath };
      }
      const isLast = pending.length === 0;
      if (!isLast || followLast) {
        const st = await child.mount.fs.stat(child.node);
        if (st.type === 'symlink') {
          if (++symlinks > MAX_SYMLINKS) throw new GuestPathError('SYMLINK_LOOP', `too many levels of symbolic links resolving ${path}`, { path });
          const target = await child.mount.fs.readlink(child.node);
          if (target.length === 0) throw new GuestPathError('NOT_FOUND', `empty symlink ${childPath}`, { path });
          const parts = target.split('/').filter((c) => c.length > 0);
          if (pending.length + parts.length > MAX_COMPONENTS) throw new GuestPathError('LIMIT_EXCEEDED', `path ${path} is too long`, { path });
          for (let i = parts.length - 1; i >= 0; i--) pending.push(parts[i]!);
          if (target.startsWith('/')) stack = [stack[0]!];
          continue;
        }
      }
      stack.push(child);
    }
    return stack[stack.length - 1]!;
  }

  async lstat(path: string): Promise<Stat> {
    const r = await this.resolve(path, false);
    return r.mount.fs.stat(r.node);
  }

  async stat(path: string): Promise<Stat> {
    const r = await this.resolve(path, true);
    return r.mount.fs.stat(r.node);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.resolve(path, false);
      return true;
    } catch (err) {
      if (isMissingPath(err)) return false;
      throw err;
    }
  }

  async readlink(path: string): Promise<string> {
    const r = await this.resolve(path, false);
    const st = await r.mount.fs.stat(r.node);
    if (st.type !== 'symlink') throw new GuestPathError('NOT_A_SYMLINK', `${path} is not a symbolic link`, { path });
    return r.mount.fs.readlink(r.node);
  }

  /** Directory entries, sorted by name; mount points show the mounted filesystem's root. */
  async readdir(path: string): Promise<DirEntry[]> {
    const r = await this.resolve(path, true);
    const st = await r.mount.fs.stat(r.node);
    if (st.type !== 'dir') throw new GuestPathError('NOT_A_DIRECTORY', `${path} is not a directory`, { path });
    const entries = checkNames(await r.mount.fs.readdir(r.node), path);
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Reads a whole regular file (following symlinks), refusing files above `maxBytes`. */
  async readFile(path: string, maxBytes = 256 * 1024 * 1024): Promise<Uint8Array> {
    const r = await this.resolve(path, true);
    const st = await r.mount.fs.stat(r.node);
    if (st.type === 'dir') throw new GuestPathError('IS_A_DIRECTORY', `${path} is a directory`, { path });
    if (st.type !== 'file') throw new GuestPathError('INVALID_ARGUMENT', `${path} is not a regular file (${st.type})`, { path });
    if (st.size > maxBytes) throw new GuestPathError('LIMIT_EXCEEDED', `${path} is ${st.size} bytes, more than the ${maxBytes}-byte limit`, { path });
    return this.readRange(r, 0, st.size);
  }

  /** Reads a text file, or returns undefined when it does not exist. */
  async readText(path: string, maxBytes = 16 * 1024 * 1024): Promise<string | undefined> {
    try {
      return new TextDecoder().decode(await this.readFile(path, maxBytes));
    } catch (err) {
      if (isMissingPath(err)) return undefined;
      throw err;
    }
  }

  /** Streams a file in chunks (for cat, copy-out and hashing without holding it in memory). */
  async *stream(path: string, chunk = 1024 * 1024): AsyncGenerator<Uint8Array> {
    const r = await this.resolve(path, true);
    const st = await r.mount.fs.stat(r.node);
    if (st.type === 'dir') throw new GuestPathError('IS_A_DIRECTORY', `${path} is a directory`, { path });
    if (st.type !== 'file') throw new GuestPathError('INVALID_ARGUMENT', `${path} is not a regular file (${st.type})`, { path });
    for (let off = 0; off < st.size; ) {
      const n = Math.min(chunk, st.size - off);
      const data = await r.mount.fs.read(r.node, off, n);
      if (data.length === 0) throw new GuestPathError('IO_ERROR', `short read of ${path} at ${off}`, { path });
      yield data;
      off += data.length;
    }
  }

  private async readRange(r: Resolved, offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(length);
    let pos = 0;
    while (pos < length) {
      const data = await r.mount.fs.read(r.node, offset + pos, Math.min(length - pos, 8 * 1024 * 1024));
      if (data.length === 0) throw new GuestPathError('IO_ERROR', `short read of ${r.path} at ${offset + pos}`, { path: r.path });
      out.set(data, pos);
      pos += data.length;
    }
    return out;
  }

  /**
   * Walks a subtree depth-first without following symlinks, yielding every path (the start
   * included) with its lstat. Directory cycles (a corrupt entry pointing at an ancestor) and
   * runaway depth end in a typed error rather than a hang.
   */
  async *walk(start: string, maxDepth = 1024): AsyncGenerator<{ path: string; stat: Stat }> {
    const r = await this.resolve(start, false);
    const st = await r.mount.fs.stat(r.node);
    const startPath = normalize(start);
    yield { path: startPath, stat: st };
    if (st.type !== 'dir') return;
    const ancestors = new Set<string>([identity(r.mount, r.node)]);
    yield* this.walkDir(r.mount, r.node, startPath, ancestors, 0, maxDepth);
  }

  private async *walkDir(
    mount: Mount,
    node: NodeRef,
    path: string,
    ancestors: Set<string>,
    depth: number,
    maxDepth: number,
  ): AsyncGenerator<{ path: string; stat: Stat }> {
    if (depth >= maxDepth) throw new GuestPathError('LIMIT_EXCEEDED', `directory tree deeper than ${maxDepth} at ${path}`, { path });
    const entries = checkNames(await mount.fs.readdir(node), path).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childPath = join(path, e.name);
      const sub = this.mounts.get(childPath);
      const childMount = sub ?? mount;
      const childNode = sub ? await sub.fs.root() : e.node;
      const st = await childMount.fs.stat(childNode);
      yield { path: childPath, stat: st };
      if (st.type === 'dir') {
        const id = identity(childMount, childNode);
        if (ancestors.has(id)) throw new GuestPathError('CORRUPT_FILESYSTEM', `directory cycle: ${childPath} is its own ancestor`, { path: childPath });
        ancestors.add(id);
        yield* this.walkDir(childMount, childNode, childPath, ancestors, depth + 1, maxDepth);
        ancestors.delete(id);
      }
    }
  }
}

/**
 * A hostile filesystem can store names like "..", "a/b" or "" in a directory; they would let a
 * copy escape its destination, so they are refused here for every driver at once.
 */
function checkNames(entries: DirEntry[], dir: string): DirEntry[] {
  for (const e of entries) {
    if (e.name === '' || e.name === '.' || e.name === '..' || e.name.includes('/') || e.name.includes('\0')) {
      throw new GuestPathError('CORRUPT_FILESYSTEM', `directory ${dir} contains an invalid name ${JSON.stringify(e.name)}`, { path: dir });
    }
  }
  return entries;
}

/** Node refs are unique within a filesystem (btrfs refs include the subvolume), so they identify directories. */
function identity(m: Mount, node: NodeRef): string {
  return `${m.path}\0${typeof node}:${String(node)}`;
}

/** Lexical normalisation of an absolute guest path (no symlinks involved). */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const c of path.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') out.pop();
    else out.push(c);
  }
  return '/' + out.join('/');
}

function join(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}
