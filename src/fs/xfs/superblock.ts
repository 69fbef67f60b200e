import { FileSystemError } from '../../errors.js';
import { BinaryView, uuidToString } from '../../util/binary.js';
import * as C from './constants.js';
import { corrupt, hex, unsupported } from './errors.js';

const SB_STRUCT = 'XFS superblock';

/** The parts of the primary superblock the reader needs, validated. */
export interface Superblock {
  version: 4 | 5;
  blockSize: number;
  blockLog: number;
  sectSize: number;
  /** Blocks in the data device. */
  dblocks: number;
  agBlocks: number;
  agCount: number;
  agBlkLog: number;
  inodeSize: number;
  inodeLog: number;
  inoPbLog: number;
  rootIno: number;
  dirBlkLog: number;
  /** Directory block size in bytes (blockSize << dirBlkLog). */
  dirBlockSize: number;
  hasCrc: boolean;
  hasFtype: boolean;
  asciiCi: boolean;
  hasNlink: boolean;
  incompat: number;
  logIncompat: number;
  label: string;
  uuid: string;
  icount: number;
  ifree: number;
  fdblocks: number;
  imaxPct: number;
  logBlocks: number;
  logStart: number;
}

function log2exact(n: number): number {
  if (n <= 0 || (n & (n - 1)) !== 0) return -1;
  return 31 - Math.clz32(n);
}

/** True when the bytes begin with an XFS superblock magic (cheap blkid-style check). */
export function hasXfsMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x58 && head[1] === 0x46 && head[2] === 0x53 && head[3] === 0x42;
}

/** Parses and validates superblock 0; unknown incompatible features are refused by name. */
export function parseSuperblock(bytes: Uint8Array): Superblock {
  const v = new BinaryView(bytes, SB_STRUCT, 0, FileSystemError, 'CORRUPT_FILESYSTEM');
  if (v.u32be(0) !== C.XFS_SB_MAGIC) throw corrupt('bad magic (expected "XFSB")', SB_STRUCT, 0);
  const versionnum = v.u16be(100);
  const version = versionnum & C.SB_VERSION_NUMBITS;
  const features2 = v.u32be(200);
  if (version !== 4 && version !== 5) {
    throw unsupported(`superblock version ${version} is not supported (only v4 and v5)`, SB_STRUCT, 100);
  }
  if (version === 4) {
    if (!(versionnum & C.SB_VERSION_DIRV2BIT)) throw unsupported('v4 filesystem with version 1 directories is not supported', SB_STRUCT, 100);
    if (versionnum & C.SB_VERSION_SHAREDBIT) throw unsupported('v4 "shared" superblock feature is not supported', SB_STRUCT, 100);
    if (versionnum & C.SB_VERSION_MOREBITSBIT && features2 & ~C.SB_VERSION2_OKBITS) {
      throw unsupported(`unknown v4 features2 bits ${hex(features2 & ~C.SB_VERSION2_OKBITS)}`, SB_STRUCT, 200);
    }
  }
  const blockSize = v.u32be(4);
  const blockLog = v.u8(120);
  if (log2exact(blockSize) !== blockLog || blockLog < 9 || blockLog > 16) throw corrupt(`bad block size ${blockSize} (log ${blockLog})`, SB_STRUCT, 4);
  const sectSize = v.u16be(102);
  if (log2exact(sectSize) !== v.u8(121) || sectSize < 512 || sectSize > 32768) throw corrupt(`bad sector size ${sectSize}`, SB_STRUCT, 102);
  const inodeSize = v.u16be(104);
  const inodeLog = v.u8(122);
  if (log2exact(inodeSize) !== inodeLog || inodeLog < 8 || inodeLog > 11 || inodeSize > blockSize) {
    throw corrupt(`bad inode size ${inodeSize}`, SB_STRUCT, 104);
  }
  if (version === 5 && inodeSize < 512) throw corrupt(`v5 inode size ${inodeSize} is below 512`, SB_STRUCT, 104);
  const inoPbLog = v.u8(123);
  if (v.u16be(106) !== blockSize / inodeSize || inoPbLog !== blockLog - inodeLog) throw corrupt('inodes-per-block disagrees with the block and inode sizes', SB_STRUCT, 106);
  const agBlocks = v.u32be(84);
  const agCount = v.u32be(88);
  const agBlkLog = v.u8(124);
  if (agBlocks < 16 || agBlkLog > 31 || agBlkLog !== Math.ceil(Math.log2(agBlocks))) throw corrupt(`bad AG size ${agBlocks} (log ${agBlkLog})`, SB_STRUCT, 84);
  if (agCount < 1) throw corrupt('AG count is 0', SB_STRUCT, 88);
  if (agBlkLog + inoPbLog + Math.ceil(Math.log2(agCount + 1)) > 53) {
    throw unsupported('inode numbers of this geometry exceed 53 bits', SB_STRUCT, 88);
  }
  const dblocks = v.safe64be(8, 'sb_dblocks');
  if (dblocks > agCount * agBlocks || dblocks <= (agCount - 1) * agBlocks) throw corrupt(`data block count ${dblocks} does not match ${agCount} AGs of ${agBlocks} blocks`, SB_STRUCT, 8);
  const dirBlkLog = v.u8(192);
  if (blockLog + dirBlkLog > 16) throw corrupt(`bad directory block log ${dirBlkLog}`, SB_STRUCT, 192);
  if (v.u8(126) !== 0) throw corrupt('mkfs did not finish (sb_inprogress is set)', SB_STRUCT, 126);

  const incompat = version === 5 ? v.u32be(216) : 0;
  const unknown = incompat & ~C.INCOMPAT_SUPPORTED;
  if (unknown) {
    const names: string[] = [];
    for (let bit = 1; bit !== 0 && bit <= unknown; bit = (bit << 1) >>> 0) {
      if (unknown & bit) names.push(C.INCOMPAT_NAMES[bit] ?? hex(bit));
    }
    throw unsupported(`unsupported incompatible XFS features: ${names.join(', ')}`, SB_STRUCT, 216);
  }
  const hasFtype = version === 5 ? (incompat & C.INCOMPAT_FTYPE) !== 0 : (versionnum & C.SB_VERSION_MOREBITSBIT) !== 0 && (features2 & C.SB_VERSION2_FTYPE) !== 0;

  const rootIno = v.safe64be(56, 'sb_rootino');
  const label = v.cstring(108, 12);
  return {
    version,
    blockSize,
    blockLog,
    sectSize,
    dblocks,
    agBlocks,
    agCount,
    agBlkLog,
    inodeSize,
    inodeLog,
    inoPbLog,
    rootIno,
    dirBlkLog,
    dirBlockSize: blockSize << dirBlkLog,
    hasCrc: version === 5,
    hasFtype,
    asciiCi: (versionnum & C.SB_VERSION_BORGBIT) !== 0,
    hasNlink: version === 5 || (versionnum & C.SB_VERSION_NLINKBIT) !== 0,
    incompat,
    logIncompat: version === 5 ? v.u32be(220) : 0,
    label,
    uuid: uuidToString(v.slice(32, 16)),
    icount: v.safe64be(128, 'sb_icount'),
    ifree: v.safe64be(136, 'sb_ifree'),
    fdblocks: v.safe64be(144, 'sb_fdblocks'),
    imaxPct: v.u8(127),
    logBlocks: v.u32be(96),
    logStart: v.safe64be(48, 'sb_logstart'),
  };
}

