/**
 * Directory indexes ($I30): a B+tree whose root lives in the resident $INDEX_ROOT and whose
 * other nodes are fixed-up "INDX" records in $INDEX_ALLOCATION. Listing walks the tree in
 * order; lookup descends it by the volume's collation ($UpCase-folded code units). Both stop
 * at a depth limit and on any node visited twice.
 */
import { LruCache } from '../../util/lru.js';
import { AT_INDEX_ALLOCATION, AT_INDEX_ROOT, COLLATION_FILE_NAME, AT_FILE_NAME, INDEX_ENTRY_END, INDEX_ENTRY_NODE, MAX_DIR_ENTRIES, MAX_INDEX_DEPTH } from './constants.js';
import { corrupt, view } from './errors.js';
import { applyFixups } from './fixups.js';
import { parseFileNameValue, type NtfsNode } from './node.js';
import { attrLabel, type Stream } from './stream.js';
import type { NtfsVolume } from './volume.js';
import type { UpCase } from './upcase.js';

export const I30 = '$I30';

export interface IndexEntry {
  recNo: number;
  sequence: number;
  name: string;
  namespace: number;
  /** File attributes as recorded in the index key (may lag behind the file's own). */
  fileAttributes: number;
}

/** One slot of a node: an entry (absent for the terminating slot) and the child to its left. */
interface Slot {
  entry?: IndexEntry;
  child?: number;
  folded?: string;
}

interface IndexRoot {
  blockSize: number;
  slots: Slot[];
}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Parses the entries between `start` and `end` of an index node buffer. */
export function parseEntries(b: Uint8Array, start: number, end: number, structure: string, offset: number): Slot[] {
  const v = view(b, structure, offset);
  const slots: Slot[] = [];
  let pos = start;
  for (;;) {
    if (pos + 16 > end) throw corrupt('index entries are not terminated by an end entry', structure, offset + pos);
    const ref = v.u64le(pos);
    const length = v.u16le(pos + 8);
    const keyLength = v.u16le(pos + 10);
    const flags = v.u16le(pos + 12);
    if (length < 16 || length & 7 || pos + length > end) throw corrupt(`index entry length ${length} is invalid`, structure, offset + pos + 8);
    const slot: Slot = {};
    if (flags & INDEX_ENTRY_NODE) {
      if (length < 24) throw corrupt('index entry with a sub-node is too short for its VCN', structure, offset + pos + 8);
      const vcn = v.u64le(pos + length - 8);
      if (vcn > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`sub-node VCN ${vcn} is invalid`, structure, offset + pos + length - 8);
      slot.child = Number(vcn);
    }
    if (flags & INDEX_ENTRY_END) {
      slots.push(slot);
      return slots;
    }
    const keyRoom = length - 16 - (flags & INDEX_ENTRY_NODE ? 8 : 0);
    if (keyLength < 0x42 || keyLength > keyRoom) throw corrupt(`index key length ${keyLength} is invalid`, structure, offset + pos + 10);
    const fn = parseFileNameValue(b.subarray(pos + 16, pos + 16 + keyLength), structure, offset + pos + 16);
    slot.entry = {
      recNo: Number(ref & 0xffffffffffffn),
      sequence: Number(ref >> 48n),
      name: fn.name,
      namespace: fn.namespace,
      fileAttributes: fn.fileAttributes,
    };
    slots.push(slot);
    if (slots.length > b.length / 16) throw corrupt('too many index entries', structure, offset + pos);
    pos += length;
  }
}

export class DirIndex {
  private readonly blocks = new LruCache<string, Slot[]>(1024);

  constructor(private readonly vol: NtfsVolume) {}

  private root(node: NtfsNode): IndexRoot {
    const label = attrLabel(AT_INDEX_ROOT, I30, node.recNo);
    const attr = node.attrs.find((a) => a.type === AT_INDEX_ROOT && a.name === I30);
    if (!attr) throw corrupt('directory has no $INDEX_ROOT "$I30"', `MFT record ${node.recNo}`, node.base.offset);
    if (!attr.resident) throw corrupt('$INDEX_ROOT is not resident', label, attr.offset);
    const b = attr.value!;
    const v = view(b, label, attr.offset);
    if (v.u32le(0) !== AT_FILE_NAME) throw corrupt(`indexes attribute type 0x${v.u32le(0).toString(16)}, not $FILE_NAME`, label, attr.offset);
    if (v.u32le(4) !== COLLATION_FILE_NAME) throw corrupt(`collation rule ${v.u32le(4)} is not the file-name collation`, label, attr.offset + 4);
    const blockSize = v.u32le(8);
    if (!isPow2(blockSize) || blockSize < 512 || blockSize > 65536) throw corrupt(`index block size ${blockSize} is invalid`, label, attr.offset + 8);
    const entriesOffset = v.u32le(0x10);
    const indexLength = v.u32le(0x14);
    if (entriesOffset < 16 || 0x10 + indexLength > b.length || entriesOffset > indexLength) {
      throw corrupt(`index header (entries at ${entriesOffset}, length ${indexLength}) lies outside the ${b.length}-byte root`, label, attr.offset + 0x10);
    }
    return { blockSize, slots: parseEntries(b, 0x10 + entriesOffset, 0x10 + indexLength, label, attr.offset) };
  }

