/**
 * Images written by the Linux kernel through a loop mount (build time only; the driver never
 * mounts anything): deep extent trees from fragmented and hole-punched files, unwritten
 * extents, nanosecond and post-2038 timestamps, ea_inode xattrs, a 100k-entry two-level htree,
 * inline_data files and directories, and fscrypt-encrypted directories. The expected listing
 * is what the kernel itself showed while the filesystem was mounted.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import { diffTrees, makeSourceTree, resolveDriverPath, walkDriverTree, walkHostTreeSync, xattrsToHex, type TreeEntry } from '../../../test/helpers/source-tree.js';
import * as C from './constants.js';
import type { Ext4Driver } from './driver.js';
import { openExt4 } from './index.js';

/** Loop mounting needs root and a kernel with loop + ext4; probe once with a tiny image. */
function loopMountWorks(): boolean {
  if (process.getuid?.() !== 0 || !hasTool('mkfs.ext4') || !hasTool('setfattr') || !hasTool('getfattr')) return false;
  const dir = mkdtempSync(join(tmpdir(), 'gg-ext4-probe-'));
  try {
    const img = join(dir, 'p.img');
    mkdirSync(join(dir, 'm'));
    run('mkfs.ext4', ['-q', '-F', img, '8M']);
    run('mount', ['-o', 'loop', img, join(dir, 'm')]);
    run('umount', [join(dir, 'm')]);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const canMount = loopMountWorks();

function withMount(img: string, mnt: string, fn: () => void): void {
  mkdirSync(mnt, { recursive: true });
  // noinit_itable: no background zeroing of inode tables (it would only bloat the image file).
  run('mount', ['-o', 'loop,noinit_itable', img, mnt]);
  try {
    fn();
  } finally {
    run('umount', [mnt]);
  }
}

/** Parses `getfattr -R -h -d -m - -e hex --absolute-names` output into path → name → hex. */
function dumpXattrs(mnt: string): Record<string, Record<string, string>> {
  const text = run('getfattr', ['-R', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', mnt]);
  const out: Record<string, Record<string, string>> = {};
  let cur: Record<string, string> | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('# file: ')) {
      const p = line.slice(8).slice(mnt.length) || '/';
      cur = out[p] = {};
    } else if (cur && line.includes('=')) {
      const i = line.indexOf('=');
      cur[line.slice(0, i)] = line.slice(i + 1).replace(/^0x/, '');
    }
  }
  return out;
}

/** Records what the kernel shows for the mounted tree, for comparison after unmounting. */
function snapshot(dir: string, name: string, mnt: string): void {
  writeFileSync(join(dir, `${name}.listing.json`), JSON.stringify(walkHostTreeSync(mnt)));
  writeFileSync(join(dir, `${name}.xattrs.json`), JSON.stringify(dumpXattrs(mnt)));
}

const node = (script: string) => execFileSync(process.execPath, ['-e', script], { stdio: 'ignore' });

function buildKernelImage(d: string): void {
  const src = join(d, 'src');
  makeSourceTree(src, { size: 'full' });
  const img = join(d, 'kernel.img');
  const mnt = join(d, 'mnt');
  run('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-b', '4096', '-N', '140000', '-O', 'ea_inode', img, '640M']);
  withMount(img, mnt, () => {
    run('cp', ['-a', `${src}/.`, join(mnt, 'tree')]);
    // Two files grown by interleaved, synced 4 KiB appends: many small extents each.
    node(`
      const fs = require('fs'), crypto = require('crypto');
      const a = fs.openSync(${JSON.stringify(join(mnt, 'frag-a'))}, 'a'), b = fs.openSync(${JSON.stringify(join(mnt, 'frag-b'))}, 'a');
      for (let i = 0; i < 1200; i++) { fs.writeSync(a, crypto.randomBytes(4096)); fs.fsyncSync(a); fs.writeSync(b, crypto.randomBytes(4096 + (i % 3))); fs.fsyncSync(b); }
    `);
    // Every other block punched out of a 16 MiB file: ~2000 extents, a depth-2 tree.
    const punched = join(mnt, 'punched');
    run('dd', ['if=/dev/urandom', `of=${punched}`, 'bs=1M', 'count=16', 'status=none']);
    run('sync', []);
    for (let b = 0; b < 4096; b += 2) run('fallocate', ['-p', '-o', String(b * 4096), '-l', '4096', punched]);
    // Preallocated (unwritten) extents around written data.
    const pre = join(mnt, 'prealloc');
    run('fallocate', ['-l', '8M', pre]);
    run('dd', ['if=/dev/urandom', `of=${pre}`, 'bs=4096', 'seek=300', 'count=25', 'conv=notrunc', 'status=none']);
    run('fallocate', ['-o', '8M', '-l', '2M', '--keep-size', pre]);
    // Timestamps the kernel keeps and mke2fs cannot: nanoseconds, pre-1970 with nanoseconds, after 2038.
    mkdirSync(join(mnt, 'times'));
    for (const [name, date] of [['ns', '2001-02-03 04:05:06.123456789 UTC'], ['old', '1950-01-01 00:00:00.25 UTC'], ['future', '2100-06-01 12:00:00.5 UTC'], ['far-future', '2400-01-01 00:00:00 UTC']]) {
      writeFileSync(join(mnt, 'times', name!), name!);
      run('touch', ['-d', date!, join(mnt, 'times', name!)]);
    }
    // An xattr value larger than a block lives in its own inode (ea_inode).
    writeFileSync(join(mnt, 'big-xattr'), 'x');
    run('setfattr', ['-n', 'user.huge', '-v', `0x${Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7) & 0xff)).toString('hex')}`, join(mnt, 'big-xattr')]);
    run('sync', []);
    snapshot(d, 'kernel', mnt);
  });
  rmSync(src, { recursive: true, force: true });
}

function buildInlineImage(d: string): void {
  const src = join(d, 'src-small');
  makeSourceTree(src, { size: 'small' });
  const img = join(d, 'inline.img');
  const mnt = join(d, 'mnt');
  run('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-b', '4096', '-I', '512', '-O', 'inline_data', img, '200M']);
  withMount(img, mnt, () => {
    run('cp', ['-a', `${src}/.`, join(mnt, 'tree')]);
    // Small files and directories the kernel keeps inline, growing into the xattr area.
    mkdirSync(join(mnt, 'inline'));
    for (const n of [0, 1, 59, 60, 61, 100, 200, 300]) writeFileSync(join(mnt, 'inline', `f${n}`), Buffer.alloc(n, 0x41 + (n % 26)));
    for (const n of [1, 3, 8]) {
      mkdirSync(join(mnt, 'inline', `d${n}`));
      for (let i = 0; i < n; i++) writeFileSync(join(mnt, 'inline', `d${n}`, `e${i}`), String(i));
    }
    snapshot(d, 'inline', mnt);
  });
  rmSync(src, { recursive: true, force: true });
}

