/**
 * MBR (DOS) partition tables: four primary entries in sector 0, logical partitions in a chain
 * of extended boot records (EBRs). Numbering follows Linux: primaries keep their slot (1–4,
 * empty slots leave gaps), logical partitions are numbered from 5 in chain order.
 */
import { VolumeError } from '../errors.js';
import type { BlockDevice } from '../disk/block-device.js';
import { BinaryView } from '../util/binary.js';
import { isExtendedType } from './mbr-types.js';

export { mbrTypeName, isExtendedType } from './mbr-types.js';

export interface MbrPartition {
  /** Linux partition number: 1–4 primary, 5+ logical. */
  number: number;
  kind: 'primary' | 'logical';
  /** Type byte. */
  type: number;
  bootable: boolean;
  /** Absolute first sector and sector count (in `sectorSize` units). */
  startLba: number;
  sectors: number;
}

export interface MbrTable {
  /** The 32-bit disk signature at offset 440. */
  diskSignature: number;
  /** As sfdisk prints it: "0x" and 8 lowercase hex digits. */
  diskId: string;
  /** Data partitions in number order; extended containers are not listed. */
  partitions: MbrPartition[];
  /** True when any primary entry is the 0xEE GPT protective type. */
  protective: boolean;
  warnings: string[];
}

export interface MbrLimits {
  /** Most logical partitions followed in the EBR chain. */
  maxLogical?: number;
}

const ENTRY_OFFSET = 446;
const DEFAULT_MAX_LOGICAL = 256;

interface RawEntry {
  status: number;
  type: number;
  start: number;
  sectors: number;
}

function entries(sector: Uint8Array, where: string, offset: number): RawEntry[] {
  const v = new BinaryView(sector, where, offset, VolumeError, 'CORRUPT_VOLUME');
  const out: RawEntry[] = [];
  for (let i = 0; i < 4; i++) {
    const o = ENTRY_OFFSET + i * 16;
    out.push({ status: v.u8(o), type: v.u8(o + 4), start: v.u32le(o + 8), sectors: v.u32le(o + 12) });
  }
  return out;
}

function hasBootSignature(sector: Uint8Array): boolean {
  return sector.length >= 512 && sector[510] === 0x55 && sector[511] === 0xaa;
}

/**
 * True when sector 0 is shaped like a partition table: 0x55AA signature and every boot
 * indicator 0x00 or 0x80 (blkid's test). Callers must still rule out FAT/NTFS boot sectors,
 * which share the signature.
 */
export function looksLikeMbr(sector0: Uint8Array): boolean {
  if (!hasBootSignature(sector0)) return false;
  return entries(sector0, 'MBR', 0).every((e) => e.status === 0 || e.status === 0x80);
}

/** True when sector 0 holds an MBR with no partitions at all. */
export function isEmptyMbr(sector0: Uint8Array): boolean {
  return entries(sector0, 'MBR', 0).every((e) => e.sectors === 0);
}

/**
 * Parses the MBR of `dev` (sector 0 must already satisfy looksLikeMbr). Partitions that
 * reach past the end of the disk are truncated, and ones starting beyond it dropped, each
 * with a warning, so one bad entry does not hide the rest of the disk.
 */
export async function readMbr(dev: BlockDevice, sectorSize = 512, limits: MbrLimits = {}): Promise<MbrTable> {
  const sector0 = await dev.read(0, 512);
  if (!looksLikeMbr(sector0)) {
    throw new VolumeError('CORRUPT_VOLUME', 'no MBR signature', { structure: 'MBR', offset: 0 });
  }
  const diskSectors = Math.floor(dev.size / sectorSize);
  const warnings: string[] = [];
  const partitions: MbrPartition[] = [];
  const primary = entries(sector0, 'MBR', 0);
  const diskSignature = new BinaryView(sector0, 'MBR').u32le(440);
  let protective = false;

  const add = (p: MbrPartition): void => {
    if (p.startLba >= diskSectors) {
      warnings.push(`partition ${p.number} starts at sector ${p.startLba}, beyond the end of the disk (${diskSectors} sectors); ignored`);
      return;
    }
    if (p.startLba + p.sectors > diskSectors) {
      warnings.push(`partition ${p.number} extends beyond the end of the disk; truncated`);
      p.sectors = diskSectors - p.startLba;
    }
    partitions.push(p);
  };

  primary.forEach((e, i) => {
    if (e.type === 0xee) protective = true;
    if (e.sectors === 0 || isExtendedType(e.type)) return;
    add({ number: i + 1, kind: 'primary', type: e.type, bootable: e.status === 0x80, startLba: e.start, sectors: e.sectors });
  });

  let next = 5;
  for (const ext of primary) {
    if (ext.sectors === 0 || !isExtendedType(ext.type) || ext.start === 0) continue;
    next = await readLogicals(dev, sectorSize, ext.start, ext.sectors, next, limits.maxLogical ?? DEFAULT_MAX_LOGICAL, add, warnings);
  }
  return { diskSignature, diskId: `0x${diskSignature.toString(16).padStart(8, '0')}`, partitions, protective, warnings };
}

/**
 * Follows the EBR chain of one extended partition. Each link must move forward and stay
 * inside the extended area, which rules out cycles; the count limit bounds the rest.
 */
async function readLogicals(
  dev: BlockDevice,
  ss: number,
  extStart: number,
  extSectors: number,
  firstNumber: number,
  maxLogical: number,
  add: (p: MbrPartition) => void,
  warnings: string[],
): Promise<number> {
  const extEnd = extStart + extSectors;
  const seen = new Set<number>();
  let cur = extStart;
  let curSize = extSectors;
  let number = firstNumber;
  let hops = 0;
  for (;;) {
    if (++hops > maxLogical) {
      warnings.push(`EBR chain longer than ${maxLogical} links; stopped`);
      return number;
    }
    const off = cur * ss;
    if (off + 512 > dev.size) {
      warnings.push(`EBR at sector ${cur} lies beyond the end of the disk; chain stopped`);
      return number;
    }
    const ebr = await dev.read(off, 512);
    if (!hasBootSignature(ebr)) {
      if (hops > 1) warnings.push(`EBR at sector ${cur} has no 0x55AA signature; chain stopped`);
      return number;
    }
    const ents = entries(ebr, `EBR at sector ${cur}`, off);
    ents.forEach((e, i) => {
      if (e.sectors === 0 || isExtendedType(e.type)) return;
      const abs = cur + e.start;
      if (abs < extStart || abs + e.sectors > extEnd) return; // outside the extended area: junk
      if (i >= 2 && e.start + e.sectors > curSize) return;
      if (seen.has(abs)) return;
      seen.add(abs);
      add({ number: number++, kind: 'logical', type: e.type, bootable: e.status === 0x80, startLba: abs, sectors: e.sectors });
    });
    const link = ents.find((e) => e.sectors !== 0 && isExtendedType(e.type) && e.start !== 0);
    if (!link) return number;
    const nextStart = extStart + link.start;
    if (nextStart + link.sectors > extEnd || nextStart <= cur) {
      warnings.push(`EBR at sector ${cur} links outside the extended partition or backwards; chain stopped`);
      return number;
    }
    cur = nextStart;
    curSize = link.sectors;
  }
}
