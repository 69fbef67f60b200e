import { corrupt, view } from './errors.js';

export const XATTR_MAGIC = 0xea020000;

export interface RawXattr {
  index: number;
  /** Name suffix after the index's prefix. */
  suffix: string;
  /** The value, or where it lives when the ea_inode feature moved it to its own inode. */
  value: Uint8Array | { inode: number; size: number };
}

const PREFIXES: Record<number, string> = {
  1: 'user.',
  2: 'system.posix_acl_access',
  3: 'system.posix_acl_default',
  4: 'trusted.',
  6: 'security.',
  7: 'system.',
  8: 'system.richacl',
  10: 'gnu.',
};

/** Largest value Linux accepts for one attribute; bigger claims are corruption. */
const XATTR_SIZE_MAX = 65536;

/**
 * Parses xattr entries starting at `entriesStart` in `region`; value offsets are relative to
 * `valueBase` (the first entry for in-inode attributes, the block start for xattr blocks).
 */
export function parseXattrEntries(region: Uint8Array, entriesStart: number, valueBase: number, structure: string, offset: number): RawXattr[] {
  const v = view(region, structure, offset);
  const out: RawXattr[] = [];
  let pos = entriesStart;
  while (pos + 4 <= region.length && v.u32le(pos) !== 0) {
    if (out.length > region.length / 16) throw corrupt('too many extended attribute entries', structure, offset + pos);
    const nameLen = v.u8(pos);
    const index = v.u8(pos + 1);
    const valueOffs = v.u16le(pos + 2);
    const valueInum = v.u32le(pos + 4);
    const valueSize = v.u32le(pos + 8);
    const name = v.slice(pos + 16, nameLen);
    if (valueSize > XATTR_SIZE_MAX) throw corrupt(`extended attribute value size ${valueSize} is too large`, structure, offset + pos + 8);
    let value: RawXattr['value'];
    if (valueInum !== 0) value = { inode: valueInum, size: valueSize };
    else {
      const s = valueBase + valueOffs;
      if (valueSize > 0 && (s < entriesStart || s + valueSize > region.length)) {
        throw corrupt(`extended attribute value (${valueSize} bytes at ${valueOffs}) lies outside its area`, structure, offset + pos + 2);
      }
      value = valueSize === 0 ? new Uint8Array(0) : region.slice(s, s + valueSize);
    }
    out.push({ index, suffix: new TextDecoder().decode(name), value });
    pos += (16 + nameLen + 3) & ~3;
  }
  return out;
}

/** Full attribute name as getfattr shows it, or undefined for internal ones (system.data, encryption context). */
export function xattrName(index: number, suffix: string): string | undefined {
  if (index === 7 && suffix === 'data') return undefined;
  const prefix = PREFIXES[index];
  return prefix === undefined ? undefined : prefix + suffix;
}

const ACL_UNDEFINED_ID = 0xffffffff;
const ACL_USER = 0x02;
const ACL_GROUP = 0x08;

/**
 * ext4 stores POSIX ACLs compactly (version 1, 4-byte entries without an id); getxattr returns
 * the generic format (version 2, 8-byte entries). Converts, or returns undefined if malformed.
 */
export function ext4AclToXattr(b: Uint8Array): Uint8Array | undefined {
  if (b.length < 4) return undefined;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0, true) !== 1) return undefined;
  const entries: [number, number, number][] = [];
  let pos = 4;
  while (pos < b.length) {
    if (pos + 4 > b.length) return undefined;
    const tag = dv.getUint16(pos, true);
    const perm = dv.getUint16(pos + 2, true);
    if (tag === ACL_USER || tag === ACL_GROUP) {
      if (pos + 8 > b.length) return undefined;
      entries.push([tag, perm, dv.getUint32(pos + 4, true)]);
      pos += 8;
    } else {
      entries.push([tag, perm, ACL_UNDEFINED_ID]);
      pos += 4;
    }
  }
  const out = new Uint8Array(4 + entries.length * 8);
  const ov = new DataView(out.buffer);
  ov.setUint32(0, 2, true);
  entries.forEach(([tag, perm, id], i) => {
    ov.setUint16(4 + i * 8, tag, true);
    ov.setUint16(6 + i * 8, perm, true);
    ov.setUint32(8 + i * 8, id, true);
  });
  return out;
}
