/**
 * Test-only: the same recursive listing taken two ways: from a mounted filesystem on the host
 * (ground truth, recorded while mounted) and through a FileSystemDriver.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import type { FileSystemDriver, FileType, NodeRef } from '../types.js';

export interface WalkRecord {
  path: string;
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  ino: number;
  mtime: number;
  mtimeNs: number;
  atime: number;
  ctime: number;
  btime?: number;
  rdev?: { major: number; minor: number };
  target?: string;
  sha256?: string;
  /** name → hex value. */
  xattrs?: Record<string, string>;
}

export interface WalkOptions {
  /** Fields to leave out (e.g. times of images made by mkfs -p). */
  omit?: (keyof WalkRecord)[];
  /** Also check lookup() of every n-th entry of each directory (1 = all). */
  lookupEvery?: number;
}

const NS = 1_000_000_000n;
function splitNs(ns: bigint): { sec: number; nsec: number } {
  let sec = ns / NS;
  let rem = ns % NS;
  if (rem < 0n) {
    sec -= 1n;
    rem += NS;
  }
  return { sec: Number(sec), nsec: Number(rem) };
}

function hostType(st: BigIntStats): FileType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  if (st.isFIFO()) return 'fifo';
  return 'socket';
}

function unescapeGetfattr(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else if (s[i] === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else bytes.push(...Buffer.from(s[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** All xattrs below `root` by one getfattr run: absolute path → name → hex. */
function hostXattrs(root: string): Map<string, Record<string, string>> {
  const res = spawnSync('getfattr', ['-R', '-P', '-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', root], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (res.status !== 0) throw new Error(`getfattr failed: ${res.stderr}`);
  const out = res.stdout;
  const map = new Map<string, Record<string, string>>();
  let cur: Record<string, string> | undefined;
  for (const line of out.split('\n')) {
    if (line.startsWith('# file: ')) {
      cur = {};
      map.set(unescapeGetfattr(line.slice(8)), cur);
    } else if (cur && line.includes('=')) {
      const eq = line.indexOf('=');
      const v = line.slice(eq + 1);
      cur[line.slice(0, eq)] = v.startsWith('0x') ? v.slice(2) : '';
    }
  }
  return map;
}

/** Ground truth: walks a mounted filesystem (run as root, before unmounting). */
export function walkHost(root: string): WalkRecord[] {
  const xattrs = hostXattrs(root);
  const shaByIno = new Map<bigint, string>();
  const out: WalkRecord[] = [];
  const visit = (abs: string, rel: string): void => {
    const st = lstatSync(abs, { bigint: true });
    const type = hostType(st);
    const m = splitNs(st.mtimeNs);
    const r: WalkRecord = {
      path: rel,
      type,
      mode: Number(st.mode) & 0o7777,
      uid: Number(st.uid),
      gid: Number(st.gid),
      size: type === 'file' || type === 'dir' || type === 'symlink' ? Number(st.size) : 0,
      nlink: Number(st.nlink),
      ino: Number(st.ino),
      mtime: m.sec,
      mtimeNs: m.nsec,
      atime: splitNs(st.atimeNs).sec,
      ctime: splitNs(st.ctimeNs).sec,
    };
    if (st.birthtimeNs !== 0n) r.btime = splitNs(st.birthtimeNs).sec;
    if (type === 'chardev' || type === 'blockdev') {
      const rdev = Number(st.rdev);
      r.rdev = { major: Math.floor(rdev / 256) & 0xfff, minor: (rdev & 0xff) | ((Math.floor(rdev / 2 ** 12) & 0xfff00) >>> 0) };
    }
    if (type === 'symlink') r.target = readlinkSync(abs, 'utf8');
    if (type === 'file') {
      let h = shaByIno.get(st.ino);
      if (h === undefined) {
        h = createHash('sha256').update(readFileSync(abs)).digest('hex');
        shaByIno.set(st.ino, h);
      }
      r.sha256 = h;
    }
    const xa = xattrs.get(abs);
    if (xa && Object.keys(xa).length > 0) r.xattrs = Object.fromEntries(Object.entries(xa).sort(([a], [b]) => (a < b ? -1 : 1)));
    out.push(r);
    if (type === 'dir') {
      for (const name of readdirSync(abs, { encoding: 'utf8' }).sort()) visit(join(abs, name), rel === '/' ? `/${name}` : `${rel}/${name}`);
    }
  };
  visit(root, '/');
  return out;
}

/** The same listing through a driver; also checks lookup() and dirent types along the way. */
export async function walkDriver(fs: FileSystemDriver, opts: WalkOptions = {}): Promise<WalkRecord[]> {
  const out: WalkRecord[] = [];
  const shaByIno = new Map<number, string>();
  const every = opts.lookupEvery ?? 1;
  const visit = async (node: NodeRef, rel: string): Promise<void> => {
    const st = await fs.stat(node);
    const r: WalkRecord = {
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
      atime: st.atime ?? 0,
      ctime: st.ctime ?? 0,
    };
    if (st.btime !== undefined) r.btime = st.btime;
    if (st.rdev) r.rdev = st.rdev;
    if (st.type === 'symlink') r.target = await fs.readlink(node);
    if (st.type === 'file') {
      let h = shaByIno.get(r.ino);
      if (h === undefined) {
        const hash = createHash('sha256');
        for (let off = 0; off < st.size; off += 4 << 20) hash.update(await fs.read(node, off, 4 << 20));
        h = hash.digest('hex');
        shaByIno.set(r.ino, h);
      }
      r.sha256 = h;
    }
    const xa = await fs.xattrs(node);
    if (xa.size > 0) r.xattrs = Object.fromEntries([...xa].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, Buffer.from(v).toString('hex')]));
    for (const k of opts.omit ?? []) delete r[k];
    out.push(r);
    if (st.type === 'dir') {
      const entries = (await fs.readdir(node)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (let i = 0; i < entries.length; i++) {
        const e = entries[i]!;
        if (i % every === 0) {
          const found = await fs.lookup(node, e.name);
          if (found !== e.node) throw new Error(`lookup(${rel}, ${e.name}) gave ${String(found)}, readdir gave ${String(e.node)}`);
        }
        if (e.type !== undefined) {
          const t = (await fs.stat(e.node)).type;
          if (t !== e.type) throw new Error(`${rel}/${e.name}: dirent type ${e.type} but inode type ${t}`);
        }
        await visit(e.node, rel === '/' ? `/${e.name}` : `${rel}/${e.name}`);
      }
    }
  };
  await visit(await fs.root(), '/');
  return out;
}

/** Compares two listings; returns human-readable differences (empty when equal). */
export function diffWalks(actual: WalkRecord[], expected: WalkRecord[], omit: (keyof WalkRecord)[] = []): string[] {
  const strip = (r: WalkRecord): WalkRecord => {
    const c = { ...r };
    for (const k of omit) delete c[k];
    return c;
  };
  const a = new Map(actual.map((r) => [r.path, strip(r)]));
  const e = new Map(expected.map((r) => [r.path, strip(r)]));
  const diffs: string[] = [];
  for (const [p, rec] of e) {
    const got = a.get(p);
    if (!got) {
      diffs.push(`missing: ${p}`);
      continue;
    }
    const keys = new Set([...Object.keys(rec), ...Object.keys(got)]) as Set<keyof WalkRecord>;
    for (const k of keys) {
      if (JSON.stringify(got[k]) !== JSON.stringify(rec[k])) diffs.push(`${p}: ${k} is ${JSON.stringify(got[k])?.slice(0, 200)}, expected ${JSON.stringify(rec[k])?.slice(0, 200)}`);
    }
  }
  for (const p of a.keys()) if (!e.has(p)) diffs.push(`unexpected: ${p}`);
  return diffs;
}
