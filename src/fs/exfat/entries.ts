/**
 * exFAT directory entries. A file is an entry set: a File entry (0x85), a Stream Extension
 * (0xC0) and 1-17 File Name entries (0xC1), possibly followed by benign vendor entries, all
 * covered by a 16-bit set checksum. The root directory also holds the allocation bitmap
 * (0x81), up-case table (0x82) and volume label (0x83) entries. Type 0x00 ends a directory;
 * entries with bit 7 clear are deleted.
 */
import { utf16UnitsToString } from '../fat/names.js';

export const ENTRY_SIZE = 32;
export const TYPE_END = 0x00;
export const TYPE_BITMAP = 0x81;
export const TYPE_UPCASE = 0x82;
export const TYPE_LABEL = 0x83;
export const TYPE_FILE = 0x85;
export const TYPE_STREAM = 0xc0;
export const TYPE_NAME = 0xc1;

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_DIR = 0x10;
export const ATTR_ARCHIVE = 0x20;

/** GeneralSecondaryFlags of the stream entry. */
export const FLAG_ALLOCATION_POSSIBLE = 0x1;
export const FLAG_NO_FAT_CHAIN = 0x2;

export interface ExfatTimestamp {
  timestamp: number;
  centis: number;
  utcOffset: number;
}

export interface FileSet {
  name: string;
  /** Device offset of the File entry. */
  offset: number;
  attr: number;
  create: ExfatTimestamp;
  modify: ExfatTimestamp;
  access: ExfatTimestamp;
  flags: number;
  nameHash: number;
  validDataLength: number;
  firstCluster: number;
  dataLength: number;
}

export type SetProblem = { offset: number; reason: string };

const u16 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8);
const u32 = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
/** A u64 size field; values beyond 2^53 are reported as Infinity so range checks reject them. */
export function u64(b: Uint8Array, o: number): number {
  const hi = u32(b, o + 4);
  return hi >= 0x200000 ? Infinity : hi * 0x100000000 + u32(b, o);
}

/** The entry set checksum: all bytes of all entries except the File entry's checksum field. */
export function setChecksum(set: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < set.length; i++) {
    if (i === 2 || i === 3) continue;
    sum = ((sum & 1 ? 0x8000 : 0) + (sum >>> 1) + set[i]!) & 0xffff;
  }
  return sum;
}

/** The name hash stored in the stream entry, over the up-cased name's UTF-16LE bytes. */
export function nameHash(upcasedUnits: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < upcasedUnits.length; i++) {
    const u = upcasedUnits[i]!;
    h = ((h & 1 ? 0x8000 : 0) + (h >>> 1) + (u & 0xff)) & 0xffff;
    h = ((h & 1 ? 0x8000 : 0) + (h >>> 1) + (u >> 8)) & 0xffff;
  }
  return h;
}

/** Number of entries (File + secondaries) a File entry announces, or 0 if the count is impossible. */
export function setLength(fileEntry: Uint8Array): number {
  const secondaries = fileEntry[1]!;
  return secondaries >= 2 && secondaries <= 18 ? secondaries + 1 : 0;
}

/**
 * Decodes a complete entry set (File entry first). Returns the problem instead of throwing,
 * so one bad set does not hide the rest of its directory.
 */
export function decodeFileSet(set: Uint8Array, offset: number): FileSet | SetProblem {
  const count = set.length / ENTRY_SIZE;
  if (set[0] !== TYPE_FILE || count !== setLength(set)) return { offset, reason: 'malformed file entry' };
  const at = (i: number) => set.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);
  const stream = at(1);
  if (stream[0] !== TYPE_STREAM) return { offset, reason: 'file entry is not followed by a stream extension' };
  const nameLength = stream[3]!;
  const nameEntries = Math.ceil(nameLength / 15);
  if (nameLength === 0 || nameEntries > count - 2) return { offset, reason: `name length ${nameLength} does not fit the entry set` };
  for (let i = 2; i < count; i++) {
    const t = at(i)[0]!;
    if ((t & 0x80) === 0) return { offset, reason: `secondary entry ${i} is not in use` };
    if (i < 2 + nameEntries && t !== TYPE_NAME) return { offset, reason: `entry ${i} is not a file name entry` };
    // Unknown critical secondaries make the whole set unrecognisable; benign ones (bit 5) are skipped.
    if (i >= 2 + nameEntries && (t & 0x20) === 0) return { offset, reason: `unknown critical secondary entry type 0x${t.toString(16)}` };
  }
  const stored = u16(set, 2);
  const computed = setChecksum(set);
  if (stored !== computed) return { offset, reason: `entry set checksum mismatch (stored 0x${stored.toString(16)}, computed 0x${computed.toString(16)})` };
  const units: number[] = [];
  for (let i = 0; i < nameLength; i++) {
    const e = at(2 + Math.floor(i / 15));
    units.push(u16(e, 2 + (i % 15) * 2));
  }
  const f = at(0);
  return {
    name: utf16UnitsToString(units),
    offset,
    attr: u16(f, 4),
    create: { timestamp: u32(f, 8), centis: f[20]!, utcOffset: f[22]! },
    modify: { timestamp: u32(f, 12), centis: f[21]!, utcOffset: f[23]! },
    access: { timestamp: u32(f, 16), centis: 0, utcOffset: f[24]! },
    flags: stream[1]!,
    nameHash: u16(stream, 4),
    validDataLength: u64(stream, 8),
    firstCluster: u32(stream, 20),
    dataLength: u64(stream, 24),
  };
}

export function isProblem(x: FileSet | SetProblem): x is SetProblem {
  return (x as SetProblem).reason !== undefined;
}

export interface AllocEntry {
  firstCluster: number;
  dataLength: number;
  offset: number;
}

/** Root-directory volume entries that are not files. */
export interface VolumeEntries {
  label?: string;
  bitmap?: AllocEntry & { flags: number };
  upcase?: AllocEntry & { checksum: number };
}

export function decodeVolumeEntry(e: Uint8Array, offset: number, into: VolumeEntries): void {
  switch (e[0]) {
    case TYPE_LABEL: {
      if (into.label !== undefined) return;
      const n = Math.min(e[1]!, 11);
      const units: number[] = [];
      for (let i = 0; i < n; i++) units.push(u16(e, 2 + i * 2));
      into.label = utf16UnitsToString(units);
      return;
    }
    case TYPE_BITMAP:
      // With TexFAT there may be two; the first (flags bit 0 clear) describes the FAT in use for us.
      if (into.bitmap === undefined || (e[1]! & 1) === 0) into.bitmap = { flags: e[1]!, firstCluster: u32(e, 20), dataLength: u64(e, 24), offset };
      return;
    case TYPE_UPCASE:
      if (into.upcase === undefined) into.upcase = { checksum: u32(e, 4), firstCluster: u32(e, 20), dataLength: u64(e, 24), offset };
      return;
  }
}
