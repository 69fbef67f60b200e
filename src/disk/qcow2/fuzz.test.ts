/**
 * Mutation fuzzing of small real qcow2 images: thousands of random edits to the header, header
 * extensions, L1 and L2 tables (plus some data bytes and truncations), each followed by an open
 * and random reads. Any failure must be a GuestguardError, and every case must finish quickly.
 */
import { closeSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixtureDir, hasTool, makePatternedRaw, run } from '../../../test/helpers/fixtures.js';
import { GuestguardError } from '../../errors.js';
import { openImage } from '../open-image.js';

const CASES_PER_SEED = 600;
const MAX_CASE_MS = 2_000;
const TOTAL_BUDGET_MS = 60_000;

/** Seed images: every L2 layout and compression flavour the reader supports. */
const SEEDS: Record<string, string[]> = {
  'v3-4k': ['convert', '-O', 'qcow2', '-o', 'cluster_size=4k'],
  'v2-512': ['convert', '-O', 'qcow2', '-o', 'cluster_size=512,compat=0.10'],
  'deflate-4k': ['convert', '-c', '-O', 'qcow2', '-o', 'cluster_size=4k'],
  'zstd-16k': ['convert', '-c', '-O', 'qcow2', '-o', 'cluster_size=16k,compression_type=zstd'],
  'extl2-16k': ['convert', '-O', 'qcow2', '-o', 'cluster_size=16k,extended_l2=on'],
  'datafile-4k': ['convert', '-O', 'qcow2', '-o', 'cluster_size=4k,data_file=datafile-4k.data'],
};

function build(dir: string): void {
  const raw = join(dir, 'base.raw');
  makePatternedRaw(raw, 2, 5); // random first MiB, hole in the second
  // Compressible text in the second half of the hole, so compressed seeds have compressed clusters.
  run('sh', ['-c', `head -c 393216 /dev/urandom | base64 -w 0 | head -c 524288 | dd of='${raw}' bs=512k seek=3 conv=notrunc status=none`]);
  for (const [name, args] of Object.entries(SEEDS)) run('qemu-img', [...args, raw, join(dir, `${name}.qcow2`)], { cwd: dir });
  // An overlay (relative backing name) with sub-cluster writes, whose backing file stays intact.
  run('qemu-img', ['create', '-q', '-f', 'qcow2', '-o', 'cluster_size=4k', '-b', 'base.raw', '-F', 'raw', join(dir, 'overlay-4k.qcow2')]);
  run('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0xab 4097 5000', '-c', 'write -z 1M 64k', '-c', 'write -c -P 0x11 1536k 4k', join(dir, 'overlay-4k.qcow2')]);
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Region {
  start: number;
  end: number;
}

/** Header area, L1 table and every L2 table of a seed image, found by reading it as qcow2. */
function metadataRegions(b: Buffer): Region[] {
  const cs = 2 ** b.readUInt32BE(20);
  const l1 = Number(b.readBigUInt64BE(40));
  const l1Size = b.readUInt32BE(36);
  const regions: Region[] = [{ start: 0, end: Math.min(cs, 4096) }, { start: l1, end: l1 + l1Size * 8 }];
  for (let i = 0; i < l1Size; i++) {
    const l2 = Number(b.readBigUInt64BE(l1 + i * 8) & 0x00fffffffffffe00n);
    if (l2 !== 0) regions.push({ start: l2, end: l2 + cs });
  }
  return regions;
}

const INTERESTING = [0n, 1n, 0x1ffn, 0x200n, 0xfffn, 0x1000n, 0x7fffffffn, 0x80000000n, 0xffffffffn, 1n << 53n, (1n << 62n) | 0x1000n, 1n << 63n, (1n << 64n) - 1n];

interface Mutation {
  desc: string;
  writes: { off: number; bytes: Buffer }[];
  truncate?: number;
}

