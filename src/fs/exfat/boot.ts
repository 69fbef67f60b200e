/**
 * The exFAT boot region: main boot sector fields (checked against each other and the device),
 * and the boot checksum over sectors 0-10 that sector 11 repeats. A damaged main region falls
 * back to the backup region at sector 12.
 */
import { corrupt, view } from '../fat/errors.js';

export interface ExfatGeometry {
  bytesPerSector: number;
  clusterSize: number;
  /** Byte offset and length of the FAT in use. */
  fatOffset: number;
  fatBytes: number;
  /** Byte offset of cluster 2. */
  heapOffset: number;
  clusterCount: number;
  rootCluster: number;
  serial: number;
  volumeBytes: number;
  /** 1.0 is 0x0100. */
  revision: number;
  volumeFlags: number;
  /** True when the backup boot region had to be used. */
  fromBackup: boolean;
  warnings: string[];
}

const S = 'exFAT boot sector';
const BOOT_REGION_SECTORS = 12;
/** Bits of VolumeFlags. */
export const VOLUME_DIRTY = 0x2;
const ACTIVE_FAT = 0x1;

export function isExfatBootSector(bs: Uint8Array): boolean {
  return bs.length >= 512 && String.fromCharCode(...bs.subarray(3, 11)) === 'EXFAT   ';
}

/** The boot checksum over sectors 0-10, skipping VolumeFlags and PercentInUse, which change at run time. */
export function bootChecksum(region: Uint8Array, bytesPerSector: number): number {
  let sum = 0;
  const n = bytesPerSector * 11;
  for (let i = 0; i < n; i++) {
    if (i === 106 || i === 107 || i === 112) continue;
    sum = ((sum & 1 ? 0x80000000 : 0) + (sum >>> 1) + region[i]!) >>> 0;
  }
  return sum;
}

/** Field checks of one boot sector; `deviceSize` bounds every region it describes. */
export function parseExfatBootSector(bs: Uint8Array, deviceSize: number, base = 0): Omit<ExfatGeometry, 'fromBackup'> {
  const v = view(bs, S, base);
  if (!isExfatBootSector(bs)) throw corrupt('missing "EXFAT" signature', S, base + 3);
  for (let i = 11; i < 64; i++) if (bs[i] !== 0) throw corrupt('MustBeZero area is not zero (not exFAT)', S, base + i);
  if (v.u16le(510) !== 0xaa55) throw corrupt('boot signature is not 0xAA55', S, base + 510);
  const bpsShift = v.u8(108);
  if (bpsShift < 9 || bpsShift > 12) throw corrupt(`bytes-per-sector shift ${bpsShift} is outside 9..12`, S, base + 108);
  const spcShift = v.u8(109);
  if (spcShift > 25 - bpsShift) throw corrupt(`sectors-per-cluster shift ${spcShift} makes clusters over 32 MiB`, S, base + 109);
  const numFats = v.u8(110);
  if (numFats !== 1 && numFats !== 2) throw corrupt(`FAT count ${numFats} is not 1 or 2`, S, base + 110);
  const bytesPerSector = 2 ** bpsShift;
  const clusterSize = bytesPerSector * 2 ** spcShift;
  const volumeSectors = v.safe64le(72, 'VolumeLength');
  const fatOffsetSec = v.u32le(80);
  const fatLengthSec = v.u32le(84);
  const heapOffsetSec = v.u32le(88);
  const clusterCount = v.u32le(92);
  const rootCluster = v.u32le(96);
  const serial = v.u32le(100);
  const revision = v.u16le(104);
  const volumeFlags = v.u16le(106);
  if (fatOffsetSec < 24) throw corrupt(`FAT offset ${fatOffsetSec} overlaps the boot regions`, S, base + 80);
  if (clusterCount === 0 || clusterCount > 0xfffffff5) throw corrupt(`cluster count ${clusterCount} is invalid`, S, base + 92);
  if (fatLengthSec * bytesPerSector < (clusterCount + 2) * 4) throw corrupt(`FAT of ${fatLengthSec} sectors cannot map ${clusterCount} clusters`, S, base + 84);
  if (heapOffsetSec < fatOffsetSec + fatLengthSec * numFats) throw corrupt(`cluster heap at sector ${heapOffsetSec} overlaps the FAT`, S, base + 88);
  const heapEndSec = heapOffsetSec + clusterCount * 2 ** spcShift;
  if (heapEndSec > volumeSectors) throw corrupt(`cluster heap ends at sector ${heapEndSec}, beyond the ${volumeSectors}-sector volume`, S, base + 92);
  if (rootCluster < 2 || rootCluster > clusterCount + 1) throw corrupt(`root directory cluster ${rootCluster} is outside 2..${clusterCount + 1}`, S, base + 96);
  if (revision >> 8 !== 1) throw corrupt(`unsupported exFAT revision ${revision >> 8}.${revision & 0xff}`, S, base + 104);
  const warnings: string[] = [];
  const activeFat = numFats === 2 && volumeFlags & ACTIVE_FAT ? 1 : 0;
  const fatOffset = (fatOffsetSec + activeFat * fatLengthSec) * bytesPerSector;
  const fatBytes = fatLengthSec * bytesPerSector;
  if (fatOffset + fatBytes > deviceSize) throw corrupt(`FAT ends at ${fatOffset + fatBytes}, beyond the ${deviceSize}-byte device`, S, base + 80);
  const volumeBytes = volumeSectors * bytesPerSector;
  if (volumeBytes > deviceSize) warnings.push(`volume claims ${volumeBytes} bytes but the device has ${deviceSize}`);
  if (volumeFlags & VOLUME_DIRTY) warnings.push('volume is marked dirty (not cleanly unmounted)');
  return {
    bytesPerSector,
    clusterSize,
    fatOffset,
    fatBytes,
    heapOffset: heapOffsetSec * bytesPerSector,
    clusterCount,
    rootCluster,
    serial,
    volumeBytes,
    revision,
    volumeFlags,
    warnings,
  };
}

/** Verifies one 12-sector boot region: extended boot signatures are not checked (Linux does not either), the checksum is. */
export function checkBootRegion(region: Uint8Array, bytesPerSector: number, base: number): void {
  const want = bootChecksum(region, bytesPerSector);
  const v = view(region, 'exFAT boot checksum sector', base);
  for (let i = 0; i < bytesPerSector; i += 4) {
    const got = v.u32le(11 * bytesPerSector + i);
    if (got !== want) {
      throw corrupt(`boot checksum mismatch (stored 0x${got.toString(16)}, computed 0x${want.toString(16)})`, 'exFAT boot checksum sector', base + 11 * bytesPerSector + i);
    }
  }
}

export const BOOT_REGION = BOOT_REGION_SECTORS;
