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

function timespec(v: ReturnType<typeof view>, off: number): Timespec {
  const sec = v.u64le(off);
  // Seconds are signed on disk; pre-1970 times come back negative.
  const signed = BigInt.asIntN(64, sec);
  return { sec: Number(signed), nsec: Math.min(v.u32le(off + 8), 999_999_999) };
}

export function parseInodeItem(data: Uint8Array, offset: number, structure = 'btrfs inode item'): InodeItem {
  const v = view(data, structure, offset);
  if (data.length < INODE_ITEM_SIZE) throw corrupt(`inode item is ${data.length} bytes`, structure, offset);
  return {
    size: toSafe(v.u64le(16), 'inode size', structure, offset + 16),
    nbytes: toSafe(v.u64le(24), 'inode nbytes', structure, offset + 24),
    nlink: v.u32le(40),
    uid: v.u32le(44),
    gid: v.u32le(48),
    mode: v.u32le(52),
    rdev: v.u64le(56),
    flags: v.u64le(64),
    atime: timespec(v, 112),
    ctime: timespec(v, 124),
    mtime: timespec(v, 136),
    otime: timespec(v, 148),
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
  const v = view(item.data, structure, item.offset);
  const out: DirItem[] = [];
  let p = 0;
  while (p < item.data.length) {
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

export function parseFileExtent(item: Item): FileExtent {
  const S = 'btrfs file extent item';
  const v = view(item.data, S, item.offset);
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
