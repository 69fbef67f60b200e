import type { GuestFileSystem } from '../../fs/vfs.js';
import { GuestPathError } from '../../errors.js';
import { corruptDb, dbError } from './types.js';

/**
 * Random access to one database file, so page-based readers (Berkeley DB, NDB) fetch only
 * the pages they walk instead of the whole file.
 */
export interface RandomAccess {
  readonly name: string;
  readonly size: number;
  /** Exactly `length` bytes at `offset`; a typed error when that lies outside the file. */
  read(offset: number, length: number, structure: string): Promise<Uint8Array>;
}

export function bytesSource(bytes: Uint8Array, name: string): RandomAccess {
  return {
    name,
    size: bytes.length,
    async read(offset, length, structure) {
      if (!inRange(offset, length, bytes.length)) throw outside(name, offset, length, bytes.length, structure);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A guest file (symlinks followed inside the guest) read through its filesystem driver. */
export async function guestFileSource(view: GuestFileSystem, path: string): Promise<RandomAccess> {
  const r = await view.resolve(path, true);
  const st = await r.mount.fs.stat(r.node);
  if (st.type !== 'file') throw new GuestPathError('INVALID_ARGUMENT', `${path} is not a regular file (${st.type})`, { path });
  const size = st.size;
  return {
    name: path,
    size,
    async read(offset, length, structure) {
      if (!inRange(offset, length, size)) throw outside(path, offset, length, size, structure);
      const out = new Uint8Array(length);
      let pos = 0;
      while (pos < length) {
        const chunk = await r.mount.fs.read(r.node, offset + pos, length - pos);
        if (chunk.length === 0) throw dbError('IO_ERROR', `short read of ${path} at ${offset + pos}`, { path, structure });
        out.set(chunk.subarray(0, length - pos), pos);
        pos += chunk.length;
      }
      return out;
    },
  };
}

function inRange(offset: number, length: number, size: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= size;
}

function outside(name: string, offset: number, length: number, size: number, structure: string) {
  return corruptDb(`${length} bytes at ${offset} lie outside the ${size}-byte file`, structure, offset, name);
}