  /** The entries of the INDX record at `vcn` (cached). */
  private async block(node: NtfsNode, alloc: Stream | undefined, blockSize: number, vcn: number): Promise<Slot[]> {
    const key = `${node.recNo}:${vcn}`;
    const hit = this.blocks.get(key);
    if (hit) return hit;
    const structure = `index record at VCN ${vcn} of MFT record ${node.recNo}`;
    if (!alloc) throw corrupt('a sub-node is referenced but the directory has no $INDEX_ALLOCATION', structure);
    const cs = this.vol.boot.clusterSize;
    const vcnSize = blockSize >= cs ? cs : 512;
    const pos = vcn * vcnSize;
    if (pos % blockSize !== 0 || pos + blockSize > alloc.size) {
      throw corrupt(`VCN ${vcn} is not a block inside the ${alloc.size}-byte $INDEX_ALLOCATION`, structure);
    }
    const offset = this.vol.streamOffset(alloc, pos) ?? 0;
    const b = await this.vol.reader.read(alloc, pos, blockSize, true);
    applyFixups(b, 'INDX', structure, offset);
    const v = view(b, structure, offset);
    const recorded = v.u64le(0x10);
    if (recorded !== BigInt(vcn)) throw corrupt(`record says it is VCN ${recorded}`, structure, offset + 0x10);
    const entriesOffset = v.u32le(0x18);
    const indexLength = v.u32le(0x1c);
    if (entriesOffset < 16 || entriesOffset > indexLength || 0x18 + indexLength > blockSize) {
      throw corrupt(`index header (entries at ${entriesOffset}, length ${indexLength}) lies outside the ${blockSize}-byte record`, structure, offset + 0x18);
    }
    const slots = parseEntries(b, 0x18 + entriesOffset, 0x18 + indexLength, structure, offset);
    this.blocks.set(key, slots);
    return slots;
  }

  private allocation(node: NtfsNode): Stream | undefined {
    return node.stream(AT_INDEX_ALLOCATION, I30);
  }

  /** Every entry of the directory, in collation order. */
  async list(node: NtfsNode): Promise<IndexEntry[]> {
    const root = this.root(node);
    const alloc = root.slots.some((s) => s.child !== undefined) ? this.allocation(node) : undefined;
    const out: IndexEntry[] = [];
    const visited = new Set<number>();
    const walk = async (slots: Slot[], depth: number): Promise<void> => {
      for (const s of slots) {
        if (s.child !== undefined) {
          const child = await this.enter(node, alloc, root.blockSize, s.child, depth, visited);
          await walk(child, depth + 1);
        }
        if (s.entry) {
          if (out.length >= MAX_DIR_ENTRIES) throw corrupt(`more than ${MAX_DIR_ENTRIES} entries`, attrLabel(AT_INDEX_ROOT, I30, node.recNo));
          out.push(s.entry);
        }
      }
    };
    await walk(root.slots, 0);
    return out;
  }

  private async enter(node: NtfsNode, alloc: Stream | undefined, blockSize: number, vcn: number, depth: number, visited: Set<number>): Promise<Slot[]> {
    const structure = `index record at VCN ${vcn} of MFT record ${node.recNo}`;
    if (depth >= MAX_INDEX_DEPTH) throw corrupt(`directory B+tree is deeper than ${MAX_INDEX_DEPTH} levels`, structure);
    if (visited.has(vcn)) throw corrupt('index record is referenced twice (cycle in the directory B+tree)', structure);
    visited.add(vcn);
    return this.block(node, alloc, blockSize, vcn);
  }

  /** Entries whose names equal `name` under the volume's case folding (case twins, DOS names). */
  async find(node: NtfsNode, name: string, upcase: UpCase): Promise<IndexEntry[]> {
    const root = this.root(node);
    const key = upcase.fold(name);
    const alloc = root.slots.some((s) => s.child !== undefined) ? this.allocation(node) : undefined;
    const matches: IndexEntry[] = [];
    const visited = new Set<number>();
    const search = async (slots: Slot[], depth: number): Promise<void> => {
      for (const s of slots) {
        let c = -1;
        if (s.entry) {
          s.folded ??= upcase.fold(s.entry.name);
          c = key < s.folded ? -1 : key > s.folded ? 1 : 0;
        }
        if (c > 0) continue;
        // Equal keys may also sit in the left subtree (names differing only in case).
        if (s.child !== undefined) await search(await this.enter(node, alloc, root.blockSize, s.child, depth, visited), depth + 1);
        if (c < 0) return;
        matches.push(s.entry!);
      }
    };
    await search(root.slots, 0);
    return matches;
  }

  /** Depth of the directory's B+tree (1 = root only); diagnostics and tests. */
  async depth(node: NtfsNode): Promise<number> {
    const root = this.root(node);
    const alloc = root.slots.some((s) => s.child !== undefined) ? this.allocation(node) : undefined;
    const visited = new Set<number>();
    const measure = async (slots: Slot[], depth: number): Promise<number> => {
      let max = depth + 1;
      for (const s of slots) {
        if (s.child !== undefined) max = Math.max(max, await measure(await this.enter(node, alloc, root.blockSize, s.child, depth, visited), depth + 1));
      }
      return max;
    };
    return measure(root.slots, 0);
  }
}
