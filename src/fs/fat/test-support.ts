/**
 * Test support for the FAT and exFAT drivers (not used by the product): a source tree with
 * the cases these filesystems make hard (long, Unicode and 8.3 lowercase names, deep paths,
 * thousands of files in one directory, empty and multi-MiB files, edge-of-range timestamps),
 * a host-side scan of it as ground truth, a full driver walk to compare against, an in-memory
 * device for corruption tests and a seeded PRNG.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BlockDevice } from '../../disk/block-device.js';
import { GuestguardError } from '../../errors.js';
import type { FileSystemDriver, NodeRef, Stat } from '../types.js';

/** Small fast seeded PRNG (mulberry32) so fixtures and fuzz runs are reproducible. */
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

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = Math.floor(r() * 4294967296);
    for (let k = 0; k < 4 && i + k < n; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
  }
  return out;
}

export interface TreeOptions {
  /** Files with 8.3 names in many/ (a directory spanning many clusters). */
  many: number;
  /** Files with long names in many/ (every one needs an LFN set and an 8.3 alias with a ~N tail). */
  manyLong: number;
  /** Size of big.bin. */
  bigBytes: number;
  /** Nesting depth of deep/. */
  depth: number;
  /** Add a name outside the BMP (UTF-16 surrogate pair); mtools cannot write one (it keeps 16 bits). */
  nonBmpName?: boolean;
}

export const NON_BMP_NAME = '🎉 emoji party.txt';

/** Default mtime of the tree: an odd second, so FAT's 2-second rounding shows. */
export const TREE_MTIME = Date.UTC(2020, 4, 6, 7, 8, 9) / 1000;

/** Files with special timestamps (UTC): FAT's range ends and the non-leap year 2100. */
export const TIMED_FILES: Record<string, number> = {
  'times/y1980.txt': Date.UTC(1980, 0, 1, 0, 0, 0) / 1000,
  'times/odd-second.txt': Date.UTC(2021, 2, 4, 5, 6, 7) / 1000,
  'times/leap-2024.txt': Date.UTC(2024, 1, 29, 12, 0, 0) / 1000,
  'times/y2100-mar.txt': Date.UTC(2100, 2, 1, 0, 0, 2) / 1000,
  'times/y2107.txt': Date.UTC(2107, 11, 31, 23, 59, 58) / 1000,
};

/** Names that exercise the FAT name rules, each with a case-swapped variant for lookups. */
export const SPECIAL_NAMES = [
  'readme.txt', // 8.3 all lowercase: NT lowercase flags, no LFN
  'UPPER.TXT',
  'lower.TXT', // lowercase base only
  'UP.txt', // lowercase extension only
  'MixedCase.Txt',
  'A very long file name that exceeds eight dot three.data',
  'archive.tar.gz',
  '.dotfile',
  'name with  two  spaces.txt',
  'Ünïcødé файл 日本.txt',
  'Ärger über Öl.txt',
];

/** Writes the source tree under `root` and sets every mtime. */
export function buildSourceTree(root: string, opts: TreeOptions): void {
  const file = (rel: string, data: Uint8Array | string) => {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
  };
  let seed = 1;
  for (const n of SPECIAL_NAMES) file(n, `content of ${n}\n`);
  if (opts.nonBmpName) file(NON_BMP_NAME, 'surrogate pairs\n');
  file('readonly.txt', 'made read-only through the FAT attribute\n');
  file('hidden.txt', 'hidden attribute\n');
  file('empty.bin', '');
  mkdirSync(join(root, 'emptydir'), { recursive: true });
  file('big.bin', randomBytes(opts.bigBytes, seed++));
  file('odd-size.bin', randomBytes(12345, seed++));
  let deep = 'deep';
  for (let i = 1; i <= opts.depth; i++) deep += `/level-${i}`;
  file(`${deep}/bottom.txt`, 'at the bottom\n');
  file(`${deep}/empty.dat`, '');
  file('case/Alpha.txt', 'alpha\n');
  file('case/ÄÖÜ.txt', 'umlauts\n');
  for (let i = 0; i < opts.many; i++) file(`many/f${String(i).padStart(5, '0')}.txt`, `file ${i}\n`.repeat(1 + (i % 7)));
  for (let i = 0; i < opts.manyLong; i++) file(`many/a long file name, number ${i}.text`, `long ${i}\n`);
  for (const rel of Object.keys(TIMED_FILES)) file(rel, `${rel}\n`);
  setTimes(root, '');
}

