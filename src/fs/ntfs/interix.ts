/**
 * Interix (Services for Unix) special files, which ntfs-3g creates for symlinks, FIFOs,
 * sockets and device nodes: files with the SYSTEM attribute whose unnamed $DATA is
 *   "IntxLNK\1" + UTF-16 target      symbolic link
 *   "IntxCHR\0" / "IntxBLK\0" + u64 major + u64 minor   devices (exactly 24 bytes)
 *   empty (0 bytes) / 1 byte          FIFO / socket (only when not HIDDEN)
 * These are ntfs-3g's rules (src/ntfs-3g.c, getattr), applied the same way here.
 */
import type { FileType } from '../types.js';
import { latin1 } from '../../util/binary.js';

export const INTX_MAGIC_SIZE = 8;
/** ntfs-3g reads targets of up to PATH_MAX UTF-16 units. */
export const INTX_MAX_SIZE = INTX_MAGIC_SIZE + 2 * 4096;

export interface InterixInfo {
  type: FileType;
  rdev?: { major: number; minor: number };
  target?: string;
}

/** Type decidable from the size alone (FIFO/socket), without reading the data. */
export function interixBySize(size: number, hidden: boolean): FileType | undefined {
  if (hidden) return undefined;
  if (size === 0) return 'fifo';
  if (size === 1) return 'socket';
  return undefined;
}

/** Whether the data must be read to decide. */
export const interixNeedsData = (size: number) => size > INTX_MAGIC_SIZE && size <= INTX_MAX_SIZE;

export function parseInterix(data: Uint8Array): InterixInfo | undefined {
  if (data.length <= INTX_MAGIC_SIZE) return undefined;
  const magic = latin1(data.subarray(0, 8));
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if ((magic === 'IntxCHR\0' || magic === 'IntxBLK\0') && data.length === 24) {
    const major = Number(dv.getBigUint64(8, true) & 0xffffffffn);
    const minor = Number(dv.getBigUint64(16, true) & 0xffffffffn);
    return { type: magic === 'IntxCHR\0' ? 'chardev' : 'blockdev', rdev: { major, minor } };
  }
  if (magic === 'IntxLNK\x01') {
    const units = (data.length - 8) >> 1;
    return { type: 'symlink', target: new TextDecoder('utf-16le').decode(data.subarray(8, 8 + units * 2)) };
  }
  return undefined;
}
