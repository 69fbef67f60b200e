/**
 * Case folding for name lookups. NTFS compares names by mapping every UTF-16 code unit through
 * the volume's $UpCase table (record 10, 65536 entries); using the volume's own table keeps our
 * comparisons identical to the order of its directory B+trees. Without a usable table we fall
 * back to Unicode uppercase per code unit.
 */
export class UpCase {
  private constructor(private readonly table: Uint16Array | undefined) {}

  /** From the raw $UpCase data (little-endian u16 per code unit; shorter tables map the rest to itself). */
  static fromTable(bytes: Uint8Array): UpCase {
    const n = Math.min(65536, bytes.length >> 1);
    const t = new Uint16Array(65536);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, n * 2);
    for (let i = 0; i < n; i++) t[i] = dv.getUint16(i * 2, true);
    for (let i = n; i < 65536; i++) t[i] = i;
    return new UpCase(t);
  }

  static fallback(): UpCase {
    return new UpCase(undefined);
  }

  get usesVolumeTable(): boolean {
    return this.table !== undefined;
  }

  private up(c: number): number {
    if (this.table) return this.table[c]!;
    const u = String.fromCharCode(c).toUpperCase();
    return u.length === 1 ? u.charCodeAt(0) : c;
  }

  /** The name with every code unit upcased; compare folded names with < and === (code-unit order). */
  fold(name: string): string {
    let out = '';
    for (let i = 0; i < name.length; i++) out += String.fromCharCode(this.up(name.charCodeAt(i)));
    return out;
  }
}

/** Compares code-unit strings the way NTFS collates: -1, 0, 1. */
export function compareUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
