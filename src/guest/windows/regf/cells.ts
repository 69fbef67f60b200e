/**
 * Cell access: every offset a hive stores is checked against the hive bin that contains it
 * before a byte is read. Bins are found lazily by walking back to the nearest "hbin" header
 * (bins start on 4 KiB boundaries), and each page's bin is remembered, so the whole hive is
 * never scanned and each page is classified at most once.
 */
import { BinaryView } from '../../../util/binary.js';
import { LruCache } from '../../../util/lru.js';
import { RegistryError, corrupt, hex, regError } from './errors.js';
import { HBIN_DATA_START } from './base-block.js';
import type { HiveSource } from './source.js';

const PAGE = 4096;
const HBIN_HEADER = 32;
const MAX_WARNINGS = 100;

export interface Cell {
  /** Offset relative to the hive bins data (what hive structures store). */
  offset: number;
  /** Cell data (after the 4-byte size field), including any slack up to the cell size. */
  data: Uint8Array;
  view: BinaryView;
}

/** One entry of a subkey list: the nk offset and, for lh lists, the name hash. */
export interface SubkeyRef {
  offset: number;
  hash?: number;
}

export interface Bin {
  start: number;
  end: number;
}

export interface CellStoreOptions {
  /** Largest value data the reader will assemble. */
  maxValueBytes: number;
}

export class CellStore {
  readonly warnings: string[] = [];
  /** pageToBin[p] = start page of the bin covering page p, -1 unknown, -2 known not a bin start. */
  private readonly pageToBin: Int32Array;
  private readonly binEnd = new Map<number, number>();
  /** Parsed subkey lists by nk offset: path lookups revisit the same parents (Services, Uninstall). */
  readonly subkeyLists = new LruCache<number, SubkeyRef[]>(64);

  constructor(
    readonly source: HiveSource,
    /** End of usable hive bins data, relative, a multiple of 4096. */
    readonly dataEnd: number,
    readonly options: CellStoreOptions,
  ) {
    this.pageToBin = new Int32Array(dataEnd / PAGE).fill(-1);
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

  /** Reads raw bytes of the hive bins data (relative offset). */
  async readData(rel: number, length: number, structure: string): Promise<Uint8Array> {
    if (rel < 0 || length < 0 || rel + length > this.dataEnd) {
      throw corrupt(`${length} bytes at ${hex(rel)} lie outside the ${hex(this.dataEnd)}-byte hive bins data`, structure, this.fileOffset(rel), this.path);
    }
    return this.source.read(HBIN_DATA_START + rel, length);
  }

  /** The hive bin containing relative offset `rel`. */
  async binAt(rel: number, structure: string): Promise<Bin> {
    if (!Number.isInteger(rel) || rel < 0 || rel >= this.dataEnd) {
      throw corrupt(`offset ${hex(rel)} lies outside the ${hex(this.dataEnd)}-byte hive bins data`, structure, this.fileOffset(Math.max(0, rel)), this.path);
    }
    const target = Math.floor(rel / PAGE);
    for (let p = target; p >= 0; p--) {
      const known = this.pageToBin[p]!;
      if (known === -2) continue;
      const startPage = known >= 0 ? known : await this.probeBin(p);
      if (startPage < 0) continue;
      const start = startPage * PAGE;
      const end = this.binEnd.get(start)!;
      if (rel >= end) break;
      for (let q = p + 1; q <= target; q++) this.pageToBin[q] = startPage;
      return { start, end };
    }
    throw corrupt(`offset ${hex(rel)} is not inside any hive bin`, structure, this.fileOffset(rel), this.path);
  }

  /** Checks for a valid bin header at page p; a page without one is marked and skipped. */
  private async probeBin(p: number): Promise<number> {
    const start = p * PAGE;
    const h = new BinaryView(await this.readData(start, HBIN_HEADER, 'hbin header'), 'hbin header', this.fileOffset(start), RegistryError, 'CORRUPT_FILESYSTEM');
    const size = h.u32le(8);
    // Cell data can contain "hbin" by accident; only a header that names its own offset counts.
    if (h.ascii(0, 4) !== 'hbin' || h.u32le(4) !== start || size < PAGE || size % PAGE !== 0) {
      this.pageToBin[p] = -2;
      return -1;
    }
    const end = Math.min(start + size, this.dataEnd);
    if (start + size > this.dataEnd) this.warn(`hive bin at ${hex(start)} extends past the end of the hive bins data`);
    this.binEnd.set(start, end);
    for (let q = p; q < end / PAGE; q++) this.pageToBin[q] = p;
    return p;
  }

  /**
   * An allocated cell: inside one bin, after its header, with a sane negative size. Only the
   * first `maxBytes` of its data are read: every structure knows how much it can need, so a
   * hostile cell size cannot make small records expensive.
   */
  async cell(rel: number, structure: string, maxBytes = Infinity): Promise<Cell> {
    const fileOff = this.fileOffset(rel);
    if (rel === 0xffffffff || rel % 4 !== 0) throw corrupt(`invalid cell offset ${hex(rel)}`, structure, fileOff, this.path);
    const bin = await this.binAt(rel, structure);
    if (rel < bin.start + HBIN_HEADER) throw corrupt(`cell offset ${hex(rel)} points into the header of the hive bin at ${hex(bin.start)}`, structure, fileOff, this.path);
    if (rel + 4 > bin.end) throw corrupt(`cell at ${hex(rel)} runs past its hive bin`, structure, fileOff, this.path);
    const head = await this.readData(rel, 4, structure);
    const raw = new DataView(head.buffer, head.byteOffset, 4).getInt32(0, true);
    if (raw >= 0) throw corrupt(`cell at ${hex(rel)} is not allocated (size ${raw})`, structure, fileOff, this.path);
    const size = -raw;
    if (size < 8 || size % 4 !== 0) throw corrupt(`cell at ${hex(rel)} has invalid size ${size}`, structure, fileOff, this.path);
    if (rel + size > bin.end) {
      throw corrupt(`${size}-byte cell at ${hex(rel)} runs past the end of its hive bin at ${hex(bin.end)}`, structure, fileOff, this.path);
    }
    const data = await this.readData(rel + 4, Math.min(size - 4, maxBytes), structure);
    return { offset: rel, data, view: new BinaryView(data, structure, fileOff + 4, RegistryError, 'CORRUPT_FILESYSTEM') };
  }

  limit(message: string, structure: string, rel: number): RegistryError {
    return regError('LIMIT_EXCEEDED', message, structure, this.fileOffset(rel), this.path);
  }
}
