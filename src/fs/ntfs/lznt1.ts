/**
 * LZNT1 decompression (NTFS compressed files, [MS-XCA] 2.5). A compression unit is a series of
 * chunks, each with a 16-bit header: bits 0-11 = stored size - 3, bit 15 = compressed. Every
 * chunk stands for 4096 output bytes (a shorter compressed chunk is zero-padded); a zero header
 * ends the unit. Inside a compressed chunk, flag bytes select literals or 16-bit back
 * references whose offset/length split depends on how far into the chunk we are.
 */
import { corrupt } from './errors.js';

export const LZNT1_CHUNK = 4096;

/**
 * Decompresses `src` into `out` (pre-zeroed, sized to the compression unit). Returns the number
 * of bytes produced. Every read and copy is bounds-checked; bad input is CORRUPT_FILESYSTEM.
 */
export function lznt1Decompress(src: Uint8Array, out: Uint8Array, structure: string, offset: number): number {
  let sp = 0;
  let chunkOut = 0;
  let produced = 0;
  while (sp + 2 <= src.length && chunkOut < out.length) {
    const header = src[sp]! | (src[sp + 1]! << 8);
    if (header === 0) break;
    const size = (header & 0x0fff) + 1;
    const chunkStart = sp + 2;
    const chunkEnd = chunkStart + size;
    if (chunkEnd > src.length) throw corrupt(`LZNT1 chunk of ${size} bytes runs past the compressed data`, structure, offset + sp);
    const outLimit = Math.min(out.length, chunkOut + LZNT1_CHUNK);
    let op = chunkOut;
    if ((header & 0x8000) === 0) {
      const n = Math.min(size, outLimit - op);
      out.set(src.subarray(chunkStart, chunkStart + n), op);
      op += n;
    } else {
      op = decompressChunk(src, chunkStart, chunkEnd, out, chunkOut, outLimit, structure, offset);
    }
    produced = op;
    sp = chunkEnd;
    chunkOut += LZNT1_CHUNK;
  }
  return produced;
}

function decompressChunk(src: Uint8Array, start: number, end: number, out: Uint8Array, chunkOut: number, outLimit: number, structure: string, offset: number): number {
  let sp = start;
  let op = chunkOut;
  while (sp < end && op < outLimit) {
    const flags = src[sp++]!;
    for (let bit = 0; bit < 8 && sp < end && op < outLimit; bit++) {
      if ((flags & (1 << bit)) === 0) {
        out[op++] = src[sp++]!;
        continue;
      }
      if (sp + 2 > end) throw corrupt('LZNT1 back reference is truncated', structure, offset + sp);
      const token = src[sp]! | (src[sp + 1]! << 8);
      sp += 2;
      // The split: offset gets enough bits to reach back to the chunk start, at least 4.
      const pos = op - chunkOut;
      let lengthBits = 12;
      for (let p = pos - 1; p >= 0x10; p >>= 1) lengthBits--;
      const back = (token >>> lengthBits) + 1;
      const length = (token & ((1 << lengthBits) - 1)) + 3;
      if (back > pos) throw corrupt(`LZNT1 back reference ${back} reaches before the chunk start (position ${pos})`, structure, offset + sp - 2);
      if (op + length > outLimit) throw corrupt(`LZNT1 back reference of ${length} bytes overruns the 4096-byte chunk`, structure, offset + sp - 2);
      // Byte-wise copy: references may overlap their own output (run-length style).
      for (let i = 0; i < length; i++, op++) out[op] = out[op - back]!;
    }
  }
  return op;
}
