/**
 * Cluster chains as run lists: following a FAT chain (with loop detection and length limits),
 * describing exFAT's contiguous "NoFatChain" allocations, and reading file bytes through runs
 * with one device read per contiguous stretch.
 */
import type { BlockDevice } from '../../disk/block-device.js';
import { corrupt, fsError } from './errors.js';
import { END_OF_CHAIN, type FatTable } from './table.js';

/** `count` clusters starting at `cluster` hold file clusters fileIndex..fileIndex+count-1. */
export interface Run {
  fileIndex: number;
  cluster: number;
  count: number;
}

export interface ClusterMap {
  runs: Run[];
  /** Total clusters described. */
  clusters: number;
}

export interface WalkOptions {
  /** Files: exactly this many clusters are needed (ceil(size / cluster size)); the chain may not end earlier. */
  need?: number;
  /** Directories (no size): walk to the end marker, failing beyond this many clusters. */
  limit?: number;
  /** What the chain belongs to, for error messages. */
  what: string;
}

/**
 * Follows a chain from `start`. Loops are found two ways: Brent's cycle detection while walking
 * (O(1) memory, so a looping directory chain fails fast) and, for the finished run list, a
 * check that no cluster is used twice.
 */
export async function walkChain(table: FatTable, start: number, opts: WalkOptions): Promise<ClusterMap> {
  const need = opts.need;
  const limit = need ?? opts.limit ?? table.maxCluster;
  if (need === 0) return { runs: [], clusters: 0 };
  if (!(start >= 2 && start <= table.maxCluster)) {
    throw corrupt(`${opts.what} starts at invalid cluster ${start}`, table.structure, table.offset);
  }
  const runs: Run[] = [];
  let run: Run = { fileIndex: 0, cluster: start, count: 1 };
  let total = 1;
  let cur = start;
  // Brent: `tortoise` jumps to the current position at powers of two; meeting it again is a loop.
  let tortoise = start;
  let power = 1;
  let lam = 0;
  while (total < limit) {
    const next = await table.next(cur);
    if (next === END_OF_CHAIN) break;
    if (next === tortoise) throw corrupt(`${opts.what}: cluster chain loops back to cluster ${next}`, table.structure, table.offset);
    if (++lam === power) {
      tortoise = next;
      power *= 2;
      lam = 0;
    }
    if (next === run.cluster + run.count) run.count++;
    else {
      runs.push(run);
      run = { fileIndex: total, cluster: next, count: 1 };
    }
    total++;
    cur = next;
  }
  runs.push(run);
  if (need !== undefined) {
    if (total < need) throw corrupt(`${opts.what}: cluster chain ends after ${total} of ${need} clusters`, table.structure, table.offset);
  } else if (total >= limit && (await table.next(cur)) !== END_OF_CHAIN) {
    throw fsError('LIMIT_EXCEEDED', `${opts.what}: cluster chain is longer than ${limit} clusters`, table.structure, table.offset);
  }
  checkNoReuse(runs, opts.what, table);
  return { runs, clusters: total };
}

/** A chain that visits a cluster twice loops (or is cross-linked with itself). */
function checkNoReuse(runs: Run[], what: string, table: FatTable): void {
  if (runs.length < 2) return;
  const sorted = runs.slice().sort((a, b) => a.cluster - b.cluster);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    if (prev.cluster + prev.count > sorted[i]!.cluster) {
      throw corrupt(`${what}: cluster chain loops (cluster ${sorted[i]!.cluster} is used twice)`, table.structure, table.offset);
    }
  }
}

/** A contiguous allocation (exFAT NoFatChain): `count` clusters from `start`. */
export function contiguous(start: number, count: number, maxCluster: number, what: string, structure: string): ClusterMap {
  if (count === 0) return { runs: [], clusters: 0 };
  if (!(start >= 2 && start + count - 1 <= maxCluster)) {
    throw corrupt(`${what}: contiguous clusters ${start}..${start + count - 1} are outside 2..${maxCluster}`, structure);
  }
  return { runs: [{ fileIndex: 0, cluster: start, count }], clusters: count };
}

export interface DataLayout {
  dev: BlockDevice;
  clusterSize: number;
  /** Device byte offset of a cluster (validated by the caller's map). */
  clusterOffset(cluster: number): number;
}

/**
 * Reads [offset, offset+length) of a file mapped by `map`, clamped to `size`. Bytes at or after
 * `validEnd` (exFAT ValidDataLength) read as zeros without touching the device.
 */
export async function readMapped(
  layout: DataLayout,
  map: ClusterMap,
  size: number,
  offset: number,
  length: number,
  validEnd = size,
): Promise<Uint8Array> {
  const end = Math.min(size, offset + length);
  if (end <= offset) return new Uint8Array(0);
  const out = new Uint8Array(end - offset);
  const dataEnd = Math.min(end, validEnd);
  const cs = layout.clusterSize;
  let pos = offset;
  let i = findRun(map.runs, Math.floor(pos / cs));
  const pending: Promise<void>[] = [];
  while (pos < dataEnd) {
    const run = map.runs[i];
    if (!run) throw corrupt(`file offset ${pos} is not mapped by its cluster chain`, 'cluster map');
    const runStart = run.fileIndex * cs;
    const runEnd = (run.fileIndex + run.count) * cs;
    const n = Math.min(runEnd, dataEnd) - pos;
    const devOff = layout.clusterOffset(run.cluster) + (pos - runStart);
    const at = pos - offset;
    pending.push(layout.dev.read(devOff, n).then((b) => out.set(b, at)));
    pos += n;
    i++;
  }
  await Promise.all(pending);
  return out;
}

/** Index of the run holding file cluster `index` (runs are sorted by fileIndex). */
function findRun(runs: Run[], index: number): number {
  let lo = 0;
  let hi = runs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (runs[mid]!.fileIndex <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
