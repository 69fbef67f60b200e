/**
 * Case folding for name lookups. NTFS compares names by mapping every UTF-16 code unit through
 * the volume's $UpCase table (record 10, 65536 entries); using the volume's own table keeps our
 * comparisons identical to the order of its directory B+trees. Without a usable table we fall
 * back to Unicode uppercase per code unit.
 */

/** Names up to this many code units fold through one scratch buffer (NTFS names have at most 255). */
const SCRATCH_UNITS = 256;

export class UpCase {
  private readonly scratch = new Uint16Array(SCRATCH_UNITS);

  /**
   * `table` is the raw $UpCase data (little-endian u16 per code unit), read in place: the
   * volume's 128 KiB table is never converted, a lookup folds only the units it meets.
   * Units at or past `units` map to themselves.
   */
  private constructor(
    private readonly table: Uint8Array | undefined,
    private readonly units: number,
  ) {}

  /** From the raw $UpCase data (little-endian u16 per code unit; shorter tables map the rest to itself). */
  static fromTable(bytes: Uint8Array): UpCase {
    return new UpCase(bytes, Math.min(65536, bytes.length >> 1));
  }

  static fallback(): UpCase {
    return new UpCase(undefined, 0);
  }

  get usesVolumeTable(): boolean {
    return this.table !== undefined;
  }

  private up(c: number): number {
    const t = this.table;
    if (t) return c < this.units ? t[2 * c]! | (t[2 * c + 1]! << 8) : c;
    const u = String.fromCharCode(c).toUpperCase();
    return u.length === 1 ? u.charCodeAt(0) : c;
  }

  /** The name with every code unit upcased; compare folded names with < and === (code-unit order). */
  fold(name: string): string {
    const n = name.length;
    if (n > SCRATCH_UNITS) {
      let out = '';
      for (let i = 0; i < n; i++) out += String.fromCharCode(this.up(name.charCodeAt(i)));
      return out;
    }
    const s = this.scratch;
    for (let i = 0; i < n; i++) s[i] = this.up(name.charCodeAt(i));
    return String.fromCharCode.apply(null, s.subarray(0, n) as unknown as number[]);
  }
}

/** Compares code-unit strings the way NTFS collates: -1, 0, 1. */
export function compareUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
