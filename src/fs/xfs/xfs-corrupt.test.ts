/**
 * Robustness: thousands of random mutations of the metadata of a small real XFS image. Whatever
 * the damage, opening and walking the tree may only fail with GuestguardError, never hang.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_ROOT, fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import type { BlockDevice } from '../../disk/block-device.js';
import { checkRange } from '../../disk/range.js';
import { GuestguardError } from '../../errors.js';
import type { FileSystemDriver, NodeRef } from '../types.js';
import { openXfs, XfsFileSystem } from './index.js';
import { buildKernelImage, buildProtoImage, cleanupMount, V4_CI_MKFS } from './test-images.js';

const canMount = process.getuid?.() === 0 && ['mkfs.xfs', 'xfs_db', 'xfs_io', 'setfattr', 'getfattr', 'mount', 'losetup'].every(hasTool);
const canMkfs = ['mkfs.xfs', 'xfs_db'].every(hasTool);

class MemDevice implements BlockDevice {
  readonly name = 'mem.img';
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    return this.bytes.slice(offset, offset + length);
  }
  async close(): Promise<void> {}
}

/** Seeded PRNG so a failing iteration can be replayed. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

interface Budget {
  ops: number;
}

/** Touches everything reachable; every failure must be a GuestguardError (others are rethrown). */
async function fuzzWalk(fs: FileSystemDriver, budget: Budget): Promise<number> {
  let errors = 0;
  const guard = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
    budget.ops--;
    try {
      return await f();
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw err;
      errors++;
      return undefined;
    }
  };
  const seen = new Set<string>();
  const visit = async (node: NodeRef, depth: number): Promise<void> => {
    if (budget.ops <= 0 || depth > 40 || seen.has(String(node))) return;
    seen.add(String(node));
    const st = await guard(() => fs.stat(node));
    await guard(() => fs.xattrs(node));
    if (!st) return;
    if (st.type === 'symlink') await guard(() => fs.readlink(node));
    if (st.type === 'file') {
      // Small reads at the start, middle and end: mapping is what corruption breaks, not copying.
      for (const at of new Set([0, Math.floor(st.size / 2), Math.max(0, st.size - 5000)])) await guard(() => fs.read(node, at, 65536));
    }
    if (st.type === 'dir') {
      const entries = (await guard(() => fs.readdir(node))) ?? [];
      for (let i = 0; i < entries.length && budget.ops > 0; i++) {
        const e = entries[i]!;
        if (i % 50 === 0) await guard(() => fs.lookup(node, e.name));
        await visit(e.node, depth + 1);
      }
      await guard(() => fs.lookup(node, 'does-not-exist'));
    }
  };
  const root = await guard(() => fs.root());
  if (root !== undefined) await visit(root, 0);
  await guard(() => fs.statfs());
  return errors;
}

/** Sectors (512 B) holding metadata that a clean walk reads: where mutations are aimed. */
async function metadataSectors(image: Uint8Array): Promise<number[]> {
  const ranges: [number, number][] = [];
  const orig = XfsFileSystem.prototype.readMeta;
  XfsFileSystem.prototype.readMeta = function (offset: number, length: number) {
    ranges.push([offset, length]);
    return orig.call(this, offset, length);
  };
  try {
    const fs = await openXfs(new MemDevice(image));
    expect(await fuzzWalk(fs, { ops: Infinity })).toBe(0);
  } finally {
    XfsFileSystem.prototype.readMeta = orig;
  }
  const sectors = new Set<number>([0]); // the superblock is read before readMeta exists
  for (const [off, len] of ranges) for (let s = Math.floor(off / 512); s * 512 < off + len; s++) sectors.add(s);
  return [...sectors].filter((s) => image.subarray(s * 512, s * 512 + 512).some((b) => b !== 0)).sort((a, b) => a - b);
}

