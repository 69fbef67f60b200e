/**
 * LZNT1 decompressor: round trips through a small test-only compressor (greedy, [MS-XCA]
 * format), chunk padding rules, and typed errors for malformed input. Real compressed data
 * written by ntfs-3g is covered by the image tests.
 */
import { describe, expect, it } from 'vitest';
import { GuestguardError } from '../../errors.js';
import { LZNT1_CHUNK, lznt1Decompress } from './lznt1.js';
import { seededBytes, textBytes } from './test-support.js';

function lengthBits(pos: number): number {
  let bits = 12;
  for (let p = pos - 1; p >= 0x10; p >>= 1) bits--;
  return bits;
}

/** One chunk, compressed greedily (or stored when that is not smaller). */
function compressChunk(data: Uint8Array): Uint8Array {
  const out: number[] = [];
  let pos = 0;
  while (pos < data.length) {
    const flagsAt = out.length;
    out.push(0);
    for (let bit = 0; bit < 8 && pos < data.length; bit++) {
      const lb = lengthBits(pos);
      const maxLen = Math.min((1 << lb) + 2, data.length - pos);
      const maxOff = Math.min(1 << (16 - lb), pos);
      let bestLen = 0;
      let bestOff = 0;
      for (let off = 1; off <= Math.min(maxOff, 300); off++) {
        let n = 0;
        while (n < maxLen && data[pos + n] === data[pos + n - off]) n++;
        if (n > bestLen) [bestLen, bestOff] = [n, off];
      }
      if (bestLen >= 3) {
        const token = ((bestOff - 1) << lb) | (bestLen - 3);
        out.push(token & 0xff, token >> 8);
        out[flagsAt]! |= 1 << bit;
        pos += bestLen;
      } else out.push(data[pos++]!);
    }
  }
  if (out.length >= data.length) return Uint8Array.from([(data.length - 1) & 0xff, 0x30 | ((data.length - 1) >> 8), ...data]);
  const header = 0xb000 | (out.length - 1);
  return Uint8Array.from([header & 0xff, header >> 8, ...out]);
}

function compress(data: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += LZNT1_CHUNK) parts.push(compressChunk(data.subarray(i, i + LZNT1_CHUNK)));
  return Buffer.concat(parts);
}

const decompress = (src: Uint8Array, size: number) => {
  const out = new Uint8Array(size);
  const n = lznt1Decompress(src, out, 'test unit', 0);
  return { out, n };
};

const isCorrupt = (f: () => unknown) => expect(f).toThrow(GuestguardError);

describe('LZNT1', () => {
  it('round-trips text, random data and runs through the compressor', () => {
    for (const data of [textBytes(65536, 2), seededBytes(65536, 3), new Uint8Array(65536).fill(7), Buffer.concat([textBytes(30000, 1), seededBytes(20000, 4), Buffer.alloc(15536)])]) {
      const packed = compress(data);
      const { out, n } = decompress(packed, 65536);
      expect(n).toBe(65536);
      expect(Buffer.from(out).equals(Buffer.from(data))).toBe(true);
    }
    expect(compress(textBytes(65536, 2)).length).toBeLessThan(20000);
  });

  it('zero-pads a chunk that decompresses to less than 4096 bytes and stops at a zero header', () => {
    const short = compressChunk(textBytes(100, 1));
    const second = compressChunk(new Uint8Array(50).fill(0x41));
    const { out, n } = decompress(Buffer.concat([short, second, Buffer.from([0, 0]), Buffer.from('garbage')]), 3 * LZNT1_CHUNK);
    expect(Buffer.from(out.subarray(0, 100)).equals(textBytes(100, 1))).toBe(true);
    expect(out.subarray(100, LZNT1_CHUNK).every((b) => b === 0)).toBe(true);
    expect(out.subarray(LZNT1_CHUNK, LZNT1_CHUNK + 50).every((b) => b === 0x41)).toBe(true);
    expect(n).toBe(LZNT1_CHUNK + 50);
  });

  it('handles overlapping back references (run-length style)', () => {
    // "ab" then a reference 2 back of length 10 → "abababababab".
    const token = ((2 - 1) << 12) | (10 - 3);
    const body = [0b100, 0x61, 0x62, token & 0xff, token >> 8];
    const chunk = Uint8Array.from([(body.length - 1) & 0xff, 0xb0 | ((body.length - 1) >> 8), ...body]);
    expect(Buffer.from(decompress(chunk, LZNT1_CHUNK).out.subarray(0, 12)).toString()).toBe('abababababab');
  });

  it('rejects malformed data with typed errors', () => {
    // Back reference before the chunk start.
    isCorrupt(() => decompress(Uint8Array.from([0x02, 0xb0, 0x01, 0x00, 0x00]), LZNT1_CHUNK));
    // Chunk longer than the data.
    isCorrupt(() => decompress(Uint8Array.from([0x63, 0xb0, 0x00, 0x41]), LZNT1_CHUNK));
    // Truncated back reference.
    isCorrupt(() => decompress(Uint8Array.from([0x02, 0xb0, 0x02, 0x41, 0x00]), LZNT1_CHUNK));
    // Reference running past the end of the output (the unit or the 4096-byte chunk).
    const token = ((2 - 1) << 12) | (10 - 3);
    const body = [0b100, 0x61, 0x62, token & 0xff, token >> 8];
    const chunk = Uint8Array.from([(body.length - 1) & 0xff, 0xb0 | ((body.length - 1) >> 8), ...body]);
    isCorrupt(() => decompress(chunk, 8));
    expect(() => decompress(chunk, 12)).not.toThrow();
    // Random garbage never escapes as anything but a typed error.
    for (let seed = 1; seed < 300; seed++) {
      const junk = seededBytes(200 + (seed % 50), seed);
      try {
        decompress(junk, 65536);
      } catch (err) {
        expect(err).toBeInstanceOf(GuestguardError);
      }
    }
  });
});
