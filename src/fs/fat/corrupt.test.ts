/**
 * Corruption tests: thousands of mutated copies of small real FAT12/16/32 images (mkfs.vfat +
 * mtools), with damage aimed at the boot sector, FSInfo, the FAT and directory entries. Every
 * open/readdir/stat/read must either work or fail with a GuestguardError, quickly.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { FatFileSystem, openFat, probeFat } from './index.js';
import { fuzz, MemoryDevice, patchLE, pick, randomBytes, walkFs } from './test-support.js';

const HAVE_TOOLS = ['mkfs.vfat', 'mcopy', 'mdel'].every((t) => hasTool(t));
const ENV = { ...process.env, MTOOLS_SKIP_CHECK: '1', TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };

const IMAGES = [
  { bits: 12, size: '1440K', mkfs: ['-F', '12'] },
  { bits: 16, size: '16M', mkfs: ['-F', '16'] },
  { bits: 32, size: '34M', mkfs: ['-F', '32', '-s', '1'] },
] as const;

/** A small tree: nested dirs, long and Unicode names, a multi-cluster directory, a fragmented file. */
function buildSmall(dir: string, bits: number, size: string, mkfs: readonly string[]): void {
  const src = join(dir, 'src');
  const put = (rel: string, data: Uint8Array | string) => {
    mkdirSync(join(src, rel, '..'), { recursive: true });
    writeFileSync(join(src, rel), data);
  };
  put('readme.txt', 'hello\n');
  put('SUB/A long name in a subdirectory.txt', 'long\n');
  put('SUB/deeper/still deeper/leaf ünï.txt', 'leaf\n');
  put('SUB/empty.bin', '');
  put('data.bin', randomBytes(50_000, 7));
  for (let i = 0; i < 60; i++) put(`bigdir/entry with a long name ${i}.txt`, `${i}\n`);
  const img = join(dir, 'fat.img');
  run('truncate', ['-s', size, img]);
  run('mkfs.vfat', [...mkfs, '-n', `FUZZ${bits}`, img]);
  const m = (cmd: string, args: string[]) => run(cmd, ['-i', img, ...args], { env: ENV });
  m('mcopy', ['-s', '-m', ...readdirSync(src).map((n) => join(src, n)), '::/']);
  const pad = join(dir, 'pad.bin');
  writeFileSync(pad, randomBytes(3000, 3));
  for (let i = 0; i < 8; i++) m('mcopy', [pad, `::/pad${i}.bin`]);
  for (let i = 0; i < 8; i += 2) m('mdel', [`::/pad${i}.bin`]);
  rmSync(pad);
  writeFileSync(join(dir, 'frag.bin'), randomBytes(20_000, 5));
  m('mcopy', [join(dir, 'frag.bin'), '::/frag.bin']);
}

interface Layout {
  /** Byte offsets of every 32-byte slot in every directory. */
  dirSlots: number[];
  /** Highest cluster in use, to aim FAT damage at live entries. */
  maxUsedCluster: number;
}

async function layoutOf(fs: FatFileSystem): Promise<Layout> {
  const g = fs.geometry;
  const dirSlots: number[] = [];
  let maxUsedCluster = 2;
  const addMap = async (node: number) => {
    for (const r of (await fs.clusterMap(node)).runs) {
      maxUsedCluster = Math.max(maxUsedCluster, r.cluster + r.count - 1);
      return r;
    }
    return undefined;
  };
  if (g.bits !== 32) for (let o = 0; o < g.rootDirBytes; o += 32) dirSlots.push(g.rootDirOffset + o);
  const walked = await walkFs(fs, { maxRead: 0 });
  const dirs = [0, ...[...walked.values()].filter((w) => w.stat.type === 'dir').map((w) => w.node as number)];
  for (const d of dirs) {
    if (d === 0 && g.bits !== 32) continue;
    for (const r of (await fs.clusterMap(d)).runs) {
      const start = g.dataOffset + (r.cluster - 2) * g.clusterSize;
      for (let o = 0; o < r.count * g.clusterSize; o += 32) dirSlots.push(start + o);
    }
  }
  for (const w of walked.values()) if (w.stat.type === 'file' && w.stat.size > 0) await addMap(w.node as number);
  for (const d of dirs) if (d !== 0 || g.bits === 32) await addMap(d);
  return { dirSlots, maxUsedCluster };
}

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];
const BOOT_FIELDS: [number, number][] = [[11, 2], [13, 1], [14, 2], [16, 1], [17, 2], [19, 2], [21, 1], [22, 2], [32, 4], [36, 4], [40, 2], [44, 4], [48, 2], [66, 1], [38, 1]];
const DIRENT_FIELDS: [number, number][] = [[0, 1], [11, 1], [12, 1], [13, 1], [20, 2], [26, 2], [28, 4], [1, 2]];

