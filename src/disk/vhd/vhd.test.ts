/**
 * VHD reader against real images made by qemu-img (fixed, dynamic, force_size), checked byte for
 * byte against `qemu-img convert -O raw`. qemu cannot create differencing VHDs ("Backing file
 * not supported for file format 'vpc'"), so those are made by turning a real qemu dynamic VHD
 * into a child of another (footer type, parent id/name/locators, partial sector bitmaps) and
 * checked against an expectation built from the two raw sources and, when python3-libvhdi is
 * installed, against libvhdi's independent reading.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureDir, hasTool, makePatternedRaw, run, sha256, sha256File } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { openImage } from '../open-image.js';
import { vhdChecksum } from './footer.js';
import { deviceSha256, fuzzImage, randomRanges, readFileRange, sampleDevice, scratchDir } from './image-testing.js';
import { VhdImage } from './vhd-image.js';

const MiB = 1024 * 1024;
const PY = '/usr/bin/python3';
const haveQemu = hasTool('qemu-img');
const haveLibvhdi = existsSync(PY) && (() => {
  try {
    run(PY, ['-c', 'import pyvhdi']);
    return true;
  } catch {
    return false;
  }
})();

const VARIANTS: [string, string][] = [
  ['fixed', 'subformat=fixed'],
  ['dynamic', 'subformat=dynamic'],
  ['force', 'subformat=dynamic,force_size=on'],
  ['fixed-force', 'subformat=fixed,force_size=on'],
];

interface Locator {
  code: string;
  data: Buffer;
}

const utf16le = (s: string) => Buffer.from(s, 'utf16le');

/**
 * Turns a real qemu dynamic VHD into a differencing one: disk type 4, parent id and name,
 * parent locators appended before the trailing footer, and sector bitmaps edited by `edit`.
 */
function makeDifferencing(
  src: Buffer,
  parentUid: Buffer,
  parentName: string,
  locators: Locator[],
  edit: (block: number, bitmap: Buffer) => void,
): Buffer {
  const footer = Buffer.from(src.subarray(src.length - 512));
  const body = Buffer.from(src.subarray(0, src.length - 512));
  const hdrOff = Number(footer.readBigUInt64BE(16));
  const hdr = body.subarray(hdrOff, hdrOff + 1024);
  const batOff = Number(hdr.readBigUInt64BE(16));
  const entries = hdr.readUInt32BE(28);
  const blockSize = hdr.readUInt32BE(32);
  const bitmapBytes = Math.ceil(blockSize / 512 / 8 / 512) * 512;
  for (let b = 0; b < entries; b++) {
    const e = body.readUInt32BE(batOff + b * 4);
    if (e !== 0xffffffff) edit(b, body.subarray(e * 512, e * 512 + bitmapBytes));
  }
  parentUid.copy(hdr, 40);
  hdr.fill(0, 64, 576);
  Buffer.from(parentName, 'utf16le').swap16().copy(hdr, 64);
  const tailParts: Buffer[] = [];
  let at = body.length;
  locators.forEach((loc, i) => {
    const padded = Buffer.alloc(Math.ceil(loc.data.length / 512) * 512);
    loc.data.copy(padded);
    const e = 576 + i * 24;
    hdr.write(loc.code, e, 'latin1');
    hdr.writeUInt32BE(padded.length / 512, e + 4);
    hdr.writeUInt32BE(loc.data.length, e + 8);
    hdr.writeBigUInt64BE(BigInt(at), e + 16);
    tailParts.push(padded);
    at += padded.length;
  });
  hdr.writeUInt32BE(vhdChecksum(hdr, 36), 36);
  footer.writeUInt32BE(4, 60);
  footer.writeUInt32BE(vhdChecksum(footer, 64), 64);
  footer.copy(body, 0);
  return Buffer.concat([body, ...tailParts, footer]);
}

