/**
 * VHDX log replay, in memory. A header with a non-zero LogGuid means metadata updates may sit in
 * the log without having reached their final place; the spec requires replaying them before
 * the file is read, even read-only. We never write the image: replayed writes become an
 * Overlay that every metadata read (and payload read) goes through.
 *
 * The log is a circular buffer of 4 KiB sectors holding entries: a "loge" header with
 * descriptors ("desc" = one 4 KiB data sector to write, "zero" = a zero-filled range), then
 * "data" sectors. The active sequence ends at the valid entry with the highest sequence number
 * whose Tail points back to an unbroken run of entries; those entries are applied in order.
 */
import { ImageFormatError } from '../../errors.js';
import { latin1 } from '../../util/binary.js';
import type { HostFile } from '../host-file.js';
import { crc32cWithZeroedField } from '../../util/crc32c.js';
import { Overlay } from './file-view.js';
import { MiB, type VhdxHeader } from './headers.js';

const SECTOR = 4096;
/** Logs are 1 MiB in practice; refuse to pull absurd ones into memory. */
const MAX_LOG_BYTES = 64 * MiB;
/** Replayed writes must land below this file offset (1 PiB): anything beyond is corrupt. */
const MAX_FILE_OFFSET = 2 ** 50;

interface Descriptor {
  zero: boolean;
  fileOffset: number;
  /** Zero descriptors: bytes to zero. Data descriptors: 4096. */
  length: number;
  /** Data descriptors: the reassembled 4 KiB sector. */
  data: Uint8Array | undefined;
}

interface Entry {
  position: number;
  length: number;
  tail: number;
  sequence: bigint;
  flushedFileOffset: number;
  lastFileOffset: number;
  descriptors: Descriptor[];
}

export interface ReplayResult {
  overlay: Overlay;
  /** File size after replay (the log may extend the file). */
  size: number;
  entries: number;
}

/**
 * Replays the log of a dirty VHDX. Returns undefined when the log holds no valid sequence
 * (nothing to replay); throws typed errors when the log region itself is unusable.
 */
export async function replayLog(file: HostFile, header: VhdxHeader): Promise<ReplayResult | undefined> {
  const ctx = { path: file.path, structure: 'VHDX log', offset: header.logOffset };
  if (header.logVersion !== 0) throw new ImageFormatError('UNSUPPORTED_IMAGE', `unsupported VHDX log version ${header.logVersion}`, ctx);
  const { logOffset, logLength } = header;
  if (logOffset < MiB || logOffset % MiB !== 0 || logLength % MiB !== 0) {
    throw new ImageFormatError('CORRUPT_IMAGE', `VHDX log (${logOffset}+${logLength}) is not 1 MiB aligned`, ctx);
  }
  if (logLength > MAX_LOG_BYTES) {
    throw new ImageFormatError('UNSUPPORTED_IMAGE', `VHDX log of ${logLength} bytes is larger than the ${MAX_LOG_BYTES}-byte replay limit`, ctx);
  }
  if (logOffset + logLength > file.size) {
    throw new ImageFormatError('TRUNCATED_IMAGE', `VHDX log (${logOffset}+${logLength}) lies beyond the end of the file`, ctx);
  }
  const log = await file.read(logOffset, logLength, 'VHDX log');
  const entries = scanEntries(log, header.logGuid);
  const sequence = activeSequence(entries, logLength);
  if (!sequence) return undefined;

  const head = sequence[sequence.length - 1]!;
  if (head.flushedFileOffset > file.size) {
    throw new ImageFormatError(
      'TRUNCATED_IMAGE',
      `VHDX log says the file held at least ${head.flushedFileOffset} bytes, but it has ${file.size}`,
      { ...ctx, offset: logOffset + head.position },
    );
  }
  const overlay = new Overlay();
  let size = Math.max(file.size, head.lastFileOffset);
  for (const e of sequence) {
    for (const d of e.descriptors) {
      overlay.write(d.fileOffset, d.length, d.data);
      size = Math.max(size, d.fileOffset + d.length);
    }
  }
  return { overlay, size, entries: sequence.length };
}

/** Every sector that starts a fully valid entry (checksums, signatures, sequence numbers). */
function scanEntries(log: Uint8Array, logGuid: Uint8Array): Map<number, Entry> {
  const out = new Map<number, Entry>();
  // Each candidate costs a CRC over its length; bound the total so a hostile log cannot stall us.
  let budget = 8 * log.length + 16 * MiB;
  for (let pos = 0; pos < log.length; pos += SECTOR) {
    if (latin1(log.subarray(pos, pos + 4)) !== 'loge') continue;
    const dv = new DataView(log.buffer, log.byteOffset + pos, SECTOR);
    const length = dv.getUint32(8, true);
    if (length < SECTOR || length % SECTOR !== 0 || length > log.length) continue;
    budget -= length;
    if (budget < 0) {
      throw new ImageFormatError('LIMIT_EXCEEDED', 'VHDX log scan exceeded its work limit (too many overlapping entries)', {
        structure: 'VHDX log',
      });
    }
    const e = parseEntry(circular(log, pos, length), pos, logGuid);
    if (e) out.set(pos, e);
  }
  return out;
}

