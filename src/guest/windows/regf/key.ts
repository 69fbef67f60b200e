/** Key nodes ("nk" cells), their subkey lists (lf/lh/li, one level of ri) and value lists. */
import { corrupt, hex } from './errors.js';
import type { CellStore, SubkeyRef } from './cells.js';
import { filetimeToDate } from './filetime.js';
import { decodeName, isAscii, lhHash, namesEqual } from './names.js';
import { RegistryValue, readValueData, readValueHeader, type ValueHeader } from './value.js';

const NONE = 0xffffffff;
const NK_HEADER = 76;
export const KEY_HIVE_ENTRY = 0x0004;
export const KEY_SYM_LINK = 0x0010;
export const KEY_COMP_NAME = 0x0020;

/** More subkeys or values than any real key has: the list is corrupt or hostile. */
const MAX_SUBKEYS = 1_000_000;
const MAX_VALUES = 1_000_000;
/** Data read by one values() call, whatever the per-value limit. */
const MAX_VALUES_BYTES = 512 * 1024 * 1024;

export class RegistryKey {
  readonly name: string;
  readonly flags: number;
  readonly lastWritten: Date | undefined;
  /** Subkey and value counts as the key node records them. */
  readonly subkeyCount: number;
  readonly valueCount: number;
  private readonly subkeyList: number;
  private readonly valueList: number;
  private readonly classOffset: number;
  private readonly classLength: number;

  private constructor(
    private readonly store: CellStore,
    /** Offset of the nk cell, relative to the hive bins data. */
    readonly offset: number,
    /** Path from the hive root, components joined with "\"; "" for the root. */
    readonly path: string,
    fields: { name: string; flags: number; lastWritten: Date | undefined; subkeyCount: number; valueCount: number; subkeyList: number; valueList: number; classOffset: number; classLength: number },
  ) {
    this.name = fields.name;
    this.flags = fields.flags;
    this.lastWritten = fields.lastWritten;
    this.subkeyCount = fields.subkeyCount;
    this.valueCount = fields.valueCount;
    this.subkeyList = fields.subkeyList;
    this.valueList = fields.valueList;
    this.classOffset = fields.classOffset;
    this.classLength = fields.classLength;
  }

  /** Reads the nk cell at `rel`; `parentPath` undefined makes it the root (path ""). */
  static async load(store: CellStore, rel: number, parentPath: string | undefined): Promise<RegistryKey> {
    const S = 'nk cell';
    const cell = await store.cell(rel, S, NK_HEADER + 0xffff);
    const v = cell.view;
    const at = store.fileOffset(rel);
    if (v.ascii(0, 2) !== 'nk') throw corrupt(`expected a key node, found signature ${JSON.stringify(v.ascii(0, 2))}`, S, at, store.path);
    const flags = v.u16le(2);
    const nameLen = v.u16le(72);
    if (NK_HEADER + nameLen > cell.data.length) throw corrupt(`key name of ${nameLen} bytes overruns the ${cell.data.length}-byte cell`, S, at, store.path);
    const name = decodeName(v.slice(NK_HEADER, nameLen), (flags & KEY_COMP_NAME) !== 0);
    const path = parentPath === undefined ? '' : parentPath === '' ? name : `${parentPath}\\${name}`;
    return new RegistryKey(store, rel, path, {
      name,
      flags,
      lastWritten: filetimeToDate(v.u64le(4)),
      subkeyCount: v.u32le(20),
      valueCount: v.u32le(36),
      subkeyList: v.u32le(28),
      valueList: v.u32le(40),
      classOffset: v.u32le(48),
      classLength: v.u16le(74),
    });
  }

  /** True for a registry symbolic link (its target is in a "SymbolicLinkValue" value). */
  get isSymlink(): boolean {
    return (this.flags & KEY_SYM_LINK) !== 0;
  }

  /** All subkeys in stored order (Windows keeps them sorted by upper-cased name). */
  async subkeys(): Promise<RegistryKey[]> {
    const refs = await this.subkeyRefs();
    const out: RegistryKey[] = [];
    for (const r of refs) out.push(await RegistryKey.load(this.store, r.offset, this.path));
    return out;
  }

  /** Subkey names only (still one nk read each; no values are touched). */
  async subkeyNames(): Promise<string[]> {
    return (await this.subkeys()).map((k) => k.name);
  }

  /** Case-insensitive lookup of one subkey. */
  async subkey(name: string): Promise<RegistryKey | undefined> {
    const refs = await this.subkeyRefs();
    // lh hashes are only trusted for ASCII names: writers disagree on how to hash the rest.
    const hash = isAscii(name) ? lhHash(name) : undefined;
    for (const r of refs) {
      if (hash !== undefined && r.hash !== undefined && r.hash !== hash) continue;
      const k = await RegistryKey.load(this.store, r.offset, this.path);
      if (namesEqual(k.name, name)) return k;
    }
    return undefined;
  }

