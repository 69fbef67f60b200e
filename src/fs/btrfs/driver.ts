import { FileSystemError, GuestguardError } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import type { DirEntry, FileSystemDriver, FileType, NodeRef, Stat, StatFs } from '../types.js';
import {
  DIR_INDEX_KEY,
  DIR_ITEM_KEY,
  EMPTY_SUBVOL_DIR_OBJECTID,
  INODE_ITEM_KEY,
  ROOT_ITEM_KEY,
  ROOT_REF_KEY,
  ROOT_SUBVOL_RDONLY,
  U64_MAX,
  XATTR_ITEM_KEY,
} from './constants.js';
import { btrfsNameHash } from './crc32c.js';
import { corrupt } from './errors.js';
import { FileData } from './file-data.js';
import { parseDirItems, parseInodeItem, parseRootRef, type DirItem, type InodeItem } from './items.js';
import type { TreeNode } from './node.js';
import { NOT_CACHED, type Item } from './btree.js';
import { listSubvolumes, type SubvolumeInfo } from './subvolumes.js';
import type { BtrfsVolume, FsTree } from './volume.js';

/**
 * A node: "tree:inode" for real inodes, or "stub:tree:dir" for the empty directory the kernel
 * shows where a snapshot did not include a nested subvolume (inode 2 of its parent's tree).
 */
type Stub = { stub: true; tree: bigint; parent: bigint };
type Ref = { stub: false; tree: bigint; ino: bigint } | Stub;
/** A real inode: its subvolume, number and item. */
interface Inode {
  stub: false;
  tree: FsTree;
  ino: bigint;
  item: InodeItem;
}

const MAX_SAFE_INO = BigInt(Number.MAX_SAFE_INTEGER);
const REF_RE = /^(stub:)?(\d{1,20}):(\d{1,20})$/;
const utf8 = new TextDecoder();
const encoder = new TextEncoder();

const S_IFMT: Record<number, FileType> = {
  0o100000: 'file',
  0o040000: 'dir',
  0o120000: 'symlink',
  0o020000: 'chardev',
  0o060000: 'blockdev',
  0o010000: 'fifo',
  0o140000: 'socket',
};
const DIR_FT: Record<number, FileType> = { 1: 'file', 2: 'dir', 3: 'chardev', 4: 'blockdev', 5: 'fifo', 6: 'socket', 7: 'symlink' };
const INODE_FLAGS: [bigint, string][] = [
  [1n << 1n, 'nodatacow'],
  [1n << 3n, 'nocompress'],
  [1n << 6n, 'immutable'],
  [1n << 7n, 'append'],
  [1n << 8n, 'nodump'],
  [1n << 9n, 'noatime'],
  [1n << 11n, 'compress'],
];

export class BtrfsDriver implements FileSystemDriver {
  readonly type = 'btrfs';
  readonly label: string | undefined;
  readonly uuid: string;
  readonly warnings: string[];
  /** The subvolume a plain mount would show (from the root tree's "default" entry). */
  readonly defaultSubvolumeId: number;
  /** The subvolume this driver shows as its root. */
  readonly subvolumeId: number;
  /** Inodes by node reference ("tree:ino"), so a hit needs no parsing of the reference. */
  private readonly inodes = new LruCache<NodeRef, Inode>(4096);
  /** Name lookups by "dir/name" (null: not found). Path resolution repeats the same ancestors. */
  private readonly dentries = new LruCache<string, NodeRef | null>(4096);
  private readonly data: FileData;

  constructor(
    readonly volume: BtrfsVolume,
    private readonly rootTree: FsTree,
    defaultId: bigint,
  ) {
    this.label = volume.sb.label.length > 0 ? volume.sb.label : undefined;
    this.uuid = volume.sb.fsid;
    this.warnings = volume.warnings;
    this.defaultSubvolumeId = Number(defaultId);
    this.subvolumeId = Number(rootTree.id);
    this.data = new FileData(volume);
  }

  async root(): Promise<NodeRef> {
    return `${this.rootTree.id}:${this.rootTree.item.rootDirid}`;
  }

  listSubvolumes(): Promise<SubvolumeInfo[]> {
    return listSubvolumes(this.volume);
  }

