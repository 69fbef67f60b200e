/**
 * Images made by `mkfs.btrfs --rootdir` in several layouts (profiles, checksum types, node
 * sizes, mixed block groups, explicit holes), compared field by field and byte by byte with a
 * walk of the same image mounted by the kernel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { BlockDevice } from '../../disk/block-device.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import { openBtrfs, probeBtrfs } from './index.js';
import { profileName } from './chunks.js';
import { NOT_CACHED } from './btree.js';
import { BLOCK_GROUP_DATA, BLOCK_GROUP_METADATA, SUPERBLOCK_OFFSETS, U64_MAX } from './constants.js';
import { compareKeys, type Key } from './node.js';
import { buildRootdirImages, cleanupMounts, readTruth } from './test-images.js';
import { walkDriver } from './test-tree.js';

const VARIANTS: Record<string, string[]> = {
  default: [],
  'dup-data': ['-d', 'dup', '-m', 'dup'],
  'xxhash-4k-nodes': ['--csum', 'xxhash', '-n', '4096'],
  sha256: ['--csum', 'sha256'],
  blake2: ['--csum', 'blake2'],
  mixed: ['-M'],
  'explicit-holes': ['-O', '^no-holes', '-m', 'single'],
};

/** The device with some byte ranges flipped. */
function damage(dev: BlockDevice, ranges: [number, number][]): BlockDevice {
  return {
    size: dev.size,
    name: 'damaged',
    read: async (o, l) => {
      const b = Uint8Array.from(await dev.read(o, l));
      for (const [start, len] of ranges) for (let i = Math.max(o, start); i < Math.min(o + l, start + len); i++) b[i - o]! ^= 0x5a;
      return b;
    },
    close: async () => {},
  };
}

const canBuild = hasTool('mkfs.btrfs') && hasTool('python3') && process.getuid?.() === 0;
let dir = '';

