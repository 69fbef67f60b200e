/**
 * Damaged VHDX files (real qemu images with targeted corruption) give typed errors naming the
 * structure; header and region table copies are used as the spec intends; fuzzing real images
 * (including a dirty log with valid checksums and a differencing child) never escapes.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { openImage } from '../open-image.js';
import { fuzzImage, sampleDevice, scratchDir } from '../vhd/image-testing.js';
import { crc32cWithZeroedField } from '../../util/crc32c.js';
import { fixHeaderCrc, fixRegionCrc, guidBytes, layout } from './vhdx-testing.js';

/** Rewrites the CRC-32C field at offset 4 of a header or region table after a mutation. */
const fixCrc = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(4, crc32cWithZeroedField(b, 4), true);

const haveQemu = hasTool('qemu-img') && hasTool('qemu-io');
const MiB = 1024 * 1024;

function build(dir: string): void {
  const raw = Buffer.alloc(5 * MiB);
  for (const b of [0, 1, 3]) for (let i = b * MiB; i < (b + 1) * MiB; i++) raw[i] = (i * 53 + b) & 0xff;
  writeFileSync(join(dir, 'small.raw'), raw);
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'vhdx', '-o', 'block_size=1M', join(dir, 'small.raw'), join(dir, 'small.vhdx')]);
}

const dir = haveQemu ? fixtureDir('vhdx-small', build) : '';
const small = () => Buffer.from(readFileSync(join(dir, 'small.vhdx')));

async function outcome(bytes: Buffer): Promise<GuestguardError | Buffer> {
  const tmp = scratchDir('gg-vhdx-');
  const path = join(tmp, 'x.vhdx');
  writeFileSync(path, bytes);
  try {
    const img = await openImage(path);
    try {
      return Buffer.from(await img.read(0, img.size));
    } finally {
      await img.close();
    }
  } catch (err) {
    if (err instanceof GuestguardError) return err;
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function failure(bytes: Buffer): Promise<GuestguardError> {
  const r = await outcome(bytes);
  if (r instanceof GuestguardError) return r;
  throw new Error('expected a failure');
}

async function opens(bytes: Buffer): Promise<void> {
  const r = await outcome(bytes);
  if (r instanceof GuestguardError) throw r;
  expect(r.equals(readFileSync(join(dir, 'small.raw')))).toBe(true);
}

describe.skipIf(!haveQemu)('damaged VHDX files', () => {
  it('uses the other header when one fails its CRC, and refuses when both do', async () => {
    const b = small();
    const l = layout(b);
    b[l.headerOffsets[l.current] + 40]! ^= 1;
    await opens(b);
    b[l.headerOffsets[1 - l.current]! + 40]! ^= 1;
    const err = await failure(b);
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.message).toMatch(/no valid VHDX header.*CRC-32C mismatch/);
  });

  it('uses the second region table when the first fails its CRC, and refuses when both do', async () => {
    const b = small();
    b[192 * 1024 + 20]! ^= 0x80;
    await opens(b);
    b[256 * 1024 + 20]! ^= 0x80;
    const err = await failure(b);
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.structure).toBe('VHDX region table');
    expect(err.message).toMatch(/copy 1: CRC-32C mismatch; copy 2: CRC-32C mismatch/);
  });

  it('refuses an unknown required region', async () => {
    const b = small();
    for (const rt of [192 * 1024, 256 * 1024]) {
      const n = b.readUInt32LE(rt + 8);
      const e = rt + 16 + n * 32;
      guidBytes('11111111-2222-3333-4444-555555555555').copy(b, e);
      b.writeBigUInt64LE(BigInt(b.length), e + 16);
      b.writeUInt32LE(MiB, e + 24);
      b.writeUInt32LE(1, e + 28);
      b.writeUInt32LE(n + 1, rt + 8);
      fixRegionCrc(b, rt);
    }
    const err = await failure(Buffer.concat([b, Buffer.alloc(MiB)]));
    expect(err.code).toBe('UNSUPPORTED_IMAGE');
    expect(err.message).toMatch(/requires region 11111111-2222-3333-4444-555555555555/);
  });

  it('refuses overlapping regions', async () => {
    const b = small();
    const l = layout(b);
    for (const rt of [192 * 1024, 256 * 1024]) {
      for (let i = 0; i < b.readUInt32LE(rt + 8); i++) {
        const e = rt + 16 + i * 32;
        if (Number(b.readBigUInt64LE(e + 16)) === l.metadataOffset) b.writeBigUInt64LE(BigInt(l.batOffset), e + 16);
      }
      fixRegionCrc(b, rt);
    }
    const err = await failure(b);
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.message).toMatch(/overlaps/);
  });

  it('refuses an unknown required metadata item and a bad block size', async () => {
    const b = small();
    const l = layout(b);
    const md = l.metadataOffset;
    const n = b.readUInt16LE(md + 10);
    const e = md + 32 + n * 32;
    guidBytes('99999999-8888-7777-6666-555555555555').copy(b, e);
    b.writeUInt32LE(4, e + 24);
    b.writeUInt16LE(n + 1, md + 10);
    expect((await failure(b)).code).toBe('UNSUPPORTED_IMAGE');

    const c = small();
    for (let i = 0; i < c.readUInt16LE(md + 10); i++) {
      const x = md + 32 + i * 32;
      if (guidBytes('CAA16737-FA36-4D43-B3B6-33F0AA44E76B').equals(c.subarray(x, x + 16))) c.writeUInt32LE(3 * MiB, md + c.readUInt32LE(x + 16));
    }
    const err = await failure(c);
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.message).toMatch(/block size/);
  });

  it('reports a truncated file and a BAT entry in the header section', async () => {
    const b = small();
    expect((await failure(b.subarray(0, 3 * MiB + 100))).code).toBe('TRUNCATED_IMAGE');
    const c = small();
    const l = layout(c);
    c.writeBigUInt64LE(6n, l.batOffset + 8); // block 1: fully present at offset 0
    const err = await failure(c);
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.structure).toBe('VHDX BAT entry 1');
  });

  it('fixes up a header edit correctly (sanity check of the test helper)', async () => {
    const b = small();
    const l = layout(b);
    b.writeUInt32LE(0, l.headerOffsets[l.current] + 68); // log length 0 is legal for a clean log
    fixHeaderCrc(b, l.headerOffsets[l.current]);
    await opens(b);
  });
});

