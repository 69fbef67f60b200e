/**
 * Real images made by mke2fs -d from the shared source tree, in every layout variant mke2fs can
 * produce, read back through the driver and compared field by field with the host tree.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import {
  diffTrees,
  makeSourceTree,
  resolveDriverPath,
  sourceTreeManifest,
  walkDriverTree,
  walkHostTree,
  xattrsToHex,
  type SourceTreeManifest,
  type TreeEntry,
} from '../../../test/helpers/source-tree.js';
import { openExt4, probeExt4 } from './index.js';
import type { Ext4Driver } from './driver.js';

const canBuild = hasTool('mkfs.ext4') && hasTool('setfattr') && process.getuid?.() === 0;

interface Variant {
  name: string;
  mkfs: string;
  args: string[];
  type: 'ext2' | 'ext3' | 'ext4';
  /** Run e2fsck -fD afterwards so large directories get htree indexes. */
  index?: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'ext4-4k', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-L', 'gg-ext4'], type: 'ext4' },
  { name: 'ext4-4k-htree', mkfs: 'mkfs.ext4', args: ['-b', '4096'], type: 'ext4', index: true },
  { name: 'ext2-4k', mkfs: 'mkfs.ext2', args: ['-b', '4096'], type: 'ext2' },
  { name: 'ext2-1k-htree', mkfs: 'mkfs.ext2', args: ['-b', '1024'], type: 'ext2', index: true },
  { name: 'ext3', mkfs: 'mkfs.ext3', args: [], type: 'ext3' },
  { name: 'ext4-1k', mkfs: 'mkfs.ext4', args: ['-b', '1024'], type: 'ext4' },
  { name: 'ext4-2k-meta_bg-32bit', mkfs: 'mkfs.ext4', args: ['-b', '2048', '-O', '^64bit,meta_bg,^resize_inode'], type: 'ext4' },
  { name: 'ext4-64k', mkfs: 'mkfs.ext4', args: ['-b', '65536', '-N', '8192'], type: 'ext4' },
  { name: 'ext4-blockmap', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-O', '^extents,^64bit'], type: 'ext4' },
  { name: 'ext4-1k-blockmap', mkfs: 'mkfs.ext4', args: ['-b', '1024', '-O', '^extents,^64bit'], type: 'ext4' },
  { name: 'ext4-32bit', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-O', '^64bit'], type: 'ext4' },
  { name: 'ext4-inode128', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-I', '128'], type: 'ext4' },
  { name: 'ext4-meta_bg', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-O', 'meta_bg,^resize_inode'], type: 'ext4' },
  { name: 'ext4-bigalloc', mkfs: 'mkfs.ext4', args: ['-b', '1024', '-O', 'bigalloc', '-C', '16384'], type: 'ext4' },
  { name: 'ext4-nojournal-gdtcsum', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-O', '^has_journal,^metadata_csum,uninit_bg'], type: 'ext4' },
  { name: 'ext4-ea_inode', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-O', 'ea_inode'], type: 'ext4' },
  { name: 'ext4-casefold', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-O', 'casefold'], type: 'ext4' },
];

const opened: RawImage[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

async function open(path: string): Promise<Ext4Driver> {
  const dev = new RawImage(await HostFile.open(path));
  opened.push(dev);
  return openExt4(dev);
}

function mkImage(dir: string, v: Variant, src: string, sizeArg: string): string {
  const img = join(dir, `${v.name}.img`);
  run(v.mkfs, ['-q', '-F', ...v.args, '-d', src, img, sizeArg]);
  if (v.index) {
    try {
      run('e2fsck', ['-fyD', img]);
    } catch {
      // e2fsck exits 1 when it changed something (it indexed directories): expected.
    }
  }
  return img;
}

/**
 * mke2fs 1.47 stores whole seconds only, and the root directory and lost+found are its own.
 * Directory sizes are filesystem-specific.
 */
function compareToHost(expected: TreeEntry[], actual: TreeEntry[]): string[] {
  return diffTrees(expected, actual, {
    skip: (p) => p === '/' || p === '/lost+found',
    ignore: ['mtimeNs'],
    fieldFilter: (e, f) => !(e.type === 'dir' && f === 'size'),
  });
}

/** Every readdir type matches stat, hard links share an inode, and lookup finds each entry. */
async function checkConsistency(fs: Ext4Driver, listing: TreeEntry[], manifest: SourceTreeManifest, lookupFilter: (p: string) => boolean): Promise<void> {
  const inoOf = new Map<string, number>();
  const walk = async (path: string, node: number) => {
    for (const e of await fs.readdir(node)) {
      const p = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
      const st = await fs.stat(e.node);
      if (e.type !== undefined) expect(e.type, p).toBe(st.type);
      inoOf.set(p, e.node as number);
      if (st.type === 'dir') await walk(p, e.node as number);
    }
  };
  await walk('/', 2);
  for (const group of manifest.hardLinks) expect(new Set(group.map((p) => inoOf.get(p))).size, group.join()).toBe(1);
  for (const e of listing) {
    if (e.path === '/' || !lookupFilter(e.path)) continue;
    expect(await resolveDriverPath(fs, e.path), e.path).toBe(inoOf.get(e.path));
  }
  const big = (await resolveDriverPath(fs, manifest.bigDir))!;
  for (const missing of ['entry-', 'entry-0000001', 'no-such-name', 'ENTRY-000001']) expect(await fs.lookup(big, missing)).toBeUndefined();
}

async function checkXattrs(fs: Ext4Driver, listing: TreeEntry[], manifest: SourceTreeManifest): Promise<void> {
  for (const e of listing) {
    if (e.path.startsWith(manifest.bigDir + '/')) continue;
    const node = await resolveDriverPath(fs, e.path);
    expect(xattrsToHex(await fs.xattrs(node!)), e.path).toEqual(manifest.xattrs[e.path] ?? {});
  }
}

function dumpe2fsHeader(img: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of run('dumpe2fs', ['-h', img]).split('\n')) {
    const m = /^([^:]+):\s+(.*)$/.exec(line);
    if (m) out[m[1]!.trim()] = m[2]!.trim();
  }
  return out;
}

describe.skipIf(!canBuild)('ext4 driver on mke2fs -d images (small tree)', () => {
  let src: string;
  let images: string;
  let expected: TreeEntry[];
  const manifest = sourceTreeManifest('small');

  beforeAll(async () => {
    src = join(fixtureDir('ext4-src-small', (d) => makeSourceTree(join(d, 'tree'), { size: 'small' })), 'tree');
    images = fixtureDir('ext4-mkfs-small', (d) => {
      for (const v of VARIANTS) mkImage(d, v, src, '160M');
    });
    expected = await walkHostTree(src);
  });

  it.each(VARIANTS)('$name: listing, contents, lookups and xattrs match the source tree', async (v) => {
    const img = join(images, `${v.name}.img`);
    const fs = await open(img);
    expect(fs.type).toBe(v.type);
    expect(fs.warnings).toEqual([]);
    const actual = await walkDriverTree(fs);
    expect(compareToHost(expected, actual)).toEqual([]);
    await checkConsistency(fs, expected, manifest, () => true);
    await checkXattrs(fs, expected, manifest);

    const h = dumpe2fsHeader(img);
    expect(fs.uuid).toBe(h['Filesystem UUID']);
    expect(await fs.statfs()).toEqual({
      blockSize: Number(h['Block size']),
      totalBlocks: Number(h['Block count']),
      freeBlocks: Number(h['Free blocks']),
      totalInodes: Number(h['Inode count']),
      freeInodes: Number(h['Free inodes']),
    });
    if (v.index) expect(run('debugfs', ['-R', `htree ${manifest.bigDir}`, img])).toMatch(/Indirect levels: 0/);
  });

  it('reports the label, probes positively, and reads holes and partial ranges exactly', async () => {
    const img = join(images, 'ext4-4k.img');
    const raw = new RawImage(await HostFile.open(img));
    opened.push(raw);
    expect(await probeExt4(raw)).toBe(true);
    const fs = await open(img);
    expect(fs.label).toBe('gg-ext4');
    const huge = (await resolveDriverPath(fs, manifest.hugeSparseFile))!;
    const { readFileSync } = await import('node:fs');
    const host = readFileSync(join(src, manifest.hugeSparseFile));
    // Ranges straddling data/hole boundaries, block edges and the end of file.
    for (const [off, len] of [[0, 1], [4095, 2], [1024 * 1024 - 3, 200], [64 * 1024 * 1024, 9000], [129 * 1024 * 1024 - 1, 60000], [host.length - 10, 100]] as const) {
      const got = await fs.read(huge, off, len);
      expect(Buffer.from(got).equals(host.subarray(off, off + len)), `${off}+${len}`).toBe(true);
    }
    expect((await fs.read(huge, host.length, 10)).length).toBe(0);
    await expect(fs.read(2, 0, 1)).rejects.toMatchObject({ code: 'IS_A_DIRECTORY' });
    await expect(fs.readdir(huge)).rejects.toMatchObject({ code: 'NOT_A_DIRECTORY' });
    await expect(fs.readlink(huge)).rejects.toMatchObject({ code: 'NOT_A_SYMLINK' });
    await expect(fs.stat(10 ** 9)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await fs.lookup(2, '.')).toBe(2);
    expect(await fs.lookup(await fs.lookup(2, 'sparse') as number, '..')).toBe(2);
  });
});

describe.skipIf(!canBuild)('ext4 driver on a large image (full tree, 100k-entry htree directory)', () => {
  let img: string;
  let expected: TreeEntry[];
  const manifest = sourceTreeManifest('full');

  beforeAll(async () => {
    const src = join(fixtureDir('ext4-src-full', (d) => makeSourceTree(join(d, 'tree'), { size: 'full' })), 'tree');
    img = join(
      fixtureDir('ext4-mkfs-full', (d) => {
        mkImage(d, { name: 'full', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-N', '131072'], type: 'ext4', index: true }, src, '512M');
      }),
      'full.img',
    );
    expected = await walkHostTree(src);
  });

  it('matches the source tree and finds names through a two-level htree', async () => {
    expect(run('debugfs', ['-R', `htree ${manifest.bigDir}`, img])).toMatch(/Indirect levels: 1/);
    const fs = await open(img);
    const started = Date.now();
    const actual = await walkDriverTree(fs);
    const walkMs = Date.now() - started;
    expect(compareToHost(expected, actual)).toEqual([]);
    expect(walkMs).toBeLessThan(60_000);
    // A fresh driver has no cached listing, so these lookups go through the hash index.
    const cold = await open(img);
    const big = (await resolveDriverPath(cold, manifest.bigDir))!;
    const bigNames = expected.filter((e) => e.path.startsWith(manifest.bigDir + '/')).map((e) => e.path.slice(manifest.bigDir.length + 1));
    expect(bigNames.length).toBe(manifest.bigDirEntries);
    for (let i = 0; i < bigNames.length; i += 41) expect(await cold.lookup(big, bigNames[i]!), bigNames[i]).toBeDefined();
    expect(await cold.lookup(big, 'entry-100000')).toBeUndefined();
    await checkConsistency(fs, expected, manifest, (p) => !p.startsWith(manifest.bigDir + '/'));
  });
});
