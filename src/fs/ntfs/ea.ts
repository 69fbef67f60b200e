/**
 * $EA (extended attributes in OS/2 / FILE_FULL_EA_INFORMATION layout). Only WSL's "$LXDEV"
 * (device numbers of WSL character/block special files) is interpreted, as ntfs-3g does.
 */
import { view } from './errors.js';

export interface EaEntry {
  name: string;
  value: Uint8Array;
}

export function parseEa(b: Uint8Array, structure: string, offset: number): EaEntry[] {
  const v = view(b, structure, offset);
  const out: EaEntry[] = [];
  let pos = 0;
  while (pos + 8 <= b.length && out.length < 4096) {
    const next = v.u32le(pos);
    const nameLength = v.u8(pos + 5);
    const valueLength = v.u16le(pos + 6);
    const name = v.ascii(pos + 8, nameLength);
    const value = v.slice(pos + 8 + nameLength + 1, valueLength);
    out.push({ name, value });
    if (next === 0) break;
    pos += next;
  }
  return out;
}

/** WSL device numbers from the "$LXDEV" EA (u32 major, u32 minor). */
export function lxdev(entries: EaEntry[]): { major: number; minor: number } | undefined {
  const e = entries.find((x) => x.name === '$LXDEV' && x.value.length === 8);
  if (!e) return undefined;
  const dv = new DataView(e.value.buffer, e.value.byteOffset, 8);
  return { major: dv.getUint32(0, true), minor: dv.getUint32(4, true) };
}
