/**
 * RPM header blobs, as stored one per package in every rpmdb backend (and after the lead and
 * signature in .rpm files): a count of 16-byte index entries, a data length, the entries (tag,
 * type, offset, count; all big-endian) and the data store they point into. Installed headers
 * start with an immutable region (tag 63) whose trailer says how many entries it covers; tags
 * rpm added at install time (INSTALLTIME...) follow it and override region duplicates.
 */
import type { PackageInfo } from './types.js';
import { corruptDb, LIMITS } from './types.js';

export const RPMTAG = {
  HEADERSIGNATURES: 62,
  HEADERIMMUTABLE: 63,
  HEADERIMAGE: 61,
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  SUMMARY: 1004,
  DESCRIPTION: 1005,
  BUILDTIME: 1006,
  INSTALLTIME: 1008,
  SIZE: 1009,
  VENDOR: 1011,
  LICENSE: 1014,
  URL: 1020,
  ARCH: 1022,
  SOURCERPM: 1044,
  LONGSIZE: 5009,
} as const;

export const RPM_TYPE = { NULL: 0, CHAR: 1, INT8: 2, INT16: 3, INT32: 4, INT64: 5, STRING: 6, BIN: 7, STRING_ARRAY: 8, I18NSTRING: 9 } as const;

const HEADER_MAGIC = [0x8e, 0xad, 0xe8, 0x01];
const ENTRY_SIZE = 16;
/** Bytes per element and required alignment of the fixed-size types. */
const TYPE_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };

export interface RpmEntry {
  tag: number;
  type: number;
  /** Offset of the value inside the data store. */
  offset: number;
  count: number;
}

const utf8 = new TextDecoder('utf-8');

/** A parsed, validated header; values are decoded on demand. */
export class RpmHeader {
  constructor(
    /** The data store. */
    readonly data: Uint8Array,
    /** Effective entries by tag (dribble entries already override region ones). */
    readonly entries: Map<number, RpmEntry>,
    private readonly structure: string,
    /** File/blob offset of the data store, for error messages. */
    private readonly dataOffset: number,
  ) {}

  has(tag: number): boolean {
    return this.entries.has(tag);
  }

  /** First string of a STRING, STRING_ARRAY or I18NSTRING tag (the untranslated "C" value). */
  string(tag: number): string | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type !== RPM_TYPE.STRING && e.type !== RPM_TYPE.STRING_ARRAY && e.type !== RPM_TYPE.I18NSTRING) {
      throw corruptDb(`tag ${tag} has type ${e.type}, expected a string`, this.structure, this.dataOffset + e.offset);
    }
    return this.strings(e, 1)[0];
  }

  /** All strings of an array tag. */
  stringArray(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    if (e.type !== RPM_TYPE.STRING_ARRAY && e.type !== RPM_TYPE.I18NSTRING && e.type !== RPM_TYPE.STRING) {
      throw corruptDb(`tag ${tag} has type ${e.type}, expected a string array`, this.structure, this.dataOffset + e.offset);
    }
    return this.strings(e, e.type === RPM_TYPE.STRING ? 1 : e.count);
  }

  /** First value of an integer tag (INT8..INT64, unsigned like rpm's query formats print them). */
  number(tag: number): number | undefined {
    const e = this.entries.get(tag);
    if (!e) return undefined;
    const dv = new DataView(this.data.buffer, this.data.byteOffset + e.offset);
    switch (e.type) {
      case RPM_TYPE.CHAR:
      case RPM_TYPE.INT8:
        return dv.getUint8(0);
      case RPM_TYPE.INT16:
        return dv.getUint16(0, false);
      case RPM_TYPE.INT32:
        return dv.getUint32(0, false);
      case RPM_TYPE.INT64: {
        const v = dv.getBigUint64(0, false);
        if (v > BigInt(Number.MAX_SAFE_INTEGER)) {
          throw corruptDb(`tag ${tag} value ${v} is too large`, this.structure, this.dataOffset + e.offset);
        }
        return Number(v);
      }
      default:
        throw corruptDb(`tag ${tag} has type ${e.type}, expected an integer`, this.structure, this.dataOffset + e.offset);
    }
  }

  private strings(e: RpmEntry, n: number): string[] {
    const out: string[] = [];
    let pos = e.offset;
    for (let i = 0; i < n; i++) {
      const end = this.data.indexOf(0, pos);
      if (end < 0) throw corruptDb(`string of tag ${e.tag} is not NUL-terminated`, this.structure, this.dataOffset + pos);
      out.push(utf8.decode(this.data.subarray(pos, end)));
      pos = end + 1;
    }
    return out;
  }
}

/**
 * Parses one header blob. `blob` may start with the 8-byte header magic (as in .rpm files) or
 * directly with the entry count (as rpmdb stores it). Bytes after the header are ignored.
 */
