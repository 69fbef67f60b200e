/**
 * Key nodes ("nk" cells), their subkey lists (lf/lh/li, one level of ri) and value lists.
 * Cells are taken synchronously from memory when the source holds them (cellNow) and read
 * otherwise; either way each nk, list and vk cell a call needs is parsed once by that call.
 */
import { corrupt, hex } from './errors.js';
import { hasSig, le16, le32, sigText, type Cell, type CellStore } from './cells.js';
import { filetimeToDate } from './filetime.js';
import { decodeName, isAscii, lhHash, namesEqual } from './names.js';
import { CACHED_LIST_MAX, LIST_MAX, LIST_S, MAX_SUBKEYS, RefsWalk, type SubkeyRefs } from './subkey-list.js';
import { RegistryValue, parseValueHeader, readValueData, valueDataNow, type ValueHeader } from './value.js';

const NONE = 0xffffffff;
const NK_HEADER = 76;
/** Largest nk cell a key can need: the header and a name of up to 0xffff bytes. */
const NK_MAX = NK_HEADER + 0xffff;
const VK_MAX = 20 + 0xffff;
export const KEY_HIVE_ENTRY = 0x0004;
export const KEY_SYM_LINK = 0x0010;
export const KEY_COMP_NAME = 0x0020;

/** More values than any real key has: the list is corrupt or hostile. */
const MAX_VALUES = 1_000_000;
/** Data read by one values() call, whatever the per-value limit. */
const MAX_VALUES_BYTES = 512 * 1024 * 1024;

const NO_REFS: SubkeyRefs = { offsets: [], hashes: [] };

export class RegistryKey {
  private lastWrittenDate: Date | undefined | null = null;

  private constructor(
    private readonly store: CellStore,
    /** Offset of the nk cell, relative to the hive bins data. */
    readonly offset: number,
    /** Path from the hive root, components joined with "\"; "" for the root. */
    readonly path: string,
    readonly name: string,
    readonly flags: number,
    /** Subkey and value counts as the key node records them. */
    readonly subkeyCount: number,
    readonly valueCount: number,
    private readonly subkeyList: number,
    private readonly valueList: number,
    private readonly classOffset: number,
    private readonly classLength: number,
    /** Last-written FILETIME, low and high halves (turned into a Date on first use). */
    private readonly writtenLow: number,
    private readonly writtenHigh: number,
  ) {}

  /** Reads the nk cell at `rel`; `parentPath` undefined makes it the root (path ""). */
  static async load(store: CellStore, rel: number, parentPath: string | undefined): Promise<RegistryKey> {
    return RegistryKey.parse(store, store.cellNow(rel, 'nk cell', NK_MAX) ?? (await store.cell(rel, 'nk cell', NK_MAX)), parentPath);
  }

  private static parse(store: CellStore, cell: Cell, parentPath: string | undefined): RegistryKey {
    const S = 'nk cell';
    const d = cell.data;
    const at = store.fileOffset(cell.offset);
    if (!hasSig(d, 0, 'nk')) throw corrupt(`expected a key node, found signature ${JSON.stringify(sigText(d))}`, S, at, store.path);
    if (d.length < NK_HEADER) throw corrupt(`key node of ${d.length} bytes is shorter than its ${NK_HEADER}-byte header`, S, at, store.path);
    const flags = le16(d, 2);
    const nameLen = le16(d, 72);
    if (NK_HEADER + nameLen > d.length) throw corrupt(`key name of ${nameLen} bytes overruns the ${d.length}-byte cell`, S, at, store.path);
    const name = decodeName(d.subarray(NK_HEADER, NK_HEADER + nameLen), (flags & KEY_COMP_NAME) !== 0);
    const path = parentPath === undefined ? '' : parentPath === '' ? name : `${parentPath}\\${name}`;
    return new RegistryKey(
      store,
      cell.offset,
      path,
      name,
      flags,
      le32(d, 20),
      le32(d, 36),
      le32(d, 28),
      le32(d, 40),
      le32(d, 48),
      le16(d, 74),
      le32(d, 4),
      le32(d, 8),
    );
  }