function buildEncryptedImage(d: string): boolean {
  if (!hasTool('e4crypt')) return false;
  const img = join(d, 'encrypt.img');
  const mnt = join(d, 'mnt');
  run('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-b', '4096', '-O', 'encrypt', img, '32M']);
  let ok = true;
  withMount(img, mnt, () => {
    writeFileSync(join(mnt, 'plain.txt'), 'not encrypted\n');
    mkdirSync(join(mnt, 'enc'));
    try {
      execFileSync('sh', ['-c', `printf secretpassword | e4crypt add_key -S 0x0123456789abcdef0123456789abcdef ${join(mnt, 'enc')}`], { stdio: 'ignore' });
    } catch {
      ok = false;
      return;
    }
    writeFileSync(join(mnt, 'enc', 'secret.txt'), 'hidden\n');
    mkdirSync(join(mnt, 'enc', 'sub'));
    execFileSync('ln', ['-s', 'some-target', join(mnt, 'enc', 'link')]);
  });
  return ok;
}

const opened: RawImage[] = [];
afterEach(async () => {
  for (const d of opened.splice(0)) await d.close();
});

async function open(path: string): Promise<Ext4Driver> {
  const dev = new RawImage(await HostFile.open(path));
  opened.push(dev);
  return openExt4(dev);
}

