/**
 * Corruption tests: thousands of mutated copies of a small real exFAT image (mkfs.exfat,
 * populated through exfat-fuse), with damage aimed at the boot region (often with the boot
 * checksum recomputed so the field checks are reached), the FAT, directory entries (often
 * with the entry-set checksum recomputed so stream fields are trusted), the up-case table and
 * the allocation bitmap. Everything must work or fail with a GuestguardError, quickly.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, FIXTURES_ROOT, hasTool, run } from '../../../test/helpers/fixtures.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { cleanupMounts, fuzz, MemoryDevice, patchLE, pick, randomBytes, walkFs } from '../fat/test-support.js';
import { bootChecksum } from './boot.js';
import { ENTRY_SIZE, setChecksum } from './entries.js';
import { ExfatFileSystem, openExfat, probeExfat } from './index.js';

const CAN_BUILD =
  ['mkfs.exfat', 'mount.exfat-fuse', 'losetup', 'umount'].every((t) => hasTool(t)) && existsSync('/dev/fuse') && process.getuid?.() === 0;
const ENV = { ...process.env, TZ: 'UTC', LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
const FIXTURE = 'exfat-fuzz-v1';
const sh = (cmd: string, args: string[]) => run(cmd, args, { env: ENV });

function buildSmall(dir: string): void {
  const img = join(dir, 'exfat.img');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  sh('truncate', ['-s', '8M', img]);
  sh('mkfs.exfat', ['-c', '512', '-L', 'FUZZ', img]);
  const loop = sh('losetup', ['-f', '--show', img]).trim();
  try {
    sh('mount.exfat-fuse', [loop, mnt]);
    try {
      const put = (rel: string, data: Uint8Array | string) => {
        mkdirSync(join(mnt, rel, '..'), { recursive: true });
        writeFileSync(join(mnt, rel), data);
      };
      put('readme.txt', 'hello\n');
      put('SUB/A long name in a subdirectory.txt', 'long\n');
      put('SUB/deeper/still deeper/leaf ünï.txt', 'leaf\n');
      put('SUB/empty.bin', '');
      put('data.bin', randomBytes(50_000, 7));
      for (let i = 0; i < 40; i++) put(`bigdir/entry with a long name ${i}.txt`, `${i}\n`);
      for (let i = 0; i < 8; i++) put(`pad${i}.bin`, randomBytes(3000, i));
      for (let i = 0; i < 8; i += 2) sh('rm', [join(mnt, `pad${i}.bin`)]);
      put('frag.bin', randomBytes(20_000, 5));
    } finally {
      sh('umount', [mnt]);
    }
  } finally {
    sh('losetup', ['-d', loop]);
  }
}

interface Layout {
  dirSlots: number[];
  /** File entry sets that lie inside one cluster: [offset, entries]. */
  sets: [number, number][];
  usedClusters: number[];
  upcase: [number, number];
  bitmap: [number, number];
}

async function layoutOf(fs: ExfatFileSystem, base: Uint8Array): Promise<Layout> {
  const g = fs.geometry;
  const at = (c: number) => g.heapOffset + (c - 2) * g.clusterSize;
  const dirSlots: number[] = [];
  const usedClusters: number[] = [];
  const sets: [number, number][] = [];
  const walked = await walkFs(fs, { maxRead: 0 });
  const dirs = [0, ...[...walked.values()].filter((w) => w.stat.type === 'dir').map((w) => w.node as number)];
  for (const d of dirs) {
    for (const r of (await fs.clusterMap(d)).runs) {
      for (let o = 0; o < r.count * g.clusterSize; o += 32) dirSlots.push(at(r.cluster) + o);
    }
  }
  for (const w of walked.values()) {
    const off = Math.floor((w.node as number) / 2);
    const n = base[off + 1]! + 1;
    if (((off - g.heapOffset) % g.clusterSize) + n * ENTRY_SIZE <= g.clusterSize) sets.push([off, n]);
    for (const r of (await fs.clusterMap(w.node)).runs) for (let k = 0; k < r.count; k++) usedClusters.push(r.cluster + k);
  }
  // Up-case table and bitmap: from their root directory entries.
  const find = (type: number): [number, number] => {
    const slot = dirSlots.find((s) => base[s] === type)!;
    const first = base[slot + 20]! | (base[slot + 21]! << 8) | (base[slot + 22]! << 16);
    const len = base[slot + 24]! | (base[slot + 25]! << 8) | (base[slot + 26]! << 16);
    return [at(first), len];
  };
  return { dirSlots, sets, usedClusters, upcase: find(0x82), bitmap: find(0x81) };
}

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];
const BOOT_FIELDS: [number, number][] = [[64, 4], [72, 4], [76, 4], [80, 4], [84, 4], [88, 4], [92, 4], [96, 4], [104, 2], [106, 2], [108, 1], [109, 1], [110, 1], [510, 2], [3, 1], [20, 1]];
const SET_FIELDS: [number, number][] = [[1, 1], [4, 2], [12, 4], [21, 1], [23, 1], [32, 1], [33, 1], [35, 1], [36, 2], [40, 4], [44, 4], [52, 4], [56, 4], [60, 4], [64, 1], [66, 2]];

