import type { Item } from './btree.js';
import { FILE_EXTENT_INLINE, FILE_EXTENT_PREALLOC, FILE_EXTENT_REG } from './constants.js';
import { corrupt, toSafe, unsupported, view } from './errors.js';
import type { Key } from './node.js';

export interface Timespec {
  sec: number;
  nsec: number;
}

export interface InodeItem {
  size: number;
  nbytes: number;
  nlink: number;
  uid: number;
  gid: number;
  mode: number;
  rdev: bigint;
  flags: bigint;
  atime: Timespec;
  ctime: Timespec;
  mtime: Timespec;
  otime: Timespec;
}

export const INODE_ITEM_SIZE = 160;

const TWO32 = 4294967296;

function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * A u64 field (in bounds) that must be a safe integer, read as two 32-bit halves: the BigInt
 * is only built to report a value that is too large.
 */
function safeU64(dv: DataView, off: number, what: string, structure: string, base: number): number {
  const hi = dv.getUint32(off + 4, true);
  if (hi > 0x1fffff) return toSafe(dv.getBigUint64(off, true), what, structure, base + off);
  return hi * TWO32 + dv.getUint32(off, true);
}

function timespec(dv: DataView, off: number): Timespec {
  // Seconds are signed on disk; pre-1970 times come back negative. Within ±2^53 the halves
  // give the exact value; beyond, the conversion rounds like Number(BigInt) always did.
  const hi = dv.getInt32(off + 4, true);
  const sec = hi >= -0x200000 && hi < 0x200000 ? hi * TWO32 + dv.getUint32(off, true) : Number(BigInt.asIntN(64, dv.getBigUint64(off, true)));
  return { sec, nsec: Math.min(dv.getUint32(off + 8, true), 999_999_999) };
}

export function parseInodeItem(data: Uint8Array, offset: number, structure = 'btrfs inode item'): InodeItem {
  if (data.length < INODE_ITEM_SIZE) throw corrupt(`inode item is ${data.length} bytes`, structure, offset);
  const dv = dataView(data);
  return {
    size: safeU64(dv, 16, 'inode size', structure, offset),
    nbytes: safeU64(dv, 24, 'inode nbytes', structure, offset),
    nlink: dv.getUint32(40, true),
    uid: dv.getUint32(44, true),
    gid: dv.getUint32(48, true),
    mode: dv.getUint32(52, true),
    rdev: dv.getBigUint64(56, true),
    flags: dv.getBigUint64(64, true),
    atime: timespec(dv, 112),
    ctime: timespec(dv, 124),
    mtime: timespec(dv, 136),
    otime: timespec(dv, 148),
  };
}

/** One entry of a DIR_ITEM, DIR_INDEX or XATTR_ITEM (several may share an item on hash collision). */
export interface DirItem {
  location: Key;
  type: number;
  name: Uint8Array;
  data: Uint8Array;
}

const DIR_ITEM_HEADER = 30;

export function parseDirItems(item: Item, structure = 'btrfs dir item'): DirItem[] {
  const d = item.data;
  const out: DirItem[] = [];
  let p = 0;
  // Entries that lie wholly inside the item are read directly; the first one that does not is
  // left to the checked view below, which reports it exactly as before.
  if (d.length >= DIR_ITEM_HEADER) {
    const dv = dataView(d);
    while (p + DIR_ITEM_HEADER <= d.length) {
      const dataLen = dv.getUint16(p + 25, true);
      const nameLen = dv.getUint16(p + 27, true);
      const end = p + DIR_ITEM_HEADER + nameLen + dataLen;
      if (nameLen === 0 || end > d.length) break;
      const location = { objectid: dv.getBigUint64(p, true), type: d[p + 8]!, offset: dv.getBigUint64(p + 9, true) };
      const nameAt = p + DIR_ITEM_HEADER;
      out.push({ location, type: d[p + 29]!, name: d.subarray(nameAt, nameAt + nameLen), data: d.subarray(nameAt + nameLen, end) });
      p = end;
    }
  }
  if (p >= d.length) return out;
  const v = view(d, structure, item.offset);
  while (p < d.length) {
    const location = { objectid: v.u64le(p), type: v.u8(p + 8), offset: v.u64le(p + 9) };
    const dataLen = v.u16le(p + 25);
    const nameLen = v.u16le(p + 27);
    const type = v.u8(p + 29);
    if (nameLen === 0) throw corrupt('directory entry with an empty name', structure, item.offset + p);
    const name = v.slice(p + DIR_ITEM_HEADER, nameLen);
    const data = v.slice(p + DIR_ITEM_HEADER + nameLen, dataLen);
    out.push({ location, type, name, data });
    p += DIR_ITEM_HEADER + nameLen + dataLen;
  }
  return out;
}

export interface RootItem {
  bytenr: number;
  level: number;
  generation: bigint;
  rootDirid: bigint;
  flags: bigint;
  refs: number;
  uuid?: string;
  parentUuid?: string;
}

