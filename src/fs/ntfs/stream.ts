/**
 * Attribute values ("streams"): resident bytes or non-resident runs, possibly spread over
 * several attribute records (extents) and possibly sparse or LZNT1-compressed. buildStream()
 * validates the extents of one attribute; StreamReader reads byte ranges of it.
 */
import type { BlockDevice } from '../../disk/block-device.js';
import { LruCache } from '../../util/lru.js';
import type { NtfsBoot } from './boot.js';
import { ATTR_COMPRESSION_MASK, ATTR_IS_ENCRYPTED, ATTR_IS_SPARSE, MAX_CLUSTER_SIZE, MAX_RUNS } from './constants.js';
import { corrupt, unsupported } from './errors.js';
import { lznt1Decompress } from './lznt1.js';
import type { AttrRecord } from './record.js';
import { decodeRunlist, findRun, type Run } from './runlist.js';

export interface Stream {
  /** Base MFT record owning the attribute, attribute type and name. */
  owner: number;
  type: number;
  name: string;
  /** Human name for errors: '$DATA "x" of MFT record 42'. */
  label: string;
  resident: boolean;
  value?: Uint8Array;
  size: number;
  initSize: number;
  allocSize: number;
  /** Bytes actually allocated on disk (compressed/sparse files), when recorded. */
  compressedSize?: number;
  flags: number;
  compressed: boolean;
  /** log2(clusters per compression unit). */
  cuShift: number;
  encrypted: boolean;
  sparse: boolean;
  extents: AttrRecord[];
  /** Decoded on first use. */
  runs?: Run[];
}

const TYPE_NAMES: Record<number, string> = {
  0x10: '$STANDARD_INFORMATION',
  0x20: '$ATTRIBUTE_LIST',
  0x30: '$FILE_NAME',
  0x40: '$OBJECT_ID',
  0x50: '$SECURITY_DESCRIPTOR',
  0x60: '$VOLUME_NAME',
  0x70: '$VOLUME_INFORMATION',
  0x80: '$DATA',
  0x90: '$INDEX_ROOT',
  0xa0: '$INDEX_ALLOCATION',
  0xb0: '$BITMAP',
  0xc0: '$REPARSE_POINT',
  0xd0: '$EA_INFORMATION',
  0xe0: '$EA',
  0x100: '$LOGGED_UTILITY_STREAM',
};

export function attrLabel(type: number, name: string, owner: number): string {
  const t = TYPE_NAMES[type] ?? `attribute 0x${type.toString(16)}`;
  return `${t}${name ? ` "${name}"` : ''} of MFT record ${owner}`;
}