  async stat(node: NodeRef): Promise<Stat> {
    const rec = this.inodes.get(node) ?? (await this.resolve(node));
    if (rec.stub) return this.stubStat(rec.tree, rec.parent);
    const { tree, ino, item: inode } = rec;
    const type = S_IFMT[inode.mode & 0o170000];
    if (!type) throw corrupt(`inode ${ino} has unknown file type in mode 0${inode.mode.toString(8)}`, 'btrfs inode item');
    const st: Stat = {
      type,
      mode: inode.mode & 0o7777,
      uid: inode.uid,
      gid: inode.gid,
      size: inode.size,
      nlink: inode.nlink,
      mtime: inode.mtime.sec,
      mtimeNs: inode.mtime.nsec,
      atime: inode.atime.sec,
      ctime: inode.ctime.sec,
      btime: inode.otime.sec,
      ino: ino <= MAX_SAFE_INO ? Number(ino) : ino,
    };
    if (type === 'chardev' || type === 'blockdev') {
      // The kernel stores its internal dev_t: 12-bit major above a 20-bit minor.
      st.rdev = { major: Number((inode.rdev >> 20n) & 0xfffn), minor: Number(inode.rdev & 0xfffffn) };
    }
    if (inode.flags !== 0n || ino === tree.item.rootDirid) {
      const flags: string[] = [];
      for (const [bit, name] of INODE_FLAGS) if (inode.flags & bit) flags.push(name);
      if (ino === tree.item.rootDirid) {
        flags.push('subvolume');
        if (tree.item.flags & ROOT_SUBVOL_RDONLY) flags.push('readonly-subvolume');
      }
      if (flags.length > 0) st.flags = flags;
    }
    return st;
  }

  async readdir(dir: NodeRef): Promise<DirEntry[]> {
    const rec = this.inodes.get(dir) ?? (await this.resolve(dir));
    if (rec.stub) return [];
    const { tree, ino } = this.checkDir(rec);
    const out: DirEntry[] = [];
    const subvolumes: { entry: DirEntry; d: DirItem }[] = [];
    const min = { objectid: ino, type: DIR_INDEX_KEY, offset: 0n };
    const max = { objectid: ino, type: DIR_INDEX_KEY, offset: U64_MAX };
    await this.volume.trees.scan(tree.root, min, max, (leaf: TreeNode, slot: number) => {
      const offset = leaf.itemPhysical(slot);
      // parseDirItems reads only the data and its offset; the key is not decoded per entry.
      for (const d of parseDirItems({ key: min, data: leaf.itemData(slot), offset }, 'btrfs dir index')) {
        const name = entryName(d, offset);
        const entry: DirEntry = { name, node: '' };
        // Plain inodes need no lookup; subvolume entries are resolved below, in order.
        if (d.location.type === INODE_ITEM_KEY) entry.node = `${tree.id}:${d.location.objectid}`;
        else subvolumes.push({ entry, d });
        const type = DIR_FT[d.type];
        if (type) entry.type = type;
        out.push(entry);
      }
    });
    for (const { entry, d } of subvolumes) entry.node = await this.entryNode(tree, ino, d, entry.name);
    return out;
  }

  async lookup(dir: NodeRef, name: string): Promise<NodeRef | undefined> {
    // A reference never contains "/" and a name looked up never does, so the key is unambiguous.
    const key = typeof dir === 'string' && !name.includes('/') ? `${dir}/${name}` : undefined;
    const hit = key === undefined ? undefined : this.dentries.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const found = await this.lookupUncached(dir, name);
    if (key !== undefined) this.dentries.set(key, found ?? null);
    return found;
  }