/** Address arithmetic: inode numbers and AG-relative block numbers to device bytes. */
export class Geometry {
  private readonly agBlkMul: number;
  private readonly inoAgMul: number;
  private readonly inoPerBlock: number;

  constructor(readonly sb: Superblock) {
    this.agBlkMul = 2 ** sb.agBlkLog;
    this.inoPerBlock = 2 ** sb.inoPbLog;
    this.inoAgMul = 2 ** (sb.agBlkLog + sb.inoPbLog);
  }

  /** Byte offset of inode `ino`; throws when the number lies outside the filesystem. */
  inodeOffset(ino: number, referrer: string): number {
    const sb = this.sb;
    const agno = Math.floor(ino / this.inoAgMul);
    const rest = ino % this.inoAgMul;
    const agbno = Math.floor(rest / this.inoPerBlock);
    const slot = rest % this.inoPerBlock;
    const block = agno * sb.agBlocks + agbno;
    if (!Number.isSafeInteger(ino) || ino <= 0 || agno >= sb.agCount || agbno >= sb.agBlocks || block >= sb.dblocks) {
      throw corrupt(`inode number ${hex(ino)} lies outside the filesystem`, referrer);
    }
    return block * sb.blockSize + slot * sb.inodeSize;
  }

  /**
   * Converts an on-disk filesystem block number (agno << agblklog | agbno) to a linear block
   * index and checks that `count` blocks from there stay inside one AG.
   */
  fsbToBlock(fsbno: number, count: number, structure: string, offset?: number, owner?: string): number {
    const sb = this.sb;
    const agno = Math.floor(fsbno / this.agBlkMul);
    const agbno = fsbno % this.agBlkMul;
    const block = agno * sb.agBlocks + agbno;
    if (agno >= sb.agCount || agbno + count > sb.agBlocks || block + count > sb.dblocks || count < 1) {
      throw corrupt(`block ${hex(fsbno)} (+${count}) lies outside the filesystem`, owner ? `${structure} of ${owner}` : structure, offset);
    }
    return block;
  }
}
