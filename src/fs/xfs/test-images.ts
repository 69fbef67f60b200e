/**
 * Test-only: builds real XFS images with mkfs.xfs. Kernel-written images are populated through
 * a loop mount and their ground truth is recorded by walking the mount before unmounting.
 * v4 images cannot be mounted by current kernels, so they are made with mkfs.xfs -p (protofile)
 * and checked against the tree they were made from plus xfs_db's own directory listing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { populateTree, prng, type TreeOptions } from './test-tree.js';
import { walkHost, type WalkRecord } from './test-walk.js';

/** mkfs.xfs refuses filesystems under 300 MB unless it believes it runs under fstests. */
const SMALL_FS_ENV = { ...process.env, TEST_DIR: '/tmp', TEST_DEV: '/dev/null', QA_CHECK_FS: 'xfs' };

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, maxBuffer: 1 << 30 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

export function mkfs(img: string, sizeMiB: number, args: string[]): void {
  run('truncate', ['-s', `${sizeMiB}M`, img]);
  run('mkfs.xfs', ['-q', '-f', ...args, img], SMALL_FS_ENV);
}

/** From the mount table, not stat(): a shut-down XFS answers stat with EIO. */
function isMounted(mnt: string): boolean {
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .some((line) => unescape(line.split(' ')[1] ?? '') === mnt);
}

/** Unmounts (if mounted) and detaches any loop device still bound to the image. Never throws. */
export function cleanupMount(mnt: string, img: string): void {
  for (let i = 0; i < 5 && isMounted(mnt); i++) {
    try {
      execFileSync('umount', [mnt], { stdio: 'ignore' });
    } catch {
      execFileSync('sleep', ['0.5']);
    }
  }
  try {
    const loops = execFileSync('losetup', ['-j', img], { encoding: 'utf8' });
    for (const line of loops.split('\n')) {
      const dev = line.split(':')[0];
      if (dev) execFileSync('losetup', ['-d', dev], { stdio: 'ignore' });
    }
  } catch {
    /* nothing attached */
  }
  try {
    if (existsSync(mnt)) rmdirSync(mnt);
  } catch {
    /* still busy; left for the next run */
  }
}

export interface KernelImage {
  img: string;
  truth: WalkRecord[];
  sb: Record<string, number>;
}

/** Superblock counters as xfs_db prints them (for statfs). */
export function xfsDbSb(img: string): Record<string, number> {
  const out = run('xfs_db', ['-r', '-c', 'sb 0', '-c', 'print blocksize dblocks fdblocks icount ifree', img]);
  const sb: Record<string, number> = {};
  for (const m of out.matchAll(/^(\w+) = (\d+)$/gm)) sb[m[1]!] = Number(m[2]);
  return sb;
}

/** mkfs + loop mount + populate + ground-truth walk + unmount. Writes fs.img, truth.json, sb.json. */
export function buildKernelImage(dir: string, sizeMiB: number, mkfsArgs: string[], tree: TreeOptions): void {
  const img = join(dir, 'fs.img');
  const mnt = join(dir, 'mnt');
  mkfs(img, sizeMiB, mkfsArgs);
  mkdirSync(mnt, { recursive: true });
  try {
    run('mount', ['-o', 'loop,noatime', img, mnt]);
    populateTree(mnt, tree);
    run('sync', []);
    writeFileSync(join(dir, 'truth.json'), JSON.stringify(walkHost(mnt)));
  } finally {
    cleanupMount(mnt, img);
  }
  writeFileSync(join(dir, 'sb.json'), JSON.stringify(xfsDbSb(img)));
}

export function loadKernelImage(dir: string): KernelImage {
  return {
    img: join(dir, 'fs.img'),
    truth: JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as WalkRecord[],
    sb: JSON.parse(readFileSync(join(dir, 'sb.json'), 'utf8')) as Record<string, number>,
  };
}

// ---- v4 via protofile ----

/** v4 with ASCII case-insensitive names, no dirent file types and 256-byte inodes. */
export const V4_CI_MKFS = ['-m', 'crc=0', '-n', 'ftype=0,version=ci', '-i', 'size=256', '-L', 'oldci'];

interface ProtoNode {
  name: string;
  kind: 'file' | 'dir' | 'symlink' | 'chardev' | 'blockdev' | 'fifo';
  perm: number;
  uid: number;
  gid: number;
  data?: Uint8Array;
  target?: string;
  dev?: [number, number];
  children?: ProtoNode[];
}

