import type { BlockDevice } from '../../disk/block-device.js';
import { CachedDevice } from '../../disk/cached-device.js';
import { FileSystemError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import { LruCache } from '../../util/lru.js';
import type { DirEntry, FileSystemDriver, NodeRef, Stat, StatFs } from '../types.js';
import { listXattrs } from './attr.js';
import { mapFork, type BmbtBlock, type Extent, type XfsContext } from './bmap.js';
import * as C from './constants.js';
import { lookupDirectory, readDirectory } from './dir.js';
import { corrupt, fsError, hex, unsupported } from './errors.js';
import { checkLog } from './log.js';
import { inodeName, parseInode, type Inode } from './inode.js';
import { Geometry, parseSuperblock, type Superblock } from './superblock.js';

/** One read() may not ask for more than this (callers stream big files in chunks). */
const MAX_READ = 1 << 30;
const INODE_CACHE = 8192;
/** Slots of the direct-mapped hot metadata cache (at most 64 KiB each). */
const HOT_SLOTS = 256;
const utf8 = new TextEncoder();
const utf8d = new TextDecoder();

/** A read-only XFS (v4 and v5) filesystem. */
export class XfsFileSystem implements FileSystemDriver, XfsContext {
  readonly type = 'xfs';
  readonly label: string | undefined;
  readonly uuid: string;
  readonly caseInsensitive: boolean;
  readonly warnings: string[] = [];
  readonly geo: Geometry;
  private readonly inodes = new LruCache<number, Inode>(INODE_CACHE);
  readonly bmbtCache = new LruCache<number, BmbtBlock>(4096);
  private readonly hot: ({ offset: number; bytes: Uint8Array } | undefined)[] = new Array(HOT_SLOTS);
  private lastInode: Inode | undefined;

  private constructor(
    private readonly dev: BlockDevice,
    private readonly meta: BlockDevice,
    readonly sb: Superblock,
  ) {
    this.geo = new Geometry(sb);
    this.label = sb.label.length > 0 ? sb.label : undefined;
    this.uuid = sb.uuid;
    this.caseInsensitive = sb.asciiCi;
    if (sb.incompat & C.INCOMPAT_NEEDSREPAIR) this.warnings.push('filesystem is marked as needing xfs_repair; contents may be inconsistent');
    if (sb.logIncompat) this.warnings.push(`log uses incompatible features (${hex(sb.logIncompat)}): the filesystem was not cleanly unmounted`);
    const fsBytes = sb.dblocks * sb.blockSize;
    if (fsBytes > dev.size) this.warnings.push(`filesystem (${fsBytes} bytes) is larger than its device (${dev.size} bytes); the image may be truncated`);
  }

  static async open(dev: BlockDevice): Promise<XfsFileSystem> {
    if (dev.size < 512) throw unsupported(`${dev.name} is too small to hold XFS`, 'XFS superblock', 0);
    const meta = new CachedDevice(dev, 64 * 1024, 32 * 1024 * 1024);
    const sb = parseSuperblock(await meta.read(0, 512));
    const fs = new XfsFileSystem(dev, meta, sb);
    const log = await checkLog(fs);
    if (log === 'dirty') fs.warnings.push('the log holds changes that were never written back (unclean shutdown): recently changed files may be stale or inconsistent');
    else if (log === 'external') fs.warnings.push('the log is on an external device; could not check it for unwritten changes');
    else if (log === 'unknown') fs.warnings.push('could not read the log to check for an unclean shutdown');
    // Fail early (and clearly) if the root inode is unusable.
    const root = await fs.inode(sb.rootIno);
    if (root.type !== 'dir') throw corrupt('root inode is not a directory', inodeName(sb.rootIno), root.offset);
    return fs;
  }

  /**
   * Metadata reads. Hot blocks (directory and index blocks hit by every lookup, inode clusters)
   * are served from a small direct-mapped cache in front of the LRU block cache; the buffers
   * returned are shared and never modified.
   */
  async readMeta(offset: number, length: number): Promise<Uint8Array> {
    if (offset + length > this.meta.size) {
      throw fsError('CORRUPT_FILESYSTEM', `metadata at ${offset} (+${length}) lies beyond the end of ${this.dev.name}`, 'XFS metadata', offset);
    }
    const slot = Math.floor(offset / 512) % HOT_SLOTS;
    const hot = this.hot[slot];
    if (hot && hot.offset === offset && hot.bytes.length === length) return hot.bytes;
    const bytes = await this.meta.read(offset, length);
    if (length <= 65536) this.hot[slot] = { offset, bytes };
    return bytes;
  }

  async inode(ino: number): Promise<Inode> {
    // stat, read and xattrs of one node usually follow each other: skip the LRU for those.
    if (this.lastInode?.ino === ino) return this.lastInode;
    let ind = this.inodes.get(ino);
    if (!ind) {
      const offset = this.geo.inodeOffset(ino, inodeName(ino));
      ind = parseInode(this.sb, ino, offset, await this.readMeta(offset, this.sb.inodeSize));
      this.inodes.set(ino, ind);
    }
    this.lastInode = ind;
    return ind;
  }

  private async node(ref: NodeRef): Promise<Inode> {
    return this.inode(toIno(ref));
  }

  async root(): Promise<NodeRef> {
    return this.sb.rootIno;
  }

  async stat(ref: NodeRef): Promise<Stat> {
    const i = await this.node(ref);
    const st: Stat = {
      type: i.type,
      mode: i.mode & 0o7777,
      uid: i.uid,
      gid: i.gid,
      size: i.format === C.FMT_DEV ? 0 : i.size,
      nlink: i.nlink,
      mtime: i.mtime.sec,
      mtimeNs: i.mtime.nsec,
      atime: i.atime.sec,
      ctime: i.ctime.sec,
      ino: i.ino,
    };
    if (i.crtime) st.btime = i.crtime.sec;
    if (i.rdev !== undefined && (i.type === 'chardev' || i.type === 'blockdev')) {
      // Linux decodes XFS's sysv-style dev_t with a 9-bit major (xfs_to_linux_dev_t).
      st.rdev = { major: (i.rdev >>> 18) & 0x1ff, minor: i.rdev & 0x3ffff };
    }
    const flags = C.DIFLAG_NAMES.filter(([bit]) => i.flags & bit).map(([, n]) => n);
    if (i.flags2 & C.DIFLAG2_REFLINK) flags.push('reflink');
    if (flags.length > 0) st.flags = flags;
    return st;
  }

  async readdir(ref: NodeRef): Promise<DirEntry[]> {
    const dir = await this.node(ref);
    if (dir.type !== 'dir') throw fsError('NOT_A_DIRECTORY', `${dir.name} is not a directory`);
    return readDirectory(this, dir);
  }

  async lookup(ref: NodeRef, name: string): Promise<NodeRef | undefined> {
    const dir = await this.node(ref);
    if (dir.type !== 'dir') throw fsError('NOT_A_DIRECTORY', `${dir.name} is not a directory`);
    return lookupDirectory(this, dir, utf8.encode(name));
  }

  async read(ref: NodeRef, offset: number, length: number): Promise<Uint8Array> {
    const ind = await this.node(ref);
    if (ind.type === 'dir') throw fsError('IS_A_DIRECTORY', `${ind.name} is a directory`);
    if (ind.type !== 'file') throw fsError('INVALID_ARGUMENT', `${ind.name} is a ${ind.type}, not a regular file`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw fsError('INVALID_ARGUMENT', `bad read range ${offset}+${length}`);
    }
    const n = Math.max(0, Math.min(length, ind.size - offset));
    if (n === 0) return new Uint8Array(0);
    if (n > MAX_READ) throw fsError('LIMIT_EXCEEDED', `read of ${n} bytes is larger than ${MAX_READ}; read in chunks`);
    if (ind.flags & C.DIFLAG_REALTIME) throw unsupported('file data on the realtime device cannot be read', ind.name, ind.offset);
    return this.readData(ind, offset, n);
  }

  /** Fills holes and unwritten extents with zeros and reads physically contiguous runs at once. */
  private async readData(ind: Inode, offset: number, n: number): Promise<Uint8Array> {
    const bs = this.sb.blockSize;
    const out = new Uint8Array(n);
    const firstBlock = Math.floor(offset / bs);
    const endBlock = Math.ceil((offset + n) / bs);
    const exts = await mapFork(this, ind, 'data', firstBlock, endBlock);
    const runs = mergeRuns(exts.filter((e) => !e.unwritten));
    for (const r of runs) {
      const start = Math.max(offset, r.off * bs);
      const end = Math.min(offset + n, (r.off + r.len) * bs);
      if (end <= start) continue;
      const devOff = r.block * bs + (start - r.off * bs);
      if (devOff + (end - start) > this.dev.size) throw corrupt(`file data at ${devOff} lies beyond the end of ${this.dev.name}`, ind.name, ind.offset);
      out.set(await this.dev.read(devOff, end - start), start - offset);
    }
    return out;
  }

  async readlink(ref: NodeRef): Promise<string> {
    const ind = await this.node(ref);
    if (ind.type !== 'symlink') throw fsError('NOT_A_SYMLINK', `${ind.name} is not a symbolic link`);
    const name = `symlink ${ind.name}`;
    if (ind.size < 1 || ind.size > C.SYMLINK_MAXLEN) throw corrupt(`symlink length ${ind.size} is invalid`, name, ind.offset + 56);
    if (ind.format === C.FMT_LOCAL) {
      if (ind.size > ind.dataFork.length) throw corrupt(`inline symlink of ${ind.size} bytes does not fit the inode`, name, ind.dataForkOffset);
      return decodeTarget(ind.dataFork.subarray(0, ind.size), name, ind.dataForkOffset);
    }
    return decodeTarget(await this.remoteSymlink(ind, name), name, ind.offset);
  }

  /**
   * Remote targets: on v5 each extent (not each block) starts with an XSLM header, exactly as
   * the kernel wrote them from its allocation mappings.
   */
  private async remoteSymlink(ind: Inode, name: string): Promise<Uint8Array> {
    const bs = this.sb.blockSize;
    const hdr = this.sb.hasCrc ? C.REMOTE_HDR_V5 : 0;
    const nblocks = Math.ceil(ind.size / (bs - hdr));
    const out = new Uint8Array(ind.size);
    let done = 0;
    let next = 0;
    for (const e of await mapFork(this, ind, 'data', 0, nblocks)) {
      if (done >= ind.size) break;
      if (e.off !== next || e.unwritten) throw corrupt(`symlink block ${next} is not mapped`, name, ind.offset);
      const len = Math.min(e.len, nblocks - e.off);
      next = e.off + len;
      const at = e.block * bs;
      const buf = await this.readMeta(at, len * bs);
      const n = Math.min(ind.size - done, len * bs - hdr);
      if (hdr) {
        const v = new BinaryView(buf, name, at, FileSystemError, 'CORRUPT_FILESYSTEM');
        if (v.u32be(0) !== C.SYMLINK_MAGIC) throw corrupt('bad remote symlink block magic', name, at);
        if (v.u32be(4) !== done || v.u32be(8) !== n) throw corrupt('remote symlink header does not match its position', name, at + 4);
        if (v.u64be(32) !== BigInt(ind.ino)) throw corrupt('remote symlink block belongs to another inode', name, at + 32);
      }
      out.set(buf.subarray(hdr, hdr + n), done);
      done += n;
    }
    if (done !== ind.size) throw corrupt(`symlink target is ${done} of ${ind.size} bytes`, name, ind.offset);
    return out;
  }

  async statfs(): Promise<StatFs> {
    const sb = this.sb;
    // Like Linux's xfs_fs_statfs: the inode total is what is allocated plus what free space could hold.
    const maxInodes = Math.floor((sb.dblocks * sb.imaxPct) / 100) * 2 ** sb.inoPbLog;
    let totalInodes = sb.icount + sb.fdblocks * 2 ** sb.inoPbLog;
    if (maxInodes > 0) totalInodes = Math.min(totalInodes, maxInodes);
    totalInodes = Math.max(totalInodes, sb.icount);
    return {
      blockSize: sb.blockSize,
      totalBlocks: sb.dblocks,
      freeBlocks: Math.min(sb.fdblocks, sb.dblocks),
      totalInodes,
      freeInodes: Math.max(0, totalInodes - (sb.icount - sb.ifree)),
    };
  }

  async xattrs(ref: NodeRef): Promise<Map<string, Uint8Array>> {
    return listXattrs(this, await this.node(ref));
  }
}

/** Merges extents that continue each other both in the file and on the disk. */
function mergeRuns(exts: Extent[]): Extent[] {
  const out: Extent[] = [];
  for (const e of exts) {
    const last = out[out.length - 1];
    if (last && last.off + last.len === e.off && last.block + last.len === e.block) last.len += e.len;
    else out.push({ ...e });
  }
  return out;
}

function decodeTarget(bytes: Uint8Array, structure: string, offset: number): string {
  if (bytes.includes(0)) throw corrupt('symlink target contains NUL', structure, offset);
  return utf8d.decode(bytes);
}

function toIno(ref: NodeRef): number {
  let n: number;
  if (typeof ref === 'number') n = ref;
  else if (typeof ref === 'bigint') n = ref <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ref) : NaN;
  else n = /^[0-9]+$/.test(ref) ? Number(ref) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new FileSystemError('INVALID_ARGUMENT', `not an XFS inode number: ${String(ref)}`);
  return n;
}

