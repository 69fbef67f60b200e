/**
 * End-to-end: real XFS images made by mkfs.xfs and written by the kernel through a loop mount,
 * compared field by field (and by SHA-256 of every file) with a walk of the mounted tree that
 * was recorded before unmounting. v4 images (which current kernels refuse to mount) are made
 * with mkfs.xfs -p and compared with their source tree and with xfs_db's directory listing.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_ROOT, fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import { makeSourceTree } from '../../../test/helpers/source-tree.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { GuestguardError } from '../../errors.js';
import { mapFork, readForkBlocks } from './bmap.js';
import * as C from './constants.js';
import { openXfs, probeXfs, XfsFileSystem } from './index.js';
import { buildKernelImage, cleanupMount, loadKernelImage, type KernelImage } from './test-images.js';
import { prng } from './test-tree.js';
import { diffWalks, walkDriver } from './test-walk.js';

const isRoot = process.getuid?.() === 0;
const tools = ['mkfs.xfs', 'xfs_db', 'xfs_io', 'setfattr', 'getfattr', 'mount', 'losetup'].every(hasTool);
const canBuild = isRoot && tools;

async function openImage(path: string): Promise<BlockDevice> {
  return new RawImage(await HostFile.open(path));
}

async function resolve(fs: XfsFileSystem, path: string): Promise<number> {
  let node = (await fs.root()) as number;
  for (const part of path.split('/').filter(Boolean)) {
    const next = await fs.lookup(node, part);
    if (next === undefined) throw new Error(`not found: ${path}`);
    node = next as number;
  }
  return node;
}

interface Variant {
  name: string;
  sizeMiB: number;
  mkfs: string[];
  huge: number;
  frag: number;
  /** Also cp -a the shared deterministic source tree (test/helpers/source-tree.ts) into /copied. */
  sourceTree?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'xfs-v5-default', sizeMiB: 128, mkfs: ['-L', 'guestv5'], huge: 100_000, frag: 1500, sourceTree: true },
  // 1 KiB blocks with 8 KiB directory blocks: directory blocks span several fs blocks (and
  // extents), the bmbt gets a second level, and inodes use 64-bit extent counters.
  { name: 'xfs-v5-b1k-n8k', sizeMiB: 128, mkfs: ['-b', 'size=1024', '-n', 'size=8192', '-i', 'nrext64=1', '-L', 'n8k'], huge: 20_000, frag: 2000 },
];

