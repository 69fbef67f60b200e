/**
 * MFT records ("FILE" records): header and the attribute records inside one record. Values are
 * sliced, not interpreted, here; node.ts assembles a file's attributes across extension records.
 */
import { AT_END, ATTR_COMPRESSION_MASK, ATTR_IS_SPARSE, MFT_RECORD_IN_USE } from './constants.js';
import { corrupt, utf16, view } from './errors.js';
import { applyFixups } from './fixups.js';

export interface AttrRecord {
  type: number;
  name: string;
  flags: number;
  instance: number;
  /** MFT record holding this attribute record, and its device offset (for errors). */
  recordNo: number;
  offset: number;
  resident: boolean;
  /** Resident value. */
  value?: Uint8Array;
  // Non-resident fields (sizes only meaningful in the extent with lowestVcn 0).
  lowestVcn: number;
  highestVcn: number;
  compressionUnit: number;
  allocatedSize: number;
  dataSize: number;
  initializedSize: number;
  compressedSize?: number;
  mappingPairs?: Uint8Array;
  /** Device offset of the mapping pairs. */
  mappingOffset: number;
}

export interface MftRecord {
  number: number;
  /** Device offset of the record (of its first byte), for errors. */
  offset: number;
  flags: number;
  inUse: boolean;
  sequence: number;
  linkCount: number;
  /** Base record number for extension records, 0 for base records. */
  baseRecord: number;
  attrs: AttrRecord[];
}

export const recordName = (n: number) => `MFT record ${n}`;

/** Parses a record in place (applies fixups to `buf`, which must be a private copy). */
export function parseRecord(buf: Uint8Array, number: number, offset: number): MftRecord {
  const structure = recordName(number);
  applyFixups(buf, 'FILE', structure, offset);
  const v = view(buf, structure, offset);
  const sequence = v.u16le(0x10);
  const linkCount = v.u16le(0x12);
  const attrsOffset = v.u16le(0x14);
  const flags = v.u16le(0x16);
  const bytesInUse = v.u32le(0x18);
  const bytesAllocated = v.u32le(0x1c);
  const baseRef = v.u64le(0x20);
  if (bytesAllocated !== buf.length) {
    throw corrupt(`allocated size ${bytesAllocated} differs from the record size ${buf.length}`, structure, offset + 0x1c);
  }
  if (bytesInUse > buf.length || bytesInUse < 0x18) throw corrupt(`bytes in use ${bytesInUse} is out of range`, structure, offset + 0x18);
  if (attrsOffset < 0x18 || attrsOffset & 7 || attrsOffset + 4 > bytesInUse) {
    throw corrupt(`first attribute offset ${attrsOffset} is invalid`, structure, offset + 0x14);
  }
  const baseRecord = Number(baseRef & 0xffffffffffffn);
  const rec: MftRecord = { number, offset, flags, inUse: (flags & MFT_RECORD_IN_USE) !== 0, sequence, linkCount, baseRecord, attrs: [] };
  let pos = attrsOffset;
  for (;;) {
    if (pos + 4 > bytesInUse) throw corrupt('attribute list is not terminated', structure, offset + pos);
    const type = v.u32le(pos);
    if (type === AT_END) break;
    if (rec.attrs.length >= buf.length / 16) throw corrupt('too many attributes', structure, offset + pos);
    rec.attrs.push(parseAttr(buf, pos, bytesInUse, rec));
    pos += v.u32le(pos + 4);
  }
  return rec;
}

function parseAttr(buf: Uint8Array, pos: number, limit: number, rec: MftRecord): AttrRecord {
  const structure = `attribute at byte ${pos} of ${recordName(rec.number)}`;
  const off = rec.offset + pos;
  // Read by hand (no DataView per attribute): the caller checked that the type fits.
  const u32 = (at: number) => (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
  const type = u32(pos);
  const length = pos + 8 <= limit ? u32(pos + 4) : 0;
  if (length < 24 || length & 7 || pos + length > limit) throw corrupt(`attribute length ${length} is invalid`, structure, off + 4);
  const a = view(buf.subarray(pos, pos + length), structure, off);
  const nonResident = a.u8(8);
  if (nonResident > 1) throw corrupt(`non-resident flag ${nonResident} is invalid`, structure, off + 8);
  const nameLength = a.u8(9);
  const nameOffset = a.u16le(10);
  if (nameLength > 0 && nameOffset + nameLength * 2 > length) throw corrupt('attribute name lies outside the attribute', structure, off + 10);
  const name = nameLength > 0 ? utf16(a, nameOffset, nameLength * 2) : '';
  const attr: AttrRecord = {
    type,
    name,
    flags: a.u16le(12),
    instance: a.u16le(14),
    recordNo: rec.number,
    offset: off,
    resident: nonResident === 0,
    lowestVcn: 0,
    highestVcn: -1,
    compressionUnit: 0,
    allocatedSize: 0,
    dataSize: 0,
    initializedSize: 0,
    mappingOffset: 0,
  };
  if (attr.resident) {
    const valueLength = a.u32le(16);
    const valueOffset = a.u16le(20);
    if (valueOffset > length || valueLength > length - valueOffset) throw corrupt(`resident value (${valueLength} bytes at ${valueOffset}) lies outside the attribute`, structure, off + 16);
    attr.value = buf.subarray(pos + valueOffset, pos + valueOffset + valueLength);
    attr.dataSize = attr.initializedSize = attr.allocatedSize = valueLength;
    return attr;
  }
  if (length < 64) throw corrupt(`non-resident attribute of ${length} bytes is too short`, structure, off + 4);
  const lowest = a.u64le(16);
  const highest = a.u64le(24);
  const mappingPairsOffset = a.u16le(32);
  attr.compressionUnit = a.u8(34);
  if (lowest > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`lowest VCN ${lowest} is invalid`, structure, off + 16);
  // highest VCN is -1 (all ones) for an empty attribute.
  const highestSigned = BigInt.asIntN(64, highest);
  if (highestSigned < -1n || highestSigned > BigInt(Number.MAX_SAFE_INTEGER) || highestSigned < BigInt.asIntN(64, lowest) - 1n) {
    throw corrupt(`highest VCN ${highestSigned} is invalid (lowest ${lowest})`, structure, off + 24);
  }
  attr.lowestVcn = Number(lowest);
  attr.highestVcn = Number(highestSigned);
  if (mappingPairsOffset < 64 || mappingPairsOffset > length) throw corrupt(`mapping pairs offset ${mappingPairsOffset} is invalid`, structure, off + 32);
  attr.mappingPairs = buf.subarray(pos + mappingPairsOffset, pos + length);
  attr.mappingOffset = off + mappingPairsOffset;
  if (attr.lowestVcn === 0) {
    attr.allocatedSize = a.safe64le(40, 'allocated size');
    attr.dataSize = a.safe64le(48, 'data size');
    attr.initializedSize = a.safe64le(56, 'initialized size');
    // The compressed size field exists only in compressed or sparse attributes' (72-byte) headers.
    if (attr.flags & (ATTR_COMPRESSION_MASK | ATTR_IS_SPARSE) && mappingPairsOffset >= 72) attr.compressedSize = a.safe64le(64, 'compressed size');
  }
  return attr;
}
