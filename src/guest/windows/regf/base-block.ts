/** The 4096-byte "regf" base block at the start of every primary hive file. */
import { BinaryView } from '../../../util/binary.js';
import { RegistryError, corrupt, hex } from './errors.js';
import { filetimeToDate } from './filetime.js';

export const BASE_BLOCK_SIZE = 4096;
/** Offsets in cells are relative to the hive bins data, which starts after the base block. */
export const HBIN_DATA_START = BASE_BLOCK_SIZE;

export interface BaseBlock {
  /** Incremented when a write starts / when it ends; unequal means the hive was not saved cleanly. */
  primarySequence: number;
  secondarySequence: number;
  lastWritten: Date | undefined;
  majorVersion: number;
  minorVersion: number;
  /** Root key node, relative to the hive bins data. */
  rootCellOffset: number;
  /** Size of the hive bins data (the file may be longer: slack after the last bin is allowed). */
  hiveBinsDataSize: number;
  /** The writer's debugging name of the file, e.g. "\\SystemRoot\\System32\\Config\\SOFTWARE". */
  fileName: string;
  checksum: number;
  /** True when the stored checksum matches the one computed over the first 508 bytes. */
  checksumValid: boolean;
  /** Primary and secondary sequence numbers differ: a transaction log holds newer data. */
  dirty: boolean;
}

/**
 * XOR of the first 127 dwords. Windows stores 0xfffffffe for an XOR of 0xffffffff and 1 for
 * 0; some writers (hivex) store the plain XOR, so both are accepted.
 */
export function baseBlockChecksum(head: Uint8Array): { plain: number; windows: number } {
  const v = new BinaryView(head, 'regf base block', 0, RegistryError, 'CORRUPT_FILESYSTEM');
  let sum = 0;
  for (let i = 0; i < 508; i += 4) sum = (sum ^ v.u32le(i)) >>> 0;
  const windows = sum === 0xffffffff ? 0xfffffffe : sum === 0 ? 1 : sum;
  return { plain: sum, windows };
}

/**
 * Parses and checks the base block. The checksum is checked right after the signature (unless
 * `ignoreChecksum`), so a damaged header is reported as such rather than by whichever field
 * happens to be wrong.
 */
export function parseBaseBlock(head: Uint8Array, path?: string, ignoreChecksum = false): BaseBlock {
  const S = 'regf base block';
  if (head.length < BASE_BLOCK_SIZE) throw corrupt(`hive file is only ${head.length} bytes, smaller than its base block`, S, 0, path);
  const v = new BinaryView(head, S, 0, RegistryError, 'CORRUPT_FILESYSTEM');
  if (v.ascii(0, 4) !== 'regf') throw corrupt('not a registry hive (no "regf" signature)', S, 0, path);
  const checksum = v.u32le(508);
  const sums = baseBlockChecksum(head);
  const checksumValid = checksum === sums.plain || checksum === sums.windows;
  if (!checksumValid && !ignoreChecksum) throw corrupt(`base block checksum ${hex(checksum)} does not match its contents`, S, 508, path);
  const major = v.u32le(20);
  const minor = v.u32le(24);
  if (major !== 1) throw corrupt(`unsupported hive format version ${major}.${minor}`, S, 20, path);
  const fileType = v.u32le(28);
  if (fileType !== 0) {
    throw corrupt(`file type ${fileType} is a transaction log or alternate file, not a primary hive`, S, 28, path);
  }
  const fileFormat = v.u32le(32);
  if (fileFormat !== 1) throw corrupt(`unsupported hive file format ${fileFormat}`, S, 32, path);
  const rootCellOffset = v.u32le(36);
  const hiveBinsDataSize = v.u32le(40);
  if (hiveBinsDataSize === 0 || hiveBinsDataSize % 4096 !== 0) {
    throw corrupt(`hive bins data size ${hex(hiveBinsDataSize)} is not a positive multiple of 4096`, S, 40, path);
  }
  if (rootCellOffset % 8 !== 0 || rootCellOffset < 32 || rootCellOffset >= hiveBinsDataSize) {
    throw corrupt(`root cell offset ${hex(rootCellOffset)} lies outside the hive bins data`, S, 36, path);
  }
  const primarySequence = v.u32le(4);
  const secondarySequence = v.u32le(8);
  return {
    primarySequence,
    secondarySequence,
    lastWritten: filetimeToDate(v.u64le(12)),
    majorVersion: major,
    minorVersion: minor,
    rootCellOffset,
    hiveBinsDataSize,
    fileName: utf16z(v.slice(48, 64)),
    checksum,
    checksumValid,
    dirty: primarySequence !== secondarySequence,
  };
}

/** UTF-16LE up to the first NUL code unit. */
export function utf16z(b: Uint8Array): string {
  const s = new TextDecoder('utf-16le').decode(b.subarray(0, b.length & ~1));
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}
