import type { BlockDevice } from '../../disk/block-device.js';
import { FileSystemError } from '../../errors.js';
import { uuidToString } from '../../util/binary.js';
import { LruCache } from '../../util/lru.js';
import type { DirEntry, FileSystemDriver, NodeRef, Stat, StatFs } from '../types.js';
import { mapBlockMap } from './blockmap.js';
import * as C from './constants.js';
import { decodeName, direntType, isDotName, parseDirBlock, type RawDirent } from './dirent.js';
import { corrupt, fsError, view } from './errors.js';
import { extentDepth, mapExtents } from './extents.js';
import { GroupTable } from './groups.js';
import { dxLookup } from './htree.js';
import { inodeRdev, parseInode, type Inode } from './inode.js';
import { replayJournal, type ReplayResult } from './journal.js';
import type { BlockReader, Run } from './mapping.js';
import type { Superblock } from './superblock.js';
import { ext4AclToXattr, parseXattrEntries, XATTR_MAGIC, xattrName, type RawXattr } from './xattr.js';

/** One read() may not ask for more than this (the caller streams larger files in pieces). */
const MAX_READ = 1 << 30;
/** Directory blocks fetched per device request while listing. */
const DIR_CHUNK_BLOCKS = 32;
/** Entries one directory may hold before we call it corrupt (ext4's large_dir tops out near here). */
const MAX_DIR_ENTRIES = 50_000_000;
/** Listings larger than this are not kept in the listing cache. */
const CACHE_LISTING_MAX = 250_000;

interface Listing {
  entries: DirEntry[];
  byName?: Map<string, number>;
}

/**
 * The node-level ext2/3/4 reader over a (cached, possibly journal-overlaid) device. Every
 * on-disk structure is bounds-checked; metadata comes through the device's block cache.
 */
export class Ext4Driver implements FileSystemDriver, BlockReader {
  readonly type: string;
  readonly label: string | undefined;
  readonly uuid: string | undefined;
  readonly warnings: string[];
  readonly blockSize: number;
  readonly blocksCount: number;
  private readonly groups: GroupTable;
  private readonly inodes = new LruCache<number, Inode>(8192);
  private readonly listings = new LruCache<number, Listing>(8);

  constructor(
    private readonly dev: BlockDevice,
    readonly sb: Superblock,
    warnings: string[],
  ) {
    this.type = sb.typeName;
    this.label = sb.label === '' ? undefined : sb.label;
    this.uuid = uuidToString(sb.uuid);
    this.warnings = warnings;
    this.blockSize = sb.blockSize;
    this.blocksCount = sb.blocksCount;
    this.groups = new GroupTable(dev, sb);
  }

  // ---- low-level reads -------------------------------------------------------------------

  private async devRead(offset: number, length: number, structure: string): Promise<Uint8Array> {
    if (offset + length > this.dev.size) {
      throw corrupt(`${length} bytes at ${offset} lie beyond the end of the ${this.dev.size}-byte device (truncated image?)`, structure, offset);
    }
    return this.dev.read(offset, length);
  }

  async readBlock(pblk: number, structure: string): Promise<Uint8Array> {
    if (!Number.isSafeInteger(pblk) || pblk < 0 || pblk >= this.blocksCount) throw corrupt(`block ${pblk} is outside the filesystem`, structure);
    return this.devRead(pblk * this.blockSize, this.blockSize, structure);
  }

  async inode(node: NodeRef): Promise<Inode> {
    const ino = typeof node === 'bigint' && node <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(node) : node;
    if (typeof ino !== 'number' || !Number.isInteger(ino) || ino < 1 || ino > this.sb.inodesCount) {
      throw fsError('NOT_FOUND', `inode ${String(node)} does not exist (filesystem has ${this.sb.inodesCount})`);
    }
    const hit = this.inodes.get(ino);
    if (hit) return hit;
    const sb = this.sb;
    const group = Math.floor((ino - 1) / sb.inodesPerGroup);
    const gd = await this.groups.get(group);
    const offset = gd.inodeTable * sb.blockSize + ((ino - 1) % sb.inodesPerGroup) * sb.inodeSize;
    const inode = parseInode(await this.devRead(offset, sb.inodeSize, `inode ${ino}`), ino, offset, sb);
    this.inodes.set(ino, inode);
    return inode;
  }

  /** Logical → physical runs for blocks [first, first+count) of a block-mapped or extent-mapped inode. */
  mapRange(inode: Inode, first: number, count: number): Promise<Run[]> {
    return inode.flags & C.INODE_FLAG_EXTENTS ? mapExtents(this, inode, first, count) : mapBlockMap(this, inode, first, count);
  }

