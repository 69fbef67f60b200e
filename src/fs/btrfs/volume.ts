import type { BlockDevice } from '../../disk/block-device.js';
import { GuestguardError } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import { TreeReader, type TreeRoot } from './btree.js';
import { ChunkMap, parseChunk, parseSysChunkArray } from './chunks.js';
import { CSUM_NAMES, canVerify } from './checksum.js';
import {
  CHUNK_ITEM_KEY,
  DEV_ITEM_KEY,
  DIR_ITEM_KEY,
  FS_TREE_OBJECTID,
  INCOMPAT_EXTENT_TREE_V2,
  INCOMPAT_KNOWN,
  INCOMPAT_RAID_STRIPE_TREE,
  MAX_LEVEL,
  ROOT_ITEM_KEY,
  ROOT_TREE_DIR_OBJECTID,
  U64_MAX,
} from './constants.js';
import { btrfsNameHash } from './crc32c.js';
import { corrupt, unsupported } from './errors.js';
import { parseDirItems, parseRootItem, type RootItem } from './items.js';
import { readSuperblock, type Superblock } from './superblock.js';

export interface VolumeOptions {
  /** Other member devices of a multi-device filesystem. */
  devices?: BlockDevice[];
  /** Open even with member devices missing; reads of data only they hold fail. */
  degraded?: boolean;
  /** Bytes of tree blocks to keep cached (default 32 MiB). */
  cacheBytes?: number;
}

export interface FsTree {
  id: bigint;
  root: TreeRoot;
  item: RootItem;
}

/**
 * The filesystem below the file view: superblock, devices, chunk map, tree block reader, the
 * root tree and its subvolume roots.
 */
export class BtrfsVolume {
  private readonly fsTrees = new LruCache<bigint, FsTree>(1024);

  private constructor(
    readonly sb: Superblock,
    readonly chunks: ChunkMap,
    readonly trees: TreeReader,
    readonly rootTree: TreeRoot,
    readonly warnings: string[],
  ) {}

  static async open(dev: BlockDevice, opts: VolumeOptions = {}): Promise<BtrfsVolume> {
    const { sb, warnings } = await readSuperblock(dev);
    checkFeatures(sb, warnings);
    const devices = new Map<bigint, BlockDevice>([[sb.devItem.devid, dev]]);
    for (const other of opts.devices ?? []) {
      const o = (await readSuperblock(other)).sb;
      if (o.fsid !== sb.fsid) throw unsupported(`${other.name} belongs to btrfs filesystem ${o.fsid}, not ${sb.fsid}`);
      if (devices.has(o.devItem.devid)) throw unsupported(`${other.name} repeats device id ${o.devItem.devid}`);
      devices.set(o.devItem.devid, other);
    }
    const chunks = new ChunkMap(devices);
    for (const { chunk } of parseSysChunkArray(sb.sysChunkArray, sb.offset)) chunks.add(chunk, 'btrfs sys_chunk_array');
    const trees = new TreeReader(chunks, { nodeSize: sb.nodeSize, csumType: sb.csumType, metadataUuid: sb.metadataUuid }, opts.cacheBytes, warnings);

    // The chunk tree maps every other chunk and lists the member devices.
    const chunkRoot: TreeRoot = { bytenr: sb.chunkRoot, level: sb.chunkRootLevel, generation: sb.chunkRootGeneration, name: 'chunk tree' };
    const devids: bigint[] = [];
    await trees.items(chunkRoot, { objectid: 0n, type: 0, offset: 0n }, { objectid: U64_MAX, type: 255, offset: U64_MAX }, (it) => {
      if (it.key.type === DEV_ITEM_KEY) devids.push(it.key.offset);
      else if (it.key.type === CHUNK_ITEM_KEY) chunks.add(parseChunk(it.data, it.key.offset, it.offset), 'btrfs chunk item', it.offset);
    });
    const missing = devids.filter((d) => !devices.has(d));
    if (missing.length > 0) {
      const msg = `btrfs filesystem ${sb.fsid} spans ${devids.length} devices; missing device id ${missing.join(', ')}`;
      if (!opts.degraded) throw unsupported(`${msg} (multi-device filesystems need all member devices)`, 'btrfs chunk tree');
      warnings.push(`${msg}; reading degraded`);
    }
    if (sb.logRoot !== 0) warnings.push('the filesystem has an unreplayed log tree (fsync data after the last commit is ignored)');
    const rootTree: TreeRoot = { bytenr: sb.root, level: sb.rootLevel, generation: sb.generation, name: 'root tree' };
    return new BtrfsVolume(sb, chunks, trees, rootTree, warnings);
  }

  /** The subvolume a plain mount shows: the root tree's "default" entry, else the top level. */
  async defaultSubvolume(): Promise<bigint> {
    const name = new TextEncoder().encode('default');
    const key = { objectid: ROOT_TREE_DIR_OBJECTID, type: DIR_ITEM_KEY, offset: BigInt(btrfsNameHash(name)) };
    const item = await this.trees.get(this.rootTree, key);
    if (!item) return FS_TREE_OBJECTID;
    const entry = parseDirItems(item).find((d) => d.name.length === name.length && d.name.every((b, i) => b === name[i]));
    return entry ? entry.location.objectid : FS_TREE_OBJECTID;
  }

  /** A subvolume's tree if it was looked up before (no waiting). */
  cachedFsTree(id: bigint): FsTree | undefined {
    return this.fsTrees.get(id);
  }

  /** A subvolume's tree by id; undefined when the root tree has no ROOT_ITEM for it. */
  async fsTree(id: bigint): Promise<FsTree | undefined> {
    const hit = this.fsTrees.get(id);
    if (hit) return hit;
    let found: RootItem | undefined;
    await this.trees.items(this.rootTree, { objectid: id, type: ROOT_ITEM_KEY, offset: 0n }, { objectid: id, type: ROOT_ITEM_KEY, offset: U64_MAX }, (it) => {
      found = parseRootItem(it);
    });
    if (!found) return undefined;
    if (found.level >= MAX_LEVEL) throw corrupt(`subvolume ${id} root level ${found.level} is out of range`, 'btrfs root item');
    const tree: FsTree = { id, item: found, root: { bytenr: found.bytenr, level: found.level, generation: found.generation, name: `fs tree ${id}` } };
    this.fsTrees.set(id, tree);
    return tree;
  }

  async requireFsTree(id: bigint): Promise<FsTree> {
    const t = await this.fsTree(id);
    if (!t) throw new GuestguardError('NOT_FOUND', `btrfs subvolume ${id} does not exist`, { structure: 'btrfs root tree' });
    return t;
  }
}

function checkFeatures(sb: Superblock, warnings: string[]): void {
  if (sb.incompatFlags & INCOMPAT_EXTENT_TREE_V2) throw unsupported('btrfs extent-tree-v2 filesystems are not supported', 'btrfs superblock');
  if (sb.incompatFlags & INCOMPAT_RAID_STRIPE_TREE) throw unsupported('btrfs raid-stripe-tree filesystems are not supported', 'btrfs superblock');
  const unknown = sb.incompatFlags & ~INCOMPAT_KNOWN;
  if (unknown !== 0n) throw unsupported(`btrfs filesystem uses unknown incompatible features 0x${unknown.toString(16)}`, 'btrfs superblock');
  if (!canVerify(sb.csumType)) warnings.push(`${CSUM_NAMES[sb.csumType]} checksums are not verified`);
}