export function parseRootItem(item: Item): RootItem {
  const S = 'btrfs root item';
  const v = view(item.data, S, item.offset);
  const generation = v.u64le(160);
  const r: RootItem = {
    generation,
    rootDirid: v.u64le(168),
    bytenr: toSafe(v.u64le(176), 'root block address', S, item.offset + 176),
    flags: v.u64le(208),
    refs: v.u32le(216),
    level: v.u8(238),
  };
  // The v2 fields (uuids) are only meaningful when generation_v2 matches generation.
  if (item.data.length >= 279 && v.u64le(239) === generation) {
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
    const uuid = (off: number): string | undefined => {
      const h = hex(v.slice(off, 16));
      return /^0+$/.test(h) ? undefined : `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    };
    const u = uuid(247);
    const pu = uuid(263);
    if (u) r.uuid = u;
    if (pu) r.parentUuid = pu;
  }
  return r;
}

/** ROOT_REF / ROOT_BACKREF: the directory and name under which a subvolume is linked. */
export interface RootRef {
  dirid: bigint;
  sequence: bigint;
  name: Uint8Array;
}

export function parseRootRef(item: Item): RootRef {
  const S = 'btrfs root ref';
  const v = view(item.data, S, item.offset);
  const nameLen = v.u16le(16);
  return { dirid: v.u64le(0), sequence: v.u64le(8), name: v.slice(18, nameLen) };
}

/** INODE_REF entries: (index, name) pairs linking an inode into the directory key.offset. */
export function parseInodeRefs(item: Item): { index: bigint; name: Uint8Array }[] {
  const S = 'btrfs inode ref';
  const v = view(item.data, S, item.offset);
  const out: { index: bigint; name: Uint8Array }[] = [];
  let p = 0;
  while (p < item.data.length) {
    const nameLen = v.u16le(p + 8);
    out.push({ index: v.u64le(p), name: v.slice(p + 10, nameLen) });
    p += 10 + nameLen;
  }
  return out;
}

export type FileExtent =
  | { kind: 'inline'; compression: number; ramBytes: number; data: Uint8Array; offset: number }
  | {
      kind: 'regular' | 'prealloc';
      compression: number;
      ramBytes: number;
      diskBytenr: number;
      diskNumBytes: number;
      /** Offset into the (decompressed) extent where this file range starts. */
      extentOffset: number;
      numBytes: number;
      offset: number;
    };

/** Bytes of a regular or prealloc extent item: header, then disk bytenr, disk bytes, offset and bytes. */
const FILE_EXTENT_REG_SIZE = 53;

export function parseFileExtent(item: Item): FileExtent {
  const S = 'btrfs file extent item';
  const d = item.data;
  // Items long enough for every field are read without the checked view (same values, same errors).
  if (d.length >= FILE_EXTENT_REG_SIZE) {
    const dv = dataView(d);
    const ramBytes = safeU64(dv, 8, 'ram_bytes', S, item.offset);
    const compression = d[16]!;
    if (d[17] !== 0 || dv.getUint16(18, true) !== 0) throw unsupported(`file extent with encryption ${d[17]} / encoding ${dv.getUint16(18, true)} is not supported`, S);
    const type = d[20]!;
    if (type === FILE_EXTENT_INLINE) return { kind: 'inline', compression, ramBytes, data: d.subarray(21), offset: item.offset + 21 };
    if (type !== FILE_EXTENT_REG && type !== FILE_EXTENT_PREALLOC) throw corrupt(`unknown file extent type ${type}`, S, item.offset + 20);
    return {
      kind: type === FILE_EXTENT_REG ? 'regular' : 'prealloc',
      compression,
      ramBytes,
      diskBytenr: safeU64(dv, 21, 'disk_bytenr', S, item.offset),
      diskNumBytes: safeU64(dv, 29, 'disk_num_bytes', S, item.offset),
      extentOffset: safeU64(dv, 37, 'extent offset', S, item.offset),
      numBytes: safeU64(dv, 45, 'num_bytes', S, item.offset),
      offset: item.offset,
    };
  }
  const v = view(d, S, item.offset);
  const ramBytes = toSafe(v.u64le(8), 'ram_bytes', S, item.offset + 8);
  const compression = v.u8(16);
  if (v.u8(17) !== 0 || v.u16le(18) !== 0) {
    throw unsupported(`file extent with encryption ${v.u8(17)} / encoding ${v.u16le(18)} is not supported`, S);
  }
  const type = v.u8(20);
  if (type === FILE_EXTENT_INLINE) {
    return { kind: 'inline', compression, ramBytes, data: item.data.subarray(21), offset: item.offset + 21 };
  }
  if (type !== FILE_EXTENT_REG && type !== FILE_EXTENT_PREALLOC) throw corrupt(`unknown file extent type ${type}`, S, item.offset + 20);
  return {
    kind: type === FILE_EXTENT_REG ? 'regular' : 'prealloc',
    compression,
    ramBytes,
    diskBytenr: toSafe(v.u64le(21), 'disk_bytenr', S, item.offset + 21),
    diskNumBytes: toSafe(v.u64le(29), 'disk_num_bytes', S, item.offset + 29),
    extentOffset: toSafe(v.u64le(37), 'extent offset', S, item.offset + 37),
    numBytes: toSafe(v.u64le(45), 'num_bytes', S, item.offset + 45),
    offset: item.offset,
  };
}
