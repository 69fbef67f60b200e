/**
 * FAT12/16/32 ("vfat"). The boot sector carries no reliable magic, so the BIOS parameter
 * block is validated the way blkid does it. The label is the volume-label entry of the root
 * directory, falling back to the boot-sector label; the UUID is the volume serial.
 */
import { VolumeError } from '../../errors.js';
import { BinaryView, latin1 } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { byteLabel, hexUpper } from './text.js';
import { isBitLockerSector } from './bitlocker.js';

const FAT12_MAX = 0xff4;
const FAT16_MAX = 0xfff4;
const FAT32_MAX = 0x0ffffff6;
const ATTR_VOLUME_ID = 0x08;
const ATTR_DIR = 0x10;
const ATTR_LONG_NAME = 0x0f;
const NO_NAME = 'NO NAME    ';
/** Most root-directory clusters followed on FAT32 when looking for the label. */
const MAX_ROOT_CLUSTERS = 100;

const isPow2 = (n: number): boolean => n > 0 && (n & (n - 1)) === 0;

export interface FatGeometry {
  sectorSize: number;
  reserved: number;
  fatSize: number;
  clusterCount: number;
  isFat32: boolean;
}

/** Validates a FAT boot sector; undefined when it is not one. Also used to reject MBR false positives. */
export function fatGeometry(bs: Uint8Array): FatGeometry | undefined {
  if (bs.length < 512) return undefined;
  const v = new BinaryView(bs, 'FAT boot sector', 0, VolumeError, 'CORRUPT_VOLUME');
  const at = (o: number, n: number): string => latin1(bs.subarray(o, o + n));
  const strong =
    at(0x52, 5) === 'MSWIN' ||
    at(0x52, 8) === 'FAT32   ' ||
    at(0x36, 5) === 'MSDOS' ||
    ['FAT16   ', 'FAT12   ', 'FAT     '].includes(at(0x36, 8));
  if (!strong) {
    const weak = bs[0] === 0xeb || bs[0] === 0xe9 || (bs[510] === 0x55 && bs[511] === 0xaa);
    if (!weak || bs[510] !== 0x55 || bs[511] !== 0xaa) return undefined;
    if (at(0x36, 8) === 'JFS     ' || at(0x36, 8) === 'HPFS    ') return undefined;
  }
  const fats = v.u8(16);
  const reserved = v.u16le(14);
  const media = v.u8(21);
  const clusterSize = v.u8(13);
  const sectorSize = v.u16le(11);
  if (fats === 0 || reserved === 0) return undefined;
  if (!(media >= 0xf8 || media === 0xf0)) return undefined;
  if (!isPow2(clusterSize)) return undefined;
  if (!isPow2(sectorSize) || sectorSize < 512 || sectorSize > 4096) return undefined;
  const dirEntries = v.u16le(17);
  let sectors = v.u16le(19);
  if (sectors === 0) sectors = v.u32le(32);
  const fat16Length = v.u16le(22);
  const fat32Length = v.u32le(36);
  const fatLength = fat16Length !== 0 ? fat16Length : fat32Length;
  const fatSize = fatLength * fats;
  const dirSectors = Math.ceil((dirEntries * 32) / sectorSize);
  const dataSectors = sectors - (reserved + fatSize + dirSectors);
  if (dataSectors < 0) return undefined;
  const clusterCount = Math.floor(dataSectors / clusterSize);
  const isFat32 = fat16Length === 0 && fat32Length !== 0;
  const max = isFat32 ? FAT32_MAX : clusterCount > FAT12_MAX ? FAT16_MAX : FAT12_MAX;
  if (clusterCount > max) return undefined;
  if (isBitLockerSector(bs)) return undefined;
  return { sectorSize, reserved, fatSize, clusterCount, isFat32 };
}

/** Directory bytes read per request while looking for the label. */
const DIR_CHUNK = 64 * 1024;

