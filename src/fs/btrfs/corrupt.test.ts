/**
 * Corruption resistance: thousands of mutations of a real kernel-written image (tree blocks
 * with and without a repaired checksum, the superblock with a repaired checksum, compressed
 * data extents). Opening and walking everything must either work or fail with a
 * GuestguardError, never crash or hang.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { BlockDevice } from '../../disk/block-device.js';
import { CachedDevice } from '../../disk/cached-device.js';
import { HostFile } from '../../disk/host-file.js';
import { RawImage } from '../../disk/raw.js';
import { checkRange } from '../../disk/range.js';
import { GuestguardError } from '../../errors.js';
import { fixtureDir, hasTool } from '../../../test/helpers/fixtures.js';
import type { FileSystemDriver, NodeRef } from '../types.js';
import { openBtrfs } from './index.js';
import { BLOCK_GROUP_DATA, EXTENT_DATA_KEY, SUPERBLOCK_OFFSETS, U64_MAX } from './constants.js';
import { crc32c } from './crc32c.js';
import { parseFileExtent } from './items.js';
import { buildSmallImage, cleanupMounts, readTruth } from './test-images.js';
import { walkDriver } from './test-tree.js';

/** A device showing `base` with some bytes replaced. */
class PatchedDevice implements BlockDevice {
  readonly size: number;
  readonly name = 'patched';
  constructor(
    private readonly base: BlockDevice,
    private readonly patches: { offset: number; bytes: Uint8Array }[],
  ) {
    this.size = base.size;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    checkRange(this, offset, length);
    const b = Uint8Array.from(await this.base.read(offset, length));
    for (const p of this.patches) {
      for (let i = 0; i < p.bytes.length; i++) {
        const at = p.offset + i - offset;
        if (at >= 0 && at < length) b[at] = p.bytes[i]!;
      }
    }
    return b;
  }
  async close(): Promise<void> {}
}

/** Visits everything reachable, recording any error that is not a GuestguardError. */
async function hostileWalk(fs: FileSystemDriver, bad: unknown[]): Promise<number> {
  let typed = 0;
  const seen = new Set<NodeRef>();
  const guard = async <T,>(p: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await p();
    } catch (err) {
      if (err instanceof GuestguardError) typed++;
      else bad.push(err);
      return undefined;
    }
  };
  const visit = async (node: NodeRef, depth: number): Promise<void> => {
    if (seen.has(node) || seen.size > 2000 || depth > 40) return;
    seen.add(node);
    const st = await guard(() => fs.stat(node));
    await guard(() => fs.xattrs(node));
    if (!st) return;
    if (st.type === 'symlink') await guard(() => fs.readlink(node));
    if (st.type === 'file') {
      for (let off = 0; off < Math.min(st.size, 1 << 20); off += 256 << 10) await guard(() => fs.read(node, off, 256 << 10));
    }
    if (st.type === 'dir') {
      const entries = (await guard(() => fs.readdir(node))) ?? [];
      for (const e of entries) {
        await guard(() => fs.lookup(node, e.name));
        await visit(e.node, depth + 1);
      }
    }
  };
  const root = await guard(() => fs.root());
  if (root !== undefined) await visit(root, 0);
  return typed;
}

const canBuild = hasTool('mkfs.btrfs') && hasTool('python3') && process.getuid?.() === 0;
let dir = '';
let file: RawImage | undefined;

