/** XFS: big-endian superblock at offset 0. */
import { VolumeError } from '../../errors.js';
import { BinaryView, isAllZero, uuidToString } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { byteLabel } from './text.js';

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

export async function probeXfs(r: ProbeReader): Promise<ContentProbe | undefined> {
  const sb = await r.read(0, 512);
  if (!sb || sb[0] !== 0x58 || sb[1] !== 0x46 || sb[2] !== 0x53 || sb[3] !== 0x42) return undefined; // "XFSB"
  const v = new BinaryView(sb, 'XFS superblock', 0, VolumeError, 'CORRUPT_VOLUME');
  const blockSize = v.u32be(4);
  const agBlocks = v.u32be(84);
  const agCount = v.u32be(88);
  const sectSize = v.u16be(102);
  const inodeSize = v.u16be(104);
  // Sanity checks after blkid's: a half-made filesystem (sb_inprogress) is not reported.
  if (!isPow2(blockSize) || blockSize < 512 || blockSize > 65536) return undefined;
  if (!isPow2(sectSize) || sectSize < 512 || sectSize > 32768) return undefined;
  if (!isPow2(inodeSize) || inodeSize < 256 || inodeSize > 2048) return undefined;
  if (agBlocks === 0 || agCount === 0 || v.u8(126) !== 0) return undefined;
  if (2 ** v.u8(120) !== blockSize || 2 ** v.u8(121) !== sectSize) return undefined;
  const out: ContentProbe = { fs: 'xfs' };
  const label = byteLabel(v.slice(108, 12));
  if (label !== undefined) out.label = label;
  const uuid = v.slice(32, 16);
  if (!isAllZero(uuid)) out.uuid = uuidToString(uuid);
  return out;
}
