/**
 * Decompressors on hand-made streams (LZO opcodes are built from the format description) and
 * on real zstd/zlib output, including every bounds check. The kernel image tests cover real
 * btrfs extents of all three algorithms.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { GuestguardError } from '../../errors.js';
import { hasTool } from '../../../test/helpers/fixtures.js';
import { decompressExtent, zstdFrameLength } from './compression.js';
import { COMPRESS_LZO, COMPRESS_ZLIB, COMPRESS_ZSTD } from './constants.js';
import { decompressBtrfsLzo, lzo1xDecompress } from './lzo.js';
import { text } from './test-tree.js';

const bytes = (...parts: (ArrayLike<number> | string)[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p)] : Array.from(p))));
const END = [0x11, 0x00, 0x00];

function lzo(src: Uint8Array, cap = 4096): string {
  const out = new Uint8Array(cap);
  const n = lzo1xDecompress(src, out, 0, cap, 'test');
  return Buffer.from(out.subarray(0, n)).toString('latin1');
}

/** A literal-only LZO stream of n bytes (n >= 19), using the long-literal opcode. */
function literalStream(data: Uint8Array): Uint8Array {
  let rest = data.length - 18;
  const zeros: number[] = [];
  while (rest > 255) {
    zeros.push(0);
    rest -= 255;
  }
  return bytes([0x00], zeros, [rest], data, END);
}

const le32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, n >>> 24];

describe('LZO1X decompressor', () => {
  it('decodes literal runs and the end marker', () => {
    expect(lzo(bytes([17 + 5], 'hello', END))).toBe('hello');
    expect(lzo(literalStream(Buffer.from('z'.repeat(1000))))).toBe('z'.repeat(1000));
  });

  it('decodes each match opcode', () => {
    // 0 1 L DDD SS: 4 bytes from distance 4.
    expect(lzo(bytes([21], 'abcd', [0x6c, 0x00], END))).toBe('abcdabcd');
    // 0 0 1 LLLLL + LE16: 8 bytes from distance 1 (overlapping copy), then 2 trailing literals.
    expect(lzo(bytes([18], 'a', [0x26, 0x02, 0x00], 'xy', END))).toBe('a'.repeat(9) + 'xy');
    // After 2 literals, a 0..15 opcode copies 2 bytes from distance (H<<2)+D+1.
    expect(lzo(bytes([19], 'xy', [0x04, 0x00], END))).toBe('xyxy');
    // 0 0 0 1 H LLL + LE16: distance 16384 + D; needs 16 KiB of history.
    const lit = text(16400, 3);
    const stream = bytes(literalStream(lit).slice(0, -3), [0x11, 0x40, 0x00], END);
    expect(lzo(stream, 20000)).toBe(lit.toString('latin1') + lit.subarray(0, 3).toString('latin1'));
    // The same opcode with H set reaches 32 KiB further back, beyond this output: corrupt.
    expect(() => lzo(bytes(literalStream(lit).slice(0, -3), [0x19, 0x40, 0x00], END), 20000)).toThrow(GuestguardError);
  });

  it('rejects back-references before the start, overflows, truncation and LZO-RLE', () => {
    const bad = (src: Uint8Array, cap = 4096) => expect(() => lzo(src, cap)).toThrow(GuestguardError);
    bad(bytes([18], 'a', [0x26, 0x08, 0x00], END)); // distance 3 with 1 byte of output
    bad(bytes([17 + 5], 'hello', END), 4); // output larger than the buffer
    bad(bytes([17 + 5], 'hel')); // literals cut short
    bad(bytes([17 + 5], 'hello')); // no end marker
    bad(bytes([17, 1, 0x11, 0, 0])); // LZO-RLE bitstream version byte
    bad(bytes([0x00, 0x00, 0x00])); // zero-length run never terminated
  });

  it('follows btrfs framing: segments with headers that never straddle a sector', () => {
    const a = Buffer.from(text(4066, 5));
    const seg1 = literalStream(a); // 4086 bytes: ends 2 bytes before the sector boundary
    expect(seg1.length).toBe(4086);
    const seg2 = bytes([17 + 4], 'tail', END);
    const total = 4096 + 4 + seg2.length;
    const frame = bytes(le32(total), le32(seg1.length), seg1, [0, 0], le32(seg2.length), seg2, new Array(100).fill(0));
    const out = decompressBtrfsLzo(frame, 4070, 4096, 'test', 0);
    expect(Buffer.from(out).toString('latin1')).toBe(a.toString('latin1') + 'tail');
    // A total length beyond the stored bytes, or a segment beyond the total, is corrupt.
    expect(() => decompressBtrfsLzo(bytes(le32(9999), le32(4), [0, 0, 0, 0]), 10, 4096, 't', 0)).toThrow(GuestguardError);
    expect(() => decompressBtrfsLzo(bytes(le32(12), le32(400), [0, 0, 0, 0]), 10, 4096, 't', 0)).toThrow(GuestguardError);
  });
});

describe.skipIf(!hasTool('zstd'))('zstd extents', () => {
  for (const flags of [[], ['--no-check']]) {
    it(`finds the frame end inside sector padding (zstd ${flags.join(' ') || 'with checksum'})`, async () => {
      const data = text(100_000, 9);
      const frame = execFileSync('zstd', ['-q', '-c', ...flags], { input: data });
      const padded = new Uint8Array(Math.ceil(frame.length / 4096) * 4096 + 4096);
      padded.set(frame);
      expect(zstdFrameLength(padded, 'test', 0)).toBe(frame.length);
      const out = await decompressExtent(COMPRESS_ZSTD, padded, data.length, 4096, 'test', 0);
      expect(Buffer.from(out).equals(data)).toBe(true);
    });
  }

  it('rejects corrupt frames with typed errors', async () => {
    const frame = execFileSync('zstd', ['-q', '-c'], { input: text(50_000, 2) });
    await expect(decompressExtent(COMPRESS_ZSTD, frame.subarray(0, 40), 50_000, 4096, 't', 0)).rejects.toBeInstanceOf(GuestguardError);
    const flipped = Uint8Array.from(frame);
    flipped[20] = flipped[20]! ^ 0xff;
    flipped[30] = flipped[30]! ^ 0x55;
    await expect(decompressExtent(COMPRESS_ZSTD, flipped, 50_000, 4096, 't', 0)).rejects.toBeInstanceOf(GuestguardError);
  });
});

describe('zlib and dispatch', () => {
  it('inflates like the kernel: zlib header skipped, trailing padding ignored', async () => {
    const data = text(128 * 1024, 4);
    const z = deflateSync(data);
    const padded = new Uint8Array(z.length + 3000);
    padded.set(z);
    expect(Buffer.from(await decompressExtent(COMPRESS_ZLIB, padded, data.length, 4096, 't', 0)).equals(data)).toBe(true);
    // A stream that would produce more than ram_bytes is corrupt, not a buffer overrun.
    await expect(decompressExtent(COMPRESS_ZLIB, z, 1000, 4096, 't', 0)).rejects.toMatchObject({ code: 'CORRUPT_FILESYSTEM' });
    await expect(decompressExtent(COMPRESS_ZLIB, new Uint8Array(50).fill(7), 1000, 4096, 't', 0)).rejects.toBeInstanceOf(GuestguardError);
  });

  it('refuses unknown algorithms', async () => {
    await expect(decompressExtent(9, new Uint8Array(10), 10, 4096, 't', 0)).rejects.toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM' });
    await expect(decompressExtent(COMPRESS_LZO, new Uint8Array(2), 10, 4096, 't', 0)).rejects.toBeInstanceOf(GuestguardError);
  });
});
