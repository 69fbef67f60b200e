/**
 * VMDK reader against real images: every variant is made by qemu-img (or python3-vmdkstream for
 * footer-style stream-optimized files) from a patterned raw, and must read back exactly what
 * `qemu-img convert -O raw` produces.
 */
import { closeSync, openSync, readFileSync, readSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GuestguardError, ImageFormatError } from '../../errors.js';
import type { DiskImage, ImageContext, OpenImageOptions } from '../disk-image.js';
import { HostFile } from '../host-file.js';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256File } from '../../../test/helpers/fixtures.js';
import { vmdkFormat, VmdkImage } from './index.js';
import { writeCowd, writeSeSparse } from './vmdk-testing.js';

const MiB = 1024 * 1024;
const RAW_MIB = 48;
const BIG_BYTES = 4608 * MiB; // 4.5 GiB, sparse: three twoGbMaxExtent extents
const HAVE_QEMU = hasTool('qemu-img') && hasTool('qemu-io');
/** python3-vmdkstream installs into the system python, which a pyenv shim may hide. */
const VMDKSTREAM_PYTHON = ['/usr/bin/python3', 'python3'].find((py) => {
  try {
    run(py, ['-c', 'import VMDKstream']);
    return true;
  } catch {
    return false;
  }
});
const HAVE_VMDKSTREAM = VMDKSTREAM_PYTHON !== undefined;

/** Mirrors openImage's reference resolution without depending on the other format modules. */
function testContext(imagePath: string, options: OpenImageOptions = {}, depth = 0): ImageContext {
  const locate = (ref: string, what: string): string => {
    const p = isAbsolute(ref) ? ref : join(dirname(imagePath), ref);
    if (!existsSync(p)) throw new ImageFormatError('BACKING_FILE_MISSING', `${what} "${ref}" of ${imagePath} not found`, { path: imagePath });
    return resolve(p);
  };
  return {
    options,
    depth,
    openBacking: async (ref) => openVmdkPath(locate(ref, 'backing file'), options, depth + 1),
    openSibling: async (ref) => HostFile.open(locate(ref, 'referenced file')),
  };
}

async function openVmdkPath(path: string, options: OpenImageOptions = {}, depth = 0): Promise<VmdkImage> {
  const file = await HostFile.open(path);
  try {
    const head = await file.readUpTo(0, 4096);
    expect(vmdkFormat.probe(head, new Uint8Array(0), file.size)).toBe(true);
    return (await vmdkFormat.open(file, testContext(path, options, depth))) as VmdkImage;
  } catch (err) {
    await file.close();
    throw err;
  }
}

async function deviceSha(dev: DiskImage, chunk = 4 * MiB): Promise<string> {
  const h = createHash('sha256');
  for (let off = 0; off < dev.size; off += chunk) h.update(await dev.read(off, Math.min(chunk, dev.size - off)));
  return h.digest('hex');
}

function readRaw(path: string, offset: number, length: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) break; // a sparse raw shorter than asked reads as zeros
      done += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Deterministic pseudo-random ranges, biased to cross grain and extent boundaries. */
function ranges(size: number, count: number, seed: number): [number, number][] {
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const out: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + Math.floor(rnd() * (i % 3 === 0 ? 3 * MiB : 70_000));
    const off = Math.floor(rnd() * (size - len));
    out.push([off, len]);
  }
  out.push([0, 1], [size - 1, 1], [size - 4096, 4096]);
  return out;
}

async function expectRangesEqual(img: DiskImage, rawPath: string, list: [number, number][]): Promise<void> {
  for (const [off, len] of list) {
    const got = await img.read(off, len);
    const want = readRaw(rawPath, off, len);
    if (Buffer.compare(Buffer.from(got), Buffer.from(want)) !== 0) {
      throw new Error(`mismatch in range ${off}+${len} of ${img.name}`);
    }
  }
}

