/**
 * An image written by the Linux kernel: subvolumes under forced zlib, lzo and zstd
 * compression, nested subvolumes, snapshots (one shows empty stubs for nested subvolumes),
 * a read-only snapshot, a default subvolume, prealloc, punched holes, reflinks, inline data.
 * Ground truth is a walk of the mounted filesystem recorded before unmounting.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { GuestguardError } from '../../errors.js';
import { fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import { openBtrfs, type BtrfsDriver } from './index.js';
import { COMPRESS_LZO, COMPRESS_ZLIB, COMPRESS_ZSTD, EXTENT_DATA_KEY, U64_MAX } from './constants.js';
import { parseFileExtent } from './items.js';
import { buildKernelImage, cleanupMounts, readTruth } from './test-images.js';
import { subtree, walkDriver, type TreeRecord } from './test-tree.js';

const canBuild = hasTool('mkfs.btrfs') && hasTool('python3') && process.getuid?.() === 0;
let dir = '';
const devs: RawImage[] = [];

/** The kernel stamps nested-subvolume stubs with the current time; those times are not data. */
function normalize(records: TreeRecord[]): TreeRecord[] {
  return records.map((r) => (r.ino === 2 && r.type === 'dir' ? { ...r, mtime: 0, mtimeNs: 0 } : r));
}

async function open(subvolume?: string): Promise<BtrfsDriver> {
  const dev = new RawImage(await HostFile.open(join(dir, 'kernel.img')));
  devs.push(dev);
  return openBtrfs(dev, subvolume === undefined ? {} : { subvolume });
}

