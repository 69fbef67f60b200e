/**
 * A file's attributes gathered from its base MFT record and any extension records, with the
 * decoded $STANDARD_INFORMATION and $FILE_NAME attributes and lazily built streams.
 */
import type { NtfsBoot } from './boot.js';
import { AT_FILE_NAME, AT_STANDARD_INFORMATION, MFT_RECORD_IS_DIRECTORY } from './constants.js';
import { corrupt, utf16, view } from './errors.js';
import type { AttrRecord, MftRecord } from './record.js';
import { attrLabel, buildStream, type Stream } from './stream.js';

export interface StdInfo {
  created: bigint;
  modified: bigint;
  mftChanged: bigint;
  accessed: bigint;
  fileAttributes: number;
}

export interface FileNameAttr {
  parent: number;
  name: string;
  namespace: number;
  fileAttributes: number;
}

export class NtfsNode {
  readonly std: StdInfo | undefined;
  readonly names: FileNameAttr[];
  private readonly streams = new Map<string, Stream | null>();

  constructor(
    readonly recNo: number,
    readonly base: MftRecord,
    readonly attrs: AttrRecord[],
    /** Extension records listed by the $ATTRIBUTE_LIST (empty without one). */
    readonly extensionRecords: number[],
    readonly hasAttrList: boolean,
    private readonly boot: NtfsBoot,
  ) {
    this.std = parseStdInfo(this);
    this.names = this.attrs.filter((a) => a.type === AT_FILE_NAME).map((a) => parseFileName(a, recNo));
  }

  get isDirectory(): boolean {
    return (this.base.flags & MFT_RECORD_IS_DIRECTORY) !== 0;
  }

  /** Names of the attributes of one type present on the file. */
  attrNames(type: number): string[] {
    return [...new Set(this.attrs.filter((a) => a.type === type).map((a) => a.name))];
  }

  has(type: number, name = ''): boolean {
    return this.attrs.some((a) => a.type === type && a.name === name);
  }

  /** The attribute as a stream (all its extents), or undefined when absent. Built once. */
  stream(type: number, name = ''): Stream | undefined {
    const key = `${type}:${name}`;
    const hit = this.streams.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const extents = this.attrs.filter((a) => a.type === type && a.name === name);
    const s = extents.length === 0 ? null : buildStream(extents, this.recNo, this.boot);
    this.streams.set(key, s);
    return s ?? undefined;
  }

  /** A small resident-or-not attribute value the caller reads whole; undefined when absent. */
  residentValue(type: number, name = ''): Uint8Array | undefined {
    const a = this.attrs.find((x) => x.type === type && x.name === name && x.resident);
    return a?.value;
  }
}

function parseStdInfo(node: NtfsNode): StdInfo | undefined {
  const a = node.attrs.find((x) => x.type === AT_STANDARD_INFORMATION);
  if (!a) return undefined;
  const label = attrLabel(a.type, '', node.recNo);
  if (!a.resident) throw corrupt('$STANDARD_INFORMATION is not resident', label, a.offset);
  const v = view(a.value!, label, a.offset);
  if (v.length < 0x30) throw corrupt(`$STANDARD_INFORMATION of ${v.length} bytes is too short`, label, a.offset);
  return { created: v.u64le(0), modified: v.u64le(8), mftChanged: v.u64le(16), accessed: v.u64le(24), fileAttributes: v.u32le(32) };
}

function parseFileName(a: AttrRecord, recNo: number): FileNameAttr {
  const label = attrLabel(a.type, '', recNo);
  if (!a.resident) throw corrupt('$FILE_NAME is not resident', label, a.offset);
  return parseFileNameValue(a.value!, label, a.offset);
}

/** A $FILE_NAME value (also the key of $I30 index entries). */
export function parseFileNameValue(b: Uint8Array, structure: string, offset: number): FileNameAttr {
  const v = view(b, structure, offset);
  const length = v.u8(0x40);
  return {
    parent: Number(v.u64le(0) & 0xffffffffffffn),
    fileAttributes: v.u32le(0x38),
    namespace: v.u8(0x41),
    name: utf16(v, 0x42, length * 2),
  };
}