/** Path → node for every entry, by listing directories (cheaper than resolving each path). */
async function nodesByPath(fs: Ext4Driver): Promise<Map<string, number>> {
  const out = new Map<string, number>([['/', 2]]);
  const walk = async (path: string, n: number) => {
    for (const e of await fs.readdir(n)) {
      const p = path === '/' ? `/${e.name}` : `${path}/${e.name}`;
      out.set(p, e.node as number);
      if (e.type === 'dir') await walk(p, e.node as number);
    }
  };
  await walk('/', 2);
  return out;
}

function load(dir: string, name: string): { listing: TreeEntry[]; xattrs: Record<string, Record<string, string>> } {
  return {
    listing: JSON.parse(readFileSync(join(dir, `${name}.listing.json`), 'utf8')) as TreeEntry[],
    xattrs: JSON.parse(readFileSync(join(dir, `${name}.xattrs.json`), 'utf8')) as Record<string, Record<string, string>>,
  };
}

describe.skipIf(!canMount)('ext4 driver on kernel-written images', () => {
  let dir: string;

  beforeAll(() => {
    dir = fixtureDir('ext4-kernel-v1', (d) => {
      buildKernelImage(d);
      buildInlineImage(d);
      writeFileSync(join(d, 'encrypt.ok'), String(buildEncryptedImage(d)));
    });
  });

  it('lists every entry exactly as the mounted kernel did (full tree, all fields, nanoseconds)', async () => {
    const { listing, xattrs } = load(dir, 'kernel');
    const fs = await open(join(dir, 'kernel.img'));
    expect(fs.warnings).toEqual([]);
    const actual = await walkDriverTree(fs);
    expect(diffTrees(listing, actual)).toEqual([]);
    expect(listing.length).toBeGreaterThan(100_000);
    const nodes = await nodesByPath(fs);
    for (const e of listing) expect(xattrsToHex(await fs.xattrs(nodes.get(e.path)!)), e.path).toEqual(xattrs[e.path] ?? {});
  });

  it('keeps timestamps beyond 2038 and before 1970 with nanoseconds, and creation times', async () => {
    const fs = await open(join(dir, 'kernel.img'));
    const st = async (p: string) => fs.stat((await resolveDriverPath(fs, p))!);
    expect(await st('/times/ns')).toMatchObject({ mtime: 981173106, mtimeNs: 123456789 });
    expect(await st('/times/old')).toMatchObject({ mtime: -631152000, mtimeNs: 250000000 });
    expect(await st('/times/future')).toMatchObject({ mtime: 4115534400, mtimeNs: 500000000 });
    expect(await st('/times/far-future')).toMatchObject({ mtime: 13569465600 });
    expect((await st('/times/ns')).btime).toBeGreaterThan(1_600_000_000);
  });

  it('reads deep extent trees, fragmented files and unwritten extents', async () => {
    const fs = await open(join(dir, 'kernel.img'));
    const inode = async (p: string) => fs.inode((await resolveDriverPath(fs, p))!);
    const punched = await inode('/punched');
    expect(fs.extentTreeDepth(punched)).toBeGreaterThanOrEqual(2);
    expect(run('debugfs', ['-R', 'ex /punched', join(dir, 'kernel.img')])).toMatch(/^\s*0\/\s*2\s/m);
    const extentsOf = (p: string) => run('debugfs', ['-R', `ex ${p}`, join(dir, 'kernel.img')]).split('\n').filter((l) => /^\s*\d+\/\s*\d+\s/.test(l)).length;
    expect(extentsOf('/frag-a')).toBeGreaterThan(10);
    expect(extentsOf('/frag-b')).toBeGreaterThan(10);
    // Unwritten extents read as zeros even though their blocks hold whatever was there.
    const pre = await inode('/prealloc');
    const data = await fs.read(pre.ino, 0, pre.size);
    expect(data.subarray(0, 300 * 4096).every((b) => b === 0)).toBe(true);
    expect(data.subarray(325 * 4096).every((b) => b === 0)).toBe(true);
    expect(data.subarray(300 * 4096, 325 * 4096).some((b) => b !== 0)).toBe(true);
    // Unaligned ranges across many extents equal the same slice of a whole read.
    const whole = await fs.read(punched.ino, 0, punched.size);
    for (const [off, len] of [[1, 4096], [4095, 3], [12345, 654321], [punched.size - 5000, 9999]] as const) {
      expect(Buffer.from(await fs.read(punched.ino, off, len)).equals(whole.subarray(off, off + len))).toBe(true);
    }
  });

  it('finds names through a two-level htree without listing the directory', async () => {
    const img = join(dir, 'kernel.img');
    expect(run('debugfs', ['-R', 'htree /tree/bigdir', img])).toMatch(/Indirect levels: 1/);
    const { listing } = load(dir, 'kernel');
    const fs = await open(img);
    const big = (await resolveDriverPath(fs, '/tree/bigdir'))!;
    const names = listing.filter((e) => e.path.startsWith('/tree/bigdir/')).map((e) => e.path.slice('/tree/bigdir/'.length));
    expect(names.length).toBe(100_000);
    const started = Date.now();
    for (let i = 0; i < names.length; i += 17) expect(await fs.lookup(big, names[i]!), names[i]).toBeDefined();
    expect(Date.now() - started).toBeLessThan(30_000);
    for (const n of ['entry-100000', 'entry-', 'Entry-000001']) expect(await fs.lookup(big, n)).toBeUndefined();
  });

  it('reads inline_data files and directories', async () => {
    const { listing, xattrs } = load(dir, 'inline');
    const fs = await open(join(dir, 'inline.img'));
    expect(diffTrees(listing, await walkDriverTree(fs))).toEqual([]);
    let inlineFiles = 0;
    let inlineDirs = 0;
    const nodes = await nodesByPath(fs);
    for (const e of listing) {
      const n = nodes.get(e.path)!;
      expect(xattrsToHex(await fs.xattrs(n)), e.path).toEqual(xattrs[e.path] ?? {});
      const ino = await fs.inode(n);
      if (ino.flags & C.INODE_FLAG_INLINE_DATA) {
        if (e.type === 'dir') inlineDirs++;
        else inlineFiles++;
      }
    }
    expect(inlineFiles).toBeGreaterThan(20);
    expect(inlineDirs).toBeGreaterThan(3);
  });

  it('refuses to read encrypted directories and files with a clear error', async (ctx) => {
    if (readFileSync(join(dir, 'encrypt.ok'), 'utf8') !== 'true') ctx.skip();
    const fs = await open(join(dir, 'encrypt.img'));
    const plain = (await fs.lookup(2, 'plain.txt'))!;
    expect(new TextDecoder().decode(await fs.read(plain, 0, 100))).toBe('not encrypted\n');
    const enc = (await fs.lookup(2, 'enc'))!;
    expect((await fs.stat(enc)).flags).toContain('encrypted');
    await expect(fs.readdir(enc)).rejects.toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM', message: expect.stringMatching(/encrypted/) });
    await expect(fs.lookup(enc, 'secret.txt')).rejects.toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM' });
    // Reach the encrypted file by the inode number debugfs reports.
    const ls = run('debugfs', ['-R', 'ls -l /enc', join(dir, 'encrypt.img')]);
    const inos = [...ls.matchAll(/^\s*(\d+)\s+(100644|120777)\s/gm)].map((m) => Number(m[1]));
    expect(inos.length).toBe(2);
    for (const ino of inos) {
      const st = await fs.stat(ino);
      if (st.type === 'file') await expect(fs.read(ino, 0, 10)).rejects.toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM' });
      else await expect(fs.readlink(ino)).rejects.toMatchObject({ code: 'UNSUPPORTED_FILESYSTEM' });
    }
  });
});