function mutator(base: Uint8Array, fs: ExfatFileSystem, layout: Layout) {
  const g = fs.geometry;
  const bps = g.bytesPerSector;
  const read = (patches: Map<number, number>, off: number) => patches.get(off) ?? base[off]!;
  /** Recomputes the boot checksum sector over the patched boot region. */
  const fixBoot = (patches: Map<number, number>) => {
    const region = base.slice(0, 12 * bps);
    for (const [o, v] of patches) if (o < 11 * bps) region[o] = v;
    const sum = bootChecksum(region, bps);
    for (let i = 0; i < bps; i += 4) patchLE(patches, 11 * bps + i, sum, 4);
  };
  const fixSet = (patches: Map<number, number>, off: number, n: number) => {
    const set = new Uint8Array(n * ENTRY_SIZE);
    for (let i = 0; i < set.length; i++) set[i] = read(patches, off + i);
    patchLE(patches, off + 2, setChecksum(set), 2);
  };
  return (rnd: () => number, patches: Map<number, number>): string => {
    const value = (orig: number) => pick(rnd, [...INTERESTING, Math.floor(rnd() * 2 ** 32), orig + 1, orig - 1, orig * 2, Math.floor(orig / 2)]) >>> 0;
    const bytesIn = (start: number, len: number, count: number) => {
      for (let k = count; k > 0; k--) patches.set(start + Math.floor(rnd() * len), Math.floor(rnd() * 256));
    };
    const kind = pick(rnd, ['boot-field', 'boot-field', 'boot-bytes', 'fat', 'fat', 'set-field', 'set-field', 'set-field', 'dir-bytes', 'upcase', 'bitmap']);
    switch (kind) {
      case 'boot-field': {
        const [off, n] = pick(rnd, BOOT_FIELDS);
        let orig = 0;
        for (let k = n - 1; k >= 0; k--) orig = orig * 256 + base[off + k]!;
        patchLE(patches, off, value(orig), n);
        if (rnd() < 0.5) patchLE(patches, 12 * bps + off, value(orig), n); // damage the backup too
        fixBoot(patches);
        return `boot field @${off}`;
      }
      case 'boot-bytes':
        bytesIn(0, 12 * bps, 1 + Math.floor(rnd() * 4));
        if (rnd() < 0.5) bytesIn(12 * bps, 12 * bps, 2);
        return 'boot region bytes';
      case 'fat': {
        const c = pick(rnd, layout.usedClusters);
        const max = g.clusterCount + 1;
        const v = pick(rnd, [0, 1, c, c - 1, c + 1, 2 + Math.floor(rnd() * (max - 1)), max + 1, 0xfffffff7, 0xfffffff8, 0xffffffff, Math.floor(rnd() * 2 ** 32)]);
        patchLE(patches, g.fatOffset + c * 4, v >>> 0, 4);
        return `FAT[${c}] = ${v}`;
      }
      case 'set-field': {
        const [off, n] = pick(rnd, layout.sets);
        for (let k = 1 + Math.floor(rnd() * 2); k > 0; k--) {
          const [f, len] = pick(rnd, SET_FIELDS);
          if (f + len > n * ENTRY_SIZE) continue;
          let orig = 0;
          for (let j = len - 1; j >= 0; j--) orig = orig * 256 + base[off + f + j]!;
          patchLE(patches, off + f, value(orig), len);
        }
        if (rnd() < 0.8) fixSet(patches, off, n);
        return `entry set @${off}`;
      }
      case 'dir-bytes': {
        const slot = pick(rnd, layout.dirSlots);
        bytesIn(slot, 32, 1 + Math.floor(rnd() * 3));
        return `dir bytes near ${slot}`;
      }
      case 'upcase':
        bytesIn(layout.upcase[0], layout.upcase[1], 1 + Math.floor(rnd() * 3));
        return 'up-case table';
      default:
        bytesIn(layout.bitmap[0], layout.bitmap[1], 1 + Math.floor(rnd() * 3));
        return 'bitmap';
    }
  };
}

afterAll(() => {
  if (CAN_BUILD) cleanupMounts(join(FIXTURES_ROOT, FIXTURE), sh);
});

describe.skipIf(!CAN_BUILD)('exFAT driver on corrupted real images', () => {
  it('survives 2000 mutations', async () => {
    const dir = fixtureDir(FIXTURE, buildSmall);
    const base = new Uint8Array(readFileSync(join(dir, 'exfat.img')));
    const clean = await openExfat(new MemoryDevice(base));
    const layout = await layoutOf(clean, base);
    expect(layout.sets.length).toBeGreaterThan(20);
    const t0 = performance.now();
    const stats = await fuzz({
      base,
      iterations: 2000,
      seed: 4242,
      open: (dev: BlockDevice) => openExfat(dev),
      mutate: mutator(base, clean, layout),
      extra: (dev) => probeExfat(dev),
    });
    const elapsed = performance.now() - t0;
    console.log(`exFAT: ${stats.opened} opened, ${stats.walkedClean} walked cleanly, errors ${JSON.stringify([...stats.errors])}, slowest ${stats.slowest.toFixed(0)} ms, total ${elapsed.toFixed(0)} ms`);
    expect(stats.iterations).toBe(2000);
    expect(stats.errors.get('CORRUPT_FILESYSTEM') ?? 0).toBeGreaterThan(100);
    expect(stats.walkedClean).toBeGreaterThan(400);
    expect(stats.slowest).toBeLessThan(5000);
    expect(elapsed).toBeLessThan(60_000);
  });
});
