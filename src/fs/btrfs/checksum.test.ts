import { describe, expect, it } from 'vitest';
import { crc32c, btrfsNameHash } from './crc32c.js';
import { xxhash64 } from './xxhash64.js';

const enc = new TextEncoder();

describe('btrfs checksums', () => {
  it('crc32c matches the Castagnoli check value', () => {
    expect(crc32c(enc.encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('name hash is the kernel crc32c(~1, name) without final inversion', () => {
    // "default" is the root tree's DIR_ITEM naming the default subvolume; its key offset on
    // every btrfs filesystem is 0x8dbfc2d2 (seen with btrfs inspect-internal dump-tree).
    expect(btrfsNameHash(enc.encode('default'))).toBe(0x8dbfc2d2);
  });

  it('xxhash64 matches the reference test vectors', () => {
    expect(xxhash64(new Uint8Array(0))).toBe(0xef46db3751d8e999n);
    expect(xxhash64(enc.encode('a'))).toBe(0xd24ec4f1a98c6e5bn);
    expect(xxhash64(enc.encode('abc'))).toBe(0x44bc2cf5ad770999n);
    // Long enough for the four-lane path.
    expect(xxhash64(enc.encode('Nobody inspects the spammish repetition'))).toBe(0xfbcea83c8a378bf1n);
  });

  it('xxhash64 of a 16 KiB node is fast enough for metadata', () => {
    const b = new Uint8Array(16384).map((_, i) => (i * 7) & 0xff);
    const t = performance.now();
    for (let i = 0; i < 20; i++) xxhash64(b);
    const ms = (performance.now() - t) / 20;
    console.log(`xxhash64 16K: ${ms.toFixed(2)} ms`);
    expect(ms).toBeLessThan(50);
  });
});