/** `btrfs subvolume list -a` lines: "ID 256 gen 9 top level 5 path <FS_TREE>/@zlib". */
function kernelSubvolumes(): { id: number; parentId: number; path: string }[] {
  return readFileSync(join(dir, 'subvolumes.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('ID '))
    .map((l) => {
      const m = /^ID (\d+) gen \d+ top level (\d+) path (?:<FS_TREE>\/)?(.*)$/.exec(l)!;
      return { id: Number(m[1]), parentId: Number(m[2]), path: m[3]! };
    });
}

describe.skipIf(!canBuild)('btrfs: kernel-written image', () => {
  beforeAll(() => {
    dir = fixtureDir('btrfs-kernel-v2', (d) => {
      try {
        buildKernelImage(d, ['-O', '^no-holes']);
      } finally {
        cleanupMounts(d);
      }
    });
  });
  afterAll(async () => {
    for (const d of devs) await d.close();
    if (dir) cleanupMounts(dir);
  });

  it('shows the whole top level (subvolid=5) exactly as the kernel does', async () => {
    const fs = await open('subvolid=5');
    const truth = readTruth(dir, 'kernel');
    expect(truth.length).toBeGreaterThan(2000);
    expect(normalize(await walkDriver(fs))).toEqual(normalize(truth));
  });

  it('opens the default subvolume (set-default @zstd) when no subvolume is named', async () => {
    const fs = await open();
    const zstdId = kernelSubvolumes().find((s) => s.path === '@zstd')!.id;
    expect(fs.defaultSubvolumeId).toBe(zstdId);
    expect(fs.subvolumeId).toBe(zstdId);
    expect(normalize(await walkDriver(fs))).toEqual(normalize(readTruth(dir, 'kernel-default')));
  });

  it('opens subvolumes and snapshots by path and by id', async () => {
    const truth = readTruth(dir, 'kernel');
    const subs = kernelSubvolumes();
    const lzoRo = subs.find((s) => s.path === 'snapshots/lzo-ro')!;
    for (const [spec, prefix] of [
      ['@lzo', '/@lzo'],
      ['subvol=/@zlib', '/@zlib'],
      [`subvolid=${lzoRo.id}`, '/snapshots/lzo-ro'],
      ['subvol=snapshots/zstd-snap,compress=zstd', '/snapshots/zstd-snap'],
      ['@zstd/nested', '/@zstd/nested'],
      ['@', '/@'],
      ['subvol=/@home', '/@home'],
      ['subvol=@/', '/@'],
    ] as const) {
      const fs = await open(spec);
      expect(normalize(await walkDriver(fs)), spec).toEqual(normalize(subtree(truth, prefix)));
    }
    const ro = await open('snapshots/lzo-ro');
    expect((await ro.stat(await ro.root())).flags).toContain('readonly-subvolume');
  });

  it('lists subvolumes like `btrfs subvolume list`', async () => {
    const fs = await open();
    const listed = await fs.listSubvolumes();
    expect(listed.map(({ id, parentId, path }) => ({ id, parentId, path }))).toEqual(kernelSubvolumes());
    const snap = listed.find((s) => s.path === 'snapshots/zstd-snap')!;
    expect(snap.parentUuid).toBe(listed.find((s) => s.path === '@zstd')!.uuid);
    expect(listed.find((s) => s.path === 'snapshots/lzo-ro')!.readonly).toBe(true);
  });

  it('shows nested subvolumes a snapshot left out as empty stubs (inode 2)', async () => {
    const fs = await open('snapshots/zstd-snap');
    const stub = await fs.lookup(await fs.root(), 'nested');
    expect(stub).toBeDefined();
    expect((await fs.stat(stub!)).ino).toBe(2);
    expect(await fs.readdir(stub!)).toEqual([]);
    const real = await (await open('@zstd')).lookup(await (await open('@zstd')).root(), 'nested');
    expect(real).toMatch(/^\d+:256$/);
  });

  it('really reads zlib, lzo and zstd extents, including partial references into them', async () => {
    const fs = await open('subvolid=5');
    const want: Record<string, number> = { '@zlib': COMPRESS_ZLIB, '@lzo': COMPRESS_LZO, '@zstd': COMPRESS_ZSTD };
    for (const s of await fs.listSubvolumes()) {
      const algo = want[s.path];
      if (algo === undefined) continue;
      const tree = (await fs.volume.requireFsTree(BigInt(s.id))).root;
      let compressed = 0;
      let partial = 0;
      const all = { objectid: 0n, type: 0, offset: 0n };
      await fs.volume.trees.items(tree, all, { objectid: U64_MAX, type: 255, offset: U64_MAX }, (it) => {
        if (it.key.type !== EXTENT_DATA_KEY) return;
        const e = parseFileExtent(it);
        if (e.compression === 0) return;
        expect(e.compression).toBe(algo);
        compressed++;
        if (e.kind !== 'inline' && (e.extentOffset > 0 || e.numBytes < e.ramBytes)) partial++;
      });
      expect(compressed, s.path).toBeGreaterThan(50);
      expect(partial, s.path).toBeGreaterThan(0);
    }
  });

  it('reads any byte range the same as the whole file', async () => {
    const fs = await open('subvolid=5');
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const path of ['@lzo/bin/mixed', '@zstd/extras/reflink', '@zlib/extras/punched', 'plain/extras/prealloc-partial', '@lzo/sparse/hole-middle', '@zstd/text/t131073.txt']) {
      let node = await fs.root();
      for (const part of path.split('/')) node = (await fs.lookup(node, part))!;
      const st = await fs.stat(node);
      const whole = await fs.read(node, 0, st.size);
      expect(whole.length).toBe(st.size);
      for (let i = 0; i < 40; i++) {
        const off = rand(st.size + 10);
        const len = rand(300_000);
        const part = await fs.read(node, off, len);
        expect(Buffer.from(part).equals(Buffer.from(whole.subarray(off, off + len))), `${path} ${off}+${len}`).toBe(true);
      }
    }
  });

  it('reports misuse with typed errors', async () => {
    const fs = await open('subvolid=5');
    const root = await fs.root();
    await expect(fs.read(root, 0, 10)).rejects.toMatchObject({ code: 'IS_A_DIRECTORY' });
    await expect(fs.readlink(root)).rejects.toMatchObject({ code: 'NOT_A_SYMLINK' });
    const top = (await fs.lookup(root, 'top.txt'))!;
    await expect(fs.readdir(top)).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
    expect(await fs.lookup(root, 'no-such-file')).toBeUndefined();
    await expect(fs.stat('nonsense')).rejects.toBeInstanceOf(GuestguardError);
    await expect(open('@nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(open('subvolid=4242')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