for (const variant of VARIANTS) {
  describe.skipIf(!canBuild)(`XFS ${variant.name} (kernel-written)`, () => {
    let data: KernelImage;
    let dev: BlockDevice;
    let fs: XfsFileSystem;

    beforeAll(async () => {
      const dir = join(FIXTURES_ROOT, variant.name);
      cleanupMount(join(dir, 'mnt'), join(dir, 'fs.img'));
      fixtureDir(variant.name, (d) => {
        const src = join(d, 'source-tree');
        if (variant.sourceTree) makeSourceTree(src, { size: 'small' });
        const tree = { hugeDirEntries: variant.huge, fragBlocks: variant.frag, ...(variant.sourceTree ? { copyFrom: src } : {}) };
        buildKernelImage(d, variant.sizeMiB, variant.mkfs, tree);
        rmSync(src, { recursive: true, force: true });
      });
      data = loadKernelImage(dir);
      dev = await openImage(data.img);
      fs = (await openXfs(dev)) as XfsFileSystem;
    });
    afterAll(async () => {
      await dev?.close();
      cleanupMount(join(FIXTURES_ROOT, variant.name, 'mnt'), join(FIXTURES_ROOT, variant.name, 'fs.img'));
    });

    it('lists every file with the same metadata, xattrs and contents as the mounted filesystem', async () => {
      const got = await walkDriver(fs, { lookupEvery: 1 });
      expect(got.length).toBe(data.truth.length);
      expect(diffWalks(got, data.truth)).toEqual([]);
    });

    it('exercises every on-disk form it claims to (fixture sanity)', async () => {
      const ino = async (p: string) => fs.inode(await resolve(fs, p));
      expect((await ino('/dirs/shortform')).format).toBe(C.FMT_LOCAL);
      expect((await ino('/dirs/shrunk')).format).toBe(C.FMT_LOCAL);
      // Block form: exactly one directory block of data.
      expect((await ino('/dirs/block')).size).toBe(fs.sb.dirBlockSize);
      for (const p of ['/dirs/leaf', '/dirs/node', '/dirs/huge']) expect((await ino(p)).size).toBeGreaterThan(fs.sb.dirBlockSize);
      expect((await ino('/dirs/huge')).format).toBe(C.FMT_BTREE);
      expect((await ino('/frag.bin')).format).toBe(C.FMT_BTREE);
      expect((await ino('/links/short')).format).toBe(C.FMT_LOCAL);
      expect((await ino('/links/long')).format).toBe(C.FMT_EXTENTS);
      expect((await ino('/xattr/sf')).aformat).toBe(C.FMT_LOCAL);
      for (const p of ['/xattr/leaf', '/xattr/node', '/xattr/remote']) expect((await ino(p)).aformat).not.toBe(C.FMT_LOCAL);
      expect((await ino('/times/y2200')).flags2 & C.DIFLAG2_BIGTIME).toBeTruthy();
      if (variant.mkfs.includes('nrext64=1')) expect((await ino('/frag.bin')).flags2 & C.DIFLAG2_NREXT64).toBeTruthy();
      // bmbt depth: the 1 KiB-block variant needs an intermediate level.
      const fragRootLevel = new DataView((await ino('/frag.bin')).dataFork.buffer, (await ino('/frag.bin')).dataFork.byteOffset).getUint16(0);
      expect(fragRootLevel).toBeGreaterThanOrEqual(variant.mkfs.includes('size=1024') ? 2 : 1);
      // Directory forms by the magic of their blocks.
      const per = fs.sb.dirBlockSize / fs.sb.blockSize;
      const magic16 = async (p: string, fork: 'data' | 'attr', fsb: number, n: number) => {
        const b = await readForkBlocks(fs, await ino(p), fork, fsb, n, 'test');
        return new DataView(b.bytes.buffer, b.bytes.byteOffset).getUint16(8);
      };
      const first32 = async (p: string) => {
        const b = await readForkBlocks(fs, await ino(p), 'data', 0, per, 'test');
        return new DataView(b.bytes.buffer, b.bytes.byteOffset).getUint32(0);
      };
      const leafFsb = C.DIR2_LEAF_OFFSET / fs.sb.blockSize;
      expect(await first32('/dirs/block')).toBe(C.DIR3_BLOCK_MAGIC);
      expect(await first32('/dirs/leaf')).toBe(C.DIR3_DATA_MAGIC);
      expect(await magic16('/dirs/leaf', 'data', leafFsb, per)).toBe(C.DIR3_LEAF1_MAGIC);
      expect(await magic16('/dirs/node', 'data', leafFsb, per)).toBe(C.DA3_NODE_MAGIC);
      expect(await magic16('/dirs/huge', 'data', leafFsb, per)).toBe(C.DA3_NODE_MAGIC);
      // 20 attributes of 100 bytes fit one 4 KiB leaf but need a node over 1 KiB leaves.
      expect(await magic16('/xattr/leaf', 'attr', 0, 1)).toBe(fs.sb.blockSize >= 4096 ? C.ATTR3_LEAF_MAGIC : C.DA3_NODE_MAGIC);
      expect(await magic16('/xattr/node', 'attr', 0, 1)).toBe(C.DA3_NODE_MAGIC);
    });

    it('reads a large contiguous file with one device read per physical run', async () => {
      let reads = 0;
      const counting: BlockDevice = {
        size: dev.size,
        name: dev.name,
        read: (o, l) => {
          if (l >= 1 << 20) reads++;
          return dev.read(o, l);
        },
        close: async () => {},
      };
      const cfs = (await openXfs(counting)) as XfsFileSystem;
      const node = await resolve(cfs, '/big.bin');
      const exts = await mapFork(cfs, await cfs.inode(node), 'data', 0, Infinity);
      let runs = 0;
      exts.forEach((e, i) => {
        const p = exts[i - 1];
        if (!p || p.block + p.len !== e.block || p.off + p.len !== e.off) runs++;
      });
      const data = await cfs.read(node, 0, 8 << 20);
      expect(Buffer.compare(data, prng(99, 8 << 20))).toBe(0);
      expect(reads).toBe(runs);
      expect(runs).toBeLessThanOrEqual(4);
    });

    it('reads arbitrary ranges of fragmented, sparse and preallocated files', async () => {
      const B = 4096;
      const frag = new Uint8Array(prng(5, variant.frag * 2 * B));
      for (let i = 1; i < variant.frag * 2; i += 2) frag.fill(0, i * B, (i + 1) * B);
      for (let i = 1; i < variant.frag * 2; i += 4) frag.set(prng(i, B), i * B);
      const sparse = new Uint8Array(64 << 20);
      sparse.set(prng(11, 5000), 10 << 20);
      sparse.set(prng(12, 70), (64 << 20) - 70);
      const pre = new Uint8Array(1 << 20);
      pre.set(prng(3, 10_000), 300_000);
      const files: [string, Uint8Array][] = [
        ['/frag.bin', frag],
        ['/sparse.bin', sparse],
        ['/prealloc.bin', pre],
        ['/small/k100', prng(100_007, 100_000)],
      ];
      let seed = 1;
      const rnd = (n: number) => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed % n;
      };
      for (const [path, want] of files) {
        const node = await resolve(fs, path);
        expect((await fs.stat(node)).size).toBe(want.length);
        for (let k = 0; k < 40; k++) {
          const off = rnd(want.length);
          const len = rnd(300_000);
          const got = await fs.read(node, off, len);
          expect(got.length).toBe(Math.min(len, want.length - off));
          expect(Buffer.compare(got, want.subarray(off, off + got.length))).toBe(0);
        }
        expect((await fs.read(node, want.length, 10)).length).toBe(0);
        expect((await fs.read(node, want.length + 5000, 10)).length).toBe(0);
      }
    });

    it('reports statfs from the superblock counters', async () => {
      const s = await fs.statfs();
      expect(s.blockSize).toBe(data.sb.blocksize);
      expect(s.totalBlocks).toBe(data.sb.dblocks);
      expect(s.freeBlocks).toBe(data.sb.fdblocks);
      expect(s.totalInodes! - s.freeInodes!).toBe(data.sb.icount! - data.sb.ifree!);
    });

    it('probes label and uuid', async () => {
      const p = await probeXfs(dev);
      expect(p?.fs).toBe('xfs');
      expect(p?.label).toBe(variant.mkfs[variant.mkfs.indexOf('-L') + 1]);
      expect(p?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect(fs.uuid).toBe(p?.uuid);
      expect(fs.warnings).toEqual([]);
    });

    it('answers misses and wrong node kinds with typed errors', async () => {
      const rootIno = await fs.root();
      expect(await fs.lookup(rootIno, 'no-such-name')).toBeUndefined();
      expect(await fs.lookup(await resolve(fs, '/dirs/huge'), 'e100000000')).toBeUndefined();
      expect(await fs.lookup(await resolve(fs, '/dirs/node'), 'node-entry-with-longer-name-00300x')).toBeUndefined();
      expect(await fs.lookup(rootIno, '.')).toBeUndefined();
      const file = await resolve(fs, '/small/one');
      await expect(fs.readdir(file)).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
      await expect(fs.read(rootIno, 0, 1)).rejects.toMatchObject({ code: 'IS_A_DIRECTORY' });
      await expect(fs.readlink(file)).rejects.toMatchObject({ code: 'NOT_A_SYMLINK' });
      await expect(fs.stat(123456789)).rejects.toBeInstanceOf(GuestguardError);
      await expect(fs.stat('bogus')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });
  });
}
