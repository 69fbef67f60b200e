/**
 * The sandboxed side of brokered file access. A handler in a sandbox opens its image with the
 * ordinary `fs/promises` open()/stat() (as the disk layer's HostFile does); for paths inside
 * the brokered folders those calls are answered by the executor's FileBroker over the message
 * stream, everything else goes to the sandbox's own (nearly empty) file system.
 */
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { resolve, sep } from 'node:path';
import type { BrokeredStat, FileReply, FileRequest } from './protocol.js';

/** Bytes per broker round trip; the executor refuses more than 16 MiB per read. */
const CHUNK = 8 * 1024 * 1024;

export type FileRequester = (req: FileRequest) => Promise<FileReply>;

function errnoError(code: string, message: string, syscall: string, path?: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: ${message}, ${syscall}${path !== undefined ? ` '${path}'` : ''}`);
  e.code = code;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  return e;
}

/** A Stats look-alike with what callers of stat() use. */
function statsOf(s: BrokeredStat) {
  const mtime = new Date(s.mtimeMs);
  return {
    size: s.size,
    mode: s.mode,
    dev: s.dev,
    ino: s.ino,
    nlink: 1,
    blksize: 4096,
    blocks: Math.ceil(s.size / 512),
    mtimeMs: s.mtimeMs,
    mtime,
    ctimeMs: s.mtimeMs,
    ctime: mtime,
    isFile: () => s.kind === 'file',
    isDirectory: () => s.kind === 'directory',
    isBlockDevice: () => false,
    isCharacterDevice: () => false,
    isSymbolicLink: () => false,
    isFIFO: () => false,
    isSocket: () => false,
  };
}

async function call(request: FileRequester, req: FileRequest, syscall: string, path?: string): Promise<Extract<FileReply, { ok: true }>> {
  const r = await request(req);
  if (!r.ok) throw errnoError(r.code, r.message, syscall, path);
  return r;
}

/** The subset of FileHandle that reading code uses: stat, positional read, close. */
export class BrokeredFileHandle {
  readonly fd = -1;
  private position = 0;
  private closed = false;

  constructor(
    private readonly request: FileRequester,
    private readonly handle: number,
    private readonly st: BrokeredStat,
    readonly path: string,
  ) {}

  async stat() {
    return statsOf(this.st);
  }

  async read(
    bufferOrOptions?: NodeJS.ArrayBufferView | { buffer?: NodeJS.ArrayBufferView; offset?: number; length?: number; position?: number | null },
    offsetArg?: number,
    lengthArg?: number,
    positionArg?: number | null,
  ): Promise<{ bytesRead: number; buffer: NodeJS.ArrayBufferView }> {
    let buffer: NodeJS.ArrayBufferView;
    let offset: number;
    let length: number;
    let position: number | null | undefined;
    if (bufferOrOptions === undefined || !ArrayBuffer.isView(bufferOrOptions)) {
      const o = bufferOrOptions ?? {};
      buffer = o.buffer ?? Buffer.alloc(16384);
      offset = o.offset ?? 0;
      length = o.length ?? buffer.byteLength - offset;
      position = o.position;
    } else {
      buffer = bufferOrOptions;
      offset = offsetArg ?? 0;
      length = lengthArg ?? buffer.byteLength - offset;
      position = positionArg;
    }
    if (this.closed) throw errnoError('EBADF', 'file handle closed', 'read', this.path);
    if (offset < 0 || length < 0 || offset + length > buffer.byteLength) throw new RangeError(`read of ${length} bytes at buffer offset ${offset} overflows a ${buffer.byteLength}-byte buffer`);
    const sequential = position === null || position === undefined || position < 0;
    let pos = sequential ? this.position : position!;
    const target = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
    let done = 0;
    while (done < length) {
      const want = Math.min(CHUNK, length - done);
      const r = await call(this.request, { op: 'read', handle: this.handle, position: pos, length: want }, 'read', this.path);
      const data = r.data ?? new Uint8Array(0);
      target.set(data.subarray(0, want), done);
      done += data.length;
      pos += data.length;
      if (data.length < want) break;
    }
    if (sequential) this.position = pos;
    return { bytesRead: done, buffer };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await call(this.request, { op: 'close', handle: this.handle }, 'close', this.path);
  }
}

/** True when `path` lies inside one of the folders. */
export function inFolders(path: string, folders: readonly string[]): boolean {
  const p = resolve(path);
  return folders.some((d) => p === d || p.startsWith(d.endsWith(sep) ? d : d + sep));
}

/**
 * Routes fs/promises open() and stat() for paths inside `folders` to the broker (read-only opens
 * only). Named ESM imports (`import { open } from 'node:fs/promises'`) see the change too.
 */
export function installBrokeredFs(folders: readonly string[], request: FileRequester): void {
  if (folders.length === 0) return;
  const realOpen = fsp.open;
  const realStat = fsp.stat;
  const pathOf = (p: unknown): string | undefined => (typeof p === 'string' ? p : p instanceof URL && p.protocol === 'file:' ? decodeURIComponent(p.pathname) : undefined);
  const open = async (path: unknown, flags?: unknown, mode?: unknown) => {
    const p = pathOf(path);
    if (p === undefined || !inFolders(p, folders)) return (realOpen as (...a: unknown[]) => Promise<unknown>)(path, flags, mode);
    if (flags !== undefined && flags !== 'r' && flags !== 0) throw errnoError('EROFS', 'the image is read-only in the sandbox', 'open', p);
    const r = await call(request, { op: 'open', path: resolve(p) }, 'open', p);
    if (r.handle === undefined || !r.stat) throw errnoError('EIO', 'broker returned no handle', 'open', p);
    return new BrokeredFileHandle(request, r.handle, r.stat, p);
  };
  const stat = async (path: unknown, opts?: unknown) => {
    const p = pathOf(path);
    if (p === undefined || !inFolders(p, folders)) return (realStat as (...a: unknown[]) => Promise<unknown>)(path, opts);
    const r = await call(request, { op: 'stat', path: resolve(p) }, 'stat', p);
    if (!r.stat) throw errnoError('EIO', 'broker returned no stat', 'stat', p);
    return statsOf(r.stat);
  };
  (fsp as { open: unknown }).open = open;
  (fsp as { stat: unknown }).stat = stat;
  syncBuiltinESMExports();
}
