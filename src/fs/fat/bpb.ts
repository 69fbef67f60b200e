/**
 * The FAT boot sector (BIOS parameter block): geometry, FAT type and volume identity.
 * Every field is checked the way Linux's fat_fill_super() does before anything is read
 * through it, and every region must lie inside the device.
 */
import { corrupt, view } from './errors.js';
import { decodeCp437 } from './names.js';

export type FatBits = 12 | 16 | 32;

export interface FatGeometry {
  bits: FatBits;
  bytesPerSector: number;
  sectorsPerCluster: number;
  clusterSize: number;
  numFats: number;
  /** Bytes of one FAT copy. */
  fatBytes: number;
  /** Byte offset of the FAT copy in use (FAT32 may disable mirroring and pick another). */
  fatOffset: number;
  /** FAT12/16: fixed root directory region; FAT32: 0. */
  rootDirOffset: number;
  rootDirBytes: number;
  /** FAT32: first cluster of the root directory; FAT12/16: 0. */
  rootCluster: number;
  /** Byte offset of cluster 2. */
  dataOffset: number;
  /** Number of data clusters; valid cluster numbers are 2..clusterCount+1. */
  clusterCount: number;
  totalBytes: number;
  /** Volume serial when the extended BPB carries one. */
  serial: number | undefined;
  /** Boot sector label, trimmed; undefined for "NO NAME" or no extended BPB. */
  bootLabel: string | undefined;
  /** FAT32 FSInfo sector byte offset, if the BPB names a usable one. */
  fsInfoOffset: number | undefined;
  warnings: string[];
}

const FAT12_MAX_CLUSTERS = 4084;
const FAT16_MAX_CLUSTERS = 65524;
/** FAT32 cluster numbers have 28 bits; 0x0FFFFFF7 and up are reserved values. */
const FAT32_MAX_CLUSTERS = 0x0ffffff6 - 1;

const S = 'FAT boot sector';

/** Quick structural test used by probing: could these 512 bytes be a FAT boot sector? */
export function looksLikeFat(bs: Uint8Array): boolean {
  if (bs.length < 512) return false;
  const oem = String.fromCharCode(...bs.subarray(3, 11));
  if (oem === 'EXFAT   ' || oem === 'NTFS    ') return false;
  // A jump instruction or the 0x55AA signature: DOS 2+ floppies may lack one of them, not both.
  const jump = bs[0] === 0xeb || bs[0] === 0xe9;
  const sig = bs[510] === 0x55 && bs[511] === 0xaa;
  if (!jump && !sig) return false;
  try {
    parseBootSector(bs, Number.MAX_SAFE_INTEGER);
    return true;
  } catch {
    return false;
  }
}

