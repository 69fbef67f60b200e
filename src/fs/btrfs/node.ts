import { HEADER_SIZE, KEY_PTR_SIZE, LEAF_ITEM_SIZE } from './constants.js';
import { checksumMatches, CSUM_NAMES } from './checksum.js';
import { corrupt, toSafe } from './errors.js';

/** A btrfs item key: (objectid, type, offset), ordered in that priority. */
export interface Key {
  objectid: bigint;
  type: number;
  offset: bigint;
}

export function compareKeys(a: Key, b: Key): number {
  if (a.objectid !== b.objectid) return a.objectid < b.objectid ? -1 : 1;
  if (a.type !== b.type) return a.type < b.type ? -1 : 1;
  if (a.offset !== b.offset) return a.offset < b.offset ? -1 : 1;
  return 0;
}

export const keyString = (k: Key): string => `(${k.objectid} ${k.type} ${k.offset})`;

/**
 * A key split into 32-bit halves once per search, so that comparing it with the keys of a node
 * reads plain 32-bit words instead of allocating two BigInts per probe.
 */
export interface SearchKey {
  objHi: number;
  objLo: number;
  type: number;
  offHi: number;
  offLo: number;
}

const TWO32 = 4294967296;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const hi32 = (v: bigint): number => (v <= MAX_SAFE ? Math.floor(Number(v) / TWO32) : Number((v >> 32n) & 0xffffffffn));
const lo32 = (v: bigint): number => (v <= MAX_SAFE ? Number(v) >>> 0 : Number(v & 0xffffffffn));

export function searchKey(k: Key): SearchKey {
  return { objHi: hi32(k.objectid), objLo: lo32(k.objectid), type: k.type, offHi: hi32(k.offset), offLo: lo32(k.offset) };
}

export interface NodeContext {
  nodeSize: number;
  csumType: number;
  metadataUuid: Uint8Array;
}

/**
 * One verified tree block (leaf or internal node). Keys stay in the raw buffer and are decoded
 * on demand, so a cached node costs little more than its bytes.
 */
export class TreeNode {
  private readonly dv: DataView;
  /** Bytes per slot: a leaf item (key, offset, size) or a key pointer (key, block, generation). */
  private readonly stride: number;

  private constructor(
    readonly bytes: Uint8Array,
    /** Logical address (its bytenr) and where it was read from, for error messages. */
    readonly logical: number,
    readonly physical: number,
    readonly level: number,
    readonly nritems: number,
    readonly generation: bigint,
    readonly owner: bigint,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.stride = level === 0 ? LEAF_ITEM_SIZE : KEY_PTR_SIZE;
  }

  get isLeaf(): boolean {
    return this.level === 0;
  }

  private keyOffset(i: number): number {
    return HEADER_SIZE + i * this.stride;
  }

  keyAt(i: number): Key {
    const o = this.keyOffset(i);
    return { objectid: this.dv.getBigUint64(o, true), type: this.dv.getUint8(o + 8), offset: this.dv.getBigUint64(o + 9, true) };
  }

  /** Compares key i of this node with a split search key, without allocating. */
  compareTo(i: number, k: SearchKey): number {
    const dv = this.dv;
    const o = HEADER_SIZE + i * this.stride;
    let a = dv.getUint32(o + 4, true);
    if (a !== k.objHi) return a < k.objHi ? -1 : 1;
    a = dv.getUint32(o, true);
    if (a !== k.objLo) return a < k.objLo ? -1 : 1;
    a = this.bytes[o + 8]!;
    if (a !== k.type) return a < k.type ? -1 : 1;
    a = dv.getUint32(o + 13, true);
    if (a !== k.offHi) return a < k.offHi ? -1 : 1;
    a = dv.getUint32(o + 9, true);
    if (a !== k.offLo) return a < k.offLo ? -1 : 1;
    return 0;
  }

  /** Compares key i with key j of `other` (or of this node), without allocating. */
  compareKeyWith(i: number, other: TreeNode, j: number): number {
    const a = this.dv;
    const b = other.dv;
    const oa = HEADER_SIZE + i * this.stride;
    const ob = HEADER_SIZE + j * other.stride;
    // Most significant first: objectid (hi, lo), type, offset (hi, lo).
    let x = a.getUint32(oa + 4, true);
    let y = b.getUint32(ob + 4, true);
    if (x !== y) return x < y ? -1 : 1;
    x = a.getUint32(oa, true);
    y = b.getUint32(ob, true);
    if (x !== y) return x < y ? -1 : 1;
    x = this.bytes[oa + 8]!;
    y = other.bytes[ob + 8]!;
    if (x !== y) return x < y ? -1 : 1;
    x = a.getUint32(oa + 13, true);
    y = b.getUint32(ob + 13, true);
    if (x !== y) return x < y ? -1 : 1;
    x = a.getUint32(oa + 9, true);
    y = b.getUint32(ob + 9, true);
    if (x !== y) return x < y ? -1 : 1;
    return 0;
  }