  /** Extent tree depth of an inode (0 for block-mapped ones); exposed for diagnostics and tests. */
  extentTreeDepth(inode: Inode): number {
    return inode.flags & C.INODE_FLAG_EXTENTS ? extentDepth(inode) : 0;
  }

  private inodeXattrs(inode: Inode): RawXattr[] {
    const area = inode.xattrArea;
    if (area.length < 4 || view(area, `inode ${inode.ino} xattrs`, inode.xattrAreaOffset).u32le(0) !== XATTR_MAGIC) return [];
    return parseXattrEntries(area, 4, 4, `inode ${inode.ino} in-inode xattrs`, inode.xattrAreaOffset);
  }

  /** Contents of an inline-data inode: the 60-byte i_block, continued in the system.data xattr. */
  private inlineData(inode: Inode): Uint8Array {
    const more = this.inodeXattrs(inode).find((x) => x.index === 7 && x.suffix === 'data');
    const extra = more && more.value instanceof Uint8Array ? more.value : new Uint8Array(0);
    const all = new Uint8Array(C.I_BLOCK_SIZE + extra.length);
    all.set(inode.iBlock, 0);
    all.set(extra, C.I_BLOCK_SIZE);
    return all;
  }

  /** Reads file bytes [offset, offset+length) clipped to i_size; holes and unwritten extents are zeros. */
  async readData(inode: Inode, offset: number, length: number): Promise<Uint8Array> {
    const size = inode.size;
    if (offset >= size || length <= 0) return new Uint8Array(0);
    const n = Math.min(length, size - offset);
    if (n > MAX_READ) throw fsError('LIMIT_EXCEEDED', `read of ${n} bytes is larger than the ${MAX_READ}-byte limit per call`, `inode ${inode.ino}`);
    if (inode.flags & C.INODE_FLAG_INLINE_DATA) {
      // Like the kernel, bytes past the inline data (a sparse inline file) read as zeros.
      const data = this.inlineData(inode);
      const out = new Uint8Array(n);
      if (offset < data.length) out.set(data.subarray(offset, Math.min(offset + n, data.length)));
      return out;
    }
    const bs = this.blockSize;
    const b0 = Math.floor(offset / bs);
    // Extent and block maps address at most 2^32 logical blocks; anything beyond reads as a hole.
    const b1 = Math.min(Math.ceil((offset + n) / bs), 2 ** 32);
    const runs = b0 < b1 ? await this.mapRange(inode, b0, b1 - b0) : [];
    const structure = `inode ${inode.ino} data`;
    const only = runs[0];
    if (runs.length === 1 && only && only.pblk !== undefined && (only.lblk + only.len) * bs >= offset + n) {
      return this.devRead(only.pblk * bs + (offset - only.lblk * bs), n, structure);
    }
    const out = new Uint8Array(n);
    for (const r of runs) {
      if (r.pblk === undefined) continue;
      const s = Math.max(offset, r.lblk * bs);
      const e = Math.min(offset + n, (r.lblk + r.len) * bs);
      if (s >= e) continue;
      out.set(await this.devRead(r.pblk * bs + (s - r.lblk * bs), e - s, structure), s - offset);
    }
    return out;
  }

  private checkEncrypted(inode: Inode, what: string): void {
    if (inode.flags & C.INODE_FLAG_ENCRYPT) {
      throw fsError('UNSUPPORTED_FILESYSTEM', `cannot ${what} inode ${inode.ino}: it is encrypted (fscrypt) and no key is available`, `inode ${inode.ino}`, inode.offset);
    }
  }

  // ---- directories -----------------------------------------------------------------------

