/**
 * Test support (not used by the product): builds a varied host directory tree to load into
 * real btrfs images, and records a mounted filesystem as ground truth. Runs as root (device
 * nodes, owners); uses python3 only for sockets and extended attributes.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, symlinkSync, linkSync, writeSync, writeFileSync, chmodSync, lchownSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import type { FileSystemDriver, NodeRef } from '../types.js';

export type TreeSize = 'small' | 'full';

/** One filesystem object, as both the host walk and the driver walk record it. */
export interface TreeRecord {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo' | 'socket';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  ino: number;
  mtime: number;
  mtimeNs: number;
  target?: string;
  sha256?: string;
  rdev?: { major: number; minor: number };
  xattrs?: Record<string, string>;
}

/** Deterministic bytes: xorshift32 noise (incompressible) for a seed. */
export function noise(length: number, seed: number): Buffer {
  const b = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

/** Compressible but not trivial text: numbered lines with varying words. */
export function text(length: number, seed: number): Buffer {
  const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima'];
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < length; i++) {
    const line = `${seed}:${i} ${words[(i * 7 + seed) % words.length]} ${words[(i * 3) % words.length]} ${(i * 2654435761) % 100000}\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, length);
}

function writeAt(path: string, chunks: [number, Buffer][], size?: number): void {
  const fd = openSync(path, 'w');
  try {
    for (const [pos, data] of chunks) writeSync(fd, data, 0, data.length, pos);
    if (size !== undefined) ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

function python(script: string, args: string[]): string {
  return execFileSync('python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 256 << 20 });
}

/** Sets a fixed timestamp with nanoseconds (touch keeps them; Node's utimes would round). */
function touch(path: string, when: string): void {
  execFileSync('touch', ['-h', '-d', when, path]);
}

/** Creates the test tree under `dir` (which must exist and be empty). */
export function makeBtrfsTestTree(dir: string, size: TreeSize = 'small'): void {
  const p = (...s: string[]) => join(dir, ...s);
  for (const d of ['text', 'bin', 'sparse', 'links', 'hard', 'dev', 'perms', 'owners', 'many', 'deep/a/b/c/d/e/f/g', 'unicode', 'xattr', 'empty-dir']) {
    mkdirSync(p(d), { recursive: true });
  }
  writeFileSync(p('hello.txt'), 'hello, btrfs\n');
  writeFileSync(p('empty'), '');
  const textSizes = size === 'full' ? [1, 100, 2047, 2048, 3000, 4095, 4096, 4097, 70000, 131072, 131073, 300000, 2_500_000, 9_000_000] : [1, 100, 2048, 3000, 4096, 4097, 70000, 131073, 300000, 1_500_000];
  textSizes.forEach((n, i) => writeFileSync(p('text', `t${n}.txt`), text(n, i + 1)));
  writeFileSync(p('bin', 'random-5000'), noise(5000, 11));
  writeFileSync(p('bin', 'random-1M'), noise(size === 'full' ? 4 << 20 : 1 << 20, 12));
  // Half compressible, half not, in 64 KiB pieces: mixes compressed and plain extents in one file.
  const mixed = Buffer.concat(Array.from({ length: 16 }, (_, i) => (i % 2 ? noise(65536, 100 + i) : text(65536, 100 + i))));
  writeFileSync(p('bin', 'mixed'), mixed);
  writeAt(p('sparse', 'hole-middle'), [[0, text(100_000, 21)], [3 << 20, text(200_000, 22)]]);
  writeAt(p('sparse', 'hole-end'), [[0, noise(70_000, 23)]], 5 << 20);
  writeAt(p('sparse', 'all-hole'), [], 3 << 20);
  writeAt(p('sparse', 'hole-start'), [[2 << 20, text(5000, 24)]]);
  symlinkSync('../hello.txt', p('links', 'rel'));
  symlinkSync('/etc/passwd', p('links', 'abs'));
  symlinkSync('does/not/exist', p('links', 'dangling'));
  symlinkSync('x/'.repeat(500) + 'end', p('links', 'long'));
  symlinkSync('deep/a/b', p('links-to-dir'));
  writeFileSync(p('hard', 'a'), text(9000, 31));
  linkSync(p('hard', 'a'), p('hard', 'b'));
  linkSync(p('hard', 'a'), p('many', 'hardlink-to-a'));
  execFileSync('mknod', [p('dev', 'null'), 'c', '1', '3']);
  execFileSync('mknod', [p('dev', 'sda1'), 'b', '8', '1']);
  execFileSync('mknod', [p('dev', 'bigminor'), 'c', '240', '70000']);
  execFileSync('mkfifo', [p('dev', 'fifo')]);
  python('import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', [p('dev', 'socket')]);
  writeFileSync(p('perms', 'setuid'), '#!/bin/sh\n');
  chmodSync(p('perms', 'setuid'), 0o4755);
  writeFileSync(p('perms', 'setgid'), 'x');
  chmodSync(p('perms', 'setgid'), 0o2711);
  writeFileSync(p('perms', 'private'), 'secret');
  chmodSync(p('perms', 'private'), 0o600);
  writeFileSync(p('perms', 'none'), 'none');
  chmodSync(p('perms', 'none'), 0);
  mkdirSync(p('perms', 'sticky'));
  chmodSync(p('perms', 'sticky'), 0o1777);
  writeFileSync(p('owners', 'user'), 'u');
  lchownSync(p('owners', 'user'), 1000, 1000);
  writeFileSync(p('owners', 'nobody'), 'n');
  lchownSync(p('owners', 'nobody'), 65534, 65534);
  symlinkSync('user', p('owners', 'link'));
  lchownSync(p('owners', 'link'), 1234, 5678);
  const many = size === 'full' ? 2000 : 400;
  for (let i = 0; i < many; i++) writeFileSync(p('many', `file-${String(i).padStart(4, '0')}-${'n'.repeat(i % 40)}`), i % 3 ? String(i) : '');
  writeFileSync(p('deep/a/b/c/d/e/f/g', 'leaf.txt'), 'deep\n');
  for (const name of ['héllo wörld.txt', '日本語のファイル', 'emoji-🦀', 'space name', 'tab\tname', "quote'\"", 'x'.repeat(255)]) {
    writeFileSync(p('unicode', name), name);
  }
  writeFileSync(p('xattr', 'file'), 'has xattrs');
  mkdirSync(p('xattr', 'dir'));
  python(
    [
      'import os,sys',
      'f=sys.argv[1]; d=sys.argv[2]',
      'os.setxattr(f,"user.plain",b"value")',
      'os.setxattr(f,"user.binary",bytes(range(256)))',
      'os.setxattr(f,"user.empty",b"")',
      'os.setxattr(f,"user.big",b"B"*3000)',
      'os.setxattr(f,"trusted.secret",b"t")',
      'os.setxattr(d,"user.on-dir",b"dir")',
    ].join('\n'),
    [p('xattr', 'file'), p('xattr', 'dir')],
  );
  touch(p('hello.txt'), '2001-02-03 04:05:06.123456789');
  touch(p('links', 'rel'), '1999-12-31 23:59:59.999999999');
  touch(p('text'), '2020-01-01 00:00:00.5');
  // A pre-1970 timestamp exercises signed seconds.
  touch(p('perms', 'none'), '1960-06-01 12:00:00');
}

/** Records every object under `root` (the root itself as "/"), with content hashes and xattrs. */
export function walkHostTree(root: string): TreeRecord[] {
  const out: TreeRecord[] = [];
  const xattrs = JSON.parse(
    python(
      [
        'import os,sys,json',
        'r=sys.argv[1]; out={}',
        'for dp,dn,fn in os.walk(r):',
        '  for n in [""]+dn+fn:',
        '    full=os.path.join(dp,n) if n else dp',
        '    if n=="" and dp!=r: continue',
        '    try: names=os.listxattr(full, follow_symlinks=False)',
        '    except OSError: names=[]',
        '    v={k: os.getxattr(full,k,follow_symlinks=False).hex() for k in sorted(names)}',
        '    if v: out["/"+os.path.relpath(full,r) if full!=r else "/"]=v',
        'print(json.dumps(out))',
      ].join('\n'),
      [root],
    ),
  ) as Record<string, Record<string, string>>;
  const visit = (rel: string): void => {
    const full = rel === '/' ? root : join(root, rel);
    const st = lstatSync(full, { bigint: true });
    const rec: TreeRecord = {
      path: rel,
      type: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isCharacterDevice() ? 'chardev' : st.isBlockDevice() ? 'blockdev' : st.isFIFO() ? 'fifo' : 'socket',
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: Number(st.size),
      nlink: Number(st.nlink),
      ino: Number(st.ino),
      mtime: Number(st.mtimeNs / 1_000_000_000n) - (st.mtimeNs % 1_000_000_000n < 0n ? 1 : 0),
      mtimeNs: Number(((st.mtimeNs % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n),
    };
    if (rec.type === 'symlink') rec.target = readlinkSync(full, 'utf8');
    if (rec.type === 'file') rec.sha256 = createHash('sha256').update(readFileSync(full)).digest('hex');
    if (rec.type === 'chardev' || rec.type === 'blockdev') {
      const r = st.rdev;
      rec.rdev = { major: Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn)), minor: Number((r & 0xffn) | ((r >> 12n) & ~0xffn)) };
    }
    const x = xattrs[rel];
    if (x) rec.xattrs = x;
    out.push(rec);
    if (rec.type === 'dir') {
      for (const name of readdirSync(full).sort()) visit(rel === '/' ? `/${name}` : `${rel}/${name}`);
    }
  };
  visit('/');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Records what a driver shows, in the same shape as walkHostTree. Every entry is also looked up
 * by name, which must give the same node as readdir.
 */
export async function walkDriver(fs: FileSystemDriver, start?: NodeRef, chunk = 1 << 20): Promise<TreeRecord[]> {
  const out: TreeRecord[] = [];
  const visit = async (rel: string, node: NodeRef): Promise<void> => {
    const st = await fs.stat(node);
    const rec: TreeRecord = {
      path: rel,
      type: st.type,
      mode: st.mode,
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      nlink: st.nlink,
      ino: Number(st.ino),
      mtime: st.mtime,
      mtimeNs: st.mtimeNs ?? 0,
    };
    if (st.type === 'symlink') rec.target = await fs.readlink(node);
    if (st.type === 'file') {
      const h = createHash('sha256');
      for (let off = 0; off < st.size; off += chunk) {
        const b = await fs.read(node, off, chunk);
        if (b.length !== Math.min(chunk, st.size - off)) throw new Error(`${rel}: short read at ${off}`);
        h.update(b);
      }
      rec.sha256 = h.digest('hex');
    }
    if (st.rdev) rec.rdev = st.rdev;
    const x = await fs.xattrs(node);
    if (x.size > 0) rec.xattrs = Object.fromEntries([...x].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, Buffer.from(v).toString('hex')]));
    out.push(rec);
    if (st.type === 'dir') {
      const entries = await fs.readdir(node);
      for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const found = await fs.lookup(node, e.name);
        if (found !== e.node) throw new Error(`${rel}/${e.name}: lookup gives ${String(found)}, readdir ${String(e.node)}`);
        await visit(rel === '/' ? `/${e.name}` : `${rel}/${e.name}`, e.node);
      }
    }
  };
  await visit('/', start ?? (await fs.root()));
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The records under `prefix`, re-rooted at "/" (a subvolume's view inside a top-level walk). */
export function subtree(records: TreeRecord[], prefix: string): TreeRecord[] {
  return records
    .filter((r) => r.path === prefix || r.path.startsWith(prefix + '/'))
    .map((r) => ({ ...r, path: r.path === prefix ? '/' : r.path.slice(prefix.length) }));
}