  /** When the key was last written; undefined when never set or not representable. */
  get lastWritten(): Date | undefined {
    if (this.lastWrittenDate === null) this.lastWrittenDate = filetimeToDate((BigInt(this.writtenHigh) << 32n) | BigInt(this.writtenLow));
    return this.lastWrittenDate;
  }

  /** True for a registry symbolic link (its target is in a "SymbolicLinkValue" value). */
  get isSymlink(): boolean {
    return (this.flags & KEY_SYM_LINK) !== 0;
  }

  /** All subkeys in stored order (Windows keeps them sorted by upper-cased name). */
  async subkeys(): Promise<RegistryKey[]> {
    const now = this.subkeysNow();
    if (now !== undefined) return now;
    const { offsets } = await this.subkeyRefs();
    const out: RegistryKey[] = [];
    const store = this.store;
    for (const rel of offsets) out.push(RegistryKey.parse(store, store.cellNow(rel, 'nk cell', NK_MAX) ?? (await store.cell(rel, 'nk cell', NK_MAX)), this.path));
    return out;
  }

  /**
   * subkeys() without waiting, from what the source holds in memory (all of it, for a hive
   * read whole); undefined when some cell must be read first. Corruption throws as in subkeys().
   */
  subkeysNow(): RegistryKey[] | undefined {
    const refs = this.subkeyRefsNow();
    if (refs === undefined) return undefined;
    const out: RegistryKey[] = [];
    const store = this.store;
    for (const rel of refs.offsets) {
      const cell = store.cellNow(rel, 'nk cell', NK_MAX);
      if (cell === undefined) return undefined;
      out.push(RegistryKey.parse(store, cell, this.path));
    }
    return out;
  }

  /** Subkey names only (still one nk read each; no values are touched). */
  async subkeyNames(): Promise<string[]> {
    return (await this.subkeys()).map((k) => k.name);
  }

  /** Case-insensitive lookup of one subkey. */
  async subkey(name: string): Promise<RegistryKey | undefined> {
    const { offsets, hashes } = await this.subkeyRefs();
    // lh hashes are only trusted for ASCII names: writers disagree on how to hash the rest.
    const hash = isAscii(name) ? lhHash(name) : -1;
    for (let i = 0; i < offsets.length; i++) {
      if (hash >= 0 && hashes[i]! >= 0 && hashes[i] !== hash) continue;
      const cell = this.store.cellNow(offsets[i]!, 'nk cell', NK_MAX) ?? (await this.store.cell(offsets[i]!, 'nk cell', NK_MAX));
      // Names of another length cannot be equal: skip them without decoding (lf and li lists have no hash).
      const d = cell.data;
      if (d.length >= NK_HEADER && hasSig(d, 0, 'nk')) {
        const units = le16(d, 2) & KEY_COMP_NAME ? le16(d, 72) : le16(d, 72) >> 1;
        if (units !== name.length) continue;
      }
      const k = RegistryKey.parse(this.store, cell, this.path);
      if (namesEqual(k.name, name)) return k;
    }
    return undefined;
  }

  /** All values with their data. */
  async values(): Promise<RegistryValue[]> {
    const now = this.valuesNow();
    if (now !== undefined) return now;
    const out: RegistryValue[] = [];
    let total = 0;
    for (const h of await this.valueHeaders()) {
      const raw = valueDataNow(this.store, h) ?? (await readValueData(this.store, h));
      total += raw.length;
      if (total > MAX_VALUES_BYTES) throw this.store.limit(`values of key "${this.path}" hold more than ${MAX_VALUES_BYTES} bytes`, 'nk cell', this.offset);
      out.push(new RegistryValue(h.name, h.type, raw, h.offset));
    }
    return out;
  }

