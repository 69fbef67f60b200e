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
import * as C from './constants.js';
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
  // Lazy init only skips zeroing: the fresh image file is sparse, so the bytes are identical.
  const inodes = v.args.includes('-N') ? [] : ['-N', '8192'];
  run(v.mkfs, ['-q', '-F', '-E', 'lazy_itable_init=1,lazy_journal_init=1', ...inodes, ...v.args, '-d', src, img, sizeArg]);
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
  it('reads a contiguous file with one device request and caches metadata', async () => {
    const img = join(images, 'ext4-4k.img');
    const raw = new RawImage(await HostFile.open(img));
    opened.push(raw);
    const reads: number[] = [];
    const counting = { size: raw.size, name: raw.name, close: () => raw.close(), read: (o: number, l: number) => (reads.push(l), raw.read(o, l)) };
    const fs = await openExt4(counting);
    const dense = (await resolveDriverPath(fs, manifest.denseFile))!;
    const size = (await fs.stat(dense)).size;
    expect(run('debugfs', ['-R', `ex ${manifest.denseFile}`, img]).trim().split('\n')).toHaveLength(2); // header + one extent
    reads.length = 0;
    const data = await fs.read(dense, 0, size);
    expect(data.length).toBe(size);
    expect(reads).toEqual([size]);
    // Re-listing a directory and re-reading inodes hits the cache, not the device.
    await fs.readdir((await resolveDriverPath(fs, '/sizes'))!);
    reads.length = 0;
    await fs.readdir((await resolveDriverPath(fs, '/sizes'))!);
    for (const e of await fs.readdir((await resolveDriverPath(fs, '/sizes'))!)) await fs.stat(e.node);
    expect(reads).toEqual([]);
  });

  it('looks names up case-insensitively in casefold directories', async () => {
    // mke2fs -d cannot set +F and this kernel may lack CONFIG_UNICODE: debugfs makes the directory.
    const { mkdtempSync, rmSync } = await import('node:fs');
    const tmp = mkdtempSync(join(images, 'cf-'));
    try {
      const img = join(tmp, 'cf.img');
      run('cp', ['--sparse=always', join(images, 'ext4-casefold.img'), img]);
      run('debugfs', ['-w', '-R', 'mkdir /folded', img]);
      run('debugfs', ['-w', '-R', `set_inode_field /folded flags 0x${(C.INODE_FLAG_CASEFOLD | C.INODE_FLAG_EXTENTS).toString(16)}`, img]);
      run('sh', ['-c', `printf 'cd /folded\\nwrite /etc/hostname MixedCase.TXT\\nmkdir SubDir\\n' | debugfs -w -f - ${img}`]);
      const fs = await open(img);
      const dir = (await fs.lookup(2, 'folded'))!;
      expect((await fs.stat(dir)).flags).toContain('casefold');
      const exact = await fs.lookup(dir, 'MixedCase.TXT');
      expect(exact).toBeGreaterThan(0);
      expect(await fs.lookup(dir, 'mixedcase.txt')).toBe(exact);
      expect(await fs.lookup(dir, 'MIXEDCASE.TXT')).toBe(exact);
      expect(await fs.lookup(dir, 'subdir')).toBe(await fs.lookup(dir, 'SubDir'));
      expect(await fs.lookup(dir, 'other')).toBeUndefined();
      // Outside casefold directories names stay case-sensitive.
      expect(await fs.lookup(2, 'readme.txt')).toBeUndefined();
      expect(await fs.lookup(2, 'README.txt')).toBeGreaterThan(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
