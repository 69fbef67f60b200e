/**
 * Cell access: every offset a hive stores is checked against the hive bin that contains it
 * before a byte is read. Bins are found lazily by walking back to the nearest "hbin" header
 * (bins start on 4 KiB boundaries), and each page's bin is remembered, so the whole hive is
 * never scanned and each page is classified at most once.
 *
 * Every access has a synchronous form (`cellNow`) that answers from bytes the source already
 * holds in memory — always, for a hive read whole — and an asynchronous one (`cell`) that
 * reads what is missing. Callers try the first and await the second only when it says
 * undefined, so reading a key with hundreds of values costs no promise per cell.
 */
import { LruCache } from '../../../util/lru.js';
import { corrupt, hex, regError, type RegistryError } from './errors.js';
import { HBIN_DATA_START } from './base-block.js';
import type { HiveSource } from './source.js';
import type { SubkeyRefs } from './subkey-list.js';

const PAGE = 4096;
const HBIN_HEADER = 32;
const MAX_WARNINGS = 100;
/** Offset value meaning "no cell". */
const NONE = 0xffffffff;

export interface Cell {
  /** Offset relative to the hive bins data (what hive structures store). */
  offset: number;
  /**
   * Cell data (after the 4-byte size field), including any slack up to the cell size, at most
   * the length the caller asked for. A view of the source's bytes: never modify it, and copy
   * what outlives the call.
   */
  data: Uint8Array;
}

/** Little-endian u16 at `i`; the caller has checked that the bytes exist. */
export function le16(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8);
}

/** Little-endian u32 at `i`; the caller has checked that the bytes exist. */
export function le32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** True when the two bytes at `i` are the ASCII signature `sig` ("nk", "vk", "lh"...). */
export function hasSig(b: Uint8Array, i: number, sig: string): boolean {
  return b[i] === sig.charCodeAt(0) && b[i + 1] === sig.charCodeAt(1);
}

/** The two signature bytes as text, for error messages. */
export function sigText(b: Uint8Array): string {
  return String.fromCharCode(b[0] ?? 0, b[1] ?? 0);
}

export interface CellStoreOptions {
  /** Largest value data the reader will assemble. */
  maxValueBytes: number;
}

export class CellStore {
  readonly warnings: string[] = [];
  /** pageToBin[p] = start page of the bin covering page p, -1 unknown, -2 known not a bin start. */
  private readonly pageToBin: Int32Array;
  /** End (relative offset) of the bin starting at each page; set when the bin's header is read. */
  private readonly binEnd: Float64Array;
  /** The whole hive file when the source holds it: cells are then read in place. */
  private readonly whole: Uint8Array | undefined;
  /**
   * Parsed subkey lists by nk offset: path lookups revisit the same parents (Services,
   * Uninstall). Lists longer than CACHED_LIST_MAX are not kept (see keepRefs), which bounds
   * what a hostile hive of keys sharing one huge list can make this hold.
   */
  readonly subkeyLists = new LruCache<number, SubkeyRefs>(64);

  constructor(
    readonly source: HiveSource,
    /** End of usable hive bins data, relative, a multiple of 4096. */
    readonly dataEnd: number,
    readonly options: CellStoreOptions,
  ) {
    this.pageToBin = new Int32Array(dataEnd / PAGE).fill(-1);
    this.binEnd = new Float64Array(dataEnd / PAGE);
    const whole = source.whole;
    this.whole = whole !== undefined && whole.length === source.size && source.size >= HBIN_DATA_START + dataEnd ? whole : undefined;
  }

  get path(): string | undefined {
    return this.source.path;
  }

  warn(message: string): void {
    if (this.warnings.length < MAX_WARNINGS && !this.warnings.includes(message)) this.warnings.push(message);
  }

  /** File offset of a relative hive offset, for error messages. */
  fileOffset(rel: number): number {
    return HBIN_DATA_START + rel;
  }