/** What the child must read as: per 512-byte sector, the child's data where its bitmap bit is set, else the parent's. */
function expectedDifferencing(child: Buffer, childRaw: Buffer, parentRaw: Buffer, size: number): Buffer {
  const footer = child.subarray(child.length - 512);
  const hdrOff = Number(footer.readBigUInt64BE(16));
  const batOff = Number(child.readBigUInt64BE(hdrOff + 16));
  const blockSize = child.readUInt32BE(hdrOff + 32);
  const out = Buffer.alloc(size);
  parentRaw.copy(out, 0, 0, Math.min(size, parentRaw.length));
  for (let s = 0; s < size / 512; s++) {
    const block = Math.floor((s * 512) / blockSize);
    const e = child.readUInt32BE(batOff + block * 4);
    if (e === 0xffffffff) continue;
    const bit = s - (block * blockSize) / 512;
    if ((child[e * 512 + (bit >> 3)]! >> (7 - (bit & 7))) & 1) childRaw.copy(out, s * 512, s * 512, s * 512 + 512);
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

function build(dir: string): void {
  const raw = join(dir, 'base.raw');
  makePatternedRaw(raw, 40, 11);
  for (const [name, opts] of VARIANTS) {
    run('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', opts, raw, join(dir, `${name}.vhd`)]);
    run('qemu-img', ['convert', '-f', 'vpc', '-O', 'raw', join(dir, `${name}.vhd`), join(dir, `${name}.expected.raw`)]);
  }
  // Legacy Virtual PC footer: 511 bytes at the end of a fixed image.
  const fixed = readFileSync(join(dir, 'fixed.vhd'));
  const legacy = Buffer.from(fixed.subarray(0, fixed.length - 1));
  const lf = legacy.subarray(legacy.length - 511);
  lf.writeUInt32BE(vhdChecksum(lf, 64), 64);
  writeFileSync(join(dir, 'legacy511.vhd'), legacy);

  // Differencing: parent = dynamic VHD of base.raw; child source = base.raw with block 0 zeroed
  // (unallocated in the child, so the parent shows through) and blocks 3 and 6 rewritten.
  copyFileSync(join(dir, 'dynamic.vhd'), join(dir, 'parent.vhd'));
  const childRaw = readFileSync(raw);
  childRaw.fill(0, 0, 2 * MiB);
  for (const b of [3, 6]) for (let i = b * 2 * MiB; i < (b + 1) * 2 * MiB; i++) childRaw[i] = (i * 131 + b) & 0xff;
  writeFileSync(join(dir, 'child.raw'), childRaw);
  run('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', '-o', 'subformat=dynamic', join(dir, 'child.raw'), join(dir, 'child-src.vhd')]);
}

/** Sector bitmap edits: block 3 loses its first 1 MiB and alternate 8-sector runs of block 6 fall back to the parent. */
function editBitmaps(block: number, bitmap: Buffer): void {
  if (block === 3) bitmap.fill(0, 0, 256);
  if (block === 6) for (let i = 0; i < 512; i += 2) bitmap[i] = 0;
}

/**
 * Single-sector granularity (bytes mixing set and clear bits). Checked against the expectation
 * only: libvhdi 20210425 misreads such bytes (it shifts without masking the VHD bit).
 */
function editBitmapsMixed(block: number, bitmap: Buffer): void {
  if (block === 3) for (let i = 0; i < 512; i++) bitmap[i] = [0b10110111, 0b01000000, 0xff, 0x00, 0b00000001][i % 5]!;
}

const dir = haveQemu ? fixtureDir('vhd', build) : '';

/** Derived children written during the run; removed afterwards so the fixture folder stays as built. */
const derived: string[] = [];
afterAll(() => {
  for (const p of derived) rmSync(p, { force: true });
});

function differencingFixture(name: string, locators: Locator[], parentName: string, parentUid?: Buffer, edit = editBitmaps): string {
  const path = join(dir, name);
  derived.push(path);
  const parent = readFileSync(join(dir, 'parent.vhd'));
  const uid = parentUid ?? parent.subarray(68, 84);
  writeFileSync(path, makeDifferencing(readFileSync(join(dir, 'child-src.vhd')), Buffer.from(uid), parentName, locators, edit));
  return path;
}