/** Validates the extents of one attribute (all records with its type and name) into a Stream. */
export function buildStream(extents: AttrRecord[], owner: number, boot: NtfsBoot): Stream {
  const first = extents[0]!;
  const label = attrLabel(first.type, first.name, owner);
  // Built field by field: object spread is very slow here (this runs for every attribute).
  const s: Stream = {
    owner,
    type: first.type,
    name: first.name,
    label,
    resident: first.resident,
    size: 0,
    initSize: 0,
    allocSize: 0,
    flags: first.flags,
    compressed: false,
    cuShift: 0,
    encrypted: (first.flags & ATTR_IS_ENCRYPTED) !== 0,
    sparse: (first.flags & ATTR_IS_SPARSE) !== 0,
    extents,
  };
  if (first.resident) {
    if (extents.length !== 1) throw corrupt(`resident attribute appears ${extents.length} times`, label, first.offset);
    const value = first.value!;
    s.value = value;
    s.size = s.initSize = s.allocSize = value.length;
    return s;
  }
  const sorted = extents.length === 1 ? extents : [...extents].sort((a, b) => a.lowestVcn - b.lowestVcn);
  for (const e of sorted) if (e.resident) throw corrupt('attribute is both resident and non-resident', label, first.offset);
  const head = sorted[0]!;
  if (head.lowestVcn !== 0) throw corrupt(`first extent starts at VCN ${head.lowestVcn}, not 0`, label, head.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const e = sorted[i]!;
    if (e.lowestVcn !== prev.highestVcn + 1) {
      throw corrupt(`extent at VCN ${e.lowestVcn} does not follow the previous one ending at VCN ${prev.highestVcn}`, `runlist of ${label}`, e.offset);
    }
  }
  const { allocatedSize: allocSize, dataSize: size, initializedSize: initSize } = head;
  if (size > allocSize) throw corrupt(`data size ${size} exceeds allocated size ${allocSize}`, label, head.offset + 48);
  if (initSize > size) throw corrupt(`initialized size ${initSize} exceeds data size ${size}`, label, head.offset + 56);
  const mapped = (sorted[sorted.length - 1]!.highestVcn + 1) * boot.clusterSize;
  if (allocSize > mapped) throw corrupt(`allocated size ${allocSize} exceeds the ${mapped} bytes the runlist maps`, `runlist of ${label}`, head.offset + 40);
  s.size = size;
  s.initSize = initSize;
  s.allocSize = allocSize;
  s.extents = sorted;
  if (head.compressedSize !== undefined) s.compressedSize = head.compressedSize;
  const method = head.flags & ATTR_COMPRESSION_MASK;
  if (method !== 0) {
    if (method !== 1) throw unsupported(`compression method ${method} is not LZNT1`, label, head.offset + 12);
    if (head.compressionUnit === 0 || head.compressionUnit > 16 || boot.clusterSize * 2 ** head.compressionUnit > MAX_CLUSTER_SIZE) {
      throw corrupt(`compression unit of 2^${head.compressionUnit} clusters is invalid`, label, head.offset + 34);
    }
    s.compressed = true;
    s.cuShift = head.compressionUnit;
  }
  return s;
}

/** Device access for stream reads: metadata through the block cache, file data straight. */
export interface StreamIo {
  boot: NtfsBoot;
  cached: BlockDevice;
  raw: BlockDevice;
}

export class StreamReader {
  private readonly units = new LruCache<string, Uint8Array | null>(32);

  constructor(private readonly io: StreamIo) {}

  /** The stream's runs, decoded once. */
  runs(s: Stream): Run[] {
    if (s.runs) return s.runs;
    if (s.resident) return (s.runs = []);
    const runs: Run[] = [];
    for (const e of s.extents) {
      const part = decodeRunlist(e.mappingPairs!, e.lowestVcn, e.highestVcn, { structure: `runlist of ${s.label}`, offset: e.mappingOffset, totalClusters: this.io.boot.totalClusters }, MAX_RUNS - runs.length);
      for (const r of part) {
        const last = runs[runs.length - 1];
        if (last && ((r.lcn < 0 && last.lcn < 0) || (r.lcn >= 0 && last.lcn >= 0 && last.lcn + last.len === r.lcn))) last.len += r.len;
        else runs.push(r);
      }
    }
    return (s.runs = runs);
  }

  /** Reads up to `length` bytes at `offset` (short only at the end of the stream). */
  async read(s: Stream, offset: number, length: number, metadata: boolean): Promise<Uint8Array> {
    if (offset >= s.size || length <= 0) return new Uint8Array(0);
    const end = Math.min(s.size, offset + length);
    if (s.resident) return s.value!.slice(offset, end);
    if (s.encrypted) throw unsupported('the stream is EFS-encrypted; its contents cannot be read without the owner\'s keys', s.label);
    const out = new Uint8Array(end - offset);
    const stop = Math.min(end, s.initSize);
    if (stop > offset) {
      if (s.compressed) await this.readCompressed(s, offset, stop, out);
      else await this.readRuns(s, offset, stop, out, metadata);
    }
    return out;
  }

  private device(metadata: boolean): BlockDevice {
    return metadata ? this.io.cached : this.io.raw;
  }