/** Scans directory entries for the volume-label entry (blkid's rules: stop at the end marker). */
async function searchLabel(r: ProbeReader, offset: number, entries: number): Promise<Uint8Array | 'end' | undefined> {
  for (let first = 0; first < entries; first += DIR_CHUNK / 32) {
    const count = Math.min(DIR_CHUNK / 32, entries - first);
    const chunk = await r.read(offset + first * 32, count * 32);
    if (!chunk) return 'end';
    for (let i = 0; i < count; i++) {
      const e = chunk.subarray(i * 32, i * 32 + 32);
      if (e[0] === 0) return 'end';
      if (e[0] === 0xe5) continue;
      const clusterHigh = e[20]! | (e[21]! << 8);
      const clusterLow = e[26]! | (e[27]! << 8);
      const attr = e[11]!;
      if (clusterHigh !== 0 || clusterLow !== 0 || (attr & 0x3f) === ATTR_LONG_NAME) continue;
      if ((attr & (ATTR_VOLUME_ID | ATTR_DIR)) === ATTR_VOLUME_ID) {
        const name = e.slice(0, 11);
        if (name[0] === 0x05) name[0] = 0xe5;
        return name;
      }
    }
  }
  return undefined;
}

export async function probeFat(r: ProbeReader): Promise<ContentProbe | undefined> {
  const bs = await r.read(0, 512);
  if (!bs) return undefined;
  const g = fatGeometry(bs);
  if (!g) return undefined;
  const v = new BinaryView(bs, 'FAT boot sector', 0, VolumeError, 'CORRUPT_VOLUME');
  let volLabel: Uint8Array | undefined;
  let bootLabel: Uint8Array | undefined;
  let serial: Uint8Array | undefined;
  let version: string | undefined;
  const details: Record<string, string> = {};

  if (!g.isFat32) {
    const rootStart = (g.reserved + g.fatSize) * g.sectorSize;
    const found = await searchLabel(r, rootStart, v.u16le(17));
    if (found instanceof Uint8Array) volLabel = found;
    const sign = v.u8(38);
    if (sign === 0x29) bootLabel = v.slice(43, 11);
    if (sign === 0x28 || sign === 0x29) serial = v.slice(39, 4);
    details['sec_type'] = 'msdos';
    if (g.clusterCount < FAT12_MAX) version = 'FAT12';
    else if (g.clusterCount < FAT16_MAX) version = 'FAT16';
  } else {
    const clusterSectors = v.u8(13);
    const clusterBytes = clusterSectors * g.sectorSize;
    const fatEntries = Math.floor((v.u32le(36) * g.sectorSize) / 4);
    let next = v.u32le(44);
    for (let loops = 1; next >= 2 && next < fatEntries && loops < MAX_ROOT_CLUSTERS; loops++) {
      const off = (g.reserved + g.fatSize + (next - 2) * clusterSectors) * g.sectorSize;
      const found = await searchLabel(r, off, clusterBytes / 32);
      if (found instanceof Uint8Array) {
        volLabel = found;
        break;
      }
      const fatEntry = await r.read(g.reserved * g.sectorSize + next * 4, 4);
      if (!fatEntry) break;
      next = new BinaryView(fatEntry, 'FAT32 FAT entry').u32le(0) & 0x0fffffff;
    }
    version = 'FAT32';
    if (v.u8(66) === 0x29) bootLabel = v.slice(71, 11);
    serial = v.slice(67, 4);
    // FAT32 has an FSInfo sector whose signatures must be intact (or all zero).
    const fsinfoSector = v.u16le(48);
    if (fsinfoSector !== 0) {
      const fsinfo = await r.read(fsinfoSector * g.sectorSize, 512);
      if (!fsinfo) return undefined;
      const s1 = latin1(fsinfo.subarray(0, 4));
      const s2 = latin1(fsinfo.subarray(484, 488));
      if (!['RRaA', 'RRdA', '\0\0\0\0'].includes(s1)) return undefined;
      if (!['rrAa', '\0\0\0\0'].includes(s2)) return undefined;
    }
  }

  const out: ContentProbe = { fs: 'vfat', details };
  if (version) details['version'] = version;
  const boot = bootLabel && latin1(bootLabel) !== NO_NAME ? byteLabel(bootLabel) : undefined;
  if (boot !== undefined) details['label_fatboot'] = boot;
  const label = volLabel ? byteLabel(volLabel) : boot;
  if (label !== undefined) out.label = label;
  if (serial) out.uuid = `${hexUpper([serial[3]!, serial[2]!])}-${hexUpper([serial[1]!, serial[0]!])}`;
  return out;
}
