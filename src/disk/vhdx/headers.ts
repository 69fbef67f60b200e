/**
 * The VHDX header section (first 1 MiB): file identifier, the two headers (the valid one with
 * the higher sequence number is current) and the two region table copies. All little-endian,
 * all protected by CRC-32C.
 */
import { ImageFormatError } from '../../errors.js';
import { BinaryView, guidToString, isAllZero, latin1 } from '../../util/binary.js';
import type { HostFile } from '../host-file.js';
import { crc32cWithZeroedField } from '../../util/crc32c.js';
import type { VhdxFileView } from './file-view.js';

export const MiB = 1024 * 1024;
export const HEADER_OFFSETS = [64 * 1024, 128 * 1024] as const;
const HEADER_SIZE = 4096;
export const REGION_TABLE_OFFSETS = [192 * 1024, 256 * 1024] as const;
const REGION_TABLE_SIZE = 64 * 1024;
const MAX_REGION_ENTRIES = 2047;

export const BAT_REGION = '2DC27766-F623-4200-9D64-115E9BFD4A08';
export const METADATA_REGION = '8B7CA206-4790-4B9A-B8FE-575F050F886E';

export function probeVhdx(head: Uint8Array): boolean {
  return head.length >= 8 && latin1(head.subarray(0, 8)) === 'vhdxfile';
}

export interface VhdxHeader {
  index: 0 | 1;
  sequence: bigint;
  dataWriteGuid: string;
  logGuid: Uint8Array;
  logVersion: number;
  logLength: number;
  logOffset: number;
}

function parseHeader(bytes: Uint8Array, index: 0 | 1): VhdxHeader | string {
  const v = new BinaryView(bytes, `VHDX header ${index + 1}`, HEADER_OFFSETS[index], ImageFormatError);
  if (v.ascii(0, 4) !== 'head') return 'no "head" signature';
  if (crc32cWithZeroedField(bytes, 4) !== v.u32le(4)) return 'CRC-32C mismatch';
  if (v.u16le(66) !== 1) return `version ${v.u16le(66)} is not 1`;
  return {
    index,
    sequence: v.u64le(8),
    dataWriteGuid: guidToString(v.slice(32, 16)),
    logGuid: bytes.slice(48, 64),
    logVersion: v.u16le(64),
    logLength: v.u32le(68),
    logOffset: v.safe64le(72, 'log offset'),
  };
}

/** Reads both headers and returns the current one, as the spec's header-selection rules say. */
export async function readCurrentHeader(file: HostFile): Promise<VhdxHeader> {
  const found: VhdxHeader[] = [];
  const why: string[] = [];
  const raw: Uint8Array[] = [];
  for (const index of [0, 1] as const) {
    const off = HEADER_OFFSETS[index];
    if (off + HEADER_SIZE > file.size) {
      why.push(`header ${index + 1}: beyond the end of the file`);
      continue;
    }
    const bytes = await file.read(off, HEADER_SIZE, `VHDX header ${index + 1}`);
    raw[index] = bytes;
    const h = parseHeader(bytes, index);
    if (typeof h === 'string') why.push(`header ${index + 1}: ${h}`);
    else found.push(h);
  }
  const ctx = { path: file.path, structure: 'VHDX headers', offset: HEADER_OFFSETS[0] };
  if (found.length === 0) throw new ImageFormatError('CORRUPT_IMAGE', `no valid VHDX header (${why.join('; ')})`, ctx);
  if (found.length === 1) return found[0]!;
  const [a, b] = found as [VhdxHeader, VhdxHeader];
  if (a.sequence !== b.sequence) return a.sequence > b.sequence ? a : b;
  // Equal sequence numbers are only acceptable when the headers agree (Disk2VHD writes them so).
  if (sameBytes(raw[0]!.subarray(8, 80), raw[1]!.subarray(8, 80))) return a;
  throw new ImageFormatError('CORRUPT_IMAGE', 'both VHDX headers are valid with the same sequence number but differ', ctx);
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export function logIsDirty(h: VhdxHeader): boolean {
  return !isAllZero(h.logGuid) && h.logLength > 0;
}

export interface Region {
  guid: string;
  offset: number;
  length: number;
  required: boolean;
}

function parseRegionTable(bytes: Uint8Array, offset: number): Region[] | string {
  const v = new BinaryView(bytes, 'VHDX region table', offset, ImageFormatError);
  if (v.ascii(0, 4) !== 'regi') return 'no "regi" signature';
  if (crc32cWithZeroedField(bytes, 4) !== v.u32le(4)) return 'CRC-32C mismatch';
  const count = v.u32le(8);
  if (count > MAX_REGION_ENTRIES) return `${count} entries (at most ${MAX_REGION_ENTRIES} allowed)`;
  const out: Region[] = [];
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 32;
    out.push({
      guid: guidToString(v.slice(at, 16)),
      offset: v.safe64le(at + 16, 'region offset'),
      length: v.u32le(at + 24),
      required: (v.u32le(at + 28) & 1) === 1,
    });
  }
  return out;
}

