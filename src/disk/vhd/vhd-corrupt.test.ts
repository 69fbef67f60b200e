/**
 * Damaged VHDs (real qemu images with targeted corruption) give typed errors naming the
 * structure, and a fuzz run over thousands of mutants never escapes as an untyped error or hang.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { openImage } from '../open-image.js';
import { vhdChecksum } from './footer.js';
import { fuzzImage, sampleDevice, scratchDir } from './image-testing.js';

const haveQemu = hasTool('qemu-img');
const MiB = 1024 * 1024;

function build(dir: string): void {
  // 3 MiB of non-zero data: two 2 MiB blocks, both allocated.
  const raw = Buffer.alloc(3 * MiB);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 7 + (i >> 12)) & 0xff;
  writeFileSync(join(dir, 'small.raw'), raw);
  for (const sub of ['dynamic', 'fixed']) {
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', `subformat=${sub}`, join(dir, 'small.raw'), join(dir, `small-${sub}.vhd`)]);
  }
}

const dir = haveQemu ? fixtureDir('vhd-small', build) : '';

async function failure(bytes: Buffer, name: string, read = false): Promise<GuestguardError> {
  const tmp = mkdtempSync(join(tmpdir(), 'gg-vhd-'));
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  try {
    const img = await openImage(path);
    try {
      if (read) for (let off = 0; off < img.size; off += MiB) await img.read(off, Math.min(MiB, img.size - off));
    } finally {
      await img.close();
    }
  } catch (err) {
    if (err instanceof GuestguardError) return err;
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  throw new Error('expected a failure');
}

/** Rewrites a VHD checksum field (big-endian, at `at`) after a mutation. */
function fixChecksum(b: Uint8Array, at: number): void {
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, vhdChecksum(b, at), false);
}

const dynamic = () => Buffer.from(readFileSync(join(dir, 'small-dynamic.vhd')));
const fixed = () => Buffer.from(readFileSync(join(dir, 'small-fixed.vhd')));

describe.skipIf(!haveQemu)('damaged VHD images', () => {
  it('rejects a fixed image whose footer checksum is wrong', async () => {
    const b = fixed();
    b[b.length - 512 + 48]! ^= 0x01; // current size
    const err = await failure(b, 'f.vhd');
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.message).toMatch(/footer checksum mismatch/);
    expect(err.structure).toBe('VHD footer');
  });

  it('rejects a dynamic image when both footer copies are damaged', async () => {
    const b = dynamic();
    b[40]! ^= 0xff;
    b[b.length - 512 + 40]! ^= 0xff;
    const err = await failure(b, 'd.vhd');
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.message).toMatch(/checksum/);
  });

  it('falls back to the trailing footer when the first copy is damaged', async () => {
    const b = dynamic();
    b[40]! ^= 0xff;
    const tmp = mkdtempSync(join(tmpdir(), 'gg-vhd-'));
    try {
      writeFileSync(join(tmp, 'd.vhd'), b);
      const img = await openImage(join(tmp, 'd.vhd'), { format: 'vhd' });
      try {
        expect(Buffer.from(await img.read(0, 3 * MiB)).equals(readFileSync(join(dir, 'small.raw')))).toBe(true);
      } finally {
        await img.close();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('rejects a dynamic header with a bad checksum', async () => {
    const b = dynamic();
    b[512 + 32]! ^= 0x10; // block size
    const err = await failure(b, 'd.vhd');
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.message).toMatch(/dynamic header checksum/);
    expect(err.offset).toBe(512);
  });

  it('reports a truncated dynamic image on read', async () => {
    const b = dynamic();
    const err = await failure(b.subarray(0, 1536 + 512 + 1 * MiB), 'd.vhd', true);
    expect(err.code).toBe('TRUNCATED_IMAGE');
  });

  it('reports a BAT that lies beyond the end of the file', async () => {
    const b = dynamic();
    const err = await failure(b.subarray(0, 1540), 'd.vhd');
    expect(err.code).toBe('TRUNCATED_IMAGE');
    expect(err.structure).toBe('VHD BAT');
  });

  it('reports a BAT entry that points outside the file', async () => {
    const b = dynamic();
    b.writeUInt32BE(0x7ffffff0, 1536 + 4);
    const err = await failure(b, 'd.vhd', true);
    expect(err.code).toBe('TRUNCATED_IMAGE');
    expect(err.structure).toBe('VHD BAT entry 1');
  });

  it('refuses a differencing image that names no parent', async () => {
    const b = dynamic();
    for (const at of [0, b.length - 512]) {
      const f = b.subarray(at, at + 512);
      f.writeUInt32BE(4, 60);
      f.writeUInt32BE(vhdChecksum(f, 64), 64);
    }
    const err = await failure(b, 'd.vhd');
    expect(err.code).toBe('BACKING_FILE_MISSING');
    expect(err.message).toMatch(/names no usable parent/);
  });
});

describe.skipIf(!haveQemu)('VHD fuzz', () => {
  it('every mutant of real dynamic and fixed images opens or fails with a typed error', async () => {
    const tmp = scratchDir('gg-vhd-fuzz-');
    try {
      const d = dynamic();
      const batHot: [number, number] = [1536, 2048];
      const bitmapHot: [number, number][] = [0, 1].map((i) => {
        const e = d.readUInt32BE(1536 + i * 4) * 512;
        return [e, e + 512];
      });
      const exercise = async (path: string) => {
        const img = await openImage(path);
        try {
          await sampleDevice(img);
        } finally {
          await img.close();
        }
      };
      const dyn = await fuzzImage({
        image: d,
        path: join(tmp, 'm.vhd'),
        iterations: 2000,
        seed: 1,
        hot: [[0, 512], [512, 1536], batHot, ...bitmapHot, [d.length - 512, d.length]],
        checksummed: [
          { start: 0, length: 512, fix: (f) => fixChecksum(f, 64) },
          { start: 512, length: 1024, fix: (h) => fixChecksum(h, 36) },
        ],
        exercise,
      });
      const f = fixed();
      const fix = await fuzzImage({
        image: f,
        path: join(tmp, 'f.vhd'),
        iterations: 600,
        seed: 2,
        hot: [[f.length - 512, f.length]],
        checksummed: [{ start: f.length - 512, length: 512, fix: (x) => fixChecksum(x, 64) }],
        exercise,
      });
      // The run must exercise both outcomes, or it is not testing much.
      expect(dyn.opened).toBeGreaterThan(50);
      expect([...dyn.rejected.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(300);
      expect(fix.opened + [...fix.rejected.values()].reduce((a, b) => a + b, 0)).toBe(600);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
