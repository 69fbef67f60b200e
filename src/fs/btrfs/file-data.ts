import { LruCache } from '../../util/lru.js';
import type { TreeRoot } from './btree.js';
import { COMPRESS_NONE, EXTENT_DATA_KEY, MAX_UNCOMPRESSED, U64_MAX } from './constants.js';
import { decompressExtent } from './compression.js';
import { corrupt } from './errors.js';
import { parseFileExtent } from './items.js';
import type { BtrfsVolume } from './volume.js';

const S = 'btrfs file extent item';

/** A pending copy of uncompressed on-disk bytes into the output buffer. */
interface Run {
  logical: number;
  outPos: number;
  length: number;
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
    const out = new Uint8Array(end - offset);
    const min = { objectid: ino, type: EXTENT_DATA_KEY, offset: 0n };
    const max = { objectid: ino, type: EXTENT_DATA_KEY, offset: U64_MAX };
    // Start at the extent covering `offset` (the last one starting at or before it).
    const first = await this.vol.trees.findLE(tree, { objectid: ino, type: EXTENT_DATA_KEY, offset: BigInt(offset) }, min);
    const runs: Run[] = [];
    for await (const item of this.vol.trees.range(tree, first?.key ?? min, max)) {
      const fileStart = Number(item.key.offset);
      if (fileStart >= end) break;
      const ext = parseFileExtent(item);
      if (ext.kind === 'inline') {
        // Inline extents normally sit at offset 0; very old kernels could leave them elsewhere.
        const data =
          ext.compression === COMPRESS_NONE
            ? ext.data
            : await this.inflate(ext.compression, ext.data, ext.ramBytes, `inline:${item.offset}`, ext.offset);
        copyOverlap(out, offset, end, fileStart, data);
        continue;
      }
      const extEnd = fileStart + ext.numBytes;
      const from = Math.max(offset, fileStart);
      const to = Math.min(end, extEnd);
      if (to <= from || ext.kind === 'prealloc' || ext.diskBytenr === 0) continue; // prealloc and holes read as zeros
      if (ext.compression === COMPRESS_NONE) {
        if (ext.extentOffset + ext.numBytes > ext.diskNumBytes) throw corrupt('file extent reaches beyond its disk extent', S, item.offset);
        addRun(runs, { logical: ext.diskBytenr + ext.extentOffset + (from - fileStart), outPos: from - offset, length: to - from });
      } else {
        if (ext.ramBytes > MAX_UNCOMPRESSED || ext.diskNumBytes > MAX_UNCOMPRESSED) {
          throw corrupt(`compressed extent of ${ext.diskNumBytes} → ${ext.ramBytes} bytes exceeds 128 KiB`, S, item.offset);
        }
        if (ext.extentOffset + ext.numBytes > ext.ramBytes) throw corrupt('file extent reaches beyond its compressed extent', S, item.offset);
        const key = `${ext.diskBytenr}:${ext.diskNumBytes}:${ext.compression}`;
        let data = this.decompressed.get(key);
        if (!data) {
          const raw = await this.vol.chunks.read(ext.diskBytenr, ext.diskNumBytes);
          data = await this.inflate(ext.compression, raw, ext.ramBytes, key, ext.offset);
        }
        const src = ext.extentOffset + (from - fileStart);
        out.set(data.subarray(src, src + (to - from)), from - offset);
      }
    }
    for (const r of runs) await this.copyRun(out, r);
    return out;
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

function copyOverlap(out: Uint8Array, offset: number, end: number, fileStart: number, data: Uint8Array): void {
  const from = Math.max(offset, fileStart);
  const to = Math.min(end, fileStart + data.length);
  if (to > from) out.set(data.subarray(from - fileStart, to - fileStart), from - offset);
}
