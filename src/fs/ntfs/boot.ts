/**
 * The NTFS boot sector ($Boot, sector 0): geometry of the volume and where the $MFT starts.
 * Every field is validated; anything out of range is CORRUPT (or UNSUPPORTED when it is a
 * layout we deliberately do not read).
 */
import { latin1 } from '../../util/binary.js';
import { FIXUP_STRIDE, MAX_CLUSTER_SIZE, MAX_RECORD_SIZE } from './constants.js';
import { corrupt, unsupported, view } from './errors.js';

export const BOOT_STRUCTURE = 'NTFS boot sector';

export interface NtfsBoot {
  sectorSize: number;
  clusterSize: number;
  /** Clusters in the volume (total sectors / sectors per cluster). */
  totalClusters: number;
  mftLcn: number;
  mftMirrLcn: number;
  mftRecordSize: number;
  indexRecordSize: number;
  serial: bigint;
  /** The serial as blkid prints it: 16 uppercase hex digits. */
  uuid: string;
}

/** Cheap signature test (OEM id) used before a full parse. */
export function looksLikeNtfs(b: Uint8Array): boolean {
  return b.length >= 512 && latin1(b.subarray(3, 11)) === 'NTFS    ';
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/**
 * Decodes "clusters per record" bytes (MFT record at 0x40, index record at 0x44): a positive
 * value counts clusters, a negative one (as a signed byte) means 2^-value bytes.
 */
export function decodeRecordSize(raw: number, clusterSize: number, field: string, offset: number): number {
  const signed = raw > 127 ? raw - 256 : raw;
  let size: number;
  if (signed > 0) size = signed * clusterSize;
  else if (signed < 0 && signed >= -31) size = 2 ** -signed;
  else throw corrupt(`${field} byte 0x${raw.toString(16)} is invalid`, BOOT_STRUCTURE, offset);
  if (!isPow2(size) || size < FIXUP_STRIDE || size > MAX_RECORD_SIZE) {
    throw corrupt(`${field} of ${size} bytes is out of range (${FIXUP_STRIDE}..${MAX_RECORD_SIZE}, power of two)`, BOOT_STRUCTURE, offset);
  }
  return size;
}

/** Sectors per cluster at 0x0D: 1..128, or 2^(256-value) for larger clusters (Windows ≥ 10 encodes 128K+ this way). */
export function decodeSectorsPerCluster(raw: number): number | undefined {
  if (raw >= 1 && raw <= 0x80) return isPow2(raw) ? raw : undefined;
  if (raw >= 0xe0) return 2 ** (256 - raw);
  return undefined;
}

export function parseBootSector(b: Uint8Array, deviceSize: number): NtfsBoot {
  const v = view(b, BOOT_STRUCTURE, 0);
  if (!looksLikeNtfs(b)) throw unsupported('no NTFS signature ("NTFS    " OEM id)', BOOT_STRUCTURE, 3);
  const sectorSize = v.u16le(0x0b);
  if (!isPow2(sectorSize) || sectorSize < 256 || sectorSize > 4096) {
    throw corrupt(`bytes per sector ${sectorSize} is not a power of two in 256..4096`, BOOT_STRUCTURE, 0x0b);
  }
  const spcRaw = v.u8(0x0d);
  const spc = decodeSectorsPerCluster(spcRaw);
  if (spc === undefined) throw corrupt(`sectors per cluster byte 0x${spcRaw.toString(16)} is invalid`, BOOT_STRUCTURE, 0x0d);
  const clusterSize = spc * sectorSize;
  if (clusterSize > MAX_CLUSTER_SIZE) throw corrupt(`cluster size ${clusterSize} exceeds ${MAX_CLUSTER_SIZE}`, BOOT_STRUCTURE, 0x0d);

  const totalSectors = v.u64le(0x28);
  const clusters = totalSectors / BigInt(spc);
  if (clusters === 0n || clusters > BigInt(Number.MAX_SAFE_INTEGER) / BigInt(clusterSize)) {
    throw corrupt(`total sector count ${totalSectors} is out of range`, BOOT_STRUCTURE, 0x28);
  }
  const totalClusters = Number(clusters);
  const mftLcn = v.u64le(0x30);
  if (mftLcn >= clusters) throw corrupt(`$MFT cluster ${mftLcn} lies outside the ${totalClusters}-cluster volume`, BOOT_STRUCTURE, 0x30);
  const mftMirrLcn = v.u64le(0x38);
  if (mftMirrLcn >= clusters) throw corrupt(`$MFTMirr cluster ${mftMirrLcn} lies outside the volume`, BOOT_STRUCTURE, 0x38);

  const mftRecordSize = decodeRecordSize(v.u8(0x40), clusterSize, 'clusters per MFT record', 0x40);
  const indexRecordSize = decodeRecordSize(v.u8(0x44), clusterSize, 'clusters per index record', 0x44);
  if (mftRecordSize < sectorSize) throw corrupt(`MFT record size ${mftRecordSize} is smaller than a sector`, BOOT_STRUCTURE, 0x40);

  const serial = v.u64le(0x48);
  // The volume cannot start beyond the device; a volume larger than the device is only a warning.
  if (deviceSize < Number(mftLcn) * clusterSize + mftRecordSize) {
    throw corrupt(`the $MFT (cluster ${mftLcn}) lies beyond the end of the ${deviceSize}-byte device`, BOOT_STRUCTURE, 0x30);
  }
  return {
    sectorSize,
    clusterSize,
    totalClusters,
    mftLcn: Number(mftLcn),
    mftMirrLcn: Number(mftMirrLcn),
    mftRecordSize,
    indexRecordSize,
    serial,
    uuid: serial.toString(16).toUpperCase().padStart(16, '0'),
  };
}
