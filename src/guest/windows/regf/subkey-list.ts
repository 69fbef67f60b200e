/**
 * Subkey lists: an lf/lh/li leaf of key node offsets (lh with name hashes), or an ri index root
 * over such leaves. A walk is fed one list cell at a time, so the same checks serve callers
 * that take cells from memory and callers that read them.
 */
import { corrupt, hex } from './errors.js';
import { hasSig, le16, le32, sigText, type Cell, type CellStore } from './cells.js';

/** A parsed subkey list: nk offsets in stored order and, for lh entries, the name hash (-1 for none). */
export interface SubkeyRefs {
  offsets: number[];
  hashes: number[];
}

/** More subkeys than any real key has: the list is corrupt or hostile. */
export const MAX_SUBKEYS = 1_000_000;
/** Longest subkey list kept in CellStore.subkeyLists (real keys: Services ~600, CLSID ~20000). */
export const CACHED_LIST_MAX = 65536;
export const LIST_S = 'subkey list cell';
/** Largest list cell a key can need: 0xffff entries of 8 bytes. */
export const LIST_MAX = 4 + 0xffff * 8;

const NO_LEAVES: number[] = [];

/**
 * One walk over a key's subkey list. Refuses list cells referenced twice (cycles), nested
 * index roots, and key nodes listed twice.
 */
export class RefsWalk {
  readonly out: SubkeyRefs = { offsets: [], hashes: [] };
  private readonly seenLists = new Set<number>();
  private readonly seenKeys = new Set<number>();

  constructor(
    private readonly store: CellStore,
    /** The key's path, for messages. */
    private readonly path: string,
  ) {}

  /** Called before a list cell is read. */
  enter(rel: number): void {
    if (this.seenLists.has(rel)) throw corrupt(`subkey list ${hex(rel)} is referenced twice (cycle)`, LIST_S, this.store.fileOffset(rel), this.store.path);
    this.seenLists.add(rel);
  }

  /** Takes a leaf's entries; for an index root, returns the leaves to take next. */
  take(cell: Cell, inIndexRoot: boolean): number[] {
    const store = this.store;
    const rel = cell.offset;
    const at = store.fileOffset(rel);
    const d = cell.data;
    const lh = hasSig(d, 0, 'lh');
    const wide = lh || hasSig(d, 0, 'lf');
    const ri = !wide && hasSig(d, 0, 'ri');
    if (!wide && !ri && !hasSig(d, 0, 'li')) throw corrupt(`unknown subkey list signature ${JSON.stringify(sigText(d))}`, LIST_S, at, store.path);
    const n = le16(d, 2);
    const width = wide ? 8 : 4;
    if (4 + n * width > d.length) throw corrupt(`${sigText(d)} list of ${n} entries overruns its ${d.length}-byte cell`, LIST_S, at, store.path);
    if (ri) {
      if (inIndexRoot) throw corrupt('an index root (ri) lists another index root', LIST_S, at, store.path);
      const leaves: number[] = [];
      for (let i = 0; i < n; i++) leaves.push(le32(d, 4 + i * 4));
      return leaves;
    }
    const { offsets, hashes } = this.out;
    if (offsets.length + n > MAX_SUBKEYS) throw store.limit(`key "${this.path}" has more than ${MAX_SUBKEYS} subkeys`, LIST_S, rel);
    for (let i = 0; i < n; i++) {
      const offset = le32(d, 4 + i * width);
      if (this.seenKeys.has(offset)) throw corrupt(`key node ${hex(offset)} is listed twice`, LIST_S, at, store.path);
      this.seenKeys.add(offset);
      offsets.push(offset);
      hashes.push(lh ? le32(d, 8 + i * 8) : -1);
    }
    return NO_LEAVES;
  }
}
