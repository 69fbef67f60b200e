import { inflateRawSync, inflateSync } from 'node:zlib';
import { ImageFormatError } from '../../errors.js';
import type { HostFile } from '../host-file.js';
import type { ReadAhead } from './read-ahead.js';

/** Grain marker header: lba (u64) and compressed size (u32), data follows without padding. */
const MARKER_HEADER = 12;

export interface GrainRef {
  file: HostFile;
  /** Read-ahead window over `file`, shared by all grains of the extent. */
  source: ReadAhead;
  /** Byte offset of the grain (of its marker when the extent has markers). */
  hostOffset: number;
  grainBytes: number;
  /** Sector of the grain inside its extent: the marker must name the same one. */
  lba: number;
  /** Bytes of this grain inside the extent's capacity (the last grain may be short). */
  expectedBytes: number;
  markers: boolean;
  /** Where the grain table entry lives, for errors. */
  gteOffset: number;
}

function corrupt(msg: string, g: GrainRef, offset = g.hostOffset, structure = 'VMDK compressed grain'): never {
  throw new ImageFormatError('CORRUPT_IMAGE', msg, { structure, offset, path: g.file.path });
}

/** Reads and inflates one stream-optimized grain; every failure is a typed CORRUPT_IMAGE. */
export async function readCompressedGrain(g: GrainRef): Promise<Uint8Array> {
  const avail = g.file.size - g.hostOffset;
  if (avail <= MARKER_HEADER) corrupt('grain table entry points beyond the end of the file', g, g.gteOffset, 'VMDK grain table entry');
  // Deflate never grows data by more than a few bytes per 16 KiB block; twice the grain is generous.
  const maxCompressed = 2 * g.grainBytes + 4096;
  let data: Uint8Array;
  if (g.markers) {
    const head = await g.source.read(g.hostOffset, MARKER_HEADER, 'VMDK grain marker');
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const lba = dv.getBigUint64(0, true);
    const size = dv.getUint32(8, true);
    if (lba !== BigInt(g.lba)) corrupt(`grain marker names sector ${lba}, expected ${g.lba}`, g);
    if (size === 0 || size > maxCompressed) corrupt(`grain marker has an invalid compressed size ${size}`, g);
    if (MARKER_HEADER + size > avail) corrupt(`compressed grain of ${size} bytes runs past the end of the file`, g);
    data = (await g.source.read(g.hostOffset, MARKER_HEADER + size, 'VMDK compressed grain')).subarray(MARKER_HEADER);
  } else {
    // Without markers the stream's own end tells where it stops (as QEMU reads it).
    data = await g.source.read(g.hostOffset, Math.min(avail, maxCompressed), 'VMDK compressed grain');
  }
  const out = inflate(data, g);
  if (out.length < g.expectedBytes) corrupt(`grain inflated to ${out.length} bytes, expected ${g.expectedBytes}`, g);
  return out;
}

function inflate(data: Uint8Array, g: GrainRef): Uint8Array {
  // One output chunk per grain: zlib's default 16 KiB chunks cost a copy per chunk.
  const opts = { maxOutputLength: g.grainBytes, chunkSize: Math.max(1024, Math.min(g.grainBytes, 1 << 20)) };
  try {
    // VMware and QEMU write zlib streams (RFC 1950); accept bare deflate too when there is no zlib header.
    const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const out = looksLikeZlib(data) ? inflateSync(b, opts) : inflateRawSync(b, opts);
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE') return corrupt(`grain inflates to more than ${g.grainBytes} bytes`, g);
    throw new ImageFormatError('CORRUPT_IMAGE', `cannot inflate grain: ${e.message ?? String(err)}`, {
      structure: 'VMDK compressed grain',
      offset: g.hostOffset,
      path: g.file.path,
      cause: err,
    });
  }
}

function looksLikeZlib(d: Uint8Array): boolean {
  return d.length >= 2 && (d[0]! & 0x0f) === 8 && (d[0]! >> 4) <= 7 && ((d[0]! << 8) | d[1]!) % 31 === 0;
}
