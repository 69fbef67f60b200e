import { FileSystemError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import type { LruCache } from '../../util/lru.js';
import * as C from './constants.js';
import { corrupt, hex } from './errors.js';
import type { Inode } from './inode.js';
import type { Geometry, Superblock } from './superblock.js';

/** A decoded, checked bmbt block (cached by device offset). */
export type BmbtBlock = { level: 0; owner: number; extents: Extent[] } | { level: number; owner: number; keys: number[]; ptrs: number[] };

/** What the fork code needs from the filesystem: geometry, cached metadata reads, parse caches. */
export interface XfsContext {
  sb: Superblock;
  geo: Geometry;
  /** Reads metadata through the block cache. */
  readMeta(offset: number, length: number): Promise<Uint8Array>;
  bmbtCache: LruCache<number, BmbtBlock>;
}

/** One mapping of `len` fork blocks starting at fork block `off` to linear device block `block`. */
export interface Extent {
  off: number;
  len: number;
  block: number;
  unwritten: boolean;
}

export type ForkKind = 'data' | 'attr';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Guards the leaf-by-leaf walk of a bmbt against pathological trees. */
const MAX_LEAF_VISITS = 1 << 22;
/** One mapping query never returns more extents than this (bounds memory on corrupt trees). */
const MAX_QUERY_EXTENTS = 1 << 22;
/** B-tree forks with at most this many extents are decoded once and kept with the inode. */
const WHOLE_TREE_EXTENTS = 8192;

/** Decodes the 128-bit packed bmbt record at `pos` (flag:1 startoff:54 startblock:52 count:21). */
export function decodeExtentRecord(v: BinaryView, pos: number): { off: number; fsb: number; len: number; unwritten: boolean } {
  const w0 = v.u32be(pos);
  const w1 = v.u32be(pos + 4);
  const w2 = v.u32be(pos + 8);
  const w3 = v.u32be(pos + 12);
  return {
    unwritten: w0 >>> 31 === 1,
    off: (w0 & 0x7fffffff) * 2 ** 23 + (w1 >>> 9),
    fsb: (w1 & 0x1ff) * 2 ** 43 + w2 * 2 ** 11 + (w3 >>> 21),
    len: w3 & 0x1fffff,
  };
}

/** Decodes `count` consecutive records, checking lengths, order and the device range. */
function decodeExtents(ctx: XfsContext, v: BinaryView, at: number, count: number): Extent[] {
  const out: Extent[] = [];
  let prevEnd = 0;
  for (let i = 0; i < count; i++) {
    const pos = at + i * 16;
    const r = decodeExtentRecord(v, pos);
    if (r.len === 0) throw corrupt('extent record with zero length', v.structure, v.baseOffset + pos);
    if (r.off + r.len > MAX_SAFE) throw corrupt(`extent offset ${r.off} is too large`, v.structure, v.baseOffset + pos);
    if (r.off < prevEnd) throw corrupt('extent records overlap or are out of order', v.structure, v.baseOffset + pos);
    prevEnd = r.off + r.len;
    out.push({ off: r.off, len: r.len, block: ctx.geo.fsbToBlock(r.fsb, r.len, v.structure, v.baseOffset + pos), unwritten: r.unwritten });
  }
  return out;
}

/** Index of the first extent ending after `block` (extents are sorted and disjoint). */
function firstEndingAfter(exts: Extent[], block: number): number {
  let lo = 0;
  let hi = exts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = exts[mid]!;
    if (e.off + e.len <= block) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Decoded extent lists per inode and fork (kept as long as the inode object is cached). */
const extentListCache = new WeakMap<Inode, { data?: Extent[]; attr?: Extent[] }>();

function cachedList(inode: Inode, fork: ForkKind): Extent[] | undefined {
  return extentListCache.get(inode)?.[fork];
}

function cacheList(inode: Inode, fork: ForkKind, exts: Extent[]): Extent[] {
  let entry = extentListCache.get(inode);
  if (!entry) extentListCache.set(inode, (entry = {}));
  entry[fork] = exts;
  return exts;
}

function inodeExtents(ctx: XfsContext, inode: Inode, fork: ForkKind): Extent[] {
  const hit = cachedList(inode, fork);
  if (hit) return hit;
  const bytes = fork === 'data' ? inode.dataFork : (inode.attrFork ?? new Uint8Array(0));
  const offset = fork === 'data' ? inode.dataForkOffset : inode.attrForkOffset;
  const count = fork === 'data' ? inode.nextents : inode.anextents;
  const structure = `${fork} fork of ${inode.name}`;
  if (count * 16 > bytes.length) throw corrupt(`${count} extents do not fit the ${bytes.length}-byte fork`, structure, offset);
  return cacheList(inode, fork, decodeExtents(ctx, new BinaryView(bytes, structure, offset, FileSystemError, 'CORRUPT_FILESYSTEM'), 0, count));
}

function slice(exts: Extent[], from: number, to: number): Extent[] {
  const out: Extent[] = [];
  for (let i = firstEndingAfter(exts, from); i < exts.length && exts[i]!.off < to; i++) out.push(exts[i]!);
  return out;
}

/**
 * The extents of a fork that overlap fork blocks [from, to), in order. Extent-format forks
 * are decoded from the inode; B-tree forks are searched from the root, touching only the
 * leaves that cover the range.
 */
export async function mapFork(ctx: XfsContext, inode: Inode, fork: ForkKind, from: number, to: number): Promise<Extent[]> {
  const format = fork === 'data' ? inode.format : inode.attrFork ? inode.aformat : C.FMT_EXTENTS;
  if (format === C.FMT_EXTENTS) return slice(inodeExtents(ctx, inode, fork), from, to);
  if (format === C.FMT_BTREE) {
    const root = fork === 'data' ? inode.dataFork : inode.attrFork!;
    const rootOffset = fork === 'data' ? inode.dataForkOffset : inode.attrForkOffset;
    const count = fork === 'data' ? inode.nextents : inode.anextents;
    const rootName = `bmbt root of the ${fork} fork of ${inode.name}`;
    // Directories and most files have few extents: decode the whole tree once.
    if (count <= WHOLE_TREE_EXTENTS) {
      const hit = cachedList(inode, fork);
      if (hit) return slice(hit, from, to);
      const all = await mapBtree(ctx, inode, root, rootOffset, rootName, 0, MAX_SAFE, WHOLE_TREE_EXTENTS * 2);
      return slice(cacheList(inode, fork, all), from, to);
    }
    return mapBtree(ctx, inode, root, rootOffset, rootName, from, to, MAX_QUERY_EXTENTS);
  }
  throw corrupt(`fork format ${format} has no block map`, `${fork} fork of ${inode.name}`);
}

function readKeysPtrs(v: BinaryView, keysAt: number, ptrsAt: number, n: number): { keys: number[]; ptrs: number[] } {
  const keys: number[] = [];
  const ptrs: number[] = [];
  for (let i = 0; i < n; i++) {
    // Keys are file offsets (54 bits) and pointers block numbers (52 bits): read as two words.
    const kh = v.u32be(keysAt + i * 8);
    const ph = v.u32be(ptrsAt + i * 8);
    if (kh >= 0x200000 || ph >= 0x200000) throw corrupt('bmbt key or pointer out of range', v.structure, v.baseOffset + keysAt + i * 8);
    keys.push(kh * 2 ** 32 + v.u32be(keysAt + i * 8 + 4));
    ptrs.push(ph * 2 ** 32 + v.u32be(ptrsAt + i * 8 + 4));
    if (i > 0 && keys[i]! <= keys[i - 1]!) throw corrupt('bmbt keys are not in ascending order', v.structure, v.baseOffset + keysAt + i * 8);
  }
  return { keys, ptrs };
}

async function loadBmbtBlock(ctx: XfsContext, inode: Inode, fsb: number, expectLevel: number): Promise<BmbtBlock> {
  const sb = ctx.sb;
  const block = ctx.geo.fsbToBlock(fsb, 1, 'bmbt pointer', undefined, inode.name);
  const byteOff = block * sb.blockSize;
  let b = ctx.bmbtCache.get(byteOff);
  const name = (): string => `bmbt block at ${byteOff} of ${inode.name}`;
  if (!b) {
    const hdr = sb.hasCrc ? C.BMBT_HDR_V5 : C.BMBT_HDR_V4;
    const maxRecs = Math.floor((sb.blockSize - hdr) / 16);
    const v = new BinaryView(await ctx.readMeta(byteOff, sb.blockSize), name(), byteOff, FileSystemError, 'CORRUPT_FILESYSTEM');
    if (v.u32be(0) !== (sb.hasCrc ? C.BMAP_CRC_MAGIC : C.BMAP_MAGIC)) throw corrupt('bad bmbt block magic', name(), byteOff);
    const level = v.u16be(4);
    const recs = v.u16be(6);
    if (recs < 1 || recs > maxRecs) throw corrupt(`bmbt block holds ${recs} records (max ${maxRecs})`, name(), byteOff + 6);
    let owner = -1;
    if (sb.hasCrc) {
      if (v.u64be(24) !== BigInt(byteOff / 512)) throw corrupt('bmbt block records a different disk address', name(), byteOff + 24);
      const o = v.u64be(56);
      owner = o > BigInt(MAX_SAFE) ? -2 : Number(o);
    }
    b = level === 0 ? { level: 0, owner, extents: decodeExtents(ctx, v, hdr, recs) } : { level, owner, ...readKeysPtrs(v, hdr, hdr + maxRecs * 8, recs) };
    ctx.bmbtCache.set(byteOff, b);
  }
  if (b.level !== expectLevel) throw corrupt(`bmbt block has level ${b.level}, expected ${expectLevel}`, name(), byteOff + 4);
  if (sb.hasCrc && b.owner !== inode.ino) throw corrupt(`bmbt block belongs to inode ${hex(b.owner)}`, name(), byteOff + 56);
  return b;
}

async function mapBtree(ctx: XfsContext, inode: Inode, root: Uint8Array, rootOffset: number, rootName: string, from: number, to: number, maxOut: number): Promise<Extent[]> {
  const rv = new BinaryView(root, rootName, rootOffset, FileSystemError, 'CORRUPT_FILESYSTEM');
  const rootLevel = rv.u16be(0);
  const rootRecs = rv.u16be(2);
  const rootMax = Math.floor((root.length - 4) / 16);
  if (rootLevel < 1 || rootLevel > C.BMBT_MAX_LEVELS) throw corrupt(`bmbt root level ${rootLevel} is invalid`, rootName, rootOffset);
  if (rootRecs < 1 || rootRecs > rootMax) throw corrupt(`bmbt root holds ${rootRecs} records (max ${rootMax})`, rootName, rootOffset + 2);
  const rootNode = readKeysPtrs(rv, 4, 4 + rootMax * 8, rootRecs);

  const out: Extent[] = [];
  let prevEnd = 0;
  let cursor = from;
  let visits = 0;
  while (cursor < to) {
    if (++visits > MAX_LEAF_VISITS) throw corrupt('bmbt walk visits too many leaves', rootName, rootOffset);
    // Descend to the leaf covering `cursor`, remembering the first key to the right of the path.
    let node: { keys: number[]; ptrs: number[] } = rootNode;
    let level = rootLevel;
    let bound = Infinity;
    let leaf: Extent[] = [];
    while (level > 0) {
      let lo = 0;
      let hi = node.keys.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (node.keys[mid]! <= cursor) lo = mid;
        else hi = mid - 1;
      }
      if (lo + 1 < node.keys.length) bound = node.keys[lo + 1]!;
      const child = await loadBmbtBlock(ctx, inode, node.ptrs[lo]!, level - 1);
      level--;
      if (child.level === 0) leaf = (child as { extents: Extent[] }).extents;
      else node = child as { keys: number[]; ptrs: number[] };
    }
    for (let i = firstEndingAfter(leaf, cursor); i < leaf.length; i++) {
      const e = leaf[i]!;
      if (e.off >= to || e.off >= bound) break;
      if (e.off < prevEnd) throw corrupt('bmbt records overlap between leaves', rootName, rootOffset);
      prevEnd = e.off + e.len;
      if (out.length >= maxOut) throw corrupt(`bmbt holds more extents than expected (over ${maxOut})`, rootName, rootOffset);
      out.push(e);
    }
    if (bound === Infinity) break;
    if (bound <= cursor) throw corrupt('bmbt keys do not advance', rootName, rootOffset);
    cursor = bound;
  }
  return out;
}

/** A run of fork blocks read into one buffer; `offset` is the device byte offset of its first block. */
export interface ForkBlocks {
  bytes: Uint8Array;
  offset: number;
}

/**
 * Reads fork blocks [first, first+count) of metadata (directory, attribute, symlink blocks),
 * which must be fully mapped and written. The pieces may come from several extents.
 */
export async function readForkBlocks(ctx: XfsContext, inode: Inode, fork: ForkKind, first: number, count: number, what: string): Promise<ForkBlocks> {
  const bs = ctx.sb.blockSize;
  const exts = await mapFork(ctx, inode, fork, first, first + count);
  const structure = (): string => `${what} of ${inode.name}`;
  const pieces: { at: number; bytes: Uint8Array }[] = [];
  let pos = first;
  let offset = -1;
  for (const e of exts) {
    const s = Math.max(e.off, first);
    const end = Math.min(e.off + e.len, first + count);
    if (s !== pos) throw corrupt(`${fork} fork block ${pos} is not mapped`, structure());
    if (e.unwritten) throw corrupt(`${fork} fork block ${pos} is an unwritten extent`, structure());
    const byteOff = (e.block + (s - e.off)) * bs;
    if (offset < 0) offset = byteOff;
    pieces.push({ at: (s - first) * bs, bytes: await ctx.readMeta(byteOff, (end - s) * bs) });
    pos = end;
  }
  if (pos !== first + count) throw corrupt(`${fork} fork block ${pos} is not mapped`, structure());
  if (pieces.length === 1) return { bytes: pieces[0]!.bytes, offset };
  const bytes = new Uint8Array(count * bs);
  for (const p of pieces) bytes.set(p.bytes, p.at);
  return { bytes, offset };
}
