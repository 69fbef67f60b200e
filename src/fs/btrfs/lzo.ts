import { corrupt } from './errors.js';

/**
 * LZO1X decompression (the format of the kernel's lzo1x_decompress_safe, bitstream version 0),
 * written from the format description in the kernel's Documentation/staging/lzo.rst. Every
 * input read, output write and back-reference is bounds-checked.
 *
 * Decompresses `src` into `out` starting at `outStart`, never writing at or past `outEnd`.
 * Returns the new output position.
 */
export function lzo1xDecompress(src: Uint8Array, out: Uint8Array, outStart: number, outEnd: number, structure: string, baseOffset = 0): number {
  const inEnd = src.length;
  let ip = 0;
  let op = outStart;
  const fail = (why: string): never => {
    throw corrupt(`LZO data is corrupt: ${why}`, structure, baseOffset + ip);
  };
  // Copies n literal bytes; short runs byte by byte (subarray+set costs more than it saves).
  const literals = (n: number): void => {
    if (ip + n > inEnd) fail('input ends early');
    if (op + n > outEnd) fail('output would overflow');
    if (n < 32) {
      for (let k = 0; k < n; k++) out[op++] = src[ip++]!;
    } else {
      out.set(src.subarray(ip, ip + n), op);
      ip += n;
      op += n;
    }
  };
  // Lengths beyond the opcode's bits: a run of zero bytes (255 each) and a final non-zero byte.
  const longLength = (base: number): number => {
    let n = base;
    for (;;) {
      if (ip >= inEnd) fail('input ends early');
      const b = src[ip++]!;
      if (b !== 0) return n + b;
      n += 255;
    }
  };

  if (inEnd === 0) fail('empty input');
  let state = 0;
  if (src[0]! === 17) fail('LZO-RLE bitstream is not used by btrfs');
  if (src[0]! > 17) {
    const t = src[ip++]! - 17;
    literals(t);
    state = t < 4 ? t : 4;
  }
  for (;;) {
    // Every opcode is followed by at least two more bytes (operands or the end marker's tail).
    if (ip + 3 > inEnd) fail('input ends early');
    const inst = src[ip++]!;
    let len: number;
    let dist: number;
    let next: number;
    if (inst < 16) {
      if (state === 0) {
        literals((inst === 0 ? longLength(15) : inst) + 3);
        state = 4;
        continue;
      }
      const h = src[ip++]!;
      next = inst & 3;
      if (state < 4) {
        len = 2;
        dist = (h << 2) + (inst >> 2) + 1;
      } else {
        len = 3;
        dist = (h << 2) + (inst >> 2) + 2049;
      }
    } else if (inst >= 64) {
      dist = (src[ip++]! << 3) + ((inst >> 2) & 7) + 1;
      len = (inst >> 5) + 1;
      next = inst & 3;
    } else {
      if (inst >= 32) len = ((inst & 31) === 0 ? longLength(31) : inst & 31) + 2;
      else len = ((inst & 7) === 0 ? longLength(7) : inst & 7) + 2;
      if (ip + 2 > inEnd) fail('input ends early');
      const d = src[ip]! | (src[ip + 1]! << 8);
      ip += 2;
      next = d & 3;
      if (inst >= 32) dist = (d >> 2) + 1;
      else {
        dist = 16384 + ((inst & 8) << 11) + (d >> 2);
        if (dist === 16384) {
          if (len !== 3) fail('malformed end-of-stream marker');
          return op;
        }
      }
    }
    if (dist > op - outStart) fail(`back-reference ${dist} bytes behind only ${op - outStart} bytes of output`);
    if (op + len > outEnd) fail('output would overflow');
    let m = op - dist;
    if (len >= 32 && dist >= len) {
      out.copyWithin(op, m, m + len);
      op += len;
    } else {
      for (let k = 0; k < len; k++) out[op++] = out[m++]!;
    }
    state = next;
    if (next > 0) literals(next);
  }
}

/**
 * Decompresses one btrfs LZO extent: a 4-byte total length, then segments each prefixed by a
 * 4-byte compressed length. A segment header never straddles a sector boundary; when fewer
 * than 4 bytes are left in a sector, the rest of it is zero padding. Returns the bytes
 * produced (at most ramBytes; the kernel stops compressing at end of file).
 */
export function decompressBtrfsLzo(data: Uint8Array, ramBytes: number, sectorSize: number, structure: string, baseOffset: number): Uint8Array {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 4) throw corrupt('LZO extent shorter than its header', structure, baseOffset);
  const total = dv.getUint32(0, true);
  if (total < 4 || total > data.length) throw corrupt(`LZO extent length ${total} exceeds the ${data.length} stored bytes`, structure, baseOffset);
  const out = new Uint8Array(ramBytes);
  let cur = 4;
  let op = 0;
  while (cur < total && op < ramBytes) {
    const left = sectorSize - (cur % sectorSize);
    if (left < 4) {
      cur += left;
      if (cur >= total) break;
    }
    if (cur + 4 > total) throw corrupt('LZO segment header runs past the extent', structure, baseOffset + cur);
    const segLen = dv.getUint32(cur, true);
    cur += 4;
    if (segLen === 0 || cur + segLen > total) throw corrupt(`LZO segment of ${segLen} bytes runs past the extent`, structure, baseOffset + cur - 4);
    op = lzo1xDecompress(data.subarray(cur, cur + segLen), out, op, ramBytes, structure, baseOffset + cur);
    cur += segLen;
  }
  return out.subarray(0, op);
}