function mutate(orig: Buffer, regions: Region[], rand: () => number): Mutation {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const m: Mutation = { desc: '', writes: [] };
  const n = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < n; i++) {
    // Mostly metadata; sometimes anywhere (data and compressed streams).
    const r = rand() < 0.85 ? pick(regions) : { start: 0, end: orig.length };
    const off = r.start + Math.floor(rand() * (r.end - r.start));
    const kind = Math.floor(rand() * 4);
    let bytes: Buffer;
    if (kind === 0) {
      bytes = Buffer.from([orig[off]! ^ (1 << Math.floor(rand() * 8))]);
    } else if (kind === 1) {
      bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 256)));
    } else {
      const v = kind === 2 ? pick(INTERESTING) : BigInt(Math.floor(rand() * orig.length * 2)) | (rand() < 0.5 ? 1n << 63n : 0n);
      bytes = Buffer.alloc(8);
      bytes.writeBigUInt64BE(BigInt.asUintN(64, v));
    }
    const aligned = kind >= 2 ? off - (off % 8) : off;
    m.writes.push({ off: aligned, bytes: bytes.subarray(0, Math.max(0, Math.min(bytes.length, orig.length - aligned))) });
    m.desc += `${kind}@${aligned}=${bytes.toString('hex')} `;
  }
  if (rand() < 0.08) {
    m.truncate = Math.floor(rand() * orig.length);
    m.desc += `truncate ${m.truncate}`;
  }
  return m;
}

/** Applies a mutation to the file in place; returns how to undo it. */
function apply(path: string, orig: Buffer, m: Mutation): () => void {
  const fd = openSync(path, 'r+');
  try {
    for (const w of m.writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.off);
    if (m.truncate !== undefined) ftruncateSync(fd, m.truncate);
  } finally {
    closeSync(fd);
  }
  return () => {
    const fd2 = openSync(path, 'r+');
    try {
      if (m.truncate !== undefined) writeSync(fd2, orig, m.truncate, orig.length - m.truncate, m.truncate);
      for (const w of m.writes) writeSync(fd2, orig, w.off, w.bytes.length, w.off);
    } finally {
      closeSync(fd2);
    }
  };
}

/** Opens and reads a few ranges; returns the error thrown, if any. */
async function exercise(path: string, rand: () => number): Promise<unknown> {
  let img;
  try {
    img = await openImage(path);
  } catch (err) {
    return err;
  }
  try {
    const size = img.size;
    for (let i = 0; i < 6 && size > 0; i++) {
      const len = 1 + Math.floor(rand() * Math.min(size, 200_000));
      const off = i === 0 ? 0 : Math.floor(rand() * (size - len + 1));
      await img.read(off, len);
    }
    return undefined;
  } catch (err) {
    return err;
  } finally {
    await img.close().catch(() => undefined);
  }
}

describe.skipIf(!hasTool('qemu-img') || !hasTool('qemu-io'))('qcow2 mutation fuzzing', () => {
  let dir: string;
  beforeAll(() => {
    dir = fixtureDir('qcow2-fuzz', build);
  });

  it('turns every corruption into a GuestguardError, quickly', async () => {
    const started = Date.now();
    const bad: string[] = [];
    const codes = new Map<string, number>();
    let slowest = 0;
    let opened = 0;
    for (const name of [...Object.keys(SEEDS), 'overlay-4k']) {
      // Work on a copy: the seed stays pristine for the next run.
      const seedPath = join(dir, `${name}.qcow2`);
      const orig = readFileSync(seedPath);
      const path = join(dir, `fuzz-${name}.qcow2`);
      const fd = openSync(path, 'w');
      writeSync(fd, orig);
      closeSync(fd);
      const regions = metadataRegions(orig);
      const rand = rng(name.length * 1_000_003 + name.charCodeAt(0));
      for (let i = 0; i < CASES_PER_SEED; i++) {
        const m = mutate(orig, regions, rand);
        const undo = apply(path, orig, m);
        const t0 = Date.now();
        const err = await exercise(path, rand);
        const ms = Date.now() - t0;
        undo();
        slowest = Math.max(slowest, ms);
        if (err === undefined) opened++;
        else if (err instanceof GuestguardError) codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
        else bad.push(`${name} #${i} [${m.desc}]: ${(err as Error)?.stack ?? String(err)}`);
        if (ms > MAX_CASE_MS) bad.push(`${name} #${i} [${m.desc}] took ${ms} ms`);
        if (bad.length >= 10) break;
      }
      // The undo must restore the image exactly, or later cases test something else.
      expect(Buffer.compare(readFileSync(path), orig)).toBe(0);
    }
    const total = Date.now() - started;
    expect(bad, bad.join('\n\n')).toEqual([]);
    expect(total).toBeLessThan(TOTAL_BUDGET_MS);
    // The fuzzer must reach both outcomes, or it is not exercising the parser.
    expect(opened).toBeGreaterThan(100);
    expect(codes.size).toBeGreaterThan(3);
    console.log(`qcow2 fuzz: ${7 * CASES_PER_SEED} cases in ${total} ms (slowest ${slowest} ms), ${opened} read cleanly, errors:`, Object.fromEntries(codes));
  }, 120_000);
});
