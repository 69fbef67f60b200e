/**
 * GUID Partition Tables. The primary header sits at LBA 1 with its entry array after it; a
 * backup header sits at the last LBA. Both carry CRC32s of themselves and of the entry array,
 * so a damaged primary is detected and the backup used instead (with a warning).
 */
import { VolumeError } from '../errors.js';
import type { BlockDevice } from '../disk/block-device.js';
import { BinaryView, guidToString, isAllZero, latin1 } from '../util/binary.js';
import { crc32 } from './crc32.js';

export { gptTypeName } from './gpt-types.js';

export interface GptPartition {
  /** Linux partition number: entry index + 1 (empty slots leave gaps). */
  number: number;
  typeGuid: string;
  uniqueGuid: string;
  firstLba: number;
  lastLba: number;
  attributes: bigint;
  name: string;
}

export interface GptTable {
  sectorSize: number;
  diskGuid: string;
  firstUsableLba: number;
  lastUsableLba: number;
  partitions: GptPartition[];
  /** True when the primary header or entry array was unusable and the backup was read. */
  usedBackup: boolean;
  warnings: string[];
}

const SIGNATURE = 'EFI PART';
/** An entry array larger than this is not a real GPT (the usual one is 16 KiB). */
const MAX_ENTRY_ARRAY = 1 << 20;

interface Header {
  lba: number;
  alternateLba: number;
  firstUsable: number;
  lastUsable: number;
  diskGuid: string;
  entriesLba: number;
  numEntries: number;
  entrySize: number;
  entriesCrc: number;
}

/** Why a header candidate was rejected, for warnings. */
class Rejected extends Error {}

function parseHeader(sector: Uint8Array, lba: number, ss: number, diskSectors: number): Header {
  const where = `GPT header at LBA ${lba}`;
  const v = new BinaryView(sector, where, lba * ss, VolumeError, 'CORRUPT_VOLUME');
  if (v.ascii(0, 8) !== SIGNATURE) throw new Rejected('no "EFI PART" signature');
  const headerSize = v.u32le(12);
  if (headerSize < 92 || headerSize > ss) throw new Rejected(`header size ${headerSize} is invalid`);
  const stored = v.u32le(16);
  const copy = sector.slice(0, headerSize);
  copy.fill(0, 16, 20);
  if (crc32(copy) !== stored) throw new Rejected('header CRC32 mismatch');
  const myLba = v.safe64le(24, 'my LBA');
  if (myLba !== lba) throw new Rejected(`header says it is at LBA ${myLba}`);
  const h: Header = {
    lba,
    alternateLba: v.safe64le(32, 'alternate LBA'),
    firstUsable: v.safe64le(40, 'first usable LBA'),
    lastUsable: v.safe64le(48, 'last usable LBA'),
    diskGuid: guidToString(v.slice(56, 16)),
    entriesLba: v.safe64le(72, 'partition entry LBA'),
    numEntries: v.u32le(80),
    entrySize: v.u32le(84),
    entriesCrc: v.u32le(88),
  };
  if (h.firstUsable > h.lastUsable || h.lastUsable >= diskSectors) {
    throw new Rejected(`usable range ${h.firstUsable}-${h.lastUsable} does not fit the disk (${diskSectors} sectors)`);
  }
  if (h.entrySize < 128 || h.entrySize > 4096 || (h.entrySize & (h.entrySize - 1)) !== 0) {
    throw new Rejected(`partition entry size ${h.entrySize} is invalid`);
  }
  const bytes = h.numEntries * h.entrySize;
  if (h.numEntries === 0 || bytes > MAX_ENTRY_ARRAY) throw new Rejected(`${h.numEntries} partition entries is not plausible`);
  if (h.entriesLba < 2 || (h.entriesLba + Math.ceil(bytes / ss)) > diskSectors) {
    throw new Rejected(`partition entry array at LBA ${h.entriesLba} lies outside the disk`);
  }
  return h;
}

async function readHeader(dev: BlockDevice, lba: number, ss: number): Promise<Header> {
  const diskSectors = Math.floor(dev.size / ss);
  if (lba < 1 || lba >= diskSectors) throw new Rejected(`LBA ${lba} is outside the disk`);
  return parseHeader(await dev.read(lba * ss, ss), lba, ss, diskSectors);
}

async function readEntries(dev: BlockDevice, h: Header, ss: number): Promise<Uint8Array> {
  const bytes = h.numEntries * h.entrySize;
  const arr = await dev.read(h.entriesLba * ss, bytes);
  if (crc32(arr) !== h.entriesCrc) throw new Rejected('partition entry array CRC32 mismatch');
  return arr;
}

async function hasSignature(dev: BlockDevice, offset: number): Promise<boolean> {
  if (offset < 0 || offset + 8 > dev.size) return false;
  return latin1(await dev.read(offset, 8)) === SIGNATURE;
}

