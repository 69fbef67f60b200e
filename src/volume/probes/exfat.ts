/**
 * exFAT: "EXFAT   " boot sector validated with the boot-region checksum; the label is the
 * volume-label entry (0x83) of the root directory, the UUID the volume serial (XXXX-XXXX).
 */
import { VolumeError } from '../../errors.js';
import { BinaryView, isAllZero, latin1 } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { hexUpper, utf16Label } from './text.js';

const ENTRY_EOD = 0x00;
const ENTRY_LABEL = 0x83;
/** Root-directory entries scanned for the label before giving up. */
const MAX_ENTRIES = 65536;

function bootChecksum(region: Uint8Array, sectorSize: number): number {
  let sum = 0;
  for (let i = 0; i < sectorSize * 11; i++) {
    if (i === 106 || i === 107 || i === 112) continue; // VolumeFlags and PercentInUse change at runtime
    sum = (((sum & 1) ? 0x80000000 : 0) + (sum >>> 1) + region[i]!) >>> 0;
  }
  return sum;
}

/** True when sector 0 is a valid exFAT boot sector (used to reject MBR false positives too). */
export async function isExfat(r: ProbeReader): Promise<boolean> {
  return (await exfatBoot(r)) !== undefined;
}

async function exfatBoot(r: ProbeReader): Promise<BinaryView | undefined> {
  const bs = await r.read(0, 512);
  if (!bs || latin1(bs.subarray(3, 11)) !== 'EXFAT   ') return undefined;
  const v = new BinaryView(bs, 'exFAT boot sector', 0, VolumeError, 'CORRUPT_VOLUME');
  if (v.u16le(510) !== 0xaa55 || bs[0] !== 0xeb || bs[1] !== 0x76 || bs[2] !== 0x90) return undefined;
  if (!isAllZero(bs.subarray(11, 64))) return undefined;
  const fats = v.u8(110);
  const bps = v.u8(108);
  const spc = v.u8(109);
  if (fats < 1 || fats > 2 || bps < 9 || bps > 12 || spc > 25 - bps) return undefined;
  const fatOffset = v.u32le(80);
  const fatLength = v.u32le(84);
  const heapOffset = v.u32le(88);
  const clusterCount = v.u32le(92);
  const rootCluster = v.u32le(96);
  if (fatOffset < 24 || fatOffset > heapOffset - fatLength * fats) return undefined;
  if (heapOffset < fatOffset + fatLength * fats || heapOffset > 2 ** 31) return undefined;
  if (rootCluster < 2 || rootCluster > clusterCount + 1) return undefined;
  const sectorSize = 2 ** bps;
  const region = await r.read(0, sectorSize * 12);
  if (!region) return undefined;
  const sum = bootChecksum(region, sectorSize);
  const rv = new BinaryView(region, 'exFAT boot checksum sector', 0, VolumeError, 'CORRUPT_VOLUME');
  for (let i = 0; i < sectorSize / 4; i++) if (rv.u32le(sectorSize * 11 + i * 4) !== sum) return undefined;
  return v;
}

export async function probeExfat(r: ProbeReader): Promise<ContentProbe | undefined> {
  const v = await exfatBoot(r);
  if (!v) return undefined;
  const bps = v.u8(108);
  const spc = v.u8(109);
  const clusterSize = 2 ** (bps + spc);
  const heapOffset = v.u32le(88);
  const fatOffset = v.u32le(80);
  const clusterOffset = (c: number): number => (heapOffset + (c - 2) * 2 ** spc) * 2 ** bps;

  const serial = v.slice(100, 4);
  const out: ContentProbe = {
    fs: 'exfat',
    uuid: `${hexUpper([serial[3]!, serial[2]!])}-${hexUpper([serial[1]!, serial[0]!])}`,
    details: { version: `${v.u8(105)}.${v.u8(104)}` },
  };

  let cluster = v.u32le(96);
  let offset = clusterOffset(cluster);
  for (let i = 0; i < MAX_ENTRIES; i++) {
    const e = await r.read(offset, 32);
    if (!e || e[0] === ENTRY_EOD) break;
    if (e[0] === ENTRY_LABEL) {
      const label = utf16Label(e.subarray(2, 2 + Math.min(e[1]! * 2, 22)));
      if (label !== undefined) out.label = label;
      break;
    }
    offset += 32;
    if ((i + 1) % (clusterSize / 32) === 0) {
      const next = await r.read(fatOffset * 2 ** bps + cluster * 4, 4);
      if (!next) break;
      cluster = new BinaryView(next, 'exFAT FAT entry').u32le(0);
      if (cluster < 2 || cluster > 0x0ffffff6) break;
      offset = clusterOffset(cluster);
    }
  }
  return out;
}