function protoTree(mini: boolean): ProtoNode {
  const f = (name: string, data: Uint8Array | string, perm = 0o644, uid = 0, gid = 0): ProtoNode => ({
    name,
    kind: 'file',
    perm,
    uid,
    gid,
    data: typeof data === 'string' ? new TextEncoder().encode(data) : data,
  });
  const d = (name: string, children: ProtoNode[], perm = 0o755, uid = 0, gid = 0): ProtoNode => ({ name, kind: 'dir', perm, uid, gid, children });
  const l = (name: string, target: string): ProtoNode => ({ name, kind: 'symlink', perm: 0o777, uid: 0, gid: 0, target });
  const many = (n: number, nameOf: (i: number) => string): ProtoNode[] => Array.from({ length: n }, (_, i) => f(nameOf(i), i % 7 === 0 ? `${i}\n` : ''));
  let deep = d('d19', [f('bottom', 'deep\n')]);
  for (let i = 18; i >= 0; i--) deep = d(`d${i}`, [deep]);
  return d('', [
    d('small', [f('empty', ''), f('one', prng(8, 1)), f('b4095', prng(4102, 4095)), f('b4096', prng(4103, 4096)), f('b4097', prng(4104, 4097)), f('k100', prng(100_007, 100_000))]),
    f('big.bin', prng(99, mini ? 30_000 : 3 << 20)),
    d('dirs', [
      d('shortform', many(3, (i) => `f${i}`)),
      d('empty', []),
      d('block', many(40, (i) => `block-entry-${i}`)),
      d('leaf', many(300, (i) => `leaf-entry-number-${i}`)),
      d('node', many(mini ? 700 : 3000, (i) => `node-entry-with-longer-name-${String(i).padStart(6, '0')}`)),
      deep,
    ]),
    d('names', [f('x'.repeat(255), 'long\n'), f('café', 'c'), f('日本語のファイル', 'j'), f('MixedCase', 'm')]),
    d('links', [f('a', 'linked\n'), l('short', 'a'), l('medium', 'm/'.repeat(100) + 'end'), l('long', 'long-'.repeat(200).slice(0, 1000)), l('dangling', '/nonexistent/dangling')]),
    d('special', [
      { name: 'null', kind: 'chardev', perm: 0o666, uid: 0, gid: 0, dev: [1, 3] },
      { name: 'sda1', kind: 'blockdev', perm: 0o660, uid: 0, gid: 6, dev: [8, 1] },
      { name: 'fifo', kind: 'fifo', perm: 0o644, uid: 0, gid: 0 },
    ]),
    d('perm', [f('setuid', 'u', 0o4755), f('setgid', 'g', 0o2711, 1234, 5678), f('none', 'n', 0o000, 100000, 100000)], 0o750, 42, 43),
  ]);
}

function modeString(n: ProtoNode): string {
  const t = { file: '-', dir: 'd', symlink: 'l', chardev: 'c', blockdev: 'b', fifo: 'p' }[n.kind];
  return `${t}${n.perm & 0o4000 ? 'u' : '-'}${n.perm & 0o2000 ? 'g' : '-'}${(n.perm & 0o777).toString(8).padStart(3, '0')}`;
}

/** Builds a v4 image from protoTree(): writes fs.img, truth.json (from the tree) and xfsdb-ls.json. */
export function buildProtoImage(dir: string, sizeMiB: number, mkfsArgs: string[], mini = false): void {
  const src = join(dir, 'src');
  mkdirSync(src, { recursive: true });
  const lines = ['guestguard', '0 0'];
  const truth: WalkRecord[] = [];
  const dirs: string[] = [];
  let fileNo = 0;
  const emit = (n: ProtoNode, path: string, indent: string): void => {
    const head = n.name === '' ? '' : `${n.name} `;
    const rec = { path, type: n.kind, mode: n.perm, uid: n.uid, gid: n.gid, size: 0, nlink: 1 } as WalkRecord;
    truth.push(rec);
    if (n.kind === 'file') {
      const host = join(src, `f${fileNo++}`);
      writeFileSync(host, n.data!);
      lines.push(`${indent}${head}${modeString(n)} ${n.uid} ${n.gid} ${host}`);
      rec.size = n.data!.length;
      rec.sha256 = createHash('sha256').update(n.data!).digest('hex');
    } else if (n.kind === 'symlink') {
      lines.push(`${indent}${head}${modeString(n)} ${n.uid} ${n.gid} ${n.target}`);
      rec.target = n.target!;
      rec.size = Buffer.byteLength(n.target!);
    } else if (n.kind === 'chardev' || n.kind === 'blockdev') {
      lines.push(`${indent}${head}${modeString(n)} ${n.uid} ${n.gid} ${n.dev![0]} ${n.dev![1]}`);
      rec.rdev = { major: n.dev![0], minor: n.dev![1] };
    } else if (n.kind === 'fifo') {
      lines.push(`${indent}${head}${modeString(n)} ${n.uid} ${n.gid}`);
    } else {
      lines.push(`${indent}${head}${modeString(n)} ${n.uid} ${n.gid}`);
      dirs.push(path);
      rec.nlink = 2 + n.children!.filter((c) => c.kind === 'dir').length;
      for (const c of n.children!) emit(c, path === '/' ? `/${c.name}` : `${path}/${c.name}`, `${indent} `);
      lines.push(`${indent}$`);
    }
  };
  emit(protoTree(mini), '/', '');
  writeFileSync(join(dir, 'proto'), lines.join('\n') + '\n');
  const img = join(dir, 'fs.img');
  mkfs(img, sizeMiB, [...mkfsArgs, '-p', join(dir, 'proto')]);
  writeFileSync(join(dir, 'truth.json'), JSON.stringify(truth));
  // xfs_db's own listing: name and inode number of every entry of every directory.
  const out = run('xfs_db', ['-r', ...dirs.flatMap((p) => ['-c', `ls ${p}`]), img]);
  const listing: Record<string, { name: string; ino: number; hash: number }[]> = {};
  let cur: { name: string; ino: number; hash: number }[] | undefined;
  for (const line of out.split('\n')) {
    const h = /^(\/.*):$/.exec(line);
    if (h) {
      cur = [];
      listing[h[1]!] = cur;
      continue;
    }
    const m = /^\d+\s+(\d+)\s+\S+\s+0x([0-9a-f]+)\s+(\d+)\s+(.*) \((good|bad)\)$/.exec(line);
    if (m && cur) cur.push({ ino: Number(m[1]), hash: parseInt(m[2]!, 16), name: m[4]! });
  }
  writeFileSync(join(dir, 'xfsdb-ls.json'), JSON.stringify(listing));
  writeFileSync(join(dir, 'sb.json'), JSON.stringify(xfsDbSb(img)));
}
