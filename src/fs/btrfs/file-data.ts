import { LruCache } from '../../util/lru.js';
import { NOT_CACHED, type TreeRoot } from './btree.js';
import { COMPRESS_NONE, EXTENT_DATA_KEY, MAX_UNCOMPRESSED, U64_MAX } from './constants.js';
import { decompressExtent } from './compression.js';
import { corrupt } from './errors.js';
import { parseFileExtent, type FileExtent } from './items.js';
import { searchKey, type TreeNode } from './node.js';
import type { BtrfsVolume } from './volume.js';

const S = 'btrfs file extent item';

/** A pending copy of uncompressed on-disk bytes into the output buffer. */
interface Run {
  logical: number;
  outPos: number;
  length: number;
}

/** One extent item in the requested range, with its file offset. */
interface Piece {
  fileStart: number;
  ext: FileExtent;
  itemOffset: number;
}

/**
 * Reads file contents from EXTENT_DATA items: inline, regular, prealloc and holes (explicit
 * or implied by gaps), compressed or not. Contiguous uncompressed extents are merged into
 * one device read; decompressed extents are cached because sequential reads revisit them.
 */
export class FileData {
  private readonly decompressed = new LruCache<string, Uint8Array>(32);

  constructor(private readonly vol: BtrfsVolume) {}

  async read(tree: TreeRoot, ino: bigint, size: number, offset: number, length: number): Promise<Uint8Array> {
    const end = Math.min(size, offset + length);
    if (offset >= end) return new Uint8Array(0);
    const single = this.singleExtent(tree, ino, offset, end);
    if (single) return single;
    const pieces = await this.extents(tree, ino, offset, end);
    // Plan the output first: a file that is one uncompressed run (most files) is then returned
    // as the device read itself, with no zeroed buffer and no copy.
    const runs: Run[] = [];
    const copies: { data: Uint8Array; src: number; outPos: number; length: number }[] = [];
    for (const { fileStart, ext, itemOffset } of pieces) {
      if (ext.kind === 'inline') {
        // Inline extents normally sit at offset 0; very old kernels could leave them elsewhere.
        const data =
          ext.compression === COMPRESS_NONE ? ext.data : await this.inflate(ext.compression, ext.data, ext.ramBytes, `inline:${itemOffset}`, ext.offset);
        const from = Math.max(offset, fileStart);
        const to = Math.min(end, fileStart + data.length);
        if (to > from) copies.push({ data, src: from - fileStart, outPos: from - offset, length: to - from });
        continue;
      }
      const extEnd = fileStart + ext.numBytes;
      const from = Math.max(offset, fileStart);
      const to = Math.min(end, extEnd);
      if (to <= from || ext.kind === 'prealloc' || ext.diskBytenr === 0) continue; // prealloc and holes read as zeros
      if (ext.compression === COMPRESS_NONE) {
        if (ext.extentOffset + ext.numBytes > ext.diskNumBytes) throw corrupt('file extent reaches beyond its disk extent', S, itemOffset);
        addRun(runs, { logical: ext.diskBytenr + ext.extentOffset + (from - fileStart), outPos: from - offset, length: to - from });
      } else {
        if (ext.ramBytes > MAX_UNCOMPRESSED || ext.diskNumBytes > MAX_UNCOMPRESSED) {
          throw corrupt(`compressed extent of ${ext.diskNumBytes} → ${ext.ramBytes} bytes exceeds 128 KiB`, S, itemOffset);
        }
        if (ext.extentOffset + ext.numBytes > ext.ramBytes) throw corrupt('file extent reaches beyond its compressed extent', S, itemOffset);
        const key = `${ext.diskBytenr}:${ext.diskNumBytes}:${ext.compression}`;
        let data = this.decompressed.get(key);
        if (!data) {
          const raw = await this.vol.chunks.read(ext.diskBytenr, ext.diskNumBytes);
          data = await this.inflate(ext.compression, raw, ext.ramBytes, key, ext.offset);
        }
        copies.push({ data, src: ext.extentOffset + (from - fileStart), outPos: from - offset, length: to - from });
      }
    }
    const total = end - offset;
    // BlockDevice reads return a buffer the caller owns, so it can be handed on as it is.
    if (copies.length === 0 && runs.length === 1 && runs[0]!.length === total) return this.vol.chunks.read(runs[0]!.logical, total);
    const out = new Uint8Array(total);
    for (const c of copies) out.set(c.data.subarray(c.src, c.src + c.length), c.outPos);
    for (const r of runs) await this.copyRun(out, r);
    return out;
  }

