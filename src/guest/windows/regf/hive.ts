/**
 * A Windows registry hive (regf) reader: opens a primary hive file, checks its base block and
 * serves keys and values lazily. Transaction logs (.LOG1/.LOG2) are not replayed; a hive that
 * was not saved cleanly is read as it is on disk and says so in `warnings`.
 */
import type { GuestFileSystem } from '../../../fs/vfs.js';
import { BASE_BLOCK_SIZE, parseBaseBlock, type BaseBlock } from './base-block.js';
import { CellStore } from './cells.js';
import { corrupt, hex, regError } from './errors.js';
import { RegistryKey } from './key.js';
import { bytesSource, guestFileSource, type HiveSource } from './source.js';

export interface HiveOptions {
  /** Open a hive whose base block checksum is wrong (reported in warnings) instead of failing. */
  ignoreChecksum?: boolean;
  /** Largest single value the reader will assemble (default 64 MiB). */
  maxValueBytes?: number;
  /** Name for error messages when opening from bytes. */
  path?: string;
  /**
   * openFile(): a hive file of at most this many bytes is read whole when opened (default
   * WHOLE_HIVE_MAX, 16 MiB), a larger one lazily in chunks.
   */
  wholeFileMax?: number;
}

/** Windows refuses keys nested deeper than 512 levels. */
export const MAX_KEY_DEPTH = 512;

export class Hive {
  private constructor(
    private readonly store: CellStore,
    readonly header: BaseBlock,
    readonly root: RegistryKey,
  ) {}

  /** Problems found while reading that did not stop it (dirty hive, inconsistent counts...). */
  get warnings(): string[] {
    return this.store.warnings;
  }

  static async open(bytes: Uint8Array, opts: HiveOptions = {}): Promise<Hive> {
    return Hive.openSource(bytesSource(bytes, opts.path), opts);
  }

  /** Opens a hive file inside a guest: read whole when small, else lazily (see wholeFileMax). */
  static async openFile(view: GuestFileSystem, path: string, opts: HiveOptions = {}): Promise<Hive> {
    return Hive.openSource(await guestFileSource(view, path, opts.wholeFileMax === undefined ? {} : { wholeMax: opts.wholeFileMax }), opts);
  }

  static async openSource(source: HiveSource, opts: HiveOptions = {}): Promise<Hive> {
    const maxValueBytes = opts.maxValueBytes ?? 64 * 1024 * 1024;
    if (!(maxValueBytes > 0)) throw regError('INVALID_ARGUMENT', `maxValueBytes must be positive, got ${maxValueBytes}`);
    if (source.size < BASE_BLOCK_SIZE) throw corrupt(`hive file is only ${source.size} bytes, smaller than its base block`, 'regf base block', 0, source.path);
    const header = parseBaseBlock(await source.read(0, BASE_BLOCK_SIZE), source.path, opts.ignoreChecksum === true);
    const available = Math.floor((source.size - BASE_BLOCK_SIZE) / 4096) * 4096;
    const dataEnd = Math.min(header.hiveBinsDataSize, available);
    if (dataEnd === 0) throw corrupt('hive file has no hive bins after its base block', 'regf base block', 40, source.path);
    const store = new CellStore(source, dataEnd, { maxValueBytes });
    if (!header.checksumValid) store.warn('base block checksum is wrong (hive header may be stale)');
    if (header.dirty) {
      store.warn(
        `hive was not saved cleanly (sequence numbers ${header.primarySequence} and ${header.secondarySequence} differ); changes still in its transaction logs are not applied`,
      );
    }
    if (dataEnd < header.hiveBinsDataSize) store.warn(`hive file is truncated: ${header.hiveBinsDataSize - dataEnd} bytes of hive bins are missing`);
    const first = await store.binAt(0, 'hbin header');
    if (first.start !== 0) throw corrupt('the first hive bin does not start at the hive bins data', 'hbin header', BASE_BLOCK_SIZE, source.path);
    const root = await RegistryKey.load(store, header.rootCellOffset, undefined);
    return new Hive(store, header, root);
  }

  /**
   * A key by path below the root: "ControlSet001\\Services\\Tcpip" (case-insensitive, "\\"
   * separated; leading/trailing separators ignored). Undefined when any component is missing.
   */
  async get(path: string): Promise<RegistryKey | undefined> {
    const parts = splitPath(path);
    let key: RegistryKey | undefined = this.root;
    for (const p of parts) {
      key = await key.subkey(p);
      if (key === undefined) return undefined;
    }
    return key;
  }

  /**
   * Every key below `start` (itself first), depth-first. A key node reached twice means the
   * tree has a cycle or shared subtree: that is corruption, reported rather than walked again.
   */
  async *walk(start: RegistryKey = this.root, maxDepth = MAX_KEY_DEPTH): AsyncGenerator<RegistryKey> {
    const visited = new Set<number>([start.offset]);
    const stack: Array<{ key: RegistryKey; depth: number }> = [{ key: start, depth: 0 }];
    while (stack.length > 0) {
      const { key, depth } = stack.pop()!;
      yield key;
      const children = await key.subkeys();
      if (children.length > 0 && depth >= maxDepth) {
        throw regError('LIMIT_EXCEEDED', `keys nested deeper than ${maxDepth} levels at "${key.path}"`, 'nk cell', this.store.fileOffset(key.offset), this.store.path);
      }
      for (const c of children) {
        if (visited.has(c.offset)) throw corrupt(`key node ${hex(c.offset)} is reached twice (cycle in the key tree)`, 'nk cell', this.store.fileOffset(c.offset), this.store.path);
        visited.add(c.offset);
      }
      // Pushed in reverse so the first child is walked next (pre-order, stored order).
      for (let i = children.length - 1; i >= 0; i--) stack.push({ key: children[i]!, depth: depth + 1 });
    }
  }
}

export function splitPath(path: string): string[] {
  const parts = path.split('\\').filter((p) => p.length > 0);
  if (parts.length > MAX_KEY_DEPTH) throw regError('INVALID_ARGUMENT', `registry path has more than ${MAX_KEY_DEPTH} components`);
  return parts;
}
