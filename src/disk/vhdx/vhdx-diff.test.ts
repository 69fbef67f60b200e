/**
 * Differencing VHDX. qemu can neither create nor read them ("Backing file not supported for
 * file format 'vhdx'"), so the child is a real qemu dynamic VHDX turned into a differencing one
 * (HasParent, parent locator, BAT states, a sector bitmap block), checked against an
 * expectation built from the raw sources and, when python3-libvhdi is installed, libvhdi.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256 } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { openImage } from '../open-image.js';
import { deviceSha256, fuzzImage, randomRanges, sampleDevice, scratchDir } from '../vhd/image-testing.js';
import { VhdxImage } from './vhdx-image.js';
import { batEntry, layout, makeDifferencing, setBatEntry, type Layout } from './vhdx-testing.js';

const MiB = 1024 * 1024;
const PY = '/usr/bin/python3';
const haveQemu = hasTool('qemu-img');
const haveLibvhdi =
  existsSync(PY) &&
  (() => {
    try {
      run(PY, ['-c', 'import pyvhdi']);
      return true;
    } catch {
      return false;
    }
  })();

/** Blocks the child rewrites with its own pattern (1 MiB blocks). */
const CHILD_BLOCKS = [0, 3, 5, 9, 12];

function build(dir: string): void {
  makePatternedRaw(join(dir, 'base.raw'), 24, 41);
  const child = readFileSync(join(dir, 'base.raw'));
  for (const b of CHILD_BLOCKS) for (let i = b * MiB; i < (b + 1) * MiB; i++) child[i] = (i * 193 + b * 7) & 0xff;
  writeFileSync(join(dir, 'child.raw'), child);
  for (const n of ['base', 'child']) {
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'vhdx', '-o', 'subformat=dynamic,block_size=1M', join(dir, `${n}.raw`), join(dir, `${n}-src.vhdx`)]);
  }
  writeFileSync(join(dir, 'parent.vhdx'), readFileSync(join(dir, 'base-src.vhdx')));
}

const dir = haveQemu ? fixtureDir('vhdx-diff', build) : '';

/** Sector bitmap pattern for block 3 (LSB = first sector of each byte). */
const bitmapByte = (i: number) => [0b10110001, 0xff, 0x00, 0b01000000, 0x0f][i % 5]!;

interface Craft {
  name: string;
  pairs?: [string, string][];
  /** BAT states to force per block (the child's data stays where qemu put it). */
  states: Record<number, number>;
}

/** Children written during the run; removed afterwards so the fixture folder stays as built. */
const derived: string[] = [];
afterAll(() => {
  for (const p of derived) rmSync(p, { force: true });
});

/** Builds a differencing child from child-src.vhdx; returns its path and layout. */
function craft(c: Craft): { path: string; l: Layout } {
  const img = Buffer.from(readFileSync(join(dir, 'child-src.vhdx')));
  const l = layout(img);
  const parentGuid = layout(readFileSync(join(dir, 'parent.vhdx'))).dataWriteGuid;
  makeDifferencing(
    img,
    l,
    c.pairs ?? [
      ['parent_linkage', `{${parentGuid.toLowerCase()}}`], // Hyper-V writes lower case
      ['relative_path', '.\\parent.vhdx'],
      ['volume_path', '\\\\?\\Volume{26a21bda-a627-11d7-9931-806e6f6e6963}\\VMs\\parent.vhdx'],
      ['absolute_win32_path', 'C:\\VMs\\parent.vhdx'],
    ],
  );
  let sb: Buffer | undefined;
  for (const [blockText, state] of Object.entries(c.states)) {
    const block = Number(blockText);
    const e = batEntry(img, l, block);
    setBatEntry(img, l, block, state, state === 6 || state === 7 ? e.offset : 0);
    if (state === 7) {
      sb ??= Buffer.alloc(MiB);
      for (let i = 0; i < 256; i++) sb[block * 256 + i] = bitmapByte(i);
    }
  }
  let out = img;
  if (sb) {
    const at = Math.ceil(img.length / MiB) * MiB;
    out = Buffer.concat([img, Buffer.alloc(at - img.length), sb]);
    setBatEntry(out, l, 4096, 6, at); // chunk ratio 4096: the first sector bitmap entry
  }
  const path = join(dir, `${c.name}.vhdx`);
  derived.push(path);
  writeFileSync(path, out);
  return { path, l };
}