  /** Calls `each` for every entry (including . and ..) of a directory, block by block. */
  private async scanDir(inode: Inode, each: (d: RawDirent) => boolean | void): Promise<void> {
    const bs = this.blockSize;
    const hasFileType = (this.sb.incompat & C.INCOMPAT_FILETYPE) !== 0;
    if (inode.flags & C.INODE_FLAG_INLINE_DATA) {
      // Inline directories store the parent inode in the first word and no "." entry.
      const data = this.inlineData(inode);
      const v = view(data, `inode ${inode.ino} inline directory`, inode.offset + C.I_BLOCK_OFFSET);
      if (each({ ino: v.u32le(0), name: new Uint8Array([0x2e, 0x2e]), fileType: 2 }) === true) return;
      let stop = false;
      const cb = (d: RawDirent) => (stop = each(d) === true);
      parseDirBlock(data.subarray(4, C.I_BLOCK_SIZE), `inode ${inode.ino} inline directory`, inode.offset + C.I_BLOCK_OFFSET + 4, bs, hasFileType, cb);
      if (!stop && data.length > C.I_BLOCK_SIZE) {
        parseDirBlock(data.subarray(C.I_BLOCK_SIZE), `inode ${inode.ino} inline directory (system.data)`, inode.xattrAreaOffset, bs, hasFileType, cb);
      }
      return;
    }
    if (inode.size > this.blocksCount * bs) throw corrupt(`directory size ${inode.size} exceeds the filesystem`, `inode ${inode.ino}`, inode.offset + 4);
    const nblocks = Math.ceil(inode.size / bs);
    for (let b = 0; b < nblocks; b += DIR_CHUNK_BLOCKS) {
      const runs = await this.mapRange(inode, b, Math.min(DIR_CHUNK_BLOCKS, nblocks - b));
      for (const r of runs) {
        // Holes in a directory hold no entries; the kernel skips them the same way.
        if (r.pblk === undefined) continue;
        const data = await this.devRead(r.pblk * bs, r.len * bs, `directory inode ${inode.ino}`);
        for (let i = 0; i < r.len; i++) {
          const structure = `directory inode ${inode.ino} block ${r.lblk + i}`;
          let stop = false;
          parseDirBlock(data.subarray(i * bs, (i + 1) * bs), structure, (r.pblk + i) * bs, bs, hasFileType, (d) => (stop = each(d) === true));
          if (stop) return;
        }
      }
    }
  }

  private async listing(inode: Inode): Promise<Listing> {
    const hit = this.listings.get(inode.ino);
    if (hit) return hit;
    const entries: DirEntry[] = [];
    await this.scanDir(inode, (d) => {
      if (isDotName(d.name)) return;
      if (d.ino > this.sb.inodesCount) throw corrupt(`entry "${decodeName(d.name)}" names inode ${d.ino}, beyond the inode count`, `directory inode ${inode.ino}`);
      if (entries.length >= MAX_DIR_ENTRIES) throw fsError('LIMIT_EXCEEDED', `directory has more than ${MAX_DIR_ENTRIES} entries`, `directory inode ${inode.ino}`);
      const type = direntType(d.fileType);
      entries.push(type === undefined ? { name: decodeName(d.name), node: d.ino } : { name: decodeName(d.name), node: d.ino, type });
    });
    const listing: Listing = { entries };
    if (entries.length <= CACHE_LISTING_MAX) this.listings.set(inode.ino, listing);
    return listing;
  }

  private async dirInode(node: NodeRef, what: string): Promise<Inode> {
    const inode = await this.inode(node);
    if (inode.type !== 'dir') throw fsError('NOT_A_DIRECTORY', `inode ${inode.ino} is not a directory`, `inode ${inode.ino}`, inode.offset);
    this.checkEncrypted(inode, what);
    return inode;
  }

  private dxDirectory(inode: Inode) {
    const nblocks = Math.ceil(inode.size / this.blockSize);
    return {
      ino: inode.ino,
      blockSize: this.blockSize,
      hasFileType: (this.sb.incompat & C.INCOMPAT_FILETYPE) !== 0,
      largeDir: (this.sb.incompat & C.INCOMPAT_LARGEDIR) !== 0,
      unsignedHash: (this.sb.flags & C.FLAG_UNSIGNED_HASH) !== 0,
      hashSeed: this.sb.hashSeed,
      block: async (lblk: number) => {
        const structure = `directory inode ${inode.ino} block ${lblk}`;
        if (lblk >= nblocks) throw corrupt('htree points past the end of the directory', structure);
        const [run] = await this.mapRange(inode, lblk, 1);
        if (!run || run.pblk === undefined) throw corrupt('htree points at a hole', structure);
        return { bytes: await this.readBlock(run.pblk, structure), offset: run.pblk * this.blockSize };
      },
    };
  }

  // ---- FileSystemDriver ------------------------------------------------------------------

  async root(): Promise<NodeRef> {
    return C.ROOT_INO;
  }