  /** Index of the last key <= k, or -1 when every key is greater. */
  lastLE(sk: SearchKey): number {
    let lo = 0;
    let hi = this.nritems - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.compareTo(mid, sk) <= 0) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  /** Leaf: the data of item i (bounds were verified when the node was parsed). */
  itemData(i: number): Uint8Array {
    const o = this.keyOffset(i) + 17;
    const off = HEADER_SIZE + this.dv.getUint32(o, true);
    return this.bytes.subarray(off, off + this.dv.getUint32(o + 4, true));
  }

  /** Leaf: where item i's data lies on the device, for error messages. */
  itemPhysical(i: number): number {
    return this.physical + HEADER_SIZE + this.dv.getUint32(this.keyOffset(i) + 17, true);
  }

  /** Internal node: logical address and generation of child i. */
  childAt(i: number): number {
    const o = this.keyOffset(i) + 17;
    const hi = this.dv.getUint32(o + 4, true);
    if (hi > 0x1fffff) return toSafe(this.dv.getBigUint64(o, true), 'child block pointer', 'btrfs tree node', this.physical + o);
    return hi * TWO32 + this.dv.getUint32(o, true);
  }
  childGeneration(i: number): bigint {
    return this.dv.getBigUint64(this.keyOffset(i) + 25, true);
  }
  /** Whether child i's pointer carries the generation stored in `child`'s header (no BigInts). */
  childGenerationMatches(i: number, child: TreeNode): boolean {
    const o = this.keyOffset(i) + 25;
    return this.dv.getUint32(o, true) === child.dv.getUint32(80, true) && this.dv.getUint32(o + 4, true) === child.dv.getUint32(84, true);
  }

  /**
   * Verifies a raw tree block: checksum, self address, filesystem UUID, item count and layout,
   * and strictly increasing keys. Level and generation are checked by the caller, which knows
   * what the parent pointer promised.
   */
  static parse(bytes: Uint8Array, logical: number, physical: number, ctx: NodeContext, what: string): TreeNode {
    const S = `btrfs ${what} block at logical ${logical}`;
    if (bytes.length !== ctx.nodeSize) throw corrupt(`tree block is ${bytes.length} bytes, expected ${ctx.nodeSize}`, S, physical);
    if (!checksumMatches(ctx.csumType, bytes)) throw corrupt(`${CSUM_NAMES[ctx.csumType]} checksum mismatch`, S, physical);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bytenr = dv.getBigUint64(48, true);
    if (bytenr !== BigInt(logical)) throw corrupt(`tree block claims address ${bytenr}`, S, physical + 48);
    for (let i = 0; i < 16; i++) {
      if (bytes[32 + i] !== ctx.metadataUuid[i]) throw corrupt('tree block belongs to another filesystem (fsid mismatch)', S, physical + 32);
    }
    const nritems = dv.getUint32(96, true);
    const level = bytes[100]!;
    const itemSize = level === 0 ? LEAF_ITEM_SIZE : KEY_PTR_SIZE;
    if (nritems > Math.floor((ctx.nodeSize - HEADER_SIZE) / itemSize)) throw corrupt(`item count ${nritems} does not fit the block`, S, physical + 96);
    const node = new TreeNode(bytes, logical, physical, level, nritems, dv.getBigUint64(80, true), dv.getBigUint64(88, true));
    const dataSpace = ctx.nodeSize - HEADER_SIZE;
    for (let i = 0; i < nritems; i++) {
      if (i > 0 && node.compareKeyWith(i, node, i - 1) <= 0) throw corrupt(`keys out of order at slot ${i}`, S, physical + node.keyOffset(i));
      if (level === 0) {
        const o = node.keyOffset(i) + 17;
        const off = dv.getUint32(o, true);
        const size = dv.getUint32(o + 4, true);
        if (off < nritems * LEAF_ITEM_SIZE || off + size > dataSpace) {
          throw corrupt(`item ${i} data (${off}+${size}) lies outside the leaf's data area`, S, physical + o);
        }
      }
    }
    return node;
  }
}
