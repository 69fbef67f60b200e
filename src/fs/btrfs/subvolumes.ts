import { GuestguardError } from '../../errors.js';
import {
  FIRST_FREE_OBJECTID,
  FS_TREE_OBJECTID,
  INODE_REF_KEY,
  LAST_FREE_OBJECTID,
  ROOT_BACKREF_KEY,
  ROOT_ITEM_KEY,
  ROOT_SUBVOL_RDONLY,
  U64_MAX,
} from './constants.js';
import { corrupt } from './errors.js';
import { parseInodeRefs, parseRootItem, parseRootRef, type RootItem } from './items.js';
import type { BtrfsVolume } from './volume.js';

export interface SubvolumeInfo {
  id: number;
  /** Path from the top-level subvolume, as `btrfs subvolume list` prints it ("@", "@/.snapshots/1/snapshot"). */
  path: string;
  parentId: number;
  uuid?: string;
  parentUuid?: string;
  readonly?: boolean;
}

const MAX_PATH_DEPTH = 4096;
const utf8 = new TextDecoder();

/** Every subvolume and snapshot linked into the filesystem (the top level, id 5, is not listed). */
export async function listSubvolumes(vol: BtrfsVolume): Promise<SubvolumeInfo[]> {
  const items = new Map<bigint, RootItem>();
  const backrefs = new Map<bigint, { parent: bigint; dirid: bigint; name: string }>();
  const min = { objectid: FIRST_FREE_OBJECTID, type: 0, offset: 0n };
  const max = { objectid: LAST_FREE_OBJECTID, type: 255, offset: U64_MAX };
  await vol.trees.items(vol.rootTree, min, max, (it) => {
    if (it.key.type === ROOT_ITEM_KEY) items.set(it.key.objectid, parseRootItem(it));
    else if (it.key.type === ROOT_BACKREF_KEY && !backrefs.has(it.key.objectid)) {
      const r = parseRootRef(it);
      backrefs.set(it.key.objectid, { parent: it.key.offset, dirid: r.dirid, name: utf8.decode(r.name) });
    }
  });
  const paths = new Map<bigint, string>([[FS_TREE_OBJECTID, '']]);
  const resolving = new Set<bigint>();
  const pathOf = async (id: bigint): Promise<string | undefined> => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const ref = backrefs.get(id);
    if (!ref || resolving.has(id) || resolving.size > MAX_PATH_DEPTH) return undefined; // unlinked (being deleted) or a cycle
    resolving.add(id);
    try {
      const parentPath = await pathOf(ref.parent);
      if (parentPath === undefined) return undefined;
      const dir = await dirPath(vol, ref.parent, ref.dirid);
      const p = [parentPath, dir, ref.name].filter((s) => s.length > 0).join('/');
      paths.set(id, p);
      return p;
    } finally {
      resolving.delete(id);
    }
  };
  const out: SubvolumeInfo[] = [];
  for (const [id, item] of items) {
    const path = await pathOf(id);
    if (path === undefined) continue;
    const info: SubvolumeInfo = { id: Number(id), path, parentId: Number(backrefs.get(id)!.parent) };
    if (item.uuid) info.uuid = item.uuid;
    if (item.parentUuid) info.parentUuid = item.parentUuid;
    info.readonly = (item.flags & ROOT_SUBVOL_RDONLY) !== 0n;
    out.push(info);
  }
  return out.sort((a, b) => a.id - b.id);
}

/** Path of directory `dirid` inside subvolume `treeId`, following INODE_REF up to the subvolume root. */
async function dirPath(vol: BtrfsVolume, treeId: bigint, dirid: bigint): Promise<string> {
  const tree = await vol.fsTree(treeId);
  if (!tree) throw corrupt(`subvolume ${treeId} is referenced but has no root item`, 'btrfs root ref');
  const parts: string[] = [];
  const seen = new Set<bigint>();
  let ino = dirid;
  while (ino !== tree.item.rootDirid) {
    if (seen.has(ino) || seen.size > MAX_PATH_DEPTH) throw corrupt(`directory ${dirid} of subvolume ${treeId} has a looping parent chain`, 'btrfs inode ref');
    seen.add(ino);
    let ref: { parent: bigint; name: string } | undefined;
    await vol.trees.items(tree.root, { objectid: ino, type: INODE_REF_KEY, offset: 0n }, { objectid: ino, type: INODE_REF_KEY, offset: U64_MAX }, (it) => {
      const r = parseInodeRefs(it)[0];
      if (r) ref = { parent: it.key.offset, name: utf8.decode(r.name) };
      return false;
    });
    if (!ref) throw corrupt(`directory ${ino} of subvolume ${treeId} has no parent reference`, 'btrfs inode ref');
    parts.push(ref.name);
    ino = ref.parent;
  }
  return parts.reverse().join('/');
}

/**
 * Turns a subvolume option into a tree id: "subvolid=256", "subvol=@home", "@home", "/@home",
 * or mount-option lists like "subvol=@,compress=zstd". An empty path means the top level.
 */
export async function resolveSubvolume(vol: BtrfsVolume, spec: string, defaultId: bigint): Promise<bigint> {
  let id: string | undefined;
  let path: string | undefined;
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) path ??= part;
    else if (part.slice(0, eq) === 'subvolid') id = part.slice(eq + 1);
    else if (part.slice(0, eq) === 'subvol') path = part.slice(eq + 1);
  }
  if (id !== undefined) {
    if (!/^\d{1,20}$/.test(id) || BigInt(id) > U64_MAX) throw new GuestguardError('INVALID_ARGUMENT', `bad btrfs subvolume id "${id}"`);
    const n = BigInt(id);
    if (n === 0n) return defaultId;
    if (n !== FS_TREE_OBJECTID && (n < FIRST_FREE_OBJECTID || n > LAST_FREE_OBJECTID)) {
      throw new GuestguardError('INVALID_ARGUMENT', `${id} is not a btrfs subvolume id`);
    }
    await vol.requireFsTree(n);
    return n;
  }
  const want = (path ?? '').split('/').filter((s) => s.length > 0 && s !== '.').join('/');
  if (want === '') return FS_TREE_OBJECTID;
  const all = await listSubvolumes(vol);
  const hit = all.find((s) => s.path === want);
  if (!hit) {
    const known = all.map((s) => s.path).join(', ') || 'none';
    throw new GuestguardError('NOT_FOUND', `btrfs subvolume "${want}" not found (subvolumes: ${known})`);
  }
  return BigInt(hit.id);
}
