/** A stretch of a file's logical blocks: either on disk at `pblk`, or reading as zeros (hole/unwritten). */
export interface Run {
  lblk: number;
  len: number;
  /** First physical block, or undefined for a hole or an uninitialized extent. */
  pblk: number | undefined;
}

/** A mapped piece found while walking an extent tree or block map (already clipped to the range). */
export interface Piece {
  lblk: number;
  len: number;
  pblk: number;
  uninit: boolean;
}

/** What the mappers need from the driver: bounds-checked, cached reads of metadata blocks. */
export interface BlockReader {
  readonly blockSize: number;
  readonly blocksCount: number;
  readBlock(pblk: number, structure: string): Promise<Uint8Array>;
}

/**
 * Turns sorted, non-overlapping pieces into runs covering exactly [first, first+count):
 * gaps become holes and physically consecutive pieces merge, so a file stored in many
 * adjacent extents is still read with one device request.
 */
export function toRuns(first: number, count: number, pieces: Piece[]): Run[] {
  const runs: Run[] = [];
  let pos = first;
  const push = (lblk: number, len: number, pblk: number | undefined) => {
    if (len <= 0) return;
    const last = runs[runs.length - 1];
    if (last && last.lblk + last.len === lblk) {
      if (last.pblk === undefined && pblk === undefined) {
        last.len += len;
        return;
      }
      if (last.pblk !== undefined && pblk !== undefined && last.pblk + last.len === pblk) {
        last.len += len;
        return;
      }
    }
    runs.push({ lblk, len, pblk });
  };
  for (const p of pieces) {
    if (p.lblk > pos) push(pos, p.lblk - pos, undefined);
    push(p.lblk, p.len, p.uninit ? undefined : p.pblk);
    pos = p.lblk + p.len;
  }
  if (pos < first + count) push(pos, first + count - pos, undefined);
  return runs;
}