  /**
   * values() without waiting, from what the source holds in memory; undefined when some cell
   * must be read first (or a value is split into big-data segments). Corruption throws as in values().
   */
  valuesNow(): RegistryValue[] | undefined {
    const headers = this.valueHeadersNow();
    if (headers === undefined) return undefined;
    const out: RegistryValue[] = [];
    let total = 0;
    for (const h of headers) {
      const raw = valueDataNow(this.store, h);
      if (raw === undefined) return undefined;
      total += raw.length;
      if (total > MAX_VALUES_BYTES) throw this.store.limit(`values of key "${this.path}" hold more than ${MAX_VALUES_BYTES} bytes`, 'nk cell', this.offset);
      out.push(new RegistryValue(h.name, h.type, raw, h.offset));
    }
    return out;
  }

  /** Value names and types without reading any data. */
  async valueNames(): Promise<Array<{ name: string; type: number; size: number }>> {
    return (await this.valueHeaders()).map((h) => ({ name: h.name, type: h.type, size: h.size }));
  }

  /** Case-insensitive lookup of one value; "" is the default value. */
  async value(name: string): Promise<RegistryValue | undefined> {
    for (const h of await this.valueHeaders()) {
      if (namesEqual(h.name, name)) return new RegistryValue(h.name, h.type, valueDataNow(this.store, h) ?? (await readValueData(this.store, h)), h.offset);
    }
    return undefined;
  }

  /** A string value (REG_SZ / REG_EXPAND_SZ unexpanded), or undefined when absent or not a string. */
  async getString(name: string): Promise<string | undefined> {
    return (await this.value(name))?.asString();
  }

  /** A REG_DWORD / REG_QWORD value, or undefined when absent or not a number. */
  async getNumber(name: string): Promise<number | undefined> {
    return (await this.value(name))?.asNumber();
  }

  /** The key's class name, when it has one (LSA keys hide boot key parts there). */
  async className(): Promise<string | undefined> {
    if (this.classOffset === NONE || this.classLength === 0) return undefined;
    const cell = await this.store.cell(this.classOffset, 'class name cell', this.classLength);
    if (this.classLength > cell.data.length) throw corrupt(`class name of ${this.classLength} bytes overruns its cell`, 'class name cell', this.store.fileOffset(this.classOffset), this.store.path);
    return decodeName(cell.data.subarray(0, this.classLength), false);
  }

  /** The value list cell, checked to hold the recorded count of entries. */
  private checkValueList(list: Cell): Cell {
    if (this.valueCount * 4 > list.data.length) {
      throw corrupt(`list of ${this.valueCount} values overruns its ${list.data.length}-byte cell`, 'value list cell', this.store.fileOffset(this.valueList), this.store.path);
    }
    return list;
  }

  /** False for a key without values; refuses absurd counts. */
  private hasValues(): boolean {
    if (this.valueCount === 0 || this.valueList === NONE) return false;
    if (this.valueCount > MAX_VALUES) throw this.store.limit(`key "${this.path}" claims ${this.valueCount} values`, 'nk cell', this.offset);
    return true;
  }

  /**
   * Entry i of a value list, refusing repeats: they would let one cell be decoded a million
   * times, and real lists never repeat. Short lists (nearly all) are scanned, long ones use `seen`.
   */
  private valueRef(d: Uint8Array, i: number, seen: Set<number> | undefined): number {
    const rel = le32(d, i * 4);
    let repeated = false;
    if (seen !== undefined) {
      repeated = seen.has(rel);
      seen.add(rel);
    } else {
      for (let j = 0; j < i && !repeated; j++) repeated = le32(d, j * 4) === rel;
    }
    if (repeated) throw corrupt(`value ${hex(rel)} is listed twice`, 'value list cell', this.store.fileOffset(this.valueList), this.store.path);
    return rel;
  }

