import { crc32c } from './crc32c.js';
import { corrupt, view } from './errors.js';

/**
 * In-memory jbd2 recovery. The scan follows the log from s_start, collects complete
 * (committed) transactions, applies revoke records, and returns which journal block holds the
 * newest copy of each filesystem block. Nothing is written: the result becomes an overlay
 * under the driver's reads.
 */

const JBD2_MAGIC = 0xc03b3998;
const BT_DESCRIPTOR = 1;
const BT_COMMIT = 2;
const BT_SB_V1 = 3;
const BT_SB_V2 = 4;
const BT_REVOKE = 5;

const COMPAT_CHECKSUM = 0x1;
const INCOMPAT_REVOKE = 0x1;
const INCOMPAT_64BIT = 0x2;
const INCOMPAT_ASYNC_COMMIT = 0x4;
const INCOMPAT_CSUM_V2 = 0x8;
const INCOMPAT_CSUM_V3 = 0x10;
const INCOMPAT_FAST_COMMIT = 0x20;
const KNOWN_INCOMPAT = INCOMPAT_REVOKE | INCOMPAT_64BIT | INCOMPAT_ASYNC_COMMIT | INCOMPAT_CSUM_V2 | INCOMPAT_CSUM_V3 | INCOMPAT_FAST_COMMIT;

const FLAG_ESCAPE = 1;
const FLAG_SAME_UUID = 2;
const FLAG_LAST_TAG = 8;

