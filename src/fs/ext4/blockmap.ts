import * as C from './constants.js';
import { corrupt, view } from './errors.js';
import type { Inode } from './inode.js';
import { toRuns, type BlockReader, type Piece, type Run } from './mapping.js';

const DIRECT = 12;

/**
 * Maps logical blocks [first, first+count) of an ext2/ext3-style inode: 12 direct pointers,
 * then single, double and triple indirect blocks. Zero pointers (at any level) are holes,
 * so a sparse subtree costs nothing to skip.
 */
export async function mapBlockMap(reader: BlockReader, inode: Inode, first: number, count: number): Promise<Run[]> {
  const per = reader.blockSize / 4;
  const end = first + count;
  const pieces: Piece[] = [];
  const root = view(inode.iBlock, `inode ${inode.ino} block map`, inode.offset + C.I_BLOCK_OFFSET);
  const checkData = (p: number, where: string) => {
    if (p >= reader.blocksCount) throw corrupt(`block pointer ${p} is outside the filesystem`, where);
  };

  for (let i = first; i < Math.min(end, DIRECT); i++) {
    const p = root.u32le(4 * i);
    if (p === 0) continue;
    checkData(p, `inode ${inode.ino} direct block ${i}`);
    pieces.push({ lblk: i, len: 1, pblk: p, uninit: false });
  }

  // Pointers per subtree level: single covers per, double per^2, triple per^3 blocks.
  let base = DIRECT;
  for (let level = 1; level <= 3 && base < end; level++) {
    const span = per ** level;
    if (base + span > first) {
      const ptr = root.u32le(4 * (DIRECT + level - 1));
      await walk(reader, inode.ino, ptr, level, base, first, end, pieces);
    }
    base += span;
  }
  return toRuns(first, count, pieces);
}

async function walk(reader: BlockReader, ino: number, ptr: number, level: number, base: number, start: number, end: number, out: Piece[]): Promise<void> {
  if (ptr === 0) return;
  const structure = `inode ${ino} indirect block ${ptr} (level ${level})`;
  if (ptr >= reader.blocksCount) throw corrupt(`indirect block pointer ${ptr} is outside the filesystem`, structure);
  const block = await reader.readBlock(ptr, structure);
  const v = view(block, structure, ptr * reader.blockSize);
  const per = reader.blockSize / 4;
  const childSpan = per ** (level - 1);
  const i0 = Math.max(0, Math.floor((start - base) / childSpan));
  const i1 = Math.min(per, Math.ceil((end - base) / childSpan));
  for (let i = i0; i < i1; i++) {
    const p = v.u32le(4 * i);
    if (p === 0) continue;
    const lblk = base + i * childSpan;
    if (level === 1) {
      if (p >= reader.blocksCount) throw corrupt(`data block pointer ${p} is outside the filesystem`, structure, ptr * reader.blockSize + 4 * i);
      const last = out[out.length - 1];
      if (last && last.lblk + last.len === lblk && last.pblk + last.len === p) last.len++;
      else out.push({ lblk, len: 1, pblk: p, uninit: false });
    } else {
      await walk(reader, ino, p, level - 1, lblk, start, end, out);
    }
  }
}
