/**
 * Read-only NTFS driver. Nodes are MFT record numbers (the root is 5); files are assembled from
 * their base and extension records (volume.ts), directories are read through their $I30
 * B+trees (dir-index.ts), and file data through the stream reader (stream.ts).
 *
 * Stat values follow ntfs-3g's default mount (no "permissions"/"uid"/"umask" options), which
 * is what `mount -t ntfs-3g` shows:
 * - mode 0777 for every type (fmask = dmask = 0); uid = gid = 0 (ntfs-3g shows the mounting
 *   user; guestguard has no mounting user and reports root);
 * - directories: nlink 1 (ntfs-3g sets 1 "to make find(1) work"), size = data size of the
 *   $INDEX_ALLOCATION "$I30" (0 for directories small enough to live in $INDEX_ROOT);
 * - other nodes: nlink = number of non-DOS $FILE_NAME attributes. ntfs-3g shows the record's
 *   link count, which on Windows-made files also counts a separate 8.3 name; both agree for
 *   files without DOS names (everything Linux tools create);
 * - mtime = $STANDARD_INFORMATION "last data change", ctime = "last MFT change", atime,
 *   btime = creation time, all with 100 ns precision;
 * - ntfs-3g's special files: Interix files (SYSTEM attribute; ntfs-3g creates its symlinks,
 *   FIFOs, sockets and device nodes this way) and WSL reparse points map to their POSIX
 *   types; symlink and junction reparse points are symlinks (see reparse.ts for targets);
 *   other reparse points are plain files/directories whose flags carry "reparse:0x<tag>".
 * Named data streams (ADS) appear as xattrs "user.<stream>" (ntfs-3g streams_interface=xattr).
 */
import type { BlockDevice } from '../../disk/block-device.js';
import { CachedDevice } from '../../disk/cached-device.js';
import { GuestguardError } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import type { DirEntry, FileSystemDriver, FileType, NodeRef, Stat, StatFs } from '../types.js';
import { parseBootSector, type NtfsBoot } from './boot.js';
import * as C from './constants.js';
import { DirIndex, I30, type IndexEntry } from './dir-index.js';
import { corrupt, fsError, unsupported, view } from './errors.js';
import { decideKind, type Kind } from './kind.js';
import type { NtfsNode } from './node.js';
import type { Run } from './runlist.js';
import type { Stream } from './stream.js';
import { ntfsTimeToUnix } from './time.js';
import { NtfsVolume } from './volume.js';

export interface NtfsOpenOptions {
  /** Metadata block cache size in bytes (default 32 MiB). */
  cacheBytes?: number;
}

/** One read() may not ask for more than this (callers stream larger files in pieces). */
const MAX_READ = 1 << 30;
/** Limits for xattrs(): one named stream, and all of a file's streams together. */
const MAX_XATTR_STREAM = 64 * 1024 * 1024;
const MAX_XATTR_TOTAL = 256 * 1024 * 1024;
/** Listings larger than this are not kept in the listing cache. */
const CACHE_LISTING_MAX = 20_000;
const MODE = 0o777;
const MAX_WARNINGS = 100;

/** Facts about a node's on-disk layout, for diagnostics and tests. */
export interface NodeLayout {
  record: number;
  attributeList: boolean;
  extensionRecords: number[];
  fileAttributes: number;
  streams: { type: number; name: string; resident: boolean; compressed: boolean; sparse: boolean; encrypted: boolean; size: number; initSize: number; runs: Run[] }[];
}

const FLAG_NAMES: [number, string][] = [
  [C.FILE_ATTR_READONLY, 'readonly'],
  [C.FILE_ATTR_HIDDEN, 'hidden'],
  [C.FILE_ATTR_SYSTEM, 'system'],
  [C.FILE_ATTR_ARCHIVE, 'archive'],
  [C.FILE_ATTR_TEMPORARY, 'temporary'],
  [C.FILE_ATTR_SPARSE_FILE, 'sparse'],
  [C.FILE_ATTR_COMPRESSED, 'compressed'],
  [C.FILE_ATTR_OFFLINE, 'offline'],
  [C.FILE_ATTR_NOT_CONTENT_INDEXED, 'not-content-indexed'],
  [C.FILE_ATTR_ENCRYPTED, 'encrypted'],
];

export class NtfsFileSystem implements FileSystemDriver {
  readonly type = 'ntfs';
  readonly caseInsensitive = true;
  readonly uuid: string;
  label: string | undefined;
  /** NTFS version from $VOLUME_INFORMATION ("3.1"). */
  version: string | undefined;
  readonly warnings: string[];
  private readonly index: DirIndex;
  private readonly kinds = new LruCache<number, Kind>(8192);
  private readonly listings = new LruCache<number, DirEntry[]>(16);
  private free: { clusters: number; mftRecords: number } | undefined;

