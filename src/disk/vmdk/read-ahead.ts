import type { HostFile } from '../host-file.js';

const MIN_WINDOW = 16 * 1024;
const MAX_WINDOW = 1024 * 1024;
/** Stream-optimized grains are padded to sectors: the next one starts within a sector of the last end. */
const SEQUENTIAL_SLACK = 512;

/**
 * A one-window read-ahead over a host file for variable-length records (compressed grains).
 * Random access reads small windows; a sequential scan doubles the window up to 1 MiB, so
 * thousands of small grain reads become a few large host reads.
 */
export class ReadAhead {
  private buf: Uint8Array | undefined;
  private start = 0;
  private lastEnd = 0;
  private window = MIN_WINDOW;

  constructor(readonly file: HostFile) {}

  /** Exactly `length` bytes at `offset` (the caller checks they lie inside the file). */
  async read(offset: number, length: number, structure: string): Promise<Uint8Array> {
    const b = this.buf;
    // Re-reading the current record (marker, then marker + data) or moving just past it is a scan.
    const sequential = b !== undefined && offset >= this.start && offset <= this.lastEnd + SEQUENTIAL_SLACK;
    this.lastEnd = offset + length;
    if (b && offset >= this.start && offset + length <= this.start + b.length) {
      return b.subarray(offset - this.start, offset - this.start + length);
    }
    this.window = sequential ? Math.min(MAX_WINDOW, this.window * 2) : MIN_WINDOW;
    const n = Math.max(length, Math.min(this.window, this.file.size - offset));
    const fresh = await this.file.read(offset, n, structure);
    this.buf = fresh;
    this.start = offset;
    return fresh.subarray(0, length);
  }
}
