/**
 * Test support: edits real qemu-made VHDX files (headers, region tables, metadata, BAT, log)
 * the way another VHDX writer would, recomputing CRC-32C where the format requires it.
 * qemu cannot create differencing VHDX files or leave a dirty log on purpose, so tests build
 * those from real images with these helpers. Not used by the product code.
 */
import { crc32cWithZeroedField } from '../../util/crc32c.js';

const MiB = 1024 * 1024;

/** Microsoft GUID text → its 16 on-disk bytes (first three groups little-endian). */
export function guidBytes(guid: string): Buffer {
  const h = guid.replace(/[{}-]/g, '');
  const b = Buffer.from(h, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

export function guidText(b: Uint8Array): string {
  const x = Buffer.from(b);
  const p = (s: number, e: number, rev: boolean) => {
    const part = Buffer.from(x.subarray(s, e));
    return (rev ? part.reverse() : part).toString('hex');
  };
  return `${p(0, 4, true)}-${p(4, 6, true)}-${p(6, 8, true)}-${p(8, 10, false)}-${p(10, 16, false)}`.toUpperCase();
}

export interface Layout {
  current: 0 | 1;
  headerOffsets: [number, number];
  logOffset: number;
  logLength: number;
  dataWriteGuid: string;
  batOffset: number;
  metadataOffset: number;
  blockSize: number;
}

export function layout(img: Buffer): Layout {
  const headerOffsets: [number, number] = [64 * 1024, 128 * 1024];
  const seq = headerOffsets.map((o) => img.readBigUInt64LE(o + 8));
  const current = seq[1]! > seq[0]! ? 1 : 0;
  const h = headerOffsets[current];
  const rt = 192 * 1024;
  let batOffset = 0;
  let metadataOffset = 0;
  for (let i = 0; i < img.readUInt32LE(rt + 8); i++) {
    const e = rt + 16 + i * 32;
    const g = guidText(img.subarray(e, e + 16));
    if (g === '2DC27766-F623-4200-9D64-115E9BFD4A08') batOffset = Number(img.readBigUInt64LE(e + 16));
    if (g === '8B7CA206-4790-4B9A-B8FE-575F050F886E') metadataOffset = Number(img.readBigUInt64LE(e + 16));
  }
  const fp = findMetadataItem(img, metadataOffset, 'CAA16737-FA36-4D43-B3B6-33F0AA44E76B');
  return {
    current,
    headerOffsets,
    logOffset: Number(img.readBigUInt64LE(h + 72)),
    logLength: img.readUInt32LE(h + 68),
    dataWriteGuid: guidText(img.subarray(h + 32, h + 48)),
    batOffset,
    metadataOffset,
    blockSize: img.readUInt32LE(metadataOffset + fp.offset),
  };
}

function findMetadataItem(img: Buffer, md: number, guid: string): { entry: number; offset: number; length: number } {
  const count = img.readUInt16LE(md + 10);
  for (let i = 0; i < count; i++) {
    const e = md + 32 + i * 32;
    if (guidText(img.subarray(e, e + 16)) === guid) return { entry: e, offset: img.readUInt32LE(e + 16), length: img.readUInt32LE(e + 20) };
  }
  throw new Error(`metadata item ${guid} not found`);
}

/** Recomputes the CRC-32C of the 4 KiB header at `offset`. */
export function fixHeaderCrc(img: Buffer, offset: number): void {
  const h = img.subarray(offset, offset + 4096);
  h.writeUInt32LE(crc32cWithZeroedField(h, 4), 4);
}

/** Recomputes the CRC-32C of the 64 KiB region table at `offset`. */
export function fixRegionCrc(img: Buffer, offset: number): void {
  const t = img.subarray(offset, offset + 64 * 1024);
  t.writeUInt32LE(crc32cWithZeroedField(t, 4), 4);
}

/** Sets the LogGuid of both headers (a non-zero one marks the log as needing replay). */
export function setLogGuid(img: Buffer, logGuid: Uint8Array): void {
  for (const o of [64 * 1024, 128 * 1024]) {
    Buffer.from(logGuid).copy(img, o + 48);
    fixHeaderCrc(img, o);
  }
}

export function batEntry(img: Buffer, l: Layout, index: number): { state: number; offset: number } {
  const v = img.readBigUInt64LE(l.batOffset + index * 8);
  return { state: Number(v & 7n), offset: Number(v >> 20n) * MiB };
}

export function setBatEntry(img: Buffer, l: Layout, index: number, state: number, offset: number): void {
  img.writeBigUInt64LE((BigInt(offset / MiB) << 20n) | BigInt(state), l.batOffset + index * 8);
}

/** Adds a metadata item (table entry + data) after the existing ones, in place. */
export function addMetadataItem(img: Buffer, l: Layout, guid: string, data: Buffer, flags: number): void {
  const md = l.metadataOffset;
  const count = img.readUInt16LE(md + 10);
  let end = 64 * 1024;
  for (let i = 0; i < count; i++) {
    const e = md + 32 + i * 32;
    end = Math.max(end, img.readUInt32LE(e + 16) + img.readUInt32LE(e + 20));
  }
  const at = Math.ceil(end / 4096) * 4096;
  const e = md + 32 + count * 32;
  guidBytes(guid).copy(img, e);
  img.writeUInt32LE(at, e + 16);
  img.writeUInt32LE(data.length, e + 20);
  img.writeUInt32LE(flags, e + 24);
  img.writeUInt16LE(count + 1, md + 10);
  data.copy(img, md + at);
}

/** Builds a parent locator item (VHDX parent type) from key/value pairs, UTF-16LE. */
export function parentLocatorItem(pairs: [string, string][]): Buffer {
  const head = Buffer.alloc(20 + pairs.length * 12);
  guidBytes('B04AEFB7-D19E-4A81-B789-25B8E9445913').copy(head, 0);
  head.writeUInt16LE(pairs.length, 18);
  const strings: Buffer[] = [];
  let at = head.length;
  pairs.forEach(([k, v], i) => {
    const kb = Buffer.from(k, 'utf16le');
    const vb = Buffer.from(v, 'utf16le');
    head.writeUInt32LE(at, 20 + i * 12);
    head.writeUInt32LE(at + kb.length, 20 + i * 12 + 4);
    head.writeUInt16LE(kb.length, 20 + i * 12 + 8);
    head.writeUInt16LE(vb.length, 20 + i * 12 + 10);
    strings.push(kb, vb);
    at += kb.length + vb.length;
  });
  return Buffer.concat([head, ...strings]);
}

/** Turns a dynamic VHDX into a differencing one: HasParent set and a parent locator added. */
export function makeDifferencing(img: Buffer, l: Layout, pairs: [string, string][]): void {
  const fp = findMetadataItem(img, l.metadataOffset, 'CAA16737-FA36-4D43-B3B6-33F0AA44E76B');
  const flagsAt = l.metadataOffset + fp.offset + 4;
  img.writeUInt32LE(img.readUInt32LE(flagsAt) | 2, flagsAt);
  addMetadataItem(img, l, 'A8D35F2D-B30B-454D-ABF7-D3D84834AB0C', parentLocatorItem(pairs), 4);
}

export type LogDescriptor = { zero: true; fileOffset: number; length: number } | { zero: false; fileOffset: number; data: Uint8Array };

/** A complete, checksummed log entry as a VHDX writer produces it. */
export function logEntry(o: {
  sequence: bigint;
  tail: number;
  logGuid: Uint8Array;
  flushedFileOffset: number;
  lastFileOffset: number;
  descriptors: LogDescriptor[];
}): Buffer {
  const descSectors = Math.ceil((o.descriptors.length + 2) / 128);
  const dataDescs = o.descriptors.filter((d) => !d.zero);
  const b = Buffer.alloc((descSectors + dataDescs.length) * 4096);
  b.write('loge', 0, 'latin1');
  b.writeUInt32LE(b.length, 8);
  b.writeUInt32LE(o.tail, 12);
  b.writeBigUInt64LE(o.sequence, 16);
  b.writeUInt32LE(o.descriptors.length, 24);
  Buffer.from(o.logGuid).copy(b, 32);
  b.writeBigUInt64LE(BigInt(o.flushedFileOffset), 48);
  b.writeBigUInt64LE(BigInt(o.lastFileOffset), 56);
  let sector = descSectors;
  o.descriptors.forEach((d, i) => {
    const at = 64 + i * 32;
    b.writeBigUInt64LE(BigInt(d.fileOffset), at + 16);
    b.writeBigUInt64LE(o.sequence, at + 24);
    if (d.zero) {
      b.write('zero', at, 'latin1');
      b.writeBigUInt64LE(BigInt(d.length), at + 8);
    } else {
      const data = Buffer.from(d.data);
      b.write('desc', at, 'latin1');
      data.copy(b, at + 4, 4092, 4096); // trailing bytes
      data.copy(b, at + 8, 0, 8); // leading bytes
      const s = sector++ * 4096;
      b.write('data', s, 'latin1');
      b.writeUInt32LE(Number(o.sequence >> 32n), s + 4);
      data.copy(b, s + 8, 8, 4092);
      b.writeUInt32LE(Number(o.sequence & 0xffffffffn), s + 4092);
    }
  });
  b.writeUInt32LE(crc32cWithZeroedField(b, 4), 4);
  return b;
}