/** The expected virtual disk, from the raw sources and the spec's block-state rules. */
function expected(path: string, l: Layout, size: number): Buffer {
  const img = readFileSync(path);
  const base = readFileSync(join(dir, 'base.raw'));
  const child = readFileSync(join(dir, 'child.raw'));
  const out = Buffer.alloc(size);
  const sbAt = batEntry(img, l, 4096).offset;
  for (let b = 0; b < size / MiB; b++) {
    const { state } = batEntry(img, l, b);
    const at = b * MiB;
    if (state === 0) base.copy(out, at, at, at + MiB);
    else if (state === 6) child.copy(out, at, at, at + MiB);
    else if (state === 7) {
      for (let s = 0; s < 2048; s++) {
        const bit = (img[sbAt + b * 256 + (s >> 3)]! >> (s & 7)) & 1;
        (bit ? child : base).copy(out, at + s * 512, at + s * 512, at + s * 512 + 512);
      }
    }
  }
  return out;
}

function libvhdiSha256(child: string, parent: string): string {
  const script = [
    'import hashlib, pyvhdi, sys',
    'p = pyvhdi.file(); p.open(sys.argv[2])',
    'c = pyvhdi.file(); c.open(sys.argv[1]); c.set_parent(p)',
    'h = hashlib.sha256(); n = c.get_media_size(); off = 0',
    'while off < n:',
    '    k = min(4 << 20, n - off); h.update(c.read_buffer_at_offset(k, off)); off += k',
    'print(h.hexdigest())',
  ].join('\n');
  return run(PY, ['-c', script, child, parent]).trim();
}

