/**
 * A deterministic "everything a filesystem must preserve" host directory tree, plus walkers
 * that list a host tree and a FileSystemDriver in the same shape so tests can diff them.
 *
 * makeSourceTree needs root (chown, mknod) and the attr package (setfattr); the tree lives on
 * the host filesystem, which must support user.* xattrs and POSIX ACLs (ext4, xfs, btrfs do).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { FileSystemDriver, FileType, NodeRef } from '../../src/fs/types.js';

export type TreeSize = 'small' | 'full';

export interface TreeEntry {
  /** "/"-rooted path inside the tree ("/" is the root itself). */
  path: string;
  type: FileType;
  /** mode & 0o7777 */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Whole seconds since the epoch (floor) and the nanoseconds within that second. */
  mtime: number;
  mtimeNs: number;
  nlink: number;
  rdev?: { major: number; minor: number };
  /** Symlink target. */
  target?: string;
  /** SHA-256 (hex) of a regular file's contents. */
  sha256?: string;
}

export interface SourceTreeManifest {
  size: TreeSize;
  /** Extended attributes set on paths: path → name → value (hex). POSIX ACLs use their xattr form. */
  xattrs: Record<string, Record<string, string>>;
  /** Groups of paths that are hard links of one file. */
  hardLinks: string[][];
  /** The directory with many entries (htree material) and how many entries it has. */
  bigDir: string;
  bigDirEntries: number;
  /** The > 100 MiB sparse file and the dense random file. */
  hugeSparseFile: string;
  denseFile: string;
  /** Paths whose mtime has sub-second precision (tools that drop nanoseconds keep only seconds). */
  nanosecondPaths: string[];
  /** Paths dated before 1970. */
  pre1970Paths: string[];
}

const MiB = 1024 * 1024;

/** Small seeded PRNG (xorshift32) so every build of the tree has identical contents. */
function prng(seed: number): (n: number) => Buffer {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      b[i] = s & 0xff;
    }
    return b;
  };
}

/** The manifest of makeSourceTree(…, {size}); pure, so cached trees need no stored copy. */
export function sourceTreeManifest(size: TreeSize): SourceTreeManifest {
  const aclAccess = posixAclXattr([
    [0x01, 6, 0xffffffff], // user::rw-
    [0x02, 4, 1000], // user:1000:r--
    [0x04, 4, 0xffffffff], // group::r--
    [0x08, 6, 2000], // group:2000:rw-
    [0x10, 6, 0xffffffff], // mask::rw-
    [0x20, 0, 0xffffffff], // other::---
  ]);
  const aclDefault = posixAclXattr([
    [0x01, 7, 0xffffffff],
    [0x04, 5, 0xffffffff],
    [0x20, 5, 0xffffffff],
  ]);
  const big = Buffer.from(prng(77)(900)).toString('hex');
  return {
    size,
    xattrs: {
      '/xattr/small': { 'user.comment': Buffer.from('hello xattr').toString('hex'), 'user.empty': '', 'user.bin': '00ff10ee' },
      '/xattr/big-value': { 'user.big': big },
      '/xattr/many': Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`user.attr${String(i).padStart(2, '0')}`, Buffer.from(`value number ${i}`).toString('hex')])),
      '/xattr/trusted': { 'trusted.overlay.opaque': Buffer.from('y').toString('hex'), 'security.label': Buffer.from('guest_t\0').toString('hex') },
      '/xattr/dir-with-xattr': { 'user.dirattr': Buffer.from('on a directory').toString('hex') },
      '/xattr/acl': { 'system.posix_acl_access': aclAccess.toString('hex') },
      '/xattr/acl-dir': { 'system.posix_acl_default': aclDefault.toString('hex') },
    },
    hardLinks: [['/links/hard-a', '/links/hard-b', '/tree/d00/hard-c']],
    bigDir: '/bigdir',
    bigDirEntries: size === 'full' ? 100_000 : 3000,
    hugeSparseFile: '/sparse/huge',
    denseFile: '/dense/random',
    nanosecondPaths: ['/times/nanoseconds'],
    pre1970Paths: ['/times/pre-1970'],
  };
}

function posixAclXattr(entries: [number, number, number][]): Buffer {
  const b = Buffer.alloc(4 + entries.length * 8);
  b.writeUInt32LE(2, 0);
  entries.forEach(([tag, perm, id], i) => {
    b.writeUInt16LE(tag, 4 + i * 8);
    b.writeUInt16LE(perm, 6 + i * 8);
    b.writeUInt32LE(id, 8 + i * 8);
  });
  return b;
}

/**
 * Builds the tree under `dir` (created; must not exist or be empty). Synchronous so it can run
 * inside fixtureDir(). 'small': ~3300 entries (3000 in one directory), ~5 MiB of data on disk;
 * 'full': thousands of files in more and deeper directories and a 100k-entry directory.
 */
