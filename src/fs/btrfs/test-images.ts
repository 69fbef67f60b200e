/**
 * Test support (not used by the product): builds real btrfs images with mkfs.btrfs and kernel
 * loop mounts, and records each mounted filesystem as ground truth before unmounting.
 * Every mount and loop device made here is undone in `finally` blocks, and `cleanupMounts`
 * removes leftovers of an interrupted earlier run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeBtrfsTestTree, text, noise, walkHostTree, type TreeRecord } from './test-tree.js';

export function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** Unmounts everything mounted under `dir` and detaches loop devices backed by files in it. */
export function cleanupMounts(dir: string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .map((m) => m.replace(/\\040/g, ' '))
    .filter((m) => m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    try {
      sh('umount', [m]);
    } catch {
      sh('umount', ['-l', m]);
    }
  }
  const loops = sh('losetup', ['-a']).split('\n');
  for (const l of loops) {
    const m = /^(\/dev\/loop\d+):.*\((.*)\)/.exec(l);
    if (m && m[2]!.startsWith(dir + '/')) {
      try {
        sh('losetup', ['-d', m[1]!]);
      } catch {
        /* already gone */
      }
    }
  }
}

/** Mounts `img` (plus extra member devices) on `mnt`, runs fn, and always unmounts. */
export function withMount<T>(imgs: string[], mnt: string, options: string, fn: () => T): T {
  mkdirSync(mnt, { recursive: true });
  const loops = imgs.map((img) => sh('losetup', ['-f', '--show', img]).trim());
  try {
    const devOpts = loops.slice(1).map((l) => `device=${l}`);
    sh('mount', ['-t', 'btrfs', '-o', [...devOpts, options].filter((s) => s).join(','), loops[0]!, mnt]);
    try {
      return fn();
    } finally {
      sh('sync', []);
      try {
        sh('umount', [mnt]);
      } catch {
        sh('umount', ['-l', mnt]);
      }
    }
  } finally {
    for (const l of loops) {
      try {
        sh('losetup', ['-d', l]);
      } catch {
        /* autoclear */
      }
    }
    if (imgs.length > 1) {
      try {
        sh('btrfs', ['device', 'scan', '--forget']);
      } catch {
        /* older progs */
      }
    }
  }
}

export function writeTruth(dir: string, name: string, records: TreeRecord[]): void {
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(records));
}

export function readTruth(dir: string, name: string): TreeRecord[] {
  return JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')) as TreeRecord[];
}

export function sourceTree(dir: string, size: 'small' | 'full' = 'small'): string {
  const src = join(dir, 'src');
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src);
  makeBtrfsTestTree(src, size);
  return src;
}

/** `mkfs.btrfs --rootdir` images (no kernel writes), each with its mounted truth. */
export function buildRootdirImages(dir: string, variants: Record<string, string[]>): void {
  const src = sourceTree(dir);
  for (const [name, args] of Object.entries(variants)) {
    const img = join(dir, `${name}.img`);
    sh('truncate', ['-s', '300M', img]);
    sh('mkfs.btrfs', ['-q', '-f', '-L', name, ...args, '--rootdir', src, img]);
    withMount([img], join(dir, 'mnt'), 'ro', () => writeTruth(dir, name, walkHostTree(join(dir, 'mnt'))));
  }
  rmSync(src, { recursive: true, force: true });
}

/** Writes files the kernel lays out in interesting ways: prealloc, punched holes, reflinks, inline data. */
function kernelExtras(d: string): void {
  mkdirSync(join(d, 'extras'));
  const e = (n: string) => join(d, 'extras', n);
  writeFileSync(e('inline-small'), text(300, 41));
  writeFileSync(e('inline-2k'), text(2000, 42));
  sh('fallocate', ['-l', '1M', e('prealloc-only')]);
  sh('fallocate', ['-l', '2M', e('prealloc-partial')]);
  writeFileSync(e('chunk'), text(20_000, 43));
  sh('dd', [`if=${e('chunk')}`, `of=${e('prealloc-partial')}`, 'bs=4096', 'seek=40', 'conv=notrunc', 'status=none']);
  writeFileSync(e('prealloc-beyond-eof'), text(10_000, 44));
  sh('fallocate', ['-n', '-o', '10000', '-l', '1M', e('prealloc-beyond-eof')]);
  writeFileSync(e('punched'), text(1 << 20, 45));
  sh('sync', []);
  sh('fallocate', ['-p', '-o', '200000', '-l', '300000', e('punched')]);
  writeFileSync(e('shared-base'), text(600_000, 46));
  sh('sync', []);
  sh('cp', ['--reflink=always', e('shared-base'), e('reflink')]);
  // Overwriting the middle splits the shared extent: the tail references it at an offset.
  writeFileSync(e('patch'), noise(50_000, 47));
  sh('dd', [`if=${e('patch')}`, `of=${e('reflink')}`, 'bs=1', 'seek=123457', 'conv=notrunc', 'status=none']);
  writeFileSync(e('truncated'), text(400_000, 48));
  sh('sync', []);
  sh('truncate', ['-s', '250001', e('truncated')]);
  writeFileSync(e('appended'), text(5000, 49));
  sh('sync', []);
  writeFileSync(e('appended'), text(7000, 50), { flag: 'a' });
  sh('dd', ['if=/dev/zero', `of=${e('sparse-dd')}`, 'bs=1', 'count=0', 'seek=3000000', 'status=none']);
  sh('dd', [`if=${e('chunk')}`, `of=${e('sparse-dd')}`, 'bs=4096', 'seek=300', 'conv=notrunc', 'status=none']);
}

