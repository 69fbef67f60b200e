/**
 * Incremental exFAT directory scanning: entries arrive a buffer at a time (entry sets may
 * straddle clusters), complete sets are decoded, bad sets are reported and skipped, and the
 * end-of-directory entry stops the scan.
 */
import {
  decodeFileSet,
  decodeVolumeEntry,
  ENTRY_SIZE,
  isProblem,
  setLength,
  TYPE_BITMAP,
  TYPE_END,
  TYPE_FILE,
  TYPE_LABEL,
  TYPE_UPCASE,
  type FileSet,
  type SetProblem,
  type VolumeEntries,
} from './entries.js';

export class DirScanner {
  readonly sets: FileSet[] = [];
  readonly problems: SetProblem[] = [];
  readonly volume: VolumeEntries = {};
  ended = false;
  private pending: Uint8Array | undefined;
  private pendingFill = 0;
  private pendingOffset = 0;

  /** Feeds entries starting at device offset `offset`; returns false once the directory has ended. */
  push(bytes: Uint8Array, offset: number): boolean {
    for (let p = 0; p + ENTRY_SIZE <= bytes.length && !this.ended; p += ENTRY_SIZE) {
      this.entry(bytes.subarray(p, p + ENTRY_SIZE), offset + p);
    }
    return !this.ended;
  }

  /** Call when the directory's clusters are exhausted: a set still open was cut short. */
  finish(): void {
    if (this.pending) this.problems.push({ offset: this.pendingOffset, reason: 'entry set runs past the end of the directory' });
    this.pending = undefined;
  }

  private entry(e: Uint8Array, offset: number): void {
    const type = e[0]!;
    if (this.pending) {
      if ((type & 0xc0) === 0xc0) {
        this.pending.set(e, this.pendingFill);
        this.pendingFill += ENTRY_SIZE;
        if (this.pendingFill === this.pending.length) {
          const set = decodeFileSet(this.pending, this.pendingOffset);
          if (isProblem(set)) this.problems.push(set);
          else this.sets.push(set);
          this.pending = undefined;
        }
        return;
      }
      this.problems.push({ offset: this.pendingOffset, reason: 'entry set is cut short by another entry' });
      this.pending = undefined;
    }
    if (type === TYPE_END) {
      this.ended = true;
      return;
    }
    if ((type & 0x80) === 0) return;
    if (type === TYPE_FILE) {
      const n = setLength(e);
      if (n === 0) {
        this.problems.push({ offset, reason: `file entry announces ${e[1]} secondary entries` });
        return;
      }
      this.pending = new Uint8Array(n * ENTRY_SIZE);
      this.pending.set(e, 0);
      this.pendingFill = ENTRY_SIZE;
      this.pendingOffset = offset;
    } else if (type === TYPE_BITMAP || type === TYPE_UPCASE || type === TYPE_LABEL) {
      decodeVolumeEntry(e, offset, this.volume);
    }
  }
}
