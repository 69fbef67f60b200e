import { GuestguardError } from '../../errors.js';
import { LruCache } from '../../util/lru.js';
import type { ChunkMap } from './chunks.js';
import { MAX_LEVEL } from './constants.js';
import { corrupt } from './errors.js';
import { keyString, searchKey, TreeNode, type Key, type NodeContext, type SearchKey } from './node.js';

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

/** What TreeReader.peek and locate answer when the lookup needs a block that is not cached. */
export const NOT_CACHED: unique symbol = Symbol('not cached');

/** Reads and caches tree blocks, and searches B-trees with verified levels and key order. */
export class TreeReader {
  private readonly cache: LruCache<number, TreeNode>;
  private readonly inflight = new Map<number, Promise<TreeNode>>();
  private readonly fingers: Finger[] = [];

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
    return checkHeader(this.cache.get(bytenr) ?? (await this.load(bytenr, tree)), level, generation, tree);
  }

  /** A block from the cache or the device (callers try the cache first: a hit then costs no await). */
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

  /**
   * Descends to the leaf that would hold `key`: the internal (node, slot) path, the leaf and its
   * last slot <= key. The path is shared with the finger cache: callers that move along it copy it.
   * Callers try descendCached first, which needs no await (most lookups, once blocks are cached).
   */
  private async descend(root: TreeRoot, key: SearchKey): Promise<Descent> {
    this.checkRoot(root);
    const path: Step[] = [];
    let node = await this.node(root.bytenr, root.level, root.generation, root.name);
    while (!node.isLeaf) {
      const slot = childSlot(node, key, root.name);
      path.push({ node, slot });
      node = await this.child(node, slot, root.name);
    }
    return this.remember(root, path, node, key);
  }

  /** descend() when a recent descent covers the key or every block on the way is cached; otherwise undefined. */
  private descendCached(root: TreeRoot, key: SearchKey): Descent | undefined {
    const f = this.finger(root, key);
    if (f) return { path: f.path, leaf: f.leaf, slot: f.leaf.lastLE(key) };
    this.checkRoot(root);
    const top = this.cache.get(root.bytenr);
    if (!top) return undefined;
    let node = checkHeader(top, root.level, root.generation, root.name);
    const path: Step[] = [];
    while (!node.isLeaf) {
      const slot = childSlot(node, key, root.name);
      const child = this.cache.get(node.childAt(slot));
      if (!child) return undefined;
      path.push({ node, slot });
      node = checkChild(node, slot, child, root.name);
    }
    return this.remember(root, path, node, key);
  }

  private remember(root: TreeRoot, path: Step[], leaf: TreeNode, key: SearchKey): Descent {
    if (this.fingers.length >= MAX_FINGERS) this.fingers.pop();
    this.fingers.unshift({ root, path, leaf });
    return { path, leaf, slot: leaf.lastLE(key) };
  }

  /**
   * A recent descent of this tree that `key` would take again: at every level, the key lies
   * between the chosen slot's key and the next one. Lookups of one inode's items (inode, then
   * extents) and of one directory's entries land in the same leaf, and this skips the walk
   * from the root. The answer is the one a descent gives, since cached nodes never change.
   */
  private finger(root: TreeRoot, key: SearchKey): Finger | undefined {
    const fingers = this.fingers;
    for (let i = 0; i < fingers.length; i++) {
      const f = fingers[i]!;
      if (f.root !== root || !covers(f.path, key)) continue;
      if (i > 0) {
        fingers.splice(i, 1);
        fingers.unshift(f);
      }
      return f;
    }
    return undefined;
  }

  /** Child `slot` of an internal node, checked against what the parent promised (see checkChild). */
  private async child(parent: TreeNode, slot: number, tree: string): Promise<TreeNode> {
    const bytenr = parent.childAt(slot);
    return checkChild(parent, slot, this.cache.get(bytenr) ?? (await this.load(bytenr, tree)), tree);
  }

  /**
   * Moves `path` to the next leaf on the right: climbs to the nearest ancestor with a next child
   * and goes down its leftmost edge. Undefined at the end of the tree or when that child's key is
   * already past `max`.
   */
  private async nextLeaf(path: Step[], max: SearchKey, tree: string): Promise<TreeNode | undefined> {
    let up = path.pop();
    while (up && up.slot + 1 >= up.node.nritems) up = path.pop();
    if (!up) return undefined;
    up.slot++;
    if (up.node.compareTo(up.slot, max) > 0) return undefined;
    path.push(up);
    let node = await this.child(up.node, up.slot, tree);
    while (!node.isLeaf) {
      path.push({ node, slot: 0 });
      node = await this.child(node, 0, tree);
    }
    return node;
  }

  /** Keys must strictly increase from the last item of one leaf to the first of the next. */
  private checkFollows(prev: TreeNode, leaf: TreeNode, tree: string): void {
    if (leaf.compareKeyWith(0, prev, prev.nritems - 1) <= 0) {
      throw corrupt(`key ${keyString(leaf.keyAt(0))} does not follow ${keyString(prev.keyAt(prev.nritems - 1))}`, `btrfs ${tree} block at logical ${leaf.logical}`, leaf.physical);
    }
  }

  /**
   * get() answered without waiting, from cached blocks only: the item, undefined when there is
   * none, or NOT_CACHED when a block on the way must be read first (then call get()).
   */
  peek(root: TreeRoot, key: Key): Item | undefined | typeof NOT_CACHED {
    const sk = searchKey(key);
    const d = this.descendCached(root, sk);
    if (!d) return NOT_CACHED;
    return d.slot < 0 || d.leaf.compareTo(d.slot, sk) !== 0 ? undefined : itemAt(d.leaf, d.slot);
  }

  /**
   * The leaf that would hold `key` and its last slot <= key (-1 when every key there is
   * greater), from cached blocks only; NOT_CACHED when a block must be read first. The leaf is
   * only valid for slots up to its last one: later keys may continue in the next leaf.
   */
  locate(root: TreeRoot, key: SearchKey): { leaf: TreeNode; slot: number } | typeof NOT_CACHED {
    return this.descendCached(root, key) ?? NOT_CACHED;
  }

  /** The item with exactly this key, if any. */
  async get(root: TreeRoot, key: Key): Promise<Item | undefined> {
    const sk = searchKey(key);
    const { leaf, slot } = this.descendCached(root, sk) ?? (await this.descend(root, sk));
    if (slot < 0 || leaf.compareTo(slot, sk) !== 0) return undefined;
    return itemAt(leaf, slot);
  }

  /**
   * Calls `visit(leaf, slot)` for the items with min <= key <= max in key order, until it
   * returns false; the leaf gives the item's key, data and position without an Item per slot.
   * With `from`, the walk starts at the last item <= from when that is >= min (the file extent
   * covering an offset, then the ones after it, in one descent). Keys must strictly increase
   * across leaves, so even a corrupt tree that shares or repeats blocks cannot make this loop.
   */
  async scan(root: TreeRoot, min: Key, max: Key, visit: (leaf: TreeNode, slot: number) => boolean | void, from?: Key): Promise<void> {
    const sMin = searchKey(min);
    const sMax = searchKey(max);
    const sFrom = from ? searchKey(from) : sMin;
    const start = this.descendCached(root, sFrom) ?? (await this.descend(root, sFrom));
    let path: Step[] | undefined;
    let leaf = start.leaf;
    let slot = firstSlot(start, sMin);
    let visited = false;
    let prev: TreeNode | undefined;
    for (;;) {
      for (; slot < leaf.nritems; slot++) {
        if (leaf.compareTo(slot, sMax) > 0) return;
        if (prev) {
          this.checkFollows(prev, leaf, root.name);
          prev = undefined;
        }
        visited = true;
        if (visit(leaf, slot) === false) return;
      }
      path ??= start.path.map((st) => ({ node: st.node, slot: st.slot }));
      const next = await this.nextLeaf(path, sMax, root.name);
      if (!next) return;
      if (visited) prev = leaf;
      leaf = next;
      slot = 0;
    }
  }

  /** Calls `visit` with each item whose key lies in [min, max], in key order, until it returns false (scan, with Items). */
  items(root: TreeRoot, min: Key, max: Key, visit: (item: Item) => boolean | void): Promise<void> {
    return this.scan(root, min, max, (leaf, slot) => visit(itemAt(leaf, slot)));
  }
}

