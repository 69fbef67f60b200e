/**
 * Corruption robustness: metadata of small real images (superblock, group descriptors, inodes,
 * directory blocks, extent/indirect/xattr blocks, journal) is mutated thousands of times and
 * the whole tree is walked each time. Every failure must be a GuestguardError, and the total
 * time stays bounded (no hangs, no runaway allocation).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, linkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BlockDevice } from '../../disk/block-device.js';
import { checkRange } from '../../disk/range.js';
import { GuestguardError } from '../../errors.js';
import { fixtureDir, hasTool, run } from '../../../test/helpers/fixtures.js';
import type { NodeRef } from '../types.js';
import * as C from './constants.js';
import type { Ext4Driver } from './driver.js';
import { openExt4 } from './index.js';

class MemDevice implements BlockDevice {
  readonly size: number;
  constructor(
    readonly bytes: Uint8Array,
    readonly name = 'fuzz.img',
  ) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    // No copy: the driver never writes to what it reads, and each iteration opens afresh.
    return this.bytes.subarray(offset, offset + length);
  }
  async close(): Promise<void> {}
}

/** A tiny tree that still has every structure: htree, extents, block maps, xattrs, symlinks. */
function makeTinyTree(dir: string): void {
  mkdirSync(join(dir, 'big'), { recursive: true });
  for (let i = 0; i < 120; i++) writeFileSync(join(dir, 'big', `name-${i}-${'x'.repeat(i % 30)}`), String(i));
  mkdirSync(join(dir, 'a/b/c'), { recursive: true });
  writeFileSync(join(dir, 'a/b/c/deep.txt'), 'deep\n');
  writeFileSync(join(dir, 'small'), 'tiny');
  writeFileSync(join(dir, 'medium'), Buffer.alloc(300_000, 0x5a));
  writeFileSync(join(dir, 'sparse'), Buffer.alloc(0));
  run('truncate', ['-s', '20M', join(dir, 'sparse')]);
  run('dd', ['if=/dev/urandom', `of=${join(dir, 'sparse')}`, 'bs=1k', 'seek=15000', 'count=3', 'conv=notrunc', 'status=none']);
  symlinkSync('small', join(dir, 'fast-link'));
  symlinkSync('a/'.repeat(60) + 'target', join(dir, 'slow-link'));
  linkSync(join(dir, 'small'), join(dir, 'hard'));
  run('setfattr', ['-n', 'user.one', '-v', 'value', join(dir, 'small')]);
  run('setfattr', ['-n', 'user.big', '-v', `0x${'ab'.repeat(700)}`, join(dir, 'medium')]);
  run('mkfifo', [join(dir, 'fifo')]);
}

const IMAGES: { name: string; mkfs: string; args: string[] }[] = [
  { name: 'extents-htree', mkfs: 'mkfs.ext4', args: ['-b', '1024'] },
  { name: 'blockmap', mkfs: 'mkfs.ext4', args: ['-b', '1024', '-O', '^extents,^64bit,^metadata_csum'] },
  { name: 'inline', mkfs: 'mkfs.ext4', args: ['-b', '4096', '-O', 'inline_data'] },
];

const canBuild = hasTool('mkfs.ext4') && hasTool('setfattr') && hasTool('e2fsck');

/** A copy of the first image with a dirty journal (kernel writes, then EXT4_IOC_SHUTDOWN). */
function tryMakeDirty(d: string): boolean {
  if (process.getuid?.() !== 0 || !hasTool('xfs_io')) return false;
  const live = join(d, 'live.img');
  const m = join(d, 'mnt');
  try {
    run('cp', ['--sparse=always', join(d, `${IMAGES[0]!.name}.img`), live]);
    mkdirSync(m, { recursive: true });
    run('mount', ['-o', 'loop,nodelalloc', live, m]);
    try {
      mkdirSync(join(m, 'journaled'));
      for (let i = 0; i < 60; i++) writeFileSync(join(m, 'journaled', `f${i}`), `journaled ${i}\n`.repeat(i));
      writeFileSync(join(m, 'small'), 'changed');
      run('setfattr', ['-n', 'user.two', '-v', 'second', join(m, 'small')]);
      run('xfs_io', ['-x', '-c', 'shutdown -f', m]);
      run('cp', ['--sparse=always', live, join(d, 'dirty.img')]);
    } finally {
      run('umount', [m]);
    }
    return true;
  } catch {
    return false;
  } finally {
    rmSync(live, { force: true });
  }
}