  private checkData(rel: number, length: number, structure: string): void {
    if (rel < 0 || length < 0 || rel + length > this.dataEnd) {
      throw corrupt(`${length} bytes at ${hex(rel)} lie outside the ${hex(this.dataEnd)}-byte hive bins data`, structure, this.fileOffset(rel), this.path);
    }
  }

  /** Raw bytes of the hive bins data (relative offset) if the source holds them; a view, no copy. */
  peekData(rel: number, length: number, structure: string): Uint8Array | undefined {
    this.checkData(rel, length, structure);
    return this.source.peek?.(HBIN_DATA_START + rel, length);
  }

  /** Reads raw bytes of the hive bins data (relative offset). */
  async readData(rel: number, length: number, structure: string): Promise<Uint8Array> {
    this.checkData(rel, length, structure);
    return this.source.peek?.(HBIN_DATA_START + rel, length) ?? this.source.read(HBIN_DATA_START + rel, length);
  }

  /**
   * The start page of the bin containing `rel`, or -(p + 1) when page p's header must be read
   * (see probe) before that can be told.
   */
  private binPageNow(rel: number, structure: string): number {
    if (!Number.isInteger(rel) || rel < 0 || rel >= this.dataEnd) {
      throw corrupt(`offset ${hex(rel)} lies outside the ${hex(this.dataEnd)}-byte hive bins data`, structure, this.fileOffset(Math.max(0, rel)), this.path);
    }
    const target = Math.floor(rel / PAGE);
    for (let p = target; p >= 0; p--) {
      let startPage = this.pageToBin[p]!;
      if (startPage === -2) continue;
      if (startPage === -1) {
        const h = this.peekData(p * PAGE, HBIN_HEADER, 'hbin header');
        if (h === undefined) return -(p + 1);
        startPage = this.probe(p, h);
        if (startPage < 0) continue;
      }
      if (rel >= this.binEnd[startPage]!) break;
      for (let q = p + 1; q <= target; q++) this.pageToBin[q] = startPage;
      return startPage;
    }
    throw corrupt(`offset ${hex(rel)} is not inside any hive bin`, structure, this.fileOffset(rel), this.path);
  }

  private async binPage(rel: number, structure: string): Promise<number> {
    for (;;) {
      const r = this.binPageNow(rel, structure);
      if (r >= 0) return r;
      // Each probe classifies one more page, so this ends.
      const p = -r - 1;
      this.probe(p, await this.source.read(HBIN_DATA_START + p * PAGE, HBIN_HEADER));
    }
  }

  /** The hive bin containing relative offset `rel`. */
  async binAt(rel: number, structure: string): Promise<{ start: number; end: number }> {
    const page = await this.binPage(rel, structure);
    return { start: page * PAGE, end: this.binEnd[page]! };
  }

  /** Checks for a valid bin header at page p; a page without one is marked and skipped. */
  private probe(p: number, h: Uint8Array): number {
    const start = p * PAGE;
    const size = le32(h, 8);
    // Cell data can contain "hbin" by accident; only a header that names its own offset counts.
    if (!(hasSig(h, 0, 'hb') && hasSig(h, 2, 'in')) || le32(h, 4) !== start || size < PAGE || size % PAGE !== 0) {
      this.pageToBin[p] = -2;
      return -1;
    }
    const end = Math.min(start + size, this.dataEnd);
    if (start + size > this.dataEnd) this.warn(`hive bin at ${hex(start)} extends past the end of the hive bins data`);
    this.binEnd[p] = end;
    for (let q = p; q < end / PAGE; q++) this.pageToBin[q] = p;
    return p;
  }

  private checkCellOffset(rel: number, structure: string): void {
    if (rel === NONE || rel % 4 !== 0) throw corrupt(`invalid cell offset ${hex(rel)}`, structure, this.fileOffset(rel), this.path);
  }

