import type { BlockDevice } from '../../disk/block-device.js';
import {
  BLOCK_GROUP_DUP,
  BLOCK_GROUP_RAID0,
  BLOCK_GROUP_RAID1,
  BLOCK_GROUP_RAID10,
  BLOCK_GROUP_RAID1C3,
  BLOCK_GROUP_RAID1C4,
  BLOCK_GROUP_RAID5,
  BLOCK_GROUP_RAID6,
} from './constants.js';
import { corrupt, toSafe, unsupported, view } from './errors.js';

export interface Stripe {
  devid: bigint;
  offset: number;
}

/** One chunk: a logical address range and the device stripes that store it. */
export interface Chunk {
  logical: number;
  length: number;
  type: bigint;
  stripeLen: number;
  subStripes: number;
  stripes: Stripe[];
}

export const CHUNK_ITEM_FIXED = 48;
export const STRIPE_SIZE = 32;

const PROFILE_MASK =
  BLOCK_GROUP_RAID0 | BLOCK_GROUP_RAID1 | BLOCK_GROUP_DUP | BLOCK_GROUP_RAID10 | BLOCK_GROUP_RAID5 | BLOCK_GROUP_RAID6 | BLOCK_GROUP_RAID1C3 | BLOCK_GROUP_RAID1C4;

export function profileName(type: bigint): string {
  const p = type & PROFILE_MASK;
  const names: [bigint, string][] = [
    [BLOCK_GROUP_RAID0, 'raid0'],
    [BLOCK_GROUP_RAID1, 'raid1'],
    [BLOCK_GROUP_DUP, 'dup'],
    [BLOCK_GROUP_RAID10, 'raid10'],
    [BLOCK_GROUP_RAID5, 'raid5'],
    [BLOCK_GROUP_RAID6, 'raid6'],
    [BLOCK_GROUP_RAID1C3, 'raid1c3'],
    [BLOCK_GROUP_RAID1C4, 'raid1c4'],
  ];
  if (p === 0n) return 'single';
  return names.find(([bit]) => bit === p)?.[1] ?? `mixed profile bits 0x${p.toString(16)}`;
}

/** Minimum stripe count each profile needs (and exact count for the mirrored ones). */
function validateStripes(type: bigint, n: number, subStripes: number): string | undefined {
  const p = type & PROFILE_MASK;
  if (n < 1) return 'no stripes';
  switch (p) {
    case 0n:
      return n === 1 ? undefined : `single profile with ${n} stripes`;
    case BLOCK_GROUP_DUP:
      return n === 2 ? undefined : `dup profile with ${n} stripes`;
    case BLOCK_GROUP_RAID1:
      return n >= 2 ? undefined : `raid1 with ${n} stripes`;
    case BLOCK_GROUP_RAID1C3:
      return n >= 3 ? undefined : `raid1c3 with ${n} stripes`;
    case BLOCK_GROUP_RAID1C4:
      return n >= 4 ? undefined : `raid1c4 with ${n} stripes`;
    case BLOCK_GROUP_RAID0:
      return undefined;
    case BLOCK_GROUP_RAID10:
      return subStripes >= 1 && n % subStripes === 0 ? undefined : `raid10 with ${n} stripes and ${subStripes} sub-stripes`;
    case BLOCK_GROUP_RAID5:
      return n >= 2 ? undefined : `raid5 with ${n} stripes`;
    case BLOCK_GROUP_RAID6:
      return n >= 3 ? undefined : `raid6 with ${n} stripes`;
    default:
      return `unknown profile bits 0x${p.toString(16)}`;
  }
}

