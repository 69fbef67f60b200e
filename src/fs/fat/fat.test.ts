/**
 * The FAT driver against real images: mkfs.vfat (FAT12, FAT16 with 512- and 4096-byte sectors,
 * FAT32) populated by mtools from a source tree, which is the ground truth for names, sizes,
 * SHA-256 and mtimes. blkid and mtools are the oracles for label, UUID, version and free space.
 * Stat modes and link counts are those of Linux's vfat driver with default mount options
 * (see driver.ts); this kernel has no vfat module, so they are checked against the rules.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { FatFileSystem, openFat, probeFat } from './index.js';
import { probeExfat } from '../exfat/index.js';
import { ATTR_LFN } from './dir.js';
import { buildSourceTree, MemoryDevice, randomBytes, scanHostTree, walkFs, TIMED_FILES, TREE_MTIME, type TreeOptions } from './test-support.js';

interface Variant {
  name: string;
  bits: 12 | 16 | 32;
  sizeMiB: number;
  mkfs: string[];
  tree: TreeOptions;
  label: string;
  serial: string;
}

const VARIANTS: Variant[] = [
  { name: 'fat12', bits: 12, sizeMiB: 8, mkfs: ['-F', '12'], tree: { many: 300, manyLong: 40, bigBytes: 1_500_000, depth: 10 }, label: 'GG_FAT12', serial: '12AB34CD' },
  { name: 'fat16', bits: 16, sizeMiB: 32, mkfs: ['-F', '16'], tree: { many: 3000, manyLong: 150, bigBytes: 3 * 1048576 + 123, depth: 16 }, label: 'GG_FAT16', serial: '0000BEEF' },
  { name: 'fat16-4k', bits: 16, sizeMiB: 48, mkfs: ['-F', '16', '-S', '4096', '-s', '1'], tree: { many: 600, manyLong: 60, bigBytes: 2 * 1048576, depth: 6 }, label: 'GG_4KSECT', serial: 'CAFE0001' },
  { name: 'fat32', bits: 32, sizeMiB: 40, mkfs: ['-F', '32'], tree: { many: 3000, manyLong: 150, bigBytes: 3 * 1048576 + 7, depth: 16 }, label: 'GG_FAT32', serial: 'DEADBEEF' },
];

const TOOLS = ['mkfs.vfat', 'mcopy', 'mattrib', 'mdel', 'mdir', 'blkid', 'fsck.vfat'];
const HAVE_TOOLS = TOOLS.every((t) => hasTool(t));
const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1', TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const PADS = 30;

function mtools(cmd: string, img: string, args: string[]): string {
  return run(cmd, ['-i', img, ...args], { env: MTOOLS_ENV });
}

/** mkfs.vfat + mtools; a fragmented file is made by deleting every other pad file first. */
function buildImage(dir: string, v: Variant): void {
  const src = join(dir, 'src');
  buildSourceTree(src, v.tree);
  const img = join(dir, 'fat.img');
  run('truncate', ['-s', `${v.sizeMiB}M`, img]);
  run('mkfs.vfat', [...v.mkfs, '-n', v.label, '-i', v.serial, img]);
  const started = Math.floor(Date.now() / 1000);
  mtools('mcopy', img, ['-s', '-m', ...readdirSync(src).map((n) => join(src, n)), '::/']);
  mtools('mattrib', img, ['+r', '::/readonly.txt']);
  mtools('mattrib', img, ['+h', '::/hidden.txt']);
  mtools('mmd', img, ['::/frag']);
  mkdirSync(join(src, 'frag'));
  for (let i = 0; i < PADS; i++) {
    const p = join(src, 'frag', `pad-${i}.bin`);
    writeFileSync(p, randomBytes(5000, 100 + i));
    utimesSync(p, TREE_MTIME, TREE_MTIME);
    mtools('mcopy', img, ['-m', p, `::/frag/pad-${i}.bin`]);
  }
  for (let i = 0; i < PADS; i += 2) {
    mtools('mdel', img, [`::/frag/pad-${i}.bin`]);
    rmSync(join(src, 'frag', `pad-${i}.bin`));
  }
  if (v.bits === 32) forgetNextFree(img);
  const frag = join(src, 'frag', 'fragmented.bin');
  writeFileSync(frag, randomBytes(100_000, 99));
  utimesSync(frag, TREE_MTIME, TREE_MTIME);
  mtools('mcopy', img, ['-m', frag, '::/frag/fragmented.bin']);
  const finished = Math.floor(Date.now() / 1000);
  run('fsck.vfat', ['-n', img]);
  writeFileSync(join(dir, 'build.json'), JSON.stringify({ started, finished }));
}

