/**
 * LVM2 metadata areas. Each starts with a 512-byte header (checksum, magic, raw location
 * descriptors); the committed VG metadata text lives in a circular buffer after the header
 * and may wrap from the end of the area back to just after the header.
 */
import { VolumeError } from '../../errors.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { BinaryView, latin1 } from '../../util/binary.js';
import { crc32Update, LVM_CRC_SEED } from '../crc32.js';
import type { DiskArea } from './label.js';

export const MDA_MAGIC = '\x20LVM2 x[5A%r0N*>';
const MDA_HEADER_SIZE = 512;
const RAW_LOCN_IGNORED = 0x1;
/** Real VG metadata is kilobytes to a few MiB; anything past this is corrupt. */
export const MAX_METADATA_BYTES = 16 << 20;

export interface MetadataText {
  text: string;
  /** Where it was read, for messages. */
  where: string;
  /** True when the text wrapped around the end of the circular buffer. */
  wrapped: boolean;
}

function fail(message: string, offset: number): never {
  throw new VolumeError('CORRUPT_VOLUME', message, { structure: 'LVM2 metadata area header', offset });
}

/**
 * Reads the committed metadata text of one metadata area of `pv`. Returns undefined when the
 * area holds no metadata (fresh PV, or the slot is marked ignored).
 */
export async function readMetadataArea(pv: BlockDevice, mda: DiskArea, maxBytes = MAX_METADATA_BYTES): Promise<MetadataText | undefined> {
  if (mda.size < MDA_HEADER_SIZE * 2 || mda.offset + mda.size > pv.size) {
    fail(`metadata area ${mda.offset}+${mda.size} does not fit ${pv.name} (${pv.size} bytes)`, mda.offset);
  }
  const hdr = await pv.read(mda.offset, MDA_HEADER_SIZE);
  const v = new BinaryView(hdr, 'LVM2 metadata area header', mda.offset, VolumeError, 'CORRUPT_VOLUME');
  if (latin1(hdr.subarray(4, 20)) !== MDA_MAGIC) fail('bad metadata area magic', mda.offset);
  if (crc32Update(LVM_CRC_SEED, hdr.subarray(4)) !== v.u32le(0)) fail('metadata area header checksum mismatch', mda.offset);
  if (v.u32le(20) !== 1) fail(`unsupported metadata area version ${v.u32le(20)}`, mda.offset);
  if (v.safe64le(24, 'mda start') !== mda.offset) fail('metadata area header names a different start', mda.offset);
  const size = v.safe64le(32, 'mda size');
  if (size > mda.size || size < MDA_HEADER_SIZE * 2) fail(`metadata area header size ${size} does not fit the area`, mda.offset);

  // raw_locn[0] is the committed metadata; the list ends with a zero offset.
  const offset = v.safe64le(40, 'metadata offset');
  const length = v.safe64le(48, 'metadata size');
  const checksum = v.u32le(56);
  const flags = v.u32le(60);
  if (offset === 0 || flags & RAW_LOCN_IGNORED) return undefined;
  const bufferSize = size - MDA_HEADER_SIZE;
  if (offset < MDA_HEADER_SIZE || offset >= size) fail(`metadata offset ${offset} lies outside the area`, mda.offset + 40);
  if (length === 0 || length > bufferSize || length > maxBytes) fail(`metadata size ${length} is not plausible`, mda.offset + 48);

  const first = Math.min(length, size - offset);
  const parts = [await pv.read(mda.offset + offset, first)];
  const wrapped = first < length;
  if (wrapped) parts.push(await pv.read(mda.offset + MDA_HEADER_SIZE, length - first));
  let crc = LVM_CRC_SEED;
  for (const p of parts) crc = crc32Update(crc, p);
  if (crc !== checksum) fail('metadata text checksum mismatch', mda.offset + offset);
  const bytes = new Uint8Array(length);
  bytes.set(parts[0]!, 0);
  if (parts[1]) bytes.set(parts[1], first);
  const end = bytes.indexOf(0);
  const text = new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
  return { text, where: `${pv.name} metadata area at ${mda.offset}`, wrapped };
}
