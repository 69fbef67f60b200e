/** Superblock feature gating and open-time warnings, on a real mke2fs image patched in memory. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../disk/block-device.js';
import { checkRange } from '../../disk/range.js';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import { crc32c } from './crc32c.js';
import { openExt4, probeExt4 } from './index.js';

class MemDevice implements BlockDevice {
  readonly name = 'mem.img';
  readonly size: number;
  constructor(readonly bytes: Uint8Array) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.bytes.slice(offset, offset + length);
  }
  async close(): Promise<void> {}
}

const SB = 1024;

describe.skipIf(!hasTool('mkfs.ext4'))('ext4 superblock handling', () => {
  let pristine: Uint8Array;

  beforeAll(() => {
    const dir = fixtureDir('ext4-superblock-v1', (d) => {
      run('mkfs.ext4', ['-q', '-F', '-b', '4096', '-L', 'sbtest', join(d, 'sb.img'), '16M']);
    });
    pristine = new Uint8Array(readFileSync(join(dir, 'sb.img')));
  });

  /** A copy with the superblock patched (checksum recomputed unless told otherwise). */
  function patched(edit: (dv: DataView) => void, fixCsum = true): MemDevice {
    const b = pristine.slice();
    const dv = new DataView(b.buffer, SB, 1024);
    edit(dv);
    if (fixCsum) dv.setUint32(0x3fc, crc32c(0xffffffff, b.subarray(SB, SB + 0x3fc)), true);
    return new MemDevice(b);
  }
  const orIncompat = (bit: number) => (dv: DataView) => dv.setUint32(0x60, dv.getUint32(0x60, true) | bit, true);

  it('opens the untouched image cleanly', async () => {
    const fs = await openExt4(new MemDevice(pristine));
    expect(fs.warnings).toEqual([]);
    expect(fs.label).toBe('sbtest');
    expect(await probeExt4(new MemDevice(pristine))).toBe(true);
  });

  it.each([
    [0x1, /compression/],
    [0x1000, /dirdata/],
    [0x40000, /0x40000/],
    [0x80000000, /0x80000000/],
  ])('refuses unknown or unsupported incompatible feature 0x%s', async (bit, name) => {
    const err = await openExt4(patched(orIncompat(bit))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM', message: expect.stringMatching(name) });
    expect((err as Error).message).toMatch(/incompatible features/);
  });

  it('does not take an external journal device for a filesystem', async () => {
    const dev = patched(orIncompat(0x8));
    expect(await probeExt4(dev)).toBe(false);
    await expect(openExt4(dev)).rejects.toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM', message: expect.stringMatching(/journal device/) });
  });

  it('rejects a missing magic, a tiny device and an impossible block size', async () => {
    const noMagic = patched((dv) => dv.setUint16(0x38, 0, true));
    expect(await probeExt4(noMagic)).toBe(false);
    await expect(openExt4(noMagic)).rejects.toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM' });
    expect(await probeExt4(new MemDevice(new Uint8Array(1500)))).toBe(false);
    await expect(openExt4(new MemDevice(new Uint8Array(1500)))).rejects.toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM' });
    await expect(openExt4(patched((dv) => dv.setUint32(0x18, 7, true)))).rejects.toMatchObject({ code: 'CORRUPT_FILESYSTEM', structure: 'ext4 superblock' });
    await expect(openExt4(patched((dv) => dv.setUint32(0x28, 0, true)))).rejects.toMatchObject({ code: 'CORRUPT_FILESYSTEM', offset: SB + 0x28 });
  });

  it('warns about a bad checksum, recorded errors and a truncated device, and still reads', async () => {
    const badCsum = await openExt4(patched((dv) => dv.setUint8(0x78, 0x58), false));
    expect(badCsum.warnings).toEqual(['superblock checksum mismatch']);
    const errors = await openExt4(patched((dv) => dv.setUint16(0x3a, 0x3, true)));
    expect(errors.warnings.join()).toMatch(/errors/);
    const truncated = await openExt4(new MemDevice(pristine.subarray(0, 12 * 1024 * 1024)));
    expect(truncated.warnings.join()).toMatch(/truncated/);
    expect((await truncated.readdir(2)).map((e) => e.name)).toContain('lost+found');
  });
});