  /** Checks the cell's place in its bin and its size field; returns the cell size. */
  private cellSize(rel: number, page: number, head: Uint8Array, structure: string): number {
    const fileOff = this.fileOffset(rel);
    const raw = le32(head, 0) | 0;
    if (raw >= 0) throw corrupt(`cell at ${hex(rel)} is not allocated (size ${raw})`, structure, fileOff, this.path);
    const size = -raw;
    if (size < 8 || size % 4 !== 0) throw corrupt(`cell at ${hex(rel)} has invalid size ${size}`, structure, fileOff, this.path);
    const end = this.binEnd[page]!;
    if (rel + size > end) throw corrupt(`${size}-byte cell at ${hex(rel)} runs past the end of its hive bin at ${hex(end)}`, structure, fileOff, this.path);
    return size;
  }

  private checkInBin(rel: number, page: number, structure: string): void {
    const start = page * PAGE;
    const fileOff = this.fileOffset(rel);
    if (rel < start + HBIN_HEADER) throw corrupt(`cell offset ${hex(rel)} points into the header of the hive bin at ${hex(start)}`, structure, fileOff, this.path);
    if (rel + 4 > this.binEnd[page]!) throw corrupt(`cell at ${hex(rel)} runs past its hive bin`, structure, fileOff, this.path);
  }

  /**
   * An allocated cell: inside one bin, after its header, with a sane negative size. Only the
   * first `maxBytes` of its data are read: every structure knows how much it can need, so a
   * hostile cell size cannot make small records expensive. Undefined when some of those bytes
   * are not in memory yet (then use cell()); corruption throws either way.
   */
  cellNow(rel: number, structure: string, maxBytes = Infinity): Cell | undefined {
    if (rel === NONE || rel % 4 !== 0) this.checkCellOffset(rel, structure);
    // The page's bin is usually known already: one array read instead of the walk back.
    const known = rel >= 0 && rel < this.dataEnd ? this.pageToBin[Math.floor(rel / PAGE)]! : -1;
    const page = known >= 0 && rel < this.binEnd[known]! ? known : this.binPageNow(rel, structure);
    if (page < 0) return undefined;
    const end = this.binEnd[page]!;
    if (rel < page * PAGE + HBIN_HEADER || rel + 4 > end) this.checkInBin(rel, page, structure);
    const w = this.whole;
    if (w !== undefined) {
      // The hive is in memory: read the size field in place and hand out one view. The checks
      // above keep every byte up to the bin's end inside the buffer.
      const at = HBIN_DATA_START + rel;
      const raw = w[at]! | (w[at + 1]! << 8) | (w[at + 2]! << 16) | (w[at + 3]! << 24);
      if (raw >= 0 || raw % 4 !== 0 || raw > -8 || rel - raw > end) this.cellSize(rel, page, w.subarray(at, at + 4), structure);
      return { offset: rel, data: w.subarray(at + 4, at + 4 + Math.min(-raw - 4, maxBytes)) };
    }
    const head = this.peekData(rel, 4, structure);
    if (head === undefined) return undefined;
    const size = this.cellSize(rel, page, head, structure);
    const data = this.peekData(rel + 4, Math.min(size - 4, maxBytes), structure);
    return data === undefined ? undefined : { offset: rel, data };
  }

  /** cellNow(), reading from the source what it does not hold yet. */
  async cell(rel: number, structure: string, maxBytes = Infinity): Promise<Cell> {
    const now = this.cellNow(rel, structure, maxBytes);
    if (now !== undefined) return now;
    const page = await this.binPage(rel, structure);
    this.checkInBin(rel, page, structure);
    const size = this.cellSize(rel, page, await this.readData(rel, 4, structure), structure);
    return { offset: rel, data: await this.readData(rel + 4, Math.min(size - 4, maxBytes), structure) };
  }

  limit(message: string, structure: string, rel: number): RegistryError {
    return regError('LIMIT_EXCEEDED', message, structure, this.fileOffset(rel), this.path);
  }
}
