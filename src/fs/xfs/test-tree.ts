/**
 * Test-only: fills a directory (normally a freshly mounted XFS) with every kind of object the
 * driver must read: all directory forms, fragmented/sparse/unwritten files, remote symlinks,
 * special files, and xattrs in every attribute-fork form. Deterministic content.
 * Needs root plus xfs_io and setfattr.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, symlinkSync, utimesSync, writeFileSync, writeSync, chmodSync, chownSync, lchownSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

export interface TreeOptions {
  /** Entries in the big (node-form) directory; they are hard links, so they cost no inodes. */
  hugeDirEntries: number;
  /** A small tree with the same structures but little data (for the corruption test). */
  mini?: boolean;
  /** Extents of the fragmented file (every other block punched, half of those rewritten). */
  fragBlocks: number;
  /** Also copy this real directory tree in with cp -a. */
  copyFrom?: string;
}

/** Deterministic pseudo-random bytes (xorshift32) so fixtures are reproducible. */
export function prng(seed: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function sh(cmd: string, args: string[], input?: string): void {
  execFileSync(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'], input: input ?? '' });
}

function write(path: string, data: Uint8Array | string): void {
  writeFileSync(path, data);
}

export function populateTree(root: string, opts: TreeOptions): void {
  const p = (...parts: string[]): string => join(root, ...parts);

  // Regular files around block boundaries.
  mkdirSync(p('small'));
  for (const [name, size] of [
    ['empty', 0],
    ['one', 1],
    ['b4095', 4095],
    ['b4096', 4096],
    ['b4097', 4097],
    ['k100', 100_000],
    ['m1', opts.mini ? 20_000 : 1 << 20],
  ] as const) {
    write(p('small', name), prng(size + 7, size));
  }
  if (!opts.mini) write(p('big.bin'), prng(99, 8 << 20));

  // Fragmented: every other 4 KiB punched out; half of the holes rewritten (new extents
  // elsewhere, so logically adjacent but physically apart), the rest stay holes.
  const frag = p('frag.bin');
  const B = 4096;
  write(frag, prng(5, opts.fragBlocks * 2 * B));
  const punch: string[] = [];
  for (let i = 1; i < opts.fragBlocks * 2; i += 2) punch.push('-c', `fpunch ${i * B} ${B}`);
  sh('xfs_io', [...punch, frag]);
  const fd = openSync(frag, 'r+');
  for (let i = 1; i < opts.fragBlocks * 2; i += 4) {
    writeSync(fd, prng(i, B), 0, B, i * B);
    if (i % 64 === 1) fsyncSync(fd);
  }
  fsyncSync(fd);
  closeSync(fd);

  // Unwritten (preallocated) extents read as zeros; one also preallocated past EOF.
  const pre = p('prealloc.bin');
  sh('fallocate', ['-l', String(1 << 20), pre]);
  const pfd = openSync(pre, 'r+');
  writeSync(pfd, prng(3, 10_000), 0, 10_000, 300_000);
  closeSync(pfd);
  write(p('prealloc-keep.bin'), prng(4, 5000));
  sh('fallocate', ['-n', '-o', '0', '-l', String(2 << 20), p('prealloc-keep.bin')]);

  // Sparse: mostly holes, data in the middle and at the very end; and a trailing hole.
  const sp = p('sparse.bin');
  const sfd = openSync(sp, 'w');
  writeSync(sfd, prng(11, 5000), 0, 5000, 10 << 20);
  writeSync(sfd, prng(12, 70), 0, 70, (opts.mini ? 1 << 20 : 64 << 20) - 70);
  closeSync(sfd);
  write(p('sparse-tail.bin'), prng(13, 3000));
  sh('truncate', ['-s', String(3 << 20), p('sparse-tail.bin')]);

  // Reflinked copy (shared extents).
  sh('cp', ['--reflink=always', p('small', 'k100'), p('reflink-copy')]);

  // Directories in every form.
  mkdirSync(p('dirs'));
  const fill = (dir: string, n: number, nameOf: (i: number) => string, hard?: string): void => {
    mkdirSync(dir);
    for (let i = 0; i < n; i++) {
      if (hard) linkSync(hard, join(dir, nameOf(i)));
      else write(join(dir, nameOf(i)), `${i}\n`);
    }
  };
  fill(p('dirs', 'shortform'), 3, (i) => `f${i}`);
  mkdirSync(p('dirs', 'empty'));
  fill(p('dirs', 'block'), 40, (i) => `block-entry-${i}`);
  write(p('dirs', 'target'), 'shared by many links\n');
  fill(p('dirs', 'leaf'), 300, (i) => `leaf-entry-number-${i}`, p('dirs', 'target'));
  fill(p('dirs', 'node'), opts.mini ? 700 : 3000, (i) => `node-entry-with-longer-name-${i.toString().padStart(6, '0')}`, p('dirs', 'target'));
  if (opts.hugeDirEntries > 0) fill(p('dirs', 'huge'), opts.hugeDirEntries, (i) => `e${i}`, p('dirs', 'target'));
  // Deletions leave free space in data blocks and stale entries in the index.
  const holey = opts.mini ? 300 : 1500;
  fill(p('dirs', 'holey'), holey, (i) => `holey-${i}`, p('dirs', 'target'));
  for (let i = 0; i < holey; i += 3) unlinkSync(p('dirs', 'holey', `holey-${i}`));
  // Shrinks back to shortform after deletions.
  fill(p('dirs', 'shrunk'), 200, (i) => `s${i}`, p('dirs', 'target'));
  for (let i = 2; i < 200; i++) unlinkSync(p('dirs', 'shrunk', `s${i}`));
  let deep = p('dirs');
  for (let i = 0; i < 20; i++) {
    deep = join(deep, `d${i}`);
    mkdirSync(deep);
  }
  write(join(deep, 'bottom'), 'deep\n');

  // Names.
  mkdirSync(p('names'));
  write(p('names', 'x'.repeat(255)), 'long name\n');
  for (const n of ['café', '日本語のファイル', 'emoji-😀', 'with space', 'tab\there', 'new\nline', '-dash', '.hidden', 'UPPER', 'upper']) {
    write(p('names', n), n);
  }

  // Hard links across directories.
  mkdirSync(p('links'));
  write(p('links', 'a'), 'linked\n');
  linkSync(p('links', 'a'), p('links', 'b'));
  linkSync(p('links', 'a'), p('small', 'link-to-a'));

  // Symlinks: inline and remote (the inline area of a 512-byte v3 inode is 336 bytes).
  symlinkSync('a', p('links', 'short'));
  symlinkSync('../small/one', p('links', 'relative'));
  symlinkSync('/etc/passwd', p('links', 'absolute'));
  symlinkSync('/nonexistent/dangling', p('links', 'dangling'));
  symlinkSync('m/'.repeat(100) + 'end', p('links', 'medium'));
  symlinkSync('long-'.repeat(200).slice(0, 1000), p('links', 'long'));
  symlinkSync('ü/'.repeat(200), p('links', 'unicode-long'));

  // Special files.
  mkdirSync(p('special'));
  sh('mknod', [p('special', 'null'), 'c', '1', '3']);
  sh('mknod', [p('special', 'sda1'), 'b', '8', '1']);
  sh('mknod', [p('special', 'bigdev'), 'c', '300', '70000']);
  sh('mknod', [p('special', 'fifo'), 'p']);
  // A listening unix socket leaves its inode behind when the process exits without closing it.
  execFileSync(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(p('special', 'socket'))}, () => process.exit(0))`]);

  // Ownership and mode bits.
  mkdirSync(p('perm'));
  for (const [name, mode, uid, gid] of [
    ['setuid', 0o4755, 0, 0],
    ['setgid', 0o2711, 1234, 5678],
    ['none', 0o000, 100000, 100000],
    ['odd', 0o640, 4294967294, 65534],
  ] as const) {
    write(p('perm', name), name);
    chownSync(p('perm', name), uid, gid);
    chmodSync(p('perm', name), mode);
  }
  mkdirSync(p('perm', 'sticky'));
  chmodSync(p('perm', 'sticky'), 0o1777);
  symlinkSync('setuid', p('perm', 'owned-link'));
  lchownSync(p('perm', 'owned-link'), 42, 43);

  // Timestamps, including before 1970 and after 2038 (bigtime).
  mkdirSync(p('times'));
  for (const [name, t] of [
    ['epoch', 0],
    ['pre1970', -1_000_000.25],
    ['y2038', 2 ** 31 + 1000.5],
    ['y2200', 7_258_118_400.123456789],
    ['ns', 1_600_000_000.987654321],
  ] as const) {
    write(p('times', name), name);
    utimesSync(p('times', name), t, t);
  }

  // Extended attributes in every fork form, restored by one setfattr run.
  mkdirSync(p('xattr'));
  const dump: string[] = [];
  const attrs = (path: string, list: [string, Uint8Array | string][]): void => {
    dump.push(`# file: ${path}`);
    for (const [k, v] of list) dump.push(`${k}=0s${Buffer.from(v).toString('base64')}`);
    dump.push('');
  };
  for (const n of ['sf', 'leaf', 'node', 'remote', 'dir', 'mixed']) {
    if (n === 'dir') mkdirSync(p('xattr', n));
    else write(p('xattr', n), n);
  }
  attrs(p('xattr', 'sf'), [
    ['user.a', 'hello'],
    ['user.empty', ''],
    ['trusted.t', 'trusted value'],
    ['security.s', 'sec'],
  ]);
  attrs(
    p('xattr', 'leaf'),
    Array.from({ length: 20 }, (_, i) => [`user.leaf-attr-${i}`, prng(i + 100, 100)] as [string, Uint8Array]),
  );
  attrs(
    p('xattr', 'node'),
    Array.from({ length: opts.mini ? 150 : 400 }, (_, i) => [`user.node-attribute-name-${i}`, prng(i + 1000, 60)] as [string, Uint8Array]),
  );
  attrs(p('xattr', 'remote'), [
    ['user.big', prng(21, 5000)],
    ['user.max', prng(22, 65536)],
    ['user.small', 'x'],
  ]);
  attrs(p('xattr', 'dir'), [['user.on-dir', 'yes']]);
  attrs(p('xattr', 'mixed'), [
    ...Array.from({ length: 20 }, (_, i) => [`trusted.m${i}`, prng(i + 7, 200)] as [string, Uint8Array]),
    ['user.remote-in-leaf', prng(30, 9000)],
    ['security.selinux', 'system_u:object_r:etc_t:s0\0'],
  ]);
  attrs(p('links', 'short'), [['trusted.on-symlink', 'ok']]);
  // POSIX ACLs in their xattr form (what setfacl would write): version 2, then {tag, perm, id}.
  const acl = (entries: [number, number, number][]): Uint8Array => {
    const b = Buffer.alloc(4 + entries.length * 8);
    b.writeUInt32LE(2, 0);
    entries.forEach(([tag, perm, id], i) => {
      b.writeUInt16LE(tag, 4 + i * 8);
      b.writeUInt16LE(perm, 6 + i * 8);
      b.writeUInt32LE(id, 8 + i * 8);
    });
    return b;
  };
  const NONE = 0xffffffff;
  write(p('xattr', 'acl'), 'acl');
  attrs(p('xattr', 'acl'), [['system.posix_acl_access', acl([[1, 6, NONE], [2, 7, 1234], [4, 4, NONE], [8, 4, 5678], [0x10, 7, NONE], [0x20, 4, NONE]])]]);
  mkdirSync(p('xattr', 'acldir'));
  attrs(p('xattr', 'acldir'), [['system.posix_acl_default', acl([[1, 7, NONE], [2, 5, 1234], [4, 5, NONE], [0x10, 5, NONE], [0x20, 5, NONE]])]]);
  sh('setfattr', ['-h', `--restore=-`], dump.join('\n') + '\n');

  if (opts.copyFrom) sh('cp', ['-a', opts.copyFrom, p('copied')]);
}
