/**
 * The executor side of brokered file access: a sandboxed handler sees none of the host's files,
 * and reads its job's image through this broker instead (stat, open, positional read, close).
 * Only the files named when the broker is made are served (the image and the files of its
 * backing chain, see image-chain.ts), read-only, and only as regular files; a path is matched
 * after resolving symlinks, so a link cannot lead anywhere else. Any other path is refused with
 * FileNotBrokeredError, which the sandbox sees as ENOENT.
 */
import { open, realpath, stat, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { BrokeredStat, FileReply, FileRequest } from './protocol.js';

/** Largest single read served; the sandbox side splits bigger reads. */
export const MAX_BROKER_READ = 16 * 1024 * 1024;
/** Open handles allowed at once: this many, or two per served file when there are more files. */
const MIN_HANDLES = 64;

/**
 * A request for a path that is not one of the served files (or not a regular file). The reply
 * to the sandbox says ENOENT (`refused: true`): as far as the sandbox can tell, it does not exist.
 */
export class FileNotBrokeredError extends Error {
  readonly code = 'ENOENT';
  constructor(readonly path: string) {
    super(`no such file: ${path} (only the job's image and its backing files are readable in the sandbox)`);
    this.name = 'FileNotBrokeredError';
  }
}

export class FileBroker {
  private readonly handles = new Map<number, FileHandle>();
  private readonly maxHandles: number;
  private nextHandle = 1;
  private closed = false;

  /** `files`: real paths (symlinks resolved) of the only files served. */
  private constructor(private readonly files: ReadonlySet<string>) {
    this.maxHandles = Math.max(MIN_HANDLES, 2 * files.size);
  }

  /** A broker for the given host files (resolved now; ones that do not exist are skipped). */
  static async for(paths: readonly string[]): Promise<FileBroker> {
    const real = new Set<string>();
    for (const p of paths) {
      try {
        real.add(await realpath(resolve(p)));
      } catch {
        // a missing image is reported by the handler when it tries to open it
      }
    }
    return new FileBroker(real);
  }

  /** Folders the sandboxed side routes through the broker: where the files are named and where they really are. */
  static foldersOf(paths: readonly string[], realPaths: Iterable<string> = []): string[] {
    const dirs = new Set<string>();
    for (const p of paths) dirs.add(dirname(resolve(p)));
    for (const p of realPaths) dirs.add(dirname(p));
    return [...dirs];
  }

  get servedFiles(): string[] {
    return [...this.files];
  }

  async handle(req: FileRequest): Promise<FileReply> {
    try {
      if (this.closed) return fail('EBADF', 'file broker closed');
      switch (req.op) {
        case 'stat': {
          const p = await this.allowed(req.path);
          return { ok: true, stat: toStat(await stat(p)) };
        }
        case 'open': {
          const p = await this.allowed(req.path);
          if (this.handles.size >= this.maxHandles) return fail('EMFILE', `more than ${this.maxHandles} brokered files open`);
          const fh = await open(p, 'r');
          const st = await fh.stat();
          if (!st.isFile()) {
            await fh.close();
            throw new FileNotBrokeredError(req.path);
          }
          const handle = this.nextHandle++;
          this.handles.set(handle, fh);
          return { ok: true, handle, stat: toStat(st) };
        }
        case 'read': {
          const fh = this.handles.get(req.handle);
          if (!fh) return fail('EBADF', `no brokered file ${String(req.handle)}`);
          const { position, length } = req;
          if (!Number.isSafeInteger(position) || position < 0 || !Number.isSafeInteger(length) || length < 0 || length > MAX_BROKER_READ) {
            return fail('EINVAL', `bad read of ${String(length)} bytes at ${String(position)}`);
          }
          const buf = Buffer.allocUnsafe(length);
          let done = 0;
          while (done < length) {
            const { bytesRead } = await fh.read(buf, done, length - done, position + done);
            if (bytesRead === 0) break;
            done += bytesRead;
          }
          return { ok: true, data: new Uint8Array(buf.buffer, buf.byteOffset, done) };
        }
        case 'close': {
          const fh = this.handles.get(req.handle);
          this.handles.delete(req.handle);
          await fh?.close();
          return { ok: true };
        }
        default:
          return fail('ENOSYS', `unknown file operation ${String((req as { op?: unknown }).op)}`);
      }
    } catch (err) {
      if (err instanceof FileNotBrokeredError) return { ok: false, code: err.code, message: err.message, refused: true };
      const e = err as NodeJS.ErrnoException;
      return fail(e.code ?? 'EIO', e.message);
    }
  }

  /**
   * The real path of `path` when it is one of the served files; otherwise throws
   * FileNotBrokeredError (also for paths that do not exist: the two are not told apart).
   */
  async check(path: string): Promise<string> {
    return this.allowed(path);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.handles.values()];
    this.handles.clear();
    await Promise.allSettled(all.map((fh) => fh.close()));
  }

  private async allowed(path: unknown): Promise<string> {
    if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) throw errno('EINVAL', 'brokered paths are absolute');
    let real: string;
    try {
      real = await realpath(path);
    } catch {
      throw new FileNotBrokeredError(path);
    }
    // Anything but the job's own files does not exist, as far as the sandbox can tell.
    if (!this.files.has(real)) throw new FileNotBrokeredError(path);
    return real;
  }
}

function toStat(st: import('node:fs').Stats): BrokeredStat {
  return {
    size: st.size,
    mode: st.mode,
    mtimeMs: st.mtimeMs,
    dev: st.dev,
    ino: st.ino,
    kind: st.isFile() ? 'file' : st.isDirectory() ? 'directory' : 'other',
  };
}

function fail(code: string, message: string): FileReply {
  return { ok: false, code, message };
}

function errno(code: string, message: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(message);
  e.code = code;
  return e;
}