  async stat(node: NodeRef): Promise<Stat> {
    const i = await this.inode(node);
    if (!i.type) throw corrupt(`inode ${i.ino} has an invalid file type (mode 0o${i.mode.toString(8)})`, `inode ${i.ino}`, i.offset);
    const st: Stat = {
      type: i.type,
      mode: i.mode & 0o7777,
      uid: i.uid,
      gid: i.gid,
      size: i.size,
      nlink: i.links,
      mtime: i.mtime.sec,
      mtimeNs: i.mtime.nsec,
      atime: i.atime.sec,
      ctime: i.ctime.sec,
      ino: i.ino,
    };
    if (i.crtime) st.btime = i.crtime.sec;
    if (i.type === 'chardev' || i.type === 'blockdev') st.rdev = inodeRdev(i);
    const flags: string[] = [];
    if (i.flags & C.INODE_FLAG_IMMUTABLE) flags.push('immutable');
    if (i.flags & C.INODE_FLAG_APPEND) flags.push('append');
    if (i.flags & C.INODE_FLAG_NODUMP) flags.push('nodump');
    if (i.flags & C.INODE_FLAG_ENCRYPT) flags.push('encrypted');
    if (i.flags & C.INODE_FLAG_CASEFOLD) flags.push('casefold');
    if (i.flags & C.INODE_FLAG_VERITY) flags.push('verity');
    if (flags.length > 0) st.flags = flags;
    return st;
  }

  async readdir(dir: NodeRef): Promise<DirEntry[]> {
    const inode = await this.dirInode(dir, 'list');
    return (await this.listing(inode)).entries.slice();
  }

  async lookup(dir: NodeRef, name: string): Promise<NodeRef | undefined> {
    const inode = await this.dirInode(dir, 'look up names in');
    if (name === '' || name.includes('/')) return undefined;
    if (name === '.') return inode.ino;
    if (name === '..') {
      let parent: number | undefined;
      await this.scanDir(inode, (d) => {
        if (d.name.length === 2 && d.name[0] === 0x2e && d.name[1] === 0x2e) {
          parent = d.ino;
          return true;
        }
        return false;
      });
      return parent;
    }
    const casefold = (inode.flags & C.INODE_FLAG_CASEFOLD) !== 0;
    let listing = this.listings.get(inode.ino);
    // Like the kernel, only trust the index when the filesystem has dir_index enabled.
    const indexed = (inode.flags & C.INODE_FLAG_INDEX) !== 0 && (this.sb.compat & C.COMPAT_DIR_INDEX) !== 0 && !(inode.flags & C.INODE_FLAG_INLINE_DATA);
    if (!listing && indexed && !casefold && !name.includes('\uFFFD')) {
      try {
        const ino = await dxLookup(this.dxDirectory(inode), new TextEncoder().encode(name));
        if (ino !== undefined && ino > this.sb.inodesCount) throw corrupt(`entry "${name}" names inode ${ino}, beyond the inode count`, `directory inode ${inode.ino}`);
        return ino;
      } catch (err) {
        // A damaged index does not hide the entries: fall back to scanning, as the kernel does.
        if (!(err instanceof FileSystemError) || err.code === 'LIMIT_EXCEEDED') throw err;
      }
    }
    listing ??= await this.listing(inode);
    if (!listing.byName) {
      const m = new Map<string, number>();
      for (const e of listing.entries) if (!m.has(e.name)) m.set(e.name, e.node as number);
      listing.byName = m;
    }
    const exact = listing.byName.get(name);
    if (exact !== undefined || !casefold) return exact;
    const folded = foldCase(name);
    return listing.entries.find((e) => foldCase(e.name) === folded)?.node;
  }

