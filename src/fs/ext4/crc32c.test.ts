import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

describe('crc32c', () => {
  it('matches the CRC-32C check value (raw register, so the standard value is its complement)', () => {
    expect((~crc32c(0xffffffff, new TextEncoder().encode('123456789'))) >>> 0).toBe(0xe3069283);
  });
  it('chains like a single pass', () => {
    const a = new TextEncoder().encode('hello ');
    const b = new TextEncoder().encode('world');
    expect(crc32c(crc32c(0xffffffff, a), b)).toBe(crc32c(0xffffffff, new TextEncoder().encode('hello world')));
  });
});