/**
 * One image written by the kernel: subvolumes written under zlib, lzo and zstd forced
 * compression, nested subvolumes, snapshots (one shows a nested-subvolume stub), a read-only
 * snapshot, extras (prealloc, holes, reflinks), and @zstd as the default subvolume.
 */
export function buildKernelImage(dir: string, mkfsArgs: string[]): void {
  const src = sourceTree(dir);
  const img = join(dir, 'kernel.img');
  const mnt = join(dir, 'mnt');
  sh('truncate', ['-s', '400M', img]);
  sh('mkfs.btrfs', ['-q', '-f', '-L', 'kernel-test', ...mkfsArgs, img]);
  withMount([img], mnt, 'compress-force=zlib', () => {
    const copy = (sub: string) => {
      sh('btrfs', ['-q', 'subvolume', 'create', join(mnt, sub)]);
      sh('cp', ['-a', '--sparse=always', `${src}/.`, join(mnt, sub)]);
      kernelExtras(join(mnt, sub));
    };
    copy('@zlib');
    sh('mount', ['-o', 'remount,compress-force=lzo', mnt]);
    copy('@lzo');
    sh('mount', ['-o', 'remount,compress-force=zstd:3', mnt]);
    copy('@zstd');
    sh('btrfs', ['-q', 'subvolume', 'create', join(mnt, '@zstd', 'nested')]);
    writeFileSync(join(mnt, '@zstd', 'nested', 'in-nested.txt'), text(50_000, 60));
    mkdirSync(join(mnt, '@zstd', 'deep', 'a', 'sub'), { recursive: true });
    sh('btrfs', ['-q', 'subvolume', 'create', join(mnt, '@zstd', 'deep', 'a', 'sub', 'nested2')]);
    writeFileSync(join(mnt, '@zstd', 'deep', 'a', 'sub', 'nested2', 'f'), 'nested two\n');
    sh('btrfs', ['-q', 'subvolume', 'create', join(mnt, '@zstd', 'nested', 'inner')]);
    writeFileSync(join(mnt, '@zstd', 'nested', 'inner', 'g'), 'inner\n');
    mkdirSync(join(mnt, 'snapshots'));
    sh('btrfs', ['-q', 'subvolume', 'snapshot', join(mnt, '@zstd'), join(mnt, 'snapshots', 'zstd-snap')]);
    // Diverge the original after the snapshot so both trees differ.
    writeFileSync(join(mnt, '@zstd', 'after-snapshot.txt'), 'new\n');
    rmSync(join(mnt, '@zstd', 'hello.txt'));
    sh('btrfs', ['-q', 'subvolume', 'snapshot', '-r', join(mnt, '@lzo'), join(mnt, 'snapshots', 'lzo-ro')]);
    sh('mount', ['-o', 'remount,compress=no', mnt]);
    // A distribution-style layout next to the others: @ (root) and @home.
    for (const sv of ['@', '@home']) sh('btrfs', ['-q', 'subvolume', 'create', join(mnt, sv)]);
    mkdirSync(join(mnt, '@', 'etc'));
    mkdirSync(join(mnt, '@', 'home'));
    writeFileSync(join(mnt, '@', 'etc', 'fstab'), 'LABEL=kernel-test / btrfs subvol=@ 0 0\nLABEL=kernel-test /home btrfs subvol=@home 0 0\n');
    mkdirSync(join(mnt, '@home', 'user'));
    writeFileSync(join(mnt, '@home', 'user', 'notes.txt'), text(5000, 70));
    mkdirSync(join(mnt, 'plain'));
    kernelExtras(join(mnt, 'plain'));
    writeFileSync(join(mnt, 'top.txt'), 'top level\n');
    const id = /ID (\d+)/.exec(sh('btrfs', ['subvolume', 'show', join(mnt, '@zstd')]).replace(/Subvolume ID:\s+/, 'ID '))?.[1];
    if (!id) throw new Error('cannot find the id of @zstd');
    sh('btrfs', ['subvolume', 'set-default', id, mnt]);
    sh('sync', []);
    writeTruth(dir, 'kernel', walkHostTree(mnt));
    writeFileSync(join(dir, 'subvolumes.txt'), sh('btrfs', ['subvolume', 'list', '-a', '--sort=rootid', mnt]));
  });
  // A plain mount now shows the default subvolume: record that too.
  withMount([img], mnt, 'ro', () => writeTruth(dir, 'kernel-default', walkHostTree(mnt)));
  rmSync(src, { recursive: true, force: true });
}

