/** Value keys ("vk" cells) and their data: inline, in one cell, or split over "db" big-data segments. */
import { corrupt, hex } from './errors.js';
import { hasSig, le16, le32, sigText, type Cell, type CellStore } from './cells.js';
import { decodeName } from './names.js';

export const REG_NONE = 0;
export const REG_SZ = 1;
export const REG_EXPAND_SZ = 2;
export const REG_BINARY = 3;
export const REG_DWORD = 4;
export const REG_DWORD_BIG_ENDIAN = 5;
export const REG_LINK = 6;
export const REG_MULTI_SZ = 7;
export const REG_RESOURCE_LIST = 8;
export const REG_FULL_RESOURCE_DESCRIPTOR = 9;
export const REG_RESOURCE_REQUIREMENTS_LIST = 10;
export const REG_QWORD = 11;

const TYPE_NAMES: Record<number, string> = {
  0: 'REG_NONE',
  1: 'REG_SZ',
  2: 'REG_EXPAND_SZ',
  3: 'REG_BINARY',
  4: 'REG_DWORD',
  5: 'REG_DWORD_BIG_ENDIAN',
  6: 'REG_LINK',
  7: 'REG_MULTI_SZ',
  8: 'REG_RESOURCE_LIST',
  9: 'REG_FULL_RESOURCE_DESCRIPTOR',
  10: 'REG_RESOURCE_REQUIREMENTS_LIST',
  11: 'REG_QWORD',
};

export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `REG_UNKNOWN(0x${type.toString(16)})`;
}

/** Decoded value data. Numbers and strings of the wrong size or type decode as raw bytes. */
export type RegData =
  | { kind: 'string'; value: string }
  | { kind: 'multi'; value: string[] }
  | { kind: 'dword'; value: number }
  | { kind: 'qword'; value: bigint }
  | { kind: 'binary'; value: Uint8Array };

/** Largest data in one big-data segment (a 16 KiB bin minus headers). */
export const DB_SEGMENT = 16344;
const VK_HEADER = 20;

/** Name, type and where the data is, read from a vk cell without touching the data. */
export interface ValueHeader {
  offset: number;
  name: string;
  type: number;
  size: number;
  inline: boolean;
  /** Data cell offset (meaningless when `inline`). */
  dataOffset: number;
  /** The data when `inline` (a private copy, handed to the value), else empty. */
  inlineBytes: Uint8Array;
}

const NO_BYTES = new Uint8Array(0);

/** Parses a vk cell. */
export function parseValueHeader(store: CellStore, cell: Cell): ValueHeader {
  const S = 'vk cell';
  const rel = cell.offset;
  const d = cell.data;
  // "vk"
  if (d.length < VK_HEADER || d[0] !== 0x76 || d[1] !== 0x6b) {
    const what = d.length < VK_HEADER ? `a ${d.length}-byte cell` : `signature ${JSON.stringify(sigText(d))}`;
    throw corrupt(`expected a value key, found ${what}`, S, store.fileOffset(rel), store.path);
  }
  // Fields read in place (this runs for every value of every key read).
  const nameLen = d[2]! | (d[3]! << 8);
  const inline = (d[7]! & 0x80) !== 0;
  const size = (d[4]! | (d[5]! << 8) | (d[6]! << 16) | ((d[7]! & 0x7f) << 24)) >>> 0;
  if (VK_HEADER + nameLen > d.length) throw corrupt(`value name of ${nameLen} bytes overruns the cell`, S, store.fileOffset(rel), store.path);
  if (inline && size > 4) throw corrupt(`inline value data of ${size} bytes (at most 4 fit)`, S, store.fileOffset(rel), store.path);
  return {
    offset: rel,
    name: nameLen === 0 ? '' : decodeName(d.subarray(VK_HEADER, VK_HEADER + nameLen), (d[16]! & 1) !== 0),
    type: le32(d, 12),
    size,
    inline,
    dataOffset: le32(d, 8),
    inlineBytes: inline && size > 0 ? d.slice(8, 8 + size) : NO_BYTES,
  };
}

export async function readValueHeader(store: CellStore, rel: number): Promise<ValueHeader> {
  const S = 'vk cell';
  return parseValueHeader(store, store.cellNow(rel, S, VK_HEADER + 0xffff) ?? (await store.cell(rel, S, VK_HEADER + 0xffff)));
}

function checkValueSize(store: CellStore, h: ValueHeader): void {
  if (h.size > store.options.maxValueBytes) {
    throw store.limit(`value "${h.name}" has ${h.size} bytes of data, more than the ${store.options.maxValueBytes}-byte limit`, 'vk cell', h.offset);
  }
}

/**
 * The value's data when it needs no read (inline, empty, or one cell already in memory); a
 * private copy. Undefined when it must be read (readValueData), including big data.
 */
export function valueDataNow(store: CellStore, h: ValueHeader): Uint8Array | undefined {
  if (h.inline) return h.inlineBytes;
  if (h.size === 0) return new Uint8Array(0);
  checkValueSize(store, h);
  const cell = store.cellNow(h.dataOffset, 'value data cell', Math.max(h.size, 8));
  return cell !== undefined && h.size <= cell.data.length ? cell.data.slice(0, h.size) : undefined;
}

