/**
 * ext2/ext3/ext4 (and external journal devices). The superblock says nothing about which of
 * the three it is; like blkid, the feature flags decide: a journal makes ext3 unless a
 * feature ext3 does not know is set, which makes ext4.
 */
import { VolumeError } from '../../errors.js';
import { BinaryView, isAllZero, uuidToString } from '../../util/binary.js';
import { crc32cRaw } from '../crc32.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { byteLabel } from './text.js';

const COMPAT_HAS_JOURNAL = 0x0004;
const INCOMPAT_FILETYPE = 0x0002;
const INCOMPAT_RECOVER = 0x0004;
const INCOMPAT_JOURNAL_DEV = 0x0008;
const INCOMPAT_META_BG = 0x0010;
const RO_COMPAT_METADATA_CSUM = 0x0400;
const FLAGS_TEST_FILESYS = 0x0004;
/** ro_compat features ext2 and ext3 both understand: sparse_super, large_file, btree_dir. */
const RO_COMPAT_EXT23 = 0x0001 | 0x0002 | 0x0004;
const INCOMPAT_EXT2 = INCOMPAT_FILETYPE | INCOMPAT_META_BG;
const INCOMPAT_EXT3 = INCOMPAT_FILETYPE | INCOMPAT_RECOVER | INCOMPAT_META_BG;

export async function probeExt(r: ProbeReader): Promise<ContentProbe | undefined> {
  const sb = await r.read(1024, 1024);
  if (!sb || sb[0x38] !== 0x53 || sb[0x39] !== 0xef) return undefined;
  const v = new BinaryView(sb, 'ext superblock', 1024, VolumeError, 'CORRUPT_VOLUME');
  const compat = v.u32le(0x5c);
  const incompat = v.u32le(0x60);
  const roCompat = v.u32le(0x64);
  const logBlockSize = v.u32le(0x18);
  if (roCompat & RO_COMPAT_METADATA_CSUM) {
    if (crc32cRaw(0xffffffff, sb.subarray(0, 0x3fc)) !== v.u32le(0x3fc)) return undefined;
  } else if (logBlockSize >= 256) {
    return undefined; // legacy superblock with a nonsense block size: not ext
  }
  const flags = v.u32le(0x160);

  let fs: string;
  let version: 2 | 3 | 4 = 4;
  if (incompat & INCOMPAT_JOURNAL_DEV) {
    fs = 'jbd';
    version = 2;
  } else if (flags & FLAGS_TEST_FILESYS) {
    fs = 'ext4dev';
  } else if (!(compat & COMPAT_HAS_JOURNAL) && !(roCompat & ~RO_COMPAT_EXT23) && !(incompat & ~INCOMPAT_EXT2)) {
    fs = 'ext2';
    version = 2;
  } else if (compat & COMPAT_HAS_JOURNAL && !(roCompat & ~RO_COMPAT_EXT23) && !(incompat & ~INCOMPAT_EXT3)) {
    fs = 'ext3';
    version = 3;
  } else if (roCompat & ~RO_COMPAT_EXT23 || incompat & ~INCOMPAT_EXT3) {
    fs = 'ext4';
  } else {
    return undefined; // no journal but ext3-only incompat bits (e.g. needs_recovery alone)
  }

  const details: Record<string, string> = { version: `${v.u32le(0x4c)}.${v.u16le(0x3e)}` };
  if (version !== 2 && (incompat & ~INCOMPAT_EXT2) === 0) details['sec_type'] = 'ext2';
  const uuid = v.slice(0x68, 16);
  const out: ContentProbe = { fs, details };
  const label = byteLabel(v.slice(0x78, 16));
  if (label !== undefined) out.label = label;
  if (!isAllZero(uuid)) out.uuid = uuidToString(uuid);
  return out;
}