const INTERESTING = [0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** Applies 1-3 random mutations inside the given sectors; returns what to undo. */
function mutate(image: Uint8Array, r: (n: number) => number, sectors: number[]): { at: number; old: Uint8Array }[] {
  const undo: { at: number; old: Uint8Array }[] = [];
  const n = 1 + r(3);
  for (let k = 0; k < n; k++) {
    const sector = sectors[r(sectors.length)]!;
    const kind = r(5);
    const width = kind === 2 ? [1, 2, 4, 8][r(4)]! : kind === 3 ? 8 + r(57) : kind === 4 ? 4 : 1;
    const at = Math.min(sector * 512 + (kind === 2 ? r(512 / width) * width : r(512)), image.length - width);
    undo.push({ at, old: image.slice(at, at + width) });
    if (kind === 0) image[at] = r(256);
    else if (kind === 1) image[at]! ^= 1 << r(8);
    else if (kind === 2) {
      // A big-endian "interesting" number (sizes, counts, pointers), sign-extended at random.
      const v = INTERESTING[r(INTERESTING.length)]!;
      for (let i = 0; i < width; i++) image[at + i] = i >= width - 4 ? (v >>> ((width - 1 - i) * 8)) & 0xff : v > 0xffff && r(2) ? 0xff : 0;
    } else if (kind === 3) image.fill(r(2) ? 0 : 0xff, at, at + width);
    else for (let i = 0; i < 4; i++) image[at + i] = r(256);
  }
  return undo;
}

interface CampaignResult {
  done: number;
  failedOpen: number;
  detected: number;
  slowest: number;
}

/** Mutate, open, walk, restore: until `iterations` or the deadline. Non-typed errors fail the test. */
async function campaign(image: Uint8Array, seed: number, sectors: number[], iterations: number, deadlineMs: number, ops = 4000): Promise<CampaignResult> {
  const r = rng(seed);
  const start = Date.now();
  const res: CampaignResult = { done: 0, failedOpen: 0, detected: 0, slowest: 0 };
  for (; res.done < iterations && Date.now() - start < deadlineMs; res.done++) {
    const undo = mutate(image, r, sectors);
    const t0 = Date.now();
    try {
      let fs: FileSystemDriver | undefined;
      try {
        fs = await openXfs(new MemDevice(image));
      } catch (err) {
        if (!(err instanceof GuestguardError)) throw err;
        res.failedOpen++;
      }
      if (fs && (await fuzzWalk(fs, { ops })) > 0) res.detected++;
    } catch (err) {
      const where = undo.map((u) => u.at).join(',');
      throw new Error(`iteration ${res.done} (seed ${seed}, mutated bytes at ${where}) threw a non-typed error: ${(err as Error).stack}`);
    } finally {
      for (const u of undo.reverse()) image.set(u.old, u.at);
    }
    res.slowest = Math.max(res.slowest, Date.now() - t0);
  }
  return res;
}

describe.skipIf(!canMount)('XFS v5 with corrupted metadata', () => {
  let image: Uint8Array;
  let sectors: number[];

  beforeAll(async () => {
    const name = 'xfs-v5-mini';
    cleanupMount(join(FIXTURES_ROOT, name, 'mnt'), join(FIXTURES_ROOT, name, 'fs.img'));
    const dir = fixtureDir(name, (d) => buildKernelImage(d, 40, ['-L', 'mini'], { hugeDirEntries: 0, fragBlocks: 200, mini: true }));
    image = new Uint8Array(readFileSync(join(dir, 'fs.img')));
    sectors = await metadataSectors(image);
    expect(sectors.length).toBeGreaterThan(100);
  });
  afterAll(() => cleanupMount(join(FIXTURES_ROOT, 'xfs-v5-mini', 'mnt'), join(FIXTURES_ROOT, 'xfs-v5-mini', 'fs.img')));

  it('survives thousands of random metadata mutations with typed errors only', async () => {
    // Aims for 3000 iterations; the deadline keeps a loaded machine within the time bound.
    const res = await campaign(image, 0x5eed, sectors, 3000, 35_000);
    console.log(`xfs v5 fuzz: ${res.done} iterations, ${res.failedOpen} failed to open, ${res.detected} found damage while walking, slowest ${res.slowest} ms`);
    expect(res.done).toBeGreaterThanOrEqual(200);
    // A good share of mutations must be noticed (a fuzzer that never trips anything tests nothing).
    expect(res.failedOpen + res.detected).toBeGreaterThan(res.done / 5);
    expect(res.slowest).toBeLessThan(5000);
  }, 120_000);

  it('survives mutations of the superblock and root inode alone', async () => {
    const fs = (await openXfs(new MemDevice(image))) as XfsFileSystem;
    const rootSector = Math.floor(fs.geo.inodeOffset(fs.sb.rootIno, 'root') / 512);
    const res = await campaign(image, 0xb00, [0, rootSector], 1500, 6_000);
    console.log(`xfs superblock fuzz: ${res.done} iterations, ${res.failedOpen} failed to open`);
    expect(res.done).toBeGreaterThanOrEqual(100);
    expect(res.failedOpen).toBeGreaterThan(res.done / 10);
  }, 60_000);
});

describe.skipIf(!canMkfs)('XFS v4 with corrupted metadata', () => {
  it('survives random metadata mutations with typed errors only', async () => {
    const dir = fixtureDir('xfs-v4-mini', (d) => buildProtoImage(d, 32, V4_CI_MKFS, true));
    const image = new Uint8Array(readFileSync(join(dir, 'fs.img')));
    const sectors = await metadataSectors(image);
    const res = await campaign(image, 0x4444, sectors, 1000, 12_000, 1500);
    console.log(`xfs v4 fuzz: ${res.done} iterations, ${res.failedOpen} failed to open, ${res.detected} found damage while walking`);
    expect(res.done).toBeGreaterThanOrEqual(40);
    // v4 has no owner/CRC fields to catch misplaced blocks, so fewer mutations are noticed.
    expect(res.failedOpen + res.detected).toBeGreaterThan(res.done / 10);
  }, 120_000);
});