/** mtools allocates after FSInfo's "next free" hint; "unknown" makes it fill the pad holes. */
function forgetNextFree(img: string): void {
  const bs = readFileSync(img).subarray(0, 512);
  const fsInfo = (bs[48]! | (bs[49]! << 8)) * (bs[11]! | (bs[12]! << 8));
  run('sh', ['-c', `printf '\\377\\377\\377\\377' | dd of='${img}' bs=1 seek=${fsInfo + 492} conv=notrunc status=none`]);
}

function blkid(img: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of run('blkid', ['-p', '-o', 'export', img]).split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const opened: RawImage[] = [];
async function rawImage(img: string): Promise<RawImage> {
  const dev = new RawImage(await HostFile.open(img));
  opened.push(dev);
  return dev;
}
async function openImage(img: string): Promise<FatFileSystem> {
  return openFat(await rawImage(img));
}

afterAll(async () => {
  for (const d of opened) await d.close();
});

function expectCode(p: Promise<unknown>, code: string) {
  return expect(p).rejects.toSatisfy((e: unknown) => e instanceof GuestguardError && e.code === code);
}

describe.skipIf(!HAVE_TOOLS)('FAT driver on real mkfs.vfat + mtools images', () => {
  for (const v of VARIANTS) {
    describe(v.name, () => {
      const dir = HAVE_TOOLS ? fixtureDir(`fat-${v.name}-v1`, (d) => buildImage(d, v)) : '';
      const img = join(dir, 'fat.img');
      const src = join(dir, 'src');

      it('identifies the volume as blkid does', async () => {
        const want = blkid(img);
        const fs = await openImage(img);
        expect(fs.type).toBe('vfat');
        expect(fs.caseInsensitive).toBe(true);
        expect(fs.fatBits).toBe(v.bits);
        expect(fs.label).toBe(v.label);
        expect(want.LABEL).toBe(v.label);
        expect(fs.uuid).toBe(want.UUID);
        expect(fs.uuid).toBe(`${v.serial.slice(0, 4)}-${v.serial.slice(4)}`);
        const probe = await probeFat(await rawImage(img));
        expect(await probeExfat(await rawImage(img))).toBeUndefined();
        expect(probe).toEqual({ fs: 'vfat', label: want.LABEL, uuid: want.UUID, details: { version: want.VERSION } });
        expect(fs.warnings).toEqual([]);
      });

      it('lists every file and directory with the content, size and mtime of the source tree', async () => {
        const fs = await openImage(img);
        const { started, finished } = JSON.parse(readFileSync(join(dir, 'build.json'), 'utf8')) as { started: number; finished: number };
        const host = scanHostTree(src);
        const walked = await walkFs(fs);
        expect([...walked.keys()].sort()).toEqual([...host.keys()].sort());
        const cs = fs.geometry.clusterSize;
        for (const [path, h] of host) {
          const w = walked.get(path)!;
          const st = w.stat;
          expect.soft(st.type, path).toBe(h.type);
          expect.soft([st.uid, st.gid], path).toEqual([0, 0]);
          expect.soft(st.ino, path).toBe(w.node);
          if (h.type === 'file') {
            expect.soft(st.size, path).toBe(h.size);
            expect.soft(w.sha256, path).toBe(h.sha256);
            // mtools stores the 2-second field rounded down.
            expect.soft(st.mtime, path).toBe(Math.floor(h.mtime / 2) * 2);
            expect.soft(st.mode, path).toBe(path === '/readonly.txt' ? 0o555 : 0o755);
            expect.soft(st.nlink, path).toBe(1);
          } else {
            expect.soft(st.mode, path).toBe(0o755);
            expect.soft(st.nlink, path).toBe(h.subdirs! + 2);
            expect.soft(st.size > 0 && st.size % cs === 0, path).toBe(true);
            // mcopy -m keeps directory times too; frag/ was made by mmd during the build.
            if (path === '/frag') expect.soft(st.mtime >= started - 2 && st.mtime <= finished, path).toBe(true);
            else expect.soft(st.mtime, path).toBe(Math.floor(h.mtime / 2) * 2);
          }
        }
        const root = await fs.stat(await fs.root());
        const rootSubdirs = [...host.keys()].filter((p) => p.lastIndexOf('/') === 0 && host.get(p)!.type === 'dir').length;
        expect(root).toMatchObject({ type: 'dir', mode: 0o755, nlink: rootSubdirs + 2, ino: 1, mtime: 0, uid: 0, gid: 0 });
        expect(root.size).toBe(v.bits === 32 ? (await fs.clusterMap(0)).clusters * cs : 512 * 32);
        expect(walked.get('/hidden.txt')!.stat.flags).toContain('hidden');
        expect(walked.get('/readonly.txt')!.stat.flags).toContain('readonly');
      });

      it('keeps edge-of-range timestamps exactly as the kernel converts them', async () => {
        const fs = await openImage(img);
        for (const [rel, t] of Object.entries(TIMED_FILES)) {
          const times = await fs.lookup(await fs.root(), 'times');
          const node = await fs.lookup(times!, rel.split('/')[1]!);
          expect((await fs.stat(node!)).mtime, rel).toBe(Math.floor(t / 2) * 2);
        }
      });

      it('looks names up case-insensitively, including 8.3 aliases', async () => {
        const fs = await openImage(img);
        const walked = await walkFs(fs, { maxRead: 0 });
        const nodes = new Map<string, unknown>([['', await fs.root()]]);
        for (const [p, w] of walked) nodes.set(p, w.node);
        for (const [p, w] of walked) {
          const parent = nodes.get(p.slice(0, p.lastIndexOf('/')))!;
          const name = p.slice(p.lastIndexOf('/') + 1);
          expect.soft(await fs.lookup(parent as number, name), p).toBe(w.node);
          expect.soft(await fs.lookup(parent as number, name.toUpperCase()), p).toBe(w.node);
          expect.soft(await fs.lookup(parent as number, name.toLowerCase()), p).toBe(w.node);
        }
        const root = await fs.root();
        expect(await fs.lookup(root, 'AVERYL~1.DAT')).toBe(walked.get('/A very long file name that exceeds eight dot three.data')!.node);
        expect(await fs.lookup(root, 'ärger ÜBER öl.TXT')).toBe(walked.get('/Ärger über Öl.txt')!.node);
        expect(await fs.lookup(root, 'readme.txt..')).toBe(walked.get('/readme.txt')!.node);
        expect(await fs.lookup(root, 'no such file')).toBeUndefined();
      });

      it('shows 8.3 names with the NT lowercase flags without any LFN entry', async () => {
        const fs = await openImage(img);
        const dev = await rawImage(img);
        for (const name of ['readme.txt', 'lower.TXT', 'UP.txt', 'UPPER.TXT']) {
          const node = (await fs.lookup(await fs.root(), name)) as number;
          expect((await fs.readdir(await fs.root())).some((e) => e.name === name && e.node === node)).toBe(true);
          const prev = await dev.read(node - 32, 32);
          expect(prev[11], name).not.toBe(ATTR_LFN);
        }
      });

      it('reads a fragmented file and arbitrary ranges of it', async () => {
        const fs = await openImage(img);
        const frag = await fs.lookup((await fs.lookup(await fs.root(), 'frag'))!, 'fragmented.bin');
        const map = await fs.clusterMap(frag!);
        expect(map.runs.length).toBeGreaterThan(3);
        const host = readFileSync(join(src, 'frag', 'fragmented.bin'));
        const cs = fs.geometry.clusterSize;
        const ranges: [number, number][] = [[0, host.length], [cs - 1, 2], [cs * 3 - 100, cs * 5], [host.length - 10, 100], [host.length, 5], [host.length + 10, 5]];
        for (let i = 0; i < 40; i++) ranges.push([(i * 7919) % host.length, (i * 104729) % 20000]);
        for (const [off, len] of ranges) {
          const got = await fs.read(frag!, off, len);
          expect(Buffer.from(got).equals(host.subarray(off, Math.min(host.length, off + len))), `${off}+${len}`).toBe(true);
        }
      });

      it('reads a contiguous multi-MiB file in one device request per run', async () => {
        const bytes = readFileSync(img);
        const dev = new MemoryDevice(bytes);
        const fs = await openFat(dev);
        const big = await fs.lookup(await fs.root(), 'big.bin');
        const size = (await fs.stat(big!)).size;
        const runs = (await fs.clusterMap(big!)).runs.length;
        dev.reads = 0;
        const data = await fs.read(big!, 0, size);
        expect(Buffer.from(data).equals(readFileSync(join(src, 'big.bin')))).toBe(true);
        expect(dev.reads).toBeLessThanOrEqual(runs + 2);
      });

      it('reports free space as mtools counts it', async () => {
        const fs = await openImage(img);
        const out = mtools('mdir', img, ['::/']);
        const free = Number(/([\d ]+) bytes free/.exec(out)![1]!.replace(/ /g, ''));
        const st = await fs.statfs();
        expect(st.blockSize).toBe(fs.geometry.clusterSize);
        expect(st.totalBlocks).toBe(fs.geometry.clusterCount);
        expect(st.freeBlocks * st.blockSize).toBe(free);
      });

      it('rejects operations that do not fit the node', async () => {
        const fs = await openImage(img);
        const root = await fs.root();
        const file = await fs.lookup(root, 'readme.txt');
        const dirNode = await fs.lookup(root, 'case');
        await expectCode(fs.readdir(file!), 'NOT_A_DIRECTORY');
        await expectCode(fs.read(dirNode!, 0, 10), 'IS_A_DIRECTORY');
        await expectCode(fs.read(root, 0, 10), 'IS_A_DIRECTORY');
        await expectCode(fs.readlink(file!), 'NOT_A_SYMLINK');
        await expectCode(fs.stat(12345), 'INVALID_ARGUMENT');
        await expectCode(fs.stat('x'), 'INVALID_ARGUMENT');
        await expectCode(fs.read(file!, -1, 10), 'INVALID_ARGUMENT');
        expect(await fs.xattrs(file!)).toEqual(new Map());
      });
    });
  }

  it('reads a FAT32-layout volume with fewer than 65525 clusters as FAT32, as Linux and blkid do', async () => {
    const dir = fixtureDir('fat-small-fat32-v1', (d) => {
      run('truncate', ['-s', '16M', join(d, 'fat.img')]);
      run('mkfs.vfat', ['-F', '32', '-n', 'SMALL32', '-i', '5EED0032', join(d, 'fat.img')]);
    });
    const img = join(dir, 'fat.img');
    const fs = await openImage(img);
    expect(fs.fatBits).toBe(32);
    expect(blkid(img).VERSION).toBe('FAT32');
    expect(fs.warnings.join()).toMatch(/FAT32 layout with only \d+ clusters/);
    expect(fs.label).toBe('SMALL32');
    expect(await fs.readdir(await fs.root())).toEqual([]);
    expect((await fs.stat(await fs.root())).nlink).toBe(2);
  });

  describe('hand-made damage to a real FAT16 image', () => {
    const dir = HAVE_TOOLS ? fixtureDir('fat-fat16-v1', (d) => buildImage(d, VARIANTS[1]!)) : '';
    const img = join(dir, 'fat.img');

    async function setup() {
      const bytes = new Uint8Array(readFileSync(img));
      const fs = await openFat(new MemoryDevice(bytes));
      return { bytes, fs };
    }

    /** Points FAT entry `cluster` (FAT16) at `next` in both FAT copies. */
    function setFat16(bytes: Uint8Array, fs: FatFileSystem, cluster: number, next: number): void {
      const g = fs.geometry;
      for (let copy = 0; copy < g.numFats; copy++) {
        const at = g.fatOffset + copy * g.fatBytes + cluster * 2;
        bytes[at] = next & 0xff;
        bytes[at + 1] = next >> 8;
      }
    }

    it('rejects impossible boot sector fields, naming the field', async () => {
      const cases: [number, number[], RegExp][] = [
        [11, [0, 1], /bytes per sector 256/],
        [13, [3], /not a power of two/],
        [14, [0, 0], /no reserved sectors/],
        [16, [0], /FAT count is 0/],
        [17, [1, 0], /root directory entries/],
        [19, [0, 0], /total sector count is 0/],
        [21, [0x12], /media/],
        [22, [0xff, 0xff], /fills the|beyond/],
      ];
      for (const [off, value, re] of cases) {
        const bytes = new Uint8Array(readFileSync(img));
        bytes.set(value, off);
        if (off === 19) bytes.set([0, 0, 0, 0], 32);
        await expect(openFat(new MemoryDevice(bytes)), `offset ${off}`).rejects.toSatisfy(
          (e: unknown) => e instanceof GuestguardError && e.code === 'CORRUPT_FILESYSTEM' && re.test(e.message) && e.structure === 'FAT boot sector' && e.offset === off,
        );
      }
      // A truncated copy: the FAT region no longer fits.
      const short = new Uint8Array(readFileSync(img)).subarray(0, 4096);
      await expect(openFat(new MemoryDevice(short))).rejects.toSatisfy((e: unknown) => e instanceof GuestguardError && /beyond the 4096-byte device/.test(e.message));
    });

    it('drops an LFN whose checksum does not match and shows the 8.3 name', async () => {
      const { bytes, fs } = await setup();
      const node = (await fs.lookup(await fs.root(), 'MixedCase.Txt')) as number;
      expect(bytes[node - 32 + 11]).toBe(ATTR_LFN);
      bytes[node - 32 + 13]! ^= 0xff; // checksum byte of the last LFN slot
      const fresh = await openFat(new MemoryDevice(bytes));
      const names = (await fresh.readdir(await fresh.root())).map((e) => e.name);
      expect(names).not.toContain('MixedCase.Txt');
      expect(names).toContain('MIXEDC~1.TXT');
      expect(await fresh.lookup(await fresh.root(), 'mixedc~1.txt')).toBe(node);
    });

    it('detects a loop in a file cluster chain', async () => {
      const { bytes, fs } = await setup();
      const big = await fs.lookup(await fs.root(), 'big.bin');
      const { runs } = await fs.clusterMap(big!);
      const first = runs[0]!.cluster;
      setFat16(bytes, fs, first + 5, first + 1);
      const fresh = await openFat(new MemoryDevice(bytes));
      await expect(fresh.read(big!, 0, 1 << 20)).rejects.toSatisfy(
        (e: unknown) => e instanceof GuestguardError && e.code === 'CORRUPT_FILESYSTEM' && /loop/.test(e.message),
      );
    });

    it('detects a loop in a directory cluster chain', async () => {
      const { bytes, fs } = await setup();
      const many = await fs.lookup(await fs.root(), 'many');
      const { runs } = await fs.clusterMap(many!);
      const last = runs[runs.length - 1]!;
      setFat16(bytes, fs, last.cluster + last.count - 1, runs[0]!.cluster);
      const fresh = await openFat(new MemoryDevice(bytes));
      await expect(fresh.readdir(many!)).rejects.toSatisfy(
        (e: unknown) => e instanceof GuestguardError && e.code === 'CORRUPT_FILESYSTEM' && /loop/.test(e.message),
      );
    });

    it('reports a chain that ends before the file does', async () => {
      const { bytes, fs } = await setup();
      const big = await fs.lookup(await fs.root(), 'big.bin');
      const { runs } = await fs.clusterMap(big!);
      setFat16(bytes, fs, runs[0]!.cluster + 2, 0xffff);
      const fresh = await openFat(new MemoryDevice(bytes));
      await expect(fresh.read(big!, 0, 1 << 20)).rejects.toSatisfy(
        (e: unknown) => e instanceof GuestguardError && e.code === 'CORRUPT_FILESYSTEM' && /ends after 3 of/.test(e.message),
      );
    });
  });
});
