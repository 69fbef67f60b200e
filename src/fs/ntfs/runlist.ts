/**
 * Runlists ("mapping pairs") of non-resident attributes: a packed list of (length, LCN delta)
 * pairs. A delta is signed and relative to the previous run's LCN; a pair without a delta is a
 * sparse run. Decoded runs are checked against the volume and against the extent's VCN range.
 */
import { corrupt } from './errors.js';

export interface Run {
  vcn: number;
  /** First cluster on the volume, or -1 for a sparse run. */
  lcn: number;
  len: number;
}

export interface RunlistContext {
  /** "runlist of $DATA of MFT record 42" — for errors. */
  structure: string;
  /** Device offset of the mapping pairs, for errors. */
  offset: number;
  totalClusters: number;
}

/** Reads `n` (1..8) bytes little-endian as a signed or unsigned BigInt. */
function readLe(b: Uint8Array, pos: number, n: number, signed: boolean): bigint {
  let v = 0n;
  for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[pos + i]!);
  if (signed && b[pos + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
  return v;
}

/**
 * Decodes one extent's mapping pairs covering VCNs [lowestVcn, highestVcn]. `prevLcn` is not
 * carried between extents: every extent's first delta is relative to LCN 0.
 */
export function decodeRunlist(bytes: Uint8Array, lowestVcn: number, highestVcn: number, ctx: RunlistContext, maxRuns: number): Run[] {
  const runs: Run[] = [];
  const maxVcn = BigInt(Number.MAX_SAFE_INTEGER);
  let vcn = BigInt(lowestVcn);
  let lcn = 0n;
  let pos = 0;
  const total = BigInt(ctx.totalClusters);
  while (pos < bytes.length) {
    const header = bytes[pos]!;
    if (header === 0) break;
    const lenSize = header & 0x0f;
    const offSize = header >> 4;
    if (lenSize === 0 || lenSize > 8 || offSize > 8) {
      throw corrupt(`mapping pair header 0x${header.toString(16)} is invalid`, ctx.structure, ctx.offset + pos);
    }
    if (pos + 1 + lenSize + offSize > bytes.length) {
      throw corrupt('mapping pair runs past the end of the attribute', ctx.structure, ctx.offset + pos);
    }
    const len = readLe(bytes, pos + 1, lenSize, true);
    if (len <= 0n || vcn + len > maxVcn) throw corrupt(`run length ${len} is invalid`, ctx.structure, ctx.offset + pos);
    let runLcn = -1;
    if (offSize > 0) {
      lcn += readLe(bytes, pos + 1 + lenSize, offSize, true);
      if (lcn < 0n || lcn + len > total) {
        throw corrupt(`run of ${len} clusters at LCN ${lcn} lies outside the ${ctx.totalClusters}-cluster volume`, ctx.structure, ctx.offset + pos);
      }
      runLcn = Number(lcn);
    }
    if (runs.length >= maxRuns) throw corrupt(`more than ${maxRuns} runs`, ctx.structure, ctx.offset + pos);
    const last = runs[runs.length - 1];
    // Merge physically contiguous runs (and adjacent sparse runs): fewer, larger device reads.
    if (last && ((runLcn < 0 && last.lcn < 0) || (runLcn >= 0 && last.lcn >= 0 && last.lcn + last.len === runLcn))) {
      last.len += Number(len);
    } else {
      runs.push({ vcn: Number(vcn), lcn: runLcn, len: Number(len) });
    }
    vcn += len;
    pos += 1 + lenSize + offSize;
  }
  const end = BigInt(highestVcn) + 1n;
  // An empty attribute may record highest VCN -1 or 0 with no runs at all.
  if (vcn !== end && !(runs.length === 0 && highestVcn <= lowestVcn)) {
    throw corrupt(`runs cover VCNs ${lowestVcn}..${vcn - 1n} but the attribute claims ${lowestVcn}..${highestVcn}`, ctx.structure, ctx.offset);
  }
  return runs;
}

/** Index of the run containing `vcn` (runs sorted and contiguous), or -1. */
export function findRun(runs: readonly Run[], vcn: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = runs[mid]!;
    if (vcn < r.vcn) hi = mid - 1;
    else if (vcn >= r.vcn + r.len) lo = mid + 1;
    else return mid;
  }
  return -1;
}