describe.skipIf(!haveQemu)('differencing VHDX', () => {
  const exercise = async (path: string) => {
    const img = await openImage(path);
    try {
      await sampleDevice(img, 128 * 1024, 4096);
    } finally {
      await img.close();
    }
  };
  const total = (r: { opened: number; rejected: Map<string, number> }) => r.opened + [...r.rejected.values()].reduce((a, b) => a + b, 0);

  it('reads present blocks from the child, absent ones from the parent, partial ones by sector bitmap', async () => {
    // Block 0 is rewritten in the child but marked not present: the parent must show through.
    const { path, l } = craft({ name: 'diff', states: { 0: 0, 3: 7, 7: 0 } });
    const img = (await openImage(path)) as VhdxImage;
    try {
      expect(img.kind).toBe('differencing');
      expect(img.backing?.name).toBe(join(dir, 'parent.vhdx'));
      expect(img.metadata.parentLocator?.get('relative_path')).toBe('.\\parent.vhdx');
      const want = expected(path, l, img.size);
      expect(await deviceSha256(img)).toBe(sha256(want));
      for (const [off, len] of randomRanges(img.size, 80, 9)) {
        expect(Buffer.from(await img.read(off, len)).equals(want.subarray(off, off + len))).toBe(true);
      }
      // Sector granularity inside the partially present block.
      for (let s = 0; s < 40; s++) {
        const off = 3 * MiB + s * 512;
        expect(Buffer.from(await img.read(off, 512)).equals(want.subarray(off, off + 512))).toBe(true);
      }
      if (haveLibvhdi) expect(libvhdiSha256(path, join(dir, 'parent.vhdx'))).toBe(sha256(want));
    } finally {
      await img.close();
    }
  });

  it('reads ZERO, UNMAPPED and UNDEFINED blocks as zeros rather than parent data', async () => {
    const { path, l } = craft({ name: 'diff-states', states: { 3: 2, 6: 3, 9: 1, 12: 0 } });
    const img = await openImage(path);
    try {
      const want = expected(path, l, img.size);
      expect(await deviceSha256(img)).toBe(sha256(want));
      expect((await img.read(6 * MiB, MiB)).every((b) => b === 0)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('falls back from an unusable absolute path to the parent file name next to the child', async () => {
    const parentGuid = layout(readFileSync(join(dir, 'parent.vhdx'))).dataWriteGuid;
    const { path } = craft({
      name: 'diff-abs',
      pairs: [
        ['parent_linkage', `{${parentGuid.toLowerCase()}}`], // Hyper-V writes lower case
        ['absolute_win32_path', 'D:\\Hyper-V\\Disks\\parent.vhdx'],
      ],
      states: {},
    });
    const img = await openImage(path);
    try {
      expect(img.backing?.name).toBe(join(dir, 'parent.vhdx'));
    } finally {
      await img.close();
    }
  });

  it('refuses a parent whose DataWriteGuid does not match parent_linkage', async () => {
    const { path } = craft({
      name: 'diff-linkage',
      pairs: [
        ['parent_linkage', '{00000000-1111-2222-3333-444444444444}'],
        ['relative_path', 'parent.vhdx'],
      ],
      states: {},
    });
    const err = (await openImage(path).catch((e: unknown) => e)) as GuestguardError;
    expect(err).toBeInstanceOf(GuestguardError);
    expect(err.code).toBe('CORRUPT_IMAGE');
    expect(err.message).toMatch(/DataWriteGuid/);
  });

  it('reports a missing parent, and reads absent blocks as zeros when told to ignore it', async () => {
    const { path } = craft({
      name: 'diff-missing',
      pairs: [
        ['parent_linkage', '{00000000-1111-2222-3333-444444444444}'],
        ['relative_path', '.\\nowhere.vhdx'],
      ],
      states: { 0: 0 },
    });
    await expect(openImage(path)).rejects.toMatchObject({ code: 'BACKING_FILE_MISSING' });
    const img = await openImage(path, { ignoreBacking: true });
    try {
      expect((await img.read(0, MiB)).every((b) => b === 0)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('rejects a partially present block without a sector bitmap block', async () => {
    const { path, l } = craft({ name: 'diff-nosb', states: { 3: 7 } });
    const b = Buffer.from(readFileSync(path));
    setBatEntry(b, l, 4096, 0, 0);
    writeFileSync(path, b);
    const img = await openImage(path);
    try {
      const err = (await img.read(3 * MiB, 512).catch((e: unknown) => e)) as GuestguardError;
      expect(err.code).toBe('CORRUPT_IMAGE');
      expect(err.structure).toBe('VHDX BAT entry 4096');
    } finally {
      await img.close();
    }
  });
  it('fuzz: mutants of a differencing child (parent present) open or fail with a typed error', async () => {
    const { path: childPath, l } = craft({ name: 'diff-fuzz', states: { 0: 0, 3: 7, 7: 0 } });
    const image = readFileSync(childPath);
    const tmp = scratchDir('gg-vhdx-fuzz-');
    try {
      copyFileSync(join(dir, 'parent.vhdx'), join(tmp, 'parent.vhdx'));
      const report = await fuzzImage({
        image,
        path: join(tmp, 'child.vhdx'),
        iterations: 400,
        seed: 12,
        hot: [
          [l.metadataOffset, l.metadataOffset + 32 + 7 * 32],
          [l.metadataOffset + 64 * 1024, l.metadataOffset + 80 * 1024],
          [l.batOffset, l.batOffset + 64],
          [l.batOffset + 4096 * 8, l.batOffset + 4096 * 8 + 8],
        ],
        exercise,
      });
      expect(total(report)).toBe(400);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);

});
