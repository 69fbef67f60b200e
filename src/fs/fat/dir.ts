/**
 * FAT directory entries: 32-byte short (8.3) entries, preceded by VFAT long-name (LFN) entries
 * whose checksum must match the short entry they describe. Parsing follows Linux's vfat
 * readdir: free (0x00) and deleted (0xE5) slots are skipped without ending the scan, volume
 * labels and "."/".." are not listed, and an LFN run that is out of order or whose checksum
 * does not match is dropped so the 8.3 name is used instead.
 */
import { decodeCp437, formatShortName, lfnChecksum, utf16UnitsToString } from './names.js';

export const ATTR_READ_ONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME = 0x08;
export const ATTR_DIR = 0x10;
export const ATTR_ARCHIVE = 0x20;
export const ATTR_LFN = 0x0f;

export const DIR_ENTRY_SIZE = 32;
const LFN_MAX_SLOTS = 20;
const LFN_UNITS_PER_SLOT = 13;
/** Byte offsets of the 13 UTF-16 units inside an LFN entry. */
const LFN_UNIT_OFFSETS = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/** One short entry as stored. */
export interface ShortEntry {
  attr: number;
  ntFlags: number;
  createCentis: number;
  createTime: number;
  createDate: number;
  accessDate: number;
  writeTime: number;
  writeDate: number;
  clusterHigh: number;
  clusterLow: number;
  size: number;
}

export function parseShortEntry(e: Uint8Array): ShortEntry {
  const u16 = (o: number) => e[o]! | (e[o + 1]! << 8);
  return {
    attr: e[11]!,
    ntFlags: e[12]!,
    createCentis: e[13]!,
    createTime: u16(14),
    createDate: u16(16),
    accessDate: u16(18),
    clusterHigh: u16(20),
    writeTime: u16(22),
    writeDate: u16(24),
    clusterLow: u16(26),
    size: (u16(28) + u16(30) * 0x10000) >>> 0,
  };
}

/** True for a slot holding a live short entry (not free, deleted, LFN or volume label). */
export function isLiveShortEntry(e: Uint8Array): boolean {
  const first = e[0]!;
  if (first === 0x00 || first === 0xe5) return false;
  return e[11] !== ATTR_LFN && (e[11]! & ATTR_VOLUME) === 0;
}

export interface ListedEntry {
  /** Long name when a valid LFN set precedes the entry, otherwise the formatted 8.3 name. */
  name: string;
  /** The 8.3 alias (also matched by lookups, as vfat does). */
  shortName: string;
  /** Device byte offset of the short entry: the node reference. */
  offset: number;
  attr: number;
}

export interface ParsedDir {
  entries: ListedEntry[];
  /** Short entries with the directory attribute other than "." and ".." (for nlink). */
  subdirs: number;
  /** First volume-label entry, trimmed (only meaningful in the root directory). */
  label: string | undefined;
}

/** Incremental parser: directories arrive cluster by cluster and LFN sets may span clusters. */
export class FatDirParser {
  readonly result: ParsedDir = { entries: [], subdirs: 0, label: undefined };
  private units: number[] = [];
  private expect = 0;
  private checksum = -1;

  /** Parses `bytes` that start at device offset `offset` (a multiple of 32 within the directory). */
  push(bytes: Uint8Array, offset: number): void {
    for (let p = 0; p + DIR_ENTRY_SIZE <= bytes.length; p += DIR_ENTRY_SIZE) {
      this.entry(bytes.subarray(p, p + DIR_ENTRY_SIZE), offset + p);
    }
  }

  private reset(): void {
    this.expect = 0;
    this.checksum = -1;
    this.units = [];
  }

  private entry(e: Uint8Array, offset: number): void {
    const first = e[0]!;
    const attr = e[11]!;
    if (first === 0x00 || first === 0xe5) {
      this.reset();
      return;
    }
    if (attr === ATTR_LFN) {
      this.lfn(e);
      return;
    }
    if (attr & ATTR_VOLUME) {
      this.reset();
      if (this.result.label === undefined && (attr & ATTR_DIR) === 0) {
        this.result.label = decodeCp437(e.subarray(0, 11)).replace(/[ \0]+$/, '');
      }
      return;
    }
    const raw = e.subarray(0, 11);
    let longName: string | undefined;
    if (this.checksum >= 0 && this.expect === 0 && lfnChecksum(raw) === this.checksum) {
      let n = this.units.indexOf(0);
      if (n < 0) n = this.units.length;
      if (n > 0) longName = utf16UnitsToString(this.units, n);
    }
    this.reset();
    const isDot = first === 0x2e && (isSpaces(e, 1) || (e[1] === 0x2e && isSpaces(e, 2)));
    if (isDot) return;
    if (attr & ATTR_DIR) this.result.subdirs++;
    const shortName = formatShortName(raw, e[12]!);
    this.result.entries.push({ name: longName ?? shortName, shortName, offset, attr });
  }

  private lfn(e: Uint8Array): void {
    const ord = e[0]!;
    const sum = e[13]!;
    const seq = ord & 0x1f;
    if (ord & 0x40) {
      // Start of a set (stored last-slot first). Anything in progress was orphaned.
      this.reset();
      if (seq === 0 || seq > LFN_MAX_SLOTS || (ord & 0xa0) !== 0 || e[12] !== 0) return;
      this.units = new Array<number>(seq * LFN_UNITS_PER_SLOT).fill(0xffff);
      this.checksum = sum;
      this.expect = seq;
    } else if (this.checksum < 0 || seq !== this.expect || sum !== this.checksum || (ord & 0xe0) !== 0 || e[12] !== 0) {
      this.reset();
      return;
    }
    const base = (seq - 1) * LFN_UNITS_PER_SLOT;
    for (let i = 0; i < LFN_UNITS_PER_SLOT; i++) {
      const o = LFN_UNIT_OFFSETS[i]!;
      this.units[base + i] = e[o]! | (e[o + 1]! << 8);
    }
    this.expect--;
  }
}

function isSpaces(e: Uint8Array, from: number): boolean {
  for (let i = from; i < 11; i++) if (e[i] !== 0x20) return false;
  return true;
}
