import * as C from './constants.js';
import { corrupt, view } from './errors.js';
import type { Inode } from './inode.js';
import { toRuns, type BlockReader, type Piece, type Run } from './mapping.js';

const EXTENT_MAGIC = 0xf30a;
/** ext4 stores extents up to 32768 blocks; longer ee_len values mark unwritten extents. */
const INIT_MAX_LEN = 32768;

interface Walk {
  reader: BlockReader;
  ino: number;
  start: number;
  end: number;
  pieces: Piece[];
  /** Guards against a corrupt tree sending us through an absurd number of nodes. */
  budget: number;
}

/**
 * Maps logical blocks [first, first+count) of an extent-mapped inode. Only the index and leaf
 * nodes overlapping the range are read, so a small read of a huge file stays cheap.
 */
export async function mapExtents(reader: BlockReader, inode: Inode, first: number, count: number): Promise<Run[]> {
  const w: Walk = { reader, ino: inode.ino, start: first, end: first + count, pieces: [], budget: 100_000 };
  await visit(w, inode.iBlock, `inode ${inode.ino} extent root`, inode.offset + C.I_BLOCK_OFFSET, undefined, 0, 2 ** 32);
  return toRuns(first, count, w.pieces);
}

/** Tree depth stored in the inode's extent root (for diagnostics and tests). */
export function extentDepth(inode: Inode): number {
  return view(inode.iBlock, `inode ${inode.ino} extent root`, inode.offset + C.I_BLOCK_OFFSET).u16le(6);
}

async function visit(w: Walk, node: Uint8Array, structure: string, offset: number, expectDepth: number | undefined, lo: number, hi: number): Promise<void> {
  if (--w.budget < 0) throw corrupt('extent tree has too many nodes', structure, offset);
  const v = view(node, structure, offset);
  if (v.u16le(0) !== EXTENT_MAGIC) throw corrupt('bad extent header magic', structure, offset);
  const entries = v.u16le(2);
  const max = v.u16le(4);
  const depth = v.u16le(6);
  if (max === 0 || max > Math.floor((node.length - 12) / 12) || entries > max) {
    throw corrupt(`extent header has ${entries} of ${max} entries in a ${node.length}-byte node`, structure, offset);
  }
  if (depth > C.MAX_EXTENT_DEPTH || (expectDepth !== undefined && depth !== expectDepth)) {
    throw corrupt(`extent node depth ${depth} is invalid${expectDepth === undefined ? '' : ` (expected ${expectDepth})`}`, structure, offset);
  }
  const { reader } = w;
  if (depth === 0) {
    let prevEnd = 0;
    for (let i = 0; i < entries; i++) {
      const e = 12 + 12 * i;
      const lblk = v.u32le(e);
      const raw = v.u16le(e + 4);
      const uninit = raw > INIT_MAX_LEN;
      const len = uninit ? raw - INIT_MAX_LEN : raw;
      const pblk = v.u16le(e + 6) * 2 ** 32 + v.u32le(e + 8);
      if (len === 0 || lblk < prevEnd || lblk + len > 2 ** 32) {
        throw corrupt(`extent ${i} (logical ${lblk}+${len}) overlaps or is out of order`, structure, offset + e);
      }
      if (pblk === 0 || pblk + len > reader.blocksCount) {
        throw corrupt(`extent ${i} points at blocks ${pblk}+${len}, outside the filesystem`, structure, offset + e);
      }
      prevEnd = lblk + len;
      // Like the kernel's binary search, a child only answers for its parent's key range.
      const s = Math.max(lblk, w.start, lo);
      const t = Math.min(lblk + len, w.end, hi);
      if (s < t) w.pieces.push({ lblk: s, len: t - s, pblk: pblk + (s - lblk), uninit });
      if (lblk >= w.end || lblk >= hi) break;
    }
    return;
  }
  let prevKey = -1;
  for (let i = 0; i < entries; i++) {
    const e = 12 + 12 * i;
    const key = v.u32le(e);
    if (key <= prevKey) throw corrupt(`extent index ${i} key ${key} is out of order`, structure, offset + e);
    prevKey = key;
    const next = Math.min(i + 1 < entries ? v.u32le(e + 12) : hi, hi);
    const from = i === 0 ? lo : Math.max(key, lo);
    if (from >= w.end) break;
    if (next <= w.start || next <= from) continue;
    const child = v.u16le(e + 8) * 2 ** 32 + v.u32le(e + 4);
    if (child === 0 || child >= reader.blocksCount) throw corrupt(`extent index ${i} points at block ${child}, outside the filesystem`, structure, offset + e);
    const childStructure = `inode ${w.ino} extent node at block ${child}`;
    const block = await reader.readBlock(child, childStructure);
    await visit(w, block, childStructure, child * reader.blockSize, depth - 1, from, next);
  }
}
