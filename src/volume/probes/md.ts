/**
 * Linux software RAID members. Superblock 0.90 sits in the last 64 KiB-aligned 64 KiB of the
 * device, 1.0 8 KiB before the (4 KiB-aligned) end, 1.1 at 0 and 1.2 at 4 KiB. The UUID is
 * the array's, the device's own goes in details.uuid_sub (as blkid does).
 */
import { VolumeError } from '../../errors.js';
import { BinaryView, isAllZero, uuidToString } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { byteLabel } from './text.js';

const MD_MAGIC = 0xa92b4efc;
const RESERVED = 0x10000;
/** mdadm never writes more than 1920 device roles (4 KiB superblock). */
const MAX_DEV = 1920;

async function probeV0(r: ProbeReader): Promise<ContentProbe | undefined> {
  if (r.size < RESERVED) return undefined;
  const off = Math.floor(r.size / RESERVED) * RESERVED - RESERVED;
  const sb = await r.read(off, 64);
  if (!sb) return undefined;
  const v = new BinaryView(sb, 'md 0.90 superblock', off, VolumeError, 'CORRUPT_VOLUME');
  let le: boolean;
  if (v.u32le(0) === MD_MAGIC) le = true;
  else if (v.u32be(0) === MD_MAGIC) le = false;
  else return undefined;
  const u32 = (o: number): number => (le ? v.u32le(o) : v.u32be(o));
  const [ma, mi, pa] = [u32(4), u32(8), u32(12)];
  const size = u32(32) * 1024;
  if (r.size < size + RESERVED || off < size) return undefined;
  // The UUID words are stored in host order; blkid prints each word big-endian.
  const words = [u32(20), mi >= 90 ? u32(52) : 0, mi >= 90 ? u32(56) : 0, mi >= 90 ? u32(60) : 0];
  const uuid = new Uint8Array(16);
  const dv = new DataView(uuid.buffer);
  words.forEach((w, i) => dv.setUint32(i * 4, w, false));
  const out: ContentProbe = { fs: 'linux_raid_member', details: { version: `${ma}.${mi}.${pa}` } };
  if (!isAllZero(uuid)) out.uuid = uuidToString(uuid);
  return out;
}

/** mdadm's superblock-1 checksum: 32-bit sum of LE words (sb_csum as 0), folded once. */
export function md1Checksum(sb: Uint8Array): number {
  const v = new BinaryView(sb, 'md 1.x superblock', 0, VolumeError, 'CORRUPT_VOLUME');
  let sum = 0;
  let i = 0;
  for (; i + 4 <= sb.length; i += 4) if (i !== 216) sum += v.u32le(i);
  if (sb.length - i === 2) sum += v.u16le(i);
  return ((sum % 2 ** 32) + Math.floor(sum / 2 ** 32)) >>> 0;
}

async function probeV1(r: ProbeReader, off: number): Promise<ContentProbe | undefined> {
  const head = await r.read(off, 256);
  if (!head) return undefined;
  const v = new BinaryView(head, 'md 1.x superblock', off, VolumeError, 'CORRUPT_VOLUME');
  if (v.u32le(0) !== MD_MAGIC || v.u32le(4) !== 1) return undefined;
  if (v.u64le(144) !== BigInt(off / 512)) return undefined;
  const maxDev = v.u32le(220);
  if (maxDev > MAX_DEV) return undefined;
  const full = await r.read(off, 256 + maxDev * 2);
  if (!full || md1Checksum(full) !== v.u32le(216)) return undefined;
  const out: ContentProbe = { fs: 'linux_raid_member', details: {} };
  const setUuid = v.slice(16, 16);
  if (!isAllZero(setUuid)) out.uuid = uuidToString(setUuid);
  const devUuid = v.slice(168, 16);
  if (!isAllZero(devUuid)) out.details!['uuid_sub'] = uuidToString(devUuid);
  const label = byteLabel(v.slice(32, 32));
  if (label !== undefined) out.label = label;
  return out;
}

export async function probeMd(r: ProbeReader): Promise<ContentProbe | undefined> {
  if (r.size > RESERVED) {
    const v0 = await probeV0(r);
    if (v0) return v0;
    const v10 = await probeV1(r, Math.floor(r.size / 4096) * 4096 - 0x2000);
    if (v10) return withVersion(v10, '1.0');
  }
  const v11 = await probeV1(r, 0);
  if (v11) return withVersion(v11, '1.1');
  const v12 = await probeV1(r, 0x1000);
  if (v12) return withVersion(v12, '1.2');
  return undefined;
}

function withVersion(p: ContentProbe, version: string): ContentProbe {
  p.details = { ...p.details, version };
  return p;
}