describe.skipIf(!haveQemu)('VHDX fuzz', () => {
  const exercise = async (path: string) => {
    const img = await openImage(path);
    try {
      await sampleDevice(img, 128 * 1024, 4096);
    } finally {
      await img.close();
    }
  };
  const total = (r: { opened: number; rejected: Map<string, number> }) => r.opened + [...r.rejected.values()].reduce((a, b) => a + b, 0);

  it('mutants of a real dynamic image open or fail with a typed error', async () => {
    const tmp = scratchDir('gg-vhdx-fuzz-');
    try {
      const image = small();
      const l = layout(image);
      const report = await fuzzImage({
        image,
        path: join(tmp, 'm.vhdx'),
        iterations: 1200,
        seed: 11,
        hot: [
          [0, 16],
          [64 * 1024, 64 * 1024 + 80],
          [128 * 1024, 128 * 1024 + 80],
          [192 * 1024, 192 * 1024 + 80],
          [l.metadataOffset, l.metadataOffset + 32 + 6 * 32],
          [l.metadataOffset + 64 * 1024, l.metadataOffset + 64 * 1024 + 64],
          [l.batOffset, l.batOffset + 64],
        ],
        checksummed: [
          { start: 64 * 1024, length: 4096, fix: (h) => fixCrc(h) },
          { start: 128 * 1024, length: 4096, fix: (h) => fixCrc(h) },
          { start: 192 * 1024, length: 64 * 1024, fix: (t) => fixCrc(t) },
        ],
        exercise,
      });
      expect(report.opened).toBeGreaterThan(100);
      expect(total(report) - report.opened).toBeGreaterThan(300);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

});
