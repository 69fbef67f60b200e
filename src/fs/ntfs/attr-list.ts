/**
 * $ATTRIBUTE_LIST: when a file's attributes do not fit its base MFT record, this lists every
 * attribute record and the (extension) MFT record holding it.
 */
import { corrupt, utf16, view } from './errors.js';

export interface AttrListEntry {
  type: number;
  name: string;
  lowestVcn: number;
  recordNo: number;
  sequence: number;
  instance: number;
}

export function parseAttrList(value: Uint8Array, structure: string, offset: number): AttrListEntry[] {
  const v = view(value, structure, offset);
  const out: AttrListEntry[] = [];
  let pos = 0;
  while (pos + 26 <= value.length) {
    const type = v.u32le(pos);
    const length = v.u16le(pos + 4);
    if (length < 26 || pos + length > value.length) throw corrupt(`entry length ${length} is invalid`, structure, offset + pos + 4);
    const nameLength = v.u8(pos + 6);
    const nameOffset = v.u8(pos + 7);
    if (nameLength > 0 && nameOffset + nameLength * 2 > length) throw corrupt('entry name lies outside the entry', structure, offset + pos + 7);
    const lowestVcn = v.u64le(pos + 8);
    if (lowestVcn > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`lowest VCN ${lowestVcn} is invalid`, structure, offset + pos + 8);
    const ref = v.u64le(pos + 16);
    out.push({
      type,
      name: nameLength > 0 ? utf16(v, pos + nameOffset, nameLength * 2) : '',
      lowestVcn: Number(lowestVcn),
      recordNo: Number(ref & 0xffffffffffffn),
      sequence: Number(ref >> 48n),
      instance: v.u16le(pos + 24),
    });
    // Entries are 8-byte aligned; a trailing remainder shorter than an entry is padding.
    pos += (length + 7) & ~7;
  }
  return out;
}
