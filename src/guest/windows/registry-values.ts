/** One pass over a key's values, then typed, case-insensitive access to them. */
import type { RegistryKey, RegistryValue } from './regf/index.js';
import { upcase } from './regf/names.js';

export class ValueMap {
  private readonly map = new Map<string, RegistryValue>();

  constructor(values: RegistryValue[]) {
    for (const v of values) {
      const k = upcase(v.name);
      if (!this.map.has(k)) this.map.set(k, v);
    }
  }

  static async of(key: RegistryKey | undefined): Promise<ValueMap> {
    return new ValueMap(key ? (key.valuesNow() ?? (await key.values())) : []);
  }

  has(name: string): boolean {
    return this.map.has(upcase(name));
  }

  /** A REG_SZ/REG_EXPAND_SZ value, trimmed of nothing; undefined when absent, another type, or empty. */
  str(name: string): string | undefined {
    const s = this.map.get(upcase(name))?.asString();
    return s === undefined || s === '' ? undefined : s;
  }

  /** A REG_DWORD/REG_QWORD value. */
  num(name: string): number | undefined {
    return this.map.get(upcase(name))?.asNumber();
  }

  /** A number stored either as a DWORD or as a decimal string (both occur for the same value). */
  numOrString(name: string): number | undefined {
    const n = this.num(name);
    if (n !== undefined) return n;
    const s = this.str(name);
    return s !== undefined && /^\s*\d+\s*$/.test(s) ? Number(s) : undefined;
  }

  /** A string stored either as a string or as a DWORD, as text. */
  text(name: string): string | undefined {
    const s = this.str(name);
    if (s !== undefined) return s;
    const n = this.num(name);
    return n === undefined ? undefined : String(n);
  }

  raw(name: string): RegistryValue | undefined {
    return this.map.get(upcase(name));
  }
}