interface Step {
  node: TreeNode;
  slot: number;
}

interface Descent {
  path: readonly Step[];
  leaf: TreeNode;
  slot: number;
}

/** A block whose level and generation match what its parent (or the root item) promised. */
function checkHeader(node: TreeNode, level: number, generation: bigint | undefined, tree: string): TreeNode {
  if (node.level !== level) throw corrupt(`tree block has level ${node.level}, expected ${level}`, `btrfs ${tree} block at logical ${node.logical}`, node.physical + 100);
  if (generation !== undefined && node.generation !== generation) {
    throw corrupt(`tree block has generation ${node.generation}, parent expects ${generation}`, `btrfs ${tree} block at logical ${node.logical}`, node.physical + 80);
  }
  return node;
}

/**
 * Checks child `slot` of an internal node: the level and generation the pointer promises, not
 * empty, and starting with the key its parent promised (compared in place, no BigInts).
 */
function checkChild(parent: TreeNode, slot: number, child: TreeNode, tree: string): TreeNode {
  if (child.level !== parent.level - 1) {
    throw corrupt(`tree block has level ${child.level}, expected ${parent.level - 1}`, `btrfs ${tree} block at logical ${child.logical}`, child.physical + 100);
  }
  if (!parent.childGenerationMatches(slot, child)) {
    throw corrupt(`tree block has generation ${child.generation}, parent expects ${parent.childGeneration(slot)}`, `btrfs ${tree} block at logical ${child.logical}`, child.physical + 80);
  }
  if (child.nritems === 0) throw corrupt('empty non-root tree block', `btrfs ${tree} block at logical ${child.logical}`, child.physical + 96);
  if (parent.compareKeyWith(slot, child, 0) !== 0) {
    throw corrupt(`first key ${keyString(child.keyAt(0))} differs from parent key ${keyString(parent.keyAt(slot))}`, `btrfs ${tree} block at logical ${child.logical}`, child.physical);
  }
  return child;
}

