/**
 * VHDX reader against real images made by qemu-img (dynamic, fixed, 1 MiB blocks with ZERO
 * block states, 32 MiB blocks with a partial last block), checked byte for byte against
 * `qemu-img convert -O raw`.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256, sha256File } from '../../../test/helpers/fixtures.js';
import { openImage } from '../open-image.js';
import { deviceSha256, randomRanges, readFileRange } from '../vhd/image-testing.js';
import { VhdxImage } from './vhdx-image.js';

const haveQemu = hasTool('qemu-img');
const MiB = 1024 * 1024;

const VARIANTS: [string, string][] = [
  ['dynamic', 'subformat=dynamic'],
  ['fixed', 'subformat=fixed'],
  ['bs1m', 'subformat=dynamic,block_size=1M'],
  ['bs32m', 'subformat=dynamic,block_size=32M'],
  ['fixed-nozero', 'subformat=fixed,block_state_zero=off'],
];

function build(dir: string): void {
  makePatternedRaw(join(dir, 'base.raw'), 44, 31);
  for (const [name, opts] of VARIANTS) {
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'vhdx', '-o', opts, join(dir, 'base.raw'), join(dir, `${name}.vhdx`)]);
    run('qemu-img', ['convert', '-f', 'vhdx', '-O', 'raw', join(dir, `${name}.vhdx`), join(dir, `${name}.expected.raw`)]);
  }
}

const dir = haveQemu ? fixtureDir('vhdx', build) : '';

describe.skipIf(!haveQemu)('VHDX images made by qemu-img', () => {
  for (const [name] of VARIANTS) {
    it(`${name}: size and whole-device SHA-256 match qemu-img convert -O raw`, async () => {
      const path = join(dir, `${name}.vhdx`);
      const info = JSON.parse(run('qemu-img', ['info', '--output=json', path])) as { 'virtual-size': number; format: string };
      const img = await openImage(path);
      try {
        expect(img.format).toBe('vhdx');
        expect(info.format).toBe('vhdx');
        expect(img.size).toBe(info['virtual-size']);
        expect(await deviceSha256(img)).toBe(await sha256File(join(dir, `${name}.expected.raw`)));
      } finally {
        await img.close();
      }
    });

    it(`${name}: random ranges match`, async () => {
      const img = await openImage(join(dir, `${name}.vhdx`));
      try {
        for (const [off, len] of randomRanges(img.size, 60, name.length * 3)) {
          expect(sha256(await img.read(off, len))).toBe(sha256(await readFileRange(join(dir, `${name}.expected.raw`), off, len)));
        }
      } finally {
        await img.close();
      }
    });
  }

  it('exposes the block size, chunk ratio and kind', async () => {
    const bs1 = (await openImage(join(dir, 'bs1m.vhdx'))) as VhdxImage;
    const fixed = (await openImage(join(dir, 'fixed.vhdx'))) as VhdxImage;
    try {
      expect(bs1.blockSize).toBe(MiB);
      expect(bs1.chunkRatio).toBe(4096);
      expect(bs1.kind).toBe('dynamic');
      expect(bs1.metadata.logicalSectorSize).toBe(512);
      expect(bs1.replayedLogEntries).toBe(0);
      expect(fixed.kind).toBe('fixed');
    } finally {
      await bs1.close();
      await fixed.close();
    }
  });

  it('reads only headers and tables at open, and coalesces contiguous blocks', async () => {
    const img = (await openImage(join(dir, 'fixed.vhdx'))) as VhdxImage;
    try {
      const stats = img.files[0]!.stats;
      // Headers, region table and the 64 KiB metadata table; no BAT, no data.
      expect(stats.hostBytesRead).toBeLessThan(256 * 1024);
      const before = stats.hostReads;
      await img.read(1 * MiB, 20 * MiB);
      // One BAT page and one data read: fixed blocks are laid out back to back.
      expect(stats.hostReads - before).toBeLessThanOrEqual(3);
    } finally {
      await img.close();
    }
  });
});