describe.skipIf(!haveQemu)('VHD images made by qemu-img', () => {
  for (const [name] of VARIANTS) {
    it(`${name}: size and whole-device SHA-256 match qemu-img convert -O raw`, async () => {
      const path = join(dir, `${name}.vhd`);
      const info = JSON.parse(run('qemu-img', ['info', '-f', 'vpc', '--output=json', path])) as { 'virtual-size': number };
      const img = await openImage(path);
      try {
        expect(img.format).toBe('vhd');
        expect(img.size).toBe(info['virtual-size']);
        expect(await deviceSha256(img)).toBe(await sha256File(join(dir, `${name}.expected.raw`)));
      } finally {
        await img.close();
      }
    });

    it(`${name}: random ranges match`, async () => {
      const img = await openImage(join(dir, `${name}.vhd`));
      try {
        for (const [off, len] of randomRanges(img.size, 60, name.length)) {
          expect(sha256(await img.read(off, len))).toBe(sha256(await readFileRange(join(dir, `${name}.expected.raw`), off, len)));
        }
      } finally {
        await img.close();
      }
    });
  }

  it('reports the kind and uses current_size for force_size images', async () => {
    const fixed = (await openImage(join(dir, 'fixed.vhd'))) as VhdImage;
    const force = (await openImage(join(dir, 'force.vhd'))) as VhdImage;
    try {
      expect(fixed.kind).toBe('fixed');
      expect(force.kind).toBe('dynamic');
      expect(force.footer.creatorApp).toBe('qem2');
      expect(force.size).toBe(40 * MiB);
    } finally {
      await fixed.close();
      await force.close();
    }
  });

  it('reads a legacy 511-byte footer', async () => {
    const img = await openImage(join(dir, 'legacy511.vhd'));
    try {
      expect(img.format).toBe('vhd');
      expect(await deviceSha256(img)).toBe(await sha256File(join(dir, 'fixed.expected.raw')));
    } finally {
      await img.close();
    }
  });

  it('reads only headers at open and little on a small read', async () => {
    const img = (await openImage(join(dir, 'dynamic.vhd'))) as VhdImage;
    try {
      const opened = img.files[0]!.stats.hostBytesRead;
      expect(opened).toBeLessThan(8192);
      await img.read(6 * MiB + 100, 1000);
      expect(img.files[0]!.stats.hostBytesRead - opened).toBeLessThan(128 * 1024);
    } finally {
      await img.close();
    }
  });
});

