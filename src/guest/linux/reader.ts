/**
 * The guest view as inspection code wants it: "missing" is an answer, not an error; one bad
 * file (corrupt inode, oversized config) becomes a warning instead of ending the inspection;
 * and files read by several sections are read once.
 */
import { GuestguardError, isMissingPath } from '../../errors.js';
import type { DirEntry, Stat } from '../../fs/types.js';
import type { GuestFileSystem } from '../../fs/vfs.js';

/** Config files above this are not configuration; refusing them bounds memory on hostile guests. */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
/** Directory listings above this are truncated (a warning says so). */
export const MAX_DIR_ENTRIES = 100_000;

export class GuestReader {
  readonly warnings: string[] = [];
  private readonly texts = new Map<string, Promise<string | undefined>>();
  private readonly memo = new Map<string, Promise<unknown>>();

  constructor(readonly view: GuestFileSystem) {}

  /** Accepts either a view or a reader so section functions can share one reader's cache. */
  static of(src: GuestFileSystem | GuestReader): GuestReader {
    return src instanceof GuestReader ? src : new GuestReader(src);
  }

  warn(message: string): void {
    if (this.warnings.length < 1000 && !this.warnings.includes(message)) this.warnings.push(message);
  }

  /** Runs `fn` once per key for the life of this reader (shared facts such as enabled units). */
  once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let p = this.memo.get(key) as Promise<T> | undefined;
    if (!p) {
      p = fn();
      this.memo.set(key, p);
    }
    return p;
  }

  /** Calls `fn`; a guestguard error (corrupt metadata, limits) becomes a warning and `fallback`. */
  private async guard<T>(path: string, fallback: T, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isMissingPath(err)) return fallback;
      if (err instanceof GuestguardError) {
        this.warn(`${path}: ${err.message}`);
        return fallback;
      }
      throw err;
    }
  }

  /** Text of a regular file (symlinks followed), or undefined when absent or not a file. */
  text(path: string, maxBytes = MAX_CONFIG_BYTES): Promise<string | undefined> {
    const key = `${maxBytes}\0${path}`;
    let p = this.texts.get(key);
    if (!p) {
      p = this.guard(path, undefined, async () => {
        const st = await this.view.stat(path);
        if (st.type !== 'file') return undefined;
        if (st.size > maxBytes) {
          this.warn(`${path}: ${st.size} bytes is larger than the ${maxBytes}-byte limit for configuration files; ignored`);
          return undefined;
        }
        return new TextDecoder().decode(await this.view.readFile(path, maxBytes));
      });
      this.texts.set(key, p);
    }
    return p;
  }

  /** The first `length` bytes of a regular file (for ELF headers), or undefined. */
  head(path: string, length: number): Promise<Uint8Array | undefined> {
    return this.guard(path, undefined, async () => {
      const r = await this.view.resolve(path, true);
      const st = await r.mount.fs.stat(r.node);
      if (st.type !== 'file') return undefined;
      return r.mount.fs.read(r.node, 0, Math.min(length, st.size));
    });
  }

  stat(path: string): Promise<Stat | undefined> {
    return this.guard(path, undefined, () => this.view.stat(path));
  }

  lstat(path: string): Promise<Stat | undefined> {
    return this.guard(path, undefined, () => this.view.lstat(path));
  }

  async isFile(path: string): Promise<boolean> {
    return (await this.stat(path))?.type === 'file';
  }

  async isDir(path: string): Promise<boolean> {
    return (await this.stat(path))?.type === 'dir';
  }

  async exists(path: string): Promise<boolean> {
    return (await this.lstat(path)) !== undefined;
  }

  /** Symlink target, or undefined when the path is missing or not a symlink. */
  readlink(path: string): Promise<string | undefined> {
    return this.guard(path, undefined, async () => {
      const st = await this.view.lstat(path);
      return st.type === 'symlink' ? this.view.readlink(path) : undefined;
    });
  }

  /** Canonical guest path after symlink resolution, or undefined when it does not resolve. */
  realpath(path: string): Promise<string | undefined> {
    return this.guard(path, undefined, async () => (await this.view.resolve(path, true)).path);
  }

  /** Directory entries sorted by name; [] when the directory is absent. */
  readdir(path: string): Promise<DirEntry[]> {
    return this.guard(path, [], async () => {
      const entries = await this.view.readdir(path);
      if (entries.length > MAX_DIR_ENTRIES) {
        this.warn(`${path}: ${entries.length} entries; only the first ${MAX_DIR_ENTRIES} were read`);
        return entries.slice(0, MAX_DIR_ENTRIES);
      }
      return entries;
    });
  }

  /** Names in a directory, sorted (byte order, as systemd and run-parts sort). */
  async names(path: string): Promise<string[]> {
    return (await this.readdir(path)).map((e) => e.name);
  }
}

/** Joins a directory and a name into a guest path. */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** Resolves a symlink target text relative to the link's directory (lexically). */
export function resolveLinkTarget(linkPath: string, target: string): string {
  const base = target.startsWith('/') ? [] : linkPath.split('/').slice(0, -1);
  for (const c of target.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') base.pop();
    else base.push(c);
  }
  return '/' + base.filter((c) => c !== '').join('/');
}

/** Splits text into lines, tolerating CRLF. */
export function lines(text: string): string[] {
  return text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}
