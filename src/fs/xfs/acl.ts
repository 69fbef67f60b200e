import { FileSystemError } from '../../errors.js';
import { BinaryView } from '../../util/binary.js';
import { corrupt } from './errors.js';

/** XFS keeps POSIX ACLs as root-namespace attributes with these names, in its own format. */
export const SGI_ACL_FILE = 'SGI_ACL_FILE';
export const SGI_ACL_DEFAULT = 'SGI_ACL_DEFAULT';

const ACL_USER = 0x02;
const ACL_GROUP = 0x08;
const ACL_UNDEFINED_ID = 0xffffffff;
const POSIX_ACL_XATTR_VERSION = 2;
/** Generous bound: XFS allows at most (64 KiB - 4) / 12 entries. */
const MAX_ENTRIES = 5461;

/**
 * Converts an on-disk xfs_acl (big-endian count + {tag, id, perm, pad} entries) into the
 * Linux system.posix_acl_* xattr value (little-endian version + {tag, perm, id} entries),
 * which is what getfattr shows on a mounted XFS.
 */
export function xfsAclToPosixXattr(value: Uint8Array, structure: string, offset: number): Uint8Array {
  const v = new BinaryView(value, structure, offset, FileSystemError, 'CORRUPT_FILESYSTEM');
  const count = v.u32be(0);
  if (count > MAX_ENTRIES || 4 + count * 12 > value.length) throw corrupt(`ACL with ${count} entries does not fit its ${value.length}-byte value`, structure, offset);
  const out = new Uint8Array(4 + count * 8);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, POSIX_ACL_XATTR_VERSION, true);
  for (let i = 0; i < count; i++) {
    const at = 4 + i * 12;
    const tag = v.u32be(at);
    const id = v.u32be(at + 4);
    const perm = v.u16be(at + 8);
    const o = 4 + i * 8;
    dv.setUint16(o, tag, true);
    dv.setUint16(o + 2, perm, true);
    dv.setUint32(o + 4, tag === ACL_USER || tag === ACL_GROUP ? id : ACL_UNDEFINED_ID, true);
  }
  return out;
}