  async read(node: NodeRef, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw fsError('INVALID_ARGUMENT', `invalid read range ${offset}+${length}`);
    }
    const inode = await this.inode(node);
    if (inode.type === 'dir') throw fsError('IS_A_DIRECTORY', `inode ${inode.ino} is a directory`, `inode ${inode.ino}`, inode.offset);
    if (inode.type === 'symlink') return new TextEncoder().encode(await this.readlink(node)).slice(offset, offset + length);
    if (inode.type !== 'file') return new Uint8Array(0);
    this.checkEncrypted(inode, 'read');
    return this.readData(inode, offset, length);
  }

  async readlink(node: NodeRef): Promise<string> {
    const inode = await this.inode(node);
    const structure = `inode ${inode.ino}`;
    if (inode.type !== 'symlink') throw fsError('NOT_A_SYMLINK', `inode ${inode.ino} is not a symbolic link`, structure, inode.offset);
    this.checkEncrypted(inode, 'read the target of');
    const size = inode.size;
    if (size === 0 || size > 65536) throw corrupt(`symlink target length ${size} is invalid`, structure, inode.offset + 4);
    let bytes: Uint8Array;
    const eaBlocks = inode.fileAcl ? this.sb.clusterSize / 512 : 0;
    if (!(inode.flags & C.INODE_FLAG_INLINE_DATA) && inode.blocks - eaBlocks === 0) {
      // Fast symlink: the target is stored in i_block itself.
      if (size > C.I_BLOCK_SIZE) throw corrupt(`fast symlink of ${size} bytes does not fit i_block`, structure, inode.offset + 4);
      bytes = inode.iBlock.subarray(0, size);
    } else {
      bytes = await this.readData(inode, 0, size);
    }
    const nul = bytes.indexOf(0);
    return decodeName(nul >= 0 ? bytes.subarray(0, nul) : bytes);
  }

  async statfs(): Promise<StatFs> {
    const sb = this.sb;
    return { blockSize: sb.blockSize, totalBlocks: sb.blocksCount, freeBlocks: sb.freeBlocks, totalInodes: sb.inodesCount, freeInodes: sb.freeInodes };
  }

  async xattrs(node: NodeRef): Promise<Map<string, Uint8Array>> {
    const inode = await this.inode(node);
    const raws = this.inodeXattrs(inode);
    if (inode.fileAcl !== 0) {
      const structure = `inode ${inode.ino} xattr block ${inode.fileAcl}`;
      const block = await this.readBlock(inode.fileAcl, structure);
      const v = view(block, structure, inode.fileAcl * this.blockSize);
      if (v.u32le(0) !== XATTR_MAGIC) throw corrupt('bad xattr block magic', structure, inode.fileAcl * this.blockSize);
      if (v.u32le(8) !== 1) throw corrupt(`xattr block claims ${v.u32le(8)} blocks`, structure, inode.fileAcl * this.blockSize + 8);
      raws.push(...parseXattrEntries(block, 32, 0, structure, inode.fileAcl * this.blockSize));
    }
    const out = new Map<string, Uint8Array>();
    for (const x of raws) {
      const name = xattrName(x.index, x.suffix);
      if (name === undefined || out.has(name)) continue;
      let value: Uint8Array;
      if (x.value instanceof Uint8Array) value = x.value;
      else {
        // ea_inode: a large value lives in its own inode.
        const ea = await this.inode(x.value.inode);
        if (!(ea.flags & C.INODE_FLAG_EA_INODE) || ea.size !== x.value.size) {
          throw corrupt(`xattr ${name} points at inode ${ea.ino}, which is not its value inode`, `inode ${inode.ino}`, inode.offset);
        }
        value = await this.readData(ea, 0, ea.size);
      }
      if (x.index === 2 || x.index === 3) value = ext4AclToXattr(value) ?? value;
      out.set(name, value);
    }
    return out;
  }

  /** Replays the internal journal (in memory) and reports what the overlay must patch. */
  async replay(): Promise<ReplayResult> {
    const jino = this.sb.journalInum;
    const j = await this.inode(jino);
    if (j.type !== 'file') throw corrupt(`journal inode ${jino} is not a regular file`, `inode ${jino}`, j.offset);
    const blocks = Math.ceil(j.size / this.blockSize);
    if (blocks < 2 || blocks > this.blocksCount) throw corrupt(`journal size ${j.size} is invalid`, `inode ${jino}`, j.offset + 4);
    // Map the log lazily, a chunk at a time: replay usually touches a small part of it.
    const CHUNK = 4096;
    const chunks = new Map<number, Run[]>();
    const map = async (lblk: number): Promise<number> => {
      if (lblk >= blocks) throw corrupt(`journal block ${lblk} is beyond the ${blocks}-block journal`, `inode ${jino} (journal)`);
      const c = Math.floor(lblk / CHUNK);
      let runs = chunks.get(c);
      if (!runs) {
        runs = await this.mapRange(j, c * CHUNK, Math.min(CHUNK, blocks - c * CHUNK));
        chunks.set(c, runs);
      }
      const r = runs.find((x) => lblk >= x.lblk && lblk < x.lblk + x.len);
      if (!r || r.pblk === undefined) throw corrupt(`journal block ${lblk} is a hole`, `inode ${jino} (journal)`);
      return r.pblk + (lblk - r.lblk);
    };
    return replayJournal({
      blockSize: this.blockSize,
      blocksCount: this.blocksCount,
      journalBlocks: blocks,
      map,
      read: (offset, length) => this.devRead(offset, length, `inode ${jino} (journal)`),
    });
  }
}

/** Case folding for casefold directories: close to the kernel's utf8 casefold for real names. */
function foldCase(s: string): string {
  return s.normalize('NFD').toUpperCase().toLowerCase();
}