/** Byte ranges worth mutating: the metadata a walk of the clean image actually depends on. */
async function metadataRanges(fs: Ext4Driver): Promise<[number, number][][]> {
  const bs = fs.blockSize;
  const sbRanges: [number, number][] = [[C.SUPERBLOCK_OFFSET, C.SUPERBLOCK_SIZE]];
  const gdt: [number, number][] = [[(bs === 1024 ? 2 : 1) * bs, bs]];
  const inodes: [number, number][] = [];
  const dirs: [number, number][] = [];
  const trees: [number, number][] = [];
  const seen = new Set<NodeRef>();
  const visit = async (n: NodeRef) => {
    if (seen.has(n)) return;
    seen.add(n);
    const ino = await fs.inode(n);
    inodes.push([ino.offset, fs.sb.inodeSize]);
    if (ino.fileAcl) trees.push([ino.fileAcl * bs, bs]);
    if (!(ino.flags & C.INODE_FLAG_INLINE_DATA) && ino.type !== 'symlink' && ino.size > 0) {
      const runs = await fs.mapRange(ino, 0, Math.min(Math.ceil(ino.size / bs), 1 << 20));
      const iv = new DataView(ino.iBlock.buffer, ino.iBlock.byteOffset, 60);
      if (ino.flags & C.INODE_FLAG_EXTENTS) {
        if (iv.getUint16(6, true) > 0) for (let i = 0; i < iv.getUint16(2, true); i++) trees.push([iv.getUint32(12 + 12 * i + 4, true) * bs, bs]);
      } else {
        for (const k of [12, 13, 14]) if (iv.getUint32(4 * k, true)) trees.push([iv.getUint32(4 * k, true) * bs, bs]);
      }
      if (ino.type === 'dir') for (const r of runs) if (r.pblk !== undefined) dirs.push([r.pblk * bs, r.len * bs]);
    }
    if (ino.type === 'dir') for (const e of await fs.readdir(n)) await visit(e.node);
  };
  await visit(2);
  const journal = await fs.inode(8).catch(() => undefined);
  const jranges: [number, number][] = [];
  if (journal && journal.type === 'file') {
    for (const r of await fs.mapRange(journal, 0, Math.min(64, Math.ceil(journal.size / bs)))) if (r.pblk !== undefined) jranges.push([r.pblk * bs, r.len * bs]);
  }
  return [sbRanges, gdt, inodes, inodes, dirs, dirs, trees, jranges, jranges].filter((g) => g.length > 0);
}