/** qemu's own reading of an image, as a sparse raw next to it. */
function qemuRaw(dir: string, image: string): string {
  const out = join(dir, `${image}.raw`);
  run('qemu-img', ['convert', '-O', 'raw', join(dir, image), out]);
  return out;
}

function buildFixtures(dir: string): void {
  const raw = join(dir, 'base.raw');
  makePatternedRaw(raw, RAW_MIB, 7);
  const conv = (out: string, opts: string) => run('qemu-img', ['convert', '-O', 'vmdk', '-o', opts, raw, join(dir, out)]);
  conv('ms.vmdk', 'subformat=monolithicSparse');
  conv('so.vmdk', 'subformat=streamOptimized');
  conv('mf.vmdk', 'subformat=monolithicFlat');
  conv('tgs.vmdk', 'subformat=twoGbMaxExtentSparse');
  conv('tgf.vmdk', 'subformat=twoGbMaxExtentFlat');
  conv('ms-lsi.vmdk', 'subformat=monolithicSparse,adapter_type=lsilogic,hwversion=6');
  conv('so-bus.vmdk', 'subformat=streamOptimized,adapter_type=buslogic,compat6=on');
  conv('mf-esx.vmdk', 'subformat=monolithicFlat,adapter_type=legacyESX');
  if (HAVE_VMDKSTREAM) run(VMDKSTREAM_PYTHON!, ['-m', 'VMDKstream', raw, join(dir, 'sf.vmdk')]);

  // createType "vmfs": the ESX flat layout, made by relabelling qemu's monolithicFlat descriptor.
  const mf = readFileSync(join(dir, 'mf.vmdk'), 'latin1').replace(/\0+$/, '');
  writeFileSync(join(dir, 'vmfs.vmdk'), mf.replace('createType="monolithicFlat"', 'createType="vmfs"').replace(/FLAT "(mf-flat\.vmdk)" 0/, 'VMFS "$1"'));

  // Snapshot chain: child (plain COW writes) and grandchild (zeroed grains hide parent data).
  conv('sn-base.vmdk', 'subformat=monolithicSparse');
  run('qemu-img', ['create', '-q', '-f', 'vmdk', '-b', 'sn-base.vmdk', '-F', 'vmdk', join(dir, 'sn-child.vmdk')]);
  run('qemu-io', ['-f', 'vmdk', '-c', 'write -P 0xab 5M 3M', '-c', 'write -P 0x5c 10485770 10000', '-c', 'write -z 20M 1M', join(dir, 'sn-child.vmdk')]);
  run('qemu-img', ['create', '-q', '-f', 'vmdk', '-o', 'zeroed_grain=on', '-b', 'sn-child.vmdk', '-F', 'vmdk', join(dir, 'sn-gchild.vmdk')]);
  run('qemu-io', ['-f', 'vmdk', '-c', 'write -z 0 2M', '-c', 'write -P 0x11 30M 64k', join(dir, 'sn-gchild.vmdk')]);

  // vmfsSparse: ESX snapshot = COWD delta over a vmfs base.
  const base = readFileSync(raw);
  const delta = Buffer.from(base);
  const grainSectors = 16;
  const touched = new Set<number>();
  for (const [off, len, byte] of [[3 * MiB + 512, 20_000, 0xc3], [17 * MiB, 2 * MiB, 0x3c], [RAW_MIB * MiB - 8192, 8192, 0x77]] as const) {
    delta.fill(byte, off, off + len);
    for (let g = Math.floor(off / 8192); g * 8192 < off + len; g++) touched.add(g);
  }
  writeCowd(join(dir, 'esx-delta.vmdk'), delta, touched, grainSectors);
  const baseCid = /CID=([0-9a-f]+)/.exec(mf)![1]!;
  writeFileSync(
    join(dir, 'esx.vmdk'),
    [
      '# Disk DescriptorFile',
      'version=1',
      'CID=12345678',
      `parentCID=${baseCid}`,
      'createType="vmfsSparse"',
      'parentFileNameHint="vmfs.vmdk"',
      '',
      '# Extent description',
      `RW ${(RAW_MIB * MiB) / 512} VMFSSPARSE "esx-delta.vmdk"`,
      '',
      'ddb.adapterType = "lsilogic"',
      '',
    ].join('\n'),
  );

  // seSparse: ESXi 6.5+ snapshot over the same vmfs base.
  const se = Buffer.from(base);
  const seGrains = new Set<number>();
  for (const [off, len, byte] of [[MiB + 100, 9000, 0x5e], [4 * MiB, 3 * MiB, 0xe5], [RAW_MIB * MiB - 4096, 4096, 0x99]] as const) {
    se.fill(byte, off, off + len);
    for (let g = Math.floor(off / 4096); g * 4096 < off + len; g++) seGrains.add(g);
  }
  const seZero = new Set([0, 1, 2, 3]); // the base has random data here
  const seUnmapped = new Set([(9 * MiB) / 4096]);
  writeSeSparse(join(dir, 'se-sesparse.vmdk'), se, seGrains, seZero, seUnmapped);
  writeFileSync(
    join(dir, 'se.vmdk'),
    ['# Disk DescriptorFile', 'version=1', 'CID=abcdef01', `parentCID=${baseCid}`, 'createType="seSparse"', 'parentFileNameHint="vmfs.vmdk"', '',
      `RW ${(RAW_MIB * MiB) / 512} SESPARSE "se-sesparse.vmdk"`, ''].join('\n'),
  );

  // A sparse header with capacity 0 whose embedded descriptor points at the flat extent.
  const hdr = Buffer.alloc(512 + 20 * 512);
  hdr.write('KDMV', 0, 'latin1');
  hdr.writeUInt32LE(1, 4);
  hdr.writeUInt32LE(3, 8);
  hdr.writeBigUInt64LE(128n, 20); // grainSize
  hdr.writeBigUInt64LE(1n, 28); // descriptorOffset
  hdr.writeBigUInt64LE(20n, 36); // descriptorSize
  hdr.writeUInt32LE(512, 44);
  hdr.write(mf, 512, 'latin1');
  writeFileSync(join(dir, 'dsc.vmdk'), hdr);

  // qemu 7.2 registers a seSparse extent twice (its info lists two) and doubles the disk size;
  // the first copy is the disk, so compare against that.
  run('truncate', ['-s', String(RAW_MIB * MiB), qemuRaw(dir, 'se.vmdk')]);

  for (const img of ['dsc', 'ms', 'so', 'mf', 'tgs', 'tgf', 'ms-lsi', 'so-bus', 'mf-esx', 'vmfs', 'sn-child', 'sn-gchild', 'esx']) qemuRaw(dir, `${img}.vmdk`);
  if (HAVE_VMDKSTREAM) qemuRaw(dir, 'sf.vmdk');

  // A 4.5 GiB mostly-sparse disk so twoGbMaxExtent images really span several extent files.
  const big = join(dir, 'big.raw');
  run('truncate', ['-s', String(BIG_BYTES), big]);
  const chunk = join(dir, 'chunk.bin');
  writeFileSync(chunk, readFileSync(raw).subarray(0, 2 * MiB));
  for (const seekMiB of [0, 2047, 4095, 4606]) run('dd', [`if=${chunk}`, `of=${big}`, 'bs=1M', `seek=${seekMiB}`, 'conv=notrunc', 'status=none']);
  run('qemu-img', ['convert', '-O', 'vmdk', '-o', 'subformat=twoGbMaxExtentSparse', big, join(dir, 'big-tgs.vmdk')]);
  run('qemu-img', ['convert', '-O', 'vmdk', '-o', 'subformat=twoGbMaxExtentFlat', big, join(dir, 'big-tgf.vmdk')]);
  qemuRaw(dir, 'big-tgs.vmdk');
  qemuRaw(dir, 'big-tgf.vmdk');

  // ZERO and NOACCESS extents between two windows of one flat file (qemu cannot read these).
  writeFileSync(
    join(dir, 'zx.vmdk'),
    ['# Disk DescriptorFile', 'version=1', 'CID=fffffffe', 'parentCID=ffffffff', 'createType="custom"',
      'RW 2048 FLAT "mf-flat.vmdk" 0', 'RW 4096 ZERO', 'RDONLY 2048 FLAT "mf-flat.vmdk" 6144', 'NOACCESS 1024 FLAT "mf-flat.vmdk" 0', ''].join('\n'),
  );
}