  private async valueHeaders(): Promise<ValueHeader[]> {
    if (!this.hasValues()) return [];
    const store = this.store;
    const n = this.valueCount;
    const d = this.checkValueList(store.cellNow(this.valueList, 'value list cell', n * 4) ?? (await store.cell(this.valueList, 'value list cell', n * 4))).data;
    const seen = n > 16 ? new Set<number>() : undefined;
    const out: ValueHeader[] = [];
    for (let i = 0; i < n; i++) {
      const rel = this.valueRef(d, i, seen);
      out.push(parseValueHeader(store, store.cellNow(rel, 'vk cell', VK_MAX) ?? (await store.cell(rel, 'vk cell', VK_MAX))));
    }
    return out;
  }

  private valueHeadersNow(): ValueHeader[] | undefined {
    if (!this.hasValues()) return [];
    const store = this.store;
    const n = this.valueCount;
    const list = store.cellNow(this.valueList, 'value list cell', n * 4);
    if (list === undefined) return undefined;
    const d = this.checkValueList(list).data;
    const seen = n > 16 ? new Set<number>() : undefined;
    const out: ValueHeader[] = [];
    for (let i = 0; i < n; i++) {
      const cell = store.cellNow(this.valueRef(d, i, seen), 'vk cell', VK_MAX);
      if (cell === undefined) return undefined;
      out.push(parseValueHeader(store, cell));
    }
    return out;
  }

  /** The parsed subkey list (cached per key node), walking an ri index of lists. */
  private async subkeyRefs(): Promise<SubkeyRefs> {
    const now = this.subkeyRefsNow();
    if (now !== undefined) return now;
    const store = this.store;
    const walk = new RefsWalk(this.store, this.path);
    walk.enter(this.subkeyList);
    const leaves = walk.take(store.cellNow(this.subkeyList, LIST_S, LIST_MAX) ?? (await store.cell(this.subkeyList, LIST_S, LIST_MAX)), false);
    for (const rel of leaves) {
      walk.enter(rel);
      walk.take(store.cellNow(rel, LIST_S, LIST_MAX) ?? (await store.cell(rel, LIST_S, LIST_MAX)), true);
    }
    return this.keepRefs(walk.out);
  }

  /** subkeyRefs() without waiting; undefined when a list cell must be read first. */
  private subkeyRefsNow(): SubkeyRefs | undefined {
    if (this.subkeyCount === 0 || this.subkeyList === NONE) return NO_REFS;
    const cached = this.store.subkeyLists.get(this.offset);
    if (cached) return cached;
    if (this.subkeyCount > MAX_SUBKEYS) throw this.store.limit(`key "${this.path}" claims ${this.subkeyCount} subkeys`, 'nk cell', this.offset);
    const store = this.store;
    const walk = new RefsWalk(this.store, this.path);
    walk.enter(this.subkeyList);
    const root = store.cellNow(this.subkeyList, LIST_S, LIST_MAX);
    if (root === undefined) return undefined;
    for (const rel of walk.take(root, false)) {
      walk.enter(rel);
      const leaf = store.cellNow(rel, LIST_S, LIST_MAX);
      if (leaf === undefined) return undefined;
      walk.take(leaf, true);
    }
    return this.keepRefs(walk.out);
  }

  /** Checks the walked list against the recorded count and caches it. */
  private keepRefs(out: SubkeyRefs): SubkeyRefs {
    if (out.offsets.length !== this.subkeyCount) {
      this.store.warn(`key "${this.path}" records ${this.subkeyCount} subkeys but its list holds ${out.offsets.length}`);
      if (out.offsets.length > this.subkeyCount) {
        out.offsets.length = this.subkeyCount;
        out.hashes.length = this.subkeyCount;
      }
    }
    if (out.offsets.length <= CACHED_LIST_MAX) this.store.subkeyLists.set(this.offset, out);
    return out;
  }
}