/** Parses a CHUNK_ITEM (from the chunk tree or the superblock's sys_chunk_array). */
export function parseChunk(data: Uint8Array, logical: bigint, physOff: number, structure = 'btrfs chunk item'): Chunk {
  const v = view(data, structure, physOff);
  const length = toSafe(v.u64le(0), 'chunk length', structure, physOff);
  const stripeLen = toSafe(v.u64le(16), 'stripe length', structure, physOff + 16);
  const type = v.u64le(24);
  const numStripes = v.u16le(44);
  const subStripes = v.u16le(46);
  const start = toSafe(logical, 'chunk address', structure, physOff);
  if (length === 0 || start + length > Number.MAX_SAFE_INTEGER) throw corrupt(`bad chunk length ${length}`, structure, physOff);
  if (stripeLen === 0 || (stripeLen & (stripeLen - 1)) !== 0 || stripeLen > 1 << 30) throw corrupt(`bad stripe length ${stripeLen}`, structure, physOff + 16);
  const bad = validateStripes(type, numStripes, subStripes);
  if (bad) throw corrupt(`invalid chunk: ${bad}`, structure, physOff + 24);
  if (data.length < CHUNK_ITEM_FIXED + numStripes * STRIPE_SIZE) throw corrupt(`chunk item too short for ${numStripes} stripes`, structure, physOff);
  const stripes: Stripe[] = [];
  for (let i = 0; i < numStripes; i++) {
    const o = CHUNK_ITEM_FIXED + i * STRIPE_SIZE;
    stripes.push({ devid: v.u64le(o), offset: toSafe(v.u64le(o + 8), 'stripe offset', structure, physOff + o + 8) });
  }
  return { logical: start, length, type, stripeLen, subStripes, stripes };
}

/** A physical piece of a logical range. */
export interface PhysicalRun {
  dev: BlockDevice;
  devid: bigint;
  offset: number;
  length: number;
}

/** Logical → physical address translation for all chunk profiles. */
export class ChunkMap {
  private chunks: Chunk[] = [];

  constructor(private readonly devices: Map<bigint, BlockDevice>) {}

  get size(): number {
    return this.chunks.length;
  }

  get all(): readonly Chunk[] {
    return this.chunks;
  }