  /**
   * The common case without planning: one cached leaf holds the extent item covering `offset`,
   * it covers the whole range (plain data or uncompressed inline bytes), and the next item in
   * the leaf starts at or after `end`, so no other item can overlap. Answers exactly what the
   * general path would; undefined when these conditions do not all hold.
   */
  private singleExtent(tree: TreeRoot, ino: bigint, offset: number, end: number): Uint8Array | Promise<Uint8Array> | undefined {
    const trees = this.vol.trees;
    const at = trees.locate(tree, searchKey({ objectid: ino, type: EXTENT_DATA_KEY, offset: BigInt(offset) }));
    if (at === NOT_CACHED || at.slot < 0 || at.slot + 1 >= at.leaf.nritems) return undefined;
    const { leaf, slot } = at;
    const key = leaf.keyAt(slot);
    if (key.objectid !== ino || key.type !== EXTENT_DATA_KEY) return undefined;
    if (leaf.compareTo(slot + 1, searchKey({ objectid: ino, type: EXTENT_DATA_KEY, offset: BigInt(end) })) < 0) return undefined;
    const fileStart = Number(key.offset);
    const item = { key, data: leaf.itemData(slot), offset: leaf.itemPhysical(slot) };
    const ext = parseFileExtent(item);
    if (ext.compression !== COMPRESS_NONE) return undefined;
    if (ext.kind === 'inline') {
      return fileStart + ext.data.length >= end ? ext.data.slice(offset - fileStart, end - fileStart) : undefined;
    }
    if (ext.kind !== 'regular' || ext.diskBytenr === 0 || fileStart + ext.numBytes < end) return undefined;
    if (ext.extentOffset + ext.numBytes > ext.diskNumBytes) throw corrupt('file extent reaches beyond its disk extent', S, item.offset);
    return this.vol.chunks.read(ext.diskBytenr + ext.extentOffset + (offset - fileStart), end - offset);
  }

  /**
   * The extent items that can overlap [offset, end): from the one covering `offset` (the last
   * starting at or before it) to the last starting before `end`, found in one tree descent.
   */
  private async extents(tree: TreeRoot, ino: bigint, offset: number, end: number): Promise<Piece[]> {
    const min = { objectid: ino, type: EXTENT_DATA_KEY, offset: 0n };
    const max = { objectid: ino, type: EXTENT_DATA_KEY, offset: U64_MAX };
    const pieces: Piece[] = [];
    await this.vol.trees.scan(
      tree,
      min,
      max,
      (leaf: TreeNode, slot: number) => {
        const key = leaf.keyAt(slot);
        const fileStart = Number(key.offset);
        if (fileStart >= end) return false;
        const item = { key, data: leaf.itemData(slot), offset: leaf.itemPhysical(slot) };
        pieces.push({ fileStart, ext: parseFileExtent(item), itemOffset: item.offset });
        return true;
      },
      { objectid: ino, type: EXTENT_DATA_KEY, offset: BigInt(offset) },
    );
    return pieces;
  }

  private async inflate(compression: number, data: Uint8Array, ramBytes: number, cacheKey: string, offset: number): Promise<Uint8Array> {
    if (ramBytes > MAX_UNCOMPRESSED) throw corrupt(`compressed data of ${ramBytes} bytes exceeds 128 KiB`, S, offset);
    const hit = this.decompressed.get(cacheKey);
    if (hit) return hit;
    const dec = await decompressExtent(compression, data, ramBytes, this.vol.sb.sectorSize, S, offset);
    this.decompressed.set(cacheKey, dec);
    return dec;
  }

  private async copyRun(out: Uint8Array, r: Run): Promise<void> {
    let pos = r.outPos;
    for (const p of this.vol.chunks.map(r.logical, r.length)) {
      out.set(await p.dev.read(p.offset, p.length), pos);
      pos += p.length;
    }
  }
}

/** Merges a run with the previous one when both the disk and the file ranges continue. */
function addRun(runs: Run[], r: Run): void {
  const last = runs[runs.length - 1];
  if (last && last.logical + last.length === r.logical && last.outPos + last.length === r.outPos) last.length += r.length;
  else runs.push(r);
}