export interface JournalSource {
  blockSize: number;
  blocksCount: number;
  /** Length of the journal inode in blocks. */
  journalBlocks: number;
  /** Physical block of journal block `lblk` (a hole is corruption). */
  map(lblk: number): Promise<number>;
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** Where the replayed copy of a filesystem block lives. */
export interface ReplayedBlock {
  /** Physical block (in the filesystem) of the journal copy. */
  pblk: number;
  /** The copy had its first four bytes escaped because they equalled the jbd2 magic. */
  escaped: boolean;
}

export interface ReplayResult {
  blocks: Map<number, ReplayedBlock>;
  transactions: number;
  /** Journal copies skipped because a later transaction revoked them. */
  revoked: number;
  /** Log blocks of complete transactions, counted from s_start (the log may wrap). */
  logBlocks: number;
  warnings: string[];
}

interface Tag {
  fsBlock: number;
  logBlock: number;
  flags: number;
  checksum: number;
}

interface Txn {
  seq: number;
  tags: Tag[];
  revoked: number[];
}

const tidGt = (x: number, y: number) => ((x - y) | 0) > 0;
const tidGeq = (x: number, y: number) => ((x - y) | 0) >= 0;

export async function replayJournal(src: JournalSource): Promise<ReplayResult> {
  const bs = src.blockSize;
  const warnings: string[] = [];
  const readLog = async (lblk: number) => {
    const p = await src.map(lblk);
    return { bytes: await src.read(p * bs, bs), offset: p * bs };
  };

  const sbBlock = await readLog(0);
  const sbv = view(sbBlock.bytes, 'jbd2 superblock', sbBlock.offset);
  if (sbv.u32be(0) !== JBD2_MAGIC) throw corrupt('bad jbd2 superblock magic', 'jbd2 superblock', sbBlock.offset);
  const sbType = sbv.u32be(4);
  if (sbType !== BT_SB_V1 && sbType !== BT_SB_V2) throw corrupt(`jbd2 superblock has block type ${sbType}`, 'jbd2 superblock', sbBlock.offset + 4);
  if (sbv.u32be(12) !== bs) throw corrupt(`journal block size ${sbv.u32be(12)} differs from the filesystem's ${bs}`, 'jbd2 superblock', sbBlock.offset + 12);
  const maxLen = sbv.u32be(16);
  const first = sbv.u32be(20);
  let seq = sbv.u32be(24);
  const start = sbv.u32be(28);
  const v2 = sbType === BT_SB_V2;
  const compat = v2 ? sbv.u32be(36) : 0;
  const incompat = v2 ? sbv.u32be(40) : 0;
  if (maxLen > src.journalBlocks || first === 0 || first >= maxLen) {
    throw corrupt(`journal geometry (first ${first}, length ${maxLen}) does not fit its ${src.journalBlocks}-block inode`, 'jbd2 superblock', sbBlock.offset + 16);
  }
  if (incompat & ~KNOWN_INCOMPAT) {
    warnings.push(`journal uses unknown features 0x${(incompat & ~KNOWN_INCOMPAT).toString(16)}; not replayed`);
    return { blocks: new Map(), transactions: 0, revoked: 0, logBlocks: 0, warnings };
  }
  if (start === 0) return { blocks: new Map(), transactions: 0, revoked: 0, logBlocks: 0, warnings };

  const csumV3 = (incompat & INCOMPAT_CSUM_V3) !== 0;
  const csumV2 = (incompat & INCOMPAT_CSUM_V2) !== 0;
  const csum = csumV2 || csumV3;
  const is64 = (incompat & INCOMPAT_64BIT) !== 0;
  let last = maxLen;
  if (incompat & INCOMPAT_FAST_COMMIT) {
    const fc = sbv.u32be(0x54) || 256;
    if (fc >= maxLen - first) throw corrupt(`fast-commit area of ${fc} blocks leaves no journal`, 'jbd2 superblock', sbBlock.offset + 0x54);
    last = maxLen - fc;
    warnings.push('journal has a fast-commit area; fast-commit records are not replayed');
  }
  if (start < first || start >= last) throw corrupt(`journal start ${start} is outside the log`, 'jbd2 superblock', sbBlock.offset + 28);
  if (compat & COMPAT_CHECKSUM) warnings.push('journal uses v1 commit checksums; they are not verified');

  let seed = 0;
  if (csum) {
    const sbCopy = sbBlock.bytes.slice(0, 1024);
    const stored = sbv.u32be(0xfc);
    sbCopy.fill(0, 0xfc, 0x100);
    if (crc32c(0xffffffff, sbCopy) !== stored) {
      warnings.push('jbd2 superblock checksum mismatch; journal not replayed');
      return { blocks: new Map(), transactions: 0, revoked: 0, logBlocks: 0, warnings };
    }
    seed = crc32c(0xffffffff, sbv.slice(48, 16));
  }
  const tagBytes = csumV3 ? 16 : (is64 ? 12 : 8) + (csumV2 ? 2 : 0);
  const tailBytes = csum ? 4 : 0;
  const wrap = (b: number) => (b >= last ? first + ((b - first) % (last - first)) : b);
  const blockCsumOk = (bytes: Uint8Array, at: number) => {
    const stored = view(bytes, 'jbd2 block', 0).u32be(at);
    const copy = bytes.slice();
    copy.fill(0, at, at + 4);
    return crc32c(seed, copy) === stored;
  };

  // Scan: walk the log while block headers carry the expected sequence number.
  const txns: Txn[] = [];
  let cur: Txn = { seq, tags: [], revoked: [] };
  let pos = start;
  let steps = 0;
  let used = 0;
  let logBlocks = 0;
  for (;;) {
    if (++steps > 2 * maxLen) throw corrupt('journal log does not terminate', 'jbd2 journal');
    const { bytes, offset } = await readLog(pos);
    const hv = view(bytes, `jbd2 log block ${pos}`, offset);
    if (hv.u32be(0) !== JBD2_MAGIC || hv.u32be(8) !== seq) break;
    const type = hv.u32be(4);
    if (type === BT_DESCRIPTOR) {
      if (csum && !blockCsumOk(bytes, bs - 4)) {
        warnings.push(`journal descriptor block ${pos} (transaction ${seq}) has a bad checksum; log ends there`);
        break;
      }
      let p = 12;
      let n = 0;
      while (p + tagBytes <= bs - tailBytes) {
        const lo = hv.u32be(p);
        let flags: number;
        let hi = 0;
        let checksum: number;
        if (csumV3) {
          flags = hv.u32be(p + 4);
          if (is64) hi = hv.u32be(p + 8);
          checksum = hv.u32be(p + 12);
        } else {
          checksum = hv.u16be(p + 4);
          flags = hv.u16be(p + 6);
          if (is64) hi = hv.u32be(p + 8);
        }
        p += tagBytes;
        if (!(flags & FLAG_SAME_UUID)) p += 16;
        n++;
        cur.tags.push({ fsBlock: hi * 2 ** 32 + lo, logBlock: wrap(pos + n), flags, checksum });
        if (flags & FLAG_LAST_TAG) break;
      }
      pos = wrap(pos + 1 + n);
      used += 1 + n;
    } else if (type === BT_COMMIT) {
      if (csum && !blockCsumOk(bytes, 16)) {
        warnings.push(`journal commit block ${pos} (transaction ${seq}) has a bad checksum; transaction not replayed`);
        break;
      }
      txns.push(cur);
      seq = (seq + 1) >>> 0;
      cur = { seq, tags: [], revoked: [] };
      pos = wrap(pos + 1);
      logBlocks = ++used;
    } else if (type === BT_REVOKE) {
      if (csum && !blockCsumOk(bytes, bs - 4)) {
        warnings.push(`journal revoke block ${pos} has a bad checksum; log ends there`);
        break;
      }
      const count = hv.u32be(12);
      if (count < 16 || count > bs - tailBytes) throw corrupt(`revoke block byte count ${count} is invalid`, `jbd2 log block ${pos}`, offset + 12);
      const rec = is64 ? 8 : 4;
      for (let p = 16; p + rec <= count; p += rec) cur.revoked.push(is64 ? hv.u32be(p) * 2 ** 32 + hv.u32be(p + 4) : hv.u32be(p));
      pos = wrap(pos + 1);
      used++;
    } else {
      break;
    }
  }

  // Revoke: a block revoked in transaction R is not replayed from any transaction up to R.
  const revokedUntil = new Map<number, number>();
  for (const t of txns) {
    for (const b of t.revoked) {
      const prev = revokedUntil.get(b);
      if (prev === undefined || tidGt(t.seq, prev)) revokedUntil.set(b, t.seq);
    }
  }

  const blocks = new Map<number, ReplayedBlock>();
  let revoked = 0;
  for (const t of txns) {
    for (const tag of t.tags) {
      const r = revokedUntil.get(tag.fsBlock);
      if (r !== undefined && tidGeq(r, t.seq)) {
        revoked++;
        continue;
      }
      if (tag.fsBlock >= src.blocksCount) {
        warnings.push(`journal transaction ${t.seq} names block ${tag.fsBlock}, beyond the filesystem; skipped`);
        continue;
      }
      const pblk = await src.map(tag.logBlock);
      if (csum) {
        const data = await src.read(pblk * bs, bs);
        const seqBytes = new Uint8Array(4);
        new DataView(seqBytes.buffer).setUint32(0, t.seq);
        const c = crc32c(crc32c(seed, seqBytes), data);
        if ((csumV3 ? c : c & 0xffff) !== tag.checksum) {
          warnings.push(`journal copy of block ${tag.fsBlock} in transaction ${t.seq} has a bad checksum; skipped`);
          continue;
        }
      }
      blocks.set(tag.fsBlock, { pblk, escaped: (tag.flags & FLAG_ESCAPE) !== 0 });
    }
  }
  return { blocks, transactions: txns.length, revoked, logBlocks, warnings };
}

export const JBD2_MAGIC_BYTES = new Uint8Array([0xc0, 0x3b, 0x39, 0x98]);
