/**
 * NTFS: boot sector "NTFS    " OEM id; the label lives in the $VOLUME_NAME attribute of MFT
 * record 3 ($Volume); the UUID is the 64-bit volume serial printed as 16 uppercase hex digits.
 */
import { VolumeError } from '../../errors.js';
import { BinaryView, latin1 } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { utf16Label } from './text.js';

const MAX_CLUSTER_SIZE = 2 * 1024 * 1024;
const MFT_RECORD_VOLUME = 3;
const ATTR_VOLUME_NAME = 0x60;
const ATTR_END = 0xffffffff;

export interface NtfsGeometry {
  sectorSize: number;
  clusterSize: number;
  mftRecordSize: number;
  mftOffset: number;
}

/** Validates the NTFS boot sector (blkid's checks); undefined when it is not NTFS. */
export function ntfsGeometry(bs: Uint8Array): NtfsGeometry | undefined {
  if (bs.length < 512 || latin1(bs.subarray(3, 11)) !== 'NTFS    ') return undefined;
  const v = new BinaryView(bs, 'NTFS boot sector', 0, VolumeError, 'CORRUPT_VOLUME');
  const sectorSize = v.u16le(11);
  if (sectorSize < 256 || sectorSize > 4096 || (sectorSize & (sectorSize - 1)) !== 0) return undefined;
  const spcRaw = v.u8(13);
  let spc: number;
  if ([1, 2, 4, 8, 16, 32, 64, 128].includes(spcRaw)) spc = spcRaw;
  else if (spcRaw >= 240 && spcRaw <= 249) spc = 2 ** (256 - spcRaw);
  else return undefined;
  const clusterSize = sectorSize * spc;
  if (clusterSize > MAX_CLUSTER_SIZE) return undefined;
  // Fields FAT uses must be zero on NTFS.
  if (v.u16le(14) || v.u16le(17) || v.u16le(19) || v.u16le(22) || v.u32le(32) || v.u8(16)) return undefined;
  const cpm = v.u8(0x40);
  let mftRecordSize: number;
  if (cpm >= 0xe1 && cpm <= 0xf7) mftRecordSize = 2 ** (256 - cpm);
  else if ([1, 2, 4, 8, 16, 32, 64].includes(cpm)) mftRecordSize = cpm * clusterSize;
  else return undefined;
  const clusters = v.u64le(0x28) / BigInt(spc);
  const mftCluster = v.u64le(0x30);
  if (mftCluster > clusters || v.u64le(0x38) > clusters) return undefined;
  const mftOffset = Number(mftCluster) * clusterSize;
  if (!Number.isSafeInteger(mftOffset) || mftRecordSize < 4) return undefined;
  return { sectorSize, clusterSize, mftRecordSize, mftOffset };
}

/** Applies the update-sequence fixups of an MFT record in place; false when they do not match. */
function applyFixups(rec: Uint8Array, sectorSize: number): boolean {
  const v = new BinaryView(rec, 'NTFS MFT record', 0, VolumeError, 'CORRUPT_VOLUME');
  const usaOff = v.u16le(4);
  const usaCount = v.u16le(6);
  if (usaCount === 0) return true;
  const stride = Math.min(512, sectorSize);
  if (usaOff + usaCount * 2 > rec.length || (usaCount - 1) * stride > rec.length) return false;
  const usn = v.u16le(usaOff);
  for (let i = 1; i < usaCount; i++) {
    const end = i * stride - 2;
    if (v.u16le(end) !== usn) return false;
    rec[end] = rec[usaOff + i * 2]!;
    rec[end + 1] = rec[usaOff + i * 2 + 1]!;
  }
  return true;
}

export async function probeNtfs(r: ProbeReader): Promise<ContentProbe | undefined> {
  const bs = await r.read(0, 512);
  if (!bs) return undefined;
  const g = ntfsGeometry(bs);
  if (!g || g.mftRecordSize > 65536) return undefined;
  const first = await r.read(g.mftOffset, g.mftRecordSize);
  if (!first || latin1(first.subarray(0, 4)) !== 'FILE') return undefined;
  const rec = await r.read(g.mftOffset + MFT_RECORD_VOLUME * g.mftRecordSize, g.mftRecordSize);
  if (!rec || latin1(rec.subarray(0, 4)) !== 'FILE') return undefined;

  const serial = new BinaryView(bs, 'NTFS boot sector').u64le(0x48);
  const out: ContentProbe = { fs: 'ntfs', uuid: serial.toString(16).toUpperCase().padStart(16, '0') };
  if (!applyFixups(rec, g.sectorSize)) return out;
  const v = new BinaryView(rec, 'NTFS $Volume record', g.mftOffset + MFT_RECORD_VOLUME * g.mftRecordSize, VolumeError, 'CORRUPT_VOLUME');
  const allocated = v.u32le(0x1c);
  // Walk the attribute list; every step advances by a non-zero length within the record.
  for (let off = v.u16le(0x14); off + 24 <= rec.length && off <= allocated; ) {
    const type = v.u32le(off);
    const len = v.u32le(off + 4);
    if (len === 0 || type === ATTR_END) break;
    if (type === ATTR_VOLUME_NAME) {
      const valLen = v.u32le(off + 16);
      const valOff = v.u16le(off + 20);
      if (valOff <= rec.length - off && valLen <= rec.length - off - valOff) {
        const label = utf16Label(v.slice(off + valOff, valLen));
        if (label !== undefined) out.label = label;
      }
      break;
    }
    off += len;
  }
  return out;
}