  /** Adds a chunk; an identical re-add (sys chunks appear twice) is ignored, an overlap is corruption. */
  add(c: Chunk, structure: string, offset?: number): void {
    let lo = 0;
    let hi = this.chunks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.chunks[mid]!.logical < c.logical) lo = mid + 1;
      else hi = mid;
    }
    const next = this.chunks[lo];
    const prev = this.chunks[lo - 1];
    if (next && next.logical === c.logical && next.length === c.length) return;
    if ((next && next.logical < c.logical + c.length) || (prev && prev.logical + prev.length > c.logical)) {
      throw corrupt(`chunk ${c.logical}+${c.length} overlaps another chunk`, structure, offset);
    }
    this.chunks.splice(lo, 0, c);
  }

  find(logical: number): Chunk | undefined {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.chunks[mid]!;
      if (logical < c.logical) hi = mid - 1;
      else if (logical >= c.logical + c.length) lo = mid + 1;
      else return c;
    }
    return undefined;
  }

  /**
   * Splits [logical, logical+length) into physical runs. `mirror` picks which available copy
   * of mirrored data to use (0 = the first stripe whose device is present).
   */
  map(logical: number, length: number, mirror = 0): PhysicalRun[] {
    const runs: PhysicalRun[] = [];
    let pos = logical;
    const end = logical + length;
    while (pos < end) {
      const c = this.find(pos);
      if (!c) throw corrupt(`logical address ${pos} is not in any chunk`, 'btrfs chunk map');
      const run = this.mapInChunk(c, pos - c.logical, Math.min(end, c.logical + c.length) - pos, mirror);
      const last = runs[runs.length - 1];
      if (last && last.dev === run.dev && last.offset + last.length === run.offset) last.length += run.length;
      else runs.push(run);
      pos += run.length;
    }
    return runs;
  }

  /** How many readable copies the chunk holding `logical` has (1 for unmirrored profiles). */
  copies(logical: number): number {
    const c = this.find(logical);
    if (!c) return 1;
    const p = c.type & PROFILE_MASK;
    const present = (ss: Stripe[]) => Math.max(1, ss.filter((s) => this.devices.has(s.devid)).length);
    if (p === 0n || p === BLOCK_GROUP_DUP || p === BLOCK_GROUP_RAID1 || p === BLOCK_GROUP_RAID1C3 || p === BLOCK_GROUP_RAID1C4) return present(c.stripes);
    if (p === BLOCK_GROUP_RAID10) return present(c.stripes.slice(0, c.subStripes));
    return 1;
  }

  private mapInChunk(c: Chunk, off: number, maxLen: number, mirror: number): PhysicalRun {
    const p = c.type & PROFILE_MASK;
    const n = c.stripes.length;
    const inStripe = off % c.stripeLen;
    const stripeNr = Math.floor(off / c.stripeLen);
    const toStripeEnd = c.stripeLen - inStripe;
    switch (p) {
      case 0n:
      case BLOCK_GROUP_DUP:
      case BLOCK_GROUP_RAID1:
      case BLOCK_GROUP_RAID1C3:
      case BLOCK_GROUP_RAID1C4:
        return this.pick(c, c.stripes, off, maxLen, mirror);
      case BLOCK_GROUP_RAID0: {
        const s = c.stripes[stripeNr % n]!;
        return this.pick(c, [s], Math.floor(stripeNr / n) * c.stripeLen + inStripe, Math.min(maxLen, toStripeEnd), 0);
      }
      case BLOCK_GROUP_RAID10: {
        const groups = n / c.subStripes;
        const first = (stripeNr % groups) * c.subStripes;
        return this.pick(c, c.stripes.slice(first, first + c.subStripes), Math.floor(stripeNr / groups) * c.stripeLen + inStripe, Math.min(maxLen, toStripeEnd), mirror);
      }
      default: {
        // raid5/6: data stripes rotate with the row; parity is only needed when a device is missing.
        const nparity = p === BLOCK_GROUP_RAID5 ? 1 : 2;
        const data = n - nparity;
        const row = Math.floor(stripeNr / data);
        const idx = ((stripeNr % data) + row) % n;
        return this.pick(c, [c.stripes[idx]!], row * c.stripeLen + inStripe, Math.min(maxLen, toStripeEnd), 0, true);
      }
    }
  }

  private pick(c: Chunk, candidates: Stripe[], devOff: number, length: number, mirror: number, parityProfile = false): PhysicalRun {
    let skip = mirror;
    for (const s of candidates) {
      const dev = this.devices.get(s.devid);
      if (!dev || skip-- > 0) continue;
      const offset = s.offset + devOff;
      if (offset + length > dev.size) {
        throw corrupt(`chunk ${c.logical} (${profileName(c.type)}) maps to ${offset}+${length}, beyond device ${s.devid} (${dev.size} bytes)`, 'btrfs chunk map');
      }
      return { dev, devid: s.devid, offset, length };
    }
    const missing = [...new Set(candidates.map((s) => s.devid))].join(', ');
    throw unsupported(
      `data at logical ${c.logical} (${profileName(c.type)}) lives only on missing device id ${missing}` +
        (parityProfile ? '; rebuilding from parity is not supported' : ''),
      'btrfs chunk map',
    );
  }

  /** Reads a logical range into a fresh buffer (from the given mirror). */
  async read(logical: number, length: number, mirror = 0): Promise<Uint8Array> {
    const runs = this.map(logical, length, mirror);
    if (runs.length === 1) return runs[0]!.dev.read(runs[0]!.offset, length);
    const out = new Uint8Array(length);
    let pos = 0;
    for (const r of runs) {
      out.set(await r.dev.read(r.offset, r.length), pos);
      pos += r.length;
    }
    return out;
  }
}

/** Walks the superblock's sys_chunk_array: (key, chunk item) pairs describing the system chunks. */
export function parseSysChunkArray(arr: Uint8Array, sbOffset: number): { logical: bigint; chunk: Chunk }[] {
  const S = 'btrfs sys_chunk_array';
  const base = sbOffset + 0x32b;
  const v = view(arr, S, base);
  const out: { logical: bigint; chunk: Chunk }[] = [];
  let p = 0;
  while (p < arr.length) {
    const type = v.u8(p + 8);
    const logical = v.u64le(p + 9);
    if (type !== 228) throw corrupt(`unexpected key type ${type} in sys_chunk_array`, S, base + p);
    p += 17;
    const numStripes = v.u16le(p + 44);
    const size = CHUNK_ITEM_FIXED + numStripes * STRIPE_SIZE;
    out.push({ logical, chunk: parseChunk(v.slice(p, size), logical, base + p, S) });
    p += size;
  }
  return out;
}
