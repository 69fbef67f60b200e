/**
 * Mutation fuzzing of real VMDKs: thousands of corrupted/truncated variants of small
 * monolithicSparse, streamOptimized (header GD and footer GD) and twoGbMaxExtentSparse images,
 * plus ESX COWD and seSparse extents behind descriptors.
 * Opening and reading any of them may fail, but only with a GuestguardError, and quickly.
 */
import { closeSync, copyFileSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { GuestguardError, ImageFormatError } from '../../errors.js';
import type { DiskImage, ImageContext } from '../disk-image.js';
import { HostFile } from '../host-file.js';
import { fixtureDir, hasTool, makePatternedRaw, run } from '../../../test/helpers/fixtures.js';
import { vmdkFormat } from './index.js';
import { writeCowd, writeSeSparse } from './vmdk-testing.js';

const ITERATIONS = Number(process.env.GG_FUZZ_ITERATIONS ?? 4000);
const SEED = Number(process.env.GG_FUZZ_SEED ?? 0x5eed);
const PER_CASE_TIMEOUT_MS = 5000;
const TIME_BUDGET_MS = Number(process.env.GG_FUZZ_SECONDS ?? 50) * 1000;
const HAVE_QEMU = hasTool('qemu-img');
const STREAM_PYTHON = ['/usr/bin/python3', 'python3'].find((py) => {
  try {
    run(py, ['-c', 'import VMDKstream']);
    return true;
  } catch {
    return false;
  }
});

function build(dir: string): void {
  const raw = join(dir, 'fz.raw');
  makePatternedRaw(raw, 2, 3); // 1 MiB of random data, then a 1 MiB hole
  const conv = (out: string, sub: string) => run('qemu-img', ['convert', '-O', 'vmdk', '-o', `subformat=${sub}`, raw, join(dir, out)]);
  conv('fz-ms.vmdk', 'monolithicSparse');
  conv('fz-so.vmdk', 'streamOptimized');
  conv('fz-tgs.vmdk', 'twoGbMaxExtentSparse');
  if (STREAM_PYTHON) run(STREAM_PYTHON, ['-m', 'VMDKstream', raw, join(dir, 'fz-sf.vmdk')]);
  // ESX flavours: COWD and seSparse extents behind descriptors, allocated where the raw has data.
  const content = readFileSync(raw);
  const used = (grainBytes: number) =>
    new Set(Array.from({ length: content.length / grainBytes }, (_, g) => g).filter((g) => content.subarray(g * grainBytes, (g + 1) * grainBytes).some((b) => b !== 0)));
  writeCowd(join(dir, 'fz-cowd-delta.vmdk'), content, used(8192), 16);
  writeSeSparse(join(dir, 'fz-se-sesparse.vmdk'), content, used(4096), new Set([300, 301]), new Set([400]));
  const sectors = content.length / 512;
  const desc = (type: string, ext: string, file: string) => `# Disk DescriptorFile\nversion=1\nCID=1234abcd\nparentCID=ffffffff\ncreateType="${type}"\nRW ${sectors} ${ext} "${file}"\n`;
  writeFileSync(join(dir, 'fz-cowd.vmdk'), desc('vmfsSparse', 'VMFSSPARSE', 'fz-cowd-delta.vmdk'));
  writeFileSync(join(dir, 'fz-se.vmdk'), desc('seSparse', 'SESPARSE', 'fz-se-sesparse.vmdk'));
}

/** A seeded xorshift PRNG so a failing run can be replayed with GG_FUZZ_SEED. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n: number) => next() % Math.max(1, n),
    pick: <T>(a: readonly T[]): T => a[next() % a.length]!,
  };
}

const INTERESTING_U32 = [0, 1, 2, 7, 0x80, 0x1ff, 0x200, 0xfff, 0x1000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const INTERESTING_U64 = [0n, 1n, 0x200n, 0xffffffffn, 0x100000000n, 1n << 53n, (1n << 63n) - 1n, 0xfffffffffffffffen, 0xffffffffffffffffn];
/** Hosted sparse header fields: [offset, width]. */
const HEADER_FIELDS: [number, 2 | 4 | 8][] = [[4, 4], [8, 4], [12, 8], [20, 8], [28, 8], [36, 8], [44, 4], [48, 8], [56, 8], [64, 8], [77, 2]];
const DESCRIPTOR_CHARS = Buffer.from('"= \n\r#0123456789abcdefRWFLATSPARSEZROVMFSNOACCESS.-/\\\0\xff');

interface Target {
  path: string;
  /** Main file opened by the test (the descriptor for split images). */
  open: string;
  orig: Buffer;
  /** Byte ranges worth hitting more often: header, descriptor, GD and GT sectors, footer. */
  hot: [number, number][];
  /** Where hosted sparse headers start: 0, and the footer copy for stream-optimized files. */
  headers: number[];
}

/** Finds the metadata ranges of a KDMV file from its own header (GD, first GT, footer). */
function hotRanges(buf: Buffer): [number, number][] {
  const hot: [number, number][] = [[0, 512]];
  if (buf.length < 512 || buf.readUInt32LE(0) !== 0x564d444b) return [[0, Math.min(buf.length, 4096)]];
  let h = buf.subarray(0, 512);
  if (h.readBigUInt64LE(56) === 0xffffffffffffffffn && buf.length >= 1536) {
    hot.push([buf.length - 1536, buf.length]);
    h = buf.subarray(buf.length - 1024, buf.length - 512);
  }
  const descOff = Number(h.readBigUInt64LE(28)) * 512;
  const descLen = Number(h.readBigUInt64LE(36)) * 512;
  if (descOff > 0 && descLen > 0) hot.push([descOff, Math.min(buf.length, descOff + descLen)]);
  for (const field of [48, 56]) {
    const gd = Number(h.readBigUInt64LE(field)) * 512;
    if (gd > 0 && gd + 4 <= buf.length) {
      hot.push([gd, Math.min(buf.length, gd + 512)]);
      const gt = buf.readUInt32LE(gd) * 512;
      if (gt > 0 && gt < buf.length) hot.push([gt, Math.min(buf.length, gt + 2048)]);
    }
  }
  return hot;
}

/** Applies random corruption to one file in place; returns how to undo it and what was done. */
function mutate(fd: number, t: Target, r: ReturnType<typeof prng>): { undo: [number, number][]; what: string; truncatedTo?: number } {
  const undo: [number, number][] = [];
  const put = (off: number, bytes: Buffer) => {
    if (off < 0 || off >= t.orig.length) return;
    const b = bytes.subarray(0, t.orig.length - off);
    writeSync(fd, b, 0, b.length, off);
    undo.push([off, off + b.length]);
  };
  const hotOffset = () => {
    const [a, b] = r.pick(t.hot);
    return a + r.int(b - a);
  };
  const steps: string[] = [];
  const n = 1 + r.int(3);
  for (let k = 0; k < n; k++) {
    const kind = r.int(7);
    if (kind === 0) {
      const off = hotOffset();
      put(off, Buffer.from([r.int(256)]));
      steps.push(`byte@${off}`);
    } else if (kind === 1) {
      const base = r.pick(t.headers);
      const [field, width] = r.pick(HEADER_FIELDS);
      const b = Buffer.alloc(width);
      if (width === 8) b.writeBigUInt64LE(r.pick(INTERESTING_U64));
      else if (width === 4) b.writeUInt32LE(r.pick(INTERESTING_U32));
      else b.writeUInt16LE(r.int(4));
      put(base + field, b);
      steps.push(`field${field}@${base}`);
    } else if (kind === 2) {
      const off = hotOffset() & ~3;
      const b = Buffer.alloc(4);
      b.writeUInt32LE(r.int(2) ? r.pick(INTERESTING_U32) : r.int(Math.ceil(t.orig.length / 512) + 64));
      put(off, b);
      steps.push(`u32@${off}`);
    } else if (kind === 3) {
      const off = hotOffset();
      put(off, Buffer.from([r.pick([...DESCRIPTOR_CHARS])]));
      steps.push(`char@${off}`);
    } else if (kind === 4) {
      const off = r.int(t.orig.length);
      const len = 1 + r.int(64);
      put(off, Buffer.from(Array.from({ length: len }, () => r.int(256))));
      steps.push(`junk${len}@${off}`);
    } else if (kind === 5) {
      const to = r.int(2) ? r.int(t.orig.length) : t.orig.length - 1 - r.int(4096);
      ftruncateSync(fd, Math.max(0, to));
      steps.push(`truncate@${to}`);
      return { undo, what: steps.join(','), truncatedTo: Math.max(0, to) };
    } else {
      const off = hotOffset();
      put(off, Buffer.alloc(1 + r.int(512)));
      steps.push(`zero@${off}`);
    }
  }
  return { undo, what: steps.join(',') };
}

function restore(fd: number, t: Target, m: ReturnType<typeof mutate>): void {
  if (m.truncatedTo !== undefined) {
    ftruncateSync(fd, t.orig.length);
    writeSync(fd, t.orig, m.truncatedTo, t.orig.length - m.truncatedTo, m.truncatedTo);
  }
  for (const [a, b] of m.undo) writeSync(fd, t.orig, a, b - a, a);
}

function fuzzContext(imagePath: string, chain: string[]): ImageContext {
  const locate = (ref: string) => {
    const p = resolve(isAbsolute(ref) ? ref : join(dirname(imagePath), ref));
    if (!existsSync(p)) throw new ImageFormatError('BACKING_FILE_MISSING', `"${ref}" not found`, { path: imagePath });
    return p;
  };
  return {
    options: {},
    depth: chain.length,
    openBacking: async (ref) => {
      const p = locate(ref);
      if (chain.includes(p) || chain.length > 4) throw new ImageFormatError('CORRUPT_IMAGE', 'backing loop', { path: p });
      return openAndRead(p, [...chain, p]);
    },
    openSibling: async (ref) => HostFile.open(locate(ref)),
  };
}

async function openAndRead(path: string, chain: string[]): Promise<DiskImage> {
  const file = await HostFile.open(path);
  let img: DiskImage;
  try {
    img = await vmdkFormat.open(file, fuzzContext(path, chain));
  } catch (e) {
    await file.close();
    throw e;
  }
  return img;
}

async function exercise(path: string, r: ReturnType<typeof prng>): Promise<void> {
  const img = await openAndRead(path, [path]);
  try {
    const size = img.size;
    if (size === 0) return;
    await img.read(0, Math.min(size, 1024 * 1024 + 65536)); // the data, and the start of the hole
    for (let i = 0; i < 3; i++) {
      const len = 1 + r.int(Math.min(size, 256 * 1024));
      await img.read(Math.floor((r.int(0x7fffffff) / 0x7fffffff) * (size - len)), len);
    }
    await img.read(size - 1, 1);
  } finally {
    await img.close();
  }
}

const fixtures = HAVE_QEMU ? fixtureDir(STREAM_PYTHON ? 'vmdk-fuzz-v2' : 'vmdk-fuzz-v2-nostream', build) : '';
const work = mkdtempSync(join(tmpdir(), 'gg-vmdk-fuzz-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!HAVE_QEMU)('VMDK mutation fuzzing', () => {
  it(`${ITERATIONS} corrupted images fail only with GuestguardError (seed ${SEED})`, { timeout: 120_000 }, async () => {
    // Mutated file → the file the test opens (extent files are reached through their descriptor).
    const opens: Record<string, string> = {
      'fz-ms.vmdk': 'fz-ms.vmdk',
      'fz-so.vmdk': 'fz-so.vmdk',
      'fz-tgs.vmdk': 'fz-tgs.vmdk',
      'fz-tgs-s001.vmdk': 'fz-tgs.vmdk',
      'fz-cowd.vmdk': 'fz-cowd.vmdk',
      'fz-cowd-delta.vmdk': 'fz-cowd.vmdk',
      'fz-se-sesparse.vmdk': 'fz-se.vmdk',
      ...(STREAM_PYTHON ? { 'fz-sf.vmdk': 'fz-sf.vmdk' } : {}),
    };
    const names = Object.keys(opens);
    for (const n of [...names, 'fz-se.vmdk']) copyFileSync(join(fixtures, n), join(work, n));
    const targets: Target[] = names.map((n) => {
      const orig = readFileSync(join(work, n));
      const footer = orig.length >= 1536 && orig.readBigUInt64LE(56) === 0xffffffffffffffffn;
      const headers = footer ? [0, orig.length - 1024] : [0];
      return { path: join(work, n), open: join(work, opens[n]!), orig, hot: hotRanges(orig), headers };
    });
    // Unmutated images must open and read, or the fuzzing proves nothing.
    for (const t of targets) await exercise(t.open, prng(1));

    const r = prng(SEED);
    const bad: string[] = [];
    let failures = 0;
    // Time-boxed so a loaded CI machine still finishes; the count below proves enough ran.
    const deadline = Date.now() + TIME_BUDGET_MS;
    let done = 0;
    for (let i = 0; i < ITERATIONS && bad.length < 5 && Date.now() < deadline; i++, done++) {
      const t = targets[i % targets.length]!;
      const fd = openSync(t.path, 'r+');
      const m = mutate(fd, t, r);
      try {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, rej) => {
          timer = setTimeout(() => rej(new Error(`timed out after ${PER_CASE_TIMEOUT_MS} ms`)), PER_CASE_TIMEOUT_MS);
        });
        try {
          await Promise.race([exercise(t.open, r), timeout]);
        } finally {
          clearTimeout(timer);
        }
      } catch (err) {
        failures++;
        if (!(err instanceof GuestguardError)) bad.push(`#${i} ${t.path} [${m.what}]: ${(err as Error)?.stack ?? String(err)}`);
      } finally {
        restore(fd, t, m);
        closeSync(fd);
      }
    }
    expect(bad).toEqual([]);
    // Most mutations must actually break something, or the mutator is not reaching metadata.
    expect(done).toBeGreaterThanOrEqual(Math.min(ITERATIONS, 1000));
    expect(failures).toBeGreaterThan(done / 10);
  });
});