/** Walks everything reachable, swallowing GuestguardErrors per operation; returns other errors. */
async function walkAll(fs: Ext4Driver, budget: { ops: number; typed?: number }): Promise<unknown[]> {
  const bad: unknown[] = [];
  const guard = async <T>(p: () => Promise<T>): Promise<T | undefined> => {
    if (--budget.ops < 0) return undefined;
    try {
      return await p();
    } catch (e) {
      if (!(e instanceof GuestguardError)) bad.push(e);
      else budget.typed = (budget.typed ?? 0) + 1;
      return undefined;
    }
  };
  const seen = new Set<NodeRef>();
  const visit = async (n: NodeRef, depth: number) => {
    if (seen.has(n) || depth > 64 || budget.ops < 0) return;
    seen.add(n);
    const st = await guard(() => fs.stat(n));
    await guard(() => fs.xattrs(n));
    if (!st) return;
    if (st.type === 'file') await guard(() => fs.read(n, 0, Math.min(st.size, 128 * 1024)));
    if (st.type === 'file' && st.size > 5000) await guard(() => fs.read(n, st.size - 5000, 5000));
    if (st.type === 'symlink') await guard(() => fs.readlink(n));
    if (st.type === 'dir') {
      const entries = (await guard(() => fs.readdir(n))) ?? [];
      for (const [i, e] of entries.slice(0, 200).entries()) {
        if (i % 6 === 0) await guard(() => fs.lookup(n, e.name));
        await visit(e.node, depth + 1);
      }
      await guard(() => fs.lookup(n, 'no-such-entry'));
    }
  };
  await visit(2, 0);
  await guard(() => fs.statfs());
  return bad;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

describe.skipIf(!canBuild)('ext4 driver under metadata corruption', () => {
  let dir: string;

  beforeAll(() => {
    dir = fixtureDir('ext4-fuzz-v1', (d) => {
      makeTinyTree(join(d, 'src'));
      for (const img of IMAGES) {
        const path = join(d, `${img.name}.img`);
        run(img.mkfs, ['-q', '-F', '-E', 'lazy_itable_init=1,lazy_journal_init=1', '-N', '512', ...img.args, '-d', join(d, 'src'), path, '24M']);
        try {
          run('e2fsck', ['-fyD', path]);
        } catch {
          // exit 1: directories were indexed
        }
      }
      tryMakeDirty(d);
    });
  });

  it('turns thousands of mutated images into typed errors within bounded time', async () => {
    const started = Date.now();
    const failures: string[] = [];
    let iterations = 0;
    let typedErrors = 0;
    let slowest = 0;
    const images = existsSync(join(dir, 'dirty.img')) ? [...IMAGES, { name: 'dirty' }] : IMAGES;
    for (const img of images) {
      const pristine = new Uint8Array(readFileSync(join(dir, `${img.name}.img`)));
      const clean = await openExt4(new MemDevice(pristine));
      expect((await walkAll(clean, { ops: 1e9 })).length).toBe(0);
      if (img.name === 'dirty') expect(clean.warnings.join()).toMatch(/replayed [1-9]/);
      const groups = await metadataRanges(clean);
      const rand = rng(0x5eed + img.name.length);
      const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]!;
      for (let i = 0; i < 500; i++) {
        // 1-4 mutations, each a byte, bit flip, or a 16/32-bit field set to an extreme value.
        const saved: [number, number][] = [];
        const n = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < n; k++) {
          const [start, len] = pick(pick(groups));
          const off = Math.min(pristine.length - 4, start + Math.floor(rand() * len));
          const kind = Math.floor(rand() * 5);
          const width = kind >= 3 ? (kind === 3 ? 2 : 4) : 1;
          for (let b = 0; b < width; b++) saved.push([off + b, pristine[off + b]!]);
          if (kind === 0) pristine[off] = Math.floor(rand() * 256);
          else if (kind === 1) pristine[off]! ^= 1 << Math.floor(rand() * 8);
          else if (kind === 2) pristine[off] = pick([0, 0xff, 0x80, 0x7f, 1]);
          else {
            const v = pick([0, 0xffffffff, 0x7fffffff, 0x80000000, 1, 0xffff, Math.floor(rand() * 2 ** 32)]);
            for (let b = 0; b < width; b++) pristine[off + b] = (v >>> (8 * b)) & 0xff;
          }
        }
        const t0 = Date.now();
        try {
          const fs = await openExt4(new MemDevice(pristine));
          const budget = { ops: 3000, typed: 0 };
          const bad = await walkAll(fs, budget);
          if (budget.typed > 0) typedErrors++;
          for (const e of bad) failures.push(`${img.name} #${i}: ${(e as Error).stack ?? String(e)}`);
        } catch (e) {
          if (e instanceof GuestguardError) typedErrors++;
          else failures.push(`${img.name} #${i} (open): ${(e as Error).stack ?? String(e)}`);
        }
        slowest = Math.max(slowest, Date.now() - t0);
        for (let s = saved.length - 1; s >= 0; s--) pristine[saved[s]![0]] = saved[s]![1];
        iterations++;
      }
    }
    expect(failures.slice(0, 5)).toEqual([]);
    expect(iterations).toBe(images.length * 500);
    // Many mutations must actually break something the walk touches (others hit times, padding...).
    expect(typedErrors).toBeGreaterThan(iterations / 10);
    expect(slowest).toBeLessThan(5_000);
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