  private constructor(readonly volume: NtfsVolume) {
    this.uuid = volume.boot.uuid;
    this.warnings = volume.warnings;
    this.index = new DirIndex(volume);
  }

  get boot(): NtfsBoot {
    return this.volume.boot;
  }

  static async open(dev: BlockDevice, opts: NtfsOpenOptions = {}): Promise<NtfsFileSystem> {
    if (dev.size < 512) throw unsupported(`${dev.name} is too small (${dev.size} bytes) for NTFS`);
    const cached = dev instanceof CachedDevice ? dev : new CachedDevice(dev, 64 * 1024, opts.cacheBytes ?? 32 * 1024 * 1024);
    const raw = dev instanceof CachedDevice ? dev.inner : dev;
    const boot = parseBootSector(await cached.read(0, 512), dev.size);
    const vol = await NtfsVolume.open(boot, cached, raw);
    const fs = new NtfsFileSystem(vol);
    const bytes = boot.totalClusters * boot.clusterSize;
    if (bytes > dev.size) fs.warn(`volume claims ${bytes} bytes but ${dev.name} has ${dev.size}: image truncated?`);
    await fs.readVolumeInfo();
    const root = await vol.node(C.MFT_RECORD_ROOT);
    if (!root.isDirectory || !root.has(C.AT_INDEX_ROOT, I30)) throw corrupt('the root directory is not a directory', `MFT record ${C.MFT_RECORD_ROOT}`, root.base.offset);
    return fs;
  }

  private warn(msg: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(msg);
  }

  /** Label and version from $Volume (record 3); damage there only costs the label. */
  private async readVolumeInfo(): Promise<void> {
    try {
      const node = await this.volume.node(C.MFT_RECORD_VOLUME);
      const name = node.residentValue(C.AT_VOLUME_NAME);
      if (name && name.length > 0) this.label = new TextDecoder('utf-16le').decode(name.subarray(0, name.length & ~1));
      const info = node.residentValue(C.AT_VOLUME_INFORMATION);
      if (info && info.length >= 12) {
        const v = view(info, '$VOLUME_INFORMATION', 0);
        this.version = `${v.u8(8)}.${v.u8(9)}`;
        if (v.u16le(10) & C.VOLUME_IS_DIRTY) this.warn('volume is marked dirty (not cleanly unmounted, or Windows fast startup/hibernation); showing the on-disk state');
      }
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
      this.warn(`$Volume unreadable (${err.message}); no label`);
    }
  }

  // --- nodes ---------------------------------------------------------------------------

