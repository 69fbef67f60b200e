import { describe, expect, it } from 'vitest';
import { crc32c, crc32cWithZeroedField } from './crc32c.js';

describe('crc32c', () => {
  it('matches the standard check value and known vectors', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
  });

  it('chains across calls and treats a checksum field as zero', () => {
    const data = new Uint8Array(1000).map((_, i) => (i * 31) & 0xff);
    expect(crc32c(data.subarray(300), crc32c(data.subarray(0, 300)))).toBe(crc32c(data));
    const zeroed = data.slice();
    zeroed.fill(0, 4, 8);
    expect(crc32cWithZeroedField(data, 4)).toBe(crc32c(zeroed));
  });
});

describe('crc32c slicing-by-8', () => {
  /** The plain bitwise definition, to check the table-driven code against. */
  function reference(data: Uint8Array, crc = 0): number {
    let c = ~crc >>> 0;
    for (const b of data) {
      c ^= b;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    }
    return ~c >>> 0;
  }

  it('matches the bitwise definition at every length, alignment and chaining point', () => {
    const buf = new Uint8Array(400).map((_, i) => (i * 2654435761) >>> 24);
    for (let start = 0; start < 9; start++) {
      for (const len of [0, 1, 7, 8, 9, 63, 64, 65, 71, 72, 100, 255, 391 - start]) {
        const data = buf.subarray(start, start + len);
        expect(crc32c(data)).toBe(reference(data));
        expect(crc32c(data, 0x12345678)).toBe(reference(data, 0x12345678));
      }
    }
    const node = new Uint8Array(16384).map((_, i) => (i * 40503) >>> 7);
    expect(crc32c(node)).toBe(reference(node));
    expect(crc32c(node.subarray(32 + 5))).toBe(reference(node.subarray(32 + 5)));
  });
});