describe.skipIf(!haveQemu)('differencing VHD', () => {
  it('qemu-img cannot create differencing VHD or VHDX (why these fixtures are derived from real images)', () => {
    for (const fmt of ['vpc', 'vhdx']) {
      expect(() => run('qemu-img', ['create', '-f', fmt, '-b', join(dir, 'parent.vhd'), '-F', 'vpc', join(dir, `qemu-child.${fmt}`)])).toThrow(
        /Backing file not supported/,
      );
    }
  });

  const locators = (): Locator[] => [
    { code: 'W2ku', data: utf16le('C:\\VMs\\elsewhere\\parent.vhd') },
    { code: 'W2ru', data: utf16le('.\\parent.vhd') },
  ];

  it('reads child sectors where the bitmap is set and parent sectors elsewhere', async () => {
    const path = differencingFixture('diff.vhd', locators(), 'parent.vhd');
    const img = (await openImage(path)) as VhdImage;
    try {
      expect(img.kind).toBe('differencing');
      expect(img.backing?.name).toBe(join(dir, 'parent.vhd'));
      const expected = expectedDifferencing(readFileSync(path), readFileSync(join(dir, 'child.raw')), readFileSync(join(dir, 'base.raw')), img.size);
      expect(await deviceSha256(img)).toBe(sha256(expected));
      for (const [off, len] of randomRanges(img.size, 80, 3)) {
        expect(Buffer.from(await img.read(off, len)).equals(expected.subarray(off, off + len))).toBe(true);
      }
      if (haveLibvhdi) expect(libvhdiSha256(path, join(dir, 'parent.vhd'))).toBe(sha256(expected));
    } finally {
      await img.close();
    }
  });

  it('honours single-sector bitmap granularity', async () => {
    const path = differencingFixture('diff-mixed.vhd', locators(), 'parent.vhd', undefined, editBitmapsMixed);
    const img = await openImage(path);
    try {
      const expected = expectedDifferencing(readFileSync(path), readFileSync(join(dir, 'child.raw')), readFileSync(join(dir, 'base.raw')), img.size);
      expect(await deviceSha256(img)).toBe(sha256(expected));
      const block3 = 6 * MiB;
      for (let s = 0; s < 64; s++) {
        const got = Buffer.from(await img.read(block3 + s * 512, 512));
        expect(got.equals(expected.subarray(block3 + s * 512, block3 + s * 512 + 512))).toBe(true);
      }
    } finally {
      await img.close();
    }
  });

  it('finds the parent through a Mac OS X file URL locator', async () => {
    const url = `file://localhost${encodeURI(join(dir, 'parent.vhd'))}`;
    const path = differencingFixture('diff-macx.vhd', [{ code: 'MacX', data: Buffer.from(url) }], '');
    const img = await openImage(path);
    try {
      expect(img.backing?.name).toBe(join(dir, 'parent.vhd'));
    } finally {
      await img.close();
    }
  });

  it('reports a missing parent, and reads without it when told to', async () => {
    const path = differencingFixture('diff-missing.vhd', [{ code: 'W2ru', data: utf16le('.\\gone.vhd') }], 'gone.vhd');
    await expect(openImage(path)).rejects.toMatchObject({ code: 'BACKING_FILE_MISSING' });
    const img = await openImage(path, { ignoreBacking: true });
    try {
      expect(img.backing).toBeUndefined();
      // Block 0 is not in the child: without the parent it reads as zeros.
      expect((await img.read(0, 4096)).every((b) => b === 0)).toBe(true);
    } finally {
      await img.close();
    }
  });

  it('refuses a parent whose unique id does not match', async () => {
    const path = differencingFixture('diff-wrongid.vhd', locators(), 'parent.vhd', Buffer.alloc(16, 0x5a));
    const err = await openImage(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GuestguardError);
    expect((err as GuestguardError).code).toBe('CORRUPT_IMAGE');
    expect((err as GuestguardError).message).toMatch(/unique id/);
  });

  it('fuzz: mutants of a differencing child (parent present) open or fail with a typed error', async () => {
    const child = readFileSync(differencingFixture('diff-fuzz.vhd', locators(), 'parent.vhd'));
    const tmp = scratchDir('gg-vhd-fuzz-');
    try {
      copyFileSync(join(dir, 'parent.vhd'), join(tmp, 'parent.vhd'));
      const tail = child.length - 512;
      const fix = (at: number) => (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(at, vhdChecksum(b, at), false);
      const report = await fuzzImage({
        image: child,
        path: join(tmp, 'child.vhd'),
        iterations: 400,
        seed: 4,
        // Footer, dynamic header (parent id, name, locator table), BAT, locator payloads.
        hot: [[0, 512], [512 + 40, 512 + 768], [1536, 1536 + 96], [tail - 1024, tail]],
        checksummed: [
          { start: 0, length: 512, fix: fix(64) },
          { start: 512, length: 1024, fix: fix(36) },
        ],
        exercise: async (path) => {
          const img = await openImage(path);
          try {
            await sampleDevice(img, 1024 * 1024, 4096);
          } finally {
            await img.close();
          }
        },
      });
      expect(report.opened).toBeGreaterThan(20);
      expect(report.opened + [...report.rejected.values()].reduce((a, b) => a + b, 0)).toBe(400);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 60_000);
});