export interface Regions {
  bat: Region;
  metadata: Region;
}

/**
 * Reads the region table (the second copy when the first is damaged), checks every region is
 * 1 MiB aligned, inside the file and disjoint from the others and the log, and refuses
 * unknown required regions.
 */
export async function readRegions(view: VhdxFileView, header: VhdxHeader): Promise<Regions> {
  let regions: Region[] | undefined;
  const why: string[] = [];
  for (const [i, off] of REGION_TABLE_OFFSETS.entries()) {
    if (off + REGION_TABLE_SIZE > view.size) {
      why.push(`copy ${i + 1}: beyond the end of the file`);
      continue;
    }
    const r = parseRegionTable(await view.read(off, REGION_TABLE_SIZE, `VHDX region table ${i + 1}`), off);
    if (typeof r === 'string') why.push(`copy ${i + 1}: ${r}`);
    else {
      regions = r;
      break;
    }
  }
  const ctx = { path: view.path, structure: 'VHDX region table', offset: REGION_TABLE_OFFSETS[0] };
  if (!regions) throw new ImageFormatError('CORRUPT_IMAGE', `no valid VHDX region table (${why.join('; ')})`, ctx);

  const taken: { name: string; start: number; end: number }[] = [{ name: 'header section', start: 0, end: MiB }];
  if (header.logLength > 0) taken.push({ name: 'log', start: header.logOffset, end: header.logOffset + header.logLength });
  let bat: Region | undefined;
  let metadata: Region | undefined;
  for (const r of regions) {
    const name = r.guid === BAT_REGION ? 'BAT' : r.guid === METADATA_REGION ? 'metadata' : `region ${r.guid}`;
    if (r.offset % MiB !== 0 || r.length % MiB !== 0 || r.length === 0) {
      throw new ImageFormatError('CORRUPT_IMAGE', `VHDX ${name} region (${r.offset}+${r.length}) is not 1 MiB aligned`, ctx);
    }
    if (r.offset + r.length > view.size) {
      throw new ImageFormatError('TRUNCATED_IMAGE', `VHDX ${name} region (${r.offset}+${r.length}) lies beyond the end of the file`, ctx);
    }
    const clash = taken.find((t) => r.offset < t.end && t.start < r.offset + r.length);
    if (clash) throw new ImageFormatError('CORRUPT_IMAGE', `VHDX ${name} region overlaps the ${clash.name}`, ctx);
    taken.push({ name, start: r.offset, end: r.offset + r.length });
    if (r.guid === BAT_REGION) {
      if (bat) throw new ImageFormatError('CORRUPT_IMAGE', 'VHDX region table lists two BAT regions', ctx);
      bat = r;
    } else if (r.guid === METADATA_REGION) {
      if (metadata) throw new ImageFormatError('CORRUPT_IMAGE', 'VHDX region table lists two metadata regions', ctx);
      metadata = r;
    } else if (r.required) {
      throw new ImageFormatError('UNSUPPORTED_IMAGE', `VHDX requires region ${r.guid}, which this reader does not know`, ctx);
    }
  }
  if (!bat || !metadata) {
    throw new ImageFormatError('CORRUPT_IMAGE', `VHDX region table has no ${bat ? 'metadata' : 'BAT'} region`, ctx);
  }
  return { bat, metadata };
}