describe.skipIf(!canBuild)('btrfs: corrupted images', () => {
  beforeAll(async () => {
    dir = fixtureDir('btrfs-small-v3', (d) => {
      try {
        buildSmallImage(d);
      } finally {
        cleanupMounts(d);
      }
    });
    file = new RawImage(await HostFile.open(join(dir, 'small.img')));
  });
  afterAll(async () => {
    await file?.close();
    if (dir) cleanupMounts(dir);
  });

  it('survives thousands of metadata and data mutations with typed errors only', async () => {
    const base = new CachedDevice(file!, 64 * 1024, 160 << 20);
    // The clean walk records every read, so mutations go to blocks the driver really uses.
    const reads = new Set<number>();
    const recorder: BlockDevice = { size: base.size, name: 'recorder', read: (o, l) => (reads.add(o), base.read(o, l)), close: async () => {} };
    const clean = await openBtrfs(recorder, { subvolume: 'subvolid=5' });
    expect(await walkDriver(clean)).toEqual(readTruth(dir, 'small'));
    await clean.listSubvolumes();
    const nodeSize = clean.volume.sb.nodeSize;

    // Targets: every tree block our reader would read (all its dup copies, mutated alike, so
    // the mirror fallback does not hide the damage), and every compressed data extent.
    const blocks: number[] = [];
    const copiesOf = new Map<number, number[]>();
    for (const c of clean.volume.chunks.all) {
      if (c.type & BLOCK_GROUP_DATA) continue;
      for (let l = c.logical; l + nodeSize <= c.logical + c.length; l += nodeSize) {
        const run = clean.volume.chunks.map(l, nodeSize)[0]!;
        const b = await base.read(run.offset, nodeSize);
        const dv = new DataView(b.buffer, b.byteOffset);
        if (reads.has(run.offset) && dv.getBigUint64(48, true) === BigInt(l)) {
          blocks.push(run.offset);
          const n = clean.volume.chunks.copies(l);
          copiesOf.set(run.offset, Array.from({ length: n }, (_, m) => clean.volume.chunks.map(l, nodeSize, m)[0]!.offset));
        }
      }
    }
    const everyCopy = (p: { offset: number; bytes: Uint8Array }) => (copiesOf.get(p.offset) ?? [p.offset]).map((offset) => ({ offset, bytes: p.bytes }));
    const compressed: { offset: number; length: number }[] = [];
    const inline: { offset: number; length: number }[] = [];
    for (const s of [{ id: 5 }, ...(await clean.listSubvolumes())]) {
      const tree = (await clean.volume.requireFsTree(BigInt(s.id))).root;
      await clean.volume.trees.items(tree, { objectid: 0n, type: 0, offset: 0n }, { objectid: U64_MAX, type: 255, offset: U64_MAX }, (it) => {
        if (it.key.type !== EXTENT_DATA_KEY) return;
        const e = parseFileExtent(it);
        if (e.kind === 'regular' && e.compression !== 0) compressed.push(...clean.volume.chunks.map(e.diskBytenr, e.diskNumBytes));
        if (e.kind === 'inline' && e.compression !== 0) inline.push({ offset: e.offset, length: e.data.length });
      });
    }
    expect(blocks.length).toBeGreaterThan(20);
    expect(compressed.length).toBeGreaterThan(10);
    expect(inline.length).toBeGreaterThan(5);

    // BTRFS_FUZZ_SEED / BTRFS_FUZZ_ITERATIONS / BTRFS_FUZZ_SECONDS allow longer one-off runs.
    let seed = Number(process.env.BTRFS_FUZZ_SEED ?? 12345);
    const maxIterations = Number(process.env.BTRFS_FUZZ_ITERATIONS ?? 2500);
    const maxMs = Number(process.env.BTRFS_FUZZ_SECONDS ?? 50) * 1000;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => (rand(4) === 0 ? [0, 0xff, 0x7f, 0x80][rand(4)]! : rand(256)));
    /** Mutates a copy of a block at `at` and repairs its crc32c so parsing goes past the checksum. */
    const patchWithCsum = async (at: number, size: number, mutate: (b: Uint8Array) => void) => {
      const b = Uint8Array.from(await base.read(at, size));
      mutate(b);
      new DataView(b.buffer).setUint32(0, crc32c(b.subarray(32)), true);
      return { offset: at, bytes: b };
    };

    const bad: { iteration: number; kind: string; err: unknown }[] = [];
    const started = Date.now();
    let iterations = 0;
    let typedFailures = 0;
    let walkFailures = 0;
    let slowest = 0;
    for (; iterations < maxIterations && Date.now() - started < maxMs; iterations++) {
      const kind = ['node+csum', 'node+csum', 'node+csum', 'node', 'super', 'data', 'inline'][rand(7)]!;
      const patches: { offset: number; bytes: Uint8Array }[] = [];
      if (kind === 'node+csum' || kind === 'node') {
        const at = blocks[rand(blocks.length)]!;
        const mutate = (b: Uint8Array) => {
          const nritems = new DataView(b.buffer).getUint32(96, true);
          for (let k = 1 + rand(3); k > 0; k--) {
            // Mostly the header and item/key-pointer table, where the structure lives.
            const hot = 48 + rand(Math.min(nodeSize - 48, 101 - 48 + nritems * 33 + 1));
            const pos = rand(2) ? hot : 32 + rand(nodeSize - 32);
            b.set(randomBytes(Math.min(1 + rand(8), nodeSize - pos)), pos);
          }
        };
        const p = await patchWithCsum(at, nodeSize, mutate);
        if (kind === 'node') p.bytes[0]! ^= 1; // leave the checksum wrong
        patches.push(...everyCopy(p));
      } else if (kind === 'super') {
        patches.push(
          await patchWithCsum(SUPERBLOCK_OFFSETS[0], 4096, (b) => {
            const pos = 0x30 + rand(0x32b + 300 - 0x30);
            b.set(randomBytes(1 + rand(8)), pos);
          }),
        );
      } else if (kind === 'inline') {
        // Compressed inline data sits inside a leaf: mutate it and repair the leaf's checksum.
        const r = inline[rand(inline.length)]!;
        const leaf = r.offset - (r.offset % nodeSize);
        patches.push(...everyCopy(await patchWithCsum(leaf, nodeSize, (b) => b.set(randomBytes(1 + rand(6)), Math.min(r.offset - leaf + rand(r.length), nodeSize - 6)))));
      } else {
        const r = compressed[rand(compressed.length)]!;
        for (let k = 1 + rand(4); k > 0; k--) patches.push({ offset: r.offset + rand(r.length), bytes: randomBytes(1 + rand(16)) });
      }
      const t0 = Date.now();
      const dev = new PatchedDevice(base, patches);
      try {
        const fs = await openBtrfs(dev, { subvolume: rand(2) ? 'subvolid=5' : undefined } as { subvolume?: string });
        const errs: unknown[] = [];
        if ((await hostileWalk(fs, errs)) > 0) walkFailures++;
        for (const err of errs) bad.push({ iteration: iterations, kind, err });
        await fs.listSubvolumes().catch((err: unknown) => {
          if (err instanceof GuestguardError) typedFailures++;
          else bad.push({ iteration: iterations, kind, err });
        });
      } catch (err) {
        if (err instanceof GuestguardError) typedFailures++;
        else bad.push({ iteration: iterations, kind, err });
      }
      slowest = Math.max(slowest, Date.now() - t0);
    }
    console.log(`btrfs corruption: ${iterations} images, ${typedFailures} refused at open/list, ${walkFailures} with typed errors while walking, slowest ${slowest} ms`);
    if (bad.length > 0) console.error(bad.slice(0, 5).map((b) => `#${b.iteration} ${b.kind}: ${(b.err as Error).stack}`).join('\n\n'));
    expect(bad).toEqual([]);
    // 2500 runs take ~20 s on an idle machine; a loaded CI box may get through fewer.
    expect(iterations).toBeGreaterThan(500);
    expect(slowest).toBeLessThan(5000);
  }, 120_000 + Number(process.env.BTRFS_FUZZ_SECONDS ?? 0) * 1000);
});