  private recordOf(ref: NodeRef): number {
    const n = typeof ref === 'bigint' && ref <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(ref) : ref;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n >= this.volume.recordCount) {
      throw fsError('NOT_FOUND', `no MFT record ${String(ref)} (the $MFT has ${this.volume.recordCount} records)`);
    }
    return n;
  }

  private async node(ref: NodeRef): Promise<NtfsNode> {
    return this.volume.node(this.recordOf(ref));
  }

  private async kind(node: NtfsNode): Promise<Kind> {
    const hit = this.kinds.get(node.recNo);
    if (hit) return hit;
    const k = await decideKind(this.volume, node, this.std(node).fileAttributes);
    this.kinds.set(node.recNo, k);
    return k;
  }

  private std(node: NtfsNode) {
    if (!node.std) throw corrupt('file has no $STANDARD_INFORMATION', `MFT record ${node.recNo}`, node.base.offset);
    return node.std;
  }

  async root(): Promise<NodeRef> {
    return C.MFT_RECORD_ROOT;
  }

  async stat(ref: NodeRef): Promise<Stat> {
    const node = await this.node(ref);
    const std = this.std(node);
    const k = await this.kind(node);
    const m = ntfsTimeToUnix(std.modified);
    const flags = FLAG_NAMES.filter(([bit]) => std.fileAttributes & bit).map(([, name]) => name);
    if (k.reparseTag !== undefined) flags.push(`reparse:0x${k.reparseTag.toString(16).padStart(8, '0')}`);
    const names = node.names.filter((n) => n.namespace !== C.FILE_NAME_DOS).length;
    const st: Stat = {
      type: k.type,
      mode: MODE,
      uid: 0,
      gid: 0,
      size: k.size,
      nlink: k.type === 'dir' ? 1 : Math.max(1, names),
      mtime: m.sec,
      mtimeNs: m.nsec,
      atime: ntfsTimeToUnix(std.accessed).sec,
      ctime: ntfsTimeToUnix(std.mftChanged).sec,
      btime: ntfsTimeToUnix(std.created).sec,
      ino: node.recNo,
      flags,
    };
    if (k.rdev) st.rdev = k.rdev;
    return st;
  }

  private async dirNode(ref: NodeRef): Promise<NtfsNode> {
    const node = await this.node(ref);
    if ((await this.kind(node)).type !== 'dir') throw fsError('NOT_A_DIRECTORY', `MFT record ${node.recNo} is not a directory`);
    return node;
  }

  async readdir(dir: NodeRef): Promise<DirEntry[]> {
    const node = await this.dirNode(dir);
    const hit = this.listings.get(node.recNo);
    if (hit) return hit.slice();
    const out: DirEntry[] = [];
    for (const e of await this.index.list(node)) {
      // DOS 8.3 aliases and the metadata files ($MFT, $Extend, the root's "." ...) are hidden, as in ntfs-3g.
      if (e.namespace === C.FILE_NAME_DOS || e.recNo < C.FIRST_USER_RECORD) continue;
      const d: DirEntry = { name: e.name, node: e.recNo };
      const t = entryType(e);
      if (t) d.type = t;
      out.push(d);
    }
    if (out.length <= CACHE_LISTING_MAX) this.listings.set(node.recNo, out);
    return out.slice();
  }

  async lookup(dir: NodeRef, name: string): Promise<NodeRef | undefined> {
    const node = await this.dirNode(dir);
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.length > 255) return undefined;
    const matches = await this.index.find(node, name, await this.volume.upcase());
    const pick =
      matches.find((e) => e.name === name && e.namespace !== C.FILE_NAME_DOS) ??
      matches.find((e) => e.name === name) ??
      matches.find((e) => e.namespace !== C.FILE_NAME_DOS) ??
      matches[0];
    if (!pick || (pick.recNo === C.MFT_RECORD_ROOT && node.recNo === C.MFT_RECORD_ROOT)) return undefined;
    return pick.recNo;
  }

  /**
   * The entries readdir() would list whose names equal `name` under the volume's case folding,
   * found by descending the directory's B+tree instead of listing it: how a caller learns the
   * stored spelling of a name in a directory of thousands (System32) for the price of a lookup.
   */
  async lookupEntries(dir: NodeRef, name: string): Promise<DirEntry[]> {
    const node = await this.dirNode(dir);
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.length > 255) return [];
    const out: DirEntry[] = [];
    for (const e of await this.index.find(node, name, await this.volume.upcase())) {
      if (e.namespace === C.FILE_NAME_DOS || e.recNo < C.FIRST_USER_RECORD) continue;
      const d: DirEntry = { name: e.name, node: e.recNo };
      const t = entryType(e);
      if (t) d.type = t;
      out.push(d);
    }
    return out;
  }

  async read(ref: NodeRef, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw fsError('INVALID_ARGUMENT', `bad read range ${offset}+${length}`);
    }
    if (length > MAX_READ) throw fsError('LIMIT_EXCEEDED', `read of ${length} bytes exceeds ${MAX_READ}; read in pieces`);
    const node = await this.node(ref);
    const k = await this.kind(node);
    if (k.type === 'dir') throw fsError('IS_A_DIRECTORY', `MFT record ${node.recNo} is a directory`);
    const data = node.stream(C.AT_DATA);
    if (!data) return new Uint8Array(0);
    if (data.encrypted || this.std(node).fileAttributes & C.FILE_ATTR_ENCRYPTED) {
      throw unsupported(`MFT record ${node.recNo} is EFS-encrypted; its contents cannot be read without the owner's keys`, data.label);
    }
    return this.volume.reader.read(data, offset, length, false);
  }

  async readlink(ref: NodeRef): Promise<string> {
    const node = await this.node(ref);
    const k = await this.kind(node);
    if (k.type !== 'symlink') throw fsError('NOT_A_SYMLINK', `MFT record ${node.recNo} is not a symbolic link`);
    if (k.targetError) throw k.targetError;
    return k.target!;
  }

  async xattrs(ref: NodeRef): Promise<Map<string, Uint8Array>> {
    const node = await this.node(ref);
    const out = new Map<string, Uint8Array>();
    let total = 0;
    for (const name of node.attrNames(C.AT_DATA).sort()) {
      if (name === '') continue;
      const s = node.stream(C.AT_DATA, name)!;
      total += s.size;
      if (s.size > MAX_XATTR_STREAM || total > MAX_XATTR_TOTAL) {
        throw fsError('LIMIT_EXCEEDED', `named stream "${name}" of MFT record ${node.recNo} (${s.size} bytes) is too large to return as an xattr`);
      }
      out.set(`user.${name}`, await this.volume.reader.read(s, 0, s.size, false));
    }
    return out;
  }

  /** As ntfs-3g's statfs: free clusters from $Bitmap, inode counts from the $MFT bitmap. */
  async statfs(): Promise<StatFs> {
    const { boot } = this;
    const mftBitmap = (await this.volume.node(C.MFT_RECORD_MFT)).stream(C.AT_BITMAP);
    if (!this.free) {
      const bitmap = (await this.volume.node(C.MFT_RECORD_BITMAP)).stream(C.AT_DATA);
      if (!bitmap) throw corrupt('$Bitmap has no $DATA', `MFT record ${C.MFT_RECORD_BITMAP}`);
      // Both bitmaps are bounded by what they describe (plus slack), so a bad size cannot make us scan forever.
      const clusters = await this.countZeroBits(bitmap, Math.ceil(boot.totalClusters / 8) + 65536);
      const mftRecords = mftBitmap ? (await this.countZeroBits(mftBitmap, Math.ceil(this.volume.recordCount / 8) + 65536)) + (mftBitmap.allocSize - mftBitmap.size) * 8 : 0;
      this.free = { clusters, mftRecords };
    }
    const shift = Math.log2(boot.clusterSize) - Math.log2(boot.mftRecordSize);
    const recordsInFree = shift >= 0 ? this.free.clusters * 2 ** shift : Math.floor(this.free.clusters / 2 ** -shift);
    return {
      blockSize: boot.clusterSize,
      totalBlocks: boot.totalClusters,
      freeBlocks: this.free.clusters,
      totalInodes: (mftBitmap?.allocSize ?? 0) * 8 + recordsInFree,
      freeInodes: recordsInFree + this.free.mftRecords,
    };
  }

  private async countZeroBits(s: Stream, max: number): Promise<number> {
    if (s.size > max) throw corrupt(`bitmap of ${s.size} bytes is larger than the ${max} bytes it can need`, s.label);
    const chunk = 1 << 20;
    let zeros = 0;
    for (let off = 0; off < s.size; off += chunk) {
      const b = await this.volume.reader.read(s, off, chunk, true);
      for (let i = 0; i < b.length; i++) zeros += 8 - POPCOUNT[b[i]!]!;
    }
    return zeros;
  }

  // --- diagnostics -----------------------------------------------------------------------

  /** How a node is stored: attribute list, extension records, streams and their runs. */
  async layout(ref: NodeRef): Promise<NodeLayout> {
    const node = await this.node(ref);
    const seen = new Set<string>();
    const streams: NodeLayout['streams'] = [];
    for (const a of node.attrs) {
      const key = `${a.type}:${a.name}`;
      if (seen.has(key) || (a.resident && a.type !== C.AT_DATA)) continue;
      seen.add(key);
      const s = node.stream(a.type, a.name)!;
      streams.push({ type: s.type, name: s.name, resident: s.resident, compressed: s.compressed, sparse: s.sparse, encrypted: s.encrypted, size: s.size, initSize: s.initSize, runs: this.volume.reader.runs(s) });
    }
    return { record: node.recNo, attributeList: node.hasAttrList, extensionRecords: node.extensionRecords, fileAttributes: node.std?.fileAttributes ?? 0, streams };
  }

  /** Levels of a directory's B+tree (1 = everything in $INDEX_ROOT). */
  async indexDepth(ref: NodeRef): Promise<number> {
    return this.index.depth(await this.dirNode(ref));
  }

  /** Every index entry of a directory, DOS names and metadata files included. */
  async rawIndex(ref: NodeRef): Promise<IndexEntry[]> {
    return this.index.list(await this.dirNode(ref));
  }
}

/** Type from the index key's attributes, only where ntfs-3g would not look at the file itself. */
function entryType(e: IndexEntry): FileType | undefined {
  if (e.fileAttributes & (C.FILE_ATTR_REPARSE_POINT | C.FILE_ATTR_SYSTEM)) return undefined;
  return e.fileAttributes & C.FILE_ATTR_I30_INDEX_PRESENT ? 'dir' : 'file';
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, i) => {
  let n = 0;
  for (let x = i; x; x >>= 1) n += x & 1;
  return n;
});