function mutator(base: Uint8Array, fs: FatFileSystem, layout: Layout) {
  const g = fs.geometry;
  const fatEntry = (c: number, v: number, patches: Map<number, number>) => {
    if (g.bits === 12) {
      const at = g.fatOffset + c + (c >> 1);
      const old = base[at]! | (base[at + 1]! << 8);
      const nv = c & 1 ? (old & 0x000f) | ((v & 0xfff) << 4) : (old & 0xf000) | (v & 0xfff);
      patchLE(patches, at, nv, 2);
    } else {
      patchLE(patches, g.fatOffset + c * (g.bits / 8), v >>> 0, g.bits / 8);
    }
  };
  return (rnd: () => number, patches: Map<number, number>): string => {
    const value = (orig: number) => pick(rnd, [...INTERESTING, Math.floor(rnd() * 2 ** 32), orig + 1, orig - 1, orig * 2, Math.floor(orig / 2)]) >>> 0;
    const kind = pick(rnd, ['boot-field', 'boot-bytes', 'fat-entry', 'fat-entry', 'fat-bytes', 'dirent', 'dirent', 'dir-bytes', 'fsinfo']);
    switch (kind) {
      case 'boot-field': {
        const [off, n] = pick(rnd, BOOT_FIELDS);
        let orig = 0;
        for (let k = n - 1; k >= 0; k--) orig = orig * 256 + base[off + k]!;
        const v = value(orig);
        patchLE(patches, off, v, n);
        return `boot field @${off} = ${v}`;
      }
      case 'boot-bytes':
        for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) patches.set(Math.floor(rnd() * 512), Math.floor(rnd() * 256));
        return 'boot bytes';
      case 'fat-entry': {
        const c = 2 + Math.floor(rnd() * (layout.maxUsedCluster - 1));
        const max = g.clusterCount + 1;
        const v = pick(rnd, [0, 1, c, c - 1, c + 1, 2 + Math.floor(rnd() * (max - 1)), max + 1, 0xffffff7, 0xfff7, 0xff7, 0xfffffff, Math.floor(rnd() * 2 ** 32)]);
        fatEntry(c, v, patches);
        return `FAT[${c}] = ${v}`;
      }
      case 'fat-bytes': {
        const span = Math.min(g.fatBytes, Math.ceil(((layout.maxUsedCluster + 2) * g.bits) / 8));
        for (let k = 1 + Math.floor(rnd() * 6); k > 0; k--) patches.set(g.fatOffset + Math.floor(rnd() * span), Math.floor(rnd() * 256));
        return 'FAT bytes';
      }
      case 'dirent': {
        const slot = pick(rnd, layout.dirSlots);
        const [off, n] = pick(rnd, DIRENT_FIELDS);
        let orig = 0;
        for (let k = n - 1; k >= 0; k--) orig = orig * 256 + base[slot + off + k]!;
        const v = off === 0 ? pick(rnd, [0x00, 0xe5, 0x05, 0x2e, 0x20, 0x41, 0x45, Math.floor(rnd() * 256)]) : off === 11 ? pick(rnd, [0x0f, 0x10, 0x08, 0x00, 0x18, Math.floor(rnd() * 256)]) : value(orig);
        patchLE(patches, slot + off, v, n);
        return `dirent @${slot}+${off} = ${v}`;
      }
      case 'dir-bytes': {
        const slot = pick(rnd, layout.dirSlots);
        for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) patches.set(slot + Math.floor(rnd() * 32), Math.floor(rnd() * 256));
        return `dir bytes near ${slot}`;
      }
      default: {
        if (g.fsInfoOffset === undefined) return 'nothing';
        for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) patches.set(g.fsInfoOffset + pick(rnd, [0, 1, 484, 488, 489, 492, 493, 510]), Math.floor(rnd() * 256));
        return 'FSInfo bytes';
      }
    }
  };
}

describe.skipIf(!HAVE_TOOLS)('FAT driver on corrupted real images', () => {
  for (const im of IMAGES) {
    it(`survives 1000 mutations of a FAT${im.bits} image`, async () => {
      const dir = fixtureDir(`fat-fuzz-${im.bits}-v1`, (d) => buildSmall(d, im.bits, im.size, im.mkfs));
      const base = new Uint8Array(readFileSync(join(dir, 'fat.img')));
      const clean = await openFat(new MemoryDevice(base));
      expect(clean.fatBits).toBe(im.bits);
      const layout = await layoutOf(clean);
      const t0 = performance.now();
      const stats = await fuzz({
        base,
        iterations: 1000,
        seed: 1000 + im.bits,
        open: (dev: BlockDevice) => openFat(dev),
        mutate: mutator(base, clean, layout),
        extra: (dev) => probeFat(dev),
      });
      const elapsed = performance.now() - t0;
      console.log(`FAT${im.bits}: ${stats.opened} opened, ${stats.walkedClean} walked cleanly, errors ${JSON.stringify([...stats.errors])}, slowest ${stats.slowest.toFixed(0)} ms, total ${elapsed.toFixed(0)} ms`);
      expect(stats.iterations).toBe(1000);
      // The mutations must bite and the driver must still read most lightly damaged images.
      expect(stats.errors.get('CORRUPT_FILESYSTEM') ?? 0).toBeGreaterThan(50);
      expect(stats.walkedClean).toBeGreaterThan(200);
      expect(stats.slowest).toBeLessThan(5000);
      expect(elapsed).toBeLessThan(60_000);
    });
  }
});
