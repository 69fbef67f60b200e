/**
 * Test support shared by the vhd, vhdx and vdi test files: whole-device hashing, seeded random
 * ranges, and a fuzz harness that checks every failure on damaged real images is typed.
 * Not used by the product code.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestguardError } from '../../errors.js';
import type { BlockDevice } from '../block-device.js';

/** SHA-256 of the whole device, read in large chunks as a user streaming the disk would. */
export async function deviceSha256(dev: BlockDevice, chunk = 4 * 1024 * 1024): Promise<string> {
  const h = createHash('sha256');
  for (let off = 0; off < dev.size; off += chunk) h.update(await dev.read(off, Math.min(chunk, dev.size - off)));
  return h.digest('hex');
}

/** A small deterministic PRNG (mulberry32) so failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random [offset, length] pairs inside a device: unaligned, small and large, some at the end. */
export function randomRanges(size: number, count: number, seed = 7): [number, number][] {
  const rnd = prng(seed);
  const out: [number, number][] = [[0, Math.min(size, 1)], [Math.max(0, size - 1), Math.min(size, 1)]];
  for (let i = 0; i < count; i++) {
    const maxLen = rnd() < 0.3 ? 5 * 1024 * 1024 : 70_000;
    const len = Math.max(1, Math.min(size, Math.floor(rnd() * maxLen)));
    out.push([Math.floor(rnd() * (size - len + 1)), len]);
  }
  return out;
}

/** Reads `length` bytes of a host file (the expected raw image). */
export async function readFileRange(path: string, offset: number, length: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    if (bytesRead !== length) throw new Error(`short read of ${path}`);
    return buf;
  } finally {
    await fh.close();
  }
}

/** A scratch folder for fuzz mutants, in RAM when /dev/shm exists. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), prefix));
}

/** Reads a little from every `step` bytes of a device and its last bytes: touches every block's mapping cheaply. */
export async function sampleDevice(dev: BlockDevice, step = 256 * 1024, len = 8192): Promise<void> {
  for (let off = 0; off < dev.size; off += step) await dev.read(off, Math.min(len, dev.size - off));
  if (dev.size > 1000) await dev.read(dev.size - 1000, 1000);
}

export interface FuzzOptions {
  /** A small real image. */
  image: Uint8Array;
  /** Where each mutant is written. */
  path: string;
  iterations: number;
  seed: number;
  /** Byte ranges worth mutating most (headers, tables); the rest of the file gets some too. */
  hot: [number, number][];
  /** Opens the mutant and reads from it; must throw only GuestguardErrors. */
  exercise: (path: string) => Promise<void>;
  /** Per-iteration time limit that counts as a hang. */
  timeoutMs?: number;
  /**
   * Checksummed structures: after most mutations their checksum is recomputed (by `fix`, in
   * place) so the damage reaches the parser behind the checksum instead of stopping at it.
   */
  checksummed?: { start: number; length: number; fix: (region: Uint8Array) => void }[];
}

export interface FuzzReport {
  opened: number;
  rejected: Map<string, number>;
}

/**
 * Mutates, truncates and extends a real image many times; any untyped failure or hang fails.
 * The image is written once and each mutant is made (and undone) in place, so an iteration
 * costs a few small writes rather than rewriting the whole file.
 */
export async function fuzzImage(o: FuzzOptions): Promise<FuzzReport> {
  const rnd = prng(o.seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const report: FuzzReport = { opened: 0, rejected: new Map() };
  const orig = o.image;
  await writeFile(o.path, orig);
  const fh = await open(o.path, 'r+');
  try {
    for (let i = 0; i < o.iterations; i++) {
      const undo: (() => Promise<unknown>)[] = [];
      const kind = rnd();
      if (kind < 0.1) {
        const len = pick(orig.length);
        await fh.truncate(len);
        undo.push(() => fh.write(orig, len, orig.length - len, len));
      } else if (kind < 0.15) {
        const extra = new Uint8Array(1 + pick(8192)).map(() => (rnd() < 0.5 ? 0 : pick(256)));
        await fh.write(extra, 0, extra.length, orig.length);
        undo.push(() => fh.truncate(orig.length));
      } else {
        const edits = 1 + pick(8);
        for (let e = 0; e < edits; e++) {
          const [a, b] = rnd() < 0.85 ? o.hot[pick(o.hot.length)]! : [0, orig.length];
          const at = a + pick(Math.max(1, Math.min(b, orig.length) - a));
          if (at >= orig.length) continue;
          const patch = mutation(rnd, pick, Math.min(16, orig.length - at), orig[at]!);
          await fh.write(patch, 0, patch.length, at);
          undo.unshift(() => fh.write(orig, at, patch.length, at));
        }
      }
      for (const c of kind >= 0.15 ? (o.checksummed ?? []) : []) {
        if (rnd() < 0.3 || c.start + c.length > orig.length) continue;
        const region = new Uint8Array(c.length);
        await fh.read(region, 0, c.length, c.start);
        c.fix(region);
        await fh.write(region, 0, c.length, c.start);
        undo.push(() => fh.write(orig, c.start, c.length, c.start));
      }
      let timer: NodeJS.Timeout | undefined;
      const hang = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`iteration ${i} hung`)), o.timeoutMs ?? 5000);
      });
      try {
        await Promise.race([o.exercise(o.path), hang]);
        report.opened++;
      } catch (err) {
        if (!(err instanceof GuestguardError)) {
          throw new Error(`fuzz iteration ${i} (seed ${o.seed}) failed with an untyped error: ${String((err as Error)?.stack ?? err)}`);
        }
        report.rejected.set(err.code, (report.rejected.get(err.code) ?? 0) + 1);
      } finally {
        clearTimeout(timer);
      }
      for (const u of undo) await u();
    }
  } finally {
    await fh.close();
  }
  return report;
}

/** The bytes written by one edit: a random byte, a flipped bit, a run of 0x00/0xff, or a boundary value. */
function mutation(rnd: () => number, pick: (n: number) => number, room: number, current: number): Uint8Array {
  const r = rnd();
  if (r < 0.4) return Uint8Array.of(pick(256));
  if (r < 0.6) return Uint8Array.of(current ^ (1 << pick(8)));
  if (r < 0.8) return new Uint8Array(Math.min(room, 1 + pick(16))).fill(rnd() < 0.5 ? 0 : 0xff);
  const vals = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe, 0x100000, 512];
  const out = new Uint8Array(Math.min(4, room));
  const v = vals[pick(vals.length)]!;
  const le = rnd() < 0.5;
  for (let k = 0; k < out.length; k++) out[k] = (v >>> (8 * (le ? k : 3 - k))) & 0xff;
  return out;
}
