/**
 * Applies the committed frames of a SQLite write-ahead log to an in-memory copy of the main
 * database file. rpm opens rpmdb.sqlite in WAL mode, so an image taken from a running (or
 * crashed) system can hold its latest transactions only in rpmdb.sqlite-wal. Frames count
 * only when their salts match the log header and their cumulative checksums verify, and only
 * up to the last commit frame, exactly as SQLite's own recovery decides.
 */
import { corruptDb } from './types.js';

const WAL_MAGIC_LE = 0x377f0682;
const WAL_MAGIC_BE = 0x377f0683;
const WAL_HEADER = 32;
const FRAME_HEADER = 24;

export interface WalResult {
  db: Uint8Array;
  /** Frames applied (0 when the log was empty, stale or unusable). */
  frames: number;
  warnings: string[];
}

/** Page size from the database header (offset 16, big-endian; 1 means 65536). */
export function sqlitePageSize(db: Uint8Array): number {
  if (db.length < 100) throw corruptDb('file is too small for a SQLite database', 'sqlite header', 0);
  const v = (db[16]! << 8) | db[17]!;
  return v === 1 ? 65536 : v;
}

export function applyWal(db: Uint8Array, wal: Uint8Array, maxBytes: number): WalResult {
  const warnings: string[] = [];
  if (wal.length < WAL_HEADER) return { db, frames: 0, warnings };
  const hv = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = hv.getUint32(0, false);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) {
    warnings.push('sqlite: ignoring a write-ahead log with a bad magic');
    return { db, frames: 0, warnings };
  }
  const bigEndianSums = magic === WAL_MAGIC_BE;
  const pageSize = hv.getUint32(8, false);
  const dbPageSize = sqlitePageSize(db);
  if (pageSize !== dbPageSize) {
    warnings.push(`sqlite: ignoring a write-ahead log with page size ${pageSize} (database uses ${dbPageSize})`);
    return { db, frames: 0, warnings };
  }
  let [s0, s1] = checksum(wal, 0, 24, 0, 0, bigEndianSums);
  if (s0 !== hv.getUint32(24, false) || s1 !== hv.getUint32(28, false)) {
    warnings.push('sqlite: ignoring a write-ahead log whose header checksum is wrong');
    return { db, frames: 0, warnings };
  }
  const salt1 = hv.getUint32(16, false);
  const salt2 = hv.getUint32(20, false);

  // First pass: find the frames up to the last valid commit.
  const frameSize = FRAME_HEADER + pageSize;
  let committed = 0;
  let dbPages = 0;
  for (let i = 0, off = WAL_HEADER; off + frameSize <= wal.length; i++, off += frameSize) {
    if (hv.getUint32(off + 8, false) !== salt1 || hv.getUint32(off + 12, false) !== salt2) break;
    [s0, s1] = checksum(wal, off, 8, s0, s1, bigEndianSums);
    [s0, s1] = checksum(wal, off + FRAME_HEADER, pageSize, s0, s1, bigEndianSums);
    if (s0 !== hv.getUint32(off + 16, false) || s1 !== hv.getUint32(off + 20, false)) break;
    const commit = hv.getUint32(off + 4, false);
    if (commit !== 0) {
      committed = i + 1;
      dbPages = commit;
    }
  }
  if (committed === 0) return { db, frames: 0, warnings };
  if (dbPages * pageSize > maxBytes) throw corruptDb(`write-ahead log grows the database to ${dbPages} pages`, 'sqlite wal', 0);

  const out = new Uint8Array(dbPages * pageSize);
  out.set(db.subarray(0, Math.min(db.length, out.length)));
  for (let i = 0, off = WAL_HEADER; i < committed; i++, off += frameSize) {
    const pgno = hv.getUint32(off, false);
    if (pgno < 1 || pgno > dbPages) throw corruptDb(`frame ${i} writes page ${pgno} beyond the ${dbPages}-page database`, 'sqlite wal frame', off);
    out.set(wal.subarray(off + FRAME_HEADER, off + frameSize), (pgno - 1) * pageSize);
  }
  return { db: out, frames: committed, warnings };
}

/** SQLite's WAL checksum: two running 32-bit sums over pairs of words. */
function checksum(b: Uint8Array, off: number, len: number, s0: number, s1: number, bigEndian: boolean): [number, number] {
  const dv = new DataView(b.buffer, b.byteOffset + off, len);
  for (let i = 0; i + 8 <= len; i += 8) {
    s0 = (s0 + dv.getUint32(i, !bigEndian) + s1) >>> 0;
    s1 = (s1 + dv.getUint32(i + 4, !bigEndian) + s0) >>> 0;
  }
  return [s0, s1];
}