export async function readValueData(store: CellStore, h: ValueHeader): Promise<Uint8Array> {
  if (h.inline) return h.inlineBytes;
  if (h.size === 0) return new Uint8Array(0);
  const S = 'value data cell';
  checkValueSize(store, h);
  // Enough for the data, or for a db header if the data is split.
  const cell = await store.cell(h.dataOffset, S, Math.max(h.size, 8));
  // A copy: the cell bytes belong to the shared chunk cache (or the caller's buffer).
  if (h.size <= cell.data.length) return cell.data.slice(0, h.size);
  if (h.size > DB_SEGMENT && cell.data.length >= 8 && hasSig(cell.data, 0, 'db')) return readBigData(store, h, cell.data, h.dataOffset);
  throw corrupt(`value data of ${h.size} bytes does not fit its ${cell.data.length}-byte cell`, S, store.fileOffset(h.dataOffset), store.path);
}

/** "db" record: a count and a list of segment cells, each holding up to 16344 bytes. */
async function readBigData(store: CellStore, h: ValueHeader, db: Uint8Array, dbRel: number): Promise<Uint8Array> {
  const S = 'db cell';
  const count = le16(db, 2);
  const listRel = le32(db, 4);
  const needed = Math.ceil(h.size / DB_SEGMENT);
  if (count < needed) throw corrupt(`${count} big-data segments cannot hold ${h.size} bytes`, S, store.fileOffset(dbRel), store.path);
  const list = await store.cell(listRel, 'db segment list', needed * 4);
  if (needed * 4 > list.data.length) throw corrupt(`segment list of ${needed} entries overruns its cell`, 'db segment list', store.fileOffset(listRel), store.path);
  const out = new Uint8Array(h.size);
  const seen = new Set<number>();
  let done = 0;
  // Only the segments the size needs are read; a count larger than that is ignored.
  for (let i = 0; i < needed; i++) {
    const segRel = le32(list.data, i * 4);
    if (seen.has(segRel)) throw corrupt(`big-data segment ${hex(segRel)} is listed twice`, 'db segment list', store.fileOffset(listRel), store.path);
    seen.add(segRel);
    const seg = await store.cell(segRel, 'db segment', DB_SEGMENT);
    const take = Math.min(DB_SEGMENT, h.size - done);
    if (seg.data.length < take) throw corrupt(`big-data segment of ${seg.data.length} bytes is shorter than ${take}`, 'db segment', store.fileOffset(segRel), store.path);
    out.set(seg.data.subarray(0, take), done);
    done += take;
  }
  return out;
}

/** One value of a key, with its data read. */
export class RegistryValue {
  constructor(
    /** "" is the key's default value. */
    readonly name: string,
    readonly type: number,
    readonly raw: Uint8Array,
    /** Offset of the vk cell, relative to the hive bins data. */
    readonly offset: number,
  ) {}

  get typeName(): string {
    return typeName(this.type);
  }

  get data(): RegData {
    return decodeData(this.type, this.raw);
  }

  /** REG_SZ, REG_EXPAND_SZ (unexpanded) and REG_LINK as text; undefined for other types. */
  asString(): string | undefined {
    const d = this.data;
    return d.kind === 'string' ? d.value : undefined;
  }

  /** REG_MULTI_SZ as a list; a single string type as a one-element list. */
  asStrings(): string[] | undefined {
    const d = this.data;
    if (d.kind === 'multi') return d.value;
    if (d.kind === 'string') return [d.value];
    return undefined;
  }

  /** REG_DWORD / REG_DWORD_BIG_ENDIAN, and REG_QWORD when it fits a safe integer. */
  asNumber(): number | undefined {
    const d = this.data;
    if (d.kind === 'dword') return d.value;
    if (d.kind === 'qword' && d.value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(d.value);
    return undefined;
  }
}

export function decodeData(type: number, raw: Uint8Array): RegData {
  switch (type) {
    case REG_SZ:
    case REG_EXPAND_SZ:
    case REG_LINK:
      return { kind: 'string', value: utf16UpToNul(raw) };
    case REG_MULTI_SZ:
      return { kind: 'multi', value: multiString(raw) };
    case REG_DWORD:
      if (raw.length === 4) return { kind: 'dword', value: le32(raw, 0) };
      break;
    case REG_DWORD_BIG_ENDIAN:
      if (raw.length === 4) return { kind: 'dword', value: ((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0 };
      break;
    case REG_QWORD:
      if (raw.length === 8) return { kind: 'qword', value: new DataView(raw.buffer, raw.byteOffset, 8).getBigUint64(0, true) };
      break;
  }
  return { kind: 'binary', value: raw };
}

const utf16 = new TextDecoder('utf-16le');

/** Strings end at the first NUL; an odd trailing byte is dropped. */
export function utf16UpToNul(raw: Uint8Array): string {
  // Decoding maps each code unit to one string unit, so the first "\0" is the first NUL unit.
  const s = utf16.decode(raw.subarray(0, raw.length & ~1));
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** REG_MULTI_SZ: NUL-separated strings, ended by an empty string (double NUL) or the data. */
export function multiString(raw: Uint8Array): string[] {
  const all = utf16.decode(raw.subarray(0, raw.length & ~1));
  const out: string[] = [];
  for (const s of all.split('\0')) {
    if (s === '') break;
    out.push(s);
  }
  return out;
}