export function parseRpmHeader(blob: Uint8Array, structure = 'rpm header', baseOffset = 0): RpmHeader {
  let start = 0;
  if (blob.length >= 8 && HEADER_MAGIC.every((b, i) => blob[i] === b)) start = 8;
  if (blob.length < start + 8) throw corruptDb(`header of ${blob.length} bytes is too short`, structure, baseOffset);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const il = dv.getUint32(start, false);
  const dl = dv.getUint32(start + 4, false);
  if (il < 1 || il > LIMITS.headerEntries) throw corruptDb(`header claims ${il} index entries`, structure, baseOffset + start);
  if (dl > LIMITS.headerBytes) throw corruptDb(`header claims a ${dl}-byte data store`, structure, baseOffset + start + 4);
  const indexStart = start + 8;
  const dataStart = indexStart + il * ENTRY_SIZE;
  if (dataStart + dl > blob.length) {
    throw corruptDb(`header needs ${dataStart + dl} bytes but the blob has ${blob.length}`, structure, baseOffset + start);
  }
  const data = blob.subarray(dataStart, dataStart + dl);
  const raw: RpmEntry[] = [];
  for (let i = 0; i < il; i++) {
    const at = indexStart + i * ENTRY_SIZE;
    const e: RpmEntry = {
      tag: dv.getUint32(at, false),
      type: dv.getUint32(at + 4, false),
      offset: dv.getInt32(at + 8, false),
      count: dv.getUint32(at + 12, false),
    };
    checkEntry(e, data, structure, baseOffset + at);
    raw.push(e);
  }

  const entries = new Map<number, RpmEntry>();
  let first = 0;
  const r0 = raw[0]!;
  if (r0.tag === RPMTAG.HEADERIMMUTABLE || r0.tag === RPMTAG.HEADERSIGNATURES || r0.tag === RPMTAG.HEADERIMAGE) {
    checkRegion(r0, data, il, structure, baseOffset + dataStart);
    first = 1;
  }
  // Region entries first, then install-time "dribble" entries: later ones replace duplicates.
  for (let i = first; i < raw.length; i++) entries.set(raw[i]!.tag, raw[i]!);
  return new RpmHeader(data, entries, structure, baseOffset + dataStart);
}

function checkEntry(e: RpmEntry, data: Uint8Array, structure: string, at: number): void {
  if (e.type > RPM_TYPE.I18NSTRING) throw corruptDb(`index entry for tag ${e.tag} has unknown type ${e.type}`, structure, at);
  if (e.offset < 0 || e.offset >= data.length) {
    throw corruptDb(`index entry for tag ${e.tag} points at ${e.offset}, outside the ${data.length}-byte data store`, structure, at);
  }
  if (e.count < 1 || e.count > data.length) throw corruptDb(`index entry for tag ${e.tag} has count ${e.count}`, structure, at);
  const size = TYPE_SIZE[e.type];
  if (size !== undefined) {
    if (e.offset % size !== 0) throw corruptDb(`index entry for tag ${e.tag} is misaligned`, structure, at);
    if (e.offset + e.count * size > data.length) throw corruptDb(`value of tag ${e.tag} runs past the data store`, structure, at);
  }
  // String types are NUL-terminated and checked when decoded.
}

/** The region trailer is a copy of an index entry whose negative offset gives the entries it covers. */
function checkRegion(e: RpmEntry, data: Uint8Array, il: number, structure: string, dataOffset: number): void {
  if (e.type !== RPM_TYPE.BIN || e.count !== ENTRY_SIZE || e.offset + ENTRY_SIZE > data.length) {
    throw corruptDb(`region tag ${e.tag} is malformed`, structure, dataOffset + e.offset);
  }
  const dv = new DataView(data.buffer, data.byteOffset + e.offset, ENTRY_SIZE);
  const tag = dv.getUint32(0, false);
  const off = dv.getInt32(8, false);
  // rpm rewrites legacy HEADERIMAGE regions as HEADERIMMUTABLE trailers.
  const tagOk = tag === e.tag || (e.tag === RPMTAG.HEADERIMAGE && tag === RPMTAG.HEADERIMMUTABLE);
  const ril = -off / ENTRY_SIZE;
  if (!tagOk || off >= 0 || !Number.isInteger(ril) || ril < 1 || ril > il) {
    throw corruptDb(`region trailer of tag ${e.tag} is invalid (tag ${tag}, offset ${off})`, structure, dataOffset + e.offset);
  }
}

/** The package fields guestguard reports, read the way `rpm -q --qf` prints them. */
export function rpmHeaderToPackage(h: RpmHeader): PackageInfo {
  const name = h.string(RPMTAG.NAME);
  const version = h.string(RPMTAG.VERSION);
  const release = h.string(RPMTAG.RELEASE);
  if (name === undefined || version === undefined || release === undefined) {
    throw corruptDb('header lacks NAME, VERSION or RELEASE', 'rpm header');
  }
  const pkg: PackageInfo = { name, epoch: h.number(RPMTAG.EPOCH) ?? 0, version, release, arch: h.string(RPMTAG.ARCH) ?? '' };
  setIf(pkg, 'summary', h.string(RPMTAG.SUMMARY));
  setIf(pkg, 'source', h.string(RPMTAG.SOURCERPM));
  setIf(pkg, 'license', h.string(RPMTAG.LICENSE));
  setIf(pkg, 'install_time', h.number(RPMTAG.INSTALLTIME));
  setIf(pkg, 'build_time', h.number(RPMTAG.BUILDTIME));
  setIf(pkg, 'size', h.number(RPMTAG.LONGSIZE) ?? h.number(RPMTAG.SIZE));
  setIf(pkg, 'vendor', h.string(RPMTAG.VENDOR));
  setIf(pkg, 'url', h.string(RPMTAG.URL));
  return pkg;
}

function setIf<K extends keyof PackageInfo>(pkg: PackageInfo, key: K, value: PackageInfo[K] | undefined): void {
  if (value !== undefined && value !== '') pkg[key] = value;
}