/** Derived fixtures below are named after this one, so they are rebuilt whenever it is. */
const MAIN_FIXTURE = HAVE_VMDKSTREAM ? 'vmdk-reader-v3' : 'vmdk-reader-v3-nostream';
const dir = HAVE_QEMU ? fixtureDir(MAIN_FIXTURE, buildFixtures) : '';

describe.skipIf(!HAVE_QEMU)('VMDK images made by qemu-img', () => {
  const cases: { image: string; createType: string; extents: number; compressed?: boolean; ddb?: Record<string, string> }[] = [
    { image: 'ms.vmdk', createType: 'monolithicSparse', extents: 1 },
    { image: 'so.vmdk', createType: 'streamOptimized', extents: 1, compressed: true },
    { image: 'mf.vmdk', createType: 'monolithicFlat', extents: 1 },
    { image: 'tgs.vmdk', createType: 'twoGbMaxExtentSparse', extents: 1 },
    { image: 'tgf.vmdk', createType: 'twoGbMaxExtentFlat', extents: 1 },
    { image: 'ms-lsi.vmdk', createType: 'monolithicSparse', extents: 1, ddb: { adapterType: 'lsilogic', virtualHWVersion: '6' } },
    { image: 'so-bus.vmdk', createType: 'streamOptimized', extents: 1, compressed: true, ddb: { adapterType: 'buslogic', virtualHWVersion: '6' } },
    { image: 'mf-esx.vmdk', createType: 'monolithicFlat', extents: 1, ddb: { adapterType: 'legacyESX' } },
    { image: 'vmfs.vmdk', createType: 'vmfs', extents: 1 },
    ...(HAVE_VMDKSTREAM ? [{ image: 'sf.vmdk', createType: 'streamOptimized', extents: 1, compressed: true }] : []),
  ];

  for (const c of cases) {
    it(`${c.image} (${c.createType}) reads byte-exact`, async () => {
      const path = join(dir, c.image);
      const rawPath = `${path}.raw`;
      const img = await openVmdkPath(path);
      try {
        expect(img.format).toBe('vmdk');
        expect(img.createType).toBe(c.createType);
        expect(img.size).toBe(RAW_MIB * MiB);
        expect(img.extents).toHaveLength(c.extents);
        expect(img.extents[0]!.compressed ?? false).toBe(c.compressed ?? false);
        for (const [k, v] of Object.entries(c.ddb ?? {})) expect(img.descriptor?.ddb.get(k)).toBe(v);
        expect(await deviceSha(img)).toBe(await sha256File(rawPath));
        await expectRangesEqual(img, rawPath, ranges(img.size, 60, c.image.length));
      } finally {
        await img.close();
      }
    });
  }

  it('a sparse header that only carries a descriptor opens the extents it lists', async () => {
    const path = join(dir, 'dsc.vmdk');
    const img = await openVmdkPath(path);
    try {
      expect(img.createType).toBe('monolithicFlat');
      expect(img.extents[0]!.kind).toBe('flat');
      expect(await deviceSha(img)).toBe(await sha256File(`${path}.raw`));
    } finally {
      await img.close();
    }
  });

  it('the patterned source really has data and holes (so the comparisons can fail)', async () => {
    const img = await openVmdkPath(join(dir, 'ms.vmdk'));
    try {
      expect(Buffer.from(await img.read(0, 4096)).some((b) => b !== 0)).toBe(true);
      expect(Buffer.from(await img.read(1 * MiB, 2 * MiB)).every((b) => b === 0)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it.skipIf(!HAVE_VMDKSTREAM)('stream-optimized with the header pointing at the footer (GD_AT_END)', async () => {
    const head = readRaw(join(dir, 'sf.vmdk'), 56, 8);
    expect(Buffer.from(head).every((b) => b === 0xff)).toBe(true);
  });

  it('open reads only headers, descriptor and grain directory; sequential reads coalesce', async () => {
    const img = await openVmdkPath(join(dir, 'ms.vmdk'));
    try {
      const f = img.files[0]!;
      expect(f.stats.hostBytesRead).toBeLessThan(64 * 1024);
      const before = f.stats.hostReads;
      await img.read(0, img.size);
      // 16 one-MiB data runs (16 grains each) plus a handful of grain tables, not one read per grain.
      expect(f.stats.hostReads - before).toBeLessThan(40);
    } finally {
      await img.close();
    }
  });

  it('sequential reads of compressed grains use read-ahead, not one host read per grain', async () => {
    const img = await openVmdkPath(join(dir, 'so.vmdk'));
    try {
      const f = img.files[0]!;
      const before = f.stats.hostReads;
      for (let off = 0; off < img.size; off += MiB) await img.read(off, MiB);
      // 16 MiB of data is 256 compressed 64 KiB grains.
      expect(f.stats.hostReads - before).toBeLessThan(64);
    } finally {
      await img.close();
    }
  });

  it('differencing disks read through their parents (child, then a zeroed-grain grandchild)', async () => {
    for (const [image, depth] of [['sn-child.vmdk', 1], ['sn-gchild.vmdk', 2]] as const) {
      const path = join(dir, image);
      const img = await openVmdkPath(path);
      try {
        let chain = 0;
        for (let b = img.backing; b; b = b.backing) chain++;
        expect(chain).toBe(depth);
        expect(await deviceSha(img)).toBe(await sha256File(`${path}.raw`));
        await expectRangesEqual(img, `${path}.raw`, ranges(img.size, 40, depth));
      } finally {
        await img.close();
      }
    }
  });

  it('zeroed grains hide parent data; unallocated grains show it', async () => {
    const img = await openVmdkPath(join(dir, 'sn-gchild.vmdk'));
    try {
      expect(Buffer.from(await img.read(0, 2 * MiB)).every((b) => b === 0)).toBe(true);
      expect(Buffer.from(await img.backing!.read(0, 4096)).some((b) => b !== 0)).toBe(true);
      expect(Buffer.from(await img.read(5 * MiB, 3 * MiB)).every((b) => b === 0xab)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('ignoreBacking reads unallocated ranges of a child as zeros', async () => {
    const img = await openVmdkPath(join(dir, 'sn-child.vmdk'), { ignoreBacking: true });
    try {
      expect(img.backing).toBeUndefined();
      expect(Buffer.from(await img.read(0, 1 * MiB)).every((b) => b === 0)).toBe(true);
      expect(Buffer.from(await img.read(5 * MiB, 4096)).every((b) => b === 0xab)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('ESX vmfsSparse (COWD delta) over a vmfs base matches qemu', async () => {
    const path = join(dir, 'esx.vmdk');
    const img = await openVmdkPath(path);
    try {
      expect(img.createType).toBe('vmfsSparse');
      expect((img.backing as VmdkImage).createType).toBe('vmfs');
      expect(await deviceSha(img)).toBe(await sha256File(`${path}.raw`));
      await expectRangesEqual(img, `${path}.raw`, ranges(img.size, 40, 99));
      expect(Buffer.from(await img.read(17 * MiB, 2 * MiB)).every((b) => b === 0x3c)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('ESXi seSparse delta over a vmfs base matches qemu, with zeroed and unmapped grains hiding the parent', async () => {
    const path = join(dir, 'se.vmdk');
    const img = await openVmdkPath(path);
    try {
      expect(img.createType).toBe('seSparse');
      expect(await deviceSha(img)).toBe(await sha256File(`${path}.raw`));
      await expectRangesEqual(img, `${path}.raw`, ranges(img.size, 40, 77));
      expect(Buffer.from(await img.read(0, 16384)).every((b) => b === 0)).toBe(true);
      expect(Buffer.from(await img.backing!.read(0, 16384)).some((b) => b !== 0)).toBe(true);
      expect(Buffer.from(await img.read(4 * MiB, 3 * MiB)).every((b) => b === 0xe5)).toBe(true);
    } finally {
      await img.close();
    }
  });

  for (const image of ['big-tgs.vmdk', 'big-tgf.vmdk']) {
    it(`${image}: a 4.5 GiB twoGbMaxExtent disk across three extent files (sampled)`, async () => {
      const path = join(dir, image);
      const img = await openVmdkPath(path);
      try {
        expect(img.size).toBe(BIG_BYTES);
        expect(img.extents.length).toBe(3);
        const samples: [number, number][] = [];
        for (const at of [0, 2048 * MiB, 4096 * MiB, BIG_BYTES - MiB]) samples.push([Math.max(0, at - 2 * MiB), Math.min(4 * MiB, BIG_BYTES - Math.max(0, at - 2 * MiB))]);
        await expectRangesEqual(img, `${path}.raw`, [...samples, ...ranges(img.size, 30, 5)]);
        // The extent boundary at 2 GiB falls inside the data written there.
        expect(Buffer.from(await img.read(2048 * MiB - 4096, 8192)).some((b) => b !== 0)).toBe(true);
      } finally {
        await img.close();
      }
    });
  }

  it('ZERO and NOACCESS extents read as zeros between flat windows', async () => {
    const img = await openVmdkPath(join(dir, 'zx.vmdk'));
    try {
      expect(img.size).toBe((2048 + 4096 + 2048 + 1024) * 512);
      const flat = join(dir, 'mf-flat.vmdk');
      expect(Buffer.compare(Buffer.from(await img.read(0, MiB)), Buffer.from(readRaw(flat, 0, MiB)))).toBe(0);
      expect(Buffer.from(await img.read(MiB, 2 * MiB)).every((b) => b === 0)).toBe(true);
      expect(Buffer.compare(Buffer.from(await img.read(3 * MiB, MiB)), Buffer.from(readRaw(flat, 3 * MiB, MiB)))).toBe(0);
      expect(Buffer.from(await img.read(4 * MiB, 512 * 1024)).every((b) => b === 0)).toBe(true);
    } finally {
      await img.close();
    }
  });
});

describe.skipIf(!HAVE_QEMU)('VMDK error handling', () => {
  it('a missing extent file is BACKING_FILE_MISSING naming the extent', async () => {
    const d = fixtureDir(`${MAIN_FIXTURE}-missing-extent`, (x) => {
      writeFileSync(join(x, 'disk.vmdk'), readFileSync(join(dir, 'tgs.vmdk'), 'latin1').replace('tgs-s001.vmdk', 'gone-s001.vmdk'));
    });
    const err = await openVmdkPath(join(d, 'disk.vmdk')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestguardError);
    expect((err as GuestguardError).code).toBe('BACKING_FILE_MISSING');
    expect((err as Error).message).toContain('gone-s001.vmdk');
    expect((err as Error).message).toContain('extent');
  });

  it('a missing parent is BACKING_FILE_MISSING', async () => {
    const d = fixtureDir(`${MAIN_FIXTURE}-missing-parent`, (x) => copyFileSync(join(dir, 'sn-child.vmdk'), join(x, 'child.vmdk')));
    await expect(openVmdkPath(join(d, 'child.vmdk'))).rejects.toMatchObject({ code: 'BACKING_FILE_MISSING' });
  });

  it('a parent whose CID changed after the snapshot is refused', async () => {
    const d = fixtureDir(`${MAIN_FIXTURE}-cid`, (x) => {
      copyFileSync(join(dir, 'sn-base.vmdk'), join(x, 'sn-base.vmdk'));
      copyFileSync(join(dir, 'sn-child.vmdk'), join(x, 'child.vmdk'));
      run('qemu-io', ['-f', 'vmdk', '-c', 'write 0 512', join(x, 'sn-base.vmdk')]); // bumps the parent's CID
    });
    await expect(openVmdkPath(join(d, 'child.vmdk'))).rejects.toMatchObject({ code: 'CORRUPT_IMAGE', message: expect.stringContaining('CID') });
  });

  it('a truncated flat extent is reported at open', async () => {
    const d = fixtureDir(`${MAIN_FIXTURE}-short-flat`, (x) => {
      copyFileSync(join(dir, 'mf.vmdk'), join(x, 'mf.vmdk'));
      run('truncate', ['-s', '1M', join(x, 'mf-flat.vmdk')]);
    });
    await expect(openVmdkPath(join(d, 'mf.vmdk'))).rejects.toMatchObject({ code: 'TRUNCATED_IMAGE' });
  });

  it('a zeroed primary grain directory pointer falls back to the redundant directory', async () => {
    const d = fixtureDir(`${MAIN_FIXTURE}-rgd`, (x) => {
      const b = readFileSync(join(dir, 'ms.vmdk'));
      expect(b.readBigUInt64LE(48)).toBeGreaterThan(0n); // qemu writes a redundant GD
      b.writeBigUInt64LE(0n, 56);
      writeFileSync(join(x, 'ms.vmdk'), b);
    });
    const img = await openVmdkPath(join(d, 'ms.vmdk'));
    try {
      expect(await deviceSha(img)).toBe(await sha256File(join(dir, 'ms.vmdk.raw')));
    } finally {
      await img.close();
    }
  });

  it.skipIf(!HAVE_VMDKSTREAM)('a stream-optimized file without its end-of-stream marker is corrupt', async () => {
    const d = fixtureDir(`${MAIN_FIXTURE}-eos`, (x) => {
      const b = readFileSync(join(dir, 'sf.vmdk'));
      b.writeUInt32LE(0x1234, b.length - 512 + 12);
      writeFileSync(join(x, 'sf.vmdk'), b);
    });
    await expect(openVmdkPath(join(d, 'sf.vmdk'))).rejects.toMatchObject({ code: 'CORRUPT_IMAGE', structure: 'VMDK end-of-stream marker' });
  });

  it('a corrupted compressed grain is a typed error naming the grain', async () => {
    const d = fixtureDir(`${MAIN_FIXTURE}-bad-grain`, (x) => {
      const b = readFileSync(join(dir, 'so.vmdk'));
      const gd = Number(b.readBigUInt64LE(56)) * 512;
      const grain = b.readUInt32LE(b.readUInt32LE(gd) * 512) * 512; // first GTE of the first GT
      b.fill(0x55, grain + 12 + 2, grain + 12 + 200);
      writeFileSync(join(x, 'so.vmdk'), b);
    });
    const img = await openVmdkPath(join(d, 'so.vmdk'));
    try {
      await expect(img.read(0, 4096)).rejects.toMatchObject({ code: 'CORRUPT_IMAGE', structure: 'VMDK compressed grain' });
    } finally {
      await img.close();
    }
  });

  it('device-mapping create types are refused', async () => {
    const d = fixtureDir(`${MAIN_FIXTURE}-device`, (x) => {
      writeFileSync(join(x, 'dev.vmdk'), '# Disk DescriptorFile\nversion=1\ncreateType="fullDevice"\nRW 2048 FLAT "/dev/sda" 0\n');
    });
    await expect(openVmdkPath(join(d, 'dev.vmdk'))).rejects.toMatchObject({ code: 'UNSUPPORTED_IMAGE' });
  });
});
