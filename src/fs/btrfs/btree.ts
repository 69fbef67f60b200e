import { GuestguardError } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import type { ChunkMap } from './chunks.js';
import { MAX_LEVEL } from './constants.js';
import { corrupt } from './errors.js';
import { compareKeys, keyString, TreeNode, type Key, type NodeContext } from './node.js';

/** Where a tree starts: its root block, the level it must have and the generation it must carry. */
export interface TreeRoot {
  bytenr: number;
  level: number;
  generation?: bigint;
  /** For error messages: "root tree", "fs tree 256"... */
  name: string;
}

export interface Item {
  key: Key;
  data: Uint8Array;
  /** Physical offset of the item data, for error messages. */
  offset: number;
}

/** Reads and caches tree blocks, and searches B-trees with verified levels and key order. */
export class TreeReader {
  private readonly cache: LruCache<number, TreeNode>;
  private readonly inflight = new Map<number, Promise<TreeNode>>();

  constructor(
    private readonly chunks: ChunkMap,
    private readonly ctx: NodeContext,
    cacheBytes = 32 * 1024 * 1024,
    /** Where repaired reads (a good mirror after a corrupt one) are reported. */
    private readonly warnings: string[] = [],
  ) {
    this.cache = new LruCache(Math.max(16, Math.floor(cacheBytes / ctx.nodeSize)));
  }

  /** A block whose level and generation match what the parent pointer says. */
  async node(bytenr: number, level: number, generation: bigint | undefined, tree: string): Promise<TreeNode> {
    const node = await this.load(bytenr, tree);
    const S = `btrfs ${tree} block at logical ${bytenr}`;
    if (node.level !== level) throw corrupt(`tree block has level ${node.level}, expected ${level}`, S, node.physical + 100);
    if (generation !== undefined && node.generation !== generation) {
      throw corrupt(`tree block has generation ${node.generation}, parent expects ${generation}`, S, node.physical + 80);
    }
    return node;
  }

  private load(bytenr: number, tree: string): Promise<TreeNode> {
    const hit = this.cache.get(bytenr);
    if (hit) return Promise.resolve(hit);
    let p = this.inflight.get(bytenr);
    if (!p) {
      p = this.loadMirrors(bytenr, tree).finally(() => this.inflight.delete(bytenr));
      this.inflight.set(bytenr, p);
    }
    return p;
  }

  /** Reads a tree block, trying the other copies of dup/raid1 metadata when one is corrupt. */
  private async loadMirrors(bytenr: number, tree: string): Promise<TreeNode> {
    if (bytenr % 4096 !== 0) throw corrupt(`tree block address ${bytenr} is not aligned`, `btrfs ${tree}`);
    const copies = this.chunks.copies(bytenr);
    let firstError: unknown;
    for (let mirror = 0; mirror < copies; mirror++) {
      try {
        const physical = this.chunks.map(bytenr, this.ctx.nodeSize, mirror)[0]!.offset;
        const node = TreeNode.parse(await this.chunks.read(bytenr, this.ctx.nodeSize, mirror), bytenr, physical, this.ctx, tree);
        if (mirror > 0 && this.warnings.length < 100) this.warnings.push(`${tree} block at logical ${bytenr}: copy 1 is corrupt (${(firstError as Error).message}); used copy ${mirror + 1}`);
        this.cache.set(bytenr, node);
        return node;
      } catch (err) {
        if (!(err instanceof GuestguardError) || err.code !== 'CORRUPT_FILESYSTEM') throw err;
        firstError ??= err;
      }
    }
    throw firstError;
  }

  private checkRoot(root: TreeRoot): void {
    if (root.level >= MAX_LEVEL) throw corrupt(`${root.name} root level ${root.level} is out of range`, `btrfs ${root.name}`);
  }

