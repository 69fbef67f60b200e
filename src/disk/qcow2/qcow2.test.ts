/**
 * End-to-end reads of real qcow2 images made by qemu-img from patterned raw disks: every
 * variant must read back byte-identical to `qemu-img convert -O raw` of the same image.
 */
import { createHash } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256File } from '../../../test/helpers/fixtures.js';
import type { DiskImage } from '../disk-image.js';
import { openImage } from '../open-image.js';
import { Qcow2Image } from './index.js';

const MiB = 1024 * 1024;

/**
 * name → [source raw, qemu-img convert options]. The format features the reader must get right
 * use the 32 MiB raw; further combinations use an 8 MiB one to keep the fixtures small.
 */
const CONVERTED: Record<string, ['base' | 'small', string[]]> = {
  'v2-64k': ['base', ['-o', 'compat=0.10']],
  'v3-512': ['base', ['-o', 'cluster_size=512']],
  'v3-4k': ['base', ['-o', 'cluster_size=4k']],
  'v3-64k': ['base', []],
  'deflate-64k': ['base', ['-c']],
  'zstd-64k': ['base', ['-c', '-o', 'compression_type=zstd']],
  'extl2-64k': ['base', ['-o', 'extended_l2=on']],
  datafile: ['base', ['-o', 'data_file=datafile.data']],
  'v3-2m': ['small', ['-o', 'cluster_size=2M']],
  'deflate-512': ['small', ['-c', '-o', 'cluster_size=512']],
  'deflate-4k-v2': ['small', ['-c', '-o', 'cluster_size=4k,compat=0.10']],
  'deflate-2m': ['small', ['-c', '-o', 'cluster_size=2M']],
  'zstd-16k': ['small', ['-c', '-o', 'compression_type=zstd,cluster_size=16k']],
  'extl2-2m-deflate': ['small', ['-c', '-o', 'extended_l2=on,cluster_size=2M']],
  'datafile-raw': ['small', ['-o', 'data_file=datafile-raw.data,data_file_raw=on']],
};

/** Images made with qemu-img create + qemu-io writes: preallocation, odd sizes, sub-cluster writes. */
const WRITTEN: Record<string, { create: string[]; size: string; io: string[] }> = {
  'prealloc-metadata': {
    create: ['-o', 'preallocation=metadata,cluster_size=4k'],
    size: '32M',
    io: ['write -P 0x11 1M 64k', 'write -P 0x22 5000k 1000', 'write -z 1M 8k'],
  },
  'odd-size': {
    // Virtual size not a multiple of the cluster size; the last partial cluster is written.
    create: ['-o', 'cluster_size=64k'],
    size: String(32 * MiB + 7 * 512),
    io: ['write -P 0x44 32704k 67072', 'write -P 0x45 7M 3000'],
  },
  'extl2-subclusters': {
    create: ['-o', 'extended_l2=on,cluster_size=64k'],
    size: '32M',
    io: ['write -P 0x51 2k 2k', 'write -P 0x52 130k 6k', 'write -z 132k 2k', 'write -P 0x53 8M 64k', 'write -z 8200k 4k', 'write -P 0x54 31M 1M'],
  },
  'v3-zeroed': {
    create: ['-o', 'cluster_size=64k'],
    size: '32M',
    io: ['write -P 0x61 0 8M', 'write -z 1M 2M', 'write -z 4100k 3k', 'discard 6M 1M'],
  },
};

const ALL = [...Object.keys(CONVERTED), ...Object.keys(WRITTEN)];

/**
 * Random data does not compress (qemu-img then stores such clusters uncompressed), so besides the
 * random chunks and holes of makePatternedRaw, put base64 text (compresses to ~75%) into some of
 * the holes. Compressed images then mix compressed, uncompressed and unallocated clusters.
 */
function addCompressibleData(raw: string, sizeMiB: number): void {
  const chunk = `${raw}.text`;
  for (let mib = 1; mib < sizeMiB; mib += 6) {
    run('sh', ['-c', `head -c 786432 /dev/urandom | base64 -w 0 | head -c 1048576 > '${chunk}'`]);
    run('dd', [`if=${chunk}`, `of=${raw}`, 'bs=1M', `seek=${mib}`, 'conv=notrunc', 'status=none']);
  }
  rmSync(chunk);
}

function buildImages(dir: string): void {
  const raws = { base: join(dir, 'base.raw'), small: join(dir, 'small.raw') };
  makePatternedRaw(raws.base, 32, 7);
  addCompressibleData(raws.base, 32);
  makePatternedRaw(raws.small, 8, 8);
  addCompressibleData(raws.small, 8);
  for (const [name, [src, opts]] of Object.entries(CONVERTED)) {
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', ...opts, raws[src], join(dir, `${name}.qcow2`)], { cwd: dir });
  }
  for (const [name, spec] of Object.entries(WRITTEN)) {
    const img = join(dir, `${name}.qcow2`);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', ...spec.create, img, spec.size]);
    run('qemu-io', ['-f', 'qcow2', ...spec.io.flatMap((c) => ['-c', c]), img]);
  }
  for (const name of ALL) {
    const expected = join(dir, `${name}.expected.raw`);
    run('qemu-img', ['convert', '-O', 'raw', join(dir, `${name}.qcow2`), expected], { cwd: dir });
    // Most conversions reproduce their source raw exactly: hard-link it instead of keeping a copy.
    for (const raw of Object.values(raws)) {
      if (statSync(raw).size === statSync(expected).size && sameBytes(raw, expected)) {
        rmSync(expected);
        linkSync(raw, expected);
        break;
      }
    }
  }
}

