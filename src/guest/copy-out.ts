import { chmodSync, closeSync, fchmodSync, futimesSync, lutimesSync, mkdirSync, openSync, symlinkSync, utimesSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GuestguardError, GuestPathError } from '../errors.js';
import { normalize, type GuestFileSystem } from '../fs/vfs.js';
import type { FileSystemDriver, NodeRef, Stat } from '../fs/types.js';
import { LruCache } from '../util/lru.js';

export interface CopyOutResult {
  files: number;
  dirs: number;
  symlinks: number;
  bytes: number;
  /** Special files (devices, fifos, sockets) that were not copied. */
  skipped: string[];
}

export interface CopyOutOptions {
  /** Files read from the guest at once (default 16): overlaps the image reads of small files. */
  concurrency?: number;
}

/**
 * Copies a guest file or tree into a host folder (DEST/<basename>), keeping modes and mtimes.
 * Every host path is created fresh (O_EXCL files, new directories) and guest symlinks are
 * recreated, never followed, so nothing can be written outside DEST.
 *
 * Speed: a root filesystem is thousands of small files, so the cost is per file, not per byte.
 * Guest reads (asynchronous image I/O) run for several files at once, and the host side uses
 * synchronous calls on the file descriptor (open, write, fchmod, futimes, close): each takes
 * microseconds on the page cache, where a round trip through libuv's thread pool per call
 * left the process idle most of the time (profile in bench/results/fs.md).
 */
export async function copyOut(view: GuestFileSystem, guestPath: string, dest: string, opts: CopyOutOptions = {}): Promise<CopyOutResult> {
  const result: CopyOutResult = { files: 0, dirs: 0, symlinks: 0, bytes: 0, skipped: [] };
  // Lexically normalised, as the walk reports its paths ("/etc/../etc/ssh/" walks as "/etc/ssh").
  const start = normalize(guestPath);
  const baseName = start === '/' ? '' : start.slice(start.lastIndexOf('/') + 1);
  const dirTimes: { host: string; mtime: number; mode: number }[] = [];
  const pool = new TaskPool(Math.max(1, opts.concurrency ?? 16));
  const nodes = new ParentIndex(view);
  try {
    for await (const { path, stat } of view.walk(start)) {
      // A failed file copy stops the walk rather than copying on into a tree that will be
      // reported as failed.
      pool.throwIfFailed();
      const rel = path === start ? '' : path.slice(start === '/' ? 1 : start.length + 1);
      const host = join(dest, baseName, rel);
      switch (stat.type) {
        case 'dir':
          // Copying the guest root lands in DEST itself, whose mode and times stay the user's.
          // Created here, in walk order, so it exists before any file below it is queued.
          if (host !== dest) {
            mkdirSync(host, { mode: 0o700 });
            dirTimes.push({ host, mtime: stat.mtime, mode: stat.mode & 0o7777 });
          }
          result.dirs++;
          break;
        case 'file':
          await pool.add(async () => {
            const n = await copyFile(await nodes.find(path), path, host, stat);
            result.bytes += n;
            result.files++;
          });
          break;
        case 'symlink':
          await pool.add(async () => {
            const { fs, node } = await nodes.find(path);
            symlinkSync(await fs.readlink(node), host);
            try {
              lutimesSync(host, stat.mtime, stat.mtime);
            } catch {
              // Some host filesystems cannot set a symlink's times; the link itself is what matters.
            }
            result.symlinks++;
          });
          break;
        default:
          result.skipped.push(path);
      }
    }
  } finally {
    await pool.drain();
  }
  pool.throwIfFailed();
  if (result.files + result.dirs + result.symlinks === 0 && result.skipped.length > 0) {
    throw new GuestguardError('INVALID_ARGUMENT', `${guestPath} is a special file (${result.skipped.length}) and cannot be copied`);
  }
  // Directory modes and times last: writing into them would change their mtimes, and a
  // read-only mode would stop the copy.
  for (const d of dirTimes.reverse()) {
    chmodSync(d.host, d.mode);
    utimesSync(d.host, d.mtime, d.mtime);
  }
  return result;
}

/** Streams one guest file to a new host file; mode and mtime are set on the descriptor. */
async function copyFile(file: { fs: FileSystemDriver; node: NodeRef }, path: string, host: string, stat: Stat): Promise<number> {
  const fd = openSync(host, 'wx', 0o600);
  let off = 0;
  try {
    while (off < stat.size) {
      const chunk = await file.fs.read(file.node, off, Math.min(CHUNK, stat.size - off));
      if (chunk.length === 0) throw new GuestPathError('IO_ERROR', `short read of ${path} at ${off}`, { path });
      for (let done = 0; done < chunk.length; ) done += writeSync(fd, chunk, done, chunk.length - done);
      off += chunk.length;
    }
    fchmodSync(fd, stat.mode & 0o7777);
    futimesSync(fd, stat.mtime, stat.mtime);
  } finally {
    closeSync(fd);
  }
  return off;
}

const CHUNK = 1024 * 1024;

/**
 * The driver node of a walked path, found without resolving the path from the root again: each
 * parent directory is resolved and listed once (the view checks the names) and its entries are
 * looked up by name. Resolving every file's full path took a fifth of a root-filesystem copy's
 * CPU, more on XFS, whose directory lookups scan blocks. A few directories are kept: a
 * depth-first walk returns to its ancestors.
 */
class ParentIndex {
  private readonly dirs = new LruCache<string, Promise<{ fs: FileSystemDriver; entries: Map<string, NodeRef> }>>(16);

  constructor(private readonly view: GuestFileSystem) {}

  async find(path: string): Promise<{ fs: FileSystemDriver; node: NodeRef }> {
    const slash = path.lastIndexOf('/');
    const dir = slash === 0 ? '/' : path.slice(0, slash);
    let listing = this.dirs.get(dir);
    if (!listing) {
      listing = this.list(dir);
      this.dirs.set(dir, listing);
    }
    const { fs, entries } = await listing;
    const node = entries.get(path.slice(slash + 1));
    if (node === undefined) throw new GuestPathError('NOT_FOUND', `no such file or directory: ${path}`, { path });
    return { fs, node };
  }

  private async list(dir: string): Promise<{ fs: FileSystemDriver; entries: Map<string, NodeRef> }> {
    // A mount point resolves to the mounted filesystem's root, as the walk descends into it.
    const { mount } = await this.view.resolve(dir, true);
    const entries = await this.view.readdir(dir);
    return { fs: mount.fs, entries: new Map(entries.map((e) => [e.name, e.node])) };
  }
}

/** Runs at most `limit` tasks at once; remembers the first failure. */
class TaskPool {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  /** Starts a task, first waiting for a free slot. */
  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.limit) await Promise.race(this.running);
    const p: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
  }

  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.race(this.running);
  }

  throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