/**
 * Finds the logical sector size: the one with a GPT signature at LBA 1, else the one with
 * a signature at the last LBA (primary wiped, backup intact).
 */
async function detectSectorSize(dev: BlockDevice): Promise<number | undefined> {
  for (const ss of [512, 4096]) if (await hasSignature(dev, ss)) return ss;
  for (const ss of [512, 4096]) {
    const last = Math.floor(dev.size / ss) - 1;
    if (last >= 2 && (await hasSignature(dev, last * ss))) return ss;
  }
  return undefined;
}

/**
 * Reads the GPT of `dev`. Returns undefined when there is no GPT signature anywhere; throws
 * a VolumeError when there is one but neither header (with its entry array) is valid.
 */
export async function readGpt(dev: BlockDevice): Promise<GptTable | undefined> {
  const ss = await detectSectorSize(dev);
  if (ss === undefined) return undefined;
  const diskSectors = Math.floor(dev.size / ss);
  const warnings: string[] = [];

  let header: Header | undefined;
  let entries: Uint8Array | undefined;
  let usedBackup = false;
  let primaryProblem: string | undefined;
  let primary: Header | undefined;
  try {
    primary = await readHeader(dev, 1, ss);
    entries = await readEntries(dev, primary, ss);
    header = primary;
  } catch (e) {
    if (!(e instanceof Rejected)) throw e;
    primaryProblem = e.message;
  }

  // The backup normally lives at the alternate LBA the primary names; when the primary
  // header itself is unreadable, at the last LBA of the disk.
  const backupLba = primary && primary.alternateLba < diskSectors ? primary.alternateLba : diskSectors - 1;
  if (!header) {
    try {
      const backup = await readHeader(dev, backupLba, ss);
      entries = await readEntries(dev, backup, ss);
      header = backup;
      usedBackup = true;
      warnings.push(`primary GPT is corrupt (${primaryProblem}); using the backup GPT header at LBA ${backupLba}`);
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      throw new VolumeError('CORRUPT_VOLUME', `GPT unusable: primary: ${primaryProblem}; backup at LBA ${backupLba}: ${e.message}`, {
        structure: 'GPT header',
        offset: ss,
      });
    }
  } else if (primary) {
    if (primary.alternateLba >= diskSectors) {
      warnings.push(`backup GPT header LBA ${primary.alternateLba} lies beyond the end of the disk (${diskSectors} sectors): truncated image?`);
    } else {
      try {
        await readHeader(dev, primary.alternateLba, ss);
      } catch (e) {
        if (!(e instanceof Rejected)) throw e;
        warnings.push(`backup GPT header at LBA ${primary.alternateLba} is invalid (${e.message})`);
      }
    }
  }

  const partitions = parseEntries(header, entries!, ss, diskSectors, warnings);
  return {
    sectorSize: ss,
    diskGuid: header.diskGuid,
    firstUsableLba: header.firstUsable,
    lastUsableLba: header.lastUsable,
    partitions,
    usedBackup,
    warnings,
  };
}

function parseEntries(h: Header, arr: Uint8Array, ss: number, diskSectors: number, warnings: string[]): GptPartition[] {
  const out: GptPartition[] = [];
  for (let i = 0; i < h.numEntries; i++) {
    const base = i * h.entrySize;
    const v = new BinaryView(arr.subarray(base, base + 128), `GPT entry ${i + 1}`, h.entriesLba * ss + base, VolumeError, 'CORRUPT_VOLUME');
    const type = v.slice(0, 16);
    if (isAllZero(type)) continue;
    const firstLba = v.u64le(32);
    let lastLba = v.u64le(40);
    const number = i + 1;
    if (firstLba > lastLba) {
      warnings.push(`GPT entry ${number}: first LBA ${firstLba} is after last LBA ${lastLba}; ignored`);
      continue;
    }
    if (firstLba >= BigInt(diskSectors)) {
      warnings.push(`GPT entry ${number} starts beyond the end of the disk; ignored`);
      continue;
    }
    if (lastLba >= BigInt(diskSectors)) {
      warnings.push(`GPT entry ${number} extends beyond the end of the disk; truncated`);
      lastLba = BigInt(diskSectors - 1);
    }
    if (firstLba < BigInt(h.firstUsable) || lastLba > BigInt(h.lastUsable)) {
      warnings.push(`GPT entry ${number} lies outside the usable LBA range ${h.firstUsable}-${h.lastUsable}`);
    }
    const rawName = v.utf16le(56, 72);
    const nul = rawName.indexOf('\0');
    out.push({
      number,
      typeGuid: guidToString(type),
      uniqueGuid: guidToString(v.slice(16, 16)),
      firstLba: Number(firstLba),
      lastLba: Number(lastLba),
      attributes: v.u64le(48),
      name: nul < 0 ? rawName : rawName.slice(0, nul),
    });
  }
  return out;
}
