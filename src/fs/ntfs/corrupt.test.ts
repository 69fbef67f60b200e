/**
 * Corruption: thousands of seeded mutations of the small real image's boot sector, MFT
 * records (including the $MFT's own extension record and attribute list), INDX records and
 * compressed data. Opening and walking the damaged volume must fail only with GuestguardErrors
 * and finish each attempt quickly (no hangs, no RangeError/TypeError, no huge allocations).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CachedDevice } from '../../disk/cached-device.js';
import { GuestguardError } from '../../errors.js';
import type { NodeRef } from '../types.js';
import { AT_ATTRIBUTE_LIST, AT_DATA, AT_INDEX_ALLOCATION } from './constants.js';
import { openNtfs, type NtfsFileSystem } from './index.js';
import { buildSmallImage } from './test-images.js';
import { MemoryDevice } from './test-devices.js';
import { asyncFixtureDir, canBuildNtfs, unmountAll } from './test-support.js';

interface Region {
  kind: 'boot' | 'mft' | 'indx' | 'data';
  offset: number;
  length: number;
}

/** xorshift32: reproducible mutations (a failure names its seed). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return { next, int: (n: number) => next() % n };
}

const SPECIAL16 = [0, 1, 0xffff, 0x7fff, 0x8000, 0x0100, 0x0018, 0x0400];
const SPECIAL32 = [0, 1, 0xffffffff, 0x7fffffff, 0x80000000, 0x10000, 0x400, 0x1000, 0x18, 0xa0, 0x80];
const SPECIAL64 = [0n, 1n, 0xffffffffffffffffn, 0x7fffffffffffffffn, 0x100000000n, 0x1000000000000n, 5n, 16n];

/** Applies 1..n mutations inside the chosen regions; returns an undo list. */
function mutate(buf: Buffer, regions: Region[], r: ReturnType<typeof rng>, count: number): [number, Buffer][] {
  const undo: [number, Buffer][] = [];
  for (let i = 0; i < count; i++) {
    const reg = regions[r.int(regions.length)]!;
    const op = r.int(7);
    const width = [1, 1, 2, 4, 8, 16, 48][op]!;
    if (reg.length < width) continue;
    let at = reg.offset + r.int(reg.length - width + 1);
    if (width > 1 && width <= 8 && r.int(2) === 0) at -= (at - reg.offset) % width;
    undo.push([at, Buffer.from(buf.subarray(at, at + width))]);
    switch (op) {
      case 0:
        buf[at] = r.int(256);
        break;
      case 1:
        buf[at]! ^= 1 << r.int(8);
        break;
      case 2:
        buf.writeUInt16LE(r.int(2) ? SPECIAL16[r.int(SPECIAL16.length)]! : r.int(65536), at);
        break;
      case 3:
        buf.writeUInt32LE(r.int(2) ? SPECIAL32[r.int(SPECIAL32.length)]! : r.next(), at);
        break;
      case 4:
        buf.writeBigUInt64LE(r.int(2) ? SPECIAL64[r.int(SPECIAL64.length)]! : (BigInt(r.next()) << 32n) | BigInt(r.next()), at);
        break;
      default:
        buf.fill(r.int(2) ? 0 : 0xff, at, at + width);
    }
  }
  return undo;
}

const READ_PREFIX = 64 * 1024;
const MAX_NODES = 400;

/** Opens and walks everything reachable: stat, readdir, lookup, read, readlink, xattrs, statfs. */
async function exercise(bytes: Buffer): Promise<{ errors: number; unexpected: unknown[] }> {
  const unexpected: unknown[] = [];
  let errors = 0;
  const attempt = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await f();
    } catch (err) {
      if (err instanceof GuestguardError) errors++;
      else unexpected.push(err);
      return undefined;
    }
  };
  // 4 KiB cache blocks: each attempt opens afresh, and copying 64 KiB blocks would dominate.
  const fs = await attempt(() => openNtfs(new CachedDevice(new MemoryDevice(bytes), 4096, 4 << 20)));
  if (!fs) return { errors, unexpected };
  const seen = new Set<NodeRef>();
  const visit = async (node: NodeRef, depth: number): Promise<void> => {
    if (depth > 64 || seen.has(node) || seen.size >= MAX_NODES) return;
    seen.add(node);
    const st = await attempt(() => fs.stat(node));
    if (!st) return;
    await attempt(() => fs.xattrs(node));
    if (st.type === 'symlink') await attempt(() => fs.readlink(node));
    if (st.type === 'file') {
      await attempt(() => fs.read(node, 0, READ_PREFIX));
      if (st.size > READ_PREFIX) await attempt(() => fs.read(node, st.size - 4096, 4096));
    }
    if (st.type === 'dir') {
      const entries = (await attempt(() => fs.readdir(node))) ?? [];
      for (const e of entries.slice(0, 20)) await attempt(() => fs.lookup(node, e.name.toUpperCase()));
      for (const e of entries) await visit(e.node, depth + 1);
    }
  };
  await visit(await fs.root(), 0);
  await attempt(() => fs.statfs());
  return { errors, unexpected };
}