function sameBytes(a: string, b: string): boolean {
  return createHash('sha256').update(readFileSync(a)).digest('hex') === createHash('sha256').update(readFileSync(b)).digest('hex');
}

/** SHA-256 of a whole device, streamed in chunks. */
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

/** Deterministic PRNG so a failing range can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe.skipIf(!hasTool('qemu-img') || !hasTool('qemu-io'))('qcow2 images made by qemu-img', () => {
  let dir: string;
  beforeAll(() => {
    dir = fixtureDir('qcow2-images', buildImages);
  });

  it.each(ALL)('%s: whole-device SHA-256 equals qemu-img convert -O raw', async (name) => {
    const img = await openImage(join(dir, `${name}.qcow2`));
    try {
      expect(img.format).toBe('qcow2');
      const expectedRaw = join(dir, `${name}.expected.raw`);
      expect(img.size).toBe(statSync(expectedRaw).size);
      expect(await deviceSha(img)).toBe(await sha256File(expectedRaw));
    } finally {
      await img.close();
    }
  });

  it.each(ALL)('%s: random ranges equal the converted raw', async (name) => {
    const img = await openImage(join(dir, `${name}.qcow2`));
    const ref = join(dir, `${name}.expected.raw`);
    const rand = rng(name.length * 7919 + name.charCodeAt(0));
    try {
      for (let i = 0; i < 60; i++) {
        const len = 1 + Math.floor(rand() * (i % 3 === 0 ? 3 * MiB : 70_000));
        const off = Math.floor(rand() * (img.size - len));
        const got = await img.read(off, len);
        const want = readRef(ref, off, len);
        if (Buffer.compare(got, want) !== 0) expect.fail(`${name}: range ${off}+${len} differs`);
      }
      // Edges: first and last bytes, and a read ending exactly at the end of the disk.
      expect(Buffer.from(await img.read(0, 1))).toEqual(Buffer.from(readRef(ref, 0, 1)));
      expect(Buffer.from(await img.read(img.size - 4097, 4097))).toEqual(Buffer.from(readRef(ref, img.size - 4097, 4097)));
      await expect(img.read(img.size - 1, 2)).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    } finally {
      await img.close();
    }
  });

  it('concurrent reads of the same clusters agree with serial reads', async () => {
    const img = await openImage(join(dir, 'zstd-64k.qcow2'));
    const ref = join(dir, 'zstd-64k.expected.raw');
    try {
      const offs = Array.from({ length: 24 }, (_, i) => (i % 6) * 40_000 + 1 * MiB); // text: compressed clusters
      const got = await Promise.all(offs.map((o) => img.read(o, 100_000)));
      got.forEach((g, i) => expect(Buffer.compare(g, readRef(ref, offs[i]!, 100_000))).toBe(0));
    } finally {
      await img.close();
    }
  });

  it('reports header details and files (external data file included)', async () => {
    const img = await openImage(join(dir, 'datafile.qcow2'));
    try {
      expect(img).toBeInstanceOf(Qcow2Image);
      const q = img as Qcow2Image;
      expect(q.header.dataFile).toBe('datafile.data');
      expect(q.files.map((f) => f.path)).toEqual([join(dir, 'datafile.qcow2'), join(dir, 'datafile.data')]);
      expect(q.backing).toBeUndefined();
    } finally {
      await img.close();
    }
    const v2 = (await openImage(join(dir, 'v2-64k.qcow2'))) as Qcow2Image;
    const z = (await openImage(join(dir, 'zstd-16k.qcow2'))) as Qcow2Image;
    try {
      expect(v2.header.version).toBe(2);
      expect(z.header).toMatchObject({ version: 3, compressionType: 'zstd', clusterSize: 16384 });
    } finally {
      await v2.close();
      await z.close();
    }
  });

  it('opening reads only the header and the L1 table', async () => {
    const img = (await openImage(join(dir, 'v3-512.qcow2'))) as Qcow2Image;
    try {
      // 32 MiB / (64 entries * 512 B) = 1024 L1 entries = 8 KiB, plus 4 KiB of header and the probe's 4.5 KiB.
      expect(img.file.stats.hostBytesRead).toBeLessThanOrEqual(8192 + 4096 + 4096 + 512);
    } finally {
      await img.close();
    }
  });

  it('coalesces physically contiguous clusters into few host reads', async () => {
    const img = (await openImage(join(dir, 'v3-4k.qcow2'))) as Qcow2Image;
    try {
      const before = img.file.stats.hostReads;
      const chunk = 4 * MiB;
      for (let off = 0; off < img.size; off += chunk) await img.read(off, chunk);
      const reads = img.file.stats.hostReads - before;
      // 4 KiB clusters: 8192 data clusters and 16 L2 tables. Per-cluster reads would be thousands.
      expect(reads).toBeLessThan(200);
    } finally {
      await img.close();
    }
  });

  it('closes idempotently and releases the data file', async () => {
    const img = await openImage(join(dir, 'datafile-raw.qcow2'));
    await img.close();
    await img.close();
  });
});