  private async lookupUncached(dir: NodeRef, name: string): Promise<NodeRef | undefined> {
    const badName = name.length === 0 || name.includes('/');
    let rec: Inode | Stub | undefined = this.inodes.get(dir);
    if (!rec) {
      const ref = parseRef(dir);
      if (ref.stub || badName) return undefined;
      rec = await this.resolve(dir, ref);
    }
    if (rec.stub || badName) return undefined;
    const { tree, ino } = this.checkDir(rec);
    const bytes = encodeName(name);
    const key = { objectid: ino, type: DIR_ITEM_KEY, offset: BigInt(btrfsNameHash(bytes)) };
    const peeked = this.volume.trees.peek(tree.root, key);
    const item = peeked !== NOT_CACHED ? peeked : await this.volume.trees.get(tree.root, key);
    if (!item) return undefined;
    const d = parseDirItems(item).find((e) => sameBytes(e.name, bytes));
    if (!d) return undefined;
    const entry = entryName(d, item.offset);
    return d.location.type === INODE_ITEM_KEY ? `${tree.id}:${d.location.objectid}` : this.entryNode(tree, ino, d, entry);
  }

  async read(node: NodeRef, offset: number, length: number): Promise<Uint8Array> {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw new GuestguardError('INVALID_ARGUMENT', `bad read range ${offset}+${length}`);
    }
    const rec = this.inodes.get(node) ?? (await this.resolve(node));
    if (rec.stub) throw new FileSystemError('IS_A_DIRECTORY', 'cannot read a directory');
    const { tree, ino, item: inode } = rec;
    const kind = inode.mode & 0o170000;
    if (kind === 0o040000) throw new FileSystemError('IS_A_DIRECTORY', `inode ${ino} is a directory`);
    if (kind !== 0o100000 && kind !== 0o120000) return new Uint8Array(0);
    return this.data.read(tree.root, ino, inode.size, offset, length);
  }

  async readlink(node: NodeRef): Promise<string> {
    const st = await this.stat(node);
    if (st.type !== 'symlink') throw new FileSystemError('NOT_A_SYMLINK', `inode ${String(st.ino)} is not a symbolic link`);
    if (st.size > 65536) throw corrupt(`symlink target of ${st.size} bytes`, 'btrfs inode item');
    return utf8.decode(await this.read(node, 0, st.size));
  }

  async statfs(): Promise<StatFs> {
    const { sectorSize, totalBytes, bytesUsed } = this.volume.sb;
    return {
      blockSize: sectorSize,
      totalBlocks: Math.floor(totalBytes / sectorSize),
      freeBlocks: Math.floor(Math.max(0, totalBytes - bytesUsed) / sectorSize),
    };
  }

  async xattrs(node: NodeRef): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    const ref = parseRef(node);
    if (ref.stub) return out;
    const tree = await this.tree(ref.tree);
    const min = { objectid: ref.ino, type: XATTR_ITEM_KEY, offset: 0n };
    const max = { objectid: ref.ino, type: XATTR_ITEM_KEY, offset: U64_MAX };
    await this.volume.trees.scan(tree.root, min, max, (leaf: TreeNode, slot: number) => {
      const item = { key: min, data: leaf.itemData(slot), offset: leaf.itemPhysical(slot) };
      for (const d of parseDirItems(item, 'btrfs xattr item')) out.set(utf8.decode(d.name), d.data.slice());
    });
    return out;
  }

  private async tree(id: bigint): Promise<FsTree> {
    const t = await this.volume.fsTree(id);
    if (!t) throw corrupt(`subvolume ${id} has no root item`, 'btrfs root tree');
    return t;
  }

  /**
   * The inode (or empty-subvolume stub) a node reference names; inodes are cached by the
   * reference. Needs no await when the subvolume and the tree blocks on the way are cached.
   */
  private async resolve(node: NodeRef, ref = parseRef(node)): Promise<Inode | Stub> {
    if (ref.stub) return ref;
    const tree = this.volume.cachedFsTree(ref.tree) ?? (await this.tree(ref.tree));
    const key = { objectid: ref.ino, type: INODE_ITEM_KEY, offset: 0n };
    const item = this.volume.trees.peek(tree.root, key);
    const rec = inodeFrom(tree, ref.ino, item !== NOT_CACHED ? item : await this.volume.trees.get(tree.root, key));
    this.inodes.set(node, rec);
    return rec;
  }

  private checkDir(rec: Inode): Inode {
    if ((rec.item.mode & 0o170000) !== 0o040000) throw new FileSystemError('NOT_A_DIRECTORY', `inode ${rec.ino} is not a directory`);
    return rec;
  }

  /** An inode by subvolume and number (cached under its canonical reference "tree:ino"). */
  private async inode(tree: FsTree, ino: bigint): Promise<Inode> {
    const k = `${tree.id}:${ino}`;
    const hit = this.inodes.get(k);
    if (hit) return hit;
    const rec = inodeFrom(tree, ino, await this.volume.trees.get(tree.root, { objectid: ino, type: INODE_ITEM_KEY, offset: 0n }));
    this.inodes.set(k, rec);
    return rec;
  }

  /** The node a directory entry points to, crossing into subvolumes like the kernel does. */
  private async entryNode(tree: FsTree, dirIno: bigint, d: DirItem, name: string): Promise<NodeRef> {
    if (d.location.type === INODE_ITEM_KEY) return `${tree.id}:${d.location.objectid}`;
    if (d.location.type !== ROOT_ITEM_KEY) throw corrupt(`entry "${name}" points to key type ${d.location.type}`, 'btrfs dir item');
    const child = d.location.objectid;
    // Only a ROOT_REF from this tree makes the subvolume visible here; a snapshot of a tree with
    // nested subvolumes keeps the entries but not the refs, and the kernel shows empty stubs.
    const rr = await this.volume.trees.get(this.volume.rootTree, { objectid: tree.id, type: ROOT_REF_KEY, offset: child });
    if (rr) {
      const r = parseRootRef(rr);
      if (r.dirid === dirIno && sameBytes(r.name, d.name)) {
        const sub = await this.volume.fsTree(child);
        if (sub) return `${child}:${sub.item.rootDirid}`;
      }
    }
    return `stub:${tree.id}:${dirIno}`;
  }

  private async stubStat(treeId: bigint, parent: bigint): Promise<Stat> {
    // The kernel gives the stub the parent's owner and the current time; the parent's mtime keeps output stable.
    const p = (await this.inode(await this.tree(treeId), parent)).item;
    return {
      type: 'dir',
      mode: 0o755,
      uid: p.uid,
      gid: p.gid,
      size: 0,
      nlink: 1,
      mtime: p.mtime.sec,
      mtimeNs: p.mtime.nsec,
      atime: p.mtime.sec,
      ctime: p.mtime.sec,
      ino: Number(EMPTY_SUBVOL_DIR_OBJECTID),
      flags: ['empty-subvolume-stub'],
    };
  }
}