/** The byte ranges worth damaging, found by reading the clean image with the driver itself. */
async function regionsOf(fs: NtfsFileSystem): Promise<Record<Region['kind'], Region[]>> {
  const vol = fs.volume;
  const out: Record<Region['kind'], Region[]> = { boot: [{ kind: 'boot', offset: 0, length: 512 }], mft: [], indx: [], data: [] };
  const pieces = (kind: Region['kind'], s: Parameters<typeof vol.streamOffset>[0], size: number) => {
    for (let pos = 0; pos < size; pos += 512) {
      const at = vol.streamOffset(s, pos);
      if (at !== undefined) out[kind].push({ kind, offset: at, length: Math.min(512, size - pos) });
    }
  };
  const records = new Set<number>(Array.from({ length: 16 }, (_, i) => i));
  const walk = async (node: number, depth: number) => {
    if (depth > 40) return;
    records.add(node);
    const layout = await fs.layout(node);
    layout.extensionRecords.forEach((r) => records.add(r));
    const st = await fs.stat(node);
    for (const s of layout.streams) {
      const stream = (await vol.node(node)).stream(s.type, s.name)!;
      if (s.type === AT_INDEX_ALLOCATION) pieces('indx', stream, s.size);
      if (s.type === AT_ATTRIBUTE_LIST) pieces('mft', stream, s.size);
      if (s.type === AT_DATA && s.compressed) pieces('data', stream, Math.min(s.size, 256 * 1024));
    }
    if (st.type === 'dir') for (const e of await fs.readdir(node)) await walk(e.node as number, depth + 1);
  };
  await walk(5, 0);
  for (const n of [0, ...(await fs.layout(0)).extensionRecords]) records.add(n);
  for (const n of records) {
    for (let half = 0; half < fs.boot.mftRecordSize; half += 512) {
      const at = vol.streamOffset(vol.mftStream, n * fs.boot.mftRecordSize + half);
      if (at !== undefined) out.mft.push({ kind: 'mft', offset: at, length: 512 });
    }
  }
  return out;
}

describe.skipIf(!canBuildNtfs())('NTFS driver on damaged images', () => {
  let image: Buffer;
  let regions: Record<Region['kind'], Region[]>;

  beforeAll(async () => {
    const dir = await asyncFixtureDir('ntfs-small-v1', buildSmallImage);
    unmountAll();
    image = readFileSync(join(dir, 'ntfs.img'));
    const clean = await openNtfs(new MemoryDevice(image));
    regions = await regionsOf(clean);
    // The clean image walks without a single error: damage is what causes errors below.
    expect(await exercise(image)).toEqual({ errors: 0, unexpected: [] });
  }, 600_000);

  const campaigns: [string, (r: Record<Region['kind'], Region[]>) => Region[], number, number][] = [
    ['MFT records (attributes, runlists, attribute lists, fixups)', (r) => r.mft, 1000, 0x1000],
    ['INDX records (directory B+trees)', (r) => r.indx, 700, 0x2000],
    ['the boot sector', (r) => r.boot, 300, 0x3000],
    ['LZNT1 compressed data', (r) => r.data, 250, 0x4000],
    ['several structures at once', (r) => [...r.mft, ...r.indx, ...r.boot], 250, 0x5000],
  ];

  for (const [what, pick, iterations, seedBase] of campaigns) {
    it(`survives ${iterations} mutations of ${what} with typed errors only`, async () => {
      const targets = pick(regions);
      expect(targets.length).toBeGreaterThan(0);
      const failures: string[] = [];
      let slowest = 0;
      let errorRuns = 0;
      const started = Date.now();
      for (let i = 0; i < iterations; i++) {
        const seed = seedBase + i;
        const r = rng(seed);
        const undo = mutate(image, targets, r, 1 + r.int(what.startsWith('several') ? 6 : 3));
        const t0 = Date.now();
        try {
          const res = await exercise(image);
          if (res.errors > 0) errorRuns++;
          for (const u of res.unexpected) failures.push(`seed ${seed}: ${u instanceof Error ? u.stack : String(u)}`);
        } finally {
          for (const [at, b] of undo.reverse()) b.copy(image, at);
        }
        slowest = Math.max(slowest, Date.now() - t0);
      }
      expect(failures.slice(0, 5)).toEqual([]);
      // Damage must be noticed at least sometimes (else the mutations missed the structures).
      expect(errorRuns).toBeGreaterThan(iterations / 20);
      expect(slowest).toBeLessThan(10_000);
      console.log(`${what}: ${iterations} mutations, ${errorRuns} detected, slowest ${slowest} ms, total ${Date.now() - started} ms`);
    }, 300_000);
  }
});
