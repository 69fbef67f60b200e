import { describe, expect, it } from 'vitest';
import { crc32, crc32cRaw } from './crc32.js';

describe('CRC-32 variants', () => {
  const check = new TextEncoder().encode('123456789');
  it('matches the standard check values', () => {
    expect(crc32(check)).toBe(0xcbf43926);
    expect((crc32cRaw(0xffffffff, check) ^ 0xffffffff) >>> 0).toBe(0xe3069283);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});