/** Where a walk from `min` starts in the leaf a descent reached: its slot, or the next one when that is below min. */
function firstSlot(d: Descent, min: SearchKey): number {
  return d.slot < 0 || d.leaf.compareTo(d.slot, min) < 0 ? d.slot + 1 : d.slot;
}

/** The child a descent takes from an internal node. */
function childSlot(node: TreeNode, key: SearchKey, tree: string): number {
  if (node.nritems === 0) throw corrupt('empty internal node', `btrfs ${tree} block at logical ${node.logical}`, node.physical);
  return Math.max(0, node.lastLE(key));
}

/** A finished descent: the root it started from, the internal path and the leaf reached. */
interface Finger {
  root: TreeRoot;
  path: readonly Step[];
  leaf: TreeNode;
}

/** Recent descents kept (most recent first). */
const MAX_FINGERS = 4;

/** True when descending with `key` would choose the same slot at every level of `path`. */
function covers(path: readonly Step[], key: SearchKey): boolean {
  for (let i = 0; i < path.length; i++) {
    const { node, slot } = path[i]!;
    // Slot 0 also takes keys below its own (the descent clamps lastLE to 0).
    if (slot > 0 && node.compareTo(slot, key) > 0) return false;
    if (slot + 1 < node.nritems && node.compareTo(slot + 1, key) <= 0) return false;
  }
  return true;
}

export function itemAt(leaf: TreeNode, slot: number): Item {
  return { key: leaf.keyAt(slot), data: leaf.itemData(slot), offset: leaf.itemPhysical(slot) };
}