export function makeSourceTree(dir: string, opts: { size: TreeSize }): SourceTreeManifest {
  const full = opts.size === 'full';
  const m = sourceTreeManifest(opts.size);
  const rnd = prng(12345);
  const p = (rel: string) => join(dir, rel);
  const mkdir = (rel: string) => fs.mkdirSync(p(rel), { recursive: true });
  const write = (rel: string, data: Uint8Array | string) => fs.writeFileSync(p(rel), data);
  fs.mkdirSync(dir, { recursive: true });

  write('README.txt', 'guestguard filesystem test tree\n');
  write('empty', '');

  // Sizes around inline-data (60 bytes, ~160 with xattr space), block and indirect-block edges.
  mkdir('sizes');
  for (const n of [1, 59, 60, 61, 100, 150, 160, 200, 511, 512, 1023, 1024, 1025, 4095, 4096, 4097, 12288, 12289, 49152, 65536, 65537, 1048577]) {
    write(`sizes/f-${n}`, rnd(n));
  }

  // Deep nesting (long paths) with a file at every level.
  let deep = 'deep';
  for (let i = 0; i < (full ? 40 : 24); i++) {
    deep += `/level-${String(i).padStart(2, '0')}`;
    mkdir(deep);
    write(`${deep}/file.txt`, `depth ${i}\n`);
  }

  // Many files in nested directories.
  const dirs = full ? 60 : 8;
  const perDir = full ? 50 : 15;
  for (let d = 0; d < dirs; d++) {
    const base = `tree/d${String(d).padStart(2, '0')}`;
    mkdir(`${base}/sub`);
    for (let f = 0; f < perDir; f++) {
      const sz = (d * 131 + f * 977) % (full ? 4000 : 20000);
      write(`${f % 3 === 0 ? `${base}/sub` : base}/file-${f}.dat`, rnd(sz));
    }
  }

  // Names: longest legal ASCII and UTF-8 names, unicode, NFC vs NFD twins, awkward characters.
  mkdir('names');
  write(`names/${'L'.repeat(255)}`, 'longest ascii name\n');
  write(`names/${'€'.repeat(85)}`, '255-byte utf-8 name\n');
  for (const n of ['héllo wörld.txt', '日本語のファイル名.txt', 'emoji-😀🎉.bin', 'caf\u00e9-nfc', 'cafe\u0301-nfd', 'with space', "quote'\"chars", '-leading-dash', 'semi;colon&amp', 'Ωmega-ελληνικά', 'кириллица']) {
    write(`names/${n}`, `name: ${n}\n`);
  }
  mkdir(`names/${'D'.repeat(255)}`);
  write(`names/${'D'.repeat(255)}/inside`, 'x');

  // Links: hard links across directories, absolute/relative/dangling/looping symlinks,
  // fast (< 60 bytes) and slow symlinks, and targets right at the 60-byte boundary.
  mkdir('links');
  write('links/hard-a', 'shared by three names\n');
  fs.linkSync(p('links/hard-a'), p('links/hard-b'));
  fs.linkSync(p('links/hard-a'), p('tree/d00/hard-c'));
  const sym = (target: string, rel: string) => fs.symlinkSync(target, p(rel));
  sym('/etc/passwd', 'links/absolute');
  sym('../sizes/f-100', 'links/relative');
  sym('does/not/exist', 'links/dangling');
  sym('../deep', 'links/to-dir');
  sym('loop-b', 'links/loop-a');
  sym('loop-a', 'links/loop-b');
  sym('日本語のファイル名.txt', 'links/unicode-target');
  sym(`../${'x'.repeat(200)}/slow/target`, 'links/slow');
  for (const n of [59, 60, 61]) sym('t'.repeat(n), `links/len-${n}`);

  // Sparse files: holes at the start, middle and end; one far beyond 100 MiB.
  mkdir('sparse');
  const sparse = (rel: string, size: number, chunks: [number, number][]) => {
    const fd = fs.openSync(p(rel), 'w');
    for (const [off, len] of chunks) fs.writeSync(fd, rnd(len), 0, len, off);
    fs.ftruncateSync(fd, size);
    fs.closeSync(fd);
  };
  sparse('sparse/holes', 10 * MiB, [[0, 5000], [3 * MiB + 123, 70000], [10 * MiB - 1, 1]]);
  sparse('sparse/huge', 130 * MiB + 77, [[0, 4096], [1 * MiB, 100], [64 * MiB + 5, 8192], [129 * MiB, 50000], [130 * MiB + 70, 7]]);
  sparse('sparse/trailing-hole', 1 * MiB, [[0, 5000]]);
  sparse('sparse/leading-hole', 2 * MiB + 4097, [[2 * MiB + 1, 4096]]);
  sparse('sparse/all-hole', 5 * MiB, []);

  mkdir('dense');
  write('dense/random', rnd((full ? 6 : 3) * MiB + 17));

  // Special files.
  mkdir('special');
  execFileSync('mkfifo', [p('special/fifo')]);
  execFileSync('mknod', [p('special/char-1-3'), 'c', '1', '3']);
  execFileSync('mknod', [p('special/block-8-1'), 'b', '8', '1']);
  execFileSync('mknod', [p('special/char-300-70000'), 'c', '300', '70000']);
  execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(p('special/socket'))}, () => process.exit(0))`]);

  // Permission bits and owners, including 32-bit ids.
  mkdir('modes');
  for (const [name, mode] of [['m0000', 0o000], ['m0444', 0o444], ['m0600', 0o600], ['m0755', 0o755], ['m4755', 0o4755], ['m2755', 0o2755], ['m6711', 0o6711]] as const) {
    write(`modes/${name}`, name);
    fs.chmodSync(p(`modes/${name}`), mode);
  }
  mkdir('modes/sticky-dir');
  fs.chmodSync(p('modes/sticky-dir'), 0o1777);
  mkdir('modes/private-dir');
  fs.chmodSync(p('modes/private-dir'), 0o700);
  mkdir('owners');
  for (const [uid, gid] of [[0, 0], [1000, 1000], [65534, 65534], [100000, 200000], [3000000000, 3000000001]] as const) {
    write(`owners/u${uid}-g${gid}`, `${uid}:${gid}`);
    fs.chownSync(p(`owners/u${uid}-g${gid}`), uid, gid);
  }
  fs.lchownSync(p('links/relative'), 4242, 4343);

  // Extended attributes (setfattr --restore sets them all in one process).
  mkdir('xattr/dir-with-xattr');
  mkdir('xattr/acl-dir');
  for (const f of ['small', 'big-value', 'many', 'trusted', 'acl']) write(`xattr/${f}`, `xattr test ${f}\n`);
  let dump = '';
  for (const [path, attrs] of Object.entries(m.xattrs)) {
    dump += `# file: ${path.slice(1)}\n`;
    for (const [name, hex] of Object.entries(attrs)) dump += hex === '' ? `${name}\n` : `${name}=0x${hex}\n`;
    dump += '\n';
  }
  const dumpFile = join(dir, '..', `.xattrs-${process.pid}`);
  fs.writeFileSync(dumpFile, dump);
  try {
    execFileSync('setfattr', [`--restore=${dumpFile}`], { cwd: dir });
  } finally {
    fs.rmSync(dumpFile, { force: true });
  }

  // A directory with enough entries to need an htree index; names of varying length.
  mkdir('bigdir');
  for (let i = 0; i < m.bigDirEntries; i++) {
    const name = i % 7 === 0 ? `entry-${String(i).padStart(6, '0')}-${'n'.repeat(i % 50)}` : `entry-${String(i).padStart(6, '0')}`;
    fs.closeSync(fs.openSync(p(`bigdir/${name}`), 'w'));
  }

  // Timestamps last (creating entries updates directory mtimes): children before parents.
  const all = listRecursive(dir).reverse();
  let t = 1_600_000_000;
  for (const rel of all) {
    if (rel.startsWith('bigdir/') || rel === 'times') continue;
    t += 37;
    fs.lutimesSync(p(rel), t, t);
  }
  mkdir('times');
  const touch = (rel: string, date: string) => {
    write(rel, date);
    execFileSync('touch', ['-d', date, p(rel)]);
  };
  touch('times/epoch', '1970-01-01 00:00:00 UTC');
  touch('times/pre-1970', '1960-06-15 12:30:45 UTC');
  touch('times/y2k', '2000-01-01 00:00:00 UTC');
  touch('times/nanoseconds', '2001-02-03 04:05:06.123456789 UTC');
  touch('times/int32-max', '2038-01-19 03:14:07 UTC');
  fs.utimesSync(p('times'), 1_500_000_000, 1_500_000_000);
  fs.utimesSync(p('bigdir'), 1_500_000_001, 1_500_000_001);
  fs.utimesSync(dir, 1_400_000_000, 1_400_000_000);
  return m;
}

