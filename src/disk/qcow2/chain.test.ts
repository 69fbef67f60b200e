/**
 * Backing chains made by qemu-img and written with qemu-io: qcow2 over qcow2 over raw with
 * relative names, sub-cluster (extended L2) overlays, zeroed ranges, and broken chains.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256File } from '../../../test/helpers/fixtures.js';
import { backingChain, type DiskImage } from '../disk-image.js';
import { openImage } from '../open-image.js';
import type { Qcow2Image } from './index.js';

const MiB = 1024 * 1024;

function qemuIo(img: string, cmds: string[]): void {
  run('qemu-io', ['-f', 'qcow2', ...cmds.flatMap((c) => ['-c', c]), img]);
}

/** Overlays on top of sub/mid.qcow2 (which sits on ../base.raw), each with its own writes. */
const TOPS: Record<string, { opts: string[]; size?: string; io: string[] }> = {
  top: {
    opts: [],
    io: [
      'write -P 0xab 1152k 64k',
      'write -P 0xab 3M 1000', // partial cluster: the rest is copied up from the backing chain
      'write -z 6M 3M', // zero clusters hide backing data
      'write -z 100k 8k', // partial zero write inside a cluster
      'discard 12M 1M',
    ],
  },
  'top-v2': {
    // v2 has no zero flag: zero writes over a backing file must store zeros.
    opts: ['-o', 'compat=0.10'],
    io: ['write -P 0xab 1152k 64k', 'write -z 6M 3M', 'write -P 0xcd 20M 5000'],
  },
  'top-extl2': {
    // 2 KiB subclusters: clusters partly allocated, partly zero, partly still from the backing file.
    opts: ['-o', 'extended_l2=on'],
    io: ['write -P 0xcd 1028k 4k', 'write -z 2050k 6k', 'write -P 0xce 2100k 2k', 'write -z 9M 128k', 'write -P 0xcf 31M 1M'],
  },
  'top-bigger': {
    // Larger than its backing file: the part beyond the backing reads as zeros.
    opts: [],
    size: '48M',
    io: ['write -P 0xee 40M 64k', 'write -P 0xef 31M 2M'],
  },
  'top-compressed': {
    // qemu-io -C writes compressed clusters into an overlay.
    opts: [],
    io: ['write -c -P 0x77 4M 64k', 'write -c -P 0x78 4160k 64k'],
  },
};

function buildChains(dir: string): void {
  mkdirSync(join(dir, 'sub'));
  makePatternedRaw(join(dir, 'base.raw'), 32, 3);
  // Relative backing names: resolved against the folder of the image that names them.
  run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', '../base.raw', '-F', 'raw', join(dir, 'sub', 'mid.qcow2')]);
  qemuIo(join(dir, 'sub', 'mid.qcow2'), ['write -P 0x5a 1M 256k', 'write -P 0x33 10000k 4k', 'write -z 20M 1M', 'write -P 0x34 6M 64k']);
  for (const [name, spec] of Object.entries(TOPS)) {
    const img = join(dir, `${name}.qcow2`);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', ...spec.opts, '-b', 'sub/mid.qcow2', '-F', 'qcow2', img, ...(spec.size ? [spec.size] : [])]);
    qemuIo(img, spec.io);
    run('qemu-img', ['convert', '-O', 'raw', img, join(dir, `${name}.expected.raw`)]);
  }
  // Broken chains.
  run('qemu-img', ['create', '-q', '-f', 'qcow2', '-u', '-b', 'gone.qcow2', '-F', 'qcow2', join(dir, 'missing.qcow2'), '32M']);
  run('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'loop-a.qcow2'), '32M']);
  run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'loop-a.qcow2', '-F', 'qcow2', join(dir, 'loop-b.qcow2')]);
  run('qemu-img', ['rebase', '-u', '-b', 'loop-b.qcow2', '-F', 'qcow2', join(dir, 'loop-a.qcow2')]);
  run('qemu-img', ['create', '-q', '-f', 'qcow2', join(dir, 'self.qcow2'), '32M']);
  run('qemu-img', ['rebase', '-u', '-b', 'self.qcow2', '-F', 'qcow2', join(dir, 'self.qcow2')]);
  // Encrypted images: LUKS and legacy AES.
  const secret = ['--object', 'secret,id=sec0,data=abc'];
  // qemu-img times PBKDF2 with the thread's CPU clock to pick the LUKS iteration count; on a
  // busy virtual machine that clock can fail to advance ("Unable to get accurate CPU usage").
  // That is the tool's benchmark failing, not the image: try again.
  for (let attempt = 1; ; attempt++) {
    try {
      run('qemu-img', ['create', '-q', '-f', 'qcow2', ...secret, '-o', 'encrypt.format=luks,encrypt.key-secret=sec0', join(dir, 'luks.qcow2'), '4M']);
      break;
    } catch (err) {
      if (attempt >= 5 || !/accurate CPU usage/.test((err as Error).message)) throw err;
    }
  }
  run('qemu-img', ['create', '-q', '-f', 'qcow2', ...secret, '-o', 'encrypt.format=aes,encrypt.key-secret=sec0', join(dir, 'aes.qcow2'), '4M']);
}