  /** Descends to the leaf that would hold `key`; returns the path of (node, slot). */
  private async descend(root: TreeRoot, key: Key): Promise<{ node: TreeNode; slot: number }[]> {
    this.checkRoot(root);
    const path: { node: TreeNode; slot: number }[] = [];
    let node = await this.node(root.bytenr, root.level, root.generation, root.name);
    for (;;) {
      if (node.isLeaf) {
        path.push({ node, slot: node.lastLE(key) });
        return path;
      }
      if (node.nritems === 0) throw corrupt('empty internal node', `btrfs ${root.name} block at logical ${node.logical}`, node.physical);
      const slot = Math.max(0, node.lastLE(key));
      path.push({ node, slot });
      node = await this.child(node, slot, root.name);
    }
  }

  /** Child `slot` of an internal node, checked to start with the key its parent promised. */
  private async child(parent: TreeNode, slot: number, tree: string): Promise<TreeNode> {
    const child = await this.node(parent.childAt(slot), parent.level - 1, parent.childGeneration(slot), tree);
    if (child.nritems === 0) throw corrupt('empty non-root tree block', `btrfs ${tree} block at logical ${child.logical}`, child.physical + 96);
    if (compareKeys(child.keyAt(0), parent.keyAt(slot)) !== 0) {
      throw corrupt(`first key ${keyString(child.keyAt(0))} differs from parent key ${keyString(parent.keyAt(slot))}`, `btrfs ${tree} block at logical ${child.logical}`, child.physical);
    }
    return child;
  }

  /** The item with exactly this key, if any. */
  async get(root: TreeRoot, key: Key): Promise<Item | undefined> {
    const path = await this.descend(root, key);
    const { node, slot } = path[path.length - 1]!;
    if (slot < 0 || node.compareAt(slot, key) !== 0) return undefined;
    return { key: node.keyAt(slot), data: node.itemData(slot), offset: node.itemPhysical(slot) };
  }

  /**
   * Items with min <= key <= max, in key order. Keys must strictly increase across leaves, so
   * even a corrupt tree that shares or repeats blocks cannot make this loop.
   */
  async *range(root: TreeRoot, min: Key, max: Key): AsyncGenerator<Item> {
    const path = await this.descend(root, min);
    let prev: Key | undefined;
    let leaf = path.pop()!;
    let slot = leaf.slot < 0 || leaf.node.compareAt(leaf.slot, min) < 0 ? leaf.slot + 1 : leaf.slot;
    for (;;) {
      for (; slot < leaf.node.nritems; slot++) {
        if (leaf.node.compareAt(slot, max) > 0) return;
        const key = leaf.node.keyAt(slot);
        if (prev && compareKeys(key, prev) <= 0) {
          throw corrupt(`key ${keyString(key)} does not follow ${keyString(prev)}`, `btrfs ${root.name} block at logical ${leaf.node.logical}`, leaf.node.physical);
        }
        prev = key;
        yield { key, data: leaf.node.itemData(slot), offset: leaf.node.itemPhysical(slot) };
      }
      // Climb to the nearest ancestor with a next child, then go down its leftmost edge.
      let up = path.pop();
      while (up && up.slot + 1 >= up.node.nritems) up = path.pop();
      if (!up) return;
      up.slot++;
      if (up.node.compareAt(up.slot, max) > 0) return;
      path.push(up);
      let node = await this.child(up.node, up.slot, root.name);
      while (!node.isLeaf) {
        path.push({ node, slot: 0 });
        node = await this.child(node, 0, root.name);
      }
      leaf = { node, slot: 0 };
      slot = 0;
    }
  }

  /** The last item with key <= `key` and key >= `min`, e.g. the file extent covering an offset. */
  async findLE(root: TreeRoot, key: Key, min: Key): Promise<Item | undefined> {
    const path = await this.descend(root, key);
    const { node, slot } = path[path.length - 1]!;
    if (slot < 0 || node.compareAt(slot, min) < 0) return undefined;
    return { key: node.keyAt(slot), data: node.itemData(slot), offset: node.itemPhysical(slot) };
  }
}
