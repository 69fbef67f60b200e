import type { XfsContext } from './bmap.js';

/**
 * Best-effort check of the internal log: is the last record before the log head an unmount
 * record (clean), or are there changes that a mount would replay first (dirty)? Mirrors the
 * core of the kernel's xlog_find_head/xlog_check_unmount_rec, without torn-write repair.
 * Never throws: anything unexpected is 'unknown'.
 */
export type LogState = 'clean' | 'dirty' | 'unknown' | 'external';

const BB = 512;
const HEADER_MAGIC = 0xfeedbabe;
const UNMOUNT_TRANS = 0x20;
/** A log record (including its header blocks) never exceeds 256 KiB + 8 header blocks. */
const MAX_RECORD_BBS = 512 + 8;

export async function checkLog(ctx: XfsContext): Promise<LogState> {
  const sb = ctx.sb;
  if (sb.logStart === 0) return 'external';
  try {
    const startBlock = ctx.geo.fsbToBlock(sb.logStart, sb.logBlocks, 'log');
    const base = startBlock * sb.blockSize;
    const nbb = (sb.logBlocks * sb.blockSize) / BB;
    if (nbb < 2) return 'unknown';
    const readBB = async (i: number, n = 1): Promise<DataView> => {
      const b = await ctx.readMeta(base + i * BB, n * BB);
      return new DataView(b.buffer, b.byteOffset, b.byteLength);
    };
    const cycleOf = (v: DataView, at = 0): number => (v.getUint32(at) === HEADER_MAGIC ? v.getUint32(at + 4) : v.getUint32(at));

    // The head is where the cycle number stamped on each block drops back to the previous lap.
    const first = cycleOf(await readBB(0));
    const last = cycleOf(await readBB(nbb - 1));
    let head = nbb;
    if (first !== last) {
      let lo = 0;
      let hi = nbb - 1; // cycle(lo) === first, cycle(hi) === last
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (cycleOf(await readBB(mid)) === last) hi = mid;
        else lo = mid;
      }
      head = hi;
    }

    // Walk back from the head to the last record header.
    const span = Math.min(MAX_RECORD_BBS, nbb);
    for (let k = 1; k <= span; k++) {
      const blk = (head - k + nbb) % nbb;
      const v = await readBB(blk);
      if (v.getUint32(0) !== HEADER_MAGIC) continue;
      const version = v.getUint32(8);
      const numOps = v.getUint32(40);
      const hsize = v.getUint32(320);
      const hblks = version === 2 && hsize > 32768 ? Math.ceil(hsize / 32768) : 1;
      if (hblks > 8) return 'unknown';
      if (numOps !== 1) return 'dirty';
      // The op header starts the record's data; its flags byte sits at offset 9.
      const data = await readBB((blk + hblks) % nbb);
      return data.getUint8(9) & UNMOUNT_TRANS ? 'clean' : 'dirty';
    }
    return 'unknown';
  } catch {
    return 'unknown';
  }
}