/** A multi-device filesystem of one profile, written by the kernel. */
export function buildMultiDevice(dir: string, name: string, profile: string, devices: number): string[] {
  const src = sourceTree(dir);
  const imgs = Array.from({ length: devices }, (_, i) => join(dir, `${name}-${i + 1}.img`));
  for (const img of imgs) sh('truncate', ['-s', '256M', img]);
  sh('mkfs.btrfs', ['-q', '-f', '-L', name, '-d', profile, '-m', profile, ...imgs]);
  withMount(imgs, join(dir, 'mnt'), '', () => {
    sh('cp', ['-a', '--sparse=always', `${src}/.`, join(dir, 'mnt')]);
    sh('sync', []);
    writeTruth(dir, name, walkHostTree(join(dir, 'mnt')));
  });
  rmSync(src, { recursive: true, force: true });
  return imgs;
}

export function imageExists(dir: string, name: string): boolean {
  return existsSync(join(dir, name));
}

/**
 * A small kernel-written image for corruption runs: 4 KiB nodes (so even a small tree has
 * internal nodes), a few files per compression algorithm, inline data, holes, prealloc,
 * xattrs, links, a subvolume and a snapshot.
 */
export function buildSmallImage(dir: string): void {
  const img = join(dir, 'small.img');
  const mnt = join(dir, 'mnt');
  sh('truncate', ['-s', '128M', img]);
  sh('mkfs.btrfs', ['-q', '-f', '-L', 'small', '-n', '4096', '-O', '^no-holes', img]);
  withMount([img], mnt, 'compress-force=zlib', () => {
    const fill = (sub: string, seed: number) => {
      mkdirSync(join(mnt, sub, 'd'), { recursive: true });
      writeFileSync(join(mnt, sub, 'inline'), text(700, seed));
      writeFileSync(join(mnt, sub, 'text'), text(24_000, seed + 1));
      writeFileSync(join(mnt, sub, 'd', 'noise'), noise(6000, seed + 2));
      for (let i = 0; i < 10; i++) writeFileSync(join(mnt, sub, 'd', `f${i}`), text(50 + i * 700, seed + i));
    };
    sh('btrfs', ['-q', 'subvolume', 'create', join(mnt, 'sv')]);
    fill('sv/zlib', 1);
    sh('mount', ['-o', 'remount,compress-force=lzo', mnt]);
    fill('lzo', 2);
    sh('mount', ['-o', 'remount,compress-force=zstd', mnt]);
    fill('zstd', 3);
    sh('mount', ['-o', 'remount,compress=no', mnt]);
    writeFileSync(join(mnt, 'plain'), text(12_000, 9));
    sh('fallocate', ['-l', '64K', join(mnt, 'prealloc')]);
    sh('dd', ['if=/dev/zero', `of=${join(mnt, 'sparse')}`, 'bs=1', 'count=0', 'seek=100000', 'status=none']);
    sh('dd', [`if=${join(mnt, 'plain')}`, `of=${join(mnt, 'sparse')}`, 'bs=4096', 'seek=20', 'count=2', 'conv=notrunc', 'status=none']);
    sh('ln', ['-s', 'plain', join(mnt, 'link')]);
    sh('ln', [join(mnt, 'plain'), join(mnt, 'hard')]);
    sh('mknod', [join(mnt, 'null'), 'c', '1', '3']);
    execFileSync('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], "user.k", b"v"*100)', join(mnt, 'plain')]);
    sh('btrfs', ['-q', 'subvolume', 'snapshot', join(mnt, 'sv'), join(mnt, 'snap')]);
    sh('sync', []);
    writeTruth(dir, 'small', walkHostTree(mnt));
  });
}
