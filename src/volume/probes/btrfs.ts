/** btrfs: primary superblock at 64 KiB. */
import { VolumeError } from '../../errors.js';
import { BinaryView, isAllZero, latin1, uuidToString } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { byteLabel } from './text.js';

const SB_OFFSET = 0x10000;

export async function probeBtrfs(r: ProbeReader): Promise<ContentProbe | undefined> {
  const sb = await r.read(SB_OFFSET, 0x22b);
  if (!sb || latin1(sb.subarray(0x40, 0x48)) !== '_BHRfS_M') return undefined;
  const v = new BinaryView(sb, 'btrfs superblock', SB_OFFSET, VolumeError, 'CORRUPT_VOLUME');
  // The superblock records its own byte offset; a stray magic elsewhere will not match.
  if (v.u64le(0x30) !== BigInt(SB_OFFSET)) return undefined;
  const out: ContentProbe = { fs: 'btrfs', details: {} };
  const label = byteLabel(v.slice(0x12b, 256));
  if (label !== undefined) out.label = label;
  const fsid = v.slice(0x20, 16);
  if (!isAllZero(fsid)) out.uuid = uuidToString(fsid);
  const devUuid = v.slice(0x10b, 16);
  if (!isAllZero(devUuid)) out.details!['uuid_sub'] = uuidToString(devUuid);
  return out;
}
