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
