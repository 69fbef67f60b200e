/**
 * Test plumbing for the NTFS driver: async cached fixture folders, ntfs-3g FUSE mounts that are
 * always unmounted, ground truth recorded from an ntfs-3g mount, and an in-memory device.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES_ROOT, hasTool, run } from '../../../test/helpers/fixtures.js';
import { walkHostTree, type TreeEntry } from '../../../test/helpers/source-tree.js';

export const NTFS_TOOLS = ['mkntfs', 'ntfs-3g', 'setfattr', 'getfattr', 'blkid', 'umount'];

/**
 * Real ntfs-3g needs FUSE and root (mounting; the shared source tree also chowns and mknods);
 * without them or the tools the image tests are skipped, never faked.
 */
export function canBuildNtfs(): boolean {
  return existsSync('/dev/fuse') && process.getuid?.() === 0 && NTFS_TOOLS.every((t) => hasTool(t));
}

/**
 * Like fixtureDir(), but the builder may be async (walking a FUSE mount is), and test files
 * running in parallel workers that share a fixture wait for one build (a mkdir lock).
 */
export async function asyncFixtureDir(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(FIXTURES_ROOT, name);
  const done = join(dir, '.done');
  const lock = `${dir}.lock`;
  mkdirSync(FIXTURES_ROOT, { recursive: true });
  for (;;) {
    if (existsSync(done)) return dir;
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      // A lock left by a killed run goes stale after 20 minutes.
      if (Date.now() - statSync(lock).mtimeMs > 20 * 60_000) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  try {
    if (existsSync(done)) return dir;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    try {
      await build(dir);
    } finally {
      unmountAll();
    }
    writeFileSync(done, '');
    return dir;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

const mounted = new Set<string>();

/** Mounts an image with ntfs-3g (streams as xattrs, as the driver exposes them). */
export function mountNtfs(img: string, mnt: string, opts: string[] = []): void {
  mkdirSync(mnt, { recursive: true });
  run('ntfs-3g', [img, mnt, '-o', ['streams_interface=xattr', ...opts].join(',')]);
  mounted.add(mnt);
}

export function unmount(mnt: string): void {
  if (!mounted.has(mnt)) return;
  mounted.delete(mnt);
  for (let i = 0; ; i++) {
    try {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
      return;
    } catch (err) {
      // A FUSE mount can stay busy for a moment after the last file is closed.
      if (i >= 20) throw err;
      execFileSync('sleep', ['0.2']);
    }
  }
}

/** Unmounts everything this process mounted (afterAll and builder cleanup; never throws). */
export function unmountAll(): void {
  for (const m of [...mounted]) {
    try {
      unmount(m);
    } catch {
      execFileSync('umount', ['-l', m], { stdio: 'ignore' });
    }
  }
}

/** What ntfs-3g shows for a volume: the walk, ADS as xattrs, link targets, statfs, blkid. */
export interface Ntfs3gTruth {
  mountPoint: string;
  entries: TreeEntry[];
  /** path → xattr name → hex value (user.* = named streams). */
  xattrs: Record<string, Record<string, string>>;
  statfs: { blockSize: number; blocks: number; free: number; files: number; filesFree: number };
  blkid: Record<string, string>;
}

/** Records the truth from a fresh read-only ntfs-3g mount (no cached state from the writer). */
export async function recordTruth(img: string, mnt: string): Promise<Ntfs3gTruth> {
  mountNtfs(img, mnt, ['ro']);
  try {
    const entries = await walkHostTree(mnt);
    const xattrs: Record<string, Record<string, string>> = {};
    let file = '';
    const dump = run('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', mnt]);
    for (const line of dump.split('\n')) {
      if (line.startsWith('# file: ')) {
        file = line.slice(8).slice(mnt.length) || '/';
        continue;
      }
      const eq = line.indexOf('=');
      if (line === '' || (eq < 0 && !line.startsWith('user.'))) continue;
      const name = eq < 0 ? line : line.slice(0, eq);
      const value = eq < 0 ? '' : line.slice(eq + 1).replace(/^0x/, '');
      (xattrs[file] ??= {})[name] = value;
    }
    const [bs, blocks, free, files, filesFree] = run('stat', ['-f', '-c', '%S %b %f %c %d', mnt]).trim().split(' ').map(Number);
    return { mountPoint: mnt, entries, xattrs, statfs: { blockSize: bs!, blocks: blocks!, free: free!, files: files!, filesFree: filesFree! }, blkid: blkid(img) };
  } finally {
    unmount(mnt);
  }
}

export function blkid(img: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of run('blkid', ['-p', '-o', 'export', img]).split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

export function saveTruth(dir: string, truth: Ntfs3gTruth): void {
  writeFileSync(join(dir, 'truth.json'), JSON.stringify(truth));
}

export function loadTruth(dir: string): Ntfs3gTruth {
  return JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Ntfs3gTruth;
}

/** Sets xattrs (any size, binary) through `setfattr --restore`, one process for many. */
export function setXattrs(root: string, attrs: { path: string; name: string; value: Uint8Array }[]): void {
  let dump = '';
  for (const a of attrs) dump += `# file: ${a.path.replace(/^\//, '')}\n${a.name}=0x${Buffer.from(a.value).toString('hex')}\n\n`;
  const f = join(root, '..', `.xattrs-${process.pid}`);
  writeFileSync(f, dump);
  try {
    run('setfattr', [`--restore=${f}`], { cwd: root });
  } finally {
    rmSync(f, { force: true });
  }
}

/** Deterministic bytes (xorshift32) so rebuilt fixtures have identical contents. */
export function seededBytes(n: number, seed: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    b[i] = s & 0xff;
  }
  return b;
}

/** Compressible text: numbered lines with repeating vocabulary. */
export function textBytes(n: number, seed = 1): Buffer {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];
  let s = '';
  for (let i = 0; s.length < n; i++) s += `line ${i} ${words[(i * seed) % 10]} ${words[(i * 7 + seed) % 10]} ${'x'.repeat(i % 13)}\n`;
  return Buffer.from(s.slice(0, n));
}
