/**
 * VDI reader against real images made by qemu-img (dynamic and static), checked byte for byte
 * against `qemu-img convert -O raw`; damaged images give typed errors; fuzzing never escapes.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256, sha256File } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { openImage } from '../open-image.js';
import { deviceSha256, fuzzImage, randomRanges, readFileRange, sampleDevice, scratchDir } from '../vhd/image-testing.js';
import { VdiImage } from './vdi-image.js';

const haveQemu = hasTool('qemu-img');
const MiB = 1024 * 1024;
const VARIANTS: [string, string][] = [
  ['dynamic', 'static=off'],
  ['static', 'static=on'],
];

function build(dir: string): void {
  makePatternedRaw(join(dir, 'base.raw'), 36, 21);
  for (const [name, opts] of VARIANTS) {
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'vdi', '-o', opts, join(dir, 'base.raw'), join(dir, `${name}.vdi`)]);
    run('qemu-img', ['convert', '-f', 'vdi', '-O', 'raw', join(dir, `${name}.vdi`), join(dir, `${name}.expected.raw`)]);
  }
  // A small dynamic image for corruption and fuzzing: 3 MiB of data, one zero MiB in between.
  const small = Buffer.alloc(4 * MiB);
  for (let i = 0; i < small.length; i++) if (i < MiB || i >= 2 * MiB) small[i] = (i * 13 + (i >> 10)) & 0xff;
  writeFileSync(join(dir, 'small.raw'), small);
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'vdi', join(dir, 'small.raw'), join(dir, 'small.vdi')]);
}

const dir = haveQemu ? fixtureDir('vdi', build) : '';

async function openBytes(bytes: Buffer): Promise<GuestguardError | undefined> {
  const tmp = scratchDir('gg-vdi-');
  const path = join(tmp, 'x.vdi');
  writeFileSync(path, bytes);
  try {
    const img = await openImage(path);
    try {
      await sampleDevice(img, 64 * 1024, 4096);
    } finally {
      await img.close();
    }
    return undefined;
  } catch (err) {
    if (err instanceof GuestguardError) return err;
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

describe.skipIf(!haveQemu)('VDI images made by qemu-img', () => {
  for (const [name] of VARIANTS) {
    it(`${name}: size and whole-device SHA-256 match qemu-img convert -O raw`, async () => {
      const path = join(dir, `${name}.vdi`);
      const info = JSON.parse(run('qemu-img', ['info', '--output=json', path])) as { 'virtual-size': number };
      const img = (await openImage(path)) as VdiImage;
      try {
        expect(img.format).toBe('vdi');
        expect(img.fixed).toBe(name === 'static');
        expect(img.size).toBe(info['virtual-size']);
        expect(await deviceSha256(img)).toBe(await sha256File(join(dir, `${name}.expected.raw`)));
      } finally {
        await img.close();
      }
    });

    it(`${name}: random ranges match`, async () => {
      const img = await openImage(join(dir, `${name}.vdi`));
      try {
        for (const [off, len] of randomRanges(img.size, 60, 5)) {
          expect(sha256(await img.read(off, len))).toBe(sha256(await readFileRange(join(dir, `${name}.expected.raw`), off, len)));
        }
      } finally {
        await img.close();
      }
    });
  }

  it('reads only the header at open and coalesces a static image into one host read', async () => {
    const img = (await openImage(join(dir, 'static.vdi'))) as VdiImage;
    try {
      const stats = img.files[0]!.stats;
      expect(stats.hostBytesRead).toBeLessThanOrEqual(8192);
      const before = { ...stats };
      await img.read(MiB / 2, 8 * MiB);
      // Block map page + one data read for eight contiguous 1 MiB blocks.
      expect(stats.hostReads - before.hostReads).toBeLessThanOrEqual(3);
    } finally {
      await img.close();
    }
  });

  it('reads zero blocks (0xfffffffe) as zeros', async () => {
    const b = Buffer.from(readFileSync(join(dir, 'small.vdi')));
    const map = b.readUInt32LE(0x154);
    expect(b.readUInt32LE(map + 4)).toBe(0xffffffff); // the zero MiB was never allocated
    b.writeUInt32LE(0xfffffffe, map); // discard block 0
    const tmp = scratchDir('gg-vdi-');
    try {
      writeFileSync(join(tmp, 'z.vdi'), b);
      const img = await openImage(join(tmp, 'z.vdi'));
      try {
        const data = await img.read(0, 4 * MiB);
        const raw = readFileSync(join(dir, 'small.raw'));
        expect(data.subarray(0, 2 * MiB).every((x) => x === 0)).toBe(true);
        expect(Buffer.from(data.subarray(2 * MiB)).equals(raw.subarray(2 * MiB))).toBe(true);
      } finally {
        await img.close();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('refuses differencing VDIs and unknown versions with clear errors', async () => {
    const diff = Buffer.from(readFileSync(join(dir, 'small.vdi')));
    diff.writeUInt32LE(4, 0x4c);
    const e1 = await openBytes(diff);
    expect(e1?.code).toBe('UNSUPPORTED_IMAGE');
    expect(e1?.message).toMatch(/differencing VDI/);
    const v0 = Buffer.from(readFileSync(join(dir, 'small.vdi')));
    v0.writeUInt32LE(0x00010000, 0x44);
    expect((await openBytes(v0))?.code).toBe('UNSUPPORTED_IMAGE');
  });

  it('reports a block map entry outside the file and a truncated map', async () => {
    const b = Buffer.from(readFileSync(join(dir, 'small.vdi')));
    b.writeUInt32LE(3, b.readUInt32LE(0x154));
    const e = await openBytes(b);
    expect(e?.code).toBe('CORRUPT_IMAGE');
    expect(e?.structure).toBe('VDI block map entry 0');
    const t = await openBytes(Buffer.from(readFileSync(join(dir, 'small.vdi'))).subarray(0, 0x200 + 8));
    expect(t?.code).toBe('TRUNCATED_IMAGE');
  });

  it('fuzz: every mutant opens or fails with a typed error', async () => {
    const tmp = scratchDir('gg-vdi-fuzz-');
    try {
      const image = readFileSync(join(dir, 'small.vdi'));
      const mapAt = image.readUInt32LE(0x154);
      const report = await fuzzImage({
        image,
        path: join(tmp, 'm.vdi'),
        iterations: 1500,
        seed: 3,
        hot: [[0x40, 0x1d8], [mapAt, mapAt + 16]],
        exercise: async (path) => {
          const img = await openImage(path);
          try {
            await sampleDevice(img, 128 * 1024, 4096);
          } finally {
            await img.close();
          }
        },
      });
      expect(report.opened).toBeGreaterThan(100);
      expect([...report.rejected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(300);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