describe.skipIf(!canBuild)('btrfs: mkfs --rootdir images', () => {
  beforeAll(() => {
    dir = fixtureDir('btrfs-rootdir-v1', (d) => {
      try {
        buildRootdirImages(d, VARIANTS);
      } finally {
        cleanupMounts(d);
      }
    });
  });
  afterAll(() => {
    if (dir) cleanupMounts(dir);
  });

  const open = async (name: string) => {
    const dev = new RawImage(await HostFile.open(join(dir, `${name}.img`)));
    return { dev, fs: await openBtrfs(dev) };
  };

  for (const name of Object.keys(VARIANTS)) {
    it(`${name}: every file, field and byte matches the kernel's view`, async () => {
      const { dev, fs } = await open(name);
      try {
        expect(fs.label).toBe(name);
        expect(await walkDriver(fs)).toEqual(readTruth(dir, name));
        expect(fs.defaultSubvolumeId).toBe(5);
        expect(await fs.listSubvolumes()).toEqual([]);
      } finally {
        await dev.close();
      }
    });
  }

  it('uses the profiles mkfs was asked for', async () => {
    const { dev, fs } = await open('dup-data');
    try {
      const chunks = fs.volume.chunks.all;
      expect(chunks.filter((c) => c.type & BLOCK_GROUP_DATA).map((c) => profileName(c.type))).toContain('dup');
      expect(chunks.filter((c) => c.type & BLOCK_GROUP_METADATA).every((c) => profileName(c.type) === 'dup')).toBe(true);
    } finally {
      await dev.close();
    }
  });

  it('warns that blake2 checksums are not verified, and verifies the others', async () => {
    for (const [name, warned] of [['blake2', true], ['sha256', false], ['xxhash-4k-nodes', false]] as const) {
      const { dev, fs } = await open(name);
      expect(fs.warnings.some((w) => w.includes('not verified'))).toBe(warned);
      await dev.close();
    }
  });

  it('falls back to a superblock mirror when the primary is damaged', async () => {
    const { dev } = await open('default');
    const damaged = (ranges: [number, number][]) => damage(dev, ranges);
    try {
      const fs = await openBtrfs(damaged([[SUPERBLOCK_OFFSETS[0] + 0x100, 4]]));
      expect(fs.warnings.join('\n')).toMatch(/primary superblock is invalid.*checksum mismatch.*copy at 67108864/);
      expect(await walkDriver(fs)).toEqual(readTruth(dir, 'default'));
      const err = await openBtrfs(damaged([[SUPERBLOCK_OFFSETS[0] + 0x100, 4], [SUPERBLOCK_OFFSETS[1] + 0x40, 1]])).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CORRUPT_FILESYSTEM', structure: 'btrfs superblock', offset: SUPERBLOCK_OFFSETS[0] });
      expect(await probeBtrfs(damaged([[SUPERBLOCK_OFFSETS[0] + 0x40, 8]]))).toBeUndefined();
    } finally {
      await dev.close();
    }
  });

  it('reads the second copy of dup metadata when the first is corrupt', async () => {
    const { dev, fs } = await open('dup-data');
    try {
      const { sb } = fs.volume;
      const [first, second] = [0, 1].map((m) => fs.volume.chunks.map(sb.root, sb.nodeSize, m)[0]!.offset);
      expect(second).not.toBe(first);
      const repaired = await openBtrfs(damage(dev, [[first! + 200, 8]]));
      expect(repaired.warnings.join('\n')).toMatch(/root tree block .* copy 1 is corrupt .*checksum mismatch.*used copy 2/);
      expect(await walkDriver(repaired)).toEqual(readTruth(dir, 'dup-data'));
      const err = await openBtrfs(damage(dev, [[first! + 200, 8], [second! + 300, 1]])).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CORRUPT_FILESYSTEM', offset: first });
    } finally {
      await dev.close();
    }
  });

  it('reads a big file with one device read per contiguous extent run', async () => {
    const { dev } = await open('default');
    let reads = 0;
    const counting: BlockDevice = { size: dev.size, name: 'counting', read: (o, l) => (reads++, dev.read(o, l)), close: async () => {} };
    try {
      const fs = await openBtrfs(counting);
      let node = await fs.root();
      for (const part of ['bin', 'random-1M']) node = (await fs.lookup(node, part))!;
      const size = (await fs.stat(node)).size;
      await fs.read(node, 0, size); // warms the tree block cache
      reads = 0;
      expect((await fs.read(node, 0, size)).length).toBe(1 << 20);
      expect(reads).toBe(1);
    } finally {
      await dev.close();
    }
  });

  it('answers point lookups and range walks from any key like the full key order (recent-descent shortcuts included)', async () => {
    // 4 KiB nodes give the fs tree internal nodes over many leaves, so lookups hop between leaves.
    const { dev, fs } = await open('xxhash-4k-nodes');
    try {
      const trees = fs.volume.trees;
      const root = (await fs.volume.requireFsTree(5n)).root;
      expect(root.level).toBeGreaterThanOrEqual(1);
      const all: { key: Key; data: Uint8Array }[] = [];
      await trees.items(root, { objectid: 0n, type: 0, offset: 0n }, { objectid: U64_MAX, type: 255, offset: U64_MAX }, (it) => {
        all.push({ key: it.key, data: it.data.slice() });
      });
      expect(all.length).toBeGreaterThan(1000);
      /** Index of the first item with key >= k. */
      const lowerBound = (k: Key) => {
        let lo = 0;
        let hi = all.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (compareKeys(all[mid]!.key, k) < 0) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      let seed = 7;
      const rand = (n: number) => {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        return (seed >>> 8) % n;
      };
      for (let i = 0; i < 3000; i++) {
        const base = all[rand(all.length)]!.key;
        // An existing key, a key just before or after one, or one between objects.
        const k: Key = [base, { ...base, offset: base.offset + 1n }, { ...base, offset: base.offset > 0n ? base.offset - 1n : 0n }, { objectid: base.objectid, type: rand(256), offset: 0n }][rand(4)]!;
        const at = lowerBound(k);
        const exact = at < all.length && compareKeys(all[at]!.key, k) === 0 ? all[at] : undefined;
        const got = await trees.get(root, k);
        expect(got && { key: got.key, data: got.data }).toEqual(exact);
        const peeked = trees.peek(root, k);
        if (peeked !== NOT_CACHED) expect(peeked && { key: peeked.key, data: peeked.data }).toEqual(exact);
        // A short walk from k: the items up to a bound a few keys on.
        const to = all[Math.min(all.length - 1, at + rand(40))]!.key;
        const walked: Key[] = [];
        await trees.scan(root, k, to, (leaf, slot) => void walked.push(leaf.keyAt(slot)));
        const expected = compareKeys(k, to) <= 0 ? all.slice(at, lowerBound(to) + (compareKeys(all[lowerBound(to)]?.key ?? k, to) === 0 ? 1 : 0)).map((x) => x.key) : [];
        expect(walked).toEqual(expected);
      }
    } finally {
      await dev.close();
    }
  });

  it('probes label, uuid and device facts like blkid', async () => {
    const { dev, fs } = await open('default');
    try {
      const p = await probeBtrfs(dev);
      expect(p).toMatchObject({ fs: 'btrfs', label: 'default', uuid: fs.uuid, details: { devid: '1', devices: '1' } });
      const st = await fs.statfs();
      expect(st.blockSize).toBe(4096);
      expect(st.totalBlocks).toBe((300 * 1024 * 1024) / 4096);
      expect(st.freeBlocks).toBeGreaterThan(0);
      expect(st.freeBlocks).toBeLessThan(st.totalBlocks);
    } finally {
      await dev.close();
    }
  });
});