/** `length` bytes of the circular log starting at `pos`, wrapping at the end. */
function circular(log: Uint8Array, pos: number, length: number): Uint8Array {
  if (pos + length <= log.length) return log.subarray(pos, pos + length);
  const out = new Uint8Array(length);
  const first = log.length - pos;
  out.set(log.subarray(pos), 0);
  out.set(log.subarray(0, length - first), first);
  return out;
}

function parseEntry(b: Uint8Array, position: number, logGuid: Uint8Array): Entry | undefined {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const tail = dv.getUint32(12, true);
  const sequence = dv.getBigUint64(16, true);
  const count = dv.getUint32(24, true);
  if (sequence === 0n || tail % SECTOR !== 0) return undefined;
  for (let i = 0; i < 16; i++) if (b[32 + i] !== logGuid[i]) return undefined;
  const descSectors = Math.ceil((count + 2) / 128);
  const sectors = b.length / SECTOR;
  if (descSectors > sectors) return undefined;
  if (crc32cWithZeroedField(b, 4) !== dv.getUint32(4, true)) return undefined;
  const flushed = safe(dv.getBigUint64(48, true));
  const last = safe(dv.getBigUint64(56, true));
  if (flushed === undefined || last === undefined) return undefined;

  const descriptors: Descriptor[] = [];
  let dataSector = descSectors;
  for (let i = 0; i < count; i++) {
    const at = 64 + i * 32;
    const sig = latin1(b.subarray(at, at + 4));
    if (dv.getBigUint64(at + 24, true) !== sequence) return undefined;
    const fileOffset = safe(dv.getBigUint64(at + 16, true));
    if (fileOffset === undefined || fileOffset % SECTOR !== 0) return undefined;
    if (sig === 'zero') {
      const length = safe(dv.getBigUint64(at + 8, true));
      if (length === undefined || length % SECTOR !== 0 || fileOffset + length > MAX_FILE_OFFSET) return undefined;
      if (length > 0) descriptors.push({ zero: true, fileOffset, length, data: undefined });
    } else if (sig === 'desc') {
      if (dataSector >= sectors || fileOffset + SECTOR > MAX_FILE_OFFSET) return undefined;
      const s = b.subarray(dataSector * SECTOR, (dataSector + 1) * SECTOR);
      const sdv = new DataView(s.buffer, s.byteOffset, SECTOR);
      if (latin1(s.subarray(0, 4)) !== 'data') return undefined;
      const seq = (BigInt(sdv.getUint32(4, true)) << 32n) | BigInt(sdv.getUint32(4092, true));
      if (seq !== sequence) return undefined;
      // The sector's first 8 and last 4 bytes live in the descriptor (signature/sequence slots).
      const data = new Uint8Array(SECTOR);
      data.set(b.subarray(at + 8, at + 16), 0);
      data.set(s.subarray(8, 4092), 8);
      data.set(b.subarray(at + 4, at + 8), 4092);
      descriptors.push({ zero: false, fileOffset, length: SECTOR, data });
      dataSector++;
    } else {
      return undefined;
    }
  }
  return { position, length: b.length, tail, sequence, flushedFileOffset: flushed, lastFileOffset: last, descriptors };
}

function safe(v: bigint): number | undefined {
  return v <= BigInt(MAX_FILE_OFFSET) ? Number(v) : undefined;
}

/**
 * The entries to replay: for the head (highest sequence number first), walk from its Tail
 * through consecutive entries with consecutive sequence numbers; the first head for which that
 * walk reaches it wins.
 */
function activeSequence(entries: Map<number, Entry>, logLength: number): Entry[] | undefined {
  const heads = [...entries.values()].sort((a, b) => (a.sequence < b.sequence ? 1 : a.sequence > b.sequence ? -1 : 0));
  for (const head of heads) {
    if (head.tail >= logLength) continue;
    const chain: Entry[] = [];
    let cur = entries.get(head.tail);
    let steps = 0;
    while (cur && steps++ <= entries.size) {
      const prev = chain[chain.length - 1];
      if (prev && cur.sequence !== prev.sequence + 1n) break;
      chain.push(cur);
      if (cur === head) return chain;
      cur = entries.get((cur.position + cur.length) % logLength);
    }
  }
  return undefined;
}