function setTimes(root: string, rel: string): void {
  const p = join(root, rel);
  if (lstatSync(p).isDirectory()) {
    for (const n of readdirSync(p)) setTimes(root, rel ? `${rel}/${n}` : n);
  }
  const t = TIMED_FILES[rel] ?? TREE_MTIME;
  utimesSync(p, t, t);
}

export interface HostNode {
  type: 'file' | 'dir';
  size: number;
  mtime: number;
  sha256?: string;
  /** Directories: number of subdirectories. */
  subdirs?: number;
}

/** lstat walk of a host tree: "/a/b" → node. */
export function scanHostTree(root: string): Map<string, HostNode> {
  const out = new Map<string, HostNode>();
  const walk = (rel: string) => {
    const p = join(root, rel);
    const st = lstatSync(p);
    if (st.isDirectory()) {
      const names = readdirSync(p);
      let subdirs = 0;
      for (const n of names) {
        if (lstatSync(join(p, n)).isDirectory()) subdirs++;
        walk(`${rel}/${n}`);
      }
      if (rel) out.set(rel, { type: 'dir', size: 0, mtime: Math.floor(st.mtimeMs / 1000), subdirs });
    } else {
      const data = readFileSync(p);
      out.set(rel, { type: 'file', size: st.size, mtime: Math.floor(st.mtimeMs / 1000), sha256: createHash('sha256').update(data).digest('hex') });
    }
  };
  walk('');
  return out;
}

export interface WalkedNode {
  node: NodeRef;
  stat: Stat;
  sha256?: string;
}

export interface WalkLimits {
  maxNodes?: number;
  maxDepth?: number;
  /** Bytes read per file (the rest is skipped); Infinity reads everything. */
  maxRead?: number;
  chunk?: number;
}

/** Walks a driver from its root: readdir, stat and (hashed) reads of every file. */
export async function walkFs(fs: FileSystemDriver, limits: WalkLimits = {}): Promise<Map<string, WalkedNode>> {
  const maxNodes = limits.maxNodes ?? Infinity;
  const maxDepth = limits.maxDepth ?? 64;
  const maxRead = limits.maxRead ?? Infinity;
  const chunk = limits.chunk ?? 1 << 20;
  const out = new Map<string, WalkedNode>();
  const walk = async (dir: NodeRef, path: string, depth: number): Promise<void> => {
    for (const e of await fs.readdir(dir)) {
      if (out.size >= maxNodes) return;
      const p = `${path}/${e.name}`;
      const stat = await fs.stat(e.node);
      const w: WalkedNode = { node: e.node, stat };
      out.set(p, w);
      if (stat.type === 'dir') {
        if (depth < maxDepth) await walk(e.node, p, depth + 1);
      } else {
        const h = createHash('sha256');
        const limit = Math.min(stat.size, maxRead);
        for (let off = 0; off < limit; off += chunk) {
          const b = await fs.read(e.node, off, Math.min(chunk, limit - off));
          if (b.length === 0) break;
          h.update(b);
        }
        w.sha256 = h.digest('hex');
      }
    }
  };
  await walk(await fs.root(), '', 0);
  return out;
}

