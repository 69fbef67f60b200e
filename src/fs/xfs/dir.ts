import { FileSystemError, GuestguardError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import type { DirEntry, FileType } from '../types.js';
import { mapFork, readForkBlocks, type XfsContext } from './bmap.js';
import * as C from './constants.js';
import { daHashName } from './dahash.js';
import { corrupt, hex } from './errors.js';
import type { Inode } from './inode.js';

/** Caps the work one readdir may do on a (possibly corrupt) directory. */
const MAX_DIR_ENTRIES = 10_000_000;
/** Index blocks one lookup may read (a real run of equal hashes spans a handful). */
const MAX_INDEX_VISITS = 256;
const utf8 = new TextDecoder();

interface RawEntry {
  name: Uint8Array;
  ino: number;
  ftype: number;
}

/** Lists a directory from its shortform data or from every data block (never from the hash index). */
export async function readDirectory(ctx: XfsContext, dir: Inode): Promise<DirEntry[]> {
  const out: DirEntry[] = [];
  const add = (e: RawEntry): void => {
    if (isDot(e.name)) return;
    if (out.length >= MAX_DIR_ENTRIES) throw new GuestguardError('LIMIT_EXCEEDED', `directory ${dir.name} has too many entries`);
    const entry: DirEntry = { name: utf8.decode(e.name), node: e.ino };
    const type = ctx.sb.hasFtype ? ftypeName(e.ftype) : undefined;
    if (type) entry.type = type;
    out.push(entry);
  };
  if (dir.format === C.FMT_LOCAL) {
    for (const e of shortformEntries(ctx, dir)) add(e);
    return out;
  }
  for await (const blk of dataBlocks(ctx, dir)) {
    for (const e of dataBlockEntries(ctx, dir, blk.bytes, blk.offset)) add(e.entry);
  }
  return out;
}

/** Finds one name: shortform and single-block directories are scanned, larger ones searched by hash. */
export async function lookupDirectory(ctx: XfsContext, dir: Inode, name: Uint8Array): Promise<number | undefined> {
  if (name.length === 0 || name.length > 255 || isDot(name)) return undefined;
  const matcher = new NameMatcher(name, ctx.sb.asciiCi);
  if (dir.format === C.FMT_LOCAL) {
    for (const e of shortformEntries(ctx, dir)) matcher.offer(e);
    return matcher.result();
  }
  const dirBlockFsbs = ctx.sb.dirBlockSize / ctx.sb.blockSize;
  const leafDablk = C.DIR2_LEAF_OFFSET / ctx.sb.dirBlockSize;
  const leafMapped = (await mapFork(ctx, dir, 'data', leafDablk * dirBlockFsbs, (leafDablk + 1) * dirBlockFsbs)).length > 0;
  if (!leafMapped) {
    // Block form: one data block holds everything.
    for await (const blk of dataBlocks(ctx, dir)) {
      for (const e of dataBlockEntries(ctx, dir, blk.bytes, blk.offset)) matcher.offer(e.entry);
    }
    return matcher.result();
  }
  const hash = daHashName(name, ctx.sb.asciiCi);
  await searchHashIndex(ctx, dir, leafDablk * dirBlockFsbs, hash, matcher, C.DA_NODE_MAXDEPTH + 1, 0, { visited: new Set() });
  return matcher.result();
}

function isDot(n: Uint8Array): boolean {
  return (n.length === 1 && n[0] === 0x2e) || (n.length === 2 && n[0] === 0x2e && n[1] === 0x2e);
}

function ftypeName(t: number): FileType | undefined {
  return C.FTYPE_NAMES[t];
}

/** Exact matches win; on ASCII-CI filesystems a case-folded match is the fallback. */
class NameMatcher {
  private exact: number | undefined;
  private folded: number | undefined;
  constructor(
    private readonly name: Uint8Array,
    private readonly ci: boolean,
  ) {}
  offer(e: RawEntry): void {
    if (this.exact !== undefined || e.name.length !== this.name.length) return;
    let same = true;
    let fold = true;
    for (let i = 0; i < e.name.length; i++) {
      const a = e.name[i]!;
      const b = this.name[i]!;
      if (a !== b) {
        same = false;
        if (!this.ci || lower(a) !== lower(b)) {
          fold = false;
          break;
        }
      }
    }
    if (same) this.exact = e.ino;
    else if (fold && this.folded === undefined) this.folded = e.ino;
  }
  get done(): boolean {
    return this.exact !== undefined;
  }
  result(): number | undefined {
    return this.exact ?? this.folded;
  }
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

function checkName(name: Uint8Array, structure: string, offset: number): void {
  for (const c of name) {
    if (c === 0 || c === 0x2f) throw corrupt('directory entry name contains "/" or NUL', structure, offset);
  }
}

function toIno(big: bigint, structure: string, offset: number): number {
  if (big === 0n || big > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`directory entry has invalid inode number ${big}`, structure, offset);
  return Number(big);
}

/** Shortform directories live in the inode: a header then packed entries. */
function* shortformEntries(ctx: XfsContext, dir: Inode): Generator<RawEntry> {
  const structure = `shortform directory of ${dir.name}`;
  if (dir.size > dir.dataFork.length) throw corrupt(`shortform size ${dir.size} exceeds the ${dir.dataFork.length}-byte fork`, structure, dir.dataForkOffset);
  const v = new BinaryView(dir.dataFork.subarray(0, dir.size), structure, dir.dataForkOffset, FileSystemError, 'CORRUPT_FILESYSTEM');
  const count = v.u8(0);
  const inoSize = v.u8(1) ? 8 : 4;
  let pos = 2 + inoSize;
  const readIno = (at: number): number => toIno(inoSize === 8 ? v.u64be(at) : BigInt(v.u32be(at)), structure, dir.dataForkOffset + at);
  readIno(2); // the parent pointer must be sane too
  const ft = ctx.sb.hasFtype ? 1 : 0;
  for (let i = 0; i < count; i++) {
    const namelen = v.u8(pos);
    if (namelen === 0) throw corrupt('shortform entry with empty name', structure, dir.dataForkOffset + pos);
    const name = v.slice(pos + 3, namelen);
    checkName(name, structure, dir.dataForkOffset + pos);
    const ftype = ft ? v.u8(pos + 3 + namelen) : 0;
    const ino = readIno(pos + 3 + namelen + ft);
    yield { name, ino, ftype };
    pos += 3 + namelen + ft + inoSize;
  }
}

/** Every directory data block (below the leaf segment), as mapped by the data fork. */
async function* dataBlocks(ctx: XfsContext, dir: Inode): AsyncGenerator<{ bytes: Uint8Array; offset: number }> {
  const sb = ctx.sb;
  const per = sb.dirBlockSize / sb.blockSize;
  const leafDablk = C.DIR2_LEAF_OFFSET / sb.dirBlockSize;
  const lastDablk = Math.min(leafDablk, Math.ceil(dir.size / sb.dirBlockSize));
  const exts = await mapFork(ctx, dir, 'data', 0, lastDablk * per);
  let next = 0;
  for (const e of exts) {
    const firstDablk = Math.max(next, Math.floor(e.off / per));
    const endDablk = Math.min(lastDablk, Math.ceil((e.off + e.len) / per));
    for (let d = firstDablk; d < endDablk; d++) {
      yield readForkBlocks(ctx, dir, 'data', d * per, per, `directory block ${d}`);
    }
    next = Math.max(next, endDablk);
  }
}

interface DataEntry {
  entry: RawEntry;
  /** Offset of the entry within the block. */
  at: number;
}

function dataBlockHeader(ctx: XfsContext, dir: Inode, v: BinaryView): { hdr: number; end: number } {
  const sb = ctx.sb;
  const magic = v.u32be(0);
  const isBlock = sb.hasCrc ? magic === C.DIR3_BLOCK_MAGIC : magic === C.DIR2_BLOCK_MAGIC;
  const isData = sb.hasCrc ? magic === C.DIR3_DATA_MAGIC : magic === C.DIR2_DATA_MAGIC;
  if (!isBlock && !isData) throw corrupt(`bad directory data block magic ${hex(magic)}`, v.structure, v.baseOffset);
  if (sb.hasCrc && v.u64be(40) !== BigInt(dir.ino)) throw corrupt('directory block belongs to another inode', v.structure, v.baseOffset + 40);
  const hdr = sb.hasCrc ? 64 : 16;
  let end = v.length;
  if (isBlock) {
    const count = v.u32be(v.length - 8);
    end = v.length - 8 - count * 8;
    if (count > v.length || end < hdr) throw corrupt(`block directory leaf count ${count} does not fit`, v.structure, v.baseOffset + v.length - 8);
  }
  return { hdr, end };
}

function dataBlockEntries(ctx: XfsContext, dir: Inode, bytes: Uint8Array, offset: number): DataEntry[] {
  const v = new BinaryView(bytes, `directory data block at ${offset} of ${dir.name}`, offset, FileSystemError, 'CORRUPT_FILESYSTEM');
  const { hdr, end } = dataBlockHeader(ctx, dir, v);
  const ft = ctx.sb.hasFtype ? 1 : 0;
  const out: DataEntry[] = [];
  let pos = hdr;
  while (pos < end) {
    if (v.u16be(pos) === C.DIR2_DATA_FREE_TAG) {
      const len = v.u16be(pos + 2);
      if (len < 8 || len % 8 !== 0 || pos + len > end) throw corrupt(`bad free space length ${len}`, v.structure, offset + pos);
      pos += len;
      continue;
    }
    const e = parseDataEntry(v, pos, end, ft);
    out.push({ entry: e.entry, at: pos });
    pos += e.size;
  }
  return out;
}

function parseDataEntry(v: BinaryView, pos: number, end: number, ft: number): { entry: RawEntry; size: number } {
  const namelen = v.u8(pos + 8);
  const size = (8 + 1 + namelen + ft + 2 + 7) & ~7;
  if (namelen === 0 || pos + size > end) throw corrupt(`bad directory entry (name length ${namelen})`, v.structure, v.baseOffset + pos);
  const name = v.slice(pos + 9, namelen);
  checkName(name, v.structure, v.baseOffset + pos);
  const ino = toIno(v.u64be(pos), v.structure, v.baseOffset + pos);
  const ftype = ft ? v.u8(pos + 9 + namelen) : 0;
  return { entry: { name, ino, ftype }, size };
}

/** Node/leaf header sizes: v4 da_blkinfo is 12 bytes (+4 of count/level), v5 adds CRC, owner... */
function daHeader(ctx: XfsContext, v: BinaryView): { magic: number; count: number; level: number; entriesAt: number } {
  const magic = v.u16be(8);
  if (ctx.sb.hasCrc) return { magic, count: v.u16be(56), level: v.u16be(58), entriesAt: 64 };
  return { magic, count: v.u16be(12), level: v.u16be(14), entriesAt: 16 };
}

/** First index in [0, count) whose hash (u32 at entriesAt + i*8) is >= hash. */
function lowerBound(v: BinaryView, entriesAt: number, count: number, hash: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v.u32be(entriesAt + mid * 8) < hash) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Searches the directory hash index (single leaf, or DA B-tree of leaves) for entries whose
 * hash matches; children whose highest hash equals the target may continue in the next one.
 * `fsb` is the index block's position in the fork, in filesystem blocks (xfs_dablk_t).
 */
async function searchHashIndex(ctx: XfsContext, dir: Inode, fsb: number, hash: number, matcher: NameMatcher, parentLevel: number, depth: number, state: { visited: Set<number> }): Promise<void> {
  const sb = ctx.sb;
  const per = sb.dirBlockSize / sb.blockSize;
  const tree = `directory index of ${dir.name}`;
  if (depth > C.DA_NODE_MAXDEPTH) throw corrupt('directory B-tree is too deep', tree);
  // Runs of equal hashes may span leaves, but a lookup that keeps visiting blocks (or the same
  // block twice) is walking a corrupt tree.
  if (state.visited.has(fsb)) throw corrupt(`directory index block ${fsb} is referenced twice`, tree);
  if (state.visited.size >= MAX_INDEX_VISITS) throw corrupt('directory lookup visits too many index blocks', tree);
  state.visited.add(fsb);
  if (fsb % per !== 0 || fsb * sb.blockSize < C.DIR2_LEAF_OFFSET) throw corrupt(`index pointer ${fsb} is not an index block`, tree);
  const blk = await readForkBlocks(ctx, dir, 'data', fsb, per, `directory index block ${fsb}`);
  const v = new BinaryView(blk.bytes, `directory index block at ${blk.offset} of ${dir.name}`, blk.offset, FileSystemError, 'CORRUPT_FILESYSTEM');
  const h = daHeader(ctx, v);
  if (sb.hasCrc && v.u64be(48) !== BigInt(dir.ino)) throw corrupt('directory index block belongs to another inode', v.structure, blk.offset + 48);
  const nodeMagic = sb.hasCrc ? C.DA3_NODE_MAGIC : C.DA_NODE_MAGIC;
  const leafMagics = sb.hasCrc ? [C.DIR3_LEAF1_MAGIC, C.DIR3_LEAFN_MAGIC] : [C.DIR2_LEAF1_MAGIC, C.DIR2_LEAFN_MAGIC];
  if (h.entriesAt + h.count * 8 > v.length) throw corrupt(`index block holds too many entries (${h.count})`, v.structure, blk.offset);
  if (h.magic === nodeMagic) {
    if (h.level < 1 || h.level >= parentLevel) throw corrupt(`directory B-tree node has bad level ${h.level}`, v.structure, blk.offset);
    for (let i = lowerBound(v, h.entriesAt, h.count, hash); i < h.count; i++) {
      const childHash = v.u32be(h.entriesAt + i * 8);
      await searchHashIndex(ctx, dir, v.u32be(h.entriesAt + i * 8 + 4), hash, matcher, h.level, depth + 1, state);
      if (matcher.done || childHash > hash) return;
    }
    return;
  }
  if (!leafMagics.includes(h.magic)) throw corrupt(`bad directory index block magic ${hex(h.magic)}`, v.structure, blk.offset + 8);
  for (let i = lowerBound(v, h.entriesAt, h.count, hash); i < h.count && !matcher.done; i++) {
    if (v.u32be(h.entriesAt + i * 8) !== hash) break;
    const addr = v.u32be(h.entriesAt + i * 8 + 4);
    if (addr === 0) continue; // stale entry
    const byte = addr * 8;
    const dataDablk = Math.floor(byte / sb.dirBlockSize);
    const at = byte % sb.dirBlockSize;
    const data = await readForkBlocks(ctx, dir, 'data', dataDablk * per, per, `directory block ${dataDablk}`);
    const dv = new BinaryView(data.bytes, `directory data block at ${data.offset} of ${dir.name}`, data.offset, FileSystemError, 'CORRUPT_FILESYSTEM');
    const { hdr, end } = dataBlockHeader(ctx, dir, dv);
    if (at < hdr || at >= end) throw corrupt(`index entry points outside the entries of block ${dataDablk}`, v.structure, blk.offset + h.entriesAt + i * 8);
    matcher.offer(parseDataEntry(dv, at, end, sb.hasFtype ? 1 : 0).entry);
  }
}
