/**
 * The VHDX file as the log says it should be: the host file with replayed log writes laid over
 * it in memory (never written back). Without a log to replay it is a thin pass-through.
 */
import { ImageFormatError } from '../../errors.js';
import type { HostFile } from '../host-file.js';
import type { Extent } from '../mapped-image.js';

/** One replayed write: bytes, or zeros when `data` is undefined. */
export interface OverlaySegment {
  start: number;
  end: number;
  data: Uint8Array | undefined;
}

/** Non-overlapping, sorted replayed writes; later writes replace earlier ones. */
export class Overlay {
  private segs: OverlaySegment[] = [];

  get segments(): readonly OverlaySegment[] {
    return this.segs;
  }

  get end(): number {
    return this.segs.length > 0 ? this.segs[this.segs.length - 1]!.end : 0;
  }

  write(start: number, length: number, data: Uint8Array | undefined): void {
    const end = start + length;
    const next: OverlaySegment[] = [];
    for (const s of this.segs) {
      if (s.end <= start || s.start >= end) {
        next.push(s);
        continue;
      }
      if (s.start < start) next.push(cut(s, s.start, start));
      if (s.end > end) next.push(cut(s, end, s.end));
    }
    next.push({ start, end, data });
    next.sort((a, b) => a.start - b.start);
    this.segs = next;
  }

  /** The first segment overlapping [offset, offset+length). */
  find(offset: number, length: number): OverlaySegment | undefined {
    let lo = 0;
    let hi = this.segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.segs[mid]!.end <= offset) lo = mid + 1;
      else hi = mid;
    }
    const s = this.segs[lo];
    return s && s.start < offset + length ? s : undefined;
  }
}

function cut(s: OverlaySegment, start: number, end: number): OverlaySegment {
  return { start, end, data: s.data?.subarray(start - s.start, end - s.start) };
}

export class VhdxFileView {
  constructor(
    readonly host: HostFile,
    readonly overlay: Overlay | undefined,
    /** Logical file size: the host size, or larger when the log extended the file. */
    readonly size: number,
  ) {}

  get path(): string {
    return this.host.path;
  }

  /** Reads metadata (region tables, metadata, BAT pages, bitmaps) through the overlay. */
  async read(offset: number, length: number, structure: string): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + length > this.size) {
      throw new ImageFormatError('TRUNCATED_IMAGE', `${structure} of ${length} bytes lies beyond the end of the ${this.size}-byte file`, {
        structure,
        offset,
        path: this.host.path,
      });
    }
    if (!this.overlay) return this.host.read(offset, length, structure);
    const out = new Uint8Array(length);
    const hostPart = Math.max(0, Math.min(length, this.host.size - offset));
    if (hostPart > 0) await this.host.readInto(out, 0, hostPart, offset, structure);
    let pos = offset;
    const end = offset + length;
    while (pos < end) {
      const seg = this.overlay.find(pos, end - pos);
      if (!seg) break;
      const from = Math.max(seg.start, pos);
      const to = Math.min(seg.end, end);
      if (seg.data) out.set(seg.data.subarray(from - seg.start, to - seg.start), from - offset);
      else out.fill(0, from - offset, to - offset);
      pos = to;
    }
    return out;
  }

  /** Maps payload bytes [offset, offset+length) to the extent MappedImage reads. */
  extent(offset: number, length: number): Extent {
    const seg = this.overlay?.find(offset, length);
    if (seg) {
      if (seg.start > offset) return this.hostExtent(offset, seg.start - offset);
      const n = Math.min(seg.end, offset + length) - offset;
      return seg.data ? { kind: 'bytes', bytes: seg.data, start: offset - seg.start, length: n } : { kind: 'zero', length: n };
    }
    return this.hostExtent(offset, length);
  }

  private hostExtent(offset: number, length: number): Extent {
    // Past the host file but inside a log-extended file: the extension reads as zeros.
    if (this.size > this.host.size && offset >= this.host.size) return { kind: 'zero', length: Math.min(length, this.size - offset) };
    const n = this.size > this.host.size ? Math.min(length, this.host.size - offset) : length;
    return { kind: 'host', file: this.host, offset, length: n };
  }
}