/** A device over bytes in memory, with optional byte patches laid over them (for fuzzing). */
export class MemoryDevice implements BlockDevice {
  readonly size: number;
  reads = 0;
  constructor(
    private readonly bytes: Uint8Array,
    readonly name = 'memory',
    private readonly patches: Map<number, number> = new Map(),
  ) {
    this.size = bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new GuestguardError('OUT_OF_RANGE', `read ${offset}+${length} outside ${this.size}`, { offset });
    }
    this.reads++;
    const out = this.bytes.slice(offset, offset + length);
    for (const [o, v] of this.patches) if (o >= offset && o < offset + length) out[o - offset] = v;
    return out;
  }
  async close(): Promise<void> {}
}

/** Unmounts whatever is mounted below `dir` and detaches loop devices backed by files in it. */
export function cleanupMounts(dir: string, sh: (cmd: string, args: string[]) => string): void {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m.startsWith(`${dir}/`));
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    try {
      sh('umount', [m]);
    } catch {
      sh('umount', ['-l', m]);
    }
  }
  for (const line of sh('losetup', ['-a']).split('\n')) {
    const m = /^(\/dev\/loop\d+):.*\((.*)\)/.exec(line);
    if (m && m[2]!.startsWith(`${dir}/`)) {
      try {
        sh('losetup', ['-d', m[1]!]);
      } catch {
        // Already gone.
      }
    }
  }
}

export interface FuzzStats {
  iterations: number;
  opened: number;
  walkedClean: number;
  errors: Map<string, number>;
  slowest: number;
}

export interface FuzzOptions {
  base: Uint8Array;
  iterations: number;
  seed: number;
  open: (dev: BlockDevice) => Promise<FileSystemDriver>;
  /** Adds byte patches for one iteration; returns a description for failure messages. */
  mutate: (rnd: () => number, patches: Map<number, number>) => string;
  /** Extra probing after open (probe functions, lookups...). */
  extra?: (dev: BlockDevice, fs: FileSystemDriver | undefined) => Promise<unknown>;
}

/**
 * Opens and walks `iterations` mutated copies of an image. Every failure must be a
 * GuestguardError; anything else (TypeError, RangeError, a hang caught by the test timeout)
 * fails the run with the seed and mutation that caused it.
 */
export async function fuzz(opts: FuzzOptions): Promise<FuzzStats> {
  const stats: FuzzStats = { iterations: 0, opened: 0, walkedClean: 0, errors: new Map(), slowest: 0 };
  const rnd = prng(opts.seed);
  for (let i = 0; i < opts.iterations; i++) {
    const patches = new Map<number, number>();
    const what = opts.mutate(rnd, patches);
    const dev = new MemoryDevice(opts.base, `fuzz-${i}`, patches);
    const t0 = performance.now();
    let fs: FileSystemDriver | undefined;
    try {
      fs = await opts.open(dev);
      stats.opened++;
      await walkFs(fs, { maxNodes: 400, maxDepth: 12, maxRead: 256 * 1024, chunk: 64 * 1024 });
      await fs.statfs();
      for (const name of ['readme.txt', 'SUB', 'missing']) await fs.lookup(await fs.root(), name);
      stats.walkedClean++;
    } catch (err) {
      if (!(err instanceof GuestguardError)) {
        throw new Error(`iteration ${i} (seed ${opts.seed}, ${what}) threw a non-Guestguard error: ${String((err as Error)?.stack ?? err)}`);
      }
      stats.errors.set(err.code, (stats.errors.get(err.code) ?? 0) + 1);
    }
    try {
      await opts.extra?.(dev, fs);
    } catch (err) {
      if (!(err instanceof GuestguardError)) throw new Error(`iteration ${i} (${what}) extra check threw: ${String(err)}`);
    }
    stats.slowest = Math.max(stats.slowest, performance.now() - t0);
    stats.iterations++;
  }
  return stats;
}

/** Patches `n` bytes of little-endian `value` at `offset`. */
export function patchLE(patches: Map<number, number>, offset: number, value: number, n: number): void {
  for (let k = 0; k < n; k++) patches.set(offset + k, Math.floor(value / 2 ** (8 * k)) & 0xff);
}

export function pick<T>(rnd: () => number, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}