function inodeFrom(tree: FsTree, ino: bigint, item: Item | undefined): Inode {
  if (!item) throw corrupt(`inode ${ino} of subvolume ${tree.id} does not exist`, 'btrfs inode item');
  return { stub: false, tree, ino, item: parseInodeItem(item.data, item.offset) };
}

function parseRef(node: NodeRef): Ref {
  // The references this driver hands out ("tree:ino", both short decimals) skip the regex.
  if (typeof node === 'string' && node.length <= 31) {
    const colon = node.indexOf(':');
    if (colon > 0 && colon <= 15 && node.length - colon - 1 <= 15 && node.length - colon > 1 && isDigits(node, 0, colon) && isDigits(node, colon + 1, node.length)) {
      return { stub: false, tree: BigInt(Number(node.slice(0, colon))), ino: BigInt(Number(node.slice(colon + 1))) };
    }
  }
  const m = typeof node === 'string' ? REF_RE.exec(node) : null;
  if (!m) throw new GuestguardError('INVALID_ARGUMENT', `not a btrfs node reference: ${String(node)}`);
  const a = BigInt(m[2]!);
  const b = BigInt(m[3]!);
  return m[1] ? { stub: true, tree: a, parent: b } : { stub: false, tree: a, ino: b };
}

function isDigits(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function entryName(d: DirItem, offset: number): string {
  if (d.name.includes(0x2f) || d.name.includes(0)) throw corrupt('directory entry name contains "/" or NUL', 'btrfs dir item', offset);
  return utf8.decode(d.name);
}

/** UTF-8 bytes of a name; ASCII names (nearly all) skip the TextEncoder call, which costs more than the copy. */
function encodeName(name: string): Uint8Array {
  const out = new Uint8Array(name.length);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x80) return encoder.encode(name);
    out[i] = c;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
