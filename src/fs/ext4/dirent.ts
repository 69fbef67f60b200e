import type { FileType } from '../types.js';
import { corrupt, view } from './errors.js';

export interface RawDirent {
  ino: number;
  name: Uint8Array;
  /** dirent file type byte (0 when the filesystem lacks the filetype feature). */
  fileType: number;
}

const DIRENT_TYPES: Record<number, FileType> = {
  1: 'file',
  2: 'dir',
  3: 'chardev',
  4: 'blockdev',
  5: 'fifo',
  6: 'socket',
  7: 'symlink',
};

export function direntType(t: number): FileType | undefined {
  return DIRENT_TYPES[t];
}

/** rec_len as stored: 64 KiB blocks need the kernel's encoding (0 or 65535 mean 65536). */
export function decodeRecLen(raw: number, blockSize: number): number {
  if (blockSize < 65536) return raw;
  if (raw === 65535 || raw === 0) return 65536;
  return (raw & 65532) | ((raw & 3) << 16);
}

/**
 * Parses the linked directory entries of one directory block (or an inline-data region),
 * calling `each` for every in-use entry. Entries with inode 0 — deleted entries, the
 * checksum tail and the fake entries that hide htree index data — are skipped, which is
 * what makes a linear walk of an htree directory list exactly its real entries.
 */
export function parseDirBlock(
  block: Uint8Array,
  structure: string,
  offset: number,
  blockSize: number,
  hasFileType: boolean,
  each: (d: RawDirent) => boolean | void,
): void {
  const v = view(block, structure, offset);
  let pos = 0;
  while (pos < block.length) {
    if (pos + 8 > block.length) throw corrupt('directory entry header crosses the end of the block', structure, offset + pos);
    const ino = v.u32le(pos);
    const recLen = decodeRecLen(v.u16le(pos + 4), blockSize);
    const nameLen = v.u8(pos + 6);
    if (recLen < 8 || recLen % 4 !== 0 || pos + recLen > block.length || 8 + nameLen > recLen) {
      throw corrupt(`directory entry has invalid length ${recLen} (name length ${nameLen})`, structure, offset + pos);
    }
    if (ino !== 0 && nameLen > 0) {
      if (each({ ino, name: block.subarray(pos + 8, pos + 8 + nameLen), fileType: hasFileType ? v.u8(pos + 7) : 0 }) === true) return;
    }
    pos += recLen;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/** Names are bytes; nearly always UTF-8. Invalid sequences become U+FFFD (lookup then falls back to a scan). */
export function decodeName(name: Uint8Array): string {
  try {
    return strictUtf8.decode(name);
  } catch {
    return lossyUtf8.decode(name);
  }
}

export function isDotName(name: Uint8Array): boolean {
  return name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e));
}