  /** All values with their data. */
  async values(): Promise<RegistryValue[]> {
    const out: RegistryValue[] = [];
    let total = 0;
    for (const h of await this.valueHeaders()) {
      const raw = await readValueData(this.store, h);
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
      if (namesEqual(h.name, name)) return new RegistryValue(h.name, h.type, await readValueData(this.store, h), h.offset);
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

  private async valueHeaders(): Promise<ValueHeader[]> {
    if (this.valueCount === 0 || this.valueList === NONE) return [];
    const S = 'value list cell';
    if (this.valueCount > MAX_VALUES) throw this.store.limit(`key "${this.path}" claims ${this.valueCount} values`, 'nk cell', this.offset);
    const list = await this.store.cell(this.valueList, S, this.valueCount * 4);
    if (this.valueCount * 4 > list.data.length) {
      throw corrupt(`list of ${this.valueCount} values overruns its ${list.data.length}-byte cell`, S, this.store.fileOffset(this.valueList), this.store.path);
    }
    const out: ValueHeader[] = [];
    const seen = new Set<number>();
    for (let i = 0; i < this.valueCount; i++) {
      const rel = list.view.u32le(i * 4);
      // Repeats would let one cell be decoded a million times; real lists never repeat.
      if (seen.has(rel)) throw corrupt(`value ${hex(rel)} is listed twice`, S, this.store.fileOffset(this.valueList), this.store.path);
      seen.add(rel);
      out.push(await readValueHeader(this.store, rel));
    }
    return out;
  }

  /** Walks the subkey list (and an ri index of lists), refusing repeated list cells. */
  private async subkeyRefs(): Promise<SubkeyRef[]> {
    if (this.subkeyCount === 0 || this.subkeyList === NONE) return [];
    const cached = this.store.subkeyLists.get(this.offset);
    if (cached) return cached;
    const refs = await this.readSubkeyRefs();
    this.store.subkeyLists.set(this.offset, refs);
    return refs;
  }

  private async readSubkeyRefs(): Promise<SubkeyRef[]> {
    if (this.subkeyCount > MAX_SUBKEYS) throw this.store.limit(`key "${this.path}" claims ${this.subkeyCount} subkeys`, 'nk cell', this.offset);
    const out: SubkeyRef[] = [];
    const seenLists = new Set<number>();
    const seenKeys = new Set<number>();
    const readList = async (rel: number, inIndexRoot: boolean): Promise<void> => {
      const S = 'subkey list cell';
      const at = this.store.fileOffset(rel);
      if (seenLists.has(rel)) throw corrupt(`subkey list ${hex(rel)} is referenced twice (cycle)`, S, at, this.store.path);
      seenLists.add(rel);
      const cell = await this.store.cell(rel, S, 4 + 0xffff * 8);
      const v = cell.view;
      const sig = v.ascii(0, 2);
      const n = v.u16le(2);
      const width = sig === 'lf' || sig === 'lh' ? 8 : 4;
      if (sig !== 'lf' && sig !== 'lh' && sig !== 'li' && sig !== 'ri') throw corrupt(`unknown subkey list signature ${JSON.stringify(sig)}`, S, at, this.store.path);
      if (4 + n * width > cell.data.length) throw corrupt(`${sig} list of ${n} entries overruns its ${cell.data.length}-byte cell`, S, at, this.store.path);
      if (sig === 'ri') {
        if (inIndexRoot) throw corrupt('an index root (ri) lists another index root', S, at, this.store.path);
        for (let i = 0; i < n; i++) await readList(v.u32le(4 + i * 4), true);
        return;
      }
      if (out.length + n > MAX_SUBKEYS) throw this.store.limit(`key "${this.path}" has more than ${MAX_SUBKEYS} subkeys`, S, rel);
      for (let i = 0; i < n; i++) {
        const ref: SubkeyRef = { offset: v.u32le(4 + i * width) };
        if (seenKeys.has(ref.offset)) throw corrupt(`key node ${hex(ref.offset)} is listed twice`, S, at, this.store.path);
        seenKeys.add(ref.offset);
        if (sig === 'lh') ref.hash = v.u32le(8 + i * 8);
        out.push(ref);
      }
    };
    await readList(this.subkeyList, false);
    if (out.length !== this.subkeyCount) {
      this.store.warn(`key "${this.path}" records ${this.subkeyCount} subkeys but its list holds ${out.length}`);
      if (out.length > this.subkeyCount) out.length = this.subkeyCount;
    }
    return out;
  }
}