  private async devRead(dev: BlockDevice, pos: number, len: number, label: string): Promise<Uint8Array> {
    if (pos + len > dev.size) throw corrupt(`${len} bytes at ${pos} lie beyond the end of the ${dev.size}-byte device (truncated image?)`, label, pos);
    return dev.read(pos, len);
  }

  /** Plain (possibly sparse) stream: one device read per physically contiguous run. */
  private async readRuns(s: Stream, from: number, to: number, out: Uint8Array, metadata: boolean): Promise<void> {
    const cs = this.io.boot.clusterSize;
    const runs = this.runs(s);
    const dev = this.device(metadata);
    let pos = from;
    let i = findRun(runs, Math.floor(pos / cs));
    while (pos < to) {
      const r = runs[i];
      const vcn = Math.floor(pos / cs);
      if (!r || vcn < r.vcn || vcn >= r.vcn + r.len) throw corrupt(`runlist does not map VCN ${vcn} (byte ${pos} of ${s.size})`, `runlist of ${s.label}`);
      const runEnd = Math.min(to, (r.vcn + r.len) * cs);
      const n = runEnd - pos;
      if (r.lcn >= 0) {
        const data = await this.devRead(dev, r.lcn * cs + (pos - r.vcn * cs), n, s.label);
        out.set(data, pos - from);
      }
      pos = runEnd;
      i++;
    }
  }

  private async readCompressed(s: Stream, from: number, to: number, out: Uint8Array): Promise<void> {
    const cuBytes = this.io.boot.clusterSize * 2 ** s.cuShift;
    for (let u = Math.floor(from / cuBytes); u * cuBytes < to; u++) {
      const data = await this.unit(s, u);
      if (!data) continue;
      const start = Math.max(from, u * cuBytes);
      const end = Math.min(to, (u + 1) * cuBytes);
      out.set(data.subarray(start - u * cuBytes, end - u * cuBytes), start - from);
    }
  }

  /**
   * One compression unit: all clusters allocated = stored raw; real clusters followed by
   * sparse ones = LZNT1 data; all sparse = zeros (null).
   */
  private async unit(s: Stream, u: number): Promise<Uint8Array | null> {
    const key = `${s.owner}:${s.type}:${s.name}:${u}`;
    const hit = this.units.get(key);
    if (hit !== undefined) return hit;
    const cs = this.io.boot.clusterSize;
    const cuClusters = 2 ** s.cuShift;
    const runs = this.runs(s);
    const first = u * cuClusters;
    const label = `compression unit ${u} of ${s.label}`;
    const pieces: { lcn: number; len: number }[] = [];
    let real = 0;
    let sawSparse = false;
    let vcn = first;
    let i = findRun(runs, vcn);
    if (i < 0) throw corrupt(`runlist does not map VCN ${vcn}`, `runlist of ${s.label}`);
    while (vcn < first + cuClusters && i < runs.length) {
      const r = runs[i]!;
      const n = Math.min(r.vcn + r.len, first + cuClusters) - vcn;
      if (r.lcn < 0) sawSparse = true;
      else {
        if (sawSparse) throw corrupt('allocated clusters follow sparse ones inside a compression unit', label);
        pieces.push({ lcn: r.lcn + (vcn - r.vcn), len: n });
        real += n;
      }
      vcn += n;
      i++;
    }
    let result: Uint8Array | null = null;
    if (real > 0) {
      const stored = new Uint8Array(real * cs);
      let pos = 0;
      for (const p of pieces) {
        stored.set(await this.devRead(this.io.raw, p.lcn * cs, p.len * cs, label), pos);
        pos += p.len * cs;
      }
      if (real === cuClusters) result = stored;
      else {
        result = new Uint8Array(cuClusters * cs);
        lznt1Decompress(stored, result, label, pieces[0]!.lcn * cs);
      }
    }
    this.units.set(key, result);
    return result;
  }
}