async function deviceSha(dev: DiskImage, chunk = 4 * MiB): Promise<string> {
  const h = createHash('sha256');
  for (let off = 0; off < dev.size; off += chunk) h.update(await dev.read(off, Math.min(chunk, dev.size - off)));
  return h.digest('hex');
}

function readRef(path: string, offset: number, length: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(length);
    readSync(fd, buf, 0, length, offset);
    return buf;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!hasTool('qemu-img') || !hasTool('qemu-io'))('qcow2 backing chains', () => {
  let dir: string;
  beforeAll(() => {
    dir = fixtureDir('qcow2-chains', buildChains);
  });

  it.each(Object.keys(TOPS))('%s: whole-device SHA-256 equals qemu-img convert -O raw', async (name) => {
    const img = await openImage(join(dir, `${name}.qcow2`));
    try {
      expect(await deviceSha(img)).toBe(await sha256File(join(dir, `${name}.expected.raw`)));
    } finally {
      await img.close();
    }
  });

  it.each(Object.keys(TOPS))('%s: random and boundary ranges equal the converted raw', async (name) => {
    const img = await openImage(join(dir, `${name}.qcow2`));
    const ref = join(dir, `${name}.expected.raw`);
    // Ranges straddling every write above, plus pseudo-random ones.
    const ranges: [number, number][] = [
      [1152 * 1024 - 700, 66 * 1024],
      [3 * MiB - 10, 1100],
      [6 * MiB - 4096, 3 * MiB + 8192],
      [100 * 1024 - 1, 8 * 1024 + 2],
      [1028 * 1024 - 2047, 8 * 1024],
      [2048 * 1024, 64 * 1024],
      [32 * MiB - 5000, Math.min(10_000, img.size - (32 * MiB - 5000))],
    ];
    let s = 12345;
    for (let i = 0; i < 40; i++) {
      s = (s * 1103515245 + 12345) >>> 0;
      const len = 1 + (s % 200_000);
      s = (s * 1103515245 + 12345) >>> 0;
      ranges.push([Math.floor((s / 2 ** 32) * (img.size - len)), len]);
    }
    try {
      for (const [off, len] of ranges) {
        if (Buffer.compare(await img.read(off, len), readRef(ref, off, len)) !== 0) expect.fail(`${name}: range ${off}+${len} differs`);
      }
    } finally {
      await img.close();
    }
  });

  it('opens the chain with format hints and relative names', async () => {
    const img = (await openImage(join(dir, 'top.qcow2'))) as Qcow2Image;
    try {
      expect(img.header.backingFile).toBe('sub/mid.qcow2');
      expect(img.header.backingFormat).toBe('qcow2');
      expect(backingChain(img)).toEqual([
        { path: join(dir, 'sub', 'mid.qcow2'), format: 'qcow2' },
        { path: join(dir, 'base.raw'), format: 'raw' },
      ]);
    } finally {
      await img.close();
    }
  });

  it('ignoreBacking reads unallocated ranges as zeros', async () => {
    const img = await openImage(join(dir, 'top.qcow2'), { ignoreBacking: true });
    try {
      expect(img.backing).toBeUndefined();
      // 1 MiB..1152 KiB was written only in mid.qcow2; the overlay wrote 0xab at 1152 KiB.
      expect(Buffer.from(await img.read(1 * MiB, 4096)).every((b) => b === 0)).toBe(true);
      expect(Buffer.from(await img.read(1152 * 1024, 4096)).every((b) => b === 0xab)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('refuses a missing backing file with BACKING_FILE_MISSING', async () => {
    await expect(openImage(join(dir, 'missing.qcow2'))).rejects.toMatchObject({ code: 'BACKING_FILE_MISSING' });
  });

  it('refuses backing loops', async () => {
    await expect(openImage(join(dir, 'loop-a.qcow2'))).rejects.toMatchObject({ code: 'CORRUPT_IMAGE', message: expect.stringMatching(/loop/) });
    await expect(openImage(join(dir, 'self.qcow2'))).rejects.toMatchObject({ code: 'CORRUPT_IMAGE', message: expect.stringMatching(/loop/) });
  });

  it('enforces the backing depth limit', async () => {
    await expect(openImage(join(dir, 'top.qcow2'), { maxBackingDepth: 1 })).rejects.toMatchObject({ code: 'BACKING_CHAIN_TOO_DEEP' });
  });

  it.each(['luks', 'aes'])('refuses %s-encrypted images with ENCRYPTED_IMAGE', async (name) => {
    await expect(openImage(join(dir, `${name}.qcow2`))).rejects.toMatchObject({ code: 'ENCRYPTED_IMAGE' });
  });
});
