/**
 * A logical volume as a BlockDevice: a list of segments, each either linear (one area on one
 * PV) or striped (chunks dealt round-robin over several areas, as dm-stripe does). Reads are
 * split at segment and chunk boundaries; the pieces are read in parallel.
 */
import { VolumeError } from '../../errors.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { checkRange } from '../../disk/range.js';

export interface SegmentArea {
  dev: BlockDevice;
  /** Byte offset on `dev` where this area starts. */
  offset: number;
}

export interface MappedSegment {
  /** Byte offset of the segment within the LV. */
  start: number;
  /** Byte length of the segment (all stripes together). */
  length: number;
  /** Stripe chunk size in bytes; 0 for a linear segment. */
  chunk: number;
  areas: SegmentArea[];
}

/** A striped read is split per chunk; cap the pieces in flight at once. */
const MAX_PARALLEL = 64;

export class LvDevice implements BlockDevice {
  readonly size: number;
  private readonly segs: MappedSegment[];

  constructor(
    readonly name: string,
    segments: MappedSegment[],
  ) {
    let pos = 0;
    for (const s of segments) {
      const where = `${name} segment at byte ${s.start}`;
      if (s.start !== pos || s.length <= 0 || s.areas.length === 0) {
        throw new VolumeError('CORRUPT_VOLUME', 'LV segments do not tile the volume', { structure: where });
      }
      const perArea = s.length / s.areas.length;
      if (!Number.isSafeInteger(perArea)) {
        throw new VolumeError('CORRUPT_VOLUME', 'segment length is not divisible by its stripe count', { structure: where });
      }
      if (s.areas.length > 1 && (s.chunk <= 0 || perArea % s.chunk !== 0)) {
        throw new VolumeError('CORRUPT_VOLUME', `stripe area of ${perArea} bytes is not a multiple of the ${s.chunk}-byte stripe size`, { structure: where });
      }
      for (const a of s.areas) {
        if (!Number.isSafeInteger(a.offset) || a.offset < 0 || a.offset + perArea > a.dev.size) {
          throw new VolumeError('CORRUPT_VOLUME', `extent range ${a.offset}+${perArea} lies outside ${a.dev.name} (${a.dev.size} bytes)`, { structure: where, offset: a.offset });
        }
      }
      pos += s.length;
    }
    this.segs = segments;
    this.size = pos;
  }

  get segments(): readonly MappedSegment[] {
    return this.segs;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const out = new Uint8Array(length);
    const pieces: { dev: BlockDevice; off: number; len: number; at: number }[] = [];
    let pos = offset;
    const end = offset + length;
    let i = this.findSegment(offset);
    while (pos < end) {
      const s = this.segs[i]!;
      const segEnd = Math.min(end, s.start + s.length);
      if (s.areas.length === 1) {
        pieces.push({ dev: s.areas[0]!.dev, off: s.areas[0]!.offset + (pos - s.start), len: segEnd - pos, at: pos - offset });
        pos = segEnd;
      } else {
        const n = s.areas.length;
        while (pos < segEnd) {
          const rel = pos - s.start;
          const chunkNo = Math.floor(rel / s.chunk);
          const inChunk = rel - chunkNo * s.chunk;
          const area = s.areas[chunkNo % n]!;
          const row = Math.floor(chunkNo / n);
          const len = Math.min(s.chunk - inChunk, segEnd - pos);
          pieces.push({ dev: area.dev, off: area.offset + row * s.chunk + inChunk, len, at: pos - offset });
          pos += len;
        }
      }
      i++;
    }
    for (let k = 0; k < pieces.length; k += MAX_PARALLEL) {
      const batch = pieces.slice(k, k + MAX_PARALLEL);
      const data = await Promise.all(batch.map((p) => p.dev.read(p.off, p.len)));
      batch.forEach((p, j) => out.set(data[j]!, p.at));
    }
    return out;
  }

  private findSegment(offset: number): number {
    let lo = 0;
    let hi = this.segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.segs[mid]!.start <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** LVs do not own their PVs. */
  async close(): Promise<void> {}
}
