/**
 * ISO 9660 (+ Joliet): volume descriptors from 32 KiB. The UUID is blkid's synthetic one
 * made from the modification (else creation) date: "YYYY-MM-DD-HH-MM-SS-CC".
 */
import { VolumeError } from '../../errors.js';
import { BinaryView, latin1 } from '../../util/binary.js';
import type { ContentProbe } from '../types.js';
import type { ProbeReader } from './reader.js';
import { byteLabel, cleanLabel } from './text.js';

const VD_START = 0x8000;
const SECTOR = 2048;
const MAX_DESCRIPTORS = 16;

function dateUuid(d: Uint8Array, tzOffset: number): string | undefined {
  const s = latin1(d);
  if (!/^[0-9]{16}$/u.test(s)) return undefined;
  if (s === '0000000000000000' && tzOffset === 0) return undefined;
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}-${s.slice(8, 10)}-${s.slice(10, 12)}-${s.slice(12, 14)}-${s.slice(14, 16)}`;
}

/**
 * The Joliet label holds at most 16 UTF-16 characters while the primary one holds 32 ASCII
 * ones; when the Joliet label is a (case-insensitive, '_' = unrepresentable) prefix of the
 * primary one, blkid extends it with the rest of the primary label. Same here.
 */
function mergeLabels(joliet: string, primary: string): string {
  if (primary.length <= joliet.length) return joliet;
  for (let i = 0; i < joliet.length; i++) {
    const a = primary[i]!;
    const u = joliet[i]!;
    if (a === '_' || u === '_') continue;
    if (a.toUpperCase() !== u.toUpperCase()) return joliet;
  }
  return joliet + primary.slice(joliet.length);
}

function utf16be(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i + 1 < b.length; i += 2) s += String.fromCharCode((b[i]! << 8) | b[i + 1]!);
  return s;
}

export async function probeIso9660(r: ProbeReader): Promise<ContentProbe | undefined> {
  let pvd: Uint8Array | undefined;
  let joliet: Uint8Array | undefined;
  for (let i = 0; i < MAX_DESCRIPTORS && (!pvd || !joliet); i++) {
    const d = await r.read(VD_START + i * SECTOR, 896);
    if (!d || latin1(d.subarray(1, 6)) !== 'CD001' || d[0] === 0xff) break;
    if (d[0] === 1 && !pvd) pvd = d;
    else if (d[0] === 2 && !joliet && ['%/@', '%/C', '%/E'].includes(latin1(d.subarray(88, 91)))) joliet = d;
  }
  if (!pvd) return undefined;
  const v = new BinaryView(pvd, 'ISO 9660 primary volume descriptor', VD_START, VolumeError, 'CORRUPT_VOLUME');
  const blockSize = v.u16le(128);
  if (blockSize === 0) return undefined;
  // The root directory's first record must be "." pointing at itself (rules out a stray CD001).
  const rootLba = v.u32le(156 + 2);
  const rootLen = v.u32le(156 + 10);
  if (rootLen < 34) return undefined;
  const root = await r.read(rootLba * blockSize, 34);
  if (!root || root[0]! < 34 || root[32] !== 1 || root[33] !== 0) return undefined;
  if (new BinaryView(root, 'ISO 9660 root directory').u32le(2) !== rootLba) return undefined;

  const out: ContentProbe = { fs: 'iso9660', details: {} };
  const uuid = dateUuid(v.slice(830, 16), v.u8(846)) ?? dateUuid(v.slice(813, 16), v.u8(829));
  if (uuid) out.uuid = uuid;
  const primaryLabel = byteLabel(v.slice(40, 32));
  let label = primaryLabel;
  if (joliet) {
    out.details!['version'] = 'Joliet Extension';
    const jl = cleanLabel(utf16be(joliet.subarray(40, 72)).replace(/\0.*$/su, ''));
    if (jl !== undefined) label = primaryLabel !== undefined ? mergeLabels(jl, primaryLabel) : jl;
  }
  if (label !== undefined) out.label = label;
  return out;
}