function listRecursive(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(rel === '' ? dir : join(dir, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(r);
      if (e.isDirectory()) walk(r);
    }
  };
  walk('');
  return out;
}

function hostType(st: fs.BigIntStats): FileType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

function hashFileSync(path: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(4 * MiB);
  const fd = fs.openSync(path, 'r');
  try {
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** Recursive lstat listing of a host directory, sorted by path, with SHA-256 per regular file. */
export function walkHostTreeSync(dir: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  const visit = (rel: string) => {
    const abs = rel === '' ? dir : join(dir, rel);
    const st = fs.lstatSync(abs, { bigint: true });
    const type = hostType(st);
    const ns = st.mtimeNs;
    const sec = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
    const e: TreeEntry = {
      path: rel === '' ? '/' : `/${rel}`,
      type,
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: Number(st.size),
      mtime: Number(sec),
      mtimeNs: Number(ns - sec * 1_000_000_000n),
      nlink: Number(st.nlink),
    };
    if (type === 'chardev' || type === 'blockdev') {
      const r = st.rdev;
      e.rdev = { major: Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn)), minor: Number((r & 0xffn) | ((r >> 12n) & ~0xffn)) };
    }
    if (type === 'symlink') e.target = fs.readlinkSync(abs, 'utf8');
    if (type === 'file') e.sha256 = hashFileSync(abs);
    out.push(e);
    if (type === 'dir') for (const name of fs.readdirSync(abs)) visit(rel === '' ? name : `${rel}/${name}`);
  };
  visit('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Async form of walkHostTreeSync (same result). */
export async function walkHostTree(dir: string): Promise<TreeEntry[]> {
  return walkHostTreeSync(dir);
}

/** The same listing produced through a FileSystemDriver (readdir/stat/readlink/read only). */
export async function walkDriverTree(driver: FileSystemDriver, opts: { chunk?: number; skip?: (path: string) => boolean } = {}): Promise<TreeEntry[]> {
  const chunk = opts.chunk ?? 8 * MiB;
  const out: TreeEntry[] = [];
  const seenDirs = new Set<NodeRef>();
  const visit = async (path: string, node: NodeRef) => {
    const st = await driver.stat(node);
    const e: TreeEntry = {
      path,
      type: st.type,
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      mtime: st.mtime,
      mtimeNs: st.mtimeNs ?? 0,
      nlink: st.nlink,
    };
    if (st.rdev) e.rdev = st.rdev;
    if (st.type === 'symlink') e.target = await driver.readlink(node);
    if (st.type === 'file') {
      const h = createHash('sha256');
      for (let off = 0; off < st.size; off += chunk) h.update(await driver.read(node, off, Math.min(chunk, st.size - off)));
      e.sha256 = h.digest('hex');
    }
    out.push(e);
    if (st.type === 'dir') {
      if (seenDirs.has(node)) throw new Error(`directory cycle at ${path}`);
      seenDirs.add(node);
      for (const d of await driver.readdir(node)) {
        const child = path === '/' ? `/${d.name}` : `${path}/${d.name}`;
        if (!opts.skip?.(child)) await visit(child, d.node);
      }
    }
  };
  await visit('/', await driver.root());
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export type TreeField = keyof TreeEntry;

/**
 * Differences between two listings, one line each ("missing", "extra", or "path: field a != b").
 * `ignore` drops fields from the comparison; `fieldFilter` can exempt single entries.
 */
export function diffTrees(
  expected: TreeEntry[],
  actual: TreeEntry[],
  opts: { ignore?: TreeField[]; skip?: (path: string) => boolean; fieldFilter?: (e: TreeEntry, field: TreeField) => boolean } = {},
): string[] {
  const ignore = new Set<TreeField>(opts.ignore ?? []);
  const byPath = new Map(actual.map((e) => [e.path, e]));
  const diffs: string[] = [];
  const seen = new Set<string>();
  for (const e of expected) {
    if (opts.skip?.(e.path)) continue;
    seen.add(e.path);
    const a = byPath.get(e.path);
    if (!a) {
      diffs.push(`missing: ${e.path}`);
      continue;
    }
    const fields = new Set<TreeField>([...(Object.keys(e) as TreeField[]), ...(Object.keys(a) as TreeField[])]);
    for (const f of fields) {
      if (ignore.has(f) || f === 'path') continue;
      if (opts.fieldFilter && !opts.fieldFilter(e, f)) continue;
      const x = JSON.stringify(e[f]);
      const y = JSON.stringify(a[f]);
      if (x !== y) diffs.push(`${e.path}: ${f} ${x} != ${y}`);
    }
  }
  for (const a of actual) if (!seen.has(a.path) && !opts.skip?.(a.path)) diffs.push(`extra: ${a.path}`);
  return diffs;
}

/** Resolves a "/"-rooted path by lookup() of each component (no symlink following). */
export async function resolveDriverPath(driver: FileSystemDriver, path: string): Promise<NodeRef | undefined> {
  let node: NodeRef | undefined = await driver.root();
  for (const part of path.split('/').filter((p) => p !== '')) {
    node = await driver.lookup(node, part);
    if (node === undefined) return undefined;
  }
  return node;
}

/** Hex-encodes a driver's xattrs map for comparison with SourceTreeManifest.xattrs. */
export function xattrsToHex(m: Map<string, Uint8Array>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) out[k] = Buffer.from(v).toString('hex');
  return out;
}