export function parseBootSector(bs: Uint8Array, deviceSize: number): FatGeometry {
  const v = view(bs, S, 0);
  const warnings: string[] = [];
  const bytesPerSector = v.u16le(11);
  if (![512, 1024, 2048, 4096].includes(bytesPerSector)) throw corrupt(`bytes per sector ${bytesPerSector} is not 512-4096`, S, 11);
  const sectorsPerCluster = v.u8(13);
  if (sectorsPerCluster === 0 || (sectorsPerCluster & (sectorsPerCluster - 1)) !== 0) {
    throw corrupt(`sectors per cluster ${sectorsPerCluster} is not a power of two`, S, 13);
  }
  const reserved = v.u16le(14);
  if (reserved === 0) throw corrupt('no reserved sectors', S, 14);
  const numFats = v.u8(16);
  if (numFats === 0) throw corrupt('FAT count is 0', S, 16);
  const rootEntries = v.u16le(17);
  const media = v.u8(21);
  if (media !== 0xf0 && media < 0xf8) throw corrupt(`invalid media byte 0x${media.toString(16)}`, S, 21);
  const totalSectors = v.u16le(19) || v.u32le(32);
  if (totalSectors === 0) throw corrupt('total sector count is 0', S, 19);
  const fat16Size = v.u16le(22);
  // Like Linux: a zero 16-bit FAT size means the FAT32 layout (root in a cluster chain).
  const isFat32Layout = fat16Size === 0;
  const fatSectors = isFat32Layout ? v.u32le(36) : fat16Size;
  if (fatSectors === 0) throw corrupt('FAT size is 0', S, isFat32Layout ? 36 : 22);

  const entriesPerSector = bytesPerSector / 32;
  if (isFat32Layout && rootEntries !== 0) throw corrupt(`FAT32 volume has ${rootEntries} fixed root entries`, S, 17);
  if (!isFat32Layout && (rootEntries === 0 || rootEntries % entriesPerSector !== 0)) {
    throw corrupt(`bogus number of root directory entries ${rootEntries}`, S, 17);
  }
  const rootDirSectors = rootEntries / entriesPerSector;
  const metaSectors = reserved + numFats * fatSectors + rootDirSectors;
  if (metaSectors >= totalSectors) {
    // Blame the FAT size when the FATs alone cannot fit, otherwise the volume size.
    const fatsOverflow = reserved + numFats * fatSectors >= totalSectors;
    const at = fatsOverflow ? (isFat32Layout ? 36 : 22) : v.u16le(19) ? 19 : 32;
    throw corrupt(`metadata (${metaSectors} sectors) fills the ${totalSectors}-sector volume`, S, at);
  }
  const totalBytes = totalSectors * bytesPerSector;
  const metaBytes = metaSectors * bytesPerSector;
  if (metaBytes > deviceSize) throw corrupt(`FAT and root directory end at ${metaBytes}, beyond the ${deviceSize}-byte device`, S, isFat32Layout ? 36 : 22);
  if (totalBytes > deviceSize) warnings.push(`volume claims ${totalBytes} bytes but the device has ${deviceSize}`);

  let clusterCount = Math.floor((totalSectors - metaSectors) / sectorsPerCluster);
  let bits: FatBits;
  if (isFat32Layout) {
    bits = 32;
    if (clusterCount <= FAT16_MAX_CLUSTERS) warnings.push(`FAT32 layout with only ${clusterCount} clusters (read as FAT32, as Linux does)`);
    if (clusterCount > FAT32_MAX_CLUSTERS) throw corrupt(`${clusterCount} clusters exceed FAT32's limit`, S, 32);
  } else {
    bits = clusterCount <= FAT12_MAX_CLUSTERS ? 12 : 16;
    if (clusterCount > FAT16_MAX_CLUSTERS) throw corrupt(`${clusterCount} clusters are too many for a FAT12/16 layout`, S, 22);
  }
  if (clusterCount === 0) throw corrupt('no data clusters', S, 19);
  const fatBytes = fatSectors * bytesPerSector;
  // The FAT must have entries for every cluster; Linux trims the count to what it holds.
  const fatCapacity = Math.floor((fatBytes * 8) / bits) - 2;
  if (fatCapacity < 1) throw corrupt('FAT is too small to describe any cluster', S, 22);
  if (clusterCount > fatCapacity) {
    warnings.push(`FAT holds ${fatCapacity} entries for ${clusterCount} clusters; using ${fatCapacity}`);
    clusterCount = fatCapacity;
  }

  let activeFat = 0;
  let rootCluster = 0;
  let fsInfoOffset: number | undefined;
  let extOff = 36;
  if (bits === 32) {
    const extFlags = v.u16le(40);
    if (extFlags & 0x80) {
      activeFat = extFlags & 0xf;
      if (activeFat >= numFats) throw corrupt(`active FAT ${activeFat} of ${numFats}`, S, 40);
    }
    if (v.u16le(42) !== 0) warnings.push(`unknown FAT32 version ${v.u16le(42)}`);
    rootCluster = v.u32le(44);
    if (rootCluster < 2 || rootCluster > clusterCount + 1) throw corrupt(`root cluster ${rootCluster} is outside 2..${clusterCount + 1}`, S, 44);
    const fsInfo = v.u16le(48);
    if (fsInfo >= 1 && fsInfo < reserved) fsInfoOffset = fsInfo * bytesPerSector;
    extOff = 64;
  }
  const bootSig = v.u8(extOff + 2);
  const serial = bootSig === 0x29 || bootSig === 0x28 ? v.u32le(extOff + 3) : undefined;
  let bootLabel: string | undefined;
  if (bootSig === 0x29) {
    const label = decodeCp437(v.slice(extOff + 7, 11)).replace(/[ \0]+$/, '');
    if (label !== 'NO NAME' && label.length > 0) bootLabel = label;
  }

  const clusterSize = sectorsPerCluster * bytesPerSector;
  return {
    bits,
    bytesPerSector,
    sectorsPerCluster,
    clusterSize,
    numFats,
    fatBytes,
    fatOffset: (reserved + activeFat * fatSectors) * bytesPerSector,
    rootDirOffset: bits === 32 ? 0 : (reserved + numFats * fatSectors) * bytesPerSector,
    rootDirBytes: rootEntries * 32,
    rootCluster,
    dataOffset: metaBytes,
    clusterCount,
    totalBytes,
    serial,
    bootLabel,
    fsInfoOffset,
    warnings,
  };
}

export interface FsInfo {
  freeClusters: number | undefined;
  nextFree: number | undefined;
}

/** The FAT32 FSInfo sector: hints only (free count, next free), never trusted for layout. */
export function parseFsInfo(sector: Uint8Array, offset: number, clusterCount: number): FsInfo | undefined {
  const v = view(sector, 'FAT32 FSInfo sector', offset);
  if (v.u32le(0) !== 0x41615252 || v.u32le(484) !== 0x61417272) return undefined;
  const free = v.u32le(488);
  const next = v.u32le(492);
  return {
    freeClusters: free <= clusterCount ? free : undefined,
    nextFree: next >= 2 && next <= clusterCount + 1 ? next : undefined,
  };
}

/** blkid's VFAT UUID format: the serial as "XXXX-XXXX". */
export function formatSerial(serial: number): string {
  const h = serial.toString(16).toUpperCase().padStart(8, '0');
  return `${h.slice(0, 4)}-${h.slice(4)}`;
}
